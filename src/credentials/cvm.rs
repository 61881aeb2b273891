//! The CVM source: the instance's CAM role key from the metadata server.
//!
//! `GET {metadata}cam/security-credentials/` answers the role's name (404: no role bound), and
//! `GET {metadata}cam/security-credentials/{role}` its temporary key as
//! `{TmpSecretId, TmpSecretKey, Token, ExpiredTime, Expiration, Code}`. Each request has 1 s
//! and 3 attempts, within the call's deadline: the vendor SDKs' metadata calls have no timeout
//! at all, so a call made off CVM could hang where this one fails in a few seconds.

use super::refresh::Fresh;
use super::CredentialSource;
use crate::config::{check_secret, check_secret_id, check_session_token, read_env, Identity, Secret, TransportOptions};
use crate::endpoint::{is_loopback_host, Target};
use crate::error::{codes, Error, Result};
use crate::transport;
use serde::Deserialize;
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

pub const DEFAULT_ENDPOINT: &str = "http://metadata.tencentyun.com/latest/meta-data/";
pub const DEFAULT_HOST: &str = "metadata.tencentyun.com";
pub const ENV_ENDPOINT: &str = "TENCENTCLOUD_METADATA_ENDPOINT";
pub const ENV_DISABLED: &str = "TENCENTCLOUD_METADATA_DISABLED";
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(1);
pub const ATTEMPTS: u32 = 3;
const ROLES_PATH: &str = "cam/security-credentials/";
/// Between attempts: the metadata server is local, a short pause is enough.
const PAUSE: Duration = Duration::from_millis(100);

/// Where the metadata server is (validated), without a trailing path beyond the base.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spec {
    /// `{metadata}`, ending in `/`.
    base: String,
    field: String,
}

/// Plain http goes to the default host, a link-local (169.254.0.0/16) or a loopback address only.
fn plain_http_ok(host: &str) -> bool {
    host.eq_ignore_ascii_case(DEFAULT_HOST)
        || is_loopback_host(host)
        || host.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_link_local())
}

impl Spec {
    /// The CVM source, or why it does not apply (`TENCENTCLOUD_METADATA_DISABLED=true`).
    /// `config_endpoint` is config `metadata_endpoint` (its field, its value), which wins over
    /// `TENCENTCLOUD_METADATA_ENDPOINT`.
    pub fn new(config_endpoint: Option<(&str, &str)>) -> Result<std::result::Result<Spec, String>> {
        if read_env(ENV_DISABLED).is_some_and(|v| v.eq_ignore_ascii_case("true")) {
            return Ok(Err(format!("{ENV_DISABLED}=true")));
        }
        let (field, base) = match (config_endpoint, read_env(ENV_ENDPOINT)) {
            (Some((field, url)), _) => (field.to_owned(), url.to_owned()),
            (None, Some(url)) => (ENV_ENDPOINT.to_owned(), url),
            (None, None) => ("metadata_endpoint".to_owned(), DEFAULT_ENDPOINT.to_owned()),
        };
        Self::with_endpoint(&field, &base).map(Ok)
    }

    /// The metadata server at `base` (named `field` in errors).
    pub fn with_endpoint(field: &str, base: &str) -> Result<Spec> {
        let base = if base.ends_with('/') { base.to_owned() } else { format!("{base}/") };
        let target = Self::target_of(field, &base)?;
        if target.uri().query().is_some() {
            return Err(Error::invalid(field, "must not have a query (`?...`)"));
        }
        Ok(Spec { base, field: field.to_owned() })
    }

    fn target_of(field: &str, url: &str) -> Result<Target> {
        Target::parse_with(
            field,
            url,
            "metadata.tencentyun.com, a link-local (169.254.x.x) or a loopback address",
            plain_http_ok,
        )
    }

    /// One cache entry per metadata server.
    pub fn cache_key(&self) -> String {
        format!("cvm {}", self.base)
    }

    fn options(&self, url: &str, timeout: Duration) -> Result<TransportOptions> {
        let target = Self::target_of(&self.field, url)?;
        let host = match target.port() {
            80 if !target.is_https() => target.host().to_owned(),
            443 if target.is_https() => target.host().to_owned(),
            port => format!("{}:{port}", target.host()),
        };
        // Never through a proxy: the metadata server is only reachable from the instance itself.
        Ok(TransportOptions { endpoint: host, target, proxy: None, timeout, retries: 0, ca_pem: None, ca_file: None })
    }

    /// GET with [`ATTEMPTS`] attempts of [`ATTEMPT_TIMEOUT`], all before `deadline`.
    fn get(&self, url: &str, deadline: Instant) -> Result<transport::HttpResponse> {
        let mut attempt = 0;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Error::network(
                    codes::TIMEOUT,
                    format!("cvm: the call's deadline passed before {} answered", self.shown()),
                ));
            }
            let options = self.options(url, left.min(ATTEMPT_TIMEOUT))?;
            match transport::get(&options, &[]) {
                Ok(response) if response.status >= 500 && attempt + 1 < ATTEMPTS => {}
                Ok(response) => return Ok(response),
                Err(e) if e.is_transient() && attempt + 1 < ATTEMPTS => {}
                Err(e) => return Err(Error::new(e.kind(), e.code(), format!("cvm: metadata server {}", e.message()))),
            }
            attempt += 1;
            std::thread::sleep(PAUSE.min(deadline.saturating_duration_since(Instant::now())));
        }
    }

    fn shown(&self) -> String {
        Self::target_of(&self.field, &self.base).map(|t| t.to_string()).unwrap_or_default()
    }

    /// The role's key, fetched now.
    pub fn fetch(&self, deadline: Instant) -> Result<Fresh> {
        let shown = self.shown();
        let roles = self.get(&format!("{}{ROLES_PATH}", self.base), deadline)?;
        match roles.status {
            200 => {}
            404 => {
                return Err(Error::invalid(
                    "credential_source",
                    format!("cvm: no CAM role is bound to this instance ({shown} answered 404 for {ROLES_PATH})"),
                ))
            }
            status => {
                return Err(Error::http_status(status, format!("cvm: HTTP {status} from {shown} for {ROLES_PATH}")))
            }
        }
        let role = roles.body.lines().next().unwrap_or("").trim().to_owned();
        let role_ok = !role.is_empty()
            && role.len() <= 128
            && role.bytes().all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b));
        if !role_ok {
            return Err(Error::bad_response(
                codes::BAD_RESPONSE,
                format!("cvm: {shown} answered a role name that is not one ({} bytes)", roles.body.len()),
            ));
        }
        let answer = self.get(&format!("{}{ROLES_PATH}{role}", self.base), deadline)?;
        if answer.status != 200 {
            return Err(Error::http_status(
                answer.status,
                format!("cvm: HTTP {} from {shown} for role `{role}`'s key", answer.status),
            ));
        }
        parse_key(&answer.body, &shown, &role)
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RoleKey {
    tmp_secret_id: String,
    tmp_secret_key: Zeroizing<String>,
    token: Zeroizing<String>,
    expired_time: i64,
    code: Option<String>,
}

/// The metadata answer, checked as a key from any other source is; never quoted.
fn parse_key(body: &str, shown: &str, role: &str) -> Result<Fresh> {
    let bad = |what: &str| {
        Error::bad_response(
            codes::BAD_RESPONSE,
            format!("cvm: {shown}'s answer for role `{role}` {what} ({} bytes)", body.len()),
        )
    };
    let key: RoleKey = serde_json::from_str(body)
        .map_err(|_| bad("is not {TmpSecretId, TmpSecretKey, Token, ExpiredTime, Code} JSON"))?;
    if let Some(code) = key.code.as_deref().filter(|c| *c != "Success") {
        let named =
            if code.len() <= 64 && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.') { code } else { "?" };
        return Err(bad(&format!("has Code `{named}`, not `Success`")));
    }
    let field = format!("cvm role `{role}`");
    check_secret(&format!("{field} TmpSecretId"), &key.tmp_secret_id)
        .map_err(|_| bad("has an unusable TmpSecretId"))?;
    check_secret_id(&field, &key.tmp_secret_id).map_err(|_| bad("has an unusable TmpSecretId"))?;
    check_secret(&field, &key.tmp_secret_key).map_err(|_| bad("has an unusable TmpSecretKey"))?;
    check_session_token(&field, &key.token).map_err(|_| bad("has an unusable Token"))?;
    if key.tmp_secret_id.is_empty() || key.tmp_secret_key.is_empty() || key.token.is_empty() {
        return Err(bad("has an empty TmpSecretId, TmpSecretKey or Token"));
    }
    Ok(Fresh {
        identity: Identity {
            secret_id: key.tmp_secret_id,
            secret_key: Secret::new(key.tmp_secret_key.to_string()),
            session_token: Some(Secret::new(key.token.to_string())),
            from_config: false,
            source: CredentialSource::Cvm,
        },
        expired_time: key.expired_time,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(url: &str) -> String {
        Spec::with_endpoint("metadata_endpoint", url).unwrap_err().message().to_owned()
    }

    #[test]
    fn plain_http_only_to_the_default_host_link_local_and_loopback() {
        for url in [
            DEFAULT_ENDPOINT,
            "http://METADATA.tencentyun.com/latest/meta-data/",
            "http://169.254.0.23/latest/meta-data",
            "http://127.0.0.1:8080/latest/meta-data/",
            "http://[::1]:8080/m/",
            "https://10.0.0.1/latest/meta-data/",
        ] {
            let spec = Spec::with_endpoint("metadata_endpoint", url).unwrap_or_else(|e| panic!("{url}: {e}"));
            assert!(spec.base.ends_with('/'), "{url}");
        }
        for (url, host) in [
            ("http://10.0.0.1/latest/meta-data/", "10.0.0.1"),
            ("http://169.255.0.1/", "169.255.0.1"),
            ("http://metadata.tencentyun.com.example.com/", "metadata.tencentyun.com.example.com"),
            ("http://[fe80::1]/", "[fe80::1]"),
        ] {
            let message = refused(url);
            assert!(
                message.starts_with(
                    "metadata_endpoint: plain http:// is only allowed to metadata.tencentyun.com, a link-local"
                ),
                "{message}"
            );
            assert!(message.contains(&format!("`{host}`")), "{message}");
        }
        assert!(refused("http://user:pw@127.0.0.1/").contains("userinfo"));
        assert!(!refused("http://user:pw@127.0.0.1/").contains("pw"));
        assert!(refused("http://127.0.0.1/m/?token=x").contains("must not have a query"));
        assert!(refused("ftp://127.0.0.1/").starts_with("metadata_endpoint: not an http(s) URL"));
    }

    #[test]
    fn role_answers_are_checked_and_never_quoted() {
        let good = r#"{"TmpSecretId":"AKIDEXAMPLE","TmpSecretKey":"key-SECRET","Token":"token-SECRET","ExpiredTime":1700003600,"Expiration":"x","Code":"Success"}"#;
        let fresh = parse_key(good, "http://127.0.0.1:1", "r").unwrap();
        assert_eq!((fresh.identity.secret_id.as_str(), fresh.expired_time), ("AKIDEXAMPLE", 1_700_003_600));
        assert_eq!(fresh.identity.session_token.as_ref().map(Secret::expose), Some("token-SECRET"));
        for body in [
            r#"{"TmpSecretId":"AKIDEXAMPLE","TmpSecretKey":"key-SECRET","Token":"token-SECRET","ExpiredTime":1,"Code":"Failed-SECRET"}"#,
            r#"{"TmpSecretId":"AKIDEXAMPLE","TmpSecretKey":"key-SECRET","ExpiredTime":1}"#,
            r#"{"TmpSecretId":"AKID EXAMPLE","TmpSecretKey":"key-SECRET","Token":"token-SECRET","ExpiredTime":1}"#,
            r#"{"TmpSecretId":"AKIDEXAMPLE","TmpSecretKey":"key-SECRET","Token":"tok en-SECRET","ExpiredTime":1}"#,
            "key-SECRET",
        ] {
            let e = parse_key(body, "http://127.0.0.1:1", "r").unwrap_err();
            assert_eq!(e.code(), codes::BAD_RESPONSE, "{body}");
            assert!(e.message().starts_with("cvm: http://127.0.0.1:1's answer for role `r` "), "{e}");
            assert!(!e.message().contains("SECRET"), "{e}");
        }
    }
}

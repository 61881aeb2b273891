//! The config of `sts_get_web_identity_credential`: AssumeRoleWithWebIdentity for a caller that
//! holds an OIDC token. The request is unsigned (the token is the credential), so the config
//! has no SecretId, SecretKey or session token, and the token is treated as a secret.

use super::file::read_bounded;
use super::keys::Given;
use super::read::{check_identifier, integer, raw_string, string};
use super::{read_entries, DEFAULT_DURATION_SECONDS, DEFAULT_NAME, DEFAULT_REGION, MAX_ROLE_SECONDS};
use super::{read_total_timeout, read_transport, scope, Secret, TransportOptions};
use crate::error::{Error, Result};
use crate::policy;
use std::time::Duration;

pub const ENTRY_POINT: &str = "sts_get_web_identity_credential";
/// OIDC tokens (JWTs) are a few hundred bytes to a few kilobytes.
pub const MAX_WEB_IDENTITY_TOKEN_BYTES: usize = 64 * 1024;

#[derive(Debug)]
pub struct WebIdentityConfig {
    /// `ProviderId`: the OIDC identity provider's name in CAM.
    pub provider_id: String,
    /// `WebIdentityToken`, from `web_identity_token` or read from `web_identity_token_file`.
    pub token: Secret,
    pub role_arn: String,
    pub role_session_name: String,
    pub duration_seconds: u32,
    pub region: String,
    pub transport: TransportOptions,
    pub total_timeout: Duration,
}

impl WebIdentityConfig {
    pub fn parse(json: &str) -> Result<WebIdentityConfig> {
        let mut given = Given::new(read_entries(json)?)?;
        let text = |given: &mut Given, key: &str| -> Result<Option<String>> {
            let field = given.name_of(key);
            given.take(key).map(|v| string(&field, v)).transpose()
        };
        let provider_field = given.name_of("provider_id");
        let provider_id = text(&mut given, "provider_id")?
            .ok_or_else(|| Error::invalid(&provider_field, "missing; the OIDC identity provider's name in CAM"))?;
        check_identifier(&provider_field, &provider_id, "+=,.@-")?;
        let token = read_token(&mut given)?;
        let arn_field = given.name_of("role_arn");
        let role_arn = text(&mut given, "role_arn")?.ok_or_else(|| {
            Error::invalid(&arn_field, "missing; e.g. qcs::cam::uin/100000000001:roleName/cos-uploader")
        })?;
        if role_arn.is_empty() {
            return Err(Error::invalid(&arn_field, "must not be empty"));
        }
        let session_field = given.name_of("role_session_name");
        let role_session_name = text(&mut given, "role_session_name")?.unwrap_or_else(|| DEFAULT_NAME.to_owned());
        check_identifier(&session_field, &role_session_name, "+=,.@-")?;
        let duration_seconds = match given.take("duration_seconds") {
            Some(v) => integer(&given.name_of("duration_seconds"), &v, 1, u64::from(MAX_ROLE_SECONDS))? as u32,
            None => DEFAULT_DURATION_SECONDS,
        };
        let region = match given.take("region") {
            Some(v) => string("region", v)?,
            None => DEFAULT_REGION.to_owned(),
        };
        policy::check_name(&region, "region")?;
        let transport = read_transport(&mut given)?;
        let total_timeout = read_total_timeout(&mut given, &transport)?;
        scope::refuse_left(&given, ENTRY_POINT, &|key| match key {
            "secret_id" | "secret_key" | "session_token" => {
                Some("AssumeRoleWithWebIdentity is unsigned; the web identity token is the credential")
            }
            "cache" => Some("web identity credentials are not cached"),
            key if scope::is_policy_key(key) => Some(
                "AssumeRoleWithWebIdentity takes no policy; the key has the role's permissions \
                 (use sts_get_role_credential with it to narrow them)",
            ),
            _ => None,
        })?;
        Ok(WebIdentityConfig {
            provider_id,
            token,
            role_arn,
            role_session_name,
            duration_seconds,
            region,
            transport,
            total_timeout,
        })
    }
}

/// Exactly one of `web_identity_token` and `web_identity_token_file`. The file is read now, on
/// every call (tokens are rotated in place), and at most [`MAX_WEB_IDENTITY_TOKEN_BYTES`] of it.
fn read_token(given: &mut Given) -> Result<Secret> {
    let token_field = given.name_of("web_identity_token");
    let file_field = given.name_of("web_identity_token_file");
    let (field, token) = match (given.take("web_identity_token"), given.take("web_identity_token_file")) {
        (Some(_), Some(_)) => {
            return Err(Error::invalid(&file_field, format!("ambiguous together with `{token_field}`; give one")))
        }
        (None, None) => {
            return Err(Error::invalid(
                &token_field,
                format!("missing; give the OIDC token in `{token_field}` or its path in `{file_field}`"),
            ))
        }
        (Some(v), None) => {
            let token = Secret::new(raw_string(&token_field, v)?);
            (token_field, token)
        }
        (None, Some(v)) => {
            let path = string(&file_field, v)?;
            let bytes = read_bounded(&file_field, &path, MAX_WEB_IDENTITY_TOKEN_BYTES as u64)?;
            let text = std::str::from_utf8(&bytes).map_err(|e| {
                Error::invalid(
                    &file_field,
                    format!("{} is not UTF-8 (first bad byte at offset {})", path.escape_debug(), e.valid_up_to()),
                )
            })?;
            // Token files usually end with a line break.
            (file_field, Secret::new(text.trim_matches(|c: char| c.is_ascii_whitespace()).to_owned()))
        }
    };
    let value = token.expose();
    if value.is_empty() {
        return Err(Error::invalid(&field, "empty; an OIDC token is needed"));
    }
    if value.len() > MAX_WEB_IDENTITY_TOKEN_BYTES {
        return Err(Error::invalid(
            &field,
            format!("{} bytes, over the {MAX_WEB_IDENTITY_TOKEN_BYTES}-byte limit", value.len()),
        ));
    }
    // A JWT is printable ASCII; never quoted (it is a credential).
    if let Some(at) = value.bytes().position(|b| !b.is_ascii_graphic()) {
        return Err(Error::invalid(
            &field,
            format!("contains whitespace, a control or a non-ASCII character at byte {at}; an OIDC token has none"),
        ));
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJFWEFNUExFIn0.SECRET-OIDC-SIGNATURE";

    fn config(extra: Value) -> String {
        let mut config =
            json!({"provider_id": "tke-oidc", "web_identity_token": TOKEN, "role_arn": "qcs::cam::uin/1:roleName/r"});
        for (k, v) in extra.as_object().unwrap() {
            if v.is_null() {
                config.as_object_mut().unwrap().remove(k);
            } else {
                config[k] = v.clone();
            }
        }
        config.to_string()
    }

    fn message(extra: Value) -> String {
        let m = WebIdentityConfig::parse(&config(extra)).unwrap_err().message().to_owned();
        assert!(!m.contains("SECRET-OIDC"), "the token is quoted: {m}");
        m
    }

    #[test]
    fn a_minimal_config_gets_the_defaults() {
        let c = WebIdentityConfig::parse(&config(json!({}))).unwrap();
        assert_eq!((c.provider_id.as_str(), c.token.expose()), ("tke-oidc", TOKEN));
        assert_eq!((c.role_session_name.as_str(), c.duration_seconds), (DEFAULT_NAME, DEFAULT_DURATION_SECONDS));
        assert_eq!(c.region, DEFAULT_REGION);
        assert!(!format!("{c:?}").contains("SECRET-OIDC"), "Debug shows the token");
        let c =
            WebIdentityConfig::parse(&config(json!({"role_session_name": "pod-1", "durationSeconds": 43200}))).unwrap();
        assert_eq!((c.role_session_name.as_str(), c.duration_seconds), ("pod-1", 43200));
    }

    #[test]
    fn each_rule_names_its_key_and_never_the_token() {
        for (extra, expected) in [
            (json!({"provider_id": null}), "provider_id: missing; the OIDC identity provider's name in CAM"),
            (json!({"provider_id": "a b"}), "provider_id: contains ' '; allowed are letters, digits and `_+=,.@-`"),
            (json!({"web_identity_token": null}), "web_identity_token: missing; give the OIDC token in `web_identity_token` or its path in `web_identity_token_file`"),
            (json!({"web_identity_token_file": "/tmp/x"}), "web_identity_token_file: ambiguous together with `web_identity_token`; give one"),
            (json!({"web_identity_token": ""}), "web_identity_token: empty; an OIDC token is needed"),
            (json!({"web_identity_token": format!("{TOKEN}\n")}), "web_identity_token: contains whitespace, a control or a non-ASCII character at byte 66; an OIDC token has none"),
            (json!({"web_identity_token": 7}), "web_identity_token: expected a string, got a number"),
            (json!({"role_arn": null}), "role_arn: missing; e.g. qcs::cam::uin/100000000001:roleName/cos-uploader"),
            (json!({"role_arn": ""}), "role_arn: must not be empty"),
            (json!({"duration_seconds": 43201}), "duration_seconds: 43201 is out of range 1..=43200"),
            (json!({"duration_seconds": 0}), "duration_seconds: 0 is out of range 1..=43200"),
            (json!({"secret_id": "AKIDEXAMPLE"}), "secret_id: not a key of sts_get_web_identity_credential: AssumeRoleWithWebIdentity is unsigned; the web identity token is the credential"),
            (json!({"policy": {}}), "policy: not a key of sts_get_web_identity_credential: AssumeRoleWithWebIdentity takes no policy; the key has the role's permissions (use sts_get_role_credential with it to narrow them)"),
            (json!({"bucket": "b-1"}), "bucket: not a key of sts_get_web_identity_credential: AssumeRoleWithWebIdentity takes no policy; the key has the role's permissions (use sts_get_role_credential with it to narrow them)"),
            (json!({"tags": []}), "tags: not a key of sts_get_web_identity_credential; it belongs to sts_get_role_credential"),
            (json!({"name": "n1"}), "name: not a key of sts_get_web_identity_credential; it belongs to sts_get_credential and sts_get_upload_credential"),
            (json!({"cache": true}), "cache: not a key of sts_get_web_identity_credential: web identity credentials are not cached"),
        ] {
            assert_eq!(message(extra), expected);
        }
    }

    #[test]
    fn the_token_file_is_read_bounded_and_trimmed() {
        let dir = std::env::temp_dir().join(format!("libsts-web-identity-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("token");
        std::fs::write(&file, format!("{TOKEN}\n")).unwrap();
        let path = file.to_str().unwrap();
        let c = WebIdentityConfig::parse(&config(json!({"web_identity_token": null, "webIdentityTokenFile": path})))
            .unwrap();
        assert_eq!(c.token.expose(), TOKEN);
        std::fs::write(&file, "  \n").unwrap();
        assert_eq!(
            message(json!({"web_identity_token": null, "web_identity_token_file": path})),
            "web_identity_token_file: empty; an OIDC token is needed"
        );
        std::fs::File::create(&file).unwrap().set_len(MAX_WEB_IDENTITY_TOKEN_BYTES as u64 + 1).unwrap();
        assert!(message(json!({"web_identity_token": null, "web_identity_token_file": path}))
            .ends_with("is 65537 bytes, over the 65536-byte limit"));
        std::fs::write(&file, [b'a', 0xff, b'b']).unwrap();
        assert!(message(json!({"web_identity_token": null, "web_identity_token_file": path}))
            .ends_with("is not UTF-8 (first bad byte at offset 1)"));
        assert_eq!(
            message(json!({"web_identity_token": null, "web_identity_token_file": "/dev/zero"})),
            "web_identity_token_file: /dev/zero is not a regular file"
        );
        assert!(message(json!({"web_identity_token": null, "web_identity_token_file": "/nonexistent/token"}))
            .starts_with("web_identity_token_file: cannot read /nonexistent/token"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

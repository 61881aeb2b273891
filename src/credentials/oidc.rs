//! The TKE OIDC source: a pod's web identity token exchanged for its role's key with STS
//! `AssumeRoleWithWebIdentity`.
//!
//! TKE's pod identity webhook sets `TKE_PROVIDER_ID`, `TKE_ROLE_ARN`,
//! `TKE_WEB_IDENTITY_TOKEN_FILE` (older releases: `TKE_IDENTITY_TOKEN_FILE`) and `TKE_REGION`.
//! The request is unsigned (`Authorization: SKIP`, no `X-TC-Token`): the token is the proof. The
//! token file is read again at every refresh, since the kubelet rotates it.

use super::file::{self, Contents};
use super::refresh::Fresh;
use super::CredentialSource;
use crate::api::{self, API_VERSION};
use crate::cache::Issued;
use crate::config::{backoff_ceiling, check_session_token, read_env, Identity, Secret, TransportOptions};
use crate::error::{codes, Error, Result};
use crate::{policy, sign, time, transport};
use serde::Deserialize;
use std::time::Instant;
use ureq::http::header::{self, HeaderName};
use zeroize::Zeroizing;

pub const ENV_PROVIDER_ID: &str = "TKE_PROVIDER_ID";
pub const ENV_ROLE_ARN: &str = "TKE_ROLE_ARN";
pub const ENV_TOKEN_FILE: &str = "TKE_WEB_IDENTITY_TOKEN_FILE";
/// The spelling of some TKE releases and docs.
pub const ENV_TOKEN_FILE_ALT: &str = "TKE_IDENTITY_TOKEN_FILE";
pub const ENV_REGION: &str = "TKE_REGION";
pub const ACTION: &str = "AssumeRoleWithWebIdentity";
/// The role session libsts opens for its own key.
pub const SESSION_NAME: &str = "libsts-oidc";
/// The lifetime asked for: refreshed minutes before it ends (see `refresh`).
pub const DURATION_SECONDS: u32 = 7200;
/// Service account tokens are about 1 KB; a JWT of 16 KB is not a token.
pub const MAX_TOKEN_BYTES: u64 = 16 * 1024;

const X_TC_ACTION: HeaderName = HeaderName::from_static("x-tc-action");
const X_TC_VERSION: HeaderName = HeaderName::from_static("x-tc-version");
const X_TC_REGION: HeaderName = HeaderName::from_static("x-tc-region");
const X_TC_TIMESTAMP: HeaderName = HeaderName::from_static("x-tc-timestamp");

/// The pod's OIDC settings (no token: that is read at each fetch).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spec {
    pub provider_id: String,
    pub role_arn: String,
    pub token_file: String,
    /// `TKE_REGION`; else the call's region.
    pub region: Option<String>,
}

impl Spec {
    /// The TKE settings, or why they do not apply (none set). Some but not all set is an error
    /// naming the missing ones.
    pub fn from_env() -> Result<std::result::Result<Spec, String>> {
        let provider_id = read_env(ENV_PROVIDER_ID);
        let role_arn = read_env(ENV_ROLE_ARN);
        let token_file = read_env(ENV_TOKEN_FILE).or_else(|| read_env(ENV_TOKEN_FILE_ALT));
        let (provider_id, role_arn, token_file) = match (provider_id, role_arn, token_file) {
            (None, None, None) => {
                return Ok(Err(format!("{ENV_PROVIDER_ID}, {ENV_ROLE_ARN} and {ENV_TOKEN_FILE} are not set")))
            }
            (Some(p), Some(r), Some(t)) => (p, r, t),
            (p, r, t) => {
                let missing: Vec<&str> =
                    [(p.is_none(), ENV_PROVIDER_ID), (r.is_none(), ENV_ROLE_ARN), (t.is_none(), ENV_TOKEN_FILE)]
                        .into_iter()
                        .filter_map(|(missing, name)| missing.then_some(name))
                        .collect();
                return Err(Error::invalid(
                    missing[0],
                    format!("missing for TKE OIDC (also unset: {})", missing.join(", ")),
                ));
            }
        };
        let region = read_env(ENV_REGION);
        if let Some(region) = &region {
            policy::check_name(region, ENV_REGION)?;
        }
        for (field, value) in [(ENV_PROVIDER_ID, &provider_id), (ENV_ROLE_ARN, &role_arn)] {
            if value.len() > 256 || value.chars().any(|c| !c.is_ascii_graphic()) {
                return Err(Error::invalid(field, "must be up to 256 printable ASCII characters"));
            }
        }
        Ok(Ok(Spec { provider_id, role_arn, token_file, region }))
    }

    fn region<'a>(&'a self, call_region: &'a str) -> &'a str {
        self.region.as_deref().unwrap_or(call_region)
    }

    /// One cache entry per (STS target, region, provider, role, token file).
    pub fn cache_key(&self, transport: &TransportOptions, region: &str) -> String {
        format!(
            "oidc {} {} {} {} {} {}",
            transport.target.as_str(),
            transport.endpoint,
            self.region(region),
            self.provider_id,
            self.role_arn,
            self.token_file
        )
    }

    /// Reads the token file (again) and exchanges the token for the role's key.
    pub fn fetch(&self, transport: &TransportOptions, region: &str, deadline: Instant) -> Result<Fresh> {
        let token = read_token(&self.token_file)?;
        let request = WebIdentityRequest {
            region: self.region(region),
            provider_id: &self.provider_id,
            web_identity_token: &token,
            role_arn: &self.role_arn,
            role_session_name: SESSION_NAME,
            duration_seconds: DURATION_SECONDS,
        };
        let issued = assume_role_with_web_identity(transport, &request, deadline)
            .map_err(|e| Error::new(e.kind(), e.code(), format!("oidc: {}", e.message())))?;
        fresh_from(issued)
    }
}

/// The token in `path`: one line, at most [`MAX_TOKEN_BYTES`], never quoted in errors.
pub fn read_token(path: &str) -> Result<Secret> {
    let text = match file::read(ENV_TOKEN_FILE, path, MAX_TOKEN_BYTES)? {
        Contents::Text(text) => text,
        Contents::NotFound => {
            return Err(Error::invalid(ENV_TOKEN_FILE, format!("{} does not exist", path.escape_debug())))
        }
    };
    let token = text.trim();
    if token.is_empty() {
        return Err(Error::invalid(ENV_TOKEN_FILE, format!("{} is empty", path.escape_debug())));
    }
    if token.chars().any(|c| !c.is_ascii_graphic()) {
        return Err(Error::invalid(
            ENV_TOKEN_FILE,
            format!("{} holds whitespace, a control or a non-ASCII character inside the token", path.escape_debug()),
        ));
    }
    Ok(Secret::new(token.to_owned()))
}

/// An `AssumeRoleWithWebIdentity` request; the caller checked each value.
pub struct WebIdentityRequest<'a> {
    pub region: &'a str,
    pub provider_id: &'a str,
    pub web_identity_token: &'a Secret,
    pub role_arn: &'a str,
    pub role_session_name: &'a str,
    pub duration_seconds: u32,
}

/// Sends an unsigned `AssumeRoleWithWebIdentity` to `transport`'s STS endpoint with its retries,
/// all before `deadline`; the answer in the usual credential result form (see
/// `api::credential_issued`). Shared by the OIDC source and by callers holding their own token.
pub fn assume_role_with_web_identity(
    transport: &TransportOptions,
    request: &WebIdentityRequest<'_>,
    deadline: Instant,
) -> Result<Issued> {
    #[derive(serde::Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct Body<'a> {
        provider_id: &'a str,
        web_identity_token: &'a str,
        role_arn: &'a str,
        role_session_name: &'a str,
        duration_seconds: u32,
    }
    let body = Zeroizing::new(
        serde_json::to_string(&Body {
            provider_id: request.provider_id,
            web_identity_token: request.web_identity_token.expose(),
            role_arn: request.role_arn,
            role_session_name: request.role_session_name,
            duration_seconds: request.duration_seconds,
        })
        .map_err(|_| Error::internal("the AssumeRoleWithWebIdentity body could not be written"))?,
    );
    let mut attempt = 0;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Error::network(
                codes::TIMEOUT,
                format!("{}: the call's deadline passed before {ACTION} was answered", transport.target),
            ));
        }
        let options = TransportOptions { timeout: left.min(transport.timeout), ..transport.clone() };
        let timestamp = time::now_unix().to_string();
        let headers = [
            (header::HOST, transport.endpoint.as_str()),
            (header::CONTENT_TYPE, sign::CONTENT_TYPE),
            // Unsigned: the service checks the token, and a key to sign with is what is being asked for.
            (header::AUTHORIZATION, "SKIP"),
            (X_TC_ACTION, ACTION),
            (X_TC_VERSION, API_VERSION),
            (X_TC_REGION, request.region),
            (X_TC_TIMESTAMP, timestamp.as_str()),
        ];
        let outcome = transport::post(&options, &headers, body.as_bytes()).and_then(|response| {
            api::credential_issued(response.status, &response.body, request.duration_seconds, &transport.target, None)
        });
        match outcome {
            Err(e) if e.is_transient() && attempt < transport.retries => {
                let wait = backoff_ceiling(attempt) / 2;
                if Instant::now() + wait >= deadline {
                    return Err(e);
                }
                std::thread::sleep(wait);
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// The key out of a credential result, checked as any key is.
fn fresh_from(issued: Issued) -> Result<Fresh> {
    let json = Zeroizing::new(issued.json);
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Credentials {
        tmp_secret_id: String,
        tmp_secret_key: Zeroizing<String>,
        session_token: Zeroizing<String>,
    }
    #[derive(Deserialize)]
    struct Out {
        credentials: Credentials,
    }
    let out: Out = serde_json::from_str(&json)
        .map_err(|_| Error::internal("oidc: the credential result could not be read back"))?;
    let mut credentials = out.credentials;
    let bad = |what: &str| Error::bad_response(codes::BAD_RESPONSE, format!("oidc: {ACTION} answered {what}"));
    crate::config::check_secret_id("oidc", &credentials.tmp_secret_id).map_err(|_| bad("an unusable TmpSecretId"))?;
    check_session_token("oidc", &credentials.session_token).map_err(|_| bad("an unusable Token"))?;
    Ok(Fresh {
        identity: Identity {
            secret_id: std::mem::take(&mut credentials.tmp_secret_id),
            secret_key: Secret::new(std::mem::take(&mut *credentials.tmp_secret_key)),
            session_token: Some(Secret::new(std::mem::take(&mut *credentials.session_token))),
            from_config: false,
            source: CredentialSource::Oidc,
        },
        expired_time: issued.expired_time,
    })
}

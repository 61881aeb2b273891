//! `sts_get_web_identity_credential`: STS AssumeRoleWithWebIdentity for a caller holding an
//! OIDC token. Unsigned (`Authorization: SKIP`, no `X-TC-Token`): the token is the credential.

use crate::api::{credential_result, send_request, Outgoing};
use crate::config::WebIdentityConfig;
use crate::error::{Error, Result};
use serde::Serialize;
use std::time::Instant;
use zeroize::Zeroizing;

pub const ACTION: &str = "AssumeRoleWithWebIdentity";

pub fn get_web_identity_credential(config_json: &str) -> Result<String> {
    get_web_identity_credential_since(config_json, Instant::now())
}

/// `sts_get_web_identity_credential_async`: `total_timeout_ms` counts from `started`.
pub fn get_web_identity_credential_since(config_json: &str, started: Instant) -> Result<String> {
    let config = WebIdentityConfig::parse(config_json)?;
    let body = request_body(&config)?;
    let outgoing = Outgoing {
        action: ACTION,
        signer: None,
        region: &config.region,
        transport: &config.transport,
        total_timeout: config.total_timeout,
        body: body.as_bytes(),
    };
    let target = &config.transport.target;
    send_request(&outgoing, started, &|status, body| credential_result(status, body, config.duration_seconds, target))
}

/// The JSON body; it holds the token, so it is wiped once sent.
pub fn request_body(config: &WebIdentityConfig) -> Result<Zeroizing<String>> {
    #[derive(Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct Body<'a> {
        provider_id: &'a str,
        web_identity_token: &'a str,
        role_arn: &'a str,
        role_session_name: &'a str,
        duration_seconds: u32,
    }
    let body = Body {
        provider_id: &config.provider_id,
        web_identity_token: config.token.expose(),
        role_arn: &config.role_arn,
        role_session_name: &config.role_session_name,
        duration_seconds: config.duration_seconds,
    };
    // Sized up front so the buffer holding the token is never reallocated (and left unwiped).
    let mut buffer = Zeroizing::new(Vec::with_capacity(
        // JSON escaping at most doubles a string without control characters.
        2 * (config.token.expose().len() + config.provider_id.len() + config.role_arn.len()) + 512,
    ));
    serde_json::to_writer(&mut *buffer, &body)
        .map_err(|e| Error::internal(format!("request serialization failed: {e}")))?;
    let text = String::from_utf8(std::mem::take(&mut *buffer))
        .map_err(|_| Error::internal("request serialization produced invalid UTF-8"))?;
    Ok(Zeroizing::new(text))
}

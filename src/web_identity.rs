//! `sts_get_web_identity_credential`: STS AssumeRoleWithWebIdentity for a caller holding an
//! OIDC token. Unsigned (`Authorization: SKIP`, no `X-TC-Token`): the token is the credential.

use crate::config::WebIdentityConfig;
use crate::credentials::oidc::{assume_role_with_web_identity, WebIdentityRequest};
use crate::error::Result;
use std::time::Instant;

pub const ACTION: &str = "AssumeRoleWithWebIdentity";

pub fn get_web_identity_credential(config_json: &str) -> Result<String> {
    get_web_identity_credential_since(config_json, Instant::now())
}

/// `sts_get_web_identity_credential_async`: `total_timeout_ms` counts from `started`.
pub fn get_web_identity_credential_since(config_json: &str, started: Instant) -> Result<String> {
    let config = WebIdentityConfig::parse(config_json)?;
    let request = WebIdentityRequest {
        region: &config.region,
        provider_id: &config.provider_id,
        web_identity_token: &config.token,
        role_arn: &config.role_arn,
        role_session_name: &config.role_session_name,
        duration_seconds: config.duration_seconds,
    };
    assume_role_with_web_identity(&config.transport, &request, started + config.total_timeout).map(|issued| issued.json)
}

//! `sts_get_caller_identity`: STS GetCallerIdentity with the signing key, the "is my config
//! right" check for health endpoints and deploy scripts.

use crate::api::{response_object, send_request, Outgoing};
use crate::config::CallerConfig;
use crate::error::{codes, Error, Result};
use crate::identity_source;
use serde::Serialize;
use std::fmt;
use std::time::Instant;

pub const ACTION: &str = "GetCallerIdentity";

pub fn get_caller_identity(config_json: &str) -> Result<String> {
    get_caller_identity_since(config_json, Instant::now())
}

/// `sts_get_caller_identity_async`: `total_timeout_ms` counts from `started`.
pub fn get_caller_identity_since(config_json: &str, started: Instant) -> Result<String> {
    let mut config = CallerConfig::parse(config_json)?;
    config.resolve_credentials(started + config.total_timeout)?;
    let outgoing = Outgoing {
        action: ACTION,
        signer: Some(&config.identity),
        region: &config.region,
        transport: &config.transport,
        total_timeout: config.total_timeout,
        body: b"{}",
    };
    let source = identity_source::source_name(&config.identity);
    let target = &config.transport.target;
    send_request(&outgoing, started, &|status, body| caller_identity_result(status, body, target, source))
}

/// Maps GetCallerIdentity's answer (`Arn`, `AccountId`, `UserId`, `PrincipalId`, `Type`) to
/// the result JSON, with where the signing key came from.
pub fn caller_identity_result(status: u16, body: &str, url: &dyn fmt::Display, source: &str) -> Result<String> {
    let (response, request_id) = response_object(status, body, url)?;
    let field = |name: &str| -> Result<&str> {
        response.get(name).and_then(serde_json::Value::as_str).ok_or_else(|| {
            Error::bad_response(codes::BAD_RESPONSE, format!("answer from {url} lacks a valid Response.{name}"))
                .with_request_id(request_id.clone())
        })
    };
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Out<'a> {
        arn: &'a str,
        account_id: &'a str,
        user_id: &'a str,
        principal_id: &'a str,
        #[serde(rename = "type")]
        kind: &'a str,
        request_id: Option<&'a str>,
        credential_source: &'a str,
    }
    let out = Out {
        arn: field("Arn")?,
        account_id: field("AccountId")?,
        user_id: field("UserId")?,
        principal_id: field("PrincipalId")?,
        kind: field("Type")?,
        request_id: request_id.as_deref(),
        credential_source: source,
    };
    serde_json::to_string(&out).map_err(|e| Error::internal(format!("result serialization failed: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://sts.tencentcloudapi.com";

    #[test]
    fn the_answer_maps_to_the_result_shape() {
        let body = r#"{"Response":{"Arn":"qcs::cam::uin/100000000001:uin/100000000001","AccountId":"100000000001",
            "UserId":"100000000001","PrincipalId":"100000000001","Type":"RootAccount","RequestId":"rid"}}"#;
        let out: serde_json::Value =
            serde_json::from_str(&caller_identity_result(200, body, &URL, "config").unwrap()).unwrap();
        assert_eq!(
            out,
            serde_json::json!({"arn":"qcs::cam::uin/100000000001:uin/100000000001","accountId":"100000000001",
                "userId":"100000000001","principalId":"100000000001","type":"RootAccount","requestId":"rid",
                "credentialSource":"config"})
        );
    }

    #[test]
    fn errors_and_missing_fields_are_named() {
        let body = r#"{"Response":{"Error":{"Code":"AuthFailure.SecretIdNotFound","Message":"m"},"RequestId":"r"}}"#;
        let e = caller_identity_result(200, body, &URL, "env").unwrap_err();
        assert_eq!((e.code(), e.request_id()), ("AuthFailure.SecretIdNotFound", Some("r")));
        let body =
            r#"{"Response":{"Arn":"a","AccountId":1,"UserId":"u","PrincipalId":"p","Type":"t","RequestId":"r"}}"#;
        let e = caller_identity_result(200, body, &URL, "env").unwrap_err();
        assert_eq!(e.code(), codes::BAD_RESPONSE);
        assert_eq!(e.message(), format!("answer from {URL} lacks a valid Response.AccountId"));
    }
}

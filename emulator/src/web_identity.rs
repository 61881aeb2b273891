//! `AssumeRoleWithWebIdentity`: a TKE pod's OIDC token for its role's key. Unsigned: the
//! request must carry `Authorization: SKIP` (and no `X-TC-Token`); the token is the proof, and
//! only the (ProviderId, WebIdentityToken) pairs the emulator was given are accepted. The key
//! handed out is accepted by the STS side with its token.

use crate::http::Request;
use crate::metadata::Issued;
use crate::service::{
    check_charset, check_known, duration_param, error_body, fail, is_role_arn, required_string, Answer, Failure, Rng,
    MAX_DURATION_ROLE,
};
use crate::RecordedRequest;
use serde_json::{json, Map, Value};

pub const ACTION: &str = "AssumeRoleWithWebIdentity";

/// Answers one `AssumeRoleWithWebIdentity`. `identities` holds the accepted (provider, token) pairs.
pub(crate) fn handle(
    identities: &[(String, String)],
    issued: &Issued,
    req: &Request,
    now: i64,
    rng: &Rng,
) -> (Answer, RecordedRequest) {
    let header = |name: &str| req.header(name).unwrap_or("").to_string();
    let mut body = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
    // The token is a credential: not kept in the record.
    if let Some(token) = body.get_mut("WebIdentityToken") {
        *token = Value::String("<redacted>".into());
    }
    let mut record = RecordedRequest {
        action: header("x-tc-action"),
        host: header("host"),
        region: header("x-tc-region"),
        timestamp: header("x-tc-timestamp"),
        secret_id: String::new(),
        signature_ok: false,
        decoded_policy: None,
        body,
        error_code: None,
        fault: None,
    };
    let request_id = rng.request_id();
    let body = match answer(identities, issued, req, now, rng) {
        Ok(mut response) => {
            response.insert("RequestId".into(), Value::String(request_id));
            json!({ "Response": response }).to_string()
        }
        Err(failure) => {
            record.error_code = Some(failure.code.to_string());
            error_body(failure.code, &failure.message, &request_id)
        }
    };
    (Answer { body, error_code: record.error_code.clone() }, record)
}

fn answer(
    identities: &[(String, String)],
    issued: &Issued,
    req: &Request,
    now: i64,
    rng: &Rng,
) -> Result<Map<String, Value>, Failure> {
    if req.header("authorization") != Some("SKIP") {
        return Err(fail(
            "AuthFailure.InvalidAuthorization",
            "AssumeRoleWithWebIdentity is not signed: send `Authorization: SKIP`.",
        ));
    }
    if req.header("x-tc-token").is_some() {
        return Err(fail("AuthFailure.TokenFailure", "AssumeRoleWithWebIdentity takes no X-TC-Token."));
    }
    if req.header("x-tc-version") != Some(crate::service::VERSION) {
        return Err(fail("NoSuchVersion", format!("Use X-TC-Version {}.", crate::service::VERSION)));
    }
    if req.header("x-tc-region").unwrap_or("").is_empty() {
        return Err(fail("MissingParameter", "The request is missing the X-TC-Region header."));
    }
    let params = match serde_json::from_slice::<Value>(&req.body) {
        Ok(Value::Object(params)) => params,
        _ => return Err(fail("InvalidParameter", "The request body is not a JSON object.")),
    };
    check_known(&params, &["ProviderId", "WebIdentityToken", "RoleArn", "RoleSessionName", "DurationSeconds"])?;
    let provider = required_string(&params, "ProviderId")?;
    let token = required_string(&params, "WebIdentityToken")?;
    let role_arn = required_string(&params, "RoleArn")?;
    if !is_role_arn(role_arn) {
        return Err(fail("InvalidParameterValue", "The parameter `RoleArn` is not a role ARN."));
    }
    check_charset("RoleSessionName", required_string(&params, "RoleSessionName")?, "+=,.@-")?;
    let duration = duration_param(&params, MAX_DURATION_ROLE)?;
    let known =
        identities.iter().any(|(p, t)| p == provider && sts::sign::constant_time_eq(t.as_bytes(), token.as_bytes()));
    if !known {
        return Err(fail(
            "InvalidParameter.WebIdentityTokenError",
            "The WebIdentityToken is not valid for this ProviderId.",
        ));
    }
    let (id, key, session_token) = issued.issue(rng);
    let expired_time = now + duration;
    let mut response = Map::new();
    response.insert("Credentials".into(), json!({"Token": session_token, "TmpSecretId": id, "TmpSecretKey": key}));
    response.insert("ExpiredTime".into(), json!(expired_time));
    response.insert("Expiration".into(), json!(sts::time::rfc3339(expired_time)));
    Ok(response)
}

//! GetFederationToken / AssumeRole: request building, the retry loop, response mapping.

use crate::cache::{self, Issued};
use crate::config::{backoff_ceiling, Action, Config, Identity, TransportOptions, MAX_INPUT_BYTES};
use crate::error::{codes, Error, Result};
use crate::{identity_source, policy, sign, time, transport};
use serde::{Deserialize, Serialize};
use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, Instant};
use ureq::http::header::{self, HeaderName};
use zeroize::Zeroizing;

pub const API_VERSION: &str = "2018-08-13";
// Header names checked at compile time, so no request parses them.
const X_TC_ACTION: HeaderName = HeaderName::from_static("x-tc-action");
const X_TC_VERSION: HeaderName = HeaderName::from_static("x-tc-version");
const X_TC_REGION: HeaderName = HeaderName::from_static("x-tc-region");
const X_TC_TIMESTAMP: HeaderName = HeaderName::from_static("x-tc-timestamp");
const X_TC_TOKEN: HeaderName = HeaderName::from_static("x-tc-token");
pub const SERVICE: &str = "sts";
/// The `Authorization` of an unsigned request (AssumeRoleWithWebIdentity).
pub const UNSIGNED: &str = "SKIP";
/// A retry left with less time than this before `total_timeout_ms` could only time out.
const MIN_RETRY_TIME: Duration = Duration::from_millis(10);

/// `sts_get_credential`: STS GetFederationToken.
pub fn get_credential(config_json: &str) -> Result<String> {
    request(config_json, Action::GetFederationToken, Instant::now())
}

/// `sts_get_role_credential`: STS AssumeRole.
pub fn get_role_credential(config_json: &str) -> Result<String> {
    request(config_json, Action::AssumeRole, Instant::now())
}

/// `sts_get_credential_async`: `total_timeout_ms` counts from `started`, when the call was
/// queued, so time spent waiting for a worker counts too.
pub fn get_credential_since(config_json: &str, started: Instant) -> Result<String> {
    request(config_json, Action::GetFederationToken, started)
}

/// `sts_get_role_credential_async`, as [`get_credential_since`].
pub fn get_role_credential_since(config_json: &str, started: Instant) -> Result<String> {
    request(config_json, Action::AssumeRole, started)
}

/// `sts_get_upload_credential`: GetFederationToken for one object key chosen here from the
/// config's `upload` template; the result names the bucket, region and key.
pub fn get_upload_credential(config_json: &str) -> Result<String> {
    get_upload_credential_since(config_json, Instant::now())
}

/// `sts_get_upload_credential_async`, as [`get_credential_since`].
pub fn get_upload_credential_since(config_json: &str, started: Instant) -> Result<String> {
    let mut config = Config::parse_upload(config_json)?;
    config.resolve_credentials(started + config.total_timeout)?;
    let Some(spec) = config.upload.take() else {
        return Err(Error::internal("an upload config without its upload section"));
    };
    let key = spec.new_key()?;
    config.policy = Some(spec.policy(&config.region, &key)?);
    let location = Location { bucket: &spec.bucket, region: &config.region, key: &key };
    send(&config, Some(&location), started).map(|issued| issued.json)
}

/// `sts_check_config`: the config a call would use, normalized, or the error it would give.
/// A temporary key is not refused here: bindings check a config when it is given, before they
/// know whether it will be used for GetFederationToken or, with a per-call `role_arn`, AssumeRole.
pub fn check_config(config_json: &str) -> Result<String> {
    Config::parse_inferred(config_json).map(|config| config.normalized_json())
}

/// `sts_get_policy`: scopes -> policy, no network.
pub fn get_policy(scopes_json: &str) -> Result<String> {
    if scopes_json.len() > MAX_INPUT_BYTES {
        return Err(Error::invalid(
            "scopes",
            format!("{} bytes is over the {MAX_INPUT_BYTES}-byte limit", scopes_json.len()),
        ));
    }
    policy::get_policy(scopes_json)
}

/// The credential calls: the cache when the config opts in, else [`send`].
fn request(config_json: &str, action: Action, started: Instant) -> Result<String> {
    // A config text that was validated and cached before is answered without parsing it again.
    if let Some(hit) = cache::global().get_by_text(config_json, action) {
        return Ok(hit);
    }
    let mut config = Config::parse(config_json, action)?;
    // A key from oidc or cvm is fetched (or taken from its cache) here, before the call's own
    // cache and signature; within the call's total_timeout_ms.
    config.resolve_credentials(started + config.total_timeout)?;
    match &config.cache {
        Some(options) => {
            cache::global().get_or_fetch(&config, options, Some(config_json), || send(&config, None, started))
        }
        None => send(&config, None, started).map(|issued| issued.json),
    }
}

/// Where an upload credential may write, added to its result.
pub struct Location<'a> {
    pub bucket: &'a str,
    pub region: &'a str,
    pub key: &'a str,
}

/// One STS request as [`send_request`] sends it: everything but the timestamp and signature.
pub(crate) struct Outgoing<'a> {
    pub action: &'static str,
    /// Who signs; `None` for an unsigned request (`Authorization: SKIP`, no `X-TC-Token`), as
    /// AssumeRoleWithWebIdentity is: its token is the credential.
    pub signer: Option<&'a Identity>,
    pub region: &'a str,
    pub transport: &'a TransportOptions,
    /// The whole call, retries and backoff included, from `started`.
    pub total_timeout: Duration,
    pub body: &'a [u8],
}

/// Sends the config's request with retries, all within `total_timeout_ms` from `started`.
fn send(config: &Config, location: Option<&Location<'_>>, started: Instant) -> Result<Issued> {
    refuse_temporary_federation(config)?;
    // Wiped when sent: an MFA code may be in it.
    let body = Zeroizing::new(request_body(config));
    let outgoing = Outgoing {
        action: config.action().name(),
        signer: Some(&config.identity),
        region: &config.region,
        transport: &config.transport,
        total_timeout: config.total_timeout,
        body: body.as_bytes(),
    };
    let target = &config.transport.target;
    send_request(&outgoing, started, &|status, body| {
        credential_issued(status, body, config.duration_seconds, target, location)
    })
}

/// GetFederationToken accepts permanent keys only: a temporary key is refused here, before any
/// request, with what to do instead.
fn refuse_temporary_federation(config: &Config) -> Result<()> {
    match config.action() {
        Action::GetFederationToken => identity_source::refuse_temporary_key(&config.identity),
        Action::AssumeRole => Ok(()),
    }
}

/// Sends `outgoing` with retries, all within its `total_timeout` from `started`; `answer`
/// maps each HTTP answer (status, body) to the result or an error.
pub(crate) fn send_request<T>(
    outgoing: &Outgoing<'_>,
    started: Instant,
    answer: &dyn Fn(u16, &str) -> Result<T>,
) -> Result<T> {
    let deadline = started + outgoing.total_timeout;
    let transport = outgoing.transport;
    let mut attempt = 0;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(deadline_passed(outgoing, attempt));
        }
        let cut = left < transport.timeout;
        let result = if cut {
            // A copy only when the deadline cuts this attempt short; the usual path borrows.
            attempt_once(outgoing, &TransportOptions { timeout: left, ..transport.clone() }, answer)
        } else {
            attempt_once(outgoing, transport, answer)
        };
        match result {
            Ok(result) => return Ok(result),
            // The attempt ran into the deadline, not into its own timeout_ms.
            Err(e) if cut && e.code() == codes::TIMEOUT => return Err(deadline_passed(outgoing, attempt + 1)),
            Err(e) if e.is_transient() && attempt < transport.retries => {
                let wait = backoff(attempt);
                let not_retried = |e: Error| {
                    let ms = outgoing.total_timeout.as_millis();
                    e.with_note(&format!("not retried: the next attempt would start after total_timeout_ms={ms}"))
                };
                if !retry_fits(Instant::now(), wait, deadline) {
                    return Err(not_retried(e));
                }
                std::thread::sleep(wait);
                // A sleep may overrun on a loaded machine.
                if Instant::now() >= deadline {
                    return Err(not_retried(e));
                }
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Whether a retry after `wait` would start at least [`MIN_RETRY_TIME`] before `deadline`.
fn retry_fits(now: Instant, wait: Duration, deadline: Instant) -> bool {
    now + wait + MIN_RETRY_TIME <= deadline
}

fn deadline_passed(outgoing: &Outgoing<'_>, attempts: u32) -> Error {
    let total = outgoing.total_timeout.as_millis();
    let each = outgoing.transport.timeout.as_millis();
    let target = &outgoing.transport.target;
    if attempts == 0 {
        return Error::network(
            codes::TIMEOUT,
            format!(
                "{target}: total_timeout_ms={total} passed while the call waited for a libsts worker; nothing was sent"
            ),
        );
    }
    let attempts = if attempts == 1 { "1 attempt".to_owned() } else { format!("{attempts} attempts") };
    Error::network(
        codes::TIMEOUT,
        format!("{target}: no answer within total_timeout_ms={total} ({attempts}, timeout_ms={each} each at most)"),
    )
}

/// The JSON body of the action. Field order is fixed so the emulator's log is readable.
pub fn request_body(config: &Config) -> String {
    #[derive(Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct Body<'a> {
        #[serde(skip_serializing_if = "Option::is_none")]
        name: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        role_arn: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        role_session_name: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        external_id: Option<&'a str>,
        duration_seconds: u32,
        #[serde(skip_serializing_if = "Option::is_none")]
        policy: Option<String>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        tags: Vec<Tag<'a>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        source_identity: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        serial_number: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        token_code: Option<&'a str>,
    }
    #[derive(Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct Tag<'a> {
        key: &'a str,
        value: &'a str,
    }
    let (name, role_arn, role_session_name, external_id) = config.params.parts();
    let extras = config.params.role_extras();
    let mfa = extras.and_then(|e| e.mfa.as_ref());
    let body = Body {
        name,
        role_arn,
        role_session_name,
        external_id,
        duration_seconds: config.duration_seconds,
        policy: config.policy.as_deref().map(policy::percent_encode),
        tags: extras.map_or_else(Vec::new, |e| e.tags.iter().map(|t| Tag { key: &t.key, value: &t.value }).collect()),
        source_identity: extras.and_then(|e| e.source_identity.as_deref()),
        serial_number: mfa.map(|m| m.serial_number.as_str()),
        token_code: mfa.map(|m| m.token_code.expose()),
    };
    serde_json::to_string(&body).unwrap_or_default()
}

/// Signs with a fresh timestamp (so a retry is never rejected as stale) and sends once with
/// `transport` (the request's, or a copy with a shorter timeout).
fn attempt_once<T>(
    outgoing: &Outgoing<'_>,
    transport: &TransportOptions,
    answer: &dyn Fn(u16, &str) -> Result<T>,
) -> Result<T> {
    let timestamp = time::now_unix();
    let host = outgoing.transport.endpoint.as_str();
    let authorization = Zeroizing::new(match outgoing.signer {
        Some(identity) => sign::authorization(&sign::SigningInput {
            secret_id: &identity.secret_id,
            secret_key: identity.secret_key.expose(),
            service: SERVICE,
            host,
            content_type: sign::CONTENT_TYPE,
            payload: outgoing.body,
            timestamp,
        }),
        None => UNSIGNED.to_owned(),
    });
    let timestamp = timestamp.to_string();
    let token = outgoing.signer.and_then(|identity| identity.session_token.as_ref());
    let headers = [
        (header::HOST, host),
        (header::CONTENT_TYPE, sign::CONTENT_TYPE),
        (header::AUTHORIZATION, authorization.as_str()),
        (X_TC_ACTION, outgoing.action),
        (X_TC_VERSION, API_VERSION),
        (X_TC_REGION, outgoing.region),
        (X_TC_TIMESTAMP, timestamp.as_str()),
        // Not signed (TC3 covers content-type and host); only sent with a temporary key pair.
        (X_TC_TOKEN, token.map_or("", |token| token.expose())),
    ];
    let headers = if token.is_some() { &headers[..] } else { &headers[..headers.len() - 1] };
    let response = transport::post(transport, headers, outgoing.body)?;
    answer(response.status, &response.body)
}

/// Full jitter: a random wait in [0, min(cap, base * 2^attempt)].
fn backoff(attempt: u32) -> Duration {
    let ceiling = backoff_ceiling(attempt);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u32(attempt);
    let fraction = (hasher.finish() % 1_000_001) as f64 / 1_000_000.0;
    ceiling.mul_f64(fraction)
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "Response")]
    response: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ServiceError {
    code: String,
    message: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Credentials {
    token: Zeroizing<String>,
    tmp_secret_id: String,
    tmp_secret_key: Zeroizing<String>,
}

/// Maps the HTTP answer to the result JSON or an error.
/// `url` names where the answer came from in messages (`scheme://host:port`, see `endpoint::Target`).
pub fn credential_result(status: u16, body: &str, duration_seconds: u32, url: &dyn fmt::Display) -> Result<String> {
    credential_issued(status, body, duration_seconds, url, None).map(|issued| issued.json)
}

/// The `Response` object of an STS answer (without its `RequestId`) and the `RequestId`, or the
/// error the answer is: a service error, an HTTP status or a malformed body, never quoting it.
pub(crate) fn response_object(
    status: u16,
    body: &str,
    url: &dyn fmt::Display,
) -> Result<(serde_json::Map<String, serde_json::Value>, Option<String>)> {
    let http_status_error = || {
        Error::http_status(
            status,
            format!("HTTP {status} from {url}: {} bytes that are not an STS response", body.len()),
        )
    };
    let envelope: Envelope = match serde_json::from_str(body) {
        Ok(envelope) => envelope,
        Err(_) if status != 200 => return Err(http_status_error()),
        // Described, never quoted: serde's messages quote string and number values, and a
        // response body can hold keys and tokens.
        Err(e) if e.is_data() => {
            return Err(Error::bad_response(
                codes::BAD_RESPONSE,
                format!("answer from {url} is JSON but not an object with `Response` ({} bytes)", body.len()),
            ))
        }
        Err(e) => {
            return Err(Error::bad_response(
                codes::BAD_RESPONSE,
                format!(
                    "answer from {url} is not valid JSON (syntax error at line {} column {}, {} bytes)",
                    e.line(),
                    e.column(),
                    body.len()
                ),
            ))
        }
    };
    let Some(serde_json::Value::Object(mut response)) = envelope.response else {
        return Err(if status != 200 {
            http_status_error()
        } else {
            Error::bad_response(codes::BAD_RESPONSE, format!("answer from {url} lacks the `Response` object"))
        });
    };
    let request_id = match response.remove("RequestId") {
        Some(serde_json::Value::String(id)) => Some(id),
        _ => None,
    };
    let missing = |field: &str| {
        Error::bad_response(codes::BAD_RESPONSE, format!("answer from {url} lacks a valid Response.{field}"))
            .with_request_id(request_id.clone())
    };
    if let Some(error) = response.remove("Error") {
        let error: ServiceError = serde_json::from_value(error).map_err(|_| missing("Error.Code"))?;
        return Err(Error::service(error.code, error.message.unwrap_or_default(), request_id));
    }
    if status != 200 {
        return Err(http_status_error().with_request_id(request_id));
    }
    Ok((response, request_id))
}

/// [`credential_result`] with the key's expiry, and an upload's location appended to the result.
pub fn credential_issued(
    status: u16,
    body: &str,
    duration_seconds: u32,
    url: &dyn fmt::Display,
    location: Option<&Location<'_>>,
) -> Result<Issued> {
    let (mut response, request_id) = response_object(status, body, url)?;
    let missing = |field: &str| {
        Error::bad_response(codes::BAD_RESPONSE, format!("answer from {url} lacks a valid Response.{field}"))
            .with_request_id(request_id.clone())
    };
    let credentials: Credentials = response
        .remove("Credentials")
        .and_then(|c| serde_json::from_value(c).ok())
        .ok_or_else(|| missing("Credentials{Token,TmpSecretId,TmpSecretKey}"))?;
    let expired_time =
        response.get("ExpiredTime").and_then(serde_json::Value::as_i64).ok_or_else(|| missing("ExpiredTime"))?;
    let expiration = match response.get("Expiration") {
        Some(serde_json::Value::String(s)) => s.clone(),
        None | Some(serde_json::Value::Null) => time::rfc3339(expired_time),
        Some(_) => return Err(missing("Expiration")),
    };

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct OutCredentials<'a> {
        tmp_secret_id: &'a str,
        tmp_secret_key: &'a str,
        session_token: &'a str,
    }
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Out<'a> {
        credentials: OutCredentials<'a>,
        expiration: &'a str,
        start_time: i64,
        expired_time: i64,
        request_id: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        bucket: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        region: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        key: Option<&'a str>,
    }
    let out = Out {
        credentials: OutCredentials {
            tmp_secret_id: &credentials.tmp_secret_id,
            tmp_secret_key: &credentials.tmp_secret_key,
            session_token: &credentials.token,
        },
        expiration: &expiration,
        start_time: expired_time - i64::from(duration_seconds),
        expired_time,
        request_id: request_id.as_deref(),
        bucket: location.map(|l| l.bucket),
        region: location.map(|l| l.region),
        key: location.map(|l| l.key),
    };
    // Sized up front so the buffer holding the temporary keys is never reallocated (a
    // reallocation frees the old copy unwiped); the result is at most the answer's size plus
    // the longer key names and startTime, plus an upload's location (escaped: at most 6 bytes
    // per byte). The +1 leaves room for the C string's NUL.
    let located = location.map_or(0, |l| 64 + 6 * (l.bucket.len() + l.region.len() + l.key.len()));
    let mut buffer = Vec::with_capacity(body.len() + expiration.len() + 256 + located + 1);
    serde_json::to_writer(&mut buffer, &out)
        .map_err(|e| Error::internal(format!("result serialization failed: {e}")))?;
    let json = String::from_utf8(buffer).map_err(|_| Error::internal("result serialization produced invalid UTF-8"))?;
    Ok(Issued { json, expired_time })
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://sts.tencentcloudapi.com";

    #[test]
    fn success_maps_to_the_seed_shape() {
        let body = r#"{"Response":{"Credentials":{"Token":"tok","TmpSecretId":"AKIDtmp","TmpSecretKey":"sk"},
            "ExpiredTime":1565168075,"Expiration":"2019-08-07T08:54:35Z","RequestId":"rid"}}"#;
        let out: serde_json::Value = serde_json::from_str(&credential_result(200, body, 1800, &URL).unwrap()).unwrap();
        assert_eq!(
            out,
            serde_json::json!({"credentials":{"tmpSecretId":"AKIDtmp","tmpSecretKey":"sk","sessionToken":"tok"},
                "expiration":"2019-08-07T08:54:35Z","startTime":1565166275,"expiredTime":1565168075,"requestId":"rid"})
        );
    }

    #[test]
    fn null_expiration_is_derived_from_expired_time() {
        let body = r#"{"Response":{"Credentials":{"Token":"t","TmpSecretId":"i","TmpSecretKey":"k"},
            "ExpiredTime":1565168075,"Expiration":null,"RequestId":"rid"}}"#;
        let out: serde_json::Value = serde_json::from_str(&credential_result(200, body, 60, &URL).unwrap()).unwrap();
        assert_eq!(out["expiration"], "2019-08-07T08:54:35Z");
        assert_eq!(out["startTime"], 1565168015);
    }

    #[test]
    fn service_error_is_kept_intact() {
        let body = r#"{"Response":{"Error":{"Code":"AuthFailure.SignatureFailure","Message":"The provided credentials could not be validated."},"RequestId":"r-1"}}"#;
        let e = credential_result(200, body, 1800, &URL).unwrap_err();
        assert_eq!(e.kind(), crate::error::ErrorKind::Service);
        assert_eq!(e.code(), "AuthFailure.SignatureFailure");
        assert_eq!(e.message(), "The provided credentials could not be validated.");
        assert_eq!(e.request_id(), Some("r-1"));
    }

    #[test]
    fn malformed_answers_are_bad_responses_naming_what_is_wrong() {
        let cases = [
            (200, "not json", codes::BAD_RESPONSE, "not valid JSON"),
            (200, r#"{"Foo":1}"#, codes::BAD_RESPONSE, "`Response`"),
            (200, r#"{"Response":{"RequestId":"x"}}"#, codes::BAD_RESPONSE, "Credentials"),
            (
                200,
                r#"{"Response":{"Credentials":{"Token":"t","TmpSecretId":"i","TmpSecretKey":"k"}}}"#,
                codes::BAD_RESPONSE,
                "ExpiredTime",
            ),
            (502, "<html>bad gateway</html>", codes::HTTP_STATUS, "HTTP 502"),
        ];
        for (status, body, code, needle) in cases {
            let e = credential_result(status, body, 1800, &URL).unwrap_err();
            assert_eq!(e.code(), code, "{body}");
            assert!(e.message().contains(needle), "{} lacks {needle}", e.message());
            assert!(!e.message().contains("bad gateway"), "body echoed: {}", e.message());
        }
    }

    #[test]
    fn no_part_of_a_malformed_answer_is_quoted() {
        for body in [
            r#""AKIDsecretEXAMPLE tmpSecretKey=hunter2""#,
            "12345678901234567890",
            r#"["hunter2"]"#,
            r#"{"Response":"hunter2"}"#,
            r#"{"Response":{"Error":"hunter2"}}"#,
            r#"{"Response":{"Credentials":{"Token":7,"TmpSecretId":"hunter2"},"ExpiredTime":1}}"#,
            "hunter2 not json",
        ] {
            let e = credential_result(200, body, 1800, &URL).unwrap_err();
            assert_eq!(e.code(), codes::BAD_RESPONSE, "{body}");
            for secret in ["hunter2", "AKIDsecret", "1234567890"] {
                assert!(!e.message().contains(secret), "{body} quoted in {}", e.message());
            }
        }
    }

    #[test]
    fn a_retry_needs_its_backoff_and_ten_ms_before_the_deadline() {
        let now = Instant::now();
        let deadline = now + Duration::from_millis(100);
        assert!(retry_fits(now, Duration::from_millis(90), deadline));
        assert!(!retry_fits(now, Duration::from_millis(91), deadline));
        assert!(!retry_fits(now, Duration::from_millis(150), deadline));
    }

    #[test]
    fn backoff_is_bounded_by_the_doubling_ceiling_and_the_cap() {
        for attempt in 0..12 {
            let ceiling = crate::config::BACKOFF_BASE.saturating_mul(1 << attempt).min(crate::config::BACKOFF_CAP);
            for _ in 0..50 {
                assert!(backoff(attempt) <= ceiling);
            }
        }
    }

    #[test]
    fn request_body_holds_the_action_parameters_and_an_encoded_policy() {
        let config = Config::parse(
            r#"{"secret_id":"AKIDx","secret_key":"k","bucket":"b-1250000000","region":"ap-guangzhou","allow_prefix":"a b/*","allow_actions":["name/cos:PutObject"]}"#,
            Action::GetFederationToken,
        )
        .unwrap();
        let body: serde_json::Value = serde_json::from_str(&request_body(&config)).unwrap();
        assert_eq!(body["Name"], crate::config::DEFAULT_NAME);
        assert_eq!(body["DurationSeconds"], 1800);
        let encoded = body["Policy"].as_str().unwrap();
        assert!(encoded.contains("a%20b%2F%2A"), "{encoded}");
        assert!(body.get("RoleArn").is_none());
        let role = Config::parse(
            r#"{"secret_id":"AKIDx","secret_key":"k","role_arn":"qcs::cam::uin/1:roleName/r","external_id":"ext-1"}"#,
            Action::AssumeRole,
        )
        .unwrap();
        let body: serde_json::Value = serde_json::from_str(&request_body(&role)).unwrap();
        assert_eq!(body["RoleArn"], "qcs::cam::uin/1:roleName/r");
        assert_eq!(body["RoleSessionName"], crate::config::DEFAULT_NAME);
        assert_eq!(body["ExternalId"], "ext-1");
        assert!(body.get("Policy").is_none() && body.get("Name").is_none());
    }
}

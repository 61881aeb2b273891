//! The STS side of the emulator: TC3 verification, the parameter rules of `GetFederationToken`
//! and `AssumeRole`, and the service's response and error shapes.
//!
//! [`handle`] is a pure function of the request, the key pairs and the clock, so every rule is
//! unit-tested here without a socket.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{json, Map, Value};

use super::http::Request;
use super::RecordedRequest;
use sts::sign;

pub(crate) const SERVICE: &str = "sts";
pub(crate) const VERSION: &str = "2018-08-13";
/// The service's tolerance for clock skew between `X-TC-Timestamp` and its own clock.
pub(crate) const MAX_SKEW_SECONDS: i64 = 300;
const DEFAULT_DURATION: i64 = 1800;
const MAX_DURATION_FEDERATION: i64 = 129_600;
pub(crate) const MAX_DURATION_ROLE: i64 = 43_200;

/// Fake-credential randomness without a dependency: SipHash (randomly keyed per process by
/// `RandomState`) of a counter. Unpredictable enough for test credentials; not cryptographic.
pub(crate) struct Rng {
    state: RandomState,
    counter: AtomicU64,
}

impl Rng {
    pub fn new() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        Rng { state: RandomState::new(), counter: AtomicU64::new(nanos) }
    }

    pub fn next_u64(&self) -> u64 {
        let mut hasher = self.state.build_hasher();
        hasher.write_u64(self.counter.fetch_add(1, Ordering::Relaxed));
        hasher.finish()
    }

    /// `len` characters drawn from `alphabet` (64 or fewer symbols).
    pub fn string(&self, alphabet: &[u8], len: usize) -> String {
        let mut out = String::with_capacity(len);
        let mut bits = 0u64;
        for i in 0..len {
            if i % 8 == 0 {
                bits = self.next_u64();
            }
            out.push(char::from(alphabet[(bits & 0xff) as usize % alphabet.len()]));
            bits >>= 8;
        }
        out
    }

    /// A version-4-style UUID, the form of the service's `RequestId`.
    pub fn request_id(&self) -> String {
        let (a, b) = (self.next_u64(), self.next_u64());
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | ((b >> 48) & 0x3fff),
            b & 0xffff_ffff_ffff
        )
    }
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const URL_SAFE: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const BASE64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Everything but the RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`).
const POLICY_ENCODE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Decodes `%XX` escapes (either hex case) into bytes and requires the result to be UTF-8.
/// Every other character stands for itself, `+` included (this is RFC 3986 decoding, not
/// form decoding). `None` for a `%` not followed by two hex digits or for non-UTF-8 results:
/// the crate's decoder passes a broken escape through as text, the service refuses it.
pub fn percent_decode(input: &str) -> Option<String> {
    let bytes = input.as_bytes();
    let escapes_ok = bytes
        .iter()
        .enumerate()
        .filter(|(_, &b)| b == b'%')
        .all(|(i, _)| bytes.get(i + 1..i + 3).is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit)));
    if !escapes_ok {
        return None;
    }
    percent_decode_str(input).decode_utf8().ok().map(|text| text.into_owned())
}

/// Percent-encodes everything but RFC 3986 unreserved characters, with upper-case hex: the
/// encoding the STS `Policy` parameter is sent in.
pub fn percent_encode(input: &str) -> String {
    utf8_percent_encode(input, POLICY_ENCODE).to_string()
}

/// A service error: `Response.Error.Code` and `Message`.
#[derive(Debug)]
pub(crate) struct Failure {
    pub code: &'static str,
    pub message: String,
}

pub(crate) fn fail(code: &'static str, message: impl Into<String>) -> Failure {
    Failure { code, message: message.into() }
}

/// What the service answers: the JSON body (always HTTP 200) and its error code, if any.
pub(crate) struct Answer {
    pub body: String,
    pub error_code: Option<String>,
}

pub(crate) fn error_body(code: &str, message: &str, request_id: &str) -> String {
    json!({"Response": {"Error": {"Code": code, "Message": message}, "RequestId": request_id}}).to_string()
}

/// Verifies and answers one `POST /`. `now` is the server's Unix time. `tokens` lists the
/// SecretIds that are temporary keys, with the `X-TC-Token` each must carry.
pub(crate) fn handle(
    keys: &[(String, String)],
    tokens: &[(String, String)],
    req: &Request,
    now: i64,
    rng: &Rng,
) -> (Answer, RecordedRequest) {
    let header = |name: &str| req.header(name).unwrap_or("").to_string();
    let mut record = RecordedRequest {
        action: header("x-tc-action"),
        host: header("host"),
        region: header("x-tc-region"),
        timestamp: header("x-tc-timestamp"),
        secret_id: String::new(),
        signature_ok: false,
        decoded_policy: None,
        body: serde_json::from_slice(&req.body).unwrap_or(Value::Null),
        error_code: None,
        fault: None,
    };
    let request_id = rng.request_id();
    let body = match answer(keys, tokens, req, now, rng, &mut record) {
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
    keys: &[(String, String)],
    tokens: &[(String, String)],
    req: &Request,
    now: i64,
    rng: &Rng,
    record: &mut RecordedRequest,
) -> Result<Map<String, Value>, Failure> {
    verify_signature(keys, req, now, record)?;
    verify_token(tokens, req, &record.secret_id)?;

    let media_type = req.header("content-type").unwrap_or("").split(';').next().unwrap_or("");
    if !media_type.trim().eq_ignore_ascii_case("application/json") {
        return Err(fail(
            "InvalidParameter",
            "The emulator accepts only `Content-Type: application/json` request bodies.",
        ));
    }
    let version = req
        .header("x-tc-version")
        .ok_or_else(|| fail("MissingParameter", "The request is missing the X-TC-Version header."))?;
    if version != VERSION {
        return Err(fail(
            "NoSuchVersion",
            format!("The requested version `{version}` of service `{SERVICE}` does not exist (use {VERSION})."),
        ));
    }
    let action = req
        .header("x-tc-action")
        .ok_or_else(|| fail("MissingParameter", "The request is missing the X-TC-Action header."))?;
    if action != "GetFederationToken" && action != "AssumeRole" {
        return Err(fail(
            "InvalidAction",
            format!(
                "The action `{action}` does not exist in version {VERSION} of service {SERVICE} \
                 (the emulator implements GetFederationToken and AssumeRole)."
            ),
        ));
    }
    let region = req.header("x-tc-region").unwrap_or("");
    if region.is_empty() {
        return Err(fail("MissingParameter", "The request is missing the X-TC-Region header."));
    }
    if !region.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
        return Err(fail("UnsupportedRegion", format!("The region `{region}` is not supported.")));
    }

    let params = match &record.body {
        Value::Object(params) => params.clone(),
        _ => return Err(fail("InvalidParameter", "The request body is not a JSON object.")),
    };
    let duration = if action == "GetFederationToken" {
        check_federation_token(&params, record)?
    } else {
        check_assume_role(&params, record)?
    };

    let expired_time = now + duration;
    let mut response = Map::new();
    response.insert(
        "Credentials".into(),
        json!({
            "Token": rng.string(URL_SAFE, 400),
            "TmpSecretId": format!("AKID{}", rng.string(ALNUM, 48)),
            "TmpSecretKey": format!("{}=", rng.string(BASE64, 43)),
        }),
    );
    response.insert("ExpiredTime".into(), json!(expired_time));
    response.insert("Expiration".into(), json!(sts::time::rfc3339(expired_time)));
    Ok(response)
}

/// A temporary key as the service hands them out: (TmpSecretId, TmpSecretKey, Token).
pub(crate) fn new_credentials(rng: &Rng) -> (String, String, String) {
    (format!("AKID{}", rng.string(ALNUM, 48)), format!("{}=", rng.string(BASE64, 43)), rng.string(URL_SAFE, 400))
}

/// The `AuthFailure.*` checks, in the service's order. Sets `secret_id` and `signature_ok`.
fn verify_signature(
    keys: &[(String, String)],
    req: &Request,
    now: i64,
    record: &mut RecordedRequest,
) -> Result<(), Failure> {
    let header = req
        .header("authorization")
        .ok_or_else(|| fail("AuthFailure.InvalidAuthorization", "The Authorization header is missing."))?;
    let auth = sign::parse_authorization(header).ok_or_else(|| {
        fail(
            "AuthFailure.InvalidAuthorization",
            "The Authorization header is not of the form `TC3-HMAC-SHA256 Credential=SecretId/Date/Service/tc3_request, SignedHeaders=..., Signature=...`.",
        )
    })?;
    record.secret_id = auth.secret_id.to_string();
    if auth.signed_headers != sign::SIGNED_HEADERS {
        return Err(fail(
            "AuthFailure.InvalidAuthorization",
            format!("The emulator verifies only SignedHeaders={}.", sign::SIGNED_HEADERS),
        ));
    }
    let raw_timestamp = req
        .header("x-tc-timestamp")
        .ok_or_else(|| fail("MissingParameter", "The request is missing the X-TC-Timestamp header."))?;
    let timestamp = parse_timestamp(raw_timestamp)
        .ok_or_else(|| fail("InvalidParameter", "X-TC-Timestamp must be an integer number of seconds since 1970."))?;
    let secret_key =
        keys.iter().find(|(id, _)| id == auth.secret_id).map(|(_, key)| key.as_str()).ok_or_else(|| {
            fail(
                "AuthFailure.SecretIdNotFound",
                "The SecretId is not found, please ensure that your SecretId is correct.",
            )
        })?;
    if now.abs_diff(timestamp) > MAX_SKEW_SECONDS as u64 {
        return Err(fail(
            "AuthFailure.SignatureExpire",
            format!(
                "Signature expired: X-TC-Timestamp {timestamp} is more than {MAX_SKEW_SECONDS} s from the server time {now}."
            ),
        ));
    }
    let date = sts::time::utc_date(timestamp);
    if auth.date != date {
        return Err(fail(
            "AuthFailure.SignatureFailure",
            format!("The credential date {} is not the UTC date of X-TC-Timestamp ({date}).", auth.date),
        ));
    }
    if auth.service != SERVICE {
        return Err(fail(
            "AuthFailure.SignatureFailure",
            format!("The credential scope names service `{}`, not `{SERVICE}`.", auth.service),
        ));
    }
    // TC3 canonical headers are lower-cased and trimmed, values included.
    let content_type = req.header("content-type").unwrap_or("").to_ascii_lowercase();
    let host = req.header("host").unwrap_or("").to_ascii_lowercase();
    let expected = sign::signature(&sign::SigningInput {
        secret_id: auth.secret_id,
        secret_key,
        service: SERVICE,
        host: &host,
        content_type: &content_type,
        payload: &req.body,
        timestamp,
    });
    if !sign::constant_time_eq(expected.as_bytes(), auth.signature.as_bytes()) {
        return Err(fail(
            "AuthFailure.SignatureFailure",
            "The provided credentials could not be validated. Please check your signature is correct.",
        ));
    }
    record.signature_ok = true;
    Ok(())
}

/// A temporary key is only valid with its session token in `X-TC-Token`; a permanent key
/// takes none.
fn verify_token(tokens: &[(String, String)], req: &Request, secret_id: &str) -> Result<(), Failure> {
    let expected = tokens.iter().find(|(id, _)| id == secret_id).map(|(_, token)| token.as_str());
    match (expected, req.header("x-tc-token")) {
        (None, None) => Ok(()),
        (Some(expected), Some(sent)) if sign::constant_time_eq(expected.as_bytes(), sent.as_bytes()) => Ok(()),
        (Some(_), None) => {
            Err(fail("AuthFailure.TokenFailure", "This SecretId is a temporary key: X-TC-Token is required."))
        }
        (Some(_), Some(_)) => Err(fail("AuthFailure.TokenFailure", "The X-TC-Token does not belong to this SecretId.")),
        (None, Some(_)) => Err(fail("AuthFailure.TokenFailure", "X-TC-Token was sent with a permanent SecretId.")),
    }
}

fn parse_timestamp(raw: &str) -> Option<i64> {
    if raw.is_empty() || raw.len() > 15 || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    raw.parse().ok()
}

pub(crate) fn check_known(params: &Map<String, Value>, known: &[&str]) -> Result<(), Failure> {
    match params.keys().find(|k| !known.contains(&k.as_str())) {
        Some(unknown) => Err(fail(
            "UnknownParameter",
            format!("The parameter `{unknown}` is not recognized (known: {}).", known.join(", ")),
        )),
        None => Ok(()),
    }
}

/// A string parameter: `Ok(None)` when absent, `InvalidParameter` when of another type.
fn string_param<'a>(params: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, Failure> {
    match params.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(fail("InvalidParameter", format!("The parameter `{name}` must be a string."))),
    }
}

pub(crate) fn required_string<'a>(params: &'a Map<String, Value>, name: &str) -> Result<&'a str, Failure> {
    string_param(params, name)?
        .ok_or_else(|| fail("MissingParameter", format!("The request is missing the required parameter `{name}`.")))
}

pub(crate) fn duration_param(params: &Map<String, Value>, max: i64) -> Result<i64, Failure> {
    let value = match params.get("DurationSeconds") {
        None => return Ok(DEFAULT_DURATION),
        Some(value) => value,
    };
    if !value.is_number() {
        return Err(fail("InvalidParameter", "The parameter `DurationSeconds` must be an integer."));
    }
    match value.as_i64() {
        Some(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(fail(
            "InvalidParameterValue",
            format!("The parameter `DurationSeconds` must be an integer from 1 to {max}, not {value}."),
        )),
    }
}

/// 2 to 128 characters, each a letter, digit or one of `extra`.
pub(crate) fn check_charset(name: &str, value: &str, extra: &str) -> Result<(), Failure> {
    let ok = (2..=128).contains(&value.chars().count())
        && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || extra.contains(c));
    if ok {
        Ok(())
    } else {
        Err(fail(
            "InvalidParameterValue",
            format!("The parameter `{name}` must be 2 to 128 characters of [A-Za-z0-9_{extra}]."),
        ))
    }
}

/// Decodes and checks a `Policy` parameter, recording the decoded document.
fn check_policy(encoded: &str, record: &mut RecordedRequest) -> Result<(), Failure> {
    let decoded = percent_decode(encoded)
        .ok_or_else(|| fail("InvalidParameter", "The parameter `Policy` is not validly percent-encoded UTF-8."))?;
    let policy: Value = serde_json::from_str(&decoded).map_err(|e| {
        fail("InvalidParameter", format!("The parameter `Policy` is not JSON after percent-decoding: {e}."))
    })?;
    record.decoded_policy = Some(policy.clone());
    let bad = |what: &str| fail("InvalidParameter", format!("The policy is malformed: {what}."));
    let document = policy.as_object().ok_or_else(|| bad("it is not a JSON object"))?;
    if !document.get("version").is_some_and(Value::is_string) {
        return Err(bad("`version` must be a string"));
    }
    let statements =
        document.get("statement").and_then(Value::as_array).ok_or_else(|| bad("`statement` must be an array"))?;
    for statement in statements {
        let statement = statement.as_object().ok_or_else(|| bad("a statement is not an object"))?;
        if statement.keys().any(|k| k.eq_ignore_ascii_case("principal")) {
            return Err(fail(
                "InvalidParameterValue",
                "The policy of a temporary credential must not contain `principal`: principal is not allowed.",
            ));
        }
        let effect = statement.get("effect").and_then(Value::as_str).unwrap_or("");
        if !effect.eq_ignore_ascii_case("allow") && !effect.eq_ignore_ascii_case("deny") {
            return Err(bad("a statement's `effect` must be \"allow\" or \"deny\""));
        }
        let action_ok = match statement.get("action") {
            Some(Value::String(s)) => !s.is_empty(),
            Some(Value::Array(list)) => !list.is_empty() && list.iter().all(Value::is_string),
            _ => false,
        };
        if !action_ok {
            return Err(bad("a statement's `action` must be a string or a non-empty list of strings"));
        }
        if let Some(resource) = statement.get("resource") {
            let ok = resource.is_string() || resource.as_array().is_some_and(|list| list.iter().all(Value::is_string));
            if !ok {
                return Err(bad("a statement's `resource` must be a string or a list of strings"));
            }
        }
    }
    Ok(())
}

/// GetFederationToken: `Name` and `Policy` required, `DurationSeconds` 1..=129600.
fn check_federation_token(params: &Map<String, Value>, record: &mut RecordedRequest) -> Result<i64, Failure> {
    check_known(params, &["Name", "Policy", "DurationSeconds"])?;
    let name = required_string(params, "Name")?;
    if name.is_empty() {
        return Err(fail("InvalidParameterValue", "The parameter `Name` must not be empty."));
    }
    let policy = required_string(params, "Policy")?;
    if policy.is_empty() {
        return Err(fail("InvalidParameterValue", "The parameter `Policy` must not be empty."));
    }
    let duration = duration_param(params, MAX_DURATION_FEDERATION)?;
    check_policy(policy, record)?;
    Ok(duration)
}

/// AssumeRole: `RoleArn` and `RoleSessionName` required, `DurationSeconds` 1..=43200, optional
/// `Policy` and `ExternalId`.
fn check_assume_role(params: &Map<String, Value>, record: &mut RecordedRequest) -> Result<i64, Failure> {
    check_known(
        params,
        &["RoleArn", "RoleSessionName", "DurationSeconds", "Policy", "ExternalId", "Tags", "SourceIdentity"],
    )?;
    let role_arn = required_string(params, "RoleArn")?;
    if !is_role_arn(role_arn) {
        return Err(fail(
            "InvalidParameterValue",
            format!(
                "The parameter `RoleArn` `{role_arn}` is not of the form \
                 qcs::cam::uin/<uin>:roleName/<name> or qcs::cam::uin/<uin>:role/<id>."
            ),
        ));
    }
    let session_name = required_string(params, "RoleSessionName")?;
    check_charset("RoleSessionName", session_name, "+=,.@-")?;
    let duration = duration_param(params, MAX_DURATION_ROLE)?;
    if let Some(external_id) = string_param(params, "ExternalId")? {
        check_charset("ExternalId", external_id, "+=,.@:/-")?;
    }
    string_param(params, "SourceIdentity")?;
    if params.get("Tags").is_some_and(|tags| !tags.is_array()) {
        return Err(fail("InvalidParameter", "The parameter `Tags` must be a list."));
    }
    match string_param(params, "Policy")? {
        Some(policy) if !policy.is_empty() => check_policy(policy, record)?,
        _ => {}
    }
    Ok(duration)
}

pub(crate) fn is_role_arn(arn: &str) -> bool {
    let Some(rest) = arn.strip_prefix("qcs::cam::uin/") else { return false };
    let Some((uin, role)) = rest.split_once(':') else { return false };
    let uin_ok = !uin.is_empty() && uin.bytes().all(|b| b.is_ascii_digit());
    let role_ok = match (role.strip_prefix("roleName/"), role.strip_prefix("role/")) {
        (Some(name), _) => !name.is_empty(),
        (_, Some(id)) => !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()),
        _ => false,
    };
    uin_ok && role_ok
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::http::Version;
    use crate::{DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY};

    pub(crate) const HOST: &str = "sts.tencentcloudapi.com";
    pub(crate) const NOW: i64 = 1_700_000_000;

    pub(crate) fn policy() -> Value {
        json!({"version": "2.0", "statement": [{
            "action": ["name/cos:PutObject"], "effect": "allow",
            "resource": ["qcs::cos:ap-guangzhou:uid/1250000000:example-1250000000/dir/*"]}]})
    }

    pub(crate) fn federation_body() -> Value {
        json!({"Name": "cos-sts-libsts", "Policy": percent_encode(&policy().to_string()), "DurationSeconds": 1800})
    }

    pub(crate) fn role_body() -> Value {
        json!({"RoleArn": "qcs::cam::uin/100000000001:roleName/x", "RoleSessionName": "cos-sts-libsts", "DurationSeconds": 1800})
    }

    /// A request as a conforming client builds it, with knobs to break each part.
    #[derive(Clone)]
    pub(crate) struct Call {
        pub action: &'static str,
        pub body: String,
        pub secret_id: &'static str,
        pub secret_key: &'static str,
        pub timestamp: i64,
        pub service: &'static str,
        pub version: &'static str,
        pub region: Option<&'static str>,
        pub host: &'static str,
        pub extra_headers: Vec<(String, String)>,
        /// Replaces the computed Authorization header (None = send none).
        pub authorization: Option<Option<String>>,
        pub timestamp_header: Option<Option<String>>,
    }

    impl Call {
        pub fn new(action: &'static str, body: &Value) -> Self {
            Call {
                action,
                body: body.to_string(),
                secret_id: DEFAULT_SECRET_ID,
                secret_key: DEFAULT_SECRET_KEY,
                timestamp: NOW,
                service: SERVICE,
                version: VERSION,
                region: Some("ap-guangzhou"),
                host: HOST,
                extra_headers: Vec::new(),
                authorization: None,
                timestamp_header: None,
            }
        }

        pub fn headers(&self) -> Vec<(String, String)> {
            let input = sign::SigningInput {
                secret_id: self.secret_id,
                secret_key: self.secret_key,
                service: self.service,
                host: self.host,
                content_type: sign::CONTENT_TYPE,
                payload: self.body.as_bytes(),
                timestamp: self.timestamp,
            };
            let mut headers = vec![
                ("content-type".to_string(), sign::CONTENT_TYPE.to_string()),
                ("host".to_string(), self.host.to_string()),
                ("x-tc-action".to_string(), self.action.to_string()),
                ("x-tc-version".to_string(), self.version.to_string()),
            ];
            if let Some(region) = self.region {
                headers.push(("x-tc-region".into(), region.into()));
            }
            if let Some(ts) = self.timestamp_header.clone().unwrap_or(Some(self.timestamp.to_string())) {
                headers.push(("x-tc-timestamp".into(), ts));
            }
            if let Some(auth) = self.authorization.clone().unwrap_or(Some(sign::authorization(&input))) {
                headers.push(("authorization".into(), auth));
            }
            headers.extend(self.extra_headers.iter().cloned());
            headers
        }

        pub fn request(&self) -> Request {
            Request {
                method: "POST".into(),
                target: "/".into(),
                version: Version::Http11,
                headers: self.headers(),
                body: self.body.clone().into_bytes(),
            }
        }

        /// The raw bytes on the wire.
        pub fn bytes(&self) -> Vec<u8> {
            let mut out = String::from("POST / HTTP/1.1\r\n");
            for (name, value) in self.headers() {
                out.push_str(&format!("{name}: {value}\r\n"));
            }
            out.push_str(&format!("content-length: {}\r\n\r\n{}", self.body.len(), self.body));
            out.into_bytes()
        }
    }

    fn keys() -> Vec<(String, String)> {
        vec![("AKIDother".into(), "other-key".into()), (DEFAULT_SECRET_ID.into(), DEFAULT_SECRET_KEY.into())]
    }

    fn run(call: &Call) -> (Value, RecordedRequest) {
        let (answer, record) = handle(&keys(), &[], &call.request(), NOW, &Rng::new());
        let body: Value = serde_json::from_str(&answer.body).expect("the emulator answers JSON");
        assert_eq!(answer.error_code, record.error_code);
        (body, record)
    }

    /// The error code answered (None on success), checking the error shape on the way.
    fn code(call: &Call) -> Option<String> {
        let (body, record) = run(call);
        let response = &body["Response"];
        assert!(is_request_id(response["RequestId"].as_str().unwrap()), "{body}");
        match response.get("Error") {
            Some(error) => {
                assert!(error["Message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
                let code = error["Code"].as_str().unwrap().to_string();
                assert_eq!(record.error_code.as_deref(), Some(code.as_str()));
                Some(code)
            }
            None => None,
        }
    }

    pub(crate) fn is_request_id(s: &str) -> bool {
        let groups: Vec<&str> = s.split('-').collect();
        groups.iter().map(|g| g.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
            && s.bytes().all(|b| b == b'-' || b.is_ascii_hexdigit())
    }

    fn with(action: &'static str, body: Value) -> Call {
        Call::new(action, &body)
    }

    fn federation(edit: impl FnOnce(&mut Map<String, Value>)) -> Call {
        let mut body = federation_body();
        edit(body.as_object_mut().unwrap());
        with("GetFederationToken", body)
    }

    fn role(edit: impl FnOnce(&mut Map<String, Value>)) -> Call {
        let mut body = role_body();
        edit(body.as_object_mut().unwrap());
        with("AssumeRole", body)
    }

    #[test]
    fn a_temporary_key_needs_its_session_token() {
        let tokens = [("AKIDother".to_string(), "session-token-1".to_string())];
        let code_with = |secret_id: &'static str, secret_key: &'static str, token: Option<&str>| {
            let mut call = Call { secret_id, secret_key, ..federation(|_| {}) };
            if let Some(token) = token {
                call.extra_headers.push(("x-tc-token".into(), token.into()));
            }
            handle(&keys(), &tokens, &call.request(), NOW, &Rng::new()).0.error_code
        };
        assert_eq!(code_with("AKIDother", "other-key", Some("session-token-1")), None);
        let token_failure = Some("AuthFailure.TokenFailure".to_string());
        assert_eq!(code_with("AKIDother", "other-key", None), token_failure);
        assert_eq!(code_with("AKIDother", "other-key", Some("session-token-2")), token_failure);
        assert_eq!(code_with(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, Some("session-token-1")), token_failure);
        assert_eq!(code_with(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, None), None);
        // The signature is checked first: a bad signature is not a token problem.
        assert_eq!(
            code_with("AKIDother", "wrong-key", Some("session-token-1")).as_deref(),
            Some("AuthFailure.SignatureFailure")
        );
    }

    #[test]
    fn a_signed_get_federation_token_gets_credentials_of_the_real_shape() {
        let (body, record) = run(&federation(|_| {}));
        let response = body["Response"].as_object().unwrap();
        let credentials = &response["Credentials"];
        assert!(credentials["Token"].as_str().unwrap().len() >= 100);
        let id = credentials["TmpSecretId"].as_str().unwrap();
        assert!(id.starts_with("AKID") && id.len() >= 44, "{id}");
        assert_eq!(credentials["TmpSecretKey"].as_str().unwrap().len(), 44);
        assert_eq!(response["ExpiredTime"], json!(NOW + 1800));
        assert_eq!(response["Expiration"], json!(sts::time::rfc3339(NOW + 1800)));
        assert!(is_request_id(response["RequestId"].as_str().unwrap()));
        assert_eq!(response.len(), 4, "{body}");

        assert!(record.signature_ok);
        assert_eq!(record.error_code, None);
        assert_eq!(record.action, "GetFederationToken");
        assert_eq!(record.host, HOST);
        assert_eq!(record.region, "ap-guangzhou");
        assert_eq!(record.timestamp, NOW.to_string());
        assert_eq!(record.secret_id, DEFAULT_SECRET_ID);
        assert_eq!(record.decoded_policy, Some(policy()));
        assert_eq!(record.body, federation_body(), "the recorded body keeps Policy encoded");
    }

    #[test]
    fn a_signed_assume_role_gets_credentials_with_and_without_policy() {
        assert_eq!(code(&role(|_| {})), None);
        let (body, record) = run(&role(|b| {
            b.insert("Policy".into(), json!(percent_encode(&policy().to_string())));
            b.insert("ExternalId".into(), json!("ext:id/1"));
            b.insert("DurationSeconds".into(), json!(43200));
        }));
        assert_eq!(body["Response"]["ExpiredTime"], json!(NOW + 43200));
        assert!(body["Response"]["Credentials"]["TmpSecretId"].is_string());
        assert_eq!(record.decoded_policy, Some(policy()));
        let (body, _) = run(&role(|b| {
            b.remove("DurationSeconds");
        }));
        assert_eq!(body["Response"]["ExpiredTime"], json!(NOW + 1800), "default duration");
    }

    #[test]
    fn credentials_differ_between_calls() {
        let rng = Rng::new();
        let call = federation(|_| {});
        let a = handle(&keys(), &[], &call.request(), NOW, &rng).0.body;
        let b = handle(&keys(), &[], &call.request(), NOW, &rng).0.body;
        assert_ne!(a, b);
    }

    #[test]
    fn authentication_failures_get_the_service_codes() {
        let ok = federation(|_| {});
        let cases: Vec<(Call, &str)> = vec![
            (Call { authorization: Some(None), ..ok.clone() }, "AuthFailure.InvalidAuthorization"),
            (Call { authorization: Some(Some("Bearer x".into())), ..ok.clone() }, "AuthFailure.InvalidAuthorization"),
            (
                Call {
                    authorization: Some(Some(format!(
                        "TC3-HMAC-SHA256 Credential={DEFAULT_SECRET_ID}/2023-11-14/sts/tc3_request, SignedHeaders=host, Signature=00"
                    ))),
                    ..ok.clone()
                },
                "AuthFailure.InvalidAuthorization",
            ),
            (Call { timestamp_header: Some(None), ..ok.clone() }, "MissingParameter"),
            (Call { timestamp_header: Some(Some("1.7e9".into())), ..ok.clone() }, "InvalidParameter"),
            (Call { secret_id: "AKIDunknown", ..ok.clone() }, "AuthFailure.SecretIdNotFound"),
            (Call { timestamp: NOW - 301, ..ok.clone() }, "AuthFailure.SignatureExpire"),
            (Call { timestamp: NOW + 301, ..ok.clone() }, "AuthFailure.SignatureExpire"),
            (Call { secret_key: "wrong", ..ok.clone() }, "AuthFailure.SignatureFailure"),
            (Call { service: "cvm", ..ok.clone() }, "AuthFailure.SignatureFailure"),
            // Signed for one timestamp, sent with another (same day, within the skew).
            (Call { timestamp_header: Some(Some((NOW + 1).to_string())), ..ok.clone() }, "AuthFailure.SignatureFailure"),
            // The credential date of the previous day.
            (
                Call { timestamp_header: Some(Some(NOW.to_string())), timestamp: NOW - 86400, ..ok.clone() },
                "AuthFailure.SignatureFailure",
            ),
        ];
        for (call, expected) in &cases {
            let headers = call.headers();
            assert_eq!(code(call).as_deref(), Some(*expected), "{headers:?}");
        }
        // The key of the other pair signs for its own id only.
        let other = Call { secret_id: "AKIDother", secret_key: "other-key", ..ok.clone() };
        assert_eq!(code(&other), None);
        let mixed = Call { secret_id: "AKIDother", ..ok.clone() };
        assert_eq!(code(&mixed).as_deref(), Some("AuthFailure.SignatureFailure"));
        // The skew limit itself is accepted on both sides.
        assert_eq!(code(&Call { timestamp: NOW - 300, ..ok.clone() }), None);
        assert_eq!(code(&Call { timestamp: NOW + 300, ..ok.clone() }), None);
    }

    #[test]
    fn a_tampered_body_or_host_fails_the_signature() {
        let ok = federation(|_| {});
        let mut request = ok.request();
        request.body.push(b' ');
        let (answer, record) = handle(&keys(), &[], &request, NOW, &Rng::new());
        assert_eq!(answer.error_code.as_deref(), Some("AuthFailure.SignatureFailure"));
        assert!(!record.signature_ok);
        let mut request = ok.request();
        request.headers.retain(|(n, _)| n != "host");
        request.headers.push(("host".into(), "127.0.0.1:9".into()));
        let (answer, _) = handle(&keys(), &[], &request, NOW, &Rng::new());
        assert_eq!(answer.error_code.as_deref(), Some("AuthFailure.SignatureFailure"));
        // Header values are compared lower-cased, as TC3 canonicalizes them.
        let mut request = ok.request();
        for (name, value) in &mut request.headers {
            if name == "host" {
                *value = value.to_ascii_uppercase();
            }
        }
        assert_eq!(handle(&keys(), &[], &request, NOW, &Rng::new()).0.error_code, None);
    }

    #[test]
    fn header_level_parameter_errors() {
        let ok = federation(|_| {});
        assert_eq!(code(&Call { version: "2017-03-12", ..ok.clone() }).as_deref(), Some("NoSuchVersion"));
        assert_eq!(code(&Call { action: "GetCallerIdentity", ..ok.clone() }).as_deref(), Some("InvalidAction"));
        assert_eq!(code(&Call { region: None, ..ok.clone() }).as_deref(), Some("MissingParameter"));
        assert_eq!(code(&Call { region: Some("AP GZ"), ..ok.clone() }).as_deref(), Some("UnsupportedRegion"));
        let mut wrong_type = ok.request();
        wrong_type.headers.retain(|(n, _)| n != "content-type");
        wrong_type.headers.push(("content-type".into(), "text/plain".into()));
        // Signed with application/json but sent as text/plain: the signature fails first.
        assert_eq!(
            handle(&keys(), &[], &wrong_type, NOW, &Rng::new()).0.error_code.as_deref(),
            Some("AuthFailure.SignatureFailure")
        );
    }

    #[test]
    fn a_body_that_is_not_a_json_object_is_invalid() {
        for body in ["", "not json", "[1,2]", "\"x\"", "{\"Name\":"] {
            let call = Call { body: body.to_string(), ..federation(|_| {}) };
            assert_eq!(code(&call).as_deref(), Some("InvalidParameter"), "{body}");
        }
    }

    #[test]
    fn duration_rules_per_action() {
        let set = |v: Value| {
            move |b: &mut Map<String, Value>| {
                b.insert("DurationSeconds".into(), v);
            }
        };
        for (value, expected) in [
            (json!(1), None),
            (json!(129600), None),
            (json!(0), Some("InvalidParameterValue")),
            (json!(-5), Some("InvalidParameterValue")),
            (json!(129601), Some("InvalidParameterValue")),
            (json!(1800.0), Some("InvalidParameterValue")),
            (json!(1800.5), Some("InvalidParameterValue")),
            (json!(u64::MAX), Some("InvalidParameterValue")),
            (json!("1800"), Some("InvalidParameter")),
            (json!(null), Some("InvalidParameter")),
        ] {
            assert_eq!(code(&federation(set(value.clone()))).as_deref(), expected, "{value}");
        }
        assert_eq!(code(&role(set(json!(43200)))), None);
        assert_eq!(code(&role(set(json!(43201)))).as_deref(), Some("InvalidParameterValue"));
        assert_eq!(code(&role(set(json!(0)))).as_deref(), Some("InvalidParameterValue"));
    }

    #[test]
    fn federation_token_parameter_rules() {
        let cases: Vec<(Call, &str)> = vec![
            (
                federation(|b| {
                    b.remove("Name");
                }),
                "MissingParameter",
            ),
            (
                federation(|b| {
                    b.insert("Name".into(), json!(1));
                }),
                "InvalidParameter",
            ),
            (
                federation(|b| {
                    b.insert("Name".into(), json!(""));
                }),
                "InvalidParameterValue",
            ),
            (
                federation(|b| {
                    b.remove("Policy");
                }),
                "MissingParameter",
            ),
            (
                federation(|b| {
                    b.insert("Policy".into(), json!({"version": "2.0"}));
                }),
                "InvalidParameter",
            ),
            (
                federation(|b| {
                    b.insert("Extra".into(), json!(1));
                }),
                "UnknownParameter",
            ),
            (
                federation(|b| {
                    b.insert("RoleArn".into(), json!("x"));
                }),
                "UnknownParameter",
            ),
        ];
        for (call, expected) in &cases {
            assert_eq!(code(call).as_deref(), Some(*expected), "{}", call.body);
        }
    }

    #[test]
    fn assume_role_parameter_rules() {
        let set = |k: &'static str, v: Value| {
            move |b: &mut Map<String, Value>| {
                b.insert(k.into(), v);
            }
        };
        let cases: Vec<(Call, Option<&str>)> = vec![
            (
                role(|b| {
                    b.remove("RoleArn");
                }),
                Some("MissingParameter"),
            ),
            (
                role(|b| {
                    b.remove("RoleSessionName");
                }),
                Some("MissingParameter"),
            ),
            (role(set("RoleArn", json!("arn:aws:iam::1:role/x"))), Some("InvalidParameterValue")),
            (role(set("RoleArn", json!("qcs::cam::uin/1:role/4611686018427397919"))), None),
            (role(set("RoleSessionName", json!("a"))), Some("InvalidParameterValue")),
            (role(set("RoleSessionName", json!("ab"))), None),
            (role(set("RoleSessionName", json!("a".repeat(128)))), None),
            (role(set("RoleSessionName", json!("a".repeat(129)))), Some("InvalidParameterValue")),
            (role(set("RoleSessionName", json!("has space"))), Some("InvalidParameterValue")),
            (role(set("RoleSessionName", json!("a:b"))), Some("InvalidParameterValue")),
            (role(set("RoleSessionName", json!("A_z0+=,.@-"))), None),
            (role(set("ExternalId", json!("a:b/c"))), None),
            (role(set("ExternalId", json!("x"))), Some("InvalidParameterValue")),
            (role(set("ExternalId", json!("a b"))), Some("InvalidParameterValue")),
            (role(set("ExternalId", json!(12))), Some("InvalidParameter")),
            (role(set("Name", json!("x"))), Some("UnknownParameter")),
        ];
        for (call, expected) in &cases {
            assert_eq!(code(call).as_deref(), *expected, "{}", call.body);
        }
    }

    #[test]
    fn policy_rules() {
        let with_policy = |text: &str| {
            let encoded = percent_encode(text);
            federation(move |b| {
                b.insert("Policy".into(), json!(encoded));
            })
        };
        let principal = json!({"version": "2.0", "statement": [{"effect": "allow", "action": ["cos:*"],
            "resource": ["*"], "principal": {"qcs": ["qcs::cam::uin/1:uin/1"]}}]});
        let (body, record) = run(&with_policy(&principal.to_string()));
        assert_eq!(body["Response"]["Error"]["Code"], "InvalidParameterValue");
        assert!(body["Response"]["Error"]["Message"].as_str().unwrap().contains("principal"));
        assert_eq!(record.decoded_policy, Some(principal));

        for (text, expected) in [
            (r#"{"version":"2.0","statement":[]}"#, None),
            (r#"{"version":"2.0","statement":[{"effect":"deny","action":"*"}]}"#, None),
            (
                r#"{"version":"2.0","statement":[{"effect":"allow","action":["a"],"Principal":"x"}]}"#,
                Some("InvalidParameterValue"),
            ),
            (r#"{"version":"2.0","statement":"#, Some("InvalidParameter")),
            (r#"{"statement":[]}"#, Some("InvalidParameter")),
            (r#"{"version":2,"statement":[]}"#, Some("InvalidParameter")),
            (r#"{"version":"2.0","statement":{}}"#, Some("InvalidParameter")),
            (r#"{"version":"2.0","statement":[1]}"#, Some("InvalidParameter")),
            (r#"{"version":"2.0","statement":[{"effect":"maybe","action":["a"]}]}"#, Some("InvalidParameter")),
            (r#"{"version":"2.0","statement":[{"effect":"allow"}]}"#, Some("InvalidParameter")),
            (
                r#"{"version":"2.0","statement":[{"effect":"allow","action":["a"],"resource":1}]}"#,
                Some("InvalidParameter"),
            ),
            ("[]", Some("InvalidParameter")),
        ] {
            assert_eq!(code(&with_policy(text)).as_deref(), expected, "{text}");
        }
        // Sent without percent-encoding a `%`, or encoded twice: the service cannot read it.
        let raw = federation(|b| {
            b.insert("Policy".into(), json!("%zz"));
        });
        assert_eq!(code(&raw).as_deref(), Some("InvalidParameter"));
        let twice = percent_encode(&percent_encode(&policy().to_string()));
        let twice = federation(move |b| {
            b.insert("Policy".into(), json!(twice));
        });
        assert_eq!(code(&twice).as_deref(), Some("InvalidParameter"));
    }

    #[test]
    fn percent_decoding_round_trips_and_rejects_bad_escapes() {
        for text in ["", "plain-text_.~", "{\"a\": \"b c/d?e=f&g+h%i\"}", "未命名 ünïcödé 🚀", &policy().to_string()]
        {
            let encoded = percent_encode(text);
            assert!(encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)), "{encoded}");
            assert_eq!(percent_decode(&encoded).as_deref(), Some(text));
        }
        assert_eq!(percent_encode("a b+c"), "a%20b%2Bc");
        assert_eq!(percent_decode("a%20b+c%2b%7e").as_deref(), Some("a b+c+~"));
        for bad in ["%", "%2", "%g0", "abc%", "%ff", "%c3"] {
            assert_eq!(percent_decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn random_strings_use_their_alphabet() {
        let rng = Rng::new();
        let token = rng.string(URL_SAFE, 400);
        assert_eq!(token.len(), 400);
        assert!(token.bytes().all(|b| URL_SAFE.contains(&b)));
        assert!(is_request_id(&rng.request_id()));
        assert_ne!(rng.request_id(), rng.request_id());
    }
}

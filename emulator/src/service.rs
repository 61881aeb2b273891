//! The STS side of the emulator: TC3 and signature v1 verification (the v1 algorithm itself is
//! in `legacy.rs`), the parameter rules of `GetFederationToken`
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
use super::{legacy, RecordedRequest};
use sts::sign;

pub(crate) const SERVICE: &str = "sts";
pub(crate) const VERSION: &str = "2018-08-13";
/// The service's domain: a v1 signature may sign it whatever address the client connected to.
pub(crate) const DOMAIN: &str = "sts.tencentcloudapi.com";
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

/// Who the service knows.
pub(crate) struct Accounts<'a> {
    /// (SecretId, SecretKey) pairs whose signatures are accepted.
    pub keys: &'a [(String, String)],
    /// The SecretIds that are temporary keys, with the `X-TC-Token` each must carry.
    pub tokens: &'a [(String, String)],
    /// (ProviderId, OIDC token) pairs that AssumeRoleWithWebIdentity accepts.
    pub web_identities: &'a [(String, String)],
    /// Where the keys handed out by AssumeRoleWithWebIdentity are remembered (None: forgotten).
    pub issued: Option<&'a crate::metadata::Issued>,
}

/// The `Authorization` of an unsigned request.
const UNSIGNED: &str = "SKIP";
/// The body fields that are credentials: never kept in a [`RecordedRequest`].
const SECRET_PARAMS: &[&str] = &["WebIdentityToken", "TokenCode"];

/// [`handle_in`] with these keys and temporary keys, and no web identity.
#[cfg(test)]
pub(crate) fn handle(
    keys: &[(String, String)],
    tokens: &[(String, String)],
    req: &Request,
    now: i64,
    rng: &Rng,
) -> (Answer, RecordedRequest) {
    handle_in(&Accounts { keys, tokens, web_identities: &[], issued: None }, req, now, rng)
}

/// Verifies and answers one STS request. `now` is the server's Unix time.
pub(crate) fn handle_in(accounts: &Accounts<'_>, req: &Request, now: i64, rng: &Rng) -> (Answer, RecordedRequest) {
    let form = v1_form(req);
    let mut record = match &form {
        None => tc3_record(req),
        Some(pairs) => v1_record(req, pairs.as_ref().map(Vec::as_slice).unwrap_or(&[])),
    };
    let request_id = rng.request_id();
    let body = match answer(accounts, req, form, now, rng, &mut record) {
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

/// The parameters of a signature v1 request, `None` for a TC3 one. As the service tells them
/// apart: a request with an `Authorization` header is TC3; without one, a GET carries v1
/// parameters in its query and a POST in an `application/x-www-form-urlencoded` body. Anything
/// else goes the TC3 way, to be refused for its missing Authorization.
fn v1_form(req: &Request) -> Option<Result<Vec<(String, String)>, String>> {
    if req.header("authorization").is_some() {
        return None;
    }
    if req.method == "GET" {
        let query = req.target.split_once('?').map(|(_, query)| query).unwrap_or("");
        return Some(legacy::parse_form(query.as_bytes()));
    }
    let media_type = req.header("content-type").unwrap_or("").split(';').next().unwrap_or("");
    media_type.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded").then(|| legacy::parse_form(&req.body))
}

fn tc3_record(req: &Request) -> RecordedRequest {
    let header = |name: &str| req.header(name).unwrap_or("").to_string();
    let mut body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
    if let Value::Object(params) = &mut body {
        for name in SECRET_PARAMS {
            if let Some(value) = params.get_mut(*name) {
                *value = Value::String("<redacted>".into());
            }
        }
    }
    RecordedRequest {
        action: header("x-tc-action"),
        host: header("host"),
        region: header("x-tc-region"),
        timestamp: header("x-tc-timestamp"),
        secret_id: String::new(),
        signature_method: String::new(),
        signature_ok: false,
        decoded_policy: None,
        body,
        unsigned: req.header("authorization") == Some(UNSIGNED),
        token_sent: req.header("x-tc-token").is_some(),
        error_code: None,
        fault: None,
    }
}

/// A v1 request's record: its form as a JSON object of strings, `Signature`, `Token` and the
/// credential parameters redacted.
fn v1_record(req: &Request, pairs: &[(String, String)]) -> RecordedRequest {
    let param = |name: &str| form_param(pairs, name).unwrap_or("").to_string();
    let body: Map<String, Value> = pairs
        .iter()
        .map(|(name, value)| {
            let secret = name == "Signature" || name == "Token" || SECRET_PARAMS.contains(&name.as_str());
            (name.clone(), Value::String(if secret { "<redacted>".into() } else { value.clone() }))
        })
        .collect();
    RecordedRequest {
        action: param("Action"),
        host: req.header("host").unwrap_or("").to_string(),
        region: param("Region"),
        timestamp: param("Timestamp"),
        secret_id: String::new(),
        signature_method: String::new(),
        signature_ok: false,
        decoded_policy: None,
        body: Value::Object(body),
        unsigned: false,
        token_sent: form_param(pairs, "Token").is_some_and(|token| !token.is_empty()),
        error_code: None,
        fault: None,
    }
}

fn form_param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs.iter().find(|(n, _)| n == name).map(|(_, value)| value.as_str())
}

/// What the two signature styles have in common once a request is authenticated: where the
/// public parameters came from, and the action's parameters.
struct Call {
    v1: bool,
    version: Option<String>,
    action: Option<String>,
    region: String,
    /// `Err` for a TC3 body that is not a JSON object (refused after the header checks).
    params: Result<Map<String, Value>, Failure>,
}

impl Call {
    fn missing(&self, name: &str) -> Failure {
        let what = if self.v1 { format!("the required parameter `{name}`") } else { format!("the X-TC-{name} header") };
        fail("MissingParameter", format!("The request is missing {what}."))
    }
}

fn answer(
    accounts: &Accounts<'_>,
    req: &Request,
    form: Option<Result<Vec<(String, String)>, String>>,
    now: i64,
    rng: &Rng,
    record: &mut RecordedRequest,
) -> Result<Map<String, Value>, Failure> {
    let call = match form {
        None => tc3_call(accounts, req, now, record)?,
        Some(Err(message)) => return Err(fail("InvalidParameter", message)),
        Some(Ok(pairs)) => v1_call(accounts, req, &pairs, now, record)?,
    };
    let temporary = accounts.tokens.iter().any(|(id, _)| *id == record.secret_id);

    let version = call.version.as_deref().ok_or_else(|| call.missing("Version"))?;
    if version != VERSION {
        return Err(fail(
            "NoSuchVersion",
            format!("The requested version `{version}` of service `{SERVICE}` does not exist (use {VERSION})."),
        ));
    }
    let action = call.action.as_deref().ok_or_else(|| call.missing("Action"))?;
    if !ACTIONS.contains(&action) {
        return Err(fail(
            "InvalidAction",
            format!(
                "The action `{action}` does not exist in version {VERSION} of service {SERVICE} \
                 (the emulator implements {}).",
                ACTIONS.join(", ")
            ),
        ));
    }
    let region = call.region.as_str();
    if region.is_empty() {
        return Err(call.missing("Region"));
    }
    if !region.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
        return Err(fail("UnsupportedRegion", format!("The region `{region}` is not supported.")));
    }

    let params = call.params?;
    let duration = match action {
        "GetFederationToken" if temporary => {
            return Err(fail(
                "FailedOperation.TempKeyNotAllowed",
                "GetFederationToken accepts permanent keys only; this SecretId is a temporary key.",
            ))
        }
        "GetFederationToken" => check_federation_token(&params, record)?,
        "GetCallerIdentity" => {
            check_known(&params, &[])?;
            return Ok(caller_identity(&record.secret_id, temporary));
        }
        "AssumeRoleWithWebIdentity" => check_web_identity(&params, accounts.web_identities)?,
        _ => check_assume_role(&params, record)?,
    };

    let expired_time = now + duration;
    // A web identity's key is remembered, so this emulator accepts it with its token afterwards
    // (as a TKE pod signs its next calls with it).
    let (id, key, token) = match accounts.issued {
        Some(issued) if action == "AssumeRoleWithWebIdentity" => issued.issue(rng),
        _ => new_credentials(rng),
    };
    let mut response = Map::new();
    response.insert("Credentials".into(), json!({"Token": token, "TmpSecretId": id, "TmpSecretKey": key}));
    response.insert("ExpiredTime".into(), json!(expired_time));
    response.insert("Expiration".into(), json!(sts::time::rfc3339(expired_time)));
    Ok(response)
}

/// A TC3 request: authenticated (or the unsigned web identity), public parameters in headers,
/// the action's in a JSON body.
fn tc3_call(accounts: &Accounts<'_>, req: &Request, now: i64, record: &mut RecordedRequest) -> Result<Call, Failure> {
    // The one unsigned action: its OIDC token is the credential.
    let web_identity = req.header("x-tc-action") == Some("AssumeRoleWithWebIdentity");
    if web_identity {
        if !record.unsigned {
            return Err(fail(
                "AuthFailure.InvalidAuthorization",
                "AssumeRoleWithWebIdentity is unsigned: send `Authorization: SKIP`.",
            ));
        }
        if record.token_sent {
            return Err(fail("InvalidParameter", "AssumeRoleWithWebIdentity takes no X-TC-Token."));
        }
    } else {
        verify_signature(accounts.keys, req, now, record)?;
        verify_token(accounts.tokens, req.header("x-tc-token"), &record.secret_id, "X-TC-Token")?;
    }
    let media_type = req.header("content-type").unwrap_or("").split(';').next().unwrap_or("");
    if !media_type.trim().eq_ignore_ascii_case("application/json") {
        return Err(fail(
            "InvalidParameter",
            "The emulator accepts only `Content-Type: application/json` request bodies with TC3 signatures.",
        ));
    }
    // The body as sent: the recorded one has its credentials redacted.
    let params = match serde_json::from_slice::<Value>(&req.body) {
        Ok(Value::Object(params)) => Ok(params),
        _ => Err(fail("InvalidParameter", "The request body is not a JSON object.")),
    };
    let header = |name: &str| req.header(name).map(str::to_string);
    Ok(Call {
        v1: false,
        version: header("x-tc-version"),
        action: header("x-tc-action"),
        region: header("x-tc-region").unwrap_or_default(),
        params,
    })
}

/// A signature v1 request: authenticated, then its form split into the public parameters and
/// the action's. The action's parameters get the types the JSON body would have: a form carries
/// only text, so a `DurationSeconds` that is an integer becomes a number (as the service reads
/// it); and a v1 form cannot send an empty string (signature v3 introduced those), so an empty
/// value is an absent parameter. The Go SDK sends `ExternalId=` and `Policy=` when it has none.
/// A list of objects travels flattened, `Tags.0.Key=a&Tags.0.Value=b` (see [`v1_tags`]).
fn v1_call(
    accounts: &Accounts<'_>,
    req: &Request,
    pairs: &[(String, String)],
    now: i64,
    record: &mut RecordedRequest,
) -> Result<Call, Failure> {
    if form_param(pairs, "Action") == Some("AssumeRoleWithWebIdentity") {
        return Err(fail(
            "AuthFailure.InvalidAuthorization",
            "AssumeRoleWithWebIdentity is unsigned: send it in the TC3 style with `Authorization: SKIP`.",
        ));
    }
    verify_v1_signature(accounts.keys, req, pairs, now, record)?;
    let token = form_param(pairs, "Token").filter(|token| !token.is_empty());
    verify_token(accounts.tokens, token, &record.secret_id, "Token")?;
    let mut params = Map::new();
    if let Some(tags) = v1_tags(pairs)? {
        params.insert("Tags".into(), tags);
    }
    for (name, value) in pairs {
        if value.is_empty() || legacy::PUBLIC_PARAMS.contains(&name.as_str()) || v1_tag_field(name).is_some() {
            continue;
        }
        let typed = match name.as_str() {
            "DurationSeconds" => value.parse::<i64>().map(Value::from).unwrap_or_else(|_| Value::String(value.clone())),
            _ => Value::String(value.clone()),
        };
        params.insert(name.clone(), typed);
    }
    let param = |name: &str| form_param(pairs, name).filter(|v| !v.is_empty()).map(str::to_string);
    Ok(Call {
        v1: true,
        version: param("Version"),
        action: param("Action"),
        region: param("Region").unwrap_or_default(),
        params: Ok(params),
    })
}

/// `Tags.N.Key` / `Tags.N.Value` as (N, field); any other name (`Tags.x.Key`, `Tags.0.Name`) is
/// not a tag and is left to the unknown-parameter check.
fn v1_tag_field(name: &str) -> Option<(usize, &str)> {
    let (index, field) = name.strip_prefix("Tags.")?.split_once('.')?;
    // At most 3 digits: the list stays small whatever the index (more than 50 tags is refused).
    if index.is_empty() || index.len() > 3 || !index.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    matches!(field, "Key" | "Value").then_some((index.parse().ok()?, field))
}

/// The session tags of a v1 form as the JSON list `[{Key, Value}, ...]` the handlers check, the
/// indexes running from 0 without a gap. A tag's empty `Value` is kept: it is a valid value.
fn v1_tags(pairs: &[(String, String)]) -> Result<Option<Value>, Failure> {
    let mut tags: Vec<Map<String, Value>> = Vec::new();
    for (name, value) in pairs {
        let Some((index, field)) = v1_tag_field(name) else { continue };
        if index >= tags.len() {
            tags.resize_with(index + 1, Map::new);
        }
        tags[index].insert(field.to_string(), Value::String(value.clone()));
    }
    if let Some(gap) = tags.iter().position(Map::is_empty) {
        return Err(fail(
            "InvalidParameterValue",
            format!("Tags.{gap}: the tags must be numbered from 0 without a gap."),
        ));
    }
    Ok((!tags.is_empty()).then(|| Value::Array(tags.into_iter().map(Value::Object).collect())))
}

/// A temporary key as the service hands them out: (TmpSecretId, TmpSecretKey, Token).
pub(crate) fn new_credentials(rng: &Rng) -> (String, String, String) {
    (format!("AKID{}", rng.string(ALNUM, 48)), format!("{}=", rng.string(BASE64, 43)), rng.string(URL_SAFE, 400))
}

/// The actions the emulator answers.
const ACTIONS: &[&str] = &["GetFederationToken", "AssumeRole", "AssumeRoleWithWebIdentity", "GetCallerIdentity"];

/// A stable number from a SecretId (FNV-1a), so one key always gets the same account.
fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// GetCallerIdentity's answer, derived from the signing key: a permanent key is its account's
/// root (`RootAccount`), a temporary key a role session (`CAMRole`) of that account.
fn caller_identity(secret_id: &str, temporary: bool) -> Map<String, Value> {
    let hash = fnv(secret_id);
    let uin = 100_000_000_000 + hash % 900_000_000_000;
    let mut response = Map::new();
    if temporary {
        let role_id = 4_611_686_018_427_387_904 + hash % 1_000_000_000;
        let session = "emulator-session";
        response.insert("Arn".into(), json!(format!("qcs::sts:{uin}:assumed-role/{role_id}/{session}")));
        response.insert("UserId".into(), json!(format!("{role_id}:{session}")));
        response.insert("PrincipalId".into(), json!(role_id.to_string()));
        response.insert("Type".into(), json!("CAMRole"));
    } else {
        response.insert("Arn".into(), json!(format!("qcs::cam::uin/{uin}:uin/{uin}")));
        response.insert("UserId".into(), json!(uin.to_string()));
        response.insert("PrincipalId".into(), json!(uin.to_string()));
        response.insert("Type".into(), json!("RootAccount"));
    }
    response.insert("AccountId".into(), json!(uin.to_string()));
    response
}

/// AssumeRoleWithWebIdentity: `ProviderId`, `WebIdentityToken`, `RoleArn` and
/// `RoleSessionName` required, `DurationSeconds` 1..=43200; the token must be one configured
/// for the provider.
fn check_web_identity(params: &Map<String, Value>, web_identities: &[(String, String)]) -> Result<i64, Failure> {
    check_known(params, &["ProviderId", "WebIdentityToken", "RoleArn", "RoleSessionName", "DurationSeconds"])?;
    let provider = required_string(params, "ProviderId")?;
    let token = required_string(params, "WebIdentityToken")?;
    check_role_arn(required_string(params, "RoleArn")?)?;
    check_charset("RoleSessionName", required_string(params, "RoleSessionName")?, "+=,.@-")?;
    let duration = duration_param(params, MAX_DURATION_ROLE)?;
    if !web_identities.iter().any(|(p, _)| p == provider) {
        return Err(fail(
            "ResourceNotFound.IdentityNotExist",
            format!("The identity provider `{provider}` does not exist."),
        ));
    }
    let known =
        web_identities.iter().any(|(p, t)| p == provider && sign::constant_time_eq(t.as_bytes(), token.as_bytes()));
    if !known {
        return Err(fail(
            "InvalidParameter.WebIdentityTokenError",
            "The WebIdentityToken is not valid for this provider.",
        ));
    }
    Ok(duration)
}

/// The SecretKey of `secret_id`, once the request's time (`timestamp`, sent as `field`) is within
/// the allowed skew: the two checks both signature styles make, in the service's order.
fn signing_key<'k>(
    keys: &'k [(String, String)],
    secret_id: &str,
    field: &str,
    timestamp: i64,
    now: i64,
) -> Result<&'k str, Failure> {
    let secret_key = keys.iter().find(|(id, _)| id == secret_id).map(|(_, key)| key.as_str()).ok_or_else(|| {
        fail("AuthFailure.SecretIdNotFound", "The SecretId is not found, please ensure that your SecretId is correct.")
    })?;
    if now.abs_diff(timestamp) > MAX_SKEW_SECONDS as u64 {
        return Err(fail(
            "AuthFailure.SignatureExpire",
            format!(
                "Signature expired: {field} {timestamp} is more than {MAX_SKEW_SECONDS} s from the server time {now}."
            ),
        ));
    }
    Ok(secret_key)
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
    record.signature_method = "TC3-HMAC-SHA256".into();
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
    let secret_key = signing_key(keys, auth.secret_id, "X-TC-Timestamp", timestamp, now)?;
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

/// The `AuthFailure.*` checks of signature v1, in the order of TC3's: the public parameters
/// present and well-formed, the SecretId known, the Timestamp within the skew, the signature
/// right. Sets `secret_id`, `signature_method` and `signature_ok`.
///
/// A missing public parameter is `MissingParameter` naming it, the service's answer for any
/// missing public parameter (`The request is missing a required parameter ...`); v1 has no
/// Authorization header, so `AuthFailure.InvalidAuthorization` does not apply. A Signature
/// that is not base64 is simply not the right one: `AuthFailure.SignatureFailure`.
///
/// The host signed is the `Host` header, or the service's own name: the Java SDK signs
/// `sts.tencentcloudapi.com` when it connects to an address (its comment: the signed host must
/// be the domain), and the service knows what it is called.
fn verify_v1_signature(
    keys: &[(String, String)],
    req: &Request,
    pairs: &[(String, String)],
    now: i64,
    record: &mut RecordedRequest,
) -> Result<(), Failure> {
    let required = |name: &str| {
        form_param(pairs, name)
            .filter(|value| !value.is_empty())
            .ok_or_else(|| fail("MissingParameter", format!("The request is missing the required parameter `{name}`.")))
    };
    let sent = required("Signature")?;
    let secret_id = required("SecretId")?;
    record.secret_id = secret_id.to_string();
    let timestamp = parse_timestamp(required("Timestamp")?).ok_or_else(|| {
        fail("InvalidParameter", "The parameter `Timestamp` must be an integer number of seconds since 1970.")
    })?;
    let nonce = required("Nonce")?;
    if nonce.len() > 20 || !nonce.bytes().all(|b| b.is_ascii_digit()) {
        return Err(fail("InvalidParameter", "The parameter `Nonce` must be a positive integer."));
    }
    let method = legacy::Method::from_param(form_param(pairs, "SignatureMethod")).ok_or_else(|| {
        fail(
            "InvalidParameterValue",
            "The parameter `SignatureMethod` must be `HmacSHA1` (the default) or `HmacSHA256`.",
        )
    })?;
    record.signature_method = method.name().into();
    let secret_key = signing_key(keys, secret_id, "Timestamp", timestamp, now)?;
    let host = req.header("host").unwrap_or("");
    let signed = |host: &str| {
        let plain = legacy::string_to_sign(&req.method, host, req.path(), pairs);
        legacy::verify(method, secret_key, &plain, sent)
    };
    if !(signed(host) || (host != DOMAIN && signed(DOMAIN))) {
        return Err(fail(
            "AuthFailure.SignatureFailure",
            "The provided credentials could not be validated. Please check your signature is correct.",
        ));
    }
    record.signature_ok = true;
    Ok(())
}

/// A temporary key is only valid with its session token (`name`: the `X-TC-Token` header of
/// TC3, the `Token` parameter of v1); a permanent key takes none.
fn verify_token(tokens: &[(String, String)], sent: Option<&str>, secret_id: &str, name: &str) -> Result<(), Failure> {
    let expected = tokens.iter().find(|(id, _)| id == secret_id).map(|(_, token)| token.as_str());
    match (expected, sent) {
        (None, None) => Ok(()),
        (Some(expected), Some(sent)) if sign::constant_time_eq(expected.as_bytes(), sent.as_bytes()) => Ok(()),
        (Some(_), None) => {
            Err(fail("AuthFailure.TokenFailure", format!("This SecretId is a temporary key: {name} is required.")))
        }
        (Some(_), Some(_)) => {
            Err(fail("AuthFailure.TokenFailure", format!("The {name} does not belong to this SecretId.")))
        }
        (None, Some(_)) => Err(fail("AuthFailure.TokenFailure", format!("{name} was sent with a permanent SecretId."))),
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
        &[
            "RoleArn",
            "RoleSessionName",
            "DurationSeconds",
            "Policy",
            "ExternalId",
            "Tags",
            "SourceIdentity",
            "SerialNumber",
            "TokenCode",
        ],
    )?;
    check_role_arn(required_string(params, "RoleArn")?)?;
    let session_name = required_string(params, "RoleSessionName")?;
    check_charset("RoleSessionName", session_name, "+=,.@-")?;
    let duration = duration_param(params, MAX_DURATION_ROLE)?;
    if let Some(external_id) = string_param(params, "ExternalId")? {
        check_charset("ExternalId", external_id, "+=,.@:/-")?;
    }
    if let Some(source) = string_param(params, "SourceIdentity")? {
        check_charset("SourceIdentity", source, "+=,.@-")?;
    }
    check_tags(params.get("Tags"))?;
    match (string_param(params, "SerialNumber")?, string_param(params, "TokenCode")?) {
        (None, None) => {}
        (Some(serial), Some(code)) => {
            check_charset("SerialNumber", serial, "+=,.@:/-")?;
            if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
                return Err(fail("InvalidParameterValue", "The parameter `TokenCode` must be 6 digits."));
            }
        }
        _ => {
            return Err(fail("MissingParameter", "The parameters `SerialNumber` and `TokenCode` go together."));
        }
    }
    match string_param(params, "Policy")? {
        Some(policy) if !policy.is_empty() => check_policy(policy, record)?,
        _ => {}
    }
    Ok(duration)
}

fn check_role_arn(role_arn: &str) -> Result<(), Failure> {
    if is_role_arn(role_arn) {
        return Ok(());
    }
    Err(fail(
        "InvalidParameterValue",
        format!(
            "The parameter `RoleArn` `{role_arn}` is not of the form \
             qcs::cam::uin/<uin>:roleName/<name> or qcs::cam::uin/<uin>:role/<id>."
        ),
    ))
}

/// Session tags: at most 50 `{Key, Value}`, keys 1..=128 and values 0..=256 characters
/// without control characters, keys unique.
fn check_tags(tags: Option<&Value>) -> Result<(), Failure> {
    let Some(tags) = tags else { return Ok(()) };
    let list = tags.as_array().ok_or_else(|| fail("InvalidParameter", "The parameter `Tags` must be a list."))?;
    if list.len() > 50 {
        return Err(fail("InvalidParameterValue", format!("At most 50 tags are allowed, not {}.", list.len())));
    }
    let mut keys: Vec<&str> = Vec::new();
    for (i, tag) in list.iter().enumerate() {
        let bad = |what: &str| fail("InvalidParameterValue", format!("Tags.{i}: {what}."));
        let tag = tag.as_object().ok_or_else(|| bad("a tag must be an object {Key, Value}"))?;
        if tag.keys().any(|k| k != "Key" && k != "Value") {
            return Err(bad("a tag has only `Key` and `Value`"));
        }
        let text = |name: &str, min: usize, max: usize| -> Result<&str, Failure> {
            let value =
                tag.get(name).and_then(Value::as_str).ok_or_else(|| bad(&format!("`{name}` must be a string")))?;
            let chars = value.chars().count();
            if !(min..=max).contains(&chars) || value.chars().any(|c| c <= '\u{1f}' || c == '\u{7f}') {
                return Err(bad(&format!("`{name}` must be {min} to {max} characters without control characters")));
            }
            Ok(value)
        };
        let key = text("Key", 1, 128)?;
        text("Value", 0, 256)?;
        if keys.contains(&key) {
            return Err(bad("tag keys must be unique"));
        }
        keys.push(key);
    }
    Ok(())
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
mod v1_tests;

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

    pub(crate) fn keys() -> Vec<(String, String)> {
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
    fn get_federation_token_refuses_a_temporary_key_after_its_token_checks_out() {
        let tokens = [("AKIDother".to_string(), "session-token-1".to_string())];
        let mut call = Call { secret_id: "AKIDother", secret_key: "other-key", ..federation(|_| {}) };
        call.extra_headers.push(("x-tc-token".into(), "session-token-1".into()));
        let (answer, record) = handle(&keys(), &tokens, &call.request(), NOW, &Rng::new());
        assert_eq!(answer.error_code.as_deref(), Some("FailedOperation.TempKeyNotAllowed"));
        assert!(record.signature_ok && record.token_sent);
        // The permanent key still gets its federation token.
        assert_eq!(handle(&keys(), &tokens, &federation(|_| {}).request(), NOW, &Rng::new()).0.error_code, None);
    }

    #[test]
    fn caller_identity_is_derived_from_the_signing_key() {
        let tokens = [("AKIDother".to_string(), "session-token-1".to_string())];
        let answer = |call: &Call| -> Value {
            let (answer, _) = handle(&keys(), &tokens, &call.request(), NOW, &Rng::new());
            assert_eq!(answer.error_code, None, "{}", answer.body);
            serde_json::from_str::<Value>(&answer.body).unwrap()["Response"].clone()
        };
        let root = answer(&with("GetCallerIdentity", json!({})));
        assert_eq!(root["Type"], "RootAccount");
        let uin = root["AccountId"].as_str().unwrap().to_string();
        assert_eq!(uin.len(), 12);
        assert_eq!(root["Arn"], format!("qcs::cam::uin/{uin}:uin/{uin}"));
        assert_eq!((root["UserId"].as_str(), root["PrincipalId"].as_str()), (Some(uin.as_str()), Some(uin.as_str())));
        assert_eq!(answer(&with("GetCallerIdentity", json!({})))["AccountId"], uin, "stable per key");
        let mut temporary =
            Call { secret_id: "AKIDother", secret_key: "other-key", ..with("GetCallerIdentity", json!({})) };
        temporary.extra_headers.push(("x-tc-token".into(), "session-token-1".into()));
        let session = answer(&temporary);
        assert_eq!(session["Type"], "CAMRole");
        assert!(session["Arn"].as_str().unwrap().contains(":assumed-role/"), "{session}");
        assert_ne!(session["AccountId"], uin.as_str());
        assert_eq!(code(&with("GetCallerIdentity", json!({"Name": "x"}))).as_deref(), Some("UnknownParameter"));
    }

    fn web_identity_call(edit: impl FnOnce(&mut Map<String, Value>)) -> Call {
        let mut body = json!({"ProviderId": "tke-oidc", "WebIdentityToken": "oidc-token-SECRET",
            "RoleArn": "qcs::cam::uin/100000000001:roleName/x", "RoleSessionName": "pod-1", "DurationSeconds": 900});
        edit(body.as_object_mut().unwrap());
        Call { authorization: Some(Some("SKIP".into())), ..with("AssumeRoleWithWebIdentity", body) }
    }

    #[test]
    fn web_identity_is_unsigned_and_checks_the_provider_and_token() {
        let identities = [("tke-oidc".to_string(), "oidc-token-SECRET".to_string())];
        let accounts = Accounts { keys: &keys(), tokens: &[], web_identities: &identities, issued: None };
        let run = |call: &Call| handle_in(&accounts, &call.request(), NOW, &Rng::new());
        let (answer, record) = run(&web_identity_call(|_| {}));
        assert_eq!(answer.error_code, None, "{}", answer.body);
        let response: Value = serde_json::from_str(&answer.body).unwrap();
        assert_eq!(response["Response"]["ExpiredTime"], NOW + 900);
        assert!(record.unsigned && !record.token_sent && !record.signature_ok);
        assert_eq!(record.body["WebIdentityToken"], "<redacted>");
        assert!(!format!("{record:?}").contains("oidc-token-SECRET"), "the token is kept");
        let code = |call: Call| run(&call).0.error_code;
        let signed = Call { authorization: None, ..web_identity_call(|_| {}) };
        assert_eq!(code(signed).as_deref(), Some("AuthFailure.InvalidAuthorization"));
        let mut with_token = web_identity_call(|_| {});
        with_token.extra_headers.push(("x-tc-token".into(), "t".into()));
        assert_eq!(code(with_token).as_deref(), Some("InvalidParameter"));
        for (edit, expected) in [
            (json!({"WebIdentityToken": "oidc-token-OTHER"}), "InvalidParameter.WebIdentityTokenError"),
            (json!({"ProviderId": "github"}), "ResourceNotFound.IdentityNotExist"),
            (json!({"DurationSeconds": 43201}), "InvalidParameterValue"),
            (json!({"RoleArn": "arn:x"}), "InvalidParameterValue"),
            (json!({"Policy": "x"}), "UnknownParameter"),
            (json!({"RoleSessionName": null}), "MissingParameter"),
        ] {
            let call = web_identity_call(|body| {
                for (k, v) in edit.as_object().unwrap() {
                    if v.is_null() {
                        body.remove(k);
                    } else {
                        body.insert(k.clone(), v.clone());
                    }
                }
            });
            assert_eq!(code(call).as_deref(), Some(expected), "{edit}");
        }
    }

    #[test]
    fn assume_role_checks_tags_source_identity_and_mfa() {
        let ok = role(|b| {
            b.insert("Tags".into(), json!([{"Key": "team", "Value": "media"}, {"Key": "env", "Value": ""}]));
            b.insert("SourceIdentity".into(), json!("user-1"));
            b.insert("SerialNumber".into(), json!("qcs::cam::uin/1:mfa/softToken"));
            b.insert("TokenCode".into(), json!("123456"));
        });
        let (answer, record) = handle(&keys(), &[], &ok.request(), NOW, &Rng::new());
        assert_eq!(answer.error_code, None, "{}", answer.body);
        assert_eq!(record.body["Tags"][0]["Key"], "team");
        assert_eq!(
            (record.body["SourceIdentity"].as_str(), record.body["TokenCode"].as_str()),
            (Some("user-1"), Some("<redacted>"))
        );
        let many: Vec<Value> = (0..51).map(|i| json!({"Key": format!("k{i}"), "Value": "v"})).collect();
        for (name, value, expected) in [
            ("Tags", json!({"Key": "a"}), "InvalidParameter"),
            ("Tags", Value::Array(many), "InvalidParameterValue"),
            ("Tags", json!([{"Key": "", "Value": "v"}]), "InvalidParameterValue"),
            ("Tags", json!([{"Key": "k".repeat(129), "Value": "v"}]), "InvalidParameterValue"),
            ("Tags", json!([{"Key": "a", "Value": "v".repeat(257)}]), "InvalidParameterValue"),
            ("Tags", json!([{"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}]), "InvalidParameterValue"),
            ("Tags", json!([{"Key": "a\n", "Value": "1"}]), "InvalidParameterValue"),
            ("Tags", json!([{"Key": "a", "Value": "1", "Extra": "x"}]), "InvalidParameterValue"),
            ("SourceIdentity", json!("a b"), "InvalidParameterValue"),
            ("TokenCode", json!("12345"), "InvalidParameterValue"),
        ] {
            let call = role(|b| {
                if name == "TokenCode" {
                    b.insert("SerialNumber".into(), json!("qcs::cam::uin/1:mfa/softToken"));
                }
                b.insert(name.into(), value.clone());
            });
            assert_eq!(code(&call).as_deref(), Some(expected), "{name} {value}");
        }
        let half = role(|b| {
            b.insert("TokenCode".into(), json!("123456"));
        });
        assert_eq!(code(&half).as_deref(), Some("MissingParameter"));
    }

    #[test]
    fn a_temporary_key_needs_its_session_token() {
        let tokens = [("AKIDother".to_string(), "session-token-1".to_string())];
        let code_with = |secret_id: &'static str, secret_key: &'static str, token: Option<&str>| {
            let mut call = Call { secret_id, secret_key, ..role(|_| {}) };
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
        assert_eq!(record.signature_method, "TC3-HMAC-SHA256");
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
        assert_eq!(code(&Call { action: "GetSessionToken", ..ok.clone() }).as_deref(), Some("InvalidAction"));
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

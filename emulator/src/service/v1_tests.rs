//! Signature v1 requests through [`handle`]: the vendor SDKs' form requests, each failure code
//! in its order, HmacSHA256, temporary keys, and the mapping onto the action handlers.

use super::tests::{federation_body, is_request_id, keys, policy, HOST, NOW};
use super::*;
use crate::http::Version;
use crate::{DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY};

const TOKENS: &[(&str, &str)] = &[("AKIDother", "session-token-EXAMPLE")];

/// A v1 request as the vendor SDKs build it, with knobs to break each part.
#[derive(Clone)]
struct V1 {
    /// Every parameter but Signature, in the order sent.
    params: Vec<(String, String)>,
    secret_key: &'static str,
    method: &'static str,
    /// The Host header sent, and the host signed.
    host: &'static str,
    signed_host: &'static str,
    /// Replaces the computed Signature (None: send none).
    signature: Option<Option<String>>,
}

impl V1 {
    fn new(action: &str, action_params: &[(&str, &str)]) -> Self {
        let mut params: Vec<(String, String)> = [
            ("Action", action),
            ("Version", VERSION),
            ("Region", "ap-guangzhou"),
            ("Timestamp", &NOW.to_string()),
            ("Nonce", "4242"),
            ("SecretId", DEFAULT_SECRET_ID),
        ]
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
        params.extend(action_params.iter().map(|(n, v)| (n.to_string(), v.to_string())));
        V1 { params, secret_key: DEFAULT_SECRET_KEY, method: "POST", host: HOST, signed_host: HOST, signature: None }
    }

    /// The Go SDK's GetCredential: Policy URL-encoded once, DurationSeconds as text.
    fn federation() -> Self {
        let policy = federation_body()["Policy"].as_str().unwrap().to_string();
        V1::new("GetFederationToken", &[("Name", "cos-sts-go"), ("Policy", &policy), ("DurationSeconds", "1800")])
    }

    /// The Go SDK's GetRoleCredential without a policy or external id: both sent empty.
    fn role() -> Self {
        V1::new(
            "AssumeRole",
            &[
                ("RoleArn", "qcs::cam::uin/100000000001:roleName/x"),
                ("RoleSessionName", "cos-sts-go"),
                ("DurationSeconds", "1800"),
                ("Policy", ""),
                ("ExternalId", ""),
            ],
        )
    }

    fn set(mut self, name: &str, value: &str) -> Self {
        match self.params.iter_mut().find(|(n, _)| n == name) {
            Some(pair) => pair.1 = value.to_string(),
            None => self.params.push((name.to_string(), value.to_string())),
        }
        self
    }

    fn without(mut self, name: &str) -> Self {
        self.params.retain(|(n, _)| n != name);
        self
    }

    fn signature(&self) -> String {
        let method = form_param(&self.params, "SignatureMethod");
        let method = legacy::Method::from_param(method).unwrap_or(legacy::Method::HmacSha1);
        let plain = legacy::string_to_sign(self.method, self.signed_host, "/", &self.params);
        legacy::signature(method, self.secret_key, &plain)
    }

    fn request(&self) -> Request {
        let mut pairs = self.params.clone();
        if let Some(signature) = self.signature.clone().unwrap_or_else(|| Some(self.signature())) {
            pairs.push(("Signature".into(), signature));
        }
        let form = form_urlencoded::Serializer::new(String::new()).extend_pairs(&pairs).finish();
        let mut headers = vec![("host".to_string(), self.host.to_string())];
        let (target, body) = if self.method == "GET" {
            (format!("/?{form}"), Vec::new())
        } else {
            headers.push(("content-type".into(), "application/x-www-form-urlencoded".into()));
            ("/".to_string(), form.into_bytes())
        };
        Request { method: self.method.into(), target, version: Version::Http11, headers, body }
    }
}

fn run(call: &V1) -> (Value, RecordedRequest) {
    let tokens: Vec<(String, String)> = TOKENS.iter().map(|(id, t)| (id.to_string(), t.to_string())).collect();
    let (answer, record) = handle(&keys(), &tokens, &call.request(), NOW, &Rng::new());
    let body: Value = serde_json::from_str(&answer.body).expect("the emulator answers JSON");
    assert_eq!(answer.error_code, record.error_code);
    assert!(is_request_id(body["Response"]["RequestId"].as_str().unwrap()), "{body}");
    (body, record)
}

/// The error code and message answered (None on success).
fn error(call: &V1) -> Option<(String, String)> {
    let (body, _) = run(call);
    let error = body["Response"].get("Error")?;
    Some((error["Code"].as_str().unwrap().to_string(), error["Message"].as_str().unwrap().to_string()))
}

fn code(call: &V1) -> Option<String> {
    error(call).map(|(code, _)| code)
}

fn assert_credentials(body: &Value, duration: i64) {
    let response = &body["Response"];
    assert!(response.get("Error").is_none(), "{body}");
    for field in ["Token", "TmpSecretId", "TmpSecretKey"] {
        assert!(response["Credentials"][field].as_str().is_some_and(|s| !s.is_empty()), "{body}");
    }
    assert_eq!(response["ExpiredTime"], json!(NOW + duration), "{body}");
}

#[test]
fn a_vendor_style_federation_token_gets_credentials() {
    let call = V1::federation();
    let (body, record) = run(&call);
    assert_credentials(&body, 1800);
    assert!(record.signature_ok);
    assert_eq!(record.signature_method, "HmacSHA1");
    assert_eq!(
        (record.action.as_str(), record.region.as_str(), record.secret_id.as_str(), record.host.as_str()),
        ("GetFederationToken", "ap-guangzhou", DEFAULT_SECRET_ID, HOST)
    );
    assert_eq!(record.timestamp, NOW.to_string());
    assert_eq!(record.decoded_policy, Some(policy()));
    // The form as sent, Policy still encoded once, the signature not kept.
    assert_eq!(record.body["Policy"], federation_body()["Policy"]);
    assert_eq!(record.body["DurationSeconds"], "1800");
    assert_eq!(record.body["Signature"], "<redacted>");
    assert!(!format!("{record:?}").contains(&call.signature()), "the signature is kept");
    assert!(!record.unsigned && !record.token_sent);
}

#[test]
fn hmac_sha256_is_the_other_signature_method() {
    let call = V1::federation().set("SignatureMethod", "HmacSHA256");
    let (body, record) = run(&call);
    assert_credentials(&body, 1800);
    assert_eq!(record.signature_method, "HmacSHA256");
    // A SHA-256 signature of a request that says HmacSHA1 (or says nothing) is wrong, and the
    // reverse; SignatureMethod is itself signed.
    let sha256 = call.signature();
    for method in ["HmacSHA1", ""] {
        let claimed = V1 { signature: Some(Some(sha256.clone())), ..V1::federation().set("SignatureMethod", method) };
        assert_eq!(code(&claimed).as_deref(), Some("AuthFailure.SignatureFailure"), "{method}");
    }
    let sha1 = V1::federation().set("SignatureMethod", "HmacSHA1");
    assert_eq!(code(&sha1), None);
    let swapped =
        V1 { signature: Some(Some(sha1.signature())), ..V1::federation().set("SignatureMethod", "HmacSHA256") };
    assert_eq!(code(&swapped).as_deref(), Some("AuthFailure.SignatureFailure"));
    let (code, message) = error(&V1::federation().set("SignatureMethod", "HmacMD5")).unwrap();
    assert_eq!(code, "InvalidParameterValue");
    assert!(message.contains("`SignatureMethod`") && message.contains("HmacSHA256"), "{message}");
}

#[test]
fn assume_role_and_caller_identity_run_the_same_handlers() {
    // Empty ExternalId and Policy are absent parameters, as the Go SDK relies on.
    let (body, record) = run(&V1::role());
    assert_credentials(&body, 1800);
    assert_eq!(record.decoded_policy, None);
    let policy_text = federation_body()["Policy"].as_str().unwrap().to_string();
    let (body, record) = run(&V1::role().set("Policy", &policy_text).set("DurationSeconds", "43200"));
    assert_credentials(&body, 43200);
    assert_eq!(record.decoded_policy, Some(policy()));
    let (body, _) = run(&V1::role().without("DurationSeconds"));
    assert_credentials(&body, 1800);

    let identity = |call: &V1| run(call).0["Response"].clone();
    let root = identity(&V1::new("GetCallerIdentity", &[]));
    assert_eq!(root["Type"], "RootAccount");
    // The same account as the TC3 request signed with the same key.
    let tc3 = super::tests::Call::new("GetCallerIdentity", &json!({}));
    let tc3 = handle(&keys(), &[], &tc3.request(), NOW, &Rng::new()).0.body;
    assert_eq!(serde_json::from_str::<Value>(&tc3).unwrap()["Response"]["AccountId"], root["AccountId"]);
}

#[test]
fn form_values_get_the_types_the_handlers_expect() {
    for (value, expected) in [
        ("1", None),
        ("129600", None),
        ("0", Some("InvalidParameterValue")),
        ("-5", Some("InvalidParameterValue")),
        ("129601", Some("InvalidParameterValue")),
        ("99999999999999999999", Some("InvalidParameter")),
        ("1800.0", Some("InvalidParameter")),
        ("abc", Some("InvalidParameter")),
    ] {
        assert_eq!(code(&V1::federation().set("DurationSeconds", value)).as_deref(), expected, "{value}");
    }
    assert_eq!(code(&V1::role().set("DurationSeconds", "43201")).as_deref(), Some("InvalidParameterValue"));
    // The action's rules still apply; the public parameters are not the action's.
    assert_eq!(code(&V1::federation().set("Extra", "1")).as_deref(), Some("UnknownParameter"));
    assert_eq!(code(&V1::federation().set("RoleArn", "x")).as_deref(), Some("UnknownParameter"));
    assert_eq!(code(&V1::federation().set("Language", "en-US")), None);
    assert_eq!(code(&V1::federation().without("Name")).as_deref(), Some("MissingParameter"));
    assert_eq!(code(&V1::federation().set("Name", "")).as_deref(), Some("MissingParameter"));
    assert_eq!(code(&V1::federation().set("Policy", "%zz")).as_deref(), Some("InvalidParameter"));
    assert_eq!(code(&V1::role().set("ExternalId", "x")).as_deref(), Some("InvalidParameterValue"));
    assert_eq!(code(&V1::role().set("RoleSessionName", "a b")).as_deref(), Some("InvalidParameterValue"));
}

#[test]
fn authentication_failures_get_the_service_codes_in_order() {
    let ok = V1::federation();
    let missing = |name: &str| (ok.clone().without(name), "MissingParameter", format!("`{name}`"));
    let cases: Vec<(V1, &str, String)> = vec![
        (V1 { signature: Some(None), ..ok.clone() }, "MissingParameter", "`Signature`".into()),
        (V1 { signature: Some(Some(String::new())), ..ok.clone() }, "MissingParameter", "`Signature`".into()),
        missing("SecretId"),
        missing("Timestamp"),
        missing("Nonce"),
        (ok.clone().set("Timestamp", "1.7e9"), "InvalidParameter", "`Timestamp`".into()),
        (ok.clone().set("Nonce", "-1"), "InvalidParameter", "`Nonce`".into()),
        (ok.clone().set("SecretId", "AKIDunknownEXAMPLE"), "AuthFailure.SecretIdNotFound", "SecretId".into()),
        (ok.clone().set("Timestamp", &(NOW - 301).to_string()), "AuthFailure.SignatureExpire", "expired".into()),
        (ok.clone().set("Timestamp", &(NOW + 301).to_string()), "AuthFailure.SignatureExpire", "expired".into()),
        (V1 { secret_key: "wrong-EXAMPLE", ..ok.clone() }, "AuthFailure.SignatureFailure", "signature".into()),
        (
            V1 { signature: Some(Some("!!not base64!!".into())), ..ok.clone() },
            "AuthFailure.SignatureFailure",
            "".into(),
        ),
        (V1 { signature: Some(Some("AAAA".into())), ..ok.clone() }, "AuthFailure.SignatureFailure", "".into()),
        // Signed for another host than the one sent to (and than the service's domain).
        (V1 { signed_host: "127.0.0.1:9", ..ok.clone() }, "AuthFailure.SignatureFailure", "".into()),
        // The key of the other pair signs for its own id only.
        (ok.clone().set("SecretId", "AKIDother"), "AuthFailure.SignatureFailure", "".into()),
        // Earlier checks win over later ones: an unknown id or a stale timestamp with a wrong key.
        (
            V1 { secret_key: "wrong-EXAMPLE", ..ok.clone().set("SecretId", "AKIDunknownEXAMPLE") },
            "AuthFailure.SecretIdNotFound",
            "".into(),
        ),
        (
            V1 { secret_key: "wrong-EXAMPLE", ..ok.clone().set("Timestamp", &(NOW - 400).to_string()) },
            "AuthFailure.SignatureExpire",
            "".into(),
        ),
        (
            V1 { signature: Some(None), ..ok.clone().set("SecretId", "AKIDunknownEXAMPLE") },
            "MissingParameter",
            "`Signature`".into(),
        ),
    ];
    for (call, expected, named) in &cases {
        let (code, message) = error(call).unwrap_or_else(|| panic!("accepted: {:?}", call.params));
        assert_eq!((code.as_str(), message.contains(named.as_str())), (*expected, true), "{message} {:?}", call.params);
    }
    // The skew limit itself is accepted on both sides.
    assert_eq!(code(&ok.clone().set("Timestamp", &(NOW - 300).to_string())), None);
    assert_eq!(code(&ok.clone().set("Timestamp", &(NOW + 300).to_string())), None);
}

#[test]
fn a_tampered_parameter_fails_the_signature() {
    let ok = V1::federation();
    let signature = ok.signature();
    for (name, value) in [("Name", "cos-sts-other"), ("DurationSeconds", "1801"), ("Nonce", "4243"), ("Extra", "1")] {
        let tampered = V1 { signature: Some(Some(signature.clone())), ..ok.clone().set(name, value) };
        assert_eq!(code(&tampered).as_deref(), Some("AuthFailure.SignatureFailure"), "{name}");
    }
    // The method is signed: a GET's signature does not sign a POST, nor the reverse.
    let get = V1 { method: "GET", ..ok.clone() };
    assert_eq!(code(&get), None);
    let post_signed_as_get = V1 { signature: Some(Some(get.signature())), ..ok.clone() };
    assert_eq!(code(&post_signed_as_get).as_deref(), Some("AuthFailure.SignatureFailure"));
}

#[test]
fn the_signed_host_is_the_host_header_or_the_service_domain() {
    // As the Java SDK signs when it connects to an address.
    let by_address = V1 { host: "127.0.0.1:9", signed_host: DOMAIN, ..V1::federation() };
    assert_eq!(code(&by_address), None);
    let as_sent = V1 { host: "127.0.0.1:9", signed_host: "127.0.0.1:9", ..V1::federation() };
    assert_eq!(code(&as_sent), None);
    // v1 does not canonicalize: the host is signed as sent.
    let upper = V1 { host: "127.0.0.1:9", signed_host: "STS.TENCENTCLOUDAPI.COM", ..V1::federation() };
    assert_eq!(code(&upper).as_deref(), Some("AuthFailure.SignatureFailure"));
}

#[test]
fn a_temporary_key_needs_its_token_parameter() {
    let temporary = |token: Option<&str>| {
        let call = V1 { secret_key: "other-key", ..V1::role().set("SecretId", "AKIDother") };
        match token {
            Some(token) => call.set("Token", token),
            None => call,
        }
    };
    let (body, record) = run(&temporary(Some("session-token-EXAMPLE")));
    assert_credentials(&body, 1800);
    assert!(record.token_sent && record.signature_ok);
    assert_eq!(record.body["Token"], "<redacted>");
    assert!(!format!("{record:?}").contains("session-token-EXAMPLE"), "the token is kept");
    let token_failure = |call: &V1, name: &str| {
        let (code, message) = error(call).unwrap();
        assert_eq!(code, "AuthFailure.TokenFailure", "{name}");
        assert!(message.contains("Token") && !message.contains("X-TC-Token"), "{message}");
    };
    token_failure(&temporary(None), "no token");
    token_failure(&temporary(Some("")), "an empty token is none");
    token_failure(&temporary(Some("session-token-OTHER")), "another token");
    token_failure(&V1::role().set("Token", "session-token-EXAMPLE"), "a permanent key");
    // The signature is checked first, and the token is signed like every parameter.
    let wrong_key = V1 { secret_key: "wrong-EXAMPLE", ..temporary(Some("session-token-EXAMPLE")) };
    assert_eq!(code(&wrong_key).as_deref(), Some("AuthFailure.SignatureFailure"));
    let good = temporary(Some("session-token-EXAMPLE"));
    let unsigned_token = V1 { signature: Some(Some(temporary(None).signature())), ..good };
    assert_eq!(code(&unsigned_token).as_deref(), Some("AuthFailure.SignatureFailure"));
    // A temporary key still may not federate.
    let federate = V1 { secret_key: "other-key", ..V1::federation().set("SecretId", "AKIDother") };
    let federate = federate.set("Token", "session-token-EXAMPLE");
    assert_eq!(code(&federate).as_deref(), Some("FailedOperation.TempKeyNotAllowed"));
}

#[test]
fn public_parameter_errors_name_the_parameter() {
    let cases = [
        (V1::federation().set("Version", "2017-03-12"), "NoSuchVersion", "2017-03-12"),
        (V1::federation().without("Version"), "MissingParameter", "`Version`"),
        (V1::federation().set("Version", ""), "MissingParameter", "`Version`"),
        (V1::federation().without("Action"), "MissingParameter", "`Action`"),
        (V1::federation().set("Action", "GetSessionToken"), "InvalidAction", "GetSessionToken"),
        (V1::federation().without("Region"), "MissingParameter", "`Region`"),
        (V1::federation().set("Region", "AP GZ"), "UnsupportedRegion", "AP GZ"),
        // The unsigned action is TC3 only.
        (V1::new("AssumeRoleWithWebIdentity", &[]), "AuthFailure.InvalidAuthorization", "Authorization: SKIP"),
    ];
    for (call, expected, named) in &cases {
        let (code, message) = error(call).unwrap();
        assert_eq!(code, *expected, "{message}");
        assert!(message.contains(named), "{message}");
    }
}

#[test]
fn a_malformed_form_is_an_invalid_parameter() {
    let form = |body: &str| {
        let request = Request {
            method: "POST".into(),
            target: "/".into(),
            version: Version::Http11,
            headers: vec![
                ("host".into(), HOST.into()),
                ("content-type".into(), "Application/X-WWW-Form-Urlencoded; charset=utf-8".into()),
            ],
            body: body.as_bytes().to_vec(),
        };
        let (answer, record) = handle(&keys(), &[], &request, NOW, &Rng::new());
        let body: Value = serde_json::from_str(&answer.body).unwrap();
        (answer.error_code, body["Response"]["Error"]["Message"].as_str().unwrap_or("").to_string(), record)
    };
    let (code, message, record) = form("Action=GetFederationToken&Signature");
    assert_eq!(code.as_deref(), Some("InvalidParameter"));
    assert!(message.contains("splited by `=`"), "{message}");
    assert_eq!(record.body, json!({}));
    let (code, message, _) = form("Action=GetFederationToken&Action=AssumeRole");
    assert_eq!(code.as_deref(), Some("InvalidParameter"));
    assert!(message.contains("`Action`"), "{message}");
    // The media type is matched case-insensitively, parameters after `;` ignored: an empty form
    // is a v1 request without its Signature.
    let (code, message, _) = form("");
    assert_eq!(code.as_deref(), Some("MissingParameter"));
    assert!(message.contains("`Signature`"), "{message}");
}

#[test]
fn a_signed_get_carries_the_parameters_in_its_query() {
    let get = V1 { method: "GET", ..V1::role() };
    let request = get.request();
    assert!(request.body.is_empty() && request.target.starts_with("/?"));
    let (body, record) = run(&get);
    assert_credentials(&body, 1800);
    assert_eq!((record.action.as_str(), record.signature_method.as_str()), ("AssumeRole", "HmacSHA1"));
    let no_query = Request { target: "/?".into(), ..request };
    let (answer, _) = handle(&keys(), &[], &no_query, NOW, &Rng::new());
    assert_eq!(answer.error_code.as_deref(), Some("MissingParameter"));
}

#[test]
fn a_request_with_an_authorization_header_is_tc3_whatever_its_body() {
    let mut request = V1::federation().request();
    request.headers.push(("authorization".into(), "Bearer x".into()));
    let (answer, record) = handle(&keys(), &[], &request, NOW, &Rng::new());
    assert_eq!(answer.error_code.as_deref(), Some("AuthFailure.InvalidAuthorization"));
    assert_eq!(record.signature_method, "");
    // Without one, a JSON body is a TC3 request missing its Authorization.
    let mut request = super::tests::Call::new("GetFederationToken", &federation_body()).request();
    request.headers.retain(|(n, _)| n != "authorization");
    let (answer, _) = handle(&keys(), &[], &request, NOW, &Rng::new());
    assert_eq!(answer.error_code.as_deref(), Some("AuthFailure.InvalidAuthorization"));
}

#[test]
fn session_tags_travel_flattened() {
    let tagged = V1::role()
        .set("Tags.0.Key", "team")
        .set("Tags.0.Value", "media")
        .set("Tags.1.Value", "")
        .set("Tags.1.Key", "env");
    let (body, record) = run(&tagged);
    assert_credentials(&body, 1800);
    assert_eq!(record.body["Tags.1.Key"], "env", "the record keeps the form as sent");
    for (call, expected) in [
        (V1::role().set("Tags.1.Key", "a").set("Tags.1.Value", "b"), "InvalidParameterValue"),
        (V1::role().set("Tags.0.Key", "a"), "InvalidParameterValue"),
        (
            V1::role().set("Tags.0.Key", "a").set("Tags.0.Value", "1").set("Tags.1.Key", "a").set("Tags.1.Value", "2"),
            "InvalidParameterValue",
        ),
        (V1::role().set("Tags.0.Name", "a"), "UnknownParameter"),
        (V1::role().set("Tags.1000.Key", "a"), "UnknownParameter"),
        (V1::federation().set("Tags.0.Key", "a").set("Tags.0.Value", "b"), "UnknownParameter"),
    ] {
        assert_eq!(code(&call).as_deref(), Some(expected), "{:?}", call.params);
    }
}

//! The calls of issue 13 against the emulator through the C ABI: GetFederationToken refused
//! with a temporary key before anything is sent, GetCallerIdentity, AssumeRoleWithWebIdentity
//! (unsigned), and AssumeRole's tags, source identity and MFA.
#![allow(unsafe_code)]

mod common;

use common::*;
use serde_json::{json, Value};
use std::ffi::{c_char, c_void, CStr, CString};
use std::sync::mpsc;
use std::time::Duration;
use sts::ffi::{
    sts_check_config, sts_get_caller_identity, sts_get_caller_identity_async, sts_get_credential,
    sts_get_role_credential, sts_get_upload_credential, sts_get_web_identity_credential,
    sts_get_web_identity_credential_async, sts_string_free, StsCallback, StsCode,
};

const TEMP_ID: &str = "AKIDtemporaryEXAMPLE0000000000000000";
const TEMP_KEY: &str = "temporary-key-EXAMPLE";
const SESSION_TOKEN: &str = "session-token-SECRET-MARKER";
const OIDC_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJFWEFNUExFIn0.OIDC-SECRET-MARKER";
const ROLE_ARN: &str = "qcs::cam::uin/100000000001:roleName/cos-uploader";

/// An emulator that knows the default permanent key, a temporary key and one OIDC provider.
fn emulator() -> Emulator {
    Emulator::start(EmulatorOptions {
        keys: vec![(DEFAULT_SECRET_ID.into(), DEFAULT_SECRET_KEY.into()), (TEMP_ID.into(), TEMP_KEY.into())],
        session_tokens: vec![(TEMP_ID.into(), SESSION_TOKEN.into())],
        web_identities: vec![("tke-oidc".into(), OIDC_TOKEN.into())],
        ..EmulatorOptions::default()
    })
    .expect("emulator starts")
}

fn temporary() -> Value {
    json!({"secret_id": TEMP_ID, "secret_key": TEMP_KEY, "session_token": SESSION_TOKEN})
}

fn assert_no_secret(text: &str) {
    for secret in [SESSION_TOKEN, TEMP_KEY, DEFAULT_SECRET_KEY, OIDC_TOKEN, "SECRET-MARKER", "654321"] {
        assert!(!text.contains(secret), "a secret is in the output");
    }
}

fn error_message(out: &Value) -> &str {
    out["error"]["message"].as_str().expect("an error message")
}

#[test]
fn get_federation_token_with_a_temporary_key_is_refused_before_sending() {
    let emulator = emulator();
    let config = federation_config(&emulator, temporary());
    let (code, out) = c_call(sts_get_credential, &config);
    assert_eq!(code, StsCode::STS_INVALID_ARGUMENT);
    let message = error_message(&out);
    assert!(
        message.starts_with("session_token: the signing key is temporary (`session_token` in the config)"),
        "{message}"
    );
    assert!(message.contains("GetFederationToken accepts permanent keys only"), "{message}");
    assert!(message.contains("use sts_get_role_credential with `role_arn` and the same policy"), "{message}");
    assert_no_secret(&out.to_string());
    // The same refusal for an upload credential. sts_check_config accepts the config: a binding
    // checks it when given, before it knows whether a per-call role_arn makes it AssumeRole.
    let upload = upload_config(&emulator, json!({"ext": ".jpg"}), temporary());
    let (code, out) = c_call(sts_get_upload_credential, &upload);
    assert_eq!(code, StsCode::STS_INVALID_ARGUMENT);
    assert!(error_message(&out).contains("use sts_get_role_credential"));
    let (code, out) = c_call(sts_check_config, &config);
    assert_eq!((code, out["session_token"].as_bool()), (StsCode::STS_OK, Some(true)), "{out}");
    assert_eq!(emulator.requests().len(), 0, "nothing was sent");

    // What the message says to do works: AssumeRole with the same key and policy, X-TC-Token sent.
    let role = role_config(
        &emulator,
        json!({"secret_id": TEMP_ID, "secret_key": TEMP_KEY, "session_token": SESSION_TOKEN,
            "bucket": BUCKET, "allow_prefix": "dir/*", "allow_actions": ["name/cos:PutObject"]}),
    );
    let (code, out) = c_call(sts_get_role_credential, &role);
    assert_eq!(code, StsCode::STS_OK, "{out}");
    let requests = emulator.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].action, "AssumeRole");
    assert!(requests[0].token_sent && requests[0].signature_ok);
    assert_eq!(requests[0].decoded_policy.as_ref().unwrap()["statement"][0]["action"][0], "name/cos:PutObject");
}

#[test]
fn the_refusal_names_the_environment_when_the_token_came_from_there() {
    // A child process: the environment is process-wide.
    if std::env::var_os("CREDENTIAL_CALLS_CHILD").is_none() {
        let output = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "the_refusal_names_the_environment_when_the_token_came_from_there", "--nocapture"])
            .env("CREDENTIAL_CALLS_CHILD", "1")
            .env("TENCENTCLOUD_SECRET_ID", TEMP_ID)
            .env("TENCENTCLOUD_SECRET_KEY", TEMP_KEY)
            .env("TENCENTCLOUD_SESSION_TOKEN", SESSION_TOKEN)
            .output()
            .unwrap();
        assert!(output.status.success(), "child failed: {}", String::from_utf8_lossy(&output.stdout));
        assert!(String::from_utf8_lossy(&output.stdout).contains("1 passed"));
        return;
    }
    let emulator = emulator();
    let config = federation_config(&emulator, json!({"secret_id": null, "secret_key": null}));
    let (code, out) = c_call(sts_get_credential, &config);
    assert_eq!(code, StsCode::STS_INVALID_ARGUMENT);
    assert!(
        error_message(&out).starts_with(
            "TENCENTCLOUD_SESSION_TOKEN: the signing key is temporary (TENCENTCLOUD_SESSION_TOKEN in the environment)"
        ),
        "{out}"
    );
    assert_eq!(emulator.requests().len(), 0);
    // The caller identity of the environment's key says so.
    let (code, out) = c_call(sts_get_caller_identity, &json!({"url": emulator.url()}).to_string());
    assert_eq!(code, StsCode::STS_OK, "{out}");
    assert_eq!((out["type"].as_str(), out["credentialSource"].as_str()), (Some("CAMRole"), Some("env")));
}

#[test]
fn caller_identity_reports_who_signs_and_where_the_key_came_from() {
    let emulator = emulator();
    let config = json!({"secret_id": DEFAULT_SECRET_ID, "secret_key": DEFAULT_SECRET_KEY, "url": emulator.url()});
    let (code, out) = c_call(sts_get_caller_identity, &config.to_string());
    assert_eq!(code, StsCode::STS_OK, "{out}");
    let account = out["accountId"].as_str().unwrap().to_owned();
    assert_eq!(out["arn"], format!("qcs::cam::uin/{account}:uin/{account}"));
    assert_eq!((out["userId"].as_str(), out["principalId"].as_str()), (Some(account.as_str()), Some(account.as_str())));
    assert_eq!((out["type"].as_str(), out["credentialSource"].as_str()), (Some("RootAccount"), Some("config")));
    assert!(out["requestId"].is_string());
    let keys: Vec<&str> = out.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 7, "{keys:?}");

    let mut temp = temporary();
    temp["url"] = json!(emulator.url());
    temp["region"] = json!("ap-shanghai");
    let (code, out) = c_call(sts_get_caller_identity, &temp.to_string());
    assert_eq!(code, StsCode::STS_OK, "{out}");
    assert_eq!(out["type"], "CAMRole");
    assert_no_secret(&out.to_string());
    let requests = emulator.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests.iter().all(|r| r.action == "GetCallerIdentity" && r.signature_ok && r.body == json!({})));
    assert_eq!(
        (requests[0].token_sent, requests[1].token_sent, requests[1].region.as_str()),
        (false, true, "ap-shanghai")
    );

    // A bad key is the service's answer, not a local one.
    let bad = json!({"secret_id": "AKIDunknownEXAMPLE", "secret_key": "k", "url": emulator.url()});
    let (code, out) = c_call(sts_get_caller_identity, &bad.to_string());
    assert_eq!((code, out["error"]["code"].as_str()), (StsCode::STS_SERVICE, Some("AuthFailure.SecretIdNotFound")));
}

#[test]
fn caller_identity_refuses_action_keys_naming_them_and_sends_nothing() {
    let emulator = emulator();
    let base = json!({"secret_id": DEFAULT_SECRET_ID, "secret_key": DEFAULT_SECRET_KEY, "url": emulator.url()});
    for (key, value, expected) in [
        ("bucket", json!(BUCKET), "bucket: not a key of sts_get_caller_identity: it asks who signs and issues no key (no policy, duration or cache)"),
        ("policy", json!({}), "policy: not a key of sts_get_caller_identity: it asks who signs and issues no key (no policy, duration or cache)"),
        ("durationSeconds", json!(900), "durationSeconds: not a key of sts_get_caller_identity: it asks who signs and issues no key (no policy, duration or cache)"),
        ("role_arn", json!(ROLE_ARN), "role_arn: not a key of sts_get_caller_identity; it belongs to sts_get_role_credential and sts_get_web_identity_credential"),
        ("name", json!("n1"), "name: not a key of sts_get_caller_identity; it belongs to sts_get_credential and sts_get_upload_credential"),
        ("bogus", json!(1), "bogus: unknown config key"),
    ] {
        let mut config = base.clone();
        config[key] = value;
        let (code, out) = c_call(sts_get_caller_identity, &config.to_string());
        assert_eq!(code, StsCode::STS_INVALID_ARGUMENT);
        assert!(error_message(&out).starts_with(expected), "{out}");
    }
    let (code, out) = c_call(
        sts_get_caller_identity,
        &json!({"secret_id": DEFAULT_SECRET_ID, "url": emulator.url(), "secret_key": "x\u{0}"}).to_string(),
    );
    assert_eq!(code, StsCode::STS_INVALID_ARGUMENT);
    assert!(error_message(&out).starts_with("secret_key: contains the control character"));
    assert_eq!(emulator.requests().len(), 0);
}

fn web_config(emulator: &Emulator, extra: Value) -> String {
    merge(
        json!({"provider_id": "tke-oidc", "web_identity_token": OIDC_TOKEN, "role_arn": ROLE_ARN,
            "role_session_name": "pod-1", "url": emulator.url()}),
        extra,
    )
}

#[test]
fn web_identity_credentials_are_fetched_unsigned_with_the_token() {
    let emulator = emulator();
    let (code, out) = c_call(sts_get_web_identity_credential, &web_config(&emulator, json!({"duration_seconds": 900})));
    assert_eq!(code, StsCode::STS_OK, "{out}");
    assert!(out["credentials"]["tmpSecretId"].as_str().unwrap().starts_with("AKID"));
    assert_eq!(out["expiredTime"].as_i64().unwrap() - out["startTime"].as_i64().unwrap(), 900);
    let requests = emulator.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.action, "AssumeRoleWithWebIdentity");
    assert!(request.unsigned && !request.token_sent && request.secret_id.is_empty());
    assert_eq!(
        request.body,
        json!({"ProviderId": "tke-oidc", "WebIdentityToken": "<redacted>", "RoleArn": ROLE_ARN,
            "RoleSessionName": "pod-1", "DurationSeconds": 900})
    );

    // From a file, re-read at every call: a rotated token is picked up.
    let dir = std::env::temp_dir().join(format!("libsts-web-identity-it-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("token");
    std::fs::write(&file, format!("{OIDC_TOKEN}\n")).unwrap();
    let from_file =
        web_config(&emulator, json!({"web_identity_token": null, "webIdentityTokenFile": file.to_str().unwrap()}));
    let (code, out) = c_call(sts_get_web_identity_credential, &from_file);
    assert_eq!(code, StsCode::STS_OK, "{out}");
    std::fs::write(&file, "eyJ.rotated-but-unknown.token").unwrap();
    let (code, out) = c_call(sts_get_web_identity_credential, &from_file);
    assert_eq!(
        (code, out["error"]["code"].as_str()),
        (StsCode::STS_SERVICE, Some("InvalidParameter.WebIdentityTokenError"))
    );
    std::fs::remove_dir_all(&dir).unwrap();

    // A wrong token and an unknown provider are the service's answers, never quoting the token.
    let (code, out) = c_call(sts_get_web_identity_credential, &web_config(&emulator, json!({"provider_id": "github"})));
    assert_eq!(
        (code, out["error"]["code"].as_str()),
        (StsCode::STS_SERVICE, Some("ResourceNotFound.IdentityNotExist"))
    );
    assert_no_secret(&out.to_string());
    assert_eq!(emulator.requests().len(), 4);
}

#[test]
fn web_identity_configs_are_checked_before_sending_without_quoting_the_token() {
    let emulator = emulator();
    for (extra, expected) in [
        (
            json!({"secret_id": DEFAULT_SECRET_ID}),
            "secret_id: not a key of sts_get_web_identity_credential: AssumeRoleWithWebIdentity is unsigned",
        ),
        (json!({"session_token": SESSION_TOKEN}), "session_token: not a key of sts_get_web_identity_credential"),
        (
            json!({"web_identity_token_file": "/tmp/none"}),
            "web_identity_token_file: ambiguous together with `web_identity_token`; give one",
        ),
        (json!({"web_identity_token": null}), "web_identity_token: missing"),
        (json!({"web_identity_token": format!("{OIDC_TOKEN} ")}), "web_identity_token: contains whitespace"),
        (json!({"provider_id": null}), "provider_id: missing"),
        (json!({"role_arn": null}), "role_arn: missing"),
        (json!({"duration_seconds": 43201}), "duration_seconds: 43201 is out of range 1..=43200"),
        (
            json!({"policy": {"version": "2.0", "statement": []}}),
            "policy: not a key of sts_get_web_identity_credential: AssumeRoleWithWebIdentity takes no policy",
        ),
        (
            json!({"tags": []}),
            "tags: not a key of sts_get_web_identity_credential; it belongs to sts_get_role_credential",
        ),
        (
            json!({"web_identity_token": null, "web_identity_token_file": "/dev/zero"}),
            "web_identity_token_file: /dev/zero is not a regular file",
        ),
    ] {
        let (code, out) = c_call(sts_get_web_identity_credential, &web_config(&emulator, extra));
        assert_eq!(code, StsCode::STS_INVALID_ARGUMENT);
        assert!(error_message(&out).starts_with(expected), "{out}");
        assert_no_secret(&out.to_string());
    }
    // The web identity keys belong to that call alone.
    let (code, out) = c_call(sts_get_role_credential, &role_config(&emulator, json!({"provider_id": "tke-oidc"})));
    assert_eq!(code, StsCode::STS_INVALID_ARGUMENT);
    assert_eq!(
        error_message(&out),
        "provider_id: not a key of sts_get_role_credential; it belongs to sts_get_web_identity_credential"
    );
    let (code, out) =
        c_call(sts_get_credential, &federation_config(&emulator, json!({"web_identity_token": OIDC_TOKEN})));
    assert_eq!(code, StsCode::STS_INVALID_ARGUMENT);
    assert!(error_message(&out).starts_with("web_identity_token: not a key of sts_get_credential"));
    assert_no_secret(&out.to_string());
    assert_eq!(emulator.requests().len(), 0);
}

#[test]
fn assume_role_sends_tags_source_identity_and_mfa_as_the_api_names_them() {
    let emulator = emulator();
    let config = role_config(
        &emulator,
        json!({"tags": [{"key": "team", "value": "media"}, {"key": "env", "value": "prod"}],
            "sourceIdentity": "user-1@example", "serial_number": "qcs::cam::uin/100000000001:mfa/softToken",
            "token_code": "654321"}),
    );
    let (code, out) = c_call(sts_get_role_credential, &config);
    assert_eq!(code, StsCode::STS_OK, "{out}");
    let requests = emulator.requests();
    assert_eq!(requests.len(), 1);
    let body = &requests[0].body;
    assert_eq!(body["Tags"], json!([{"Key": "team", "Value": "media"}, {"Key": "env", "Value": "prod"}]));
    assert_eq!(body["SourceIdentity"], "user-1@example");
    assert_eq!(body["SerialNumber"], "qcs::cam::uin/100000000001:mfa/softToken");
    assert_eq!(body["TokenCode"], "<redacted>", "the emulator got a code and does not keep it");
    // Without extras none of the fields is sent.
    let (code, _) = c_call(sts_get_role_credential, &role_config(&emulator, json!({})));
    assert_eq!(code, StsCode::STS_OK);
    let plain = &emulator.requests()[1].body;
    for field in ["Tags", "SourceIdentity", "SerialNumber", "TokenCode"] {
        assert!(plain.get(field).is_none(), "{field} sent without being asked for");
    }
    // The normalized config shows the extras but never the code.
    let (code, out) = c_call(sts_check_config, &config);
    assert_eq!(code, StsCode::STS_OK, "{out}");
    assert_eq!(out["tags"][1], json!({"key": "env", "value": "prod"}));
    assert_eq!(
        (out["source_identity"].as_str(), out["serial_number"].as_str()),
        (Some("user-1@example"), Some("qcs::cam::uin/100000000001:mfa/softToken"))
    );
    assert_no_secret(&out.to_string());
}

#[test]
fn bad_extras_are_refused_naming_the_field_and_send_nothing() {
    let emulator = emulator();
    let tags = |n: usize, bad: Value| -> Value {
        let mut list: Vec<Value> = (0..n).map(|i| json!({"key": format!("k{i}"), "value": "v"})).collect();
        list.push(bad);
        Value::Array(list)
    };
    for (extra, expected) in [
        (
            json!({"tags": tags(3, json!({"key": "k".repeat(129), "value": "v"}))}),
            "tags[3].key: must be 1 to 128 characters long, got 129",
        ),
        (
            json!({"tags": tags(3, json!({"key": "x", "value": "v".repeat(257)}))}),
            "tags[3].value: must be 0 to 256 characters long, got 257",
        ),
        (
            json!({"tags": tags(2, json!({"key": "k0", "value": "again"}))}),
            "tags[2].key: repeats the key of tags[0]; tag keys must be unique",
        ),
        (
            json!({"tags": tags(1, json!({"key": "a\u{7}", "value": "v"}))}),
            "tags[1].key: contains the control character U+0007 at byte 1",
        ),
        (json!({"tags": tags(50, json!({"key": "x", "value": "v"}))}), "tags: 51 tags, over the service's limit of 50"),
        (json!({"serial_number": "qcs::cam::uin/1:mfa/softToken"}), "token_code: missing"),
        (json!({"token_code": "654321"}), "serial_number: missing"),
        (
            json!({"serial_number": "qcs::cam::uin/1:mfa/softToken", "token_code": "65432"}),
            "token_code: must be the 6 digits the MFA device shows",
        ),
        (json!({"source_identity": "a b"}), "source_identity: contains ' '"),
    ] {
        let (code, out) = c_call(sts_get_role_credential, &role_config(&emulator, extra));
        assert_eq!(code, StsCode::STS_INVALID_ARGUMENT);
        assert!(error_message(&out).starts_with(expected), "{out}");
    }
    let (code, out) = c_call(sts_get_credential, &federation_config(&emulator, json!({"tags": []})));
    assert_eq!(code, StsCode::STS_INVALID_ARGUMENT);
    assert_eq!(
        error_message(&out),
        "tags: is a parameter of AssumeRole (sts_get_role_credential), not of sts_get_credential"
    );
    assert_eq!(emulator.requests().len(), 0);
}

extern "C" fn deliver(user_data: *mut c_void, code: StsCode, out_json: *mut c_char) {
    // SAFETY: user_data is the Sender boxed by `call_async`, handed over for this one callback.
    let sender = unsafe { Box::from_raw(user_data.cast::<mpsc::Sender<(StsCode, String)>>()) };
    // SAFETY: libsts hands over a NUL-terminated string it owns until sts_string_free.
    let text = unsafe { CStr::from_ptr(out_json) }.to_string_lossy().into_owned();
    sts_string_free(out_json);
    let _ = sender.send((code, text));
}

type AsyncExport = extern "C" fn(*const c_char, StsCallback, *mut c_void) -> StsCode;

fn call_async(export: AsyncExport, config: &str) -> (StsCode, Value) {
    let (sender, receiver) = mpsc::channel::<(StsCode, String)>();
    let user_data = Box::into_raw(Box::new(sender)).cast::<c_void>();
    let input = CString::new(config).unwrap();
    assert_eq!(export(input.as_ptr(), Some(deliver), user_data), StsCode::STS_OK);
    drop(input);
    let (code, text) = receiver.recv_timeout(Duration::from_secs(30)).expect("the callback ran");
    (code, parse(&text))
}

#[test]
fn the_async_forms_answer_as_the_blocking_calls() {
    let emulator = emulator();
    let caller = json!({"secret_id": DEFAULT_SECRET_ID, "secret_key": DEFAULT_SECRET_KEY, "url": emulator.url()});
    let (code, out) = call_async(sts_get_caller_identity_async, &caller.to_string());
    assert_eq!((code, out["type"].as_str()), (StsCode::STS_OK, Some("RootAccount")));
    let (code, out) = call_async(sts_get_web_identity_credential_async, &web_config(&emulator, json!({})));
    assert_eq!(code, StsCode::STS_OK, "{out}");
    assert!(out["credentials"]["sessionToken"].is_string());
    let (code, out) =
        call_async(sts_get_web_identity_credential_async, &web_config(&emulator, json!({"secret_key": "x"})));
    assert_eq!(code, StsCode::STS_INVALID_ARGUMENT);
    assert!(error_message(&out).starts_with("secret_key: not a key of sts_get_web_identity_credential"));
    // NULL input and invalid UTF-8 are answered through the callback too.
    let (sender, receiver) = mpsc::channel::<(StsCode, String)>();
    let user_data = Box::into_raw(Box::new(sender)).cast::<c_void>();
    assert_eq!(sts_get_caller_identity_async(std::ptr::null(), Some(deliver), user_data), StsCode::STS_OK);
    let (code, text) = receiver.recv_timeout(Duration::from_secs(30)).unwrap();
    assert_eq!((code, error_message(&parse(&text))), (StsCode::STS_INVALID_ARGUMENT, "config: NULL pointer"));
    assert_eq!(
        sts_get_web_identity_credential_async(std::ptr::null(), None, std::ptr::null_mut()),
        StsCode::STS_INVALID_ARGUMENT
    );
    assert_eq!(emulator.requests().len(), 2);
}

#[test]
fn the_blocking_exports_handle_null_and_bad_utf8() {
    for export in [sts_get_caller_identity as Export, sts_get_web_identity_credential] {
        let bad = CString::new(vec![b'{', 0xff, b'}']).unwrap();
        let (code, text) = c_call_text(export, &bad);
        assert_eq!(code, StsCode::STS_INVALID_ARGUMENT);
        assert_eq!(error_message(&parse(&text)), "config: not valid UTF-8 (first bad byte at offset 1)");
        let (code, text) = c_call_with(|out| export(std::ptr::null(), out));
        assert_eq!((code, error_message(&parse(&text))), (StsCode::STS_INVALID_ARGUMENT, "config: NULL pointer"));
        assert_eq!(export(std::ptr::null(), std::ptr::null_mut()), StsCode::STS_INVALID_ARGUMENT);
    }
}

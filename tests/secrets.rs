//! Secret hygiene: every error path, driven through the C ABI with a recognizable secret key
//! and session token, must keep both out of the returned JSON, out of `Debug`/`Display` of
//! errors and configs, and off stderr.
//!
//! The scenarios run in a child process (this test binary re-executed with
//! `STS_SECRET_HYGIENE_CHILD=1`), so the parent can read everything the child wrote to stdout
//! and stderr, including what the default panic hook prints for a panic caught at the boundary.

mod common;

use common::*;
use serde_json::json;
use std::ffi::CString;
use std::process::Command;
use sts::config::{Action, Config};
use sts::ffi::{call_with_core, sts_get_credential, sts_get_policy, sts_get_role_credential, StsCode};
use sts_emulator::TlsIdentity;

const SECRET_ID: &str = "AKIDhygieneTEST0000000000000000000";
const SECRET_KEY: &str = "HYGIENE-secret-key-7f3a9c";
/// A session token the tests control: fed to the response parser inside answers.
const TOKEN: &str = "HYGIENE-session-token-5be1d2";
const CHILD_ENV: &str = "STS_SECRET_HYGIENE_CHILD";

/// Calls an export with raw bytes (NUL appended); prints the JSON to stdout for the parent.
fn logged_call_bytes(label: &str, f: Export, input: &[u8]) -> (StsCode, String) {
    let input = CString::new(input.to_vec()).expect("no interior NUL");
    let (code, json) = c_call_text(f, &input);
    println!("[{label}] {code:?} {json}");
    (code, json)
}

fn logged_call(label: &str, f: Export, input: &str) -> (StsCode, String) {
    logged_call_bytes(label, f, input.as_bytes())
}

fn expect(label: &str, f: Export, input: &str, code: StsCode, error_code: &str) -> String {
    let (got, json) = logged_call(label, f, input);
    assert_eq!(got, code, "{label}: {json}");
    assert_eq!(parse(&json)["error"]["code"], error_code, "{label}: {json}");
    json
}

fn policy() -> serde_json::Value {
    json!({"version": "2.0", "statement": [{"effect": "allow", "action": ["name/cos:GetObject"], "resource": ["*"]}]})
}

/// A config with our secret pair pointed at `url`.
fn config(url: &str, extra: serde_json::Value) -> String {
    let base = json!({"secret_id": SECRET_ID, "secret_key": SECRET_KEY, "url": url, "retries": 0,
        "timeout_ms": 2000, "policy": policy()});
    merge(base, extra)
}

fn emulator_with(faults: Faults) -> Emulator {
    Emulator::start(EmulatorOptions {
        keys: vec![(SECRET_ID.into(), SECRET_KEY.into())],
        faults,
        ..EmulatorOptions::default()
    })
    .unwrap()
}

/// A core that holds a parsed config (with the secret) when it panics, and puts the config's
/// Debug form into the panic message, as a careless `expect` would.
fn panicking_core(input: &str) -> sts::error::Result<String> {
    let config = Config::parse(input, Action::GetFederationToken)?;
    panic!("core gave up holding {config:?}");
}

/// Every scenario; returns the session tokens the emulator issued (they may show up only in
/// successful results).
fn run_scenarios() -> Vec<String> {
    let mut issued = Vec::new();
    let ok = emulator_with(Faults::default());

    // A success first: the result holds a real token, which no later error may repeat.
    let (code, json) = logged_call("ok", sts_get_credential, &config(&ok.url(), json!({})));
    assert_eq!(code, StsCode::STS_OK, "{json}");
    issued.push(parse(&json)["credentials"]["sessionToken"].as_str().unwrap().to_owned());
    let (code, json) = logged_call(
        "ok role",
        sts_get_role_credential,
        &config(&ok.url(), json!({"role_arn": "qcs::cam::uin/1:roleName/r"})),
    );
    assert_eq!(code, StsCode::STS_OK, "{json}");
    issued.push(parse(&json)["credentials"]["sessionToken"].as_str().unwrap().to_owned());

    // Bad configs: each holds the secret key somewhere.
    let invalid = StsCode::STS_INVALID_ARGUMENT;
    let bad = "Client.InvalidArgument";
    let url = ok.url();
    for (label, input) in [
        ("unknown key", config(&url, json!({"insecure": true}))),
        ("typo", config(&url, json!({"bukcet": SECRET_KEY}))),
        ("duration", config(&url, json!({"duration_seconds": 0}))),
        ("secret_key type", config(&url, json!({"secret_key": [SECRET_KEY]}))),
        ("secret_id bad", config(&url, json!({"secret_id": format!("{SECRET_KEY} x")}))),
        ("session_token bad", config(&url, json!({"session_token": format!("{TOKEN} x")}))),
        ("session_token type", config(&url, json!({"session_token": [TOKEN]}))),
        ("encoded twice", serde_json::to_string(&config(&url, json!({}))).unwrap()),
        ("list", format!("[{}]", config(&url, json!({})))),
        ("syntax", format!("{}x", config(&url, json!({})))),
        ("truncated json", config(&url, json!({}))[..60].to_owned()),
        ("policy string", config(&url, json!({"policy": format!("{{\"version\":\"{SECRET_KEY}")}))),
        (
            "policy principal",
            config(&url, json!({"policy": {"version": "2.0", "statement": [{"principal": SECRET_KEY}]}})),
        ),
        ("proxy userinfo", config(&url, json!({"proxy": format!("ftp://u:{SECRET_KEY}@h:1")}))),
        ("ca_file", config(&url, json!({"ca_file": format!("/nonexistent/{}", "x")}))),
        ("role on federation", config(&url, json!({"role_arn": SECRET_KEY}))),
    ] {
        expect(label, sts_get_credential, &input, invalid, bad);
    }
    expect(
        "role session name",
        sts_get_role_credential,
        &config(&url, json!({"role_arn": "r", "role_session_name": SECRET_KEY.replace('-', " ")})),
        invalid,
        bad,
    );
    // Not UTF-8: the secret next to a bad byte.
    let mut bytes = config(&url, json!({})).into_bytes();
    bytes.insert(bytes.len() - 2, 0xff);
    let (code, _) = logged_call_bytes("not utf-8", sts_get_credential, &bytes);
    assert_eq!(code, invalid);
    // The scopes parser echoes unknown keys; a secret as a key name stays the caller's doing,
    // but a secret as a value must not be echoed.
    expect("scopes", sts_get_policy, &json!([{"action": SECRET_KEY, "bucket": 5}]).to_string(), invalid, bad);

    // Service errors.
    let wrong_key = config(&url, json!({"secret_key": format!("{SECRET_KEY}-wrong")}));
    expect("signature", sts_get_credential, &wrong_key, StsCode::STS_SERVICE, "AuthFailure.SignatureFailure");
    expect(
        "unknown id",
        sts_get_credential,
        &config(&url, json!({"secret_id": "AKIDunknown"})),
        StsCode::STS_SERVICE,
        "AuthFailure.SecretIdNotFound",
    );
    expect(
        "token with a permanent key",
        sts_get_role_credential,
        &config(&url, json!({"session_token": TOKEN, "role_arn": "qcs::cam::uin/100000000001:roleName/r"})),
        StsCode::STS_SERVICE,
        "AuthFailure.TokenFailure",
    );
    // GetFederationToken with a temporary key: refused locally, the token never quoted.
    expect(
        "federation with a temporary key",
        sts_get_credential,
        &config(&url, json!({"session_token": TOKEN})),
        StsCode::STS_INVALID_ARGUMENT,
        "Client.InvalidArgument",
    );
    for (mode, code, error) in [
        (FailMode::Throttle, StsCode::STS_SERVICE, "RequestLimitExceeded"),
        (FailMode::InternalError, StsCode::STS_SERVICE, "InternalError"),
        (FailMode::Http500, StsCode::STS_BAD_RESPONSE, "Client.HttpStatus"),
        (FailMode::Malformed, StsCode::STS_BAD_RESPONSE, "Client.BadResponse"),
        (FailMode::WrongShape, StsCode::STS_BAD_RESPONSE, "Client.BadResponse"),
        // Half of a real answer: it holds a fresh token, the parser must not quote it.
        (FailMode::Truncated, StsCode::STS_BAD_RESPONSE, "Client.BadResponse"),
        (FailMode::Huge, StsCode::STS_BAD_RESPONSE, "Client.ResponseTooLarge"),
        (FailMode::Drop, StsCode::STS_NETWORK, "Client.Network"),
        (FailMode::Hang, StsCode::STS_NETWORK, "Client.Timeout"),
        (FailMode::Trickle, StsCode::STS_NETWORK, "Client.Timeout"),
    ] {
        let emulator = emulator_with(Faults { always: Some(mode), ..Faults::default() });
        expect(mode.name(), sts_get_credential, &config(&emulator.url(), json!({"timeout_ms": 400})), code, error);
    }

    // Network errors.
    expect(
        "refused",
        sts_get_credential,
        &config("http://127.0.0.1:1/", json!({})),
        StsCode::STS_NETWORK,
        "Client.Network",
    );
    let dns = "https://a123456789b123456789c123456789d123456789e123456789f123456789abcd.invalid/";
    expect("dns", sts_get_credential, &config(dns, json!({})), StsCode::STS_NETWORK, "Client.Dns");
    let tls = Emulator::start(EmulatorOptions {
        keys: vec![(SECRET_ID.into(), SECRET_KEY.into())],
        tls: Some(TlsIdentity::from_files(data("test-only-server.pem"), data("test-only-server.key.pem")).unwrap()),
        ..EmulatorOptions::default()
    })
    .unwrap();
    expect("tls", sts_get_credential, &config(&tls.url(), json!({})), StsCode::STS_NETWORK, "Client.Tls");

    // Answers carrying our token in every malformed way, through the response parser.
    for (status, body) in [
        (
            200,
            format!(
                r#"{{"Response":{{"Credentials":{{"Token":"{TOKEN}","TmpSecretId":5,"TmpSecretKey":"{SECRET_KEY}"}},"ExpiredTime":1}}}}"#
            ),
        ),
        (
            200,
            format!(
                r#"{{"Response":{{"Credentials":{{"Token":"{TOKEN}","TmpSecretId":"i","TmpSecretKey":"{SECRET_KEY}"}}}}}}"#
            ),
        ),
        (
            200,
            format!(
                r#"{{"Response":{{"Credentials":{{"Token":"{TOKEN}","TmpSecretId":"i","TmpSecretKey":"k"}},"ExpiredTime":"{TOKEN}"}}}}"#
            ),
        ),
        (
            200,
            format!(
                r#"{{"Response":{{"Credentials":{{"Token":"{TOKEN}","TmpSecretId":"i","TmpSecretKey":"k"}},"ExpiredTime":1,"Expiration":["{TOKEN}"]}}}}"#
            ),
        ),
        (200, format!(r#"{{"Response":{{"Error":{{"Code":["{TOKEN}"]}},"RequestId":"r"}}}}"#)),
        (200, format!(r#"{{"Response":"{TOKEN}"}}"#)),
        (200, format!(r#"{{"Response":{{"Credentials":{{"Token":"{TOKEN}"#)),
        (200, TOKEN.to_string()),
        (200, format!(r#"["{TOKEN}"]"#)),
        (200, format!(r#"{{"Response":{{"Credentials":{{"Token":"{TOKEN}\x"}}}}}}"#)),
        (500, format!(r#"<html>{TOKEN}</html>"#)),
        (
            502,
            format!(
                r#"{{"Response":{{"Credentials":{{"Token":"{TOKEN}","TmpSecretId":"i","TmpSecretKey":"k"}},"ExpiredTime":1}}}}"#
            ),
        ),
    ] {
        let e = sts::api::credential_result(status, &body, 1800, &"http://127.0.0.1:9").unwrap_err();
        println!("[parser {status}] {} | {e} | {e:?}", e.to_json());
    }

    // Debug/Display of a parsed config and of errors.
    let parsed = Config::parse(&config(&url, json!({})), Action::GetFederationToken).unwrap();
    eprintln!("config Debug: {parsed:?}");
    let e = sts::api::get_credential(&wrong_key).unwrap_err();
    eprintln!("error Display: {e} Debug: {e:?}");

    // A panic at the boundary while the core holds the config: the default hook prints the
    // panic message to stderr, the JSON must carry no payload.
    let input = CString::new(config(&url, json!({}))).unwrap();
    let (code, json) = c_call_with(|out| call_with_core(input.as_ptr(), out, panicking_core));
    println!("[panic] {code:?} {json}");
    assert_eq!(code, StsCode::STS_INTERNAL);
    assert_eq!(parse(&json)["error"]["code"], "Client.Internal");
    assert!(!json.contains("core gave up"), "the panic payload stays out of the JSON: {json}");

    issued
}

#[test]
fn no_error_path_reveals_the_secret_key_or_a_session_token() {
    if std::env::var_os(CHILD_ENV).is_some() {
        let issued = run_scenarios();
        // Tell the parent which tokens the emulator issued.
        for token in issued {
            println!("ISSUED-TOKEN {token}");
        }
        return;
    }
    let output = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "no_error_path_reveals_the_secret_key_or_a_session_token", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, "1")
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("re-run this test binary");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "child failed\n--- stdout\n{stdout}\n--- stderr\n{stderr}");
    // The child really went through the panic path and printed what the hooks print.
    assert!(stderr.contains("core gave up holding Config"), "the panic message reached stderr: {stderr}");
    assert!(stderr.contains("config Debug:") && stderr.contains("error Display:"), "{stderr}");
    let issued: Vec<&str> = stdout.lines().filter_map(|l| l.strip_prefix("ISSUED-TOKEN ")).collect();
    assert_eq!(issued.len(), 2, "{stdout}");

    let mut checked = 0;
    for line in stdout.lines().filter(|l| l.starts_with('[')) {
        checked += 1;
        let success = line.contains("] STS_OK ");
        for secret in [SECRET_KEY, TOKEN] {
            assert!(!line.contains(secret), "leaked {secret}: {line}");
        }
        if !success {
            for token in &issued {
                assert!(!line.contains(token), "leaked an issued token: {line}");
            }
        }
    }
    assert!(checked >= 45, "only {checked} scenario lines:\n{stdout}");
    for secret in [SECRET_KEY, TOKEN].iter().chain(issued.iter()) {
        assert!(!stderr.contains(secret), "stderr holds {secret}:\n{stderr}");
    }
    // The secret's first 8 characters alone would already be a leak worth catching.
    assert!(!stderr.contains(&SECRET_KEY[..12]) && !stdout.contains(&SECRET_KEY[..12]));
}

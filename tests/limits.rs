//! Transport security and input limits, through the C ABI: TLS verification has no off
//! switch, plain http:// is refused off loopback with the reason, oversized and overly nested
//! inputs are refused quickly, and an oversized policy is refused before sending.

mod common;

use common::*;
use serde_json::json;
use std::time::{Duration, Instant};
use sts::config::{MAX_ENCODED_POLICY_BYTES, MAX_INPUT_BYTES};
use sts::ffi::{sts_get_credential, sts_get_policy, sts_get_role_credential, StsCode};

fn message(out: &serde_json::Value) -> &str {
    out["error"]["message"].as_str().unwrap_or_default()
}

#[test]
fn no_config_key_turns_tls_verification_off() {
    let emulator = start(Faults::default());
    // Names other clients use for "do not verify"; each must be refused as an unknown key,
    // in snake_case and camelCase, whatever its value.
    for key in [
        "insecure",
        "verify",
        "verify_ssl",
        "verifySsl",
        "ssl_verify",
        "tls_verify",
        "skip_verify",
        "insecure_skip_verify",
        "danger_accept_invalid_certs",
        "rejectUnauthorized",
        "reject_unauthorized",
        "no_verify",
        "ssl",
        "tls",
        "check_certificate",
        "cert_reqs",
    ] {
        for value in [json!(false), json!(true), json!(0), json!("false")] {
            let (code, out) = c_call(sts_get_credential, &federation_config(&emulator, json!({ key: value })));
            assert_eq!(code, StsCode::STS_INVALID_ARGUMENT, "{key}: {out}");
            assert!(message(&out).starts_with(&format!("{key}: unknown config key")), "{out}");
        }
    }
    assert_eq!(emulator.connections(), 0, "nothing was sent");
    // The only TLS knob is ca_file, and it replaces the roots; it cannot disable checking
    // (tests/faults.rs: a ca_file that is not the issuer still fails with Client.Tls).
}

#[test]
fn plain_http_off_loopback_is_refused_explaining_the_replay_risk() {
    for url in
        ["http://10.0.0.1/", "http://sts.tencentcloudapi.com/", "http://192.168.1.5:8080/", "http://[2001:db8::1]/"]
    {
        let config = json!({"secret_id": "AKIDx", "secret_key": "k", "url": url,
            "policy": {"version": "2.0", "statement": [{"effect": "allow", "action": ["*"], "resource": ["*"]}]}});
        for (f, role) in [(sts_get_credential as Export, false), (sts_get_role_credential, true)] {
            let mut config = config.clone();
            if role {
                config["role_arn"] = json!("qcs::cam::uin/1:roleName/r");
            }
            let (code, out) = c_call(f, &config.to_string());
            assert_eq!(code, StsCode::STS_INVALID_ARGUMENT, "{url}: {out}");
            assert_eq!(out["error"]["code"], "Client.InvalidArgument");
            let m = message(&out);
            assert!(m.starts_with("url: plain http:// is only allowed to a loopback address"), "{m}");
            assert!(m.contains("replay") && m.contains("5 minutes") && m.contains("https://"), "{m}");
        }
    }
    // Loopback stays allowed (the emulator).
    let emulator = start(Faults::default());
    let (code, out) = c_call(sts_get_credential, &federation_config(&emulator, json!({})));
    assert_eq!(code, StsCode::STS_OK, "{out}");
}

/// Inputs over the limit are refused before parsing: measured, it is microseconds.
#[test]
fn inputs_over_one_megabyte_are_refused_quickly() {
    let padding = "x".repeat(MAX_INPUT_BYTES);
    let config = format!(r#"{{"secret_id":"AKIDx","secret_key":"k","name":"{padding}"}}"#);
    let scopes = format!(r#"[{{"action":"{padding}","bucket":"b-1","region":"r","prefix":"*"}}]"#);
    for (f, input, field) in [
        (sts_get_credential as Export, &config, "config"),
        (sts_get_role_credential, &config, "config"),
        (sts_get_policy, &scopes, "scopes"),
    ] {
        let started = Instant::now();
        let (code, out) = c_call(f, input);
        let elapsed = started.elapsed();
        assert_eq!(code, StsCode::STS_INVALID_ARGUMENT, "{out}");
        assert!(message(&out).starts_with(&format!("{field}: ")), "{out}");
        assert!(message(&out).contains(&format!("over the {MAX_INPUT_BYTES}-byte limit")), "{out}");
        assert!(elapsed < Duration::from_millis(200), "took {elapsed:?}");
    }
    // Just under the limit is parsed normally (and fails on its content, not its size).
    let under =
        format!(r#"[{{"action":"{}","bucket":"b-1","region":"r","prefix":"*"}}]"#, "x".repeat(MAX_INPUT_BYTES - 100));
    let (code, out) = c_call(sts_get_policy, &under);
    assert!(!message(&out).contains("byte limit"), "{code:?} {out}");
}

#[test]
fn nesting_deeper_than_serde_json_allows_is_refused_quickly() {
    for depth in [129, 1000, 100_000] {
        let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let in_object =
            format!(r#"{{"secret_id":"AKIDx","secret_key":"k","policy":{}{}}}"#, "[".repeat(depth), "]".repeat(depth));
        let in_condition = format!(
            r#"[{{"action":"a","bucket":"b-1","region":"r","prefix":"*","condition":{}{}}}]"#,
            "[".repeat(depth),
            "]".repeat(depth)
        );
        for (f, input) in [
            (sts_get_credential as Export, &in_object),
            (sts_get_role_credential, &nested),
            (sts_get_policy, &nested),
            (sts_get_policy, &in_condition),
        ] {
            let started = Instant::now();
            let (code, out) = c_call(f, input);
            let elapsed = started.elapsed();
            assert_eq!(code, StsCode::STS_INVALID_ARGUMENT, "depth {depth}: {out}");
            assert!(elapsed < Duration::from_millis(500), "depth {depth} took {elapsed:?}");
        }
    }
    // serde_json's limit is 128: a depth well inside it is parsed (and fails on content only).
    let (code, out) = c_call(sts_get_policy, &format!("{}{}", "[".repeat(100), "]".repeat(100)));
    assert_eq!(code, StsCode::STS_INVALID_ARGUMENT);
    assert!(!message(&out).contains("recursion"), "{out}");
}

#[test]
fn a_policy_over_the_encoded_bound_is_refused_before_sending_with_its_length() {
    let emulator = start(Faults::default());
    // Each prefix encodes to about 60 bytes; 2,000 of them are well over 64 KiB encoded.
    let prefixes: Vec<String> = (0..2000).map(|i| format!("uploads/user {i}/*")).collect();
    let config = federation_config(&emulator, json!({"allow_prefix": prefixes}));
    let started = Instant::now();
    let (code, out) = c_call(sts_get_credential, &config);
    assert_eq!(code, StsCode::STS_INVALID_ARGUMENT, "{out}");
    let m = message(&out);
    assert!(m.starts_with("policy: "), "{m}");
    assert!(m.contains(&format!("over the {MAX_ENCODED_POLICY_BYTES}-byte limit")), "{m}");
    let length: usize =
        m["policy: ".len()..].split(' ').next().unwrap().parse().expect("the message starts with the length");
    assert!(length > MAX_ENCODED_POLICY_BYTES, "{m}");
    assert!(started.elapsed() < Duration::from_secs(1));
    // A ready policy too, and for AssumeRole.
    let statement: Vec<_> = (0..2000).map(|i| json!({"effect":"allow","action":["name/cos:GetObject"],"resource":[format!("qcs::cos:ap-guangzhou:uid/1:b-1/u {i}/*")]})).collect();
    let big = json!({"version": "2.0", "statement": statement});
    let (code, out) = c_call(sts_get_role_credential, &role_config(&emulator, json!({"policy": big})));
    assert_eq!(code, StsCode::STS_INVALID_ARGUMENT, "{out}");
    assert!(message(&out).contains("bytes once percent-encoded, over the"), "{out}");
    assert_eq!(emulator.connections(), 0, "refused before sending");
}

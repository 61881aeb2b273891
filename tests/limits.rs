//! Transport security and input limits, through the C ABI: TLS verification has no off
//! switch, plain http:// is refused off loopback with the reason, oversized and overly nested
//! inputs are refused quickly, lengths that multiply (bucket x prefixes) are refused before
//! anything is built, and an oversized policy is refused before sending.

mod common;

use common::*;
use serde_json::json;
use std::time::{Duration, Instant};
use sts::config::{MAX_ENCODED_POLICY_BYTES, MAX_INPUT_BYTES};
use sts::ffi::{sts_get_credential, sts_get_policy, sts_get_role_credential, StsCode};
use sts::policy::{MAX_BUCKET_BYTES, MAX_POLICY_BYTES, MAX_PREFIXES_PER_SCOPE};

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
    assert!(!message(&out).contains(&format!("{MAX_INPUT_BYTES}-byte limit")), "{code:?} {out}");
    assert!(message(&out).starts_with("scopes[0].action[0]: "), "{code:?} {out}");
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
    // Each resource encodes to about 100 bytes; 900 of them are well over 64 KiB encoded. The
    // length is computed before the policy is built, and the message names what makes it big.
    let prefixes: Vec<String> = (0..900).map(|i| format!("uploads/user {i}/*")).collect();
    let config = federation_config(&emulator, json!({"allow_prefix": prefixes}));
    let started = Instant::now();
    let (code, out) = c_call(sts_get_credential, &config);
    assert_eq!(code, StsCode::STS_INVALID_ARGUMENT, "{out}");
    let m = message(&out);
    let head = "allow_prefix: the policy would be ";
    assert!(m.starts_with(head), "{m}");
    assert!(m.contains(&format!("bytes once percent-encoded, over the {MAX_ENCODED_POLICY_BYTES}-byte limit")), "{m}");
    let length: usize = m[head.len()..].split(' ').next().unwrap().parse().expect("the message holds the length");
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

/// The same value in both places until the config reads it from the policy module.
#[test]
fn the_encoded_policy_limit_is_one_number() {
    assert_eq!(MAX_ENCODED_POLICY_BYTES, sts::policy::MAX_ENCODED_POLICY_BYTES);
}

/// Issue 10 item 4: a 400 KB bucket and 100,000 prefixes (900 KB of input, under the 1 MiB
/// limit) used to build about 40 GB and abort the process. Every length that multiplies is
/// bounded before anything is built. (tests/policy_memory.rs measures the peak allocation.)
#[test]
fn lengths_that_multiply_are_refused_before_building_naming_the_field() {
    let bucket = format!("{}-1250000000", "b".repeat(400 * 1024));
    let prefixes = vec!["p"; 100_000];
    let issue =
        json!([{"action": "name/cos:GetObject", "bucket": bucket, "region": "ap-guangzhou", "prefix": prefixes}]);
    let one_prefix =
        json!([{"action": "name/cos:GetObject", "bucket": bucket, "region": "ap-guangzhou", "prefix": "p"}]);
    // At the per-item limits, 6 scopes of 1,000 prefixes are over the output limit.
    let at_limits = json!([{"action": "name/cos:GetObject", "bucket": format!("{}-1", "b".repeat(MAX_BUCKET_BYTES - 2)),
        "region": "ap-guangzhou", "prefix": vec!["p".repeat(100); MAX_PREFIXES_PER_SCOPE]}]);
    let six = json!(vec![at_limits[0].clone(); 6]);
    let cases = [
        (issue.to_string(), format!("scopes[0].prefix: over the limit of {MAX_PREFIXES_PER_SCOPE} entries")),
        (
            one_prefix.to_string(),
            format!("scopes[0].bucket: {} bytes, over the {MAX_BUCKET_BYTES}-byte limit", bucket.len()),
        ),
        (six.to_string(), "scopes: the policy would be ".to_owned()),
    ];
    for (input, expected) in cases {
        assert!(input.len() < MAX_INPUT_BYTES, "{} bytes", input.len());
        let started = Instant::now();
        let (code, out) = c_call(sts_get_policy, &input);
        let elapsed = started.elapsed();
        assert_eq!(code, StsCode::STS_INVALID_ARGUMENT, "{}", message(&out));
        assert_eq!(out["error"]["code"], "Client.InvalidArgument");
        assert!(message(&out).starts_with(&expected), "{}", message(&out));
        assert!(elapsed < Duration::from_millis(500), "took {elapsed:?}");
    }
    let (_, out) = c_call(sts_get_policy, &six.to_string());
    assert!(message(&out).contains(&format!("over the {MAX_POLICY_BYTES}-byte limit")), "{}", message(&out));

    // The same bucket and prefixes through a credential config: refused before sending.
    let emulator = start(Faults::default());
    for (extra, expected) in [
        (
            json!({"bucket": bucket, "allow_prefix": prefixes}),
            format!("bucket: {} bytes, over the 64-byte limit", bucket.len()),
        ),
        (json!({"allow_prefix": prefixes}), "allow_prefix: 100000 entries, over the limit of 1000".to_owned()),
        (
            json!({"allow_prefix": ["ok", "a\u{0}b"]}),
            "allow_prefix[1]: contains the control character U+0000 at byte 1".to_owned(),
        ),
        (
            json!({"allow_actions": ["name/cos:Get\nObject"]}),
            "allow_actions[0]: contains the control character U+000A".to_owned(),
        ),
        (
            json!({"condition": {"ip_equal": {"qcs:ip": {"deeper": "x"}}}}),
            "condition.ip_equal.qcs:ip: expected a string, number, boolean or a list of them".to_owned(),
        ),
    ] {
        let (code, out) = c_call(sts_get_credential, &federation_config(&emulator, extra));
        assert_eq!(code, StsCode::STS_INVALID_ARGUMENT, "{}", message(&out));
        assert!(message(&out).starts_with(&expected), "{}", message(&out));
    }
    assert_eq!(emulator.connections(), 0, "refused before sending");
}

/// Issue 11 item 5: a condition nested 100,000 levels deep came back STS_OK.
#[test]
fn a_deeply_nested_condition_is_refused_with_its_path() {
    let scope = |condition: &str| {
        format!(r#"[{{"action":"a","bucket":"b-1","region":"r","prefix":"*","condition":{condition}}}]"#)
    };
    let deep = |depth: usize| format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth));
    for depth in [3, 129, 1000, 100_000] {
        let started = Instant::now();
        let (code, out) = c_call(sts_get_policy, &scope(&deep(depth)));
        assert_eq!(code, StsCode::STS_INVALID_ARGUMENT, "depth {depth}");
        let m = message(&out);
        assert!(
            m == "scopes[0].condition.a.a: expected a string, number, boolean or a list of them"
                || (depth == 100_000 && m.starts_with("scopes[0].condition: 600001 bytes, over the 16384-byte limit")),
            "depth {depth}: {m}"
        );
        assert!(started.elapsed() < Duration::from_millis(500), "depth {depth}");
    }
}

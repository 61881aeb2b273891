use super::*;
use crate::policy::limits::{MAX_ACTIONS_PER_SCOPE, MAX_PREFIXES_PER_SCOPE};
use serde_json::json;

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn build(prefixes: &[String], actions: &[String], condition: Option<&Value>) -> Result<String> {
    config_policy("example-1250000000", "ap-guangzhou", prefixes, actions, condition)
}

fn error(prefixes: &[String], actions: &[String], condition: Option<&Value>) -> String {
    match build(prefixes, actions, condition) {
        Ok(policy) => panic!("built a policy of {} bytes", policy.len()),
        Err(e) => e.message().to_owned(),
    }
}

#[test]
fn the_built_policy_is_unchanged() {
    let condition = json!({"ip_equal": {"qcs:ip": "10.0.0.1"}});
    let out = build(&strings(&["dir/*", "/a\tb"]), &strings(&["name/cos:PutObject"]), Some(&condition)).unwrap();
    assert_eq!(
        out,
        r#"{"version":"2.0","statement":[{"action":["name/cos:PutObject"],"effect":"allow","resource":["qcs::cos:ap-guangzhou:uid/1250000000:example-1250000000/dir/*","qcs::cos:ap-guangzhou:uid/1250000000:example-1250000000/a\tb"],"condition":{"ip_equal":{"qcs:ip":"10.0.0.1"}}}]}"#
    );
}

#[test]
fn the_encoded_length_is_measured_exactly_before_building() {
    let condition = json!({"string_like": {"cos:x": ["a \"b\" \\ c", 1.5, true]}});
    for (prefixes, actions, condition) in [
        (strings(&["*"]), strings(&["a"]), None),
        (
            strings(&["dir/*", "/a b/ä\t\"\\", "x"]),
            strings(&["name/cos:PutObject", "q\"\\"]),
            Some(condition.to_string()),
        ),
    ] {
        let (total, parts) = encoded_len("ap-guangzhou", "1", "b-1", &prefixes, &actions, condition.as_deref());
        let resources: Vec<String> =
            prefixes.iter().map(|p| resource(Service::Cos, "ap-guangzhou", "1", "b-1", p)).collect();
        let built = single_statement_policy(&actions, &resources, condition.as_deref());
        assert_eq!(total, percent_encoded_len(&built), "{built}");
        assert!(parts.iter().sum::<usize>() < total);
    }
}

#[test]
fn entries_are_checked_like_scope_entries_naming_the_config_key() {
    let a = strings(&["name/cos:PutObject"]);
    let p = strings(&["dir/*"]);
    let too_many_prefixes = vec!["p".to_owned(); MAX_PREFIXES_PER_SCOPE + 5];
    let too_many_actions = vec!["a".to_owned(); MAX_ACTIONS_PER_SCOPE + 1];
    let cases = [
        (
            error(&strings(&["ok", "a\u{0}SECRET"]), &a, None),
            "allow_prefix[1]: contains the control character U+0000 at byte 1",
        ),
        (error(&strings(&["dir/a\nb"]), &a, None), "allow_prefix[0]: contains the control character U+000A"),
        (error(&p, &strings(&["name/cos:Put\u{7f}"]), None), "allow_actions[0]: contains the control character U+007F"),
        (error(&p, &strings(&["a\tb"]), None), "allow_actions[0]: contains the control character U+0009"),
        (error(&strings(&[&"p".repeat(1025)]), &a, None), "allow_prefix[0]: 1025 bytes, over the 1024-byte limit"),
        (error(&too_many_prefixes, &a, None), "allow_prefix: 1005 entries, over the limit of 1000"),
        (error(&p, &too_many_actions, None), "allow_actions: 257 entries, over the limit of 256"),
        (
            error(&p, &a, Some(&json!({"ip_equal": {"qcs:ip": [{"x": 1}]}}))),
            "condition.ip_equal.qcs:ip[0]: expected a string",
        ),
        (
            error(&p, &a, Some(&json!({"ip_equal": {"qcs:ip": "1\r"}}))),
            "condition.ip_equal.qcs:ip: contains the control",
        ),
        (error(&[], &a, None), "allow_prefix: empty list"),
    ];
    for (got, expected) in cases {
        assert!(got.starts_with(expected), "got {got}\nexpected {expected}...");
        assert!(!got.contains("SECRET"), "{got}");
    }
    let long_bucket = format!("{}-1", "b".repeat(400 * 1024));
    let got = config_policy(&long_bucket, "ap-guangzhou", &p, &a, None).unwrap_err();
    assert_eq!(got.message(), "bucket: 409602 bytes, over the 64-byte limit");
    let got = config_policy("b-1", &"r".repeat(33), &p, &a, None).unwrap_err();
    assert_eq!(got.message(), "region: 33 bytes, over the 32-byte limit");
}

#[test]
fn aliases_are_named_as_written() {
    let fields = ConfigFields { prefixes: "allowPrefix", actions: "allowActions", ..ConfigFields::default() };
    let got = config_policy_named(&fields, "b-1", "r", &strings(&["a\u{1}"]), &strings(&["x"]), None).unwrap_err();
    assert!(got.message().starts_with("allowPrefix[0]: contains"), "{got:?}");
    let got = config_policy_named(&fields, "b-1", "r", &strings(&["*"]), &strings(&[""]), None).unwrap_err();
    assert_eq!(got.message(), "allowActions[0]: empty string");
}

#[test]
fn an_oversized_policy_is_refused_before_building_naming_what_makes_it_big() {
    // 900 prefixes of about 80 bytes once encoded: well over 64 KiB, each entry within its limits.
    let prefixes: Vec<String> = (0..900).map(|i| format!("uploads/user {i}/photos/*")).collect();
    let actions = strings(&["name/cos:PutObject"]);
    let got = error(&prefixes, &actions, None);
    let (expected, _) = encoded_len("ap-guangzhou", "1250000000", "example-1250000000", &prefixes, &actions, None);
    assert!(expected > MAX_ENCODED_POLICY_BYTES);
    assert_eq!(
        got,
        format!("allow_prefix: the policy would be {expected} bytes once percent-encoded, over the 65536-byte limit; use fewer or shorter prefixes (a wildcard such as dir/* covers many)")
    );

    let actions: Vec<String> = (0..256).map(|i| format!("name/cos:{}{i}", ":".repeat(100))).collect();
    assert!(error(&strings(&["*"]), &actions, None).starts_with("allow_actions: the policy would be "));

    // A condition near its own limit plus prefixes that together pass 64 KiB.
    let values: Vec<String> = (0..15).map(|_| "\"".repeat(500)).collect();
    let condition = json!({"string_equal": {"cos:x": values}});
    let prefixes: Vec<String> = (0..250).map(|i| format!("dir/{i}/*")).collect();
    let got = error(&prefixes, &strings(&["a"]), Some(&condition));
    assert!(got.starts_with("condition: the policy would be "), "{got}");

    // Just under the limit is built.
    let prefixes: Vec<String> = (0..700).map(|i| format!("d/{i}/*")).collect();
    let out = build(&prefixes, &strings(&["a"]), None).unwrap();
    assert!(percent_encoded_len(&out) <= MAX_ENCODED_POLICY_BYTES);
}

#[test]
fn ready_policies_refuse_control_characters_naming_the_path() {
    let policy = |resource: &str| {
        json!({"version": "2.0", "statement": [{"effect": "allow", "action": ["name/cos:GetObject"],
            "resource": [resource], "condition": {"ip_equal": {"qcs:ip": "10.0.0.1"}}}]})
    };
    assert!(ready_policy(policy("qcs::cos:r:uid/1:b-1/a\tb")).unwrap().contains(r#"/a\tb""#));
    let got = ready_policy(policy("qcs::cos:r:uid/1:b-1/a\u{0}SECRET")).unwrap_err();
    assert_eq!(
        got.message(),
        "policy.statement[0].resource[0]: contains the control character U+0000 at byte 22; control characters are not allowed"
    );
    let mut bad = policy("x");
    bad["statement"][0]["effect"] = json!("allow\n");
    assert!(ready_policy(bad).unwrap_err().message().starts_with("policy.statement[0].effect: contains the control"));
    let mut tab = policy("x");
    tab["statement"][0]["condition"]["ip_equal"]["qcs:ip"] = json!("1\t");
    let got = ready_policy(tab).unwrap_err();
    assert!(got
        .message()
        .starts_with("policy.statement[0].condition.ip_equal.qcs:ip: contains the control character U+0009"));
    let key = json!({"version": "2.0", "statement": [{"effect": "allow", "k\u{1}SECRET": 1}]});
    let got = ready_policy(key).unwrap_err();
    assert_eq!(got.message(), "policy.statement[0]: a key contains the control character U+0001 at byte 1; control characters are not allowed");
    // Given as a JSON string, the same.
    let text = policy("a\u{1f}").to_string();
    assert!(ready_policy(Value::String(text))
        .unwrap_err()
        .message()
        .starts_with("policy.statement[0].resource[0]: contains"));
}

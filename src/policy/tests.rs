//! get_policy end to end: output shapes, errors naming the field, limits.

use super::*;
use serde_json::{json, Value};

fn policy(scopes: &str) -> Value {
    serde_json::from_str(&get_policy(scopes).unwrap()).unwrap()
}

fn error(scopes: &str) -> String {
    match get_policy(scopes) {
        Ok(policy) => panic!("built a policy of {} bytes", policy.len()),
        Err(e) => e.message().to_owned(),
    }
}

#[test]
fn seed_document_example() {
    let out = policy(
        r#"[{"action":"name/cos:PutObject","bucket":"example-1250000000","region":"ap-guangzhou","prefix":"1.txt"},
            {"action":"name/cos:GetObject","bucket":"example-1250000000","region":"ap-guangzhou","prefix":"dir/exampleobject"}]"#,
    );
    assert_eq!(
        out,
        json!({"version":"2.0","statement":[
            {"action":["name/cos:PutObject"],"effect":"allow","resource":["qcs::cos:ap-guangzhou:uid/1250000000:example-1250000000/1.txt"]},
            {"action":["name/cos:GetObject"],"effect":"allow","resource":["qcs::cos:ap-guangzhou:uid/1250000000:example-1250000000/dir/exampleobject"]}]})
    );
}

#[test]
fn empty_scope_list_gives_empty_statement() {
    assert_eq!(policy("[]"), json!({"version":"2.0","statement":[]}));
}

#[test]
fn upstream_demo_scope_sets() {
    // python/demo: several actions on one bucket with deny and a condition, and a CI scope.
    let out = policy(
        r#"[{"action":["name/cos:PutObject","name/cos:InitiateMultipartUpload"],"bucket":"test-1250000000","region":"ap-shanghai","prefix":["a/*","/b/c.jpg"]},
            {"action":"name/cos:DeleteObject","bucket":"test-1250000000","region":"ap-shanghai","resource_prefix":"a/*","effect":"deny"},
            {"action":"name/ci:CreateMediaJobs","bucket":"test-1250000000","region":"ap-shanghai","prefix":"*","service":"ci",
             "condition":{"ip_equal":{"qcs:ip":["10.217.182.3/24"]}}},
            {"action":"name/cos:GetService"}]"#,
    );
    assert_eq!(
        out,
        json!({"version":"2.0","statement":[
            {"action":["name/cos:PutObject","name/cos:InitiateMultipartUpload"],"effect":"allow",
             "resource":["qcs::cos:ap-shanghai:uid/1250000000:test-1250000000/a/*","qcs::cos:ap-shanghai:uid/1250000000:test-1250000000/b/c.jpg"]},
            {"action":["name/cos:DeleteObject"],"effect":"deny","resource":["qcs::cos:ap-shanghai:uid/1250000000:test-1250000000/a/*"]},
            {"action":["name/ci:CreateMediaJobs"],"effect":"allow","resource":["qcs::ci:ap-shanghai:uid/1250000000:bucket/test-1250000000/*"],
             "condition":{"ip_equal":{"qcs:ip":["10.217.182.3/24"]}}},
            {"action":["name/cos:GetService"],"effect":"allow","resource":["*"]}]})
    );
}

#[test]
fn escaped_strings_are_decoded_and_reencoded() {
    let out =
        policy(r#"[{"action":"name/cos:PutObject","bucket":"b-1","region":"ap-guangzhou","prefix":"\u00e4 \"q\"/*"}]"#);
    assert_eq!(out["statement"][0]["resource"][0], "qcs::cos:ap-guangzhou:uid/1:b-1/ä \"q\"/*");
}

#[test]
fn errors_name_the_scope_and_field() {
    let base = r#""action":"name/cos:PutObject","region":"ap-guangzhou","prefix":"a/*""#;
    let cases = [
        (format!(r#"[{{{base},"bucket":"examplebucket"}}]"#), "scopes[0].bucket: `examplebucket` has no numeric appid"),
        (format!(r#"[{{{base},"bucket":"example-12a"}}]"#), "scopes[0].bucket"),
        (format!(r#"[{{{base}}}]"#), "scopes[0].bucket: missing"),
        (format!(r#"[{{{base},"bucket":5}}]"#), "scopes[0].bucket: invalid type: integer `5`, expected a string"),
        (
            format!(r#"[{{{base},"bucket":"b-1","buket":"x"}}]"#),
            "scopes[0]: unknown key `buket` (did you mean `bucket`?)",
        ),
        (format!(r#"[{{{base},"bucket":"b-1","effect":"maybe"}}]"#), "scopes[0].effect: `maybe`"),
        (format!(r#"[{{{base},"bucket":"b-1","service":"cvm"}}]"#), "scopes[0].service"),
        (format!(r#"[{{{base},"bucket":"b-1","condition":[1]}}]"#), "scopes[0].condition: expected a JSON object"),
        (format!(r#"[{{{base},"bucket":"b-1","prefix":"x"}}]"#), "scopes[0].prefix: given more than once"),
        (format!(r#"[{{{base},"bucket":"b-1","resource_prefix":"x"}}]"#), "scopes[0].prefix: given more than once"),
        (format!(r#"[{{{base},"bucket":"b:1"}}]"#), "scopes[0].bucket: `b:1` contains ':'"),
        (r#"[{"bucket":"b-1","region":"r","prefix":"*"}]"#.to_owned(), "scopes[0].action: missing"),
        (r#"[{"action":[],"bucket":"b-1","region":"r","prefix":"*"}]"#.to_owned(), "scopes[0].action: empty list"),
        (r#"[{"action":"a","bucket":"b-1","region":"r","prefix":[]}]"#.to_owned(), "scopes[0].prefix: empty list"),
        (r#"[{"action":"a","bucket":"b-1","region":"r","prefix":""}]"#.to_owned(), "scopes[0].prefix[0]: empty string"),
        (r#"[{"action":"a","bucket":"b-1","region":"r"}]"#.to_owned(), "scopes[0].prefix: missing"),
        (r#"[{"action":"a","bucket":"b-1","prefix":"*"}]"#.to_owned(), "scopes[0].region: missing"),
        (
            r#"[{"action":["name/cos:GetService","name/cos:GetObject"],"bucket":"b-1","region":"r","prefix":"*"}]"#
                .to_owned(),
            "scopes[0].action: name/cos:GetService",
        ),
        (r#"[{"action":"a","bucket":"b-1","region":"r","prefix":"*"}, 7]"#.to_owned(), "scopes[1]"),
        (r#"{"action":"a"}"#.to_owned(), "scopes: invalid type: map"),
        (r#"[{"action":"a""#.to_owned(), "scopes: not valid JSON"),
        (r#"[] []"#.to_owned(), "scopes: not valid JSON"),
    ];
    for (input, expected) in cases {
        let message = error(&input);
        assert!(message.starts_with(expected), "input {input}\n  got      {message}\n  expected {expected}...");
    }
}

#[test]
fn output_is_compact_json_with_escapes_and_the_condition_verbatim() {
    let input = r#"[{"action":["a\"b","c"],"bucket":"b-1","region":"r","prefix":["x\ty","/z"],"effect":"deny","condition":{"k": {"v": [1, 2]}}}]"#;
    let out = get_policy(input).unwrap();
    // The condition is passed through as written; everything else is compact serde_json style.
    let expected = r#"{"version":"2.0","statement":[{"action":["a\"b","c"],"effect":"deny","resource":["qcs::cos:r:uid/1:b-1/x\ty","qcs::cos:r:uid/1:b-1/z"],"condition":{"k": {"v": [1, 2]}}}]}"#;
    assert_eq!(out, expected);
    let reparsed: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(reparsed["statement"][0]["resource"][0], "qcs::cos:r:uid/1:b-1/x\ty");
}

#[test]
fn resource_forms_for_cos_and_ci() {
    assert_eq!(
        resource(Service::Cos, "ap-beijing", "1250000000", "b-1250000000", "x/*"),
        "qcs::cos:ap-beijing:uid/1250000000:b-1250000000/x/*"
    );
    assert_eq!(resource(Service::Cos, "ap-beijing", "1", "b-1", "/x"), "qcs::cos:ap-beijing:uid/1:b-1/x");
    assert_eq!(resource(Service::Ci, "ap-beijing", "1", "b-1", "x"), "qcs::ci:ap-beijing:uid/1:bucket/b-1/x");
}

const BASE: &str = r#""action":"name/cos:PutObject","bucket":"example-1250000000","region":"ap-guangzhou""#;

#[test]
fn the_head_names_the_policy_version() {
    assert!(HEAD.contains(&format!(r#""version":"{POLICY_VERSION}""#)));
}

#[test]
fn oversized_names_and_prefixes_are_refused_naming_the_field_and_limit() {
    let huge = "b".repeat(400 * 1024);
    let cases = [
        (
            format!(r#"[{{"action":"a","bucket":"{huge}-1","region":"r","prefix":"*"}}]"#),
            "scopes[0].bucket: 409602 bytes, over the 64-byte limit",
        ),
        (
            format!(r#"[{{"action":"a","bucket":"b-1","region":"{}","prefix":"*"}}]"#, "r".repeat(33)),
            "scopes[0].region: 33 bytes, over the 32-byte limit",
        ),
        (
            format!(r#"[{{{BASE},"prefix":["a","{}"]}}]"#, "p".repeat(1025)),
            "scopes[0].prefix[1]: 1025 bytes, over the 1024-byte limit",
        ),
        (
            format!(r#"[{{"action":["a","{}"],"bucket":"b-1","region":"r","prefix":"*"}}]"#, "a".repeat(129)),
            "scopes[0].action[1]: 129 bytes, over the 128-byte limit",
        ),
        (
            format!(r#"[{{{BASE},"prefix":"*","condition":{{"a":{{"k":"{}"}}}}}}]"#, "v".repeat(16 * 1024)),
            "scopes[0].condition: 16398 bytes, over the 16384-byte limit",
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(error(&input), expected);
    }
    // At the limits everything is accepted.
    let bucket = format!("{}-1", "b".repeat(62));
    let input = format!(
        r#"[{{"action":"{}","bucket":"{bucket}","region":"{}","prefix":"{}"}}]"#,
        "a".repeat(128),
        "r".repeat(32),
        "p".repeat(1024)
    );
    assert!(get_policy(&input).is_ok());
}

#[test]
fn the_issue_input_is_refused_while_parsing() {
    // 400 KB bucket and 100,000 prefixes: about 40 GB of output before the limits.
    let input = format!(
        r#"[{{"action":"a","bucket":"{}-1","region":"r","prefix":{}}}]"#,
        "b".repeat(400 * 1024),
        serde_json::to_string(&vec!["p"; 100_000]).unwrap()
    );
    assert_eq!(error(&input), "scopes[0].prefix: over the limit of 1000 entries");
}

#[test]
fn a_policy_over_the_output_limit_is_refused_with_its_length() {
    // 1000 prefixes of 100 bytes under a 64-byte bucket: each scope is about 196 KB of output.
    let bucket = format!("{}-1", "b".repeat(62));
    let prefixes = serde_json::to_string(&vec!["p".repeat(100); 1000]).unwrap();
    let scope = format!(r#"{{"action":"a","bucket":"{bucket}","region":"ap-guangzhou","prefix":{prefixes}}}"#);
    let fits = format!("[{}]", [scope.as_str(); 5].join(","));
    let out = get_policy(&fits).unwrap();
    assert!(out.len() > 500_000 && out.len() <= MAX_POLICY_BYTES, "{}", out.len());
    let over = format!("[{}]", [scope.as_str(); 6].join(","));
    let message = error(&over);
    let statement = (out.len() - HEAD.len() - TAIL.len() - 4) / 5;
    let would_be = HEAD.len() + TAIL.len() + 5 + 6 * statement;
    let expected = format!("scopes: the policy would be {would_be} bytes, over the 1048576-byte limit");
    assert!(message.starts_with(&expected), "{message}\n{expected}");
}

#[test]
fn measured_lengths_match_the_output() {
    // The capacity is exact: no reallocation, and the debug assertion holds in every shape.
    for input in [
        "[]".to_owned(),
        format!(r#"[{{{BASE},"prefix":"*"}}]"#),
        format!(r#"[{{{BASE},"prefix":["/a","b\"c\\d\te","é/*"],"effect":"deny","service":"ci"}}]"#),
        format!(
            r#"[{{{BASE},"prefix":"*","condition":{{ "ip_equal" : {{"qcs:ip": ["1.2.3.4"]}} }}}},{{"action":"name/cos:GetService"}}]"#
        ),
        r#"[{"action":["x\"y","name/cos:GetObject"],"bucket":"b-1","region":"r","prefix":["\\"]}]"#.to_owned(),
    ] {
        let out = get_policy(&input).unwrap_or_else(|e| panic!("{input}: {e:?}"));
        assert_eq!(out.capacity(), out.len() + 1, "{input}");
        let _: Value = serde_json::from_str(&out).unwrap();
    }
}

#[test]
fn control_characters_are_refused_in_every_field_without_quoting() {
    let scope = |key: &str, value: &str| {
        let mut scope = json!({"action": "name/cos:PutObject", "bucket": "b-1", "region": "r", "prefix": "dir/*"});
        if key == "resource_prefix" {
            scope.as_object_mut().unwrap().remove("prefix");
        }
        scope[key] = json!(value);
        json!([scope]).to_string()
    };
    for control in ['\u{0}', '\u{1}', '\n', '\r', '\u{1b}', '\u{1f}', '\u{7f}'] {
        let value = format!("SECRET{control}x");
        let code = u32::from(control);
        for (key, field) in [
            ("action", "scopes[0].action[0]"),
            ("bucket", "scopes[0].bucket"),
            ("region", "scopes[0].region"),
            ("prefix", "scopes[0].prefix[0]"),
            ("resource_prefix", "scopes[0].prefix[0]"),
            ("effect", "scopes[0].effect"),
            ("service", "scopes[0].service"),
        ] {
            let message = error(&scope(key, &value));
            let expected = format!("{field}: contains the control character U+{code:04X} at byte 6");
            assert!(message.starts_with(&expected), "{key} {code:#x}: {message}");
            assert!(!message.contains("SECRET"), "{message}");
        }
        let condition = json!([{"action": "a", "bucket": "b-1", "region": "r", "prefix": "*",
            "condition": {"string_equal": {"cos:x": ["ok", value]}}}]);
        let message = error(&condition.to_string());
        assert!(message.starts_with("scopes[0].condition.string_equal.cos:x[1]: contains the control"), "{message}");
        // A GetService scope ignores bucket, region and prefix, but they are still checked.
        let get_service = json!([{"action": "name/cos:GetService", "prefix": ["*", value]}]);
        assert!(error(&get_service.to_string()).starts_with("scopes[0].prefix[1]: contains the control"));
    }
    // TAB: allowed in object prefixes only.
    let out = policy(&scope("prefix", "dir/a\tb/*"));
    assert_eq!(out["statement"][0]["resource"][0], "qcs::cos:r:uid/1:b-1/dir/a\tb/*");
    for (key, field) in
        [("action", "scopes[0].action[0]"), ("bucket", "scopes[0].bucket"), ("effect", "scopes[0].effect")]
    {
        let message = error(&scope(key, "a\tb"));
        assert!(message.starts_with(&format!("{field}: contains the control character U+0009")), "{message}");
    }
}

#[test]
fn conditions_are_checked_in_scopes_and_passed_on_verbatim() {
    let with = |condition: &str| format!(r#"[{{{BASE},"prefix":"*","condition":{condition}}}]"#);
    let ok = r#"{ "ip_equal": {"qcs:ip": ["10.0.0.1/24", 5, true]} }"#;
    assert!(get_policy(&with(ok)).unwrap().contains(&format!(r#""condition":{ok}}}"#)));
    assert_eq!(
        error(&with(r#"{"string_equal":{"cos:x":{"deeper":"x"}}}"#)),
        "scopes[0].condition.string_equal.cos:x: expected a string, number, boolean or a list of them"
    );
    // What came back STS_OK before: 100,000 levels of objects. Refused by size first, and by
    // shape at any depth that fits.
    let deep = |depth: usize| format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth));
    let deepest = deep(100_000);
    let expected = format!("scopes[0].condition: {} bytes, over the 16384-byte limit", deepest.len());
    assert_eq!(error(&with(&deepest)), expected);
    for depth in [3, 127, 1000] {
        assert_eq!(
            error(&with(&deep(depth))),
            "scopes[0].condition.a.a: expected a string, number, boolean or a list of them",
            "depth {depth}"
        );
    }
}

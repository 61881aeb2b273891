//! Property tests over generated inputs (proptest, in the normal `cargo test`):
//! - the policy output is valid JSON that round-trips;
//! - every resource is `*` (GetService) or starts with `qcs::` and has six `:`-separated
//!   segments, the first five fixed (`qcs`, ``, service, region, `uid/APPID`); the object
//!   prefix (the sixth) may itself hold `:` as COS keys may;
//! - percent-encoding of a policy round-trips through the emulator's decoder and uses only
//!   unreserved characters and `%XX`;
//! - a control character (U+0000-U+001F, U+007F) anywhere in a prefix but TAB is refused,
//!   naming the prefix's path and never quoting it;
//! - every config error names a field: the message starts with a key or path and `: `.

use proptest::prelude::*;
use serde_json::{json, Value};
use sts::config::{Action, Config, KEYS};
use sts::policy::percent_encode;
use sts_emulator::percent_decode;

fn bucket() -> impl Strategy<Value = String> {
    ("[a-z][a-z0-9-]{0,20}", "[0-9]{1,12}").prop_map(|(name, appid)| format!("{name}-{appid}"))
}

fn region() -> impl Strategy<Value = String> {
    prop_oneof![Just("ap-guangzhou".to_owned()), "[a-z]{2}-[a-z]{3,12}(-[0-9])?"]
}

fn is_refused_control(c: char) -> bool {
    (c.is_ascii_control() || c == '\u{7f}') && c != '\t'
}

/// Object prefixes: any non-empty text without a refused control character, including `:`,
/// `/`, quotes, TAB and non-ASCII.
fn prefix() -> BoxedStrategy<String> {
    prop_oneof![
        Just("*".to_owned()),
        "[a-z0-9/_.*-]{1,30}",
        "[a-z]{0,5}\t[a-z]{0,5}",
        any::<String>().prop_map(|s| s.replace(is_refused_control, "")).prop_filter("non-empty", |s| !s.is_empty())
    ]
    .boxed()
}

fn one_or_many(item: BoxedStrategy<String>) -> impl Strategy<Value = Value> {
    prop_oneof![item.clone().prop_map(Value::from), prop::collection::vec(item, 1..4).prop_map(Value::from)]
}

fn action() -> BoxedStrategy<String> {
    prop_oneof![
        Just("name/cos:PutObject".to_owned()),
        Just("name/cos:GetObject".to_owned()),
        Just("name/ci:CreateMediaJobs".to_owned()),
        "name/cos:[A-Za-z]{1,20}",
    ]
    .boxed()
}

fn scope() -> impl Strategy<Value = Value> {
    prop_oneof![
        // A bucket scope.
        (
            one_or_many(action()),
            bucket(),
            region(),
            one_or_many(prefix()),
            prop::option::of(prop_oneof![Just("allow"), Just("deny")]),
            prop::option::of(prop_oneof![Just("cos"), Just("ci")]),
            prop::option::of(Just(json!({"ip_equal": {"qcs:ip": ["10.0.0.1/24"]}}))),
        )
            .prop_map(|(action, bucket, region, prefix, effect, service, condition)| {
                let mut s = json!({"action": action, "bucket": bucket, "region": region, "prefix": prefix});
                if let Some(e) = effect {
                    s["effect"] = json!(e);
                }
                if let Some(v) = service {
                    s["service"] = json!(v);
                }
                if let Some(c) = condition {
                    s["condition"] = c;
                }
                s
            }),
        // GetService: resource `*`.
        Just(json!({"action": "name/cos:GetService", "bucket": "b-1", "region": "ap-guangzhou", "prefix": "*"})),
    ]
}

fn policy_of(scopes: &Value) -> Value {
    let out = sts::api::get_policy(&scopes.to_string()).unwrap_or_else(|e| panic!("{scopes}: {e}"));
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn policy_output_is_json_that_round_trips(scopes in prop::collection::vec(scope(), 0..5)) {
        let scopes = Value::from(scopes);
        let out = sts::api::get_policy(&scopes.to_string()).unwrap();
        let parsed: Value = serde_json::from_str(&out).unwrap();
        let again: Value = serde_json::from_str(&serde_json::to_string(&parsed).unwrap()).unwrap();
        prop_assert_eq!(&parsed, &again);
        prop_assert_eq!(&parsed["version"], "2.0");
        prop_assert_eq!(parsed["statement"].as_array().unwrap().len(), scopes.as_array().unwrap().len());
        // Each prefix survives as the resource's tail, byte for byte (JSON escaping undone).
        for (scope, statement) in scopes.as_array().unwrap().iter().zip(parsed["statement"].as_array().unwrap()) {
            if statement["resource"][0] == "*" {
                continue;
            }
            let prefixes: Vec<&str> = match &scope["prefix"] {
                Value::String(s) => vec![s.as_str()],
                list => list.as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect(),
            };
            for (prefix, resource) in prefixes.iter().zip(statement["resource"].as_array().unwrap()) {
                prop_assert!(resource.as_str().unwrap().ends_with(prefix));
            }
        }
    }

    #[test]
    fn every_resource_has_six_segments_and_starts_with_qcs(scopes in prop::collection::vec(scope(), 1..5)) {
        let policy = policy_of(&Value::from(scopes.clone()));
        for (scope, statement) in scopes.iter().zip(policy["statement"].as_array().unwrap()) {
            for resource in statement["resource"].as_array().unwrap() {
                let resource = resource.as_str().unwrap();
                if scope["action"] == "name/cos:GetService" {
                    prop_assert_eq!(resource, "*");
                    continue;
                }
                prop_assert!(resource.starts_with("qcs::"), "{}", resource);
                let segments: Vec<&str> = resource.splitn(6, ':').collect();
                prop_assert_eq!(segments.len(), 6, "{}", resource);
                let service = scope["service"].as_str().unwrap_or("cos");
                let bucket = scope["bucket"].as_str().unwrap();
                let appid = bucket.rsplit_once('-').unwrap().1;
                let uid = format!("uid/{appid}");
                let fixed = ["qcs", "", service, scope["region"].as_str().unwrap(), uid.as_str()];
                prop_assert_eq!(&segments[..5], &fixed[..]);
                let expected_start = if service == "ci" { format!("bucket/{bucket}/") } else { format!("{bucket}/") };
                prop_assert!(segments[5].starts_with(&expected_start), "{}", resource);
            }
        }
    }

    #[test]
    fn percent_encoding_of_the_policy_round_trips(scopes in prop::collection::vec(scope(), 0..4), text in any::<String>()) {
        let policy = sts::api::get_policy(&Value::from(scopes).to_string()).unwrap();
        for input in [policy.as_str(), text.as_str()] {
            let encoded = percent_encode(input);
            prop_assert!(encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)), "{}", encoded);
            let decoded = percent_decode(&encoded);
            prop_assert_eq!(decoded.as_deref(), Some(input));
        }
    }

    #[test]
    fn control_characters_in_prefixes_are_refused_naming_the_prefix(
        before in prefix(),
        control in prop_oneof![0u8..9, 10u8..0x20, Just(0x7f)],
        after in "[a-zA-Z0-9/]{0,8}",
        others in prop::collection::vec(prefix(), 0..3),
    ) {
        let bad = format!("{before}{}{after}", char::from(control));
        let mut prefixes = others.clone();
        prefixes.push(bad.clone());
        let scopes = json!([{"action": "name/cos:GetObject", "bucket": "b-1", "region": "ap-guangzhou", "prefix": prefixes}]);
        let e = sts::api::get_policy(&scopes.to_string()).unwrap_err();
        let expected = format!(
            "scopes[0].prefix[{}]: contains the control character U+{control:04X} at byte {}",
            others.len(),
            before.len()
        );
        prop_assert!(e.message().starts_with(&expected), "{} / {}", e.message(), expected);
        prop_assert!(!e.message().contains(&bad));
    }

    #[test]
    fn config_errors_always_name_a_field(
        entries in prop::collection::vec((config_key(), config_value()), 0..8),
        role in any::<bool>(),
    ) {
        let mut object = serde_json::Map::new();
        for (key, value) in &entries {
            object.insert(key.clone(), value.clone());
        }
        let json = Value::Object(object.clone()).to_string();
        let action = if role { Action::AssumeRole } else { Action::GetFederationToken };
        if let Err(e) = Config::parse(&json, action) {
            let message = e.message();
            let (path, rest) = message.split_once(": ").unwrap_or_else(|| panic!("no `field: ` in {message}"));
            prop_assert!(!rest.is_empty());
            let root = path.split(['.', '[']).next().unwrap();
            prop_assert!(
                object.contains_key(root) || known().contains(&root) || root == "config",
                "message does not start with a field: {}", message
            );
        }
    }
}

/// Every config key the core knows, canonical names and aliases, from its own table.
fn known() -> Vec<&'static str> {
    KEYS.iter().flat_map(|(name, aliases)| std::iter::once(*name).chain(aliases.iter().copied())).collect()
}

fn config_key() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => prop::sample::select(known()).prop_map(str::to_owned),
        1 => "[a-z_]{1,12}",
    ]
}

fn config_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (0u64..200_000).prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        "[ -~]{0,20}".prop_map(Value::from),
        Just(json!("example-1250000000")),
        Just(json!("http://127.0.0.1:1/")),
        Just(json!("https://sts.tencentcloudapi.com/")), // parsed only, never sent
        Just(json!({"version": "2.0", "statement": [{"effect": "allow", "action": ["*"], "resource": ["*"]}]})),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::from),
            prop::collection::btree_map("[a-z]{1,8}", inner, 0..3).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

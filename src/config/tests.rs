//! The config rules, each asserted on the message that names its field.

use super::*;
use crate::error::suggestion;
use serde_json::json;

const BASE: &str = r#""secret_id":"AKIDtest","secret_key":"test-secret-key""#;

fn parse(extra: &str, action: Action) -> Result<Config> {
    let sep = if extra.is_empty() { "" } else { "," };
    Config::parse(&format!("{{{BASE}{sep}{extra}}}"), action)
}

fn federation(extra: &str) -> Result<Config> {
    parse(extra, Action::GetFederationToken)
}

fn message(result: Result<Config>) -> String {
    let e = result.unwrap_err();
    assert_eq!(e.kind(), crate::error::ErrorKind::InvalidArgument);
    e.message().to_owned()
}

const BUILD: &str = r#""bucket":"example-1250000000","region":"ap-guangzhou","allow_prefix":"dir/*","allow_actions":["name/cos:PutObject"]"#;

#[test]
fn builds_the_policy_as_qcloud_python_sts_does() {
    let c = federation(&format!(r#"{BUILD},"condition":{{"ip_equal":{{"qcs:ip":"10.0.0.1"}}}}"#)).unwrap();
    let policy: serde_json::Value = serde_json::from_str(c.policy.as_deref().unwrap()).unwrap();
    assert_eq!(
        policy,
        json!({"version":"2.0","statement":[{"action":["name/cos:PutObject"],"effect":"allow",
            "resource":["qcs::cos:ap-guangzhou:uid/1250000000:example-1250000000/dir/*"],
            "condition":{"ip_equal":{"qcs:ip":"10.0.0.1"}}}]})
    );
    assert_eq!(c.duration_seconds, DEFAULT_DURATION_SECONDS);
    assert_eq!(c.params, ActionParams::Federation { name: DEFAULT_NAME.into() });
    assert_eq!(c.transport.endpoint, DEFAULT_ENDPOINT);
    assert_eq!(c.transport.target.as_str(), "https://sts.tencentcloudapi.com/");
    assert_eq!(c.transport.retries, DEFAULT_RETRIES);
    assert_eq!(c.transport.timeout, Duration::from_millis(DEFAULT_TIMEOUT_MS));
    assert!(c.transport.proxy.is_none());
}

#[test]
fn camel_case_aliases_and_list_or_string_forms() {
    let c = Config::parse(
        r#"{"secretId":"AKIDx","secretKey":"k","bucket":"b-1","region":"ap-beijing","allowPrefix":["a","/b"],
            "allowActions":"name/cos:GetObject","durationSeconds":7200,"host":"sts.internal.tencentcloudapi.com","timeoutMs":500}"#,
        Action::GetFederationToken,
    )
    .unwrap();
    let policy: serde_json::Value = serde_json::from_str(c.policy.as_deref().unwrap()).unwrap();
    assert_eq!(policy["statement"][0]["action"], json!(["name/cos:GetObject"]));
    assert_eq!(
        policy["statement"][0]["resource"],
        json!(["qcs::cos:ap-beijing:uid/1:b-1/a", "qcs::cos:ap-beijing:uid/1:b-1/b"])
    );
    assert_eq!(c.duration_seconds, 7200);
    assert_eq!(c.transport.target.as_str(), "https://sts.internal.tencentcloudapi.com/");
    assert_eq!(c.transport.timeout, Duration::from_millis(500));
}

#[test]
fn ready_policy_as_object_or_string() {
    let p = r#"{"version":"2.0","statement":[{"action":["name/cos:PutObject"],"effect":"allow","resource":["*"]}]}"#;
    let from_object = federation(&format!(r#""policy":{p}"#)).unwrap();
    let from_string = federation(&format!(r#""policy":{}"#, serde_json::to_string(p).unwrap())).unwrap();
    assert_eq!(from_object.policy, from_string.policy);
    assert!(from_object.policy.unwrap().contains("PutObject"));
    // bucket and region may accompany a ready policy.
    assert!(federation(&format!(r#""policy":{p},"bucket":"b-1","region":"ap-beijing""#)).is_ok());
}

#[test]
fn assume_role_needs_role_arn_and_may_omit_the_policy() {
    let c = parse(r#""role_arn":"qcs::cam::uin/1:roleName/r""#, Action::AssumeRole).unwrap();
    assert!(c.policy.is_none());
    let ActionParams::Role { role_session_name, .. } = &c.params else { panic!("not AssumeRole: {:?}", c.params) };
    assert_eq!(role_session_name, DEFAULT_NAME);
    assert!(message(parse("", Action::AssumeRole)).starts_with("role_arn: missing"));
    assert!(message(parse(r#""roleArn":"""#, Action::AssumeRole)).starts_with("roleArn: must not be empty"));
}

#[test]
fn secrets_fall_back_to_the_environment() {
    // One test owns these variables, so parallel tests do not race on them.
    let json = format!(r#"{{{BUILD}}}"#);
    std::env::remove_var(ENV_SECRET_ID);
    std::env::remove_var(ENV_SECRET_KEY);
    std::env::set_var(ENV_SESSION_TOKEN, "env-token");
    // The environment's token never goes with a SecretId from the config.
    assert!(Config::parse(&format!(r#"{{{BASE},{BUILD}}}"#), Action::GetFederationToken)
        .unwrap()
        .identity
        .session_token
        .is_none());
    // No key anywhere: the chain ends at the CVM metadata server, to be asked at call time.
    std::env::remove_var(crate::credentials::cvm::ENV_DISABLED);
    let deferred = Config::parse(&json, Action::GetFederationToken).unwrap();
    assert_eq!(deferred.identity.source.name(), "cvm");
    assert_eq!(deferred.credentials.as_ref().map(|d| d.tried.len()), Some(3), "env, profile and oidc tried first");
    std::env::set_var(crate::credentials::cvm::ENV_DISABLED, "true");
    let nothing = message(Config::parse(&json, Action::GetFederationToken));
    assert!(
        nothing.starts_with("secret_id: missing: no key in the config and none from the credential chain"),
        "{nothing}"
    );
    for reason in [ENV_SECRET_ID, "profile: ", "oidc: TKE_PROVIDER_ID", "cvm: TENCENTCLOUD_METADATA_DISABLED=true"] {
        assert!(nothing.contains(reason), "{nothing} lacks {reason}");
    }
    std::env::remove_var(crate::credentials::cvm::ENV_DISABLED);
    std::env::set_var(ENV_SECRET_ID, "AKIDenv");
    let half = message(Config::parse(&json, Action::GetFederationToken));
    assert_eq!(half, "TENCENTCLOUD_SECRET_KEY: missing while TENCENTCLOUD_SECRET_ID is set");
    // A key half in the config takes the other half from the environment, as before.
    let mixed = Config::parse(&format!(r#"{{"secret_key":"k",{BUILD}}}"#), Action::GetFederationToken).unwrap();
    assert_eq!((mixed.identity.secret_id.as_str(), mixed.identity.source.name()), ("AKIDenv", "config"));
    std::env::set_var(ENV_SECRET_KEY, "env-key");
    let c = Config::parse(&json, Action::GetFederationToken).unwrap();
    assert_eq!((c.identity.secret_id.as_str(), c.identity.secret_key.expose()), ("AKIDenv", "env-key"));
    assert_eq!(c.identity.session_token.as_ref().map(Secret::expose), Some("env-token"));
    // A session_token in the config goes with the environment's pair, as before the chain.
    let c = Config::parse(&format!(r#"{{"session_token":"cfg-token",{BUILD}}}"#), Action::GetFederationToken).unwrap();
    assert_eq!(
        (c.identity.source.name(), c.identity.session_token.as_ref().map(Secret::expose)),
        ("config", Some("cfg-token"))
    );
    std::env::remove_var(ENV_SECRET_ID);
    std::env::remove_var(ENV_SECRET_KEY);
    std::env::remove_var(ENV_SESSION_TOKEN);
}

#[test]
fn every_rule_names_its_field() {
    let cases: Vec<(String, Action, &str)> = vec![
        (r#""secret_key":"x""#.into(), Action::GetFederationToken, "secret_key: given twice"),
        (r#""secretKey":"x""#.into(), Action::GetFederationToken, "secretKey: given twice, also as `secret_key`"),
        (
            format!(r#"{BUILD},"bukcet":"x""#),
            Action::GetFederationToken,
            "bukcet: unknown config key (did you mean `bucket`?)",
        ),
        (format!(r#"{BUILD},"duration":"x""#), Action::GetFederationToken, "duration: unknown config key"),
        (
            format!(r#"{BUILD},"duration_seconds":"1800""#),
            Action::GetFederationToken,
            "duration_seconds: expected an integer, got a string",
        ),
        (
            format!(r#"{BUILD},"duration_seconds":1800.0"#),
            Action::GetFederationToken,
            "duration_seconds: expected an integer",
        ),
        (
            format!(r#"{BUILD},"duration_seconds":0"#),
            Action::GetFederationToken,
            "duration_seconds: 0 is out of range 1..=129600",
        ),
        (
            format!(r#"{BUILD},"duration_seconds":129601"#),
            Action::GetFederationToken,
            "duration_seconds: 129601 is out of range",
        ),
        (
            r#""role_arn":"r","duration_seconds":43201"#.into(),
            Action::AssumeRole,
            "duration_seconds: 43201 is out of range 1..=43200",
        ),
        (
            format!(r#"{BUILD},"duration_seconds":-5"#),
            Action::GetFederationToken,
            "duration_seconds: expected an integer",
        ),
        (
            r#""bucket":"example","region":"ap-guangzhou","allow_prefix":"*","allow_actions":"a""#.into(),
            Action::GetFederationToken,
            "bucket: `example` has no numeric appid",
        ),
        (
            r#""bucket":"b-1","allow_prefix":[],"allow_actions":"a""#.into(),
            Action::GetFederationToken,
            "allow_prefix: empty list",
        ),
        (
            r#""bucket":"b-1","allow_prefix":"*","allow_actions":[]"#.into(),
            Action::GetFederationToken,
            "allow_actions: empty list",
        ),
        (
            r#""bucket":"b-1","allow_prefix":["*",3],"allow_actions":"a""#.into(),
            Action::GetFederationToken,
            "allow_prefix[1]: expected a string, got a number",
        ),
        (r#""bucket":"b-1","allow_actions":"a""#.into(), Action::GetFederationToken, "allow_prefix: missing"),
        (r#""allow_prefix":"*","allow_actions":"a""#.into(), Action::GetFederationToken, "bucket: missing"),
        ("".into(), Action::GetFederationToken, "policy: missing"),
        (format!(r#"{BUILD},"condition":"x""#), Action::GetFederationToken, "condition: expected a JSON object"),
        (
            r#""policy":{"version":"2.0","statement":[{"principal":{"qcs":["*"]},"effect":"allow"}]}"#.into(),
            Action::GetFederationToken,
            "policy.statement[0].principal: not allowed",
        ),
        (r#""policy":{"statement":[{}]}"#.into(), Action::GetFederationToken, "policy.version: missing"),
        (r#""policy":{"version":"2.0"}"#.into(), Action::GetFederationToken, "policy.statement: missing"),
        (
            r#""policy":{"version":"2.0","statement":{}}"#.into(),
            Action::GetFederationToken,
            "policy.statement: expected a list",
        ),
        (r#""policy":"{not json""#.into(), Action::GetFederationToken, "policy: not valid JSON"),
        (r#""policy":[1]"#.into(), Action::GetFederationToken, "policy: expected an object"),
        (
            r#""policy":{"version":"2.0","statement":[{}]},"allow_prefix":"*""#.into(),
            Action::GetFederationToken,
            "allow_prefix: ambiguous together with `policy`",
        ),
        (format!(r#"{BUILD},"role_arn":"r""#), Action::GetFederationToken, "role_arn: is a parameter of AssumeRole"),
        (r#""role_arn":"r","name":"n""#.into(), Action::AssumeRole, "name: is a parameter of GetFederationToken"),
        (
            r#""role_arn":"r","role_session_name":"a""#.into(),
            Action::AssumeRole,
            "role_session_name: must be 2 to 128 characters",
        ),
        (r#""role_arn":"r","role_session_name":"a b""#.into(), Action::AssumeRole, "role_session_name: contains ' '"),
        (r#""role_arn":"r","external_id":"x:/y#""#.into(), Action::AssumeRole, "external_id: contains '#'"),
        (
            format!(r#"{BUILD},"endpoint":"https://sts.tencentcloudapi.com""#),
            Action::GetFederationToken,
            "endpoint: `https://sts.tencentcloudapi.com` is not a host name",
        ),
        (format!(r#"{BUILD},"domain":"a/b""#), Action::GetFederationToken, "domain: `a/b` is not a host name"),
        (format!(r#"{BUILD},"url":"ftp://x""#), Action::GetFederationToken, "url: not an http(s) URL"),
        (
            format!(r#"{BUILD},"url":"http://10.0.0.1/""#),
            Action::GetFederationToken,
            "url: plain http:// is only allowed to a loopback address",
        ),
        (format!(r#"{BUILD},"proxy":5"#), Action::GetFederationToken, "proxy: expected a string or an object"),
        (
            format!(r#"{BUILD},"proxy":"socks5://x:1""#),
            Action::GetFederationToken,
            "proxy: the SOCKS5 scheme is not supported",
        ),
        (format!(r#"{BUILD},"proxy":{{"ftp":"http://x:1"}}"#), Action::GetFederationToken, "proxy.ftp: unknown key"),
        (format!(r#"{BUILD},"timeout_ms":0"#), Action::GetFederationToken, "timeout_ms: 0 is out of range 1..=600000"),
        (format!(r#"{BUILD},"retries":11"#), Action::GetFederationToken, "retries: 11 is out of range 0..=10"),
        (
            format!(r#"{BUILD},"ca_file":"/nonexistent/ca.pem""#),
            Action::GetFederationToken,
            "ca_file: cannot read /nonexistent/ca.pem",
        ),
        (
            r#""bucket":"b-1","allow_prefix":"*","allow_actions":"a","region":"ap guangzhou""#.into(),
            Action::GetFederationToken,
            "region: `ap guangzhou` contains ' '",
        ),
        (format!(r#"{BUILD},"name":"""#), Action::GetFederationToken, "name: must be 2 to 128 characters"),
        (format!(r#"{BUILD},"session_token":"a b""#), Action::GetFederationToken, "session_token: contains whitespace"),
        (format!(r#"{BUILD},"sessionToken":7"#), Action::GetFederationToken, "sessionToken: expected a string"),
    ];
    for (extra, action, expected) in cases {
        let got = message(parse(&extra, action));
        assert!(got.starts_with(expected), "config {extra}\n  got      {got}\n  expected {expected}...");
    }
    for (json, expected) in [
        ("", "config: not valid JSON"),
        ("[]", "config: expected a JSON object, got a list"),
        (
            "\"{\\\"secret_key\\\":\\\"s3cr3t\\\"}\"",
            "config: expected a JSON object, got a string (a config encoded as JSON twice?)",
        ),
        ("{\"secret_id\":1}", "secret_id: expected a string"),
    ] {
        let got = message(Config::parse(json, Action::GetFederationToken));
        assert!(got.starts_with(expected), "{got}");
    }
}

#[test]
fn oversized_input_is_refused_before_parsing() {
    let huge = format!(r#"{{"name":"{}"}}"#, "a".repeat(MAX_INPUT_BYTES));
    assert!(message(Config::parse(&huge, Action::GetFederationToken)).contains("over the 1048576-byte limit"));
}

#[test]
fn oversized_policy_is_refused_with_its_length() {
    let many: Vec<String> = (0..900).map(|i| format!("uploads/user-{i}/photos/*")).collect();
    let extra =
        format!(r#""bucket":"b-1","allowPrefix":{},"allow_actions":"a""#, serde_json::to_string(&many).unwrap());
    let got = message(federation(&extra));
    assert!(
        got.starts_with("allowPrefix: the policy would be ")
            && got.contains("bytes once percent-encoded, over the 65536-byte limit"),
        "{got}"
    );
}

#[test]
fn loopback_http_urls_and_proxy_forms_are_accepted() {
    for url in ["http://127.0.0.1:9000/", "http://localhost:1/", "http://[::1]:8/", "https://10.0.0.1/"] {
        let c = federation(&format!(r#"{BUILD},"url":"{url}""#)).unwrap();
        assert_eq!(c.transport.target.as_str(), url);
        assert_eq!(c.transport.endpoint, DEFAULT_ENDPOINT, "url must not change the signed host");
    }
    let proxy =
        |p: &str| federation(&format!(r#"{BUILD},"proxy":{p}"#)).unwrap().transport.proxy.map(|p| p.to_string());
    assert_eq!(proxy(r#""""#), None);
    assert_eq!(proxy(r#""http://10.0.0.1:3128""#).as_deref(), Some("http://10.0.0.1:3128"));
    assert_eq!(proxy(r#"{"https":"http://p:1","http":"http://q:2"}"#).as_deref(), Some("http://p:1"));
    assert_eq!(proxy(r#"{"http":"http://q:2"}"#), None);
}

#[test]
fn debug_output_never_shows_the_secret_key() {
    let c = federation(BUILD).unwrap();
    let debug = format!("{c:?}");
    assert!(!debug.contains("test-secret-key"), "{debug}");
    assert!(debug.contains("<redacted>"));
}

#[test]
fn proxy_credentials_are_not_echoed() {
    let got = message(federation(&format!(r#"{BUILD},"proxy":"ftp://user:hunter2@x:1""#)));
    assert!(!got.contains("hunter2"), "{got}");
}

#[test]
fn a_huge_unknown_key_is_refused_quickly() {
    let key = "k".repeat(500_000);
    let got = message(Config::parse(&format!(r#"{{"{key}":1}}"#), Action::GetFederationToken));
    assert!(got.contains("unknown config key") && !got.contains("did you mean"));
    assert!(got.len() < 200 && got.contains("(500000 bytes)"), "{got}");
}

#[test]
fn suggestions_only_for_near_misses() {
    assert_eq!(suggestion("secretid", &["secret_id", "region"]), " (did you mean `secret_id`?)");
    assert_eq!(suggestion("zzzzzz", &["secret_id", "region"]), "");
}

#[test]
fn control_characters_are_refused_in_every_string_field_without_quoting() {
    let role = r#""role_arn":"qcs::cam::uin/1:roleName/r""#;
    let cases: Vec<(String, Action, &str)> = vec![
        (format!(r#"{BUILD},"secret_key":"k\u0000EXAMPLEsecret""#), Action::GetFederationToken, "secret_key"),
        (format!(r#"{BUILD},"session_token":"t\u0001EXAMPLEsecret""#), Action::GetFederationToken, "session_token"),
        (format!(r#"{BUILD},"name":"n\u0000EXAMPLEsecret""#), Action::GetFederationToken, "name"),
        (format!(r#"{BUILD},"endpoint":"sts\nEXAMPLEsecret""#), Action::GetFederationToken, "endpoint"),
        (format!(r#"{BUILD},"url":"https://x/\u0000EXAMPLEsecret""#), Action::GetFederationToken, "url"),
        (format!(r#"{BUILD},"ca_file":"/tmp/\u007fEXAMPLEsecret""#), Action::GetFederationToken, "ca_file"),
        (format!(r#"{role},"role_session_name":"a\tEXAMPLEsecret""#), Action::AssumeRole, "role_session_name"),
        (format!(r#"{role},"external_id":"a\u001bEXAMPLEsecret""#), Action::AssumeRole, "external_id"),
        (r#""role_arn":"qcs::cam::uin/1:roleName/r\u0000EXAMPLEsecret""#.into(), Action::AssumeRole, "role_arn"),
        (
            r#""bucket":"example-1250000000\r","allow_prefix":"*","allow_actions":"a""#.into(),
            Action::GetFederationToken,
            "bucket",
        ),
    ];
    for (extra, action, field) in cases {
        // BASE holds a secret_key already; the case that replaces it brings its own.
        let json = if extra.contains(r#""secret_key""#) {
            format!(r#"{{"secret_id":"AKIDtest",{extra}}}"#)
        } else {
            format!("{{{BASE},{extra}}}")
        };
        let got = message(Config::parse(&json, action));
        assert!(got.starts_with(&format!("{field}: ")), "{json}\n  got {got}");
        assert!(!got.contains("EXAMPLEsecret"), "value quoted: {got}");
    }
}

#[test]
fn secret_ids_are_printable_ascii_checked_before_sending() {
    for id in ["AKID\u{e4}EXAMPLE", "AKID EXAMPLE", "AKID/EXAMPLE", "AKID\u{0}EXAMPLE"] {
        let json =
            serde_json::json!({"secret_id": id, "secret_key": "k", "policy": {"version": "2.0", "statement": []}});
        let got = message(Config::parse(&json.to_string(), Action::GetFederationToken));
        assert!(got.starts_with("secret_id: "), "{id:?}: {got}");
    }
    let long = serde_json::json!({"secret_id": "AKID", "secret_key": "k".repeat(300), "policy": {"version": "2.0", "statement": []}});
    assert!(message(Config::parse(&long.to_string(), Action::GetFederationToken)).starts_with("secret_key: 300 bytes"));
}

#[test]
fn check_config_infers_the_action_and_shows_no_secret() {
    let federation = Config::parse_inferred(&format!("{{{BASE},{BUILD}}}")).unwrap();
    let normalized: serde_json::Value = serde_json::from_str(&federation.normalized_json()).unwrap();
    assert_eq!(normalized["action"], "GetFederationToken");
    assert_eq!(normalized["name"], DEFAULT_NAME);
    assert_eq!(normalized["policy"]["statement"][0]["effect"], "allow");
    assert_eq!(normalized["url"], "https://sts.tencentcloudapi.com/");
    assert_eq!(normalized["session_token"], false);
    assert!(!federation.normalized_json().contains("test-secret-key"));
    let role = Config::parse_inferred(&format!(
        r#"{{{BASE},"roleArn":"qcs::cam::uin/1:roleName/r","proxy":"http://u:hunter2@p:3128"}}"#
    ))
    .unwrap();
    let normalized: serde_json::Value = serde_json::from_str(&role.normalized_json()).unwrap();
    assert_eq!(normalized["action"], "AssumeRole");
    assert_eq!(normalized["role_arn"], "qcs::cam::uin/1:roleName/r");
    assert_eq!(normalized["policy"], serde_json::Value::Null);
    assert_eq!(normalized["proxy"], "http://p:3128 (from proxy)");
    assert!(!role.normalized_json().contains("hunter2"));
    assert!(message(Config::parse_inferred(&format!(r#"{{{BASE},"role_arn":"r","duration_seconds":50000}}"#)))
        .starts_with("duration_seconds: 50000 is out of range 1..=43200"));
}

#[test]
fn debug_output_never_shows_proxy_passwords() {
    let c = federation(&format!(r#"{BUILD},"proxy":"http://user:hunter2@proxy.example:3128""#)).unwrap();
    let debug = format!("{c:?}");
    assert!(!debug.contains("hunter2") && debug.contains("proxy.example:3128"), "{debug}");
}

#[test]
fn total_timeout_defaults_to_the_worst_case_of_the_retries_capped_at_60_s() {
    let ms = |extra: &str| federation(&format!("{BUILD}{extra}")).unwrap().total_timeout.as_millis();
    // 3 attempts x 10 s + backoff ceilings 100 + 200 ms.
    assert_eq!(ms(""), 30_300);
    assert_eq!(ms(r#","timeout_ms":300,"retries":0"#), 300);
    assert_eq!(ms(r#","timeout_ms":300,"retries":1"#), 700);
    // 11 attempts x 5 s would be 55 s, plus 100+200+400+800+1600+2000x5 ms of backoff: capped.
    assert_eq!(ms(r#","timeout_ms":5000,"retries":10"#), u128::from(DEFAULT_MAX_TOTAL_TIMEOUT_MS));
    assert_eq!(ms(r#","timeout_ms":600000,"retries":0"#), u128::from(DEFAULT_MAX_TOTAL_TIMEOUT_MS));
    // Given, it is taken as is, also above the default cap and below one attempt's timeout_ms.
    assert_eq!(ms(r#","total_timeout_ms":600000"#), 600_000);
    assert_eq!(ms(r#","timeoutMs":5000,"totalTimeoutMs":250"#), 250);
    let normalized: serde_json::Value =
        serde_json::from_str(&federation(&format!(r#"{BUILD},"total_timeout_ms":1234"#)).unwrap().normalized_json())
            .unwrap();
    assert_eq!(normalized["total_timeout_ms"], 1234);
}

#[test]
fn total_timeout_is_an_integer_in_range_named_as_spelled() {
    for (extra, expected) in [
        (r#""total_timeout_ms":0"#, "total_timeout_ms: 0 is out of range 1..=600000"),
        (r#""totalTimeoutMs":600001"#, "totalTimeoutMs: 600001 is out of range 1..=600000"),
        (r#""total_timeout_ms":"300""#, "total_timeout_ms: expected an integer, got a string"),
        (r#""total_timeout_ms":1.5"#, "total_timeout_ms: expected an integer in 1..=600000, got 1.5"),
        (
            r#""total_timeout_ms":1,"totalTimeoutMs":2"#,
            "totalTimeoutMs: given twice, also as `total_timeout_ms`; keep one",
        ),
    ] {
        assert_eq!(message(federation(&format!("{BUILD},{extra}"))), expected, "{extra}");
    }
}

//! The real `sts-server` binary against the real emulator: rules, endpoints, CORS, limits,
//! metrics, STS failures, logs and config errors.

mod common;

use common::*;
use serde_json::{json, Value};
use std::time::Duration;

fn issued(answer: &Answer) -> Value {
    assert_eq!(answer.status, 200, "{}", answer.text);
    let body = answer.json();
    for field in ["tmpSecretId", "tmpSecretKey", "sessionToken"] {
        assert!(body["credentials"][field].as_str().is_some_and(|s| !s.is_empty()), "{field}: {body}");
    }
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let start = body["startTime"].as_i64().expect("startTime");
    assert!((start - now).abs() <= 5, "startTime {start} is not the server's clock {now}");
    assert!(body["expiredTime"].as_i64().expect("expiredTime") > start);
    body
}

#[test]
fn every_rule_decision_over_http() {
    let emulator = emulator(Faults::default());
    let server = Server::start(&Config::new(&emulator.url()));
    // Allowed: the subject's own prefix; the rule's max_duration_seconds bounds the key.
    let body = issued(&post(&server, "/sts", &put_scope("uploads/anonymous/a.jpg"), &[]));
    let expires_in = body["expiredTime"].as_i64().unwrap() - body["startTime"].as_i64().unwrap();
    assert!((895..=905).contains(&expires_in), "duration {expires_in}");
    // The policy STS received holds exactly the scope asked for.
    let policy = emulator.requests().last().and_then(|r| r.decoded_policy.clone()).expect("a policy was sent");
    let text = policy.to_string();
    assert!(text.contains("uploads/anonymous/a.jpg") && text.contains("name/cos:PutObject"), "{text}");
    let public = json!([scope("name/cos:GetObject", BUCKET, REGION, "public/site.css")]).to_string();
    issued(&post(&server, "/sts", &public, &[]));

    let sent = emulator.requests().len();
    let denied = [
        (put_scope("uploads/anonymous10/a.jpg"), "scopes[0]: the prefix is outside"),
        (put_scope("uploads/anonymous"), "scopes[0]: the prefix is outside"),
        (put_scope("uploads/*"), "scopes[0]: the prefix is outside"),
        (put_scope("uploads/anonymous/../other/a.jpg"), "scopes[0]: the prefix contains a `..`"),
        (put_scope("uploads/anonymous/a\u{1}b"), "scopes[0]: the prefix contains a control character"),
        (
            json!([scope("name/cos:PutObject", "other-1250000000", REGION, "uploads/anonymous/a")]).to_string(),
            "scopes[0]: the bucket",
        ),
        (
            json!([scope("name/cos:PutObject", BUCKET, "ap-beijing", "uploads/anonymous/a")]).to_string(),
            "scopes[0]: the region",
        ),
        (
            json!([scope("name/cos:DeleteObject", BUCKET, REGION, "uploads/anonymous/a")]).to_string(),
            "scopes[0]: the action",
        ),
        (
            json!([
                scope("name/cos:GetObject", BUCKET, REGION, "public/a"),
                scope("name/cos:PutObject", BUCKET, REGION, "public/a")
            ])
            .to_string(),
            "scopes[1]: the prefix is outside",
        ),
    ];
    for (body, message) in denied {
        post(&server, "/sts", &body, &[]).error(403, "ScopeDenied", message);
    }
    assert_eq!(emulator.requests().len(), sent, "a denied request reached STS");
    let metrics = get(&server, "/metrics").text;
    for reason in ["prefix", "dotdot", "control", "bucket", "region", "action"] {
        assert!(
            metrics.contains(&format!("sts_server_denied_scopes_total{{reason=\"{reason}\"}}")),
            "{reason}: {metrics}"
        );
    }
}

#[test]
fn bad_bodies_and_methods_name_the_problem() {
    let emulator = emulator(Faults::default());
    let mut config = Config::new(&emulator.url());
    config.rest.push_str("[limits]\nmax_body_bytes = 1024\nmax_scopes = 2\n");
    let server = Server::start(&config);
    post(&server, "/sts", "{not json", &[]).error(400, "InvalidBody", "body: not valid JSON");
    post(&server, "/sts", "{}", &[]).error(400, "InvalidBody", "body: expected a list of scopes");
    post(&server, "/sts", r#"[{"action":"name/cos:PutObject","bucket":"b"}]"#, &[]).error(
        400,
        "InvalidBody",
        "scopes[0].region: missing",
    );
    post(&server, "/sts", &"x".repeat(2000), &[]).error(413, "BodyTooLarge", "body: over the 1024-byte limit");
    let three = json!([scope("a", "b", "c", "d"), scope("a", "b", "c", "d"), scope("a", "b", "c", "d")]).to_string();
    post(&server, "/sts", &three, &[]).error(413, "BodyTooLarge", "scopes: 3 scopes");
    let answer = request("GET", &format!("{}/sts", server.url), None, &[]);
    answer.error(405, "MethodNotAllowed", "method: use POST");
    assert_eq!(answer.header("allow"), Some("POST, OPTIONS"));
    request("POST", &format!("{}/healthz", server.url), Some(""), &[]).error(
        405,
        "MethodNotAllowed",
        "method: use GET",
    );
    get(&server, "/nope").error(404, "NotFound", "path");
    post(&server, "/upload-credential", r#"{"ext":".gif"}"#, &[]).error(400, "InvalidBody", "ext:");
    post(&server, "/upload-credential", r#"{"name":"a.jpg"}"#, &[]).error(400, "InvalidBody", "name: unknown field");
}

#[test]
fn upload_credential_names_the_key_under_the_subject() {
    let emulator = emulator(Faults::default());
    let server = Server::start(&Config::new(&emulator.url()));
    let body = issued(&post(&server, "/upload-credential", r#"{"filename":"cat.png"}"#, &[]));
    assert_eq!(body["bucket"], BUCKET);
    assert_eq!(body["region"], REGION);
    let key = body["key"].as_str().unwrap();
    assert!(key.starts_with("uploads/anonymous/") && key.ends_with(".png"), "{key}");
    let policy = emulator.requests().last().and_then(|r| r.decoded_policy.clone()).unwrap().to_string();
    assert!(policy.contains(key), "{policy}");
}

#[test]
fn health_readiness_and_metrics() {
    let emulator = emulator(Faults::default());
    let mut config = Config::new(&emulator.url());
    config.sts.push_str("cache = true\n");
    let server = Server::start(&config);
    assert_eq!(get(&server, "/healthz").json()["status"], "ok");
    assert_eq!(get(&server, "/readyz").json()["status"], "ready");
    let first = issued(&post(&server, "/sts", &put_scope("uploads/anonymous/x"), &[]));
    let second = issued(&post(&server, "/sts", &put_scope("uploads/anonymous/x"), &[]));
    assert_eq!(first["credentials"], second["credentials"], "the cache answered the second call");
    let actions: Vec<String> = emulator.requests().iter().map(|r| r.action.clone()).collect();
    assert_eq!(actions, ["GetCallerIdentity", "GetFederationToken"], "readiness asked once, the cache answered");
    assert_eq!(get(&server, "/readyz").json()["status"], "ready");
    assert_eq!(emulator.requests().len(), 2, "the readiness answer is reused");
    post(&server, "/sts", &put_scope("uploads/other/x"), &[]).error(403, "ScopeDenied", "scopes[0]");
    let answer = get(&server, "/metrics");
    assert_eq!(answer.status, 200);
    assert!(answer.header("content-type").is_some_and(|t| t.contains("openmetrics") || t.contains("text/plain")));
    let text = answer.text;
    for needle in [
        "sts_server_requests_total{route=\"/sts\",status=\"200\"} 2",
        "sts_server_requests_total{route=\"/sts\",status=\"403\"} 1",
        "sts_server_requests_total{route=\"/healthz\",status=\"200\"} 1",
        "sts_server_cache_hits_total 1",
        "sts_server_cache_misses_total 1",
        "sts_server_sts_call_seconds_count 2",
        "sts_server_sts_call_seconds_bucket{le=\"+Inf\"} 2",
        "sts_server_errors_total{code=\"ScopeDenied\"} 1",
        "sts_server_denied_scopes_total{reason=\"prefix\"} 1",
    ] {
        assert!(text.contains(needle), "{needle} missing from\n{text}");
    }
}

#[test]
fn a_missing_credential_source_stops_start_up() {
    let emulator = emulator(Faults::default());
    let mut config = Config::new(&emulator.url());
    // A credential source from the environment that the server process does not have.
    config.sts = format!("[sts]\nurl = \"{}\"\n", emulator.url());
    let dir = TempDir::new();
    let path = write_file(&dir.0, "c.toml", config.toml().as_bytes());
    let out = std::process::Command::new(server_binary())
        .arg("--config")
        .arg(&path)
        .env_remove("TENCENTCLOUD_SECRET_ID")
        .env_remove("TENCENTCLOUD_SECRET_KEY")
        .output()
        .unwrap();
    // Without a key anywhere, start-up refuses, naming the key.
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("sts.secret_id") || stderr.contains("sts.secret"), "{stderr}");
}

#[test]
fn sts_failures_map_to_502_503_504_with_the_libsts_code() {
    let failing = emulator(Faults { always: Some(FailMode::Http500), ..Faults::default() });
    let server = Server::start(&Config::new(&failing.url()));
    post(&server, "/sts", &put_scope("uploads/anonymous/a"), &[]).error(502, "Client.HttpStatus", "sts: HTTP 500");
    let throttled = emulator(Faults { always: Some(FailMode::Throttle), ..Faults::default() });
    let server = Server::start(&Config::new(&throttled.url()));
    post(&server, "/sts", &put_scope("uploads/anonymous/a"), &[]).error(503, "RequestLimitExceeded", "sts:");
    let server = Server::start(&Config::new(&format!("http://127.0.0.1:{}/", closed_port())));
    post(&server, "/sts", &put_scope("uploads/anonymous/a"), &[]).error(503, "Client.Network", "sts:");
    let hanging = emulator(Faults { always: Some(FailMode::Hang), ..Faults::default() });
    let mut config = Config::new(&hanging.url());
    config.sts =
        config.sts.replace("timeout_ms = 2000\ntotal_timeout_ms = 3000", "timeout_ms = 300\ntotal_timeout_ms = 500");
    let server = Server::start(&config);
    post(&server, "/sts", &put_scope("uploads/anonymous/a"), &[]).error(504, "Client.Timeout", "sts:");
    assert!(get(&server, "/metrics").text.contains("sts_server_errors_total{code=\"Client.Timeout\"} 1"));
}

#[test]
fn cors_answers_exact_origins_and_refuses_the_rest() {
    let emulator = emulator(Faults::default());
    let server = Server::start(&Config::new(&emulator.url()));
    let url = format!("{}/sts", server.url);
    let preflight = request(
        "OPTIONS",
        &url,
        None,
        &[
            ("origin", ORIGIN),
            ("access-control-request-method", "POST"),
            ("access-control-request-headers", "authorization"),
        ],
    );
    assert_eq!(preflight.status, 204, "{}", preflight.text);
    assert_eq!(preflight.header("access-control-allow-origin"), Some(ORIGIN));
    assert!(preflight.header("access-control-allow-methods").is_some_and(|m| m.contains("POST")));
    assert!(preflight.header("access-control-allow-headers").is_some_and(|h| h.contains("authorization")));
    assert_eq!(preflight.header("access-control-max-age"), Some("600"));
    let answer = post(&server, "/sts", &put_scope("uploads/anonymous/a"), &[("origin", ORIGIN)]);
    issued(&answer);
    assert_eq!(answer.header("access-control-allow-origin"), Some(ORIGIN));
    assert_eq!(answer.header("vary"), Some("Origin"));
    // Another origin (also one that only shares a prefix) is refused outright, preflight or not.
    for origin in ["http://localhost:3001", "http://localhost:3000.evil", "null"] {
        let refused = request("OPTIONS", &url, None, &[("origin", origin), ("access-control-request-method", "POST")]);
        refused.error(403, "OriginNotAllowed", "origin");
        assert_eq!(refused.header("access-control-allow-origin"), None);
        let refused = post(&server, "/sts", &put_scope("uploads/anonymous/a"), &[("origin", origin)]);
        refused.error(403, "OriginNotAllowed", "origin");
        assert_eq!(refused.header("access-control-allow-origin"), None);
    }
    // No Origin: not a browser; the rules decide.
    issued(&post(&server, "/sts", &put_scope("uploads/anonymous/a"), &[]));
}

#[test]
fn requests_per_minute_per_subject_answers_429_with_retry_after() {
    let emulator = emulator(Faults::default());
    let mut config = Config::new(&emulator.url());
    config.rest.push_str("[limits]\nrequests_per_minute = 2\n");
    let server = Server::start(&config);
    inside_a_window();
    issued(&post(&server, "/sts", &put_scope("uploads/anonymous/a"), &[]));
    issued(&post(&server, "/sts", &put_scope("uploads/anonymous/b"), &[]));
    let limited = post(&server, "/sts", &put_scope("uploads/anonymous/c"), &[]);
    limited.error(429, "RateLimited", "limits.requests_per_minute");
    let retry: u64 = limited.header("retry-after").expect("Retry-After").parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(emulator.requests().len(), 2);
    // Health checks are not limited.
    assert_eq!(get(&server, "/healthz").status, 200);
}

#[test]
fn one_json_log_line_per_request_and_no_secret_in_it() {
    let emulator = emulator(Faults::default());
    let server = Server::start(&Config::new(&emulator.url()));
    let body = issued(&post(
        &server,
        "/sts",
        &put_scope("uploads/anonymous/a"),
        &[("authorization", "Bearer not-a-real-token-EXAMPLE")],
    ));
    let upload = issued(&post(&server, "/upload-credential", r#"{"ext":".jpg"}"#, &[]));
    post(&server, "/sts", &put_scope("uploads/x/a"), &[]).error(403, "ScopeDenied", "scopes[0]");
    std::thread::sleep(Duration::from_millis(100));
    let lines = server.log_lines();
    assert_eq!(lines.len(), 3, "{}", server.log());
    assert_eq!(lines[0]["route"], "/sts");
    assert_eq!(lines[0]["status"], 200);
    assert_eq!(lines[0]["subject"], "anonymous");
    assert_eq!(lines[0]["decision"], "issued");
    assert!(lines[0]["latencyMs"].is_number() && lines[0]["time"].is_string());
    assert!(lines[0]["requestId"].as_str().is_some_and(|id| id.len() == 24));
    assert_eq!(lines[2]["decision"], "denied");
    assert_eq!(lines[2]["code"], "ScopeDenied");
    let log = server.log();
    for secret in [
        DEFAULT_SECRET_KEY,
        "not-a-real-token-EXAMPLE",
        body["credentials"]["tmpSecretKey"].as_str().unwrap(),
        body["credentials"]["sessionToken"].as_str().unwrap(),
        upload["credentials"]["tmpSecretKey"].as_str().unwrap(),
        upload["credentials"]["sessionToken"].as_str().unwrap(),
    ] {
        assert!(!log.contains(secret), "a secret in the log:\n{log}");
    }
}

#[test]
fn a_config_error_names_the_key_and_exits_non_zero() {
    let emulator = emulator(Faults::default());
    for (edit, key) in [
        ("listen = \"127.0.0.1:0\"\n", "listen = \"127.0.0.1:0\"\nlisten_addr = 1\n"),
        ("mode = \"none\"", "mode = \"nobody\""),
        ("retries = 0", "retries = 0\nsecret_kee = \"x\""),
    ] {
        let config = Config::new(&emulator.url()).toml().replacen(edit, key, 1);
        let dir = TempDir::new();
        let path = write_file(&dir.0, "c.toml", config.as_bytes());
        let out = std::process::Command::new(server_binary()).arg("--config").arg(&path).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{key}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let expected = match key {
            k if k.contains("listen_addr") => "listen_addr",
            k if k.contains("nobody") => "auth.mode",
            _ => "sts.secret_kee",
        };
        assert!(stderr.contains(expected), "{stderr}");
        assert!(!stderr.contains(DEFAULT_SECRET_KEY), "{stderr}");
    }
    let out = std::process::Command::new(server_binary()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let config = Config::new(&emulator.url()).toml().replace("127.0.0.1:0", "0.0.0.0:0");
    let dir = TempDir::new();
    let path = write_file(&dir.0, "c.toml", config.as_bytes());
    let out = std::process::Command::new(server_binary()).arg("--config").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("auth.mode: \"none\" lets anyone"));
}

#[test]
fn auth_none_says_so_at_start_up() {
    let emulator = emulator(Faults::default());
    let server = Server::start(&Config::new(&emulator.url()));
    std::thread::sleep(Duration::from_millis(50));
    assert!(server.log().contains("auth mode \"none\": every caller is the subject `anonymous`"), "{}", server.log());
}

#[test]
fn the_example_config_is_valid() {
    let path = format!("{}/../examples/sts-server.toml", env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new(server_binary()).args(["--check", "--config", &path]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn role_arn_in_sts_makes_it_assume_role_with_the_scoped_policy() {
    let emulator = emulator(Faults::default());
    let mut config = Config::new(&emulator.url());
    config.sts.push_str("role_arn = \"qcs::cam::uin/100000000001:roleName/cos-uploader\"\n");
    let server = Server::start(&config);
    issued(&post(&server, "/sts", &put_scope("uploads/anonymous/a.jpg"), &[]));
    let request = emulator.requests().pop().expect("a request");
    assert_eq!(request.action, "AssumeRole");
    assert_eq!(request.body["RoleArn"], "qcs::cam::uin/100000000001:roleName/cos-uploader");
    assert_eq!(request.body["DurationSeconds"], 900);
    let policy = request.decoded_policy.expect("a policy").to_string();
    assert!(policy.contains("uploads/anonymous/a.jpg"), "{policy}");
}

#[test]
fn a_key_sts_refuses_is_a_502_with_the_service_code() {
    let emulator = emulator(Faults::default());
    let mut config = Config::new(&emulator.url());
    config.sts = config.sts.replace(DEFAULT_SECRET_KEY, "wrong-secret-key-EXAMPLE");
    let server = Server::start(&config);
    let answer = post(&server, "/sts", &put_scope("uploads/anonymous/a.jpg"), &[]);
    answer.error(502, "AuthFailure.SignatureFailure", "sts:");
    assert!(answer.json()["stsRequestId"].is_string(), "{}", answer.text);
    assert!(!server.log().contains("wrong-secret-key-EXAMPLE"));
}

#[test]
fn a_trickled_body_is_cut_off_with_408() {
    use std::io::{Read, Write};
    let emulator = emulator(Faults::default());
    let server = Server::start(&Config::new(&emulator.url()));
    let address = server.url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(
        stream,
        "POST /sts HTTP/1.1\r\nhost: {address}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n["
    )
    .unwrap();
    let started = std::time::Instant::now();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("body: not received within 10 s"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(15), "{:?}", started.elapsed());
    assert!(emulator.requests().is_empty());
}

#[test]
fn readiness_asks_sts_who_the_key_is() {
    let emulator = emulator(Faults::default());
    let mut config = Config::new(&emulator.url());
    config.sts = config.sts.replace("secret_key = \"", "secret_key = \"wrong-");
    let server = Server::start(&config);
    let answer = get(&server, "/readyz");
    answer.error(503, "NotReady", "sts: ");
    assert!(!answer.text.contains("wrong-"), "the key is not quoted: {}", answer.text);
    let actions: Vec<String> = emulator.requests().iter().map(|r| r.action.clone()).collect();
    assert_eq!(actions, ["GetCallerIdentity"]);
}

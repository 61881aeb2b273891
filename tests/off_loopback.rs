//! A signed request never leaves loopback in clear text: the userinfo and proxy tricks are
//! refused before anything is sent, and a listener on a non-loopback address sees nothing.
//!
//! The test names 10.200.0.1, so it runs inside its own network namespace (scripts/netns.sh,
//! `unshare -n`), where that address is local and nothing else is reachable: even a regression
//! cannot send the request off this machine. Outside one, the test re-runs itself through
//! scripts/netns.sh and asserts that run passed.

mod common;

use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use sts::ffi::{sts_get_credential, sts_get_role_credential, StsCode};

const TRAP: &str = "10.200.0.1";

#[test]
fn signed_requests_never_go_off_loopback_in_clear_text() {
    if std::env::var("STS_IN_NETNS").as_deref() != Ok("1") {
        let netns = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/netns.sh");
        let status = Command::new(netns)
            .arg(std::env::current_exe().unwrap())
            .args(["--exact", "signed_requests_never_go_off_loopback_in_clear_text", "--nocapture", "--test-threads=1"])
            .status()
            .expect("scripts/netns.sh runs (needs root, unshare and ip)");
        assert!(status.success(), "the run inside the network namespace failed: {status}");
        return;
    }
    let emulator = common::start(common::Faults::default());
    let traps: Vec<TcpListener> = [18080, 3128, 1080, 18443, 80]
        .iter()
        .map(|port| {
            let listener = TcpListener::bind((TRAP, *port)).expect("the trap address is local inside the namespace");
            listener.set_nonblocking(true).unwrap();
            listener
        })
        .collect();

    let mut cases: Vec<(serde_json::Value, &str, &str)> = Vec::new();
    for url in [
        "http://127.0.0.1:80@10.200.0.1:18080/",
        "http://127.0.0.1@10.200.0.1:18080/",
        "http://localhost:18080@10.200.0.1/",
        "http://[::1]@10.200.0.1:18080/",
        "http://user:pass@10.200.0.1:18080/",
        "http://127.0.0.1%40@10.200.0.1:18080/",
        "https://127.0.0.1:443@10.200.0.1:18443/",
    ] {
        cases.push((serde_json::json!({ "url": url }), "url", "userinfo"));
    }
    for url in [
        "http://10.200.0.1:18080/",
        "http://[::ffff:10.200.0.1]:18080/",
        "http://192.168.1.5:8080/",
        "http://[2001:db8::1]/",
        "http://sts.tencentcloudapi.com/",
    ] {
        cases.push((serde_json::json!({ "url": url }), "url", "plain http:// is only allowed to a loopback address"));
    }
    for proxy in [
        serde_json::json!("http://10.200.0.1:3128"),
        serde_json::json!("10.200.0.1:3128"),
        serde_json::json!("user:hunter2@10.200.0.1:3128"),
        serde_json::json!({"http": "http://10.200.0.1:3128"}),
    ] {
        cases.push((serde_json::json!({ "proxy": proxy }), "proxy", "not on loopback"));
    }
    for (extra, field, needle) in &cases {
        let federation = common::federation_config(&emulator, extra.clone());
        let role = common::role_config(&emulator, extra.clone());
        for (call, config) in [(sts_get_credential as common::Export, federation), (sts_get_role_credential, role)] {
            let (code, out) = common::c_call(call, &config);
            assert_eq!(code, StsCode::STS_INVALID_ARGUMENT, "{config}: {out}");
            let message = out["error"]["message"].as_str().unwrap_or_default().to_owned();
            assert!(
                message.starts_with(&format!("{field}: ")) && message.contains(needle),
                "{config}\n  got {message}"
            );
            assert!(!message.contains("hunter2") && !message.contains(common::DEFAULT_SECRET_KEY), "{message}");
            if field == &"url" && needle.starts_with("plain") {
                // The reason goes with the refusal: a signed request can be replayed.
                assert!(message.contains("replay") && message.contains("5 minutes") && message.contains("https://"));
            }
        }
    }

    // Proxies from the environment: a loopback url never takes one, and an unsupported scheme is
    // refused naming the variable. This test binary runs alone in its namespace, so setting the
    // environment here races with nothing.
    for name in ["http_proxy", "all_proxy", "ALL_PROXY"] {
        std::env::set_var(name, "http://10.200.0.1:3128");
        let (code, out) =
            common::c_call(sts_get_credential, &common::federation_config(&emulator, serde_json::json!({})));
        assert_eq!(code, StsCode::STS_OK, "{name} must not carry a loopback request: {out}");
        std::env::remove_var(name);
    }
    for name in ["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"] {
        std::env::set_var(name, "socks5://10.200.0.1:1080");
        let config = common::federation_config(&emulator, serde_json::json!({"url": "https://10.200.0.1:18443/"}));
        let (code, out) = common::c_call(sts_get_credential, &config);
        assert_eq!(code, StsCode::STS_INVALID_ARGUMENT, "{out}");
        let message = out["error"]["message"].as_str().unwrap_or_default();
        assert!(message.starts_with(&format!("{name}: the SOCKS5 scheme is not supported")), "{out}");
        std::env::remove_var(name);
    }

    for trap in &traps {
        match trap.accept() {
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            other => panic!("{:?} received a connection: {other:?}", trap.local_addr()),
        }
    }
    assert_eq!(emulator.requests().len(), 3, "only the three loopback calls reach the emulator");
}

//! Fault-matrix cells not covered by tests/network.rs: a slow trickle of bytes, a host name
//! that cannot resolve, and TLS to a server whose certificate is not trusted (and is, with
//! `ca_file`). Each asserts the StsCode, the error code and an upper bound on elapsed time.
//! Nothing here sends traffic beyond 127.0.0.0/8 (see the DNS test for why).

mod common;

use common::*;
use serde_json::json;
use std::time::{Duration, Instant};
use sts::ffi::{sts_get_credential, sts_get_role_credential, StsCode};
use sts_emulator::TlsIdentity;

fn tls_emulator() -> Emulator {
    let identity = TlsIdentity::from_files(data("test-only-server.pem"), data("test-only-server.key.pem")).unwrap();
    Emulator::start(EmulatorOptions { tls: Some(identity), ..EmulatorOptions::default() }).expect("TLS emulator starts")
}

#[test]
fn slow_trickle_of_bytes_ends_with_client_timeout_within_the_bound() {
    let emulator = start(Faults { always: Some(FailMode::Trickle), ..Faults::default() });
    let started = Instant::now();
    let (code, out) =
        c_call(sts_get_credential, &federation_config(&emulator, json!({"timeout_ms": 500, "retries": 0})));
    let elapsed = started.elapsed();
    assert_eq!(code, StsCode::STS_NETWORK, "{out}");
    assert_eq!(out["error"]["code"], "Client.Timeout", "{out}");
    assert!(out["error"]["message"].as_str().unwrap().contains("timeout_ms=500"), "{out}");
    // The full answer would take minutes at one byte per 200 ms.
    assert!(elapsed < Duration::from_secs(3), "took {elapsed:?}");
    assert_eq!(emulator.requests().len(), 1);
}

#[test]
fn trickle_with_retries_is_bounded_by_attempts_times_timeout() {
    let emulator = start(Faults { always: Some(FailMode::Trickle), ..Faults::default() });
    let started = Instant::now();
    let (code, out) =
        c_call(sts_get_credential, &federation_config(&emulator, json!({"timeout_ms": 300, "retries": 2})));
    let elapsed = started.elapsed();
    assert_eq!((code, out["error"]["code"].as_str()), (StsCode::STS_NETWORK, Some("Client.Timeout")), "{out}");
    // 3 attempts x 300 ms + backoff (at most 100 + 200 ms) + slack.
    assert!(elapsed < Duration::from_secs(4), "took {elapsed:?}");
    assert_eq!(emulator.requests().len(), 3, "a timeout is transient: retried");
}

/// A host name with a 64-byte label. DNS labels are at most 63 bytes, so glibc's resolver
/// cannot encode a query for it: getaddrinfo fails in res_mkquery before any socket to a
/// name server is opened (checked with `strace -f -e trace=network`: only the local nscd
/// AF_UNIX probe appears). A name like `nonexistent.invalid` WOULD be sent to the
/// configured name server, so it is not used here. /etc/hosts cannot hold such a name either
/// in a way that resolves it by accident, and nsswitch's other sources are local.
const UNRESOLVABLE_HOST: &str = "a123456789b123456789c123456789d123456789e123456789f123456789abcd.invalid";

#[test]
fn unresolvable_host_is_client_dns_quickly_and_not_retried() {
    assert_eq!(UNRESOLVABLE_HOST.split('.').next().unwrap().len(), 64);
    let config = json!({"secret_id": "AKIDx", "secret_key": "k", "url": format!("https://{UNRESOLVABLE_HOST}/"),
        "retries": 3, "timeout_ms": 2000,
        "policy": {"version": "2.0", "statement": [{"effect": "allow", "action": ["*"], "resource": ["*"]}]}});
    let started = Instant::now();
    let (code, out) = c_call(sts_get_credential, &config.to_string());
    let elapsed = started.elapsed();
    assert_eq!(code, StsCode::STS_NETWORK, "{out}");
    assert_eq!(out["error"]["code"], "Client.Dns", "{out}");
    assert!(out["error"]["message"].as_str().unwrap().contains("does not resolve"), "{out}");
    // Not retried (3 retries would add backoff sleeps of up to 100+200+400 ms).
    assert!(elapsed < Duration::from_secs(2), "took {elapsed:?}");
}

#[test]
fn untrusted_certificate_fails_with_client_tls_and_is_not_retried() {
    let emulator = tls_emulator();
    assert!(emulator.url().starts_with("https://127.0.0.1:"));
    let started = Instant::now();
    let (code, out) =
        c_call(sts_get_credential, &federation_config(&emulator, json!({"retries": 3, "timeout_ms": 3000})));
    let elapsed = started.elapsed();
    assert_eq!(code, StsCode::STS_NETWORK, "{out}");
    assert_eq!(out["error"]["code"], "Client.Tls", "{out}");
    assert!(elapsed < Duration::from_secs(3), "took {elapsed:?}");
    assert!(emulator.requests().is_empty(), "no request is sent over an unverified connection");
    // Retries would have opened one connection per attempt.
    assert_eq!(emulator.connections(), 1, "TLS failures are not retried");
}

#[test]
fn a_wrong_ca_file_is_refused_too() {
    // The server certificate itself is not a CA: trusting it as a root must not work.
    let emulator = tls_emulator();
    let (code, out) = c_call(
        sts_get_credential,
        &federation_config(&emulator, json!({"retries": 0, "ca_file": data("test-only-server.pem")})),
    );
    assert_eq!((code, out["error"]["code"].as_str()), (StsCode::STS_NETWORK, Some("Client.Tls")), "{out}");
    assert!(emulator.requests().is_empty());
}

#[test]
fn trusted_with_ca_file_succeeds_and_the_signed_host_stays_the_endpoint() {
    let emulator = tls_emulator();
    let ca = data("test-only-ca.pem");
    let started = Instant::now();
    let (code, out) = c_call(sts_get_credential, &federation_config(&emulator, json!({"ca_file": ca})));
    assert_eq!(code, StsCode::STS_OK, "{out}");
    assert!(out["credentials"]["sessionToken"].is_string());
    // The certificate also names localhost.
    let localhost = format!("https://localhost:{}/", emulator.addr().port());
    let (code, out) =
        c_call(sts_get_role_credential, &role_config(&emulator, json!({"ca_file": ca, "url": localhost})));
    assert_eq!(code, StsCode::STS_OK, "{out}");
    assert!(started.elapsed() < Duration::from_secs(5));

    let requests = emulator.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests.iter().all(|r| r.signature_ok && r.host == "sts.tencentcloudapi.com"));
}

//! `total_timeout_ms`: one deadline for the whole call, retries and backoff included. Each
//! test bounds the elapsed time and counts the requests the emulator received.

mod common;

use common::*;
use serde_json::json;
use std::time::{Duration, Instant};
use sts::ffi::{sts_get_credential, sts_get_role_credential, StsCode};

#[test]
fn a_hanging_server_ends_at_the_total_timeout_not_at_timeout_ms() {
    let emulator = start(Faults { always: Some(FailMode::Hang), ..Faults::default() });
    let config = federation_config(&emulator, json!({"timeout_ms": 60000, "retries": 3, "total_timeout_ms": 300}));
    let started = Instant::now();
    let (code, out) = c_call(sts_get_credential, &config);
    let elapsed = started.elapsed();

    assert_eq!((code, out["error"]["code"].as_str()), (StsCode::STS_NETWORK, Some("Client.Timeout")), "{out}");
    let message = out["error"]["message"].as_str().unwrap();
    assert!(message.contains("total_timeout_ms=300 (1 attempt, timeout_ms=60000 each at most)"), "{message}");
    assert!(elapsed >= Duration::from_millis(290), "ended before the deadline: {elapsed:?}");
    // 300 ms plus slack for a loaded CI machine; timeout_ms alone would be a minute.
    assert!(elapsed < Duration::from_secs(2), "took {elapsed:?}");
    assert_eq!(emulator.requests().len(), 1, "the first attempt used the whole deadline: no retry");
}

#[test]
fn the_last_attempt_gets_only_the_time_left() {
    // Attempts of 250 ms against a server that never answers, with a deadline of 400 ms: the
    // first times out after 250 ms, its backoff (at most 100 ms) fits, and the second attempt is
    // cut to the 50..150 ms left.
    let emulator = start(Faults { always: Some(FailMode::Hang), ..Faults::default() });
    let config = role_config(&emulator, json!({"timeout_ms": 250, "retries": 5, "total_timeout_ms": 400}));
    let started = Instant::now();
    let (code, out) = c_call(sts_get_role_credential, &config);
    let elapsed = started.elapsed();

    assert_eq!((code, out["error"]["code"].as_str()), (StsCode::STS_NETWORK, Some("Client.Timeout")), "{out}");
    let message = out["error"]["message"].as_str().unwrap();
    assert!(message.contains("total_timeout_ms=400 (2 attempts, timeout_ms=250 each at most)"), "{message}");
    assert!(elapsed >= Duration::from_millis(390), "ended before the deadline: {elapsed:?}");
    assert!(elapsed < Duration::from_millis(400 + 500), "took {elapsed:?}");
    assert_eq!(emulator.requests().len(), 2);
}

#[test]
fn retries_whose_backoff_would_pass_the_deadline_are_not_started() {
    // Every answer is a fast HTTP 503 (transient, retried). Ten retries would sleep up to
    // 100+200+400+800+1600+2000x5 ms of backoff; with a 400 ms deadline the loop must stop
    // before a sleep that ends past it. Five calls, so a wrong order shows up.
    let emulator = start(Faults { always: Some(FailMode::Http503), ..Faults::default() });
    let config = federation_config(&emulator, json!({"retries": 10, "total_timeout_ms": 400}));
    for call in 0..5 {
        let before = emulator.requests().len();
        let started = Instant::now();
        let (code, out) = c_call(sts_get_credential, &config);
        let elapsed = started.elapsed();

        assert_eq!(
            (code, out["error"]["code"].as_str()),
            (StsCode::STS_BAD_RESPONSE, Some("Client.HttpStatus")),
            "{out}"
        );
        let message = out["error"]["message"].as_str().unwrap();
        assert!(message.starts_with("HTTP 503 from"), "{message}");
        assert!(
            message.ends_with("; not retried: the next attempt would start after total_timeout_ms=400"),
            "{message}"
        );
        // Never past the deadline: only the fast last attempt may follow the last sleep.
        assert!(elapsed < Duration::from_millis(400 + 150), "call {call} took {elapsed:?}");
        let sent = emulator.requests().len() - before;
        assert!((1..11).contains(&sent), "call {call}: {sent} requests; all 11 cannot fit in 400 ms of backoff");
    }
}

#[test]
fn without_total_timeout_ms_the_retries_run_as_before() {
    // The default is the worst case of the retries (here 3 x 200 ms + 100 + 200 ms), so a
    // server that fails twice and then answers is still reached.
    let emulator = start(Faults { fail_first: 2, fail_with: FailMode::Http503, ..Faults::default() });
    let (code, out) = c_call(sts_get_credential, &federation_config(&emulator, json!({"timeout_ms": 200})));
    assert_eq!(code, StsCode::STS_OK, "{out}");
    assert_eq!(emulator.requests().len(), 3);
}

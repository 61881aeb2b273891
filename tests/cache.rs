//! The opt-in credential cache through the C ABI against the in-process emulator: hits send
//! nothing and return the original JSON, every difference in the request misses, a key with
//! too little time left is never handed out, concurrent misses send one request, and
//! `sts_cache_clear` empties it.
//!
//! The cache is process-wide and `sts_cache_clear` empties it for every test in this binary,
//! so the tests here take turns.

mod common;

use common::*;
use serde_json::{json, Value};
use std::sync::{Barrier, Mutex, MutexGuard};
use std::time::Duration;
use sts::ffi::{sts_cache_clear, sts_check_config, sts_get_credential, sts_get_role_credential, StsCode};

fn one_at_a_time() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The output text exactly as C gets it.
fn call_text(f: Export, config: &str) -> (StsCode, String) {
    c_call_text(f, &std::ffi::CString::new(config).unwrap())
}

fn ok(f: Export, config: &str) -> String {
    let (code, out) = call_text(f, config);
    assert_eq!(code, StsCode::STS_OK, "{out}");
    out
}

fn tmp_id(out: &str) -> String {
    parse(out)["credentials"]["tmpSecretId"].as_str().unwrap().to_owned()
}

#[test]
fn a_hit_sends_no_request_and_returns_the_very_same_json() {
    let _turn = one_at_a_time();
    let emulator = start(Faults::default());
    let config = federation_config(&emulator, json!({"cache": true}));
    let first = ok(sts_get_credential, &config);
    for _ in 0..100 {
        assert_eq!(ok(sts_get_credential, &config), first);
    }
    assert_eq!(emulator.requests().len(), 1);

    // Another text for the same request (other spelling, key order, timeouts) is the same request.
    let same: Value = parse(&config);
    let mut reordered = serde_json::Map::new();
    for (k, v) in same.as_object().unwrap().iter().rev() {
        reordered.insert(k.clone(), v.clone());
    }
    reordered.insert("timeoutMs".into(), json!(4000));
    reordered.insert("cache".into(), json!({"max_entries": 10}));
    assert_eq!(ok(sts_get_credential, &Value::Object(reordered).to_string()), first);
    assert_eq!(emulator.requests().len(), 1);

    // AssumeRole is cached on its own.
    let role = role_config(&emulator, json!({"cache": true}));
    let role_first = ok(sts_get_role_credential, &role);
    assert_eq!(ok(sts_get_role_credential, &role), role_first);
    assert_ne!(tmp_id(&role_first), tmp_id(&first));
    assert_eq!(emulator.requests().len(), 2);

    // Without `cache`, every call asks STS.
    let plain = federation_config(&emulator, json!({}));
    assert_ne!(tmp_id(&ok(sts_get_credential, &plain)), tmp_id(&first));
    ok(sts_get_credential, &plain);
    assert_eq!(emulator.requests().len(), 4);
}

#[test]
fn a_different_identity_policy_duration_or_endpoint_misses() {
    let _turn = one_at_a_time();
    let emulator = start(Faults::default());
    let configs = [
        federation_config(&emulator, json!({"cache": true})),
        federation_config(&emulator, json!({"cache": true, "allow_prefix": "other/*"})),
        federation_config(&emulator, json!({"cache": true, "allow_actions": ["name/cos:GetObject"]})),
        federation_config(&emulator, json!({"cache": true, "duration_seconds": 900})),
        federation_config(&emulator, json!({"cache": true, "region": "ap-beijing"})),
        federation_config(&emulator, json!({"cache": true, "name": "other-name"})),
        federation_config(&emulator, json!({"cache": true, "endpoint": "sts.internal.tencentcloudapi.com"})),
    ];
    let mut ids = Vec::new();
    for config in &configs {
        ids.push(tmp_id(&ok(sts_get_credential, config)));
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), configs.len(), "every config got a key of its own");
    for config in &configs {
        ok(sts_get_credential, config);
    }
    assert_eq!(emulator.requests().len(), configs.len(), "the second round was served from the cache");

    // Another key pair of the same SecretId is another identity (and here a refused one).
    let (code, out) = call_text(
        sts_get_credential,
        &federation_config(&emulator, json!({"cache": true, "secret_key": "wrong-EXAMPLE"})),
    );
    assert_eq!(code, StsCode::STS_SERVICE, "{out}");
    assert!(!out.contains("wrong-EXAMPLE"));
    assert_eq!(emulator.requests().len(), configs.len() + 1);
    // An error is not cached.
    call_text(sts_get_credential, &federation_config(&emulator, json!({"cache": true, "secret_key": "wrong-EXAMPLE"})));
    assert_eq!(emulator.requests().len(), configs.len() + 2);
}

#[test]
fn a_key_with_less_than_min_remaining_seconds_left_is_never_handed_out() {
    let _turn = one_at_a_time();
    // The emulator's clock runs 250 s behind (within its 300 s skew window), so a 400 s key
    // it issues has only 150 s left: less than the default 300 by its expiredTime, though
    // the duration alone would allow it.
    let behind = sts::time::now_unix() - 250;
    let emulator = Emulator::start(EmulatorOptions { now: Some(behind), ..EmulatorOptions::default() }).unwrap();
    let config = federation_config(&emulator, json!({"cache": true, "duration_seconds": 400}));
    let mut ids = Vec::new();
    for _ in 0..3 {
        let out = parse(&ok(sts_get_credential, &config));
        let left = out["expiredTime"].as_i64().unwrap() - sts::time::now_unix();
        assert!(left < 300, "{left}");
        ids.push(out["credentials"]["tmpSecretId"].as_str().unwrap().to_owned());
    }
    assert_eq!(emulator.requests().len(), 3, "never served from the cache");
    ids.dedup();
    assert_eq!(ids.len(), 3);

    // With a lower bound the same key is served.
    let lenient =
        federation_config(&emulator, json!({"cache": {"min_remaining_seconds": 100}, "duration_seconds": 400}));
    let first = ok(sts_get_credential, &lenient);
    assert_eq!(ok(sts_get_credential, &lenient), first);
    assert_eq!(emulator.requests().len(), 3, "the cached 150 s key served the 100 s bound");
    // ... and the strict config still never gets it.
    assert_ne!(ok(sts_get_credential, &config), first);
    assert_eq!(emulator.requests().len(), 4);
}

#[test]
fn thirty_two_concurrent_identical_misses_send_one_request() {
    let _turn = one_at_a_time();
    let emulator = start(Faults { latency: Duration::from_millis(300), ..Faults::default() });
    let config = federation_config(&emulator, json!({"cache": true}));
    let barrier = Barrier::new(32);
    let answers: Vec<String> = std::thread::scope(|s| {
        let threads: Vec<_> = (0..32)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    ok(sts_get_credential, &config)
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    assert_eq!(emulator.requests().len(), 1);
    assert!(answers.iter().all(|a| *a == answers[0]), "all share the one answer");

    // An error is shared the same way, and not kept.
    let failing =
        start(Faults { latency: Duration::from_millis(300), always: Some(FailMode::Throttle), ..Faults::default() });
    let config = federation_config(&failing, json!({"cache": true, "retries": 0}));
    let codes: Vec<StsCode> = std::thread::scope(|s| {
        let threads: Vec<_> = (0..8)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    call_text(sts_get_credential, &config).0
                })
            })
            .collect();
        // The other 24 places of the barrier.
        for _ in 0..24 {
            s.spawn(|| barrier.wait());
        }
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    assert!(codes.iter().all(|c| *c == StsCode::STS_SERVICE), "{codes:?}");
    assert_eq!(failing.requests().len(), 1);
}

#[test]
fn sts_cache_clear_empties_it() {
    let _turn = one_at_a_time();
    let emulator = start(Faults::default());
    let config = federation_config(&emulator, json!({"cache": true}));
    let first = ok(sts_get_credential, &config);
    assert_eq!(ok(sts_get_credential, &config), first);
    assert_eq!(emulator.requests().len(), 1);
    sts_cache_clear();
    let second = ok(sts_get_credential, &config);
    assert_ne!(tmp_id(&second), tmp_id(&first));
    assert_eq!(ok(sts_get_credential, &config), second);
    assert_eq!(emulator.requests().len(), 2);
    sts_cache_clear();
    sts_cache_clear();
    ok(sts_get_credential, &config);
    assert_eq!(emulator.requests().len(), 3);
}

#[test]
fn cache_settings_are_checked_and_named() {
    let _turn = one_at_a_time();
    let emulator = start(Faults::default());
    let cases = [
        (json!({"cache": 1}), "cache: expected true, false or an object"),
        (json!({"cache": "yes"}), "cache: expected true, false or an object"),
        (json!({"cache": {"min_remaining_seconds": 0}}), "cache.min_remaining_seconds: 0 is out of range 1..=129600"),
        (json!({"cache": {"max_entries": 0}}), "cache.max_entries: 0 is out of range 1..=65536"),
        (json!({"cache": {"maxEntries": 70000}}), "cache.maxEntries: 70000 is out of range 1..=65536"),
        (json!({"cache": {"max_entrys": 5}}), "cache.max_entrys: unknown key (did you mean `max_entries`?)"),
        (
            json!({"cache": {"min_remaining_seconds": 900}, "duration_seconds": 900}),
            "cache.min_remaining_seconds: min_remaining_seconds 900 is not below duration_seconds 900",
        ),
        (
            json!({"cache": true, "duration_seconds": 300}),
            "cache: min_remaining_seconds 300 is not below duration_seconds 300",
        ),
    ];
    for (extra, expected) in cases {
        let (code, out) = c_call(sts_get_credential, &federation_config(&emulator, extra.clone()));
        assert_eq!(code, StsCode::STS_INVALID_ARGUMENT, "{extra}");
        let message = out["error"]["message"].as_str().unwrap();
        assert!(message.starts_with(expected), "{extra}\n  got      {message}\n  expected {expected}...");
        assert!(!message.contains(DEFAULT_SECRET_KEY));
    }
    assert!(emulator.requests().is_empty());
    let (code, out) = c_call(sts_check_config, &federation_config(&emulator, json!({"cache": true})));
    assert_eq!(code, StsCode::STS_OK);
    assert_eq!(out["cache"], json!({"min_remaining_seconds": 300, "max_entries": 1024}));
    let (_, out) = c_call(sts_check_config, &federation_config(&emulator, json!({"cache": false})));
    assert_eq!(out["cache"], Value::Null);
}

#[test]
fn a_config_that_takes_its_key_from_the_environment_is_still_cached_by_its_request() {
    let _turn = one_at_a_time();
    let emulator = start(Faults::default());
    // No secret in the text: the key pair comes from the environment, so the text alone does
    // not fix the request and each call parses it; identical requests still hit.
    let config = federation_config(&emulator, json!({"cache": true, "secret_id": null, "secret_key": null}));
    std::env::set_var("TENCENTCLOUD_SECRET_ID", DEFAULT_SECRET_ID);
    std::env::set_var("TENCENTCLOUD_SECRET_KEY", DEFAULT_SECRET_KEY);
    let first = ok(sts_get_credential, &config);
    assert_eq!(ok(sts_get_credential, &config), first);
    assert_eq!(emulator.requests().len(), 1);
    // Another key in the environment is another identity: a miss, though the text is the same.
    std::env::set_var("TENCENTCLOUD_SECRET_KEY", "another-key-EXAMPLE");
    let (code, out) = call_text(sts_get_credential, &config);
    assert_eq!(code, StsCode::STS_SERVICE, "{out}");
    assert_eq!(emulator.requests().len(), 2);
    std::env::remove_var("TENCENTCLOUD_SECRET_ID");
    std::env::remove_var("TENCENTCLOUD_SECRET_KEY");
}

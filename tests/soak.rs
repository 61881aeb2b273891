//! Concurrency soak through the C ABI: 8 threads x 2,000 mixed calls (policy, credential,
//! role credential, some failing on purpose), every call's code checked, then resident
//! memory and open file descriptors compared with the values after a warm-up.
//!
//! The emulator runs as a separate process (the `sts-emulator` binary), so its own request
//! log and threads do not count in this process's memory and descriptors.
//! `STS_SOAK_CALLS` changes the calls per thread (default 2,000).

mod common;

use common::*;
use std::ffi::CString;
use std::time::{Duration, Instant};
use sts::ffi::{sts_get_credential, sts_get_policy, sts_get_role_credential, StsCode};

const THREADS: usize = 8;
const SECRET_ID: &str = "AKIDsoak000000000000000000000000000";
const SECRET_KEY: &str = "soak-secret-key";

struct Inputs {
    policy_ok: CString,
    policy_bad: CString,
    credential_ok: CString,
    role_ok: CString,
    config_bad: CString,
    wrong_key: CString,
    refused: CString,
}

fn inputs(url: &str) -> Inputs {
    let c = |s: String| CString::new(s).unwrap();
    let base = format!(r#""secret_id":"{SECRET_ID}","url":"{url}","retries":0,"timeout_ms":5000"#);
    let build = r#""bucket":"example-1250000000","region":"ap-guangzhou","allow_prefix":["a/*","b/*"],"allow_actions":["name/cos:PutObject","name/cos:GetObject"]"#;
    Inputs {
        policy_ok: c(r#"[{"action":["name/cos:PutObject","name/cos:GetObject"],"bucket":"example-1250000000","region":"ap-guangzhou","prefix":["a/*","b/*"]},{"action":"name/cos:GetService","bucket":"example-1250000000","region":"ap-guangzhou","prefix":"*"}]"#.into()),
        policy_bad: c(r#"[{"action":"name/cos:PutObject","bucket":"nobucket","region":"ap-guangzhou","prefix":"*"}]"#.into()),
        credential_ok: c(format!(r#"{{{base},"secret_key":"{SECRET_KEY}",{build}}}"#)),
        role_ok: c(format!(r#"{{{base},"secret_key":"{SECRET_KEY}","role_arn":"qcs::cam::uin/1:roleName/r"}}"#)),
        config_bad: c(format!(r#"{{{base},"secret_key":"{SECRET_KEY}",{build},"duration_seconds":0}}"#)),
        wrong_key: c(format!(r#"{{{base},"secret_key":"not-the-key",{build}}}"#)),
        refused: c(format!(
            r#"{{"secret_id":"{SECRET_ID}","secret_key":"{SECRET_KEY}","url":"http://127.0.0.1:1/","retries":0,{build}}}"#
        )),
    }
}

/// One call as C would make it; checks the code and that the JSON is what the code says.
fn call(f: Export, input: &CString, expected: StsCode) {
    let (code, json) = c_call_text(f, input);
    let is_error = json.starts_with(r#"{"error":"#);
    assert!(code == expected && (code == StsCode::STS_OK) != is_error, "expected {expected:?}, got {code:?}: {json}");
}

/// The mix: half local (policy), the rest network, one in eight failing on purpose locally,
/// one in eight failing at the service, one in 64 failing to connect.
fn run(inputs: &Inputs, thread: usize, calls: usize) {
    use StsCode::*;
    for i in 0..calls {
        match (thread + i) % 64 {
            63 => call(sts_get_credential, &inputs.refused, STS_NETWORK),
            n => match n % 8 {
                0..=2 => call(sts_get_policy, &inputs.policy_ok, STS_OK),
                3 => call(sts_get_policy, &inputs.policy_bad, STS_INVALID_ARGUMENT),
                4 => call(sts_get_credential, &inputs.credential_ok, STS_OK),
                5 => call(sts_get_role_credential, &inputs.role_ok, STS_OK),
                6 => call(sts_get_credential, &inputs.config_bad, STS_INVALID_ARGUMENT),
                _ => call(sts_get_credential, &inputs.wrong_key, STS_SERVICE),
            },
        }
    }
}

fn round(inputs: &Inputs, calls: usize) {
    std::thread::scope(|scope| {
        for t in 0..THREADS {
            scope.spawn(move || run(inputs, t, calls));
        }
    });
}

#[test]
fn eight_threads_of_mixed_calls_keep_memory_and_descriptors_flat() {
    let calls: usize = std::env::var("STS_SOAK_CALLS").ok().and_then(|v| v.parse().ok()).unwrap_or(2000);
    let (_emulator, url) = EmulatorProcess::spawn(&["--key", &format!("{SECRET_ID}:{SECRET_KEY}")]);
    let inputs = inputs(&url);

    // Warm-up: the pool, the allocator's per-thread arenas and lazily built statics.
    round(&inputs, 200);
    let rss_warm = resident_bytes();
    let fds_warm = open_fds();

    let started = Instant::now();
    round(&inputs, calls);
    let elapsed = started.elapsed();
    let rss_after = resident_bytes();
    let fds_after = open_fds();

    let delta = rss_after as i64 - rss_warm as i64;
    eprintln!(
        "soak: {THREADS} x {calls} calls in {elapsed:.2?}; RSS {:.1} MiB after warm-up, {:.1} MiB after ({:+.2} MiB); fds {fds_warm} -> {fds_after}",
        rss_warm as f64 / 1048576.0,
        rss_after as f64 / 1048576.0,
        delta as f64 / 1048576.0
    );
    assert!(delta < 10 * 1024 * 1024, "RSS grew by {delta} bytes");
    // Pooled keep-alive sockets may differ by what the threads happened to leave idle
    // (at most one per thread here); anything beyond that is a leak.
    assert!(fds_after <= fds_warm + THREADS, "fds {fds_warm} -> {fds_after}");
    assert!(elapsed < Duration::from_secs(120), "took {elapsed:?}");
}

//! The async exports through the C ABI: every accepted call is answered exactly once, on a
//! libsts worker, with what the blocking call answers; many calls at once stay within the worker
//! limit and leave memory and descriptors flat; refusals call nothing; a panic is STS_INTERNAL;
//! a process may exit or fork with calls in flight.
//!
//! Scenarios that change process-wide state (the worker limit, fork, exit) run in a child
//! process: this test binary re-executed for one test, with `STS_ASYNC_CHILD` set.
#![allow(unsafe_code)]

mod common;

use common::*;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::ffi::{c_char, c_void, CStr, CString};
use std::process::{Command, Output};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::ThreadId;
use std::time::{Duration, Instant};
use sts::ffi::{
    call_async_with_core, sts_get_credential, sts_get_credential_async, sts_get_role_credential,
    sts_get_role_credential_async, sts_get_upload_credential, sts_get_upload_credential_async, sts_set_async_workers,
    StsCallback, StsCode,
};
use sts::worker::{MAX_QUEUED, THREAD_NAME};

type AsyncExport = extern "C" fn(*const c_char, StsCallback, *mut c_void) -> StsCode;

const CHILD: &str = "STS_ASYNC_CHILD";

/// One callback as it arrived.
#[derive(Clone, Debug)]
struct Answer {
    code: StsCode,
    json: String,
    thread_name: Option<String>,
    thread: ThreadId,
    /// Whether SIGINT and SIGSEGV were blocked on the thread that ran the callback.
    blocked: (bool, bool),
}

fn blocked_signals() -> (bool, bool) {
    // SAFETY: queries this thread's mask into a set we own.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::pthread_sigmask(libc::SIG_BLOCK, std::ptr::null(), &mut set);
        (libc::sigismember(&set, libc::SIGINT) == 1, libc::sigismember(&set, libc::SIGSEGV) == 1)
    }
}

/// Collects answers by call id; `user_data` of call `id` points at `slots[id]`.
struct Answers {
    got: Mutex<HashMap<usize, Vec<Answer>>>,
    arrived: Condvar,
}

struct Slot {
    answers: Arc<Answers>,
    id: usize,
}

unsafe extern "C" fn on_answer(user_data: *mut c_void, code: StsCode, out_json: *mut c_char) {
    // SAFETY: user_data is a `Slot` kept alive by the test until every answer is in (and after).
    let slot = unsafe { &*(user_data as *const Slot) };
    let json = if out_json.is_null() {
        String::from("(NULL out_json)")
    } else {
        // SAFETY: a NUL-terminated string owned by us until sts_string_free.
        unsafe { CStr::from_ptr(out_json) }.to_string_lossy().into_owned()
    };
    sts::ffi::sts_string_free(out_json);
    let current = std::thread::current();
    let answer = Answer {
        code,
        json,
        thread_name: current.name().map(str::to_owned),
        thread: current.id(),
        blocked: blocked_signals(),
    };
    let mut got = slot.answers.got.lock().unwrap_or_else(|p| p.into_inner());
    got.entry(slot.id).or_default().push(answer);
    slot.answers.arrived.notify_all();
}

/// A batch of async calls and the slots their callbacks report to.
struct Batch {
    answers: Arc<Answers>,
    // Boxed: each slot's address is a call's user_data and must not move as the Vec grows.
    #[allow(clippy::vec_box)]
    slots: Vec<Box<Slot>>,
}

impl Batch {
    fn new() -> Batch {
        Batch {
            answers: Arc::new(Answers { got: Mutex::new(HashMap::new()), arrived: Condvar::new() }),
            slots: Vec::new(),
        }
    }

    /// Makes one call with `input` (None = NULL); returns what the export returned.
    fn call(&mut self, f: AsyncExport, input: Option<&str>) -> StsCode {
        let input = input.map(|s| CString::new(s).unwrap());
        self.call_raw(f, input.as_ref().map_or(std::ptr::null(), |s| s.as_ptr()))
        // `input` is dropped here, right after the call: libsts must have copied it.
    }

    fn call_raw(&mut self, f: AsyncExport, input: *const c_char) -> StsCode {
        let slot = Box::new(Slot { answers: Arc::clone(&self.answers), id: self.slots.len() });
        let user_data = &*slot as *const Slot as *mut c_void;
        self.slots.push(slot);
        f(input, Some(on_answer), user_data)
    }

    /// Waits until `n` calls have answered (or `limit` passes), then a little longer to catch
    /// any second answer; returns every call's answers by id.
    fn wait(&self, n: usize, limit: Duration) -> HashMap<usize, Vec<Answer>> {
        let deadline = Instant::now() + limit;
        let mut got = self.answers.got.lock().unwrap();
        while got.len() < n {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "only {} of {n} calls answered within {limit:?}", got.len());
            got = self.answers.arrived.wait_timeout(got, left).unwrap().0;
        }
        drop(got);
        std::thread::sleep(Duration::from_millis(100));
        self.answers.got.lock().unwrap().clone()
    }

    /// The single answer of each of `n` calls, asserting exactly-once delivery on a worker.
    fn answers(&self, n: usize, limit: Duration) -> Vec<Answer> {
        let got = self.wait(n, limit);
        assert_eq!(
            got.len(),
            n,
            "answers for unknown calls: {:?}",
            got.keys().filter(|id| **id >= n).collect::<Vec<_>>()
        );
        (0..n)
            .map(|id| {
                let answers = &got[&id];
                assert_eq!(answers.len(), 1, "call {id} answered {} times: {answers:?}", answers.len());
                let answer = answers[0].clone();
                assert_eq!(answer.thread_name.as_deref(), Some(THREAD_NAME), "call {id} answered off a worker");
                assert_ne!(answer.thread, std::thread::current().id());
                answer
            })
            .collect()
    }
}

fn blocking(f: Export, input: Option<&str>) -> (StsCode, Value) {
    match input {
        Some(input) => c_call(f, input),
        None => {
            let mut out: *mut c_char = std::ptr::null_mut();
            let code = f(std::ptr::null(), &mut out);
            // SAFETY: set by the library, released right after.
            let json = unsafe { CStr::from_ptr(out) }.to_string_lossy().into_owned();
            sts::ffi::sts_string_free(out);
            (code, parse(&json))
        }
    }
}

/// What must match between the blocking and the async answer: for errors the code and the
/// message (request ids differ per request), for credentials the shape.
fn comparable(json: &Value) -> Value {
    match json.get("error") {
        Some(error) => json!({"code": error["code"], "message": error["message"]}),
        None => {
            let keys = |v: &Value| v.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()).unwrap_or_default();
            json!({"keys": keys(json), "credentials": keys(&json["credentials"])})
        }
    }
}

#[test]
fn every_answer_class_comes_once_on_a_worker_as_the_blocking_call_gives_it() {
    let emulator = start(Faults::default());
    let malformed = start(Faults { always: Some(FailMode::Malformed), ..Faults::default() });
    let federation = federation_config(&emulator, json!({}));
    let role = role_config(&emulator, json!({}));
    let cases: Vec<(&str, Export, AsyncExport, Option<String>, StsCode)> = vec![
        ("credential", sts_get_credential, sts_get_credential_async, Some(federation.clone()), StsCode::STS_OK),
        ("role", sts_get_role_credential, sts_get_role_credential_async, Some(role), StsCode::STS_OK),
        (
            "bad config",
            sts_get_credential,
            sts_get_credential_async,
            Some(federation_config(&emulator, json!({"duration_seconds": 0}))),
            StsCode::STS_INVALID_ARGUMENT,
        ),
        (
            "not JSON",
            sts_get_role_credential,
            sts_get_role_credential_async,
            Some("{".into()),
            StsCode::STS_INVALID_ARGUMENT,
        ),
        ("NULL config", sts_get_credential, sts_get_credential_async, None, StsCode::STS_INVALID_ARGUMENT),
        (
            "network",
            sts_get_credential,
            sts_get_credential_async,
            Some(federation_config(&emulator, json!({"url": "http://127.0.0.1:1/", "retries": 0}))),
            StsCode::STS_NETWORK,
        ),
        (
            "service",
            sts_get_credential,
            sts_get_credential_async,
            Some(federation_config(&emulator, json!({"secret_key": "not-the-key-EXAMPLE"}))),
            StsCode::STS_SERVICE,
        ),
        (
            "bad response",
            sts_get_credential,
            sts_get_credential_async,
            Some(federation_config(&malformed, json!({}))),
            StsCode::STS_BAD_RESPONSE,
        ),
        (
            "upload",
            sts_get_upload_credential,
            sts_get_upload_credential_async,
            Some(common::upload_config(&emulator, json!({"ext": "jpg"}), json!({}))),
            StsCode::STS_OK,
        ),
    ];
    let mut batch = Batch::new();
    for (name, _, f, input, _) in &cases {
        assert_eq!(batch.call(*f, input.as_deref()), StsCode::STS_OK, "{name}: not accepted");
    }
    let answers = batch.answers(cases.len(), Duration::from_secs(20));
    for ((name, sync, _, input, expected), answer) in cases.iter().zip(&answers) {
        let (sync_code, sync_json) = blocking(*sync, input.as_deref());
        let json = parse(&answer.json);
        assert_eq!(answer.code, *expected, "{name}: {json}");
        assert_eq!(sync_code, *expected, "{name} (blocking): {sync_json}");
        assert_eq!(comparable(&json), comparable(&sync_json), "{name}");
    }
    // Workers leave process signals to the host's threads, but never block fault signals.
    assert!(answers.iter().all(|a| a.blocked == (true, false)), "{:?}", answers[0].blocked);
    let (ok, null) = (parse(&answers[0].json), parse(&answers[4].json));
    assert!(ok["credentials"]["tmpSecretKey"].as_str().is_some_and(|k| !k.is_empty()), "{ok}");
    assert_eq!(null["error"]["message"], "config: NULL pointer");
    assert_eq!(parse(&answers[6].json)["error"]["code"], "AuthFailure.SignatureFailure");
}

#[test]
fn a_null_callback_is_refused_and_nothing_is_sent() {
    let emulator = start(Faults::default());
    let config = CString::new(federation_config(&emulator, json!({}))).unwrap();
    let role = CString::new(role_config(&emulator, json!({}))).unwrap();
    assert_eq!(sts_get_credential_async(config.as_ptr(), None, std::ptr::null_mut()), StsCode::STS_INVALID_ARGUMENT);
    assert_eq!(sts_get_role_credential_async(role.as_ptr(), None, std::ptr::null_mut()), StsCode::STS_INVALID_ARGUMENT);
    std::thread::sleep(Duration::from_millis(300));
    assert!(emulator.requests().is_empty(), "a refused call was run: {:?}", emulator.requests());
}

fn panicking_core(_: &str, _: Instant) -> sts::error::Result<String> {
    panic!("core panicked on purpose")
}

#[test]
fn a_panic_on_a_worker_is_answered_as_internal() {
    let mut batch = Batch::new();
    let input = CString::new("{}").unwrap();
    let slot = Box::new(Slot { answers: Arc::clone(&batch.answers), id: 0 });
    let code =
        call_async_with_core(input.as_ptr(), Some(on_answer), &*slot as *const Slot as *mut c_void, panicking_core);
    batch.slots.push(slot);
    assert_eq!(code, StsCode::STS_OK);
    let answer = &batch.answers(1, Duration::from_secs(10))[0];
    assert_eq!(answer.code, StsCode::STS_INTERNAL);
    let json = parse(&answer.json);
    assert_eq!(json["error"]["code"], "Client.Internal");
    assert!(!answer.json.contains("on purpose"), "the panic payload is not echoed: {json}");
    // The worker survived the panic: the next call is answered too.
    assert_eq!(batch.call(sts_get_credential_async, Some("{")), StsCode::STS_OK);
    assert_eq!(batch.answers(2, Duration::from_secs(10))[1].code, StsCode::STS_INVALID_ARGUMENT);
}

#[test]
fn the_input_is_copied_before_the_call_returns() {
    // 64 workers and 200 calls of 50 ms: most calls wait in the queue long after their input
    // was overwritten and freed.
    let emulator = start(Faults { latency: Duration::from_millis(50), ..Faults::default() });
    let config = federation_config(&emulator, json!({}));
    let mut batch = Batch::new();
    for _ in 0..200 {
        let mut input = CString::new(config.clone()).unwrap().into_bytes_with_nul();
        assert_eq!(batch.call_raw(sts_get_credential_async, input.as_ptr().cast()), StsCode::STS_OK);
        input.iter_mut().for_each(|b| *b = b'x');
        input[0] = 0;
    }
    for (id, answer) in batch.answers(200, Duration::from_secs(60)).iter().enumerate() {
        assert_eq!(answer.code, StsCode::STS_OK, "call {id}: {}", answer.json);
    }
    assert_eq!(emulator.requests().len(), 200);
}

#[test]
fn the_deadline_covers_time_spent_waiting_for_a_worker() {
    // Run in a child with one worker: the first call holds it for 600 ms, the second waits
    // behind it with total_timeout_ms=300 and is answered Client.Timeout without being sent.
    let Some(out) = in_child("the_deadline_covers_time_spent_waiting_for_a_worker", &[("LIBSTS_ASYNC_WORKERS", "1")])
    else {
        let emulator = start(Faults { latency: Duration::from_millis(600), ..Faults::default() });
        let mut batch = Batch::new();
        assert_eq!(
            batch.call(sts_get_credential_async, Some(&federation_config(&emulator, json!({})))),
            StsCode::STS_OK
        );
        let quick = federation_config(&emulator, json!({"total_timeout_ms": 300}));
        assert_eq!(batch.call(sts_get_credential_async, Some(&quick)), StsCode::STS_OK);
        let answers = batch.answers(2, Duration::from_secs(20));
        assert_eq!(answers[0].code, StsCode::STS_OK, "{}", answers[0].json);
        let late = parse(&answers[1].json);
        assert_eq!((answers[1].code, late["error"]["code"].as_str()), (StsCode::STS_NETWORK, Some("Client.Timeout")));
        assert!(late["error"]["message"].as_str().unwrap().contains("total_timeout_ms=300"), "{late}");
        assert_eq!(emulator.requests().len(), 1, "the expired call was not sent");
        println!("child ok");
        return;
    };
    assert_child_ok(&out);
}

fn emulator_config(url: &str) -> String {
    json!({"secret_id": DEFAULT_SECRET_ID, "secret_key": DEFAULT_SECRET_KEY, "url": url, "bucket": BUCKET,
        "allow_prefix": "dir/*", "allow_actions": ["name/cos:PutObject"], "timeout_ms": 10000})
    .to_string()
}

/// `calls` async calls at once; all must succeed, each answered once. Returns the threads used.
fn round(config: &str, calls: usize) -> HashSet<ThreadId> {
    let mut batch = Batch::new();
    for _ in 0..calls {
        assert_eq!(batch.call(sts_get_credential_async, Some(config)), StsCode::STS_OK);
    }
    let answers = batch.answers(calls, Duration::from_secs(120));
    for (id, answer) in answers.iter().enumerate() {
        assert_eq!(answer.code, StsCode::STS_OK, "call {id}: {}", answer.json);
    }
    answers.iter().map(|a| a.thread).collect()
}

#[test]
fn a_thousand_calls_at_once_are_answered_once_within_the_worker_limit_and_leave_memory_flat() {
    // In a child: the other tests of this binary would count in its memory and descriptors.
    let name = "a_thousand_calls_at_once_are_answered_once_within_the_worker_limit_and_leave_memory_flat";
    if let Some(out) = in_child(name, &[]) {
        assert_child_ok(&out);
        eprint!("{}", String::from_utf8_lossy(&out.stderr));
        return;
    }
    let (_emulator, url) = EmulatorProcess::spawn(&["--latency-ms", "30"]);
    let config = emulator_config(&url);
    // Warm-up: the workers, the connection pool, and the allocator's arenas, which 64 threads
    // take about three rounds to fill (RSS then stays level: measured over 12 rounds).
    for _ in 0..3 {
        let threads = round(&config, 1000);
        assert!(threads.len() <= 64, "{} distinct threads answered", threads.len());
    }
    let (workers, waiting) = sts::worker::stats();
    assert!(workers <= 64 && waiting == 0, "{workers} workers, {waiting} waiting");
    let rss_warm = resident_bytes();
    let fds_warm = open_fds();

    let started = Instant::now();
    let mut threads_after = HashSet::new();
    let rounds = 5;
    for _ in 0..rounds {
        threads_after.extend(round(&config, 1000));
    }
    let elapsed = started.elapsed();
    let rss_after = resident_bytes();
    let fds_after = open_fds();
    let delta = rss_after as i64 - rss_warm as i64;
    eprintln!(
        "async: {rounds} x 1000 calls in {elapsed:.2?} ({:.0} calls/s); RSS {:.1} -> {:.1} MiB ({:+.2} MiB); fds {fds_warm} -> {fds_after}; {} threads",
        (rounds * 1000) as f64 / elapsed.as_secs_f64(),
        rss_warm as f64 / 1048576.0,
        rss_after as f64 / 1048576.0,
        delta as f64 / 1048576.0,
        threads_after.len()
    );
    assert!(threads_after.len() <= 64, "{} distinct threads answered", threads_after.len());
    assert!(delta < 10 * 1024 * 1024, "RSS grew by {delta} bytes");
    // Idle keep-alive connections: at most the transport's 32 per agent, whatever the round left.
    assert!(fds_after <= fds_warm + 32, "fds {fds_warm} -> {fds_after}");
    println!("child ok");
}

/// Re-runs this binary for the test `name` alone with `CHILD` and `env` set. Returns None in
/// the child (the caller then runs the scenario), the child's output in the parent.
fn in_child(name: &str, env: &[(&str, &str)]) -> Option<Output> {
    if std::env::var_os(CHILD).is_some() {
        return None;
    }
    let output = Command::new(std::env::current_exe().unwrap())
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, name)
        .env("RUST_BACKTRACE", "0")
        .envs(env.iter().copied())
        .output()
        .expect("re-run the test binary");
    Some(output)
}

fn assert_child_ok(out: &Output) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "child failed ({:?}):\n{stdout}\n{stderr}", out.status);
    assert!(stdout.contains("child ok"), "child did not run its scenario:\n{stdout}\n{stderr}");
}

#[test]
fn a_process_may_exit_with_calls_in_flight() {
    for run in 0..5 {
        let Some(out) = in_child("a_process_may_exit_with_calls_in_flight", &[]) else {
            // 200 calls of 50 ms each: 64 in flight, the rest queued, answers arriving while the
            // test harness returns from main and the process exits.
            let emulator = start(Faults { latency: Duration::from_millis(50), ..Faults::default() });
            let config = federation_config(&emulator, json!({}));
            let mut batch = Batch::new();
            for _ in 0..200 {
                assert_eq!(batch.call(sts_get_credential_async, Some(&config)), StsCode::STS_OK);
            }
            std::thread::sleep(Duration::from_millis(60));
            println!("child ok");
            // Leaked: the slots must outlive any callback still running during exit.
            std::mem::forget(batch);
            std::mem::forget(emulator);
            return;
        };
        assert_child_ok(&out);
        assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"), "run {run}");
    }
}

#[test]
fn the_worker_limit_comes_from_the_environment_and_calls_beyond_it_wait() {
    let Some(out) = in_child(
        "the_worker_limit_comes_from_the_environment_and_calls_beyond_it_wait",
        &[("LIBSTS_ASYNC_WORKERS", "3")],
    ) else {
        let emulator = start(Faults { latency: Duration::from_millis(20), ..Faults::default() });
        let config = federation_config(&emulator, json!({}));
        let mut batch = Batch::new();
        for _ in 0..60 {
            assert_eq!(batch.call(sts_get_credential_async, Some(&config)), StsCode::STS_OK);
        }
        let answers = batch.answers(60, Duration::from_secs(30));
        assert!(answers.iter().all(|a| a.code == StsCode::STS_OK));
        let threads: HashSet<ThreadId> = answers.iter().map(|a| a.thread).collect();
        assert!(threads.len() <= 3, "{} threads for a limit of 3", threads.len());
        assert_eq!(sts::worker::stats(), (3, 0));
        // Lowered at run time: idle workers above the limit stop.
        assert_eq!(sts_set_async_workers(1), StsCode::STS_OK);
        let deadline = Instant::now() + Duration::from_secs(5);
        while sts::worker::stats().0 > 1 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(sts::worker::stats(), (1, 0));
        assert_eq!(batch.call(sts_get_credential_async, Some(&config)), StsCode::STS_OK);
        assert_eq!(batch.answers(61, Duration::from_secs(10))[60].code, StsCode::STS_OK);
        println!("child ok");
        return;
    };
    assert_child_ok(&out);
}

#[test]
fn an_invalid_worker_count_in_the_environment_answers_every_call_naming_it() {
    let Some(out) = in_child(
        "an_invalid_worker_count_in_the_environment_answers_every_call_naming_it",
        &[("LIBSTS_ASYNC_WORKERS", "lots")],
    ) else {
        let emulator = start(Faults::default());
        let mut batch = Batch::new();
        assert_eq!(
            batch.call(sts_get_credential_async, Some(&federation_config(&emulator, json!({})))),
            StsCode::STS_OK
        );
        let answer = &batch.answers(1, Duration::from_secs(10))[0];
        assert_eq!(answer.code, StsCode::STS_INVALID_ARGUMENT);
        assert_eq!(
            parse(&answer.json)["error"]["message"],
            "LIBSTS_ASYNC_WORKERS: `lots` is not a worker count in 1..=1024"
        );
        assert!(emulator.requests().is_empty());
        // An explicit limit replaces the environment's value.
        assert_eq!(sts_set_async_workers(2), StsCode::STS_OK);
        assert_eq!(
            batch.call(sts_get_credential_async, Some(&federation_config(&emulator, json!({})))),
            StsCode::STS_OK
        );
        assert_eq!(batch.answers(2, Duration::from_secs(10))[1].code, StsCode::STS_OK);
        println!("child ok");
        return;
    };
    assert_child_ok(&out);
}

#[test]
fn worker_counts_out_of_range_are_refused() {
    // Out of range changes nothing, so this may run next to the other tests.
    assert_eq!(sts_set_async_workers(0), StsCode::STS_INVALID_ARGUMENT);
    assert_eq!(sts_set_async_workers(1025), StsCode::STS_INVALID_ARGUMENT);
}

#[test]
fn a_full_queue_refuses_the_call_without_calling_back() {
    let Some(out) = in_child("a_full_queue_refuses_the_call_without_calling_back", &[("LIBSTS_ASYNC_WORKERS", "1")])
    else {
        // The one worker hangs on the first call; the rest wait until the queue is full.
        let emulator = start(Faults { always: Some(FailMode::Hang), ..Faults::default() });
        let config =
            CString::new(federation_config(&emulator, json!({"total_timeout_ms": 600000, "timeout_ms": 600000})))
                .unwrap();
        let mut batch = Batch::new();
        let mut accepted = 0;
        let refused = loop {
            match batch.call_raw(sts_get_credential_async, config.as_ptr()) {
                StsCode::STS_OK => accepted += 1,
                other => break other,
            }
            assert!(accepted <= MAX_QUEUED + 1, "the queue did not fill up");
        };
        assert_eq!(refused, StsCode::STS_NETWORK);
        assert!((MAX_QUEUED..=MAX_QUEUED + 1).contains(&accepted), "{accepted} accepted");
        std::thread::sleep(Duration::from_millis(200));
        let got = batch.answers.got.lock().unwrap();
        assert!(got.is_empty(), "no call finished, so nothing may have answered: {:?}", got.keys().take(3));
        drop(got);
        std::mem::forget(batch);
        std::mem::forget(emulator);
        println!("child ok");
        return;
    };
    assert_child_ok(&out);
}

/// Waits for `pid` at most `limit`; kills it if it does not exit. Returns its exit status.
fn wait_child(pid: libc::pid_t, limit: Duration) -> Option<i32> {
    let deadline = Instant::now() + limit;
    loop {
        let mut status = 0;
        // SAFETY: waits for our own child; writes only `status`.
        let done = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if done == pid {
            return libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
        }
        if Instant::now() > deadline {
            // SAFETY: our own child, which is stuck.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::waitpid(pid, &mut status, 0);
            }
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_forked_child_starts_its_own_workers_and_never_waits_on_the_parents_lock() {
    let Some(out) = in_child("a_forked_child_starts_its_own_workers_and_never_waits_on_the_parents_lock", &[]) else {
        // The parent keeps its pool's lock busy with calls answered at once (a bad config), so
        // that fork() often happens while a parent thread holds it.
        let bad = federation_config(&start(Faults::default()), json!({"duration_seconds": 0}));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let hammer = {
            let (bad, stop) = (bad.clone(), Arc::clone(&stop));
            std::thread::spawn(move || {
                let mut batch = Batch::new();
                let mut calls = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    assert_eq!(batch.call(sts_get_credential_async, Some(&bad)), StsCode::STS_OK);
                    calls += 1;
                    if calls % 1000 == 0 {
                        batch.answers(calls, Duration::from_secs(30));
                        batch = Batch::new();
                        calls = 0;
                    }
                }
                batch.answers(calls, Duration::from_secs(30));
            })
        };
        std::thread::sleep(Duration::from_millis(50));
        let (parent_workers, _) = sts::worker::stats();
        assert!(parent_workers > 0);
        for fork in 0..20 {
            // SAFETY: the child only allocates (fork-safe in glibc), starts threads and _exits.
            let pid = unsafe { libc::fork() };
            assert!(pid >= 0, "fork failed");
            if pid == 0 {
                let fresh = sts::worker::stats() == (0, 0);
                let mut batch = Batch::new();
                let accepted = batch.call(sts_get_credential_async, Some(&bad)) == StsCode::STS_OK;
                let deadline = Instant::now() + Duration::from_secs(10);
                let mut answered = false;
                while !answered && Instant::now() < deadline {
                    answered = batch.answers.got.lock().unwrap().get(&0).is_some_and(|a| {
                        a.len() == 1
                            && a[0].code == StsCode::STS_INVALID_ARGUMENT
                            && a[0].thread_name.as_deref() == Some(THREAD_NAME)
                    });
                    std::thread::sleep(Duration::from_millis(1));
                }
                let code = if !fresh {
                    3
                } else if !accepted {
                    4
                } else if !answered {
                    5
                } else {
                    0
                };
                // SAFETY: leaves the child without running the parent's exit handlers twice.
                unsafe { libc::_exit(code) };
            }
            assert_eq!(
                wait_child(pid, Duration::from_secs(20)),
                Some(0),
                "fork {fork}: 3 = inherited workers, 4 = refused, 5 = never answered, None = hung"
            );
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        hammer.join().unwrap();
        println!("child ok");
        return;
    };
    assert_child_ok(&out);
}

#[test]
fn a_tls_call_fits_on_a_workers_stack_in_a_debug_build() {
    // TLS handshakes are the deepest path (FFI-NOTES: more than koffi's 128 KiB in a debug build).
    let data = |name: &str| format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let identity =
        sts_emulator::TlsIdentity::from_files(data("test-only-server.pem"), data("test-only-server.key.pem")).unwrap();
    let emulator = Emulator::start(EmulatorOptions { tls: Some(identity), ..EmulatorOptions::default() }).unwrap();
    let mut batch = Batch::new();
    let config = federation_config(&emulator, json!({"ca_file": data("test-only-ca.pem")}));
    assert_eq!(batch.call(sts_get_credential_async, Some(&config)), StsCode::STS_OK);
    let answer = &batch.answers(1, Duration::from_secs(20))[0];
    assert_eq!(answer.code, StsCode::STS_OK, "{}", answer.json);
    assert_eq!(emulator.requests().len(), 1);
}

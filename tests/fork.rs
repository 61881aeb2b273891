//! Fork safety (issue 10 item 3): a child forked after calls, or while other threads are
//! inside calls, opens connections of its own, gets its own answers and never waits on a lock
//! held at fork time.
//!
//! Its own test binary: forking a process whose other threads are running tests is only sound
//! if the child does nothing but the libsts call, reports through a pipe and `_exit`s, which
//! is all `fork_call` lets it do. The tests here run one at a time (`SERIAL`), so no test's
//! fork catches another test mid-call unless it means to.
#![allow(unsafe_code)]

mod common;

use common::*;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::os::fd::FromRawFd;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use sts::api::get_credential;

/// A child still running after this long is killed by SIGALRM: a hang fails the test.
const CHILD_ALARM_SECS: u32 = 10;
const ROUNDS: i64 = 30;

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

struct Child {
    pid: libc::pid_t,
    report: std::fs::File,
}

/// What a child reported: its call's result and how long the call took.
struct Report {
    result: Result<Value, String>,
    elapsed: Duration,
}

/// Forks; the child calls `get_credential(config)`, writes the result to a pipe and exits.
fn fork_call(config: &str) -> Child {
    let mut fds = [0; 2];
    // SAFETY: plain libc calls on a local array.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0, "pipe2");
    // SAFETY: the child runs only `child_main`, which never returns.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        child_main(config, fds[1]);
    }
    // SAFETY: the write end belongs to the child now; the read end is ours alone.
    unsafe { libc::close(fds[1]) };
    Child { pid, report: unsafe { std::fs::File::from_raw_fd(fds[0]) } }
}

/// The child: one libsts call, one report, `_exit`. No unwinding into the test harness's copy.
fn child_main(config: &str, report_fd: i32) -> ! {
    // SAFETY: alarm and _exit are async-signal-safe; the fd is the pipe's write end.
    unsafe { libc::alarm(CHILD_ALARM_SECS) };
    let outcome = std::panic::catch_unwind(|| {
        let started = Instant::now();
        let result = get_credential(config);
        let elapsed = started.elapsed().as_millis();
        let line = match result {
            Ok(json) => format!("{elapsed} OK {json}"),
            Err(e) => format!("{elapsed} ERR {e}"),
        };
        let mut report = std::mem::ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(report_fd) });
        report.write_all(line.as_bytes()).is_ok()
    });
    unsafe { libc::_exit(if matches!(outcome, Ok(true)) { 0 } else { 101 }) }
}

impl Child {
    fn wait(mut self) -> Report {
        let mut text = String::new();
        self.report.read_to_string(&mut text).expect("read the child's report");
        let mut status = 0;
        // SAFETY: our own child's pid.
        assert_eq!(unsafe { libc::waitpid(self.pid, &mut status, 0) }, self.pid, "waitpid");
        assert!(
            libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
            "child {} ended badly ({}), report: {text:?}",
            self.pid,
            if libc::WIFSIGNALED(status) {
                format!("killed by signal {}: hung past the {CHILD_ALARM_SECS}s alarm?", libc::WTERMSIG(status))
            } else {
                format!("exit status {}", libc::WEXITSTATUS(status))
            }
        );
        let (millis, rest) = text.split_once(' ').expect("a report");
        let elapsed = Duration::from_millis(millis.parse().expect("elapsed ms"));
        let result = match rest.split_once(' ') {
            Some(("OK", json)) => Ok(parse(json)),
            _ => Err(rest.to_owned()),
        };
        Report { result, elapsed }
    }
}

/// Asserts `out` answers a request for `duration` seconds (the emulator's ExpiredTime is its
/// clock plus the DurationSeconds asked for): another request's answer would not.
fn assert_answers(out: &Value, duration: i64, who: &str) {
    let expired = out["expiredTime"].as_i64().unwrap_or_default();
    let now = sts::time::now_unix();
    assert!(
        (now + duration - 10..=now + duration).contains(&expired),
        "{who} asked for {duration}s and got an answer expiring in {}s: someone else's answer ({out})",
        expired - now
    );
    assert!(out["credentials"]["tmpSecretId"].as_str().is_some_and(|id| id.starts_with("AKID")), "{who}: {out}");
}

#[test]
fn a_child_forked_after_a_call_opens_its_own_connection_and_gets_its_own_answers() {
    let _serial = serial();
    let emulator = start(Faults::default());
    let config = |duration: i64| federation_config(&emulator, json!({"duration_seconds": duration, "retries": 0}));
    assert_answers(&parse(&get_credential(&config(900)).unwrap()), 900, "the parent");
    assert_eq!(emulator.connections(), 1, "the parent's call leaves one pooled connection");
    for round in 1..=ROUNDS {
        let (parent_duration, child_duration) = (900 + round, 1800 + round);
        let connections_before = emulator.connections();
        let child = fork_call(&config(child_duration));
        // At the same time as the child, on the connection both processes have in their pool.
        let parent_out = get_credential(&config(parent_duration))
            .unwrap_or_else(|e| panic!("round {round}: the parent's call failed: {e}"));
        let parent_out = parse(&parent_out);
        let report = child.wait();
        let child_out = report.result.unwrap_or_else(|e| panic!("round {round}: the child's call failed: {e}"));
        assert_answers(&parent_out, parent_duration, &format!("round {round}: the parent"));
        assert_answers(&child_out, child_duration, &format!("round {round}: the child"));
        assert_ne!(parent_out["requestId"], child_out["requestId"], "round {round}");
        assert_ne!(parent_out["credentials"]["tmpSecretId"], child_out["credentials"]["tmpSecretId"], "round {round}");
        assert_eq!(
            emulator.connections() - connections_before,
            1,
            "round {round}: the child opens one connection of its own; the parent keeps reusing its own"
        );
    }
    let durations: Vec<i64> = emulator.requests().iter().filter_map(|r| r.body["DurationSeconds"].as_i64()).collect();
    assert_eq!(durations.len(), 1 + 2 * ROUNDS as usize);
    assert!((1..=ROUNDS).all(|round| durations.contains(&(1800 + round))), "every child's request arrived");
}

#[test]
fn a_child_forked_while_the_agent_cache_lock_is_held_does_not_wait_for_it() {
    let _serial = serial();
    let emulator = start(Faults::default());
    let config = federation_config(&emulator, json!({"duration_seconds": 1200, "timeout_ms": 2000}));
    get_credential(&config).unwrap();
    // Another thread is inside a call, holding the lock, when the fork happens: in the child
    // that thread does not exist, and nobody will ever release the lock.
    let (locked_tx, locked_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let holder = std::thread::spawn(move || {
        sts::transport::with_agent_cache_locked(|| {
            locked_tx.send(()).unwrap();
            release_rx.recv().unwrap();
        })
    });
    locked_rx.recv().unwrap();
    let report = fork_call(&config).wait();
    release_tx.send(()).unwrap();
    holder.join().unwrap();
    let out = report.result.unwrap_or_else(|e| panic!("the child's call failed: {e}"));
    assert_answers(&out, 1200, "the child");
    assert!(report.elapsed < Duration::from_secs(2), "the child's call took {:?}", report.elapsed);
}

#[test]
fn a_child_forked_while_other_threads_are_inside_calls_completes_its_own_call() {
    let _serial = serial();
    // Calls that wait 200 ms for their answer, and calls that take the pool's and the agent
    // cache's locks back to back: a fork lands inside both kinds.
    let slow = start(Faults { latency: Duration::from_millis(200), ..Faults::default() });
    let fast = start(Faults::default());
    let stop = Arc::new(AtomicBool::new(false));
    let calls = Arc::new(AtomicUsize::new(0));
    let busy: Vec<_> = [&slow, &slow, &fast, &fast]
        .into_iter()
        .map(|emulator| {
            let config = federation_config(emulator, json!({"timeout_ms": 5000}));
            let (stop, calls) = (Arc::clone(&stop), Arc::clone(&calls));
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    if let Err(e) = get_credential(&config) {
                        return Err(e.to_string());
                    }
                    calls.fetch_add(1, Ordering::SeqCst);
                }
                Ok(())
            })
        })
        .collect();
    while calls.load(Ordering::SeqCst) < 4 {
        std::thread::sleep(Duration::from_millis(5));
    }
    for round in 0..ROUNDS {
        let emulator = if round % 2 == 0 { &fast } else { &slow };
        let duration = 1800 + round;
        let config =
            federation_config(emulator, json!({"duration_seconds": duration, "timeout_ms": 3000, "retries": 0}));
        let report = fork_call(&config).wait();
        let out = report.result.unwrap_or_else(|e| panic!("round {round}: the child's call failed: {e}"));
        assert_answers(&out, duration, &format!("round {round}: the child"));
        // The 200 ms latency plus a connection and a handshake-free request, with slack.
        assert!(report.elapsed < Duration::from_secs(2), "round {round}: the child's call took {:?}", report.elapsed);
        // Vary where in the busy threads' calls the next fork lands.
        std::thread::sleep(Duration::from_millis((round as u64 * 7) % 23));
    }
    stop.store(true, Ordering::SeqCst);
    for thread in busy {
        thread.join().unwrap().expect("the parent's busy threads keep succeeding across forks");
    }
    assert!(calls.load(Ordering::SeqCst) >= 8, "the busy threads were calling throughout");
}

//! After `fork()` the child starts with an empty credential cache of its own: it never hands
//! out the parent's cached keys and never waits on a request that a parent thread had in
//! flight (that thread does not exist in the child). Its own binary: a fork in a test process
//! is only predictable when no other test runs beside it.
#![allow(unsafe_code)]

mod common;

use common::*;
use serde_json::json;
use std::ffi::CString;
use std::time::{Duration, Instant};
use sts::ffi::{sts_get_credential, StsCode};

fn credential(config: &str) -> (StsCode, String) {
    c_call_text(sts_get_credential, &CString::new(config).unwrap())
}

#[test]
fn a_forked_child_starts_with_an_empty_cache_and_never_blocks_on_the_parents() {
    let emulator = start(Faults { latency: Duration::from_millis(300), ..Faults::default() });
    let cached = federation_config(&emulator, json!({"cache": true}));
    let in_flight = federation_config(&emulator, json!({"cache": true, "allow_prefix": "in-flight/*"}));
    let (code, parents) = credential(&cached);
    assert_eq!(code, StsCode::STS_OK, "{parents}");
    assert_eq!(credential(&cached).1, parents, "cached in the parent");

    std::thread::scope(|s| {
        // A parent thread has `in_flight` on its way when the fork happens: in the parent's
        // cache its slot waits for that thread's answer.
        let leader = s.spawn(|| credential(&in_flight));
        std::thread::sleep(Duration::from_millis(100));

        // SAFETY: the child only calls libsts (whose locks it must not inherit held, which is
        // what this tests) and leaves with _exit, running no destructor and no test harness.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0, "fork failed");
        if pid == 0 {
            let (code, childs) = credential(&cached);
            let fresh = code == StsCode::STS_OK && parse(&childs)["credentials"] != parse(&parents)["credentials"];
            let (code, _) = credential(&in_flight);
            let status = if !fresh {
                10
            } else if code != StsCode::STS_OK {
                11
            } else {
                0
            };
            // SAFETY: ends the child at once, as a forked child of a threaded process should.
            unsafe { libc::_exit(status) };
        }

        let deadline = Instant::now() + Duration::from_secs(20);
        let mut status = 0;
        loop {
            // SAFETY: waits for our own child; `status` is a valid out pointer.
            let done = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
            assert!(done >= 0, "waitpid failed");
            if done == pid {
                break;
            }
            if Instant::now() > deadline {
                // SAFETY: our own child, stuck.
                unsafe { libc::kill(pid, libc::SIGKILL) };
                panic!("the child blocked on the parent's cache");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(libc::WIFEXITED(status), "the child died: status {status}");
        assert_eq!(libc::WEXITSTATUS(status), 0, "10: the child got the parent's cached key; 11: its own call failed");
        assert_eq!(leader.join().unwrap().0, StsCode::STS_OK);
    });
    // The parent's warm-up and in-flight calls, and the child's own two.
    assert_eq!(emulator.requests().len(), 4);
    assert_eq!(credential(&cached).1, parents, "the parent's cache is untouched");
    assert_eq!(emulator.requests().len(), 4);
}

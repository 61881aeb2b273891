//! The threads that run the async exports' calls: one bounded pool per process, started lazily,
//! with one bounded queue.
//!
//! Why a pool of its own and not a thread per call: the bindings deliver callbacks into language
//! runtimes (koffi, ctypes, JNA, cgo) that cope with a bounded, reused set of foreign threads but
//! not with hundreds of distinct ones (docs: /work/shared/FFI-NOTES.md "Async callbacks"). Workers
//! are started only when a call finds none idle, never more than the limit, and then live until
//! the process exits; they are detached, so nothing joins them at exit.
//!
//! Everything a worker touches is leaked `'static` state: no static destructor can free it
//! while a worker is still running at process exit (Rust runs no destructors for statics, and
//! nothing here registers one). The library itself is linked `-z nodelete` (build.rs), so a
//! `dlclose` cannot unmap code a worker is running.

use crate::error::{abbreviate, Error};
use crate::process::PerProcess;
use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

/// Workers started at most, unless `LIBSTS_ASYNC_WORKERS` or `sts_set_async_workers` says otherwise.
pub const DEFAULT_WORKERS: u32 = 64;
/// The largest worker count accepted.
pub const MAX_WORKERS: u32 = 1024;
/// Calls waiting for a worker at most; one more is refused (the export returns `STS_NETWORK`).
pub const MAX_QUEUED: usize = 65_536;
/// Each worker's stack. A ureq request over TLS needs more than the 128 KiB some hosts give
/// their own threads (koffi's async stack), and callbacks run the host's code here too (a Python
/// interpreter, an attached JVM thread): 2 MiB, Rust's own default, is only reserved address
/// space until touched.
pub const STACK_BYTES: usize = 2 << 20;
/// Read once, when the first async call of the process needs the limit.
pub const ENV_WORKERS: &str = "LIBSTS_ASYNC_WORKERS";
/// The workers' thread name, as shown by `ps -L`, gdb and `thread::current().name()`.
pub const THREAD_NAME: &str = "libsts-worker";

/// A call, ready to run: it answers its own callback.
pub type Job = Box<dyn FnOnce() + Send + 'static>;

/// Why a call was not queued. The caller's callback will not be called.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// [`MAX_QUEUED`] calls are already waiting for a worker.
    QueueFull,
    /// No worker is running and the system would not start one (thread limit, memory).
    NoThread,
}

/// The worker limit: 0 = not decided yet, [`BAD_ENV`] = the environment's value is invalid
/// (then [`DEFAULT_WORKERS`] run and every call is answered with [`setting_error`]).
/// An atomic, not a lock: a child process after `fork()` must never wait on a lock.
static LIMIT: AtomicU32 = AtomicU32::new(0);
const BAD_ENV: u32 = u32::MAX;

/// The current limit, reading `LIBSTS_ASYNC_WORKERS` on first use.
fn limit() -> u32 {
    let setting = match LIMIT.load(Ordering::Acquire) {
        0 => {
            let from_env = match std::env::var_os(ENV_WORKERS) {
                None => DEFAULT_WORKERS,
                Some(value) => parse_workers(&value.to_string_lossy()).unwrap_or(BAD_ENV),
            };
            // A concurrent `sts_set_async_workers` wins over the environment.
            match LIMIT.compare_exchange(0, from_env, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => from_env,
                Err(set) => set,
            }
        }
        set => set,
    };
    if setting == BAD_ENV {
        DEFAULT_WORKERS
    } else {
        setting
    }
}

fn parse_workers(text: &str) -> Option<u32> {
    text.trim().parse::<u32>().ok().filter(|n| (1..=MAX_WORKERS).contains(n))
}

/// The error every async call is answered with while `LIBSTS_ASYNC_WORKERS` is invalid (and
/// `sts_set_async_workers` has not replaced it): a typo must not pass unnoticed.
pub fn setting_error() -> Option<Error> {
    limit();
    if LIMIT.load(Ordering::Acquire) != BAD_ENV {
        return None;
    }
    let value = std::env::var_os(ENV_WORKERS).map(|v| v.to_string_lossy().into_owned()).unwrap_or_default();
    Some(Error::invalid(
        ENV_WORKERS,
        format!("`{}` is not a worker count in 1..={MAX_WORKERS}", abbreviate(&value).escape_debug()),
    ))
}

/// `sts_set_async_workers`: replaces the limit (and the environment's value) for this process.
/// Raising it lets more workers start as calls arrive; lowering it stops idle workers above it.
pub fn set_limit(workers: u32) -> Result<(), Error> {
    if !(1..=MAX_WORKERS).contains(&workers) {
        return Err(Error::invalid("workers", format!("{workers} is out of range 1..={MAX_WORKERS}")));
    }
    LIMIT.store(workers, Ordering::Release);
    pool().wake.notify_all();
    Ok(())
}

/// Queues `job` to run on a worker. `Ok` means it will run exactly once (unless the process
/// exits first); `Err` means it was dropped without running.
pub fn submit(job: Job) -> Result<(), Refused> {
    let limit = limit();
    let pool = pool();
    let mut state = pool.lock();
    if state.queue.len() >= MAX_QUEUED {
        return Err(Refused::QueueFull);
    }
    state.queue.push_back(job);
    // More calls waiting than idle workers to take them: start one, up to the limit.
    if state.queue.len() > state.idle as usize && state.workers < limit {
        match spawn_worker(pool) {
            Ok(()) => state.workers += 1,
            // With no worker at all the call would wait forever: refuse it instead.
            Err(_) if state.workers == 0 => {
                drop(state.queue.pop_back());
                return Err(Refused::NoThread);
            }
            // Otherwise a running worker will take it.
            Err(_) => {}
        }
    }
    drop(state);
    pool.wake.notify_one();
    Ok(())
}

/// Counts for tests and diagnostics: (workers started and running, calls waiting).
pub fn stats() -> (u32, usize) {
    let state = pool().lock();
    (state.workers, state.queue.len())
}

struct Pool {
    state: Mutex<State>,
    wake: Condvar,
}

struct State {
    queue: VecDeque<Job>,
    /// Workers started and not exited.
    workers: u32,
    /// Workers waiting on `wake`.
    idle: u32,
}

impl Pool {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Jobs run outside the lock and nothing inside it panics; a poisoned lock still holds
        // a consistent queue.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// This process's pool, created on first use.
///
/// Fork safety: a child started by `fork()` inherits the parent's pool without any of its
/// threads, and its lock may have been held at fork time by a thread that does not exist in the
/// child. [`PerProcess`] gives the child a pool of its own and leaves the parent's alone (never
/// locking it); the parent's is leaked on purpose, which also makes `&'static` sound.
static POOL: PerProcess<Pool> = PerProcess::new(|| Pool {
    state: Mutex::new(State { queue: VecDeque::new(), workers: 0, idle: 0 }),
    wake: Condvar::new(),
});

fn pool() -> &'static Pool {
    POOL.get()
}

fn spawn_worker(pool: &'static Pool) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name(THREAD_NAME.into())
        .stack_size(STACK_BYTES)
        .spawn(move || work(pool))
        // Detached: nothing ever joins a worker, at exit or otherwise.
        .map(drop)
}

fn work(pool: &'static Pool) {
    block_signals();
    let mut state = pool.lock();
    loop {
        if let Some(job) = state.queue.pop_front() {
            drop(state);
            // The job catches its own panics to answer with STS_INTERNAL; this keeps the
            // worker alive if anything escapes anyway.
            let _ = catch_unwind(AssertUnwindSafe(job));
            state = pool.lock();
            continue;
        }
        if state.workers > limit() {
            state.workers -= 1;
            return;
        }
        state.idle += 1;
        state = pool.wake.wait(state).unwrap_or_else(PoisonError::into_inner);
        state.idle -= 1;
    }
}

/// Process signals (SIGINT, SIGTERM, SIGCHLD, SIGPROF, ...) belong to the host's own threads:
/// Go, Node and the JVM expect them there, and a handler running on a libsts worker could surprise
/// them. Synchronous fault signals stay unblocked: the kernel kills the process when one arrives
/// blocked, and runtimes whose code a callback runs on this thread (an attached JVM thread, cgo)
/// catch them as part of normal operation. glibc never blocks its own internal signals.
#[allow(unsafe_code)]
fn block_signals() {
    // SAFETY: the sigset calls only write to the set we own; pthread_sigmask to this thread's mask.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut set);
        for fault in [libc::SIGSEGV, libc::SIGBUS, libc::SIGFPE, libc::SIGILL, libc::SIGTRAP, libc::SIGSYS] {
            libc::sigdelset(&mut set, fault);
        }
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worker_counts_parse_within_range_only() {
        assert_eq!(parse_workers("8"), Some(8));
        assert_eq!(parse_workers(" 64\n"), Some(64));
        assert_eq!(parse_workers("1024"), Some(MAX_WORKERS));
        for bad in ["0", "1025", "-1", "eight", "", "8.0"] {
            assert_eq!(parse_workers(bad), None, "{bad}");
        }
    }

    #[test]
    fn set_limit_refuses_out_of_range_counts_naming_workers() {
        for bad in [0, MAX_WORKERS + 1] {
            let e = set_limit(bad).unwrap_err();
            assert!(e.message().starts_with("workers: "), "{}", e.message());
        }
    }
}

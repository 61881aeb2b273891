//! The process-wide cache of temporary keys from deferred sources (oidc, cvm), one entry per
//! source, refreshed before expiry without a stampede and without an outage on a failed refresh.
//!
//! With `left` the seconds until the cached key expires:
//! - `left > ADVISORY` (5 min): the key is used as it is.
//! - advisory window, `MANDATORY < left <= ADVISORY`: the first caller refreshes, everyone else
//!   keeps using the current key meanwhile. A failed refresh is not an error: the current key is
//!   still good, and the next refresh waits for a backoff (1 s doubling up to 30 s).
//! - mandatory window, `0 < left <= MANDATORY` (1 min), or no key yet: callers wait for the one
//!   refresh in flight (bounded by their deadline). If it fails, the still-valid key is used
//!   and the next try waits for the backoff.
//! - expired and the refresh failed: the error (and, within the backoff, the same error without
//!   a new request, so a down metadata server is not hammered).
//!
//! SecretId, SecretKey and token are one value swapped under one lock, so no caller ever sees
//! a mix. A replaced key is dropped, and its secrets are wiped ([`Secret`](crate::config::Secret)).
//! The cache is per process: a forked child starts empty. The clock is the system's plus an
//! offset tests can move ([`set_clock_offset`]).

use crate::config::Identity;
use crate::error::{codes, Error, Result};
use crate::process::PerProcess;
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

/// Seconds before expiry from which one caller refreshes while the others use the current key.
pub const ADVISORY_SECONDS: i64 = 300;
/// Seconds before expiry from which callers wait for the refresh.
pub const MANDATORY_SECONDS: i64 = 60;
pub const BACKOFF_BASE_SECONDS: i64 = 1;
pub const BACKOFF_CAP_SECONDS: i64 = 30;
/// Distinct sources kept (a process uses one or two); past that the map starts over.
const MAX_ENTRIES: usize = 64;

static CLOCK_OFFSET: AtomicI64 = AtomicI64::new(0);

/// The refresh clock: Unix seconds, plus the test offset.
pub fn now() -> i64 {
    crate::time::now_unix() + CLOCK_OFFSET.load(Ordering::SeqCst)
}

/// Moves the refresh clock (not the signing clock) by `seconds` from the system's, so tests
/// can enter each window without waiting. Process-wide.
#[doc(hidden)]
pub fn set_clock_offset(seconds: i64) {
    CLOCK_OFFSET.store(seconds, Ordering::SeqCst);
}

/// A key fetched from a source, and when it expires (Unix seconds). Debug shows no secret.
#[derive(Debug)]
pub struct Fresh {
    pub identity: Identity,
    pub expired_time: i64,
}

#[derive(Default)]
struct State {
    current: Option<Fresh>,
    refreshing: bool,
    failures: u32,
    /// No refresh before this (refresh clock), after a failure.
    retry_at: i64,
    last_error: Option<Error>,
    /// Refreshes completed: a caller that waited for one takes its outcome instead of starting
    /// another (a key shorter-lived than the mandatory window would otherwise loop).
    generation: u64,
}

#[derive(Default)]
struct Entry {
    state: Mutex<State>,
    changed: Condvar,
}

/// The cache; the process has one ([`global`]), tests may make their own.
#[derive(Default)]
pub struct Refresher {
    entries: Mutex<HashMap<String, Arc<Entry>>>,
}

static GLOBAL: PerProcess<Refresher> = PerProcess::new(Refresher::default);

pub fn global() -> &'static Refresher {
    GLOBAL.get()
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Each change is a few assignments; a panic cannot leave a key half-swapped.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn backoff(failures: u32) -> i64 {
    (BACKOFF_BASE_SECONDS << failures.saturating_sub(1).min(16)).min(BACKOFF_CAP_SECONDS)
}

enum Step {
    Use(Identity),
    Fail(Error),
    Refresh,
    Wait,
}

impl Refresher {
    fn entry(&self, key: &str) -> Arc<Entry> {
        let mut entries = lock(&self.entries);
        if let Some(entry) = entries.get(key) {
            return Arc::clone(entry);
        }
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        let entry = Arc::new(Entry::default());
        entries.insert(key.to_owned(), Arc::clone(&entry));
        entry
    }

    /// Forgets every cached key (tests; a process that rotated its role).
    pub fn clear(&self) {
        lock(&self.entries).clear();
    }

    /// The key of source `key`: cached, or from `fetch` as the module docs describe. `deadline`
    /// bounds the wait for another caller's refresh.
    pub fn get(&self, key: &str, deadline: Instant, fetch: impl FnOnce() -> Result<Fresh>) -> Result<Identity> {
        let entry = self.entry(key);
        let mut state = lock(&entry.state);
        let mut waited_for: Option<u64> = None;
        loop {
            let now = now();
            if waited_for.is_some_and(|generation| generation != state.generation) {
                return match &state.current {
                    Some(fresh) if fresh.expired_time > now => Ok(fresh.identity.clone()),
                    _ => Err(expired(&state)),
                };
            }
            match decide(&state, now) {
                Step::Use(identity) => return Ok(identity),
                Step::Fail(error) => return Err(error),
                Step::Refresh => break,
                Step::Wait => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return match &state.current {
                            Some(fresh) if fresh.expired_time > now => Ok(fresh.identity.clone()),
                            _ => Err(Error::network(
                                codes::TIMEOUT,
                                "the call's deadline passed while waiting for another caller's credential refresh",
                            )),
                        };
                    }
                    waited_for.get_or_insert(state.generation);
                    state = entry.changed.wait_timeout(state, left).unwrap_or_else(PoisonError::into_inner).0;
                }
            }
        }
        state.refreshing = true;
        drop(state);
        // The lock is not held while fetching: the others keep using (or wait for) the key.
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(fetch))
            .unwrap_or_else(|_| Err(Error::internal("a credential refresh panicked")));
        let mut state = lock(&entry.state);
        state.refreshing = false;
        state.generation += 1;
        let now = now();
        let result = match outcome {
            Ok(fresh) => {
                let identity = fresh.identity.clone();
                // The old key is dropped here, its secrets wiped.
                state.current = Some(fresh);
                state.failures = 0;
                state.retry_at = 0;
                state.last_error = None;
                Ok(identity)
            }
            Err(error) => {
                state.failures = state.failures.saturating_add(1);
                state.retry_at = now + backoff(state.failures);
                state.last_error = Some(error.clone());
                match &state.current {
                    Some(fresh) if fresh.expired_time > now => Ok(fresh.identity.clone()),
                    Some(_) => Err(error.with_note("the cached temporary key has expired")),
                    None => Err(error),
                }
            }
        };
        entry.changed.notify_all();
        result
    }
}

/// What a caller does now, given the entry's state.
fn decide(state: &State, now: i64) -> Step {
    let in_backoff = now < state.retry_at;
    match &state.current {
        Some(fresh) => {
            let left = fresh.expired_time - now;
            if left > ADVISORY_SECONDS {
                Step::Use(fresh.identity.clone())
            } else if left > MANDATORY_SECONDS {
                if state.refreshing || in_backoff {
                    Step::Use(fresh.identity.clone())
                } else {
                    Step::Refresh
                }
            } else if state.refreshing {
                Step::Wait
            } else if left > 0 && in_backoff {
                Step::Use(fresh.identity.clone())
            } else if in_backoff {
                Step::Fail(expired(state))
            } else {
                Step::Refresh
            }
        }
        None if state.refreshing => Step::Wait,
        None if in_backoff => Step::Fail(expired(state)),
        None => Step::Refresh,
    }
}

fn expired(state: &State) -> Error {
    let retry = "the refresh is retried after a backoff";
    match &state.last_error {
        Some(error) => error.clone().with_note(retry),
        None => Error::internal("no credential and no error"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;
    use crate::credentials::CredentialSource;
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    fn fresh(id: &str, expired_time: i64) -> Fresh {
        Fresh {
            identity: Identity {
                secret_id: id.to_owned(),
                secret_key: Secret::new(format!("{id}-key")),
                session_token: Some(Secret::new(format!("{id}-token"))),
                from_config: false,
                source: CredentialSource::Cvm,
            },
            expired_time,
        }
    }

    fn soon() -> Instant {
        Instant::now() + Duration::from_secs(5)
    }

    #[test]
    fn windows_decide_who_refreshes() {
        let t = 1_000_000;
        let with = |left: i64, refreshing: bool, retry_at: i64| State {
            current: Some(fresh("AKIDa", t + left)),
            refreshing,
            retry_at,
            ..State::default()
        };
        assert!(matches!(decide(&with(301, false, 0), t), Step::Use(_)));
        assert!(matches!(decide(&with(300, false, 0), t), Step::Refresh));
        assert!(matches!(decide(&with(300, true, 0), t), Step::Use(_)));
        assert!(matches!(decide(&with(200, false, t + 5), t), Step::Use(_)));
        assert!(matches!(decide(&with(60, false, 0), t), Step::Refresh));
        assert!(matches!(decide(&with(60, true, 0), t), Step::Wait));
        assert!(matches!(decide(&with(30, false, t + 5), t), Step::Use(_)));
        assert!(matches!(decide(&with(0, false, 0), t), Step::Refresh));
        let mut failed = with(-1, false, t + 5);
        failed.last_error = Some(Error::network(codes::NETWORK, "down"));
        match decide(&failed, t) {
            Step::Fail(e) => assert!(e.message().starts_with("down; "), "{e}"),
            _ => panic!("an expired key in backoff is an error"),
        }
    }

    #[test]
    fn a_failed_refresh_keeps_the_valid_key_and_backs_off() {
        let cache = Refresher::default();
        let t = now();
        let first = cache.get("k", soon(), || Ok(fresh("AKIDone", t + 200))).unwrap();
        assert_eq!(first.secret_id, "AKIDone");
        // Advisory window: this caller refreshes, the refresh fails, the old key comes back.
        let calls = AtomicUsize::new(0);
        let failing = || {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(Error::network(codes::NETWORK, "metadata down"))
        };
        assert_eq!(cache.get("k", soon(), failing).unwrap().secret_id, "AKIDone");
        // Within the backoff no new fetch is made.
        assert_eq!(cache.get("k", soon(), failing).unwrap().secret_id, "AKIDone");
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(backoff(1), 1);
        assert_eq!(backoff(3), 4);
        assert_eq!(backoff(40), BACKOFF_CAP_SECONDS);
    }

    #[test]
    fn the_debug_form_of_a_cached_key_holds_no_secret() {
        let key = fresh("AKIDEXAMPLE", 0).identity;
        let shown = format!("{key:?}");
        assert!(!shown.contains("AKIDEXAMPLE-key") && !shown.contains("AKIDEXAMPLE-token"), "{shown}");
    }
}

//! The opt-in credential cache: identical credential calls answered from one process-wide,
//! bounded map instead of another STS request.
//!
//! **When it is safe:** many clients that are all meant to get the same scope (a shared upload
//! prefix, a public read scope). They would each get an equivalent key from STS; the cache hands
//! them the same one, and STS (about 600 GetFederationToken calls per second per account) is
//! asked once per key lifetime. **When not:** a key that must be one client's alone, e.g. to
//! tell clients apart in COS's logs by key, or to keep a key that leaks from one client useless
//! to the next: everyone with an identical request shares the key until it is replaced.
//! Per-user scopes gain nothing (every request differs). Upload credentials are never cached:
//! each has an object key of its own.
//!
//! What is identical: the signing identity (SecretId, SecretKey, session token), action,
//! endpoint, url, region, policy (normalized JSON), duration and the action's parameters; see
//! [`Cache::key_of`]. The map's keys are SHA-256 digests under a per-process random salt, so no
//! secret is kept in a form that can be compared or read back, and a hit returns the very JSON
//! of the call that filled the entry.
//!
//! A hit should cost far less than the request it saves, and parsing a config costs about 10 µs,
//! so a config *text* seen before is recognised without parsing it again: its digest maps to the
//! request's key. Only texts that validated, opted in to the cache and name their own SecretId and
//! SecretKey are remembered, so the text alone fixes the request (the environment's proxy or CA
//! file change the route, which a hit does not take, not the request). Everything else takes the
//! full parse.
//! A key is handed out only while it has at least `min_remaining_seconds` left (by its
//! `expiredTime`, not by the configured duration). Concurrent identical misses send one request:
//! the first caller fetches, the others wait for its answer (also an error) on a per-key slot.
//! Entries are wiped (zeroized) when they are replaced, evicted, found expired or cleared.
//! The cache is per process (`crate::process::PerProcess`): a forked child starts empty.

use crate::config::{Action, CacheOptions, Config, Identity, TransportOptions};
use crate::error::{Error, Result};
use crate::process::PerProcess;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use zeroize::Zeroizing;

/// A salted SHA-256 digest of everything that makes two requests identical.
pub type Key = [u8; 32];

/// What a successful call produced: the result JSON and when its key expires (Unix seconds).
pub struct Issued {
    pub json: String,
    pub expired_time: i64,
}

struct Entry {
    json: Zeroizing<String>,
    expired_time: i64,
}

/// A request in flight: its callers wait here for its outcome.
#[derive(Default)]
struct Pending {
    outcome: Mutex<Option<Result<Zeroizing<String>>>>,
    done: Condvar,
}

enum Slot {
    Ready(Entry),
    Pending(Arc<Pending>),
}

/// Config texts remembered, at most; past that the memory of texts starts over (entries stay).
const MAX_TEXTS: usize = 16_384;

#[derive(Default)]
struct State {
    slots: HashMap<Key, Slot>,
    /// Digest of a config text -> its request's key and cache options.
    texts: HashMap<Key, (Key, CacheOptions)>,
}

/// One cache; the process has one ([`global`]), tests make their own.
pub struct Cache {
    salt: [u8; 16],
    state: Mutex<State>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere cannot leave the map half-updated: each change is one insert or remove.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A copy for the caller with room for the C string's NUL, so handing it to C never
/// reallocates (which would free an unwiped copy of the keys).
fn copy_out(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + 1);
    out.push_str(json);
    out
}

impl Default for Cache {
    fn default() -> Self {
        Self::new()
    }
}

impl Cache {
    pub fn new() -> Cache {
        let mut salt = [0u8; 16];
        if getrandom::getrandom(&mut salt).is_err() {
            // Not expected on any supported system; std's hasher keys are OS-seeded as well.
            use std::hash::{BuildHasher, Hasher};
            for chunk in salt.chunks_mut(8) {
                let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
                hasher.write_u8(0);
                chunk.copy_from_slice(&hasher.finish().to_le_bytes());
            }
        }
        Cache { salt, state: Mutex::new(State::default()) }
    }

    /// The digest that identifies `config`'s request. Every field of the config that can
    /// change the answer goes in; the structs are taken apart field by field so that a field
    /// added later fails to compile here until someone decides whether it belongs.
    pub fn key_of(&self, config: &Config) -> Key {
        let Config {
            identity,
            // Resolved into `identity` before the cache is asked.
            credentials: _,
            params,
            duration_seconds,
            region,
            policy,
            transport,
            upload,
            cache: _,
            total_timeout: _,
        } = config;
        // The source does not change the answer; the key it gave does.
        let Identity { secret_id, secret_key, session_token, from_config: _, source: _ } = identity;
        // The proxy, the CA roots, timeouts (total_timeout too) and retries change the route to STS and how long
        // the answer is waited for, not which key is asked for.
        let TransportOptions { endpoint, target, proxy: _, timeout: _, retries: _, ca_pem: _, ca_file: _ } = transport;
        let mut hasher = Sha256::new();
        hasher.update(self.salt);
        // Length-prefixed, so no two different field lists give the same bytes.
        let mut field = |value: Option<&str>| match value {
            None => hasher.update([0u8]),
            Some(text) => {
                hasher.update([1u8]);
                hasher.update((text.len() as u64).to_le_bytes());
                hasher.update(text.as_bytes());
            }
        };
        field(Some(config.action().name()));
        field(Some(secret_id));
        field(Some(secret_key.expose()));
        field(session_token.as_ref().map(|token| token.expose()));
        field(Some(endpoint));
        field(Some(&target.as_str()));
        field(Some(region));
        field(policy.as_deref());
        field(Some(&duration_seconds.to_string()));
        match params {
            crate::config::ActionParams::Federation { name } => field(Some(name)),
            crate::config::ActionParams::Role { role_arn, role_session_name, external_id, extras } => {
                field(Some(role_arn));
                field(Some(role_session_name));
                field(external_id.as_deref());
                let crate::config::RoleExtras { tags, source_identity, mfa } = extras;
                field(Some(&tags.len().to_string()));
                for tag in tags {
                    field(Some(&tag.key));
                    field(Some(&tag.value));
                }
                field(source_identity.as_deref());
                // An MFA code is good for one session: two calls with it are not the same request.
                field(mfa.as_ref().map(|m| m.serial_number.as_str()));
                field(mfa.as_ref().map(|m| m.token_code.expose()));
            }
        }
        // Never cached (`upload` and `cache` cannot be given together), but never confused either.
        field(upload.as_ref().map(|_| "upload"));
        hasher.finalize().into()
    }

    /// The digest of a config text as given to `action`'s call.
    fn text_key(&self, json: &str, action: Action) -> Key {
        let mut hasher = Sha256::new();
        hasher.update(self.salt);
        hasher.update(b"config text\0");
        hasher.update(action.name());
        hasher.update([0u8]);
        hasher.update(json);
        hasher.finalize().into()
    }

    /// The cached answer for a config text remembered by [`get_or_fetch`](Self::get_or_fetch),
    /// without parsing it; None means: parse it and ask `get_or_fetch`.
    pub fn get_by_text(&self, json: &str, action: Action) -> Option<String> {
        // The digest costs about as much as the rest of a hit: texts without the key skip it,
        // and texts over the input limit are the parser's to refuse.
        if json.len() > crate::config::MAX_INPUT_BYTES || !json.contains("\"cache\"") {
            return None;
        }
        let text = self.text_key(json, action);
        let state = lock(&self.state);
        let (key, options) = state.texts.get(&text)?;
        match state.slots.get(key) {
            Some(Slot::Ready(entry)) if entry.has_left(options.min_remaining_seconds) => Some(copy_out(&entry.json)),
            _ => None,
        }
    }

    /// The answer for `config`: a cached one with at least `options.min_remaining_seconds`
    /// left, the answer of an identical call in flight, or `fetch()`'s, which is then cached.
    /// `text` is the config text `config` was parsed from, remembered for
    /// [`get_by_text`](Self::get_by_text) when it alone fixes the request.
    pub fn get_or_fetch(
        &self,
        config: &Config,
        options: &CacheOptions,
        text: Option<&str>,
        fetch: impl FnOnce() -> Result<Issued>,
    ) -> Result<String> {
        if config.upload.is_some() {
            return fetch().map(|issued| issued.json);
        }
        let key = self.key_of(config);
        let text = text.filter(|_| config.identity.from_config).map(|json| self.text_key(json, config.action()));
        let pending = {
            let mut state = lock(&self.state);
            if let Some(text) = text {
                if state.texts.len() >= MAX_TEXTS {
                    state.texts.clear();
                }
                state.texts.insert(text, (key, *options));
            }
            let slots = &mut state.slots;
            match slots.get(&key) {
                Some(Slot::Ready(entry)) if entry.has_left(options.min_remaining_seconds) => {
                    return Ok(copy_out(&entry.json));
                }
                Some(Slot::Pending(pending)) => {
                    let pending = Arc::clone(pending);
                    drop(state);
                    return pending.wait();
                }
                // None, or an entry with too little time left: replaced (and so wiped) by ours.
                _ => {
                    let pending = Arc::new(Pending::default());
                    slots.insert(key, Slot::Pending(Arc::clone(&pending)));
                    pending
                }
            }
        };
        let mut leader = Leader { cache: self, key, pending, finished: false };
        let outcome = fetch();
        leader.finish(outcome, options.max_entries)
    }

    /// Wipes every entry. Calls in flight still answer their callers but do not fill the cache.
    pub fn clear(&self) {
        let mut state = lock(&self.state);
        state.slots.clear();
        state.texts.clear();
    }

    /// How many keys are cached (in-flight requests not counted).
    pub fn len(&self) -> usize {
        lock(&self.state).slots.values().filter(|slot| matches!(slot, Slot::Ready(_))).count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Entry {
    fn has_left(&self, seconds: u32) -> bool {
        self.expired_time - crate::time::now_unix() >= i64::from(seconds)
    }
}

impl Pending {
    fn wait(&self) -> Result<String> {
        let mut outcome = lock(&self.outcome);
        loop {
            if let Some(result) = outcome.as_ref() {
                return result.as_ref().map(|json| copy_out(json)).map_err(Clone::clone);
            }
            outcome = self.done.wait(outcome).unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn publish(&self, result: Result<Zeroizing<String>>) {
        *lock(&self.outcome) = Some(result);
        self.done.notify_all();
    }
}

/// The caller that fetches for a key. Dropped without `finish` (its fetch panicked), it frees
/// the slot and wakes the waiters with an error, so nobody waits forever.
struct Leader<'c> {
    cache: &'c Cache,
    key: Key,
    pending: Arc<Pending>,
    finished: bool,
}

impl Leader<'_> {
    fn finish(&mut self, outcome: Result<Issued>, max_entries: usize) -> Result<String> {
        self.finished = true;
        let outcome = outcome.map(|issued| (Zeroizing::new(issued.json), issued.expired_time));
        {
            let slots = &mut lock(&self.cache.state).slots;
            // Ours unless sts_cache_clear ran meanwhile (then the answer is not kept).
            if matches!(slots.get(&self.key), Some(Slot::Pending(p)) if Arc::ptr_eq(p, &self.pending)) {
                slots.remove(&self.key);
                let now = crate::time::now_unix();
                if let Ok((json, expired_time)) = &outcome {
                    if *expired_time > now {
                        make_room(slots, max_entries, now);
                        let entry = Entry { json: json.clone(), expired_time: *expired_time };
                        slots.insert(self.key, Slot::Ready(entry));
                    }
                }
            }
        }
        let result = outcome.map(|(json, _)| json);
        let answer = result.as_ref().map(|json| copy_out(json)).map_err(Clone::clone);
        self.pending.publish(result);
        answer
    }
}

impl Drop for Leader<'_> {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        {
            let slots = &mut lock(&self.cache.state).slots;
            if matches!(slots.get(&self.key), Some(Slot::Pending(p)) if Arc::ptr_eq(p, &self.pending)) {
                slots.remove(&self.key);
            }
        }
        self.pending.publish(Err(Error::internal("the identical call whose answer this one was waiting for failed")));
    }
}

/// Drops expired entries, then, while `max_entries` keys are cached, those closest to expiry.
/// In-flight slots are never evicted: their callers are waiting.
fn make_room(slots: &mut HashMap<Key, Slot>, max_entries: usize, now: i64) {
    slots.retain(|_, slot| !matches!(slot, Slot::Ready(entry) if entry.expired_time <= now));
    let mut ready: Vec<(i64, Key)> = slots
        .iter()
        .filter_map(|(key, slot)| match slot {
            Slot::Ready(entry) => Some((entry.expired_time, *key)),
            Slot::Pending(_) => None,
        })
        .collect();
    if ready.len() < max_entries {
        return;
    }
    ready.sort_unstable();
    for (_, key) in &ready[..=ready.len() - max_entries] {
        slots.remove(key);
    }
}

/// The process's cache. A child started by `fork()` gets an empty one of its own and never
/// touches its parent's (whose lock a parent thread may have held at the fork, and whose
/// in-flight slots wait for threads the child does not have); see `crate::process`.
pub fn global() -> &'static Cache {
    static CACHE: PerProcess<Cache> = PerProcess::new(Cache::new);
    CACHE.get()
}

/// `sts_cache_clear`.
pub fn clear() {
    global().clear();
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Barrier;

    fn config(extra: &str) -> Config {
        Config::parse(
            &format!(
                r#"{{"secret_id":"AKIDEXAMPLE","secret_key":"k-EXAMPLE","bucket":"b-1","allow_prefix":"a/*","allow_actions":"name/cos:GetObject","cache":true{extra}}}"#
            ),
            Action::GetFederationToken,
        )
        .unwrap()
    }

    fn issued(json: &str, lifetime: i64) -> Result<Issued> {
        Ok(Issued { json: json.to_owned(), expired_time: crate::time::now_unix() + lifetime })
    }

    const OPTIONS: CacheOptions = CacheOptions { min_remaining_seconds: 300, max_entries: 4 };

    #[test]
    fn identical_requests_share_a_key_and_others_do_not() {
        let cache = Cache::new();
        let base = cache.key_of(&config(""));
        assert_eq!(base, cache.key_of(&config("")));
        assert_eq!(base, cache.key_of(&config(r#","timeout_ms":5,"retries":0"#)), "transport patience is not identity");
        for differs in [
            r#","secret_key":"other-EXAMPLE""#,
            r#","session_token":"token""#,
            r#","duration_seconds":900"#,
            r#","region":"ap-beijing""#,
            r#","endpoint":"sts.internal.tencentcloudapi.com""#,
            r#","url":"http://127.0.0.1:9/""#,
            r#","name":"other""#,
        ] {
            let json = format!("{{{}}}", differs.trim_start_matches(','));
            let mut object: serde_json::Map<String, serde_json::Value> = serde_json::from_str(
                r#"{"secret_id":"AKIDEXAMPLE","secret_key":"k-EXAMPLE","bucket":"b-1","allow_prefix":"a/*","allow_actions":"name/cos:GetObject","cache":true}"#,
            )
            .unwrap();
            object.extend(serde_json::from_str::<serde_json::Map<_, _>>(&json).unwrap());
            let other =
                Config::parse(&serde_json::Value::Object(object).to_string(), Action::GetFederationToken).unwrap();
            assert_ne!(base, cache.key_of(&other), "{differs}");
        }
        assert_ne!(base, Cache::new().key_of(&config("")), "the salt is per cache");
    }

    #[test]
    fn a_hit_is_the_original_json_and_fetches_nothing() {
        let cache = Cache::new();
        let config = config("");
        let first = cache.get_or_fetch(&config, &OPTIONS, None, || issued(r#"{"n":1}"#, 1800)).unwrap();
        let second = cache.get_or_fetch(&config, &OPTIONS, None, || panic!("fetched on a hit")).unwrap();
        assert_eq!(first, r#"{"n":1}"#);
        assert_eq!(second, first);
        assert!(second.capacity() > second.len(), "room for the NUL");
    }

    #[test]
    fn keys_with_too_little_time_left_are_never_handed_out() {
        let cache = Cache::new();
        let config = config("");
        assert_eq!(cache.get_or_fetch(&config, &OPTIONS, None, || issued("short", 200)).unwrap(), "short");
        // A caller content with less time left may use it ...
        let lenient = CacheOptions { min_remaining_seconds: 60, ..OPTIONS };
        assert_eq!(cache.get_or_fetch(&config, &lenient, None, || panic!("fetched on a hit")).unwrap(), "short");
        // ... one that wants 300 s never gets it, and its fresh key replaces it for everyone.
        assert_eq!(cache.get_or_fetch(&config, &OPTIONS, None, || issued("fresh", 1800)).unwrap(), "fresh");
        assert_eq!(cache.get_or_fetch(&config, &lenient, None, || panic!("fetched on a hit")).unwrap(), "fresh");
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn errors_and_expired_answers_are_not_kept() {
        let cache = Cache::new();
        let config = config("");
        let e =
            cache.get_or_fetch(&config, &OPTIONS, None, || Err(Error::network("Client.Network", "down"))).unwrap_err();
        assert_eq!(e.code(), "Client.Network");
        cache.get_or_fetch(&config, &OPTIONS, None, || issued("dead", 0)).unwrap();
        assert!(cache.is_empty());
    }

    #[test]
    fn the_bound_evicts_the_keys_closest_to_expiry() {
        let cache = Cache::new();
        for i in 0..6 {
            let config = config(&format!(r#","name":"n{i}""#));
            cache.get_or_fetch(&config, &OPTIONS, None, || issued(&format!("k{i}"), 1000 + i)).unwrap();
        }
        assert_eq!(cache.len(), OPTIONS.max_entries);
        // n0 and n1 expired first, so they went.
        for (i, kept) in [(0, false), (1, false), (2, true), (5, true)] {
            let fetched = AtomicUsize::new(0);
            let config = config(&format!(r#","name":"n{i}""#));
            let out = cache
                .get_or_fetch(&config, &CacheOptions { max_entries: 100, ..OPTIONS }, None, || {
                    fetched.fetch_add(1, Ordering::SeqCst);
                    issued("again", 1800)
                })
                .unwrap();
            assert_eq!(fetched.load(Ordering::SeqCst) == 0, kept, "n{i}: {out}");
        }
    }

    #[test]
    fn concurrent_identical_misses_fetch_once_and_share_the_answer() {
        let cache = Cache::new();
        let config = config("");
        let fetches = AtomicUsize::new(0);
        let barrier = Barrier::new(16);
        let answers: Vec<String> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..16)
                .map(|_| {
                    s.spawn(|| {
                        barrier.wait();
                        cache
                            .get_or_fetch(&config, &OPTIONS, None, || {
                                fetches.fetch_add(1, Ordering::SeqCst);
                                std::thread::sleep(std::time::Duration::from_millis(200));
                                issued("shared", 1800)
                            })
                            .unwrap()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
        assert!(answers.iter().all(|a| a == "shared"), "{answers:?}");
    }

    #[test]
    fn a_panicking_fetch_releases_its_waiters() {
        let cache = Cache::new();
        let config = config("");
        let barrier = Barrier::new(2);
        std::thread::scope(|s| {
            let leader = s.spawn(|| {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    cache.get_or_fetch(&config, &OPTIONS, None, || {
                        barrier.wait();
                        std::thread::sleep(std::time::Duration::from_millis(100));
                        panic!("boom")
                    })
                }))
            });
            barrier.wait();
            let waiter = cache.get_or_fetch(&config, &OPTIONS, None, || issued("own", 1800));
            assert!(leader.join().unwrap().is_err());
            // Either it waited on the leader (and got the error) or came after it (and fetched).
            match waiter {
                Ok(json) => assert_eq!(json, "own"),
                Err(e) => assert_eq!(e.kind(), crate::error::ErrorKind::Internal),
            }
        });
        // The slot is free again: a later call hits the waiter's own answer or fetches, never hangs.
        let later = cache.get_or_fetch(&config, &OPTIONS, None, || issued("after", 1800)).unwrap();
        assert!(later == "own" || later == "after", "{later}");
    }

    #[test]
    fn clear_wipes_and_in_flight_answers_are_not_kept() {
        let cache = Cache::new();
        let config = config("");
        cache.get_or_fetch(&config, &OPTIONS, None, || issued("one", 1800)).unwrap();
        assert_eq!(cache.len(), 1);
        cache.clear();
        assert!(cache.is_empty());
        let during = cache
            .get_or_fetch(&config, &OPTIONS, None, || {
                cache.clear();
                issued("during", 1800)
            })
            .unwrap();
        assert_eq!(during, "during");
        assert!(cache.is_empty(), "an answer in flight during a clear is not kept");
    }

    #[test]
    fn a_remembered_text_is_answered_without_parsing() {
        let cache = Cache::new();
        let text = r#"{"secret_id":"AKIDEXAMPLE","secret_key":"k-EXAMPLE","bucket":"b-1","allow_prefix":"a/*","allow_actions":"name/cos:GetObject","cache":true}"#;
        let action = Action::GetFederationToken;
        assert_eq!(cache.get_by_text(text, action), None);
        let config = Config::parse(text, action).unwrap();
        let options = config.cache.unwrap();
        cache.get_or_fetch(&config, &options, Some(text), || issued("by-text", 1800)).unwrap();
        assert_eq!(cache.get_by_text(text, action).as_deref(), Some("by-text"));
        assert_eq!(cache.get_by_text(text, Action::AssumeRole), None, "the action is part of the text's key");
        assert_eq!(cache.get_by_text(&text.replace("a/*", "b/*"), action), None);
        cache.clear();
        assert_eq!(cache.get_by_text(text, action), None);
    }

    #[test]
    fn a_text_that_leaves_the_identity_to_the_environment_is_not_remembered() {
        let cache = Cache::new();
        let mut config = config("");
        config.identity.from_config = false;
        let text = r#"{"bucket":"b-1","cache":true}"#;
        cache.get_or_fetch(&config, &OPTIONS, Some(text), || issued("by-config", 1800)).unwrap();
        assert_eq!(cache.get_by_text(text, Action::GetFederationToken), None);
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn the_global_cache_is_one_per_process() {
        assert!(std::ptr::eq(global(), global()));
    }
}

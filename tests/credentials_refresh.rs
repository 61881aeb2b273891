//! The process-wide cache of role keys (CVM source, emulator metadata mode): one fetch for many
//! calls, refresh inside the advisory and mandatory windows on a moved clock, a metadata server
//! down before and after expiry, and one refresh for many concurrent callers.
//! Every test holds `credentials_lock`: the environment and the refresh clock are process-wide.

mod common;

use common::*;
use serde_json::json;
use std::time::{Duration, Instant};
use sts::api::get_role_credential;
use sts::credentials::refresh::{set_clock_offset, ADVISORY_SECONDS, MANDATORY_SECONDS};
use sts::error::ErrorKind;
use sts_emulator::MetadataMode;

const LIFETIME: i64 = 3600;

fn setup(latency: Duration) -> (Emulator, String) {
    let emulator = credentials_emulator(LIFETIME, latency);
    std::env::set_var("TENCENTCLOUD_METADATA_ENDPOINT", emulator.metadata_url().unwrap());
    let config = keyless_config(&emulator, json!({"role_arn": ROLE_ARN, "credential_source": "cvm"}));
    (emulator, config)
}

fn last_signer(emulator: &Emulator) -> String {
    signers(emulator).pop().unwrap()
}

#[test]
fn a_role_key_is_fetched_once_for_a_hundred_calls() {
    let _env = credentials_lock();
    let (emulator, config) = setup(Duration::ZERO);
    for _ in 0..100 {
        get_role_credential(&config).unwrap();
    }
    assert_eq!(emulator.metadata_credential_requests(), 1);
    assert_eq!(emulator.metadata_requests(), 2, "the role name and its key, once");
    let signers = signers(&emulator);
    assert_eq!(signers.len(), 100);
    assert!(signers.iter().all(|id| *id == signers[0]), "one key signs every call");
    let stats = ureq::get(format!("{}__emulator/stats", emulator.url())).call().unwrap().body_mut().read_to_string();
    let stats = parse(&stats.unwrap());
    assert_eq!((stats["metadata_credential_requests"].as_u64(), stats["sts_requests"].as_u64()), (Some(1), Some(100)));
}

#[test]
fn each_window_refreshes_as_documented() {
    let _env = credentials_lock();
    let (emulator, config) = setup(Duration::ZERO);
    get_role_credential(&config).unwrap();
    let first = last_signer(&emulator);
    // Just before the advisory window: the key is used as it is.
    set_clock_offset(LIFETIME - ADVISORY_SECONDS - 5);
    get_role_credential(&config).unwrap();
    assert_eq!((emulator.metadata_credential_requests(), last_signer(&emulator)), (1, first.clone()));
    // In the advisory window: this caller refreshes, and uses the new key.
    set_clock_offset(LIFETIME - ADVISORY_SECONDS + 5);
    get_role_credential(&config).unwrap();
    let second = last_signer(&emulator);
    assert_eq!(emulator.metadata_credential_requests(), 2);
    assert_ne!(second, first, "the refreshed key signs");
    // The new key expires an hour from the real clock: back to no refresh.
    set_clock_offset(0);
    get_role_credential(&config).unwrap();
    assert_eq!((emulator.metadata_credential_requests(), last_signer(&emulator)), (2, second.clone()));
    // In the mandatory window: refreshed before use.
    set_clock_offset(LIFETIME - MANDATORY_SECONDS + 5);
    get_role_credential(&config).unwrap();
    assert_eq!(emulator.metadata_credential_requests(), 3);
    assert_ne!(last_signer(&emulator), second);
}

#[test]
fn a_metadata_outage_is_invisible_in_the_advisory_window_and_clear_after_expiry() {
    let _env = credentials_lock();
    let (emulator, config) = setup(Duration::ZERO);
    get_role_credential(&config).unwrap();
    let first = last_signer(&emulator);
    emulator.set_metadata_mode(MetadataMode::Down);
    set_clock_offset(LIFETIME - ADVISORY_SECONDS + 5);
    let before = emulator.metadata_requests();
    // The refresh fails (3 attempts), the still-valid key signs, no error.
    get_role_credential(&config).unwrap();
    assert_eq!(last_signer(&emulator), first);
    assert_eq!(emulator.metadata_requests() - before, 3, "3 attempts at the role list");
    // Within the backoff no new attempt is made.
    get_role_credential(&config).unwrap();
    assert_eq!(emulator.metadata_requests() - before, 3);
    // In the mandatory window, still down: the key is still valid and still used.
    set_clock_offset(LIFETIME - MANDATORY_SECONDS + 5);
    get_role_credential(&config).unwrap();
    assert_eq!(last_signer(&emulator), first);
    // Expired: a clear error, no request to STS with a dead key.
    set_clock_offset(LIFETIME + 60);
    let sts_requests = emulator.requests().len();
    let e = get_role_credential(&config).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network, "{e}");
    assert!(e.message().starts_with("cvm: metadata server http://127.0.0.1:"), "{e}");
    assert!(e.message().contains("the cached temporary key has expired"), "{e}");
    assert_eq!(emulator.requests().len(), sts_requests);
    // Back up: the next call after the backoff gets a new key.
    emulator.set_metadata_mode(MetadataMode::Serve);
    set_clock_offset(LIFETIME + 60 + 31);
    get_role_credential(&config).unwrap();
    assert_ne!(last_signer(&emulator), first);
}

/// `threads` callers at once; returns how long each took and which key signed for each.
fn concurrent_calls(config: &str, threads: usize) -> Vec<Duration> {
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let started = Instant::now();
                    get_role_credential(config).unwrap();
                    started.elapsed()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

#[test]
fn concurrent_callers_share_one_refresh() {
    let _env = credentials_lock();
    let latency = Duration::from_millis(400);
    let (emulator, config) = setup(latency);
    get_role_credential(&config).unwrap();
    let first = last_signer(&emulator);

    // Advisory window: one caller refreshes (two slow metadata requests), the others do not wait.
    set_clock_offset(LIFETIME - ADVISORY_SECONDS + 5);
    let took = concurrent_calls(&config, 8);
    assert_eq!(emulator.metadata_credential_requests(), 2, "exactly one refresh");
    let waited = took.iter().filter(|t| **t >= latency).count();
    assert_eq!(waited, 1, "only the refresher waits for the metadata server: {took:?}");
    let signed = signers(&emulator);
    let old = signed[signed.len() - 8..].iter().filter(|id| **id == first).count();
    assert_eq!(old, 7, "the others kept the current key: {signed:?}");

    // Mandatory window: everybody waits for the one refresh and uses its key.
    let second = last_signer(&emulator);
    set_clock_offset(LIFETIME - MANDATORY_SECONDS + 5);
    let took = concurrent_calls(&config, 8);
    assert_eq!(emulator.metadata_credential_requests(), 3, "exactly one refresh");
    assert!(took.iter().all(|t| *t >= latency), "all waited for it: {took:?}");
    let signed = signers(&emulator);
    let third = &signed[signed.len() - 1];
    assert!(third != &second && third != &first);
    assert!(signed[signed.len() - 8..].iter().all(|id| id == third), "{signed:?}");
}

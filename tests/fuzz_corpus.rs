//! Replays the committed fuzz seed corpus (fuzz/corpus/<target>/) and any crash reproducers
//! (fuzz/regressions/<target>/, none so far) through the same checks as the fuzz targets, in
//! the normal `cargo test`. scripts/fuzz.sh runs the real fuzzers.

mod common;

use common::*;
use std::ffi::CString;
use std::path::Path;
use sts::config::{Action, CallerConfig, Config, WebIdentityConfig};
use sts::ffi::{sts_get_credential, sts_get_policy, sts_get_role_credential, sts_get_upload_credential, StsCode};

fn inputs(target: &str) -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut all = Vec::new();
    for dir in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else { continue };
        for entry in entries {
            all.push(std::fs::read(entry.unwrap().path()).unwrap());
        }
    }
    all
}

#[test]
fn config_seeds() {
    let seeds = inputs("config");
    assert!(seeds.len() >= 5);
    for seed in seeds {
        let Ok(text) = std::str::from_utf8(&seed) else { continue };
        let results = [
            Config::parse(text, Action::GetFederationToken),
            Config::parse(text, Action::AssumeRole),
            Config::parse_upload(text),
            Config::parse_inferred(text),
        ];
        for result in results {
            match result {
                Err(e) => assert!(e.message().contains(": "), "{}", e.message()),
                Ok(config) => drop(parse(&config.normalized_json())),
            }
        }
        for error in [CallerConfig::parse(text).err(), WebIdentityConfig::parse(text).err()].into_iter().flatten() {
            assert!(error.message().contains(": "), "{}", error.message());
        }
    }
}

#[test]
fn policy_seeds() {
    let seeds = inputs("policy");
    assert!(seeds.len() >= 5);
    let mut ok = 0;
    for seed in seeds {
        let Ok(text) = std::str::from_utf8(&seed) else { continue };
        if let Ok(policy) = sts::api::get_policy(text) {
            let parsed: serde_json::Value = serde_json::from_str(&policy).unwrap();
            assert_eq!(parsed["version"], "2.0");
            ok += 1;
        }
    }
    assert!(ok >= 4, "the seeds include valid scopes");
}

#[test]
fn response_seeds() {
    let seeds = inputs("response");
    assert!(seeds.len() >= 5);
    for seed in seeds {
        let (status, body) = match seed.as_slice() {
            [a, b, rest @ ..] => (100 + u16::from_le_bytes([*a, *b]) % 500, rest),
            _ => (200, seed.as_slice()),
        };
        let Ok(body) = std::str::from_utf8(body) else { continue };
        for status in [200, status] {
            if let Ok(out) = sts::api::credential_result(status, body, 1800, &"http://127.0.0.1:9") {
                let _: serde_json::Value = serde_json::from_str(&out).unwrap();
            }
        }
    }
}

#[test]
fn c_abi_seeds_that_are_not_configs_never_reach_the_network() {
    let seeds = inputs("c_abi");
    assert!(seeds.len() >= 5);
    for seed in seeds {
        let end = seed.iter().position(|&b| b == 0).unwrap_or(seed.len());
        let input = CString::new(&seed[..end]).unwrap();
        let is_object = std::str::from_utf8(&seed[..end]).map(|t| t.trim_start().starts_with('{')).unwrap_or(false);
        let exports: &[Export] = if is_object {
            &[sts_get_policy]
        } else {
            &[sts_get_policy, sts_get_credential, sts_get_role_credential, sts_get_upload_credential]
        };
        for f in exports {
            let (code, json) = c_call_text(*f, &input);
            let value = parse(&json);
            assert_eq!(code == StsCode::STS_OK, value.get("error").is_none(), "{json}");
            assert_ne!(code, StsCode::STS_INTERNAL, "{json}");
        }
    }
}

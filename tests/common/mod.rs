//! Shared helpers for the integration tests: an in-process emulator and configs for it.
#![allow(dead_code)]

use serde_json::{json, Value};
pub use sts_emulator::{Emulator, EmulatorOptions, FailMode, Faults, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY};

pub const BUCKET: &str = "example-1250000000";

pub fn start(faults: Faults) -> Emulator {
    Emulator::start(EmulatorOptions { faults, ..EmulatorOptions::default() }).expect("emulator starts")
}

/// A GetFederationToken config for `emulator`, with `extra` keys merged in.
pub fn federation_config(emulator: &Emulator, extra: Value) -> String {
    merge(
        json!({
            "secret_id": DEFAULT_SECRET_ID,
            "secret_key": DEFAULT_SECRET_KEY,
            "url": emulator.url(),
            "bucket": BUCKET,
            "region": "ap-guangzhou",
            "allow_prefix": "dir/*",
            "allow_actions": ["name/cos:PutObject"],
        }),
        extra,
    )
}

/// An AssumeRole config for `emulator`, with `extra` keys merged in.
pub fn role_config(emulator: &Emulator, extra: Value) -> String {
    merge(
        json!({
            "secret_id": DEFAULT_SECRET_ID,
            "secret_key": DEFAULT_SECRET_KEY,
            "url": emulator.url(),
            "role_arn": "qcs::cam::uin/100000000001:roleName/cos-uploader",
        }),
        extra,
    )
}

fn merge(mut base: Value, extra: Value) -> String {
    if let (Value::Object(base), Value::Object(extra)) = (&mut base, extra) {
        for (k, v) in extra {
            if v.is_null() {
                base.remove(&k);
            } else {
                base.insert(k, v);
            }
        }
    }
    base.to_string()
}

pub fn parse(json: &str) -> Value {
    serde_json::from_str(json).expect("valid JSON")
}

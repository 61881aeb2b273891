//! The scopes parser and policy builder (sts_get_policy's core): any UTF-8 text gives a
//! policy that is valid JSON, or an error; never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(policy) = sts::api::get_policy(text) {
        let parsed: serde_json::Value = serde_json::from_str(&policy).expect("policy output is JSON");
        assert_eq!(parsed["version"], "2.0");
    }
});

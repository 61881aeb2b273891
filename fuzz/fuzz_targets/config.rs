//! The config parser for both actions, upload configs and sts_check_config's inference: any
//! UTF-8 text must give a Config or an error whose message names a field, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sts::config::{Action, Config};

fuzz_target!(|text: &str| {
    let results = [
        Config::parse(text, Action::GetFederationToken),
        Config::parse(text, Action::AssumeRole),
        Config::parse_upload(text),
        Config::parse_inferred(text),
    ];
    for result in results {
        match result {
            Err(e) => assert!(e.message().contains(": "), "error without a field: {}", e.message()),
            // The normalized form of whatever parses is JSON.
            Ok(config) => {
                serde_json::from_str::<serde_json::Value>(&config.normalized_json()).expect("normalized JSON");
            }
        }
    }
});

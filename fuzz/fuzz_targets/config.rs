//! The config parser for both actions, upload configs and sts_check_config's inference: any
//! UTF-8 text must give a Config or an error whose message names a field, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sts::config::{Action, CallerConfig, Config, WebIdentityConfig};

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
    // The configs of sts_get_caller_identity and sts_get_web_identity_credential (no network:
    // parsing only; a token file named in the text is read bounded, as ca_file is).
    for error in [CallerConfig::parse(text).err(), WebIdentityConfig::parse(text).err()].into_iter().flatten() {
        assert!(error.message().contains(": "), "error without a field: {}", error.message());
    }
});

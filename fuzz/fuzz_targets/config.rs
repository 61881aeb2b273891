//! The config parser for both actions: any UTF-8 text must give a Config or an error whose
//! message names a field, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sts::config::{Action, Config};

fuzz_target!(|text: &str| {
    for action in [Action::GetFederationToken, Action::AssumeRole] {
        if let Err(e) = Config::parse(text, action) {
            assert!(e.message().contains(": "), "error without a field: {}", e.message());
        }
    }
});

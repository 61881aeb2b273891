//! `/readyz`: whether a credential request could be made now.
//!
//! The libsts core on this branch offers no network-free identity call (GetCallerIdentity is
//! being added elsewhere), so readiness is libsts's own `check_config` of `[sts]` as the
//! credential calls use it: it resolves the credential source and validates every key.

use crate::config::Settings;

pub fn check(settings: &Settings) -> Result<(), String> {
    let mut config = settings.sts.clone();
    config.insert(
        "policy".into(),
        serde_json::json!({"version":"2.0","statement":[{"effect":"allow","action":["name/cos:HeadObject"],
            "resource":["qcs::cos:ap-guangzhou:uid/1250000000:example-1250000000/readyz"]}]}),
    );
    sts::api::check_config(&serde_json::Value::Object(config).to_string())
        .map(|_| ())
        .map_err(|e| format!("sts: {}", e.message()))
}

//! `/readyz`: whether a credential request could be made now: STS GetCallerIdentity with the
//! key `[sts]` resolves to (its credential source, endpoint and transport), so a wrong key, an
//! unreachable STS or a credential source that finds nothing makes the service not ready.

use crate::config::Settings;

/// The `[sts]` keys GetCallerIdentity reads: who signs, where to send, and how. The others
/// (duration, role, cache...) belong to the credential calls, which the core refuses it.
const CALLER_KEYS: &[&str] = &[
    "secret_id",
    "secret_key",
    "session_token",
    "credential_source",
    "profile",
    "metadata_endpoint",
    "region",
    "endpoint",
    "url",
    "proxy",
    "timeout_ms",
    "total_timeout_ms",
    "retries",
    "ca_file",
];

pub fn check(settings: &Settings) -> Result<(), String> {
    let config: serde_json::Map<String, serde_json::Value> = settings
        .sts
        .iter()
        .filter(|(key, _)| sts::config::canonical(key).is_some_and(|name| CALLER_KEYS.contains(&name)))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    sts::caller_identity::get_caller_identity(&serde_json::Value::Object(config).to_string())
        .map(|_| ())
        .map_err(|e| format!("sts: {}", e.message()))
}

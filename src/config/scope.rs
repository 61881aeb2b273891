//! Which calls each key belongs to, so that a key no reader of a call took is refused naming
//! the key and the call it belongs to, never silently ignored.

use super::keys::Given;
use crate::error::{Error, Result};

/// Keys that only some calls take, and those calls. Keys not listed are the identity and
/// transport keys (every signed call) or are read by every credential call.
const OWNERS: &[(&str, &str)] = &[
    ("name", "sts_get_credential and sts_get_upload_credential"),
    ("external_id", "sts_get_role_credential"),
    ("tags", "sts_get_role_credential"),
    ("source_identity", "sts_get_role_credential"),
    ("serial_number", "sts_get_role_credential"),
    ("token_code", "sts_get_role_credential"),
    ("role_arn", "sts_get_role_credential and sts_get_web_identity_credential"),
    ("role_session_name", "sts_get_role_credential and sts_get_web_identity_credential"),
    ("provider_id", "sts_get_web_identity_credential"),
    ("web_identity_token", "sts_get_web_identity_credential"),
    ("web_identity_token_file", "sts_get_web_identity_credential"),
    ("upload", "sts_get_upload_credential"),
    ("duration_seconds", "the calls that issue a key"),
    ("cache", "sts_get_credential and sts_get_role_credential"),
];

/// Keys of the policy: what the issued key may do.
const POLICY_KEYS: &[&str] = &["policy", "bucket", "allow_prefix", "allow_actions", "condition"];

/// Refuses the first key still in `given`: `entry_point` does not read it.
pub(super) fn refuse_left(given: &Given, entry_point: &str, why: &dyn Fn(&str) -> Option<&'static str>) -> Result<()> {
    let Some((canonical, spelled)) = given.first_left() else { return Ok(()) };
    if let Some(reason) = why(canonical) {
        return Err(Error::invalid(&spelled, format!("not a key of {entry_point}: {reason}")));
    }
    let owner = OWNERS.iter().find(|(key, _)| *key == canonical).map(|(_, owner)| *owner);
    let owner = match owner {
        Some(owner) => owner,
        None if POLICY_KEYS.contains(&canonical) => "the calls that issue a key",
        None => "another call",
    };
    Err(Error::invalid(&spelled, format!("not a key of {entry_point}; it belongs to {owner}")))
}

/// Whether `canonical` is one of the policy's keys.
pub(super) fn is_policy_key(canonical: &str) -> bool {
    POLICY_KEYS.contains(&canonical)
}

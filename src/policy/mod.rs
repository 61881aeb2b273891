//! Scopes -> CAM policy, the policy of a credential config, and the resource strings for
//! `cos` and `ci`.
//!
//! - [`limits`]: every limit on policy input and output, and the checks of one string.
//! - [`scopes`]: parsing the `sts_get_policy` input.
//! - [`condition`]: the shape of a `condition`, for scopes and configs.
//! - `statement`: one scope checked, measured, then written.
//! - `from_config`: the policy of a credential config (built or ready).
//! - `encode`: percent-encoding of the `Policy` parameter.

pub mod condition;
mod encode;
mod from_config;
mod json;
pub mod limits;
mod names;
pub mod scopes;
mod statement;

pub use condition::{check_condition, check_condition_json, condition_json};
pub use encode::{percent_encode, percent_encoded_len};
pub use from_config::{config_policy, config_policy_named, ready_policy, single_statement_policy, ConfigFields};
pub use limits::*;
pub use names::{appid_of, check_bucket, check_name, check_region};
pub use scopes::{parse_scopes, OneOrMany, Scope, Text};

use crate::error::{Error, Result};

pub const POLICY_VERSION: &str = "2.0";

/// Which resource form a statement uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    Cos,
    Ci,
}

/// Appends the resource string for one prefix. A prefix that already starts with `/` keeps a
/// single one.
fn push_resource(out: &mut String, service: Service, region: &str, appid: &str, bucket: &str, prefix: &str) {
    out.push_str(statement::resource_head(service));
    out.push_str(region);
    out.push_str(statement::UID);
    out.push_str(appid);
    out.push_str(statement::bucket_separator(service));
    out.push_str(bucket);
    if !prefix.starts_with('/') {
        out.push('/');
    }
    out.push_str(prefix);
}

/// The resource string for one prefix.
pub fn resource(service: Service, region: &str, appid: &str, bucket: &str, prefix: &str) -> String {
    let mut out = String::with_capacity(32 + region.len() + appid.len() + bucket.len() + prefix.len());
    push_resource(&mut out, service, region, appid, bucket, prefix);
    out
}

const HEAD: &str = r#"{"version":"2.0","statement":["#;
const TAIL: &str = "]}";

/// `sts_get_policy`: scopes JSON in, policy JSON out.
///
/// Every scope is checked and its statement measured before anything is written, so a policy
/// over [`MAX_POLICY_BYTES`] is refused without being built, and the output is allocated once.
pub fn get_policy(scopes_json: &str) -> Result<String> {
    let scopes = parse_scopes(scopes_json)?;
    let checked = scopes
        .iter()
        .enumerate()
        .map(|(index, scope)| statement::check_scope(scope, index))
        .collect::<Result<Vec<_>>>()?;
    let len = HEAD.len() + TAIL.len() + checked.len().saturating_sub(1) + checked.iter().map(|c| c.len).sum::<usize>();
    if len > MAX_POLICY_BYTES {
        return Err(Error::invalid(
            "scopes",
            format!(
                "the policy would be {len} bytes, over the {MAX_POLICY_BYTES}-byte limit; \
                 use fewer scopes or prefixes (a wildcard such as dir/* covers many)"
            ),
        ));
    }
    // One more byte for the NUL the C ABI appends.
    let mut out = String::with_capacity(len + 1);
    out.push_str(HEAD);
    for (index, checked) in checked.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        statement::write_statement(&mut out, checked);
    }
    out.push_str(TAIL);
    debug_assert_eq!(out.len(), len, "measured and written lengths differ");
    Ok(out)
}

#[cfg(test)]
mod tests;

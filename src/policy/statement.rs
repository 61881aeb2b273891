//! One scope -> one statement, in two steps: [`check_scope`] validates every field against
//! its limits and measures the exact output, and [`write_statement`] writes it, no longer
//! able to fail. The caller adds the measures up and refuses an oversized policy before it
//! allocates anything.
//!
//! The output is written directly rather than through serde: this is the hot path, and the
//! shape is fixed (`{"action":[..],"effect":..,"resource":[..],"condition":{..}}`).

use super::condition::check_condition_json;
use super::json::{needs_escaping, push_json_string, push_json_strings};
use super::limits::{scan, Tab, MAX_ACTION_BYTES, MAX_BUCKET_BYTES, MAX_PREFIX_BYTES, MAX_REGION_BYTES};
use super::names::{appid, name_problem, no_appid};
use super::scopes::{OneOrMany, Scope, Text};
use super::{push_resource, Service};
use crate::error::{abbreviate, Error, Result};

/// `name/cos:GetService` lists buckets; it has no bucket resource, so it gets `*`.
const GET_SERVICE: &str = "name/cos:GetService";

const OPEN: &str = r#"{"action":["#;
const EFFECT: &str = r#"],"effect":""#;
const RESOURCE: &str = r#"","resource":["#;
const ALL: &str = r#""*""#;
const CONDITION: &str = r#"],"condition":"#;
const CLOSE_WITH_CONDITION: &str = "}";
const CLOSE: &str = "]}";

/// A scope that passed every check, with the exact length of its statement.
pub(super) struct Checked<'s> {
    actions: &'s [Text<'s>],
    effect: &'static str,
    target: Target<'s>,
    condition: Option<&'s str>,
    pub len: usize,
}

enum Target<'s> {
    /// `name/cos:GetService`: resource `*`.
    All,
    Bucket {
        service: Service,
        region: &'s str,
        appid: &'s str,
        bucket: &'s str,
        prefixes: &'s [Text<'s>],
    },
}

/// The length of `"text"` once escaped, given the extra bytes [`scan`] counted.
fn quoted_len(text: &str, extra: usize) -> usize {
    text.len() + extra + 2
}

/// Validates one scope (`index` names it in errors) and measures its statement.
pub(super) fn check_scope<'s>(scope: &'s Scope<'s>, index: usize) -> Result<Checked<'s>> {
    // Field paths are only formatted on failure: this is the hot path.
    let field = |name: &str| format!("scopes[{index}].{name}");
    let item = |name: &str, i: usize| format!("scopes[{index}].{name}[{i}]");
    let actions = match scope.actions.as_ref().map(OneOrMany::as_slice) {
        Some(list) if !list.is_empty() => list,
        Some(_) => return Err(Error::invalid(&field("action"), "empty list; give at least one action")),
        None => return Err(Error::invalid(&field("action"), "missing; e.g. \"name/cos:PutObject\"")),
    };
    let mut len = OPEN.len() + actions.len() - 1;
    for (i, action) in actions.iter().enumerate() {
        if action.0.is_empty() {
            return Err(Error::invalid(&item("action", i), "empty string"));
        }
        let extra =
            scan(&action.0, MAX_ACTION_BYTES, Tab::Refused).map_err(|p| Error::invalid(&item("action", i), p))?;
        len += quoted_len(&action.0, extra);
    }
    let effect = match scope.effect.as_ref().map(|e| e.0.as_ref()) {
        None | Some("allow") => "allow",
        Some("deny") => "deny",
        Some(other) => return Err(Error::invalid(&field("effect"), unexpected(other, "\"allow\" or \"deny\""))),
    };
    len += EFFECT.len() + effect.len() + RESOURCE.len();
    let service = match scope.service.as_ref().map(|s| s.0.as_ref()) {
        None | Some("cos") => Service::Cos,
        Some("ci") => Service::Ci,
        Some(other) => return Err(Error::invalid(&field("service"), unexpected(other, "\"cos\" or \"ci\""))),
    };
    let condition = match scope.condition {
        Some(raw) => {
            check_condition_json(raw.get(), &field("condition"))?;
            len += CONDITION.len() + raw.get().len() + CLOSE_WITH_CONDITION.len();
            Some(raw.get())
        }
        None => {
            len += CLOSE.len();
            None
        }
    };

    let get_service = actions.iter().filter(|a| a.0 == GET_SERVICE).count();
    if get_service == actions.len() {
        // Bucket, region and prefix mean nothing here and are not required, but they are
        // still input: bounded and free of control characters.
        for (name, value) in [("bucket", &scope.bucket), ("region", &scope.region)] {
            if let Some(value) = value {
                let max = if name == "bucket" { MAX_BUCKET_BYTES } else { MAX_REGION_BYTES };
                scan(&value.0, max, Tab::Refused).map_err(|p| Error::invalid(&field(name), p))?;
            }
        }
        for (i, prefix) in scope.prefixes.as_ref().map_or(&[][..], OneOrMany::as_slice).iter().enumerate() {
            scan(&prefix.0, MAX_PREFIX_BYTES, Tab::Allowed).map_err(|p| Error::invalid(&item("prefix", i), p))?;
        }
        return Ok(Checked { actions, effect, target: Target::All, condition, len: len + ALL.len() });
    }
    if get_service > 0 {
        return Err(Error::invalid(
            &field("action"),
            "name/cos:GetService applies to all buckets (resource *); put it in a scope of its own",
        ));
    }

    let bucket = scope.bucket.as_ref().ok_or_else(|| Error::invalid(&field("bucket"), "missing"))?;
    let region = scope.region.as_ref().ok_or_else(|| Error::invalid(&field("region"), "missing"))?;
    if let Some(problem) = name_problem(&bucket.0, MAX_BUCKET_BYTES) {
        return Err(Error::invalid(&field("bucket"), problem));
    }
    if let Some(problem) = name_problem(&region.0, MAX_REGION_BYTES) {
        return Err(Error::invalid(&field("region"), problem));
    }
    let appid = appid(&bucket.0).ok_or_else(|| Error::invalid(&field("bucket"), no_appid(&bucket.0)))?;
    let prefixes = match scope.prefixes.as_ref().map(OneOrMany::as_slice) {
        Some(list) if !list.is_empty() => list,
        Some(_) => return Err(Error::invalid(&field("prefix"), "empty list; give at least one prefix")),
        None => return Err(Error::invalid(&field("prefix"), "missing; e.g. \"uploads/user-1/*\"")),
    };
    // Every resource repeats this part: `qcs::cos:REGION:uid/APPID:BUCKET` and its quotes.
    let fixed = resource_head(service).len()
        + region.0.len()
        + UID.len()
        + appid.len()
        + bucket_separator(service).len()
        + bucket.0.len()
        + 2;
    len += prefixes.len() - 1;
    for (i, prefix) in prefixes.iter().enumerate() {
        if prefix.0.is_empty() {
            return Err(Error::invalid(&item("prefix", i), "empty string; use \"*\" for the whole bucket"));
        }
        let extra =
            scan(&prefix.0, MAX_PREFIX_BYTES, Tab::Allowed).map_err(|p| Error::invalid(&item("prefix", i), p))?;
        len += fixed + usize::from(!prefix.0.starts_with('/')) + prefix.0.len() + extra;
    }
    let target = Target::Bucket { service, region: &region.0, appid, bucket: &bucket.0, prefixes };
    Ok(Checked { actions, effect, target, condition, len })
}

/// "`maybe`; expected ..." for a word outside a fixed set, without quoting control characters.
fn unexpected(value: &str, expected: &str) -> String {
    match scan(value, usize::MAX, Tab::Refused) {
        Ok(_) => format!("`{}`; expected {expected}", abbreviate(value)),
        Err(problem) => format!("{problem}; expected {expected}"),
    }
}

/// Between the region and the appid of every resource.
pub(super) const UID: &str = ":uid/";

pub(super) fn resource_head(service: Service) -> &'static str {
    match service {
        Service::Cos => "qcs::cos:",
        Service::Ci => "qcs::ci:",
    }
}

pub(super) fn bucket_separator(service: Service) -> &'static str {
    match service {
        Service::Cos => ":",
        Service::Ci => ":bucket/",
    }
}

/// Appends the statement of a checked scope: exactly `checked.len` bytes.
pub(super) fn write_statement(out: &mut String, checked: &Checked<'_>) {
    out.push_str(OPEN);
    push_json_strings(out, checked.actions.iter().map(|a| a.0.as_ref()));
    out.push_str(EFFECT);
    out.push_str(checked.effect);
    out.push_str(RESOURCE);
    match checked.target {
        Target::All => out.push_str(ALL),
        Target::Bucket { service, region, appid, bucket, prefixes } => {
            for (i, prefix) in prefixes.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                // Bucket, region and appid are plain by their checks; only a prefix can need escaping.
                if needs_escaping(&prefix.0) {
                    push_json_string(out, &super::resource(service, region, appid, bucket, &prefix.0));
                } else {
                    out.push('"');
                    push_resource(out, service, region, appid, bucket, &prefix.0);
                    out.push('"');
                }
            }
        }
    }
    match checked.condition {
        Some(condition) => {
            out.push_str(CONDITION);
            out.push_str(condition);
            out.push_str(CLOSE_WITH_CONDITION);
        }
        None => out.push_str(CLOSE),
    }
}

//! The policy of a credential config: built from `bucket`/`region`/`allow_prefix`/
//! `allow_actions`/`condition` as qcloud-python-sts does, or given ready as `policy`.

use super::condition::condition_json;
use super::encode::percent_encoded_len;
use super::json::{push_json_string, push_json_strings};
use super::limits::{check_actions, check_control, check_prefixes, scan, Tab, MAX_ENCODED_POLICY_BYTES};
use super::names::{check_bucket, check_region};
use super::{push_resource, resource, Service, POLICY_VERSION};
use crate::error::{wrong_type, Error, Result};
use serde_json::Value;

/// The config keys a built policy's errors name; [`Default`] gives the canonical spellings.
/// A config read under its camelCase aliases passes those, so that errors name what was written.
#[derive(Clone, Copy, Debug)]
pub struct ConfigFields<'a> {
    pub bucket: &'a str,
    pub region: &'a str,
    pub prefixes: &'a str,
    pub actions: &'a str,
    pub condition: &'a str,
}

impl Default for ConfigFields<'_> {
    fn default() -> Self {
        ConfigFields {
            bucket: "bucket",
            region: "region",
            prefixes: "allow_prefix",
            actions: "allow_actions",
            condition: "condition",
        }
    }
}

/// The one-statement policy qcloud-python-sts builds from a config's bucket, prefixes, actions
/// and condition (`condition` is raw JSON text). It does no checking: see [`config_policy`].
pub fn single_statement_policy(actions: &[String], resources: &[String], condition: Option<&str>) -> String {
    let mut out = String::with_capacity(96 + resources.iter().chain(actions).map(|s| s.len() + 3).sum::<usize>());
    out.push_str(r#"{"version":""#);
    out.push_str(POLICY_VERSION);
    out.push_str(r#"","statement":[{"action":["#);
    push_json_strings(&mut out, actions.iter().map(String::as_str));
    out.push_str(r#"],"effect":"allow","resource":["#);
    push_json_strings(&mut out, resources.iter().map(String::as_str));
    out.push(']');
    if let Some(condition) = condition {
        out.push_str(r#","condition":"#);
        out.push_str(condition);
    }
    out.push_str("}]}");
    out
}

/// The policy built from bucket/region/allow_prefix/allow_actions/condition, as
/// qcloud-python-sts does, with errors naming the canonical keys.
pub fn config_policy(
    bucket: &str,
    region: &str,
    prefixes: &[String],
    actions: &[String],
    condition: Option<&Value>,
) -> Result<String> {
    config_policy_named(&ConfigFields::default(), bucket, region, prefixes, actions, condition)
}

/// [`config_policy`] with the config's own key spellings in errors.
///
/// Every entry is checked against the limits of a scope, and the percent-encoded length of the
/// policy is computed before it is built: over [`MAX_ENCODED_POLICY_BYTES`] is refused naming
/// the key that contributes most (`allow_prefix`, `allow_actions` or `condition`).
pub fn config_policy_named(
    fields: &ConfigFields<'_>,
    bucket: &str,
    region: &str,
    prefixes: &[String],
    actions: &[String],
    condition: Option<&Value>,
) -> Result<String> {
    let appid = check_bucket(bucket, fields.bucket)?;
    check_region(region, fields.region)?;
    check_prefixes(prefixes, fields.prefixes)?;
    check_actions(actions, fields.actions)?;
    let condition = condition.map(|c| condition_json(c, fields.condition)).transpose()?;

    let (total, parts) = encoded_len(region, appid, bucket, prefixes, actions, condition.as_deref());
    if total > MAX_ENCODED_POLICY_BYTES {
        let [prefixes, actions, condition] = parts;
        let (field, hint) = if prefixes >= actions && prefixes >= condition {
            (fields.prefixes, "; use fewer or shorter prefixes (a wildcard such as dir/* covers many)")
        } else if actions >= condition {
            (fields.actions, "; use fewer actions (a wildcard such as name/cos:Get* covers many)")
        } else {
            (fields.condition, "")
        };
        return Err(Error::invalid(
            field,
            format!(
                "the policy would be {total} bytes once percent-encoded, over the {MAX_ENCODED_POLICY_BYTES}-byte limit{hint}"
            ),
        ));
    }
    let resources: Vec<String> =
        prefixes.iter().map(|prefix| resource(Service::Cos, region, appid, bucket, prefix)).collect();
    let policy = single_statement_policy(actions, &resources, condition.as_deref());
    debug_assert_eq!(percent_encoded_len(&policy), total, "measured and built lengths differ");
    Ok(policy)
}

/// The percent-encoded length of the policy [`single_statement_policy`] would build, and the
/// share of it from the prefixes, the actions and the condition. Each entry is written into a
/// scratch buffer and measured with the same writer and encoder that build the real policy,
/// so the sum is exact while memory stays at one entry's size.
fn encoded_len(
    region: &str,
    appid: &str,
    bucket: &str,
    prefixes: &[String],
    actions: &[String],
    condition: Option<&str>,
) -> (usize, [usize; 3]) {
    let (mut raw, mut json) = (String::new(), String::new());
    let mut quoted = |text: &str| {
        json.clear();
        push_json_string(&mut json, text);
        percent_encoded_len(&json)
    };
    let commas = |n: usize| n.saturating_sub(1) * percent_encoded_len(",");
    let mut prefix_len = commas(prefixes.len());
    for prefix in prefixes {
        raw.clear();
        push_resource(&mut raw, Service::Cos, region, appid, bucket, prefix);
        prefix_len += quoted(&raw);
    }
    let mut action_len = commas(actions.len());
    for action in actions {
        action_len += quoted(action);
    }
    let condition_len = condition.map_or(0, |c| percent_encoded_len(r#","condition":"#) + percent_encoded_len(c));
    // Everything else: the same text single_statement_policy writes, with empty lists.
    let frame = percent_encoded_len(&single_statement_policy(&[], &[], None));
    (frame + prefix_len + action_len + condition_len, [prefix_len, action_len, condition_len])
}

/// Validates a ready policy (object or JSON string) and returns it as compact JSON.
pub fn ready_policy(value: Value) -> Result<String> {
    let value = match value {
        Value::String(s) => {
            serde_json::from_str(&s).map_err(|e| Error::invalid("policy", format!("not valid JSON: {e}")))?
        }
        other => other,
    };
    let Value::Object(map) = &value else {
        return Err(wrong_type("policy", "an object {\"version\":\"2.0\",\"statement\":[...]}", &value));
    };
    match map.get("version") {
        Some(Value::String(_)) => {}
        Some(other) => return Err(wrong_type("policy.version", "a string such as \"2.0\"", other)),
        None => return Err(Error::invalid("policy.version", "missing; expected \"2.0\"")),
    }
    let statements = match map.get("statement") {
        Some(Value::Array(list)) if !list.is_empty() => list,
        Some(Value::Array(_)) => return Err(Error::invalid("policy.statement", "empty list")),
        Some(other) => return Err(wrong_type("policy.statement", "a list of statements", other)),
        None => return Err(Error::invalid("policy.statement", "missing")),
    };
    for (i, statement) in statements.iter().enumerate() {
        let Value::Object(statement) = statement else {
            return Err(wrong_type(&format!("policy.statement[{i}]"), "an object", statement));
        };
        if statement.keys().any(|k| k.eq_ignore_ascii_case("principal")) {
            return Err(Error::invalid(
                &format!("policy.statement[{i}].principal"),
                "not allowed: STS rejects a policy with a principal (the SDKs' legacy getPolicy added one)",
            ));
        }
    }
    check_strings(&value, &mut "policy".to_owned(), Tab::Refused)?;
    serde_json::to_string(&value).map_err(|e| Error::internal(format!("policy serialization failed: {e}")))
}

/// Refuses control characters in every key and string of a ready policy, naming the path;
/// TAB only inside `resource` lists, which hold object keys. (serde_json bounds the depth.)
fn check_strings(value: &Value, path: &mut String, tab: Tab) -> Result<()> {
    match value {
        Value::String(s) => check_control(s, path, tab),
        Value::Array(items) => {
            let len = path.len();
            for (i, item) in items.iter().enumerate() {
                path.push_str(&format!("[{i}]"));
                check_strings(item, path, tab)?;
                path.truncate(len);
            }
            Ok(())
        }
        Value::Object(map) => {
            let len = path.len();
            for (key, item) in map {
                if let Err(problem) = scan(key, usize::MAX, Tab::Refused) {
                    return Err(Error::invalid(path, format_args!("a key {problem}")));
                }
                path.push('.');
                path.push_str(key);
                let tab = if key == "resource" || key == "not_resource" { Tab::Allowed } else { tab };
                check_strings(item, path, tab)?;
                path.truncate(len);
            }
            Ok(())
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests;

//! Scopes -> CAM policy, and the resource strings for `cos` and `ci`.
//!
//! This is the hot path of `sts_get_policy`, so scopes are parsed into typed structs that
//! borrow from the input (conditions stay raw JSON) instead of going through
//! `serde_json::Value`. The hand-written visitors exist to put the field's path
//! (`scopes[2].bucket`) into every parse error; serde's derive cannot.

use crate::error::{wrong_type, Error, Result};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;

pub const POLICY_VERSION: &str = "2.0";
/// `name/cos:GetService` lists buckets; it has no bucket resource, so it gets `*`.
const GET_SERVICE: &str = "name/cos:GetService";

/// Which resource form a statement uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    Cos,
    Ci,
}

/// A string borrowed from the input when it has no escapes, owned otherwise.
/// (`Cow<str>`'s own `Deserialize` always allocates.)
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text<'a>(pub Cow<'a, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(TextVisitor)
    }
}

/// A string or a list of strings, as both SDKs accept for actions and prefixes. The single
/// string, by far the common case, needs no allocation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OneOrMany<'a> {
    One(Text<'a>),
    Many(Vec<Text<'a>>),
}

impl<'a> OneOrMany<'a> {
    pub fn as_slice(&self) -> &[Text<'a>] {
        match self {
            OneOrMany::One(text) => std::slice::from_ref(text),
            OneOrMany::Many(list) => list,
        }
    }
}

impl<'de> Deserialize<'de> for OneOrMany<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OneOrManyVisitor;
        impl<'de> Visitor<'de> for OneOrManyVisitor {
            type Value = OneOrMany<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(OneOrMany::One(Text(Cow::Borrowed(v))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(OneOrMany::One(Text(Cow::Owned(v.to_owned()))))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(1).min(16));
                while let Some(item) = seq.next_element::<Text<'de>>()? {
                    items.push(item);
                }
                Ok(OneOrMany::Many(items))
            }
        }
        deserializer.deserialize_any(OneOrManyVisitor)
    }
}

/// One scope of the cross-SDK scope format (see docs/ARCHITECTURE.md and the README).
#[derive(Debug, Default)]
pub struct Scope<'a> {
    pub actions: Option<OneOrMany<'a>>,
    pub bucket: Option<Text<'a>>,
    pub region: Option<Text<'a>>,
    pub prefixes: Option<OneOrMany<'a>>,
    pub effect: Option<Text<'a>>,
    pub condition: Option<&'a RawValue>,
    pub service: Option<Text<'a>>,
}

const SCOPE_KEYS: &[&str] =
    &["action", "bucket", "region", "prefix", "resource_prefix", "effect", "condition", "service"];

struct ScopeVisitor {
    index: usize,
}

impl<'de> DeserializeSeed<'de> for ScopeVisitor {
    type Value = Scope<'de>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        let index = self.index;
        deserializer.deserialize_map(self).map_err(|e| {
            let message = e.to_string();
            // Only the element's own type error lacks a path; syntax errors stay as they are.
            if message.starts_with("invalid type") {
                de::Error::custom(format_args!("scopes[{index}]: {}", strip_position(&message)))
            } else {
                e
            }
        })
    }
}

impl<'de> Visitor<'de> for ScopeVisitor {
    type Value = Scope<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let index = self.index;
        let mut scope = Scope::default();
        while let Some(key) = map.next_key::<Text<'de>>()? {
            let key = key.0;
            // Reads the value of this key into `slot`, naming the field on a type error and
            // refusing a key given twice (or under both of its names).
            macro_rules! take {
                ($slot:expr, $name:expr) => {{
                    if $slot.is_some() {
                        return Err(de::Error::custom(format_args!("scopes[{index}].{}: given more than once", $name)));
                    }
                    $slot = Some(map.next_value().map_err(|e: A::Error| {
                        de::Error::custom(format_args!("scopes[{index}].{key}: {}", strip_position(&e.to_string())))
                    })?);
                }};
            }
            match key.as_ref() {
                "action" => take!(scope.actions, "action"),
                "bucket" => take!(scope.bucket, "bucket"),
                "region" => take!(scope.region, "region"),
                "prefix" | "resource_prefix" => take!(scope.prefixes, "prefix"),
                "effect" => take!(scope.effect, "effect"),
                "condition" => take!(scope.condition, "condition"),
                "service" => take!(scope.service, "service"),
                other => {
                    return Err(de::Error::custom(format_args!(
                        "scopes[{index}]: unknown key `{}`{}",
                        crate::error::abbreviate(other),
                        crate::error::suggestion(other, SCOPE_KEYS)
                    )))
                }
            }
        }
        Ok(scope)
    }
}

/// `capacity`: a guess at the number of scopes, so the list is allocated once.
struct ScopesVisitor {
    capacity: usize,
}

impl<'de> Visitor<'de> for ScopesVisitor {
    type Value = Vec<Scope<'de>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON array of scope objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut scopes = Vec::with_capacity(seq.size_hint().unwrap_or(self.capacity));
        while let Some(scope) = seq.next_element_seed(ScopeVisitor { index: scopes.len() })? {
            scopes.push(scope);
        }
        Ok(scopes)
    }
}

/// serde_json appends " at line L column C" to messages; inner ones would get it twice.
fn strip_position(message: &str) -> &str {
    match message.rfind(" at line ") {
        Some(at) => &message[..at],
        None => message,
    }
}

/// Parses the `sts_get_policy` input.
pub fn parse_scopes(json: &str) -> Result<Vec<Scope<'_>>> {
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let scopes = deserializer
        // A typical scope is 100 to 150 bytes of JSON.
        .deserialize_seq(ScopesVisitor { capacity: (json.len() / 96).clamp(1, 256) })
        .and_then(|scopes| deserializer.end().map(|()| scopes))
        .map_err(|e| {
            let message = e.to_string();
            match strip_position(&message).split_once(": ") {
                // Our visitors' messages already start with the field's path.
                Some((field, problem)) if field.starts_with("scopes[") => Error::invalid(field, problem),
                _ if e.is_data() => Error::invalid("scopes", message),
                _ => Error::invalid("scopes", format!("not valid JSON: {message}")),
            }
        })?;
    Ok(scopes)
}

/// The appid of a bucket named `name-appid`: the digits after the last `-`.
pub fn appid_of<'b>(bucket: &'b str, field: &str) -> Result<&'b str> {
    appid(bucket).ok_or_else(|| Error::invalid(field, no_appid(bucket)))
}

fn appid(bucket: &str) -> Option<&str> {
    let appid = bucket.rsplit_once('-')?.1;
    (!appid.is_empty() && appid.bytes().all(|b| b.is_ascii_digit())).then_some(appid)
}

fn no_appid(bucket: &str) -> String {
    format!(
        "`{}` has no numeric appid after its last `-`; expected a name such as example-1250000000",
        crate::error::abbreviate(bucket)
    )
}

/// Bucket and region end up between the `:` separators of a resource, so they are limited to
/// the characters COS allows in them.
pub fn check_name(value: &str, field: &str) -> Result<()> {
    name_problem(value).map_or(Ok(()), |problem| Err(Error::invalid(field, problem)))
}

fn name_problem(value: &str) -> Option<String> {
    if value.is_empty() {
        return Some("must not be empty".to_owned());
    }
    if value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return None;
    }
    let bad = value.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))?;
    Some(format!("`{}` contains {bad:?}; only letters, digits and `-` are allowed", crate::error::abbreviate(value)))
}

/// Appends the resource string for one prefix. A prefix that already starts with `/` keeps a
/// single one.
fn push_resource(out: &mut String, service: Service, region: &str, appid: &str, bucket: &str, prefix: &str) {
    out.push_str(match service {
        Service::Cos => "qcs::cos:",
        Service::Ci => "qcs::ci:",
    });
    out.push_str(region);
    out.push_str(":uid/");
    out.push_str(appid);
    out.push_str(if service == Service::Ci { ":bucket/" } else { ":" });
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

/// Appends `text` as a JSON string, escaped as serde_json escapes it.
fn push_json_string(out: &mut String, text: &str) {
    out.push('"');
    let mut clean_from = 0;
    for (i, byte) in text.bytes().enumerate() {
        let escaped = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => continue,
        };
        out.push_str(&text[clean_from..i]);
        if escaped.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(HEX[usize::from(byte >> 4)] as char);
            out.push(HEX[usize::from(byte & 15)] as char);
        } else {
            out.push_str(escaped);
        }
        clean_from = i + 1;
    }
    out.push_str(&text[clean_from..]);
    out.push('"');
}

/// Appends `"a","b",...` (the inside of a JSON list of strings).
fn push_json_strings<'s>(out: &mut String, items: impl IntoIterator<Item = &'s str>) {
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_json_string(out, item);
    }
}

/// The one-statement policy qcloud-python-sts builds from a config's bucket, prefixes, actions
/// and condition (`condition` is raw JSON text).
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

/// Checks that a raw JSON value is an object (conditions are passed through untouched).
pub fn check_object(raw: &RawValue, field: &str) -> Result<()> {
    if raw.get().trim_start().starts_with('{') {
        Ok(())
    } else {
        Err(Error::invalid(field, "expected a JSON object such as {\"ip_equal\":{\"qcs:ip\":[\"10.0.0.1\"]}}"))
    }
}

/// Validates one scope and appends its statement to `out`.
fn write_statement(out: &mut String, scope: &Scope<'_>, index: usize) -> Result<()> {
    let field = |name: &str| format!("scopes[{index}].{name}");
    let actions = match scope.actions.as_ref().map(OneOrMany::as_slice) {
        Some(list) if !list.is_empty() => list,
        Some(_) => return Err(Error::invalid(&field("action"), "empty list; give at least one action")),
        None => return Err(Error::invalid(&field("action"), "missing; e.g. \"name/cos:PutObject\"")),
    };
    if let Some(empty) = actions.iter().position(|a| a.0.is_empty()) {
        return Err(Error::invalid(&field(&format!("action[{empty}]")), "empty string"));
    }
    let effect = match scope.effect.as_ref().map(|e| e.0.as_ref()) {
        None | Some("allow") => "allow",
        Some("deny") => "deny",
        Some(other) => {
            return Err(Error::invalid(&field("effect"), format!("`{other}`; expected \"allow\" or \"deny\"")))
        }
    };
    let service = match scope.service.as_ref().map(|s| s.0.as_ref()) {
        None | Some("cos") => Service::Cos,
        Some("ci") => Service::Ci,
        Some(other) => return Err(Error::invalid(&field("service"), format!("`{other}`; expected \"cos\" or \"ci\""))),
    };
    if let Some(condition) = scope.condition.filter(|c| !c.get().trim_start().starts_with('{')) {
        check_object(condition, &field("condition"))?;
    }

    out.push_str(r#"{"action":["#);
    push_json_strings(out, actions.iter().map(|a| a.0.as_ref()));
    out.push_str(r#"],"effect":""#);
    out.push_str(effect);
    out.push_str(r#"","resource":["#);

    let get_service = actions.iter().filter(|a| a.0 == GET_SERVICE).count();
    if get_service == actions.len() {
        out.push_str(r#""*""#);
    } else if get_service > 0 {
        return Err(Error::invalid(
            &field("action"),
            "name/cos:GetService applies to all buckets (resource *); put it in a scope of its own",
        ));
    } else {
        let bucket = scope.bucket.as_ref().ok_or_else(|| Error::invalid(&field("bucket"), "missing"))?;
        let region = scope.region.as_ref().ok_or_else(|| Error::invalid(&field("region"), "missing"))?;
        // Field paths are only formatted on failure: this is the hot path.
        if let Some(problem) = name_problem(&bucket.0) {
            return Err(Error::invalid(&field("bucket"), problem));
        }
        if let Some(problem) = name_problem(&region.0) {
            return Err(Error::invalid(&field("region"), problem));
        }
        let appid = appid(&bucket.0).ok_or_else(|| Error::invalid(&field("bucket"), no_appid(&bucket.0)))?;
        let prefixes = match scope.prefixes.as_ref().map(OneOrMany::as_slice) {
            Some(list) if !list.is_empty() => list,
            Some(_) => return Err(Error::invalid(&field("prefix"), "empty list; give at least one prefix")),
            None => return Err(Error::invalid(&field("prefix"), "missing; e.g. \"uploads/user-1/*\"")),
        };
        for (i, prefix) in prefixes.iter().enumerate() {
            if prefix.0.is_empty() {
                return Err(Error::invalid(
                    &field(&format!("prefix[{i}]")),
                    "empty string; use \"*\" for the whole bucket",
                ));
            }
            if i > 0 {
                out.push(',');
            }
            // Bucket, region and appid are plain by check_name; only the prefix can need escaping.
            if prefix.0.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
                push_json_string(out, &resource(service, &region.0, appid, &bucket.0, &prefix.0));
            } else {
                out.push('"');
                push_resource(out, service, &region.0, appid, &bucket.0, &prefix.0);
                out.push('"');
            }
        }
    }
    out.push(']');
    if let Some(condition) = scope.condition {
        out.push_str(r#","condition":"#);
        out.push_str(condition.get());
    }
    out.push('}');
    Ok(())
}

/// `sts_get_policy`: scopes JSON in, policy JSON out.
///
/// The output is written directly rather than through serde: this is the hot path, and the
/// shape is fixed (`{"version":"2.0","statement":[{"action":[..],"effect":..,"resource":[..],"condition":{..}}]}`).
pub fn get_policy(scopes_json: &str) -> Result<String> {
    let scopes = parse_scopes(scopes_json)?;
    // Room for the resources (which repeat bucket and region per prefix) and the C string's NUL.
    let mut out = String::with_capacity(64 + scopes_json.len() * 2);
    out.push_str(r#"{"version":""#);
    out.push_str(POLICY_VERSION);
    out.push_str(r#"","statement":["#);
    for (index, scope) in scopes.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        write_statement(&mut out, scope, index)?;
    }
    out.push_str("]}");
    Ok(out)
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~')
}

/// The length of `percent_encode(input)`, without building it.
pub fn percent_encoded_len(input: &str) -> usize {
    input.bytes().map(|b| if is_unreserved(b) { 1 } else { 3 }).sum()
}

/// Percent-encodes for the `Policy` parameter: RFC 3986 unreserved characters are kept,
/// every other byte of the UTF-8 becomes `%XX` (so a space is `%20`).
pub fn percent_encode(input: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len() * 2);
    let mut run_start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if !is_unreserved(b) {
            out.extend_from_slice(&bytes[run_start..i]);
            out.extend_from_slice(&[b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
            run_start = i + 1;
        }
    }
    out.extend_from_slice(&bytes[run_start..]);
    // Only ASCII was written: unreserved bytes and %XX.
    String::from_utf8(out).unwrap_or_default()
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
    serde_json::to_string(&value).map_err(|e| Error::internal(format!("policy serialization failed: {e}")))
}

/// The policy built from bucket/region/allow_prefix/allow_actions/condition, as qcloud-python-sts does.
pub fn config_policy(
    bucket: &str,
    region: &str,
    prefixes: &[String],
    actions: &[String],
    condition: Option<&Value>,
) -> Result<String> {
    check_name(bucket, "bucket")?;
    check_name(region, "region")?;
    if let Some(c) = condition.filter(|c| !c.is_object()) {
        return Err(wrong_type("condition", "an object", c));
    }
    let appid = appid_of(bucket, "bucket")?;
    let resources: Vec<String> =
        prefixes.iter().map(|prefix| resource(Service::Cos, region, appid, bucket, prefix)).collect();
    let condition = condition.map(Value::to_string);
    Ok(single_statement_policy(actions, &resources, condition.as_deref()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn policy(scopes: &str) -> Value {
        serde_json::from_str(&get_policy(scopes).unwrap()).unwrap()
    }

    fn error(scopes: &str) -> String {
        get_policy(scopes).unwrap_err().message().to_owned()
    }

    #[test]
    fn seed_document_example() {
        let out = policy(
            r#"[{"action":"name/cos:PutObject","bucket":"example-1250000000","region":"ap-guangzhou","prefix":"1.txt"},
                {"action":"name/cos:GetObject","bucket":"example-1250000000","region":"ap-guangzhou","prefix":"dir/exampleobject"}]"#,
        );
        assert_eq!(
            out,
            json!({"version":"2.0","statement":[
                {"action":["name/cos:PutObject"],"effect":"allow","resource":["qcs::cos:ap-guangzhou:uid/1250000000:example-1250000000/1.txt"]},
                {"action":["name/cos:GetObject"],"effect":"allow","resource":["qcs::cos:ap-guangzhou:uid/1250000000:example-1250000000/dir/exampleobject"]}]})
        );
    }

    #[test]
    fn empty_scope_list_gives_empty_statement() {
        assert_eq!(policy("[]"), json!({"version":"2.0","statement":[]}));
    }

    #[test]
    fn upstream_demo_scope_sets() {
        // python/demo: several actions on one bucket with deny and a condition, and a CI scope.
        let out = policy(
            r#"[{"action":["name/cos:PutObject","name/cos:InitiateMultipartUpload"],"bucket":"test-1250000000","region":"ap-shanghai","prefix":["a/*","/b/c.jpg"]},
                {"action":"name/cos:DeleteObject","bucket":"test-1250000000","region":"ap-shanghai","resource_prefix":"a/*","effect":"deny"},
                {"action":"name/ci:CreateMediaJobs","bucket":"test-1250000000","region":"ap-shanghai","prefix":"*","service":"ci",
                 "condition":{"ip_equal":{"qcs:ip":["10.217.182.3/24"]}}},
                {"action":"name/cos:GetService"}]"#,
        );
        assert_eq!(
            out,
            json!({"version":"2.0","statement":[
                {"action":["name/cos:PutObject","name/cos:InitiateMultipartUpload"],"effect":"allow",
                 "resource":["qcs::cos:ap-shanghai:uid/1250000000:test-1250000000/a/*","qcs::cos:ap-shanghai:uid/1250000000:test-1250000000/b/c.jpg"]},
                {"action":["name/cos:DeleteObject"],"effect":"deny","resource":["qcs::cos:ap-shanghai:uid/1250000000:test-1250000000/a/*"]},
                {"action":["name/ci:CreateMediaJobs"],"effect":"allow","resource":["qcs::ci:ap-shanghai:uid/1250000000:bucket/test-1250000000/*"],
                 "condition":{"ip_equal":{"qcs:ip":["10.217.182.3/24"]}}},
                {"action":["name/cos:GetService"],"effect":"allow","resource":["*"]}]})
        );
    }

    #[test]
    fn escaped_strings_are_decoded_and_reencoded() {
        let out = policy(
            r#"[{"action":"name/cos:PutObject","bucket":"b-1","region":"ap-guangzhou","prefix":"\u00e4 \"q\"/*"}]"#,
        );
        assert_eq!(out["statement"][0]["resource"][0], "qcs::cos:ap-guangzhou:uid/1:b-1/ä \"q\"/*");
    }

    #[test]
    fn errors_name_the_scope_and_field() {
        let base = r#""action":"name/cos:PutObject","region":"ap-guangzhou","prefix":"a/*""#;
        let cases = [
            (
                format!(r#"[{{{base},"bucket":"examplebucket"}}]"#),
                "scopes[0].bucket: `examplebucket` has no numeric appid",
            ),
            (format!(r#"[{{{base},"bucket":"example-12a"}}]"#), "scopes[0].bucket"),
            (format!(r#"[{{{base}}}]"#), "scopes[0].bucket: missing"),
            (format!(r#"[{{{base},"bucket":5}}]"#), "scopes[0].bucket: invalid type: integer `5`, expected a string"),
            (
                format!(r#"[{{{base},"bucket":"b-1","buket":"x"}}]"#),
                "scopes[0]: unknown key `buket` (did you mean `bucket`?)",
            ),
            (format!(r#"[{{{base},"bucket":"b-1","effect":"maybe"}}]"#), "scopes[0].effect: `maybe`"),
            (format!(r#"[{{{base},"bucket":"b-1","service":"cvm"}}]"#), "scopes[0].service"),
            (format!(r#"[{{{base},"bucket":"b-1","condition":[1]}}]"#), "scopes[0].condition: expected a JSON object"),
            (format!(r#"[{{{base},"bucket":"b-1","prefix":"x"}}]"#), "scopes[0].prefix: given more than once"),
            (format!(r#"[{{{base},"bucket":"b-1","resource_prefix":"x"}}]"#), "scopes[0].prefix: given more than once"),
            (format!(r#"[{{{base},"bucket":"b:1"}}]"#), "scopes[0].bucket: `b:1` contains ':'"),
            (r#"[{"bucket":"b-1","region":"r","prefix":"*"}]"#.to_owned(), "scopes[0].action: missing"),
            (r#"[{"action":[],"bucket":"b-1","region":"r","prefix":"*"}]"#.to_owned(), "scopes[0].action: empty list"),
            (r#"[{"action":"a","bucket":"b-1","region":"r","prefix":[]}]"#.to_owned(), "scopes[0].prefix: empty list"),
            (
                r#"[{"action":"a","bucket":"b-1","region":"r","prefix":""}]"#.to_owned(),
                "scopes[0].prefix[0]: empty string",
            ),
            (r#"[{"action":"a","bucket":"b-1","region":"r"}]"#.to_owned(), "scopes[0].prefix: missing"),
            (r#"[{"action":"a","bucket":"b-1","prefix":"*"}]"#.to_owned(), "scopes[0].region: missing"),
            (
                r#"[{"action":["name/cos:GetService","name/cos:GetObject"],"bucket":"b-1","region":"r","prefix":"*"}]"#
                    .to_owned(),
                "scopes[0].action: name/cos:GetService",
            ),
            (r#"[{"action":"a","bucket":"b-1","region":"r","prefix":"*"}, 7]"#.to_owned(), "scopes[1]"),
            (r#"{"action":"a"}"#.to_owned(), "scopes: invalid type: map"),
            (r#"[{"action":"a""#.to_owned(), "scopes: not valid JSON"),
            (r#"[] []"#.to_owned(), "scopes: not valid JSON"),
        ];
        for (input, expected) in cases {
            let message = error(&input);
            assert!(message.starts_with(expected), "input {input}\n  got      {message}\n  expected {expected}...");
        }
    }

    #[test]
    fn json_strings_are_escaped_like_serde_json() {
        for text in
            ["plain", "q\"uote", "back\\slash", "nl\n tab\t cr\r", "\u{1}\u{1f}\u{8}\u{c}", "ä/é/*", "\u{7f}</script>"]
        {
            let mut ours = String::new();
            push_json_string(&mut ours, text);
            assert_eq!(ours, serde_json::to_string(text).unwrap(), "{text:?}");
        }
    }

    #[test]
    fn output_is_compact_json_with_escapes_and_the_condition_verbatim() {
        let input = r#"[{"action":["a\"b","c"],"bucket":"b-1","region":"r","prefix":["x\ny","/z"],"effect":"deny","condition":{"k": {"v": [1, 2]}}}]"#;
        let out = get_policy(input).unwrap();
        // The condition is passed through as written; everything else is compact serde_json style.
        let expected = r#"{"version":"2.0","statement":[{"action":["a\"b","c"],"effect":"deny","resource":["qcs::cos:r:uid/1:b-1/x\ny","qcs::cos:r:uid/1:b-1/z"],"condition":{"k": {"v": [1, 2]}}}]}"#;
        assert_eq!(out, expected);
        let reparsed: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(reparsed["statement"][0]["resource"][0], "qcs::cos:r:uid/1:b-1/x\ny");
    }

    #[test]
    fn percent_encoding_keeps_only_unreserved_characters() {
        assert_eq!(percent_encode("aZ09-_.~"), "aZ09-_.~");
        assert_eq!(percent_encode("a b/*:\"{}"), "a%20b%2F%2A%3A%22%7B%7D");
        assert_eq!(percent_encode("ä"), "%C3%A4");
        assert_eq!(percent_encode("+%"), "%2B%25");
        for text in ["", "abc", "a b/*:\"{}", "ä~"] {
            assert_eq!(percent_encoded_len(text), percent_encode(text).len());
        }
    }

    #[test]
    fn resource_forms_for_cos_and_ci() {
        assert_eq!(
            resource(Service::Cos, "ap-beijing", "1250000000", "b-1250000000", "x/*"),
            "qcs::cos:ap-beijing:uid/1250000000:b-1250000000/x/*"
        );
        assert_eq!(resource(Service::Cos, "ap-beijing", "1", "b-1", "/x"), "qcs::cos:ap-beijing:uid/1:b-1/x");
        assert_eq!(resource(Service::Ci, "ap-beijing", "1", "b-1", "x"), "qcs::ci:ap-beijing:uid/1:bucket/b-1/x");
    }
}

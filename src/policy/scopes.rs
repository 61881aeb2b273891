//! The `sts_get_policy` input: a JSON list of scopes, parsed into typed structs.
//!
//! This is the hot path, so scopes borrow from the input (conditions stay raw JSON) instead of
//! going through `serde_json::Value`. The hand-written visitors exist to put the field's path
//! (`scopes[2].bucket`) into every parse error, which serde's derive cannot, and to stop
//! reading a list as soon as it is over its limit.

use super::limits::{over_limit, MAX_ACTIONS_PER_SCOPE, MAX_PREFIXES_PER_SCOPE, MAX_SCOPES};
use crate::error::{abbreviate, suggestion, Error, Result};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;

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

/// Reads a [`OneOrMany`] of at most `max` entries.
struct OneOrManySeed {
    max: usize,
}

impl<'de> DeserializeSeed<'de> for OneOrManySeed {
    type Value = OneOrMany<'de>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for OneOrManySeed {
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
            if items.len() == self.max {
                return Err(de::Error::custom(over_limit(self.max, "entries")));
            }
            items.push(item);
        }
        Ok(OneOrMany::Many(items))
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
            // Reads the value of this key into `slot` (with `seed`), naming the field on a type
            // error and refusing a key given twice (or under both of its names).
            macro_rules! take {
                ($slot:expr, $name:expr) => {
                    take!($slot, $name, std::marker::PhantomData)
                };
                ($slot:expr, $name:expr, $seed:expr) => {{
                    if $slot.is_some() {
                        return Err(de::Error::custom(format_args!("scopes[{index}].{}: given more than once", $name)));
                    }
                    $slot = Some(map.next_value_seed($seed).map_err(|e: A::Error| {
                        de::Error::custom(format_args!("scopes[{index}].{key}: {}", strip_position(&e.to_string())))
                    })?);
                }};
            }
            match key.as_ref() {
                "action" => take!(scope.actions, "action", OneOrManySeed { max: MAX_ACTIONS_PER_SCOPE }),
                "bucket" => take!(scope.bucket, "bucket"),
                "region" => take!(scope.region, "region"),
                "prefix" | "resource_prefix" => {
                    take!(scope.prefixes, "prefix", OneOrManySeed { max: MAX_PREFIXES_PER_SCOPE })
                }
                "effect" => take!(scope.effect, "effect"),
                "condition" => take!(scope.condition, "condition"),
                "service" => take!(scope.service, "service"),
                other if other.bytes().any(|b| b < 0x20 || b == 0x7f) => {
                    return Err(de::Error::custom(format_args!(
                        "scopes[{index}]: unknown key with a control character in its name"
                    )))
                }
                other => {
                    return Err(de::Error::custom(format_args!(
                        "scopes[{index}]: unknown key `{}`{}",
                        abbreviate(other),
                        suggestion(other, SCOPE_KEYS)
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
        loop {
            if scopes.len() == MAX_SCOPES {
                if seq.next_element::<IgnoredAny>()?.is_some() {
                    return Err(de::Error::custom(format_args!("scopes: {}", over_limit(MAX_SCOPES, "scopes"))));
                }
                break;
            }
            match seq.next_element_seed(ScopeVisitor { index: scopes.len() })? {
                Some(scope) => scopes.push(scope),
                None => break,
            }
        }
        Ok(scopes)
    }
}

/// serde_json appends " at line L column C" to messages; inner ones would get it twice.
pub(super) fn strip_position(message: &str) -> &str {
    match message.rfind(" at line ") {
        Some(at) => &message[..at],
        None => message,
    }
}

/// Parses the `sts_get_policy` input. Lists over their limits are refused while reading.
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
                Some((field, problem)) if field == "scopes" || field.starts_with("scopes[") => {
                    Error::invalid(field, problem)
                }
                _ if e.is_data() => Error::invalid("scopes", message),
                _ => Error::invalid("scopes", format!("not valid JSON: {message}")),
            }
        })?;
    Ok(scopes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(json: &str) -> String {
        parse_scopes(json).unwrap_err().message().to_owned()
    }

    #[test]
    fn lists_over_their_limits_are_refused_while_reading() {
        let list = |n: usize| serde_json::to_string(&vec!["x"; n]).unwrap();
        let prefixes = format!(r#"[{{"prefix":{}}}]"#, list(MAX_PREFIXES_PER_SCOPE + 1));
        assert_eq!(error(&prefixes), "scopes[0].prefix: over the limit of 1000 entries");
        let spelled = format!(r#"[{{"resource_prefix":{}}}]"#, list(100_000));
        assert_eq!(error(&spelled), "scopes[0].resource_prefix: over the limit of 1000 entries");
        let actions = format!(r#"[{{}},{{"action":{}}}]"#, list(MAX_ACTIONS_PER_SCOPE + 1));
        assert_eq!(error(&actions), "scopes[1].action: over the limit of 256 entries");
        let at_limit = format!(r#"[{{"action":{},"prefix":{}}}]"#, list(256), list(1000));
        assert_eq!(parse_scopes(&at_limit).unwrap()[0].prefixes.as_ref().unwrap().as_slice().len(), 1000);

        let scopes = format!("[{}]", vec!["{}"; MAX_SCOPES + 1].join(","));
        assert_eq!(error(&scopes), "scopes: over the limit of 1000 scopes");
        assert_eq!(parse_scopes(&format!("[{}]", vec!["{}"; MAX_SCOPES].join(","))).unwrap().len(), MAX_SCOPES);
    }

    #[test]
    fn an_unknown_key_with_a_control_character_is_not_quoted() {
        assert_eq!(error(r#"[{"buck\u0000et":"x"}]"#), "scopes[0]: unknown key with a control character in its name");
    }
}

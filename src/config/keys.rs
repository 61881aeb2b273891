//! The config's keys: the one table of names and aliases, and the top-level object read into
//! canonical names so each rule reads one name.

use crate::error::{abbreviate, suggestion, Error, Result};
use serde_json::{Map, Value};
use std::fmt;

/// Each config key: its canonical snake_case name and its aliases (camelCase as in the Node and
/// Java SDKs, and the vendor spellings of `endpoint`). Bindings, tests and fuzz targets read this
/// table; none keeps a copy.
pub const KEYS: &[(&str, &[&str])] = &[
    ("secret_id", &["secretId"]),
    ("secret_key", &["secretKey"]),
    ("session_token", &["sessionToken"]),
    ("credential_source", &["credentialSource"]),
    ("profile", &[]),
    ("metadata_endpoint", &["metadataEndpoint"]),
    ("duration_seconds", &["durationSeconds"]),
    ("bucket", &[]),
    ("region", &[]),
    ("allow_prefix", &["allowPrefix"]),
    ("allow_actions", &["allowActions"]),
    ("condition", &[]),
    ("policy", &[]),
    ("role_arn", &["roleArn"]),
    ("role_session_name", &["roleSessionName"]),
    ("external_id", &["externalId"]),
    ("tags", &[]),
    ("source_identity", &["sourceIdentity"]),
    ("serial_number", &["serialNumber"]),
    ("token_code", &["tokenCode"]),
    ("provider_id", &["providerId"]),
    ("web_identity_token", &["webIdentityToken"]),
    ("web_identity_token_file", &["webIdentityTokenFile"]),
    ("name", &[]),
    ("endpoint", &["domain", "host"]),
    ("url", &[]),
    ("proxy", &[]),
    ("timeout_ms", &["timeoutMs"]),
    ("total_timeout_ms", &["totalTimeoutMs"]),
    ("retries", &[]),
    ("ca_file", &["caFile"]),
    ("upload", &[]),
    ("cache", &[]),
];

/// A table of key names and their aliases, such as [`KEYS`] or a section's own.
pub type Table = &'static [(&'static str, &'static [&'static str])];

/// The canonical name of `key`, if it is one of [`KEYS`] or an alias.
pub fn canonical(key: &str) -> Option<&'static str> {
    canonical_in(KEYS, key)
}

fn canonical_in(table: Table, key: &str) -> Option<&'static str> {
    table.iter().find(|(name, aliases)| *name == key || aliases.contains(&key)).map(|(name, _)| *name)
}

/// The top-level object's entries in order, duplicates kept: serde_json's own map would let
/// a repeated key silently replace the first one.
pub struct Entries(pub Vec<(String, Value)>);

impl<'de> serde::Deserialize<'de> for Entries {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor;
        impl<'de> serde::de::Visitor<'de> for EntriesVisitor {
            type Value = Entries;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Entries, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<String, Value>()? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
        }
        deserializer.deserialize_map(EntriesVisitor)
    }
}

impl Entries {
    /// Parses the config text. Never serde's message for a wrong type: it quotes a string value,
    /// and a config encoded twice (a JSON string holding the JSON object) would put the secret
    /// key into the error.
    pub fn parse(json: &str) -> Result<Entries> {
        serde_json::from_str(json).map_err(|e| {
            if e.is_data() {
                let got = match json.trim_start().as_bytes().first() {
                    Some(b'"') => "a string (a config encoded as JSON twice?)",
                    Some(b'[') => "a list",
                    Some(b't' | b'f') => "a boolean",
                    Some(b'n') => "null",
                    _ => "a number",
                };
                Error::invalid("config", format!("expected a JSON object, got {got}"))
            } else {
                // Syntax errors name a position only, never a value.
                Error::invalid("config", format!("not valid JSON: {e}"))
            }
        })
    }

    /// Whether a key (under any of its names) is present.
    pub fn has(&self, canonical_name: &str) -> bool {
        self.0.iter().any(|(key, _)| canonical(key) == Some(canonical_name))
    }
}

/// The config's values under their canonical names, remembering how each was spelled so that
/// messages name the key as the user wrote it.
pub struct Given {
    values: Map<String, Value>,
    spelled: Vec<(&'static str, String)>,
    /// `upload.` for the keys of the `upload` object; empty at the top level.
    prefix: String,
}

impl Given {
    /// Resolves every key to its canonical name; unknown keys and keys given twice (also under
    /// two of their names) are refused.
    pub fn new(entries: Entries) -> Result<Given> {
        Self::resolve(entries, KEYS, "", "config key")
    }

    /// The keys of a nested object such as `upload` (given as `section`), read against its own
    /// `table`; messages name them `section.key`. (A key repeated with the very same spelling
    /// inside a nested object is already gone: serde_json keeps the last one.)
    pub fn section(section: &str, object: Map<String, Value>, table: Table) -> Result<Given> {
        Self::resolve(Entries(object.into_iter().collect()), table, &format!("{section}."), "key")
    }

    fn resolve(entries: Entries, table: Table, prefix: &str, what: &str) -> Result<Given> {
        let mut given = Given { values: Map::new(), spelled: Vec::new(), prefix: prefix.to_owned() };
        for (key, value) in entries.0 {
            let Some(name) = canonical_in(table, &key) else {
                let known: Vec<&str> =
                    table.iter().flat_map(|(n, a)| std::iter::once(*n).chain(a.iter().copied())).collect();
                return Err(Error::invalid(
                    &format!("{prefix}{}", abbreviate(&key).escape_debug()),
                    format!("unknown {what}{}", suggestion(&key, &known)),
                ));
            };
            if let Some((_, first)) = given.spelled.iter().find(|(c, _)| *c == name) {
                let also = if *first == key { String::new() } else { format!(", also as `{first}`") };
                return Err(Error::invalid(&format!("{prefix}{key}"), format!("given twice{also}; keep one")));
            }
            given.spelled.push((name, key));
            given.values.insert(name.to_owned(), value);
        }
        Ok(given)
    }

    /// Takes the value of a canonical key out, if given.
    pub fn take(&mut self, canonical_name: &str) -> Option<Value> {
        self.values.remove(canonical_name)
    }

    pub fn has(&self, canonical_name: &str) -> bool {
        self.values.contains_key(canonical_name)
    }

    /// The first key still given (in the order of the text), as spelled: a key no reader of
    /// this call took, so one that belongs to another call.
    /// Canonical name and spelling.
    pub fn first_left(&self) -> Option<(&'static str, String)> {
        self.spelled.iter().find(|(c, _)| self.values.contains_key(*c)).map(|(c, _)| (*c, self.name_of(c)))
    }

    /// The key as the user spelled it (the canonical name when it was not given), with the
    /// section's prefix (`upload.ext`).
    pub fn name_of(&self, canonical_name: &str) -> String {
        let spelled = self.spelled.iter().find(|(c, _)| *c == canonical_name).map_or(canonical_name, |(_, s)| s);
        format!("{}{spelled}", self.prefix)
    }
}

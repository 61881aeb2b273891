//! Parses and validates the JSON config of `sts_get_credential` / `sts_get_role_credential`.
//!
//! Everything that can be checked without the network is checked here, so a bad config never
//! sends a request. Every error names the key. Keys are exact: snake_case as in
//! qcloud-python-sts, or the camelCase alias of the Node/Java SDKs, not both.

use crate::error::{Error, Result};
use crate::policy::{self, Service};
use serde_json::{Map, Value};
use std::fmt;
use std::time::Duration;
use zeroize::Zeroizing;

pub const DEFAULT_ENDPOINT: &str = "sts.tencentcloudapi.com";
pub const DEFAULT_REGION: &str = "ap-guangzhou";
pub const DEFAULT_NAME: &str = "cos-sts-libsts";
pub const DEFAULT_DURATION_SECONDS: u32 = 1800;
pub const DEFAULT_TIMEOUT_MS: u64 = 10_000;
pub const MAX_TIMEOUT_MS: u64 = 600_000;
pub const DEFAULT_RETRIES: u32 = 2;
pub const MAX_RETRIES: u32 = 10;
/// GetFederationToken's documented maximum (36 h); the root account's 7200 s limit is the service's to enforce.
pub const MAX_FEDERATION_SECONDS: u32 = 129_600;
pub const MAX_ROLE_SECONDS: u32 = 43_200;
/// Largest JSON input accepted by any entry point.
pub const MAX_INPUT_BYTES: usize = 1 << 20;
/// Largest percent-encoded policy sent; CAM itself refuses far smaller ones, but this stops
/// runaway inputs before the request is built.
pub const MAX_ENCODED_POLICY_BYTES: usize = 64 * 1024;
pub const ENV_SECRET_ID: &str = "TENCENTCLOUD_SECRET_ID";
pub const ENV_SECRET_KEY: &str = "TENCENTCLOUD_SECRET_KEY";
pub const ENV_SESSION_TOKEN: &str = "TENCENTCLOUD_SESSION_TOKEN";
/// Real session tokens are a few hundred to a couple of thousand bytes.
pub const MAX_SESSION_TOKEN_BYTES: usize = 16 * 1024;

/// The two STS actions libsts calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    GetFederationToken,
    AssumeRole,
}

impl Action {
    pub fn name(self) -> &'static str {
        match self {
            Action::GetFederationToken => "GetFederationToken",
            Action::AssumeRole => "AssumeRole",
        }
    }

    fn max_duration(self) -> u32 {
        match self {
            Action::GetFederationToken => MAX_FEDERATION_SECONDS,
            Action::AssumeRole => MAX_ROLE_SECONDS,
        }
    }

    fn entry_point(self) -> &'static str {
        match self {
            Action::GetFederationToken => "sts_get_credential",
            Action::AssumeRole => "sts_get_role_credential",
        }
    }
}

/// A secret string: wiped from memory when dropped, never shown by `Debug`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(value: String) -> Self {
        Secret(Zeroizing::new(value))
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// How to pick a proxy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProxySetting {
    /// No `proxy` key: honour `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY` and `NO_PROXY` as curl does.
    FromEnv,
    /// `"proxy": ""`, or a `{"http":..}` object with no entry for the URL's scheme.
    Disabled,
    Url(String),
}

/// Where and how to connect; everything the transport needs and nothing more.
#[derive(Clone, Debug)]
pub struct TransportOptions {
    /// The signed `Host`.
    pub endpoint: String,
    /// Where to connect: `https://{endpoint}/` unless `url` was given.
    pub url: String,
    pub proxy: ProxySetting,
    /// Per attempt: connect + TLS + request + response.
    pub timeout: Duration,
    /// Retries after the first attempt.
    pub retries: u32,
    /// PEM roots that replace the bundled ones (the file's contents, read at parse time).
    pub ca_pem: Option<Vec<u8>>,
    pub ca_file: Option<String>,
}

#[derive(Debug)]
pub struct Config {
    pub action: Action,
    pub secret_id: String,
    pub secret_key: Secret,
    /// The session token of a temporary key pair, sent as `X-TC-Token`.
    pub session_token: Option<Secret>,
    pub duration_seconds: u32,
    pub region: String,
    /// Compact policy JSON, not yet percent-encoded. None only for AssumeRole without limits.
    pub policy: Option<String>,
    /// GetFederationToken `Name`.
    pub name: String,
    /// AssumeRole parameters.
    pub role_arn: String,
    pub role_session_name: String,
    pub external_id: Option<String>,
    pub transport: TransportOptions,
}

/// The top-level object's entries in order, duplicates kept: serde_json's own map would let
/// a repeated key silently replace the first one.
struct Entries(Vec<(String, Value)>);

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

/// Each config key: its canonical snake_case name and its aliases.
pub const KEYS: &[(&str, &[&str])] = &[
    ("secret_id", &["secretId"]),
    ("secret_key", &["secretKey"]),
    ("session_token", &["sessionToken"]),
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
    ("name", &[]),
    ("endpoint", &["domain", "host"]),
    ("url", &[]),
    ("proxy", &[]),
    ("timeout_ms", &["timeoutMs"]),
    ("retries", &[]),
    ("ca_file", &["caFile"]),
];

/// An input string as shown in a message: long ones are cut, so an error stays readable.
pub fn abbreviate(text: &str) -> String {
    const SHOWN: usize = 64;
    match text.char_indices().nth(SHOWN) {
        Some((cut, _)) => format!("{}... ({} bytes)", &text[..cut], text.len()),
        None => text.to_owned(),
    }
}

/// ` (did you mean `x`?)` when a known name is within a small edit distance, else "".
pub fn suggestion(unknown: &str, known: &[&str]) -> String {
    let max_distance = |k: &str| (k.len() / 3).max(2);
    let lower = unknown.to_ascii_lowercase();
    known
        .iter()
        // The length difference bounds the distance from below: skip hopeless candidates, so a
        // huge unknown key costs no more than its length.
        .filter(|k| lower.len().abs_diff(k.len()) <= max_distance(k))
        .map(|k| (edit_distance(&lower, &k.to_ascii_lowercase()), *k))
        .filter(|(d, k)| *d <= max_distance(k))
        .min()
        .map(|(_, k)| format!(" (did you mean `{k}`?)"))
        .unwrap_or_default()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitute.min(previous + 1).min(row[j] + 1);
        }
    }
    row[b.len()]
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn wrong_type(field: &str, expected: &str, got: &Value) -> Error {
    Error::invalid(field, format!("expected {expected}, got {}", type_name(got)))
}

fn string(field: &str, value: Value) -> Result<String> {
    match value {
        Value::String(s) => Ok(s),
        other => Err(wrong_type(field, "a string", &other)),
    }
}

/// A string or a list of strings; never empty, no empty entries.
fn string_list(field: &str, value: Value) -> Result<Vec<String>> {
    let list = match value {
        Value::String(s) => vec![s],
        Value::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, item)| string(&format!("{field}[{i}]"), item))
            .collect::<Result<_>>()?,
        other => return Err(wrong_type(field, "a string or a list of strings", &other)),
    };
    if list.is_empty() {
        return Err(Error::invalid(field, "empty list; give at least one entry"));
    }
    if let Some(i) = list.iter().position(String::is_empty) {
        return Err(Error::invalid(&format!("{field}[{i}]"), "empty string"));
    }
    Ok(list)
}

fn integer(field: &str, value: &Value, min: u64, max: u64) -> Result<u64> {
    let number = match value {
        Value::Number(n) => n,
        other => return Err(wrong_type(field, "an integer", other)),
    };
    let n = number
        .as_u64()
        .ok_or_else(|| Error::invalid(field, format!("expected an integer in {min}..={max}, got {number}")))?;
    if !(min..=max).contains(&n) {
        return Err(Error::invalid(field, format!("{n} is out of range {min}..={max}")));
    }
    Ok(n)
}

/// `[A-Za-z0-9_` + `extra`]{2,128}, the service's rule for session names and external ids.
fn check_identifier(field: &str, value: &str, extra: &str) -> Result<()> {
    let length = value.chars().count();
    if !(2..=128).contains(&length) {
        return Err(Error::invalid(field, format!("must be 2 to 128 characters long, got {length}")));
    }
    if let Some(bad) = value.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || extra.contains(*c))) {
        return Err(Error::invalid(field, format!("contains {bad:?}; allowed are letters, digits and `_{extra}`")));
    }
    Ok(())
}

/// A host name with an optional port, as used in the `Host` header.
fn check_endpoint(field: &str, value: &str) -> Result<()> {
    let host =
        value.rsplit_once(':').map_or(value, |(host, port)| if port.parse::<u16>().is_ok() { host } else { value });
    if host.is_empty() || !host.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-') {
        return Err(Error::invalid(
            field,
            format!("`{value}` is not a host name; expected e.g. sts.tencentcloudapi.com (no scheme, no path; use `url` to connect elsewhere)"),
        ));
    }
    Ok(())
}

/// The host of an `http(s)://host[:port]/...` URL (brackets kept for IPv6).
pub fn url_host(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"))?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = if authority.starts_with('[') {
        authority.split_inclusive(']').next()?
    } else {
        authority.rsplit_once(':').map_or(authority, |(h, _)| h)
    };
    (!host.is_empty()).then_some(host)
}

pub fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<std::net::IpAddr>().map(|ip| ip.is_loopback()).unwrap_or(false)
}

fn check_url(value: &str) -> Result<()> {
    let host = url_host(value).ok_or_else(|| {
        Error::invalid("url", format!("`{value}` is not an http(s) URL such as https://sts.tencentcloudapi.com/"))
    })?;
    if value.starts_with("http://") && !is_loopback_host(host) {
        return Err(Error::invalid(
            "url",
            format!(
                "plain http:// is only allowed to a loopback address, got `{host}`: whoever sees a signed \
                 request can replay it for 5 minutes; use https://"
            ),
        ));
    }
    Ok(())
}

fn proxy_setting(value: Value, url: &str) -> Result<ProxySetting> {
    let chosen = match value {
        Value::String(s) => Some(s),
        // requests-style {"http": "...", "https": "..."}: the entry for the URL's scheme.
        Value::Object(map) => {
            let scheme = if url.starts_with("https://") { "https" } else { "http" };
            for key in map.keys() {
                if key != "http" && key != "https" {
                    return Err(Error::invalid(&format!("proxy.{key}"), "unknown key; expected `http` or `https`"));
                }
            }
            match map.get(scheme) {
                Some(Value::String(s)) => Some(s.clone()),
                Some(other) => return Err(wrong_type(&format!("proxy.{scheme}"), "a string", other)),
                None => None,
            }
        }
        other => return Err(wrong_type("proxy", "a string or an object {\"http\":..,\"https\":..}", &other)),
    };
    match chosen {
        None => Ok(ProxySetting::Disabled),
        Some(s) if s.is_empty() => Ok(ProxySetting::Disabled),
        Some(s) => {
            if !(s.starts_with("http://") || s.starts_with("https://")) || url_host(&s).is_none() {
                return Err(Error::invalid(
                    "proxy",
                    format!("`{}` is not a proxy URL such as http://10.0.0.1:3128", redact_userinfo(&s)),
                ));
            }
            Ok(ProxySetting::Url(s))
        }
    }
}

/// A proxy URL may carry `user:password@`; never echo that part.
pub fn redact_userinfo(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => format!("{}://***@{}", &url[..scheme_end], &url[at + 1..]),
        _ => url.to_owned(),
    }
}

/// Validates a ready policy (object or JSON string) and returns it as compact JSON.
fn ready_policy(value: Value) -> Result<String> {
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
fn built_policy(
    bucket: &str,
    region: &str,
    prefixes: &[String],
    actions: &[String],
    condition: Option<&Value>,
) -> Result<String> {
    policy::check_name(bucket, "bucket")?;
    policy::check_name(region, "region")?;
    let appid = policy::appid_of(bucket, "bucket")?;
    let resources: Vec<String> =
        prefixes.iter().map(|prefix| policy::resource(Service::Cos, region, appid, bucket, prefix)).collect();
    let condition = condition.map(Value::to_string);
    Ok(policy::single_statement_policy(actions, &resources, condition.as_deref()))
}

fn from_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

impl Config {
    /// Parses `json` for `action`.
    pub fn parse(json: &str, action: Action) -> Result<Config> {
        if json.len() > MAX_INPUT_BYTES {
            return Err(Error::invalid(
                "config",
                format!("{} bytes is over the {MAX_INPUT_BYTES}-byte limit", json.len()),
            ));
        }
        let entries: Entries = serde_json::from_str(json).map_err(|e| {
            if e.is_data() {
                // Not serde's message: it quotes a string value, and a config encoded twice
                // (a JSON string holding the JSON object) would put the secret key into the error.
                let got = match json.trim_start().as_bytes().first() {
                    Some(b'"') => "a string (a config encoded as JSON twice?)",
                    Some(b'[') => "a list",
                    Some(b't' | b'f') => "a boolean",
                    Some(b'n') => "null",
                    _ => "a number",
                };
                Error::invalid("config", format!("expected a JSON object, got {got}"))
            } else {
                Error::invalid("config", format!("not valid JSON: {e}"))
            }
        })?;
        Self::from_entries(entries.0, action)
    }

    fn from_entries(map: Vec<(String, Value)>, action: Action) -> Result<Config> {
        // Resolve every key to its canonical name first, so each rule below reads one name.
        let mut given: Map<String, Value> = Map::new();
        let mut spelled: Vec<(&'static str, String)> = Vec::new();
        for (key, value) in map {
            let Some((canonical, _)) =
                KEYS.iter().find(|(name, aliases)| *name == key || aliases.contains(&key.as_str()))
            else {
                let known: Vec<&str> =
                    KEYS.iter().flat_map(|(n, a)| std::iter::once(*n).chain(a.iter().copied())).collect();
                return Err(Error::invalid(
                    &abbreviate(&key),
                    format!("unknown config key{}", suggestion(&key, &known)),
                ));
            };
            if let Some((_, first)) = spelled.iter().find(|(c, _)| c == canonical) {
                let also = if *first == key { String::new() } else { format!(", also as `{first}`") };
                return Err(Error::invalid(&key, format!("given twice{also}; keep one")));
            }
            spelled.push((canonical, key));
            given.insert((*canonical).to_owned(), value);
        }
        let name_of = |canonical: &str| -> String {
            spelled.iter().find(|(c, _)| *c == canonical).map_or_else(|| canonical.to_owned(), |(_, s)| s.clone())
        };
        let mut take = |key: &str| given.remove(key);

        // Keys that belong to the other entry point are a sign of a mix-up, not something to ignore.
        let foreign: &[&str] = match action {
            Action::GetFederationToken => &["role_arn", "role_session_name", "external_id"],
            Action::AssumeRole => &["name"],
        };
        for key in foreign {
            if take(key).is_some() {
                let other = match action {
                    Action::GetFederationToken => Action::AssumeRole,
                    Action::AssumeRole => Action::GetFederationToken,
                };
                return Err(Error::invalid(
                    &name_of(key),
                    format!(
                        "is a parameter of {} ({}), not of {}",
                        other.name(),
                        other.entry_point(),
                        action.entry_point()
                    ),
                ));
            }
        }

        let given_id = match take("secret_id") {
            Some(v) => Some(string(&name_of("secret_id"), v)?).filter(|s| !s.is_empty()),
            None => None,
        };
        let id_from_env = given_id.is_none();
        let secret_id = given_id.or_else(|| from_env(ENV_SECRET_ID)).ok_or_else(|| {
            Error::invalid("secret_id", format!("missing; set it in the config or in {ENV_SECRET_ID}"))
        })?;
        let secret_key = match take("secret_key") {
            Some(v) => Some(Secret::new(string(&name_of("secret_key"), v)?)).filter(|s| !s.expose().is_empty()),
            None => None,
        }
        .or_else(|| from_env(ENV_SECRET_KEY).map(Secret::new))
        .ok_or_else(|| Error::invalid("secret_key", format!("missing; set it in the config or in {ENV_SECRET_KEY}")))?;
        if secret_id.chars().any(|c| c.is_whitespace() || c.is_control() || c == '/' || c == ',') {
            return Err(Error::invalid("secret_id", "contains whitespace, `/` or `,`; check for a copy-paste error"));
        }
        // A temporary key pair signs with its token; the environment's token only goes with the
        // environment's SecretId, never with one given in the config.
        let session_token = match take("session_token") {
            Some(v) => Some(string(&name_of("session_token"), v)?).filter(|t| !t.is_empty()),
            None if id_from_env => from_env(ENV_SESSION_TOKEN),
            None => None,
        }
        .map(Secret::new);
        if let Some(token) = &session_token {
            if token.expose().len() > MAX_SESSION_TOKEN_BYTES {
                return Err(Error::invalid(
                    &name_of("session_token"),
                    format!("{} bytes, over the {MAX_SESSION_TOKEN_BYTES}-byte limit", token.expose().len()),
                ));
            }
            if token.expose().chars().any(|c| c.is_control() || c.is_whitespace()) {
                return Err(Error::invalid(&name_of("session_token"), "contains whitespace or a control character"));
            }
        }

        let duration_seconds = match take("duration_seconds") {
            Some(v) => integer(&name_of("duration_seconds"), &v, 1, u64::from(action.max_duration()))? as u32,
            None => DEFAULT_DURATION_SECONDS,
        };
        let region = match take("region") {
            Some(v) => string(&name_of("region"), v)?,
            None => DEFAULT_REGION.to_owned(),
        };
        policy::check_name(&region, "region")?;

        let bucket = take("bucket").map(|v| string("bucket", v)).transpose()?;
        let allow_prefix = take("allow_prefix").map(|v| string_list(&name_of("allow_prefix"), v)).transpose()?;
        let allow_actions = take("allow_actions").map(|v| string_list(&name_of("allow_actions"), v)).transpose()?;
        let condition = take("condition");
        if let Some(c) = &condition {
            if !c.is_object() {
                return Err(wrong_type("condition", "an object", c));
            }
        }
        let ready = take("policy");
        let policy = match ready {
            Some(ready) => {
                for (key, present) in [
                    ("allow_prefix", allow_prefix.is_some()),
                    ("allow_actions", allow_actions.is_some()),
                    ("condition", condition.is_some()),
                ] {
                    if present {
                        return Err(Error::invalid(
                            &name_of(key),
                            "ambiguous together with `policy`; put it into the policy or drop `policy`",
                        ));
                    }
                }
                Some(ready_policy(ready)?)
            }
            None if bucket.is_none() && allow_prefix.is_none() && allow_actions.is_none() && condition.is_none() => {
                if action == Action::GetFederationToken {
                    return Err(Error::invalid(
                        "policy",
                        "missing; give `policy`, or `bucket`, `allow_prefix` and `allow_actions` to build one",
                    ));
                }
                None // AssumeRole without a policy: the role's own permissions.
            }
            None => {
                let bucket = bucket
                    .ok_or_else(|| Error::invalid("bucket", "missing; needed with allow_prefix/allow_actions"))?;
                let prefixes = allow_prefix
                    .ok_or_else(|| Error::invalid("allow_prefix", "missing; e.g. [\"uploads/user-1/*\"]"))?;
                let actions = allow_actions
                    .ok_or_else(|| Error::invalid("allow_actions", "missing; e.g. [\"name/cos:PutObject\"]"))?;
                Some(built_policy(&bucket, &region, &prefixes, &actions, condition.as_ref())?)
            }
        };
        if let Some(policy) = &policy {
            let encoded = policy::percent_encoded_len(policy);
            if encoded > MAX_ENCODED_POLICY_BYTES {
                return Err(Error::invalid(
                    "policy",
                    format!("{encoded} bytes once percent-encoded, over the {MAX_ENCODED_POLICY_BYTES}-byte limit"),
                ));
            }
        }

        let name = match take("name") {
            Some(v) => string("name", v)?,
            None => DEFAULT_NAME.to_owned(),
        };
        check_identifier("name", &name, "+=,.@-")?;
        let role_arn = match take("role_arn") {
            Some(v) => string(&name_of("role_arn"), v)?,
            None if action == Action::AssumeRole => {
                return Err(Error::invalid(
                    "role_arn",
                    "missing; e.g. qcs::cam::uin/100000000001:roleName/cos-uploader",
                ))
            }
            None => String::new(),
        };
        if action == Action::AssumeRole && role_arn.is_empty() {
            return Err(Error::invalid(&name_of("role_arn"), "must not be empty"));
        }
        let role_session_name = match take("role_session_name") {
            Some(v) => string(&name_of("role_session_name"), v)?,
            None => DEFAULT_NAME.to_owned(),
        };
        check_identifier(&name_of("role_session_name"), &role_session_name, "+=,.@-")?;
        let external_id = take("external_id").map(|v| string(&name_of("external_id"), v)).transpose()?;
        if let Some(id) = &external_id {
            check_identifier(&name_of("external_id"), id, "+=,.@:/-")?;
        }

        // Host names are case-insensitive and TC3 signs the lower-case form.
        let endpoint = match take("endpoint") {
            Some(v) => string(&name_of("endpoint"), v)?.to_ascii_lowercase(),
            None => DEFAULT_ENDPOINT.to_owned(),
        };
        check_endpoint(&name_of("endpoint"), &endpoint)?;
        let url = match take("url") {
            Some(v) => string("url", v)?,
            None => format!("https://{endpoint}/"),
        };
        check_url(&url)?;
        let proxy = match take("proxy") {
            Some(v) => proxy_setting(v, &url)?,
            None => ProxySetting::FromEnv,
        };
        let timeout_ms = match take("timeout_ms") {
            Some(v) => integer(&name_of("timeout_ms"), &v, 1, MAX_TIMEOUT_MS)?,
            None => DEFAULT_TIMEOUT_MS,
        };
        let retries = match take("retries") {
            Some(v) => integer("retries", &v, 0, u64::from(MAX_RETRIES))? as u32,
            None => DEFAULT_RETRIES,
        };
        let ca_file = take("ca_file").map(|v| string(&name_of("ca_file"), v)).transpose()?;
        let ca_pem = match &ca_file {
            Some(path) => Some(read_ca_file(&name_of("ca_file"), path)?),
            None => None,
        };

        Ok(Config {
            action,
            secret_id,
            secret_key,
            session_token,
            duration_seconds,
            region,
            policy,
            name,
            role_arn,
            role_session_name,
            external_id,
            transport: TransportOptions {
                endpoint,
                url,
                proxy,
                timeout: Duration::from_millis(timeout_ms),
                retries,
                ca_pem,
                ca_file,
            },
        })
    }
}

fn read_ca_file(field: &str, path: &str) -> Result<Vec<u8>> {
    const MAX_CA_BYTES: u64 = 4 << 20;
    let metadata = std::fs::metadata(path).map_err(|e| Error::invalid(field, format!("cannot read {path}: {e}")))?;
    if metadata.len() > MAX_CA_BYTES {
        return Err(Error::invalid(
            field,
            format!("{path} is {} bytes, over the {MAX_CA_BYTES}-byte limit", metadata.len()),
        ));
    }
    let pem = std::fs::read(path).map_err(|e| Error::invalid(field, format!("cannot read {path}: {e}")))?;
    if !pem.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----") {
        return Err(Error::invalid(field, format!("{path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)")));
    }
    Ok(pem)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const BASE: &str = r#""secret_id":"AKIDtest","secret_key":"test-secret-key""#;

    fn parse(extra: &str, action: Action) -> Result<Config> {
        let sep = if extra.is_empty() { "" } else { "," };
        Config::parse(&format!("{{{BASE}{sep}{extra}}}"), action)
    }

    fn federation(extra: &str) -> Result<Config> {
        parse(extra, Action::GetFederationToken)
    }

    fn message(result: Result<Config>) -> String {
        let e = result.unwrap_err();
        assert_eq!(e.kind(), crate::error::ErrorKind::InvalidArgument);
        e.message().to_owned()
    }

    const BUILD: &str = r#""bucket":"example-1250000000","region":"ap-guangzhou","allow_prefix":"dir/*","allow_actions":["name/cos:PutObject"]"#;

    #[test]
    fn builds_the_policy_as_qcloud_python_sts_does() {
        let c = federation(&format!(r#"{BUILD},"condition":{{"ip_equal":{{"qcs:ip":"10.0.0.1"}}}}"#)).unwrap();
        let policy: serde_json::Value = serde_json::from_str(c.policy.as_deref().unwrap()).unwrap();
        assert_eq!(
            policy,
            json!({"version":"2.0","statement":[{"action":["name/cos:PutObject"],"effect":"allow",
                "resource":["qcs::cos:ap-guangzhou:uid/1250000000:example-1250000000/dir/*"],
                "condition":{"ip_equal":{"qcs:ip":"10.0.0.1"}}}]})
        );
        assert_eq!(c.duration_seconds, DEFAULT_DURATION_SECONDS);
        assert_eq!(c.name, DEFAULT_NAME);
        assert_eq!(c.transport.endpoint, DEFAULT_ENDPOINT);
        assert_eq!(c.transport.url, "https://sts.tencentcloudapi.com/");
        assert_eq!(c.transport.retries, DEFAULT_RETRIES);
        assert_eq!(c.transport.timeout, Duration::from_millis(DEFAULT_TIMEOUT_MS));
        assert_eq!(c.transport.proxy, ProxySetting::FromEnv);
    }

    #[test]
    fn camel_case_aliases_and_list_or_string_forms() {
        let c = Config::parse(
            r#"{"secretId":"AKIDx","secretKey":"k","bucket":"b-1","region":"ap-beijing","allowPrefix":["a","/b"],
                "allowActions":"name/cos:GetObject","durationSeconds":7200,"host":"sts.internal.tencentcloudapi.com","timeoutMs":500}"#,
            Action::GetFederationToken,
        )
        .unwrap();
        let policy: serde_json::Value = serde_json::from_str(c.policy.as_deref().unwrap()).unwrap();
        assert_eq!(policy["statement"][0]["action"], json!(["name/cos:GetObject"]));
        assert_eq!(
            policy["statement"][0]["resource"],
            json!(["qcs::cos:ap-beijing:uid/1:b-1/a", "qcs::cos:ap-beijing:uid/1:b-1/b"])
        );
        assert_eq!(c.duration_seconds, 7200);
        assert_eq!(c.transport.url, "https://sts.internal.tencentcloudapi.com/");
        assert_eq!(c.transport.timeout, Duration::from_millis(500));
    }

    #[test]
    fn ready_policy_as_object_or_string() {
        let p =
            r#"{"version":"2.0","statement":[{"action":["name/cos:PutObject"],"effect":"allow","resource":["*"]}]}"#;
        let from_object = federation(&format!(r#""policy":{p}"#)).unwrap();
        let from_string = federation(&format!(r#""policy":{}"#, serde_json::to_string(p).unwrap())).unwrap();
        assert_eq!(from_object.policy, from_string.policy);
        assert!(from_object.policy.unwrap().contains("PutObject"));
        // bucket and region may accompany a ready policy.
        assert!(federation(&format!(r#""policy":{p},"bucket":"b-1","region":"ap-beijing""#)).is_ok());
    }

    #[test]
    fn assume_role_needs_role_arn_and_may_omit_the_policy() {
        let c = parse(r#""role_arn":"qcs::cam::uin/1:roleName/r""#, Action::AssumeRole).unwrap();
        assert!(c.policy.is_none());
        assert_eq!(c.role_session_name, DEFAULT_NAME);
        assert!(message(parse("", Action::AssumeRole)).starts_with("role_arn: missing"));
        assert!(message(parse(r#""roleArn":"""#, Action::AssumeRole)).starts_with("roleArn: must not be empty"));
    }

    #[test]
    fn secrets_fall_back_to_the_environment() {
        // One test owns these variables, so parallel tests do not race on them.
        let json = format!(r#"{{{BUILD}}}"#);
        std::env::remove_var(ENV_SECRET_ID);
        std::env::remove_var(ENV_SECRET_KEY);
        std::env::set_var(ENV_SESSION_TOKEN, "env-token");
        // The environment's token never goes with a SecretId from the config.
        assert!(Config::parse(&format!(r#"{{{BASE},{BUILD}}}"#), Action::GetFederationToken)
            .unwrap()
            .session_token
            .is_none());
        assert!(message(Config::parse(&json, Action::GetFederationToken)).contains(ENV_SECRET_ID));
        std::env::set_var(ENV_SECRET_ID, "AKIDenv");
        assert!(message(Config::parse(&json, Action::GetFederationToken)).starts_with("secret_key: missing"));
        std::env::set_var(ENV_SECRET_KEY, "env-key");
        let c = Config::parse(&json, Action::GetFederationToken).unwrap();
        assert_eq!((c.secret_id.as_str(), c.secret_key.expose()), ("AKIDenv", "env-key"));
        assert_eq!(c.session_token.as_ref().map(Secret::expose), Some("env-token"));
        std::env::remove_var(ENV_SECRET_ID);
        std::env::remove_var(ENV_SECRET_KEY);
        std::env::remove_var(ENV_SESSION_TOKEN);
    }

    #[test]
    fn every_rule_names_its_field() {
        let cases: Vec<(String, Action, &str)> = vec![
            (r#""secret_key":"x""#.into(), Action::GetFederationToken, "secret_key: given twice"),
            (r#""secretKey":"x""#.into(), Action::GetFederationToken, "secretKey: given twice, also as `secret_key`"),
            (
                format!(r#"{BUILD},"bukcet":"x""#),
                Action::GetFederationToken,
                "bukcet: unknown config key (did you mean `bucket`?)",
            ),
            (format!(r#"{BUILD},"duration":"x""#), Action::GetFederationToken, "duration: unknown config key"),
            (
                format!(r#"{BUILD},"duration_seconds":"1800""#),
                Action::GetFederationToken,
                "duration_seconds: expected an integer, got a string",
            ),
            (
                format!(r#"{BUILD},"duration_seconds":1800.0"#),
                Action::GetFederationToken,
                "duration_seconds: expected an integer",
            ),
            (
                format!(r#"{BUILD},"duration_seconds":0"#),
                Action::GetFederationToken,
                "duration_seconds: 0 is out of range 1..=129600",
            ),
            (
                format!(r#"{BUILD},"duration_seconds":129601"#),
                Action::GetFederationToken,
                "duration_seconds: 129601 is out of range",
            ),
            (
                r#""role_arn":"r","duration_seconds":43201"#.into(),
                Action::AssumeRole,
                "duration_seconds: 43201 is out of range 1..=43200",
            ),
            (
                format!(r#"{BUILD},"duration_seconds":-5"#),
                Action::GetFederationToken,
                "duration_seconds: expected an integer",
            ),
            (
                r#""bucket":"example","region":"ap-guangzhou","allow_prefix":"*","allow_actions":"a""#.into(),
                Action::GetFederationToken,
                "bucket: `example` has no numeric appid",
            ),
            (
                r#""bucket":"b-1","allow_prefix":[],"allow_actions":"a""#.into(),
                Action::GetFederationToken,
                "allow_prefix: empty list",
            ),
            (
                r#""bucket":"b-1","allow_prefix":"*","allow_actions":[]"#.into(),
                Action::GetFederationToken,
                "allow_actions: empty list",
            ),
            (
                r#""bucket":"b-1","allow_prefix":["*",3],"allow_actions":"a""#.into(),
                Action::GetFederationToken,
                "allow_prefix[1]: expected a string, got a number",
            ),
            (r#""bucket":"b-1","allow_actions":"a""#.into(), Action::GetFederationToken, "allow_prefix: missing"),
            (r#""allow_prefix":"*","allow_actions":"a""#.into(), Action::GetFederationToken, "bucket: missing"),
            ("".into(), Action::GetFederationToken, "policy: missing"),
            (format!(r#"{BUILD},"condition":"x""#), Action::GetFederationToken, "condition: expected an object"),
            (
                r#""policy":{"version":"2.0","statement":[{"principal":{"qcs":["*"]},"effect":"allow"}]}"#.into(),
                Action::GetFederationToken,
                "policy.statement[0].principal: not allowed",
            ),
            (r#""policy":{"statement":[{}]}"#.into(), Action::GetFederationToken, "policy.version: missing"),
            (r#""policy":{"version":"2.0"}"#.into(), Action::GetFederationToken, "policy.statement: missing"),
            (
                r#""policy":{"version":"2.0","statement":{}}"#.into(),
                Action::GetFederationToken,
                "policy.statement: expected a list",
            ),
            (r#""policy":"{not json""#.into(), Action::GetFederationToken, "policy: not valid JSON"),
            (r#""policy":[1]"#.into(), Action::GetFederationToken, "policy: expected an object"),
            (
                r#""policy":{"version":"2.0","statement":[{}]},"allow_prefix":"*""#.into(),
                Action::GetFederationToken,
                "allow_prefix: ambiguous together with `policy`",
            ),
            (
                format!(r#"{BUILD},"role_arn":"r""#),
                Action::GetFederationToken,
                "role_arn: is a parameter of AssumeRole",
            ),
            (r#""role_arn":"r","name":"n""#.into(), Action::AssumeRole, "name: is a parameter of GetFederationToken"),
            (
                r#""role_arn":"r","role_session_name":"a""#.into(),
                Action::AssumeRole,
                "role_session_name: must be 2 to 128 characters",
            ),
            (
                r#""role_arn":"r","role_session_name":"a b""#.into(),
                Action::AssumeRole,
                "role_session_name: contains ' '",
            ),
            (r#""role_arn":"r","external_id":"x:/y#""#.into(), Action::AssumeRole, "external_id: contains '#'"),
            (
                format!(r#"{BUILD},"endpoint":"https://sts.tencentcloudapi.com""#),
                Action::GetFederationToken,
                "endpoint: `https://sts.tencentcloudapi.com` is not a host name",
            ),
            (format!(r#"{BUILD},"domain":"a/b""#), Action::GetFederationToken, "domain: `a/b` is not a host name"),
            (format!(r#"{BUILD},"url":"ftp://x""#), Action::GetFederationToken, "url: `ftp://x` is not an http(s) URL"),
            (
                format!(r#"{BUILD},"url":"http://10.0.0.1/""#),
                Action::GetFederationToken,
                "url: plain http:// is only allowed to a loopback address",
            ),
            (format!(r#"{BUILD},"proxy":5"#), Action::GetFederationToken, "proxy: expected a string or an object"),
            (
                format!(r#"{BUILD},"proxy":"socks5://x:1""#),
                Action::GetFederationToken,
                "proxy: `socks5://x:1` is not a proxy URL",
            ),
            (
                format!(r#"{BUILD},"proxy":{{"ftp":"http://x:1"}}"#),
                Action::GetFederationToken,
                "proxy.ftp: unknown key",
            ),
            (
                format!(r#"{BUILD},"timeout_ms":0"#),
                Action::GetFederationToken,
                "timeout_ms: 0 is out of range 1..=600000",
            ),
            (format!(r#"{BUILD},"retries":11"#), Action::GetFederationToken, "retries: 11 is out of range 0..=10"),
            (
                format!(r#"{BUILD},"ca_file":"/nonexistent/ca.pem""#),
                Action::GetFederationToken,
                "ca_file: cannot read /nonexistent/ca.pem",
            ),
            (
                r#""bucket":"b-1","allow_prefix":"*","allow_actions":"a","region":"ap guangzhou""#.into(),
                Action::GetFederationToken,
                "region: `ap guangzhou` contains ' '",
            ),
            (format!(r#"{BUILD},"name":"""#), Action::GetFederationToken, "name: must be 2 to 128 characters"),
            (
                format!(r#"{BUILD},"session_token":"a b""#),
                Action::GetFederationToken,
                "session_token: contains whitespace",
            ),
            (format!(r#"{BUILD},"sessionToken":7"#), Action::GetFederationToken, "sessionToken: expected a string"),
        ];
        for (extra, action, expected) in cases {
            let got = message(parse(&extra, action));
            assert!(got.starts_with(expected), "config {extra}\n  got      {got}\n  expected {expected}...");
        }
        for (json, expected) in [
            ("", "config: not valid JSON"),
            ("[]", "config: expected a JSON object, got a list"),
            (
                "\"{\\\"secret_key\\\":\\\"s3cr3t\\\"}\"",
                "config: expected a JSON object, got a string (a config encoded as JSON twice?)",
            ),
            ("{\"secret_id\":1}", "secret_id: expected a string"),
        ] {
            let got = message(Config::parse(json, Action::GetFederationToken));
            assert!(got.starts_with(expected), "{got}");
        }
    }

    #[test]
    fn oversized_input_is_refused_before_parsing() {
        let huge = format!(r#"{{"name":"{}"}}"#, "a".repeat(MAX_INPUT_BYTES));
        assert!(message(Config::parse(&huge, Action::GetFederationToken)).contains("over the 1048576-byte limit"));
    }

    #[test]
    fn oversized_policy_is_refused_with_its_length() {
        let many: Vec<String> = (0..5000).map(|i| format!("dir/{i}/*")).collect();
        let extra =
            format!(r#""bucket":"b-1","allow_prefix":{},"allow_actions":"a""#, serde_json::to_string(&many).unwrap());
        let got = message(federation(&extra));
        assert!(
            got.starts_with("policy: ") && got.contains("bytes once percent-encoded, over the 65536-byte limit"),
            "{got}"
        );
    }

    #[test]
    fn loopback_http_urls_and_proxy_forms_are_accepted() {
        for url in ["http://127.0.0.1:9000/", "http://localhost:1/", "http://[::1]:8/", "https://10.0.0.1/"] {
            let c = federation(&format!(r#"{BUILD},"url":"{url}""#)).unwrap();
            assert_eq!(c.transport.url, url);
            assert_eq!(c.transport.endpoint, DEFAULT_ENDPOINT, "url must not change the signed host");
        }
        let proxy = |p: &str| federation(&format!(r#"{BUILD},"proxy":{p}"#)).unwrap().transport.proxy;
        assert_eq!(proxy(r#""""#), ProxySetting::Disabled);
        assert_eq!(proxy(r#""http://10.0.0.1:3128""#), ProxySetting::Url("http://10.0.0.1:3128".into()));
        assert_eq!(proxy(r#"{"https":"http://p:1","http":"http://q:2"}"#), ProxySetting::Url("http://p:1".into()));
        assert_eq!(proxy(r#"{"http":"http://q:2"}"#), ProxySetting::Disabled);
    }

    #[test]
    fn debug_output_never_shows_the_secret_key() {
        let c = federation(BUILD).unwrap();
        let debug = format!("{c:?}");
        assert!(!debug.contains("test-secret-key"), "{debug}");
        assert!(debug.contains("<redacted>"));
    }

    #[test]
    fn proxy_credentials_are_not_echoed() {
        let got = message(federation(&format!(r#"{BUILD},"proxy":"ftp://user:hunter2@x:1""#)));
        assert!(!got.contains("hunter2"), "{got}");
        assert_eq!(redact_userinfo("http://u:p@h:1"), "http://***@h:1");
    }

    #[test]
    fn a_huge_unknown_key_is_refused_quickly() {
        let key = "k".repeat(500_000);
        let got = message(Config::parse(&format!(r#"{{"{key}":1}}"#), Action::GetFederationToken));
        assert!(got.contains("unknown config key") && !got.contains("did you mean"));
        assert!(got.len() < 200 && got.contains("(500000 bytes)"), "{got}");
    }

    #[test]
    fn suggestions_only_for_near_misses() {
        assert_eq!(suggestion("secretid", &["secret_id", "region"]), " (did you mean `secret_id`?)");
        assert_eq!(suggestion("zzzzzz", &["secret_id", "region"]), "");
    }
}

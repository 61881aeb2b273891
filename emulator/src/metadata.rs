//! The CVM metadata server's CAM role endpoints, served by the same emulator process, so the
//! role keys it hands out are accepted by its STS side (with their token).
//!
//! - `GET /latest/meta-data/cam/security-credentials/`: the role name, plain text; 404 when no
//!   role is bound ([`MetadataMode::NoRole`]).
//! - `GET /latest/meta-data/cam/security-credentials/{role}`: `{TmpSecretId, TmpSecretKey,
//!   Token, ExpiredTime, Expiration, Code}` with a fresh key of the configured lifetime.
//! - `GET /__emulator/stats`: `{"metadata_requests", "metadata_credential_requests",
//!   "sts_requests", "metadata_mode"}`, so tests outside the process can count.
//! - `POST /__emulator/metadata` with `{"mode": "serve"|"fail"|"down"|"no-role",
//!   "lifetime_seconds": N}` (either key): changes the behaviour on demand.
//!
//! Unlike the real server, each credential request gets a new key: a test sees every fetch.

use crate::http::{self, Request};
use crate::service::Rng;
use crate::{lock, Shared};
use serde_json::{json, Value};
use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

pub const DEFAULT_ROLE: &str = "libsts-emulator-role";
pub const DEFAULT_LIFETIME_SECONDS: i64 = 7200;
const PREFIX: &str = "/latest/meta-data/";
const ROLES: &str = "/latest/meta-data/cam/security-credentials/";
/// Issued keys remembered for the STS side; the oldest are forgotten first.
const MAX_ISSUED: usize = 10_000;

/// How to start the metadata mode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetadataOptions {
    /// The role bound to the "instance".
    pub role: String,
    /// The lifetime of each key handed out (`ExpiredTime` = now + this).
    pub lifetime_seconds: i64,
    /// Waited before each metadata answer (a slow metadata server; concurrent-refresh tests).
    pub latency: Duration,
    pub mode: MetadataMode,
}

impl Default for MetadataOptions {
    fn default() -> Self {
        MetadataOptions {
            role: DEFAULT_ROLE.to_owned(),
            lifetime_seconds: DEFAULT_LIFETIME_SECONDS,
            latency: Duration::ZERO,
            mode: MetadataMode::Serve,
        }
    }
}

/// How the metadata endpoints answer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MetadataMode {
    /// The role and its keys.
    #[default]
    Serve,
    /// HTTP 500 to every metadata request.
    Fail,
    /// The connection is closed unanswered: a metadata server that has gone away.
    Down,
    /// 404 for the role list: an instance without a CAM role.
    NoRole,
}

impl MetadataMode {
    pub const ALL: [MetadataMode; 4] =
        [MetadataMode::Serve, MetadataMode::Fail, MetadataMode::Down, MetadataMode::NoRole];

    pub fn name(self) -> &'static str {
        match self {
            MetadataMode::Serve => "serve",
            MetadataMode::Fail => "fail",
            MetadataMode::Down => "down",
            MetadataMode::NoRole => "no-role",
        }
    }
}

impl fmt::Display for MetadataMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for MetadataMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        MetadataMode::ALL
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| format!("unknown metadata mode `{s}` (one of: serve, fail, down, no-role)"))
    }
}

/// The metadata mode's live state.
pub(crate) struct Metadata {
    role: String,
    latency: Duration,
    mode: Mutex<MetadataMode>,
    lifetime: AtomicI64,
    pub requests: AtomicU64,
    pub credential_requests: AtomicU64,
}

impl Metadata {
    pub fn new(options: MetadataOptions) -> Metadata {
        Metadata {
            role: options.role,
            latency: options.latency,
            mode: Mutex::new(options.mode),
            lifetime: AtomicI64::new(options.lifetime_seconds),
            requests: AtomicU64::new(0),
            credential_requests: AtomicU64::new(0),
        }
    }

    pub fn set_mode(&self, mode: MetadataMode) {
        *lock(&self.mode) = mode;
    }

    pub fn mode(&self) -> MetadataMode {
        *lock(&self.mode)
    }

    pub fn set_lifetime(&self, seconds: i64) {
        self.lifetime.store(seconds, Ordering::SeqCst);
    }
}

/// (SecretId, SecretKey) or (SecretId, token) pairs, as `service::handle` takes them.
pub(crate) type Pairs = Vec<(String, String)>;

/// Temporary keys handed out by the metadata mode and by AssumeRoleWithWebIdentity, which the
/// STS side accepts with their token.
#[derive(Default)]
pub(crate) struct Issued {
    keys: Mutex<std::collections::VecDeque<(String, String, String)>>,
}

impl Issued {
    /// A new key pair and token, remembered.
    pub fn issue(&self, rng: &Rng) -> (String, String, String) {
        let key = crate::service::new_credentials(rng);
        let mut keys = lock(&self.keys);
        if keys.len() >= MAX_ISSUED {
            keys.pop_front();
        }
        keys.push_back(key.clone());
        key
    }

    /// `keys` and `tokens` with the issued ones added (copies only when any were issued).
    pub fn accepted(&self, keys: &[(String, String)], tokens: &[(String, String)]) -> Option<(Pairs, Pairs)> {
        let issued = lock(&self.keys);
        if issued.is_empty() {
            return None;
        }
        let mut all_keys = keys.to_vec();
        let mut all_tokens = tokens.to_vec();
        for (id, key, token) in issued.iter() {
            all_keys.push((id.clone(), key.clone()));
            all_tokens.push((id.clone(), token.clone()));
        }
        Some((all_keys, all_tokens))
    }
}

/// What the metadata side does with a request.
pub(crate) enum Handled {
    /// Not a metadata or control request: the STS side answers it.
    NotMine,
    Reply(Vec<u8>),
    /// Close the connection unanswered.
    Close,
}

/// Answers the metadata and control paths; everything else is the STS side's.
pub(crate) fn respond(shared: &Shared, request: &Request) -> Handled {
    let Some(metadata) = &shared.metadata else { return Handled::NotMine };
    let path = request.path();
    let keep_alive = request.keep_alive();
    let text = |status: u16, body: &str| {
        Handled::Reply(http::response(status, "text/plain; charset=utf-8", body.as_bytes(), keep_alive))
    };
    let json_reply =
        |body: Value| Handled::Reply(http::response(200, "application/json", body.to_string().as_bytes(), keep_alive));
    match (request.method.as_str(), path) {
        ("GET", "/__emulator/stats") => {
            return json_reply(json!({
                "metadata_requests": metadata.requests.load(Ordering::SeqCst),
                "metadata_credential_requests": metadata.credential_requests.load(Ordering::SeqCst),
                "sts_requests": shared.sequence.load(Ordering::SeqCst),
                "metadata_mode": metadata.mode().name(),
            }))
        }
        ("POST", "/__emulator/metadata") => {
            let Ok(Value::Object(change)) = serde_json::from_slice::<Value>(&request.body) else {
                return text(400, "expected a JSON object with `mode` and/or `lifetime_seconds`\n");
            };
            let mode = match change.get("mode").map(|m| m.as_str().map(MetadataMode::from_str)) {
                None => None,
                Some(Some(Ok(mode))) => Some(mode),
                Some(Some(Err(e))) => return text(400, &format!("{e}\n")),
                Some(None) => return text(400, "`mode` must be a string\n"),
            };
            let lifetime = match change.get("lifetime_seconds") {
                None => None,
                Some(v) => match v.as_i64() {
                    Some(n) if n > 0 => Some(n),
                    _ => return text(400, "`lifetime_seconds` must be a positive integer\n"),
                },
            };
            if let Some(mode) = mode {
                metadata.set_mode(mode);
            }
            if let Some(seconds) = lifetime {
                metadata.set_lifetime(seconds);
            }
            return json_reply(
                json!({"metadata_mode": metadata.mode().name(), "lifetime_seconds": metadata.lifetime.load(Ordering::SeqCst)}),
            );
        }
        _ => {}
    }
    if !path.starts_with(PREFIX) {
        return Handled::NotMine;
    }
    metadata.requests.fetch_add(1, Ordering::SeqCst);
    if request.method != "GET" {
        return text(405, "the metadata server answers GET\n");
    }
    if !metadata.latency.is_zero() && !shared.sleep(metadata.latency) {
        return Handled::Close;
    }
    match metadata.mode() {
        MetadataMode::Down => return Handled::Close,
        MetadataMode::Fail => return text(500, "metadata server error (emulated)\n"),
        MetadataMode::NoRole | MetadataMode::Serve => {}
    }
    let no_role = metadata.mode() == MetadataMode::NoRole;
    let Some(rest) = path.strip_prefix(ROLES) else { return text(404, "not found\n") };
    if rest.is_empty() {
        return if no_role { text(404, "no CAM role is bound to this instance\n") } else { text(200, &metadata.role) };
    }
    if no_role || rest != metadata.role {
        return text(404, "no such role\n");
    }
    metadata.credential_requests.fetch_add(1, Ordering::SeqCst);
    let (id, key, token) = shared.issued.issue(&shared.rng);
    let now = shared.now.unwrap_or_else(sts::time::now_unix);
    let expired_time = now + metadata.lifetime.load(Ordering::SeqCst);
    json_reply(json!({
        "TmpSecretId": id,
        "TmpSecretKey": key,
        "ExpiredTime": expired_time,
        "Expiration": sts::time::rfc3339(expired_time),
        "Token": token,
        "Code": "Success",
    }))
}

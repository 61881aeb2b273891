//! Parses and validates the JSON config of the credential calls.
//!
//! This is the one validator: everything that can be checked without the network is checked
//! here (with the policy's rules in `policy` and the URL and proxy rules in `endpoint` and
//! `proxy`), so a bad config never sends a request, and bindings pass configs through instead of
//! re-checking them. Every error names the key as the user spelled it. Keys are exact:
//! snake_case as in qcloud-python-sts, or the camelCase alias of the Node/Java SDKs, not both.

mod ca_file;
mod cache;
mod caller;
mod file;
mod keys;
mod read;
mod role;
mod scope;
mod upload;
mod web_identity;

pub use ca_file::MAX_CA_BYTES;
pub use cache::{CacheOptions, CACHE_KEYS, DEFAULT_MAX_ENTRIES, DEFAULT_MIN_REMAINING_SECONDS, MAX_CACHE_ENTRIES};
pub use caller::CallerConfig;
pub use file::read_if_present as read_file_if_present;
pub use keys::{canonical, KEYS};
pub use read::{from_env as read_env, is_control};
pub use role::{Mfa, RoleExtras, Tag, MAX_TAGS, MAX_TAG_KEY_CHARS, MAX_TAG_VALUE_CHARS};
pub use upload::UPLOAD_KEYS;
pub use web_identity::{WebIdentityConfig, MAX_WEB_IDENTITY_TOKEN_BYTES};

use crate::credentials::{chain, profile, CredentialSource, Deferred};
use crate::endpoint::{self, Target};
use crate::error::{Error, Result};
use crate::policy;
use crate::proxy::{self, ProxyTarget};
use crate::upload::UploadSpec;
use keys::{Entries, Given};
use read::{check_identifier, check_text, from_env, integer, string, string_list};
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
/// `total_timeout_ms` when not given: the worst case of the retries (see [`read_total_timeout`]),
/// at most this.
pub const DEFAULT_MAX_TOTAL_TIMEOUT_MS: u64 = 60_000;
/// Retry backoff: full jitter below a ceiling that starts here and doubles per retry...
pub const BACKOFF_BASE: Duration = Duration::from_millis(100);
/// ...up to this.
pub const BACKOFF_CAP: Duration = Duration::from_secs(2);
pub const MAX_TOTAL_TIMEOUT_MS: u64 = 600_000;
/// GetFederationToken's documented maximum (36 h); the root account's 7200 s limit is the service's to enforce.
pub const MAX_FEDERATION_SECONDS: u32 = 129_600;
pub const MAX_ROLE_SECONDS: u32 = 43_200;
/// Largest JSON input accepted by any entry point.
pub const MAX_INPUT_BYTES: usize = 1 << 20;
/// Largest percent-encoded policy sent (the policy's rules own the limit).
pub use crate::policy::MAX_ENCODED_POLICY_BYTES;
pub const ENV_SECRET_ID: &str = "TENCENTCLOUD_SECRET_ID";
pub const ENV_SECRET_KEY: &str = "TENCENTCLOUD_SECRET_KEY";
pub const ENV_SESSION_TOKEN: &str = "TENCENTCLOUD_SESSION_TOKEN";
/// Real session tokens are a few hundred to a couple of thousand bytes.
pub const MAX_SESSION_TOKEN_BYTES: usize = 16 * 1024;
/// Real SecretIds are 36 characters, SecretKeys 32.
pub const MAX_SECRET_BYTES: usize = 256;

/// The STS actions libsts calls.
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

    /// The keys that belong to this action alone.
    fn own_keys(self) -> &'static [&'static str] {
        match self {
            Action::GetFederationToken => &["name"],
            Action::AssumeRole => &[
                "role_arn",
                "role_session_name",
                "external_id",
                "tags",
                "source_identity",
                "serial_number",
                "token_code",
            ],
        }
    }

    fn other(self) -> Action {
        match self {
            Action::GetFederationToken => Action::AssumeRole,
            Action::AssumeRole => Action::GetFederationToken,
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

/// The parameters of the action: each action's own, so a half-filled mix cannot be built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActionParams {
    /// GetFederationToken `Name`.
    Federation { name: String },
    /// AssumeRole.
    Role { role_arn: String, role_session_name: String, external_id: Option<String>, extras: RoleExtras },
}

/// The parameters as (name, role_arn, role_session_name, external_id), each present only for its action.
pub type ParamParts<'a> = (Option<&'a str>, Option<&'a str>, Option<&'a str>, Option<&'a str>);

impl ActionParams {
    /// The parameters for a serializer: `None` for those of the other action.
    pub fn parts(&self) -> ParamParts<'_> {
        match self {
            ActionParams::Federation { name } => (Some(name.as_str()), None, None, None),
            ActionParams::Role { role_arn, role_session_name, external_id, .. } => {
                (None, Some(role_arn.as_str()), Some(role_session_name.as_str()), external_id.as_deref())
            }
        }
    }

    /// AssumeRole's tags, source identity and MFA; `None` for GetFederationToken.
    pub fn role_extras(&self) -> Option<&RoleExtras> {
        match self {
            ActionParams::Federation { .. } => None,
            ActionParams::Role { extras, .. } => Some(extras),
        }
    }
}

/// Where and how to connect; everything the transport needs and nothing more.
#[derive(Clone, Debug)]
pub struct TransportOptions {
    /// The signed `Host`.
    pub endpoint: String,
    /// Where to connect: `https://{endpoint}/` unless `url` was given.
    pub target: Target,
    /// Resolved when the config is parsed (config `proxy`, else the environment).
    pub proxy: Option<ProxyTarget>,
    /// Per attempt: connect + TLS + request + response.
    pub timeout: Duration,
    /// Retries after the first attempt.
    pub retries: u32,
    /// PEM roots that replace the bundled ones (the file's contents, read at parse time).
    pub ca_pem: Option<Vec<u8>>,
    pub ca_file: Option<String>,
}

/// The backend's own key pair, which signs the request.
#[derive(Clone, Debug)]
pub struct Identity {
    pub secret_id: String,
    pub secret_key: Secret,
    /// The session token of a temporary key pair, sent as `X-TC-Token`.
    pub session_token: Option<Secret>,
    /// SecretId and SecretKey were both given in the config text (none from the environment),
    /// so the text alone says who signs: what lets the cache recognise a repeated text.
    pub from_config: bool,
    /// Where the key came from (`credential_source`); a temporary key has `session_token`.
    pub source: CredentialSource,
}

impl Identity {
    /// The placeholder of a source resolved at call time ([`Config::credentials`]): no key yet.
    pub fn pending(source: CredentialSource) -> Identity {
        Identity {
            secret_id: String::new(),
            secret_key: Secret::default(),
            session_token: None,
            from_config: false,
            source,
        }
    }
}

#[derive(Debug)]
pub struct Config {
    /// The signing key; a placeholder while [`Config::credentials`] is `Some`.
    pub identity: Identity,
    /// A source that needs the network (oidc, cvm): [`Config::resolve_credentials`] fills in
    /// `identity` at call time, before signing. `None`: `identity` is final.
    pub credentials: Option<Deferred>,
    pub params: ActionParams,
    pub duration_seconds: u32,
    pub region: String,
    /// Compact policy JSON, not yet percent-encoded. None for AssumeRole without limits, and
    /// for an upload until its key is chosen.
    pub policy: Option<String>,
    pub transport: TransportOptions,
    /// The whole call, retries and backoff included (`total_timeout_ms`).
    pub total_timeout: Duration,
    /// `sts_get_upload_credential`: the key template, the client's extension and the limits.
    pub upload: Option<UploadSpec>,
    /// Opted in to the credential cache (never with `upload`).
    pub cache: Option<CacheOptions>,
}

/// Which call a config is read for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Call {
    Action(Action),
    Upload,
    /// `sts_check_config`: upload with `upload`, else AssumeRole with `role_arn`, else
    /// GetFederationToken.
    Inferred,
}

impl Config {
    /// Parses `json` for `action`.
    pub fn parse(json: &str, action: Action) -> Result<Config> {
        Self::parse_inner(json, Call::Action(action))
    }

    /// Parses `json` for `sts_get_upload_credential`: a GetFederationToken config whose policy
    /// comes from its `upload` object.
    pub fn parse_upload(json: &str) -> Result<Config> {
        Self::parse_inner(json, Call::Upload)
    }

    /// Parses `json` for the call it names: an upload when it has `upload`, AssumeRole when it
    /// has `role_arn`, else GetFederationToken (what `sts_check_config` validates).
    pub fn parse_inferred(json: &str) -> Result<Config> {
        Self::parse_inner(json, Call::Inferred)
    }

    pub fn action(&self) -> Action {
        match self.params {
            ActionParams::Federation { .. } => Action::GetFederationToken,
            ActionParams::Role { .. } => Action::AssumeRole,
        }
    }

    fn parse_inner(json: &str, call: Call) -> Result<Config> {
        let entries = read_entries(json)?;
        let is_upload = call == Call::Upload || (call == Call::Inferred && entries.has("upload"));
        let action = match call {
            Call::Action(action) => action,
            Call::Upload => Action::GetFederationToken,
            Call::Inferred if is_upload => Action::GetFederationToken,
            Call::Inferred if entries.has("role_arn") => Action::AssumeRole,
            Call::Inferred => Action::GetFederationToken,
        };
        let mut given = Given::new(entries)?;
        if is_upload {
            upload::refuse_beside_upload(&given)?;
        } else if given.has("upload") {
            return Err(Error::invalid(
                &given.name_of("upload"),
                format!("belongs to sts_get_upload_credential, not to {}", action.entry_point()),
            ));
        }
        refuse_foreign_keys(&mut given, action)?;
        let (identity, credentials) = read_identity(&mut given)?;
        let duration_seconds = match given.take("duration_seconds") {
            Some(v) => integer(&given.name_of("duration_seconds"), &v, 1, u64::from(action.max_duration()))? as u32,
            None => DEFAULT_DURATION_SECONDS,
        };
        let region = match given.take("region") {
            Some(v) => string("region", v)?,
            None => DEFAULT_REGION.to_owned(),
        };
        policy::check_name(&region, "region")?;
        let (policy, upload) = if is_upload {
            (None, Some(upload::read_upload(&mut given, &region)?))
        } else {
            (read_policy(&mut given, &region, action)?, None)
        };
        let cache = cache::read_cache(&mut given, duration_seconds)?;
        let params = read_params(&mut given, action)?;
        let transport = read_transport(&mut given)?;
        let total_timeout = read_total_timeout(&mut given, &transport)?;
        let entry_point = if is_upload { "sts_get_upload_credential" } else { action.entry_point() };
        scope::refuse_left(&given, entry_point, &|_| None)?;
        Ok(Config {
            identity,
            credentials,
            params,
            duration_seconds,
            region,
            policy,
            transport,
            total_timeout,
            upload,
            cache,
        })
    }

    /// Resolves a deferred credential source (no-op for the others): called by each credential
    /// call after parsing, before the cache and the signature. `deadline` bounds the fetch.
    pub fn resolve_credentials(&mut self, deadline: std::time::Instant) -> Result<()> {
        if let Some(deferred) = self.credentials.take() {
            match crate::credentials::resolve(&deferred, &self.transport, &self.region, deadline) {
                Ok(identity) => self.identity = identity,
                Err(e) => {
                    self.credentials = Some(deferred);
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// The normalized form `sts_check_config` returns: canonical names, defaults filled in, the
    /// policy as sent, and no secret (only whether a session token is present).
    pub fn normalized_json(&self) -> String {
        #[derive(serde::Serialize)]
        struct Normalized<'a> {
            action: &'a str,
            /// `config`, `env`, `profile`, `oidc` or `cvm`.
            credential_source: &'a str,
            /// None for oidc and cvm: their key is fetched at call time.
            secret_id: Option<&'a str>,
            session_token: bool,
            duration_seconds: u32,
            region: &'a str,
            policy: Option<&'a serde_json::value::RawValue>,
            #[serde(skip_serializing_if = "Option::is_none")]
            name: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            role_arn: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            role_session_name: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            external_id: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            tags: Option<Vec<NormalizedTag<'a>>>,
            #[serde(skip_serializing_if = "Option::is_none")]
            source_identity: Option<&'a str>,
            /// The MFA device; its code is never shown.
            #[serde(skip_serializing_if = "Option::is_none")]
            serial_number: Option<&'a str>,
            endpoint: &'a str,
            url: String,
            /// `scheme://host:port` and where it came from; never its userinfo.
            proxy: Option<String>,
            timeout_ms: u128,
            total_timeout_ms: u128,
            retries: u32,
            ca_file: Option<&'a str>,
            cache: Option<&'a CacheOptions>,
            #[serde(skip_serializing_if = "Option::is_none")]
            upload: Option<NormalizedUpload<'a>>,
        }
        #[derive(serde::Serialize)]
        struct NormalizedTag<'a> {
            key: &'a str,
            value: &'a str,
        }
        /// The key is random per call: the template is shown, and the key with the extension
        /// filled in and `{date}` and `{random}` left as they are (so is the policy's resource).
        #[derive(serde::Serialize)]
        struct NormalizedUpload<'a> {
            bucket: &'a str,
            key_template: &'a str,
            key: String,
            ext: Option<&'a str>,
            allow_ext: Option<&'a [String]>,
            content_type: Option<&'a [String]>,
            max_bytes: Option<u64>,
            multipart: bool,
        }
        let upload_policy = self.upload.as_ref().and_then(|spec| spec.policy(&self.region, &spec.key_pattern()).ok());
        let policy: Option<Box<serde_json::value::RawValue>> =
            self.policy.clone().or(upload_policy).and_then(|p| serde_json::value::RawValue::from_string(p).ok());
        let (name, role_arn, role_session_name, external_id) = self.params.parts();
        let extras = self.params.role_extras();
        let normalized = Normalized {
            action: self.action().name(),
            credential_source: self.identity.source.name(),
            secret_id: Some(self.identity.secret_id.as_str()).filter(|_| self.credentials.is_none()),
            // A deferred source's key is always a temporary one.
            session_token: self.identity.session_token.is_some() || self.credentials.is_some(),
            duration_seconds: self.duration_seconds,
            region: &self.region,
            policy: policy.as_deref(),
            name,
            role_arn,
            role_session_name,
            external_id,
            tags: extras
                .filter(|e| !e.tags.is_empty())
                .map(|e| e.tags.iter().map(|t| NormalizedTag { key: &t.key, value: &t.value }).collect()),
            source_identity: extras.and_then(|e| e.source_identity.as_deref()),
            serial_number: extras.and_then(|e| e.mfa.as_ref()).map(|m| m.serial_number.as_str()),
            endpoint: &self.transport.endpoint,
            url: self.transport.target.as_str(),
            proxy: self.transport.proxy.as_ref().map(|p| format!("{p} (from {})", p.source())),
            timeout_ms: self.transport.timeout.as_millis(),
            total_timeout_ms: self.total_timeout.as_millis(),
            retries: self.transport.retries,
            ca_file: self.transport.ca_file.as_deref(),
            cache: self.cache.as_ref(),
            upload: self.upload.as_ref().map(|spec| NormalizedUpload {
                bucket: &spec.bucket,
                key_template: spec.template.as_str(),
                key: spec.key_pattern(),
                ext: spec.ext.as_deref(),
                allow_ext: spec.allow_ext.as_deref(),
                content_type: spec.content_type.as_deref(),
                max_bytes: spec.max_bytes,
                multipart: spec.multipart,
            }),
        };
        serde_json::to_string(&normalized).unwrap_or_default()
    }
}

/// Keys of the other action are a sign of a mix-up, not something to ignore.
fn refuse_foreign_keys(given: &mut Given, action: Action) -> Result<()> {
    let other = action.other();
    match other.own_keys().iter().find(|key| given.has(key)) {
        Some(key) => Err(Error::invalid(
            &given.name_of(key),
            format!("is a parameter of {} ({}), not of {}", other.name(), other.entry_point(), action.entry_point()),
        )),
        None => Ok(()),
    }
}

/// The config text's top-level entries, after the size limit every call's config has.
pub(crate) fn read_entries(json: &str) -> Result<Entries> {
    if json.len() > MAX_INPUT_BYTES {
        return Err(Error::invalid("config", format!("{} bytes is over the {MAX_INPUT_BYTES}-byte limit", json.len())));
    }
    Entries::parse(json)
}

/// The signing key: `secret_id`/`secret_key` from the config (source `config`, the halves not
/// given there from the environment as before), else the credential chain or the one source
/// `credential_source` pins. Sources that need the network come back as a [`Deferred`] for the
/// call to resolve before signing; the identity is then a placeholder without a key.
fn read_identity(given: &mut Given) -> Result<(Identity, Option<Deferred>)> {
    let source_field = given.name_of("credential_source");
    let pinned = match given.take("credential_source") {
        Some(v) => Some(chain::Pin::parse(&source_field, &string(&source_field, v)?)?),
        None => None,
    };
    let profile_field = given.name_of("profile");
    let profile = given.take("profile").map(|v| string(&profile_field, v)).transpose()?;
    if let Some(name) = &profile {
        profile::check_name(&profile_field, name)?;
    }
    let endpoint_field = given.name_of("metadata_endpoint");
    let metadata_endpoint = given.take("metadata_endpoint").map(|v| string(&endpoint_field, v)).transpose()?;
    // A session_token alone still means "the key is the config's" (with the pair from the
    // environment), as before credential sources existed.
    let in_config = ["secret_id", "secret_key", "session_token"].iter().find(|key| given.has(key)).copied();
    let pin = pinned.unwrap_or(if in_config.is_some() { chain::Pin::Config } else { chain::Pin::Chain });
    if let Some(key) = in_config.filter(|_| pin != chain::Pin::Config) {
        return Err(Error::invalid(
            &given.name_of(key),
            format!("given together with {source_field}={}; drop one of them", pin.name()),
        ));
    }
    if pin == chain::Pin::Config {
        // Silently unused, these would hide that the config's own key signs.
        for (field, present) in [(&profile_field, profile.is_some()), (&endpoint_field, metadata_endpoint.is_some())] {
            if present {
                return Err(Error::invalid(
                    field,
                    "has no use with the key in the config (credential_source `config`)",
                ));
            }
        }
        return read_config_identity(given).map(|identity| (identity, None));
    }
    let inputs = chain::Inputs {
        profile: profile.as_deref().map(|name| (profile_field.as_str(), name)),
        metadata_endpoint: metadata_endpoint.as_deref().map(|url| (endpoint_field.as_str(), url)),
    };
    match chain::find(pin, &inputs)? {
        chain::Found::Now(identity) => Ok((identity, None)),
        chain::Found::Later(deferred) => Ok((Identity::pending(deferred.name()), Some(deferred))),
    }
}

/// SecretId, SecretKey and session token from the config, a half that is not there from the
/// environment. The environment's token only goes with the environment's SecretId, never with
/// one in the config.
fn read_config_identity(given: &mut Given) -> Result<Identity> {
    let secret = |given: &mut Given, key: &str| -> Result<Option<String>> {
        let field = given.name_of(key);
        match given.take(key) {
            None => Ok(None),
            Some(v) => {
                let value = read::raw_string(&field, v)?;
                check_secret(&field, &value)?;
                Ok(Some(value).filter(|s| !s.is_empty()))
            }
        }
    };
    let given_id = secret(given, "secret_id")?;
    let id_from_env = given_id.is_none();
    let secret_id = match given_id {
        Some(id) => {
            check_secret_id("secret_id", &id)?;
            id
        }
        None => {
            let id = from_env(ENV_SECRET_ID).ok_or_else(|| {
                Error::invalid("secret_id", format!("missing; set it in the config or in {ENV_SECRET_ID}"))
            })?;
            check_secret(ENV_SECRET_ID, &id)?;
            check_secret_id(ENV_SECRET_ID, &id)?;
            id
        }
    };
    let given_key = secret(given, "secret_key")?;
    let from_config = !id_from_env && given_key.is_some();
    let secret_key = match given_key {
        Some(key) => key,
        None => {
            let key = from_env(ENV_SECRET_KEY).ok_or_else(|| {
                Error::invalid("secret_key", format!("missing; set it in the config or in {ENV_SECRET_KEY}"))
            })?;
            check_secret(ENV_SECRET_KEY, &key)?;
            key
        }
    };
    let token_field = given.name_of("session_token");
    let session_token = match given.take("session_token") {
        Some(v) => Some(read::raw_string(&token_field, v)?).filter(|t| !t.is_empty()),
        None if id_from_env => from_env(ENV_SESSION_TOKEN),
        None => None,
    };
    if let Some(token) = &session_token {
        check_session_token(&token_field, token)?;
    }
    Ok(Identity {
        secret_id,
        secret_key: Secret::new(secret_key),
        session_token: session_token.map(Secret::new),
        from_config,
        source: CredentialSource::Config,
    })
}

/// A SecretId is sent in the Authorization header: printable ASCII without the header's separators.
pub(crate) fn check_secret_id(field: &str, secret_id: &str) -> Result<()> {
    if secret_id.chars().any(|c| !c.is_ascii_graphic() || c == '/' || c == ',') {
        return Err(Error::invalid(
            field,
            "contains whitespace, `/`, `,` or a non-ASCII character; check for a copy-paste error",
        ));
    }
    Ok(())
}

/// A session token is sent as the X-TC-Token header value.
pub(crate) fn check_session_token(field: &str, token: &str) -> Result<()> {
    if token.len() > MAX_SESSION_TOKEN_BYTES {
        return Err(Error::invalid(
            field,
            format!("{} bytes, over the {MAX_SESSION_TOKEN_BYTES}-byte limit", token.len()),
        ));
    }
    if token.chars().any(|c| !c.is_ascii_graphic()) {
        return Err(Error::invalid(field, "contains whitespace, a control or a non-ASCII character"));
    }
    Ok(())
}

pub(crate) fn check_secret(field: &str, value: &str) -> Result<()> {
    if value.len() > MAX_SECRET_BYTES {
        return Err(Error::invalid(field, format!("{} bytes, over the {MAX_SECRET_BYTES}-byte limit", value.len())));
    }
    check_text(field, value)
}

/// The policy: a ready `policy`, or one built from bucket/allow_prefix/allow_actions/condition.
fn read_policy(given: &mut Given, region: &str, action: Action) -> Result<Option<String>> {
    let bucket = given.take("bucket").map(|v| string("bucket", v)).transpose()?;
    let prefix_field = given.name_of("allow_prefix");
    let actions_field = given.name_of("allow_actions");
    let allow_prefix = given.take("allow_prefix").map(|v| string_list(&prefix_field, v)).transpose()?;
    let allow_actions = given.take("allow_actions").map(|v| string_list(&actions_field, v)).transpose()?;
    let condition_field = given.name_of("condition");
    let condition = given.take("condition");
    let policy = match given.take("policy") {
        Some(ready) => {
            for (key, present) in [
                ("allow_prefix", allow_prefix.is_some()),
                ("allow_actions", allow_actions.is_some()),
                ("condition", condition.is_some()),
            ] {
                if present {
                    return Err(Error::invalid(
                        &given.name_of(key),
                        "ambiguous together with `policy`; put it into the policy or drop `policy`",
                    ));
                }
            }
            policy::ready_policy(ready)?
        }
        None if bucket.is_none() && allow_prefix.is_none() && allow_actions.is_none() && condition.is_none() => {
            if action == Action::GetFederationToken {
                return Err(Error::invalid(
                    "policy",
                    "missing; give `policy`, or `bucket`, `allow_prefix` and `allow_actions` to build one",
                ));
            }
            return Ok(None); // AssumeRole without a policy: the role's own permissions.
        }
        None => {
            let bucket =
                bucket.ok_or_else(|| Error::invalid("bucket", "missing; needed with allow_prefix/allow_actions"))?;
            let prefixes =
                allow_prefix.ok_or_else(|| Error::invalid("allow_prefix", "missing; e.g. [\"uploads/user-1/*\"]"))?;
            let actions = allow_actions
                .ok_or_else(|| Error::invalid("allow_actions", "missing; e.g. [\"name/cos:PutObject\"]"))?;
            let fields = policy::ConfigFields {
                prefixes: &prefix_field,
                actions: &actions_field,
                condition: &condition_field,
                ..policy::ConfigFields::default()
            };
            policy::config_policy_named(&fields, &bucket, region, &prefixes, &actions, condition.as_ref())?
        }
    };
    let encoded = policy::percent_encoded_len(&policy);
    if encoded > MAX_ENCODED_POLICY_BYTES {
        return Err(Error::invalid(
            "policy",
            format!("{encoded} bytes once percent-encoded, over the {MAX_ENCODED_POLICY_BYTES}-byte limit"),
        ));
    }
    Ok(Some(policy))
}

fn read_params(given: &mut Given, action: Action) -> Result<ActionParams> {
    let text = |given: &mut Given, key: &str| -> Result<Option<String>> {
        let field = given.name_of(key);
        given.take(key).map(|v| string(&field, v)).transpose()
    };
    match action {
        Action::GetFederationToken => {
            let name = text(given, "name")?.unwrap_or_else(|| DEFAULT_NAME.to_owned());
            check_identifier("name", &name, "+=,.@-")?;
            Ok(ActionParams::Federation { name })
        }
        Action::AssumeRole => {
            let role_arn = text(given, "role_arn")?.ok_or_else(|| {
                Error::invalid("role_arn", "missing; e.g. qcs::cam::uin/100000000001:roleName/cos-uploader")
            })?;
            if role_arn.is_empty() {
                return Err(Error::invalid(&given.name_of("role_arn"), "must not be empty"));
            }
            let role_session_name = text(given, "role_session_name")?.unwrap_or_else(|| DEFAULT_NAME.to_owned());
            check_identifier(&given.name_of("role_session_name"), &role_session_name, "+=,.@-")?;
            let external_id = text(given, "external_id")?;
            if let Some(id) = &external_id {
                check_identifier(&given.name_of("external_id"), id, "+=,.@:/-")?;
            }
            let extras = role::read_extras(given)?;
            Ok(ActionParams::Role { role_arn, role_session_name, external_id, extras })
        }
    }
}

fn read_transport(given: &mut Given) -> Result<TransportOptions> {
    // Host names are case-insensitive and TC3 signs the lower-case form.
    let endpoint_field = given.name_of("endpoint");
    let endpoint = match given.take("endpoint") {
        Some(v) => string(&endpoint_field, v)?.to_ascii_lowercase(),
        None => DEFAULT_ENDPOINT.to_owned(),
    };
    endpoint::check_endpoint(&endpoint_field, &endpoint)?;
    let target = match given.take("url") {
        Some(v) => Target::parse("url", &string("url", v)?)?,
        None => Target::for_endpoint(&endpoint)?,
    };
    let proxy = proxy::resolve(given.take("proxy"), &target, proxy::from_process_env)?;
    let timeout_ms = match given.take("timeout_ms") {
        Some(v) => integer(&given.name_of("timeout_ms"), &v, 1, MAX_TIMEOUT_MS)?,
        None => DEFAULT_TIMEOUT_MS,
    };
    let retries = match given.take("retries") {
        Some(v) => integer("retries", &v, 0, u64::from(MAX_RETRIES))? as u32,
        None => DEFAULT_RETRIES,
    };
    let ca_field = given.name_of("ca_file");
    let ca_file = given.take("ca_file").map(|v| string(&ca_field, v)).transpose()?;
    let ca_pem = ca_file.as_deref().map(|path| ca_file::read(&ca_field, path)).transpose()?;
    Ok(TransportOptions {
        endpoint,
        target,
        proxy,
        timeout: Duration::from_millis(timeout_ms),
        retries,
        ca_pem,
        ca_file,
    })
}

/// The longest backoff before retry number `retry + 1`.
pub fn backoff_ceiling(retry: u32) -> Duration {
    BACKOFF_BASE.saturating_mul(1 << retry.min(16)).min(BACKOFF_CAP)
}

/// `total_timeout_ms`. By default the worst case without it, every attempt's full `timeout_ms`
/// plus every backoff's ceiling, capped at [`DEFAULT_MAX_TOTAL_TIMEOUT_MS`]: a config that does
/// not set it behaves as before unless that worst case is over 60 s. Kept out of
/// [`TransportOptions`]: it bounds the api layer's retry loop, not one request.
fn read_total_timeout(given: &mut Given, transport: &TransportOptions) -> Result<Duration> {
    Ok(match given.take("total_timeout_ms") {
        Some(v) => Duration::from_millis(integer(&given.name_of("total_timeout_ms"), &v, 1, MAX_TOTAL_TIMEOUT_MS)?),
        None => {
            let attempts = transport.timeout.saturating_mul(transport.retries + 1);
            let backoff: Duration = (0..transport.retries).map(backoff_ceiling).sum();
            (attempts + backoff).min(Duration::from_millis(DEFAULT_MAX_TOTAL_TIMEOUT_MS))
        }
    })
}

#[cfg(test)]
mod tests;

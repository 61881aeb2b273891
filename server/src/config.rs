//! `sts-server.toml`: read with serde (unknown keys refused), then checked into [`Settings`];
//! every error names the key it is about.

use crate::rules::{Rule, Template};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024;
pub const DEFAULT_WEBHOOK_TIMEOUT_MS: u64 = 2000;
pub const DEFAULT_SHUTDOWN_GRACE_SECONDS: u64 = 10;
/// Scopes per `POST /sts` at most: the SDKs send one per object or prefix.
pub const DEFAULT_MAX_SCOPES: usize = 32;
/// The `[sts]` keys sts-server sets itself from `[[rules]]` and `[upload]`.
const SERVER_OWNED_STS_KEYS: &[&str] =
    &["policy", "allow_prefix", "allowPrefix", "allow_actions", "allowActions", "condition", "bucket", "upload"];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    listen: Option<String>,
    #[serde(default)]
    sts: toml::Table,
    auth: AuthFile,
    #[serde(default)]
    rules: Vec<RuleFile>,
    upload: Option<UploadFile>,
    #[serde(default)]
    cors: CorsFile,
    #[serde(default)]
    limits: LimitsFile,
    shutdown_grace_seconds: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuthFile {
    mode: String,
    hs256_secret_file: Option<PathBuf>,
    jwks_file: Option<PathBuf>,
    issuer: Option<String>,
    audience: Option<String>,
    subject_claim: Option<String>,
    url: Option<String>,
    timeout_ms: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    bucket: String,
    region: String,
    actions: Vec<String>,
    prefixes: Vec<String>,
    max_duration_seconds: Option<u32>,
}

/// The `upload` object of `sts_get_upload_credential` plus its bucket and region.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UploadFile {
    bucket: String,
    region: String,
    key_template: Option<String>,
    allow_ext: Option<Vec<String>>,
    content_type: Option<String>,
    max_bytes: Option<u64>,
    multipart: Option<bool>,
    duration_seconds: Option<u32>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct CorsFile {
    #[serde(default)]
    allowed_origins: Vec<String>,
    max_age: Option<u64>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct LimitsFile {
    requests_per_minute: Option<u32>,
    max_body_bytes: Option<usize>,
    max_scopes: Option<usize>,
    redis_url: Option<String>,
}

/// How callers prove who they are.
#[derive(Clone)]
pub enum AuthSettings {
    None,
    Jwt(JwtSettings),
    Webhook { url: String, timeout: Duration },
}

#[derive(Clone)]
pub enum JwtKey {
    Hs256(Vec<u8>),
    Jwks(jsonwebtoken::jwk::JwkSet),
}

// Never the secret or the key material.
impl std::fmt::Debug for JwtKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JwtKey::Hs256(_) => f.write_str("Hs256(..)"),
            JwtKey::Jwks(set) => write!(f, "Jwks({} keys)", set.keys.len()),
        }
    }
}

#[derive(Clone)]
pub struct JwtSettings {
    pub key: JwtKey,
    pub issuer: String,
    pub audience: String,
    pub subject_claim: String,
}

#[derive(Clone, Debug)]
pub struct UploadSettings {
    pub bucket: String,
    pub region: String,
    /// The `upload` object without `filename`/`ext`, which each request adds.
    pub object: serde_json::Map<String, serde_json::Value>,
    pub key_template: Option<Template>,
    pub duration_seconds: Option<u32>,
}

#[derive(Clone, Debug, Default)]
pub struct CorsSettings {
    pub allowed_origins: Vec<String>,
    pub max_age: Option<u64>,
}

#[derive(Clone)]
pub struct LimitSettings {
    pub requests_per_minute: Option<u32>,
    pub max_body_bytes: usize,
    pub max_scopes: usize,
    pub redis_url: Option<String>,
}

/// The checked configuration. Its Debug output names the `[sts]` keys but shows no value (they
/// hold the secret key), and no webhook or Redis URL (they may hold a password).
#[derive(Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    /// The `[sts]` table as the JSON object libsts reads.
    pub sts: serde_json::Map<String, serde_json::Value>,
    /// `role_arn` is set: AssumeRole, else GetFederationToken.
    pub assume_role: bool,
    pub auth: AuthSettings,
    pub rules: Vec<Rule>,
    pub upload: Option<UploadSettings>,
    pub cors: CorsSettings,
    pub limits: LimitSettings,
    pub shutdown_grace: Duration,
}

impl std::fmt::Debug for AuthSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AuthSettings::None => f.write_str("None"),
            AuthSettings::Jwt(jwt) => f
                .debug_struct("Jwt")
                .field("key", &jwt.key)
                .field("issuer", &jwt.issuer)
                .field("audience", &jwt.audience)
                .field("subject_claim", &jwt.subject_claim)
                .finish(),
            AuthSettings::Webhook { timeout, .. } => {
                f.debug_struct("Webhook").field("timeout", timeout).finish_non_exhaustive()
            }
        }
    }
}

impl std::fmt::Debug for LimitSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LimitSettings")
            .field("requests_per_minute", &self.requests_per_minute)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("max_scopes", &self.max_scopes)
            .field("redis", &self.redis_url.is_some())
            .finish()
    }
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("listen", &self.listen)
            .field("sts_keys", &self.sts.keys().collect::<Vec<_>>())
            .field("assume_role", &self.assume_role)
            .field("auth", &self.auth)
            .field("rules", &self.rules)
            .field("upload", &self.upload)
            .field("cors", &self.cors)
            .field("limits", &self.limits)
            .field("shutdown_grace", &self.shutdown_grace)
            .finish()
    }
}

/// A config error: the message names the key.
#[derive(Debug)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn err(key: &str, problem: impl std::fmt::Display) -> ConfigError {
    ConfigError(format!("{key}: {problem}"))
}

impl Settings {
    pub fn load(path: &Path) -> Result<Settings, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError(format!("{}: {e}", path.display())))?;
        let base = path.parent().unwrap_or(Path::new("."));
        Self::parse(&text, base)
    }

    /// Parses config text; relative file paths are read from `base`.
    pub fn parse(text: &str, base: &Path) -> Result<Settings, ConfigError> {
        let file: File = toml::from_str(text).map_err(|e| ConfigError(describe_toml_error(&e)))?;
        let listen_text = file.listen.as_deref().unwrap_or(DEFAULT_LISTEN);
        let listen: SocketAddr =
            listen_text.parse().map_err(|_| err("listen", "expected IP:PORT such as 127.0.0.1:8080"))?;

        let mut sts = serde_json::Map::new();
        for (key, value) in file.sts {
            if SERVER_OWNED_STS_KEYS.contains(&key.as_str()) {
                return Err(err(
                    &format!("sts.{key}"),
                    "set by sts-server from [[rules]] and [upload] for each request; remove it",
                ));
            }
            let value = serde_json::to_value(value).map_err(|e| err(&format!("sts.{key}"), e))?;
            sts.insert(key, value);
        }
        let assume_role = sts.contains_key("role_arn") || sts.contains_key("roleArn");

        let auth = read_auth(file.auth, listen, base)?;

        let mut rules = Vec::new();
        for (i, rule) in file.rules.into_iter().enumerate() {
            rules.push(read_rule(rule, i)?);
        }

        let upload = file.upload.map(read_upload).transpose()?;
        if rules.is_empty() && upload.is_none() {
            return Err(err("rules", "no [[rules]] and no [upload]: sts-server would refuse every request"));
        }

        for (i, origin) in file.cors.allowed_origins.iter().enumerate() {
            check_origin(origin).map_err(|problem| err(&format!("cors.allowed_origins[{i}]"), problem))?;
        }
        let limits = LimitSettings {
            requests_per_minute: match file.limits.requests_per_minute {
                Some(0) => return Err(err("limits.requests_per_minute", "must be at least 1 (leave it out for none)")),
                other => other,
            },
            max_body_bytes: match file.limits.max_body_bytes {
                Some(n) if !(256..=16 << 20).contains(&n) => {
                    return Err(err("limits.max_body_bytes", "must be between 256 and 16777216"))
                }
                Some(n) => n,
                None => DEFAULT_MAX_BODY_BYTES,
            },
            max_scopes: match file.limits.max_scopes {
                Some(n) if !(1..=sts::policy::MAX_SCOPES).contains(&n) => {
                    return Err(err("limits.max_scopes", format!("must be between 1 and {}", sts::policy::MAX_SCOPES)))
                }
                Some(n) => n,
                None => DEFAULT_MAX_SCOPES,
            },
            redis_url: match file.limits.redis_url {
                Some(url) => {
                    // The URL may hold a password: never quoted back.
                    redis::Client::open(url.as_str())
                        .map_err(|_| err("limits.redis_url", "not a redis:// or rediss:// URL"))?;
                    if file.limits.requests_per_minute.is_none() {
                        return Err(err("limits.redis_url", "needs limits.requests_per_minute"));
                    }
                    Some(url)
                }
                None => None,
            },
        };
        let settings = Settings {
            listen,
            sts,
            assume_role,
            auth,
            rules,
            upload,
            cors: CorsSettings { allowed_origins: file.cors.allowed_origins, max_age: file.cors.max_age },
            limits,
            shutdown_grace: Duration::from_secs(file.shutdown_grace_seconds.unwrap_or(DEFAULT_SHUTDOWN_GRACE_SECONDS)),
        };
        settings.check_sts()?;
        Ok(settings)
    }

    /// Has libsts validate `[sts]` as a request would use it, so a typo fails at start-up.
    fn check_sts(&self) -> Result<(), ConfigError> {
        let probe = serde_json::json!({"version":"2.0","statement":[{"effect":"allow","action":["name/cos:HeadObject"],
            "resource":["qcs::cos:ap-guangzhou:uid/1250000000:example-1250000000/probe"]}]});
        let mut config = self.sts.clone();
        config.insert("policy".into(), probe);
        sts::api::check_config(&serde_json::Value::Object(config).to_string())
            .map(|_| ())
            .map_err(|e| ConfigError(format!("sts.{}", e.message())))
    }
}

/// toml's message names the key and line; a value it quotes is from a typed field (never
/// `[sts]`, which is read as a free table), so no secret reaches it.
fn describe_toml_error(e: &toml::de::Error) -> String {
    let message = e.message().trim_end();
    match e.span() {
        Some(span) => format!("config (at byte {}): {message}", span.start),
        None => format!("config: {message}"),
    }
}

fn read_auth(auth: AuthFile, listen: SocketAddr, base: &Path) -> Result<AuthSettings, ConfigError> {
    let only = |mode: &str, present: &[(&str, bool)]| -> Result<(), ConfigError> {
        match present.iter().find(|(_, given)| *given) {
            Some((key, _)) => Err(err(&format!("auth.{key}"), format!("not used with mode = \"{mode}\""))),
            None => Ok(()),
        }
    };
    let jwt_keys = [
        ("hs256_secret_file", auth.hs256_secret_file.is_some()),
        ("jwks_file", auth.jwks_file.is_some()),
        ("issuer", auth.issuer.is_some()),
        ("audience", auth.audience.is_some()),
        ("subject_claim", auth.subject_claim.is_some()),
    ];
    let webhook_keys = [("url", auth.url.is_some()), ("timeout_ms", auth.timeout_ms.is_some())];
    match auth.mode.as_str() {
        "none" => {
            only("none", &jwt_keys)?;
            only("none", &webhook_keys)?;
            if !listen.ip().is_loopback() {
                return Err(err(
                    "auth.mode",
                    "\"none\" lets anyone take credentials; it is only allowed with `listen` on a loopback address",
                ));
            }
            Ok(AuthSettings::None)
        }
        "jwt" => {
            only("jwt", &webhook_keys)?;
            let key = match (auth.hs256_secret_file, auth.jwks_file) {
                (Some(_), Some(_)) => {
                    return Err(err("auth.jwks_file", "give hs256_secret_file or jwks_file, not both"));
                }
                (Some(path), None) => {
                    let path = base.join(path);
                    let bytes = std::fs::read(&path).map_err(|e| err("auth.hs256_secret_file", e))?;
                    let secret = trim_newline(bytes);
                    if secret.len() < 32 {
                        return Err(err("auth.hs256_secret_file", "the secret must be at least 32 bytes"));
                    }
                    JwtKey::Hs256(secret)
                }
                (None, Some(path)) => {
                    let text = std::fs::read_to_string(base.join(path)).map_err(|e| err("auth.jwks_file", e))?;
                    let set: jsonwebtoken::jwk::JwkSet = serde_json::from_str(&text).map_err(|e| {
                        err("auth.jwks_file", format!("not a JWKS (line {} column {})", e.line(), e.column()))
                    })?;
                    if set.keys.is_empty() {
                        return Err(err("auth.jwks_file", "holds no keys"));
                    }
                    for (i, jwk) in set.keys.iter().enumerate() {
                        crate::auth::check_jwk(jwk)
                            .map_err(|problem| err(&format!("auth.jwks_file: keys[{i}]"), problem))?;
                    }
                    JwtKey::Jwks(set)
                }
                (None, None) => {
                    return Err(err("auth.hs256_secret_file", "missing; mode = \"jwt\" needs it or jwks_file"))
                }
            };
            let issuer = auth.issuer.ok_or_else(|| err("auth.issuer", "missing; the `iss` every token must carry"))?;
            let audience =
                auth.audience.ok_or_else(|| err("auth.audience", "missing; the `aud` every token must carry"))?;
            let subject_claim = auth.subject_claim.unwrap_or_else(|| "sub".to_owned());
            Ok(AuthSettings::Jwt(JwtSettings { key, issuer, audience, subject_claim }))
        }
        "webhook" => {
            only("webhook", &jwt_keys)?;
            let url = auth.url.ok_or_else(|| err("auth.url", "missing; mode = \"webhook\" needs the URL to ask"))?;
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(err("auth.url", "expected an http:// or https:// URL"));
            }
            let ms = auth.timeout_ms.unwrap_or(DEFAULT_WEBHOOK_TIMEOUT_MS);
            if !(1..=30_000).contains(&ms) {
                return Err(err("auth.timeout_ms", "must be between 1 and 30000"));
            }
            Ok(AuthSettings::Webhook { url, timeout: Duration::from_millis(ms) })
        }
        _ => Err(err("auth.mode", "expected \"jwt\", \"webhook\" or \"none\"")),
    }
}

fn trim_newline(mut bytes: Vec<u8>) -> Vec<u8> {
    while matches!(bytes.last(), Some(b'\n' | b'\r')) {
        bytes.pop();
    }
    bytes
}

fn read_rule(rule: RuleFile, i: usize) -> Result<Rule, ConfigError> {
    let key = |name: &str| format!("rules[{i}].{name}");
    sts::policy::check_bucket(&rule.bucket, &key("bucket")).map_err(|e| ConfigError(e.message().to_owned()))?;
    sts::policy::check_region(&rule.region, &key("region")).map_err(|e| ConfigError(e.message().to_owned()))?;
    if rule.actions.is_empty() {
        return Err(err(&key("actions"), "empty; list the COS actions allowed, e.g. [\"name/cos:PutObject\"]"));
    }
    for (j, action) in rule.actions.iter().enumerate() {
        if action.is_empty() || action.chars().any(|c| c.is_control() || c == '*') {
            return Err(err(&format!("{}[{j}]", key("actions")), "expected a COS action such as name/cos:PutObject"));
        }
    }
    if rule.prefixes.is_empty() {
        return Err(err(&key("prefixes"), "empty; e.g. [\"uploads/${subject}/*\"]"));
    }
    let mut prefixes = Vec::new();
    for (j, text) in rule.prefixes.iter().enumerate() {
        prefixes.push(Template::parse(text).map_err(|problem| err(&format!("{}[{j}]", key("prefixes")), problem))?);
    }
    if rule.max_duration_seconds == Some(0) {
        return Err(err(&key("max_duration_seconds"), "must be at least 1"));
    }
    Ok(Rule {
        bucket: rule.bucket,
        region: rule.region,
        actions: rule.actions,
        prefixes,
        max_duration_seconds: rule.max_duration_seconds,
    })
}

fn read_upload(upload: UploadFile) -> Result<UploadSettings, ConfigError> {
    let mut object = serde_json::Map::new();
    let key_template = match &upload.key_template {
        Some(text) => {
            let template = Template::parse_key(text).map_err(|problem| err("upload.key_template", problem))?;
            Some(template)
        }
        None => None,
    };
    if let Some(v) = upload.allow_ext {
        object.insert("allow_ext".into(), v.into());
    }
    if let Some(v) = upload.content_type {
        object.insert("content_type".into(), v.into());
    }
    if let Some(v) = upload.max_bytes {
        object.insert("max_bytes".into(), v.into());
    }
    if let Some(v) = upload.multipart {
        object.insert("multipart".into(), v.into());
    }
    Ok(UploadSettings {
        bucket: upload.bucket,
        region: upload.region,
        object,
        key_template,
        duration_seconds: upload.duration_seconds,
    })
}

/// An exact origin: scheme, host and optional port, no path.
fn check_origin(origin: &str) -> Result<(), &'static str> {
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .ok_or("expected an origin such as https://app.example.com")?;
    if rest.is_empty() || rest.contains(['/', '*', ' ']) || rest.chars().any(|c| c.is_control()) {
        return Err("expected an exact origin such as https://app.example.com (no path, no wildcard)");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const AUTH_NONE: &str = "[auth]\nmode = \"none\"\n";
    const RULE: &str = "[[rules]]\nbucket = \"example-1250000000\"\nregion = \"ap-guangzhou\"\n\
        actions = [\"name/cos:PutObject\"]\nprefixes = [\"uploads/${subject}/*\"]\n";
    const STS: &str = "[sts]\nsecret_id = \"AKIDEXAMPLE\"\nsecret_key = \"k\"\n";

    fn parse(text: &str) -> Result<Settings, ConfigError> {
        Settings::parse(text, Path::new("."))
    }

    fn error(text: &str) -> String {
        parse(text).map(|_| ()).unwrap_err().0
    }

    #[test]
    fn defaults_listen_on_loopback_8080() {
        let settings = parse(&format!("{STS}{AUTH_NONE}{RULE}")).unwrap();
        assert_eq!(settings.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(settings.limits.max_body_bytes, 64 * 1024);
        assert_eq!(settings.sts["secret_id"], "AKIDEXAMPLE");
        assert!(!settings.assume_role);
    }

    #[test]
    fn unknown_keys_are_named() {
        let e = error(&format!("{STS}{AUTH_NONE}{RULE}lisen = \"1\"\n"));
        assert!(e.contains("lisen"), "{e}");
        let e = error(&format!("{STS}{AUTH_NONE}{RULE}[limits]\nrequests_per_minit = 3\n"));
        assert!(e.contains("requests_per_minit"), "{e}");
    }

    #[test]
    fn sts_keys_go_through_libsts_validation_and_are_named() {
        let e = error(&format!("{STS}secert = 1\n{AUTH_NONE}{RULE}"));
        assert!(e.starts_with("sts.secert"), "{e}");
        let e = error(&format!("{STS}duration_seconds = 999999\n{AUTH_NONE}{RULE}"));
        assert!(e.starts_with("sts.duration_seconds"), "{e}");
        let e = error(&format!("{STS}allow_prefix = \"x/*\"\n{AUTH_NONE}{RULE}"));
        assert!(e.starts_with("sts.allow_prefix"), "{e}");
    }

    #[test]
    fn sts_secret_key_is_never_quoted() {
        let e = error("[sts]\nsecret_id = \"AKIDEXAMPLE\"\nsecret_key = 7\n[auth]\nmode = \"none\"\n[[rules]]\nbucket = \"example-1250000000\"\nregion = \"ap-guangzhou\"\nactions = [\"name/cos:PutObject\"]\nprefixes = [\"a/*\"]\n");
        assert!(e.starts_with("sts.secret_key"), "{e}");
        let e = error(
            "[sts]\nsecret_id = \"AKIDEXAMPLE\"\nsecret_key = \"hunter2\\n\"\n[auth]\nmode = \"none\"\n[[rules]]\nbucket = \"example-1250000000\"\nregion = \"ap-guangzhou\"\nactions = [\"name/cos:PutObject\"]\nprefixes = [\"a/*\"]\n",
        );
        assert!(!e.contains("hunter2"), "{e}");
    }

    #[test]
    fn debug_output_shows_no_secret() {
        let text = format!(
            "{STS}session_token = \"tok-EXAMPLE\"\n[auth]\nmode = \"webhook\"\nurl = \"https://user:pw-EXAMPLE@auth.invalid/\"\n{RULE}\
             [limits]\nrequests_per_minute = 5\nredis_url = \"redis://:redispw-EXAMPLE@127.0.0.1:1/\"\n"
        );
        let debug = format!("{:?}", parse(&text).unwrap());
        assert!(debug.contains("secret_key"), "{debug}");
        for secret in ["\"k\"", "tok-EXAMPLE", "pw-EXAMPLE", "redispw-EXAMPLE"] {
            assert!(!debug.contains(secret), "{secret} in {debug}");
        }
    }

    #[test]
    fn auth_none_needs_loopback() {
        let e = error(&format!("listen = \"0.0.0.0:8080\"\n{STS}{AUTH_NONE}{RULE}"));
        assert!(e.starts_with("auth.mode") && e.contains("loopback"), "{e}");
        assert!(parse(&format!("listen = \"[::1]:0\"\n{STS}{AUTH_NONE}{RULE}")).is_ok());
    }

    #[test]
    fn bad_values_name_their_key() {
        let cases = [
            ("listen = \"localhost\"\n", "listen"),
            ("[limits]\nrequests_per_minute = 0\n", "limits.requests_per_minute"),
            ("[limits]\nmax_body_bytes = 1\n", "limits.max_body_bytes"),
            ("[limits]\nredis_url = \"nope\"\nrequests_per_minute = 1\n", "limits.redis_url"),
            ("[cors]\nallowed_origins = [\"https://a.example.com/\"]\n", "cors.allowed_origins[0]"),
            ("[cors]\nallowed_origins = [\"*\"]\n", "cors.allowed_origins[0]"),
        ];
        for (extra, key) in cases {
            let e = error(&format!("{extra}{STS}{AUTH_NONE}{RULE}"));
            assert!(e.starts_with(key), "{extra}: {e}");
        }
        let rule = |field: &str| {
            RULE.replace("prefixes = [\"uploads/${subject}/*\"]", field).replace(
                "bucket = \"example-1250000000\"\n",
                if field.starts_with("bucket") { "" } else { "bucket = \"example-1250000000\"\n" },
            )
        };
        let e = error(&format!("{STS}{AUTH_NONE}{}", rule("prefixes = [\"uploads/${subject}*\"]")));
        assert!(e.starts_with("rules[0].prefixes[0]"), "{e}");
        let e = error(&format!("{STS}{AUTH_NONE}{}", rule("prefixes = [\"uploads/${user}/*\"]")));
        assert!(e.starts_with("rules[0].prefixes[0]"), "{e}");
        let e = error(&format!("{STS}{AUTH_NONE}{}", RULE.replace("ap-guangzhou", "Bad Region")));
        assert!(e.starts_with("rules[0].region"), "{e}");
    }

    #[test]
    fn jwt_needs_a_key_issuer_and_audience() {
        let e = error(&format!("{STS}[auth]\nmode = \"jwt\"\n{RULE}"));
        assert!(e.starts_with("auth.hs256_secret_file"), "{e}");
        let e = error(&format!("{STS}[auth]\nmode = \"webhook\"\nissuer = \"x\"\n{RULE}"));
        assert!(e.starts_with("auth.issuer"), "{e}");
        let e = error(&format!("{STS}[auth]\nmode = \"webhook\"\nurl = \"ftp://x\"\n{RULE}"));
        assert!(e.starts_with("auth.url"), "{e}");
        let e = error(&format!("{STS}[auth]\nmode = \"magic\"\n{RULE}"));
        assert!(e.starts_with("auth.mode"), "{e}");
    }
}

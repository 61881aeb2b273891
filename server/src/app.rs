//! The HTTP service: one dispatcher that applies CORS, authentication, limits and the rules,
//! calls libsts on tokio's blocking pool, and writes one log line and the metrics per request.

use crate::auth::{self, Caller};
use crate::config::{AuthSettings, Settings};
use crate::limits::{Limiter, Refusal};
use crate::metrics::{Code, Metrics, Reason, RouteStatus};
use crate::reply::Failure;
use crate::rules::{self, Scope};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::{Map, Value};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The time a request body has to arrive.
const BODY_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a `/readyz` answer is reused.
const READY_TTL: Duration = Duration::from_secs(60);

pub struct AppState {
    pub settings: Settings,
    pub metrics: Metrics,
    limiter: Limiter,
    ready: Mutex<Option<(Instant, Result<(), String>)>>,
}

impl AppState {
    pub fn new(settings: Settings) -> AppState {
        let limiter = Limiter::new(settings.limits.requests_per_minute, settings.limits.redis_url.as_deref());
        AppState { settings, metrics: Metrics::new(), limiter, ready: Mutex::new(None) }
    }
}

pub fn router(state: Arc<AppState>) -> Router {
    Router::new().fallback(handle).with_state(state)
}

/// What the log line records beyond route and status.
#[derive(Default)]
struct Outcome {
    subject: Option<String>,
    decision: &'static str,
    /// The failure's codeDesc.
    code: Option<String>,
}

fn new_request_id() -> String {
    let mut bytes = [0u8; 12];
    // The id only has to be unique enough to find a log line; a failed read leaves zeros.
    let _ = getrandom::getrandom(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

async fn handle(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let started = Instant::now();
    let request_id = new_request_id();
    let method = request.method().clone();
    let route: &'static str = match request.uri().path() {
        "/sts" => "/sts",
        "/upload-credential" => "/upload-credential",
        "/healthz" => "/healthz",
        "/readyz" => "/readyz",
        "/metrics" => "/metrics",
        _ => "other",
    };
    let mut outcome = Outcome { subject: None, decision: "ok", code: None };
    let browser_route = matches!(route, "/sts" | "/upload-credential");
    let origin = request.headers().get(header::ORIGIN).cloned();
    let cors_origin = if browser_route { origin.as_ref() } else { None };
    let result = match cors_origin.map(|o| allowed_origin(&state.settings, o)) {
        Some(false) => Err(Failure::origin_refused()),
        _ if method == Method::OPTIONS && browser_route => {
            if cors_origin.is_some() {
                outcome.decision = "preflight";
                Ok(preflight(&state.settings))
            } else {
                Err(Failure::method_not_allowed("POST"))
            }
        }
        _ => dispatch(&state, route, request, &mut outcome).await,
    };
    let mut response = match result {
        Ok(response) => response,
        Err(failure) => {
            outcome.decision = failure.decision;
            outcome.code = Some(failure.code_desc.clone());
            state.metrics.errors.get_or_create(&Code { code: failure.code_desc.clone() }).inc();
            failure_response(&failure, &request_id)
        }
    };
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert("x-request-id", value);
    }
    if let (Some(origin), true) = (cors_origin, outcome.decision != "cors-denied") {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        headers.insert(header::VARY, HeaderValue::from_static("Origin"));
        headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static("x-request-id, retry-after"));
    }
    let status = response.status().as_u16();
    state.metrics.requests.get_or_create(&RouteStatus { route: route.to_owned(), status }).inc();
    log_line(route, &method, status, &outcome, &request_id, started.elapsed());
    response
}

fn allowed_origin(settings: &Settings, origin: &HeaderValue) -> bool {
    origin.to_str().is_ok_and(|o| settings.cors.allowed_origins.iter().any(|allowed| allowed == o))
}

fn preflight(settings: &Settings) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("POST, OPTIONS"));
    headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("authorization, content-type"));
    if let Some(age) = settings.cors.max_age {
        headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from(age));
    }
    response
}

fn failure_response(failure: &Failure, request_id: &str) -> Response {
    let mut response = (failure.status, axum::Json(failure.body(request_id))).into_response();
    if let Some(seconds) = failure.retry_after {
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    if failure.status == StatusCode::METHOD_NOT_ALLOWED {
        let allow = if failure.message.contains("GET") { "GET" } else { "POST, OPTIONS" };
        response.headers_mut().insert(header::ALLOW, HeaderValue::from_static(allow));
    }
    response
}

/// One JSON line on stderr: never a key, token or Authorization header (none reaches here).
fn log_line(route: &str, method: &Method, status: u16, outcome: &Outcome, request_id: &str, latency: Duration) {
    let line = serde_json::json!({
        "time": sts::time::rfc3339(sts::time::now_unix()),
        "route": route,
        "method": method.as_str(),
        "status": status,
        "subject": outcome.subject,
        "requestId": request_id,
        "decision": outcome.decision,
        "code": outcome.code,
        "latencyMs": (latency.as_secs_f64() * 1000.0 * 10.0).round() / 10.0,
    });
    eprintln!("{line}");
}

async fn dispatch(
    state: &Arc<AppState>,
    route: &'static str,
    request: Request,
    outcome: &mut Outcome,
) -> Result<Response, Failure> {
    let method = request.method().clone();
    match route {
        "/healthz" | "/readyz" | "/metrics" if method != Method::GET && method != Method::HEAD => {
            Err(Failure::method_not_allowed("GET"))
        }
        "/healthz" => Ok(axum::Json(serde_json::json!({"status": "ok"})).into_response()),
        "/readyz" => readyz(state).await,
        "/metrics" => Ok((
            [(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")],
            state.metrics.encode(),
        )
            .into_response()),
        "/sts" | "/upload-credential" if method != Method::POST => Err(Failure::method_not_allowed("POST")),
        "/sts" => {
            let (caller, body) = admit(state, request, outcome).await?;
            sts(state, caller, &body, outcome).await
        }
        "/upload-credential" => {
            let (caller, body) = admit(state, request, outcome).await?;
            upload(state, caller, &body, outcome).await
        }
        _ => Err(Failure::not_found()),
    }
}

/// Authentication, the subject check, the rate limit and the body, in that order: an
/// unauthenticated caller gets nothing read and no count.
async fn admit(state: &AppState, request: Request, outcome: &mut Outcome) -> Result<(Caller, Vec<u8>), Failure> {
    let (parts, body) = request.into_parts();
    let authorization = match parts.headers.get(header::AUTHORIZATION) {
        Some(value) => Some(value.to_str().map_err(|_| Failure::unauthenticated("authorization: not ASCII"))?),
        None => None,
    };
    let caller = auth::authenticate(&state.settings.auth, authorization).await?;
    if let Err(problem) = rules::check_subject(&caller.subject) {
        state.metrics.denied_scopes.get_or_create(&Reason { reason: "subject".into() }).inc();
        return Err(Failure::scope_denied(format!("subject: {problem}; it cannot be used in a prefix")));
    }
    outcome.subject = Some(caller.subject.clone());
    match state.limiter.check(&caller.subject).await {
        Ok(()) => {}
        Err(Refusal::Limited { retry_after }) => return Err(Failure::rate_limited(retry_after)),
        Err(Refusal::Unavailable) => {
            state.metrics.limiter_errors.inc();
            eprintln!(
                "{}",
                serde_json::json!({"time": sts::time::rfc3339(sts::time::now_unix()), "level": "error",
                    "message": "rate limiter: Redis is unreachable; refusing limited routes (fail closed)"})
            );
            return Err(Failure::limiter_unavailable());
        }
    }
    let body = read_body(&parts.headers, body, state.settings.limits.max_body_bytes).await?;
    Ok((caller, body))
}

async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> Result<Vec<u8>, Failure> {
    let too_large = || Failure::too_large(format!("body: over the {limit}-byte limit (limits.max_body_bytes)"));
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    // A body trickled in byte by byte would hold the connection and a task: bounded.
    match tokio::time::timeout(BODY_TIMEOUT, axum::body::to_bytes(body, limit)).await {
        // With a Content-Length within the limit, a failed read is a body cut short.
        Ok(read) => read.map(|b| b.to_vec()).map_err(|_| match declared {
            Some(_) => Failure::bad_request("body: the connection ended before the whole body arrived"),
            None => too_large(),
        }),
        Err(_) => Err(Failure::new(
            StatusCode::REQUEST_TIMEOUT,
            1006,
            "BodyTimeout",
            format!("body: not received within {} s", BODY_TIMEOUT.as_secs()),
        )),
    }
}

fn parse_json(body: &[u8]) -> Result<Value, Failure> {
    serde_json::from_slice(body).map_err(|e| {
        // Position only: serde's messages may quote the body.
        Failure::bad_request(format!("body: not valid JSON (line {} column {})", e.line(), e.column()))
    })
}

/// The scope list as cos-js-sdk-v5, Android and iOS send it.
fn parse_scopes(body: &[u8], max: usize) -> Result<Vec<Scope>, Failure> {
    let Value::Array(list) = parse_json(body)? else {
        return Err(Failure::bad_request(
            "body: expected a list of scopes [{\"action\",\"bucket\",\"region\",\"prefix\"}]",
        ));
    };
    if list.is_empty() {
        return Err(Failure::bad_request("scopes: empty; ask for at least one scope"));
    }
    if list.len() > max {
        return Err(Failure::too_large(format!(
            "scopes: {} scopes, over the limit of {max} (limits.max_scopes)",
            list.len()
        )));
    }
    let mut scopes = Vec::with_capacity(list.len());
    for (i, item) in list.into_iter().enumerate() {
        let Value::Object(mut object) = item else {
            return Err(Failure::bad_request(format!("scopes[{i}]: expected an object")));
        };
        let mut field = |name: &str| -> Result<String, Failure> {
            match object.remove(name) {
                Some(Value::String(s)) if !s.is_empty() => Ok(s),
                Some(Value::String(_)) => Err(Failure::bad_request(format!("scopes[{i}].{name}: empty"))),
                Some(_) => Err(Failure::bad_request(format!("scopes[{i}].{name}: expected a string"))),
                None => Err(Failure::bad_request(format!("scopes[{i}].{name}: missing"))),
            }
        };
        let scope = Scope {
            action: field("action")?,
            bucket: field("bucket")?,
            region: field("region")?,
            prefix: field("prefix")?,
        };
        if let Some(unknown) = object.keys().next() {
            return Err(Failure::bad_request(format!(
                "scopes[{i}].{}: unknown field; a scope has action, bucket, region and prefix",
                unknown.escape_debug().to_string().chars().take(64).collect::<String>()
            )));
        }
        scopes.push(scope);
    }
    Ok(scopes)
}

/// `duration_seconds` for a request: the rules' bound, never above what `[sts]` asks for.
fn duration(sts: &Map<String, Value>, bound: Option<u32>) -> Option<u32> {
    let configured = sts.get("duration_seconds").or_else(|| sts.get("durationSeconds")).and_then(Value::as_u64);
    match (configured, bound) {
        (Some(c), Some(b)) => Some((c as u32).min(b)),
        (None, Some(b)) => Some(b.min(sts::config::DEFAULT_DURATION_SECONDS)),
        (Some(c), None) => Some(c as u32),
        (None, None) => None,
    }
}

async fn sts(state: &Arc<AppState>, caller: Caller, body: &[u8], outcome: &mut Outcome) -> Result<Response, Failure> {
    let scopes = parse_scopes(body, state.settings.limits.max_scopes)?;
    let bound = match rules::decide(&state.settings.rules, &caller.subject, &scopes, caller.prefixes.as_deref()) {
        Ok(bound) => bound,
        Err(denial) => {
            state.metrics.denied_scopes.get_or_create(&Reason { reason: denial.reason.into() }).inc();
            return Err(Failure::scope_denied(denial.message()));
        }
    };
    outcome.decision = "allowed";
    let scopes_json = Value::Array(
        scopes
            .iter()
            .map(
                |s| serde_json::json!({"action": s.action, "bucket": s.bucket, "region": s.region, "prefix": s.prefix}),
            )
            .collect(),
    )
    .to_string();
    let policy = sts::api::get_policy(&scopes_json).map_err(|e| Failure::bad_request(e.message().to_owned()))?;
    let mut config = state.settings.sts.clone();
    config.insert("policy".into(), Value::String(policy));
    if let Some(seconds) = duration(&state.settings.sts, bound) {
        config.insert("duration_seconds".into(), seconds.into());
        config.remove("durationSeconds");
    }
    let config = Value::Object(config).to_string();
    let action = if state.settings.assume_role {
        sts::config::Action::AssumeRole
    } else {
        sts::config::Action::GetFederationToken
    };
    let caching = state.settings.sts.get("cache").is_some_and(|v| v != &Value::Bool(false));
    let result = credential_call(state, move || {
        if caching {
            if let Some(hit) = sts::cache::global().get_by_text(&config, action) {
                return (Ok(hit), Some(true));
            }
        }
        let result = match action {
            sts::config::Action::AssumeRole => sts::api::get_role_credential(&config),
            sts::config::Action::GetFederationToken => sts::api::get_credential(&config),
        };
        (result, caching.then_some(false))
    })
    .await?;
    outcome.decision = "issued";
    Ok(credential_response(&result))
}

async fn upload(
    state: &Arc<AppState>,
    caller: Caller,
    body: &[u8],
    outcome: &mut Outcome,
) -> Result<Response, Failure> {
    let Some(spec) = &state.settings.upload else {
        return Err(Failure::not_found());
    };
    let Value::Object(mut request) = parse_json(body)? else {
        return Err(Failure::bad_request("body: expected {\"filename\": ...} or {\"ext\": ...}"));
    };
    let mut object = spec.object.clone();
    for key in ["filename", "ext"] {
        match request.remove(key) {
            Some(Value::String(s)) => {
                object.insert(key.into(), Value::String(s));
            }
            Some(_) => return Err(Failure::bad_request(format!("{key}: expected a string"))),
            None => {}
        }
    }
    if let Some(unknown) = request.keys().next() {
        return Err(Failure::bad_request(format!(
            "{}: unknown field; send filename or ext",
            unknown.chars().take(64).collect::<String>().escape_debug()
        )));
    }
    if let Some(template) = &spec.key_template {
        object.insert("key_template".into(), Value::String(template.expand(&caller.subject)));
    }
    outcome.decision = "allowed";
    let mut config = state.settings.sts.clone();
    config.remove("cache");
    config.insert("bucket".into(), spec.bucket.clone().into());
    config.insert("region".into(), spec.region.clone().into());
    config.insert("upload".into(), Value::Object(object));
    if let Some(seconds) = duration(&state.settings.sts, spec.duration_seconds) {
        config.insert("duration_seconds".into(), seconds.into());
        config.remove("durationSeconds");
    }
    let config = Value::Object(config).to_string();
    let result = credential_call(state, move || (sts::api::get_upload_credential(&config), None)).await;
    let result = result.map_err(|failure| {
        // The request's filename or ext was refused by libsts: the caller's fault, named.
        if failure.code_desc == sts::error::codes::INVALID_ARGUMENT {
            Failure::bad_request(failure.message.trim_start_matches("sts: ").trim_start_matches("upload.").to_owned())
        } else {
            failure
        }
    })?;
    outcome.decision = "issued";
    Ok(credential_response(&result))
}

/// Runs a libsts call on the blocking pool; `Some(hit)` counts a cache hit or miss.
async fn credential_call(
    state: &Arc<AppState>,
    call: impl FnOnce() -> (sts::error::Result<String>, Option<bool>) + Send + 'static,
) -> Result<String, Failure> {
    let started = Instant::now();
    let (result, cached) =
        tokio::task::spawn_blocking(call).await.map_err(|_| Failure::internal("the credential call panicked"))?;
    state.metrics.sts_latency.observe(started.elapsed().as_secs_f64());
    match cached {
        Some(true) => {
            state.metrics.cache_hits.inc();
        }
        Some(false) => {
            state.metrics.cache_misses.inc();
        }
        None => {}
    }
    result.map_err(|e| Failure::from_sts(&e))
}

/// libsts's result with `startTime` from this server's clock: what cos-js-sdk-v5's
/// getAuthorization and Android's SessionCredentialProvider read.
fn credential_response(result: &str) -> Response {
    let mut value: Value = match serde_json::from_str(result) {
        Ok(value) => value,
        Err(_) => return failure_response(&Failure::internal("libsts returned invalid JSON"), ""),
    };
    value["startTime"] = sts::time::now_unix().into();
    let mut response = axum::Json(value).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Ready when libsts accepts `[sts]` as a request would use it. Cached for [`READY_TTL`].
async fn readyz(state: &Arc<AppState>) -> Result<Response, Failure> {
    let cached = {
        let slot = state.ready.lock().unwrap_or_else(|e| e.into_inner());
        slot.as_ref().filter(|(at, _)| at.elapsed() < READY_TTL).map(|(_, r)| r.clone())
    };
    let result = match cached {
        Some(result) => result,
        None => {
            let settings = state.settings.clone();
            let mut result = tokio::task::spawn_blocking(move || crate::ready::check(&settings))
                .await
                .unwrap_or_else(|_| Err("the readiness check panicked".into()));
            if result.is_ok() && !state.limiter.reachable().await {
                result = Err("limits.redis_url: Redis does not answer".into());
            }
            *state.ready.lock().unwrap_or_else(|e| e.into_inner()) = Some((Instant::now(), result.clone()));
            result
        }
    };
    match result {
        Ok(()) => Ok(axum::Json(serde_json::json!({"status": "ready"})).into_response()),
        Err(message) => Err(Failure::new(StatusCode::SERVICE_UNAVAILABLE, 1402, "NotReady", message)),
    }
}

/// What the start-up line says about authentication.
pub fn describe_auth(auth: &AuthSettings) -> &'static str {
    match auth {
        AuthSettings::None => {
            "auth mode \"none\": every caller is the subject `anonymous`, without any check (loopback only)"
        }
        AuthSettings::Jwt(_) => "auth mode \"jwt\"",
        AuthSettings::Webhook { .. } => "auth mode \"webhook\"",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_bodies_name_the_field_that_is_wrong() {
        let cases = [
            ("{}", "body: expected a list"),
            ("[", "body: not valid JSON"),
            ("[]", "scopes: empty"),
            ("[1]", "scopes[0]: expected an object"),
            (r#"[{"action":"a","bucket":"b","region":"r"}]"#, "scopes[0].prefix: missing"),
            (r#"[{"action":"a","bucket":"b","region":"r","prefix":7}]"#, "scopes[0].prefix: expected a string"),
            (r#"[{"action":"a","bucket":"b","region":"r","prefix":"p","x":1}]"#, "scopes[0].x: unknown field"),
            (r#"[{"action":"","bucket":"b","region":"r","prefix":"p"}]"#, "scopes[0].action: empty"),
        ];
        for (body, needle) in cases {
            let failure = parse_scopes(body.as_bytes(), 4).unwrap_err();
            assert_eq!(failure.status, StatusCode::BAD_REQUEST, "{body}");
            assert!(failure.message.starts_with(needle), "{body}: {}", failure.message);
        }
        let many = format!("[{}]", [r#"{"action":"a","bucket":"b","region":"r","prefix":"p"}"#; 5].join(","));
        let failure = parse_scopes(many.as_bytes(), 4).unwrap_err();
        assert_eq!(failure.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(failure.message.starts_with("scopes: 5 scopes"), "{}", failure.message);
    }

    #[test]
    fn the_duration_is_the_smaller_of_sts_and_the_rules() {
        let sts: Map<String, Value> = serde_json::from_str(r#"{"duration_seconds":1200}"#).unwrap();
        assert_eq!(duration(&sts, Some(900)), Some(900));
        assert_eq!(duration(&sts, Some(3600)), Some(1200));
        assert_eq!(duration(&sts, None), Some(1200));
        assert_eq!(duration(&Map::new(), Some(900)), Some(900));
        assert_eq!(duration(&Map::new(), None), None);
    }
}

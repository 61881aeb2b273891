//! HTTP POST over ureq, with one process-wide pool of keep-alive connections.
//!
//! ureq's pool lives in its `Agent`, and proxy and TLS roots are fixed per agent, so agents are
//! cached per (proxy, CA roots). A server calling libsts per request then reuses its TCP+TLS
//! connection instead of paying a handshake every time.
//!
//! Fork: the agent cache is per process ([`PerProcess`]). A child forked after calls (gunicorn
//! `--preload`, uWSGI, `multiprocessing`) starts with no agent, so it opens connections of its
//! own and never writes to or reads from a socket its parent pooled, and it never waits on a
//! lock a parent thread held at fork time. The parent's sockets stay open, unused, in the child
//! until it exits or execs.
//!
//! An answer that is not well-formed HTTP/1.1 or that libsts cannot decode (broken framing,
//! endless headers, a compression it did not ask for) is a bad response, never retried: a
//! server that garbles one answer garbles the next. Messages say what is wrong with it without
//! quoting any of it, and name the server as `scheme://host[:port]` only.

use crate::config::TransportOptions;
use crate::error::{codes, Error, Result};
use crate::process::PerProcess;
use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::ErrorKind as IoKind;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use ureq::http::{header, HeaderMap, HeaderName, Uri, Version};
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};
use ureq::{Agent, Proxy};

/// Largest response body read; real STS answers are about 2 KB.
pub const MAX_RESPONSE_BYTES: u64 = 1 << 20;
/// Largest status line plus headers read (ureq's default is 64 KiB); STS sends about 500 bytes.
pub const MAX_RESPONSE_HEADER_BYTES: usize = 16 * 1024;
/// Idle connections kept per agent; enough for a busy server's worker threads.
const MAX_IDLE_CONNECTIONS: usize = 32;
/// Distinct (proxy, CA) combinations kept; beyond that the cache starts afresh.
const MAX_AGENTS: usize = 16;
/// Well under the service's own idle timeout, so a pooled connection is rarely stale.
const MAX_IDLE_AGE: Duration = Duration::from_secs(50);

/// How long a resolved address is reused, as curl's default DNS cache does.
const DNS_CACHE_TTL: Duration = Duration::from_secs(60);
/// Distinct host:port entries kept in the DNS cache.
const DNS_CACHE_ENTRIES: usize = 64;

/// ureq resolves the host before it looks into its connection pool, and with a timeout it does
/// so on a new thread: a thread per call even when the connection is reused. This resolver
/// answers IP literals directly and keeps other answers for [`DNS_CACHE_TTL`], so a warm call
/// spawns nothing. (ureq's resolver API is "unversioned": pinned by Cargo.lock, revisit on
/// upgrades.)
#[derive(Debug, Default)]
struct CachingResolver {
    system: DefaultResolver,
    cache: Mutex<HashMap<String, (Instant, ResolvedSocketAddrs)>>,
}

impl Resolver for CachingResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let host = uri.host().unwrap_or_default();
        let port = uri.port_u16().unwrap_or(if uri.scheme_str() == Some("http") { 80 } else { 443 });
        if let Ok(ip) = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
            let mut addrs = self.empty();
            addrs.push(SocketAddr::new(ip, port));
            return Ok(addrs);
        }
        let key = format!("{host}:{port}");
        let lock = || self.cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((resolved_at, addrs)) = lock().get(&key) {
            if resolved_at.elapsed() < DNS_CACHE_TTL {
                return Ok(addrs.clone());
            }
        }
        let mut addrs = self.system.resolve(uri, config, timeout)?;
        if host.eq_ignore_ascii_case("localhost") {
            // The plain-http rule admits `localhost` as loopback: hold the resolver to that, so a
            // hosts file or DNS answer pointing it elsewhere cannot carry a request off the machine.
            let mut loopback = self.empty();
            for addr in addrs.iter().filter(|a| a.ip().is_loopback()) {
                loopback.push(*addr);
            }
            if loopback.is_empty() {
                return Err(ureq::Error::Io(std::io::Error::other(
                    "localhost resolves to no loopback address; refusing to connect",
                )));
            }
            addrs = loopback;
        }
        let mut cache = lock();
        if cache.len() >= DNS_CACHE_ENTRIES {
            cache.clear();
        }
        cache.insert(key, (Instant::now(), addrs.clone()));
        Ok(addrs)
    }
}

#[derive(Clone, PartialEq, Eq, Hash)]
struct AgentKey {
    proxy: Option<String>,
    ca_digest: Option<u64>,
}

/// Per process: a forked child must not share its parent's pooled sockets or locks.
static AGENTS: PerProcess<Mutex<HashMap<AgentKey, Agent>>> = PerProcess::new(|| Mutex::new(HashMap::new()));

/// Runs `f` while holding the agent cache's lock, as every call does for a moment. Only for
/// tests/fork.rs, which forks inside `f` to prove a child never waits for that lock.
#[doc(hidden)]
pub fn with_agent_cache_locked<R>(f: impl FnOnce() -> R) -> R {
    let _held = AGENTS.get().lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    f()
}

fn build_agent(proxy: Option<&str>, ca_pem: Option<&[u8]>) -> Result<Agent> {
    // The config checked this URL with the same parser; this cannot fail for it.
    let proxy =
        proxy.map(|p| Proxy::new(p).map_err(|_| Error::invalid("proxy", "not a valid proxy URL"))).transpose()?;
    let mut tls = TlsConfig::builder();
    if let Some(pem) = ca_pem {
        let mut roots: Vec<Certificate<'static>> = Vec::new();
        for item in ureq::tls::parse_pem(pem) {
            match item {
                Ok(PemItem::Certificate(cert)) => roots.push(cert),
                Ok(_) => {}
                Err(e) => return Err(Error::invalid("ca_file", format!("bad PEM: {e}"))),
            }
        }
        if roots.is_empty() {
            return Err(Error::invalid("ca_file", "holds no certificate"));
        }
        tls = tls.root_certs(RootCerts::new_with_certs(&roots));
    }
    let config = Agent::config_builder()
        .proxy(proxy) // explicit: ureq would otherwise read the environment itself
        .tls_config(tls.build())
        .http_status_as_error(false)
        .max_redirects(0)
        .save_redirect_history(false)
        .user_agent(concat!("libsts/", env!("CARGO_PKG_VERSION")))
        .max_idle_connections(MAX_IDLE_CONNECTIONS)
        .max_idle_connections_per_host(MAX_IDLE_CONNECTIONS)
        .max_idle_age(MAX_IDLE_AGE)
        .max_response_header_size(MAX_RESPONSE_HEADER_BYTES)
        .build();
    Ok(Agent::with_parts(config, DefaultConnector::default(), CachingResolver::default()))
}

/// The shared agent for these options, created on first use.
fn agent_for(options: &TransportOptions) -> Result<Agent> {
    let key = AgentKey {
        proxy: options.proxy.as_ref().map(|p| p.url().to_owned()),
        ca_digest: options.ca_pem.as_ref().map(|pem| {
            let mut hasher = DefaultHasher::new();
            pem.hash(&mut hasher);
            hasher.finish()
        }),
    };
    // A panic elsewhere while holding the lock leaves only a cache behind; keep using it.
    let mut cache = AGENTS.get().lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(agent) = cache.get(&key) {
        return Ok(agent.clone());
    }
    let agent = build_agent(key.proxy.as_deref(), options.ca_pem.as_deref())?;
    if cache.len() >= MAX_AGENTS {
        cache.clear();
    }
    cache.insert(key, agent.clone());
    Ok(agent)
}

pub struct HttpResponse {
    pub status: u16,
    /// Holds the temporary secret key and session token on success: wiped when dropped.
    pub body: zeroize::Zeroizing<String>,
}

/// One POST attempt. `headers` must not contain `Content-Type` twice; `Host` overrides the URL's.
pub fn post(options: &TransportOptions, headers: &[(HeaderName, &str)], body: &[u8]) -> Result<HttpResponse> {
    let agent = agent_for(options)?;
    let mut request = agent.post(options.target.uri()).config().timeout_global(Some(options.timeout)).build();
    for (name, value) in headers {
        request = request.header(name, *value);
    }
    let target = options.target.to_string();
    read_response(request.send(body), &target, options)
}

/// One GET attempt (the CVM metadata server), with the same limits and error classes as [`post`].
pub fn get(options: &TransportOptions, headers: &[(HeaderName, &str)]) -> Result<HttpResponse> {
    let agent = agent_for(options)?;
    let mut request = agent.get(options.target.uri()).config().timeout_global(Some(options.timeout)).build();
    for (name, value) in headers {
        request = request.header(name, *value);
    }
    let target = options.target.to_string();
    read_response(request.call(), &target, options)
}

fn read_response(
    sent: std::result::Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    target: &str,
    options: &TransportOptions,
) -> Result<HttpResponse> {
    let mut response = sent.map_err(|e| map_error(e, target, options))?;
    let status = response.status().as_u16();
    // Dropping the response unread on these errors closes its connection: it is never pooled.
    check_framing(response.version(), response.headers()).map_err(|problem| bad_answer(target, problem))?;
    let undecodable = content_coding_problem(response.headers());
    if let (Some(problem), 200) = (undecodable, status) {
        return Err(bad_answer(target, problem));
    }
    let bytes = response
        .body_mut()
        .with_config()
        .limit(MAX_RESPONSE_BYTES)
        .read_to_vec()
        .map_err(|e| map_error(e, target, options))?;
    let length = bytes.len();
    // A non-200 answer is still an HTTP status error (a 503 is retried) whatever its body.
    let not_sts = |why: &str| Error::http_status(status, format!("HTTP {status} from {target}: {length} bytes {why}"));
    if let Some(problem) = undecodable {
        return Err(not_sts(&format!("that are not an STS response ({problem})")));
    }
    match String::from_utf8(bytes) {
        Ok(body) => Ok(HttpResponse { status, body: zeroize::Zeroizing::new(body) }),
        Err(e) => {
            zeroize::Zeroize::zeroize(&mut e.into_bytes());
            Err(match status {
                200 => bad_answer(target, "a body that is not UTF-8 text"),
                _ => not_sts("that are not UTF-8 text"),
            })
        }
    }
}

/// Refuses framing a careful client must not guess at: a transfer coding other than chunked
/// (ureq would hand over the still-encoded bytes) and a Content-Length next to
/// Transfer-Encoding (RFC 9112 6.3: a sign of response splitting). ureq itself refuses bad or
/// conflicting Content-Length values (`Error::Protocol`).
fn check_framing(version: Version, headers: &HeaderMap) -> Result<(), &'static str> {
    let codings = header_tokens(headers, header::TRANSFER_ENCODING);
    if codings.is_empty() {
        return Ok(());
    }
    if headers.contains_key(header::CONTENT_LENGTH) {
        return Err("both Transfer-Encoding and Content-Length (RFC 9112 forbids it)");
    }
    if version == Version::HTTP_10 {
        return Err("a Transfer-Encoding in an HTTP/1.0 answer");
    }
    if codings != ["chunked"] {
        return Err("a Transfer-Encoding other than chunked, which libsts does not decode");
    }
    Ok(())
}

/// Why the body cannot be read as sent: libsts asks for no compression (it sends no
/// Accept-Encoding) and decodes none. The coding is named only when it is a well-known one, so
/// the message never carries text chosen by the server.
fn content_coding_problem(headers: &HeaderMap) -> Option<&'static str> {
    let codings = header_tokens(headers, header::CONTENT_ENCODING);
    let coding = codings.iter().find(|c| c.as_str() != "identity")?;
    Some(match coding.as_str() {
        "gzip" | "x-gzip" => "a body compressed with gzip (Content-Encoding), which libsts does not decode",
        "deflate" => "a body compressed with deflate (Content-Encoding), which libsts does not decode",
        "br" => "a body compressed with br (Content-Encoding), which libsts does not decode",
        "zstd" => "a body compressed with zstd (Content-Encoding), which libsts does not decode",
        "compress" | "x-compress" => "a body compressed with compress (Content-Encoding), which libsts does not decode",
        _ => "a body in a Content-Encoding libsts does not know",
    })
}

/// The comma-separated tokens of every `name` header, trimmed and lower-cased.
fn header_tokens(headers: &HeaderMap, name: HeaderName) -> Vec<String> {
    headers
        .get_all(name)
        .iter()
        .flat_map(|value| value.as_bytes().split(|b| *b == b','))
        .map(|token| String::from_utf8_lossy(token).trim().to_ascii_lowercase())
        .filter(|token| !token.is_empty())
        .collect()
}

/// `Client.BadResponse` for an answer that is not usable HTTP; `problem` is libsts's own text.
fn bad_answer(target: &str, problem: &str) -> Error {
    Error::bad_response(codes::BAD_RESPONSE, format!("{target}: the answer has {problem}"))
}

fn map_error(error: ureq::Error, target: &str, options: &TransportOptions) -> Error {
    let ms = options.timeout.as_millis();
    let via = match &options.proxy {
        Some(p) => format!(" via proxy {p}"),
        None => String::new(),
    };
    match error {
        ureq::Error::Timeout(which) => {
            Error::network(codes::TIMEOUT, format!("{target}{via}: no answer within timeout_ms={ms} ({which})"))
        }
        ureq::Error::HostNotFound => Error::network(codes::DNS, format!("{target}{via}: host name does not resolve")),
        // ureq hands getaddrinfo's failure over as a plain io::Error (std's only mark of it is
        // this message), which would otherwise pass for a transient connect failure.
        // A refused certificate surfaces as an io::Error around rustls' error (rustls' stream
        // reports it from read/write), which would otherwise be retried as a connect failure.
        ureq::Error::Io(e) if holds_error_of(ureq::Error::Rustls, &e) => {
            Error::network(codes::TLS, format!("{target}: TLS failed: {e}"))
        }
        ureq::Error::Io(e) if is_resolver_failure(&e) => {
            Error::network(codes::DNS, format!("{target}{via}: host name does not resolve ({e})"))
        }
        ureq::Error::Io(e) if matches!(e.kind(), IoKind::TimedOut | IoKind::WouldBlock) => {
            Error::network(codes::TIMEOUT, format!("{target}{via}: no answer within timeout_ms={ms}"))
        }
        ureq::Error::Io(e) => Error::network(codes::NETWORK, format!("{target}{via}: {e}")),
        ureq::Error::ConnectionFailed => Error::network(codes::NETWORK, format!("{target}{via}: connection failed")),
        ureq::Error::Tls(e) => Error::network(codes::TLS, format!("{target}: TLS failed: {e}")),
        ureq::Error::Rustls(e) => Error::network(codes::TLS, format!("{target}: TLS failed: {e}")),
        ureq::Error::Pem(e) => Error::invalid("ca_file", format!("bad PEM: {e}")),
        ureq::Error::InvalidProxyUrl => Error::invalid("proxy", "not a valid proxy URL"),
        ureq::Error::ConnectProxyFailed(why) => {
            Error::network(codes::PROXY, format!("{target}{via}: proxy refused the tunnel: {why}"))
        }
        ureq::Error::BodyExceedsLimit(limit) => Error::bad_response(
            codes::RESPONSE_TOO_LARGE,
            format!("{target}: response body is over the {limit}-byte limit; this is not an STS answer"),
        ),
        ureq::Error::LargeResponseHeader(_, limit) => bad_answer(
            target,
            &format!("a status line and headers over {limit} bytes (endless headers or informational answers)"),
        ),
        ureq::Error::Protocol(e) => match protocol_problem(&e) {
            Problem::Answer(problem) => bad_answer(target, problem),
            // Only the SecretId can make the Authorization header unwritable; sending nothing
            // and trying again would not help.
            Problem::Request(ureq_proto::Error::BadAuthorizationHeader) => {
                Error::invalid("secret_id", "must be printable ASCII: it is sent in the Authorization header")
            }
            Problem::Request(_) => Error::internal(format!("{target}: the request could not be written: {e}")),
        },
        ureq::Error::Http(e) => Error::internal(format!("{target}: the request could not be built: {e}")),
        other => Error::network(codes::NETWORK, format!("{target}{via}: {other}")),
    }
}

enum Problem<'a> {
    /// What is wrong with the server's answer, in libsts's words.
    Answer(&'static str),
    /// The request could not be written: a libsts bug or input that validation let through.
    Request(&'a ureq_proto::Error),
}

/// Sorts ureq's protocol errors into the answer's fault and the request's. The answer's are
/// described here rather than with ureq's message, some of which quote what the server sent.
fn protocol_problem(e: &ureq_proto::Error) -> Problem<'_> {
    use ureq_proto::Error as P;
    Problem::Answer(match e {
        P::UnsupportedVersion => "an HTTP version other than 1.0 or 1.1",
        P::BadContentLengthHeader => "a Content-Length that is not a number",
        P::TooManyContentLengthHeaders => "conflicting Content-Length values",
        P::ConflictingBodyHeaders => "both Transfer-Encoding and Content-Length (RFC 9112 forbids it)",
        P::ChunkLenNotAscii | P::ChunkLenNotANumber | P::ChunkExpectedCrLf => "a broken chunked body",
        P::HttpParseFail(_) => "a status line or header that is not HTTP",
        P::HttpParseTooManyHeaders => "too many headers",
        P::HeadersWith100 => "a 100 Continue carrying headers",
        P::NoLocationHeader | P::BadLocationHeader(_) => "a redirect with a missing or malformed Location header",
        P::BadReject100Status(_) => "a refusal of Expect: 100-continue with a status that is not 4xx or 5xx",
        P::BadHeader(_)
        | P::MethodVersionMismatch(..)
        | P::TooManyHostHeaders
        | P::BadHostHeader
        | P::BadAuthorizationHeader
        | P::OutputOverflow
        | P::BodyContentAfterFinish
        | P::BodyLargerThanContentLength
        | P::BodyNotAllowed
        | P::BodyIsChunked => return Problem::Request(e),
        // A variant added by a later ureq-proto: all of 0.7's answer-side ones are parse errors.
        _ => "framing that ureq could not parse",
    })
}

/// Whether `e` wraps an error of the type `variant` takes. Passing the `ureq::Error` variant
/// names the type without a direct dependency on the crate that defines it (rustls).
fn holds_error_of<T: std::error::Error + 'static>(_variant: fn(T) -> ureq::Error, e: &std::io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<T>())
}

/// std's `ToSocketAddrs` reports a getaddrinfo failure as `ErrorKind::Uncategorized` with
/// this message prefix (library/std/src/sys/net/connection/socket.rs).
fn is_resolver_failure(e: &std::io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.to_string().starts_with("failed to lookup address information"))
        || e.to_string().starts_with("failed to lookup address information")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolver_failures_map_to_client_dns_and_are_not_retried() {
        let options = TransportOptions {
            endpoint: "sts.tencentcloudapi.com".into(),
            target: crate::endpoint::Target::for_endpoint("sts.tencentcloudapi.com").unwrap(),
            proxy: None,
            timeout: Duration::from_secs(1),
            retries: 0,
            ca_pem: None,
            ca_file: None,
        };
        // The shape of what std returns when getaddrinfo fails (no lookup is done here).
        let resolver = std::io::Error::other("failed to lookup address information: Name or service not known");
        for error in [ureq::Error::HostNotFound, ureq::Error::Io(resolver)] {
            let mapped = map_error(error, "https://x:443", &options);
            assert_eq!(mapped.code(), codes::DNS, "{mapped}");
            assert!(!mapped.is_transient());
        }
        let reset = std::io::Error::new(IoKind::ConnectionReset, "reset");
        assert_eq!(map_error(ureq::Error::Io(reset), "https://x:443", &options).code(), codes::NETWORK);
    }

    #[test]
    fn resolver_answers_ip_literals_directly_and_caches_names() {
        let resolver = CachingResolver::default();
        let config = Agent::config_builder().build();
        let resolve = |url: &str| {
            let uri: Uri = url.parse().unwrap();
            resolver.resolve(&uri, &config, NextTimeout::default()).unwrap().iter().copied().collect::<Vec<_>>()
        };
        assert_eq!(resolve("http://127.0.0.1:9000/"), vec!["127.0.0.1:9000".parse().unwrap()]);
        assert_eq!(resolve("https://[::1]/"), vec!["[::1]:443".parse().unwrap()]);
        assert!(resolver.cache.lock().unwrap().is_empty(), "literals are not cached");
        let first = resolve("http://localhost:8080/");
        assert!(first.iter().all(|a| a.ip().is_loopback() && a.port() == 8080), "{first:?}");
        assert!(resolver.cache.lock().unwrap().contains_key("localhost:8080"));
        assert_eq!(resolve("http://localhost:8080/"), first);
    }

    /// Options for `url` (a loopback or https url) and an optional explicit proxy, parsed by the
    /// config's own rules.
    fn options(url: &str, proxy: Option<&str>) -> TransportOptions {
        let target = crate::endpoint::Target::parse("url", url).unwrap();
        let proxy = crate::proxy::resolve(proxy.map(|p| serde_json::json!(p)), &target, |_| None).unwrap();
        TransportOptions {
            endpoint: "sts.tencentcloudapi.com".into(),
            target,
            proxy,
            timeout: Duration::from_secs(1),
            retries: 0,
            ca_pem: None,
            ca_file: None,
        }
    }

    #[test]
    fn proxies_in_messages_show_scheme_host_and_port_only() {
        for proxy in ["http://user:hunter2@127.0.0.1:3128/path?q=hunter2", "user:hunter2@127.0.0.1:3128"] {
            let options = options("https://sts.tencentcloudapi.com/", Some(proxy));
            let e = map_error(ureq::Error::ConnectProxyFailed("403".into()), &options.target.to_string(), &options);
            assert_eq!(e.code(), codes::PROXY, "{e}");
            assert!(e.message().contains("via proxy ") && e.message().contains("127.0.0.1:3128"), "{e}");
            assert!(!e.message().contains("hunter2") && !e.message().contains("user"), "{e}");
        }
    }

    #[test]
    fn garbled_answers_are_bad_responses_that_quote_nothing() {
        use ureq_proto::Error as P;
        let options = options("http://127.0.0.1:9000/", None);
        let answer_side = [
            P::UnsupportedVersion,
            P::BadContentLengthHeader,
            P::TooManyContentLengthHeaders,
            P::ConflictingBodyHeaders,
            P::ChunkLenNotAscii,
            P::ChunkLenNotANumber,
            P::ChunkExpectedCrLf,
            P::HttpParseFail("QUOTED-EXAMPLE".into()),
            P::HttpParseTooManyHeaders,
            P::HeadersWith100,
            P::NoLocationHeader,
            P::BadLocationHeader("QUOTED-EXAMPLE".into()),
        ];
        for problem in answer_side {
            let label = format!("{problem:?}");
            let e = map_error(ureq::Error::Protocol(problem), "http://127.0.0.1:9000", &options);
            assert_eq!((e.kind(), e.code()), (crate::error::ErrorKind::BadResponse, codes::BAD_RESPONSE), "{label}");
            assert!(!e.is_transient(), "{label}");
            assert!(e.message().starts_with("http://127.0.0.1:9000: the answer has "), "{label}: {e}");
            assert!(!e.message().contains("QUOTED"), "{label}: {e}");
        }
        let e = map_error(ureq::Error::LargeResponseHeader(20_000, 16_384), "http://x:1", &options);
        assert_eq!(e.code(), codes::BAD_RESPONSE, "{e}");
        assert!(e.message().contains("over 16384 bytes"), "{e}");

        let e = map_error(ureq::Error::Protocol(P::BadAuthorizationHeader), "http://x:1", &options);
        assert_eq!(e.code(), codes::INVALID_ARGUMENT, "{e}");
        assert!(e.message().starts_with("secret_id: "), "{e}");
        let e = map_error(ureq::Error::Protocol(P::OutputOverflow), "http://x:1", &options);
        assert_eq!((e.code(), e.is_transient()), (codes::INTERNAL, false), "{e}");
    }

    #[test]
    fn framing_and_codings_libsts_cannot_read_are_named_without_quoting() {
        let headers = |pairs: &[(&str, &str)]| {
            let mut map = HeaderMap::new();
            for (name, value) in pairs {
                map.append(HeaderName::from_bytes(name.as_bytes()).unwrap(), value.parse().unwrap());
            }
            map
        };
        let v11 = Version::HTTP_11;
        assert_eq!(check_framing(v11, &headers(&[("content-length", "5")])), Ok(()));
        assert_eq!(check_framing(v11, &headers(&[("transfer-encoding", "Chunked")])), Ok(()));
        for bad in [
            headers(&[("transfer-encoding", "chunked"), ("content-length", "5")]),
            headers(&[("transfer-encoding", "gzip")]),
            headers(&[("transfer-encoding", "gzip, chunked")]),
            headers(&[("transfer-encoding", "chunked"), ("transfer-encoding", "QUOTED-EXAMPLE")]),
        ] {
            let problem = check_framing(v11, &bad).unwrap_err();
            assert!(problem.contains("Transfer-Encoding") && !problem.contains("QUOTED"), "{problem}");
        }
        assert!(check_framing(Version::HTTP_10, &headers(&[("transfer-encoding", "chunked")])).is_err());

        assert_eq!(content_coding_problem(&headers(&[])), None);
        assert_eq!(content_coding_problem(&headers(&[("content-encoding", "identity")])), None);
        assert!(content_coding_problem(&headers(&[("content-encoding", "GZIP")])).unwrap().contains("gzip"));
        assert!(content_coding_problem(&headers(&[("content-encoding", "identity, br")])).unwrap().contains("br"));
        let unknown = content_coding_problem(&headers(&[("content-encoding", "QUOTED-EXAMPLE")])).unwrap();
        assert!(!unknown.contains("QUOTED"), "{unknown}");
    }
}

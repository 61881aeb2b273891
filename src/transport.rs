//! HTTP POST over ureq, with one process-wide pool of keep-alive connections.
//!
//! ureq's pool lives in its `Agent`, and proxy and TLS roots are fixed per agent, so agents are
//! cached per (proxy, CA roots). A server calling libsts per request then reuses its TCP+TLS
//! connection instead of paying a handshake every time.

use crate::config::TransportOptions;
use crate::error::{codes, Error, Result};
use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::ErrorKind as IoKind;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};
use ureq::http::{HeaderName, Uri};
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};
use ureq::{Agent, Proxy};

/// Largest response body read; real STS answers are about 2 KB.
pub const MAX_RESPONSE_BYTES: u64 = 1 << 20;
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
        let addrs = self.system.resolve(uri, config, timeout)?;
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

fn agents() -> &'static Mutex<HashMap<AgentKey, Agent>> {
    static AGENTS: OnceLock<Mutex<HashMap<AgentKey, Agent>>> = OnceLock::new();
    AGENTS.get_or_init(|| Mutex::new(HashMap::new()))
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
    let mut cache = agents().lock().unwrap_or_else(|poisoned| poisoned.into_inner());
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
    let mut response = request.send(body).map_err(|e| map_error(e, &target, options))?;
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .with_config()
        .limit(MAX_RESPONSE_BYTES)
        .read_to_string()
        .map_err(|e| map_error(e, &target, options))?;
    Ok(HttpResponse { status, body: zeroize::Zeroizing::new(body) })
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
        ureq::Error::Protocol(e) => Error::network(codes::NETWORK, format!("{target}{via}: broken HTTP exchange: {e}")),
        other => Error::network(codes::NETWORK, format!("{target}{via}: {other}")),
    }
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
}

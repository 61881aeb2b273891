//! A local Tencent Cloud STS emulator: the `sts` service, API version `2018-08-13`, actions
//! `GetFederationToken` and `AssumeRole`, over HTTP/1.1 on 127.0.0.1.
//!
//! It is a real component, not a mock: it verifies TC3-HMAC-SHA256 signatures, and the legacy
//! signature v1 (HmacSHA1/HmacSHA256 over a form, what the vendor COS STS SDKs send), against
//! the key pairs it was given, refuses clock skew over 300 s, enforces the service's parameter
//! rules and answers with the service's response and error shapes, so a client that works
//! against it works against STS. Faults ([`Faults`]) make it slow, failing or broken on demand, and it
//! counts TCP connections so a client's keep-alive reuse can be proven.
//!
//! ```no_run
//! use sts_emulator::{Emulator, EmulatorOptions};
//! let emulator = Emulator::start(EmulatorOptions::default())?;
//! println!("send requests to {}", emulator.url());
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! Requests are answered as the service does: HTTP 200 with
//! `{"Response":{"Credentials":{..},"ExpiredTime":..,"Expiration":..,"RequestId":..}}` or
//! `{"Response":{"Error":{"Code":..,"Message":..},"RequestId":..}}`. Only malformed HTTP gets
//! an HTTP error status (400, 404, 405, 408, 413, 431, 501, 505), unless a fault says otherwise.

#![deny(unsafe_code)]

mod http;
mod legacy;
mod metadata;
mod service;

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, SocketAddrV4, TcpListener, TcpStream};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

pub use metadata::{MetadataMode, MetadataOptions, DEFAULT_LIFETIME_SECONDS, DEFAULT_ROLE};
pub use service::{percent_decode, percent_encode};

/// The SecretId of the key pair an emulator accepts when given none.
pub const DEFAULT_SECRET_ID: &str = "AKIDEMULATOREXAMPLE0000000000000000";
/// The SecretKey of the key pair an emulator accepts when given none.
pub const DEFAULT_SECRET_KEY: &str = "emulator-secret-key-EXAMPLE";
/// How many [`RecordedRequest`]s are kept; older ones are dropped first.
pub const MAX_RECORDED_REQUESTS: usize = 100_000;

/// The default of [`EmulatorOptions::max_connections`].
pub const DEFAULT_MAX_CONNECTIONS: usize = 256;
/// The default of [`EmulatorOptions::request_timeout`].
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// A keep-alive connection idle this long is closed, as a real server would.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// After a rejection the peer's remaining bytes are read and dropped for this long at most,
/// so that closing does not reset the connection before the peer has read the answer.
const LINGER: Duration = Duration::from_secs(1);
/// A write the peer does not drain for this long ends the connection.
const WRITE_TIMEOUT: Duration = Duration::from_secs(60);
/// [`FailMode::Trickle`] sends one byte per this interval.
const TRICKLE_INTERVAL: Duration = Duration::from_millis(200);
/// The body size of [`FailMode::Huge`].
const HUGE_BODY: usize = 50 * 1024 * 1024;

/// How to start an [`Emulator`].
#[derive(Clone)]
pub struct EmulatorOptions {
    /// The (SecretId, SecretKey) pairs whose signatures are accepted.
    pub keys: Vec<(String, String)>,
    /// (SecretId, session token): these SecretIds are temporary keys, accepted only with their
    /// token in `X-TC-Token` (`AuthFailure.TokenFailure` otherwise). Other ids take no token.
    pub session_tokens: Vec<(String, String)>,
    /// (ProviderId, OIDC token) pairs that `AssumeRoleWithWebIdentity` accepts (unsigned, with
    /// `Authorization: SKIP`).
    pub web_identities: Vec<(String, String)>,
    pub faults: Faults,
    /// The port on 127.0.0.1; 0 picks a free one (see [`Emulator::addr`]).
    pub port: u16,
    /// Serve HTTPS with this certificate instead of plain HTTP (see [`TlsIdentity`]).
    pub tls: Option<TlsIdentity>,
    /// A fixed server clock (Unix seconds) instead of the system's, so a recorded request
    /// (tests/data/tc3) is verified at its own timestamp. None: the system clock.
    pub now: Option<i64>,
    /// Connections served at once (one thread each), at least 1. A connection accepted
    /// while this many are open is closed at once, unread and unanswered, and counted in
    /// [`Emulator::refused_connections`]: a flood of slow or idle connections costs no
    /// thread, and clients see a closed connection rather than an unbounded wait.
    pub max_connections: usize,
    /// The time a request's head and body have to arrive, at least 1 ms: from the accept for
    /// a connection's first request, from its first byte for later ones. A request still
    /// incomplete then gets `408 Request Timeout` and the connection is closed; a connection
    /// that sent nothing of a first request is closed without an answer. Between keep-alive
    /// requests a connection may stay idle for 60 s.
    pub request_timeout: Duration,
    /// Also serve the CVM metadata server's role endpoints under `/latest/meta-data/` (see
    /// [`Emulator::metadata_url`]); the keys handed out are accepted here with their token.
    pub metadata: Option<MetadataOptions>,
}

/// A server certificate chain and its private key, both PEM, for an HTTPS emulator.
///
/// Tests use the test-only pair under `tests/data/` (a certificate for `127.0.0.1` and
/// `localhost` signed by a test-only CA), connect to `https://127.0.0.1:PORT/` and pass the CA
/// as `ca_file`; without it the client must refuse the certificate.
#[derive(Clone)]
pub struct TlsIdentity {
    /// The server certificate first, then any intermediates.
    pub cert_chain_pem: Vec<u8>,
    /// The private key (PKCS#8, PKCS#1 or SEC1).
    pub key_pem: Vec<u8>,
}

impl TlsIdentity {
    /// Reads the two PEM files.
    pub fn from_files(cert_chain: impl AsRef<std::path::Path>, key: impl AsRef<std::path::Path>) -> io::Result<Self> {
        let read = |path: &std::path::Path| {
            std::fs::read(path).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))
        };
        Ok(TlsIdentity { cert_chain_pem: read(cert_chain.as_ref())?, key_pem: read(key.as_ref())? })
    }

    fn server_config(&self) -> io::Result<Arc<rustls::ServerConfig>> {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let invalid =
            |what: &str, e: &dyn fmt::Display| io::Error::new(io::ErrorKind::InvalidInput, format!("{what}: {e}"));
        let chain = CertificateDer::pem_slice_iter(&self.cert_chain_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| invalid("TLS certificate", &e))?;
        if chain.is_empty() {
            return Err(invalid("TLS certificate", &"no CERTIFICATE block in the PEM"));
        }
        // The key's parse error is not echoed: it could quote key material.
        let key = PrivateKeyDer::from_pem_slice(&self.key_pem)
            .map_err(|_| invalid("TLS key", &"no usable PRIVATE KEY block in the PEM"))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| invalid("TLS", &e))?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|e| invalid("TLS certificate/key", &e))?;
        Ok(Arc::new(config))
    }
}

impl fmt::Debug for TlsIdentity {
    // The private key is not printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsIdentity").field("cert_chain_pem_bytes", &self.cert_chain_pem.len()).finish_non_exhaustive()
    }
}

impl Default for EmulatorOptions {
    /// One key pair, [`DEFAULT_SECRET_ID`] / [`DEFAULT_SECRET_KEY`], no faults, any free port.
    fn default() -> Self {
        EmulatorOptions {
            keys: vec![(DEFAULT_SECRET_ID.to_string(), DEFAULT_SECRET_KEY.to_string())],
            session_tokens: Vec::new(),
            web_identities: Vec::new(),
            faults: Faults::default(),
            port: 0,
            tls: None,
            now: None,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            metadata: None,
        }
    }
}

impl fmt::Debug for EmulatorOptions {
    // Secret keys are not printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|(id, _)| id.as_str()).collect();
        f.debug_struct("EmulatorOptions")
            .field("secret_ids", &ids)
            .field("faults", &self.faults)
            .field("port", &self.port)
            .field("tls", &self.tls.is_some())
            .field("now", &self.now)
            .field("max_connections", &self.max_connections)
            .field("request_timeout", &self.request_timeout)
            .field("metadata", &self.metadata)
            .field("web_identity_providers", &self.web_identities.iter().map(|(p, _)| p.as_str()).collect::<Vec<_>>())
            .finish()
    }
}

/// Injected misbehaviour. The default is none.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    /// Waited before answering each request (and before any fault).
    pub latency: Duration,
    /// The first `fail_first` requests are answered with `fail_with`.
    pub fail_first: u32,
    pub fail_with: FailMode,
    /// Every request after the first `fail_first` is answered with this, when set.
    pub always: Option<FailMode>,
}

/// How a faulted request is answered. Faults count and apply to STS requests only (`POST /`, and
/// `GET /` with a signature v1 query).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum FailMode {
    /// HTTP 500 with an HTML (non-JSON) body.
    #[default]
    Http500,
    /// HTTP 502 with an HTML body, as a gateway in front of the service answers.
    Http502,
    /// HTTP 503 with an HTML body.
    Http503,
    /// HTTP 200 with the service error `RequestLimitExceeded`.
    Throttle,
    /// HTTP 200 with the service error `InternalError`.
    InternalError,
    /// HTTP 200, `Content-Type: application/json`, body `not json`.
    Malformed,
    /// HTTP 200 with the first half of the real answer and a Content-Length of that half.
    Truncated,
    /// HTTP 200 with valid JSON of the wrong shape: `{"Response":{"Foo":1}}`.
    WrongShape,
    /// The connection is closed without an answer.
    Drop,
    /// The request is read and never answered, until the emulator shuts down.
    Hang,
    /// The real answer, one byte every 200 ms.
    Trickle,
    /// HTTP 200 with a 50 MiB JSON body, streamed.
    Huge,
}

impl FailMode {
    pub const ALL: [FailMode; 12] = [
        FailMode::Http500,
        FailMode::Http502,
        FailMode::Http503,
        FailMode::Throttle,
        FailMode::InternalError,
        FailMode::Malformed,
        FailMode::Truncated,
        FailMode::WrongShape,
        FailMode::Drop,
        FailMode::Hang,
        FailMode::Trickle,
        FailMode::Huge,
    ];

    /// The name used by the `sts-emulator` flags, e.g. `http500`, `throttle`, `wrong-shape`.
    pub fn name(self) -> &'static str {
        match self {
            FailMode::Http500 => "http500",
            FailMode::Http502 => "http502",
            FailMode::Http503 => "http503",
            FailMode::Throttle => "throttle",
            FailMode::InternalError => "internal-error",
            FailMode::Malformed => "malformed",
            FailMode::Truncated => "truncated",
            FailMode::WrongShape => "wrong-shape",
            FailMode::Drop => "drop",
            FailMode::Hang => "hang",
            FailMode::Trickle => "trickle",
            FailMode::Huge => "huge",
        }
    }
}

impl fmt::Display for FailMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for FailMode {
    type Err = String;

    /// Accepts [`FailMode::name`], case-insensitively, with `-` or `_` or nothing between
    /// words, and `500`/`502`/`503`.
    fn from_str(s: &str) -> Result<Self, String> {
        let wanted: String = s.chars().filter(|c| *c != '-' && *c != '_').collect::<String>().to_ascii_lowercase();
        let wanted = match wanted.as_str() {
            "500" | "502" | "503" => format!("http{wanted}"),
            _ => wanted,
        };
        FailMode::ALL.into_iter().find(|mode| mode.name().replace('-', "") == wanted).ok_or_else(|| {
            let names: Vec<&str> = FailMode::ALL.iter().map(|m| m.name()).collect();
            format!("unknown fault `{s}` (one of: {})", names.join(", "))
        })
    }
}

/// One STS request (`POST /`, or a signature v1 `GET /?...`) as the emulator saw it. Holds no
/// secret: the client never sends its secret key, and the signature and token are not kept.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    /// `X-TC-Action` (the `Action` parameter of signature v1), empty when absent (likewise the
    /// other public parameters).
    pub action: String,
    /// The `Host` header: the signed host, whatever address the client connected to.
    pub host: String,
    pub region: String,
    /// `X-TC-Timestamp` (v1: `Timestamp`) as sent.
    pub timestamp: String,
    /// The SecretId from the Authorization header's credential (TC3) or the `SecretId`
    /// parameter (v1), empty when unparseable or absent.
    pub secret_id: String,
    /// How the request was signed, once that was read: `TC3-HMAC-SHA256`, or `HmacSHA1` /
    /// `HmacSHA256` for signature v1; empty before (and for unsigned requests).
    pub signature_method: String,
    /// Whether the signature (TC3 or v1) was verified (false when an earlier check failed).
    pub signature_ok: bool,
    /// The `Policy` parameter percent-decoded and parsed, when it got that far.
    pub decoded_policy: Option<serde_json::Value>,
    /// The JSON body as sent (Policy still encoded), with the credentials in it
    /// (`WebIdentityToken`, `TokenCode`) replaced by `"<redacted>"`; `Null` when it is not JSON.
    /// For signature v1, the form (every parameter, public ones included) as an object of
    /// strings, with `Signature` and `Token` redacted too.
    pub body: serde_json::Value,
    /// `Authorization: SKIP` was sent (an unsigned request).
    pub unsigned: bool,
    /// An `X-TC-Token` header (v1: a non-empty `Token` parameter) was sent.
    pub token_sent: bool,
    /// The service error code answered: `None` for credentials, and for faults that send no
    /// service error (HTTP 5xx, malformed, wrong shape, drop, hang, huge). Truncated and
    /// trickled answers keep the code of the answer they carry.
    pub error_code: Option<String>,
    /// The fault applied to this request, if any.
    pub fault: Option<FailMode>,
}

type Log = Box<dyn Fn(&RecordedRequest) + Send + Sync>;

struct Shared {
    keys: Vec<(String, String)>,
    session_tokens: Vec<(String, String)>,
    web_identities: Vec<(String, String)>,
    tls: Option<Arc<rustls::ServerConfig>>,
    faults: Faults,
    now: Option<i64>,
    stopped: AtomicBool,
    stop_lock: Mutex<()>,
    stop_signal: Condvar,
    max_connections: usize,
    timeouts: http::Timeouts,
    /// Connections served so far.
    connections: AtomicUsize,
    /// Connections being served now (each has a thread).
    active: AtomicUsize,
    /// Connections closed at once because `max_connections` were being served.
    refused: AtomicUsize,
    /// STS requests seen: decides which ones `fail_first` hits.
    sequence: AtomicU64,
    requests: Mutex<VecDeque<RecordedRequest>>,
    /// Clones of open connections, so shutdown can unblock their threads.
    live: Mutex<HashMap<u64, TcpStream>>,
    rng: service::Rng,
    log: Option<Log>,
    metadata: Option<metadata::Metadata>,
    /// Keys handed out by the metadata mode and AssumeRoleWithWebIdentity.
    issued: metadata::Issued,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Shared {
    fn stopped(&self) -> bool {
        self.stopped.load(Ordering::SeqCst)
    }

    fn stop(&self) {
        let _guard = lock(&self.stop_lock);
        self.stopped.store(true, Ordering::SeqCst);
        self.stop_signal.notify_all();
    }

    /// Sleeps for `duration` unless the emulator stops first; false if it stopped.
    /// `Duration::MAX` waits for the stop.
    fn sleep(&self, duration: Duration) -> bool {
        let deadline = Instant::now().checked_add(duration);
        let mut guard = lock(&self.stop_lock);
        loop {
            if self.stopped() {
                return false;
            }
            let now = Instant::now();
            let wait = match deadline {
                Some(deadline) if now >= deadline => return true,
                Some(deadline) => deadline - now,
                None => Duration::from_secs(3600),
            };
            guard = match self.stop_signal.wait_timeout(guard, wait) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }

    fn close_connections(&self) {
        for (_, stream) in lock(&self.live).drain() {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    fn record(&self, request: RecordedRequest) {
        if let Some(log) = &self.log {
            log(&request);
        }
        let mut requests = lock(&self.requests);
        if requests.len() >= MAX_RECORDED_REQUESTS {
            requests.pop_front();
        }
        requests.push_back(request);
    }
}

/// A running emulator. Dropping it (or [`Emulator::shutdown`]) stops it.
pub struct Emulator {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept_thread: Option<JoinHandle<()>>,
}

impl fmt::Debug for Emulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emulator").field("addr", &self.addr).finish_non_exhaustive()
    }
}

impl Emulator {
    /// Binds 127.0.0.1:`options.port` and serves in background threads; returns once listening.
    pub fn start(options: EmulatorOptions) -> io::Result<Emulator> {
        Self::start_inner(options, None)
    }

    /// Like [`Emulator::start`], calling `log` for every STS request once it is decided
    /// how to answer it (the `sts-emulator` binary prints these).
    pub fn start_with_log(
        options: EmulatorOptions,
        log: impl Fn(&RecordedRequest) + Send + Sync + 'static,
    ) -> io::Result<Emulator> {
        Self::start_inner(options, Some(Box::new(log)))
    }

    fn start_inner(options: EmulatorOptions, log: Option<Log>) -> io::Result<Emulator> {
        if options.max_connections == 0 {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "max_connections: must be at least 1"));
        }
        if options.request_timeout < Duration::from_millis(1) {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "request_timeout: must be at least 1 ms"));
        }
        // Loopback only: the emulator accepts any client holding its well-known keys.
        let listener = TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, options.port))?;
        let addr = listener.local_addr()?;
        let tls = options.tls.as_ref().map(TlsIdentity::server_config).transpose()?;
        let shared = Arc::new(Shared {
            keys: options.keys,
            session_tokens: options.session_tokens,
            web_identities: options.web_identities,
            tls,
            faults: options.faults,
            now: options.now,
            stopped: AtomicBool::new(false),
            stop_lock: Mutex::new(()),
            stop_signal: Condvar::new(),
            max_connections: options.max_connections,
            timeouts: http::Timeouts { idle: IDLE_TIMEOUT, request: options.request_timeout },
            connections: AtomicUsize::new(0),
            active: AtomicUsize::new(0),
            refused: AtomicUsize::new(0),
            sequence: AtomicU64::new(0),
            requests: Mutex::new(VecDeque::new()),
            live: Mutex::new(HashMap::new()),
            rng: service::Rng::new(),
            log,
            metadata: options.metadata.map(metadata::Metadata::new),
            issued: metadata::Issued::default(),
        });
        let accept_shared = Arc::clone(&shared);
        let accept_thread = thread::Builder::new()
            .name("sts-emulator-accept".into())
            .spawn(move || accept_loop(listener, accept_shared))?;
        Ok(Emulator { addr, shared, accept_thread: Some(accept_thread) })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT/`, or `https://127.0.0.1:PORT/` when serving TLS.
    pub fn url(&self) -> String {
        let scheme = if self.shared.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://{}/", self.addr)
    }

    /// TCP connections served so far (not counting [`Emulator::refused_connections`]).
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// TCP connections being served now: at most [`EmulatorOptions::max_connections`], one
    /// thread each.
    pub fn active_connections(&self) -> usize {
        self.shared.active.load(Ordering::SeqCst)
    }

    /// TCP connections closed unanswered because the cap was reached.
    pub fn refused_connections(&self) -> usize {
        self.shared.refused.load(Ordering::SeqCst)
    }

    /// Every STS request parsed so far, oldest first (the last
    /// [`MAX_RECORDED_REQUESTS`]). A request is recorded before its answer is sent.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).iter().cloned().collect()
    }

    /// `{url}latest/meta-data/`: the metadata base URL (libsts `metadata_endpoint`), when the
    /// metadata mode is on.
    pub fn metadata_url(&self) -> Option<String> {
        self.shared.metadata.as_ref().map(|_| format!("{}latest/meta-data/", self.url()))
    }

    /// Requests to the metadata paths so far (role list and role key).
    pub fn metadata_requests(&self) -> u64 {
        self.shared.metadata.as_ref().map_or(0, |m| m.requests.load(Ordering::SeqCst))
    }

    /// Role key requests so far: one per key handed out (failed ones included).
    pub fn metadata_credential_requests(&self) -> u64 {
        self.shared.metadata.as_ref().map_or(0, |m| m.credential_requests.load(Ordering::SeqCst))
    }

    /// Changes how the metadata paths answer (no-op without the metadata mode).
    pub fn set_metadata_mode(&self, mode: MetadataMode) {
        if let Some(metadata) = &self.shared.metadata {
            metadata.set_mode(mode);
        }
    }

    /// The lifetime of the keys handed out from now on.
    pub fn set_metadata_lifetime(&self, seconds: i64) {
        if let Some(metadata) = &self.shared.metadata {
            metadata.set_lifetime(seconds);
        }
    }

    /// Stops accepting, closes open connections (unblocking hung and trickling answers) and
    /// joins the server threads. Dropping the emulator does the same.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        let Some(accept_thread) = self.accept_thread.take() else { return };
        self.shared.stop();
        self.shared.close_connections();
        // The accept thread is blocked in accept(): a connection wakes it to see the flag.
        if TcpStream::connect_timeout(&self.addr, Duration::from_secs(2)).is_ok() {
            let _ = accept_thread.join();
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.stop();
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut workers: Vec<JoinHandle<()>> = Vec::new();
    let mut next_id: u64 = 0;
    for stream in listener.incoming() {
        if shared.stopped() {
            break;
        }
        let stream = match stream {
            Ok(stream) => stream,
            Err(_) => {
                // Out of file descriptors or similar: back off instead of spinning.
                thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        // Only this thread adds to `active` (workers only take away), so the cap holds.
        if shared.active.load(Ordering::SeqCst) >= shared.max_connections {
            shared.refused.fetch_add(1, Ordering::SeqCst);
            let _ = stream.shutdown(Shutdown::Both);
            continue;
        }
        shared.active.fetch_add(1, Ordering::SeqCst);
        shared.connections.fetch_add(1, Ordering::SeqCst);
        let id = next_id;
        next_id += 1;
        if let Ok(clone) = stream.try_clone() {
            lock(&shared.live).insert(id, clone);
        }
        // Made before the spawn so that a failed spawn, which drops the closure, still
        // gives the slot back and closes the stream.
        let guard = LiveGuard { shared: Arc::clone(&shared), id };
        workers.retain(|worker| !worker.is_finished());
        let spawned = thread::Builder::new().name("sts-emulator-conn".into()).spawn(move || serve(stream, guard));
        if let Ok(worker) = spawned {
            workers.push(worker);
        }
    }
    shared.close_connections();
    for worker in workers {
        let _ = worker.join();
    }
}

/// Removes a connection from the live set and frees its slot when its thread ends, however
/// it ends.
struct LiveGuard {
    shared: Arc<Shared>,
    id: u64,
}

impl Drop for LiveGuard {
    fn drop(&mut self) {
        if let Some(stream) = lock(&self.shared.live).remove(&self.id) {
            let _ = stream.shutdown(Shutdown::Both);
        }
        self.shared.active.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A connection the server loop can answer on: plain TCP or TLS over TCP.
trait Conn: Read + Write {
    fn tcp(&self) -> &TcpStream;
    /// Sends what is buffered and signals the end of our side.
    fn close_write(&mut self) {
        let _ = self.flush();
        let _ = self.tcp().shutdown(Shutdown::Write);
    }
}

impl<T: Conn> http::Stream for T {
    fn set_read_timeout(&mut self, timeout: Duration) {
        let _ = self.tcp().set_read_timeout(Some(timeout));
    }
}

impl Conn for TcpStream {
    fn tcp(&self) -> &TcpStream {
        self
    }
}

impl Conn for rustls::StreamOwned<rustls::ServerConnection, TcpStream> {
    fn tcp(&self) -> &TcpStream {
        &self.sock
    }
    fn close_write(&mut self) {
        self.conn.send_close_notify();
        let _ = self.flush();
        let _ = self.sock.shutdown(Shutdown::Write);
    }
}

fn serve(stream: TcpStream, guard: LiveGuard) {
    let shared = &guard.shared;
    let _ = stream.set_nodelay(true);
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    match &shared.tls {
        None => serve_conn(stream, shared),
        // The handshake runs on the first read; a client that refuses the certificate just
        // ends the connection.
        Some(config) => match rustls::ServerConnection::new(Arc::clone(config)) {
            Ok(tls) => serve_conn(rustls::StreamOwned::new(tls, stream), shared),
            Err(_) => {
                let _ = stream.shutdown(Shutdown::Both);
            }
        },
    }
}

fn serve_conn<S: Conn>(stream: S, shared: &Shared) {
    let mut reader = http::Reader::new(stream, shared.timeouts);
    while !shared.stopped() {
        match reader.next_request() {
            http::Incoming::Closed => break,
            http::Incoming::Bad(rejection) => {
                let body = format!("{}\n", rejection.message);
                let response = http::response(rejection.status, "text/plain; charset=utf-8", body.as_bytes(), false);
                let _ = reader.stream().write_all(&response);
                linger(reader.stream());
                break;
            }
            http::Incoming::Request(request) => {
                if !respond(shared, &request, reader.stream()) {
                    break;
                }
            }
        }
    }
    reader.stream().close_write();
    let _ = reader.stream().tcp().shutdown(Shutdown::Both);
}

/// Closes gracefully after a rejection: stops sending, then reads what the peer is still
/// sending for a moment. Closing with unread data would reset the connection, and the peer
/// could lose the answer.
fn linger<S: Conn>(stream: &mut S) {
    stream.close_write();
    // Bounded in time as well as in bytes: a peer trickling bytes must not hold the thread.
    let until = Instant::now() + LINGER;
    let mut sink = [0u8; 16 * 1024];
    let mut drained = 0;
    while drained < 2 * http::MAX_BODY {
        let Some(left) = until.checked_duration_since(Instant::now()).filter(|left| !left.is_zero()) else { break };
        let _ = stream.tcp().set_read_timeout(Some(left));
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => drained += n,
        }
    }
}

/// Answers one request; false when the connection must close.
fn respond<S: Conn>(shared: &Shared, request: &http::Request, stream: &mut S) -> bool {
    let keep_alive = request.keep_alive();
    match metadata::respond(shared, request) {
        metadata::Handled::NotMine => {}
        metadata::Handled::Reply(out) => return write_out(stream, &out) && keep_alive,
        metadata::Handled::Close => return false,
    }
    // Signature v1 may also come as a GET with its parameters in the query (the real API takes
    // it; the vendor Java SDK builds such URLs). A GET without a query is not an STS request.
    let v1_get = request.method == "GET"
        && request.path() == "/"
        && request.target.split_once('?').is_some_and(|(_, query)| !query.is_empty());
    if request.method != "POST" && !v1_get {
        let body = b"the STS API 3.0 is served by POST /\n";
        let mut out =
            http::response_head(405, "text/plain; charset=utf-8", body.len(), keep_alive, &[("Allow", "POST")])
                .into_bytes();
        out.extend_from_slice(body);
        return write_out(stream, &out) && keep_alive;
    }
    if request.path() != "/" {
        let out = http::response(404, "text/plain; charset=utf-8", b"the STS API 3.0 is served at /\n", keep_alive);
        return write_out(stream, &out) && keep_alive;
    }

    let faults = &shared.faults;
    let sequence = shared.sequence.fetch_add(1, Ordering::SeqCst);
    let fault = if sequence < u64::from(faults.fail_first) { Some(faults.fail_with) } else { faults.always };
    if !faults.latency.is_zero() && !shared.sleep(faults.latency) {
        return false;
    }
    let now = shared.now.unwrap_or_else(sts::time::now_unix);
    // Keys handed out by the metadata mode and by AssumeRoleWithWebIdentity sign like the
    // configured ones.
    let issued = shared.issued.accepted(&shared.keys, &shared.session_tokens);
    let (keys, tokens) = match &issued {
        Some((keys, tokens)) => (keys.as_slice(), tokens.as_slice()),
        None => (shared.keys.as_slice(), shared.session_tokens.as_slice()),
    };
    let accounts =
        service::Accounts { keys, tokens, web_identities: &shared.web_identities, issued: Some(&shared.issued) };
    let (answer, mut record) = service::handle_in(&accounts, request, now, &shared.rng);
    record.fault = fault;
    let json = |body: &[u8]| http::response(200, "application/json", body, keep_alive);
    let html = |status: u16| {
        let body = format!(
            "<html><head><title>{status} {reason}</title></head><body><h1>{status} {reason}</h1></body></html>\n",
            reason = http::reason(status)
        );
        http::response(status, "text/html", body.as_bytes(), keep_alive)
    };
    let service_error =
        |code: &str, message: &str| service::error_body(code, message, &shared.rng.request_id()).into_bytes();
    let send = match fault {
        None => json(answer.body.as_bytes()),
        Some(FailMode::Http500) => html(500),
        Some(FailMode::Http502) => html(502),
        Some(FailMode::Http503) => html(503),
        Some(FailMode::Throttle) => json(&service_error(
            "RequestLimitExceeded",
            "Your request frequency exceeds the limit. Please retry later.",
        )),
        Some(FailMode::InternalError) => json(&service_error("InternalError", "An internal error occurred.")),
        Some(FailMode::Malformed) => json(b"not json"),
        Some(FailMode::Truncated) => json(&answer.body.as_bytes()[..answer.body.len() / 2]),
        Some(FailMode::WrongShape) => json(br#"{"Response":{"Foo":1}}"#),
        Some(FailMode::Trickle) => json(answer.body.as_bytes()),
        Some(FailMode::Drop | FailMode::Hang | FailMode::Huge) => Vec::new(),
    };
    record.error_code = match fault {
        None | Some(FailMode::Truncated | FailMode::Trickle) => answer.error_code,
        Some(FailMode::Throttle) => Some("RequestLimitExceeded".into()),
        Some(FailMode::InternalError) => Some("InternalError".into()),
        Some(_) => None,
    };
    shared.record(record);

    match fault {
        Some(FailMode::Drop) => false,
        Some(FailMode::Hang) => {
            shared.sleep(Duration::MAX);
            false
        }
        Some(FailMode::Trickle) => {
            for (i, byte) in send.iter().enumerate() {
                if !write_out(stream, std::slice::from_ref(byte)) {
                    return false;
                }
                if i + 1 < send.len() && !shared.sleep(TRICKLE_INTERVAL) {
                    return false;
                }
            }
            keep_alive
        }
        Some(FailMode::Huge) => send_huge(shared, stream, keep_alive),
        _ => write_out(stream, &send) && keep_alive,
    }
}

/// Writes and flushes (TLS buffers records until flushed).
fn write_out<S: Write>(stream: &mut S, bytes: &[u8]) -> bool {
    stream.write_all(bytes).is_ok() && stream.flush().is_ok()
}

/// Streams a valid JSON body of exactly [`HUGE_BODY`] bytes.
fn send_huge<S: Conn>(shared: &Shared, stream: &mut S, keep_alive: bool) -> bool {
    let head = http::response_head(200, "application/json", HUGE_BODY, keep_alive, &[]);
    let prefix = format!(r#"{{"Response":{{"RequestId":"{}","Padding":""#, shared.rng.request_id());
    let suffix = r#""}}"#;
    if stream.write_all(head.as_bytes()).is_err() || stream.write_all(prefix.as_bytes()).is_err() {
        return false;
    }
    let chunk = [b'x'; 64 * 1024];
    let mut remaining = HUGE_BODY - prefix.len() - suffix.len();
    while remaining > 0 {
        if shared.stopped() {
            return false;
        }
        let n = remaining.min(chunk.len());
        if stream.write_all(&chunk[..n]).is_err() {
            return false;
        }
        remaining -= n;
    }
    write_out(stream, suffix.as_bytes()) && keep_alive
}

#[cfg(test)]
mod tests;

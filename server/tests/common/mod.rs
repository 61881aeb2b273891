//! Shared helpers: the real emulator in-process, the real `sts-server` binary as a child
//! process on 127.0.0.1 port 0, and a small HTTP client.
#![allow(dead_code, unused_imports)]

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
pub use sts_emulator::{Emulator, EmulatorOptions, FailMode, Faults, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY};

pub const BUCKET: &str = "example-1250000000";
pub const REGION: &str = "ap-guangzhou";
pub const ORIGIN: &str = "http://localhost:3000";

pub fn emulator(faults: Faults) -> Emulator {
    Emulator::start(EmulatorOptions { faults, ..EmulatorOptions::default() }).expect("emulator starts")
}

pub fn data(name: &str) -> String {
    format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// A fresh directory under the system temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "sts-server-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The sections of a test config; `toml()` joins them.
pub struct Config {
    pub top: String,
    pub sts: String,
    pub auth: String,
    pub rules: String,
    pub rest: String,
}

impl Config {
    /// auth none, the uploads/${subject}/* and public/* rules, CORS for [`ORIGIN`].
    pub fn new(sts_url: &str) -> Config {
        Config {
            top: "listen = \"127.0.0.1:0\"\nshutdown_grace_seconds = 5\n".into(),
            sts: format!(
                "[sts]\nsecret_id = \"{DEFAULT_SECRET_ID}\"\nsecret_key = \"{DEFAULT_SECRET_KEY}\"\nurl = \"{sts_url}\"\n\
                 timeout_ms = 2000\ntotal_timeout_ms = 3000\nretries = 0\n"
            ),
            auth: "[auth]\nmode = \"none\"\n".into(),
            rules: format!(
                "[[rules]]\nbucket = \"{BUCKET}\"\nregion = \"{REGION}\"\n\
                 actions = [\"name/cos:PutObject\", \"name/cos:GetObject\"]\nprefixes = [\"uploads/${{subject}}/*\"]\n\
                 max_duration_seconds = 900\n\
                 [[rules]]\nbucket = \"{BUCKET}\"\nregion = \"{REGION}\"\nactions = [\"name/cos:GetObject\"]\nprefixes = [\"public/*\"]\n\
                 [upload]\nbucket = \"{BUCKET}\"\nregion = \"{REGION}\"\nkey_template = \"uploads/${{subject}}/{{random}}{{ext}}\"\n\
                 allow_ext = [\"jpg\", \"png\"]\n"
            ),
            rest: format!("[cors]\nallowed_origins = [\"{ORIGIN}\"]\nmax_age = 600\n"),
        }
    }

    pub fn toml(&self) -> String {
        format!("{}{}{}{}{}", self.top, self.sts, self.auth, self.rules, self.rest)
    }
}

/// A running `sts-server`, killed when dropped.
pub struct Server {
    pub child: Child,
    pub url: String,
    pub log: PathBuf,
    _dir: TempDir,
}

pub fn server_binary() -> &'static str {
    env!("CARGO_BIN_EXE_sts-server")
}

impl Server {
    pub fn start(config: &Config) -> Server {
        Self::start_text(&config.toml())
    }

    pub fn start_text(toml: &str) -> Server {
        let dir = TempDir::new();
        let path = dir.0.join("sts-server.toml");
        std::fs::write(&path, toml).expect("write config");
        let log = dir.0.join("stderr.log");
        let mut child = Command::new(server_binary())
            .arg("--config")
            .arg(&path)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("spawn sts-server");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("stdout");
        BufReader::new(stdout).read_line(&mut line).expect("read stdout");
        let Some(url) = line.trim().strip_prefix("sts-server listening on ") else {
            let _ = child.wait();
            panic!("sts-server did not start: {line:?}; stderr: {}", std::fs::read_to_string(&log).unwrap_or_default());
        };
        let url = url.trim_end_matches('/').to_owned();
        Server { child, url, log, _dir: dir }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The request log's JSON lines.
    pub fn log_lines(&self) -> Vec<Value> {
        self.log()
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| v.get("route").is_some())
            .collect()
    }

    pub fn sigterm(&self) {
        let status = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().expect("run kill");
        assert!(status.success());
    }

    /// Waits up to `limit` for the process to exit; its exit code.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<i32> {
        let start = std::time::Instant::now();
        while start.elapsed() < limit {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP answer.
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|_| panic!("not JSON: {}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// An error reply: the status, code > 0, codeDesc, message and requestId.
    pub fn error(&self, status: u16, code_desc: &str, message_start: &str) {
        assert_eq!(self.status, status, "{}", self.text);
        let body = self.json();
        assert!(body["code"].as_u64().is_some_and(|c| c > 0), "{body}");
        assert_eq!(body["codeDesc"], code_desc, "{body}");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(message.starts_with(message_start), "{message:?} does not start with {message_start:?}");
        assert_eq!(body["requestId"].as_str(), self.header("x-request-id"), "{body}");
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(20)))
        .build()
        .into()
}

pub fn request(method: &str, url: &str, body: Option<&str>, headers: &[(&str, &str)]) -> Answer {
    let method: ureq::http::Method = method.parse().expect("method");
    let mut builder = ureq::http::Request::builder().method(method).uri(url);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let agent = agent();
    let result = match body {
        Some(body) => agent.run(builder.body(body.to_owned()).expect("request")),
        None => agent.run(builder.body(()).expect("request")),
    };
    let mut response = result.expect("the server answers");
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap_or_default().to_owned()))
        .collect();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    Answer { status, headers, text }
}

pub fn post(server: &Server, path: &str, body: &str, headers: &[(&str, &str)]) -> Answer {
    request("POST", &format!("{}{path}", server.url), Some(body), headers)
}

pub fn get(server: &Server, path: &str) -> Answer {
    request("GET", &format!("{}{path}", server.url), None, &[])
}

pub fn scope(action: &str, bucket: &str, region: &str, prefix: &str) -> Value {
    serde_json::json!({"action": action, "bucket": bucket, "region": region, "prefix": prefix})
}

pub fn put_scope(prefix: &str) -> String {
    serde_json::json!([scope("name/cos:PutObject", BUCKET, REGION, prefix)]).to_string()
}

/// A loopback HTTP server that answers every request with `reply(request head)`, for the
/// auth webhook. Returns its URL and the heads it received.
pub fn webhook(
    reply: impl Fn(&str) -> (u16, String) + Send + Sync + 'static,
) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/auth", listener.local_addr().expect("addr"));
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buffer = Vec::new();
            let mut chunk = [0u8; 4096];
            // Head, then the body its Content-Length announces.
            while let Ok(n) = stream.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                buffer.extend_from_slice(&chunk[..n]);
                if let Some(end) = find(&buffer, b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&buffer[..end]).to_lowercase();
                    let length = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().unwrap_or(0)))
                        .unwrap_or(0);
                    if buffer.len() >= end + 4 + length {
                        break;
                    }
                }
            }
            let head = String::from_utf8_lossy(&buffer).to_lowercase();
            record.lock().unwrap().push(head.clone());
            let (status, body) = reply(&head);
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (url, seen)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A loopback port with nothing listening.
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

pub fn write_file(dir: &Path, name: &str, contents: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write");
    path
}

/// Limits count in one-minute windows: start well inside one so a test never straddles two.
pub fn inside_a_window() {
    let second = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() % 60;
    if second > 45 {
        std::thread::sleep(Duration::from_secs(61 - second));
    }
}

/// Waits until `emulator` has accepted a connection: a request is in flight.
pub fn wait_for_connection(emulator: &Emulator) {
    let started = std::time::Instant::now();
    while emulator.connections() == 0 {
        assert!(started.elapsed() < Duration::from_secs(10), "no request reached the emulator");
        std::thread::sleep(Duration::from_millis(10));
    }
}

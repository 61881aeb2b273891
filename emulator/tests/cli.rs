//! The `sts-emulator` binary as the shell tests and bindings run it: flags, exit statuses, the
//! listening line, the request log, and a real signed call through libsts.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStderr, Command, Output, Stdio};

const SECRET_ID: &str = "AKIDCLIEXAMPLE00000000000000000000";
const SECRET_KEY: &str = "cli-secret-key-EXAMPLE";

fn emulator(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sts-emulator"));
    command.args(args).env_remove("STS_EMULATOR_KEYS");
    command
}

fn run(args: &[&str]) -> Output {
    emulator(args).stdin(Stdio::null()).output().expect("sts-emulator runs")
}

/// A running emulator process, killed on drop.
pub struct Running {
    child: Child,
    pub url: String,
    stderr: Option<ChildStderr>,
}

impl Running {
    pub fn start(args: &[&str]) -> Running {
        let mut child = emulator(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("sts-emulator starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("the listening line");
        let url = line.trim().strip_prefix("sts-emulator listening on ").unwrap_or_else(|| panic!("{line:?}"));
        assert!(url.starts_with("http://127.0.0.1:") && url.ends_with('/'), "{line:?}");
        let stderr = child.stderr.take();
        Running { url: url.to_string(), child, stderr }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the process and returns everything it logged.
    pub fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut log = String::new();
        if let Some(mut stderr) = self.stderr.take() {
            let _ = stderr.read_to_string(&mut log);
        }
        log
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn help_and_version_exit_zero() {
    let help = run(&["--help"]);
    assert!(help.status.success(), "{help:?}");
    let text = String::from_utf8(help.stdout).unwrap();
    assert!(text.starts_with("Usage: sts-emulator [OPTIONS]"), "{text}");
    let version = run(&["-V"]);
    assert!(version.status.success());
    assert_eq!(String::from_utf8(version.stdout).unwrap(), format!("sts-emulator {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn usage_errors_exit_two_and_name_the_flag_without_the_secret() {
    for (args, names) in [
        (&["--bogus"][..], "--bogus"),
        (&["--port", "http"][..], "--port"),
        (&["--key", "AKIDonly-secret"][..], "--key"),
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.contains(names), "{stderr}");
        assert!(!stderr.contains("secret"), "{stderr}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn the_binary_answers_a_signed_call_and_logs_it_without_secrets() {
    let key = format!("{SECRET_ID}:{SECRET_KEY}");
    let running = Running::start(&["--port", "0", "--key", &key]);
    let config = serde_json::json!({
        "secret_id": SECRET_ID,
        "secret_key": SECRET_KEY,
        "url": running.url,
        "bucket": "example-1250000000",
        "region": "ap-guangzhou",
        "allow_prefix": "dir/*",
        "allow_actions": ["name/cos:PutObject"],
    });
    let out = sts::api::get_credential(&config.to_string()).expect("credentials from the binary");
    let out: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(out["credentials"]["sessionToken"].as_str().is_some_and(|t| !t.is_empty()), "{out}");
    let log = running.stop();
    assert!(log.contains(&format!("accepting SecretIds {SECRET_ID}")), "{log}");
    assert!(log.contains(&format!("GetFederationToken region=ap-guangzhou secret_id={SECRET_ID} -> ok")), "{log}");
    assert!(!log.contains(SECRET_KEY), "{log}");
}

fn threads_of(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/task")).expect("the emulator's /proc entry").count()
}

#[test]
fn max_connections_bounds_the_process_threads_and_request_timeout_cuts_silence() {
    use std::net::TcpStream;
    use std::time::{Duration, Instant};
    const CAP: usize = 3;
    let key = format!("{SECRET_ID}:{SECRET_KEY}");
    let running = Running::start(&["--key", &key, "--max-connections", "3", "--request-timeout-ms", "60000"]);
    let pid = running.pid();
    let base = threads_of(pid);
    let addr = running.url.trim_start_matches("http://").trim_end_matches('/').to_string();

    // Ten times the cap of idle connections: the process never grows past the cap's threads.
    let idle: Vec<TcpStream> = (0..10 * CAP).map(|_| TcpStream::connect(&addr).expect("connects")).collect();
    let until = Instant::now() + Duration::from_secs(5);
    let mut most = 0;
    while Instant::now() < until {
        most = most.max(threads_of(pid));
        if most == base + CAP {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    for _ in 0..20 {
        most = most.max(threads_of(pid));
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(most, base + CAP, "{base} threads before, one per served connection after");
    drop(idle);
    let until = Instant::now() + Duration::from_secs(5);
    while threads_of(pid) > base {
        assert!(Instant::now() < until, "the connection threads did not end");
        std::thread::sleep(Duration::from_millis(10));
    }
    drop(running);

    // --request-timeout-ms: a connection that sends nothing is closed after it, unanswered.
    let running = Running::start(&["--key", &key, "--request-timeout-ms", "300"]);
    let addr = running.url.trim_start_matches("http://").trim_end_matches('/').to_string();
    let mut silent = TcpStream::connect(&addr).expect("connects");
    silent.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let started = Instant::now();
    let mut buf = [0u8; 64];
    assert_eq!(silent.read(&mut buf).expect("closed, not timed out"), 0);
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(250) && took < Duration::from_secs(3), "{took:?}");
}

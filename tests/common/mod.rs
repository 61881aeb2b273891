//! Shared helpers for the integration tests: an in-process emulator and configs for it.
// Each test binary uses a different subset.
#![allow(dead_code, unused_imports)]

use serde_json::{json, Value};
use std::ffi::{c_char, CStr, CString};
use sts::ffi::{sts_string_free, StsCode};
pub use sts_emulator::{Emulator, EmulatorOptions, FailMode, Faults, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY};

pub const BUCKET: &str = "example-1250000000";

/// The path of `name` under tests/data.
pub fn data(name: &str) -> String {
    format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))
}

pub fn start(faults: Faults) -> Emulator {
    Emulator::start(EmulatorOptions { faults, ..EmulatorOptions::default() }).expect("emulator starts")
}

/// A GetFederationToken config for `emulator`, with `extra` keys merged in.
pub fn federation_config(emulator: &Emulator, extra: Value) -> String {
    merge(
        json!({
            "secret_id": DEFAULT_SECRET_ID,
            "secret_key": DEFAULT_SECRET_KEY,
            "url": emulator.url(),
            "bucket": BUCKET,
            "region": "ap-guangzhou",
            "allow_prefix": "dir/*",
            "allow_actions": ["name/cos:PutObject"],
        }),
        extra,
    )
}

/// An AssumeRole config for `emulator`, with `extra` keys merged in.
pub fn role_config(emulator: &Emulator, extra: Value) -> String {
    merge(
        json!({
            "secret_id": DEFAULT_SECRET_ID,
            "secret_key": DEFAULT_SECRET_KEY,
            "url": emulator.url(),
            "role_arn": "qcs::cam::uin/100000000001:roleName/cos-uploader",
        }),
        extra,
    )
}

/// `base` with the keys of `extra` set, or removed where `extra` holds null; as JSON text.
pub fn merge(mut base: Value, extra: Value) -> String {
    if let (Value::Object(base), Value::Object(extra)) = (&mut base, extra) {
        for (k, v) in extra {
            if v.is_null() {
                base.remove(&k);
            } else {
                base.insert(k, v);
            }
        }
    }
    base.to_string()
}

pub fn parse(json: &str) -> Value {
    serde_json::from_str(json).expect("valid JSON")
}

/// A `StsCode f(const char *input, char **out)` export of the C ABI.
pub type Export = extern "C" fn(*const c_char, *mut *mut c_char) -> StsCode;

/// One C-ABI call made as a C caller makes it: `call` gets the `char **out` to fill. Returns
/// the code and the output string, which is released with `sts_string_free`.
pub fn c_call_with(call: impl FnOnce(*mut *mut c_char) -> StsCode) -> (StsCode, String) {
    let mut out: *mut c_char = std::ptr::null_mut();
    let code = call(&mut out);
    assert!(!out.is_null(), "the library always sets out ({code:?})");
    // SAFETY: the library set `out` to a NUL-terminated string it owns until sts_string_free.
    let text = unsafe { CStr::from_ptr(out) }.to_str().map(str::to_owned);
    sts_string_free(out);
    // Only the position in the message: the output may hold a secret.
    let text = text.unwrap_or_else(|e| panic!("the output is not UTF-8 after byte {}", e.valid_up_to()));
    (code, text)
}

/// Calls `f` with a C string; returns the code and the output text.
pub fn c_call_text(f: Export, input: &CStr) -> (StsCode, String) {
    c_call_with(|out| f(input.as_ptr(), out))
}

/// Calls `f` with `input`; returns the code and the output JSON.
pub fn c_call(f: Export, input: &str) -> (StsCode, Value) {
    let input = CString::new(input).expect("no NUL inside the input");
    let (code, json) = c_call_text(f, &input);
    (code, parse(&json))
}

/// The `sts-emulator` binary: `$STS_EMULATOR_BIN`, else the one `cargo test` built for this
/// profile beside this test's `deps/` (another package's binary gets no `CARGO_BIN_EXE_*`; the
/// emulator crate's own integration tests make `cargo test --workspace` build it). A narrow
/// `cargo test --test soak` on a fresh tree builds it into a target directory of its own: a
/// build into this one would replace the `libsts.rlib` that later doctests link against.
pub fn emulator_binary() -> std::path::PathBuf {
    if let Some(path) = std::env::var_os("STS_EMULATOR_BIN") {
        return std::path::PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("the test's own path");
    let profile_dir = exe.parent().and_then(std::path::Path::parent).expect("target/<profile>/deps/<test>");
    let binary = profile_dir.join("sts-emulator");
    if binary.exists() {
        return binary;
    }
    let target_dir = profile_dir.join("soak-emulator");
    let status = std::process::Command::new(env!("CARGO"))
        .args(["build", "--quiet", "--release", "--package", "sts-emulator", "--bin", "sts-emulator"])
        .arg("--target-dir")
        .arg(&target_dir)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("run cargo build");
    assert!(status.success(), "cargo build --package sts-emulator failed: {status}");
    target_dir.join("release").join("sts-emulator")
}

/// A `sts_get_upload_credential` config for `emulator` with this `upload` object, and `extra`
/// top-level keys merged in.
pub fn upload_config(emulator: &Emulator, upload: Value, extra: Value) -> String {
    let base = json!({
        "secret_id": DEFAULT_SECRET_ID,
        "secret_key": DEFAULT_SECRET_KEY,
        "url": emulator.url(),
        "bucket": BUCKET,
        "region": "ap-guangzhou",
        "upload": upload,
    });
    merge(base, extra)
}

/// An `sts-emulator` process (so its threads and sockets do not count in the test's own), killed
/// when dropped.
pub struct EmulatorProcess(std::process::Child);

impl EmulatorProcess {
    /// Starts [`emulator_binary`] on a free port with `args`; returns it and its URL.
    pub fn spawn(args: &[&str]) -> (EmulatorProcess, String) {
        use std::io::BufRead;
        let mut child = std::process::Command::new(emulator_binary())
            .args(["--port", "0"])
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start sts-emulator");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let url = line.trim().rsplit(' ').next().unwrap().to_owned();
        assert!(url.starts_with("http://127.0.0.1:"), "{line}");
        (EmulatorProcess(child), url)
    }
}

impl Drop for EmulatorProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// This process's resident memory.
pub fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    // SAFETY: sysconf has no preconditions.
    #[allow(unsafe_code)]
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as u64;
    pages * page
}

/// This process's open file descriptors.
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// Serializes the tests of one binary that change the process environment or the credential
/// refresh clock (both process-wide), and starts each from a clean slate: no credential
/// variables, no cached source keys, the real clock. Hold the guard for the whole test.
pub fn credentials_lock() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let guard = LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    for name in [
        "TENCENTCLOUD_SECRET_ID",
        "TENCENTCLOUD_SECRET_KEY",
        "TENCENTCLOUD_SESSION_TOKEN",
        "TENCENTCLOUD_CREDENTIALS_FILE",
        "TENCENTCLOUD_PROFILE",
        "TENCENTCLOUD_METADATA_ENDPOINT",
        "TENCENTCLOUD_METADATA_DISABLED",
        "TKE_PROVIDER_ID",
        "TKE_ROLE_ARN",
        "TKE_WEB_IDENTITY_TOKEN_FILE",
        "TKE_IDENTITY_TOKEN_FILE",
        "TKE_REGION",
    ] {
        std::env::remove_var(name);
    }
    // No profile file from the machine running the tests: HOME points at an empty directory.
    let home = std::env::temp_dir().join(format!("libsts-home-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    std::env::set_var("HOME", &home);
    sts::credentials::refresh::set_clock_offset(0);
    sts::credentials::refresh::global().clear();
    guard
}

pub const WEB_IDENTITY_PROVIDER: &str = "oidc-provider-EXAMPLE";
pub const WEB_IDENTITY_TOKEN: &str = "web-identity-token-EXAMPLE-0001";
pub const ROLE_ARN: &str = "qcs::cam::uin/100000000001:roleName/pod-role";

/// An emulator with the metadata mode on (keys of `lifetime_seconds`) and the example web
/// identity pairs (`WEB_IDENTITY_TOKEN` and `-0002`) accepted.
pub fn credentials_emulator(lifetime_seconds: i64, latency: std::time::Duration) -> Emulator {
    Emulator::start(EmulatorOptions {
        metadata: Some(sts_emulator::MetadataOptions {
            lifetime_seconds,
            latency,
            ..sts_emulator::MetadataOptions::default()
        }),
        web_identities: vec![
            (WEB_IDENTITY_PROVIDER.to_owned(), WEB_IDENTITY_TOKEN.to_owned()),
            (WEB_IDENTITY_PROVIDER.to_owned(), "web-identity-token-EXAMPLE-0002".to_owned()),
        ],
        ..EmulatorOptions::default()
    })
    .expect("emulator starts")
}

/// A GetFederationToken config for `emulator` with no key of its own, `extra` merged in.
pub fn keyless_config(emulator: &Emulator, extra: Value) -> String {
    merge(parse(&federation_config(emulator, json!({"secret_id": null, "secret_key": null}))), extra)
}

/// The SecretIds that signed the emulator's STS requests, in order.
pub fn signers(emulator: &Emulator) -> Vec<String> {
    emulator.requests().into_iter().map(|r| r.secret_id).collect()
}

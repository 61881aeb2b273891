//! `sts-emulator`: a local Tencent Cloud STS (API 3.0, `sts` 2018-08-13) on 127.0.0.1, for
//! testing clients and servers offline. See `--help`.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use sts_emulator::{
    Emulator, EmulatorOptions, FailMode, Faults, MetadataMode, MetadataOptions, RecordedRequest, TlsIdentity,
    DEFAULT_MAX_CONNECTIONS, DEFAULT_REQUEST_TIMEOUT, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY,
};

const USAGE: &str = "\
Usage: sts-emulator [OPTIONS]

A local Tencent Cloud STS emulator (API 3.0, service sts, version 2018-08-13, actions
GetFederationToken, AssumeRole, AssumeRoleWithWebIdentity and GetCallerIdentity). It listens
on 127.0.0.1 only, verifies signatures against the key pairs it is given (TC3-HMAC-SHA256
with a JSON body, and the legacy signature v1 the vendor COS STS SDKs send: HmacSHA1 or
HmacSHA256 over an application/x-www-form-urlencoded POST body or a GET query), refuses clock skew over 300 s, enforces the service's parameter rules and answers with the
service's response and error shapes. GetFederationToken signed with a temporary key (--token)
is answered FailedOperation.TempKeyNotAllowed. GetCallerIdentity answers an account derived
from the SecretId: Type RootAccount for a permanent key, CAMRole for a temporary one.

Once listening it prints one line to stdout, `sts-emulator listening on http://127.0.0.1:PORT/`,
then logs one line per request to stderr (action, region, SecretId, code answered; never a
secret key, signature or token). It runs until killed.

Options:
  --port N            Port on 127.0.0.1; 0 (the default) picks a free one.
  --key ID:KEY        Accept signatures made with this SecretId and SecretKey. Repeatable.
                      Pairs are also read from STS_EMULATOR_KEYS=ID:KEY,ID2:KEY2. With no pair
                      at all, the default pair below is accepted.
  --token ID:TOKEN    Make SecretId ID a temporary key: its requests must carry this session
                      token in X-TC-Token, or the Token parameter of signature v1 (else
                      AuthFailure.TokenFailure). Repeatable.
  --web-identity PROVIDER:TOKEN
                      Accept this OIDC token for identity provider PROVIDER in
                      AssumeRoleWithWebIdentity (unsigned: `Authorization: SKIP`, no
                      X-TC-Token). The key it answers is accepted here with its token.
                      Repeatable.
  --latency-ms N      Wait N milliseconds before answering each request.
  --fail-first N      Answer the first N requests with the --fail-with fault.
  --fail-with MODE    The fault for --fail-first (default http500).
  --always MODE       Answer every request (after the first N) with this fault.
  --port-file PATH    Write the port number to PATH once listening.
  --tls-cert PEM      Serve HTTPS with this certificate chain (needs --tls-key); the URL
                      printed is then https://127.0.0.1:PORT/ and clients need the issuing CA
                      (libsts: `ca_file`). tests/data/ has a TEST-ONLY pair for 127.0.0.1.
  --tls-key PEM       The private key of --tls-cert.
  --max-connections N Serve at most N connections at once, one thread each (default 256).
                      A connection accepted while N are open is closed at once, unread and
                      unanswered, so a flood of idle or slow connections costs no thread.
  --request-timeout-ms N
                      A request's head and body must arrive within N ms (default 10000): from
                      the accept for a connection's first request, from its first byte for the
                      next ones. Late requests get 408 Request Timeout and the connection is
                      closed; a connection that sends nothing is closed unanswered. Idle
                      keep-alive connections are closed after 60 s.
                      Repeatable.
  --metadata          Also serve the CVM metadata server's CAM role endpoints at
                      http://127.0.0.1:PORT/latest/meta-data/ (libsts: metadata_endpoint or
                      TENCENTCLOUD_METADATA_ENDPOINT). cam/security-credentials/ answers the
                      role name, cam/security-credentials/ROLE a new key of that role per
                      request (TmpSecretId, TmpSecretKey, Token, ExpiredTime, Expiration,
                      Code), which the STS side accepts with its token. A second stdout line
                      names the URL. Also on: GET /__emulator/stats (request counters as
                      JSON) and POST /__emulator/metadata {\"mode\":MODE,\"lifetime_seconds\":N}.
  --metadata-role NAME
                      The role bound to the emulated instance (default libsts-emulator-role);
                      implies --metadata.
  --metadata-lifetime S
                      Lifetime of each role key in seconds (default 7200); implies --metadata.
  --metadata-latency-ms N
                      Wait N ms before each metadata answer; implies --metadata.
  --metadata-mode MODE
                      serve (default), fail (HTTP 500), down (connections closed unanswered)
                      or no-role (404 for the role list); implies --metadata.
  -h, --help          Print this help.
  -V, --version       Print the version.

Faults (MODE):
  http500, http502, http503   that HTTP status with an HTML (non-JSON) body
  throttle                    HTTP 200, service error RequestLimitExceeded
  internal-error              HTTP 200, service error InternalError
  malformed                   HTTP 200, body `not json`
  truncated                   HTTP 200, the first half of the real answer
  wrong-shape                 HTTP 200, {\"Response\":{\"Foo\":1}}
  drop                        close the connection without answering
  hang                        never answer
  trickle                     the real answer, one byte every 200 ms
  huge                        HTTP 200 with a 50 MiB body

Default key pair (when none is given):
  SecretId  AKIDEMULATOREXAMPLE0000000000000000
  SecretKey emulator-secret-key-EXAMPLE

Example:
  sts-emulator --port 8080 --key AKIDtest:secret --fail-first 2 --fail-with throttle
  then point a client at url http://127.0.0.1:8080/ (the signed Host stays sts.tencentcloudapi.com).

Exit status: 0 on --help, 1 when it cannot listen or write the port file, 2 on a usage error.
";

#[derive(Debug, PartialEq)]
struct Settings {
    port: u16,
    keys: Vec<(String, String)>,
    session_tokens: Vec<(String, String)>,
    web_identities: Vec<(String, String)>,
    latency: Duration,
    fail_first: u32,
    fail_with: FailMode,
    always: Option<FailMode>,
    port_file: Option<PathBuf>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    max_connections: usize,
    request_timeout: Duration,
    metadata: Option<MetadataOptions>,
}

#[derive(Debug, PartialEq)]
enum Command {
    Run(Box<Settings>),
    Help,
    Version,
}

/// `ID:KEY`, split at the first colon. The error never repeats the text (it holds a secret).
fn parse_key(text: &str, origin: &str) -> Result<(String, String), String> {
    parse_pair(text, origin, "ID:KEY")
}

fn parse_pair(text: &str, origin: &str, form: &str) -> Result<(String, String), String> {
    match text.split_once(':') {
        Some((id, value)) if !id.is_empty() && !value.is_empty() => Ok((id.to_string(), value.to_string())),
        _ => Err(format!("{origin}: expected {form}")),
    }
}

fn parse_number<T: std::str::FromStr>(flag: &str, value: &str) -> Result<T, String> {
    value.parse().map_err(|_| format!("{flag}: `{value}` is not a valid number"))
}

/// A number of at least 1.
fn parse_positive(flag: &str, value: &str) -> Result<u64, String> {
    match parse_number(flag, value)? {
        0 => Err(format!("{flag}: must be at least 1")),
        n => Ok(n),
    }
}

/// Parses the command line (without the program name) and the `STS_EMULATOR_KEYS` value.
fn parse_args(args: impl IntoIterator<Item = OsString>, env_keys: Option<&str>) -> Result<Command, String> {
    let mut settings = Settings {
        port: 0,
        keys: Vec::new(),
        session_tokens: Vec::new(),
        web_identities: Vec::new(),
        latency: Duration::ZERO,
        fail_first: 0,
        fail_with: FailMode::default(),
        always: None,
        port_file: None,
        tls_cert: None,
        tls_key: None,
        max_connections: DEFAULT_MAX_CONNECTIONS,
        request_timeout: DEFAULT_REQUEST_TIMEOUT,
        metadata: None,
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let arg = arg.into_string().map_err(|_| "arguments must be UTF-8".to_string())?;
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag.to_string(), Some(value.to_string())),
            _ => (arg.clone(), None),
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "-V" | "--version" => return Ok(Command::Version),
            "--metadata" if inline.is_none() => {
                settings.metadata.get_or_insert_with(MetadataOptions::default);
                continue;
            }
            "--port"
            | "--key"
            | "--token"
            | "--web-identity"
            | "--latency-ms"
            | "--fail-first"
            | "--fail-with"
            | "--always"
            | "--port-file"
            | "--tls-cert"
            | "--tls-key"
            | "--max-connections"
            | "--request-timeout-ms"
            | "--metadata-role"
            | "--metadata-lifetime"
            | "--metadata-latency-ms"
            | "--metadata-mode" => {}
            _ => return Err(format!("unknown argument `{arg}`")),
        }
        let value = match inline {
            Some(value) => value,
            None => args
                .next()
                .ok_or_else(|| format!("{flag} needs a value"))?
                .into_string()
                .map_err(|_| format!("{flag}: the value must be UTF-8"))?,
        };
        match flag.as_str() {
            "--port" => settings.port = parse_number(&flag, &value)?,
            "--key" => settings.keys.push(parse_key(&value, "--key")?),
            "--token" => settings.session_tokens.push(parse_pair(&value, "--token", "ID:TOKEN")?),
            "--web-identity" => settings.web_identities.push(parse_pair(&value, "--web-identity", "PROVIDER:TOKEN")?),
            "--latency-ms" => settings.latency = Duration::from_millis(parse_number(&flag, &value)?),
            "--fail-first" => settings.fail_first = parse_number(&flag, &value)?,
            "--fail-with" => settings.fail_with = value.parse().map_err(|e| format!("--fail-with: {e}"))?,
            "--always" => settings.always = Some(value.parse().map_err(|e| format!("--always: {e}"))?),
            "--tls-cert" => settings.tls_cert = Some(PathBuf::from(value)),
            "--tls-key" => settings.tls_key = Some(PathBuf::from(value)),
            "--max-connections" => {
                settings.max_connections = usize::try_from(parse_positive(&flag, &value)?)
                    .map_err(|_| format!("{flag}: `{value}` is too large"))?
            }
            "--request-timeout-ms" => settings.request_timeout = Duration::from_millis(parse_positive(&flag, &value)?),
            "--metadata-role" | "--metadata-lifetime" | "--metadata-latency-ms" | "--metadata-mode" => {
                let metadata = settings.metadata.get_or_insert_with(MetadataOptions::default);
                match flag.as_str() {
                    "--metadata-role" if !value.is_empty() && value.len() <= 128 => metadata.role = value,
                    "--metadata-role" => return Err(format!("{flag}: 1 to 128 characters")),
                    "--metadata-lifetime" => {
                        metadata.lifetime_seconds = i64::try_from(parse_positive(&flag, &value)?)
                            .map_err(|_| format!("{flag}: `{value}` is too large"))?
                    }
                    "--metadata-latency-ms" => metadata.latency = Duration::from_millis(parse_number(&flag, &value)?),
                    _ => metadata.mode = value.parse::<MetadataMode>().map_err(|e| format!("{flag}: {e}"))?,
                }
            }
            _ => settings.port_file = Some(PathBuf::from(value)),
        }
    }
    if settings.tls_cert.is_some() != settings.tls_key.is_some() {
        return Err("--tls-cert and --tls-key go together".to_string());
    }
    for (i, entry) in env_keys.unwrap_or("").split(',').map(str::trim).enumerate() {
        if !entry.is_empty() {
            settings.keys.push(parse_key(entry, &format!("STS_EMULATOR_KEYS entry {}", i + 1))?);
        }
    }
    Ok(Command::Run(Box::new(settings)))
}

fn log_line(request: &RecordedRequest) -> String {
    let or_dash = |s: &str| if s.is_empty() { "-".to_string() } else { s.to_string() };
    let mut line = format!(
        "sts-emulator: {} region={} secret_id={} -> {}",
        or_dash(&request.action),
        or_dash(&request.region),
        or_dash(&request.secret_id),
        request.error_code.as_deref().unwrap_or(if request.fault.is_some() { "-" } else { "ok" }),
    );
    if let Some(fault) = request.fault {
        line.push_str(&format!(" [fault {fault}]"));
    }
    line
}

/// Writes the port through a temporary file and a rename, so a reader never sees half of it.
fn write_port_file(path: &std::path::Path, port: u16) -> std::io::Result<()> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    std::fs::write(&temporary, format!("{port}\n"))?;
    std::fs::rename(&temporary, path)
}

fn main() -> ExitCode {
    let env_keys = std::env::var("STS_EMULATOR_KEYS").ok();
    let mut stderr = std::io::stderr();
    let settings = match parse_args(std::env::args_os().skip(1), env_keys.as_deref()) {
        Ok(Command::Run(settings)) => *settings,
        Ok(Command::Help) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Command::Version) => {
            println!("sts-emulator {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            let _ = writeln!(stderr, "sts-emulator: {message}\nTry `sts-emulator --help`.");
            return ExitCode::from(2);
        }
    };

    let mut keys = settings.keys;
    if keys.is_empty() {
        let _ = writeln!(
            stderr,
            "sts-emulator: no key pair given (--key or STS_EMULATOR_KEYS); accepting the default \
             pair SecretId={DEFAULT_SECRET_ID} SecretKey={DEFAULT_SECRET_KEY}"
        );
        keys.push((DEFAULT_SECRET_ID.to_string(), DEFAULT_SECRET_KEY.to_string()));
    } else {
        let ids: Vec<&str> = keys.iter().map(|(id, _)| id.as_str()).collect();
        let _ = writeln!(stderr, "sts-emulator: accepting SecretIds {}", ids.join(", "));
    }
    let tls = match (&settings.tls_cert, &settings.tls_key) {
        (Some(cert), Some(key)) => match TlsIdentity::from_files(cert, key) {
            Ok(identity) => Some(identity),
            Err(e) => {
                let _ = writeln!(stderr, "sts-emulator: cannot read the TLS identity: {e}");
                return ExitCode::from(1);
            }
        },
        _ => None,
    };
    let options = EmulatorOptions {
        keys,
        session_tokens: settings.session_tokens,
        web_identities: settings.web_identities,
        faults: Faults {
            latency: settings.latency,
            fail_first: settings.fail_first,
            fail_with: settings.fail_with,
            always: settings.always,
        },
        port: settings.port,
        tls,
        now: None,
        max_connections: settings.max_connections,
        request_timeout: settings.request_timeout,
        metadata: settings.metadata,
    };
    let emulator = match Emulator::start_with_log(options, |request| {
        let _ = writeln!(std::io::stderr().lock(), "{}", log_line(request));
    }) {
        Ok(emulator) => emulator,
        Err(e) => {
            let _ = writeln!(stderr, "sts-emulator: cannot listen on 127.0.0.1:{}: {e}", settings.port);
            return ExitCode::from(1);
        }
    };
    if let Some(path) = &settings.port_file {
        if let Err(e) = write_port_file(path, emulator.addr().port()) {
            let _ = writeln!(stderr, "sts-emulator: cannot write {}: {e}", path.display());
            return ExitCode::from(1);
        }
    }
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "sts-emulator listening on {}", emulator.url());
    if let Some(url) = emulator.metadata_url() {
        let _ = writeln!(stdout, "sts-emulator metadata on {url}");
    }
    let _ = stdout.flush();
    drop(stdout);
    loop {
        std::thread::park();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str], env: Option<&str>) -> Result<Command, String> {
        parse_args(args.iter().map(OsString::from), env)
    }

    fn settings(args: &[&str], env: Option<&str>) -> Settings {
        match parse(args, env) {
            Ok(Command::Run(settings)) => *settings,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_flag_is_parsed_in_both_spellings() {
        let s = settings(
            &[
                "--port",
                "8080",
                "--key",
                "AKIDa:k:with:colons",
                "--key=AKIDb:kb",
                "--latency-ms=250",
                "--fail-first",
                "3",
                "--fail-with",
                "throttle",
                "--always=drop",
                "--port-file",
                "/tmp/p",
                "--max-connections",
                "8",
                "--request-timeout-ms=1500",
                "--web-identity",
                "tke-oidc:eyJ.token:part",
                "--web-identity=github:tok2",
            ],
            Some("AKIDc:kc, AKIDd:kd,"),
        );
        let web: Vec<(&str, &str)> = s.web_identities.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        assert_eq!(web, [("tke-oidc", "eyJ.token:part"), ("github", "tok2")]);
        assert_eq!(s.port, 8080);
        let ids: Vec<(&str, &str)> = s.keys.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        assert_eq!(ids, [("AKIDa", "k:with:colons"), ("AKIDb", "kb"), ("AKIDc", "kc"), ("AKIDd", "kd")]);
        assert_eq!(s.latency, Duration::from_millis(250));
        assert_eq!((s.fail_first, s.fail_with, s.always), (3, FailMode::Throttle, Some(FailMode::Drop)));
        assert_eq!(s.port_file, Some(PathBuf::from("/tmp/p")));
        assert_eq!((s.max_connections, s.request_timeout), (8, Duration::from_millis(1500)));
    }

    #[test]
    fn defaults_have_no_keys_and_no_faults() {
        let s = settings(&[], None);
        assert_eq!((s.port, s.keys.len(), s.fail_first, s.always), (0, 0, 0, None));
        assert_eq!(s.fail_with, FailMode::Http500);
        assert_eq!((s.max_connections, s.request_timeout), (256, Duration::from_secs(10)));
        assert_eq!(parse(&["--help"], None), Ok(Command::Help));
        assert_eq!(parse(&["-V"], None), Ok(Command::Version));
    }

    #[test]
    fn metadata_and_web_identity_flags() {
        let s = settings(&["--web-identity", "provider-1:token-EXAMPLE", "--metadata"], None);
        assert_eq!(s.web_identities, [("provider-1".to_owned(), "token-EXAMPLE".to_owned())]);
        assert_eq!(s.metadata, Some(MetadataOptions::default()));
        let s = settings(
            &[
                "--metadata-role=r1",
                "--metadata-lifetime",
                "600",
                "--metadata-latency-ms=50",
                "--metadata-mode",
                "no-role",
            ],
            None,
        );
        let metadata = s.metadata.unwrap();
        assert_eq!((metadata.role.as_str(), metadata.lifetime_seconds), ("r1", 600));
        assert_eq!((metadata.latency, metadata.mode), (Duration::from_millis(50), MetadataMode::NoRole));
        assert!(parse(&["--metadata-mode", "gone"], None).unwrap_err().contains("unknown metadata mode"));
        assert!(settings(&[], None).metadata.is_none());
        let error = parse(&["--web-identity", "no-colon-secret"], None).unwrap_err();
        assert!(!error.contains("secret"), "{error}");
    }

    #[test]
    fn tls_flags_go_together() {
        let s = settings(&["--tls-cert", "c.pem", "--tls-key=k.pem"], None);
        assert_eq!((s.tls_cert, s.tls_key), (Some(PathBuf::from("c.pem")), Some(PathBuf::from("k.pem"))));
        assert!(parse(&["--tls-cert", "c.pem"], None).unwrap_err().contains("go together"));
        assert!(parse(&["--tls-key", "k.pem"], None).unwrap_err().contains("go together"));
    }

    #[test]
    fn usage_errors_do_not_echo_secrets() {
        for (args, env) in [
            (&["--bogus"][..], None),
            (&["--port"][..], None),
            (&["--port", "70000"][..], None),
            (&["--latency-ms", "-1"][..], None),
            (&["--fail-with", "slow"][..], None),
            (&["--key", "nocolon-secret"][..], None),
            (&["--key", ":secret"][..], None),
            (&["--web-identity", "no-colon-secret"][..], None),
            (&["--web-identity", "provider:"][..], None),
            (&[][..], Some("AKIDx:ok,broken-secret")),
            (&["--bind", "0.0.0.0"][..], None),
            (&["--max-connections", "0"][..], None),
            (&["--max-connections", "-3"][..], None),
            (&["--request-timeout-ms", "0"][..], None),
            (&["--request-timeout-ms"][..], None),
        ] {
            let error = parse(args, env).expect_err("a usage error");
            assert!(!error.contains("secret"), "{error}");
        }
    }

    #[test]
    fn the_help_documents_every_flag_and_mode() {
        for flag in [
            "--port",
            "--key",
            "--web-identity",
            "--latency-ms",
            "--fail-first",
            "--fail-with",
            "--always",
            "--port-file",
            "--tls-cert",
            "--tls-key",
            "--max-connections",
            "--request-timeout-ms",
            "--web-identity",
            "--metadata",
            "--metadata-role",
            "--metadata-lifetime",
            "--metadata-latency-ms",
            "--metadata-mode",
            "/__emulator/stats",
            "STS_EMULATOR_KEYS",
        ] {
            assert!(USAGE.contains(flag), "{flag}");
        }
        for mode in FailMode::ALL {
            assert!(USAGE.contains(mode.name()), "{mode}");
        }
        for mode in MetadataMode::ALL {
            assert!(USAGE.contains(mode.name()), "{mode}");
        }
        assert!(USAGE.contains(DEFAULT_SECRET_ID) && USAGE.contains(DEFAULT_SECRET_KEY));
    }

    #[test]
    fn log_lines_name_the_action_and_the_outcome() {
        let mut request = RecordedRequest {
            action: "GetFederationToken".into(),
            host: "sts.tencentcloudapi.com".into(),
            region: "ap-guangzhou".into(),
            timestamp: "1".into(),
            secret_id: "AKIDx".into(),
            signature_method: "HmacSHA1".into(),
            signature_ok: true,
            decoded_policy: None,
            body: serde_json::Value::Null,
            unsigned: false,
            token_sent: false,
            error_code: None,
            fault: None,
        };
        assert_eq!(log_line(&request), "sts-emulator: GetFederationToken region=ap-guangzhou secret_id=AKIDx -> ok");
        request.error_code = Some("RequestLimitExceeded".into());
        request.fault = Some(FailMode::Throttle);
        assert!(log_line(&request).ends_with("-> RequestLimitExceeded [fault throttle]"));
    }
}

//! The TC3 signing vectors of tests/data/tc3 (see its README for where each case comes from):
//! every stage of src/sign.rs must produce the recorded bytes, and the emulator must accept each
//! recorded request as sent and refuse it with one byte of its signature changed.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::*;
use sts::sign::{self, SigningInput};
use sts_emulator::RecordedRequest;

const CASES: [&str; 4] =
    ["cvm-describe-instances", "sts-get-federation-token", "sts-assume-role-utf8", "sts-utc-midnight"];

/// One case directory, read.
struct Case {
    name: String,
    dir: PathBuf,
    request: Vec<u8>,
    secret_id: String,
    secret_key: String,
}

/// The parts of a recorded `POST / HTTP/1.1` request.
struct Request<'a> {
    headers: Vec<(&'a str, &'a str)>,
    body: &'a [u8],
}

impl<'a> Request<'a> {
    fn header(&self, name: &str) -> &'a str {
        let found = self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name));
        found.unwrap_or_else(|| panic!("the request has no {name} header")).1
    }

    fn optional_header(&self, name: &str) -> Option<&'a str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| *v)
    }
}

impl Case {
    fn file(&self, name: &str) -> String {
        let path = self.dir.join(name);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn parsed(&self) -> Request<'_> {
        let end = self.request.windows(4).position(|w| w == b"\r\n\r\n").expect("a blank line ends the head");
        let head = std::str::from_utf8(&self.request[..end]).expect("an ASCII head");
        let mut lines = head.split("\r\n");
        assert_eq!(lines.next(), Some("POST / HTTP/1.1"), "{}: request line", self.name);
        let headers = lines.map(|line| line.split_once(": ").expect("`Name: value` header lines")).collect();
        let request = Request { headers, body: &self.request[end + 4..] };
        let length: usize = request.header("content-length").parse().expect("a numeric Content-Length");
        assert_eq!(length, request.body.len(), "{}: Content-Length", self.name);
        request
    }

    /// What src/sign.rs signs, taken from the request as a server would read it.
    fn input<'a>(&'a self, request: &Request<'a>) -> SigningInput<'a> {
        let host = request.header("host");
        SigningInput {
            secret_id: &self.secret_id,
            secret_key: &self.secret_key,
            // TC3's service is the first label of the API host name.
            service: host.split('.').next().unwrap_or_default(),
            host,
            content_type: request.header("content-type"),
            payload: request.body,
            timestamp: request.header("x-tc-timestamp").parse().expect("a numeric X-TC-Timestamp"),
        }
    }
}

fn cases() -> Vec<Case> {
    let root = Path::new(&data("tc3")).to_path_buf();
    let mut dirs: Vec<PathBuf> =
        std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    let cases: Vec<Case> = dirs
        .into_iter()
        .map(|dir| {
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            let secret = std::fs::read_to_string(dir.join("secret")).unwrap();
            let field = |key: &str| {
                let prefix = format!("{key}: ");
                let line = secret.lines().find_map(|l| l.strip_prefix(prefix.as_str()));
                line.unwrap_or_else(|| panic!("{name}/secret has no {key} line")).to_owned()
            };
            let (secret_id, secret_key) = (field("SecretId"), field("SecretKey"));
            Case { request: std::fs::read(dir.join("request")).unwrap(), name, dir, secret_id, secret_key }
        })
        .collect();
    for expected in CASES {
        assert!(cases.iter().any(|c| c.name == expected), "tests/data/tc3/{expected} is missing");
    }
    cases
}

fn case(name: &str) -> Case {
    cases().into_iter().find(|c| c.name == name).unwrap()
}

#[test]
fn every_stage_of_the_signer_reproduces_the_recorded_bytes() {
    for case in cases() {
        let request = case.parsed();
        let input = case.input(&request);
        let name = &case.name;
        assert_eq!(sign::canonical_request(&input), case.file("canonical-request"), "{name}: canonical request");
        assert_eq!(sign::string_to_sign(&input), case.file("string-to-sign"), "{name}: string to sign");
        assert_eq!(sign::signature(&input), case.file("signature"), "{name}: signature");
        assert_eq!(sign::authorization(&input), case.file("authorization"), "{name}: authorization");
        // The recorded request carries exactly that header, and it parses back to its scope.
        assert_eq!(request.header("authorization"), case.file("authorization"), "{name}: Authorization header");
        let parsed = sign::parse_authorization(request.header("authorization")).expect("a TC3 Authorization");
        assert_eq!(parsed.secret_id, case.secret_id, "{name}: Credential SecretId");
        assert_eq!(format!("{}/{}/tc3_request", parsed.date, parsed.service), sign::credential_scope(&input));
        assert_eq!(parsed.signature, case.file("signature"), "{name}: Signature=");
    }
}

#[test]
fn the_official_case_holds_the_documented_values() {
    // As printed in Tencent Cloud's "Signature v3" document: the data must not drift from it.
    let official = case("cvm-describe-instances");
    assert_eq!(official.file("signature"), "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168");
    assert!(official
        .file("canonical-request")
        .ends_with("\n35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"));
    assert!(official
        .file("string-to-sign")
        .ends_with("\n5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"));
    assert_eq!(official.parsed().header("x-tc-action"), "DescribeInstances");
}

#[test]
fn the_scope_date_one_second_before_utc_midnight_is_that_utc_day() {
    let midnight = case("sts-utc-midnight");
    let request = midnight.parsed();
    let input = midnight.input(&request);
    assert_eq!(input.timestamp % 86_400, 86_399, "one second before 00:00 UTC");
    // 2023-12-31T23:59:59Z is 2024-01-01 07:59:59 in UTC+8: the scope stays on the UTC day.
    assert_eq!(sign::credential_scope(&input), "2023-12-31/sts/tc3_request");
    // The emulator already in the next UTC day still verifies against the request's own date.
    let verdict = emulator_verdict(&midnight, &midnight.request, input.timestamp + 1);
    assert!(verdict.record.signature_ok, "after midnight: {}", verdict.message);
    assert_eq!(verdict.code, accepted_code(&request), "after midnight: {}", verdict.message);
    let verdict = emulator_verdict(&midnight, &midnight.request, input.timestamp + 301);
    assert_eq!(verdict.code.as_deref(), Some("AuthFailure.SignatureExpire"), "more than 300 s later");
}

#[test]
fn the_emulator_accepts_each_recorded_request_and_refuses_one_changed_signature_byte() {
    for case in cases() {
        let request = case.parsed();
        let input = case.input(&request);
        let name = &case.name;
        let verdict = emulator_verdict(&case, &case.request, input.timestamp);
        if input.service != "sts" {
            // The emulator is an STS: a scope for another service is refused before any hashing.
            assert!(!verdict.record.signature_ok, "{name}");
            assert_eq!(verdict.code.as_deref(), Some("AuthFailure.SignatureFailure"), "{name}");
            assert!(verdict.message.contains(&format!("`{}`", input.service)), "{name}: {}", verdict.message);
            continue;
        }
        assert!(verdict.record.signature_ok, "{name}: signature refused: {}", verdict.message);
        assert_eq!(
            verdict.code,
            accepted_code(&request),
            "{name}: the request is accepted as a whole: {}",
            verdict.message
        );
        assert_eq!(verdict.record.secret_id, case.secret_id, "{name}");

        let signature = case.file("signature");
        let at = case.request.windows(signature.len()).position(|w| w == signature.as_bytes()).unwrap();
        for offset in [0, signature.len() / 2, signature.len() - 1] {
            let mut changed = case.request.clone();
            // Another lower-case hex digit: the header keeps its shape, only the value is wrong.
            changed[at + offset] = if changed[at + offset] == b'0' { b'1' } else { b'0' };
            let verdict = emulator_verdict(&case, &changed, input.timestamp);
            assert!(!verdict.record.signature_ok, "{name}: byte {offset} of the signature changed, still accepted");
            assert_eq!(verdict.code.as_deref(), Some("AuthFailure.SignatureFailure"), "{name}: byte {offset}");
        }
    }
}

/// What a verified request is answered: credentials (None), except GetFederationToken signed
/// with a temporary key (it carries X-TC-Token), which the service refuses as
/// `FailedOperation.TempKeyNotAllowed` once the signature and token check out.
fn accepted_code(request: &Request<'_>) -> Option<String> {
    let temporary = request.optional_header("x-tc-token").is_some();
    (temporary && request.header("x-tc-action") == "GetFederationToken")
        .then(|| "FailedOperation.TempKeyNotAllowed".to_owned())
}

/// How the emulator answered one request.
struct Verdict {
    /// The service error code; None when it issued credentials.
    code: Option<String>,
    message: String,
    record: RecordedRequest,
}

/// Sends `request` as raw bytes to an in-process emulator that holds the case's key (and the
/// request's session token, if any) and whose clock reads `now`.
fn emulator_verdict(case: &Case, request: &[u8], now: i64) -> Verdict {
    let parsed = case.parsed();
    let session_tokens = match parsed.optional_header("x-tc-token") {
        Some(token) => vec![(case.secret_id.clone(), token.to_owned())],
        None => Vec::new(),
    };
    let emulator = Emulator::start(EmulatorOptions {
        keys: vec![(case.secret_id.clone(), case.secret_key.clone())],
        session_tokens,
        now: Some(now),
        ..EmulatorOptions::default()
    })
    .expect("emulator starts");
    let mut stream = TcpStream::connect(emulator.addr()).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    stream.write_all(request).unwrap();
    // The request says `Connection: close`: the answer ends when the emulator closes.
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    let answer = String::from_utf8(answer).expect("a UTF-8 answer");
    assert!(answer.starts_with("HTTP/1.1 200 "), "{}: {answer}", case.name);
    let body = parse(answer.split_once("\r\n\r\n").expect("a head and a body").1);
    let error = &body["Response"]["Error"];
    let code = error["Code"].as_str().map(str::to_owned);
    let message = error["Message"].as_str().unwrap_or_default().to_owned();
    let mut records = emulator.requests();
    assert_eq!(records.len(), 1, "{}: one request recorded", case.name);
    let record = records.remove(0);
    assert_eq!(record.error_code, code, "{}: recorded and answered codes agree", case.name);
    Verdict { code, message, record }
}

//! Protocol garbage in an answer is a bad response (`STS_BAD_RESPONSE`, `Client.BadResponse`),
//! not a network failure: it is not retried, and the message says what is wrong without quoting
//! any of it. Each case is a tiny server on 127.0.0.1 that answers canned bytes; every part a
//! message could quote carries the marker `QUOTEDEXAMPLE`.

use serde_json::{json, Value};
use std::ffi::{c_char, CStr, CString};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use sts::ffi::{sts_get_credential, sts_string_free, StsCode};

const MARKER: &str = "QUOTEDEXAMPLE";
/// An STS-shaped body holding the marker: a message must not quote it.
const BODY: &str = r#"{"Response":{"RequestId":"QUOTEDEXAMPLE","Credentials":{"Token":"QUOTEDEXAMPLE"}}}"#;
/// How long an endless answer keeps streaming if the client does not give up first.
const ENDLESS_FOR: Duration = Duration::from_secs(10);

enum Answer {
    /// These bytes, then the end of the connection.
    Once(Vec<u8>),
    /// `head`, then `repeat` over and over until the client goes away.
    Endless { head: Vec<u8>, repeat: Vec<u8> },
}

/// A server on 127.0.0.1 that reads each request and answers it with the same canned bytes.
struct RawServer {
    url: String,
    requests: Arc<AtomicUsize>,
}

impl RawServer {
    fn start(answer: Answer) -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let requests = Arc::new(AtomicUsize::new(0));
        let (counter, answer) = (Arc::clone(&requests), Arc::new(answer));
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (counter, answer) = (Arc::clone(&counter), Arc::clone(&answer));
                std::thread::spawn(move || answer_one(stream, &counter, &answer));
            }
        });
        RawServer { url, requests }
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

fn answer_one(mut stream: TcpStream, requests: &AtomicUsize, answer: &Answer) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    if !read_request(&mut stream) {
        return;
    }
    requests.fetch_add(1, Ordering::SeqCst);
    match answer {
        Answer::Once(bytes) => {
            let _ = stream.write_all(bytes);
            let _ = stream.shutdown(Shutdown::Write);
            // Until the client closes: closing first with its bytes unread would reset.
            let _ = std::io::copy(&mut stream, &mut std::io::sink());
        }
        Answer::Endless { head, repeat } => {
            let started = Instant::now();
            let _ = stream.write_all(head);
            while started.elapsed() < ENDLESS_FOR && stream.write_all(repeat).is_ok() {}
        }
    }
}

/// Reads one whole request (head and Content-Length body); false if the client went away.
fn read_request(stream: &mut TcpStream) -> bool {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut request = httparse::Request::new(&mut headers);
        if let Ok(httparse::Status::Complete(head)) = request.parse(&buffer) {
            let length = request
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                .and_then(|h| std::str::from_utf8(h.value).ok()?.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if buffer.len() >= head + length {
                return true;
            }
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return false,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    }
}

/// The call a C caller makes, with retries on: a misclassified failure would be sent again.
fn call(url: &str) -> (StsCode, Value, Duration) {
    let config = json!({"secret_id": "AKIDEMULATOREXAMPLE0000000000000000", "secret_key": "key-EXAMPLE",
        "url": url, "retries": 2, "timeout_ms": 3000,
        "policy": {"version": "2.0", "statement": [{"effect": "allow", "action": ["*"], "resource": ["*"]}]}});
    let input = CString::new(config.to_string()).unwrap();
    let mut out: *mut c_char = std::ptr::null_mut();
    let started = Instant::now();
    let code = sts_get_credential(input.as_ptr(), &mut out);
    let elapsed = started.elapsed();
    assert!(!out.is_null());
    // SAFETY: the library set `out` to a NUL-terminated string it owns until sts_string_free.
    let text = unsafe { CStr::from_ptr(out) }.to_str().unwrap().to_owned();
    sts_string_free(out);
    (code, serde_json::from_str(&text).unwrap(), elapsed)
}

fn head(lines: &str) -> String {
    format!("HTTP/1.1 200 OK\r\n{lines}\r\n")
}

fn cases() -> Vec<(&'static str, Answer, &'static str)> {
    let once = |bytes: Vec<u8>| Answer::Once(bytes);
    let text = |s: String| Answer::Once(s.into_bytes());
    let gzip_magic = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03QUOTEDEXAMPLE".to_vec();
    let n = BODY.len();
    vec![
        (
            "Content-Length not a number",
            text(head("Content-Length: QUOTEDEXAMPLE\r\n") + BODY),
            "a Content-Length that is not a number",
        ),
        (
            "negative Content-Length",
            text(head("Content-Length: -5\r\n") + BODY),
            "a Content-Length that is not a number",
        ),
        (
            "two Content-Lengths",
            text(head(&format!("Content-Length: {n}\r\nContent-Length: 7\r\n")) + BODY),
            "conflicting Content-Length values",
        ),
        (
            "a Content-Length list",
            text(head(&format!("Content-Length: {n}, 7\r\n")) + BODY),
            "conflicting Content-Length values",
        ),
        (
            "Transfer-Encoding and Content-Length",
            text(
                head(&format!("Transfer-Encoding: chunked\r\nContent-Length: {n}\r\n"))
                    + &format!("{n:x}\r\n{BODY}\r\n0\r\n\r\n"),
            ),
            "both Transfer-Encoding and Content-Length",
        ),
        (
            "Transfer-Encoding gzip",
            once([head("Transfer-Encoding: gzip\r\n").into_bytes(), gzip_magic.clone()].concat()),
            "a Transfer-Encoding other than chunked",
        ),
        (
            "Transfer-Encoding gzip, chunked",
            once(
                [
                    head("Transfer-Encoding: gzip, chunked\r\n").into_bytes(),
                    b"17\r\n".to_vec(),
                    gzip_magic.clone(),
                    b"\r\n0\r\n\r\n".to_vec(),
                ]
                .concat(),
            ),
            "a Transfer-Encoding other than chunked",
        ),
        (
            "an unknown Transfer-Encoding",
            text(head("Transfer-Encoding: QUOTEDEXAMPLE\r\n") + BODY),
            "a Transfer-Encoding other than chunked",
        ),
        (
            "Content-Encoding gzip",
            once(
                [
                    head(&format!("Content-Encoding: gzip\r\nContent-Length: {}\r\n", gzip_magic.len())).into_bytes(),
                    gzip_magic.clone(),
                ]
                .concat(),
            ),
            "a body compressed with gzip (Content-Encoding), which libsts does not decode",
        ),
        // Readable JSON, but not what the server meant: it says the bytes are compressed.
        (
            "Content-Encoding br over JSON",
            text(head(&format!("Content-Encoding: br\r\nContent-Length: {n}\r\n")) + BODY),
            "compressed with br",
        ),
        (
            "an unknown Content-Encoding",
            text(head(&format!("Content-Encoding: QUOTEDEXAMPLE\r\nContent-Length: {n}\r\n")) + BODY),
            "a Content-Encoding libsts does not know",
        ),
        (
            "a body that is not UTF-8",
            once([head("Content-Length: 17\r\n").into_bytes(), b"\xffQUOTEDEXAMPLE\xfe\xfd\xfc".to_vec()].concat()),
            "a body that is not UTF-8 text",
        ),
        (
            "a broken chunk length",
            text(head("Transfer-Encoding: chunked\r\n") + "QUOTEDEXAMPLE\r\nxx\r\n0\r\n\r\n"),
            "a broken chunked body",
        ),
        (
            "a broken status line",
            text(format!("HTTP/1.1 2x0 QUOTEDEXAMPLE\r\nContent-Length: {n}\r\n\r\n{BODY}")),
            "a status line or header that is not HTTP",
        ),
        ("not HTTP at all", text(format!("QUOTEDEXAMPLE {BODY}\r\n\r\n")), "a status line or header that is not HTTP"),
        (
            "HTTP/2 framing",
            text(format!("HTTP/2 200\r\nX-Note: QUOTEDEXAMPLE\r\n\r\n{BODY}")),
            "a status line or header that is not HTTP",
        ),
        (
            "a bad header name",
            text(head("QUOTED EXAMPLE: x\r\nContent-Length: 0\r\n")),
            "a status line or header that is not HTTP",
        ),
        (
            "a 100 Continue with headers",
            text(format!(
                "HTTP/1.1 100 Continue\r\nX-Note: QUOTEDEXAMPLE\r\n\r\n{}{BODY}",
                head(&format!("Content-Length: {n}\r\n"))
            )),
            "a 100 Continue carrying headers",
        ),
        (
            "endless headers",
            Answer::Endless { head: b"HTTP/1.1 200 OK\r\n".to_vec(), repeat: b"X-Pad: QUOTEDEXAMPLE\r\n".to_vec() },
            "too many headers",
        ),
        (
            "one endless header line",
            Answer::Endless { head: b"HTTP/1.1 200 OK\r\nX-Pad: ".to_vec(), repeat: MARKER.repeat(4096).into_bytes() },
            "a status line and headers over 16384 bytes",
        ),
        (
            "endless 100 Continue",
            Answer::Endless { head: Vec::new(), repeat: "HTTP/1.1 100 Continue\r\n\r\n".repeat(2048).into_bytes() },
            "a status line and headers over 16384 bytes",
        ),
        (
            "endless 102 Processing",
            Answer::Endless { head: Vec::new(), repeat: "HTTP/1.1 102 Processing\r\n\r\n".repeat(2048).into_bytes() },
            "a status line and headers over 16384 bytes",
        ),
    ]
}

#[test]
fn garbled_answers_are_bad_responses_sent_once_and_never_quoted() {
    for (label, answer, needle) in cases() {
        let server = RawServer::start(answer);
        let (code, out, elapsed) = call(&server.url);
        let message = out["error"]["message"].as_str().unwrap_or_default();
        assert_eq!(code, StsCode::STS_BAD_RESPONSE, "{label}: {out}");
        assert_eq!(out["error"]["code"], "Client.BadResponse", "{label}: {out}");
        assert_eq!(server.requests(), 1, "{label}: a bad response is not retried: {out}");
        assert!(message.contains(needle), "{label}: `{message}` does not say `{needle}`");
        assert!(message.starts_with(&server.url[..server.url.len() - 1]), "{label}: `{message}` names no server");
        assert!(!message.contains("QUOTED"), "{label}: `{message}` quotes the answer");
        // Found at the headers or the first bytes of the body: well under the 3 s timeout.
        assert!(elapsed < Duration::from_secs(2), "{label}: took {elapsed:?}");
    }
}

#[test]
fn an_error_status_with_an_undecodable_body_keeps_its_status_and_is_retried() {
    let answer =
        format!("HTTP/1.1 503 QUOTEDEXAMPLE\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n{BODY}", BODY.len());
    let server = RawServer::start(Answer::Once(answer.into_bytes()));
    let (code, out, _) = call(&server.url);
    let message = out["error"]["message"].as_str().unwrap_or_default();
    assert_eq!((code, out["error"]["code"].as_str()), (StsCode::STS_BAD_RESPONSE, Some("Client.HttpStatus")), "{out}");
    assert!(message.starts_with("HTTP 503 from ") && message.contains("gzip"), "{message}");
    assert!(!message.contains("QUOTED"), "{message}");
    assert_eq!(server.requests(), 3, "a 503 is transient: first attempt and two retries");
}

#[test]
fn a_non_ascii_secret_id_sends_nothing_and_is_not_retried() {
    let server = RawServer::start(Answer::Once(head("Content-Length: 0\r\n").into_bytes()));
    let config = json!({"secret_id": "AKID\u{e9}EXAMPLE", "secret_key": "key-EXAMPLE", "url": server.url, "retries": 2,
        "policy": {"version": "2.0", "statement": [{"effect": "allow", "action": ["*"], "resource": ["*"]}]}});
    let e = sts::api::get_credential(&config.to_string()).unwrap_err();
    assert_eq!(e.code(), "Client.InvalidArgument", "{e}");
    assert!(e.message().starts_with("secret_id: "), "{e}");
    assert_eq!(server.requests(), 0);
}

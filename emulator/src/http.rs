//! The server side of HTTP/1.1, as much of it as the emulator needs: request line, headers,
//! `Content-Length` bodies, `Expect: 100-continue`, keep-alive and pipelining.
//!
//! `httparse` parses the request line and the headers; this module owns the socket loop
//! around it (buffering, pipelined bytes, the body) and the limits. Every malformed input
//! becomes a [`Rejection`] (answered with a 4xx/5xx and the connection closed); nothing here
//! panics on what a peer sends. Chunked request bodies are not supported (501): STS clients
//! send a `Content-Length`. Responses are written by hand, byte for byte, so that the fault
//! modes can break them exactly as documented.

use std::io::{ErrorKind, Read, Write};
use std::time::{Duration, Instant};

/// The request line and headers together may not exceed this (431 otherwise).
pub(crate) const MAX_HEAD: usize = 64 * 1024;
/// A request body may not exceed this (413 otherwise). The real service's limit is larger, but
/// an STS request is well under a kilobyte.
pub(crate) const MAX_BODY: usize = 2 * 1024 * 1024;
const MAX_HEADERS: usize = 100;
const READ_CHUNK: usize = 16 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Version {
    Http10,
    Http11,
}

#[derive(Debug)]
pub(crate) struct Request {
    pub method: String,
    pub target: String,
    pub version: Version,
    /// Names lower-cased, values with surrounding spaces and tabs removed, in arrival order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// The first value of a header; `name` must be lower-case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// Whether the connection stays open after the answer: HTTP/1.1 unless `Connection: close`,
    /// HTTP/1.0 only with `Connection: keep-alive`.
    pub fn keep_alive(&self) -> bool {
        let has_token = |token: &str| {
            self.headers
                .iter()
                .filter(|(n, _)| n == "connection")
                .flat_map(|(_, v)| v.split(','))
                .any(|t| t.trim().eq_ignore_ascii_case(token))
        };
        match self.version {
            Version::Http11 => !has_token("close"),
            Version::Http10 => has_token("keep-alive") && !has_token("close"),
        }
    }

    /// The target without its query string.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
}

/// A request the server refuses at the HTTP level; the connection is closed after the answer.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Rejection {
    pub status: u16,
    pub message: &'static str,
}

const fn reject(status: u16, message: &'static str) -> Rejection {
    Rejection { status, message }
}

#[derive(Debug)]
pub(crate) enum Incoming {
    Request(Request),
    /// The peer closed the connection, it timed out or it failed; nothing to answer.
    Closed,
    Bad(Rejection),
}

/// A connection whose reads can be bounded in time (the socket's read timeout).
pub(crate) trait Stream: Read + Write {
    fn set_read_timeout(&mut self, timeout: Duration);
}

/// How long a connection may take.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Timeouts {
    /// A keep-alive connection may wait this long between requests.
    pub idle: Duration,
    /// A request's head and body must have arrived this long after its first byte (the first
    /// request of a connection: after the connection was accepted). Slow senders (slowloris)
    /// are cut at this bound.
    pub request: Duration,
}

/// Reads requests one after the other from a connection, keeping bytes that arrived early
/// (pipelined requests) for the next call.
pub(crate) struct Reader<S> {
    stream: S,
    buf: Vec<u8>,
    timeouts: Timeouts,
    /// When the first request's clock started (the connection was accepted); `None` after it.
    opened: Option<Instant>,
}

enum Fill {
    Data,
    /// End of stream, a reset or another failure.
    Closed,
    TimedOut,
}

impl<S: Stream> Reader<S> {
    pub fn new(stream: S, timeouts: Timeouts) -> Self {
        Reader { stream, buf: Vec::new(), timeouts, opened: Some(Instant::now()) }
    }

    pub fn stream(&mut self) -> &mut S {
        &mut self.stream
    }

    /// Reads more bytes, waiting until `deadline` at most.
    fn fill(&mut self, deadline: Instant) -> Fill {
        let mut chunk = [0u8; READ_CHUNK];
        loop {
            let Some(left) = deadline.checked_duration_since(Instant::now()).filter(|left| !left.is_zero()) else {
                return Fill::TimedOut;
            };
            // A zero timeout means "none" to the socket: wait at least a millisecond.
            self.stream.set_read_timeout(left.max(Duration::from_millis(1)));
            match self.stream.read(&mut chunk) {
                Ok(0) => return Fill::Closed,
                Ok(n) => {
                    self.buf.extend_from_slice(&chunk[..n]);
                    return Fill::Data;
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                // The deadline is checked again at the top.
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => continue,
                Err(_) => return Fill::Closed,
            }
        }
    }

    /// Reads the next request. A peer that sends nothing within its time is closed on
    /// silently; one that started a request and did not finish it in time gets a 408.
    pub fn next_request(&mut self) -> Incoming {
        let started = match self.opened.take() {
            Some(opened) => opened,
            None if !self.buf.is_empty() => Instant::now(),
            None => {
                let idle_until = Instant::now() + self.timeouts.idle;
                match self.fill(idle_until) {
                    Fill::Data => Instant::now(),
                    Fill::Closed | Fill::TimedOut => return Incoming::Closed,
                }
            }
        };
        let deadline = started + self.timeouts.request;
        match self.read_request(deadline) {
            Err(Fill::TimedOut) if self.buf.is_empty() => Incoming::Closed,
            Err(Fill::TimedOut) => Incoming::Bad(reject(408, "the request did not arrive in time")),
            Err(_) => Incoming::Closed,
            Ok(incoming) => incoming,
        }
    }

    /// The request read until `deadline`; `Err` with how reading ended when it did not arrive.
    fn read_request(&mut self, deadline: Instant) -> Result<Incoming, Fill> {
        // Parse whenever a line may have ended: a head is only ever complete at a newline, so
        // a peer sending one byte at a time does not cost a parse per byte.
        let mut parse_from = 0;
        // Empty lines before a request line are ignored (RFC 9112 section 2.2). They are
        // dropped here rather than skipped by every parse, and they count towards the limit.
        let mut skipped = 0;
        let (head, head_len) = loop {
            let blank = self.buf.iter().take_while(|&&b| b == b'\r' || b == b'\n').count();
            if blank > 0 {
                self.buf.drain(..blank);
                skipped += blank;
                parse_from = 0;
            }
            if self.buf[parse_from..].contains(&b'\n') {
                match parse_head(&self.buf) {
                    Ok(Some(parsed)) => break parsed,
                    Ok(None) => {}
                    Err(rejection) => return Ok(Incoming::Bad(rejection)),
                }
            }
            if skipped + self.buf.len() > MAX_HEAD {
                return Ok(Incoming::Bad(reject(431, "request head too large")));
            }
            parse_from = self.buf.len();
            self.fill_until(deadline)?;
        };
        if head_len > MAX_HEAD {
            return Ok(Incoming::Bad(reject(431, "request head too large")));
        }
        let body_len = match body_length(&head) {
            Ok(n) => n,
            Err(rejection) => return Ok(Incoming::Bad(rejection)),
        };
        let end = head_len + body_len;
        let expects_continue =
            head.headers.iter().any(|(n, v)| n == "expect" && v.eq_ignore_ascii_case("100-continue"));
        if expects_continue && head.version == Version::Http11 && self.buf.len() < end {
            if self.stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").is_err() {
                return Err(Fill::Closed);
            }
            let _ = self.stream.flush();
        }
        while self.buf.len() < end {
            self.fill_until(deadline)?;
        }
        let body = self.buf[head_len..end].to_vec();
        self.buf.drain(..end);
        let Head { method, target, version, headers } = head;
        Ok(Incoming::Request(Request { method, target, version, headers, body }))
    }

    fn fill_until(&mut self, deadline: Instant) -> Result<(), Fill> {
        match self.fill(deadline) {
            Fill::Data => Ok(()),
            ended => Err(ended),
        }
    }
}

struct Head {
    method: String,
    target: String,
    version: Version,
    headers: Vec<(String, String)>,
}

/// Parses the head at the start of `buf`: `Ok(None)` while incomplete, else the head and its
/// length in bytes.
fn parse_head(buf: &[u8]) -> Result<Option<(Head, usize)>, Rejection> {
    let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut slots);
    let len = match parsed.parse(buf) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(error) => return Err(rejection_for(error, buf)),
    };
    // A complete parse has all three parts of the request line.
    let (Some(method), Some(target), Some(minor)) = (parsed.method, parsed.path, parsed.version) else {
        return Err(reject(400, "malformed request line"));
    };
    let version = if minor == 0 { Version::Http10 } else { Version::Http11 };
    let target = std::str::from_utf8(target.as_bytes()).map_err(|_| reject(400, "malformed request target"))?;
    let mut headers = Vec::with_capacity(parsed.headers.len());
    for header in parsed.headers.iter() {
        // httparse passes obs-text (bytes 0x80-0xFF) in values; the emulator wants UTF-8
        // without control characters (C1 included) so values can be logged and compared.
        let value = std::str::from_utf8(header.value).map_err(|_| reject(400, "header value is not UTF-8"))?;
        if value.chars().any(|c| c.is_control() && c != '\t') {
            return Err(reject(400, "control character in a header value"));
        }
        headers.push((header.name.to_ascii_lowercase(), value.trim_matches([' ', '\t']).to_string()));
    }
    let hosts = headers.iter().filter(|(n, _)| n == "host").count();
    if hosts > 1 || (hosts == 0 && version == Version::Http11) {
        return Err(reject(400, "an HTTP/1.1 request needs exactly one Host header"));
    }
    Ok(Some((Head { method: method.to_string(), target: target.to_string(), version, headers }, len)))
}

fn rejection_for(error: httparse::Error, buf: &[u8]) -> Rejection {
    match error {
        httparse::Error::TooManyHeaders => reject(431, "too many header fields"),
        httparse::Error::HeaderName => reject(400, "malformed header name"),
        httparse::Error::HeaderValue => reject(400, "control character in a header value"),
        httparse::Error::NewLine => reject(400, "malformed line ending"),
        httparse::Error::Version if names_another_http_version(buf) => {
            reject(505, "only HTTP/1.0 and HTTP/1.1 are supported")
        }
        httparse::Error::Version => reject(400, "malformed HTTP version"),
        httparse::Error::Token | httparse::Error::Status => reject(400, "malformed request line"),
    }
}

/// httparse reports every version but 1.0 and 1.1 alike; a well-formed `HTTP/x.y` of another
/// version gets 505 rather than 400.
fn names_another_http_version(buf: &[u8]) -> bool {
    let start = buf.iter().position(|&b| b != b'\r' && b != b'\n').unwrap_or(buf.len());
    let line = buf[start..].split(|&b| b == b'\r' || b == b'\n').next().unwrap_or(&[]);
    let version = line.rsplit(|&b| b == b' ').next().unwrap_or(&[]);
    match version.strip_prefix(b"HTTP/") {
        Some([major, b'.', minor]) => major.is_ascii_digit() && minor.is_ascii_digit(),
        Some([major]) => major.is_ascii_digit(),
        _ => false,
    }
}

fn body_length(head: &Head) -> Result<usize, Rejection> {
    if head.headers.iter().any(|(n, _)| n == "transfer-encoding") {
        return Err(reject(501, "Transfer-Encoding is not supported; send a Content-Length"));
    }
    let mut length: Option<u64> = None;
    for (_, value) in head.headers.iter().filter(|(n, _)| n == "content-length") {
        if value.is_empty() || value.len() > 19 || !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(reject(400, "malformed Content-Length"));
        }
        let n: u64 = value.parse().map_err(|_| reject(400, "malformed Content-Length"))?;
        if length.is_some_and(|l| l != n) {
            return Err(reject(400, "conflicting Content-Length headers"));
        }
        length = Some(n);
    }
    match length {
        Some(n) if n > MAX_BODY as u64 => Err(reject(413, "request body too large")),
        Some(n) => Ok(n as usize),
        None => Ok(0),
    }
}

pub(crate) fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

/// The head of a response whose body is `content_length` bytes.
pub(crate) fn response_head(
    status: u16,
    content_type: &str,
    content_length: usize,
    keep_alive: bool,
    extra: &[(&str, &str)],
) -> String {
    let mut head = format!(
        "HTTP/1.1 {status} {}\r\nServer: sts-emulator\r\nContent-Type: {content_type}\r\n\
         Content-Length: {content_length}\r\nConnection: {}\r\n",
        reason(status),
        if keep_alive { "keep-alive" } else { "close" },
    );
    for (name, value) in extra {
        head.push_str(name);
        head.push_str(": ");
        head.push_str(value);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    head
}

/// A whole response, head and body, to be written with one call.
pub(crate) fn response(status: u16, content_type: &str, body: &[u8], keep_alive: bool) -> Vec<u8> {
    let mut out = response_head(status, content_type, body.len(), keep_alive, &[]).into_bytes();
    out.extend_from_slice(body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;

    const TIMEOUTS: Timeouts = Timeouts { idle: Duration::from_secs(60), request: Duration::from_secs(10) };

    /// An in-memory connection: reads come from `input` in `chunk`-sized pieces, writes are
    /// kept. Once the input is used up it ends, or with `stall` it behaves like a silent peer:
    /// each read waits out the read timeout and fails as a socket would.
    struct Fake {
        input: Vec<u8>,
        pos: usize,
        chunk: usize,
        written: Vec<u8>,
        stall: bool,
        read_timeout: Duration,
    }

    impl Fake {
        fn new(input: &[u8], chunk: usize) -> Self {
            Fake {
                input: input.to_vec(),
                pos: 0,
                chunk,
                written: Vec::new(),
                stall: false,
                read_timeout: TIMEOUTS.idle,
            }
        }

        fn stalling(input: &[u8]) -> Self {
            Fake { stall: true, ..Fake::new(input, 1000) }
        }
    }

    impl Stream for Fake {
        fn set_read_timeout(&mut self, timeout: Duration) {
            self.read_timeout = timeout;
        }
    }

    impl Read for Fake {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.stall && self.pos == self.input.len() {
                std::thread::sleep(self.read_timeout);
                return Err(io::Error::from(ErrorKind::WouldBlock));
            }
            let n = self.chunk.min(buf.len()).min(self.input.len() - self.pos);
            buf[..n].copy_from_slice(&self.input[self.pos..self.pos + n]);
            self.pos += n;
            Ok(n)
        }
    }

    impl Write for Fake {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.written.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn first(input: &[u8]) -> Incoming {
        Reader::new(Fake::new(input, 7), TIMEOUTS).next_request()
    }

    fn status_of(input: &[u8]) -> u16 {
        match first(input) {
            Incoming::Bad(r) => r.status,
            Incoming::Request(_) => 0,
            Incoming::Closed => 1,
        }
    }

    #[test]
    fn parses_a_request_arriving_in_small_pieces() {
        let raw = b"POST /?x=1 HTTP/1.1\r\nHost: sts.tencentcloudapi.com\r\nX-TC-Action:  GetFederationToken \r\nContent-Length: 2\r\n\r\n{}";
        // One byte at a time, and pieces that split the CRLFs every other way.
        for chunk in 1..=8 {
            let Incoming::Request(req) = Reader::new(Fake::new(raw, chunk), TIMEOUTS).next_request() else {
                panic!("not parsed in pieces of {chunk}")
            };
            assert_eq!(req.method, "POST");
            assert_eq!(req.path(), "/");
            assert_eq!(req.header("host"), Some("sts.tencentcloudapi.com"));
            assert_eq!(req.header("x-tc-action"), Some("GetFederationToken"));
            assert_eq!(req.body, b"{}");
            assert!(req.keep_alive());
        }
    }

    #[test]
    fn pipelined_requests_are_read_in_order_then_the_end_is_seen() {
        let raw = b"\r\nPOST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabcPOST / HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n";
        let mut reader = Reader::new(Fake::new(raw, 1000), TIMEOUTS);
        let Incoming::Request(a) = reader.next_request() else { panic!() };
        let Incoming::Request(b) = reader.next_request() else { panic!() };
        assert_eq!((a.header("host"), a.body.as_slice()), (Some("a"), &b"abc"[..]));
        assert_eq!((b.header("host"), b.body.len()), (Some("b"), 0));
        assert!(!b.keep_alive());
        assert!(matches!(reader.next_request(), Incoming::Closed));
    }

    #[test]
    fn http10_keeps_alive_only_when_asked() {
        let Incoming::Request(r) = first(b"POST / HTTP/1.0\r\n\r\n") else { panic!() };
        assert!(!r.keep_alive());
        let Incoming::Request(r) = first(b"POST / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n") else { panic!() };
        assert!(r.keep_alive());
    }

    #[test]
    fn expect_continue_gets_an_interim_answer() {
        let raw = b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n{}";
        // The head arrives alone, before the body: the server must say 100 first.
        let mut reader = Reader::new(Fake::new(raw, raw.len() - 2), TIMEOUTS);
        assert!(matches!(reader.next_request(), Incoming::Request(_)));
        assert_eq!(reader.stream().written, b"HTTP/1.1 100 Continue\r\n\r\n");
        // When the body came with the head, no interim answer is needed.
        let mut reader = Reader::new(Fake::new(raw, 1000), TIMEOUTS);
        assert!(matches!(reader.next_request(), Incoming::Request(_)));
        assert!(reader.stream().written.is_empty());
    }

    #[test]
    fn malformed_requests_are_rejected_with_the_right_status() {
        let cases: &[(&[u8], u16)] = &[
            (b"GARBAGE\r\n\r\n", 400),
            (b"POST  / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
            (b"POST / HTTP/2.0\r\nHost: a\r\n\r\n", 505),
            (b"POST / FTP/1.1\r\nHost: a\r\n\r\n", 400),
            (b"POST / HTTP/1.1\r\n\r\n", 400),
            (b"POST / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
            (b"POST / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n", 400),
            (b"POST / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", 400),
            (b"POST / HTTP/1.1\r\nHost: a\r\nnocolon\r\n\r\n", 400),
            (b"POST / HTTP/1.1\r\nHost: \xff\r\n\r\n", 400),
            (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400),
            (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n", 400),
            (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400),
            (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2097153\r\n\r\n", 413),
            (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", 501),
            (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nab", 1),
            (b"POST / HTTP/1.1\r\nHost: a", 1),
            (b"POST / HTTP/1.2\r\nHost: a\r\n\r\n", 505),
            (b"POST / HTTP/3\r\nHost: a\r\n\r\n", 505),
            (b"POST / HTTP/x.y\r\nHost: a\r\n\r\n", 400),
            (b"POST /\xc3 HTTP/1.1\r\nHost: a\r\n\r\n", 400),
            (b"POST / HTTP/1.1\r\nHost: a\r\nX: a\x7fb\r\n\r\n", 400),
            (b"POST / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n", 400),
            // U+0085 (NEL), a C1 control character, is valid UTF-8.
            (b"POST / HTTP/1.1\r\nHost: a\r\nX: a\xc2\x85b\r\n\r\n", 400),
            (b"POST / HTTP/1.1\rHost: a\r\n\r\n", 400),
        ];
        for (raw, status) in cases {
            assert_eq!(status_of(raw), *status, "{}", String::from_utf8_lossy(raw));
        }
        let mut huge = b"POST / HTTP/1.1\r\nHost: a\r\nX: ".to_vec();
        huge.extend_from_slice(&vec![b'a'; MAX_HEAD + 10]);
        assert_eq!(status_of(&huge), 431);
        let mut many = b"POST / HTTP/1.1\r\nHost: a\r\n".to_vec();
        for i in 0..=MAX_HEADERS {
            many.extend_from_slice(format!("X-{i}: 1\r\n").as_bytes());
        }
        many.extend_from_slice(b"\r\n");
        assert_eq!(status_of(&many), 431);
        // Blank lines before a request are skipped, but not without end.
        assert_eq!(status_of(&b"\r\n".repeat(MAX_HEAD)), 431);
        // A head that arrives whole but too long is refused too.
        let mut long = b"POST / HTTP/1.1\r\nHost: a\r\n".to_vec();
        long.extend_from_slice(format!("X: {}\r\n\r\n", "a".repeat(MAX_HEAD)).as_bytes());
        assert!(
            matches!(Reader::new(Fake::new(&long, long.len()), TIMEOUTS).next_request(), Incoming::Bad(r) if r.status == 431)
        );
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        // A deterministic pseudo-random walk over byte strings biased towards HTTP-looking ones.
        let pieces: [&[u8]; 10] = [
            b"POST / HTTP/1.1\r\n",
            b"Host: a\r\n",
            b"Content-Length: 3\r\n",
            b"\r\n",
            b"\r\n\r\n",
            b"\xff\x00\x80",
            b":",
            b" ",
            b"Content-Length: 18446744073709551616\r\n",
            b"Expect: 100-continue\r\n",
        ];
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..3000 {
            let mut input = Vec::new();
            for _ in 0..(x % 9) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                input.extend_from_slice(pieces[(x % pieces.len() as u64) as usize]);
            }
            let mut reader = Reader::new(Fake::new(&input, 1 + (x % 13) as usize), TIMEOUTS);
            for _ in 0..4 {
                if !matches!(reader.next_request(), Incoming::Request(_)) {
                    break;
                }
            }
        }
    }

    #[test]
    fn a_request_that_does_not_arrive_in_time_gets_408_or_a_silent_close() {
        let short = Timeouts { idle: Duration::from_millis(400), request: Duration::from_millis(150) };
        let elapsed = |fake: Fake| {
            let started = Instant::now();
            let mut reader = Reader::new(fake, short);
            let incoming = reader.next_request();
            (incoming, started.elapsed(), reader)
        };
        // Half a head, then nothing: the peer is told why before the close.
        let (incoming, took, _) = elapsed(Fake::stalling(b"POST / HTTP/1.1\r\nHost: a\r\n"));
        assert!(matches!(incoming, Incoming::Bad(Rejection { status: 408, .. })), "{incoming:?}");
        assert!(took >= short.request && took < short.idle, "{took:?}");
        // A whole head and half the body: the body counts too.
        let (incoming, _, _) = elapsed(Fake::stalling(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9\r\n\r\nabc"));
        assert!(matches!(incoming, Incoming::Bad(Rejection { status: 408, .. })), "{incoming:?}");
        // A new connection that never speaks is closed after the request timeout, not the idle one.
        let (incoming, took, _) = elapsed(Fake::stalling(b""));
        assert!(matches!(incoming, Incoming::Closed), "{incoming:?}");
        assert!(took >= short.request && took < short.idle, "{took:?}");
        // Between keep-alive requests the idle timeout applies, and ends the connection silently.
        let (incoming, _, mut reader) = elapsed(Fake::stalling(b"POST / HTTP/1.1\r\nHost: a\r\n\r\n"));
        assert!(matches!(incoming, Incoming::Request(_)), "{incoming:?}");
        let started = Instant::now();
        assert!(matches!(reader.next_request(), Incoming::Closed));
        assert!(started.elapsed() >= short.idle, "{:?}", started.elapsed());
        assert!(reader.stream().written.is_empty(), "no 408 to an idle connection");
    }

    #[test]
    fn responses_have_length_and_connection_headers() {
        let text = String::from_utf8(response(200, "application/json", b"{}", false)).unwrap();
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n"));
        assert!(text.contains("\r\nContent-Length: 2\r\n"));
        assert!(text.contains("\r\nConnection: close\r\n"));
        assert!(text.ends_with("\r\n\r\n{}"));
    }
}

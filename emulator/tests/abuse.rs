//! The emulator under abuse (issue 10 item 10): more connections than the cap, idle ones,
//! and a slowloris that sends one byte per 100 ms. Each is bounded, and a normal client is
//! still served afterwards.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use sts_emulator::{Emulator, EmulatorOptions, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY};

fn start(max_connections: usize, request_timeout: Duration) -> Emulator {
    Emulator::start(EmulatorOptions { max_connections, request_timeout, ..EmulatorOptions::default() })
        .expect("emulator starts")
}

fn connect(emulator: &Emulator) -> TcpStream {
    let stream = TcpStream::connect(emulator.addr()).expect("connects");
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    stream
}

/// Polls `condition` for up to 5 s.
fn eventually(what: &str, condition: impl Fn() -> bool) {
    let until = Instant::now() + Duration::from_secs(5);
    while !condition() {
        assert!(Instant::now() < until, "timed out waiting until {what}");
        thread::sleep(Duration::from_millis(10));
    }
}

/// Reads until the server ends the connection; the bytes it sent before.
fn read_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return received,
            Ok(n) => received.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return received,
            Err(e) => panic!("the server did not close the connection: {e}"),
        }
    }
}

/// A credential call through libsts; `Err` with the message when it fails.
fn credential(emulator: &Emulator) -> Result<serde_json::Value, String> {
    let config = serde_json::json!({
        "secret_id": DEFAULT_SECRET_ID,
        "secret_key": DEFAULT_SECRET_KEY,
        "url": emulator.url(),
        "bucket": "example-1250000000",
        "region": "ap-guangzhou",
        "allow_prefix": "dir/*",
        "allow_actions": ["name/cos:PutObject"],
        "retries": 0,
        "timeout_ms": 3000,
    });
    let out = sts::api::get_credential(&config.to_string()).map_err(|e| e.to_string())?;
    serde_json::from_str(&out).map_err(|e| e.to_string())
}

#[test]
fn connections_beyond_the_cap_are_closed_at_once_and_cost_no_thread() {
    const CAP: usize = 4;
    // A long request timeout: the idle connections below hold their slots for the whole test.
    let emulator = start(CAP, Duration::from_secs(60));
    let idle: Vec<TcpStream> = (0..CAP).map(|_| connect(&emulator)).collect();
    eventually("the cap is reached", || emulator.active_connections() == CAP);

    // Three times the cap more, one of them with a whole request: each is closed unread and
    // unanswered, and none gets a thread.
    let mut over: Vec<TcpStream> = (0..3 * CAP).map(|_| connect(&emulator)).collect();
    over[0].write_all(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}").unwrap();
    for stream in &mut over {
        let started = Instant::now();
        assert_eq!(read_until_closed(stream), b"", "no answer beyond the cap");
        assert!(started.elapsed() < Duration::from_secs(2), "closed at once, took {:?}", started.elapsed());
    }
    assert_eq!(emulator.refused_connections(), 3 * CAP);
    assert_eq!(emulator.active_connections(), CAP, "at most the cap is served at once");
    assert_eq!(emulator.connections(), CAP);
    assert!(emulator.requests().is_empty());

    // Once the idle ones go, a normal client is served again.
    drop(idle);
    eventually("the idle connections are gone", || emulator.active_connections() == 0);
    let out = credential(&emulator).expect("served after the others closed");
    assert!(out["credentials"]["sessionToken"].as_str().is_some_and(|t| !t.is_empty()), "{out}");
    assert_eq!(emulator.requests().len(), 1);
    assert_eq!(emulator.refused_connections(), 3 * CAP, "the new client was not refused");
}

#[test]
fn a_slowloris_is_cut_at_the_request_timeout_with_408() {
    let timeout = Duration::from_millis(600);
    let emulator = start(16, timeout);
    let mut stream = connect(&emulator);
    let mut writer = stream.try_clone().unwrap();
    let started = Instant::now();
    // A plausible request, one byte per 100 ms: it would take over 5 s to arrive.
    let slow = thread::spawn(move || {
        let request = b"POST / HTTP/1.1\r\nHost: sts.tencentcloudapi.com\r\nContent-Type: application/json\r\n\r\n";
        for byte in request.iter() {
            if writer.write_all(std::slice::from_ref(byte)).is_err() {
                return true;
            }
            thread::sleep(Duration::from_millis(100));
        }
        false
    });
    let answer = read_until_closed(&mut stream);
    let took = started.elapsed();
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408 Request Timeout\r\n"), "{text}");
    assert!(text.contains("\r\nConnection: close\r\n"), "{text}");
    // The answer at the bound, the close within the linger after it (1 s at most).
    assert!(took >= timeout && took < timeout + Duration::from_millis(2500), "{took:?}");
    assert!(slow.join().unwrap(), "the slow writer was cut off before it finished");
    assert!(emulator.requests().is_empty());
    eventually("the slow connection's slot is free", || emulator.active_connections() == 0);

    // A connection that never sends a byte is closed after the same bound, without an answer.
    let mut silent = connect(&emulator);
    let started = Instant::now();
    assert_eq!(read_until_closed(&mut silent), b"");
    let took = started.elapsed();
    assert!(took >= timeout - Duration::from_millis(50) && took < timeout + Duration::from_secs(2), "{took:?}");

    // A normal client is unaffected.
    credential(&emulator).expect("a normal request is answered");
}

#[test]
fn keep_alive_requests_each_get_the_whole_timeout() {
    // Two requests on one connection, the second sent after longer than the request timeout
    // of idling: the timeout counts from a request's first byte, not from the connection.
    let timeout = Duration::from_millis(300);
    let emulator = start(4, timeout);
    let mut stream = connect(&emulator);
    let request = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n";
    let answer = b"the STS API 3.0 is served by POST /\n";
    for _ in 0..2 {
        stream.write_all(request).unwrap();
        // The whole 405 answer: up to and including its body.
        let mut received = Vec::new();
        let mut byte = [0u8; 1];
        while !received.ends_with(answer) {
            assert_eq!(stream.read(&mut byte).unwrap(), 1, "closed after {:?}", String::from_utf8_lossy(&received));
            received.push(byte[0]);
        }
        assert!(received.starts_with(b"HTTP/1.1 405 "), "{:?}", String::from_utf8_lossy(&received));
        thread::sleep(timeout * 2);
    }
    assert_eq!(emulator.connections(), 1, "the same connection served both");
}

#[test]
fn a_cap_or_timeout_of_zero_is_refused() {
    let zero_cap = Emulator::start(EmulatorOptions { max_connections: 0, ..EmulatorOptions::default() });
    let error = zero_cap.expect_err("a cap of 0 serves nobody");
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    assert!(error.to_string().starts_with("max_connections:"), "{error}");
    let zero_timeout =
        Emulator::start(EmulatorOptions { request_timeout: Duration::ZERO, ..EmulatorOptions::default() });
    let error = zero_timeout.expect_err("no time to send a request");
    assert!(error.to_string().starts_with("request_timeout:"), "{error}");
}

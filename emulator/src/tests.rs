//! The emulator over real sockets: keep-alive, connection counting, faults, shutdown, garbage.

use super::service::tests::{federation_body, is_request_id, policy, role_body, Call, HOST};
use super::*;
use serde_json::{json, Value};
use std::io::ErrorKind;

fn start(faults: Faults) -> Emulator {
    Emulator::start(EmulatorOptions { faults, ..EmulatorOptions::default() }).expect("emulator starts")
}

fn connect(emulator: &Emulator) -> TcpStream {
    let stream = TcpStream::connect(emulator.addr()).expect("connects");
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    stream
}

/// A request signed now with the default key.
fn call(action: &'static str, body: &Value) -> Call {
    Call { timestamp: sts::time::now_unix(), ..Call::new(action, body) }
}

fn federation() -> Vec<u8> {
    call("GetFederationToken", &federation_body()).bytes()
}

#[derive(Debug)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {:?}", String::from_utf8_lossy(&self.body)))
    }

    fn error_code(&self) -> Option<String> {
        self.json()["Response"]["Error"]["Code"].as_str().map(str::to_string)
    }
}

/// Reads the head byte by byte (so nothing of a following response is consumed), then the body.
fn read_response(stream: &mut TcpStream) -> io::Result<Response> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte)? == 0 {
            return Err(io::Error::new(ErrorKind::UnexpectedEof, "closed before a response"));
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).expect("UTF-8 head");
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (n, v) = l.split_once(':').unwrap();
            (n.to_string(), v.trim().to_string())
        })
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map(|(_, v)| v.parse().unwrap())
        .unwrap_or(0);
    let mut body = vec![0; length];
    stream.read_exact(&mut body)?;
    Ok(Response { status, headers, body })
}

fn exchange(stream: &mut TcpStream, request: &[u8]) -> Response {
    stream.write_all(request).unwrap();
    read_response(stream).expect("a response")
}

/// True when the server closed the connection: EOF (or a reset) on the next read.
fn closed_by_server(stream: &mut TcpStream) -> bool {
    let mut buf = [0u8; 64];
    match stream.read(&mut buf) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => !matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
    }
}

fn assert_credentials(response: &Response) {
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some("application/json"));
    let body = response.json();
    let r = &body["Response"];
    assert!(r.get("Error").is_none(), "{body}");
    for field in ["Token", "TmpSecretId", "TmpSecretKey"] {
        assert!(r["Credentials"][field].as_str().is_some_and(|s| !s.is_empty()), "{body}");
    }
    let expired = r["ExpiredTime"].as_i64().unwrap();
    assert!((expired - sts::time::now_unix() - 1800).abs() <= 5, "{body}");
    assert_eq!(r["Expiration"], json!(sts::time::rfc3339(expired)));
    assert!(is_request_id(r["RequestId"].as_str().unwrap()));
}

#[test]
fn listens_on_loopback_and_reports_its_url() {
    let emulator = start(Faults::default());
    assert!(emulator.addr().ip().is_loopback());
    assert_ne!(emulator.addr().port(), 0);
    assert_eq!(emulator.url(), format!("http://127.0.0.1:{}/", emulator.addr().port()));
    assert_eq!(emulator.connections(), 0);
    assert!(emulator.requests().is_empty());
}

#[test]
fn both_actions_succeed_over_one_keep_alive_connection() {
    let emulator = start(Faults::default());
    let mut stream = connect(&emulator);
    assert_credentials(&exchange(&mut stream, &federation()));
    let role = exchange(&mut stream, &call("AssumeRole", &role_body()).bytes());
    assert_credentials(&role);
    assert_eq!(role.header("connection"), Some("keep-alive"));
    assert_eq!(emulator.connections(), 1, "the second request reused the connection");

    let requests = emulator.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].action, "GetFederationToken");
    assert_eq!(requests[0].host, HOST);
    assert_eq!(requests[0].secret_id, DEFAULT_SECRET_ID);
    assert_eq!(requests[0].decoded_policy, Some(policy()));
    assert_eq!(requests[0].body, federation_body());
    assert_eq!(requests[1].action, "AssumeRole");
    assert_eq!(requests[1].decoded_policy, None);
    assert!(requests.iter().all(|r| r.signature_ok && r.error_code.is_none() && r.fault.is_none()));

    let mut second = connect(&emulator);
    assert_credentials(&exchange(&mut second, &federation()));
    assert_eq!(emulator.connections(), 2);
}

#[test]
fn service_errors_travel_as_http_200_and_keep_the_connection() {
    let emulator = start(Faults::default());
    let mut stream = connect(&emulator);
    let stale = Call { timestamp: sts::time::now_unix() - 301, ..call("GetFederationToken", &federation_body()) };
    let response = exchange(&mut stream, &stale.bytes());
    assert_eq!(response.status, 200);
    assert_eq!(response.error_code().as_deref(), Some("AuthFailure.SignatureExpire"));
    let wrong_key = Call { secret_key: "not-the-key", ..call("GetFederationToken", &federation_body()) };
    assert_eq!(exchange(&mut stream, &wrong_key.bytes()).error_code().as_deref(), Some("AuthFailure.SignatureFailure"));
    assert_credentials(&exchange(&mut stream, &federation()));
    assert_eq!(emulator.connections(), 1);
    let codes: Vec<Option<String>> = emulator.requests().into_iter().map(|r| r.error_code).collect();
    assert_eq!(codes, [Some("AuthFailure.SignatureExpire".into()), Some("AuthFailure.SignatureFailure".into()), None]);
}

#[test]
fn the_configured_keys_replace_the_default_pair() {
    let emulator = Emulator::start(EmulatorOptions {
        keys: vec![("AKIDmine".into(), "my-key".into())],
        ..EmulatorOptions::default()
    })
    .unwrap();
    let mut stream = connect(&emulator);
    assert_eq!(exchange(&mut stream, &federation()).error_code().as_deref(), Some("AuthFailure.SecretIdNotFound"));
    let mine = Call { secret_id: "AKIDmine", secret_key: "my-key", ..call("GetFederationToken", &federation_body()) };
    assert_credentials(&exchange(&mut stream, &mine.bytes()));
}

#[test]
fn connection_close_and_http10_end_the_connection() {
    let emulator = start(Faults::default());
    let mut stream = connect(&emulator);
    let mut closing = call("GetFederationToken", &federation_body());
    closing.extra_headers.push(("connection".into(), "close".into()));
    let response = exchange(&mut stream, &closing.bytes());
    assert_credentials(&response);
    assert_eq!(response.header("connection"), Some("close"));
    assert!(closed_by_server(&mut stream));

    let mut stream = connect(&emulator);
    let response = exchange(&mut stream, b"POST /x HTTP/1.0\r\n\r\n");
    assert_eq!(response.status, 404);
    assert!(closed_by_server(&mut stream));
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let emulator = start(Faults::default());
    let mut stream = connect(&emulator);
    let mut both = federation();
    both.extend(call("AssumeRole", &role_body()).bytes());
    stream.write_all(&both).unwrap();
    assert_credentials(&read_response(&mut stream).unwrap());
    assert_credentials(&read_response(&mut stream).unwrap());
    let actions: Vec<String> = emulator.requests().into_iter().map(|r| r.action).collect();
    assert_eq!(actions, ["GetFederationToken", "AssumeRole"]);
}

#[test]
fn other_methods_and_paths_are_not_sts_requests() {
    let emulator = start(Faults { always: Some(FailMode::Drop), ..Faults::default() });
    let mut stream = connect(&emulator);
    let get = exchange(&mut stream, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_eq!((get.status, get.header("allow")), (405, Some("POST")));
    let other = exchange(&mut stream, b"POST /v2 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}");
    assert_eq!(other.status, 404);
    assert!(emulator.requests().is_empty(), "neither is recorded nor faulted");
}

/// A signature v1 request signed now with the default key, as the vendor SDKs send it: a
/// form-encoded POST body, or (`GET`) the same parameters in the query.
fn v1(method: &str, action: &str, action_params: &[(&str, &str)]) -> Vec<u8> {
    let now = sts::time::now_unix().to_string();
    let mut params: Vec<(String, String)> = [
        ("Action", action),
        ("Version", "2018-08-13"),
        ("Region", "ap-guangzhou"),
        ("Timestamp", now.as_str()),
        ("Nonce", "77"),
        ("SecretId", DEFAULT_SECRET_ID),
    ]
    .iter()
    .chain(action_params)
    .map(|(n, v)| (n.to_string(), v.to_string()))
    .collect();
    let plain = legacy::string_to_sign(method, HOST, "/", &params);
    params.push(("Signature".into(), legacy::signature(legacy::Method::HmacSha1, DEFAULT_SECRET_KEY, &plain)));
    let form = form_urlencoded::Serializer::new(String::new()).extend_pairs(&params).finish();
    match method {
        "GET" => format!("GET /?{form} HTTP/1.1\r\nHost: {HOST}\r\n\r\n"),
        _ => format!(
            "POST / HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Content-Length: {}\r\n\r\n{form}",
            form.len()
        ),
    }
    .into_bytes()
}

#[test]
fn signature_v1_posts_and_gets_are_sts_requests() {
    let emulator = start(Faults { fail_first: 1, fail_with: FailMode::Http503, ..Faults::default() });
    let mut stream = connect(&emulator);
    let policy_param = federation_body()["Policy"].as_str().unwrap().to_string();
    let federation = v1("POST", "GetFederationToken", &[("Name", "x"), ("Policy", &policy_param)]);
    // Faults count and apply to v1 requests like to TC3 ones.
    assert_eq!(exchange(&mut stream, &federation).status, 503);
    assert_credentials(&exchange(&mut stream, &federation));
    let role = [("RoleArn", "qcs::cam::uin/1:roleName/x"), ("RoleSessionName", "vendor"), ("DurationSeconds", "1800")];
    assert_credentials(&exchange(&mut stream, &v1("GET", "AssumeRole", &role)));
    let requests = emulator.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(requests[0].fault, Some(FailMode::Http503));
    assert_eq!(requests[1].decoded_policy, Some(policy()));
    assert_eq!(requests[2].action, "AssumeRole");
    assert!(requests
        .iter()
        .all(|r| r.signature_ok && r.signature_method == "HmacSHA1" && r.body["Signature"] == "<redacted>"));
    assert_eq!(emulator.connections(), 1);
}

#[test]
fn expect_continue_is_honoured() {
    let emulator = start(Faults::default());
    let mut stream = connect(&emulator);
    let mut expecting = call("GetFederationToken", &federation_body());
    expecting.extra_headers.push(("expect".into(), "100-continue".into()));
    let bytes = expecting.bytes();
    let split = bytes.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    stream.write_all(&bytes[..split]).unwrap();
    let interim = read_response(&mut stream).unwrap();
    assert_eq!(interim.status, 100);
    stream.write_all(&bytes[split..]).unwrap();
    assert_credentials(&read_response(&mut stream).unwrap());
}

#[test]
fn garbage_gets_400_and_the_server_keeps_serving() {
    let emulator = start(Faults::default());
    let inputs: [&[u8]; 7] = [
        b"\x00\x01\x02\xff\xfe garbage\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: nope\r\n\r\n",
        b"POST / HTTP/1.1\r\n\xc3\x28: x\r\n\r\n",
        b"\r\n\r\n\r\nPOST\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3000000\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nnot json, not signed",
    ];
    let mut statuses = Vec::new();
    for input in inputs {
        let mut stream = connect(&emulator);
        stream.write_all(input).unwrap();
        if input.ends_with(b"Content-Length: 3000000\r\n\r\n") {
            // The refused body keeps coming while the 413 is sent: it must still arrive, not
            // be lost to a connection reset.
            let mut writer = stream.try_clone().unwrap();
            thread::spawn(move || writer.write_all(&vec![b'{'; 3_000_000]));
        }
        let response = read_response(&mut stream).expect("an answer");
        statuses.push(response.status);
    }
    assert_eq!(statuses, [400, 400, 400, 400, 413, 501, 200]);
    // The last one was well-formed HTTP: the service answered it with its own error.
    let last = emulator.requests().pop().unwrap();
    assert_eq!(last.error_code.as_deref(), Some("AuthFailure.InvalidAuthorization"));
    assert_eq!(last.body, Value::Null);

    // A peer that sends half a request and vanishes, and pseudo-random bytes.
    let mut half = connect(&emulator);
    half.write_all(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Le").unwrap();
    drop(half);
    let mut x: u32 = 12345;
    for _ in 0..20 {
        let mut stream = connect(&emulator);
        let bytes: Vec<u8> = (0..512)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (x >> 16) as u8
            })
            .collect();
        let _ = stream.write_all(&bytes);
        let _ = stream.shutdown(Shutdown::Write);
        let mut sink = Vec::new();
        let _ = stream.read_to_end(&mut sink);
    }
    let mut stream = connect(&emulator);
    assert_credentials(&exchange(&mut stream, &federation()));
}

fn faulted(mode: FailMode) -> (Emulator, TcpStream) {
    let emulator = start(Faults { fail_first: 1, fail_with: mode, ..Faults::default() });
    let mut stream = connect(&emulator);
    stream.write_all(&federation()).unwrap();
    (emulator, stream)
}

fn assert_recorded_fault(emulator: &Emulator, mode: FailMode, code: Option<&str>) {
    let requests = emulator.requests();
    assert_eq!(requests[0].fault, Some(mode));
    assert_eq!(requests[0].error_code.as_deref(), code);
    assert!(requests[0].signature_ok, "the request itself was fine");
}

#[test]
fn http_error_faults_send_non_json_then_the_next_request_succeeds() {
    for (mode, status) in [(FailMode::Http500, 500), (FailMode::Http502, 502), (FailMode::Http503, 503)] {
        let (emulator, mut stream) = faulted(mode);
        let response = read_response(&mut stream).unwrap();
        assert_eq!(response.status, status);
        assert!(serde_json::from_slice::<Value>(&response.body).is_err());
        assert_credentials(&exchange(&mut stream, &federation()));
        assert_recorded_fault(&emulator, mode, None);
        assert_eq!(emulator.requests()[1].fault, None);
    }
}

#[test]
fn service_error_faults_carry_the_service_codes() {
    for (mode, code) in [(FailMode::Throttle, "RequestLimitExceeded"), (FailMode::InternalError, "InternalError")] {
        let (emulator, mut stream) = faulted(mode);
        let response = read_response(&mut stream).unwrap();
        assert_eq!(response.status, 200);
        assert_eq!(response.error_code().as_deref(), Some(code));
        assert!(is_request_id(response.json()["Response"]["RequestId"].as_str().unwrap()));
        assert_recorded_fault(&emulator, mode, Some(code));
    }
}

#[test]
fn body_faults_break_the_answer_in_their_own_way() {
    let (emulator, mut stream) = faulted(FailMode::Malformed);
    let response = read_response(&mut stream).unwrap();
    assert_eq!((response.status, response.body.as_slice()), (200, &b"not json"[..]));
    assert_recorded_fault(&emulator, FailMode::Malformed, None);

    let (emulator, mut stream) = faulted(FailMode::WrongShape);
    let response = read_response(&mut stream).unwrap();
    assert_eq!(response.json(), json!({"Response": {"Foo": 1}}));
    assert_recorded_fault(&emulator, FailMode::WrongShape, None);

    let (emulator, mut stream) = faulted(FailMode::Truncated);
    let response = read_response(&mut stream).unwrap();
    assert_eq!(response.status, 200);
    assert!(response.body.starts_with(br#"{"Response":{"#), "{:?}", String::from_utf8_lossy(&response.body));
    assert!(response.body.len() > 100);
    assert!(serde_json::from_slice::<Value>(&response.body).is_err());
    assert_recorded_fault(&emulator, FailMode::Truncated, None);
    assert_credentials(&exchange(&mut stream, &federation()));
}

#[test]
fn always_applies_to_every_request_after_fail_first() {
    let emulator = start(Faults {
        fail_first: 2,
        fail_with: FailMode::Throttle,
        always: Some(FailMode::InternalError),
        ..Faults::default()
    });
    let mut stream = connect(&emulator);
    let codes: Vec<Option<String>> = (0..4).map(|_| exchange(&mut stream, &federation()).error_code()).collect();
    let throttle = Some("RequestLimitExceeded".to_string());
    let internal = Some("InternalError".to_string());
    assert_eq!(codes, [throttle.clone(), throttle, internal.clone(), internal]);
}

#[test]
fn drop_closes_the_connection_without_an_answer() {
    let (emulator, mut stream) = faulted(FailMode::Drop);
    let mut buf = Vec::new();
    let read = stream.read_to_end(&mut buf);
    assert!(read.is_err() || buf.is_empty(), "{buf:?}");
    assert_recorded_fault(&emulator, FailMode::Drop, None);
    // The next connection is served.
    let mut stream = connect(&emulator);
    assert_credentials(&exchange(&mut stream, &federation()));
    assert_eq!(emulator.connections(), 2);
}

#[test]
fn hang_answers_nothing_until_shutdown() {
    let (emulator, mut stream) = faulted(FailMode::Hang);
    stream.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
    let mut buf = [0u8; 16];
    let err = stream.read(&mut buf).expect_err("no answer");
    assert!(matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut), "{err}");
    assert_recorded_fault(&emulator, FailMode::Hang, None);

    let started = Instant::now();
    emulator.shutdown();
    assert!(started.elapsed() < Duration::from_secs(2), "shutdown unblocked the hang");
    stream.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    assert!(closed_by_server(&mut stream));
}

#[test]
fn trickle_sends_one_byte_per_interval() {
    let (emulator, mut stream) = faulted(FailMode::Trickle);
    let mut byte = [0u8; 1];
    stream.read_exact(&mut byte).unwrap();
    assert_eq!(byte[0], b'H');
    let started = Instant::now();
    let mut next = [0u8; 2];
    stream.read_exact(&mut next).unwrap();
    assert_eq!(&next, b"TT");
    assert!(started.elapsed() >= Duration::from_millis(300), "{:?}", started.elapsed());
    assert_recorded_fault(&emulator, FailMode::Trickle, None);
    let started = Instant::now();
    drop(emulator);
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn huge_streams_a_50_mib_body() {
    let (emulator, mut stream) = faulted(FailMode::Huge);
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        stream.read_exact(&mut byte).unwrap();
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).unwrap();
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"));
    assert!(head.contains("\r\nContent-Length: 52428800\r\n"), "{head}");
    let mut some = vec![0u8; 256 * 1024];
    stream.read_exact(&mut some).unwrap();
    assert!(some.starts_with(br#"{"Response":{"RequestId":""#));
    drop(stream);
    assert_recorded_fault(&emulator, FailMode::Huge, None);
    // The abandoned stream does not hold the emulator up.
    let mut stream = connect(&emulator);
    assert_credentials(&exchange(&mut stream, &federation()));
    let started = Instant::now();
    drop(emulator);
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn latency_delays_every_answer() {
    let emulator = start(Faults { latency: Duration::from_millis(250), ..Faults::default() });
    let mut stream = connect(&emulator);
    for _ in 0..2 {
        let started = Instant::now();
        assert_credentials(&exchange(&mut stream, &federation()));
        assert!(started.elapsed() >= Duration::from_millis(250));
    }
}

#[test]
fn shutdown_with_idle_connections_is_prompt() {
    let emulator = start(Faults::default());
    let mut idle = connect(&emulator);
    assert_credentials(&exchange(&mut idle, &federation()));
    let _silent = connect(&emulator);
    let addr = emulator.addr();
    let started = Instant::now();
    drop(emulator);
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(closed_by_server(&mut idle));
    assert!(TcpStream::connect(addr).is_err(), "no longer listening");
}

#[test]
fn the_log_sees_every_request_without_secrets() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let emulator = Emulator::start_with_log(EmulatorOptions::default(), move |r| {
        lock(&sink).push(format!("{r:?}"));
    })
    .unwrap();
    let mut stream = connect(&emulator);
    let signed = call("GetFederationToken", &federation_body());
    let response = exchange(&mut stream, &signed.bytes());
    assert_credentials(&response);
    let lines = lock(&seen).clone();
    assert_eq!(lines.len(), 1);
    let authorization = signed.headers().into_iter().find(|(n, _)| n == "authorization").unwrap().1;
    let signature = authorization.rsplit('=').next().unwrap();
    let token = response.json()["Response"]["Credentials"]["Token"].as_str().unwrap().to_string();
    for secret in [DEFAULT_SECRET_KEY, signature, &token] {
        assert!(!lines[0].contains(secret), "{secret} leaked into {}", lines[0]);
    }
    assert!(!format!("{:?}", EmulatorOptions::default()).contains(DEFAULT_SECRET_KEY));
}

#[test]
fn fail_modes_parse_from_their_names() {
    for mode in FailMode::ALL {
        assert_eq!(mode.name().parse::<FailMode>(), Ok(mode));
        assert_eq!(mode.to_string().to_uppercase().parse::<FailMode>(), Ok(mode));
    }
    assert_eq!("500".parse::<FailMode>(), Ok(FailMode::Http500));
    assert_eq!("wrong_shape".parse::<FailMode>(), Ok(FailMode::WrongShape));
    assert_eq!("InternalError".parse::<FailMode>(), Ok(FailMode::InternalError));
    assert!("slow".parse::<FailMode>().unwrap_err().contains("throttle"));
}

#[test]
fn concurrent_clients_are_all_served() {
    let emulator = start(Faults::default());
    let addr = emulator.addr();
    let clients: Vec<_> = (0..8)
        .map(|_| {
            thread::spawn(move || {
                let mut stream = TcpStream::connect(addr).unwrap();
                stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                for _ in 0..50 {
                    assert_credentials(&exchange(&mut stream, &federation()));
                }
            })
        })
        .collect();
    for client in clients {
        client.join().expect("a client failed");
    }
    assert_eq!(emulator.connections(), 8);
    assert_eq!(emulator.requests().len(), 400);
}

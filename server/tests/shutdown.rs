//! SIGTERM: in-flight requests finish, within `shutdown_grace_seconds`.

mod common;

use common::*;
use std::time::{Duration, Instant};

#[test]
fn sigterm_lets_an_in_flight_request_finish_then_exits_0() {
    let emulator = emulator(Faults { latency: Duration::from_millis(1500), ..Faults::default() });
    let mut server = Server::start(&Config::new(&emulator.url()));
    let url = format!("{}/sts", server.url);
    let in_flight = std::thread::spawn(move || request("POST", &url, Some(&put_scope("uploads/anonymous/a")), &[]));
    wait_for_connection(&emulator);
    server.sigterm();
    let answer = in_flight.join().unwrap();
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(server.wait_exit(Duration::from_secs(5)), Some(0), "{}", server.log());
    assert!(server.log().contains("draining"), "{}", server.log());
}

#[test]
fn a_request_longer_than_the_grace_period_does_not_hold_the_exit() {
    let emulator = emulator(Faults { latency: Duration::from_secs(8), ..Faults::default() });
    let mut config = Config::new(&emulator.url());
    config.top = "listen = \"127.0.0.1:0\"\nshutdown_grace_seconds = 1\n".into();
    config.sts = config
        .sts
        .replace("timeout_ms = 2000\ntotal_timeout_ms = 3000", "timeout_ms = 20000\ntotal_timeout_ms = 20000");
    let mut server = Server::start(&config);
    let url = format!("{}/sts", server.url);
    let _in_flight = std::thread::spawn(move || {
        let _ = std::panic::catch_unwind(|| request("POST", &url, Some(&put_scope("uploads/anonymous/a")), &[]));
    });
    wait_for_connection(&emulator);
    let started = Instant::now();
    server.sigterm();
    assert_eq!(server.wait_exit(Duration::from_secs(5)), Some(1), "{}", server.log());
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    assert!(server.log().contains("did not finish within shutdown_grace_seconds"), "{}", server.log());
}

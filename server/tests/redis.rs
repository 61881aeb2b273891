//! `[limits] redis_url`: two sts-server processes share one per-subject limit through a real
//! `redis-server` (Debian package `redis-server`, installed by scripts/install-deps.sh); an
//! unreachable Redis fails closed with 503; no credential is ever written to Redis.

mod common;

use common::*;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Redis(Child, u16);

impl Redis {
    fn start() -> Redis {
        let port = closed_port();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server is missing: install Debian's redis-server (scripts/install-deps.sh does)");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(10), "redis-server did not listen");
            std::thread::sleep(Duration::from_millis(20));
        }
        Redis(child, port)
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.1)
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn two_servers_share_one_limit_and_fail_closed_without_redis() {
    let mut redis = Redis::start();
    let emulator = emulator(Faults::default());
    let mut config = Config::new(&emulator.url());
    config.rest.push_str(&format!("[limits]\nrequests_per_minute = 3\nredis_url = \"{}\"\n", redis.url()));
    let a = Server::start(&config);
    let b = Server::start(&config);
    assert_eq!(get(&a, "/readyz").status, 200);
    inside_a_window();
    let scope = put_scope("uploads/anonymous/a");
    let mut tokens = Vec::new();
    for server in [&a, &b, &a] {
        let answer = post(server, "/sts", &scope, &[]);
        assert_eq!(answer.status, 200, "{}", answer.text);
        tokens.push(answer.json()["credentials"]["sessionToken"].as_str().unwrap().to_owned());
        tokens.push(answer.json()["credentials"]["tmpSecretKey"].as_str().unwrap().to_owned());
    }
    let limited = post(&b, "/sts", &scope, &[]);
    limited.error(429, "RateLimited", "limits.requests_per_minute");
    assert!(limited.header("retry-after").is_some());
    post(&a, "/sts", &scope, &[]).error(429, "RateLimited", "limits.requests_per_minute");

    // Only the counter is in Redis: its key names the subject, its value is the count.
    let mut connection = redis::Client::open(redis.url()).unwrap().get_connection().unwrap();
    let keys: Vec<String> = redis::cmd("KEYS").arg("*").query(&mut connection).unwrap();
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert!(keys[0].starts_with("sts-server:rpm:") && keys[0].ends_with(":anonymous"), "{keys:?}");
    let count: u64 = redis::cmd("GET").arg(&keys[0]).query(&mut connection).unwrap();
    assert_eq!(count, 5);
    let ttl: i64 = redis::cmd("TTL").arg(&keys[0]).query(&mut connection).unwrap();
    assert!((1..=61).contains(&ttl), "{ttl}");
    for token in &tokens {
        assert!(!keys[0].contains(token.as_str()));
    }

    // Redis gone: the limited routes fail closed, health stays up.
    let _ = redis.0.kill();
    let _ = redis.0.wait();
    post(&a, "/sts", &scope, &[]).error(503, "LimiterUnavailable", "the rate limiter's Redis is unreachable");
    assert_eq!(get(&a, "/healthz").status, 200);
    assert!(get(&a, "/metrics").text.contains("sts_server_limiter_errors_total 1"));
    assert!(a.log().contains("Redis is unreachable"), "{}", a.log());
    let issued = emulator.requests().iter().filter(|r| r.action == "GetFederationToken").count();
    assert_eq!(issued, 3, "no credential was issued past the limit or without Redis");
    // b never asked for readiness before: its first /readyz sees Redis gone.
    get(&b, "/readyz").error(503, "NotReady", "limits.redis_url: Redis does not answer");
}

//! Each auth mode against the real binary: jwt (HS256 secret, JWKS RS256/ES256) and webhook.

mod common;

use common::*;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::json;

const SECRET: &[u8] = b"an-hs256-secret-of-32-bytes-EXAMPLE!";
const ISSUER: &str = "https://issuer.invalid";
const AUDIENCE: &str = "cos-uploads";

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

fn claims(sub: &str) -> serde_json::Value {
    json!({"sub": sub, "iss": ISSUER, "aud": AUDIENCE, "exp": now() + 600})
}

fn hs256(claims: &serde_json::Value, secret: &[u8]) -> String {
    encode(&Header::new(Algorithm::HS256), claims, &EncodingKey::from_secret(secret)).unwrap()
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

fn jwt_server(emulator: &Emulator, dir: &TempDir, key_line: &str, extra: &str) -> Server {
    let mut config = Config::new(&emulator.url());
    config.auth =
        format!("[auth]\nmode = \"jwt\"\n{key_line}\nissuer = \"{ISSUER}\"\naudience = \"{AUDIENCE}\"\n{extra}");
    let _ = dir;
    Server::start(&config)
}

#[test]
fn hs256_tokens_valid_expired_wrong_issuer_audience_signature_and_missing() {
    let emulator = emulator(Faults::default());
    let dir = TempDir::new();
    let secret = write_file(&dir.0, "secret", &[SECRET, b"\n"].concat());
    let server = jwt_server(&emulator, &dir, &format!("hs256_secret_file = \"{}\"", secret.display()), "");
    let scope = put_scope("uploads/u1/a.jpg");
    let good = hs256(&claims("u1"), SECRET);
    assert_eq!(post(&server, "/sts", &scope, &[("authorization", &bearer(&good))]).status, 200);
    // u1's token cannot reach u10's prefix.
    post(&server, "/sts", &put_scope("uploads/u10/a.jpg"), &[("authorization", &bearer(&good))]).error(
        403,
        "ScopeDenied",
        "scopes[0]: the prefix",
    );
    let mut expired = claims("u1");
    expired["exp"] = json!(now() - 3600);
    let mut issuer = claims("u1");
    issuer["iss"] = json!("https://other.invalid");
    let mut audience = claims("u1");
    audience["aud"] = json!("other");
    let cases = [
        (hs256(&expired, SECRET), "authorization: the JWT has expired"),
        (hs256(&issuer, SECRET), "authorization: the JWT's iss"),
        (hs256(&audience, SECRET), "authorization: the JWT's aud"),
        (hs256(&claims("u1"), b"another-secret-of-32-bytes-EXAMPLE!!"), "authorization: the JWT's signature"),
        ("garbage".to_owned(), "authorization: not a JWT"),
    ];
    for (token, message) in &cases {
        post(&server, "/sts", &scope, &[("authorization", &bearer(token))]).error(401, "Unauthenticated", message);
    }
    post(&server, "/sts", &scope, &[]).error(401, "Unauthenticated", "authorization: missing");
    post(&server, "/sts", &scope, &[("authorization", &good)]).error(
        401,
        "Unauthenticated",
        "authorization: expected `Bearer",
    );
    // A subject that would widen the template is refused, not cleaned up.
    for subject in ["u1/..", "*", "a/b"] {
        let token = hs256(&claims(subject), SECRET);
        post(&server, "/sts", &scope, &[("authorization", &bearer(&token))]).error(403, "ScopeDenied", "subject:");
    }
    assert_eq!(emulator.requests().len(), 1, "only the valid request reached STS");
    let log = server.log();
    assert!(!log.contains(&good) && !log.contains(std::str::from_utf8(SECRET).unwrap()), "{log}");
    let lines = server.log_lines();
    assert_eq!(lines[0]["subject"], "u1");
    assert!(lines.iter().any(|l| l["decision"] == "unauthenticated"));
}

#[test]
fn a_custom_subject_claim() {
    let emulator = emulator(Faults::default());
    let dir = TempDir::new();
    let secret = write_file(&dir.0, "secret", SECRET);
    let server = jwt_server(
        &emulator,
        &dir,
        &format!("hs256_secret_file = \"{}\"", secret.display()),
        "subject_claim = \"uid\"\n",
    );
    let mut c = claims("ignored");
    c["uid"] = json!("u7");
    let token = hs256(&c, SECRET);
    assert_eq!(post(&server, "/sts", &put_scope("uploads/u7/a"), &[("authorization", &bearer(&token))]).status, 200);
    let token = hs256(&claims("u7"), SECRET);
    post(&server, "/sts", &put_scope("uploads/u7/a"), &[("authorization", &bearer(&token))]).error(
        401,
        "Unauthenticated",
        "authorization: the JWT has no string claim `uid`",
    );
}

#[test]
fn jwks_rs256_and_es256() {
    let emulator = emulator(Faults::default());
    let dir = TempDir::new();
    let server = jwt_server(&emulator, &dir, &format!("jwks_file = \"{}\"", data("jwks-TEST-ONLY.json")), "");
    let rsa = EncodingKey::from_rsa_pem(&std::fs::read(data("rsa-TEST-ONLY.pem")).unwrap()).unwrap();
    let ec = EncodingKey::from_ec_pem(&std::fs::read(data("ec-TEST-ONLY.pem")).unwrap()).unwrap();
    let header = |alg, kid: &str| Header { kid: Some(kid.to_owned()), ..Header::new(alg) };
    let scope = put_scope("uploads/u2/a");
    for (alg, kid, key) in [(Algorithm::RS256, "rsa-1", &rsa), (Algorithm::ES256, "ec-1", &ec)] {
        let token = encode(&header(alg, kid), &claims("u2"), key).unwrap();
        assert_eq!(post(&server, "/sts", &scope, &[("authorization", &bearer(&token))]).status, 200, "{alg:?}");
        let mut expired = claims("u2");
        expired["exp"] = json!(now() - 3600);
        let token = encode(&header(alg, kid), &expired, key).unwrap();
        post(&server, "/sts", &scope, &[("authorization", &bearer(&token))]).error(
            401,
            "Unauthenticated",
            "authorization: the JWT has expired",
        );
    }
    // Signed by the EC key but naming the RSA key's kid: the signature does not verify.
    let token = encode(&header(Algorithm::ES256, "rsa-1"), &claims("u2"), &ec).unwrap();
    post(&server, "/sts", &scope, &[("authorization", &bearer(&token))]).error(
        401,
        "Unauthenticated",
        "authorization:",
    );
    let token = encode(&header(Algorithm::RS256, "nope"), &claims("u2"), &rsa).unwrap();
    post(&server, "/sts", &scope, &[("authorization", &bearer(&token))]).error(
        401,
        "Unauthenticated",
        "authorization: no key",
    );
    // HS256 with a JWKS (the classic key-confusion attack) is refused.
    let token = hs256(&claims("u2"), SECRET);
    post(&server, "/sts", &scope, &[("authorization", &bearer(&token))]).error(
        401,
        "Unauthenticated",
        "authorization: the JWT's alg",
    );
}

fn webhook_server(emulator: &Emulator, url: &str) -> Server {
    let mut config = Config::new(&emulator.url());
    config.auth = format!("[auth]\nmode = \"webhook\"\nurl = \"{url}\"\ntimeout_ms = 500\n");
    Server::start(&config)
}

#[test]
fn webhook_allow_deny_narrow_and_down() {
    let emulator = emulator(Faults::default());
    let (url, seen) = webhook(|head| {
        if head.contains("authorization: bearer alice-session-example") {
            (200, r#"{"allow":true,"subject":"alice"}"#.into())
        } else if head.contains("authorization: bearer bob-session-example") {
            (200, r#"{"allow":true,"subject":"bob","prefixes":["uploads/${subject}/avatars/*"]}"#.into())
        } else if head.contains("authorization: bearer broken-example") {
            (500, "oops".into())
        } else {
            (200, r#"{"allow":false}"#.into())
        }
    });
    let server = webhook_server(&emulator, &url);
    let alice = [("authorization", "Bearer alice-session-example")];
    assert_eq!(post(&server, "/sts", &put_scope("uploads/alice/a"), &alice).status, 200);
    assert!(seen.lock().unwrap()[0].to_lowercase().contains("authorization: bearer alice-session-example"));
    let bob = [("authorization", "Bearer bob-session-example")];
    assert_eq!(post(&server, "/sts", &put_scope("uploads/bob/avatars/me.png"), &bob).status, 200);
    post(&server, "/sts", &put_scope("uploads/bob/other.png"), &bob).error(403, "ScopeDenied", "scopes[0]: the prefix");
    post(&server, "/sts", &put_scope("uploads/alice/a"), &[("authorization", "Bearer mallory")]).error(
        403,
        "AuthDenied",
        "the auth webhook refused",
    );
    post(&server, "/sts", &put_scope("uploads/alice/a"), &[]).error(403, "AuthDenied", "the auth webhook refused");
    post(&server, "/sts", &put_scope("uploads/alice/a"), &[("authorization", "Bearer broken-example")]).error(
        503,
        "AuthUnavailable",
        "the auth webhook answered HTTP 500",
    );
    let down = webhook_server(&emulator, &format!("http://127.0.0.1:{}/auth", closed_port()));
    post(&down, "/sts", &put_scope("uploads/alice/a"), &alice).error(
        503,
        "AuthUnavailable",
        "the auth webhook did not answer",
    );
    assert!(!server.log().contains("alice-session-example"), "{}", server.log());
}

#[test]
fn a_slow_webhook_is_cut_off_at_its_timeout() {
    let emulator = emulator(Faults::default());
    let (url, _seen) = webhook(|_| {
        std::thread::sleep(std::time::Duration::from_secs(3));
        (200, r#"{"allow":true,"subject":"alice"}"#.into())
    });
    let server = webhook_server(&emulator, &url);
    let started = std::time::Instant::now();
    post(&server, "/sts", &put_scope("uploads/alice/a"), &[("authorization", "Bearer x")]).error(
        503,
        "AuthUnavailable",
        "the auth webhook",
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(2), "{:?}", started.elapsed());
}

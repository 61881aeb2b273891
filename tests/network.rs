//! The network path end to end against the in-process STS emulator on 127.0.0.1:
//! signatures, request contents, every error class, retries, timeouts, keep-alive, threads.

mod common;

use common::*;
use serde_json::json;
use std::time::{Duration, Instant};
use sts::api::{get_credential, get_role_credential};
use sts::error::ErrorKind;

#[test]
fn get_credential_succeeds_with_a_verified_signature_and_the_expected_policy() {
    let emulator = start(Faults::default());
    let before = sts::time::now_unix();
    let out = parse(&get_credential(&federation_config(&emulator, json!({"duration_seconds": 900}))).unwrap());

    let credentials = &out["credentials"];
    assert!(credentials["tmpSecretId"].as_str().unwrap().starts_with("AKID"));
    assert!(!credentials["tmpSecretKey"].as_str().unwrap().is_empty());
    assert!(!credentials["sessionToken"].as_str().unwrap().is_empty());
    let expired = out["expiredTime"].as_i64().unwrap();
    assert!(expired >= before + 900 && expired <= sts::time::now_unix() + 900);
    assert_eq!(out["startTime"].as_i64().unwrap(), expired - 900);
    assert_eq!(out["expiration"], sts::time::rfc3339(expired));
    assert!(out["requestId"].is_string());

    let requests = emulator.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert!(request.signature_ok, "the emulator verified the TC3 signature");
    assert_eq!(request.action, "GetFederationToken");
    assert_eq!(request.region, "ap-guangzhou");
    assert_eq!(request.host, "sts.tencentcloudapi.com", "the signed Host is the endpoint, not the url");
    assert_eq!(request.body["Name"], "cos-sts-libsts");
    assert_eq!(request.body["DurationSeconds"], 900);
    assert_eq!(
        request.decoded_policy.as_ref().unwrap(),
        &json!({"version":"2.0","statement":[{"action":["name/cos:PutObject"],"effect":"allow",
            "resource":["qcs::cos:ap-guangzhou:uid/1250000000:example-1250000000/dir/*"]}]})
    );
}

#[test]
fn get_role_credential_succeeds_with_and_without_a_policy() {
    let emulator = start(Faults::default());
    let out = parse(&get_role_credential(&role_config(&emulator, json!({"external_id": "ext-42"}))).unwrap());
    assert!(out["credentials"]["sessionToken"].is_string());
    assert_eq!(out["startTime"].as_i64().unwrap(), out["expiredTime"].as_i64().unwrap() - 1800);

    let policy =
        json!({"version":"2.0","statement":[{"action":["name/cos:GetObject"],"effect":"allow","resource":["*"]}]});
    get_role_credential(&role_config(&emulator, json!({"policy": policy.to_string(), "role_session_name": "user-42"})))
        .unwrap();

    let requests = emulator.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests.iter().all(|r| r.signature_ok && r.action == "AssumeRole"));
    assert_eq!(requests[0].body["RoleArn"], "qcs::cam::uin/100000000001:roleName/cos-uploader");
    assert_eq!(requests[0].body["ExternalId"], "ext-42");
    assert!(requests[0].decoded_policy.is_none() && requests[0].body.get("Policy").is_none());
    assert_eq!(requests[1].body["RoleSessionName"], "user-42");
    assert_eq!(requests[1].decoded_policy.as_ref().unwrap(), &policy);
}

#[test]
fn endpoint_and_region_are_signed_and_sent() {
    let emulator = start(Faults::default());
    let config =
        federation_config(&emulator, json!({"endpoint": "STS.Internal.TencentCloudAPI.com", "region": "ap-beijing"}));
    get_credential(&config).unwrap();
    let request = &emulator.requests()[0];
    assert_eq!(request.host, "sts.internal.tencentcloudapi.com");
    assert_eq!(request.region, "ap-beijing");
    assert!(request.signature_ok);
}

#[test]
fn invalid_config_sends_nothing() {
    let emulator = start(Faults::default());
    for extra in
        [json!({"duration_seconds": 0}), json!({"bucket": "nobucket"}), json!({"typo": 1}), json!({"secret_key": 5})]
    {
        let e = get_credential(&federation_config(&emulator, extra)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    }
    assert_eq!(emulator.connections(), 0);
    assert!(emulator.requests().is_empty());
}

#[test]
fn wrong_secret_key_is_a_service_error_and_never_retried() {
    let emulator = start(Faults::default());
    let e = get_credential(&federation_config(&emulator, json!({"secret_key": "not-the-key-SECRET"}))).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Service);
    assert_eq!(e.code(), "AuthFailure.SignatureFailure");
    assert!(e.request_id().is_some());
    assert!(!e.to_json().contains("not-the-key-SECRET"));
    assert_eq!(emulator.requests().len(), 1, "auth errors are not retried");

    let e = get_credential(&federation_config(&emulator, json!({"secret_id": "AKIDunknown"}))).unwrap_err();
    assert_eq!(e.code(), "AuthFailure.SecretIdNotFound");
    assert_eq!(emulator.requests().len(), 2);
}

#[test]
fn transient_failures_are_retried_until_success() {
    for mode in [
        FailMode::Http500,
        FailMode::Http502,
        FailMode::Http503,
        FailMode::Throttle,
        FailMode::InternalError,
        FailMode::Drop,
    ] {
        let emulator = start(Faults { fail_first: 2, fail_with: mode, ..Faults::default() });
        let out = get_credential(&federation_config(&emulator, json!({"retries": 2})));
        assert!(out.is_ok(), "{mode:?}: {out:?}");
        let requests = emulator.requests();
        assert_eq!(requests.len(), 3, "{mode:?}: two failures and one success");
        // Each attempt is signed afresh (the emulator verified every one).
        assert!(requests[2].signature_ok);
    }
}

#[test]
fn retries_stop_at_the_limit_and_report_the_last_failure() {
    let emulator = start(Faults { fail_first: 10, fail_with: FailMode::Throttle, ..Faults::default() });
    let e = get_credential(&federation_config(&emulator, json!({"retries": 1}))).unwrap_err();
    assert_eq!(e.code(), "RequestLimitExceeded");
    assert_eq!(emulator.requests().len(), 2);

    let emulator = start(Faults { fail_first: 10, fail_with: FailMode::Http503, ..Faults::default() });
    let e = get_credential(&federation_config(&emulator, json!({"retries": 0}))).unwrap_err();
    assert_eq!((e.kind(), e.code()), (ErrorKind::BadResponse, "Client.HttpStatus"));
    assert!(e.message().starts_with("HTTP 503"), "{}", e.message());
    assert_eq!(emulator.requests().len(), 1);

    // The default is 2 retries: 3 attempts in all.
    let emulator = start(Faults { fail_first: 10, fail_with: FailMode::InternalError, ..Faults::default() });
    let e = get_credential(&federation_config(&emulator, json!({}))).unwrap_err();
    assert_eq!(e.code(), "InternalError");
    assert_eq!(emulator.requests().len(), 3);
}

#[test]
fn malformed_answers_are_bad_responses_and_not_retried() {
    let cases = [
        (FailMode::Malformed, "Client.BadResponse"),
        (FailMode::WrongShape, "Client.BadResponse"),
        (FailMode::Huge, "Client.ResponseTooLarge"),
    ];
    for (mode, code) in cases {
        let emulator = start(Faults { always: Some(mode), ..Faults::default() });
        let e = get_credential(&federation_config(&emulator, json!({"timeout_ms": 5000}))).unwrap_err();
        assert_eq!((e.kind(), e.code()), (ErrorKind::BadResponse, code), "{mode:?}: {e}");
        assert_eq!(emulator.requests().len(), 1, "{mode:?} is not retried");
    }
}

#[test]
fn truncated_answer_fails_cleanly() {
    let emulator = start(Faults { always: Some(FailMode::Truncated), ..Faults::default() });
    let e = get_credential(&federation_config(&emulator, json!({"retries": 0}))).unwrap_err();
    assert_eq!((e.kind(), e.code()), (ErrorKind::BadResponse, "Client.BadResponse"), "{e}");
}

#[test]
fn a_hanging_server_fails_within_timeout_ms() {
    let emulator = start(Faults { always: Some(FailMode::Hang), ..Faults::default() });
    let started = Instant::now();
    let e = get_credential(&federation_config(&emulator, json!({"timeout_ms": 300, "retries": 1}))).unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!((e.kind(), e.code()), (ErrorKind::Network, "Client.Timeout"), "{e}");
    assert!(e.message().contains("timeout_ms=300"), "{}", e.message());
    // Two attempts of 300 ms plus at most 200 ms of backoff, with slack for a loaded machine.
    assert!(elapsed < Duration::from_secs(3), "took {elapsed:?}");
    assert_eq!(emulator.requests().len(), 2);
}

#[test]
fn a_slow_emulator_within_the_timeout_succeeds() {
    let emulator = start(Faults { latency: Duration::from_millis(200), ..Faults::default() });
    get_credential(&federation_config(&emulator, json!({"timeout_ms": 5000}))).unwrap();
}

#[test]
fn connection_refused_is_a_network_error() {
    let config = json!({"secret_id": "AKIDx", "secret_key": "k", "url": "http://127.0.0.1:1/", "retries": 0,
        "policy": {"version": "2.0", "statement": [{"effect": "allow", "action": ["*"], "resource": ["*"]}]}});
    let e = get_credential(&config.to_string()).unwrap_err();
    assert_eq!((e.kind(), e.code()), (ErrorKind::Network, "Client.Network"));
    assert!(e.message().contains("127.0.0.1:1"), "{}", e.message());
}

#[test]
fn sequential_calls_reuse_one_keep_alive_connection() {
    let emulator = start(Faults::default());
    let config = federation_config(&emulator, json!({}));
    for _ in 0..100 {
        get_credential(&config).unwrap();
    }
    assert_eq!(emulator.requests().len(), 100);
    assert!(emulator.connections() <= 2, "{} connections for 100 calls", emulator.connections());
}

#[test]
fn eight_threads_by_two_hundred_calls_all_succeed() {
    let emulator = start(Faults::default());
    let federation = federation_config(&emulator, json!({}));
    let role = role_config(&emulator, json!({}));
    std::thread::scope(|scope| {
        for t in 0..8 {
            let (federation, role) = (&federation, &role);
            scope.spawn(move || {
                for i in 0..200 {
                    let out = if (t + i) % 2 == 0 { get_credential(federation) } else { get_role_credential(role) };
                    assert!(out.is_ok(), "thread {t} call {i}: {out:?}");
                }
            });
        }
    });
    let requests = emulator.requests();
    assert_eq!(requests.len(), 1600);
    assert!(requests.iter().all(|r| r.signature_ok));
    assert!(emulator.connections() <= 40, "pool reuse: {} connections", emulator.connections());
}

#[test]
fn a_temporary_key_pair_signs_with_its_session_token() {
    let emulator = Emulator::start(EmulatorOptions {
        keys: vec![("AKIDtemporaryEXAMPLE".into(), "temporary-key".into())],
        session_tokens: vec![("AKIDtemporaryEXAMPLE".into(), "session-token-SECRET-MARKER".into())],
        ..EmulatorOptions::default()
    })
    .expect("emulator starts");
    let temporary = |extra: serde_json::Value| {
        let mut config = json!({"secret_id": "AKIDtemporaryEXAMPLE", "secret_key": "temporary-key"});
        config.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        role_config(&emulator, config)
    };
    let out = parse(&get_role_credential(&temporary(json!({"session_token": "session-token-SECRET-MARKER"}))).unwrap());
    assert!(out["credentials"]["sessionToken"].is_string());
    get_role_credential(&temporary(json!({"sessionToken": "session-token-SECRET-MARKER"}))).unwrap();
    assert!(emulator.requests().iter().all(|r| r.token_sent && r.signature_ok));

    for extra in [json!({}), json!({"session_token": "another-token"})] {
        let e = get_role_credential(&temporary(extra)).unwrap_err();
        assert_eq!((e.kind(), e.code()), (ErrorKind::Service, "AuthFailure.TokenFailure"));
        assert!(!e.to_json().contains("SECRET-MARKER") && !e.to_json().contains("another-token"));
    }
    assert_eq!(emulator.requests().len(), 4, "token failures are not retried");
    // GetFederationToken takes permanent keys only: refused here, before sending.
    let federation = federation_config(
        &emulator,
        json!({"secret_id": "AKIDtemporaryEXAMPLE", "secret_key": "temporary-key", "session_token": "session-token-SECRET-MARKER"}),
    );
    let e = get_credential(&federation).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(e.message().contains("use sts_get_role_credential"), "{}", e.message());
    assert_eq!(emulator.requests().len(), 4, "nothing sent for the refused call");
}

//! The STS response parser: any status and body give the result JSON or an error; the
//! result is valid JSON. The first two bytes pick the HTTP status.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (status, body) = match data {
        [a, b, rest @ ..] => (100 + u16::from_le_bytes([*a, *b]) % 500, rest),
        _ => (200, data),
    };
    let Ok(body) = std::str::from_utf8(body) else { return };
    for status in [200, status] {
        if let Ok(out) = sts::api::credential_result(status, body, 1800, &"http://127.0.0.1:9") {
            let _: serde_json::Value = serde_json::from_str(&out).expect("result is JSON");
        }
    }
});

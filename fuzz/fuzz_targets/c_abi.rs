//! The C entry points fed arbitrary bytes (not only UTF-8), made NUL-terminated at the first
//! NUL. sts_get_policy gets them as they are. The credential entry points get them as they
//! are too (almost all fail before the network), and also spliced into a config whose `url`
//! is http://127.0.0.1:1/ with retries 0, so anything that passes validation is refused by
//! the loopback port 1: the fuzzer never sends traffic beyond 127.0.0.1.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::ffi::{c_char, CStr, CString};
use sts::ffi::{
    sts_get_caller_identity, sts_get_credential, sts_get_policy, sts_get_role_credential, sts_get_upload_credential,
    sts_get_web_identity_credential, sts_string_free, StsCode,
};

type Export = extern "C" fn(*const c_char, *mut *mut c_char) -> StsCode;

fn check(f: Export, input: &CStr) {
    let mut out: *mut c_char = std::ptr::null_mut();
    let code = f(input.as_ptr(), &mut out);
    assert!(!out.is_null());
    // SAFETY: the library set `out` to a NUL-terminated string it owns until sts_string_free.
    let json = unsafe { CStr::from_ptr(out) }.to_str().expect("output is UTF-8");
    let value: serde_json::Value = serde_json::from_str(json).expect("output is JSON");
    assert_eq!(code == StsCode::STS_OK, value.get("error").is_none(), "{json}");
    assert_ne!(code, StsCode::STS_INTERNAL, "a panic was caught: {json}");
    sts_string_free(out);
}

/// The config with every key that picks a destination (url, endpoint and aliases, proxy)
/// replaced: it can only ever connect to 127.0.0.1:1, once, with no proxy from the
/// environment either.
fn loopback_config(fragment: &str) -> Option<String> {
    let mut value: serde_json::Value = serde_json::from_str(fragment).ok()?;
    let object = value.as_object_mut()?;
    for key in [
        "url",
        "endpoint",
        "domain",
        "host",
        "proxy",
        "retries",
        "timeout_ms",
        "timeoutMs",
        "ca_file",
        "caFile",
        // The CVM source's server (https may name any host); fuzz.sh also disables that source.
        "metadata_endpoint",
        "metadataEndpoint",
    ] {
        object.remove(key);
    }
    object.insert("url".into(), "http://127.0.0.1:1/".into());
    object.insert("proxy".into(), "".into());
    object.insert("retries".into(), 0.into());
    object.insert("timeout_ms".into(), 1000.into());
    Some(value.to_string())
}

fuzz_target!(|data: &[u8]| {
    let end = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    let input = CString::new(&data[..end]).expect("no NUL before end");
    check(sts_get_policy, &input);
    // Raw bytes go to the credential entry points only when they are not a JSON object:
    // those fail in the parser, before any destination is known. Objects are rewritten.
    let text = std::str::from_utf8(&data[..end]);
    let is_object = text.map(|t| t.trim_start().starts_with('{')).unwrap_or(false);
    if !is_object {
        check(sts_get_credential, &input);
        check(sts_get_role_credential, &input);
        check(sts_get_upload_credential, &input);
        check(sts_get_caller_identity, &input);
        check(sts_get_web_identity_credential, &input);
    } else if let Some(config) = text.ok().and_then(loopback_config) {
        let config = CString::new(config).expect("JSON text has no NUL");
        check(sts_get_credential, &config);
        check(sts_get_role_credential, &config);
        check(sts_get_upload_credential, &config);
        check(sts_get_caller_identity, &config);
        check(sts_get_web_identity_credential, &config);
    }
});

//! The C ABI. This layer only converts pointers and ownership; all logic lives in the safe core.
//!
//! Every export goes through [`call`]: check `out_json`, catch any panic, check the input
//! pointer and its UTF-8, run the core function, hand back an owned C string.
#![allow(unsafe_code)]
// The exports take raw pointers from C, where Rust's `unsafe fn` means nothing; their
// contracts are spelled out in the header docs instead.
#![allow(clippy::not_unsafe_ptr_arg_deref)]

use crate::error::{Error, ErrorKind};
use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use zeroize::Zeroize;

/// Result of every libsts call. The numbers are stable forever.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(non_camel_case_types, clippy::upper_case_acronyms)]
pub enum StsCode {
    /// Success: `*out_json` holds the result.
    STS_OK = 0,
    /// NULL pointer, invalid UTF-8, malformed JSON or a failed validation; nothing was sent.
    STS_INVALID_ARGUMENT = 1,
    /// DNS, connect, TLS, proxy or timeout failure (after the configured retries).
    STS_NETWORK = 2,
    /// STS answered `Response.Error`; its code, message and requestId are in `*out_json`.
    STS_SERVICE = 3,
    /// STS answered something that is not a valid response.
    STS_BAD_RESPONSE = 4,
    /// A bug in libsts (a caught panic). Please report it.
    STS_INTERNAL = 5,
}

impl From<ErrorKind> for StsCode {
    fn from(kind: ErrorKind) -> Self {
        match kind {
            ErrorKind::InvalidArgument => StsCode::STS_INVALID_ARGUMENT,
            ErrorKind::Network => StsCode::STS_NETWORK,
            ErrorKind::Service => StsCode::STS_SERVICE,
            ErrorKind::BadResponse => StsCode::STS_BAD_RESPONSE,
            ErrorKind::Internal => StsCode::STS_INTERNAL,
        }
    }
}

/// Hands a Rust string to C. JSON from serde never holds a raw NUL, but stay total anyway.
fn into_c_string(json: String) -> *mut c_char {
    match CString::new(json) {
        Ok(s) => s.into_raw(),
        Err(_) => CString::new(Error::internal("result held a NUL byte").to_json())
            .map_or(std::ptr::null_mut(), CString::into_raw),
    }
}

/// The one boundary helper every export uses.
fn call(
    input: *const c_char,
    input_name: &str,
    out_json: *mut *mut c_char,
    core: fn(&str) -> crate::error::Result<String>,
) -> StsCode {
    if out_json.is_null() {
        // Nowhere to put a result or an error; the code says it all.
        return StsCode::STS_INVALID_ARGUMENT;
    }
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        if input.is_null() {
            return Err(Error::invalid(input_name, "NULL pointer"));
        }
        // SAFETY: the caller promises a NUL-terminated string that lives for this call.
        let bytes = unsafe { CStr::from_ptr(input) };
        let text = bytes.to_str().map_err(|e| {
            Error::invalid(input_name, format!("not valid UTF-8 (first bad byte at offset {})", e.valid_up_to()))
        })?;
        core(text)
    }));
    let (code, json) = match outcome {
        Ok(Ok(json)) => (StsCode::STS_OK, json),
        Ok(Err(e)) => (StsCode::from(e.kind()), e.to_json()),
        // Deliberately not the panic payload: it could quote a value from the input.
        Err(_) => {
            (StsCode::STS_INTERNAL, Error::internal("libsts panicked; this is a bug, please report it").to_json())
        }
    };
    // SAFETY: checked non-NULL above; the caller promises it points to writable storage.
    unsafe { *out_json = into_c_string(json) };
    code
}

/// Runs `core` behind the exports' boundary (`out_json` and NULL/UTF-8 checks, panic
/// catching, ownership of `*out_json`), so tests can prove what the boundary does with a core
/// that panics. Not part of the C ABI; not for use outside libsts' own tests.
#[doc(hidden)]
pub fn call_with_core(
    input: *const c_char,
    out_json: *mut *mut c_char,
    core: fn(&str) -> crate::error::Result<String>,
) -> StsCode {
    call(input, "input", out_json, core)
}

/// Gets temporary keys with STS `GetFederationToken`.
///
/// Blocks on the network, at most `timeout_ms` per attempt for `retries` + 1 attempts plus
/// backoff. Thread-safe: any number of threads may call at once; connections are pooled
/// process-wide, and a child process started by `fork()` starts with an empty pool.
///
/// With `"cache": true` (or `{"min_remaining_seconds": N, "max_entries": M}`, defaults 300 and
/// 1024), an identical earlier call's key is returned while it has at least N seconds left, and
/// identical calls at the same time send one request (`sts_cache_clear` empties the cache).
///
/// @param[in] config_json A NUL-terminated UTF-8 JSON object (keys in the README: `secret_id`,
///   `secret_key`, `bucket`, `region`, `allow_prefix`, `allow_actions` or `policy`,
///   `duration_seconds`, `cache`, ...). Borrowed for the call only.
/// @param[out] out_json Always set when not NULL: the credential JSON on `STS_OK`, otherwise
///   `{"error":{"code":..,"message":..,"requestId":..}}`. The caller owns it and must release it
///   with `sts_string_free` (not `free`).
/// @return `STS_OK`; `STS_INVALID_ARGUMENT` for a bad config (nothing was sent) or a NULL
///   `out_json` (then nothing is done); `STS_NETWORK`, `STS_SERVICE`, `STS_BAD_RESPONSE` or
///   `STS_INTERNAL` as documented at `StsCode`.
#[must_use]
#[no_mangle]
pub extern "C" fn sts_get_credential(config_json: *const c_char, out_json: *mut *mut c_char) -> StsCode {
    call(config_json, "config", out_json, crate::api::get_credential)
}

/// Gets temporary keys for a role with STS `AssumeRole`.
///
/// Blocking and thread-safe as `sts_get_credential`.
///
/// @param[in] config_json As for `sts_get_credential`, plus `role_arn` (required),
///   `role_session_name` and `external_id`; the policy is optional (none = the role's own
///   permissions). Borrowed for the call only.
/// @param[out] out_json As for `sts_get_credential`; release it with `sts_string_free`.
/// @return As for `sts_get_credential`.
#[must_use]
#[no_mangle]
pub extern "C" fn sts_get_role_credential(config_json: *const c_char, out_json: *mut *mut c_char) -> StsCode {
    call(config_json, "config", out_json, crate::api::get_role_credential)
}

/// Builds a CAM policy from a JSON array of scopes
/// (`[{"action":"name/cos:PutObject","bucket":"example-1250000000","region":"ap-guangzhou","prefix":"uploads/a.jpg"}]`).
///
/// Local: never touches the network. Thread-safe. Every size that multiplies (scopes, prefixes,
/// actions, name lengths, output) is bounded before the policy is built (limits in the README).
///
/// @param[in] scopes_json A NUL-terminated UTF-8 JSON array of scopes, borrowed for the call only.
/// @param[out] out_json Always set when not NULL: `{"version":"2.0","statement":[...]}` on
///   `STS_OK`, otherwise the error JSON naming the scope and field (`scopes[2].prefix`). Release it
///   with `sts_string_free`.
/// @return `STS_OK` or `STS_INVALID_ARGUMENT` (`STS_INTERNAL` only for a bug).
#[must_use]
#[no_mangle]
pub extern "C" fn sts_get_policy(scopes_json: *const c_char, out_json: *mut *mut c_char) -> StsCode {
    call(scopes_json, "scopes", out_json, crate::api::get_policy)
}

/// Validates a credential config without any network access.
///
/// The config is checked exactly as `sts_get_upload_credential` would check it when it has
/// `upload`, as `sts_get_role_credential` would when it has `role_arn`, and as
/// `sts_get_credential` would otherwise. Bindings use it to refuse a bad config when it is
/// given (e.g. Python's `Sts(config)`), with the core's own message.
///
/// @param[in] config_json A NUL-terminated UTF-8 JSON object, borrowed for the call only.
/// @param[out] out_json Receives the normalized config on `STS_OK` (canonical key names, defaults
///   filled in, the policy as it would be sent, no secret: `"session_token"` is only `true` or
///   `false`), otherwise the error JSON the call would return. Always set when not NULL; the caller
///   owns it and releases it with `sts_string_free`. For an upload config it has `"upload"`
///   with the template and the key with the extension filled in but `{date}` and `{random}` left
///   as they are (the key is chosen per call), and the policy for that key.
/// @return `STS_OK`, or `STS_INVALID_ARGUMENT` (also when `out_json` is NULL). Never touches the
///   network. Thread-safe.
#[must_use]
#[no_mangle]
pub extern "C" fn sts_check_config(config_json: *const c_char, out_json: *mut *mut c_char) -> StsCode {
    call(config_json, "config", out_json, crate::api::check_config)
}

/// Gets temporary keys that may upload exactly one object, whose key libsts chooses, with STS
/// `GetFederationToken`.
///
/// The key comes from `upload.key_template` (default `"file/{date}/{date}_{random}{ext}"`:
/// `{date}` the UTC date as `YYYYMMDD`, `{random}` 16 lower-case hex characters from the
/// operating system's CSPRNG, `{ext}` the file's extension, lower-cased with its dot, or
/// nothing), so it differs on every call. The policy allows `name/cos:PutObject` and
/// `name/cos:PostObject` (with `"multipart":true` also the multipart-upload actions) on that one
/// object and nothing else, with the content type and size conditions asked for. Never cached.
/// Blocking and thread-safe as `sts_get_credential`.
///
/// @param[in] config_json A NUL-terminated UTF-8 JSON object: a credential config (`secret_id`,
///   `secret_key`, `bucket` (required), `region`, `duration_seconds`, `name`, transport keys)
///   without `allow_prefix`, `allow_actions`, `policy`, `condition` or `cache`, plus `upload`:
///   `{"key_template": .., "filename" or "ext": .., "allow_ext": [..], "content_type": ..,
///   "max_bytes": .., "multipart": ..}`. `filename` and `ext` are the client's: the extension must
///   be a dot and 1 to 16 ASCII letters or digits, and one of `allow_ext` when that is given.
///   Borrowed for the call only.
/// @param[out] out_json Always set when not NULL: on `STS_OK` the credential JSON of
///   `sts_get_credential` plus `"bucket"`, `"region"` and `"key"` (the object the key may write),
///   otherwise the error JSON (a refused extension names `upload.ext` and lists the allowed
///   ones). Release it with `sts_string_free`.
/// @return As for `sts_get_credential`; every `STS_INVALID_ARGUMENT` is found before any request.
#[must_use]
#[no_mangle]
pub extern "C" fn sts_get_upload_credential(config_json: *const c_char, out_json: *mut *mut c_char) -> StsCode {
    call(config_json, "config", out_json, crate::api::get_upload_credential)
}

/// Empties the credential cache of this process, wiping every cached key.
///
/// The cache is opt-in per call (config `"cache": true` or `{"min_remaining_seconds": N,
/// "max_entries": M}` for `sts_get_credential` and `sts_get_role_credential`). Calls in flight
/// still answer their callers but do not fill the cache. Thread-safe; never blocks on the
/// network. A child started by `fork()` starts with an empty cache of its own.
#[no_mangle]
pub extern "C" fn sts_cache_clear() {
    // Inside the boundary like every export.
    let _ = catch_unwind(crate::cache::clear);
}

/// Releases a string returned by libsts, wiping it first (results hold temporary secret keys).
///
/// Each string must be released exactly once, and only with this function. Thread-safe.
///
/// @param[in] s A string that a libsts call stored in `*out_json` (or handed to a callback), or
///   NULL (a no-op). It must not be used afterwards.
#[no_mangle]
pub extern "C" fn sts_string_free(s: *mut c_char) {
    if s.is_null() {
        return;
    }
    // Inside the boundary like every export: nothing here should panic, but none may unwind into C.
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: `s` came from `CString::into_raw` in this library and is released once (caller's promise).
        let owned = unsafe { CString::from_raw(s) };
        let mut bytes = owned.into_bytes();
        bytes.zeroize();
    }));
}

/// The library version, e.g. "0.1.0", the same as `STS_VERSION_MAJOR`.`MINOR`.`PATCH`.
///
/// @return A NUL-terminated string in static storage: do not free it. Thread-safe.
#[no_mangle]
pub extern "C" fn sts_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

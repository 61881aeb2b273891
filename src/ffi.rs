//! The C ABI. This layer only converts pointers and ownership; all logic lives in the safe core.
//!
//! Every blocking export goes through [`call`]: check `out_json`, catch any panic, check the
//! input pointer and its UTF-8, run the core function, hand back an owned C string. The async
//! exports go through [`call_async`]: check the callback, copy the input, queue the same work
//! on a `worker` thread and hand the owned C string to the callback.
#![allow(unsafe_code)]
// The exports take raw pointers from C, where Rust's `unsafe fn` means nothing; their
// contracts are spelled out in the header docs instead.
#![allow(clippy::not_unsafe_ptr_arg_deref)]

use crate::error::{Error, ErrorKind};
use crate::worker;
use std::ffi::{c_char, c_void, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;
use zeroize::{Zeroize, Zeroizing};

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

/// The one boundary helper every blocking export uses.
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
    // SAFETY: the caller promises a NUL-terminated string that lives for this call (or NULL).
    let bytes = (!input.is_null()).then(|| unsafe { CStr::from_ptr(input) }.to_bytes());
    let (code, json) = answer(bytes, input_name, core);
    // SAFETY: checked non-NULL above; the caller promises it points to writable storage.
    unsafe { *out_json = into_c_string(json) };
    code
}

/// The code and JSON of a call: NULL and UTF-8 checks, then `core`, inside the panic boundary.
/// Blocking and async exports share it, so both answer alike.
fn answer(
    input: Option<&[u8]>,
    input_name: &str,
    core: impl FnOnce(&str) -> crate::error::Result<String>,
) -> (StsCode, String) {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let bytes = input.ok_or_else(|| Error::invalid(input_name, "NULL pointer"))?;
        let text = std::str::from_utf8(bytes).map_err(|e| {
            Error::invalid(input_name, format!("not valid UTF-8 (first bad byte at offset {})", e.valid_up_to()))
        })?;
        core(text)
    }));
    match outcome {
        Ok(Ok(json)) => (StsCode::STS_OK, json),
        Ok(Err(e)) => (StsCode::from(e.kind()), e.to_json()),
        // Deliberately not the panic payload: it could quote a value from the input.
        Err(_) => {
            (StsCode::STS_INTERNAL, Error::internal("libsts panicked; this is a bug, please report it").to_json())
        }
    }
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
/// @return `STS_OK`; `STS_INVALID_ARGUMENT` for a bad config (nothing was sent), for a
///   temporary signing key (a `session_token`: GetFederationToken accepts permanent keys only;
///   the message says where the token came from and to use `sts_get_role_credential` with
///   `role_arn` and the same policy; nothing was sent) or a NULL `out_json` (then nothing is
///   done); `STS_NETWORK`, `STS_SERVICE`, `STS_BAD_RESPONSE` or
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
/// With a temporary signing key (`session_token`) it sends `X-TC-Token`; this is the call for
/// a backend whose own key is temporary (GetFederationToken refuses such keys).
///
/// @param[in] config_json As for `sts_get_credential`, plus `role_arn` (required),
///   `role_session_name`, `external_id`, session `tags` (`[{"key": .., "value": ..}]`, at most
///   50, keys 1..=128 and values 0..=256 characters, keys unique, no control characters),
///   `source_identity`, and MFA `serial_number` with `token_code` (both or neither; 6 digits);
///   the policy is optional (none = the role's own permissions). Every rule is checked before
///   anything is sent, and the error names the field (`tags[3].key`). Borrowed for the call only.
/// @param[out] out_json As for `sts_get_credential`; release it with `sts_string_free`.
/// @return As for `sts_get_credential`.
#[must_use]
#[no_mangle]
pub extern "C" fn sts_get_role_credential(config_json: *const c_char, out_json: *mut *mut c_char) -> StsCode {
    call(config_json, "config", out_json, crate::api::get_role_credential)
}

/// Asks STS who signs: `GetCallerIdentity` with the config's key, the "is my config right"
/// check for health endpoints and deploy scripts.
///
/// Blocking and thread-safe as `sts_get_credential`; issues no key and is never cached.
///
/// @param[in] config_json A NUL-terminated UTF-8 JSON object: the identity keys (`secret_id`,
///   `secret_key`, `session_token`, else the environment), `region` (optional) and the transport
///   keys (`url`, `endpoint`, `proxy`, `timeout_ms`, `total_timeout_ms`, `retries`, `ca_file`).
///   Any other key (`bucket`, `policy`, `duration_seconds`, ...) is refused naming it. Borrowed
///   for the call only.
/// @param[out] out_json Always set when not NULL: on `STS_OK`
///   `{"arn","accountId","userId","principalId","type","requestId","credentialSource"}`
///   (`credentialSource`: `"config"` when the config gave SecretId and SecretKey, `"env"` when
///   the environment gave either), otherwise the error JSON. The caller owns it and releases it
///   with `sts_string_free`.
/// @return As for `sts_get_credential`.
#[must_use]
#[no_mangle]
pub extern "C" fn sts_get_caller_identity(config_json: *const c_char, out_json: *mut *mut c_char) -> StsCode {
    call(config_json, "config", out_json, crate::caller_identity::get_caller_identity)
}

/// Gets temporary keys for a role with STS `AssumeRoleWithWebIdentity`, for a caller that
/// holds an OIDC token (a TKE pod's service account token, a CI job's ID token).
///
/// The request is unsigned (`Authorization: SKIP`, no `X-TC-Token`): the token is the
/// credential, so the config has no `secret_id`, `secret_key` or `session_token`. The token is
/// treated as a secret: it appears in no error, log or debug output. Blocking and thread-safe as
/// `sts_get_credential`; never cached.
///
/// @param[in] config_json A NUL-terminated UTF-8 JSON object: `provider_id` (required, the OIDC
///   provider's name in CAM), exactly one of `web_identity_token` (the token) and
///   `web_identity_token_file` (a regular file holding it, at most 64 KiB, read at every call so
///   rotated tokens are picked up), `role_arn` (required), `role_session_name`,
///   `duration_seconds` (1..=43200, default 1800), `region` and the transport keys. There is no
///   policy: the key has the role's permissions. Borrowed for the call only.
/// @param[out] out_json As for `sts_get_credential`; release it with `sts_string_free`.
/// @return As for `sts_get_credential`.
#[must_use]
#[no_mangle]
pub extern "C" fn sts_get_web_identity_credential(config_json: *const c_char, out_json: *mut *mut c_char) -> StsCode {
    call(config_json, "config", out_json, crate::web_identity::get_web_identity_credential)
}

/// The callback of the async exports: receives one call's answer.
///
/// Called exactly once per accepted call, on a libsts worker thread (never on the thread that
/// made the call), with the code and JSON the blocking call would have returned. It may run
/// before the async function has returned to its caller: prepare what `user_data` points to
/// first.
///
/// - `user_data`: the pointer given to the async call, untouched.
/// - `code`: as the blocking call's return value.
/// - `out_json`: never NULL; as the blocking call's `*out_json`. The receiver owns it and must
///   release it with `sts_string_free` (it may do so on any thread, later).
///
/// It runs on a thread shared with other calls: return promptly (hand the result to your own
/// thread or event loop), do not unwind or throw out of it, and do not call `exit()` from it.
/// It may call any libsts function, including the async ones.
pub type StsCallback = Option<unsafe extern "C" fn(user_data: *mut c_void, code: StsCode, out_json: *mut c_char)>;

/// The caller's `user_data`, carried to the worker that answers and handed back unchanged.
struct SendPtr(*mut c_void);

// SAFETY: libsts never dereferences `user_data`; it only passes it to the callback on a worker
// thread, and the header makes the caller promise that this is safe (the async exports document
// that the callback runs on another thread).
unsafe impl Send for SendPtr {}

impl SendPtr {
    /// Taking `self` makes a closure capture the whole wrapper (which is Send), not its field.
    fn into_inner(self) -> *mut c_void {
        self.0
    }
}

/// The one boundary helper every async export uses: copies the input, queues the call on a
/// worker, and answers the callback from there through the same [`answer`] as the blocking call.
fn call_async(
    input: *const c_char,
    input_name: &'static str,
    callback: StsCallback,
    user_data: *mut c_void,
    core: fn(&str, Instant) -> crate::error::Result<String>,
) -> StsCode {
    let Some(callback) = callback else {
        return StsCode::STS_INVALID_ARGUMENT;
    };
    let started = Instant::now();
    let queued = catch_unwind(AssertUnwindSafe(|| {
        // Copied now: the caller may free its string as soon as this returns. It holds the secret
        // key, so it is wiped when the call is done.
        // SAFETY: the caller promises a NUL-terminated string that lives for this call (or NULL).
        let input: Option<Zeroizing<Vec<u8>>> =
            (!input.is_null()).then(|| Zeroizing::new(unsafe { CStr::from_ptr(input) }.to_bytes().to_vec()));
        let user_data = SendPtr(user_data);
        worker::submit(Box::new(move || {
            let (code, json) = match worker::setting_error() {
                Some(e) => (StsCode::from(e.kind()), e.to_json()),
                None => answer(input.as_deref().map(Vec::as_slice), input_name, |text| core(text, started)),
            };
            drop(input);
            // SAFETY: the caller promises `callback` is a valid function of this type, callable
            // from another thread with this `user_data`, until it has been called once (now).
            unsafe { callback(user_data.into_inner(), code, into_c_string(json)) };
        }))
    }));
    match queued {
        Ok(Ok(())) => StsCode::STS_OK,
        Ok(Err(worker::Refused::QueueFull | worker::Refused::NoThread)) => StsCode::STS_NETWORK,
        Err(_) => StsCode::STS_INTERNAL,
    }
}

/// Runs `core` behind the async exports' boundary, so tests can prove that a panic on a
/// worker is answered as `STS_INTERNAL`. Not part of the C ABI; not for use outside libsts'
/// own tests.
#[doc(hidden)]
pub fn call_async_with_core(
    input: *const c_char,
    callback: StsCallback,
    user_data: *mut c_void,
    core: fn(&str, Instant) -> crate::error::Result<String>,
) -> StsCode {
    call_async(input, "input", callback, user_data, core)
}

/// Gets temporary keys with STS `GetFederationToken` without blocking: the answer comes to
/// `callback`.
///
/// Contract:
/// - `STS_OK` means the call was accepted: `callback` will then be called **exactly once**, on
///   a libsts worker thread, with the code and JSON that `sts_get_credential` would have
///   returned. A bad config (also a NULL `config_json` or invalid UTF-8) is accepted too and
///   answered through `callback` with `STS_INVALID_ARGUMENT`; so is every async call while the
///   environment variable `LIBSTS_ASYNC_WORKERS` holds an invalid value.
/// - Any other return value means the call was not accepted: `callback` is never called for it.
/// - `config_json` is copied before this function returns.
/// - `total_timeout_ms` counts from this call, so a call that waited in the queue longer than
///   that is answered with `Client.Timeout` without sending anything.
/// - Workers: at most 64 threads (the default), started only when a call finds none idle and
///   kept until the process exits; change the limit with `LIBSTS_ASYNC_WORKERS=N` (read once,
///   at the first async call) or `sts_set_async_workers`. Calls beyond the workers wait in a
///   queue of at most 65,536 calls. Each worker has a 2 MiB stack and blocks asynchronous
///   signals (SIGINT, SIGCHLD, ...; not SIGSEGV and the other fault signals).
/// - A panic inside libsts is caught and answered as `STS_INTERNAL`.
/// - At process exit, calls still in flight are abandoned: their callbacks may never run, or
///   may run while the process is exiting (the workers are not joined). Nothing crashes inside
///   libsts; a host that tears its callback's state down at exit should wait for its calls first.
///   `dlclose` never unmaps libsts (it is linked `-z nodelete`), so unloading with calls in
///   flight is safe too.
/// - After `fork()`, the child starts with no workers and an empty queue; calls the parent had
///   in flight are answered in the parent only.
///
/// @param[in] config_json As for `sts_get_credential`; copied before this returns.
/// @param[in] callback Called exactly once with the answer when `STS_OK` is returned. Must stay
///   callable until then. NULL is refused.
/// @param[in] user_data Passed to `callback` unchanged; libsts never reads it. It must be safe
///   to use from the worker thread the callback runs on.
/// @return `STS_OK` when accepted (the answer, success or failure, then comes to `callback`);
///   `STS_INVALID_ARGUMENT` when `callback` is NULL; `STS_NETWORK` when 65,536 calls are already
///   waiting for a worker or no worker thread could be started (overload: try again later);
///   `STS_INTERNAL` only for a bug. In none of these cases is `callback` called.
#[must_use]
#[no_mangle]
pub extern "C" fn sts_get_credential_async(
    config_json: *const c_char,
    callback: StsCallback,
    user_data: *mut c_void,
) -> StsCode {
    call_async(config_json, "config", callback, user_data, crate::api::get_credential_since)
}

/// Gets temporary keys for a role with STS `AssumeRole` without blocking: the answer comes to
/// `callback`.
///
/// The contract of `sts_get_credential_async` holds, with the answer that
/// `sts_get_role_credential` would have returned.
///
/// @param[in] config_json As for `sts_get_role_credential`; copied before this returns.
/// @param[in] callback As for `sts_get_credential_async`.
/// @param[in] user_data As for `sts_get_credential_async`.
/// @return As for `sts_get_credential_async`.
#[must_use]
#[no_mangle]
pub extern "C" fn sts_get_role_credential_async(
    config_json: *const c_char,
    callback: StsCallback,
    user_data: *mut c_void,
) -> StsCode {
    call_async(config_json, "config", callback, user_data, crate::api::get_role_credential_since)
}

/// Gets an upload credential for one server-chosen object key without blocking: the answer
/// comes to `callback`.
///
/// The contract of `sts_get_credential_async` holds, with the answer that
/// `sts_get_upload_credential` would have returned (a fresh key for every call).
///
/// @param[in] config_json As for `sts_get_upload_credential`; copied before this returns.
/// @param[in] callback As for `sts_get_credential_async`.
/// @param[in] user_data As for `sts_get_credential_async`.
/// @return As for `sts_get_credential_async`.
#[must_use]
#[no_mangle]
pub extern "C" fn sts_get_upload_credential_async(
    config_json: *const c_char,
    callback: StsCallback,
    user_data: *mut c_void,
) -> StsCode {
    call_async(config_json, "config", callback, user_data, crate::api::get_upload_credential_since)
}

/// Asks STS who signs without blocking: the answer comes to `callback`.
///
/// The contract of `sts_get_credential_async` holds, with the answer that
/// `sts_get_caller_identity` would have returned.
///
/// @param[in] config_json As for `sts_get_caller_identity`; copied before this returns.
/// @param[in] callback As for `sts_get_credential_async`.
/// @param[in] user_data As for `sts_get_credential_async`.
/// @return As for `sts_get_credential_async`.
#[must_use]
#[no_mangle]
pub extern "C" fn sts_get_caller_identity_async(
    config_json: *const c_char,
    callback: StsCallback,
    user_data: *mut c_void,
) -> StsCode {
    call_async(config_json, "config", callback, user_data, crate::caller_identity::get_caller_identity_since)
}

/// Gets temporary keys for a role with STS `AssumeRoleWithWebIdentity` without blocking: the
/// answer comes to `callback`.
///
/// The contract of `sts_get_credential_async` holds, with the answer that
/// `sts_get_web_identity_credential` would have returned. The copy of `config_json` (which may
/// hold the OIDC token) is wiped once the call is done.
///
/// @param[in] config_json As for `sts_get_web_identity_credential`; copied before this returns.
/// @param[in] callback As for `sts_get_credential_async`.
/// @param[in] user_data As for `sts_get_credential_async`.
/// @return As for `sts_get_credential_async`.
#[must_use]
#[no_mangle]
pub extern "C" fn sts_get_web_identity_credential_async(
    config_json: *const c_char,
    callback: StsCallback,
    user_data: *mut c_void,
) -> StsCode {
    call_async(config_json, "config", callback, user_data, crate::web_identity::get_web_identity_credential_since)
}

/// Sets how many worker threads the async calls may use in this process (default 64).
///
/// Replaces `LIBSTS_ASYNC_WORKERS`. May be called at any time, from any thread: raising the
/// limit lets more workers start as calls arrive; lowering it stops idle workers above it (busy
/// ones finish their call first). A child process after `fork()` keeps the limit.
///
/// @param[in] workers 1..=1024.
/// @return `STS_OK`, or `STS_INVALID_ARGUMENT` for a count out of range (nothing changes).
#[must_use]
#[no_mangle]
pub extern "C" fn sts_set_async_workers(workers: u32) -> StsCode {
    match catch_unwind(|| worker::set_limit(workers)) {
        Ok(Ok(())) => StsCode::STS_OK,
        Ok(Err(e)) => StsCode::from(e.kind()),
        Err(_) => StsCode::STS_INTERNAL,
    }
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

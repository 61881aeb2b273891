//! libsts: Tencent Cloud STS temporary keys for COS, behind a stable C ABI.
//!
//! **The interface is the C ABI** (`include/sts.h`, generated from [`ffi`]). The Rust modules are
//! public so that the tests, benchmarks, fuzz targets and the emulator crate can reach them; they
//! are not a stable Rust API and may change in any release.
//!
//! One call, from the C ABI to the socket and back (docs/ARCHITECTURE.md has the long form):
//!
//! ```text
//! ffi::sts_get_credential         pointers, UTF-8, panic boundary, ownership of *out_json
//!  (ffi::sts_get_credential_async  the same, queued on a worker thread, answered via callback)
//!  └ api::get_credential          the action: parse, sign, send with retries, map the answer
//!     ├ identity_source           where the signing key came from; GetFederationToken refuses a temporary one
//!     ├ cache                     opt-in: identical calls answered from a process-wide cache
//!     ├ config::Config::parse     the one validator (keys, types, ranges), using
//!     │  ├ credentials            the backend's own key: env, profile, TKE OIDC, CVM role (fetched
//!     │  │                        at call time through a process-wide refresh cache)
//!     │  ├ upload                 upload keys from a template, the one-object upload policy
//!     │  ├ policy                 scopes and allow_prefix -> CAM policy, with its limits
//!     │  ├ endpoint               url/endpoint rules: parsed once, loopback for plain http
//!     │  └ proxy                  proxy from the config or the environment, resolved once
//!     ├ sign                      TC3-HMAC-SHA256, pure functions
//!     └ transport                 ureq agents: keep-alive pool, DNS cache, error classes
//! caller_identity, web_identity   the other STS calls, sent by api's same retry loop
//! worker                          the async exports' bounded thread pool and queue
//! ffi::sts_get_credential_async   the same call queued on worker::submit (a bounded pool)
//! process                         per-process state: a forked child starts afresh
//! error                           one error type -> StsCode + {"error":{...}}
//! ```
//!
//! Imports run one way, down this list; `error` and `time` are used by all.
#![deny(unsafe_code)]

pub mod api;
pub mod cache;
pub mod caller_identity;
pub mod config;
pub mod credentials;
pub mod endpoint;
pub mod error;
pub mod ffi;
pub mod identity_source;
pub mod policy;
pub mod process;
pub mod proxy;
pub mod sign;
pub mod time;
pub mod transport;
pub mod upload;
pub mod web_identity;
pub mod worker;

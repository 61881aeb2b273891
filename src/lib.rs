//! libsts: Tencent Cloud STS temporary keys for COS, behind a stable C ABI.
#![deny(unsafe_code)]

pub mod sign;
pub mod time;
pub mod config;
pub mod error;
pub mod policy;
pub mod transport;
pub mod api;
pub mod ffi;
#[cfg(feature = "emulator")] pub mod emulator;

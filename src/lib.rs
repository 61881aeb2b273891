//! libsts: Tencent Cloud STS temporary keys for COS, behind a stable C ABI.
#![deny(unsafe_code)]

pub mod api;
pub mod config;
#[cfg(feature = "emulator")]
pub mod emulator;
pub mod error;
pub mod ffi;
pub mod policy;
pub mod process;
pub mod sign;
pub mod time;
pub mod transport;

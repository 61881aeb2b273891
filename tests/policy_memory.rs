//! Peak memory of sts_get_policy on inputs whose lengths multiply (issue 10 item 4): a counting
//! global allocator records the most bytes live at once during each call. Its own test
//! binary with one test, so that no other thread allocates while it measures.
#![allow(unsafe_code)]

use serde_json::json;
use std::alloc::{GlobalAlloc, Layout, System};
use std::ffi::{c_char, CStr, CString};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use sts::ffi::{sts_get_policy, sts_string_free, StsCode};
use sts::policy::{MAX_BUCKET_BYTES, MAX_POLICY_BYTES, MAX_PREFIXES_PER_SCOPE};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Relaxed) + layout.size();
        PEAK.fetch_max(live, Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Calls sts_get_policy; returns the code, the message and the peak bytes allocated on top
/// of what was live before the call.
fn measured(input: &str) -> (StsCode, String, usize) {
    let input = CString::new(input).unwrap();
    let mut out: *mut c_char = std::ptr::null_mut();
    let before = LIVE.load(Relaxed);
    PEAK.store(before, Relaxed);
    let code = sts_get_policy(input.as_ptr(), &mut out);
    let peak = PEAK.load(Relaxed) - before;
    eprintln!("{} bytes in: {code:?}, peak {peak} bytes", input.as_bytes().len());
    // SAFETY: set by the library to a NUL-terminated string, released below.
    let json = unsafe { CStr::from_ptr(out) }.to_str().unwrap().to_owned();
    sts_string_free(out);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let message = value["error"]["message"].as_str().unwrap_or_default().to_owned();
    (code, message, peak)
}

#[test]
fn peak_memory_stays_near_the_input_and_output_sizes() {
    const MIB: usize = 1 << 20;
    let bucket = format!("{}-1250000000", "b".repeat(400 * 1024));
    let issue = json!([{"action": "name/cos:GetObject", "bucket": bucket, "region": "ap-guangzhou",
        "prefix": vec!["p"; 100_000]}])
    .to_string();
    let (code, message, peak) = measured(&issue);
    assert_eq!(code, StsCode::STS_INVALID_ARGUMENT);
    assert!(message.starts_with("scopes[0].prefix: over the limit of"), "{message}");
    // The 900 KB input is borrowed, not copied: the refusal costs the scope list and one
    // prefix list of 1,000 entries.
    assert!(peak < MIB / 4, "peak {peak} bytes");

    // At the per-item limits, the largest policy that fits: about 1 MiB out, allocated once.
    let scope = json!({"action": "name/cos:GetObject", "bucket": format!("{}-1", "b".repeat(MAX_BUCKET_BYTES - 2)),
        "region": "ap-guangzhou", "prefix": vec!["p".repeat(100); MAX_PREFIXES_PER_SCOPE]});
    let (code, message, peak) = measured(&json!(vec![scope.clone(); 5]).to_string());
    assert_eq!(code, StsCode::STS_OK, "{message}");
    assert!(peak < MAX_POLICY_BYTES + MIB / 4, "peak {peak} bytes");
    let (code, message, peak) = measured(&json!(vec![scope; 6]).to_string());
    assert_eq!(code, StsCode::STS_INVALID_ARGUMENT);
    assert!(message.starts_with("scopes: the policy would be "), "{message}");
    assert!(peak < MIB / 4, "refused before the output is allocated: peak {peak} bytes");
}

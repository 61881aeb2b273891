//! Benchmarks through the C ABI: `make bench` (or `cargo bench --bench sts`).
//!
//! - sts_get_policy for 1 and 8 scopes (parse, build, serialize, CString, free)
//! - the TC3 signer on a typical GetFederationToken request
//! - sts_get_credential end to end against the in-process emulator over keep-alive
//! - the library's own CPU time per credential call (client thread CPU, excluding waiting)
#![allow(unsafe_code)]

use criterion::{criterion_group, criterion_main, Criterion};
use std::ffi::{c_char, CString};
use std::hint::black_box;
use std::time::Duration;
use sts::emulator::{Emulator, EmulatorOptions, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY};
use sts::ffi::{sts_get_credential, sts_get_policy, sts_string_free, StsCode};

fn scopes(n: usize) -> CString {
    let one = r#"{"action":"name/cos:PutObject","bucket":"example-1250000000","region":"ap-guangzhou","prefix":"uploads/user-42/*"}"#;
    CString::new(format!("[{}]", vec![one; n].join(","))).unwrap()
}

fn call(f: extern "C" fn(*const c_char, *mut *mut c_char) -> StsCode, input: &CString) -> StsCode {
    let mut out: *mut c_char = std::ptr::null_mut();
    let code = f(input.as_ptr(), &mut out);
    sts_string_free(out);
    code
}

fn policy(c: &mut Criterion) {
    for n in [1, 8] {
        let input = scopes(n);
        assert_eq!(call(sts_get_policy, &input), StsCode::STS_OK);
        c.bench_function(&format!("sts_get_policy/{n}_scope{}", if n == 1 { "" } else { "s" }), |b| {
            b.iter(|| call(sts_get_policy, black_box(&input)))
        });
    }
}

fn signer(c: &mut Criterion) {
    let payload = br#"{"Name":"cos-sts-libsts","DurationSeconds":1800,"Policy":"%7B%22version%22%3A%222.0%22%2C%22statement%22%3A%5B%7B%22action%22%3A%5B%22name%2Fcos%3APutObject%22%5D%2C%22effect%22%3A%22allow%22%2C%22resource%22%3A%5B%22qcs%3A%3Acos%3Aap-guangzhou%3Auid%2F1250000000%3Aexample-1250000000%2Fdir%2F%2A%22%5D%7D%5D%7D"}"#;
    let input = sts::sign::SigningInput {
        secret_id: DEFAULT_SECRET_ID,
        secret_key: DEFAULT_SECRET_KEY,
        service: "sts",
        host: "sts.tencentcloudapi.com",
        content_type: sts::sign::CONTENT_TYPE,
        payload,
        timestamp: 1_700_000_000,
    };
    c.bench_function("tc3_sign/authorization", |b| b.iter(|| sts::sign::authorization(black_box(&input))));
}

fn config_for(emulator: &Emulator) -> CString {
    CString::new(format!(
        r#"{{"secret_id":"{DEFAULT_SECRET_ID}","secret_key":"{DEFAULT_SECRET_KEY}","url":"{}","bucket":"example-1250000000","region":"ap-guangzhou","allow_prefix":"dir/*","allow_actions":["name/cos:PutObject"]}}"#,
        emulator.url()
    ))
    .unwrap()
}

/// (user, system) CPU time of the calling thread.
fn thread_cpu_times() -> (Duration, Duration) {
    // SAFETY: getrusage only writes into the struct we own; all-zero is a valid rusage.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut usage) };
    let duration = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    (duration(usage.ru_utime), duration(usage.ru_stime))
}

fn credential(c: &mut Criterion) {
    let emulator = Emulator::start(EmulatorOptions::default()).unwrap();
    let config = config_for(&emulator);
    assert_eq!(call(sts_get_credential, &config), StsCode::STS_OK);
    c.bench_function("sts_get_credential/emulator_keep_alive", |b| b.iter(|| call(sts_get_credential, &config)));

    // The library's own work per call: CPU time of the calling thread, split into user space
    // (libsts, ureq, serde, signing) and the kernel's socket work. The emulator answers on its
    // own threads, and waiting on the socket costs no CPU.
    let calls = 5_000;
    let (user_before, system_before) = thread_cpu_times();
    for _ in 0..calls {
        assert_eq!(call(sts_get_credential, &config), StsCode::STS_OK);
    }
    let (user_after, system_after) = thread_cpu_times();
    let micros = |d: Duration| d.as_secs_f64() * 1e6 / f64::from(calls);
    println!(
        "sts_get_credential/own_cpu_per_call: user {:.1} µs + kernel {:.1} µs (calling thread, {calls} calls)",
        micros(user_after - user_before),
        micros(system_after - system_before)
    );
    println!("emulator TCP connections for all credential calls: {}", emulator.connections());
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = policy, signer, credential
}
criterion_main!(benches);

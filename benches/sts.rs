//! Benchmarks through the C ABI: `make bench` (or `cargo bench --bench sts`).
//!
//! - sts_get_policy for 1 and 8 scopes (parse, build, serialize, CString, free)
//! - the TC3 signer on a typical GetFederationToken request
//! - sts_get_credential end to end against the in-process emulator over keep-alive
//! - the library's own CPU time per credential call (client thread CPU, excluding waiting)
//! - the fork check every call pays to reach process-wide state (`PerProcess::get`), next to a
//!   bare getpid system call
//! - sts_get_credential_async: 32 callers, 1,000 calls against the emulator answering in 30 ms,
//!   next to 32 threads making blocking calls (printed: calls/s and the share of the ideal 32 / 30 ms)
//! - a credential cache hit through the C ABI (`"cache": true`): the text seen before, and a
//!   text that must be parsed (its key pair comes from the environment)
//! - sts_get_upload_credential end to end against the emulator
#![allow(unsafe_code)]

use criterion::{criterion_group, criterion_main, Criterion};
use std::ffi::c_void;
use std::ffi::{c_char, CString};
use std::hint::black_box;
use std::sync::{Condvar, Mutex};
use std::time::Duration;
use std::time::Instant;
use sts::ffi::{
    sts_get_credential, sts_get_credential_async, sts_get_policy, sts_get_upload_credential, sts_string_free, StsCode,
};
use sts_emulator::{Emulator, EmulatorOptions, Faults, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY};

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

/// CPU time of the calling thread: exact total (CLOCK_THREAD_CPUTIME_ID) and the kernel's
/// tick-sampled share of it (getrusage), which is only an estimate.
fn thread_cpu() -> (Duration, Duration) {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: both calls only write into structs we own; all-zero is a valid rusage.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe {
        libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts);
        libc::getrusage(libc::RUSAGE_THREAD, &mut usage);
    }
    let system = Duration::new(usage.ru_stime.tv_sec as u64, usage.ru_stime.tv_usec as u32 * 1000);
    (Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32), system)
}

fn credential_own_work(c: &mut Criterion) {
    let config = r#"{"secret_id":"AKIDEMULATOREXAMPLE0000000000000000","secret_key":"emulator-secret-key-EXAMPLE","url":"http://127.0.0.1:9/","bucket":"example-1250000000","region":"ap-guangzhou","allow_prefix":"dir/*","allow_actions":["name/cos:PutObject"]}"#;
    let answer = format!(
        r#"{{"Response":{{"Credentials":{{"Token":"{}","TmpSecretId":"AKID{}","TmpSecretKey":"{}="}},"ExpiredTime":1795920445,"Expiration":"2026-11-29T02:47:25Z","RequestId":"d4654d58-3952-4f9c-afc0-e2a85d0e0945"}}}}"#,
        "t".repeat(420),
        "i".repeat(48),
        "k".repeat(43)
    );
    c.bench_function("sts_get_credential/own_work_without_http", |b| {
        b.iter(|| {
            let parsed =
                sts::config::Config::parse(black_box(config), sts::config::Action::GetFederationToken).unwrap();
            let body = sts::api::request_body(&parsed);
            let input = sts::sign::SigningInput {
                secret_id: &parsed.identity.secret_id,
                secret_key: parsed.identity.secret_key.expose(),
                service: "sts",
                host: &parsed.transport.endpoint,
                content_type: sts::sign::CONTENT_TYPE,
                payload: body.as_bytes(),
                timestamp: 1_700_000_000,
            };
            black_box(sts::sign::authorization(&input));
            sts::api::credential_result(200, black_box(&answer), parsed.duration_seconds, &parsed.transport.target)
                .unwrap()
        })
    });
}

fn credential(c: &mut Criterion) {
    let emulator = Emulator::start(EmulatorOptions::default()).unwrap();
    let config = config_for(&emulator);
    assert_eq!(call(sts_get_credential, &config), StsCode::STS_OK);
    c.bench_function("sts_get_credential/emulator_keep_alive", |b| b.iter(|| call(sts_get_credential, &config)));

    // CPU of the calling thread per call: libsts, ureq and the socket system calls. The emulator
    // answers on its own threads, and waiting on the socket costs no CPU.
    let calls = 5_000;
    let (total_before, system_before) = thread_cpu();
    for _ in 0..calls {
        assert_eq!(call(sts_get_credential, &config), StsCode::STS_OK);
    }
    let (total_after, system_after) = thread_cpu();
    let micros = |d: Duration| d.as_secs_f64() * 1e6 / f64::from(calls);
    println!(
        "sts_get_credential/calling_thread_cpu_per_call: {:.1} µs (of which kernel ≈ {:.1} µs, tick-sampled; {calls} calls)",
        micros(total_after - total_before),
        micros(system_after - system_before)
    );
    println!("emulator TCP connections for all credential calls: {}", emulator.connections());
}

fn cache(c: &mut Criterion) {
    let emulator = Emulator::start(EmulatorOptions::default()).unwrap();
    let plain = config_for(&emulator);
    let with_cache = |json: &CString, cache: &str| {
        let text = json.to_str().unwrap();
        CString::new(format!("{},\"cache\":{cache}}}", &text[..text.len() - 1])).unwrap()
    };
    let config = with_cache(&plain, "true");
    assert_eq!(call(sts_get_credential, &config), StsCode::STS_OK);
    let before = emulator.requests().len();
    c.bench_function("sts_get_credential/cache_hit", |b| b.iter(|| call(sts_get_credential, black_box(&config))));

    // No key pair in the text: each hit parses the config (about 10 µs) to know who signs.
    std::env::set_var("TENCENTCLOUD_SECRET_ID", DEFAULT_SECRET_ID);
    std::env::set_var("TENCENTCLOUD_SECRET_KEY", DEFAULT_SECRET_KEY);
    let from_env = CString::new(
        config
            .to_str()
            .unwrap()
            .replace(&format!(r#""secret_id":"{DEFAULT_SECRET_ID}","secret_key":"{DEFAULT_SECRET_KEY}","#), ""),
    )
    .unwrap();
    assert_eq!(call(sts_get_credential, &from_env), StsCode::STS_OK);
    c.bench_function("sts_get_credential/cache_hit_parsed", |b| {
        b.iter(|| call(sts_get_credential, black_box(&from_env)))
    });
    std::env::remove_var("TENCENTCLOUD_SECRET_ID");
    std::env::remove_var("TENCENTCLOUD_SECRET_KEY");
    assert_eq!(emulator.requests().len(), before, "every benchmarked call was a hit");
}

fn upload(c: &mut Criterion) {
    let emulator = Emulator::start(EmulatorOptions::default()).unwrap();
    let config = CString::new(format!(
        r#"{{"secret_id":"{DEFAULT_SECRET_ID}","secret_key":"{DEFAULT_SECRET_KEY}","url":"{}","bucket":"example-1250000000","region":"ap-guangzhou","upload":{{"filename":"photo.JPG","allow_ext":["jpg","png"],"content_type":"image/*","max_bytes":10485760}}}}"#,
        emulator.url()
    ))
    .unwrap();
    assert_eq!(call(sts_get_upload_credential, &config), StsCode::STS_OK);
    c.bench_function("sts_get_upload_credential/emulator_keep_alive", |b| {
        b.iter(|| call(sts_get_upload_credential, black_box(&config)))
    });
}

fn per_process(c: &mut Criterion) {
    static STATE: sts::process::PerProcess<std::sync::Mutex<u64>> =
        sts::process::PerProcess::new(|| std::sync::Mutex::new(0));
    STATE.get();
    c.bench_function("per_process/get", |b| b.iter(|| black_box(STATE.get())));
    c.bench_function("per_process/getpid_alone", |b| b.iter(|| black_box(std::process::id())));
}

/// Calls in flight and answered, shared with the callbacks.
struct Flight {
    state: Mutex<(usize, usize, usize)>, // (in flight, answered, answered STS_OK)
    changed: Condvar,
}

unsafe extern "C" fn on_answer(user_data: *mut c_void, code: StsCode, out_json: *mut c_char) {
    sts_string_free(out_json);
    // SAFETY: user_data is the `Flight` that outlives every call of the run below.
    let flight = unsafe { &*(user_data as *const Flight) };
    let mut state = flight.state.lock().unwrap();
    state.0 -= 1;
    state.1 += 1;
    state.2 += usize::from(code == StsCode::STS_OK);
    flight.changed.notify_all();
}

/// `callers` calls kept in flight until `calls` have been answered; returns calls per second.
fn async_run(config: &CString, callers: usize, calls: usize) -> f64 {
    let flight = Flight { state: Mutex::new((0, 0, 0)), changed: Condvar::new() };
    let user_data = &flight as *const Flight as *mut c_void;
    let started = Instant::now();
    let mut state = flight.state.lock().unwrap();
    for _ in 0..calls {
        while state.0 >= callers {
            state = flight.changed.wait(state).unwrap();
        }
        state.0 += 1;
        drop(state);
        assert_eq!(sts_get_credential_async(config.as_ptr(), Some(on_answer), user_data), StsCode::STS_OK);
        state = flight.state.lock().unwrap();
    }
    while state.1 < calls {
        state = flight.changed.wait(state).unwrap();
    }
    assert_eq!(state.2, calls, "every call got credentials");
    calls as f64 / started.elapsed().as_secs_f64()
}

/// `callers` threads making blocking calls until `calls` are done; returns calls per second.
fn blocking_run(config: &CString, callers: usize, calls: usize) -> f64 {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..callers {
            scope.spawn(|| {
                while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < calls {
                    assert_eq!(call(sts_get_credential, config), StsCode::STS_OK);
                }
            });
        }
    });
    calls as f64 / started.elapsed().as_secs_f64()
}

fn credential_async(_: &mut Criterion) {
    let latency = Duration::from_millis(30);
    let emulator = Emulator::start(EmulatorOptions {
        faults: Faults { latency, ..Faults::default() },
        ..EmulatorOptions::default()
    })
    .unwrap();
    let config = config_for(&emulator);
    let (callers, calls) = (32, 1000);
    let ideal = callers as f64 / latency.as_secs_f64();
    async_run(&config, callers, 200); // warm-up: workers and keep-alive connections
    let asynchronous = async_run(&config, callers, calls);
    let blocking = blocking_run(&config, callers, calls);
    println!(
        "sts_get_credential_async/{callers}_callers_30ms_latency: {asynchronous:.0} calls/s ({:.0} % of the ideal {ideal:.0}/s; {calls} calls)",
        100.0 * asynchronous / ideal
    );
    println!(
        "sts_get_credential/{callers}_threads_30ms_latency (blocking, for comparison): {blocking:.0} calls/s ({:.0} % of ideal)",
        100.0 * blocking / ideal
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = policy, signer, credential_own_work, credential, per_process, cache, upload, credential_async
}
criterion_main!(benches);

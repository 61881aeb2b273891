//! `sts-server --config sts-server.toml`

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use sts_server::app::{self, AppState};
use sts_server::config::Settings;

const USAGE: &str = "\
Usage: sts-server --config PATH [--check]

Hands COS web and mobile clients temporary keys (POST /sts, POST /upload-credential) for the
scopes its [[rules]] allow the caller's subject. See the README's \"Credential server\" section.

  --config PATH   The TOML config (examples/sts-server.toml).
  --check         Validate the config and exit (0 valid, 2 not).
  -h, --help      This help.
  -V, --version   The version.

Prints `sts-server listening on http://ADDR/` once listening, then one JSON line per request to
stderr. SIGTERM or SIGINT: stop accepting, let in-flight requests finish within
shutdown_grace_seconds, exit 0 (1 when they did not finish).
Exit status: 2 on a usage or config error, 1 when it cannot listen.";

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let mut config: Option<PathBuf> = None;
    let mut check = false;
    while let Some(arg) = args.next() {
        match arg.to_str() {
            Some("--config") => match args.next() {
                Some(path) => config = Some(PathBuf::from(path)),
                None => return usage("--config needs a path"),
            },
            Some("--check") => check = true,
            Some("-h" | "--help") => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            Some("-V" | "--version") => {
                println!("sts-server {}", env!("CARGO_PKG_VERSION"));
                return ExitCode::SUCCESS;
            }
            _ => return usage(&format!("unknown argument {:?}", arg)),
        }
    }
    let Some(path) = config else { return usage("--config is required") };
    let settings = match Settings::load(&path) {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("sts-server: config {}: {e}", path.display());
            return ExitCode::from(2);
        }
    };
    if check {
        println!("sts-server: config {} is valid", path.display());
        return ExitCode::SUCCESS;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("sts-server: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let code = runtime.block_on(run(settings));
    // In-flight blocking libsts calls past the grace period are abandoned, not awaited.
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    code
}

fn usage(problem: &str) -> ExitCode {
    eprintln!("sts-server: {problem}\n\n{USAGE}");
    ExitCode::from(2)
}

async fn run(settings: Settings) -> ExitCode {
    let listener = match tokio::net::TcpListener::bind(settings.listen).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("sts-server: listen: cannot listen on {}: {e}", settings.listen);
            return ExitCode::from(1);
        }
    };
    let address = listener.local_addr().map_or_else(|_| settings.listen.to_string(), |a| a.to_string());
    eprintln!("sts-server: {}", app::describe_auth(&settings.auth));
    if settings.limits.redis_url.is_some() {
        eprintln!("sts-server: rate limits counted in Redis (limits.redis_url)");
    }
    let grace = settings.shutdown_grace;
    println!("sts-server listening on http://{address}/");
    let state = Arc::new(AppState::new(settings));
    match sts_server::serve(listener, state, shutdown_signal(), grace).await {
        Ok(true) => {
            eprintln!("sts-server: stopped");
            ExitCode::SUCCESS
        }
        Ok(false) => {
            eprintln!("sts-server: in-flight requests did not finish within shutdown_grace_seconds; exiting");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("sts-server: {e}");
            ExitCode::from(1)
        }
    }
}

async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) else {
        // Without signal handlers the process still dies on SIGTERM, just without draining.
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
    eprintln!("sts-server: shutting down; draining in-flight requests");
}

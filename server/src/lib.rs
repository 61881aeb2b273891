//! `sts-server`: hands COS web and mobile clients temporary keys for the scopes the rules allow
//! their subject. The README's "Credential server" section is the user-facing description.
//!
//! ```text
//! main      arguments, config, listener, SIGTERM with a bounded drain
//! app       the dispatcher: CORS, auth, limits, rules, libsts on the blocking pool, log, metrics
//!  ├ auth    jwt / webhook / none -> the caller's subject
//!  ├ limits  requests_per_minute per subject, in memory or in Redis
//!  ├ rules   pure: scopes x rules x subject -> allowed or the reason why not
//!  ├ reply   error bodies {code, codeDesc, message, requestId}
//!  ├ ready   /readyz
//!  └ metrics Prometheus text
//! config    sts-server.toml -> Settings
//! ```
#![deny(unsafe_code)]

pub mod app;
pub mod auth;
pub mod config;
pub mod limits;
pub mod metrics;
pub mod ready;
pub mod reply;
pub mod rules;

use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// Serves until `shutdown` resolves, then lets in-flight requests finish for at most `grace`.
/// Returns false when they did not finish in time.
pub async fn serve(
    listener: TcpListener,
    state: Arc<app::AppState>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> std::io::Result<bool> {
    let (tx, mut rx) = tokio::sync::watch::channel(false);
    let server = axum::serve(listener, app::router(state)).with_graceful_shutdown(async move {
        let _ = rx.wait_for(|stop| *stop).await;
    });
    let server = std::future::IntoFuture::into_future(server);
    tokio::pin!(server);
    tokio::select! {
        result = &mut server => result.map(|()| true),
        () = shutdown => {
            let _ = tx.send(true);
            match tokio::time::timeout(grace, &mut server).await {
                Ok(result) => result.map(|()| true),
                Err(_) => Ok(false),
            }
        }
    }
}

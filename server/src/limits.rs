//! `requests_per_minute` per subject: fixed one-minute windows, counted in memory or, with
//! `redis_url`, in Redis so that every replica shares one count. Only subjects and counts go to
//! Redis, never a credential.

use redis::aio::ConnectionManager;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

const WINDOW_SECONDS: u64 = 60;
/// The in-memory map is swept of past windows once it holds this many subjects.
const SWEEP_AT: usize = 10_000;

/// Over the limit: retry after this many seconds; or the limiter cannot tell (fail closed).
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    Limited { retry_after: u64 },
    Unavailable,
}

pub enum Limiter {
    Off,
    Memory { limit: u32, counts: Mutex<HashMap<String, (u64, u32)>> },
    Redis { limit: u32, client: redis::Client, connection: tokio::sync::Mutex<Option<ConnectionManager>> },
}

/// INCR the window's counter, set its expiry on first use, answer the count: one atomic step.
const SCRIPT: &str = "local n = redis.call('INCR', KEYS[1]) \
    if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end return n";

fn now_unix() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl Limiter {
    pub fn new(limit: Option<u32>, redis_url: Option<&str>) -> Limiter {
        match (limit, redis_url) {
            (None, _) => Limiter::Off,
            (Some(limit), None) => Limiter::Memory { limit, counts: Mutex::new(HashMap::new()) },
            (Some(limit), Some(url)) => match redis::Client::open(url) {
                Ok(client) => Limiter::Redis { limit, client, connection: tokio::sync::Mutex::new(None) },
                // Checked when the config was read.
                Err(_) => Limiter::Memory { limit, counts: Mutex::new(HashMap::new()) },
            },
        }
    }

    pub async fn check(&self, subject: &str) -> Result<(), Refusal> {
        let now = now_unix();
        let window = now / WINDOW_SECONDS;
        let retry_after = (window + 1) * WINDOW_SECONDS - now;
        let (limit, count) = match self {
            Limiter::Off => return Ok(()),
            Limiter::Memory { limit, counts } => {
                let mut counts = counts.lock().unwrap_or_else(|e| e.into_inner());
                if counts.len() >= SWEEP_AT {
                    counts.retain(|_, (w, _)| *w == window);
                }
                let entry = counts.entry(subject.to_owned()).or_insert((window, 0));
                if entry.0 != window {
                    *entry = (window, 0);
                }
                entry.1 = entry.1.saturating_add(1);
                (*limit, u64::from(entry.1))
            }
            Limiter::Redis { limit, client, connection } => {
                let count = redis_incr(client, connection, &format!("sts-server:rpm:{window}:{subject}")).await?;
                (*limit, count)
            }
        };
        if count > u64::from(limit) {
            return Err(Refusal::Limited { retry_after: retry_after.max(1) });
        }
        Ok(())
    }
}

impl Limiter {
    /// Whether the limiter can count now: always, except a Redis that does not answer PING.
    pub async fn reachable(&self) -> bool {
        let Limiter::Redis { client, connection, .. } = self else { return true };
        let Ok(mut manager) = manager(client, connection).await else { return false };
        let command = redis::cmd("PING");
        let ping = command.query_async::<String>(&mut manager);
        matches!(tokio::time::timeout(Duration::from_secs(2), ping).await, Ok(Ok(_)))
    }
}

/// The shared connection, made on first use (and again after a failed first attempt).
async fn manager(
    client: &redis::Client,
    connection: &tokio::sync::Mutex<Option<ConnectionManager>>,
) -> Result<ConnectionManager, Refusal> {
    let mut slot = connection.lock().await;
    if let Some(manager) = slot.as_ref() {
        return Ok(manager.clone());
    }
    let config = redis::aio::ConnectionManagerConfig::new()
        .set_connection_timeout(Duration::from_secs(1))
        .set_response_timeout(Duration::from_secs(1))
        .set_number_of_retries(1);
    let manager =
        tokio::time::timeout(Duration::from_secs(2), ConnectionManager::new_with_config(client.clone(), config))
            .await
            .map_err(|_| Refusal::Unavailable)?
            .map_err(|_| Refusal::Unavailable)?;
    *slot = Some(manager.clone());
    Ok(manager)
}

async fn redis_incr(
    client: &redis::Client,
    connection: &tokio::sync::Mutex<Option<ConnectionManager>>,
    key: &str,
) -> Result<u64, Refusal> {
    let mut manager = manager(client, connection).await?;
    let script = redis::Script::new(SCRIPT);
    let mut invocation = script.key(key);
    invocation.arg(WINDOW_SECONDS + 1);
    let call = invocation.invoke_async::<u64>(&mut manager);
    tokio::time::timeout(Duration::from_secs(2), call)
        .await
        .map_err(|_| Refusal::Unavailable)?
        .map_err(|_| Refusal::Unavailable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_memory_limiter_counts_per_subject() {
        let limiter = Limiter::new(Some(2), None);
        assert_eq!(limiter.check("a").await, Ok(()));
        assert_eq!(limiter.check("a").await, Ok(()));
        match limiter.check("a").await {
            Err(Refusal::Limited { retry_after }) => assert!((1..=60).contains(&retry_after)),
            other => panic!("{other:?}"),
        }
        assert_eq!(limiter.check("b").await, Ok(()));
        assert_eq!(Limiter::new(None, None).check("a").await, Ok(()));
    }

    #[tokio::test]
    async fn an_unreachable_redis_fails_closed() {
        // Port 1 on loopback: nothing listens there.
        let limiter = Limiter::new(Some(5), Some("redis://127.0.0.1:1/"));
        assert_eq!(limiter.check("a").await, Err(Refusal::Unavailable));
    }
}

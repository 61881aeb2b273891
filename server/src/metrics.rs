//! `GET /metrics`: Prometheus text format, through the `prometheus-client` crate.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteStatus {
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Code {
    pub code: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Reason {
    pub reason: String,
}

pub struct Metrics {
    registry: Registry,
    pub requests: Family<RouteStatus, Counter>,
    pub sts_latency: Histogram,
    pub cache_hits: Counter,
    pub cache_misses: Counter,
    pub errors: Family<Code, Counter>,
    pub denied_scopes: Family<Reason, Counter>,
    pub limiter_errors: Counter,
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("sts_server");
        let requests = Family::<RouteStatus, Counter>::default();
        registry.register("requests", "HTTP requests by route and status", requests.clone());
        // 5 ms .. about 10 s.
        let sts_latency = Histogram::new(exponential_buckets(0.005, 2.0, 12));
        registry.register("sts_call_seconds", "Latency of libsts credential calls", sts_latency.clone());
        let cache_hits = Counter::default();
        registry.register("cache_hits", "Credential calls answered from libsts's cache", cache_hits.clone());
        let cache_misses = Counter::default();
        registry.register("cache_misses", "Credential calls with the cache on that went to STS", cache_misses.clone());
        let errors = Family::<Code, Counter>::default();
        registry.register("errors", "Failed requests by code (codeDesc)", errors.clone());
        let denied_scopes = Family::<Reason, Counter>::default();
        registry.register("denied_scopes", "Scopes refused by the rules, by reason", denied_scopes.clone());
        let limiter_errors = Counter::default();
        registry.register(
            "limiter_errors",
            "Rate-limit checks that failed closed (Redis unreachable)",
            limiter_errors.clone(),
        );
        Metrics { registry, requests, sts_latency, cache_hits, cache_misses, errors, denied_scopes, limiter_errors }
    }

    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

//! The config of `sts_get_caller_identity`: who signs, where to send, nothing else.

use super::keys::Given;
use super::read::string;
use super::{read_entries, DEFAULT_REGION};
use super::{read_identity, read_total_timeout, read_transport, scope, Identity, TransportOptions};
use crate::credentials::Deferred;
use crate::error::Result;
use crate::policy;
use std::time::Duration;

pub const ENTRY_POINT: &str = "sts_get_caller_identity";

/// GetCallerIdentity: the identity and transport keys, and `region` (optional).
#[derive(Debug)]
pub struct CallerConfig {
    /// The signing key; a placeholder while `credentials` is `Some`.
    pub identity: Identity,
    /// A source resolved at call time (oidc, cvm), as [`super::Config::credentials`].
    pub credentials: Option<Deferred>,
    pub region: String,
    pub transport: TransportOptions,
    pub total_timeout: Duration,
}

impl CallerConfig {
    pub fn parse(json: &str) -> Result<CallerConfig> {
        let mut given = Given::new(read_entries(json)?)?;
        let (identity, credentials) = read_identity(&mut given)?;
        let region = match given.take("region") {
            Some(v) => string("region", v)?,
            None => DEFAULT_REGION.to_owned(),
        };
        policy::check_name(&region, "region")?;
        let transport = read_transport(&mut given)?;
        let total_timeout = read_total_timeout(&mut given, &transport)?;
        scope::refuse_left(&given, ENTRY_POINT, &|key| {
            (scope::is_policy_key(key) || key == "duration_seconds" || key == "cache")
                .then_some("it asks who signs and issues no key (no policy, duration or cache)")
        })?;
        Ok(CallerConfig { identity, credentials, region, transport, total_timeout })
    }

    /// Resolves a deferred credential source, as [`super::Config::resolve_credentials`].
    pub fn resolve_credentials(&mut self, deadline: std::time::Instant) -> Result<()> {
        if let Some(deferred) = self.credentials.take() {
            self.identity = crate::credentials::resolve(&deferred, &self.transport, &self.region, deadline)?;
        }
        Ok(())
    }
}

//! Where the backend's own key comes from when the config holds none: the environment, a
//! profile file, a TKE pod's OIDC identity or a CVM instance's CAM role.
//!
//! The split follows `sts_check_config`'s promise that validation never touches the network:
//! [`chain`] decides, offline, which source applies (reading the environment and at most one
//! small file) and either yields the key at once (config, env, profile) or a [`Deferred`]
//! source (oidc, cvm) that [`resolve`] turns into a key at call time, before signing, through the
//! process-wide [`refresh`] cache.

pub mod chain;
pub mod cvm;
pub mod env;
mod file;
pub mod oidc;
pub mod profile;
pub mod refresh;

use crate::config::{Identity, TransportOptions};
use crate::error::{Error, Result};
use std::fmt;
use std::time::Instant;

/// Which source signs: each call's resolved key says where it came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CredentialSource {
    /// `secret_id`/`secret_key` in the config text.
    Config,
    /// `TENCENTCLOUD_SECRET_ID`/`_KEY`/`_SESSION_TOKEN`.
    Env,
    /// A profile in `~/.tencentcloud/credentials` or the file `TENCENTCLOUD_CREDENTIALS_FILE` names.
    Profile,
    /// TKE OIDC: AssumeRoleWithWebIdentity with the pod's token file.
    Oidc,
    /// The CVM metadata server's CAM role key.
    Cvm,
}

impl CredentialSource {
    pub const ALL: [CredentialSource; 5] = [
        CredentialSource::Config,
        CredentialSource::Env,
        CredentialSource::Profile,
        CredentialSource::Oidc,
        CredentialSource::Cvm,
    ];

    /// The name used by config `credential_source` and in messages.
    pub fn name(self) -> &'static str {
        match self {
            CredentialSource::Config => "config",
            CredentialSource::Env => "env",
            CredentialSource::Profile => "profile",
            CredentialSource::Oidc => "oidc",
            CredentialSource::Cvm => "cvm",
        }
    }
}

impl fmt::Display for CredentialSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A source that needs the network: resolved at call time by [`resolve`].
#[derive(Clone, Debug)]
pub enum Source {
    Oidc(oidc::Spec),
    Cvm(cvm::Spec),
}

/// A deferred source and, for the chain, why each source before it did not apply (so a final
/// "nothing found" names them all).
#[derive(Clone, Debug)]
pub struct Deferred {
    pub source: Source,
    pub tried: Vec<String>,
}

impl Deferred {
    pub fn name(&self) -> CredentialSource {
        match self.source {
            Source::Oidc(_) => CredentialSource::Oidc,
            Source::Cvm(_) => CredentialSource::Cvm,
        }
    }
}

/// The key of a deferred source: from the process-wide cache while it is fresh, else fetched
/// (one fetch at a time per source; see [`refresh`]). `transport` and `region` are the call's
/// (the OIDC exchange goes to the same STS endpoint as the call itself).
pub fn resolve(deferred: &Deferred, transport: &TransportOptions, region: &str, deadline: Instant) -> Result<Identity> {
    let cache = refresh::global();
    let outcome = match &deferred.source {
        Source::Oidc(spec) => {
            cache.get(&spec.cache_key(transport, region), deadline, || spec.fetch(transport, region, deadline))
        }
        Source::Cvm(spec) => cache.get(&spec.cache_key(), deadline, || spec.fetch(deadline)),
    };
    outcome.map_err(|e| with_tried(e, &deferred.tried))
}

/// Adds the chain's earlier reasons to a deferred source's failure, so the message says what
/// else was looked at.
fn with_tried(error: Error, tried: &[String]) -> Error {
    if tried.is_empty() {
        return error;
    }
    error.with_note(&format!("sources tried before: {}", tried.join("; ")))
}

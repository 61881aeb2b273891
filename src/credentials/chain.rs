//! Which source gives the key: the one `credential_source` pins, or the first of the chain
//! env → profile → oidc → cvm that applies. Decided offline; oidc and cvm come back deferred.
//!
//! OIDC comes before CVM on purpose, unlike the vendor SDKs: a TKE pod runs on a CVM node, and
//! the pod's own role must win over its node's (which every pod on that node shares).

use super::{cvm, env, oidc, profile, CredentialSource, Deferred, Source};
use crate::config::Identity;
use crate::error::{Error, Result};

/// Config `credential_source`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pin {
    /// env → profile → oidc → cvm, first match wins (the default without a key in the config).
    Chain,
    /// `secret_id`/`secret_key` in the config (the default with them).
    Config,
    One(CredentialSource),
}

impl Pin {
    pub fn parse(field: &str, value: &str) -> Result<Pin> {
        if value == "chain" {
            return Ok(Pin::Chain);
        }
        match CredentialSource::ALL.into_iter().find(|s| s.name() == value) {
            Some(CredentialSource::Config) => Ok(Pin::Config),
            Some(source) => Ok(Pin::One(source)),
            None => Err(Error::invalid(
                field,
                format!(
                    "`{}` is not a source; one of chain, config, env, profile, oidc, cvm",
                    crate::error::abbreviate(value).escape_debug()
                ),
            )),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Pin::Chain => "chain",
            Pin::Config => "config",
            Pin::One(source) => source.name(),
        }
    }
}

/// The config values the sources read (field name as spelled, value).
#[derive(Default)]
pub struct Inputs<'a> {
    pub profile: Option<(&'a str, &'a str)>,
    pub metadata_endpoint: Option<(&'a str, &'a str)>,
}

pub enum Found {
    Now(Identity),
    Later(Deferred),
}

/// One source's look: its key, a deferred fetch, or why it does not apply.
fn look(source: CredentialSource, inputs: &Inputs<'_>, tried: &[String]) -> Result<std::result::Result<Found, String>> {
    let later = |source: Source| Found::Later(Deferred { source, tried: tried.to_vec() });
    Ok(match source {
        CredentialSource::Env => env::read()?.map(Found::Now),
        CredentialSource::Profile => profile::read(inputs.profile)?.map(Found::Now),
        CredentialSource::Oidc => oidc::Spec::from_env()?.map(|spec| later(Source::Oidc(spec))),
        CredentialSource::Cvm => cvm::Spec::new(inputs.metadata_endpoint)?.map(|spec| later(Source::Cvm(spec))),
        CredentialSource::Config => Err("the config has no secret_id/secret_key".to_owned()),
    })
}

/// The key (or the deferred source) for `pin`; nothing found is `STS_INVALID_ARGUMENT` naming
/// each source tried and why it did not apply, never a value.
pub fn find(pin: Pin, inputs: &Inputs<'_>) -> Result<Found> {
    let order: &[CredentialSource] = match pin {
        Pin::Chain => {
            &[CredentialSource::Env, CredentialSource::Profile, CredentialSource::Oidc, CredentialSource::Cvm]
        }
        Pin::One(source) => std::slice::from_ref(match source {
            CredentialSource::Env => &CredentialSource::Env,
            CredentialSource::Profile => &CredentialSource::Profile,
            CredentialSource::Oidc => &CredentialSource::Oidc,
            CredentialSource::Cvm => &CredentialSource::Cvm,
            CredentialSource::Config => &CredentialSource::Config,
        }),
        Pin::Config => &[CredentialSource::Config],
    };
    let mut tried = Vec::new();
    for source in order {
        match look(*source, inputs, &tried)? {
            Ok(found) => return Ok(found),
            Err(why) => tried.push(format!("{source}: {why}")),
        }
    }
    let what = match pin {
        Pin::Chain => "no key in the config and none from the credential chain".to_owned(),
        _ => format!("credential_source `{}` found no key", pin.name()),
    };
    Err(Error::invalid("secret_id", format!("missing: {what} ({})", tried.join("; "))))
}

//! Where the signing key came from, and what follows from it: the `credentialSource` that
//! `sts_get_caller_identity` reports, and the refusal of GetFederationToken with a temporary
//! key. The one place that names sources, so a new source (profile, OIDC, CVM role) is added
//! here once.

use crate::config::{Identity, ENV_SECRET_ID, ENV_SESSION_TOKEN};
use crate::credentials::CredentialSource;
use crate::error::{Error, Result};

/// The `credentialSource` of an identity: `config`, `env`, `profile`, `oidc` or `cvm`
/// (config `credential_source`).
pub fn source_name(identity: &Identity) -> &'static str {
    identity.source.name()
}

/// Where the session token of a temporary key came from, for messages: the field to name and
/// how to say it. `read_identity` takes the environment's token only with the environment's
/// SecretId and no `session_token` in the config.
fn token_origin(identity: &Identity) -> (&'static str, String) {
    match identity.source {
        CredentialSource::Profile => return ("profile", "the profile's `token`".to_owned()),
        CredentialSource::Oidc => return ("credential_source", "a role key from the TKE OIDC source".to_owned()),
        CredentialSource::Cvm => return ("credential_source", "a role key from the CVM metadata server".to_owned()),
        CredentialSource::Config | CredentialSource::Env => {}
    }
    let from_env = !identity.from_config
        && std::env::var(ENV_SECRET_ID).is_ok_and(|id| id == identity.secret_id)
        && std::env::var(ENV_SESSION_TOKEN)
            .is_ok_and(|token| identity.session_token.as_ref().is_some_and(|t| t.expose() == token));
    if from_env {
        (ENV_SESSION_TOKEN, format!("{ENV_SESSION_TOKEN} in the environment"))
    } else {
        ("session_token", "`session_token` in the config".to_owned())
    }
}

/// GetFederationToken accepts permanent keys only (the service answers
/// `FailedOperation.TempKeyNotAllowed`): refuses a temporary key before anything is sent,
/// saying what does the same with it.
pub fn refuse_temporary_key(identity: &Identity) -> Result<()> {
    if identity.session_token.is_none() {
        return Ok(());
    }
    let (field, origin) = token_origin(identity);
    Err(Error::invalid(
        field,
        format!(
            "the signing key is temporary ({origin}), and GetFederationToken accepts permanent keys only; \
             use sts_get_role_credential with `role_arn` and the same policy (the key then has the role's \
             permissions intersected with the policy, as GetFederationToken would give)"
        ),
    ))
}

//! The environment source: `TENCENTCLOUD_SECRET_ID`, `TENCENTCLOUD_SECRET_KEY` and an optional
//! `TENCENTCLOUD_SESSION_TOKEN` (a temporary key, e.g. exported by a CI job).

use super::CredentialSource;
use crate::config::read_env as from_env;
use crate::config::{
    check_secret, check_secret_id, check_session_token, Identity, Secret, ENV_SECRET_ID, ENV_SECRET_KEY,
    ENV_SESSION_TOKEN,
};
use crate::error::{Error, Result};

/// The environment's key; `Ok(Err(why))` when it holds none. Half a key pair is an error, not
/// a reason to look further: the next source would sign as someone else.
pub fn read() -> Result<std::result::Result<Identity, String>> {
    let id = from_env(ENV_SECRET_ID);
    let key = from_env(ENV_SECRET_KEY).map(Secret::new);
    let (secret_id, secret_key) = match (id, key) {
        (None, None) => return Ok(Err(format!("{ENV_SECRET_ID} and {ENV_SECRET_KEY} are not set"))),
        (Some(_), None) => return Err(Error::invalid(ENV_SECRET_KEY, format!("missing while {ENV_SECRET_ID} is set"))),
        (None, Some(_)) => return Err(Error::invalid(ENV_SECRET_ID, format!("missing while {ENV_SECRET_KEY} is set"))),
        (Some(id), Some(key)) => (id, key),
    };
    check_secret(ENV_SECRET_ID, &secret_id)?;
    check_secret_id(ENV_SECRET_ID, &secret_id)?;
    check_secret(ENV_SECRET_KEY, secret_key.expose())?;
    let session_token = from_env(ENV_SESSION_TOKEN).map(Secret::new);
    if let Some(token) = &session_token {
        check_session_token(ENV_SESSION_TOKEN, token.expose())?;
    }
    Ok(Ok(Identity { secret_id, secret_key, session_token, from_config: false, source: CredentialSource::Env }))
}

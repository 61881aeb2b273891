//! The profile-file source: an INI file as the Tencent Cloud CLI and SDKs write it.
//!
//! ```ini
//! [default]
//! secret_id = AKID...
//! secret_key = ...
//! token = ...        ; optional: a temporary key
//! ```
//!
//! The file is `TENCENTCLOUD_CREDENTIALS_FILE`, else `~/.tencentcloud/credentials`, else
//! `/etc/tencentcloud/credentials`; the section is config `profile`, else
//! `TENCENTCLOUD_PROFILE`, else `default`. Parsed with the `rust-ini` crate, quotes allowed and
//! backslashes literal (a Windows path or a key with `\` means what it says). The file's bytes are
//! wiped after parsing; the parser's own copies of the values are not (it keeps plain Strings).

use super::file::{self, Contents};
use super::CredentialSource;
use crate::config::{check_secret, check_secret_id, check_session_token, read_env, Identity, Secret};
use crate::error::{Error, Result};

pub const ENV_FILE: &str = "TENCENTCLOUD_CREDENTIALS_FILE";
pub const ENV_PROFILE: &str = "TENCENTCLOUD_PROFILE";
pub const DEFAULT_PROFILE: &str = "default";
pub const SYSTEM_FILE: &str = "/etc/tencentcloud/credentials";
/// A profile file is a few hundred bytes.
pub const MAX_PROFILE_BYTES: u64 = 64 * 1024;

/// A profile name: what an INI section header can hold without surprises.
pub fn check_name(field: &str, name: &str) -> Result<()> {
    let ok = (1..=64).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(field, "must be 1 to 64 letters, digits, `_`, `-` or `.`"))
    }
}

/// The key in the profile; `Ok(Err(why))` when there is no file, or no such section in a
/// default-path file under the default name. A file or a profile that was asked for by name
/// and is not there is an error, as is a profile without `secret_id` and `secret_key`.
/// `config_profile` is the config's `profile` (its field name, its value).
pub fn read(config_profile: Option<(&str, &str)>) -> Result<std::result::Result<Identity, String>> {
    let (name_field, name, named) = match (config_profile, read_env(ENV_PROFILE)) {
        (Some((field, name)), _) => (field.to_owned(), name.to_owned(), true),
        (None, Some(name)) => {
            check_name(ENV_PROFILE, &name)?;
            (ENV_PROFILE.to_owned(), name, true)
        }
        (None, None) => ("profile".to_owned(), DEFAULT_PROFILE.to_owned(), false),
    };
    let (field, path, text) = match locate()? {
        Located::Found { field, path, text } => (field, path, text),
        Located::Missing(why) if named => {
            return Err(Error::invalid(&name_field, format!("`{name}` asked for, but {why}")));
        }
        Located::Missing(why) => return Ok(Err(why)),
    };
    from_text(&field, &path.escape_debug().to_string(), &text, (&name_field, &name, named))
}

/// The key in profile `name` of the INI `text` (the file `shown`, named `field` in errors).
/// `profile` is (its field, its name, whether it was asked for by name).
fn from_text(
    field: &str,
    shown: &str,
    text: &str,
    (name_field, name, named): (&str, &str, bool),
) -> Result<std::result::Result<Identity, String>> {
    let options = ini::ParseOption { enabled_quote: true, enabled_escape: false, ..ini::ParseOption::default() };
    // Line and column only: the parser's message can quote the file.
    let parsed = ini::Ini::load_from_str_opt(text, options).map_err(|e| {
        Error::invalid(field, format!("{shown} is not a valid INI file (line {}, column {})", e.line, e.col))
    })?;
    let Some(section) = parsed.section(Some(name)) else {
        let why = format!("{shown} has no [{name}] section");
        return if named { Err(Error::invalid(name_field, why)) } else { Ok(Err(why)) };
    };
    let key_field = |key: &str| format!("{shown} [{name}] {key}");
    let value = |key: &str| section.get(key).map(str::trim).filter(|v| !v.is_empty());
    let secret_id = value("secret_id").ok_or_else(|| Error::invalid(&key_field("secret_id"), "missing"))?.to_owned();
    let secret_key =
        Secret::new(value("secret_key").ok_or_else(|| Error::invalid(&key_field("secret_key"), "missing"))?.to_owned());
    check_secret(&key_field("secret_id"), &secret_id)?;
    check_secret_id(&key_field("secret_id"), &secret_id)?;
    check_secret(&key_field("secret_key"), secret_key.expose())?;
    let session_token = value("token").map(|t| Secret::new(t.to_owned()));
    if let Some(token) = &session_token {
        check_session_token(&key_field("token"), token.expose())?;
    }
    Ok(Ok(Identity { secret_id, secret_key, session_token, from_config: false, source: CredentialSource::Profile }))
}

enum Located {
    Found { field: String, path: String, text: zeroize::Zeroizing<String> },
    Missing(String),
}

/// The first profile file that exists. A file named by the environment must exist.
fn locate() -> Result<Located> {
    if let Some(path) = read_env(ENV_FILE) {
        return match file::read(ENV_FILE, &path, MAX_PROFILE_BYTES)? {
            Contents::Text(text) => Ok(Located::Found { field: ENV_FILE.to_owned(), path, text }),
            Contents::NotFound => Err(Error::invalid(ENV_FILE, format!("{} does not exist", path.escape_debug()))),
        };
    }
    let home = read_env("HOME").map(|home| format!("{}/.tencentcloud/credentials", home.trim_end_matches('/')));
    let candidates: Vec<String> = home.into_iter().chain([SYSTEM_FILE.to_owned()]).collect();
    for path in &candidates {
        if let Contents::Text(text) = file::read("profile", path, MAX_PROFILE_BYTES)? {
            return Ok(Located::Found { field: "profile".to_owned(), path: path.clone(), text });
        }
    }
    let shown: Vec<String> = candidates.iter().map(|p| p.escape_debug().to_string()).collect();
    Ok(Located::Missing(format!("no profile file ({ENV_FILE} not set; {} not found)", shown.join(", "))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_text(text: &str, name: &str) -> Result<std::result::Result<Identity, String>> {
        from_text("profile", "creds", text, ("profile", name, name != DEFAULT_PROFILE))
    }

    #[test]
    fn profiles_are_read_with_quotes_and_literal_backslashes() {
        let text = "; comment\n[default]\nsecret_id = AKIDEXAMPLE\nsecret_key = \"a\\b=c\"\n\n[ci]\nsecret_id=AKIDCI\nsecret_key=k\ntoken = tok-EXAMPLE\n";
        let default = read_text(text, "default").unwrap().unwrap();
        assert_eq!((default.secret_id.as_str(), default.secret_key.expose()), ("AKIDEXAMPLE", "a\\b=c"));
        assert!(default.session_token.is_none());
        assert_eq!(default.source, CredentialSource::Profile);
        let ci = read_text(text, "ci").unwrap().unwrap();
        assert_eq!(ci.session_token.as_ref().map(Secret::expose), Some("tok-EXAMPLE"));
    }

    #[test]
    fn a_missing_section_or_key_is_named_without_values() {
        assert_eq!(
            read_text("[other]\nsecret_id=a\n", "default").unwrap().unwrap_err(),
            "creds has no [default] section"
        );
        let e = read_text("[other]\n", "ci").unwrap_err();
        assert_eq!(e.message(), "profile: creds has no [ci] section");
        let e = read_text("[default]\nsecret_id=AKIDEXAMPLE\n", "default").unwrap_err();
        assert_eq!(e.message(), "creds [default] secret_key: missing");
        let e = read_text("[default]\nsecret_id=AKID/EXAMPLE\nsecret_key=SECRET-VALUE\n", "default").unwrap_err();
        assert!(e.message().starts_with("creds [default] secret_id: contains whitespace"), "{e}");
        let e = read_text("[default\nsecret_key=SECRET-VALUE\n", "default").unwrap_err();
        assert!(e.message().starts_with("profile: creds is not a valid INI file (line "), "{e}");
        assert!(!e.message().contains("SECRET"), "{e}");
        assert!(check_name("profile", "a b").is_err() && check_name("profile", "ci-2.x_y").is_ok());
    }
}

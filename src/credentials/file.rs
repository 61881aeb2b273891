//! A small secret-bearing file (a profile, an OIDC token) as text: read as every file libsts
//! reads (`config::file`: without blocking on a FIFO, never past a limit, wiped when dropped).

use crate::config::read_file_if_present;
use crate::error::{Error, Result};
use zeroize::Zeroizing;

/// What reading came to: the text, or no file at that path (which a default path may be).
pub enum Contents {
    Text(Zeroizing<String>),
    NotFound,
}

/// Reads `path` (named `field` in errors) as UTF-8 text of at most `limit` bytes.
pub fn read(field: &str, path: &str, limit: u64) -> Result<Contents> {
    let Some(bytes) = read_file_if_present(field, path, limit)? else {
        return Ok(Contents::NotFound);
    };
    match std::str::from_utf8(&bytes) {
        Ok(text) => Ok(Contents::Text(Zeroizing::new(text.to_owned()))),
        Err(e) => Err(Error::invalid(
            field,
            format!("{} is not UTF-8 text (at byte {})", path.escape_debug(), e.valid_up_to()),
        )),
    }
}

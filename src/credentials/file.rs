//! Reading a small secret-bearing file (a profile, an OIDC token) as `ca_file` is read: without
//! blocking on a FIFO, never past a limit, into memory that is wiped when dropped.

use crate::error::{Error, Result};
use std::fs::OpenOptions;
use std::io::{ErrorKind, Read};
use std::os::unix::fs::OpenOptionsExt;
use zeroize::Zeroizing;

/// What reading came to: the text, or no file at that path (which a default path may be).
pub enum Contents {
    Text(Zeroizing<String>),
    NotFound,
}

/// Reads `path` (named `field` in errors) as UTF-8 text of at most `limit` bytes.
pub fn read(field: &str, path: &str, limit: u64) -> Result<Contents> {
    let shown = path.escape_debug().to_string();
    let cannot = |e: std::io::Error| Error::invalid(field, format!("cannot read {shown}: {e}"));
    let file = match OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY).open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Contents::NotFound),
        Err(e) => return Err(cannot(e)),
    };
    let metadata = file.metadata().map_err(cannot)?;
    if !metadata.is_file() {
        return Err(Error::invalid(field, format!("{shown} is not a regular file")));
    }
    if metadata.len() > limit {
        return Err(Error::invalid(field, format!("{shown} is {} bytes, over the {limit}-byte limit", metadata.len())));
    }
    let mut bytes = Zeroizing::new(Vec::with_capacity(metadata.len() as usize + 1));
    file.take(limit + 1).read_to_end(&mut bytes).map_err(cannot)?;
    if bytes.len() as u64 > limit {
        return Err(Error::invalid(field, format!("{shown} grew over the {limit}-byte limit")));
    }
    match std::str::from_utf8(&bytes) {
        Ok(text) => Ok(Contents::Text(Zeroizing::new(text.to_owned()))),
        Err(e) => Err(Error::invalid(field, format!("{shown} is not UTF-8 text (at byte {})", e.valid_up_to()))),
    }
}

//! Reading a file named in the config or the environment (`ca_file`, `web_identity_token_file`,
//! a credentials profile, a TKE token file): a regular file, opened without blocking and never
//! read past a limit, whatever the path names (`/dev/zero`, a FIFO, a directory, a huge file),
//! into memory wiped when dropped. Messages name the path, never the contents.

use crate::error::{Error, Result};
use std::fs::OpenOptions;
use std::io::{ErrorKind, Read};
use std::os::unix::fs::OpenOptionsExt;
use zeroize::Zeroizing;

/// The whole file, at most `limit` bytes; `None` when nothing is at `path` (which a default
/// path may be). `field` names the setting in errors.
pub fn read_if_present(field: &str, path: &str, limit: u64) -> Result<Option<Zeroizing<Vec<u8>>>> {
    let shown = path.escape_debug().to_string();
    let cannot = |e: std::io::Error| Error::invalid(field, format!("cannot read {shown}: {e}"));
    // O_NONBLOCK: opening a FIFO with no writer would otherwise wait forever, whatever timeout_ms says.
    let file = match OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY).open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(cannot(e)),
    };
    let metadata = file.metadata().map_err(cannot)?;
    if !metadata.is_file() {
        return Err(Error::invalid(field, format!("{shown} is not a regular file")));
    }
    if metadata.len() > limit {
        return Err(Error::invalid(field, format!("{shown} is {} bytes, over the {limit}-byte limit", metadata.len())));
    }
    // The size can change between the check and the read: read one byte past the limit at most.
    // Sized so that reading a file that did not grow never reallocates (leaving a copy unwiped).
    let mut bytes = Zeroizing::new(Vec::with_capacity(metadata.len() as usize + 1));
    file.take(limit + 1).read_to_end(&mut bytes).map_err(cannot)?;
    if bytes.len() as u64 > limit {
        return Err(Error::invalid(field, format!("{shown} grew over the {limit}-byte limit")));
    }
    Ok(Some(bytes))
}

/// As [`read_if_present`], a missing file being an error.
pub fn read_bounded(field: &str, path: &str, limit: u64) -> Result<Zeroizing<Vec<u8>>> {
    read_if_present(field, path, limit)?.ok_or_else(|| {
        Error::invalid(
            field,
            format!("cannot read {}: {}", path.escape_debug(), std::io::Error::from(ErrorKind::NotFound)),
        )
    })
}

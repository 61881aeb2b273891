//! Reading a file named in the config (`ca_file`, `web_identity_token_file`): a regular file,
//! opened without blocking and never read past a limit, whatever the path names (`/dev/zero`, a
//! FIFO, a directory, a huge file). Messages name the path, never the contents.

use crate::error::{Error, Result};
use std::fs::OpenOptions;
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;

/// The whole file, at most `limit` bytes.
pub fn read_bounded(field: &str, path: &str, limit: u64) -> Result<Vec<u8>> {
    let cannot = |e: std::io::Error| Error::invalid(field, format!("cannot read {}: {e}", path.escape_debug()));
    // O_NONBLOCK: opening a FIFO with no writer would otherwise wait forever, whatever timeout_ms says.
    let file =
        OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY).open(path).map_err(cannot)?;
    let metadata = file.metadata().map_err(cannot)?;
    if !metadata.is_file() {
        return Err(Error::invalid(field, format!("{} is not a regular file", path.escape_debug())));
    }
    if metadata.len() > limit {
        return Err(Error::invalid(
            field,
            format!("{} is {} bytes, over the {limit}-byte limit", path.escape_debug(), metadata.len()),
        ));
    }
    // The size can change between the check and the read: read one byte past the limit at most.
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    file.take(limit + 1).read_to_end(&mut bytes).map_err(cannot)?;
    if bytes.len() as u64 > limit {
        return Err(Error::invalid(field, format!("{} grew over the {limit}-byte limit", path.escape_debug())));
    }
    Ok(bytes)
}

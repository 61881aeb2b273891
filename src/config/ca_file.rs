//! Reading `ca_file`: a regular file of PEM certificates, read as `file` reads (without
//! blocking, never past a limit).

use super::file::read_bounded;
use crate::error::{Error, Result};

/// Larger than any real bundle (Debian's ca-certificates is about 220 KB).
pub const MAX_CA_BYTES: u64 = 4 << 20;

pub fn read(field: &str, path: &str) -> Result<Vec<u8>> {
    let pem = read_bounded(field, path, MAX_CA_BYTES)?;
    if !pem.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----") {
        return Err(Error::invalid(
            field,
            format!("{} holds no PEM certificate (-----BEGIN CERTIFICATE-----)", path.escape_debug()),
        ));
    }
    // Certificates are no secret: the bytes leave the wiping buffer without a copy.
    let mut pem = pem;
    Ok(std::mem::take(&mut *pem))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn message(path: &str) -> String {
        read("ca_file", path).unwrap_err().message().to_owned()
    }

    #[test]
    fn devices_directories_and_fifos_are_refused_at_once() {
        let started = Instant::now();
        assert_eq!(message("/dev/zero"), "ca_file: /dev/zero is not a regular file");
        assert_eq!(message("/dev/null"), "ca_file: /dev/null is not a regular file");
        assert_eq!(message("/"), "ca_file: / is not a regular file");
        let dir = std::env::temp_dir().join(format!("libsts-ca-fifo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("fifo");
        let c_path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        #[allow(unsafe_code)]
        let made = unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) };
        assert_eq!(made, 0);
        assert!(message(fifo.to_str().unwrap()).ends_with("is not a regular file"));
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(started.elapsed() < Duration::from_secs(5), "a non-regular ca_file must not block");
    }

    #[test]
    fn missing_huge_and_non_pem_files_are_refused_naming_the_path() {
        assert!(message("/nonexistent/ca.pem").starts_with("ca_file: cannot read /nonexistent/ca.pem"));
        let dir = std::env::temp_dir().join(format!("libsts-ca-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let huge = dir.join("huge.pem");
        std::fs::File::create(&huge).unwrap().set_len(MAX_CA_BYTES + 1).unwrap();
        assert!(message(huge.to_str().unwrap()).contains("over the 4194304-byte limit"));
        let text = dir.join("text.pem");
        std::fs::write(&text, "not a certificate").unwrap();
        assert!(message(text.to_str().unwrap()).contains("holds no PEM certificate"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

//! Sets the shared library's soname. For 0.x every minor release may break the ABI, so the
//! soname carries the minor (`libsts.so.0.1`); from 1.0 on, only the major.
//! Linked `-z nodelete` so that unloading cannot pull code from under the async workers.
//!
//! A program linked with `-lsts` asks the loader for the soname, so this script also puts the
//! link `<soname> -> libsts.so` next to the cdylib: `cargo build --release` alone then leaves a
//! `target/release` that C programs can run against. It only ever writes inside the target
//! directory, and a failure to make the link is a warning, never a failed build.
//! The header is not generated here (tests/header.rs checks it), so a build never writes
//! into the source tree.
use std::path::{Path, PathBuf};

fn main() {
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_default();
    let minor = std::env::var("CARGO_PKG_VERSION_MINOR").unwrap_or_default();
    let soname = if major == "0" { format!("libsts.so.0.{minor}") } else { format!("libsts.so.{major}") };
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{soname}");
        // dlclose() never unmaps libsts: async workers may still be running its code
        // (src/worker.rs), and they are never joined.
        println!("cargo:rustc-cdylib-link-arg=-Wl,-z,nodelete");
        if let Some(dir) = std::env::var_os("OUT_DIR").and_then(|out| artifact_dir(Path::new(&out))) {
            if let Err(e) = soname_link(&dir, &soname) {
                println!("cargo:warning=could not link {}/{soname} -> libsts.so: {e}", dir.display());
            }
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}

/// The directory cargo puts the cdylib in. OUT_DIR is `<target>/<profile>/build/<pkg>-<hash>/out`
/// (with or without a `<triple>/` after `<target>`); anything else is a layout this script does
/// not know, and then it makes no link rather than guess.
fn artifact_dir(out_dir: &Path) -> Option<PathBuf> {
    let pkg = out_dir.parent()?;
    let build = pkg.parent()?;
    let known = out_dir.file_name()? == "out"
        && pkg.file_name()?.to_str()?.starts_with("libsts-")
        && build.file_name()? == "build";
    if known {
        build.parent().map(Path::to_path_buf)
    } else {
        None
    }
}

/// `dir/<soname> -> libsts.so`, relative so the directory can move. The cdylib itself appears
/// only after this script ran; until then the link dangles, which is harmless. An existing
/// entry that is not our link (a real file someone put there) is left alone.
#[cfg(unix)]
fn soname_link(dir: &Path, soname: &str) -> std::io::Result<()> {
    let link = dir.join(soname);
    match std::fs::read_link(&link) {
        Ok(target) if target == Path::new("libsts.so") => return Ok(()),
        Ok(_) => std::fs::remove_file(&link)?,
        Err(_) if link.symlink_metadata().is_ok() => return Ok(()),
        Err(_) => {}
    }
    std::os::unix::fs::symlink("libsts.so", &link)
}

/// A Linux target built on a non-Unix host: no symlinks to make there.
#[cfg(not(unix))]
fn soname_link(_dir: &Path, _soname: &str) -> std::io::Result<()> {
    Err(std::io::Error::new(std::io::ErrorKind::Unsupported, "symlinks need a Unix build host"))
}

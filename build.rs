//! Sets the shared library's soname. For 0.x every minor release may break the ABI, so the
//! soname carries the minor (`libsts.so.0.1`); from 1.0 on, only the major.
//! Linked `-z nodelete` so that unloading cannot pull code from under the async workers.
//! The header is not generated here (tests/header.rs checks it), so a build never writes
//! into the source tree.
fn main() {
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_default();
    let minor = std::env::var("CARGO_PKG_VERSION_MINOR").unwrap_or_default();
    let soname = if major == "0" { format!("libsts.so.0.{minor}") } else { format!("libsts.so.{major}") };
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{soname}");
        // dlclose() never unmaps libsts: async workers may still be running its code
        // (src/worker.rs), and they are never joined.
        println!("cargo:rustc-cdylib-link-arg=-Wl,-z,nodelete");
    }
    println!("cargo:rerun-if-changed=build.rs");
}

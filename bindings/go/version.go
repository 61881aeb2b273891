package sts

// Version is the version of this package, the same as the libsts it is released with
// (Cargo.toml's version; TestVersionIsCargos fails when they differ). LibraryVersion is the
// version of the libsts actually loaded.
const Version = "0.1.0"

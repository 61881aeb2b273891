//go:build !libsts_pkgconfig

package sts

// Default build: the header and the library straight from this repository's tree
// (include/sts.h, target/release/libsts.so built by `cargo build --release`). The rpath lets
// programs find libsts.so.0.1 (the soname) next to libsts.so without LD_LIBRARY_PATH.
// Build with `-tags libsts_pkgconfig` to use an installed libsts found by pkg-config instead.

/*
#cgo CFLAGS: -I${SRCDIR}/../../include
#cgo LDFLAGS: -L${SRCDIR}/../../target/release -lsts -Wl,-rpath,${SRCDIR}/../../target/release
*/
import "C"

//go:build libsts_pkgconfig

package sts

// `go build -tags libsts_pkgconfig`: header and library of an installed libsts, located through
// `pkg-config sts` (set PKG_CONFIG_PATH for a non-standard prefix).

/*
#cgo pkg-config: sts
*/
import "C"

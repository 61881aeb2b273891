package sts

/*
#include <stdlib.h>
#include "sts.h"
*/
import "C"

import (
	"strings"
	"unsafe"
)

// The only file that touches C. Each call: the Go string crosses as a C copy that Go frees
// (C.free), the answer is copied into Go memory and released by libsts (sts_string_free,
// never C.free). libsts keeps no per-thread state, so goroutines moving between OS threads
// between calls do not matter.

type cOp int

const (
	opCredential cOp = iota
	opRoleCredential
	opPolicy
)

// callC runs one libsts function on input and returns its status code and JSON answer.
func callC(op cOp, input string) (int, string) {
	if strings.IndexByte(input, 0) >= 0 {
		// C strings end at the first NUL: refuse rather than send a truncated document.
		return int(C.STS_INVALID_ARGUMENT), `{"error":{"code":"Client.InvalidArgument","message":"input contains a NUL byte","requestId":null}}`
	}
	cin := C.CString(input)
	defer C.free(unsafe.Pointer(cin))

	var out *C.char
	var code C.enum_StsCode
	switch op {
	case opCredential:
		code = C.sts_get_credential(cin, &out)
	case opRoleCredential:
		code = C.sts_get_role_credential(cin, &out)
	case opPolicy:
		code = C.sts_get_policy(cin, &out)
	default:
		panic("sts: unknown operation")
	}
	// out is always set when the out pointer is non-NULL; sts_string_free(NULL) is a no-op.
	defer C.sts_string_free(out)
	if out == nil {
		return int(C.STS_INTERNAL), `{"error":{"code":"Client.Internal","message":"libsts returned no answer","requestId":null}}`
	}
	return int(code), C.GoString(out)
}

// Status codes of sts.h, mirrored for the pure-Go files.
const (
	codeOK              = int(C.STS_OK)
	codeInvalidArgument = int(C.STS_INVALID_ARGUMENT)
	codeNetwork         = int(C.STS_NETWORK)
	codeService         = int(C.STS_SERVICE)
	codeBadResponse     = int(C.STS_BAD_RESPONSE)
	codeInternal        = int(C.STS_INTERNAL)
)

// LibraryVersion is the version of the libsts library in use, e.g. "0.1.0".
func LibraryVersion() string {
	return C.GoString(C.sts_version())
}

package sts

/*
#include <stdlib.h>
#include "sts.h"
*/
import "C"

import (
	"strconv"
	"strings"
	"unsafe"
)

// ffi.go and ffi_async.go are the only files that touch C. Each call: the Go string crosses as a C copy that Go frees
// (C.free), the answer is copied into Go memory and released by libsts (sts_string_free,
// never C.free). libsts keeps no per-thread state, so goroutines moving between OS threads
// between calls do not matter.

// StsCode is the result code of a libsts call (enum StsCode in sts.h; the numbers are stable).
// ClientError.StsCode holds it; a *CredentialError is always StsService.
type StsCode int

// The codes of sts.h, taken from the header at build time. TestStsCodesMatchTheHeader fails
// when this list and include/sts.h differ (a code added to the core must be added here).
const (
	StsOK              StsCode = C.STS_OK
	StsInvalidArgument StsCode = C.STS_INVALID_ARGUMENT
	StsNetwork         StsCode = C.STS_NETWORK
	StsService         StsCode = C.STS_SERVICE
	StsBadResponse     StsCode = C.STS_BAD_RESPONSE
	StsInternal        StsCode = C.STS_INTERNAL
)

// stsCodeNames is the one table of code names, in the header's spelling.
var stsCodeNames = map[StsCode]string{
	StsOK:              "STS_OK",
	StsInvalidArgument: "STS_INVALID_ARGUMENT",
	StsNetwork:         "STS_NETWORK",
	StsService:         "STS_SERVICE",
	StsBadResponse:     "STS_BAD_RESPONSE",
	StsInternal:        "STS_INTERNAL",
}

// String is the header's name, e.g. "STS_INVALID_ARGUMENT" (a number for a code this binding
// does not know, from a newer libsts).
func (c StsCode) String() string {
	if name, ok := stsCodeNames[c]; ok {
		return name
	}
	return "StsCode(" + strconv.Itoa(int(c)) + ")"
}

type cOp int

const (
	opCredential cOp = iota
	opRoleCredential
	opUploadCredential
	opPolicy
	opCheckConfig
)

// callC runs one libsts function on input (a JSON document) and returns its status code and
// JSON answer.
func callC(op cOp, input string) (StsCode, string) {
	if hasNUL(input) {
		return StsInvalidArgument, rawNULAnswer
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
	case opUploadCredential:
		code = C.sts_get_upload_credential(cin, &out)
	case opPolicy:
		code = C.sts_get_policy(cin, &out)
	case opCheckConfig:
		code = C.sts_check_config(cin, &out)
	default:
		panic("sts: unknown operation")
	}
	// out is always set when the out pointer is non-NULL; sts_string_free(NULL) is a no-op.
	defer C.sts_string_free(out)
	if out == nil {
		return StsInternal, `{"error":{"code":"Client.Internal","message":"libsts returned no answer","requestId":null}}`
	}
	return StsCode(code), C.GoString(out)
}

// hasNUL: C strings end at the first NUL, so such an input is refused rather than sent
// truncated. JSON built by encoding/json never holds one (a NUL in a value is escaped as \u0000
// and judged by the core), so this only guards the boundary itself.
func hasNUL(input string) bool { return strings.IndexByte(input, 0) >= 0 }

const rawNULAnswer = `{"error":{"code":"Client.InvalidArgument","message":"config: contains a raw NUL byte","requestId":null}}`

// cacheClear is sts_cache_clear.
func cacheClear() { C.sts_cache_clear() }

// LibraryVersion is the version of the libsts library in use, e.g. "0.1.0".
func LibraryVersion() string {
	return C.GoString(C.sts_version())
}

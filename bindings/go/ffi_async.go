package sts

/*
#include <stdint.h>
#include <stdlib.h>
#include "sts.h"

// Defined in Go: ffi_callback.go (//export stsGoCallback). A file with an //export may only
// declare C functions, so the shims below live here.
extern void stsGoCallback(void *user_data, enum StsCode code, char *out_json);

// The cgo.Handle is an integer; Go may not turn an integer into a pointer, C may.
// call: 0 GetFederationToken, 1 AssumeRole, 2 upload credential.
static enum StsCode sts_go_async(int call, const char *config_json, uintptr_t handle) {
	switch (call) {
	case 1: return sts_get_role_credential_async(config_json, stsGoCallback, (void *)handle);
	case 2: return sts_get_upload_credential_async(config_json, stsGoCallback, (void *)handle);
	default: return sts_get_credential_async(config_json, stsGoCallback, (void *)handle);
	}
}
*/
import "C"

import (
	"runtime/cgo"
	"sync/atomic"
	"unsafe"
)

// The async calls: the config goes to sts_get_(role_)credential_async with a cgo.Handle of a
// *pending as user_data; libsts answers exactly once, on one of its worker threads, by calling
// stsGoCallback, which deletes the handle, copies the answer (unless the caller has stopped
// waiting), frees libsts's string and hands the copy over on a buffered channel. A caller that
// stops waiting (its context ended) leaves nothing behind: no goroutine, no OS thread, and the
// answer is freed unread when it comes.

// The states of a pending call: the first of deliver and abandon wins.
const (
	waiting int32 = iota
	delivered
	abandoned
)

type answer struct {
	code StsCode
	json string
}

type pending struct {
	state atomic.Int32
	done  chan answer // buffered: the callback never blocks
}

// Counters for the tests (export_test.go): handles alive (created, not yet deleted), callbacks
// run, and answers freed without being read because the caller had stopped waiting.
var (
	asyncHandles   atomic.Int64
	asyncCallbacks atomic.Int64
	asyncDiscarded atomic.Int64
)

// submitAsync starts one async call. On StsOK the answer will come to p.done (unless p is
// abandoned first); any other code means libsts refused the call (overload) and nothing will
// come.
func submitAsync(op cOp, input string) (p *pending, code StsCode) {
	p = &pending{done: make(chan answer, 1)}
	if hasNUL(input) {
		p.done <- answer{StsInvalidArgument, rawNULAnswer}
		return p, StsOK
	}
	call := C.int(0)
	switch op {
	case opCredential:
	case opRoleCredential:
		call = 1
	case opUploadCredential:
		call = 2
	default:
		panic("sts: not an async operation")
	}
	cin := C.CString(input)
	defer C.free(unsafe.Pointer(cin))
	// The handle first: the callback may run before sts_go_async returns.
	h := cgo.NewHandle(p)
	asyncHandles.Add(1)
	code = StsCode(C.sts_go_async(call, cin, C.uintptr_t(h)))
	if code != StsOK {
		// Refused: the callback will never run, so the handle is deleted here, once.
		h.Delete()
		asyncHandles.Add(-1)
	}
	return p, code
}

// abandon is called by a caller that stops waiting. The answer, if it is already there, is
// dropped with p; if it is still to come, the callback frees it without copying it.
func (p *pending) abandon() {
	if !p.state.CompareAndSwap(waiting, abandoned) {
		asyncDiscarded.Add(1) // delivered meanwhile: the copy goes unread
	}
}

// setAsyncWorkers is sts_set_async_workers.
func setAsyncWorkers(n uint32) StsCode {
	return StsCode(C.sts_set_async_workers(C.uint32_t(n)))
}

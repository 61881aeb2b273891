package sts

/*
#include "sts.h"
*/
import "C"

import (
	"runtime/cgo"
	"unsafe"
)

// stsGoCallback is the StsCallback of every async call (see ffi_async.go). It runs on a libsts
// worker thread, exactly once per accepted call, and must return promptly and never panic: it
// only deletes the handle, copies or drops the answer, frees it and sends without blocking.
//
//export stsGoCallback
func stsGoCallback(userData unsafe.Pointer, code C.enum_StsCode, out *C.char) {
	h := cgo.Handle(uintptr(userData))
	p := h.Value().(*pending)
	h.Delete()
	// Counted as gone only once everything below is done, so that a test seeing no handle left
	// also sees every counter final.
	defer asyncHandles.Add(-1)
	asyncCallbacks.Add(1)
	if p.state.CompareAndSwap(waiting, delivered) {
		a := answer{code: StsCode(code)}
		if out == nil {
			a = answer{StsInternal, `{"error":{"code":"Client.Internal","message":"libsts returned no answer","requestId":null}}`}
		} else {
			a.json = C.GoString(out)
		}
		C.sts_string_free(out)
		p.done <- a
		return
	}
	// The caller stopped waiting: the answer (temporary keys, perhaps) is freed unread.
	C.sts_string_free(out)
	asyncDiscarded.Add(1)
}

package sts

/*
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include "sts.h"

// One answer, as the callback writes it to the pipe: far below PIPE_BUF, so each write is
// atomic and the reader never sees half of one.
struct sts_go_answer {
	uintptr_t handle;
	uintptr_t out;
	int64_t code;
};

// The pipe's write end (blocking), set once before the first async call.
static int sts_go_answer_fd = -1;

static void sts_go_set_answer_fd(int fd) { sts_go_answer_fd = fd; }

// The StsCallback of every async call. It runs on a libsts worker thread and does not enter
// Go: it writes the answer to the pipe that dispatchAnswers reads through Go's netpoller. A
// full pipe (thousands of unread answers) makes the worker wait for the reader.
static void sts_go_callback(void *user_data, enum StsCode code, char *out_json) {
	struct sts_go_answer a = {(uintptr_t)user_data, (uintptr_t)out_json, (int64_t)code};
	const char *p = (const char *)&a;
	size_t left = sizeof a;
	while (left > 0) {
		ssize_t n = write(sts_go_answer_fd, p, left);
		if (n < 0 && errno == EINTR) continue;
		if (n <= 0) {
			// The read end is gone (only at process exit): nobody waits for this answer.
			sts_string_free(out_json);
			return;
		}
		p += n;
		left -= (size_t)n;
	}
}

// The cgo.Handle is an integer; Go may not turn an integer into a pointer, C may.
// call: 0 GetFederationToken, 1 AssumeRole, 2 upload credential.
static enum StsCode sts_go_async(int call, const char *config_json, uintptr_t handle) {
	switch (call) {
	case 1: return sts_get_role_credential_async(config_json, sts_go_callback, (void *)handle);
	case 2: return sts_get_upload_credential_async(config_json, sts_go_callback, (void *)handle);
	default: return sts_get_credential_async(config_json, sts_go_callback, (void *)handle);
	}
}

static char *sts_go_string(uintptr_t out) { return (char *)out; }
*/
import "C"

import (
	"io"
	"os"
	"runtime/cgo"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// The async calls: the config goes to sts_get_(role_/upload_)credential_async with a
// cgo.Handle of a *pending as user_data; libsts answers exactly once, on one of its worker
// threads, by calling sts_go_callback (C), which writes the handle, code and answer pointer to
// a pipe. One goroutine (dispatchAnswers) reads the pipe through Go's netpoller, deletes the
// handle, copies the answer (unless the caller has stopped waiting), frees libsts's string and
// hands the copy over on a buffered channel. No libsts thread ever calls into Go (a callback
// into Go costs an M per worker thread and a scheduler hand-off per answer). A caller that
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
	if err := startDispatch(); err != nil {
		return nil, StsInternal
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
// dropped with p; if it is still to come, dispatchAnswers frees it without copying it.
func (p *pending) abandon() {
	if !p.state.CompareAndSwap(waiting, abandoned) {
		asyncDiscarded.Add(1) // delivered meanwhile: the copy goes unread
	}
}

// setAsyncWorkers is sts_set_async_workers.
func setAsyncWorkers(n uint32) StsCode {
	return StsCode(C.sts_set_async_workers(C.uint32_t(n)))
}

// answerSize is sizeof(struct sts_go_answer).
const answerSize = C.sizeof_struct_sts_go_answer

var (
	dispatchOnce sync.Once
	dispatchErr  error
)

// startDispatch makes the answer pipe and starts dispatchAnswers, once per process.
func startDispatch() error {
	dispatchOnce.Do(func() {
		var fds [2]int
		if dispatchErr = syscall.Pipe2(fds[:], syscall.O_CLOEXEC); dispatchErr != nil {
			return
		}
		// Non-blocking, the read end is served by the netpoller; the write end stays blocking.
		if dispatchErr = syscall.SetNonblock(fds[0], true); dispatchErr != nil {
			return
		}
		C.sts_go_set_answer_fd(C.int(fds[1]))
		go dispatchAnswers(os.NewFile(uintptr(fds[0]), "libsts-answers"))
	})
	return dispatchErr
}

// dispatchAnswers delivers every answer written to the pipe, for the life of the process.
func dispatchAnswers(r *os.File) {
	buf := make([]byte, 64*answerSize)
	for {
		n, err := io.ReadAtLeast(r, buf, answerSize)
		// Writes of one answer are atomic, so reads come in whole answers; a rest would be a bug.
		for n%answerSize != 0 && err == nil {
			var m int
			m, err = r.Read(buf[n : n+answerSize-n%answerSize])
			n += m
		}
		for off := 0; off+answerSize <= n; off += answerSize {
			// The bytes C wrote, read back as C's struct (its layout, its byte order); buf is
			// 8-aligned and the offsets are multiples of the struct's size.
			a := (*C.struct_sts_go_answer)(unsafe.Pointer(&buf[off]))
			deliver(uintptr(a.handle), uintptr(a.out), StsCode(a.code))
		}
		if err != nil {
			panic("sts: the libsts answer pipe failed: " + err.Error())
		}
	}
}

// deliver is the answer of the call whose handle is handle: it deletes the handle, copies or
// drops the answer, frees it and sends without blocking.
func deliver(handle, out uintptr, code StsCode) {
	h := cgo.Handle(handle)
	p := h.Value().(*pending)
	h.Delete()
	// Counted as gone only once everything below is done, so that a test seeing no handle left
	// also sees every counter final.
	defer asyncHandles.Add(-1)
	asyncCallbacks.Add(1)
	s := C.sts_go_string(C.uintptr_t(out))
	if p.state.CompareAndSwap(waiting, delivered) {
		a := answer{code: code}
		if s == nil {
			a = answer{StsInternal, `{"error":{"code":"Client.Internal","message":"libsts returned no answer","requestId":null}}`}
		} else {
			a.json = C.GoString(s)
		}
		C.sts_string_free(s)
		p.done <- a
		return
	}
	// The caller stopped waiting: the answer (temporary keys, perhaps) is freed unread.
	C.sts_string_free(s)
	asyncDiscarded.Add(1)
}

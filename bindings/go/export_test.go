package sts

// Test hooks for the async calls (package sts_test): the counters of ffi_async.go.

// AsyncCounters returns the cgo handles alive (one per call libsts still owes an answer), the
// callbacks run so far, and the answers freed unread because their caller had stopped waiting.
func AsyncCounters() (handles, callbacks, discarded int64) {
	return asyncHandles.Load(), asyncCallbacks.Load(), asyncDiscarded.Load()
}

// DeadlineGrace is deadlineGrace, for the tests' time bounds.
const DeadlineGrace = deadlineGrace

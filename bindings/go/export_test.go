package sts

import (
	"encoding/json"
	"testing"
)

// Test hooks for the async calls (package sts_test): the counters of ffi_async.go.

// AsyncCounters returns the cgo handles alive (one per call libsts still owes an answer), the
// callbacks run so far, and the answers freed unread because their caller had stopped waiting.
func AsyncCounters() (handles, callbacks, discarded int64) {
	return asyncHandles.Load(), asyncCallbacks.Load(), asyncDiscarded.Load()
}

// DeadlineGrace is deadlineGrace, for the tests' time bounds.
const DeadlineGrace = deadlineGrace

// UploadPolicyForTest is the policy libsts would send for an upload call with opt, as
// sts_check_config reports it (the key's {date} and {random} left unfilled).
func UploadPolicyForTest(t *testing.T, c *Client, opt *UploadOptions) *CredentialPolicy {
	t.Helper()
	cfg, err := c.uploadConfig(opt, nil)
	if err != nil {
		t.Fatal(err)
	}
	code, answer := callC(opCheckConfig, cfg)
	if code != StsOK {
		t.Fatalf("sts_check_config: %v %s", code, answer)
	}
	var doc struct {
		Policy *CredentialPolicy `json:"policy"`
	}
	if err := json.Unmarshal([]byte(answer), &doc); err != nil || doc.Policy == nil {
		t.Fatalf("sts_check_config answered %s without a readable policy (%v)", answer, err)
	}
	return doc.Policy
}

package sts_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	sts "github.com/libsts/libsts/bindings/go"
)

// asyncBaseline is the state of the async calls before a test: afterwards every handle must
// be deleted again and the callbacks must have run exactly as often as calls were accepted.
type asyncBaseline struct{ handles, callbacks, discarded int64 }

func asyncNow() asyncBaseline {
	h, c, d := sts.AsyncCounters()
	return asyncBaseline{h, c, d}
}

// settle waits (at most 5 s) until no call is in flight any more, then returns how many
// callbacks ran and how many answers were freed unread since base.
func settle(t *testing.T, base asyncBaseline) (callbacks, discarded int64) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		now := asyncNow()
		if now.handles == base.handles {
			return now.callbacks - base.callbacks, now.discarded - base.discarded
		}
		if time.Now().After(end) {
			t.Fatalf("%d async calls still in flight after 5 s", now.handles-base.handles)
		}
	}
}

func TestContextCalls(t *testing.T) {
	base := asyncNow()
	c := emuClient(t, "default")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := c.GetCredentialContext(ctx, &sts.CredentialOptions{Policy: uploadPolicy(t), DurationSeconds: 900})
	if err != nil {
		t.Fatalf("GetCredentialContext: %v", err)
	}
	checkResult(t, res, 900)
	res, err = c.GetRoleCredentialContext(context.Background(), &sts.CredentialOptions{RoleArn: roleArn, DurationSeconds: 1000})
	if err != nil {
		t.Fatalf("GetRoleCredentialContext: %v", err)
	}
	checkResult(t, res, 1000)
	// A deadline beyond libsts's largest total_timeout_ms is sent as that largest value.
	far, cancelFar := context.WithTimeout(context.Background(), 2*time.Hour)
	defer cancelFar()
	if res, err = c.GetCredentialContext(far, &sts.CredentialOptions{Policy: uploadPolicy(t)}); err != nil {
		t.Fatalf("GetCredentialContext with a 2 h deadline: %v", err)
	}
	checkResult(t, res, 1800)
	if callbacks, discarded := settle(t, base); callbacks != 3 || discarded != 0 {
		t.Fatalf("3 calls: %d callbacks, %d answers discarded", callbacks, discarded)
	}
}

// Every error class through the async export: the same error as the blocking call, and
// exactly one callback per call (a second one would find its cgo.Handle deleted and panic).
func TestContextErrorsAreTheBlockingCallsExactlyOnce(t *testing.T) {
	p := uploadPolicy(t)
	cases := []struct {
		name      string
		client    *sts.Client
		opt       *sts.CredentialOptions
		role      bool
		kind      error
		code      string
		callbacks int64 // 0 when the binding refuses before libsts is called
	}{
		{"success", emuClient(t, "default"), &sts.CredentialOptions{Policy: p}, false, nil, "", 1},
		{"success, AssumeRole", emuClient(t, "default"), &sts.CredentialOptions{RoleArn: roleArn}, true, nil, "", 1},
		{"invalid argument from libsts", emuClient(t, "default"), &sts.CredentialOptions{}, false, sts.ErrInvalidArgument, "Client.InvalidArgument", 1},
		{"invalid argument, AssumeRole", emuClient(t, "default"), &sts.CredentialOptions{Policy: p}, true, sts.ErrInvalidArgument, "Client.InvalidArgument", 1},
		{"invalid argument from the binding", emuClient(t, "default"), nil, false, sts.ErrInvalidArgument, "Client.InvalidArgument", 0},
		{"service error", sts.NewClient(emuID, "wrong-key-EXAMPLE", nil, sts.URL(emulatorURL(t, "default"))), &sts.CredentialOptions{Policy: p}, false, sts.ErrService, "AuthFailure.SignatureFailure", 1},
		{"service error, AssumeRole", sts.NewClient(emuID, "wrong-key-EXAMPLE", nil, sts.URL(emulatorURL(t, "default"))), &sts.CredentialOptions{RoleArn: roleArn}, true, sts.ErrService, "AuthFailure.SignatureFailure", 1},
		{"network error", sts.NewClient(emuID, emuKey, nil, sts.URL("http://127.0.0.1:1/"), sts.Retries(0)), &sts.CredentialOptions{Policy: p}, false, sts.ErrNetwork, "Client.Network", 1},
		{"bad response", emuClient(t, "malformed", sts.Retries(0)), &sts.CredentialOptions{Policy: p}, false, sts.ErrBadResponse, "Client.BadResponse", 1},
		{"HTTP 500", emuClient(t, "http500", sts.Retries(0)), &sts.CredentialOptions{RoleArn: roleArn}, true, sts.ErrBadResponse, "Client.HttpStatus", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			blocking, async := tc.client.GetCredential, tc.client.GetCredentialContext
			if tc.role {
				blocking, async = tc.client.GetRoleCredential, tc.client.GetRoleCredentialContext
			}
			_, want := blocking(tc.opt)
			base := asyncNow()
			res, err := async(context.Background(), tc.opt)
			if tc.kind == nil {
				if err != nil {
					t.Fatalf("blocking call fine, async call: %v", err)
				}
				checkResult(t, res, 1800)
			} else {
				if res != nil {
					t.Fatalf("result with an error")
				}
				errorKind(t, err, tc.kind)
				var gotCode, wantCode string
				var ce *sts.CredentialError
				var cl *sts.ClientError
				switch {
				case errors.As(err, &ce):
					gotCode = ce.Code
					errors.As(want, &ce)
					wantCode = ce.Code
				case errors.As(err, &cl):
					gotCode = cl.Code
					if errors.As(want, &cl) {
						wantCode = cl.Code
					}
				}
				if gotCode != tc.code || wantCode != tc.code {
					t.Fatalf("code %q, blocking call's %q, want %q (%v)", gotCode, wantCode, tc.code, err)
				}
				if tc.kind != sts.ErrService && err.Error() != want.Error() {
					t.Fatalf("async error %q, blocking error %q", err, want)
				}
			}
			time.Sleep(20 * time.Millisecond) // room for a second callback, were there one
			if callbacks, discarded := settle(t, base); callbacks != tc.callbacks || discarded != 0 {
				t.Fatalf("%d callbacks (want %d), %d answers discarded", callbacks, tc.callbacks, discarded)
			}
		})
	}
}

// A context that is already done sends nothing.
func TestContextAlreadyDone(t *testing.T) {
	c := emuClient(t, "default")
	opt := &sts.CredentialOptions{Policy: uploadPolicy(t)}
	base := asyncNow()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.GetCredentialContext(cancelled, opt); err != context.Canceled {
		t.Fatalf("cancelled context: %v, want context.Canceled", err)
	}
	expired, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	if _, err := c.GetRoleCredentialContext(expired, &sts.CredentialOptions{RoleArn: roleArn}); err != context.DeadlineExceeded {
		t.Fatalf("expired context: %v, want context.DeadlineExceeded", err)
	}
	_, err := c.GetCredentialContext(nil, opt)
	if ce := clientErr(t, err, sts.ErrInvalidArgument, "Client.InvalidArgument"); !strings.HasPrefix(ce.Message, "ctx: ") {
		t.Fatalf("nil context: %v", err)
	}
	if callbacks, _ := settle(t, base); callbacks != 0 {
		t.Fatalf("%d calls reached libsts", callbacks)
	}
}

// Cancelling returns at once; the answer, when it comes, is freed unread; no goroutine and no
// handle is left behind.
func TestContextCancelFreesTheAnswer(t *testing.T) {
	const n = 32
	// A first round starts libsts's workers and the answer dispatcher (one goroutine for the
	// process), the second must leave none.
	for round := 0; round < 2; round++ {
		time.Sleep(50 * time.Millisecond) // the workers back to idle after their last callback
		runtime.GC()
		goroutines := runtime.NumGoroutine()
		base := asyncNow()
		cancelledCalls(t, n)
		callbacks, discarded := settle(t, base)
		if callbacks != n || discarded != n {
			t.Fatalf("%d cancelled calls: %d callbacks, %d answers freed unread", n, callbacks, discarded)
		}
		for end := time.Now().Add(2 * time.Second); round > 0 && runtime.NumGoroutine() > goroutines; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(end) {
				t.Fatalf("%d goroutines before, %d after", goroutines, runtime.NumGoroutine())
			}
		}
	}
}

// cancelledCalls makes n calls against an emulator answering in 200 ms and cancels them after
// 30 ms: each must return context.Canceled at once.
func cancelledCalls(t *testing.T, n int) {
	t.Helper()
	c := emuClient(t, "latency200")
	opt := &sts.CredentialOptions{Policy: uploadPolicy(t)}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	errs := make([]error, n)
	took := make([]time.Duration, n)
	var cancelledAt time.Time
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			var err error
			if i%2 == 0 {
				_, err = c.GetCredentialContext(ctx, opt)
			} else {
				_, err = c.GetRoleCredentialContext(ctx, &sts.CredentialOptions{RoleArn: roleArn})
			}
			errs[i], took[i] = err, time.Since(cancelledAt)
		}(i)
	}
	time.Sleep(30 * time.Millisecond) // all sent, none answered yet
	cancelledAt = time.Now()
	cancel()
	wg.Wait()
	for i, err := range errs {
		if err != context.Canceled {
			t.Fatalf("call %d: %v, want context.Canceled", i, err)
		}
		if took[i] > 100*time.Millisecond {
			t.Fatalf("call %d returned %v after the cancel", i, took[i])
		}
	}
}

// The context's deadline becomes total_timeout_ms: the call ends at about the deadline with
// libsts's Client.Timeout, which also matches context.DeadlineExceeded.
func TestContextDeadlineIsTheTotalTimeout(t *testing.T) {
	base := asyncNow()
	c := emuClient(t, "hang") // default Timeout 10 s and 2 retries: only the deadline ends it
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.GetRoleCredentialContext(ctx, &sts.CredentialOptions{RoleArn: roleArn})
	d := time.Since(start)
	ce := clientErr(t, err, sts.ErrNetwork, "Client.Timeout")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("errors.Is(%v, context.DeadlineExceeded) = false", err)
	}
	if !strings.Contains(ce.Message, "total_timeout_ms=") {
		t.Fatalf("message %q does not name total_timeout_ms", ce.Message)
	}
	if d < 290*time.Millisecond || d > 300*time.Millisecond+sts.DeadlineGrace {
		t.Fatalf("a 300 ms deadline ended the call after %v", d)
	}
	if callbacks, discarded := settle(t, base); callbacks != 1 || discarded != 0 {
		t.Fatalf("%d callbacks, %d discarded", callbacks, discarded)
	}

	// A shorter TotalTimeout wins over a longer deadline; its timeout is not the context's.
	c = emuClient(t, "hang", sts.TotalTimeout(200*time.Millisecond))
	ctx2, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel2()
	start = time.Now()
	_, err = c.GetCredentialContext(ctx2, &sts.CredentialOptions{Policy: uploadPolicy(t)})
	d = time.Since(start)
	clientErr(t, err, sts.ErrNetwork, "Client.Timeout")
	if errors.Is(err, context.DeadlineExceeded) || d < 190*time.Millisecond || d > time.Second {
		t.Fatalf("TotalTimeout 200 ms under a 5 s deadline: %v after %v", err, d)
	}
}

// TotalTimeout bounds a blocking call too, retries included (per-attempt Timeout 10 s).
func TestTotalTimeoutOption(t *testing.T) {
	c := emuClient(t, "hang", sts.TotalTimeout(250*time.Millisecond), sts.Retries(3))
	start := time.Now()
	_, err := c.GetCredential(&sts.CredentialOptions{Policy: uploadPolicy(t)})
	d := time.Since(start)
	ce := clientErr(t, err, sts.ErrNetwork, "Client.Timeout")
	if !strings.Contains(ce.Message, "total_timeout_ms=250") || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("blocking call with TotalTimeout: %v", err)
	}
	if d < 240*time.Millisecond || d > 2*time.Second {
		t.Fatalf("TotalTimeout 250 ms took %v", d)
	}
	_, err = emuClient(t, "default", sts.TotalTimeout(0)).GetCredential(&sts.CredentialOptions{Policy: uploadPolicy(t)})
	if ce := clientErr(t, err, sts.ErrInvalidArgument, "Client.InvalidArgument"); !strings.HasPrefix(ce.Message, "total_timeout_ms: ") {
		t.Fatalf("TotalTimeout(0): %v", err)
	}
}

// callsAtOnce runs n Context calls from n goroutines against the emulator variant and returns
// how long they took; each must get its own answer.
func callsAtOnce(t *testing.T, variant string, n int) time.Duration {
	t.Helper()
	c := emuClient(t, variant, sts.Retries(0))
	p := uploadPolicy(t)
	var wg sync.WaitGroup
	errs := make([]error, n)
	start := time.Now()
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			var res *sts.CredentialResult
			var err error
			if i%2 == 0 {
				res, err = c.GetCredentialContext(context.Background(), &sts.CredentialOptions{Policy: p, DurationSeconds: int64(900 + i)})
			} else {
				res, err = c.GetRoleCredentialContext(context.Background(), &sts.CredentialOptions{RoleArn: roleArn, DurationSeconds: int64(900 + i)})
			}
			if err == nil && res.ExpiredTime-res.StartTime != 900+i {
				err = fmt.Errorf("the answer of another call: duration %d, want %d", res.ExpiredTime-res.StartTime, 900+i)
			}
			errs[i] = err
		}(i)
	}
	wg.Wait()
	d := time.Since(start)
	for i, err := range errs {
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	return d
}

// 64 calls at once against an emulator answering in 200 ms take about one latency with
// libsts's 64 workers (ideal: calls / concurrency x latency = 0.2 s), 128 about two.
func TestContextConcurrencyUnderLatency(t *testing.T) {
	base := asyncNow()
	for _, tc := range []struct {
		n        int
		min, max time.Duration
	}{{64, 190 * time.Millisecond, 2 * time.Second}, {128, 390 * time.Millisecond, 3 * time.Second}} {
		d := callsAtOnce(t, "latency200", tc.n)
		t.Logf("%d Context calls at once, 200 ms emulator latency: %v", tc.n, d)
		if d < tc.min || d > tc.max {
			t.Fatalf("%d calls at once took %v, want %v..%v", tc.n, d, tc.min, tc.max)
		}
	}
	if callbacks, discarded := settle(t, base); callbacks != 64+128 || discarded != 0 {
		t.Fatalf("%d callbacks, %d discarded", callbacks, discarded)
	}
}

// SetAsyncWorkers bounds the calls in flight: 8 calls on 4 workers take two latencies.
func TestSetAsyncWorkers(t *testing.T) {
	for _, n := range []int{0, -1, 1025, 1 << 40} {
		err := sts.SetAsyncWorkers(n)
		if ce := clientErr(t, err, sts.ErrInvalidArgument, "Client.InvalidArgument"); !strings.HasPrefix(ce.Message, "workers: ") {
			t.Fatalf("SetAsyncWorkers(%d): %v", n, err)
		}
	}
	if err := sts.SetAsyncWorkers(4); err != nil {
		t.Fatal(err)
	}
	// Idle workers above the new limit exit once woken; until then they still take queued
	// calls (libsts's worker loop looks at the queue before the limit).
	time.Sleep(100 * time.Millisecond)
	defer func() {
		if err := sts.SetAsyncWorkers(64); err != nil {
			t.Fatal(err)
		}
	}()
	d := callsAtOnce(t, "latency200", 8)
	if d < 390*time.Millisecond || d > 2*time.Second {
		t.Fatalf("8 calls on 4 workers, 200 ms latency: %v, want about 400 ms", d)
	}
	if err := sts.SetAsyncWorkers(1024); err != nil {
		t.Fatalf("SetAsyncWorkers(1024): %v", err)
	}
}

// 32 callers, each issuing its next call as soon as the last is answered, against an emulator
// answering in 30 ms: calls/s next to the ideal 32 / 30 ms = 1067/s. The side-by-side run with
// the vendor SDK is bench/ (bench.sh).
func BenchmarkGetCredentialContext32(b *testing.B) {
	benchCallers(b, 32, func(c *sts.Client, opt *sts.CredentialOptions) error {
		_, err := c.GetCredentialContext(context.Background(), opt)
		return err
	})
}

// The same with the blocking call from 32 goroutines (32 OS threads held in cgo calls).
func BenchmarkGetCredentialBlocking32(b *testing.B) {
	benchCallers(b, 32, func(c *sts.Client, opt *sts.CredentialOptions) error {
		_, err := c.GetCredential(opt)
		return err
	})
}

func benchCallers(b *testing.B, callers int, call func(*sts.Client, *sts.CredentialOptions) error) {
	p, err := sts.GetPolicy([]sts.Scope{sts.NewScope("name/cos:PutObject", bucket, "ap-guangzhou", "dir/*")})
	if err != nil {
		b.Fatal(err)
	}
	c, opt := emuClient(b, "latency30"), &sts.CredentialOptions{Policy: p}
	work := make(chan struct{}, b.N)
	for i := 0; i < b.N; i++ {
		work <- struct{}{}
	}
	close(work)
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < callers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range work {
				if err := call(c, opt); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	rate := float64(b.N) / time.Since(start).Seconds()
	b.ReportMetric(rate, "calls/s")
	b.ReportMetric(100*rate/(float64(callers)/0.030), "%ideal")
}

package sts

import (
	"context"
	"errors"
	"math"
	"time"
)

// maxTotalTimeout is the largest total_timeout_ms libsts accepts (600 s): a context deadline
// further away is sent as this. TestMaxTotalTimeoutIsTheCores holds it against the core.
const maxTotalTimeout = 600 * time.Second

// deadlineGrace is how long a call whose context deadline has passed still waits for libsts,
// which got the same deadline as total_timeout_ms and answers Client.Timeout at about the same
// moment: the error then says what timed out. libsts always answers by then; the grace only
// bounds the wait should it not.
const deadlineGrace = 250 * time.Millisecond

// GetCredentialContext is GetCredential bounded by ctx, without holding an OS thread while it
// waits: libsts runs the call on one of its worker threads (sts_get_credential_async).
//
// The context's deadline becomes the call's total_timeout_ms (the time left, rounded up to a
// millisecond; the TotalTimeout option still applies when it is shorter): the call, retries
// and backoff included, ends by then with a *ClientError of code Client.Timeout, which also
// matches errors.Is(err, context.DeadlineExceeded). Cancelling ctx returns ctx.Err() at once;
// the call's answer, when it comes, is freed unread. A ctx that is already done returns
// ctx.Err() and sends nothing.
//
// Calls run on at most 64 libsts worker threads at once by default (SetAsyncWorkers); more
// wait in libsts's queue, and the time they wait counts against their deadline. When that
// queue is full the call fails at once with ErrNetwork (code Client.Network): overload.
func (c *Client) GetCredentialContext(ctx context.Context, opt *CredentialOptions) (*CredentialResult, error) {
	return c.credentialContext(ctx, opCredential, opt)
}

// GetRoleCredentialContext is GetRoleCredential bounded by ctx, as GetCredentialContext.
func (c *Client) GetRoleCredentialContext(ctx context.Context, opt *CredentialOptions) (*CredentialResult, error) {
	return c.credentialContext(ctx, opRoleCredential, opt)
}

// SetAsyncWorkers sets how many libsts worker threads the Context calls may use in this process
// (default 64, or LIBSTS_ASYNC_WORKERS; 1..1024). Calls beyond them wait in libsts's queue.
// It may be called at any time; busy workers above a lowered limit finish their call first.
func SetAsyncWorkers(n int) error {
	// libsts judges the count (it answers with a code only, hence the message here); a value
	// beyond uint32 cannot reach it.
	code := StsInvalidArgument
	if n >= 0 && uint64(n) <= math.MaxUint32 {
		code = setAsyncWorkers(uint32(n))
	}
	switch code {
	case StsOK:
		return nil
	case StsInvalidArgument:
		return invalid("workers: %d is out of range 1..=1024", n)
	default:
		return internal("sts_set_async_workers failed with " + code.String())
	}
}

func (c *Client) credentialContext(ctx context.Context, op cOp, opt *CredentialOptions) (*CredentialResult, error) {
	a, deadline, err := c.callContext(ctx, op, func(within *time.Duration) (string, error) {
		return c.config(opt, within)
	})
	if err != nil {
		return nil, err
	}
	res, err := credential(a.code, a.json)
	return res, deadlineError(err, deadline)
}

// callContext runs one async call bounded by ctx: build makes its config from the time the
// context leaves (nil: no deadline). It returns libsts's answer and the context's deadline
// (zero without one), or the error that ended the wait.
func (c *Client) callContext(ctx context.Context, op cOp, build func(within *time.Duration) (string, error)) (answer, time.Time, error) {
	if ctx == nil {
		return answer{}, time.Time{}, invalid("ctx: nil context.Context")
	}
	if err := ctx.Err(); err != nil {
		return answer{}, time.Time{}, err
	}
	var within *time.Duration
	deadline, hasDeadline := ctx.Deadline()
	if hasDeadline {
		left := time.Until(deadline)
		if left <= 0 {
			return answer{}, time.Time{}, context.DeadlineExceeded // ctx's own timer has not fired yet
		}
		if left < time.Millisecond {
			left = time.Millisecond
		}
		if left > maxTotalTimeout {
			left = maxTotalTimeout
		}
		within = &left
	}
	cfg, err := build(within)
	if err != nil {
		return answer{}, time.Time{}, err
	}
	p, code := submitAsync(op, cfg)
	if code != StsOK {
		return answer{}, time.Time{}, refused(code)
	}
	select {
	case a := <-p.done:
		return a, deadline, nil
	case <-ctx.Done():
	}
	if hasDeadline && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		grace := time.NewTimer(deadlineGrace)
		defer grace.Stop()
		select {
		case a := <-p.done:
			return a, deadline, nil
		case <-grace.C:
		}
	}
	p.abandon()
	return answer{}, time.Time{}, ctx.Err()
}

// deadlineError marks a Client.Timeout at or after the context's deadline (zero: none) as that
// deadline passing, so it matches context.DeadlineExceeded too.
func deadlineError(err error, deadline time.Time) error {
	var ce *ClientError
	if !deadline.IsZero() && errors.As(err, &ce) && ce.Code == "Client.Timeout" && !time.Now().Before(deadline) {
		ce.ctxErr = context.DeadlineExceeded
	}
	return err
}

// refused is the error for an async call libsts did not accept (no callback will come).
func refused(code StsCode) error {
	if code == StsNetwork {
		return &ClientError{Kind: ErrNetwork, StsCode: StsNetwork, Code: "Client.Network",
			Message: "libsts is overloaded: its queue of waiting calls is full or no worker thread could be started; try again later"}
	}
	return internal("libsts refused the async call with " + code.String())
}

package sts_test

import (
	"context"
	"testing"

	sts "github.com/libsts/libsts/bindings/go"
)

// The async hand-off alone: a config libsts refuses (no network) answered through the callback,
// next to the same refusal answered by the blocking call. The difference is the cost of the
// worker hand-off and the callback into Go.
func BenchmarkHandoffContext(b *testing.B) {
	c := sts.NewClient(emuID, emuKey, nil, sts.URL("http://127.0.0.1:9/"))
	opt := &sts.CredentialOptions{Policy: uploadPolicy(b), DurationSeconds: -1}
	ctx := context.Background()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.GetCredentialContext(ctx, opt); err == nil {
				b.Fatal("accepted")
			}
		}
	})
}

func BenchmarkHandoffBlocking(b *testing.B) {
	c := sts.NewClient(emuID, emuKey, nil, sts.URL("http://127.0.0.1:9/"))
	opt := &sts.CredentialOptions{Policy: uploadPolicy(b), DurationSeconds: -1}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.GetCredential(opt); err == nil {
				b.Fatal("accepted")
			}
		}
	})
}

// A cache hit through the Context call: no request, so the hand-off is most of its cost.
func BenchmarkCacheHitContext(b *testing.B) {
	c := sts.NewClient(emuID, emuKey, nil, sts.URL(emulatorURL(b, "default")))
	opt := &sts.CredentialOptions{Policy: uploadPolicy(b), DurationSeconds: 3600, Cache: &sts.CacheOptions{}}
	ctx := context.Background()
	if _, err := c.GetCredentialContext(ctx, opt); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.GetCredentialContext(ctx, opt); err != nil {
				b.Fatal(err)
			}
		}
	})
}

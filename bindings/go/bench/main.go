// Command bench measures calls/s of 32 concurrent callers against an STS emulator with latency:
// the libsts binding's GetCredentialContext and blocking GetCredential, and the vendor Go SDK
// (github.com/tencentyun/qcloud-cos-sts-sdk/go) side by side, in one process, in rounds that
// alternate between them. Run it with bench.sh, which starts the emulator.
//
// The vendor SDK signs with the legacy signature v1 (HmacSHA1 over a form), which the emulator
// verifies as STS does: both sides get real keys, and a vendor call counts only when it returns
// a credential (any error, or an answer without keys, ends the benchmark).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	sts "github.com/libsts/libsts/bindings/go"
	vendor "github.com/tencentyun/qcloud-cos-sts-sdk/go"
)

const (
	secretID  = "AKIDEMULATOREXAMPLE0000000000000000"
	secretKey = "emulator-secret-key-EXAMPLE"
	resource  = "qcs::cos:ap-guangzhou:uid/1250000000:example-1250000000/dir/*"
)

type contender struct {
	name string
	call func() error
}

func main() {
	url := flag.String("url", "", "emulator URL, http://127.0.0.1:PORT/")
	callers := flag.Int("callers", 32, "concurrent callers")
	calls := flag.Int("calls", 2000, "calls per contender and round")
	rounds := flag.Int("rounds", 3, "rounds (contenders alternate)")
	latency := flag.Duration("latency", 30*time.Millisecond, "the emulator's latency, for the ideal figure")
	flag.Parse()
	if !strings.HasPrefix(*url, "http://127.0.0.1:") {
		fmt.Fprintln(os.Stderr, "bench: -url must be the loopback emulator, http://127.0.0.1:PORT/")
		os.Exit(2)
	}
	hostPort := strings.TrimSuffix(strings.TrimPrefix(*url, "http://"), "/")

	policy, err := sts.GetPolicy([]sts.Scope{sts.NewScope("name/cos:PutObject", "example-1250000000", "ap-guangzhou", "dir/*")})
	if err != nil {
		fail(err)
	}
	lib := sts.NewClient(secretID, secretKey, nil, sts.URL(*url))
	opt := &sts.CredentialOptions{Policy: policy}
	ven := vendor.NewClient(secretID, secretKey, nil, vendor.Host(hostPort), vendor.Scheme("http"))
	venOpt := &vendor.CredentialOptions{Policy: &vendor.CredentialPolicy{Statement: []vendor.CredentialPolicyStatement{{
		Action: []string{"name/cos:PutObject"}, Effect: "allow", Resource: []string{resource},
	}}}}

	contenders := []contender{
		{"libsts Go binding, GetCredentialContext", func() error {
			_, err := lib.GetCredentialContext(context.Background(), opt)
			return err
		}},
		{"libsts Go binding, GetCredential (blocking)", func() error {
			_, err := lib.GetCredential(opt)
			return err
		}},
		{"vendor qcloud-cos-sts-sdk/go, GetCredential", func() error {
			result, err := ven.GetCredential(venOpt)
			if err != nil {
				return fmt.Errorf("vendor SDK: %w", err)
			}
			// Checked, not printed: the answer holds the (emulator's) keys.
			c := result.Credentials
			if c == nil || !strings.HasPrefix(c.TmpSecretID, "AKID") || c.TmpSecretKey == "" || c.SessionToken == "" {
				return errors.New("vendor SDK: the answer holds no credential")
			}
			return nil
		}},
	}
	ideal := float64(*callers) / latency.Seconds()
	results := make([][]float64, len(contenders))
	for _, c := range contenders {
		run(c, *callers, *callers*2) // warm-up: threads, connections
	}
	for r := 0; r < *rounds; r++ {
		for i, c := range contenders {
			results[i] = append(results[i], run(c, *callers, *calls))
		}
	}
	fmt.Printf("%d callers, %d calls per round, %d rounds, emulator latency %v: ideal %.0f calls/s\n\n",
		*callers, *calls, *rounds, *latency, ideal)
	fmt.Println("| calls | calls/s (median of rounds) | rounds | of ideal |")
	fmt.Println("|---|---|---|---|")
	for i, c := range contenders {
		rates := append([]float64(nil), results[i]...)
		sort.Float64s(rates)
		median := rates[len(rates)/2]
		each := make([]string, len(results[i]))
		for j, v := range results[i] {
			each[j] = fmt.Sprintf("%.0f", v)
		}
		fmt.Printf("| %s | %.0f | %s | %.0f %% |\n", c.name, median, strings.Join(each, ", "), 100*median/ideal)
	}
}

// run makes n calls from callers goroutines, each starting its next call when its last one is
// answered, and returns calls/s.
func run(c contender, callers, n int) float64 {
	work := make(chan struct{}, n)
	for i := 0; i < n; i++ {
		work <- struct{}{}
	}
	close(work)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	start := time.Now()
	for i := 0; i < callers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range work {
				if err := c.call(); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	if first != nil {
		fail(fmt.Errorf("%s: %v", c.name, first))
	}
	return float64(n) / time.Since(start).Seconds()
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}

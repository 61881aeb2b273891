package sts_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	sts "github.com/libsts/libsts/bindings/go"
)

// countingEmulator is an emulator of the test's own whose request log (one stderr line per
// request, written before it answers) the test reads, to tell which calls reached STS.
type countingEmulator struct {
	url   string
	mu    sync.Mutex
	lines []string
	more  chan struct{} // signalled on every line read
}

func startCountingEmulator(t *testing.T) *countingEmulator {
	t.Helper()
	bin := os.Getenv("STS_EMULATOR")
	if bin == "" {
		bin = filepath.Join("..", "..", "target", "release", "sts-emulator")
	}
	cmd := exec.Command(bin, "--port", "0")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	e := &countingEmulator{more: make(chan struct{}, 1)}
	go func() {
		s := bufio.NewScanner(stderr)
		for s.Scan() {
			if !strings.Contains(s.Text(), " -> ") { // only the per-request lines
				continue
			}
			e.mu.Lock()
			e.lines = append(e.lines, s.Text())
			e.mu.Unlock()
			select {
			case e.more <- struct{}{}:
			default:
			}
		}
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if m := listening.FindStringSubmatch(strings.TrimSpace(line)); err != nil || m == nil {
		t.Fatalf("sts-emulator printed %q (%v), not its listening line", line, err)
	} else {
		e.url = m[1]
	}
	return e
}

// requestsSoFar returns how many requests reached the emulator before now: it sends a marker
// request (region ap-chengdu, which the tests' own calls never use) and counts the lines
// before the marker's, which comes after every earlier one.
func (e *countingEmulator) requestsSoFar(t *testing.T) int {
	t.Helper()
	c := sts.NewClient(emuID, emuKey, nil, sts.URL(e.url), sts.Retries(0))
	if _, err := c.GetCredential(&sts.CredentialOptions{Policy: uploadPolicy(t), Region: "ap-chengdu"}); err != nil {
		t.Fatalf("marker request: %v", err)
	}
	deadline := time.After(10 * time.Second)
	for {
		e.mu.Lock()
		n := -1
		for i, l := range e.lines {
			if strings.Contains(l, "region=ap-chengdu") {
				n = i
			}
		}
		if n >= 0 {
			// Drop the marker(s) so that the next count starts after them.
			kept := e.lines[:0:0]
			for _, l := range e.lines {
				if !strings.Contains(l, "region=ap-chengdu") {
					kept = append(kept, l)
				}
			}
			e.lines = kept
			e.mu.Unlock()
			return n
		}
		e.mu.Unlock()
		select {
		case <-e.more:
		case <-deadline:
			t.Fatal("the marker request's log line never came")
		}
	}
}

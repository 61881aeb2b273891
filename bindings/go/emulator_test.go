package sts_test

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The STS emulators the tests talk to, by variant. test.sh starts them all and passes their
// URLs as STS_EMULATOR_URL (default) and STS_EMULATOR_URL_<VARIANT>; a plain `go test` starts
// the ones it needs from ../../target/release/sts-emulator (or $STS_EMULATOR) and kills them
// in TestMain.
var emulatorArgs = map[string][]string{
	"default":    nil,
	"slow":       {"--latency-ms", "100"},
	"latency200": {"--latency-ms", "200"},
	"latency30":  {"--latency-ms", "30"},
	"flaky":      {"--fail-first", "2", "--fail-with", "http503"},
	"http500":    {"--always", "http500"},
	"throttle":   {"--always", "throttle"},
	"malformed":  {"--always", "malformed"},
	"drop":       {"--always", "drop"},
	"hang":       {"--always", "hang"},
	// A temporary key pair: valid only with its session token in X-TC-Token.
	"temporary": {"--key", tempID + ":" + tempKey, "--token", tempID + ":" + tempToken},
	// Accepts one OIDC token of one provider in AssumeRoleWithWebIdentity.
	"webidentity": {"--web-identity", oidcProvider + ":" + oidcToken},
}

const (
	tempID    = "AKIDTEMPORARYEXAMPLE"
	tempKey   = "temporary-key-EXAMPLE"
	tempToken = "session-token-EXAMPLE"

	oidcProvider = "tke-oidc"
	oidcToken    = "oidc-token-EXAMPLE-eyJhbGciOi"
)

// Every variant of emulatorArgs and its environment variable.
func emulatorEnv(variant string) string {
	if variant == "default" {
		return "STS_EMULATOR_URL"
	}
	return "STS_EMULATOR_URL_" + strings.ToUpper(strings.ReplaceAll(variant, "-", "_"))
}

var (
	emulatorsMu sync.Mutex
	emulators   = map[string]string{}
	started     []*exec.Cmd
	listening   = regexp.MustCompile(`^sts-emulator listening on (http://127\.0\.0\.1:[0-9]+/)$`)
)

// emulatorURL returns the URL of the emulator variant, starting it if needed.
func emulatorURL(t testing.TB, variant string) string {
	t.Helper()
	url, err := ensureEmulator(variant)
	if err != nil {
		t.Fatal(err)
	}
	return url
}

func ensureEmulator(variant string) (string, error) {
	emulatorsMu.Lock()
	defer emulatorsMu.Unlock()
	if url, ok := emulators[variant]; ok {
		return url, nil
	}
	args, ok := emulatorArgs[variant]
	if !ok {
		return "", fmt.Errorf("unknown emulator variant %q", variant)
	}
	if url := os.Getenv(emulatorEnv(variant)); url != "" {
		if !strings.HasPrefix(url, "http://127.0.0.1:") {
			return "", fmt.Errorf("%s=%q: tests only talk to 127.0.0.1", emulatorEnv(variant), url)
		}
		emulators[variant] = url
		return url, nil
	}
	bin := os.Getenv("STS_EMULATOR")
	if bin == "" {
		bin = filepath.Join("..", "..", "target", "release", "sts-emulator")
	}
	if _, err := os.Stat(bin); err != nil {
		return "", fmt.Errorf("sts-emulator not found at %s (run `cargo build --release` in the repository root, or set STS_EMULATOR): %v", bin, err)
	}
	cmd := exec.Command(bin, append([]string{"--port", "0"}, args...)...)
	cmd.Stderr = io.Discard
	// The emulator dies with the test binary even if that is killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("starting %s: %v", bin, err)
	}
	started = append(started, cmd)
	line := make(chan string, 1)
	go func() {
		r := bufio.NewReader(stdout)
		s, _ := r.ReadString('\n')
		line <- strings.TrimRight(s, "\n")
		io.Copy(io.Discard, r)
	}()
	select {
	case s := <-line:
		m := listening.FindStringSubmatch(s)
		if m == nil {
			return "", fmt.Errorf("sts-emulator %v printed %q, not its listening line", args, s)
		}
		emulators[variant] = m[1]
		return m[1], nil
	case <-time.After(10 * time.Second):
		return "", fmt.Errorf("sts-emulator %v did not print its listening line within 10 s", args)
	}
}

func stopEmulators() {
	emulatorsMu.Lock()
	defer emulatorsMu.Unlock()
	for _, cmd := range started {
		cmd.Process.Kill()
		cmd.Wait()
	}
	started = nil
}

func TestMain(m *testing.M) {
	// A safety net: anything that would leave the machine goes to a dead proxy instead.
	// Loopback (the emulators) is exempt.
	for _, k := range []string{"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"} {
		os.Setenv(k, "http://127.0.0.1:9/")
	}
	os.Setenv("NO_PROXY", "127.0.0.1,localhost")
	os.Setenv("no_proxy", "127.0.0.1,localhost")
	os.Unsetenv("TENCENTCLOUD_SECRET_ID")
	os.Unsetenv("TENCENTCLOUD_SECRET_KEY")

	// The Example functions read the default emulator's URL from the environment.
	url, err := ensureEmulator("default")
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		os.Exit(1)
	}
	os.Setenv("STS_EMULATOR_URL", url)

	code := m.Run()
	stopEmulators()
	os.Exit(code)
}

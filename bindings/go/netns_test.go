//go:build netns

package sts

// Bad configs that name a non-loopback address: built only with -tags netns and run by test.sh
// inside scripts/netns.sh, where 10.200.0.1 is a local trap address and nothing else is
// routable, with STS_EMULATOR_URL and STS_EMULATOR_LOG (its stderr, one line per request) of
// an emulator started inside the same namespace.

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// entry is one key of a JSON object, value kept as written; order matters to the core (of two
// spellings of one key, the later is named), and a Go map would sort the keys.
type entry struct {
	key   string
	value json.RawMessage
}

func objectEntries(t *testing.T, raw json.RawMessage) []entry {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not a JSON object: %s", raw)
	}
	var out []entry
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			t.Fatal(err)
		}
		out = append(out, entry{tok.(string), value})
	}
	return out
}

// merge lays the case over the base: same key replaced in place, new keys appended in the
// case's order, null removes the key.
func merge(base, over []entry) string {
	merged := append([]entry(nil), base...)
	for _, e := range over {
		i := 0
		for i < len(merged) && merged[i].key != e.key {
			i++
		}
		switch {
		case string(e.value) == "null" && i < len(merged):
			merged = append(merged[:i], merged[i+1:]...)
		case string(e.value) == "null":
		case i < len(merged):
			merged[i].value = e.value
		default:
			merged = append(merged, e)
		}
	}
	var b strings.Builder
	b.WriteByte('{')
	for i, e := range merged {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(e.key)
		b.Write(k)
		b.WriteByte(':')
		b.Write(e.value)
	}
	b.WriteByte('}')
	return b.String()
}

// trap listens on every address:port the cases name, so that a connection the core should
// never have made is seen. Binding 10.200.0.1 only works inside scripts/netns.sh: outside, this
// test fails before it names the address to libsts.
type trap struct{ listeners []*net.TCPListener }

func newTrap(t *testing.T, text []byte) *trap {
	t.Helper()
	tr := &trap{}
	seen := map[string]bool{}
	for _, m := range regexp.MustCompile(`\b(\d{1,3}(?:\.\d{1,3}){3}):(\d+)\b`).FindAllSubmatch(text, -1) {
		addr := string(m[1]) + ":" + string(m[2])
		if seen[addr] {
			continue
		}
		seen[addr] = true
		l, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatalf("listening on %s (run this test through scripts/netns.sh): %v", addr, err)
		}
		tr.listeners = append(tr.listeners, l.(*net.TCPListener))
	}
	if !seen["10.200.0.1:18080"] {
		t.Fatalf("the cases no longer name 10.200.0.1:18080; found %v", seen)
	}
	t.Cleanup(func() {
		for _, l := range tr.listeners {
			l.Close()
		}
	})
	return tr
}

// connected reports the listener addresses that accepted a connection since the last call.
func (tr *trap) connected(t *testing.T) []string {
	t.Helper()
	var hit []string
	for _, l := range tr.listeners {
		for {
			l.SetDeadline(time.Now().Add(time.Millisecond))
			c, err := l.Accept()
			if err != nil {
				var ne net.Error
				if !errors.As(err, &ne) || !ne.Timeout() {
					t.Fatal(err)
				}
				break
			}
			c.Close()
			hit = append(hit, l.Addr().String())
		}
	}
	return hit
}

// requests counts the request lines in the emulator's log.
func requests(t *testing.T) int {
	t.Helper()
	f, err := os.Open(os.Getenv("STS_EMULATOR_LOG"))
	if err != nil {
		t.Fatalf("STS_EMULATOR_LOG: %v", err)
	}
	defer f.Close()
	text, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(text), " -> ")
}

func TestBadConfigs(t *testing.T) {
	if os.Getenv("STS_IN_NETNS") != "1" {
		t.Fatal("run through scripts/netns.sh (bindings/go/test.sh does)")
	}
	text, err := os.ReadFile(repoFile(t, "tests", "data", "bad_configs.json"))
	if err != nil {
		t.Fatal(err)
	}
	var data struct {
		Cases []struct {
			Name     string          `json:"name"`
			Config   json.RawMessage `json:"config"`
			Field    string          `json:"field"`
			Contains string          `json:"contains"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(text, &data); err != nil || len(data.Cases) == 0 {
		t.Fatalf("tests/data/bad_configs.json: %v", err)
	}
	tr := newTrap(t, text)
	url := os.Getenv("STS_EMULATOR_URL")
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("STS_EMULATOR_URL=%q: want the netns emulator on 127.0.0.1", url)
	}
	baseJSON, _ := json.Marshal(map[string]interface{}{"url": url})
	base := append([]entry{
		{"secret_id", json.RawMessage(`"AKIDEMULATOREXAMPLE0000000000000000"`)},
		{"secret_key", json.RawMessage(`"emulator-secret-key-EXAMPLE"`)},
		{"bucket", json.RawMessage(`"example-1250000000"`)},
		{"region", json.RawMessage(`"ap-guangzhou"`)},
		{"allow_prefix", json.RawMessage(`["dir/*"]`)},
		{"allow_actions", json.RawMessage(`["name/cos:PutObject"]`)},
		// A regression must fail fast, not hang on a trap listener that never answers.
		{"timeout_ms", json.RawMessage(`2000`)},
		{"retries", json.RawMessage(`0`)},
	}, objectEntries(t, baseJSON)...)

	// The base config works, and the emulator's log and the trap would show a request.
	if _, err := credential(callC(opCredential, merge(base, nil))); err != nil {
		t.Fatalf("the base config fails: %v", err)
	}
	if n := requests(t); n != 1 {
		t.Fatalf("the emulator logged %d requests for one call; the request count cannot be trusted", n)
	}
	probe, err := net.Dial("tcp", "10.200.0.1:18080")
	if err != nil {
		t.Fatal(err)
	}
	probe.Close()
	if hit := tr.connected(t); len(hit) != 1 {
		t.Fatalf("the trap saw %v for one connection; it cannot be trusted", hit)
	}

	for _, tc := range data.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			config := merge(base, objectEntries(t, tc.Config))
			before := requests(t)
			res, err := credential(callC(opCredential, config))
			if hit := tr.connected(t); len(hit) > 0 {
				t.Errorf("libsts connected to %v", hit)
			}
			if n := requests(t) - before; n != 0 {
				t.Errorf("the emulator received %d request(s)", n)
			}
			var ce *ClientError
			if res != nil || !errors.As(err, &ce) {
				t.Fatalf("want a *ClientError, got %v, %v", res, err)
			}
			if ce.StsCode != StsInvalidArgument || ce.Kind != ErrInvalidArgument || ce.Code != "Client.InvalidArgument" {
				t.Fatalf("want STS_INVALID_ARGUMENT, got %v %s: %s", ce.StsCode, ce.Code, ce.Message)
			}
			if !strings.HasPrefix(ce.Message, tc.Field+": ") || !strings.Contains(ce.Message, tc.Contains) {
				t.Fatalf("message %q: want it to start with %q and contain %q", ce.Message, tc.Field+": ", tc.Contains)
			}
		})
	}

	// The typed API: options that name a non-loopback address get the core's error too.
	typed := []struct {
		name, field string
		client      *Client
	}{
		{"URL with plain http off loopback", "url",
			NewClient(emuID, emuKey, nil, URL("http://10.200.0.1:18080/"))},
		{"Scheme http to a host off loopback", "url",
			NewClient(emuID, emuKey, nil, Host("10.200.0.1:18080"), Scheme("http"))},
		{"Host given as a URL", "endpoint",
			NewClient(emuID, emuKey, nil, Host("https://10.200.0.1:18080/"))},
	}
	policy := &CredentialPolicy{Statement: []CredentialPolicyStatement{{
		Action: []string{"name/cos:PutObject"}, Effect: "allow",
		Resource: []string{"qcs::cos:ap-guangzhou:uid/1250000000:example-1250000000/dir/*"},
	}}}
	for _, tc := range typed {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.client.GetCredential(&CredentialOptions{Policy: policy})
			if hit := tr.connected(t); len(hit) > 0 {
				t.Errorf("libsts connected to %v", hit)
			}
			var ce *ClientError
			if !errors.As(err, &ce) || ce.StsCode != StsInvalidArgument || !strings.HasPrefix(ce.Message, tc.field+": ") {
				t.Fatalf("want STS_INVALID_ARGUMENT naming %s, got %v", tc.field, err)
			}
		})
	}
}

const (
	emuID  = "AKIDEMULATOREXAMPLE0000000000000000"
	emuKey = "emulator-secret-key-EXAMPLE"
)

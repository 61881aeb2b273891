package sts_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	sts "github.com/libsts/libsts/bindings/go"
)

const (
	emuID   = "AKIDEMULATOREXAMPLE0000000000000000"
	emuKey  = "emulator-secret-key-EXAMPLE"
	roleArn = "qcs::cam::uin/100000000001:roleName/cos-uploader"
)

func emuClient(t testing.TB, variant string, opts ...sts.ClientOption) *sts.Client {
	return sts.NewClient(emuID, emuKey, nil, append([]sts.ClientOption{sts.URL(emulatorURL(t, variant))}, opts...)...)
}

// checkResult asserts the shape of a credential result for a request of duration seconds.
func checkResult(t *testing.T, res *sts.CredentialResult, duration int) {
	t.Helper()
	if res == nil || res.Credentials == nil {
		t.Fatalf("no credentials: %v", res)
	}
	c := res.Credentials
	if c.TmpSecretID == "" || c.TmpSecretKey == "" || c.SessionToken == "" {
		t.Fatalf("empty credential field in %v", c)
	}
	if c.TmpSecretID == emuID || c.TmpSecretKey == emuKey {
		t.Fatalf("temporary keys equal the permanent ones")
	}
	if res.RequestId == "" {
		t.Fatalf("no RequestId")
	}
	if res.Error != nil {
		t.Fatalf("Error set on success: %v", res.Error)
	}
	if got := res.ExpiredTime - res.StartTime; got != duration {
		t.Fatalf("ExpiredTime-StartTime = %d, want %d", got, duration)
	}
	now := int(time.Now().Unix())
	if res.StartTime < now-300 || res.StartTime > now+300 {
		t.Fatalf("StartTime %d is far from now %d", res.StartTime, now)
	}
	exp, err := time.Parse(time.RFC3339, res.Expiration)
	if err != nil {
		t.Fatalf("Expiration %q: %v", res.Expiration, err)
	}
	if int(exp.Unix()) != res.ExpiredTime {
		t.Fatalf("Expiration %s != ExpiredTime %d", res.Expiration, res.ExpiredTime)
	}
}

func uploadPolicy(t testing.TB) *sts.CredentialPolicy {
	p, err := sts.GetPolicy([]sts.Scope{sts.NewScope("name/cos:PutObject", bucket, "ap-guangzhou", "dir/*")})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestGetCredential(t *testing.T) {
	c := emuClient(t, "default")
	res, err := c.GetCredential(&sts.CredentialOptions{Policy: uploadPolicy(t), Region: "ap-beijing", DurationSeconds: 900, Name: "go-test"})
	if err != nil {
		t.Fatalf("GetCredential: %v", err)
	}
	checkResult(t, res, 900)

	// Defaults: region, 1800 s.
	res, err = c.GetCredential(&sts.CredentialOptions{Policy: uploadPolicy(t)})
	if err != nil {
		t.Fatalf("GetCredential with defaults: %v", err)
	}
	checkResult(t, res, 1800)

	// The JSON a handler returns is the vendor SDK's.
	var m map[string]interface{}
	if err := json.Unmarshal([]byte(mustJSON(t, res)), &m); err != nil {
		t.Fatal(err)
	}
	creds, _ := m["Credentials"].(map[string]interface{})
	for _, k := range []string{"TmpSecretId", "TmpSecretKey", "Token"} {
		if s, _ := creds[k].(string); s == "" {
			t.Fatalf("JSON has no Credentials.%s: %v", k, creds)
		}
	}
	for _, k := range []string{"ExpiredTime", "Expiration", "StartTime", "RequestId"} {
		if _, ok := m[k]; !ok {
			t.Fatalf("JSON has no %s", k)
		}
	}
}

// A hand-written vendor-style policy (no Version: "2.0" is filled in) with a condition and
// characters that need percent-encoding: a success proves the emulator verified the signature
// over exactly what was sent.
func TestGetCredentialHandWrittenPolicy(t *testing.T) {
	c := emuClient(t, "default")
	policy := &sts.CredentialPolicy{Statement: []sts.CredentialPolicyStatement{{
		Action:   []string{"name/cos:PutObject", "name/cos:PostObject"},
		Effect:   "allow",
		Resource: []string{"qcs::cos:ap-guangzhou:uid/1250000000:example-1250000000/a b/ü+&=*"},
		Condition: map[string]map[string]interface{}{
			"ip_equal":                {"qcs:ip": []string{"10.0.0.0/8"}},
			"numeric_less_than_equal": {"cos:content-length": 10485760},
		},
	}}}
	res, err := c.GetCredential(&sts.CredentialOptions{Policy: policy})
	if err != nil {
		t.Fatalf("GetCredential: %v", err)
	}
	checkResult(t, res, 1800)
	if policy.Version != "" {
		t.Fatalf("the caller's policy was modified")
	}
}

func TestGetRoleCredential(t *testing.T) {
	c := emuClient(t, "default")
	res, err := c.GetRoleCredential(&sts.CredentialOptions{
		RoleArn: roleArn, RoleSessionName: "go-test", ExternalId: "ext-1", DurationSeconds: 3600, Policy: uploadPolicy(t),
	})
	if err != nil {
		t.Fatalf("GetRoleCredential: %v", err)
	}
	checkResult(t, res, 3600)

	// No policy: the role's own permissions; default session name.
	res, err = c.GetRoleCredential(&sts.CredentialOptions{RoleArn: roleArn})
	if err != nil {
		t.Fatalf("GetRoleCredential without policy: %v", err)
	}
	checkResult(t, res, 1800)
}

func TestCredentialsFromEnvironmentAndCredentialIface(t *testing.T) {
	t.Setenv("TENCENTCLOUD_SECRET_ID", emuID)
	t.Setenv("TENCENTCLOUD_SECRET_KEY", emuKey)
	c := sts.NewClient("", "", nil, sts.URL(emulatorURL(t, "default")))
	res, err := c.GetCredential(&sts.CredentialOptions{Policy: uploadPolicy(t)})
	if err != nil {
		t.Fatalf("GetCredential with the key pair from the environment: %v", err)
	}
	checkResult(t, res, 1800)

	c = sts.NewClientWithCredential(staticCred{emuID, emuKey, ""}, nil, sts.URL(emulatorURL(t, "default")))
	res, err = c.GetRoleCredential(&sts.CredentialOptions{RoleArn: roleArn})
	if err != nil {
		t.Fatalf("GetRoleCredential with a CredentialIface: %v", err)
	}
	checkResult(t, res, 1800)

	// A temporary key pair signs with its session token (sent as X-TC-Token).
	c = sts.NewClientWithCredential(staticCred{tempID, tempKey, tempToken}, nil, sts.URL(emulatorURL(t, "temporary")))
	res, err = c.GetRoleCredential(&sts.CredentialOptions{RoleArn: roleArn})
	if err != nil {
		t.Fatalf("GetRoleCredential with a temporary key and its token: %v", err)
	}
	checkResult(t, res, 1800)
	c = sts.NewClientWithCredential(staticCred{tempID, tempKey, ""}, nil, sts.URL(emulatorURL(t, "temporary")))
	_, err = c.GetRoleCredential(&sts.CredentialOptions{RoleArn: roleArn})
	var svc *sts.CredentialError
	if !errors.As(err, &svc) || svc.Code != "AuthFailure.TokenFailure" {
		t.Fatalf("a temporary key without its token: want AuthFailure.TokenFailure, got %v", err)
	}
	if strings.Contains(err.Error(), tempToken) {
		t.Fatalf("the error holds the session token: %v", err)
	}
}

type staticCred struct{ id, key, token string }

func (c staticCred) GetSecretId() string  { return c.id }
func (c staticCred) GetSecretKey() string { return c.key }
func (c staticCred) GetToken() string     { return c.token }

// errorKind checks that err matches want and none of the other kinds.
func errorKind(t *testing.T, err, want error) {
	t.Helper()
	if err == nil {
		t.Fatalf("want %v, got success", want)
	}
	for _, kind := range []error{sts.ErrInvalidArgument, sts.ErrNetwork, sts.ErrService, sts.ErrBadResponse, sts.ErrInternal} {
		if errors.Is(err, kind) != (kind == want) {
			t.Fatalf("errors.Is(%v, %v) = %v", err, kind, !(kind == want))
		}
	}
}

func TestServiceErrors(t *testing.T) {
	cases := []struct {
		name, id, key, code string
	}{
		{"wrong secret key", emuID, "not-the-emulator-key", "AuthFailure.SignatureFailure"},
		{"unknown secret id", "AKIDUNKNOWNEXAMPLE00000000000000000", emuKey, "AuthFailure.SecretIdNotFound"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := sts.NewClient(tc.id, tc.key, nil, sts.URL(emulatorURL(t, "default")))
			for name, call := range map[string]func(*sts.CredentialOptions) (*sts.CredentialResult, error){
				"GetCredential": c.GetCredential, "GetRoleCredential": c.GetRoleCredential,
			} {
				res, err := call(&sts.CredentialOptions{Policy: uploadPolicy(t), RoleArn: map[bool]string{true: roleArn}[name == "GetRoleCredential"]})
				if res != nil {
					t.Fatalf("%s: result with an error", name)
				}
				errorKind(t, err, sts.ErrService)
				var ce *sts.CredentialError
				if !errors.As(err, &ce) {
					t.Fatalf("%s: want *CredentialError, got %T %v", name, err, err)
				}
				if ce.Code != tc.code || ce.Message == "" || ce.RequestId == "" {
					t.Fatalf("%s: got %+v, want code %s with a message and a RequestId", name, ce, tc.code)
				}
				var cl *sts.ClientError
				if errors.As(err, &cl) {
					t.Fatalf("%s: a service error is also a *ClientError", name)
				}
				if strings.Contains(err.Error(), tc.key) || strings.Contains(fmt.Sprintf("%+v %#v", err, err), tc.key) {
					t.Fatalf("%s: the error shows the secret key: %v", name, err)
				}
			}
		})
	}

	// Throttling that outlasts the retries ends as the service's own error.
	c := emuClient(t, "throttle", sts.Retries(1))
	_, err := c.GetCredential(&sts.CredentialOptions{Policy: uploadPolicy(t)})
	errorKind(t, err, sts.ErrService)
	var ce *sts.CredentialError
	if !errors.As(err, &ce) || !strings.HasPrefix(ce.Code, "RequestLimitExceeded") {
		t.Fatalf("throttled: got %v", err)
	}
}

func clientErr(t *testing.T, err error, kind error, code string) *sts.ClientError {
	t.Helper()
	errorKind(t, err, kind)
	var ce *sts.ClientError
	if !errors.As(err, &ce) {
		t.Fatalf("want *ClientError, got %T %v", err, err)
	}
	if ce.Code != code {
		t.Fatalf("code %s, want %s (%v)", ce.Code, code, err)
	}
	if !strings.HasPrefix(ce.Code, "Client.") || ce.Message == "" {
		t.Fatalf("bad ClientError %+v", ce)
	}
	if want := map[error]sts.StsCode{sts.ErrInvalidArgument: sts.StsInvalidArgument, sts.ErrNetwork: sts.StsNetwork,
		sts.ErrBadResponse: sts.StsBadResponse, sts.ErrInternal: sts.StsInternal}[kind]; ce.StsCode != want {
		t.Fatalf("StsCode %v, want %v (%v)", ce.StsCode, want, err)
	}
	var svc *sts.CredentialError
	if errors.As(err, &svc) {
		t.Fatalf("a library error is also a *CredentialError")
	}
	return ce
}

// Bad options get the core's own error (Go checks nothing the core checks), which names the
// libsts key first. Cases that name a non-loopback address are in netns_test.go.
func TestInvalidArguments(t *testing.T) {
	c := emuClient(t, "default")
	p := uploadPolicy(t)
	cases := []struct {
		name  string
		call  func() (*sts.CredentialResult, error)
		field string
	}{
		{"nil options", func() (*sts.CredentialResult, error) { return c.GetCredential(nil) }, "CredentialOptions"},
		{"no policy", func() (*sts.CredentialResult, error) { return c.GetCredential(&sts.CredentialOptions{}) }, "policy"},
		{"role without RoleArn", func() (*sts.CredentialResult, error) { return c.GetRoleCredential(&sts.CredentialOptions{Policy: p}) }, "role_arn"},
		{"role options on GetCredential", func() (*sts.CredentialResult, error) {
			return c.GetCredential(&sts.CredentialOptions{Policy: p, RoleArn: roleArn})
		}, "role_arn"},
		{"Name on GetRoleCredential", func() (*sts.CredentialResult, error) {
			return c.GetRoleCredential(&sts.CredentialOptions{RoleArn: roleArn, Name: "x"})
		}, "name"},
		{"duration too long", func() (*sts.CredentialResult, error) {
			return c.GetRoleCredential(&sts.CredentialOptions{RoleArn: roleArn, DurationSeconds: 43201})
		}, "duration_seconds"},
		{"negative duration", func() (*sts.CredentialResult, error) {
			return c.GetCredential(&sts.CredentialOptions{Policy: p, DurationSeconds: -5})
		}, "duration_seconds"},
		{"bad region", func() (*sts.CredentialResult, error) {
			return c.GetCredential(&sts.CredentialOptions{Policy: p, Region: "ap guangzhou"})
		}, "region"},
		{"empty policy", func() (*sts.CredentialResult, error) {
			return c.GetCredential(&sts.CredentialOptions{Policy: &sts.CredentialPolicy{}})
		}, "policy.statement"},
		{"retries out of range", func() (*sts.CredentialResult, error) {
			return emuClient(t, "default", sts.Retries(11)).GetCredential(&sts.CredentialOptions{Policy: p})
		}, "retries"},
		{"negative timeout", func() (*sts.CredentialResult, error) {
			return emuClient(t, "default", sts.Timeout(-2*time.Second)).GetCredential(&sts.CredentialOptions{Policy: p})
		}, "timeout_ms"},
		{"missing CA file", func() (*sts.CredentialResult, error) {
			return emuClient(t, "default", sts.CAFile("/nonexistent/ca.pem")).GetCredential(&sts.CredentialOptions{Policy: p})
		}, "ca_file"},
		{"Host given as a host name with a path", func() (*sts.CredentialResult, error) {
			return emuClient(t, "default", sts.Host("localhost/path")).GetCredential(&sts.CredentialOptions{Policy: p})
		}, "endpoint"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := tc.call()
			if res != nil {
				t.Fatalf("result with an error")
			}
			ce := clientErr(t, err, sts.ErrInvalidArgument, "Client.InvalidArgument")
			if !strings.HasPrefix(ce.Message, tc.field+": ") {
				t.Fatalf("message %q does not start with %q", ce.Message, tc.field+": ")
			}
		})
	}
}

func TestNetworkErrors(t *testing.T) {
	p := uploadPolicy(t)

	start := time.Now()
	c := sts.NewClient(emuID, emuKey, nil, sts.URL("http://127.0.0.1:1/"), sts.Retries(0))
	_, err := c.GetCredential(&sts.CredentialOptions{Policy: p})
	clientErr(t, err, sts.ErrNetwork, "Client.Network")
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("connection refused took %v", d)
	}

	_, err = emuClient(t, "drop", sts.Retries(0)).GetCredential(&sts.CredentialOptions{Policy: p})
	errorKind(t, err, sts.ErrNetwork)

	// A hung server: the per-attempt timeout, given as an option or through the vendor-style
	// *http.Client argument.
	for name, c := range map[string]*sts.Client{
		"Timeout option": emuClient(t, "hang", sts.Timeout(300*time.Millisecond), sts.Retries(0)),
		"http.Client":    sts.NewClient(emuID, emuKey, &http.Client{Timeout: 300 * time.Millisecond}, sts.URL(emulatorURL(t, "hang")), sts.Retries(0)),
	} {
		start = time.Now()
		_, err = c.GetRoleCredential(&sts.CredentialOptions{RoleArn: roleArn})
		d := time.Since(start)
		clientErr(t, err, sts.ErrNetwork, "Client.Timeout")
		if d < 250*time.Millisecond || d > 3*time.Second {
			t.Fatalf("%s: a 300 ms timeout took %v", name, d)
		}
	}
}

func TestBadResponses(t *testing.T) {
	p := uploadPolicy(t)
	_, err := emuClient(t, "http500", sts.Retries(0)).GetCredential(&sts.CredentialOptions{Policy: p})
	clientErr(t, err, sts.ErrBadResponse, "Client.HttpStatus")
	_, err = emuClient(t, "malformed", sts.Retries(0)).GetCredential(&sts.CredentialOptions{Policy: p})
	clientErr(t, err, sts.ErrBadResponse, "Client.BadResponse")
}

func TestRetriesRecoverFromTransientFailures(t *testing.T) {
	// The "flaky" emulator answers its first two requests with HTTP 503.
	res, err := emuClient(t, "flaky", sts.Retries(2)).GetCredential(&sts.CredentialOptions{Policy: uploadPolicy(t)})
	if err != nil {
		t.Fatalf("GetCredential with 2 retries over 2 failures: %v", err)
	}
	checkResult(t, res, 1800)
}

func TestSecretsAreNeverPrinted(t *testing.T) {
	c := emuClient(t, "default")
	res, err := c.GetCredential(&sts.CredentialOptions{Policy: uploadPolicy(t)})
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{res.Credentials.TmpSecretKey, res.Credentials.SessionToken, emuKey}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		for _, v := range []interface{}{res, *res, res.Credentials, *res.Credentials, c, *c} {
			out := fmt.Sprintf(format, v)
			for _, s := range secrets {
				if strings.Contains(out, s) {
					t.Fatalf("fmt %s of %T shows a secret: %s", format, v, out)
				}
			}
		}
	}
	if !strings.Contains(fmt.Sprintf("%+v", res), res.Credentials.TmpSecretID) {
		t.Fatalf("the TmpSecretID (not a secret) should stay visible")
	}
}

// 100 goroutines call at once, mixing both calls and failures, against an emulator that takes
// 100 ms per answer: all must get their own correct answer, and the calls must overlap.
func TestConcurrentCalls(t *testing.T) {
	const n = 100
	c := emuClient(t, "slow", sts.Retries(0))
	bad := sts.NewClient(emuID, "wrong-key", nil, sts.URL(emulatorURL(t, "slow")), sts.Retries(0))
	p := uploadPolicy(t)
	var wg sync.WaitGroup
	ready := make(chan struct{})
	errs := make([]error, n)
	ids := make([]string, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-ready
			var res *sts.CredentialResult
			var err error
			switch i % 4 {
			case 0:
				res, err = c.GetCredential(&sts.CredentialOptions{Policy: p, DurationSeconds: int64(600 + i)})
			case 1:
				res, err = c.GetRoleCredential(&sts.CredentialOptions{RoleArn: roleArn, DurationSeconds: int64(600 + i)})
			case 2:
				_, err = bad.GetCredential(&sts.CredentialOptions{Policy: p})
				var ce *sts.CredentialError
				if errors.As(err, &ce) && ce.Code == "AuthFailure.SignatureFailure" {
					err = nil
				} else {
					err = fmt.Errorf("want AuthFailure.SignatureFailure, got %v", err)
				}
				return
			case 3:
				var pol *sts.CredentialPolicy
				pol, err = sts.GetPolicy([]sts.Scope{sts.NewScope("name/cos:GetObject", bucket, "ap-guangzhou", fmt.Sprintf("u%d/*", i))})
				if err == nil && pol.Statement[0].Resource[0] != fmt.Sprintf("qcs::cos:ap-guangzhou:uid/1250000000:example-1250000000/u%d/*", i) {
					err = fmt.Errorf("policy for another goroutine: %v", pol.Statement[0].Resource)
				}
				errs[i] = err
				return
			}
			if err == nil && res.ExpiredTime-res.StartTime != 600+i {
				err = fmt.Errorf("answer of another request: duration %d, want %d", res.ExpiredTime-res.StartTime, 600+i)
			}
			if err == nil {
				ids[i] = res.Credentials.TmpSecretID
			}
			errs[i] = err
		}(i)
	}
	start := time.Now()
	close(ready)
	wg.Wait()
	elapsed := time.Since(start)
	for i, err := range errs {
		if err != nil {
			t.Errorf("goroutine %d: %v", i, err)
		}
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if id != "" && seen[id] {
			t.Errorf("two calls got the same TmpSecretId %s", id)
		}
		seen[id] = true
	}
	// 75 network calls of 100 ms each take 7.5 s one after another.
	if elapsed > 3*time.Second {
		t.Errorf("100 concurrent calls took %v: they do not run in parallel", elapsed)
	}
	t.Logf("100 goroutines (75 calls of 100 ms emulator latency, 25 GetPolicy) finished in %v", elapsed)
}

func BenchmarkGetPolicy(b *testing.B) {
	scopes := []sts.Scope{sts.NewScope("name/cos:PutObject", bucket, "ap-guangzhou", "dir/*")}
	for i := 0; i < b.N; i++ {
		if _, err := sts.GetPolicy(scopes); err != nil {
			b.Fatal(err)
		}
	}
}

// benchCredentialSetup gives the benchmarks a client on the default emulator and one policy.
func benchCredentialSetup(b *testing.B) (*sts.Client, *sts.CredentialOptions) {
	p, err := sts.GetPolicy([]sts.Scope{sts.NewScope("name/cos:PutObject", bucket, "ap-guangzhou", "dir/*")})
	if err != nil {
		b.Fatal(err)
	}
	return emuClient(b, "default"), &sts.CredentialOptions{Policy: p}
}

func BenchmarkGetCredential(b *testing.B) {
	c, opt := benchCredentialSetup(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.GetCredential(opt); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGetCredentialParallel(b *testing.B) {
	c, opt := benchCredentialSetup(b)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.GetCredential(opt); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// Host is the signed endpoint even when URL points elsewhere; Scheme("http") builds the URL
// from Host (loopback only).
func TestHostAndScheme(t *testing.T) {
	p := uploadPolicy(t)
	c := emuClient(t, "default", sts.Host("sts.internal.tencentcloudapi.com"))
	res, err := c.GetCredential(&sts.CredentialOptions{Policy: p})
	if err != nil {
		t.Fatalf("Host + URL: %v", err)
	}
	checkResult(t, res, 1800)

	hostPort := strings.TrimSuffix(strings.TrimPrefix(emulatorURL(t, "default"), "http://"), "/")
	c = sts.NewClient(emuID, emuKey, nil, sts.Host(hostPort), sts.Scheme("http"))
	res, err = c.GetRoleCredential(&sts.CredentialOptions{RoleArn: roleArn})
	if err != nil {
		t.Fatalf("Host + Scheme(http): %v", err)
	}
	checkResult(t, res, 1800)
}

package sts_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sts "github.com/libsts/libsts/bindings/go"
)

func TestGetCallerIdentity(t *testing.T) {
	c := emuClient(t, "default")
	id, err := c.GetCallerIdentity(nil)
	if err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	if id.Type != "RootAccount" || id.CredentialSource != "config" || id.AccountId == "" || id.UserId == "" ||
		id.PrincipalId == "" || id.RequestId == "" || !strings.HasPrefix(id.Arn, "qcs::cam::uin/") {
		t.Fatalf("caller identity of a permanent key from the config: %+v", id)
	}
	ctxID, err := c.GetCallerIdentityContext(context.Background(), &sts.CallerIdentityOptions{Region: "ap-shanghai"})
	if err != nil {
		t.Fatalf("GetCallerIdentityContext: %v", err)
	}
	if ctxID.Arn != id.Arn || ctxID.AccountId != id.AccountId || ctxID.RequestId == id.RequestId {
		t.Fatalf("the Context form answers another identity: %+v vs %+v", ctxID, id)
	}

	// A temporary key (with its token) is a CAMRole.
	tc := sts.NewClientWithCredential(staticCred{tempID, tempKey, tempToken}, nil, sts.URL(emulatorURL(t, "temporary")))
	tid, err := tc.GetCallerIdentity(&sts.CallerIdentityOptions{})
	if err != nil || tid.Type != "CAMRole" {
		t.Fatalf("caller identity of a temporary key: %+v %v", tid, err)
	}

	// Errors are the same types as the credential calls': the service's, the core's.
	_, err = sts.NewClient(emuID, "wrong-key-EXAMPLE", nil, sts.URL(emulatorURL(t, "default"))).GetCallerIdentity(nil)
	var svc *sts.CredentialError
	if !errors.As(err, &svc) || svc.Code != "AuthFailure.SignatureFailure" {
		t.Fatalf("a wrong key: want AuthFailure.SignatureFailure, got %v", err)
	}
	_, err = c.GetCallerIdentity(&sts.CallerIdentityOptions{Region: "ap guangzhou"})
	ce := clientErr(t, err, sts.ErrInvalidArgument, "Client.InvalidArgument")
	if !strings.HasPrefix(ce.Message, "region: ") {
		t.Fatalf("a bad region: want the core's message naming region, got %q", ce.Message)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err = c.GetCallerIdentityContext(ctx, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled context: got %v", err)
	}
}

// No SecretId/SecretKey in the Client: the binding passes none and the core resolves the
// environment (and, with the credential sources, the rest of its chain).
func TestNoSecretResolvesTheEnvironment(t *testing.T) {
	t.Setenv("TENCENTCLOUD_SECRET_ID", emuID)
	t.Setenv("TENCENTCLOUD_SECRET_KEY", emuKey)
	t.Setenv("TENCENTCLOUD_SESSION_TOKEN", "")
	c := sts.NewClient("", "", nil, sts.URL(emulatorURL(t, "default")))
	id, err := c.GetCallerIdentity(nil)
	if err != nil {
		t.Fatalf("GetCallerIdentity with the key pair from the environment: %v", err)
	}
	if id.CredentialSource != "env" || id.Type != "RootAccount" {
		t.Fatalf("want the environment's permanent key, got %+v", id)
	}
	res, err := c.GetRoleCredentialContext(context.Background(), &sts.CredentialOptions{RoleArn: roleArn})
	if err != nil {
		t.Fatalf("GetRoleCredentialContext with the environment's key: %v", err)
	}
	checkResult(t, res, 1800)

	// A temporary key from the environment: AssumeRole works, GetFederationToken is the core's
	// refusal as the binding's error, with nothing sent and the token not quoted.
	t.Setenv("TENCENTCLOUD_SECRET_ID", tempID)
	t.Setenv("TENCENTCLOUD_SECRET_KEY", tempKey)
	t.Setenv("TENCENTCLOUD_SESSION_TOKEN", tempToken)
	tc := sts.NewClient("", "", nil, sts.URL(emulatorURL(t, "temporary")))
	if res, err = tc.GetRoleCredential(&sts.CredentialOptions{RoleArn: roleArn}); err != nil {
		t.Fatalf("AssumeRole with the environment's temporary key: %v", err)
	}
	checkResult(t, res, 1800)
	for name, call := range map[string]func() error{
		"GetCredential": func() error { _, err := tc.GetCredential(&sts.CredentialOptions{Policy: uploadPolicy(t)}); return err },
		"GetCredentialContext": func() error {
			_, err := tc.GetCredentialContext(context.Background(), &sts.CredentialOptions{Policy: uploadPolicy(t)})
			return err
		},
	} {
		ce := clientErr(t, call(), sts.ErrInvalidArgument, "Client.InvalidArgument")
		if !strings.Contains(ce.Message, "sts_get_role_credential") || !strings.Contains(ce.Message, "TENCENTCLOUD_SESSION_TOKEN") {
			t.Fatalf("%s with a temporary key: want the core's refusal naming the token's source, got %q", name, ce.Message)
		}
		if strings.Contains(ce.Error(), tempToken) || strings.Contains(ce.Error(), tempKey) {
			t.Fatalf("%s: the refusal quotes a secret: %v", name, ce)
		}
	}
}

func webIdentityOptions() *sts.WebIdentityOptions {
	return &sts.WebIdentityOptions{ProviderId: oidcProvider, WebIdentityToken: oidcToken, RoleArn: roleArn,
		RoleSessionName: "pod-1", DurationSeconds: 900}
}

func TestAssumeRoleWithWebIdentity(t *testing.T) {
	// A Client with a key pair, as the vendor's: the unsigned call sends none of it.
	c := emuClient(t, "webidentity")
	res, err := c.AssumeRoleWithWebIdentity(webIdentityOptions())
	if err != nil {
		t.Fatalf("AssumeRoleWithWebIdentity: %v", err)
	}
	checkResult(t, res, 900)
	// The vendor's way of pointing a client somewhere, a client with no key, the defaults.
	vc := sts.NewClient("", "", nil, sts.Host(hostPort(t, "webidentity")), sts.Scheme("http"))
	opt := webIdentityOptions()
	opt.DurationSeconds, opt.RoleSessionName = 0, ""
	if res, err = vc.AssumeRoleWithWebIdentityContext(context.Background(), opt); err != nil {
		t.Fatalf("AssumeRoleWithWebIdentityContext: %v", err)
	}
	checkResult(t, res, 1800)

	// The token from a file, read at every call: a rotated token is picked up.
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte(oidcToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	opt = webIdentityOptions()
	opt.WebIdentityToken, opt.WebIdentityTokenFile = "", file
	if res, err = c.AssumeRoleWithWebIdentity(opt); err != nil {
		t.Fatalf("AssumeRoleWithWebIdentity with a token file: %v", err)
	}
	checkResult(t, res, 900)
	if err := os.WriteFile(file, []byte("rotated-oidc-token-EXAMPLE"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = c.AssumeRoleWithWebIdentity(opt)
	var svc *sts.CredentialError
	if !errors.As(err, &svc) || !strings.HasPrefix(svc.Code, "AuthFailure") && !strings.HasPrefix(svc.Code, "InvalidParameter") {
		t.Fatalf("a token the emulator does not know: want the service's refusal, got %v", err)
	}
	if strings.Contains(err.Error(), "rotated-oidc-token-EXAMPLE") {
		t.Fatalf("the service error quotes the token: %v", err)
	}

	// The core judges the options (the binding checks nothing) and names the key.
	for _, tc := range []struct {
		name   string
		edit   func(*sts.WebIdentityOptions)
		prefix string
	}{
		{"no provider", func(o *sts.WebIdentityOptions) { o.ProviderId = "" }, "provider_id: "},
		{"no role", func(o *sts.WebIdentityOptions) { o.RoleArn = "" }, "role_arn: "},
		{"no token", func(o *sts.WebIdentityOptions) { o.WebIdentityToken = "" }, "web_identity_token"},
		{"both token and file", func(o *sts.WebIdentityOptions) { o.WebIdentityTokenFile = file }, "web_identity_token"},
		{"duration", func(o *sts.WebIdentityOptions) { o.DurationSeconds = 43201 }, "duration_seconds: "},
		{"missing file", func(o *sts.WebIdentityOptions) {
			o.WebIdentityToken, o.WebIdentityTokenFile = "", filepath.Join(t.TempDir(), "absent")
		}, "web_identity_token_file: "},
	} {
		o := webIdentityOptions()
		tc.edit(o)
		for form, call := range map[string]func() error{
			"blocking": func() error { _, err := c.AssumeRoleWithWebIdentity(o); return err },
			"Context": func() error {
				_, err := c.AssumeRoleWithWebIdentityContext(context.Background(), o)
				return err
			},
		} {
			ce := clientErr(t, call(), sts.ErrInvalidArgument, "Client.InvalidArgument")
			if !strings.HasPrefix(ce.Message, tc.prefix) || strings.Contains(ce.Error(), oidcToken) {
				t.Fatalf("%s (%s): want the core's message starting %q without the token, got %q", tc.name, form, tc.prefix, ce.Message)
			}
		}
	}
	if _, err := c.AssumeRoleWithWebIdentity(nil); err == nil || !strings.Contains(err.Error(), "WebIdentityOptions: nil") {
		t.Fatalf("nil options: got %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	time.Sleep(time.Millisecond)
	if _, err := c.AssumeRoleWithWebIdentityContext(ctx, webIdentityOptions()); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("an expired context: got %v", err)
	}
	// Printing the options hides the token.
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if out := fmt.Sprintf(verb, *webIdentityOptions()); strings.Contains(out, oidcToken) || !strings.Contains(out, oidcProvider) {
			t.Fatalf("%s of WebIdentityOptions: %s", verb, out)
		}
	}
}

func TestAssumeRoleExtras(t *testing.T) {
	c := emuClient(t, "default")
	opt := &sts.CredentialOptions{RoleArn: roleArn, DurationSeconds: 1200,
		Tags:           []sts.Tag{{Key: "team", Value: "media"}, {Key: "env", Value: ""}},
		SourceIdentity: "user-1@example", SerialNumber: "qcs::cam::uin/100000000001:mfa/softToken", TokenCode: "654321"}
	res, err := c.GetRoleCredential(opt)
	if err != nil {
		t.Fatalf("AssumeRole with tags, SourceIdentity and MFA: %v", err)
	}
	checkResult(t, res, 1200)
	if res, err = c.GetRoleCredentialContext(context.Background(), opt); err != nil {
		t.Fatalf("GetRoleCredentialContext with the extras: %v", err)
	}
	checkResult(t, res, 1200)
	// What the core would send: every extra arrived (the MFA code is not echoed back).
	got := sts.NormalizedConfigForTest(t, c, opt)
	if fmt.Sprint(got["tags"]) != "[map[key:team value:media] map[key:env value:]]" ||
		got["source_identity"] != "user-1@example" || got["serial_number"] != opt.SerialNumber {
		t.Fatalf("the core's normalized config lacks the extras: tags %v, source_identity %v, serial_number %v",
			got["tags"], got["source_identity"], got["serial_number"])
	}
	if strings.Contains(fmt.Sprint(got), "654321") {
		t.Fatalf("the normalized config shows the MFA code: %v", got)
	}

	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		for _, v := range []interface{}{opt, *opt} {
			out := fmt.Sprintf(verb, v)
			if strings.Contains(out, "654321") || !strings.Contains(out, "user-1@example") || !strings.Contains(out, "softToken") {
				t.Fatalf("%s of %T: the MFA code shown or the rest hidden: %s", verb, v, out)
			}
		}
	}
	if out := fmt.Sprintf("%#v", *opt); !strings.HasPrefix(out, "sts.CredentialOptions{") {
		t.Fatalf("%%#v of CredentialOptions: %s", out)
	}

	tags := func(n int, last sts.Tag) []sts.Tag {
		list := make([]sts.Tag, n)
		for i := range list {
			list[i] = sts.Tag{Key: fmt.Sprintf("k%d", i), Value: "v"}
		}
		return append(list, last)
	}
	for _, tc := range []struct {
		edit   func(*sts.CredentialOptions)
		prefix string
	}{
		{func(o *sts.CredentialOptions) { o.Tags = tags(3, sts.Tag{Key: strings.Repeat("k", 129), Value: "v"}) }, "tags[3].key: "},
		{func(o *sts.CredentialOptions) { o.Tags = tags(2, sts.Tag{Key: "k0", Value: "again"}) }, "tags[2].key: "},
		{func(o *sts.CredentialOptions) { o.Tags = tags(50, sts.Tag{Key: "x"}) }, "tags: "},
		{func(o *sts.CredentialOptions) { o.SourceIdentity = "a b" }, "source_identity: "},
		{func(o *sts.CredentialOptions) { o.TokenCode = "" }, "token_code: "},
		{func(o *sts.CredentialOptions) { o.SerialNumber = "" }, "serial_number: "},
		{func(o *sts.CredentialOptions) { o.TokenCode = "65432" }, "token_code: "},
	} {
		o := *opt
		tc.edit(&o)
		_, err := c.GetRoleCredential(&o)
		ce := clientErr(t, err, sts.ErrInvalidArgument, "Client.InvalidArgument")
		if !strings.HasPrefix(ce.Message, tc.prefix) {
			t.Fatalf("want the core's message starting %q, got %q", tc.prefix, ce.Message)
		}
	}
	// GetFederationToken takes none of them: the core says which call they belong to.
	_, err = c.GetCredential(&sts.CredentialOptions{Policy: uploadPolicy(t), SourceIdentity: "user-1"})
	if ce := clientErr(t, err, sts.ErrInvalidArgument, "Client.InvalidArgument"); !strings.HasPrefix(ce.Message, "source_identity: ") {
		t.Fatalf("SourceIdentity with GetFederationToken: got %q", ce.Message)
	}
}

// The credential source options reach the core as they are: a pinned profile signs, and a
// bad value is the core's error naming the libsts key.
func TestCredentialSourceOptions(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "credentials")
	profile := fmt.Sprintf("[backend]\nsecret_id = %s\nsecret_key = %s\n", emuID, emuKey)
	if err := os.WriteFile(file, []byte(profile), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TENCENTCLOUD_CREDENTIALS_FILE", file)
	t.Setenv("TENCENTCLOUD_SECRET_ID", "")
	t.Setenv("TENCENTCLOUD_SECRET_KEY", "")
	c := sts.NewClient("", "", nil, sts.URL(emulatorURL(t, "default")), sts.CredentialSource("profile"), sts.Profile("backend"))
	id, err := c.GetCallerIdentity(nil)
	if err != nil {
		t.Fatalf("GetCallerIdentity with the profile's key: %v", err)
	}
	if id.CredentialSource != "profile" || id.Type != "RootAccount" {
		t.Fatalf("want the profile's permanent key, got %+v", id)
	}
	for _, tc := range []struct {
		opts []sts.ClientOption
		want string
	}{
		{[]sts.ClientOption{sts.CredentialSource("vault")}, "credential_source: "},
		{[]sts.ClientOption{sts.Profile("bad name\n")}, "profile: "},
		{[]sts.ClientOption{sts.CredentialSource("cvm"), sts.MetadataEndpoint("ftp://127.0.0.1:1/")}, "metadata_endpoint: "},
	} {
		// Read only while the metadata source is enabled (a loopback URL: nothing leaves the host).
		t.Setenv("TENCENTCLOUD_METADATA_DISABLED", "")
		opts := append([]sts.ClientOption{sts.URL(emulatorURL(t, "default"))}, tc.opts...)
		_, err := sts.NewClient("", "", nil, opts...).GetCallerIdentity(nil)
		var ce *sts.ClientError
		if !errors.As(err, &ce) || !strings.HasPrefix(ce.Message, tc.want) {
			t.Errorf("want the core's error starting %q, got %v", tc.want, err)
		}
	}
}

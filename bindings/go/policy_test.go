package sts_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	sts "github.com/libsts/libsts/bindings/go"
)

const bucket = "example-1250000000"

func mustJSON(t *testing.T, v interface{}) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestGetPolicyMatchesHandWrittenPolicies(t *testing.T) {
	cases := []struct {
		name   string
		scopes []sts.Scope
		want   *sts.CredentialPolicy
		// wantJSON is the exact JSON of the result, written by hand.
		wantJSON string
	}{
		{
			name:   "one scope",
			scopes: []sts.Scope{sts.NewScope("name/cos:PutObject", bucket, "ap-guangzhou", "dir/*")},
			want: &sts.CredentialPolicy{Version: "2.0", Statement: []sts.CredentialPolicyStatement{{
				Action:   []string{"name/cos:PutObject"},
				Effect:   "allow",
				Resource: []string{"qcs::cos:ap-guangzhou:uid/1250000000:example-1250000000/dir/*"},
			}}},
			wantJSON: `{"version":"2.0","statement":[{"action":["name/cos:PutObject"],"effect":"allow","resource":["qcs::cos:ap-guangzhou:uid/1250000000:example-1250000000/dir/*"]}]}`,
		},
		{
			name: "lists of actions and prefixes, two scopes",
			scopes: []sts.Scope{
				{Action: []string{"name/cos:PutObject", "name/cos:PostObject"}, Bucket: "photos-1250000001", Region: "ap-beijing", Prefix: []string{"a/*", "b.jpg"}},
				{Action: []string{"name/cos:GetObject"}, Bucket: bucket, Region: "ap-shanghai", Prefix: []string{"*"}},
			},
			want: &sts.CredentialPolicy{Version: "2.0", Statement: []sts.CredentialPolicyStatement{
				{
					Action: []string{"name/cos:PutObject", "name/cos:PostObject"},
					Effect: "allow",
					Resource: []string{
						"qcs::cos:ap-beijing:uid/1250000001:photos-1250000001/a/*",
						"qcs::cos:ap-beijing:uid/1250000001:photos-1250000001/b.jpg",
					},
				},
				{
					Action:   []string{"name/cos:GetObject"},
					Effect:   "allow",
					Resource: []string{"qcs::cos:ap-shanghai:uid/1250000000:example-1250000000/*"},
				},
			}},
		},
		{
			name:   "deny, ci service, leading slash keeps one slash",
			scopes: []sts.Scope{{Action: []string{"name/ci:CreateMediaJobs"}, Bucket: bucket, Region: "ap-guangzhou", Prefix: []string{"/jobs/*"}, Effect: "deny", Service: "ci"}},
			want: &sts.CredentialPolicy{Version: "2.0", Statement: []sts.CredentialPolicyStatement{{
				Action:   []string{"name/ci:CreateMediaJobs"},
				Effect:   "deny",
				Resource: []string{"qcs::ci:ap-guangzhou:uid/1250000000:bucket/example-1250000000/jobs/*"},
			}}},
		},
		{
			name: "condition passes through, numbers stay exact",
			scopes: []sts.Scope{{
				Action: []string{"name/cos:PutObject"}, Bucket: bucket, Region: "ap-guangzhou", Prefix: []string{"up/*"},
				Condition: map[string]map[string]interface{}{
					"ip_equal":                {"qcs:ip": []string{"10.0.0.1/32", "192.168.1.0/24"}},
					"numeric_less_than_equal": {"cos:content-length": 9007199254740993},
				},
			}},
			want: &sts.CredentialPolicy{Version: "2.0", Statement: []sts.CredentialPolicyStatement{{
				Action:   []string{"name/cos:PutObject"},
				Effect:   "allow",
				Resource: []string{"qcs::cos:ap-guangzhou:uid/1250000000:example-1250000000/up/*"},
				Condition: map[string]map[string]interface{}{
					"ip_equal":                {"qcs:ip": []interface{}{"10.0.0.1/32", "192.168.1.0/24"}},
					"numeric_less_than_equal": {"cos:content-length": json.Number("9007199254740993")},
				},
			}}},
		},
		{
			name:     "GetService alone gets resource *",
			scopes:   []sts.Scope{{Action: []string{"name/cos:GetService"}}},
			want:     &sts.CredentialPolicy{Version: "2.0", Statement: []sts.CredentialPolicyStatement{{Action: []string{"name/cos:GetService"}, Effect: "allow", Resource: []string{"*"}}}},
			wantJSON: `{"version":"2.0","statement":[{"action":["name/cos:GetService"],"effect":"allow","resource":["*"]}]}`,
		},
		{
			name:     "no scopes",
			scopes:   nil,
			want:     &sts.CredentialPolicy{Version: "2.0", Statement: []sts.CredentialPolicyStatement{}},
			wantJSON: `{"version":"2.0"}`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := sts.GetPolicy(tc.scopes)
			if err != nil {
				t.Fatalf("GetPolicy: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("GetPolicy:\n got %#v\nwant %#v", got, tc.want)
			}
			if tc.wantJSON != "" {
				if s := mustJSON(t, got); s != tc.wantJSON {
					t.Fatalf("JSON:\n got %s\nwant %s", s, tc.wantJSON)
				}
			}
		})
	}
}

func TestGetPolicyRefusesBadScopes(t *testing.T) {
	cases := []struct {
		name    string
		scope   sts.Scope
		mention string // the message names the faulty field
	}{
		{"no prefix", sts.Scope{Action: []string{"name/cos:PutObject"}, Bucket: bucket, Region: "ap-guangzhou"}, "scopes[0].prefix"},
		{"no action", sts.Scope{Bucket: bucket, Region: "ap-guangzhou", Prefix: []string{"*"}}, "scopes[0].action"},
		{"bucket without appid", sts.NewScope("name/cos:PutObject", "example", "ap-guangzhou", "*"), "scopes[0].bucket"},
		{"region with a colon", sts.NewScope("name/cos:PutObject", bucket, "ap:guangzhou", "*"), "scopes[0].region"},
		{"unknown effect", sts.Scope{Action: []string{"name/cos:PutObject"}, Bucket: bucket, Region: "ap-guangzhou", Prefix: []string{"*"}, Effect: "maybe"}, "scopes[0].effect"},
		{"unknown service", sts.Scope{Action: []string{"name/cos:PutObject"}, Bucket: bucket, Region: "ap-guangzhou", Prefix: []string{"*"}, Service: "cvm"}, "scopes[0].service"},
		{"GetService mixed with other actions", sts.Scope{Action: []string{"name/cos:GetService", "name/cos:PutObject"}, Bucket: bucket, Region: "ap-guangzhou", Prefix: []string{"*"}}, "scopes[0].action"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := sts.GetPolicy([]sts.Scope{tc.scope})
			if err == nil {
				t.Fatalf("GetPolicy accepted %+v: %s", tc.scope, mustJSON(t, p))
			}
			if !errors.Is(err, sts.ErrInvalidArgument) {
				t.Fatalf("want ErrInvalidArgument, got %v", err)
			}
			for _, other := range []error{sts.ErrNetwork, sts.ErrService, sts.ErrBadResponse, sts.ErrInternal} {
				if errors.Is(err, other) {
					t.Fatalf("%v also matches %v", err, other)
				}
			}
			var ce *sts.ClientError
			if !errors.As(err, &ce) || ce.Code != "Client.InvalidArgument" {
				t.Fatalf("want *ClientError Client.InvalidArgument, got %#v", err)
			}
			if !strings.Contains(ce.Message, tc.mention) {
				t.Fatalf("message %q does not name %s", ce.Message, tc.mention)
			}
		})
	}
}

// Invalid UTF-8 cannot reach the core faithfully (encoding/json would send U+FFFD instead), so
// Go refuses it, naming the field in the core's spelling and never quoting the value.
func TestInvalidUTF8IsRefusedBeforeC(t *testing.T) {
	_, err := sts.GetPolicy([]sts.Scope{sts.NewScope("name/cos:PutObject", bucket, "ap-guangzhou", "dir\xff/*")})
	wantInvalid(t, err, "scopes[0].prefix[0]: not valid UTF-8")
	_, err = sts.GetPolicy([]sts.Scope{{Action: []string{"name/cos:PutObject"}, Bucket: bucket, Region: "ap-guangzhou", Prefix: []string{"*"},
		Condition: map[string]map[string]interface{}{"string_equal": {"cos:x": []interface{}{"a", "b\xffc"}}}}})
	wantInvalid(t, err, "scopes[0].condition.string_equal.cos:x[1]: not valid UTF-8")

	c := sts.NewClient(emuID, "secret\xfftail", nil, sts.URL("http://127.0.0.1:1/"))
	_, err = c.GetCredential(&sts.CredentialOptions{Policy: simplePolicy(t)})
	wantInvalid(t, err, "secret_key: not valid UTF-8")
	if strings.Contains(err.Error(), "tail") {
		t.Fatalf("the error quotes the secret: %v", err)
	}
}

// Only invalid bytes are refused: a real U+FFFD and the six characters \ufffd are values like
// any other, and reach the core unchanged (toJSON walks the value only when encoding/json's
// output holds the escape it writes for an invalid byte).
func TestReplacementCharacterAndItsEscapeTextPass(t *testing.T) {
	for _, prefix := range []string{"dir\uFFFD/*", `dir\ufffd/*`} {
		p, err := sts.GetPolicy([]sts.Scope{sts.NewScope("name/cos:PutObject", bucket, "ap-guangzhou", prefix)})
		if err != nil {
			t.Fatalf("prefix %q: %v", prefix, err)
		}
		if got := p.Statement[0].Resource[0]; !strings.HasSuffix(got, "/"+prefix) {
			t.Fatalf("prefix %q: resource %q", prefix, got)
		}
	}
}

// A condition value that contains itself cannot be encoded: refused naming the field.
func TestSelfContainingConditionIsRefusedNamingTheField(t *testing.T) {
	loop := []interface{}{"a", nil}
	loop[1] = loop
	_, err := sts.GetPolicy([]sts.Scope{{Action: []string{"name/cos:PutObject"}, Bucket: bucket, Region: "ap-guangzhou", Prefix: []string{"*"},
		Condition: map[string]map[string]interface{}{"string_equal": {"cos:x": loop}}}})
	wantInvalid(t, err, "scopes[0].condition.string_equal.cos:x")
}

// A NUL or another control character crosses as a JSON escape (\u0000) and the core refuses it
// with its own message, as for every binding. (Needs the core's control-character rule.)
func TestControlCharactersAreRefusedByTheCore(t *testing.T) {
	_, err := sts.GetPolicy([]sts.Scope{sts.NewScope("name/cos:PutObject", bucket, "ap-guangzhou", "dir\x00/*")})
	wantInvalid(t, err, "scopes[0].prefix")
	if !strings.Contains(err.Error(), "control character") {
		t.Fatalf("NUL in a prefix: %v", err)
	}

	c := sts.NewClient(emuID, "secret\x00tail", nil, sts.URL("http://127.0.0.1:1/"), sts.Retries(0))
	_, err = c.GetCredential(&sts.CredentialOptions{Policy: simplePolicy(t)})
	wantInvalid(t, err, "secret_key: ")
	if strings.Contains(err.Error(), "tail") {
		t.Fatalf("the error quotes the secret: %v", err)
	}
}

// wantInvalid asserts an invalid-argument *ClientError whose message starts with prefix.
func wantInvalid(t *testing.T, err error, prefix string) {
	t.Helper()
	var ce *sts.ClientError
	if !errors.Is(err, sts.ErrInvalidArgument) || !errors.As(err, &ce) || ce.StsCode != sts.StsInvalidArgument {
		t.Fatalf("want an invalid-argument *ClientError starting with %q, got %v", prefix, err)
	}
	if !strings.HasPrefix(ce.Message, prefix) {
		t.Fatalf("message %q does not start with %q", ce.Message, prefix)
	}
}

func simplePolicy(t *testing.T) *sts.CredentialPolicy {
	t.Helper()
	p, err := sts.GetPolicy([]sts.Scope{sts.NewScope("name/cos:PutObject", bucket, "ap-guangzhou", "dir/*")})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLibraryVersion(t *testing.T) {
	v := sts.LibraryVersion()
	if parts := strings.Split(v, "."); len(parts) != 3 {
		t.Fatalf("LibraryVersion() = %q, want MAJOR.MINOR.PATCH", v)
	}
}

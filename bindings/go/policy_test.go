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

func TestNULAndInvalidUTF8AreRefusedBeforeC(t *testing.T) {
	for _, prefix := range []string{"dir\x00/*", "dir\xff/*"} {
		_, err := sts.GetPolicy([]sts.Scope{sts.NewScope("name/cos:PutObject", bucket, "ap-guangzhou", prefix)})
		var ce *sts.ClientError
		if !errors.Is(err, sts.ErrInvalidArgument) || !errors.As(err, &ce) || !strings.Contains(ce.Message, "scopes[0].prefix[0]") {
			t.Fatalf("prefix %q: want an invalid-argument error naming scopes[0].prefix[0], got %v", prefix, err)
		}
	}
	_, err := sts.GetPolicy([]sts.Scope{{Action: []string{"name/cos:PutObject"}, Bucket: bucket, Region: "ap-guangzhou", Prefix: []string{"*"},
		Condition: map[string]map[string]interface{}{"string_equal": {"cos:x": []interface{}{"a", "b\x00c"}}}}})
	if !errors.Is(err, sts.ErrInvalidArgument) || !strings.Contains(err.Error(), "NUL") {
		t.Fatalf("NUL in a condition: got %v", err)
	}

	c := sts.NewClient("AKIDEMULATOREXAMPLE0000000000000000", "secret\x00tail", nil, sts.URL("http://127.0.0.1:1/"))
	_, err = c.GetCredential(&sts.CredentialOptions{Policy: simplePolicy(t)})
	if !errors.Is(err, sts.ErrInvalidArgument) || !strings.Contains(err.Error(), "secret_key") {
		t.Fatalf("NUL in the secret key: got %v", err)
	}
	if strings.Contains(err.Error(), "tail") {
		t.Fatalf("the error quotes the secret: %v", err)
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

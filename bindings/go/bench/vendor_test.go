package main

// The vendor SDK itself against the emulator: it signs the legacy signature v1, which the
// emulator verifies as STS does, so it gets real keys (the benchmark counts only those) and the
// service's error codes. Run by ../test.sh, which sets STS_EMULATOR_URL to a loopback emulator.

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	vendor "github.com/tencentyun/qcloud-cos-sts-sdk/go"
)

func vendorClient(t *testing.T, id, key string) *vendor.Client {
	t.Helper()
	url := os.Getenv("STS_EMULATOR_URL")
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("STS_EMULATOR_URL must be the loopback emulator, http://127.0.0.1:PORT/ (run ../test.sh), not %q", url)
	}
	host := strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/")
	return vendor.NewClient(id, key, nil, vendor.Host(host), vendor.Scheme("http"))
}

func vendorPolicy() *vendor.CredentialPolicy {
	return &vendor.CredentialPolicy{Statement: []vendor.CredentialPolicyStatement{{
		Action: []string{"name/cos:PutObject"}, Effect: "allow", Resource: []string{resource},
	}}}
}

func checkIssued(t *testing.T, what string, r *vendor.CredentialResult, err error, duration int) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	c := r.Credentials
	if c == nil || !strings.HasPrefix(c.TmpSecretID, "AKID") || len(c.TmpSecretKey) != 44 || len(c.SessionToken) < 100 {
		t.Fatalf("%s: the answer holds no well-formed credential", what)
	}
	if left := r.ExpiredTime - int(time.Now().Unix()); left < duration-5 || left > duration+5 {
		t.Fatalf("%s: ExpiredTime is %d s away, want about %d", what, left, duration)
	}
	if r.StartTime != r.ExpiredTime-duration || r.Expiration == "" || r.RequestId == "" {
		t.Fatalf("%s: StartTime %d, Expiration %q, RequestId %q", what, r.StartTime, r.Expiration, r.RequestId)
	}
}

func TestVendorGetCredentialAndGetRoleCredentialGetRealKeys(t *testing.T) {
	c := vendorClient(t, secretID, secretKey)
	r, err := c.GetCredential(&vendor.CredentialOptions{Policy: vendorPolicy(), DurationSeconds: 900})
	checkIssued(t, "GetCredential", r, err, 900)
	again, err := c.GetCredential(&vendor.CredentialOptions{Policy: vendorPolicy()})
	checkIssued(t, "GetCredential", again, err, 1800)
	if again.Credentials.TmpSecretID == r.Credentials.TmpSecretID {
		t.Fatal("the same TmpSecretId twice: not fresh keys")
	}
	// No policy and no ExternalId: the SDK sends both empty, which STS reads as absent.
	r, err = c.GetRoleCredential(&vendor.CredentialOptions{
		RoleArn: "qcs::cam::uin/100000000001:roleName/cos-uploader", RoleSessionName: "cos-sts-go",
	})
	checkIssued(t, "GetRoleCredential", r, err, 1800)
}

func TestVendorFailuresGetTheServicesCodes(t *testing.T) {
	for _, tc := range []struct {
		name, id, key string
		duration      int64
		code          string
	}{
		{"wrong key", secretID, "wrong-key-EXAMPLE", 0, "AuthFailure.SignatureFailure"},
		{"unknown id", "AKIDUNKNOWNEXAMPLE", secretKey, 0, "AuthFailure.SecretIdNotFound"},
		{"duration", secretID, secretKey, 129601, "InvalidParameterValue"},
	} {
		_, err := vendorClient(t, tc.id, tc.key).GetCredential(&vendor.CredentialOptions{
			Policy: vendorPolicy(), DurationSeconds: tc.duration,
		})
		var ce *vendor.CredentialError
		if !errors.As(err, &ce) || ce.Code != tc.code {
			t.Errorf("%s: got %v, want the service error %s", tc.name, err, tc.code)
		}
	}
}

package sts_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/ioutil"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	sts "github.com/libsts/libsts/bindings/go"
)

// hostPort is the emulator's address, for the vendor way of pointing a client somewhere:
// Host("127.0.0.1:PORT") plus Scheme("http").
func hostPort(t *testing.T, variant string) string {
	return strings.TrimSuffix(strings.TrimPrefix(emulatorURL(t, variant), "http://"), "/")
}

// The vendor demo's options: a hand-written policy with a condition, an hour, a region.
func vendorOptions() *sts.CredentialOptions {
	return &sts.CredentialOptions{
		DurationSeconds: int64(time.Hour.Seconds()),
		Region:          "ap-guangzhou",
		Policy: &sts.CredentialPolicy{
			Version: "2.0",
			Statement: []sts.CredentialPolicyStatement{{
				Action:   []string{"name/cos:PostObject", "name/cos:PutObject", "name/cos:InitiateMultipartUpload"},
				Effect:   "allow",
				Resource: []string{"qcs::cos:ap-guangzhou:uid/1250000000:" + bucket + "/exampleobject"},
				Condition: map[string]map[string]interface{}{
					"ip_equal": {"qcs:ip": []string{"10.1.1.0/24"}},
				},
			}},
		},
	}
}

// Every public name the vendor's go/example programs use, the way they use it.
func TestVendorStyleCalls(t *testing.T) {
	c := sts.NewClient(emuID, emuKey, nil, sts.Host(hostPort(t, "default")), sts.Scheme("http"))
	res, err := c.GetCredential(vendorOptions())
	if err != nil {
		t.Fatalf("GetCredential: %v", err)
	}
	checkResult(t, res, 3600)
	if out := fmt.Sprintf("%+v %+v", res, res.Credentials); strings.Contains(out, res.Credentials.TmpSecretKey) || strings.Contains(out, res.Credentials.SessionToken) {
		t.Fatalf("printing the result shows a secret: %s", out)
	}

	resp, err := c.RequestCredential(vendorOptions())
	if err != nil {
		t.Fatalf("RequestCredential: %v", err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	bs, err := ioutil.ReadAll(resp.Body)
	if err != nil || resp.Body.Close() != nil {
		t.Fatalf("reading the body: %v", err)
	}
	if resp.ContentLength != int64(len(bs)) {
		t.Fatalf("ContentLength %d for %d bytes", resp.ContentLength, len(bs))
	}
	// STS's own shape, decoded as a vendor user decodes it.
	var raw struct {
		Response map[string]json.RawMessage
	}
	if err := json.Unmarshal(bs, &raw); err != nil {
		t.Fatalf("body is not JSON: %v", err)
	}
	for _, k := range []string{"Credentials", "ExpiredTime", "Expiration", "RequestId"} {
		if _, ok := raw.Response[k]; !ok {
			t.Fatalf("Response has no %s", k)
		}
	}
	if _, ok := raw.Response["StartTime"]; ok {
		t.Fatal("Response has a StartTime, which STS's does not")
	}
	var complete sts.CredentialCompleteResult
	if err := json.Unmarshal(bs, &complete); err != nil || complete.Response == nil {
		t.Fatalf("CredentialCompleteResult: %v", err)
	}
	r := complete.Response
	if r.Credentials == nil || r.Credentials.TmpSecretID == "" || r.Credentials.TmpSecretKey == "" || r.Credentials.SessionToken == "" ||
		r.RequestId == "" || r.Error != nil || r.ExpiredTime-int(time.Now().Unix()) < 3500 {
		t.Fatalf("RequestCredential body: %+v", r)
	}
	if r.Credentials.TmpSecretID == res.Credentials.TmpSecretID {
		t.Fatal("RequestCredential returned the previous call's key: it must send its own request")
	}

	res, err = c.GetRoleCredential(&sts.CredentialOptions{
		DurationSeconds: int64(time.Hour.Seconds()),
		Region:          "ap-guangzhou",
		RoleArn:         roleArn,
		RoleSessionName: "test",
	})
	if err != nil {
		t.Fatalf("GetRoleCredential: %v", err)
	}
	checkResult(t, res, 3600)

	// SetHost / SetScheme, and a Credential as the CredentialIface.
	c2 := sts.NewClientWithCredential(&sts.Credential{SecretId: emuID, SecretKey: emuKey}, nil)
	c2.SetHost(hostPort(t, "default"))
	c2.SetScheme("http")
	res, err = c2.GetCredential(vendorOptions())
	if err != nil {
		t.Fatalf("NewClientWithCredential(&Credential{...}) + SetHost + SetScheme: %v", err)
	}
	checkResult(t, res, 3600)
	tmp := &sts.Credential{SecretId: tempID, SecretKey: tempKey, Token: tempToken}
	if out := fmt.Sprintf("%v %+v %#v %s", *tmp, *tmp, *tmp, *tmp); strings.Contains(out, tempKey) || strings.Contains(out, tempToken) {
		t.Fatalf("printing a Credential shows its secret: %s", out)
	}
	res, err = sts.NewClientWithCredential(tmp, nil, sts.Host(hostPort(t, "temporary")), sts.Scheme("http")).GetCredential(vendorOptions())
	if err != nil {
		t.Fatalf("a temporary Credential with its Token: %v", err)
	}
	checkResult(t, res, 3600)
}

// RequestCredential answers STS's refusal in the body with a nil error, as the vendor's did;
// other failures are errors.
func TestRequestCredentialErrors(t *testing.T) {
	c := sts.NewClient(emuID, "wrong-key-EXAMPLE", nil, sts.Host(hostPort(t, "default")), sts.Scheme("http"))
	resp, err := c.RequestCredential(vendorOptions())
	if err != nil {
		t.Fatalf("a service error must come in the body, got %v", err)
	}
	var complete sts.CredentialCompleteResult
	if err := json.NewDecoder(resp.Body).Decode(&complete); err != nil || complete.Response == nil {
		t.Fatalf("body: %v", err)
	}
	resp.Body.Close()
	if e := complete.Response.Error; e == nil || e.Code != "AuthFailure.SignatureFailure" || e.Message == "" ||
		complete.Response.RequestId == "" || complete.Response.Credentials != nil {
		t.Fatalf("body of a refused call: %+v (error %+v)", complete.Response, complete.Response.Error)
	}

	c = sts.NewClient(emuID, emuKey, nil, sts.URL("http://127.0.0.1:9/"), sts.Retries(0))
	if resp, err := c.RequestCredential(vendorOptions()); resp != nil || !errors.Is(err, sts.ErrNetwork) {
		t.Fatalf("connection refused: %v %v, want ErrNetwork", resp, err)
	}
	c = sts.NewClient(emuID, emuKey, nil, sts.URL(emulatorURL(t, "malformed")), sts.Retries(0))
	if resp, err := c.RequestCredential(vendorOptions()); resp != nil || !errors.Is(err, sts.ErrBadResponse) {
		t.Fatalf("malformed answer: %v %v, want ErrBadResponse", resp, err)
	}
	_, err = c.RequestCredential(nil)
	wantInvalid(t, err, "CredentialOptions: nil")
	_, err = c.RequestCredential(&sts.CredentialOptions{})
	wantInvalid(t, err, "policy: ")
}

// testdata/vendordemo is a program using the package as the vendor's demo does, with only the
// import path changed: it must build, and run against the emulator.
func TestVendorStyleProgramBuildsAndRuns(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "vendordemo")
	// The default (in-checkout) cgo flags: this checks the API, not the link flavour.
	build := exec.Command("go", "build", "-o", bin, "./testdata/vendordemo")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./testdata/vendordemo: %v\n%s", err, out)
	}
	run := exec.Command(bin)
	run.Env = append(os.Environ(), "SECRETID="+emuID, "SECRETKEY="+emuKey, "STS_HOST="+hostPort(t, "default"))
	out, err := run.CombinedOutput()
	if err != nil {
		t.Fatalf("vendordemo: %v\n%s", err, out)
	}
	text := string(out)
	if strings.Count(text, "TmpSecretID:AKID") != 4 || !strings.Contains(text, "TmpSecretKey:***") ||
		!regexp.MustCompile(`body:\{"Response":\{"Credentials":\{"TmpSecretId":"[^"]+","TmpSecretKey":"[^"]+","Token":"[^"]+"\}`).MatchString(text) {
		t.Fatalf("vendordemo printed:\n%s", text)
	}
}

package sts_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	sts "github.com/libsts/libsts/bindings/go"
)

// Builds the policy for an upload scope; no network is involved.
func ExampleGetPolicy() {
	policy, err := sts.GetPolicy([]sts.Scope{
		sts.NewScope("name/cos:PutObject", "example-1250000000", "ap-guangzhou", "uploads/user-1/*"),
		{Action: []string{"name/cos:GetObject", "name/cos:HeadObject"}, Bucket: "example-1250000000", Region: "ap-guangzhou", Prefix: []string{"public/*"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	out, _ := json.MarshalIndent(policy, "", "  ")
	fmt.Println(string(out))
	// Output:
	// {
	//   "version": "2.0",
	//   "statement": [
	//     {
	//       "action": [
	//         "name/cos:PutObject"
	//       ],
	//       "effect": "allow",
	//       "resource": [
	//         "qcs::cos:ap-guangzhou:uid/1250000000:example-1250000000/uploads/user-1/*"
	//       ]
	//     },
	//     {
	//       "action": [
	//         "name/cos:GetObject",
	//         "name/cos:HeadObject"
	//       ],
	//       "effect": "allow",
	//       "resource": [
	//         "qcs::cos:ap-guangzhou:uid/1250000000:example-1250000000/public/*"
	//       ]
	//     }
	//   ]
	// }
}

// Gets temporary upload keys. Here the client talks to the local STS emulator (URL); in
// production leave URL out (https://sts.tencentcloudapi.com/) and read the key pair from
// your secret store.
func ExampleClient_GetCredential() {
	c := sts.NewClient(
		"AKIDEMULATOREXAMPLE0000000000000000", // SecretId
		"emulator-secret-key-EXAMPLE",         // SecretKey
		nil,
		sts.URL(os.Getenv("STS_EMULATOR_URL")), // e.g. http://127.0.0.1:PORT/
		sts.Retries(0),
	)
	policy, err := sts.GetPolicy([]sts.Scope{
		sts.NewScope("name/cos:PutObject", "example-1250000000", "ap-guangzhou", "uploads/user-1/*"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := c.GetCredential(&sts.CredentialOptions{Policy: policy, DurationSeconds: 1800})
	var serviceErr *sts.CredentialError
	switch {
	case errors.As(err, &serviceErr):
		fmt.Println("STS refused:", serviceErr.Code, serviceErr.RequestId)
		return
	case errors.Is(err, sts.ErrNetwork):
		fmt.Println("STS unreachable:", err)
		return
	case err != nil:
		fmt.Println(err)
		return
	}
	// Send res (json.Marshal) to the client; never log it: it holds the temporary secret key.
	fmt.Println(res.Credentials.TmpSecretID != "", res.ExpiredTime-res.StartTime)
	// Output: true 1800
}

// Asks STS who the key is: a start-up or health check. With "" for both, libsts resolves the
// key itself (the environment, a profile, TKE OIDC, CVM) and CredentialSource says which.
func ExampleClient_GetCallerIdentity() {
	c := sts.NewClient("AKIDEMULATOREXAMPLE0000000000000000", "emulator-secret-key-EXAMPLE", nil,
		sts.URL(os.Getenv("STS_EMULATOR_URL")))
	id, err := c.GetCallerIdentity(nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(id.Type, id.CredentialSource, id.AccountId != "")
	// Output: RootAccount config true
}

// A user's program of the Go package, built by packaging/go/user-test.sh against the unpacked C
// package through pkg-config: one GetPolicy, one credential call and one upload credential
// against the emulator whose URL it is given.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	sts "github.com/libsts/libsts/bindings/go"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: app STS_URL")
		os.Exit(2)
	}
	fmt.Println("version", sts.Version, sts.LibraryVersion())
	policy, err := sts.GetPolicy([]sts.Scope{
		sts.NewScope("name/cos:PutObject", "example-1250000000", "ap-guangzhou", "uploads/user-42/*"),
	})
	if err != nil {
		fail(err)
	}
	out, _ := json.Marshal(policy)
	fmt.Println("policy", string(out))

	c := sts.NewClient("", "", nil, sts.URL(os.Args[1])) // the key pair from TENCENTCLOUD_SECRET_ID/_KEY
	res, err := c.GetCredential(&sts.CredentialOptions{Policy: policy, DurationSeconds: 900})
	if err != nil {
		fail(err)
	}
	fmt.Println("credential", res.Credentials.TmpSecretID != "", res.Credentials.SessionToken != "", res.ExpiredTime-res.StartTime)

	up, err := c.GetUploadCredential(&sts.UploadOptions{Bucket: "example-1250000000", Filename: "cat.PNG", AllowExt: []string{"png"}})
	if err != nil {
		fail(err)
	}
	fmt.Println("upload", up.Bucket, up.Key)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "app:", err)
	os.Exit(1)
}

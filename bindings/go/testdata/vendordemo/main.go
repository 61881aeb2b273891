// A program written the way the vendor SDK's go/example/sts_demo.go uses it (our own code;
// only the import path is ours): NewClient with a nil *http.Client and the Host/Scheme options,
// CredentialOptions with a hand-written CredentialPolicy, GetCredential, RequestCredential with
// the raw response body, GetRoleCredential. vendor_test.go builds it and runs it against the
// emulator (STS_HOST=127.0.0.1:PORT; the vendor demo leaves Host commented out).
package main

import (
	"fmt"
	"io/ioutil"
	"os"
	"time"

	"github.com/libsts/libsts/bindings/go"
)

func main() {
	appid := "1250000000"
	bucket := "example-1250000000"
	c := sts.NewClient(
		os.Getenv("SECRETID"),
		os.Getenv("SECRETKEY"),
		nil,
		sts.Host(os.Getenv("STS_HOST")),
		sts.Scheme("http"),
	)
	opt := &sts.CredentialOptions{
		DurationSeconds: int64(time.Hour.Seconds()),
		Region:          "ap-guangzhou",
		Policy: &sts.CredentialPolicy{
			Statement: []sts.CredentialPolicyStatement{
				{
					Action:   []string{"name/cos:PostObject", "name/cos:PutObject", "name/cos:UploadPart"},
					Effect:   "allow",
					Resource: []string{"qcs::cos:ap-guangzhou:uid/" + appid + ":" + bucket + "/exampleobject"},
					Condition: map[string]map[string]interface{}{
						"ip_equal": map[string]interface{}{"qcs:ip": []string{"10.1.1.0/24"}},
					},
				},
			},
		},
	}

	res, err := c.GetCredential(opt)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%+v\n", res)
	fmt.Printf("%+v\n", res.Credentials)

	resp, err := c.RequestCredential(opt)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	bs, _ := ioutil.ReadAll(resp.Body)
	fmt.Printf("body:%v\n", string(bs))

	opt = &sts.CredentialOptions{
		DurationSeconds: int64(time.Hour.Seconds()),
		Region:          "ap-guangzhou",
		RoleArn:         "qcs::cam::uin/100000000001:roleName/cos-uploader",
		RoleSessionName: "test",
	}
	res, err = c.GetRoleCredential(opt)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%+v\n", res)
	fmt.Printf("%+v\n", res.Credentials)
}

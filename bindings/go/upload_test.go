package sts_test

import (
	"context"
	"encoding/json"
	"reflect"
	"regexp"
	"testing"
	"time"

	sts "github.com/libsts/libsts/bindings/go"
)

var defaultKey = regexp.MustCompile(`^file/([0-9]{8})/([0-9]{8})_[0-9a-f]{16}(\.[a-z0-9]+)?$`)

func TestGetUploadCredential(t *testing.T) {
	e := startCountingEmulator(t)
	c := sts.NewClient(emuID, emuKey, nil, sts.URL(e.url))
	opt := &sts.UploadOptions{
		Bucket: bucket, Region: "ap-guangzhou", DurationSeconds: 900,
		Filename: "Holiday Photo.JPG", AllowExt: []string{"jpg", ".PNG"},
		ContentType: []string{"image/*"}, MaxBytes: 5 << 20,
	}
	res, err := c.GetUploadCredential(opt)
	if err != nil {
		t.Fatalf("GetUploadCredential: %v", err)
	}
	checkResult(t, &res.CredentialResult, 900)
	if res.Bucket != bucket || res.Region != "ap-guangzhou" {
		t.Fatalf("Bucket, Region = %q, %q", res.Bucket, res.Region)
	}
	m := defaultKey.FindStringSubmatch(res.Key)
	today := time.Now().UTC().Format("20060102")
	if m == nil || m[3] != ".jpg" || m[1] != m[2] || (m[1] != today && m[1] != time.Now().UTC().Add(-time.Minute).Format("20060102")) {
		t.Fatalf("key %q does not follow file/{date}/{date}_{random}.jpg", res.Key)
	}

	// The JSON for the client: the credential fields plus Bucket, Region and Key.
	var doc map[string]interface{}
	if err := json.Unmarshal([]byte(mustJSON(t, res)), &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"Credentials", "ExpiredTime", "Expiration", "StartTime", "RequestId"} {
		if _, ok := doc[k]; !ok {
			t.Fatalf("JSON has no %s: %v", k, doc)
		}
	}
	if doc["Bucket"] != bucket || doc["Region"] != "ap-guangzhou" || doc["Key"] != res.Key {
		t.Fatalf("JSON Bucket/Region/Key: %v %v %v", doc["Bucket"], doc["Region"], doc["Key"])
	}

	// A fresh key on every call, also through the Context call, with Ext instead of Filename.
	seen := map[string]bool{res.Key: true}
	for i := 0; i < 50; i++ {
		opt := &sts.UploadOptions{Bucket: bucket, Ext: "PNG", KeyTemplate: "avatars/user-7/{random}{ext}"}
		var r *sts.UploadCredentialResult
		if i%2 == 0 {
			r, err = c.GetUploadCredential(opt)
		} else {
			r, err = c.GetUploadCredentialContext(context.Background(), opt)
		}
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		if !regexp.MustCompile(`^avatars/user-7/[0-9a-f]{16}\.png$`).MatchString(r.Key) || seen[r.Key] {
			t.Fatalf("call %d: key %q repeats or does not follow the template", i, r.Key)
		}
		seen[r.Key] = true
	}
	if n := e.requestsSoFar(t); n != 51 {
		t.Fatalf("%d requests reached STS for 51 upload calls", n)
	}

	// Refusals: libsts's own messages, naming the libsts key, before any request.
	for _, tc := range []struct {
		opt    *sts.UploadOptions
		prefix string
	}{
		{&sts.UploadOptions{Bucket: bucket, Ext: "exe", AllowExt: []string{"jpg", "png"}}, "upload.ext: "},
		{&sts.UploadOptions{Bucket: bucket, AllowExt: []string{"jpg"}}, "upload.ext: "},
		{&sts.UploadOptions{Bucket: bucket, Filename: "photo.j*g"}, "upload.ext: "},
		{&sts.UploadOptions{Bucket: bucket, Ext: ".*"}, "upload.ext: "},
		{&sts.UploadOptions{Bucket: bucket, Filename: "a.jpg", Ext: "jpg"}, "upload.ext: "},
		{&sts.UploadOptions{Bucket: bucket, KeyTemplate: "file/{date}{ext}"}, "upload.key_template: "},
		{&sts.UploadOptions{Bucket: bucket, KeyTemplate: "file/../{random}"}, "upload.key_template: "},
		{&sts.UploadOptions{Bucket: bucket, ContentType: []string{"image/*", "bad\ntype"}}, "upload.content_type[1]: "},
		{&sts.UploadOptions{Bucket: bucket, MaxBytes: -1}, "upload.max_bytes: "},
		{&sts.UploadOptions{Ext: "jpg"}, "bucket: "},
		{&sts.UploadOptions{Bucket: bucket, DurationSeconds: 1 << 40}, "duration_seconds: "},
	} {
		_, err := c.GetUploadCredential(tc.opt)
		wantInvalid(t, err, tc.prefix)
		_, err = c.GetUploadCredentialContext(context.Background(), tc.opt)
		wantInvalid(t, err, tc.prefix)
	}
	_, err = c.GetUploadCredential(nil)
	wantInvalid(t, err, "UploadOptions: nil")
	if n := e.requestsSoFar(t); n != 51 {
		t.Fatalf("refused upload calls sent %d requests", n-51)
	}
}

// The options reach libsts as the core's `upload` object: the policy it would send grants the
// one key, with the conditions asked for (sts_check_config shows it, {random} unfilled).
func TestUploadPolicyHasOneResourceAndTheConditions(t *testing.T) {
	got := sts.UploadPolicyForTest(t, sts.NewClient(emuID, emuKey, nil), &sts.UploadOptions{
		Bucket: bucket, Region: "ap-beijing", Ext: ".Jpg", ContentType: []string{"image/*"}, MaxBytes: 1024,
		KeyTemplate: "u/{random}{ext}",
	})
	if len(got.Statement) != 1 {
		t.Fatalf("statements: %+v", got.Statement)
	}
	st := got.Statement[0]
	if want := []string{"qcs::cos:ap-beijing:uid/1250000000:" + bucket + "/u/{random}.jpg"}; !reflect.DeepEqual(st.Resource, want) {
		t.Fatalf("resource %v, want %v", st.Resource, want)
	}
	if want := []string{"name/cos:PutObject", "name/cos:PostObject"}; !reflect.DeepEqual(st.Action, want) {
		t.Fatalf("actions %v, want %v", st.Action, want)
	}
	multipart := sts.UploadPolicyForTest(t, sts.NewClient(emuID, emuKey, nil), &sts.UploadOptions{Bucket: bucket, Multipart: true})
	if a := multipart.Statement[0].Action; len(a) < 5 || a[0] != "name/cos:PutObject" {
		t.Fatalf("Multipart: actions %v, want PutObject, PostObject and the multipart ones", a)
	}
	ct, _ := json.Marshal(st.Condition["string_like_if_exist"])
	size, _ := json.Marshal(st.Condition["numeric_less_than_equal"])
	if string(ct) != `{"cos:content-type":"image/*"}` || string(size) != `{"cos:content-length":1024}` {
		t.Fatalf("conditions %s %s", ct, size)
	}
}

func TestCache(t *testing.T) {
	sts.ClearCache()
	t.Cleanup(sts.ClearCache)
	e := startCountingEmulator(t)
	c := sts.NewClient(emuID, emuKey, nil, sts.URL(e.url))
	opt := func(duration int64, cache *sts.CacheOptions) *sts.CredentialOptions {
		return &sts.CredentialOptions{Policy: uploadPolicy(t), DurationSeconds: duration, Cache: cache}
	}
	first, err := c.GetCredential(opt(3600, &sts.CacheOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, first, 3600)
	again, err := c.GetCredential(opt(3600, &sts.CacheOptions{MinRemainingSeconds: 600, MaxEntries: 10}))
	if err != nil {
		t.Fatal(err)
	}
	viaCtx, err := c.GetCredentialContext(context.Background(), opt(3600, &sts.CacheOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(first, again) || !reflect.DeepEqual(first, viaCtx) {
		t.Fatalf("a cache hit must return the first answer: %v / %v / %v", first.RequestId, again.RequestId, viaCtx.RequestId)
	}
	if n := e.requestsSoFar(t); n != 1 {
		t.Fatalf("3 identical cached calls sent %d requests, want 1", n)
	}

	// Without Cache, or with another duration, the call goes to STS.
	plain, err := c.GetCredential(opt(3600, nil))
	if err != nil {
		t.Fatal(err)
	}
	other, err := c.GetCredential(opt(1800, &sts.CacheOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	if plain.Credentials.TmpSecretID == first.Credentials.TmpSecretID || other.Credentials.TmpSecretID == first.Credentials.TmpSecretID {
		t.Fatal("a call without the cache or with another duration got the cached key")
	}
	if n := e.requestsSoFar(t); n != 3 {
		t.Fatalf("%d requests, want 3", n)
	}

	// AssumeRole is cached too; ClearCache empties the cache.
	role := &sts.CredentialOptions{RoleArn: roleArn, Cache: &sts.CacheOptions{}}
	r1, err := c.GetRoleCredential(role)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := c.GetRoleCredential(role)
	if err != nil || r2.RequestId != r1.RequestId {
		t.Fatalf("AssumeRole not answered from the cache: %v", err)
	}
	sts.ClearCache()
	after, err := c.GetCredential(opt(3600, &sts.CacheOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	if after.RequestId == first.RequestId {
		t.Fatal("ClearCache left the key in the cache")
	}
	if n := e.requestsSoFar(t); n != 5 {
		t.Fatalf("%d requests, want 5", n)
	}

	// libsts judges the values, naming its keys; nothing is sent.
	_, err = c.GetCredential(opt(900, &sts.CacheOptions{MinRemainingSeconds: 900}))
	wantInvalid(t, err, "cache.min_remaining_seconds: ")
	_, err = c.GetCredential(opt(900, &sts.CacheOptions{MaxEntries: -1}))
	wantInvalid(t, err, "cache.max_entries: ")
	if n := e.requestsSoFar(t); n != 5 {
		t.Fatalf("refused cache options sent %d requests", n-5)
	}
}

// Package sts issues Tencent Cloud STS temporary keys for COS through libsts, the project's
// Rust core behind a C ABI (cgo). It replaces the vendor Go SDK
// github.com/tencentyun/qcloud-cos-sts-sdk/go with the same type names:
// CredentialOptions, CredentialPolicy, CredentialPolicyStatement, CredentialResult,
// Credentials, CredentialError, NewClient, Host.
//
// A backend turns a client's requested scopes into a policy with GetPolicy, then exchanges its
// permanent key for temporary keys limited by that policy with Client.GetCredential
// (GetFederationToken) or Client.GetRoleCredential (AssumeRole):
//
//	policy, err := sts.GetPolicy([]sts.Scope{
//		sts.NewScope("name/cos:PutObject", "example-1250000000", "ap-guangzhou", "uploads/user-1/*"),
//	})
//	c := sts.NewClient(secretId, secretKey, nil)
//	res, err := c.GetCredential(&sts.CredentialOptions{Policy: policy, DurationSeconds: 1800})
//
// Errors match one of ErrInvalidArgument, ErrNetwork, ErrService, ErrBadResponse, ErrInternal
// with errors.Is; a service error is a *CredentialError and a library error a *ClientError
// (errors.As), carrying libsts's StsCode and its message unchanged. Options are validated by
// libsts, not here: a bad one gets libsts's message, which names the libsts config key. A Client is safe for concurrent use; calls block the calling goroutine's OS
// thread for the network round trip (bounded by Timeout and Retries).
//
// Build: the default cgo flags use ../../include/sts.h and ../../target/release/libsts.so of
// this repository (run `cargo build --release` first) with an rpath to that directory; build
// with -tags libsts_pkgconfig to use an installed libsts found by `pkg-config sts`.
package sts

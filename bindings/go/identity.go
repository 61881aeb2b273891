package sts

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Caller identity (STS GetCallerIdentity) and web identity (STS AssumeRoleWithWebIdentity).
// Every rule about the values is the core's: the binding only carries them.

// CallerIdentityOptions are the per-request parameters of GetCallerIdentity. A nil
// *CallerIdentityOptions means the defaults (Region "ap-guangzhou").
type CallerIdentityOptions struct {
	Region string
}

// CallerIdentityResult says who signs with the Client's key.
type CallerIdentityResult struct {
	Arn         string `json:"Arn"`
	AccountId   string `json:"AccountId"`
	UserId      string `json:"UserId"`
	PrincipalId string `json:"PrincipalId"`
	// Type is the kind of identity, e.g. "RootAccount", "CAMUser", "CAMRole".
	Type      string `json:"Type"`
	RequestId string `json:"RequestId"`
	// CredentialSource is where libsts found the key: "config" (the Client's SecretId and
	// SecretKey), "env" (the environment), or another source of the Credentials section.
	CredentialSource string `json:"CredentialSource"`
}

// GetCallerIdentity asks STS who the Client's key is (GetCallerIdentity): the "is my config
// right" check. It issues no key.
func (c *Client) GetCallerIdentity(opt *CallerIdentityOptions) (*CallerIdentityResult, error) {
	cfg, err := c.callerConfig(opt, nil)
	if err != nil {
		return nil, err
	}
	return callerIdentity(callC(opCallerIdentity, cfg))
}

// GetCallerIdentityContext is GetCallerIdentity bounded by ctx, as GetCredentialContext.
func (c *Client) GetCallerIdentityContext(ctx context.Context, opt *CallerIdentityOptions) (*CallerIdentityResult, error) {
	a, deadline, err := c.callContext(ctx, opCallerIdentity, func(within *time.Duration) (string, error) {
		return c.callerConfig(opt, within)
	})
	if err != nil {
		return nil, err
	}
	res, err := callerIdentity(a.code, a.json)
	return res, deadlineError(err, deadline)
}

func (c *Client) callerConfig(opt *CallerIdentityOptions, within *time.Duration) (string, error) {
	cfg, err := c.baseConfig(within)
	if err != nil {
		return "", err
	}
	if opt != nil {
		cfg.Region = opt.Region
	}
	return toJSON("", cfg)
}

func callerIdentity(code StsCode, answer string) (*CallerIdentityResult, error) {
	if code != StsOK {
		return nil, errorFromC(code, answer)
	}
	var doc struct {
		Arn              string `json:"arn"`
		AccountID        string `json:"accountId"`
		UserID           string `json:"userId"`
		PrincipalID      string `json:"principalId"`
		Type             string `json:"type"`
		RequestID        string `json:"requestId"`
		CredentialSource string `json:"credentialSource"`
	}
	if err := json.Unmarshal([]byte(answer), &doc); err != nil {
		return nil, internal("libsts returned an unreadable caller identity document")
	}
	return &CallerIdentityResult{Arn: doc.Arn, AccountId: doc.AccountID, UserId: doc.UserID, PrincipalId: doc.PrincipalID,
		Type: doc.Type, RequestId: doc.RequestID, CredentialSource: doc.CredentialSource}, nil
}

// WebIdentityOptions are the parameters of AssumeRoleWithWebIdentity, with the vendor SDK's
// names. ProviderId (the OIDC provider's name in CAM), RoleArn and exactly one of
// WebIdentityToken and WebIdentityTokenFile are required; zero values mean the defaults
// (Region "ap-guangzhou", DurationSeconds 1800). libsts judges them all and names the key it
// refuses ("provider_id: ...").
type WebIdentityOptions struct {
	Region           string `json:"-"`
	ProviderId       string
	WebIdentityToken string
	RoleArn          string
	RoleSessionName  string
	DurationSeconds  int64
	// WebIdentityTokenFile is a file holding the token, read at every call so that a rotated
	// token (a TKE pod's service account token) is picked up; not in the vendor SDK.
	WebIdentityTokenFile string
}

// String hides the token when WebIdentityOptions are printed.
func (o WebIdentityOptions) String() string {
	return fmt.Sprintf("{Region:%s ProviderId:%s WebIdentityToken:%s RoleArn:%s RoleSessionName:%s DurationSeconds:%d WebIdentityTokenFile:%s}",
		o.Region, o.ProviderId, redact(o.WebIdentityToken), o.RoleArn, o.RoleSessionName, o.DurationSeconds, o.WebIdentityTokenFile)
}

// GoString hides it from %#v too.
func (o WebIdentityOptions) GoString() string {
	return "sts.WebIdentityOptions{Region:" + strconv.Quote(o.Region) + ", ProviderId:" + strconv.Quote(o.ProviderId) +
		", WebIdentityToken:" + strconv.Quote(redact(o.WebIdentityToken)) + ", RoleArn:" + strconv.Quote(o.RoleArn) +
		", RoleSessionName:" + strconv.Quote(o.RoleSessionName) + ", DurationSeconds:" + strconv.FormatInt(o.DurationSeconds, 10) +
		", WebIdentityTokenFile:" + strconv.Quote(o.WebIdentityTokenFile) + "}"
}

// AssumeRoleWithWebIdentity gets temporary keys for opt.RoleArn with an OIDC token (STS
// AssumeRoleWithWebIdentity). The request is unsigned: the token is the credential, so the
// Client's key pair (if any) is not sent; its Host and transport options are used.
func (c *Client) AssumeRoleWithWebIdentity(opt *WebIdentityOptions) (*CredentialResult, error) {
	cfg, err := c.webIdentityConfig(opt, nil)
	if err != nil {
		return nil, err
	}
	return credential(callC(opWebIdentity, cfg))
}

// AssumeRoleWithWebIdentityContext is AssumeRoleWithWebIdentity bounded by ctx, as
// GetCredentialContext.
func (c *Client) AssumeRoleWithWebIdentityContext(ctx context.Context, opt *WebIdentityOptions) (*CredentialResult, error) {
	a, deadline, err := c.callContext(ctx, opWebIdentity, func(within *time.Duration) (string, error) {
		return c.webIdentityConfig(opt, within)
	})
	if err != nil {
		return nil, err
	}
	res, err := credential(a.code, a.json)
	return res, deadlineError(err, deadline)
}

func (c *Client) webIdentityConfig(opt *WebIdentityOptions, within *time.Duration) (string, error) {
	cfg, err := c.baseConfig(within)
	if err != nil {
		return "", err
	}
	if opt == nil {
		return "", invalid("WebIdentityOptions: nil")
	}
	// Unsigned call: the core refuses any key in its config, and a Client made for the other
	// calls may well hold one.
	cfg.SecretID, cfg.SecretKey, cfg.SessionToken = "", "", ""
	cfg.Region = opt.Region
	cfg.ProviderID = opt.ProviderId
	cfg.WebIdentityToken = opt.WebIdentityToken
	cfg.WebIdentityFile = opt.WebIdentityTokenFile
	cfg.RoleArn = opt.RoleArn
	cfg.RoleSessionName = opt.RoleSessionName
	cfg.DurationSeconds = opt.DurationSeconds
	return toJSON("", cfg)
}

package sts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// DefaultHost is the STS endpoint used when no Host option is given. Inside Tencent Cloud,
// Host("sts.internal.tencentcloudapi.com") keeps the traffic on the internal network.
const DefaultHost = "sts.tencentcloudapi.com"

// CredentialPolicyStatement is one statement of a CAM policy (same fields and JSON as the
// vendor SDK).
type CredentialPolicyStatement struct {
	Action    []string                          `json:"action,omitempty"`
	Effect    string                            `json:"effect,omitempty"`
	Resource  []string                          `json:"resource,omitempty"`
	Condition map[string]map[string]interface{} `json:"condition,omitempty"`
}

// CredentialPolicy is a CAM policy. An empty Version is sent as "2.0".
type CredentialPolicy struct {
	Version   string                      `json:"version,omitempty"`
	Statement []CredentialPolicyStatement `json:"statement,omitempty"`
}

// CredentialOptions are the per-request parameters of GetCredential and GetRoleCredential.
// Zero values mean the defaults: Region "ap-guangzhou", DurationSeconds 1800,
// RoleSessionName and Name "cos-sts-libsts".
type CredentialOptions struct {
	// Policy limits the temporary keys. Required by GetCredential; optional for
	// GetRoleCredential (nil: the role's own permissions).
	Policy          *CredentialPolicy
	Region          string
	DurationSeconds int64
	// AssumeRole (GetRoleCredential) only.
	RoleArn         string
	RoleSessionName string
	ExternalId      string
	// Tags are the AssumeRole session tags (libsts key "tags"; not in the vendor SDK).
	Tags []Tag
	// SourceIdentity is the AssumeRole SourceIdentity (libsts key "source_identity").
	SourceIdentity string
	// SerialNumber and TokenCode are the MFA device and its current 6-digit code, both or
	// neither (libsts keys "serial_number" and "token_code"). libsts judges every rule of
	// these four (counts, lengths, digits) and names the key it refuses, e.g. "tags[3].key".
	SerialNumber string
	TokenCode    string
	// Name is the federated user name of GetFederationToken (GetCredential only); not in the
	// vendor SDK, which always sent "cos-sts-go".
	Name string
	// Cache, when not nil, lets libsts answer this call from its process-wide cache of vended
	// keys (libsts key "cache"; not in the vendor SDK). See CacheOptions.
	Cache *CacheOptions
}

// String hides the MFA TokenCode when CredentialOptions are printed (the core keeps it out of
// its errors and logs too).
func (o CredentialOptions) String() string {
	type plain CredentialOptions // no methods: no recursion
	p := plain(o)
	p.TokenCode = redact(o.TokenCode)
	return fmt.Sprintf("%+v", p)
}

// GoString hides it from %#v too.
func (o CredentialOptions) GoString() string {
	type plain CredentialOptions
	p := plain(o)
	p.TokenCode = redact(o.TokenCode)
	return "sts.CredentialOptions" + strings.TrimPrefix(fmt.Sprintf("%#v", p), "sts.plain")
}

// Tag is one AssumeRole session tag.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Credentials are the temporary keys. Printing them with fmt (%v, %+v, %#v, %s) hides
// TmpSecretKey and SessionToken; json.Marshal keeps them (that is how they reach a client).
type Credentials struct {
	TmpSecretID  string `json:"TmpSecretId,omitempty"`
	TmpSecretKey string `json:"TmpSecretKey,omitempty"`
	SessionToken string `json:"Token,omitempty"`
}

func (c Credentials) String() string {
	return fmt.Sprintf("{TmpSecretID:%s TmpSecretKey:%s SessionToken:%s}", c.TmpSecretID, redact(c.TmpSecretKey), redact(c.SessionToken))
}

// GoString hides the secrets from %#v too.
func (c Credentials) GoString() string {
	return fmt.Sprintf("sts.Credentials{TmpSecretID:%q, TmpSecretKey:%q, SessionToken:%q}", c.TmpSecretID, redact(c.TmpSecretKey), redact(c.SessionToken))
}

func redact(secret string) string {
	if secret == "" {
		return ""
	}
	return "***"
}

// CredentialResult is the answer of GetCredential and GetRoleCredential, with the vendor SDK's
// fields and JSON names. ExpiredTime and StartTime are Unix seconds; Expiration is RFC 3339 UTC.
type CredentialResult struct {
	Credentials *Credentials `json:"Credentials,omitempty"`
	ExpiredTime int          `json:"ExpiredTime,omitempty"`
	Expiration  string       `json:"Expiration,omitempty"`
	StartTime   int          `json:"StartTime,omitempty"`
	RequestId   string       `json:"RequestId,omitempty"`
	// Error is always nil: errors are returned as the error value. Kept for source
	// compatibility with the vendor SDK.
	Error *CredentialError `json:"Error,omitempty"`
}

// CredentialIface supplies the permanent key pair on every call (for keys that rotate), as in
// the vendor SDK. Implementations must be safe for concurrent use.
type CredentialIface interface {
	GetSecretId() string
	GetSecretKey() string
	GetToken() string
}

// Client holds the permanent key pair and the connection settings. It is safe for concurrent
// use by many goroutines, as long as its fields are not changed meanwhile (set everything
// through NewClient's options). Connections are pooled process-wide by libsts.
type Client struct {
	SecretId  string
	SecretKey string
	// Host is the STS endpoint signed into the request (default DefaultHost).
	Host string

	cred    CredentialIface
	scheme  string
	url     string
	proxy   *string
	timeout *time.Duration
	total   *time.Duration
	retries *int
	caFile  string
	// The credential source options, passed to libsts as they are.
	source   string
	profile  string
	metadata string
}

// ClientOption configures a Client in NewClient.
type ClientOption = func(*Client)

// Host sets the STS endpoint (libsts config key "endpoint").
func Host(host string) ClientOption { return func(c *Client) { c.Host = host } }

// Scheme sets the scheme of the URL built from Host ("https", the default; "http" only to
// loopback addresses).
func Scheme(scheme string) ClientOption { return func(c *Client) { c.scheme = scheme } }

// URL sets where to connect when it differs from https://{Host}/, for example a proxy by IP
// or the local STS emulator (http:// is accepted for loopback addresses only). Host is still
// the endpoint that is signed and sent as the Host header.
func URL(url string) ClientOption { return func(c *Client) { c.url = url } }

// Proxy sets the HTTP proxy ("http://host:port"). Without it libsts honours HTTPS_PROXY,
// HTTP_PROXY and NO_PROXY as curl does; Proxy("") disables every proxy.
func Proxy(proxy string) ClientOption { return func(c *Client) { c.proxy = &proxy } }

// Timeout bounds each attempt (connect, TLS, request and response); default 10 s.
// It is rounded up to whole milliseconds; libsts refuses a value outside its range.
func Timeout(d time.Duration) ClientOption { return func(c *Client) { c.timeout = &d } }

// TotalTimeout bounds the whole call, every attempt, retry and backoff included (libsts key
// total_timeout_ms): the call ends by then with a Client.Timeout error, and a retry whose backoff
// would pass it is not started. Default: the worst case of Timeout and Retries, capped at 60 s.
// It is rounded up to whole milliseconds; libsts refuses a value outside its range (1 ms..600 s
// today). With GetCredentialContext, the context's deadline shortens it.
func TotalTimeout(d time.Duration) ClientOption { return func(c *Client) { c.total = &d } }

// Retries sets how many times a transient failure is retried after the first attempt
// (default 2; libsts refuses a value outside its range, 0..10 today). Only network failures,
// HTTP 5xx, throttling and the service's internal errors are retried, with exponential backoff
// and jitter.
func Retries(n int) ClientOption { return func(c *Client) { c.retries = &n } }

// CAFile replaces the bundled TLS roots with the PEM certificates in path.
func CAFile(path string) ClientOption { return func(c *Client) { c.caFile = path } }

// CredentialSource pins where libsts takes the backend's own key when the Client has none:
// "chain" (the default), "env", "profile", "oidc", "cvm" or "config" (libsts key
// "credential_source"; the top-level README's Credentials section).
func CredentialSource(name string) ClientOption { return func(c *Client) { c.source = name } }

// Profile names the section of the credentials file for the "profile" source (libsts key
// "profile"; default TENCENTCLOUD_PROFILE, else "default").
func Profile(name string) ClientOption { return func(c *Client) { c.profile = name } }

// MetadataEndpoint replaces the CVM metadata server's URL for the "cvm" source (libsts key
// "metadata_endpoint").
func MetadataEndpoint(url string) ClientOption { return func(c *Client) { c.metadata = url } }

// NewClient returns a Client for the permanent key pair secretId/secretKey. With both empty
// the binding passes no key and libsts resolves one itself (the environment variables
// TENCENTCLOUD_SECRET_ID / TENCENTCLOUD_SECRET_KEY / TENCENTCLOUD_SESSION_TOKEN, and the other
// credential sources of the top-level README's Credentials section).
//
// hc is accepted for source compatibility with the vendor SDK: libsts does its own HTTP, so
// only hc.Timeout is used (as the per-attempt Timeout, unless the Timeout option is given);
// its Transport is not. Pass nil.
func NewClient(secretId, secretKey string, hc *http.Client, opt ...ClientOption) *Client {
	c := &Client{SecretId: secretId, SecretKey: secretKey, Host: DefaultHost}
	if hc != nil && hc.Timeout > 0 {
		t := hc.Timeout
		c.timeout = &t
	}
	for _, fn := range opt {
		fn(c)
	}
	return c
}

// NewClientWithCredential returns a Client that asks cred for the key pair on every call.
// A non-empty GetToken() marks a temporary key pair (a CVM or SCF role's, say): it is sent
// as X-TC-Token with each request.
func NewClientWithCredential(cred CredentialIface, hc *http.Client, opt ...ClientOption) *Client {
	c := NewClient("", "", hc, opt...)
	c.cred = cred
	return c
}

// SetHost sets the STS endpoint, as the Host option does. Do not call it while other
// goroutines use the Client.
func (c *Client) SetHost(host string) { c.Host = host }

// String hides the secret key when a Client is printed.
func (c Client) String() string {
	return fmt.Sprintf("{SecretId:%s SecretKey:%s Host:%s}", c.SecretId, redact(c.SecretKey), c.Host)
}

// GoString hides the secret key from %#v too.
func (c Client) GoString() string {
	return fmt.Sprintf("sts.Client{SecretId:%q, SecretKey:%q, Host:%q}", c.SecretId, redact(c.SecretKey), c.Host)
}

// config is the libsts config JSON: the core's canonical key names. TestConfigKeysAreTheCores
// fails when a tag is not a core key, or when the core has a key this struct neither maps nor
// leaves out on purpose.
type config struct {
	SecretID         string            `json:"secret_id,omitempty"`
	SecretKey        string            `json:"secret_key,omitempty"`
	SessionToken     string            `json:"session_token,omitempty"`
	DurationSeconds  int64             `json:"duration_seconds,omitempty"`
	Region           string            `json:"region,omitempty"`
	Policy           *CredentialPolicy `json:"policy,omitempty"`
	RoleArn          string            `json:"role_arn,omitempty"`
	RoleSessionName  string            `json:"role_session_name,omitempty"`
	ExternalID       string            `json:"external_id,omitempty"`
	Tags             []Tag             `json:"tags,omitempty"`
	SourceIdentity   string            `json:"source_identity,omitempty"`
	SerialNumber     string            `json:"serial_number,omitempty"`
	TokenCode        string            `json:"token_code,omitempty"`
	ProviderID       string            `json:"provider_id,omitempty"`
	WebIdentityToken string            `json:"web_identity_token,omitempty"`
	WebIdentityFile  string            `json:"web_identity_token_file,omitempty"`
	Name             string            `json:"name,omitempty"`
	Endpoint         string            `json:"endpoint,omitempty"`
	URL              string            `json:"url,omitempty"`
	Proxy            *string           `json:"proxy,omitempty"`
	TimeoutMs        *int64            `json:"timeout_ms,omitempty"`
	TotalTimeoutMs   *int64            `json:"total_timeout_ms,omitempty"`
	Retries          *int              `json:"retries,omitempty"`
	CAFile           string            `json:"ca_file,omitempty"`
	Bucket           string            `json:"bucket,omitempty"`
	Upload           *uploadConfig     `json:"upload,omitempty"`
	Cache            *CacheOptions     `json:"cache,omitempty"`
	CredentialSource string            `json:"credential_source,omitempty"`
	Profile          string            `json:"profile,omitempty"`
	MetadataEndpoint string            `json:"metadata_endpoint,omitempty"`
}

// config converts the Go values to the libsts config JSON. It only refuses what cannot reach
// libsts (a nil pointer, invalid UTF-8); every rule about the values (ranges, URLs, proxies,
// which options belong to which call) is the core's, so the error for a bad option is the
// core's own, naming the libsts key. within, when not nil, is the time a context leaves: it
// replaces the TotalTimeout option when it is shorter.
func (c *Client) config(opt *CredentialOptions, within *time.Duration) (string, error) {
	cfg, err := c.baseConfig(within)
	if err != nil {
		return "", err
	}
	if opt == nil {
		return "", invalid("CredentialOptions: nil")
	}
	cfg.DurationSeconds = opt.DurationSeconds
	cfg.Region = opt.Region
	cfg.RoleArn = opt.RoleArn
	cfg.RoleSessionName = opt.RoleSessionName
	cfg.ExternalID = opt.ExternalId
	cfg.Tags = opt.Tags
	cfg.SourceIdentity = opt.SourceIdentity
	cfg.SerialNumber = opt.SerialNumber
	cfg.TokenCode = opt.TokenCode
	cfg.Name = opt.Name
	cfg.Cache = opt.Cache
	if opt.Policy != nil {
		p := *opt.Policy
		if p.Version == "" {
			p.Version = "2.0"
		}
		cfg.Policy = &p
	}
	return toJSON("", cfg)
}

// baseConfig is the part of every call's config that comes from the Client: the key pair and
// the transport.
func (c *Client) baseConfig(within *time.Duration) (config, error) {
	if c == nil {
		return config{}, invalid("client: nil *Client")
	}
	cfg := config{
		SecretID:  c.SecretId,
		SecretKey: c.SecretKey,
		Endpoint:  c.Host,
		URL:       c.url,
		Proxy:     c.proxy,
		Retries:   c.retries,
		CAFile:    c.caFile,

		CredentialSource: c.source,
		Profile:          c.profile,
		MetadataEndpoint: c.metadata,
	}
	if c.cred != nil {
		cfg.SecretID, cfg.SecretKey = c.cred.GetSecretId(), c.cred.GetSecretKey()
		cfg.SessionToken = c.cred.GetToken()
	}
	if cfg.URL == "" && c.scheme != "" && c.scheme != "https" {
		host := c.Host
		if host == "" {
			host = DefaultHost
		}
		cfg.URL = c.scheme + "://" + host + "/"
	}
	cfg.TimeoutMs = millis(c.timeout)
	total := c.total
	if within != nil && (total == nil || *within < *total) {
		total = within
	}
	cfg.TotalTimeoutMs = millis(total)
	return cfg, nil
}

// millis rounds d up to whole milliseconds (nil stays nil: the libsts default).
func millis(d *time.Duration) *int64 {
	if d == nil {
		return nil
	}
	ms := int64((*d + time.Millisecond - 1) / time.Millisecond)
	return &ms
}

// invalidUTF8 is what encoding/json writes in place of a byte that is not UTF-8.
var invalidUTF8 = []byte(`\ufffd`)

// toJSON encodes v, refusing it when a string in it cannot be carried faithfully.
func toJSON(path string, v interface{}) (string, error) {
	b, err := json.Marshal(v)
	// encoding/json writes the escape \ufffd for each byte of invalid UTF-8 (a real U+FFFD goes
	// out as itself) and fails on a value that contains itself: only then is v walked, to name
	// the field. Walking every call cost more than the rest of the Go side of a call.
	if err != nil || bytes.Contains(b, invalidUTF8) {
		if err := checkStrings(path, reflect.ValueOf(v), 0); err != nil {
			return "", err
		}
	}
	if err != nil {
		// encoding/json's text names Go types, not values: no secret in it.
		return "", invalid("%s: %v", fieldName(path), err)
	}
	return string(b), nil
}

// GetCredential gets temporary keys limited by opt.Policy with STS GetFederationToken.
func (c *Client) GetCredential(opt *CredentialOptions) (*CredentialResult, error) {
	cfg, err := c.config(opt, nil)
	if err != nil {
		return nil, err
	}
	return credential(callC(opCredential, cfg))
}

// GetRoleCredential gets temporary keys for the role opt.RoleArn with STS AssumeRole,
// limited by opt.Policy when given.
func (c *Client) GetRoleCredential(opt *CredentialOptions) (*CredentialResult, error) {
	cfg, err := c.config(opt, nil)
	if err != nil {
		return nil, err
	}
	return credential(callC(opRoleCredential, cfg))
}

func credential(code StsCode, answer string) (*CredentialResult, error) {
	if code != StsOK {
		return nil, errorFromC(code, answer)
	}
	var r credentialDocument
	if err := json.Unmarshal([]byte(answer), &r); err != nil {
		// The error text of encoding/json can quote the input, which holds secrets: keep it out.
		return nil, internal("libsts returned an unreadable credential document")
	}
	return r.result(), nil
}

// credentialDocument is libsts's credential JSON (and, with Bucket, Region and Key, that of
// sts_get_upload_credential).
type credentialDocument struct {
	Credentials struct {
		TmpSecretID  string `json:"tmpSecretId"`
		TmpSecretKey string `json:"tmpSecretKey"`
		SessionToken string `json:"sessionToken"`
	} `json:"credentials"`
	Expiration  string `json:"expiration"`
	StartTime   int    `json:"startTime"`
	ExpiredTime int    `json:"expiredTime"`
	RequestID   string `json:"requestId"`
	Bucket      string `json:"bucket"`
	Region      string `json:"region"`
	Key         string `json:"key"`
}

func (r *credentialDocument) result() *CredentialResult {
	return &CredentialResult{
		Credentials: &Credentials{
			TmpSecretID:  r.Credentials.TmpSecretID,
			TmpSecretKey: r.Credentials.TmpSecretKey,
			SessionToken: r.Credentials.SessionToken,
		},
		ExpiredTime: r.ExpiredTime,
		Expiration:  r.Expiration,
		StartTime:   r.StartTime,
		RequestId:   r.RequestID,
	}
}

// Scope is one permission a client asks for, in the cross-SDK scope format: Action on the
// objects matching Prefix in Bucket (name-appid) in Region. Action and Prefix take one or more
// values; Effect is "allow" (default) or "deny"; Service is "cos" (default) or "ci".
// An Action list of only "name/cos:GetService" needs no Bucket/Region/Prefix (resource "*").
type Scope struct {
	Action    []string                          `json:"action,omitempty"`
	Bucket    string                            `json:"bucket,omitempty"`
	Region    string                            `json:"region,omitempty"`
	Prefix    []string                          `json:"prefix,omitempty"`
	Effect    string                            `json:"effect,omitempty"`
	Condition map[string]map[string]interface{} `json:"condition,omitempty"`
	Service   string                            `json:"service,omitempty"`
}

// NewScope is a shorthand for the common one-action, one-prefix allow scope.
func NewScope(action, bucket, region, prefix string) Scope {
	return Scope{Action: []string{action}, Bucket: bucket, Region: region, Prefix: []string{prefix}}
}

// GetPolicy builds the CAM policy for scopes, locally (no network): one statement per scope,
// resource "qcs::cos:{region}:uid/{appid}:{bucket}/{prefix}". An empty list gives a policy
// with no statement. Condition values decode as json.Number, string, bool, []interface{} or
// map[string]interface{}.
func GetPolicy(scopes []Scope) (*CredentialPolicy, error) {
	if scopes == nil {
		scopes = []Scope{}
	}
	input, err := toJSON("scopes", scopes)
	if err != nil {
		return nil, err
	}
	code, answer := callC(opPolicy, input)
	if code != StsOK {
		return nil, errorFromC(code, answer)
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(answer)))
	dec.UseNumber()
	policy := &CredentialPolicy{}
	if err := dec.Decode(policy); err != nil {
		return nil, internal("libsts returned an unreadable policy: " + err.Error())
	}
	if policy.Statement == nil {
		policy.Statement = []CredentialPolicyStatement{}
	}
	return policy, nil
}

// maxDepth bounds checkStrings' walk, only so that a value holding itself (a map stored in
// itself) ends in an error rather than a stack overflow; real configs are a few levels deep
// and the core refuses deep nesting with its own message long before this.
const maxDepth = 1000

// checkStrings refuses invalid UTF-8 in every string reachable from v: encoding/json would
// silently turn it into U+FFFD, so the core would judge another value than the caller's.
// Everything else (NUL and other control characters included, which JSON escapes) is left to
// the core. path names the field, in the core's spelling (policy.statement[0].action[1]).
func checkStrings(path string, v reflect.Value, depth int) error {
	if depth > maxDepth {
		return invalid("%s: nested more than %d levels deep (a value that contains itself?)", fieldName(path), maxDepth)
	}
	switch v.Kind() {
	case reflect.String:
		if !utf8.ValidString(v.String()) {
			return invalid("%s: not valid UTF-8", fieldName(path))
		}
	case reflect.Ptr, reflect.Interface:
		if !v.IsNil() {
			return checkStrings(path, v.Elem(), depth+1)
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return nil // []byte: encoding/json sends base64
		}
		for i := 0; i < v.Len(); i++ {
			if err := checkStrings(path+"["+strconv.Itoa(i)+"]", v.Index(i), depth+1); err != nil {
				return err
			}
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			if err := checkStrings(path+": a key", iter.Key(), depth+1); err != nil {
				return err
			}
			key := fmt.Sprint(iter.Key().Interface())
			if err := checkStrings(join(path, key), iter.Value(), depth+1); err != nil {
				return err
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < v.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name := strings.Split(f.Tag.Get("json"), ",")[0]
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if err := checkStrings(join(path, name), v.Field(i), depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func fieldName(path string) string {
	if path == "" {
		return "config"
	}
	return path
}

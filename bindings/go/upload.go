package sts

import (
	"context"
	"encoding/json"
	"time"
)

// UploadOptions are the parameters of GetUploadCredential: temporary keys that may write one
// object whose key libsts chooses (sts_get_upload_credential; not in the vendor SDK, whose
// getKeyAndCredentials demo builds that policy by hand). Zero values mean libsts's defaults.
// Every value is checked by libsts, whose messages name the libsts key (upload.ext, bucket, ...).
type UploadOptions struct {
	// Bucket (name-appid) to upload into; required.
	Bucket string
	// Region of the bucket (default "ap-guangzhou").
	Region          string
	DurationSeconds int64
	// Name is the federated user name (default "cos-sts-libsts").
	Name string

	// KeyTemplate is the object key to grant (default "file/{date}/{date}_{random}{ext}"):
	// {date} is the UTC date YYYYMMDD, {random} 16 hex characters from the OS's CSPRNG (the
	// template must contain it), {ext} the extension, lower-cased with its dot.
	KeyTemplate string
	// Filename is the client's file name (only its extension is used), or Ext the extension
	// itself ("jpg" or ".jpg"): client input, which libsts accepts only as a dot and 1 to 16
	// ASCII letters or digits. Give at most one.
	Filename string
	Ext      string
	// AllowExt lists the allowed extensions (case-insensitive, with or without a dot); a
	// missing or other extension is refused before any request.
	AllowExt []string
	// ContentType patterns (e.g. "image/*") become the condition string_like_if_exist
	// cos:content-type.
	ContentType []string
	// MaxBytes, when not 0, becomes the condition numeric_less_than_equal cos:content-length.
	MaxBytes int64
	// Multipart also grants the multipart-upload actions for the one key.
	Multipart bool
}

// uploadConfig is the libsts `upload` object, in the core's key names.
type uploadConfig struct {
	KeyTemplate string   `json:"key_template,omitempty"`
	Filename    string   `json:"filename,omitempty"`
	Ext         string   `json:"ext,omitempty"`
	AllowExt    []string `json:"allow_ext,omitempty"`
	ContentType []string `json:"content_type,omitempty"`
	MaxBytes    int64    `json:"max_bytes,omitempty"`
	Multipart   bool     `json:"multipart,omitempty"`
}

// UploadCredentialResult is the answer of GetUploadCredential: the temporary keys and the one
// object they may write. json.Marshal gives the CredentialResult fields plus Bucket, Region
// and Key, what a browser or app needs to upload.
type UploadCredentialResult struct {
	CredentialResult
	Bucket string `json:"Bucket"`
	Region string `json:"Region"`
	// Key is the object key the temporary keys may write, and nothing else.
	Key string `json:"Key"`
}

// CacheOptions opt a GetCredential or GetRoleCredential call into libsts's process-wide cache
// of vended keys (libsts key "cache"): an identical call (same key pair, action, endpoint,
// URL, region, policy, duration and role parameters) is answered with the same keys while
// they have at least MinRemainingSeconds left, and identical calls at the same moment send one
// request. &CacheOptions{} means the defaults (300 s, 1,024 entries). Safe when the same scope
// is handed to many clients (a shared read scope); pointless for a scope per user, and upload
// credentials are never cached. ClearCache empties it.
type CacheOptions struct {
	MinRemainingSeconds int64 `json:"min_remaining_seconds,omitempty"`
	MaxEntries          int   `json:"max_entries,omitempty"`
}

// ClearCache empties libsts's credential cache, wiping every cached key (sts_cache_clear).
func ClearCache() { cacheClear() }

// GetUploadCredential gets temporary keys that may upload exactly one object, whose key libsts
// chooses from opt (STS GetFederationToken): PutObject and PostObject (with Multipart also the
// multipart actions) on that key, with the content type and size conditions asked for.
func (c *Client) GetUploadCredential(opt *UploadOptions) (*UploadCredentialResult, error) {
	cfg, err := c.uploadConfig(opt, nil)
	if err != nil {
		return nil, err
	}
	return uploadCredential(callC(opUploadCredential, cfg))
}

// GetUploadCredentialContext is GetUploadCredential bounded by ctx, as GetCredentialContext.
func (c *Client) GetUploadCredentialContext(ctx context.Context, opt *UploadOptions) (*UploadCredentialResult, error) {
	a, deadline, err := c.callContext(ctx, opUploadCredential, func(within *time.Duration) (string, error) {
		return c.uploadConfig(opt, within)
	})
	if err != nil {
		return nil, err
	}
	res, err := uploadCredential(a.code, a.json)
	return res, deadlineError(err, deadline)
}

func (c *Client) uploadConfig(opt *UploadOptions, within *time.Duration) (string, error) {
	cfg, err := c.baseConfig(within)
	if err != nil {
		return "", err
	}
	if opt == nil {
		return "", invalid("UploadOptions: nil")
	}
	cfg.Bucket = opt.Bucket
	cfg.Region = opt.Region
	cfg.DurationSeconds = opt.DurationSeconds
	cfg.Name = opt.Name
	cfg.Upload = &uploadConfig{
		KeyTemplate: opt.KeyTemplate,
		Filename:    opt.Filename,
		Ext:         opt.Ext,
		AllowExt:    opt.AllowExt,
		ContentType: opt.ContentType,
		MaxBytes:    opt.MaxBytes,
		Multipart:   opt.Multipart,
	}
	return toJSON("", cfg)
}

func uploadCredential(code StsCode, answer string) (*UploadCredentialResult, error) {
	if code != StsOK {
		return nil, errorFromC(code, answer)
	}
	var r credentialDocument
	if err := json.Unmarshal([]byte(answer), &r); err != nil {
		// encoding/json's text can quote the input, which holds secrets.
		return nil, internal("libsts returned an unreadable upload credential document")
	}
	return &UploadCredentialResult{CredentialResult: *r.result(), Bucket: r.Bucket, Region: r.Region, Key: r.Key}, nil
}

package sts

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
)

// The rest of the vendor SDK's public names, for programs written against it.

// Credential is a fixed key pair as a CredentialIface, for NewClientWithCredential. A
// non-empty Token marks a temporary key pair (sent as X-TC-Token).
type Credential struct {
	SecretId  string
	SecretKey string
	Token     string
}

func (c *Credential) GetSecretId() string  { return c.SecretId }
func (c *Credential) GetSecretKey() string { return c.SecretKey }
func (c *Credential) GetToken() string     { return c.Token }

// String hides the secret key and token when a Credential is printed.
func (c Credential) String() string {
	return "{SecretId:" + c.SecretId + " SecretKey:" + redact(c.SecretKey) + " Token:" + redact(c.Token) + "}"
}

// GoString hides them from %#v too.
func (c Credential) GoString() string {
	return "sts.Credential{SecretId:" + strconv.Quote(c.SecretId) + ", SecretKey:" + strconv.Quote(redact(c.SecretKey)) +
		", Token:" + strconv.Quote(redact(c.Token)) + "}"
}

// SetScheme sets the scheme, as the Scheme option does. Do not call it while other goroutines
// use the Client.
func (c *Client) SetScheme(scheme string) { c.scheme = scheme }

// CredentialCompleteResult is the body of RequestCredential's response, STS's own shape:
// {"Response": {...}}, with either the keys or Response.Error and Response.RequestId.
type CredentialCompleteResult struct {
	Response *CredentialResult `json:"Response"`
}

// RequestCredential is GetCredential answering as the vendor SDK's did: with an *http.Response
// whose body is STS's JSON ({"Response":{"Credentials":{...},"ExpiredTime":..,"Expiration":..,
// "RequestId":..}}, or {"Response":{"Error":{"Code":..,"Message":..},"RequestId":..}} when STS
// refuses, still with a nil error), for the caller to decode (CredentialCompleteResult) and
// close. libsts makes the request (signed, retried, checked), so the response is rebuilt from
// its answer: status 200, Content-Type application/json, no Request. Failures other than STS's
// own answer (bad options, network, an unreadable response) are returned as the error, the
// same error GetCredential returns.
func (c *Client) RequestCredential(opt *CredentialOptions) (*http.Response, error) {
	res, err := c.GetCredential(opt)
	var service *CredentialError
	var body CredentialCompleteResult
	switch {
	case errors.As(err, &service):
		body.Response = &CredentialResult{Error: &CredentialError{Code: service.Code, Message: service.Message}, RequestId: service.RequestId}
	case err != nil:
		return nil, err
	default:
		// STS's response carries no StartTime (omitted when zero).
		r := *res
		r.StartTime = 0
		body.Response = &r
	}
	b, err := json.Marshal(body)
	if err != nil {
		return nil, internal("cannot encode the response body")
	}
	return &http.Response{
		Status:        "200 OK",
		StatusCode:    http.StatusOK,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": {"application/json"}, "Content-Length": {strconv.Itoa(len(b))}},
		Body:          io.NopCloser(bytes.NewReader(b)),
		ContentLength: int64(len(b)),
	}, nil
}

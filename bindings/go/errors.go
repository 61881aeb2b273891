package sts

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Error kinds. Every error this package returns matches exactly one of them with errors.Is:
//
//	errors.Is(err, sts.ErrInvalidArgument) // bad options or scopes; nothing was sent
//	errors.Is(err, sts.ErrNetwork)         // DNS, connect, TLS, proxy, timeout (after retries)
//	errors.Is(err, sts.ErrService)         // STS answered an error: also a *CredentialError
//	errors.Is(err, sts.ErrBadResponse)     // STS answered something that is not a valid response
//	errors.Is(err, sts.ErrInternal)        // a bug in libsts
//
// Use errors.As with *CredentialError for the service's code and request id, and with
// *ClientError for the library's own code (Client.Timeout, Client.Dns, Client.HttpStatus, ...).
var (
	ErrInvalidArgument = errors.New("sts: invalid argument")
	ErrNetwork         = errors.New("sts: network failure")
	ErrService         = errors.New("sts: service error")
	ErrBadResponse     = errors.New("sts: bad response")
	ErrInternal        = errors.New("sts: internal error")
)

// CredentialError is an error answered by the STS service (Response.Error), as in the vendor
// SDK: Code is the service's own code (AuthFailure.SignatureFailure, RequestLimitExceeded, ...).
// errors.Is(err, ErrService) is true for it.
type CredentialError struct {
	Code      string `json:"Code,omitempty"`
	Message   string `json:"Message,omitempty"`
	RequestId string `json:"RequestId,omitempty"`
}

func (e *CredentialError) Error() string {
	return fmt.Sprintf("Code: %v, Message: %v, RequestId: %v", e.Code, e.Message, e.RequestId)
}

// Is makes errors.Is(err, ErrService) true.
func (e *CredentialError) Is(target error) bool { return target == ErrService }

// ClientError is a failure detected by the library itself: invalid input, network failure,
// bad response or internal error. Code is one of the library's codes, which all start with
// "Client." (Client.InvalidArgument, Client.Network, Client.Dns, Client.Timeout, Client.Tls,
// Client.Proxy, Client.BadResponse, Client.HttpStatus, Client.ResponseTooLarge,
// Client.Internal). Kind is the matching sentinel (ErrInvalidArgument, ErrNetwork, ...),
// which errors.Is finds through Unwrap, and StsCode the libsts code it stands for. Message is
// libsts's own, unchanged: for a bad config it starts with the field, e.g.
// "duration_seconds: 129601 is out of range 1..=129600". Messages never hold a secret.
type ClientError struct {
	Kind      error
	StsCode   StsCode
	Code      string
	Message   string
	RequestId string
}

func (e *ClientError) Error() string {
	s := "sts: " + e.Code + ": " + e.Message
	if e.RequestId != "" {
		s += " (RequestId: " + e.RequestId + ")"
	}
	return s
}

// Unwrap returns Kind, so errors.Is(err, ErrNetwork) and friends work.
func (e *ClientError) Unwrap() error { return e.Kind }

// invalid is the binding's own refusal of what cannot reach libsts (a nil options pointer,
// invalid UTF-8), worded as libsts words its own: "field: problem".
func invalid(format string, args ...interface{}) error {
	return &ClientError{Kind: ErrInvalidArgument, StsCode: StsInvalidArgument, Code: "Client.InvalidArgument", Message: fmt.Sprintf(format, args...)}
}

// internal is a libsts answer this binding cannot read: a bug on one side or the other.
func internal(message string) error {
	return &ClientError{Kind: ErrInternal, StsCode: StsInternal, Code: "Client.Internal", Message: message}
}

// errorFromC turns a non-OK status and its {"error":{...}} answer into a Go error; code and
// message pass through unchanged.
func errorFromC(code StsCode, answer string) error {
	var envelope struct {
		Error *struct {
			Code      string  `json:"code"`
			Message   string  `json:"message"`
			RequestId *string `json:"requestId"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(answer), &envelope); err != nil || envelope.Error == nil {
		return internal(fmt.Sprintf("libsts status %v with an unreadable error document", code))
	}
	e := envelope.Error
	requestID := ""
	if e.RequestId != nil {
		requestID = *e.RequestId
	}
	var kind error
	switch code {
	case StsService:
		return &CredentialError{Code: e.Code, Message: e.Message, RequestId: requestID}
	case StsInvalidArgument:
		kind = ErrInvalidArgument
	case StsNetwork:
		kind = ErrNetwork
	case StsBadResponse:
		kind = ErrBadResponse
	default: // StsInternal and any code a newer libsts might add
		kind = ErrInternal
	}
	return &ClientError{Kind: kind, StsCode: code, Code: e.Code, Message: e.Message, RequestId: requestID}
}

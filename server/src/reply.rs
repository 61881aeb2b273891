//! Error replies: an HTTP status and `{code, codeDesc, message, requestId}`. `code` is a number
//! above 0 because the Android SDK's SessionCredentialProvider treats a reply with a `code` of
//! 0 (or none) as success and shows `message` otherwise.

use axum::http::StatusCode;

/// A refused or failed request.
#[derive(Debug, Clone)]
pub struct Failure {
    pub status: StatusCode,
    pub code: u32,
    /// `InvalidBody`, `ScopeDenied`, ... or the libsts/STS code (`Client.Timeout`, `AuthFailure...`).
    pub code_desc: String,
    pub message: String,
    /// The log line's `decision`.
    pub decision: &'static str,
    /// Seconds for `Retry-After` (429).
    pub retry_after: Option<u64>,
    /// STS's own RequestId, when STS answered.
    pub sts_request_id: Option<String>,
}

impl Failure {
    pub fn new(status: StatusCode, code: u32, code_desc: &str, message: impl Into<String>) -> Failure {
        Failure {
            status,
            code,
            code_desc: code_desc.to_owned(),
            message: message.into(),
            decision: "error",
            retry_after: None,
            sts_request_id: None,
        }
    }

    fn decided(mut self, decision: &'static str) -> Failure {
        self.decision = decision;
        self
    }

    pub fn bad_request(message: impl Into<String>) -> Failure {
        Self::new(StatusCode::BAD_REQUEST, 1001, "InvalidBody", message).decided("invalid")
    }

    pub fn too_large(message: impl Into<String>) -> Failure {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, 1002, "BodyTooLarge", message).decided("invalid")
    }

    pub fn method_not_allowed(allow: &str) -> Failure {
        Self::new(StatusCode::METHOD_NOT_ALLOWED, 1003, "MethodNotAllowed", format!("method: use {allow}"))
            .decided("invalid")
    }

    pub fn not_found() -> Failure {
        Self::new(StatusCode::NOT_FOUND, 1004, "NotFound", "path: no such route").decided("invalid")
    }

    pub fn origin_refused() -> Failure {
        Self::new(StatusCode::FORBIDDEN, 1005, "OriginNotAllowed", "origin: not in cors.allowed_origins")
            .decided("cors-denied")
    }

    pub fn unauthenticated(message: impl Into<String>) -> Failure {
        Self::new(StatusCode::UNAUTHORIZED, 1101, "Unauthenticated", message).decided("unauthenticated")
    }

    pub fn auth_denied(message: impl Into<String>) -> Failure {
        Self::new(StatusCode::FORBIDDEN, 1102, "AuthDenied", message).decided("auth-denied")
    }

    pub fn auth_unavailable(message: impl Into<String>) -> Failure {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, 1103, "AuthUnavailable", message).decided("auth-unavailable")
    }

    pub fn scope_denied(message: impl Into<String>) -> Failure {
        Self::new(StatusCode::FORBIDDEN, 1201, "ScopeDenied", message).decided("denied")
    }

    pub fn rate_limited(retry_after: u64) -> Failure {
        let mut failure = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            1301,
            "RateLimited",
            format!("limits.requests_per_minute: over the limit; retry in {retry_after} s"),
        )
        .decided("rate-limited");
        failure.retry_after = Some(retry_after);
        failure
    }

    pub fn limiter_unavailable() -> Failure {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            1302,
            "LimiterUnavailable",
            "the rate limiter's Redis is unreachable",
        )
        .decided("limiter-unavailable")
    }

    pub fn internal(message: impl Into<String>) -> Failure {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, 1500, "InternalError", message)
    }

    /// A libsts error from the credential call: 504 on a timeout, 503 when STS could not be
    /// reached or throttles, 502 for everything STS or the way to it answered wrongly.
    pub fn from_sts(e: &sts::error::Error) -> Failure {
        use sts::error::{codes, ErrorKind};
        let status = match e.kind() {
            ErrorKind::Network if e.code() == codes::TIMEOUT => StatusCode::GATEWAY_TIMEOUT,
            ErrorKind::Network => StatusCode::SERVICE_UNAVAILABLE,
            ErrorKind::Service if e.code().starts_with("RequestLimitExceeded") => StatusCode::SERVICE_UNAVAILABLE,
            ErrorKind::InvalidArgument | ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_GATEWAY,
        };
        let mut failure = Self::new(status, 1401, e.code(), format!("sts: {}", e.message()));
        failure.sts_request_id = e.request_id().map(str::to_owned);
        failure.decision = "sts-failed";
        failure
    }

    pub fn body(&self, request_id: &str) -> serde_json::Value {
        let mut body = serde_json::json!({
            "code": self.code,
            "codeDesc": self.code_desc,
            "message": self.message,
            "requestId": request_id,
        });
        if let Some(id) = &self.sts_request_id {
            body["stsRequestId"] = id.clone().into();
        }
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sts::error::{codes, Error};

    #[test]
    fn sts_failures_map_to_gateway_statuses_with_the_libsts_code() {
        let cases = [
            (Error::network(codes::TIMEOUT, "t"), 504),
            (Error::network(codes::NETWORK, "refused"), 503),
            (Error::service("RequestLimitExceeded".into(), "m".into(), Some("r".into())), 503),
            (Error::service("AuthFailure.SignatureFailure".into(), "m".into(), Some("r".into())), 502),
            (Error::bad_response(codes::BAD_RESPONSE, "m"), 502),
            (Error::http_status(500, "m"), 502),
        ];
        for (error, status) in cases {
            let failure = Failure::from_sts(&error);
            assert_eq!(failure.status.as_u16(), status, "{error:?}");
            assert_eq!(failure.code_desc, error.code());
            let body = failure.body("req-1");
            assert!(body["code"].as_u64().unwrap() > 0);
            assert_eq!(body["requestId"], "req-1");
        }
        let failure = Failure::from_sts(&Error::service("InternalError".into(), "m".into(), Some("sts-rid".into())));
        assert_eq!(failure.body("x")["stsRequestId"], "sts-rid");
    }
}

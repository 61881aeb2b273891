//! One error type for the whole library, and its JSON form for the C ABI.
//!
//! Every message is written for the person reading their server's log: it names the field or
//! the endpoint that is wrong. No message ever contains the secret key, a signature, the
//! `Authorization` header or a session token; the constructors take no such values.

use serde::Serialize;
use serde_json::Value;
use std::fmt;

/// The class of a failure; the C ABI turns it into `StsCode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad input: NULL, bad UTF-8, malformed JSON, failed validation. Nothing was sent.
    InvalidArgument,
    /// DNS, connect, TLS, proxy, timeout.
    Network,
    /// STS answered `Response.Error`; `code` is the service's own.
    Service,
    /// STS answered something that is not a valid response.
    BadResponse,
    /// A bug in libsts (a caught panic).
    Internal,
}

/// Library error codes. They all start with `Client.` so they never collide with the
/// service's own codes (`AuthFailure.*`, `InternalError`, ...). Documented in the README.
pub mod codes {
    pub const INVALID_ARGUMENT: &str = "Client.InvalidArgument";
    pub const NETWORK: &str = "Client.Network";
    pub const DNS: &str = "Client.Dns";
    pub const TIMEOUT: &str = "Client.Timeout";
    pub const TLS: &str = "Client.Tls";
    pub const PROXY: &str = "Client.Proxy";
    pub const BAD_RESPONSE: &str = "Client.BadResponse";
    pub const HTTP_STATUS: &str = "Client.HttpStatus";
    pub const RESPONSE_TOO_LARGE: &str = "Client.ResponseTooLarge";
    pub const INTERNAL: &str = "Client.Internal";
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    code: String,
    message: String,
    request_id: Option<String>,
    /// The HTTP status of an answer that was not an STS response (`Client.HttpStatus`).
    http_status: Option<u16>,
}

impl Error {
    pub fn new(kind: ErrorKind, code: &str, message: impl Into<String>) -> Self {
        Error { kind, code: code.to_owned(), message: message.into(), request_id: None, http_status: None }
    }

    /// Invalid input; `field` is the config key or scope path the message is about.
    pub fn invalid(field: &str, problem: impl fmt::Display) -> Self {
        Self::new(ErrorKind::InvalidArgument, codes::INVALID_ARGUMENT, format!("{field}: {problem}"))
    }

    /// The service's own `Response.Error`, kept intact.
    pub fn service(code: String, message: String, request_id: Option<String>) -> Self {
        Error { kind: ErrorKind::Service, code, message, request_id, http_status: None }
    }

    /// An HTTP error status whose body is not an STS answer (a gateway's 502 page, ...).
    pub fn http_status(status: u16, message: impl Into<String>) -> Self {
        Error { http_status: Some(status), ..Self::new(ErrorKind::BadResponse, codes::HTTP_STATUS, message) }
    }

    pub fn bad_response(code: &str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::BadResponse, code, message)
    }

    pub fn network(code: &str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Network, code, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, codes::INTERNAL, message)
    }

    /// Appends `; {note}` to the message (why a retry did not happen, ...).
    pub fn with_note(mut self, note: &str) -> Self {
        self.message.push_str("; ");
        self.message.push_str(note);
        self
    }

    pub fn with_request_id(mut self, request_id: Option<String>) -> Self {
        self.request_id = request_id;
        self
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    pub fn code(&self) -> &str {
        &self.code
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// Worth another attempt: network failures other than DNS/TLS/proxy set-up, HTTP 5xx, and
    /// the service's throttling and internal errors. Never auth or parameter errors.
    pub fn is_transient(&self) -> bool {
        match self.kind {
            ErrorKind::Network => matches!(self.code.as_str(), codes::NETWORK | codes::TIMEOUT),
            ErrorKind::Service => {
                self.code.starts_with("RequestLimitExceeded")
                    || self.code.starts_with("InternalError")
                    || self.code == "InvalidParameter.OverLimit"
            }
            ErrorKind::BadResponse => self.http_status.is_some_and(|status| status >= 500),
            ErrorKind::InvalidArgument | ErrorKind::Internal => false,
        }
    }

    /// `{"error":{"code":"...","message":"...","requestId":"..."|null}}`
    pub fn to_json(&self) -> String {
        #[derive(Serialize)]
        struct Body<'a> {
            code: &'a str,
            message: &'a str,
            #[serde(rename = "requestId")]
            request_id: Option<&'a str>,
        }
        #[derive(Serialize)]
        struct Envelope<'a> {
            error: Body<'a>,
        }
        let envelope = Envelope {
            error: Body { code: &self.code, message: &self.message, request_id: self.request_id.as_deref() },
        };
        // Serializing plain strings into a String cannot fail.
        serde_json::to_string(&envelope).unwrap_or_else(|_| {
            String::from(
                r#"{"error":{"code":"Client.Internal","message":"error serialization failed","requestId":null}}"#,
            )
        })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)?;
        if let Some(id) = &self.request_id {
            write!(f, " (requestId {id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An input string as shown in a message: long ones are cut, so an error stays readable.
pub fn abbreviate(text: &str) -> String {
    const SHOWN: usize = 64;
    match text.char_indices().nth(SHOWN) {
        Some((cut, _)) => format!("{}... ({} bytes)", &text[..cut], text.len()),
        None => text.to_owned(),
    }
}

/// ` (did you mean `x`?)` when a known name is within a small edit distance, else "".
pub fn suggestion(unknown: &str, known: &[&str]) -> String {
    let max_distance = |k: &str| (k.len() / 3).max(2);
    let lower = unknown.to_ascii_lowercase();
    known
        .iter()
        // The length difference bounds the distance from below: skip hopeless candidates, so a
        // huge unknown key costs no more than its length.
        .filter(|k| lower.len().abs_diff(k.len()) <= max_distance(k))
        .map(|k| (edit_distance(&lower, &k.to_ascii_lowercase()), *k))
        .filter(|(d, k)| *d <= max_distance(k))
        .min()
        .map(|(_, k)| format!(" (did you mean `{k}`?)"))
        .unwrap_or_default()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitute.min(previous + 1).min(row[j] + 1);
        }
    }
    row[b.len()]
}

/// How a JSON value's type is named in messages.
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// `field: expected X, got a Y`.
pub fn wrong_type(field: &str, expected: &str, got: &Value) -> Error {
    Error::invalid(field, format!("expected {expected}, got {}", type_name(got)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_form_has_code_message_and_request_id() {
        let e = Error::service("AuthFailure.SignatureFailure".into(), "bad sig".into(), Some("rid-1".into()));
        let v: serde_json::Value = serde_json::from_str(&e.to_json()).unwrap();
        assert_eq!(v["error"]["code"], "AuthFailure.SignatureFailure");
        assert_eq!(v["error"]["message"], "bad sig");
        assert_eq!(v["error"]["requestId"], "rid-1");
        let local = Error::invalid("bucket", "has no appid");
        let v: serde_json::Value = serde_json::from_str(&local.to_json()).unwrap();
        assert_eq!(v["error"]["code"], codes::INVALID_ARGUMENT);
        assert_eq!(v["error"]["message"], "bucket: has no appid");
        assert!(v["error"]["requestId"].is_null());
    }

    #[test]
    fn only_transient_failures_are_retried() {
        let service = |code: &str| Error::service(code.into(), String::new(), None);
        assert!(service("RequestLimitExceeded").is_transient());
        assert!(service("RequestLimitExceeded.UinLimitExceeded").is_transient());
        assert!(service("InternalError").is_transient());
        assert!(service("InternalError.DbError").is_transient());
        assert!(service("InvalidParameter.OverLimit").is_transient());
        assert!(!service("AuthFailure.SignatureFailure").is_transient());
        assert!(!service("InvalidParameter").is_transient());
        assert!(Error::network(codes::TIMEOUT, "t").is_transient());
        assert!(Error::network(codes::NETWORK, "reset").is_transient());
        assert!(!Error::network(codes::TLS, "bad cert").is_transient());
        assert!(!Error::network(codes::DNS, "no such host").is_transient());
        assert!(Error::http_status(503, "HTTP 503 from x").is_transient());
        assert!(!Error::http_status(404, "HTTP 404 from x").is_transient());
        assert!(!Error::bad_response(codes::BAD_RESPONSE, "not json").is_transient());
        assert!(!Error::invalid("x", "y").is_transient());
    }
}

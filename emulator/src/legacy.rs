//! Signature method v1: the legacy request style of the Tencent Cloud API that the vendor COS STS
//! SDKs still send (qcloud-cos-sts-sdk for Go, Python, Node.js and Java). The public parameters
//! travel with the action's parameters in an `application/x-www-form-urlencoded` POST body (or a
//! GET query), signed with HMAC-SHA1 or HMAC-SHA256 of the SecretKey.
//!
//! The rules, from Tencent's "签名方法 v1" document (API 3.0 signature v1), checked against what
//! the vendor code does (Go `Client.signed`/`makeFlat`, Python `Sts.__encrypt`/`Tools.flat_params`,
//! Node.js `util.getSignature`/`json2str`, Java `Sign.makeSignPlainText`/`Sign.sign`):
//! - every parameter but `Signature`, sorted by name in ASCII order, written `name=value` and
//!   joined with `&`; the values are the original ones, as decoded from the form, not encoded
//!   again (a `Policy` stays percent-encoded once, as the SDKs put it in);
//! - the string to sign is method + host + path + `?` + that, e.g.
//!   `POSTsts.tencentcloudapi.com/?Action=GetFederationToken&DurationSeconds=1800&...`;
//! - `Signature` is the standard, padded base64 of HMAC-SHA1 over it with the SecretKey, or of
//!   HMAC-SHA256 when the request says `SignatureMethod=HmacSHA256` (a signed parameter itself).
//!
//! The Java SDK's `key.replace("_", ".")` for the names of list items is not needed: no STS
//! parameter name holds a `_`.

use base64::Engine;
use ring::hmac;

/// The public parameters of signature v1; everything else in the form is the action's.
pub(crate) const PUBLIC_PARAMS: &[&str] = &[
    "Action",
    "Version",
    "Region",
    "Timestamp",
    "Nonce",
    "SecretId",
    "SignatureMethod",
    "Signature",
    "Token",
    "Language",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Method {
    HmacSha1,
    HmacSha256,
}

impl Method {
    /// The `SignatureMethod` parameter's method; absent or empty means HmacSHA1, the default.
    /// `None` for any other value.
    pub fn from_param(value: Option<&str>) -> Option<Method> {
        match value.unwrap_or("") {
            "" | "HmacSHA1" => Some(Method::HmacSha1),
            "HmacSHA256" => Some(Method::HmacSha256),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Method::HmacSha1 => "HmacSHA1",
            Method::HmacSha256 => "HmacSHA256",
        }
    }

    fn key(self, secret_key: &str) -> hmac::Key {
        let algorithm = match self {
            Method::HmacSha1 => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
            Method::HmacSha256 => hmac::HMAC_SHA256,
        };
        hmac::Key::new(algorithm, secret_key.as_bytes())
    }
}

/// Decodes a form (a POST body or a GET query) into its (name, value) pairs in order. `Err` with
/// the service's message for a pair without `=` and for a name given twice (the SDKs send each
/// once; which of two the service would sign is anyone's guess). Bytes that are not UTF-8 after
/// decoding are replaced (the crate's decoding); such a value cannot match its signature.
pub(crate) fn parse_form(raw: &[u8]) -> Result<Vec<(String, String)>, String> {
    if raw.split(|&b| b == b'&').any(|pair| !pair.is_empty() && !pair.contains(&b'=')) {
        return Err("Url key and value should be splited by `=`.".into());
    }
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (name, value) in form_urlencoded::parse(raw) {
        if name.is_empty() {
            return Err("A form parameter has an empty name.".into());
        }
        if pairs.iter().any(|(n, _)| *n == name) {
            return Err(format!("The parameter `{name}` is given more than once."));
        }
        pairs.push((name.into_owned(), value.into_owned()));
    }
    Ok(pairs)
}

/// The string a v1 signature signs: `method`, `host` and `path`, `?`, and the parameters but
/// `Signature` sorted by name as `name=value` joined with `&`.
pub(crate) fn string_to_sign(method: &str, host: &str, path: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().filter(|(name, _)| name != "Signature").collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let query: Vec<String> = sorted.iter().map(|(name, value)| format!("{name}={value}")).collect();
    format!("{method}{host}{path}?{}", query.join("&"))
}

/// The `Signature` a client sends for `string_to_sign` (the tests sign as the SDKs do).
#[cfg(test)]
pub(crate) fn signature(method: Method, secret_key: &str, string_to_sign: &str) -> String {
    let tag = hmac::sign(&method.key(secret_key), string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(tag.as_ref())
}

/// Whether `sent` is the signature of `string_to_sign`: decoded from base64 and compared in
/// constant time (ring's `hmac::verify`). Anything that is not base64 fails.
pub(crate) fn verify(method: Method, secret_key: &str, string_to_sign: &str, sent: &str) -> bool {
    let Ok(tag) = base64::engine::general_purpose::STANDARD.decode(sent) else { return false };
    hmac::verify(&method.key(secret_key), string_to_sign.as_bytes(), &tag).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect()
    }

    /// A GetFederationToken as the vendor Python SDK (qcloud-python-sts 3.1.6) builds it.
    fn python_request() -> Vec<(String, String)> {
        pairs(&[
            ("SecretId", "AKIDEMULATOREXAMPLE0000000000000000"),
            ("Timestamp", "1700000000"),
            ("Nonce", "123456"),
            ("Action", "GetFederationToken"),
            ("Version", "2018-08-13"),
            ("DurationSeconds", "1800"),
            ("Name", "cos-sts-python"),
            ("Policy", "%7B%22version%22%3A%20%222.0%22%2C%20%22statement%22%3A%20%5B%5D%7D"),
            ("Region", "ap-guangzhou"),
        ])
    }

    #[test]
    fn the_string_to_sign_sorts_by_name_and_keeps_values_as_sent() {
        let mut params = python_request();
        params.push(("Signature".into(), "left out".into()));
        assert_eq!(
            string_to_sign("POST", "sts.tencentcloudapi.com", "/", &params),
            "POSTsts.tencentcloudapi.com/?Action=GetFederationToken&DurationSeconds=1800&Name=cos-sts-python\
             &Nonce=123456&Policy=%7B%22version%22%3A%20%222.0%22%2C%20%22statement%22%3A%20%5B%5D%7D\
             &Region=ap-guangzhou&SecretId=AKIDEMULATOREXAMPLE0000000000000000&Timestamp=1700000000\
             &Version=2018-08-13"
        );
        // ASCII order: upper case before lower case, shorter prefix first.
        let params = pairs(&[("b", "1"), ("B", "2"), ("Ab", "3"), ("A", "4")]);
        assert_eq!(string_to_sign("GET", "h", "/", &params), "GETh/?A=4&Ab=3&B=2&b=1");
    }

    /// Vectors computed with the vendor SDKs' own code, not this module: Python's
    /// `sts.sts.Sts(...)._Sts__encrypt('POST', 'sts.tencentcloudapi.com', data)` for HmacSHA1,
    /// and for HmacSHA256 the same string through `hmac.new(key, source, hashlib.sha256)`, the
    /// Java SDK's `Sign.sign(..., "HmacSHA256")` algorithm.
    #[test]
    fn signatures_match_the_vendor_sdks() {
        let source = string_to_sign("POST", "sts.tencentcloudapi.com", "/", &python_request());
        let sha1 = signature(Method::HmacSha1, "emulator-secret-key-EXAMPLE", &source);
        assert_eq!(sha1, "1TQmI2EEKFuUr+QX6sbn+knM7gM=");
        let sha256 = signature(Method::HmacSha256, "emulator-secret-key-EXAMPLE", &source);
        assert_eq!(sha256, "gWWDxdfAwlPKE+bd3mk9Lxk1jt+lvG6bcqp7ovL92iY=");
        assert!(verify(Method::HmacSha1, "emulator-secret-key-EXAMPLE", &source, &sha1));
        assert!(verify(Method::HmacSha256, "emulator-secret-key-EXAMPLE", &source, &sha256));
        // The other method, the other key, another string, and what is not base64 all fail.
        assert!(!verify(Method::HmacSha256, "emulator-secret-key-EXAMPLE", &source, &sha1));
        assert!(!verify(Method::HmacSha1, "emulator-secret-key-EXAMPLE2", &source, &sha1));
        assert!(!verify(Method::HmacSha1, "emulator-secret-key-EXAMPLE", &format!("{source}&"), &sha1));
        for garbled in ["", "*", &sha1[1..], &format!("{sha1}A"), "AAAA"] {
            assert!(!verify(Method::HmacSha1, "emulator-secret-key-EXAMPLE", &source, garbled), "{garbled}");
        }
    }

    #[test]
    fn signature_methods_by_name() {
        assert_eq!(Method::from_param(None), Some(Method::HmacSha1));
        assert_eq!(Method::from_param(Some("")), Some(Method::HmacSha1));
        assert_eq!(Method::from_param(Some("HmacSHA1")), Some(Method::HmacSha1));
        assert_eq!(Method::from_param(Some("HmacSHA256")), Some(Method::HmacSha256));
        for other in ["hmacsha256", "HmacMD5", "TC3-HMAC-SHA256", " HmacSHA1"] {
            assert_eq!(Method::from_param(Some(other)), None, "{other}");
        }
    }

    #[test]
    fn forms_decode_like_the_clients_encode() {
        // `+` is a space in a form, `%2B` a plus; the value of Policy stays encoded once.
        let form = b"Signature=a%2Bb%2F%3D&Policy=%257B%2522a%2522%257D&Name=x+y&Empty=";
        assert_eq!(
            parse_form(form).unwrap(),
            pairs(&[("Signature", "a+b/="), ("Policy", "%7B%22a%22%7D"), ("Name", "x y"), ("Empty", "")])
        );
        assert_eq!(parse_form(b"").unwrap(), vec![]);
        assert_eq!(parse_form(b"a=1&&b=2&").unwrap(), pairs(&[("a", "1"), ("b", "2")]));
        assert_eq!(parse_form(b"a=1&b").unwrap_err(), "Url key and value should be splited by `=`.");
        assert!(parse_form(b"a=1&a=2").unwrap_err().contains("`a`"));
        assert!(parse_form(b"=1").unwrap_err().contains("empty name"));
    }
}

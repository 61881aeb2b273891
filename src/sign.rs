//! TC3-HMAC-SHA256, the Tencent Cloud API 3.0 request signature, as pure functions.
//!
//! Nothing here reads the clock or the network: the caller passes the timestamp, so the
//! official example can be checked byte for byte and the emulator can verify with the same code.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

pub const ALGORITHM: &str = "TC3-HMAC-SHA256";
/// Headers covered by the signature, in canonical (sorted, lower-case) order.
pub const SIGNED_HEADERS: &str = "content-type;host";
pub const CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// Everything that determines a TC3 signature of a `POST /` request.
#[derive(Clone, Copy)]
pub struct SigningInput<'a> {
    pub secret_id: &'a str,
    pub secret_key: &'a str,
    /// Service name as used in the credential scope, e.g. `sts`.
    pub service: &'a str,
    /// The `Host` header value, e.g. `sts.tencentcloudapi.com`.
    pub host: &'a str,
    pub content_type: &'a str,
    pub payload: &'a [u8],
    /// Unix seconds; also sent as `X-TC-Timestamp`. The scope's date is its UTC date.
    pub timestamp: i64,
}

// Deliberately no Debug: the input holds the secret key.

/// The canonical request of a `POST /` with no query string.
pub fn canonical_request(input: &SigningInput<'_>) -> String {
    format!(
        "POST\n/\n\ncontent-type:{}\nhost:{}\n\n{}\n{}",
        input.content_type,
        input.host,
        SIGNED_HEADERS,
        hex::encode(Sha256::digest(input.payload))
    )
}

/// `date/service/tc3_request`.
pub fn credential_scope(input: &SigningInput<'_>) -> String {
    format!("{}/{}/tc3_request", crate::time::utc_date(input.timestamp), input.service)
}

pub fn string_to_sign(input: &SigningInput<'_>) -> String {
    format!(
        "{}\n{}\n{}\n{}",
        ALGORITHM,
        input.timestamp,
        credential_scope(input),
        hex::encode(Sha256::digest(canonical_request(input).as_bytes()))
    )
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    // new_from_slice cannot fail for HMAC: any key length is valid.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// Lower-case hex signature.
pub fn signature(input: &SigningInput<'_>) -> String {
    let date = crate::time::utc_date(input.timestamp);
    // The derived keys sign any request of that day for that service: wiped like the secret
    // (a plain loop of zero stores may be removed by the optimizer; zeroize's are not).
    let mut prefixed_key = Zeroizing::new(Vec::with_capacity(3 + input.secret_key.len()));
    prefixed_key.extend_from_slice(b"TC3");
    prefixed_key.extend_from_slice(input.secret_key.as_bytes());
    let secret_date = Zeroizing::new(hmac_sha256(&prefixed_key, date.as_bytes()));
    let secret_service = Zeroizing::new(hmac_sha256(&*secret_date, input.service.as_bytes()));
    let secret_signing = Zeroizing::new(hmac_sha256(&*secret_service, b"tc3_request"));
    hex::encode(hmac_sha256(&*secret_signing, string_to_sign(input).as_bytes()))
}

/// The `Authorization` header value.
pub fn authorization(input: &SigningInput<'_>) -> String {
    format!(
        "{} Credential={}/{}, SignedHeaders={}, Signature={}",
        ALGORITHM,
        input.secret_id,
        credential_scope(input),
        SIGNED_HEADERS,
        Zeroizing::new(signature(input)).as_str()
    )
}

/// The parts of an `Authorization` header, as a verifier needs them.
#[derive(PartialEq, Eq)]
pub struct ParsedAuthorization<'a> {
    pub secret_id: &'a str,
    pub date: &'a str,
    pub service: &'a str,
    pub signed_headers: &'a str,
    pub signature: &'a str,
}

/// Splits `TC3-HMAC-SHA256 Credential=ID/DATE/SERVICE/tc3_request, SignedHeaders=..., Signature=...`.
/// Returns None when the header does not have that shape.
pub fn parse_authorization(header: &str) -> Option<ParsedAuthorization<'_>> {
    let rest = header.strip_prefix(ALGORITHM)?.strip_prefix(' ')?;
    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for part in rest.split(',') {
        let (key, value) = part.trim().split_once('=')?;
        match key {
            "Credential" => credential = Some(value),
            "SignedHeaders" => signed_headers = Some(value),
            "Signature" => signature = Some(value),
            _ => return None,
        }
    }
    let mut scope = credential?.splitn(4, '/');
    let secret_id = scope.next()?;
    let date = scope.next()?;
    let service = scope.next()?;
    if scope.next()? != "tc3_request" {
        return None;
    }
    Some(ParsedAuthorization { secret_id, date, service, signed_headers: signed_headers?, signature: signature? })
}

/// Constant-time comparison, so a verifier does not leak how much of a signature matched.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The official TC3 example from the Tencent Cloud API 3.0 signature documentation.
    fn official_example() -> SigningInput<'static> {
        SigningInput {
            secret_id: "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
            secret_key: "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
            service: "cvm",
            host: "cvm.tencentcloudapi.com",
            content_type: "application/json; charset=utf-8",
            payload: br#"{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}"#,
            timestamp: 1_551_113_065,
        }
    }

    #[test]
    fn canonical_request_hash_matches_official_example() {
        let hash = hex::encode(Sha256::digest(canonical_request(&official_example()).as_bytes()));
        assert_eq!(hash, "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031");
    }

    #[test]
    fn signature_matches_official_example() {
        assert_eq!(signature(&official_example()), "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168");
    }

    #[test]
    fn authorization_header_has_documented_shape_and_parses_back() {
        let header = authorization(&official_example());
        assert_eq!(
            header,
            "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, \
             SignedHeaders=content-type;host, \
             Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
        );
        let parsed = parse_authorization(&header).expect("parses");
        assert_eq!(parsed.secret_id, "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE");
        assert_eq!(parsed.date, "2019-02-25");
        assert_eq!(parsed.service, "cvm");
        assert_eq!(parsed.signed_headers, SIGNED_HEADERS);
    }

    #[test]
    fn scope_date_is_the_utc_date() {
        // 23:59:59 UTC on 2019-02-25 is already the 26th in China (UTC+8); the scope stays on the 25th.
        let input = SigningInput { timestamp: 1_551_139_199, ..official_example() };
        assert_eq!(credential_scope(&input), "2019-02-25/cvm/tc3_request");
    }

    #[test]
    fn any_change_to_the_input_changes_the_signature() {
        let base = signature(&official_example());
        let other_key = SigningInput { secret_key: "x", ..official_example() };
        let other_host = SigningInput { host: "sts.tencentcloudapi.com", ..official_example() };
        let other_body = SigningInput { payload: b"{}", ..official_example() };
        for changed in [other_key, other_host, other_body] {
            assert_ne!(signature(&changed), base);
        }
    }

    #[test]
    fn malformed_authorization_headers_are_rejected() {
        for header in [
            "",
            "TC3-HMAC-SHA256",
            "HMAC-SHA1 Credential=a/b/c/tc3_request, SignedHeaders=x, Signature=y",
            "TC3-HMAC-SHA256 Credential=a/b/c/other, SignedHeaders=x, Signature=y",
            "TC3-HMAC-SHA256 Credential=a/b/c/tc3_request, SignedHeaders=x",
            "TC3-HMAC-SHA256 Credential=a/b/c/tc3_request, Bogus=1, Signature=y",
        ] {
            assert!(parse_authorization(header).is_none(), "{header}");
        }
    }

    #[test]
    fn constant_time_eq_compares_contents_and_length() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}

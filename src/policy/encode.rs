//! Percent-encoding of the `Policy` parameter, through the `percent-encoding` crate.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Everything but the RFC 3986 unreserved characters (`A-Z a-z 0-9 - _ . ~`); bytes of
/// non-ASCII UTF-8 are always encoded.
const POLICY: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// The length of `percent_encode(input)`, without building it.
pub fn percent_encoded_len(input: &str) -> usize {
    utf8_percent_encode(input, POLICY).map(str::len).sum()
}

/// Percent-encodes for the `Policy` parameter: RFC 3986 unreserved characters are kept,
/// every other byte of the UTF-8 becomes `%XX` in upper case (so a space is `%20`).
pub fn percent_encode(input: &str) -> String {
    let mut out = String::with_capacity(percent_encoded_len(input));
    out.extend(utf8_percent_encode(input, POLICY));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoding_keeps_only_unreserved_characters() {
        assert_eq!(percent_encode("aZ09-_.~"), "aZ09-_.~");
        assert_eq!(percent_encode("a b/*:\"{}"), "a%20b%2F%2A%3A%22%7B%7D");
        assert_eq!(percent_encode("ä"), "%C3%A4");
        assert_eq!(percent_encode("+%"), "%2B%25");
        for text in ["", "abc", "a b/*:\"{}", "ä~"] {
            assert_eq!(percent_encoded_len(text), percent_encode(text).len());
        }
    }

    #[test]
    fn every_byte_is_encoded_as_the_hand_written_encoder_did() {
        // The rule the crate replaced: keep unreserved, %XX (upper case) for every other byte.
        let all: String = (0u32..0x800).filter_map(char::from_u32).collect();
        let expected: String = all
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        assert_eq!(percent_encode(&all), expected);
        assert_eq!(percent_encoded_len(&all), expected.len());
    }
}

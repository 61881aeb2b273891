//! Readers for config values: each turns a JSON value into a typed one or an error naming the
//! field, never quoting the value.

use crate::error::{wrong_type, Error, Result};
use serde_json::Value;

/// U+0000–U+001F and U+007F: never meaningful in a key, a name or a URL, and a NUL or a line
/// break inside a header value or a policy is an injection.
pub fn is_control(c: char) -> bool {
    c <= '\u{1f}' || c == '\u{7f}'
}

/// Refuses control characters, naming the field and the offset (never the value, which may be
/// a secret).
pub fn check_text(field: &str, value: &str) -> Result<()> {
    match value.char_indices().find(|(_, c)| is_control(*c)) {
        Some((at, c)) => Err(Error::invalid(
            field,
            format!(
                "contains the control character U+{:04X} at byte {at}; control characters are not allowed",
                c as u32
            ),
        )),
        None => Ok(()),
    }
}

/// A string without control characters.
pub fn string(field: &str, value: Value) -> Result<String> {
    let text = raw_string(field, value)?;
    check_text(field, &text)?;
    Ok(text)
}

/// A string whose characters are checked elsewhere (policy prefixes allow TAB).
pub fn raw_string(field: &str, value: Value) -> Result<String> {
    match value {
        Value::String(s) => Ok(s),
        other => Err(wrong_type(field, "a string", &other)),
    }
}

/// A string or a list of strings; never empty, no empty entries. Characters are the caller's
/// to check (prefixes and actions go to the policy's rules).
pub fn string_list(field: &str, value: Value) -> Result<Vec<String>> {
    let list = match value {
        Value::String(s) => vec![s],
        Value::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, item)| raw_string(&format!("{field}[{i}]"), item))
            .collect::<Result<_>>()?,
        other => return Err(wrong_type(field, "a string or a list of strings", &other)),
    };
    if list.is_empty() {
        return Err(Error::invalid(field, "empty list; give at least one entry"));
    }
    if let Some(i) = list.iter().position(String::is_empty) {
        return Err(Error::invalid(&format!("{field}[{i}]"), "empty string"));
    }
    Ok(list)
}

/// An integer in `min..=max` (`1800.0` and `"1800"` are refused).
pub fn integer(field: &str, value: &Value, min: u64, max: u64) -> Result<u64> {
    let number = match value {
        Value::Number(n) => n,
        other => return Err(wrong_type(field, "an integer", other)),
    };
    let n = number
        .as_u64()
        .ok_or_else(|| Error::invalid(field, format!("expected an integer in {min}..={max}, got {number}")))?;
    if !(min..=max).contains(&n) {
        return Err(Error::invalid(field, format!("{n} is out of range {min}..={max}")));
    }
    Ok(n)
}

/// `[A-Za-z0-9_` + `extra`]{2,128}, the service's rule for names, session names and external ids.
pub fn check_identifier(field: &str, value: &str, extra: &str) -> Result<()> {
    let length = value.chars().count();
    if !(2..=128).contains(&length) {
        return Err(Error::invalid(field, format!("must be 2 to 128 characters long, got {length}")));
    }
    if let Some(bad) = value.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || extra.contains(*c))) {
        return Err(Error::invalid(field, format!("contains {bad:?}; allowed are letters, digits and `_{extra}`")));
    }
    Ok(())
}

/// An environment variable, unset when empty.
pub fn from_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn control_characters_are_named_by_offset_never_quoted() {
        let message = string("secret_key", json!("s3cr3t\u{0}tail")).unwrap_err().message().to_owned();
        assert_eq!(
            message,
            "secret_key: contains the control character U+0000 at byte 6; control characters are not allowed"
        );
        for c in ['\u{1}', '\n', '\r', '\t', '\u{1b}', '\u{7f}'] {
            assert!(string("name", json!(format!("a{c}b"))).is_err(), "{c:?}");
        }
        assert_eq!(string("name", json!("ä ok")).unwrap(), "ä ok");
        assert_eq!(raw_string("allow_prefix", json!("a\tb")).unwrap(), "a\tb");
    }

    #[test]
    fn integers_are_exact_and_in_range() {
        assert_eq!(integer("n", &json!(5), 1, 10).unwrap(), 5);
        for (value, expected) in [
            (json!(0), "n: 0 is out of range 1..=10"),
            (json!(5.0), "n: expected an integer in 1..=10, got 5.0"),
            (json!(-1), "n: expected an integer in 1..=10, got -1"),
            (json!("5"), "n: expected an integer, got a string"),
        ] {
            assert_eq!(integer("n", &value, 1, 10).unwrap_err().message(), expected);
        }
    }
}

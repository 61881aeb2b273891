//! Every limit on policy input and output, and the checks of one string against them.
//!
//! Scopes come from untrusted web and mobile clients, and a resource repeats the bucket and
//! region once per prefix, so lengths multiply: each limit here is checked before anything is
//! built, and the whole output's length is computed from the checked input before it is
//! written. A refusal is `InvalidArgument` naming the field and the limit; a refused string is
//! never quoted back.

use crate::error::{Error, Result};
use std::fmt;

/// Bucket names (`BucketName-APPID`) are at most 50 characters in COS; 64 leaves headroom.
pub const MAX_BUCKET_BYTES: usize = 64;
/// Region names are about 16 characters at most (`na-siliconvalley`).
pub const MAX_REGION_BYTES: usize = 32;
/// COS object keys are at most 850 bytes of UTF-8; a prefix may add wildcards.
pub const MAX_PREFIX_BYTES: usize = 1024;
/// Object prefixes in one scope (or in a config's `allow_prefix`). A 64 KiB encoded policy
/// holds well under 1,000 resources, so more cannot be sent anyway; use a wildcard.
pub const MAX_PREFIXES_PER_SCOPE: usize = 1000;
/// One action name (`name/cos:PutBucketInventoryConfiguration` is 41 bytes).
pub const MAX_ACTION_BYTES: usize = 128;
/// Actions in one scope (or in a config's `allow_actions`); COS and CI have a few hundred in all.
pub const MAX_ACTIONS_PER_SCOPE: usize = 256;
/// Scopes in one `sts_get_policy` call.
pub const MAX_SCOPES: usize = 1000;
/// A scope's `condition` as written (its JSON text), or a config's as serialized.
pub const MAX_CONDITION_BYTES: usize = 16 * 1024;
/// Operators in one condition (`ip_equal`, `string_like`, ...).
pub const MAX_CONDITION_OPERATORS: usize = 16;
/// Condition keys under one operator (`qcs:ip`, `cos:prefix`, ...).
pub const MAX_CONDITION_KEYS: usize = 16;
/// Entries in one condition key's list of values.
pub const MAX_CONDITION_VALUES: usize = 256;
/// An operator or condition key name.
pub const MAX_CONDITION_NAME_BYTES: usize = 128;
/// One string value in a condition.
pub const MAX_CONDITION_STRING_BYTES: usize = 1024;
/// The policy `sts_get_policy` returns, computed from the checked scopes before it is built.
pub const MAX_POLICY_BYTES: usize = 1 << 20;
/// The policy a credential config builds from `bucket`/`allow_prefix`/`allow_actions`/
/// `condition`, percent-encoded as it is sent; checked before it is built.
pub const MAX_ENCODED_POLICY_BYTES: usize = 64 * 1024;

/// Whether TAB may appear: COS keys may hold it and the vendor SDKs pass it through, so it is
/// allowed in object-key prefixes and nowhere else.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    Allowed,
    Refused,
}

/// What is wrong with one string. Displays without quoting the string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    Empty,
    TooLong { len: usize, max: usize },
    Control { code: u8, at: usize },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Problem::Empty => f.write_str("empty string"),
            Problem::TooLong { len, max } => write!(f, "{len} bytes, over the {max}-byte limit"),
            Problem::Control { code, at } => write!(
                f,
                "contains the control character U+{code:04X} at byte {at}; control characters are not allowed{}",
                if code == b'\t' { " here (TAB only in object prefixes)" } else { "" }
            ),
        }
    }
}

/// Checks the length and the characters of one string; returns how many bytes JSON escaping
/// adds to it (each `"`, `\` and allowed TAB takes two bytes), so the output can be measured
/// in the same pass. The empty string is the caller's to judge.
#[inline]
pub fn scan(value: &str, max: usize, tab: Tab) -> Result<usize, Problem> {
    if value.len() > max {
        return Err(Problem::TooLong { len: value.len(), max });
    }
    // The common case, nothing special anywhere, as a branch-free pass that LLVM vectorizes:
    // this runs on every string of every scope.
    if !value.bytes().fold(false, |found, b| found | is_special(b)) {
        return Ok(0);
    }
    let mut extra = 0;
    for (at, &b) in value.as_bytes().iter().enumerate() {
        match b {
            b'"' | b'\\' => extra += 1,
            b'\t' if tab == Tab::Allowed => extra += 1,
            0x00..=0x1f | 0x7f => return Err(Problem::Control { code: b, at }),
            _ => {}
        }
    }
    Ok(extra)
}

/// A byte that is refused or needs JSON escaping.
#[inline]
pub(super) fn is_special(b: u8) -> bool {
    (b < 0x20) | (b == 0x7f) | (b == b'"') | (b == b'\\')
}

/// Refuses U+0000-U+001F and U+007F in `value` (TAB too unless `tab` allows it), naming
/// `field` and never quoting the value. For any string field of a config or a scope.
pub fn check_control(value: &str, field: &str, tab: Tab) -> Result<()> {
    scan(value, usize::MAX, tab).map(drop).map_err(|problem| Error::invalid(field, problem))
}

/// Checks one object prefix: non-empty, at most [`MAX_PREFIX_BYTES`], no control character
/// but TAB.
pub fn check_prefix(value: &str, field: &str) -> Result<()> {
    prefix_problem(value).map_or(Ok(()), |problem| Err(Error::invalid(field, problem)))
}

pub(super) fn prefix_problem(value: &str) -> Option<String> {
    if value.is_empty() {
        return Some("empty string; use \"*\" for the whole bucket".to_owned());
    }
    scan(value, MAX_PREFIX_BYTES, Tab::Allowed).err().map(|p| p.to_string())
}

/// Checks one action name: non-empty, at most [`MAX_ACTION_BYTES`], no control character.
pub fn check_action(value: &str, field: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::invalid(field, Problem::Empty));
    }
    scan(value, MAX_ACTION_BYTES, Tab::Refused).map(drop).map_err(|problem| Error::invalid(field, problem))
}

/// Checks a list of object prefixes given as `field` (`allow_prefix`, `scopes[0].prefix`):
/// 1 to [`MAX_PREFIXES_PER_SCOPE`] entries, each passing [`check_prefix`] as `field[i]`.
pub fn check_prefixes<S: AsRef<str>>(prefixes: &[S], field: &str) -> Result<()> {
    check_count(prefixes.len(), MAX_PREFIXES_PER_SCOPE, field, "prefix")?;
    for (i, prefix) in prefixes.iter().enumerate() {
        if let Some(problem) = prefix_problem(prefix.as_ref()) {
            return Err(Error::invalid(&format!("{field}[{i}]"), problem));
        }
    }
    Ok(())
}

/// Checks a list of actions given as `field` (`allow_actions`, `scopes[0].action`): 1 to
/// [`MAX_ACTIONS_PER_SCOPE`] entries, each passing [`check_action`] as `field[i]`.
pub fn check_actions<S: AsRef<str>>(actions: &[S], field: &str) -> Result<()> {
    check_count(actions.len(), MAX_ACTIONS_PER_SCOPE, field, "action")?;
    for (i, action) in actions.iter().enumerate() {
        check_action(action.as_ref(), &format!("{field}[{i}]"))?;
    }
    Ok(())
}

fn check_count(len: usize, max: usize, field: &str, what: &str) -> Result<()> {
    if len == 0 {
        return Err(Error::invalid(field, format!("empty list; give at least one {what}")));
    }
    if len > max {
        return Err(Error::invalid(field, too_many(len, max, "entries")));
    }
    Ok(())
}

/// "1005 entries, over the limit of 1000", when the whole list is known.
fn too_many(len: usize, max: usize, what: &str) -> String {
    format!("{len} {what}, over the limit of {max}")
}

/// "over the limit of 1000 entries", from a parser that stops reading at the first one too many.
pub(super) fn over_limit(max: usize, what: &str) -> String {
    format!("over the limit of {max} {what}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_counts_json_escapes_and_refuses_controls_by_position() {
        assert_eq!(scan("plain/ä", 64, Tab::Refused), Ok(0));
        assert_eq!(scan(r#"q"b\"#, 64, Tab::Refused), Ok(2));
        assert_eq!(scan("a\tb", 64, Tab::Allowed), Ok(1));
        assert_eq!(scan("a\tb", 64, Tab::Refused), Err(Problem::Control { code: 9, at: 1 }));
        for (text, code) in [("\u{0}", 0), ("x\u{1f}", 0x1f), ("\n", 10), ("\r", 13), ("\u{7f}", 0x7f)] {
            let at = text.len() - 1;
            assert_eq!(scan(text, 64, Tab::Allowed), Err(Problem::Control { code, at }), "{text:?}");
        }
        assert_eq!(scan(&"a".repeat(65), 64, Tab::Refused), Err(Problem::TooLong { len: 65, max: 64 }));
        // Exactly at the limit is fine; C1 controls and other Unicode are not this rule's business.
        assert_eq!(scan(&"a".repeat(64), 64, Tab::Refused), Ok(0));
        assert_eq!(scan("\u{85}\u{2028}", 64, Tab::Refused), Ok(0));
    }

    #[test]
    fn messages_name_the_field_and_never_quote_the_value() {
        let e = check_control("secret\u{0}value", "allow_prefix[2]", Tab::Allowed).unwrap_err();
        assert_eq!(
            e.message(),
            "allow_prefix[2]: contains the control character U+0000 at byte 6; control characters are not allowed"
        );
        let e = check_action("name/cos:Put\tObject", "allow_actions[0]").unwrap_err();
        assert!(e.message().starts_with("allow_actions[0]: contains the control character U+0009 at byte 12"));
        assert!(e.message().ends_with("(TAB only in object prefixes)"), "{}", e.message());
        assert!(!e.message().contains("Object"));
        check_prefix("dir/with\ttab/*", "allow_prefix[0]").unwrap();
        let e = check_prefix(&"p".repeat(MAX_PREFIX_BYTES + 1), "allow_prefix[1]").unwrap_err();
        assert_eq!(e.message(), "allow_prefix[1]: 1025 bytes, over the 1024-byte limit");
        assert!(check_prefix("", "x").unwrap_err().message().starts_with("x: empty string"));
    }

    #[test]
    fn list_checks_name_the_list_or_the_entry() {
        let many = vec!["a/*"; MAX_PREFIXES_PER_SCOPE + 5];
        assert_eq!(
            check_prefixes(&many, "allow_prefix").unwrap_err().message(),
            "allow_prefix: 1005 entries, over the limit of 1000"
        );
        check_prefixes(&many[..MAX_PREFIXES_PER_SCOPE], "allow_prefix").unwrap();
        let none: [&str; 0] = [];
        assert!(check_prefixes(&none, "allow_prefix").unwrap_err().message().starts_with("allow_prefix: empty list"));
        assert!(check_actions(&["a", "b\u{7f}"], "allow_actions")
            .unwrap_err()
            .message()
            .starts_with("allow_actions[1]: contains the control character U+007F at byte 1"));
        let long = "a".repeat(MAX_ACTION_BYTES + 1);
        assert_eq!(
            check_actions(&[long.as_str()], "allow_actions").unwrap_err().message(),
            "allow_actions[0]: 129 bytes, over the 128-byte limit"
        );
        let actions = vec!["a"; MAX_ACTIONS_PER_SCOPE + 1];
        assert!(check_actions(&actions, "scopes[0].action").unwrap_err().message().contains("over the limit of 256"));
    }
}

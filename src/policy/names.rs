//! Bucket and region names, and the appid inside a bucket name.
//!
//! Both end up between the `:` separators of a resource, so they are limited to the
//! characters COS allows in them, and to [`MAX_BUCKET_BYTES`] and [`MAX_REGION_BYTES`].

use super::limits::{scan, Tab, MAX_BUCKET_BYTES, MAX_REGION_BYTES};
use crate::error::{abbreviate, Error, Result};

/// The appid of a bucket named `name-appid`: the digits after the last `-`.
pub fn appid_of<'b>(bucket: &'b str, field: &str) -> Result<&'b str> {
    appid(bucket).ok_or_else(|| Error::invalid(field, no_appid(bucket)))
}

pub(super) fn appid(bucket: &str) -> Option<&str> {
    let appid = bucket.rsplit_once('-')?.1;
    (!appid.is_empty() && appid.bytes().all(|b| b.is_ascii_digit())).then_some(appid)
}

pub(super) fn no_appid(bucket: &str) -> String {
    format!(
        "`{}` has no numeric appid after its last `-`; expected a name such as example-1250000000",
        abbreviate(bucket)
    )
}

/// Checks the characters of a bucket or region name: letters, digits and `-`, non-empty.
/// (No length limit: [`check_bucket`] and [`check_region`] add theirs.)
pub fn check_name(value: &str, field: &str) -> Result<()> {
    name_problem(value, usize::MAX).map_or(Ok(()), |problem| Err(Error::invalid(field, problem)))
}

/// Checks a bucket name: at most [`MAX_BUCKET_BYTES`], letters, digits and `-`, and a
/// numeric appid after the last `-`. Returns the appid.
pub fn check_bucket<'b>(value: &'b str, field: &str) -> Result<&'b str> {
    if let Some(problem) = name_problem(value, MAX_BUCKET_BYTES) {
        return Err(Error::invalid(field, problem));
    }
    appid_of(value, field)
}

/// Checks a region name: at most [`MAX_REGION_BYTES`], letters, digits and `-`.
pub fn check_region(value: &str, field: &str) -> Result<()> {
    name_problem(value, MAX_REGION_BYTES).map_or(Ok(()), |problem| Err(Error::invalid(field, problem)))
}

/// What is wrong with a bucket or region name, if anything. The name is quoted (abbreviated)
/// only when it is merely the wrong characters, never when it holds a control character.
pub(super) fn name_problem(value: &str, max: usize) -> Option<String> {
    if value.is_empty() {
        return Some("must not be empty".to_owned());
    }
    if value.len() <= max && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return None;
    }
    if let Err(problem) = scan(value, max, Tab::Refused) {
        return Some(problem.to_string());
    }
    let bad = value.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))?;
    Some(format!("`{}` contains {bad:?}; only letters, digits and `-` are allowed", abbreviate(value)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_and_region_limits_name_the_field() {
        assert_eq!(check_bucket("example-1250000000", "bucket").unwrap(), "1250000000");
        let long = format!("{}-1", "b".repeat(MAX_BUCKET_BYTES - 1));
        assert_eq!(check_bucket(&long, "bucket").unwrap_err().message(), "bucket: 65 bytes, over the 64-byte limit");
        let at_limit = format!("{}-1", "b".repeat(MAX_BUCKET_BYTES - 2));
        assert_eq!(check_bucket(&at_limit, "bucket").unwrap(), "1");
        let huge = "b".repeat(400 * 1024);
        assert_eq!(
            check_bucket(&huge, "scopes[0].bucket").unwrap_err().message(),
            "scopes[0].bucket: 409600 bytes, over the 64-byte limit"
        );
        assert_eq!(
            check_region(&"r".repeat(33), "region").unwrap_err().message(),
            "region: 33 bytes, over the 32-byte limit"
        );
        check_region("na-siliconvalley", "region").unwrap();
        assert!(check_bucket("examplebucket", "bucket").unwrap_err().message().contains("no numeric appid"));
        assert!(check_name("", "region").unwrap_err().message().ends_with("must not be empty"));
        // check_name keeps its old contract: characters only.
        check_name(&"r".repeat(100), "region").unwrap();
    }

    #[test]
    fn control_characters_in_names_are_not_quoted() {
        let e = check_bucket("b\u{0}-1", "bucket").unwrap_err();
        assert_eq!(
            e.message(),
            "bucket: contains the control character U+0000 at byte 1; control characters are not allowed"
        );
        let e = check_region("ap\nguangzhou", "region").unwrap_err();
        assert!(e.message().starts_with("region: contains the control character U+000A at byte 2"), "{e:?}");
        assert!(!e.message().contains("guangzhou"));
        // Wrong but printable characters are quoted, abbreviated, as before.
        let e = check_name("b:1", "bucket").unwrap_err();
        assert_eq!(e.message(), "bucket: `b:1` contains ':'; only letters, digits and `-` are allowed");
    }
}

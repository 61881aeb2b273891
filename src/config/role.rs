//! AssumeRole's extras: session `tags`, `source_identity` and MFA (`serial_number` with
//! `token_code`), checked here by the service's rules so a bad one never sends a request.

use super::keys::Given;
use super::read::{check_identifier, check_text, raw_string, string};
use super::Secret;
use crate::error::{wrong_type, Error, Result};
use serde_json::Value;

/// The service's limits on session tags.
pub const MAX_TAGS: usize = 50;
pub const MAX_TAG_KEY_CHARS: usize = 128;
pub const MAX_TAG_VALUE_CHARS: usize = 256;
/// An MFA device's code: this many ASCII digits.
pub const TOKEN_CODE_DIGITS: usize = 6;

/// A session tag, sent as `{"Key": .., "Value": ..}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

/// The MFA device and its current code; the code is treated as a secret (it grants a session
/// while it is valid), so `Debug` never shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mfa {
    pub serial_number: String,
    pub token_code: Secret,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoleExtras {
    pub tags: Vec<Tag>,
    pub source_identity: Option<String>,
    pub mfa: Option<Mfa>,
}

pub(super) fn read_extras(given: &mut Given) -> Result<RoleExtras> {
    let tags_field = given.name_of("tags");
    let tags = given.take("tags").map(|v| read_tags(&tags_field, v)).transpose()?.unwrap_or_default();
    let source_field = given.name_of("source_identity");
    let source_identity = given.take("source_identity").map(|v| string(&source_field, v)).transpose()?;
    if let Some(source) = &source_identity {
        check_identifier(&source_field, source, "+=,.@-")?;
    }
    let serial_field = given.name_of("serial_number");
    let code_field = given.name_of("token_code");
    let serial = given.take("serial_number").map(|v| string(&serial_field, v)).transpose()?;
    let code = given.take("token_code").map(|v| raw_string(&code_field, v).map(Secret::new)).transpose()?;
    let mfa = match (serial, code) {
        (None, None) => None,
        (Some(_), None) => {
            return Err(Error::invalid(&code_field, "missing; `serial_number` needs the MFA device's current code"))
        }
        (None, Some(_)) => {
            return Err(Error::invalid(&serial_field, "missing; `token_code` needs the MFA device's serial number"))
        }
        (Some(serial_number), Some(token_code)) => {
            check_identifier(&serial_field, &serial_number, "+=,.@:/-")?;
            let code = token_code.expose();
            if code.len() != TOKEN_CODE_DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
                // The code is never quoted: it is a credential while it is valid.
                return Err(Error::invalid(
                    &code_field,
                    format!("must be the {TOKEN_CODE_DIGITS} digits the MFA device shows"),
                ));
            }
            Some(Mfa { serial_number, token_code })
        }
    };
    Ok(RoleExtras { tags, source_identity, mfa })
}

fn read_tags(field: &str, value: Value) -> Result<Vec<Tag>> {
    let items = match value {
        Value::Array(items) => items,
        other => return Err(wrong_type(field, "a list of {\"key\": .., \"value\": ..}", &other)),
    };
    if items.len() > MAX_TAGS {
        return Err(Error::invalid(field, format!("{} tags, over the service's limit of {MAX_TAGS}", items.len())));
    }
    let mut tags: Vec<Tag> = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let at = format!("{field}[{i}]");
        let mut object = match item {
            Value::Object(object) => object,
            other => return Err(wrong_type(&at, "an object {\"key\": .., \"value\": ..}", &other)),
        };
        let mut text = |name: &str, max: usize, min: usize| -> Result<String> {
            let field = format!("{at}.{name}");
            let value = object.remove(name).ok_or_else(|| Error::invalid(&field, "missing"))?;
            let value = raw_string(&field, value)?;
            check_text(&field, &value)?;
            let chars = value.chars().count();
            if !(min..=max).contains(&chars) {
                return Err(Error::invalid(&field, format!("must be {min} to {max} characters long, got {chars}")));
            }
            Ok(value)
        };
        let key = text("key", MAX_TAG_KEY_CHARS, 1)?;
        let value = text("value", MAX_TAG_VALUE_CHARS, 0)?;
        if let Some(unknown) = object.keys().next() {
            return Err(Error::invalid(
                &format!("{at}.{}", crate::error::abbreviate(unknown).escape_debug()),
                "unknown key; a tag has only `key` and `value`",
            ));
        }
        if let Some(first) = tags.iter().position(|t| t.key == key) {
            return Err(Error::invalid(
                &format!("{at}.key"),
                format!("repeats the key of {field}[{first}]; tag keys must be unique"),
            ));
        }
        tags.push(Tag { key, value });
    }
    Ok(tags)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Action, ActionParams, Config};
    use serde_json::json;

    const EXTRA_KEYS: &[&str] = &["tags", "source_identity", "serial_number", "token_code"];

    fn parse(extra: Value) -> Result<RoleExtras> {
        let mut config =
            json!({"secret_id": "AKIDEXAMPLE", "secret_key": "k", "role_arn": "qcs::cam::uin/1:roleName/r"});
        config.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        let config = Config::parse(&config.to_string(), Action::AssumeRole)?;
        match config.params {
            ActionParams::Role { extras, .. } => Ok(extras),
            other => panic!("not AssumeRole: {other:?}"),
        }
    }

    fn message(extra: Value) -> String {
        parse(extra).unwrap_err().message().to_owned()
    }

    #[test]
    fn tags_source_identity_and_mfa_are_read() {
        let extras = parse(json!({
            "tags": [{"key": "team", "value": "media"}, {"key": "env", "value": ""}],
            "sourceIdentity": "user-1@example",
            "serial_number": "qcs::cam::uin/1:mfa/softToken",
            "tokenCode": "012345",
        }))
        .unwrap();
        assert_eq!(
            extras.tags,
            vec![Tag { key: "team".into(), value: "media".into() }, Tag { key: "env".into(), value: "".into() }]
        );
        assert_eq!(extras.source_identity.as_deref(), Some("user-1@example"));
        let mfa = extras.mfa.unwrap();
        assert_eq!((mfa.serial_number.as_str(), mfa.token_code.expose()), ("qcs::cam::uin/1:mfa/softToken", "012345"));
        assert!(!format!("{mfa:?}").contains("012345"), "the code is redacted in Debug");
        assert_eq!(parse(json!({})).unwrap(), RoleExtras::default());
    }

    #[test]
    fn each_tag_rule_names_the_tag_and_field() {
        let many: Vec<Value> = (0..51).map(|i| json!({"key": format!("k{i}"), "value": "v"})).collect();
        let long_key = "k".repeat(129);
        let long_value = "v".repeat(257);
        for (tags, expected) in [
            (json!({"key": "a"}), "tags: expected a list of {\"key\": .., \"value\": ..}, got an object"),
            (Value::Array(many), "tags: 51 tags, over the service's limit of 50"),
            (
                json!([{"key": "a", "value": "1"}, "b"]),
                "tags[1]: expected an object {\"key\": .., \"value\": ..}, got a string",
            ),
            (json!([{"value": "1"}]), "tags[0].key: missing"),
            (json!([{"key": "a"}]), "tags[0].value: missing"),
            (json!([{"key": 1, "value": "1"}]), "tags[0].key: expected a string, got a number"),
            (json!([{"key": "", "value": "1"}]), "tags[0].key: must be 1 to 128 characters long, got 0"),
            (json!([{"key": long_key, "value": "1"}]), "tags[0].key: must be 1 to 128 characters long, got 129"),
            (json!([{"key": "a", "value": long_value}]), "tags[0].value: must be 0 to 256 characters long, got 257"),
            (
                json!([{"key": "a", "value": "1"}, {"key": "b", "value": "2"}, {"key": "c", "value": "3"}, {"key": "d\u{0}", "value": "4"}]),
                "tags[3].key: contains the control character U+0000 at byte 1; control characters are not allowed",
            ),
            (
                json!([{"key": "a", "value": "x\ny"}]),
                "tags[0].value: contains the control character U+000A at byte 1; control characters are not allowed",
            ),
            (
                json!([{"key": "a", "value": "1", "Key": "b"}]),
                "tags[0].Key: unknown key; a tag has only `key` and `value`",
            ),
            (
                json!([{"key": "a", "value": "1"}, {"key": "a", "value": "2"}]),
                "tags[1].key: repeats the key of tags[0]; tag keys must be unique",
            ),
        ] {
            assert_eq!(message(json!({ "tags": tags })), expected);
        }
        // 50 tags and the longest key and value are fine; characters are counted, not bytes.
        let fifty: Vec<Value> = (0..50).map(|i| json!({"key": format!("k{i}"), "value": "v"})).collect();
        assert_eq!(parse(json!({ "tags": fifty })).unwrap().tags.len(), 50);
        let extras = parse(json!({"tags": [{"key": "é".repeat(128), "value": "ü".repeat(256)}]})).unwrap();
        assert_eq!(extras.tags[0].key.chars().count(), 128);
    }

    #[test]
    fn mfa_needs_both_halves_and_six_digits_never_quoting_the_code() {
        assert_eq!(
            message(json!({"serial_number": "qcs::cam::uin/1:mfa/softToken"})),
            "token_code: missing; `serial_number` needs the MFA device's current code"
        );
        assert_eq!(
            message(json!({"tokenCode": "123456"})),
            "serial_number: missing; `token_code` needs the MFA device's serial number"
        );
        for code in ["12345", "1234567", "12345a", "１２３４５６", "98765 "] {
            let m = message(json!({"serial_number": "qcs::cam::uin/1:mfa/softToken", "token_code": code}));
            assert_eq!(m, "token_code: must be the 6 digits the MFA device shows", "{code}");
            assert!(!m.contains(code.trim()));
        }
        assert_eq!(
            message(json!({"serial_number": "a b", "token_code": "123456"})),
            "serial_number: contains ' '; allowed are letters, digits and `_+=,.@:/-`"
        );
        assert_eq!(
            message(json!({"source_identity": "x"})),
            "source_identity: must be 2 to 128 characters long, got 1"
        );
    }

    #[test]
    fn the_extras_belong_to_assume_role_alone() {
        for key in EXTRA_KEYS {
            let text = json!({"secret_id": "AKIDEXAMPLE", "secret_key": "k", "policy": {"version": "2.0", "statement": []}, *key: "x"});
            let e = Config::parse(&text.to_string(), Action::GetFederationToken).unwrap_err();
            assert_eq!(
                e.message(),
                format!("{key}: is a parameter of AssumeRole (sts_get_role_credential), not of sts_get_credential")
            );
        }
    }
}

//! The shape of a CAM `condition`: an object of operator -> object of condition key ->
//! string, number, boolean, or a list of those. Nothing deeper.
//!
//! One validator for both inputs: a scope's condition (raw JSON text, passed on verbatim once
//! it is valid) and a config's (a `serde_json::Value`); both are read through serde visitors,
//! so a 100,000-level nesting is refused at its third level without being walked. Errors
//! name the path (`scopes[0].condition.string_equal.cos:x`) and never quote a value.

use super::limits::{
    over_limit, scan, Problem, Tab, MAX_CONDITION_BYTES, MAX_CONDITION_KEYS, MAX_CONDITION_NAME_BYTES,
    MAX_CONDITION_OPERATORS, MAX_CONDITION_STRING_BYTES, MAX_CONDITION_VALUES,
};
use super::scopes::{strip_position, Text};
use crate::error::{Error, Result};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::cell::RefCell;
use std::fmt;

const OBJECT: &str = "expected a JSON object such as {\"ip_equal\":{\"qcs:ip\":[\"10.0.0.1\"]}}";
const KEYS: &str = "expected an object of condition keys such as {\"qcs:ip\":[\"10.0.0.1\"]}";
const VALUE: &str = "expected a string, number, boolean or a list of them";
const ENTRY: &str = "expected a string, number or boolean";

/// Checks a condition given as JSON text (a scope's), including its size.
pub fn check_condition_json(json: &str, field: &str) -> Result<()> {
    if json.len() > MAX_CONDITION_BYTES {
        return Err(Error::invalid(field, Problem::TooLong { len: json.len(), max: MAX_CONDITION_BYTES }));
    }
    check_with(&mut serde_json::Deserializer::from_str(json), field)
}

/// Checks a config's `condition` (given as `field`) and returns it as compact JSON.
pub fn condition_json(condition: &Value, field: &str) -> Result<String> {
    check_with(condition, field)?;
    let json = condition.to_string();
    if json.len() > MAX_CONDITION_BYTES {
        return Err(Error::invalid(field, Problem::TooLong { len: json.len(), max: MAX_CONDITION_BYTES }));
    }
    Ok(json)
}

/// Checks a config's `condition` (given as `field`): its shape, names, values and size.
pub fn check_condition(condition: &Value, field: &str) -> Result<()> {
    condition_json(condition, field).map(drop)
}

fn check_with<'de, D: Deserializer<'de>>(deserializer: D, field: &str) -> Result<()> {
    let failure = RefCell::new(None);
    let context = Context { field, failure: &failure };
    match deserializer.deserialize_any(Operators { context: &context }) {
        Ok(()) => Ok(()),
        // Ours carries the path; serde's own (a number out of range) gets the field.
        Err(e) => Err(failure.into_inner().unwrap_or_else(|| Error::invalid(field, strip_position(&e.to_string())))),
    }
}

/// The field's name and the first failure, kept outside serde's error type so that the path
/// is built from parts, not parsed back out of a message.
struct Context<'c> {
    field: &'c str,
    failure: &'c RefCell<Option<Error>>,
}

impl Context<'_> {
    fn fail<E: de::Error>(&self, path: fmt::Arguments<'_>, problem: impl fmt::Display) -> E {
        let mut failure = self.failure.borrow_mut();
        if failure.is_none() {
            *failure = Some(Error::invalid(&format!("{}{path}", self.field), problem));
        }
        E::custom("invalid condition")
    }
}

/// Operator and key names: non-empty, bounded, no control character. The name is not shown:
/// `what` says which one (`operator 2`), by position.
fn name_problem(name: &str, what: fmt::Arguments<'_>) -> Option<String> {
    match scan(name, MAX_CONDITION_NAME_BYTES, Tab::Refused) {
        _ if name.is_empty() => Some(format!("the name of {what} is empty")),
        Ok(_) => None,
        Err(problem @ Problem::TooLong { .. }) => Some(format!("the name of {what} is {problem}")),
        Err(problem) => Some(format!("the name of {what} {problem}")),
    }
}

/// The top level: operator -> keys.
struct Operators<'c> {
    context: &'c Context<'c>,
}

impl<'de> Visitor<'de> for Operators<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(OBJECT)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let context = self.context;
        let mut seen: Vec<Text<'de>> = Vec::new();
        while let Some(operator) = map.next_key::<Text<'de>>()? {
            let name = operator.0.as_ref();
            if let Some(problem) = name_problem(name, format_args!("operator {}", seen.len())) {
                return Err(context.fail(format_args!(""), problem));
            }
            if seen.len() == MAX_CONDITION_OPERATORS {
                return Err(context.fail(format_args!(""), over_limit(MAX_CONDITION_OPERATORS, "operators")));
            }
            if seen.contains(&operator) {
                return Err(context.fail(format_args!(".{name}"), "given more than once"));
            }
            map.next_value_seed(Keys { context, operator: name })?;
            seen.push(operator);
        }
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        Err(self.context.fail(format_args!(""), OBJECT))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Err(self.context.fail(format_args!(""), OBJECT))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Err(self.context.fail(format_args!(""), OBJECT))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Err(self.context.fail(format_args!(""), OBJECT))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Err(self.context.fail(format_args!(""), OBJECT))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Err(self.context.fail(format_args!(""), OBJECT))
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Err(self.context.fail(format_args!(""), OBJECT))
    }
}

/// Under one operator: condition key -> value(s).
struct Keys<'c, 'n> {
    context: &'c Context<'c>,
    operator: &'n str,
}

impl<'de> DeserializeSeed<'de> for Keys<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Keys<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(KEYS)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let (context, operator) = (self.context, self.operator);
        let mut seen: Vec<Text<'de>> = Vec::new();
        while let Some(key) = map.next_key::<Text<'de>>()? {
            let name = key.0.as_ref();
            if let Some(problem) = name_problem(name, format_args!("key {}", seen.len())) {
                return Err(context.fail(format_args!(".{operator}"), problem));
            }
            if seen.len() == MAX_CONDITION_KEYS {
                return Err(context.fail(format_args!(".{operator}"), over_limit(MAX_CONDITION_KEYS, "keys")));
            }
            if seen.contains(&key) {
                return Err(context.fail(format_args!(".{operator}.{name}"), "given more than once"));
            }
            map.next_value_seed(Values { context, operator, key: name })?;
            seen.push(key);
        }
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        Err(self.context.fail(format_args!(".{}", self.operator), KEYS))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Err(self.context.fail(format_args!(".{}", self.operator), KEYS))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Err(self.context.fail(format_args!(".{}", self.operator), KEYS))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Err(self.context.fail(format_args!(".{}", self.operator), KEYS))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Err(self.context.fail(format_args!(".{}", self.operator), KEYS))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Err(self.context.fail(format_args!(".{}", self.operator), KEYS))
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Err(self.context.fail(format_args!(".{}", self.operator), KEYS))
    }
}

/// The value of one condition key (`index: None`), or one entry of its list.
struct Values<'c, 'n> {
    context: &'c Context<'c>,
    operator: &'n str,
    key: &'n str,
}

struct Entry<'c, 'n> {
    values: &'c Values<'c, 'n>,
    index: usize,
}

impl Values<'_, '_> {
    fn fail<E: de::Error>(&self, index: Option<usize>, problem: impl fmt::Display) -> E {
        match index {
            Some(i) => self.context.fail(format_args!(".{}.{}[{i}]", self.operator, self.key), problem),
            None => self.context.fail(format_args!(".{}.{}", self.operator, self.key), problem),
        }
    }

    fn string<E: de::Error>(&self, index: Option<usize>, value: &str) -> Result<(), E> {
        match scan(value, MAX_CONDITION_STRING_BYTES, Tab::Refused) {
            Ok(_) => Ok(()),
            Err(problem) => Err(self.fail(index, problem)),
        }
    }
}

impl<'de> DeserializeSeed<'de> for Values<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Values<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(VALUE)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        while seq.next_element_seed(Entry { values: &self, index })?.is_some() {
            index += 1;
            if index > MAX_CONDITION_VALUES {
                return Err(self.fail(None, over_limit(MAX_CONDITION_VALUES, "entries")));
            }
        }
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        Err(self.fail(None, VALUE))
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Err(self.fail(None, VALUE))
    }
    fn visit_str<E: de::Error>(self, value: &str) -> Result<(), E> {
        self.string(None, value)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for Entry<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Entry<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(ENTRY)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        Err(self.values.fail(Some(self.index), ENTRY))
    }
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        Err(self.values.fail(Some(self.index), ENTRY))
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Err(self.values.fail(Some(self.index), ENTRY))
    }
    fn visit_str<E: de::Error>(self, value: &str) -> Result<(), E> {
        self.values.string(Some(self.index), value)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn raw_error(json: &str) -> String {
        check_condition_json(json, "scopes[0].condition").unwrap_err().message().to_owned()
    }

    fn value_error(value: Value) -> String {
        check_condition(&value, "condition").unwrap_err().message().to_owned()
    }

    #[test]
    fn the_two_level_shape_is_accepted() {
        for ok in [
            json!({}),
            json!({"ip_equal": {"qcs:ip": ["10.217.182.3/24", "111.21.33.72/24"]}}),
            json!({"string_equal": {"cos:x": "a"}, "numeric_less_than_equal": {"cos:content-length": 10.5}}),
            json!({"bool_equal": {"k": true, "j": [1, -2, 3.5, false, "x y"]}}),
            json!({"string_like": {"cos:prefix": []}}),
        ] {
            check_condition(&ok, "condition").unwrap_or_else(|e| panic!("{ok}: {e:?}"));
            check_condition_json(&ok.to_string(), "c").unwrap_or_else(|e| panic!("{ok}: {e:?}"));
        }
        // TAB is the one control character allowed in object keys, not in condition values.
        let tab = json!({"string_equal": {"cos:x": "x\ty"}});
        assert_eq!(
            value_error(tab),
            "condition.string_equal.cos:x: contains the control character U+0009 at byte 1; control characters are not allowed here (TAB only in object prefixes)"
        );
    }

    #[test]
    fn wrong_shapes_name_the_path() {
        let cases = [
            (r#"[1]"#, "scopes[0].condition: expected a JSON object such as"),
            (r#""x""#, "scopes[0].condition: expected a JSON object"),
            (r#"{"ip_equal":["x"]}"#, "scopes[0].condition.ip_equal: expected an object of condition keys"),
            (r#"{"ip_equal":null}"#, "scopes[0].condition.ip_equal: expected an object of condition keys"),
            (
                r#"{"string_equal":{"cos:x":{"a":"b"}}}"#,
                "scopes[0].condition.string_equal.cos:x: expected a string, number, boolean or a list of them",
            ),
            (r#"{"string_equal":{"cos:x":null}}"#, "scopes[0].condition.string_equal.cos:x: expected a string"),
            (
                r#"{"string_equal":{"cos:x":["a",["b"]]}}"#,
                "scopes[0].condition.string_equal.cos:x[1]: expected a string, number or boolean",
            ),
            (r#"{"string_equal":{"cos:x":[{}]}}"#, "scopes[0].condition.string_equal.cos:x[0]: expected a string"),
            (r#"{"string_equal":{"cos:x":[null]}}"#, "scopes[0].condition.string_equal.cos:x[0]: expected a string"),
            (r#"{"":{"k":"v"}}"#, "scopes[0].condition: the name of operator 0 is empty"),
            (
                r#"{"a":{},"b\u0001":{"k":"v"}}"#,
                "scopes[0].condition: the name of operator 1 contains the control character U+0001 at byte 1",
            ),
            (r#"{"a":{"k\n":"v"}}"#, "scopes[0].condition.a: the name of key 0 contains the control character U+000A"),
            (
                r#"{"a":{"k":"v\u0000secret"}}"#,
                "scopes[0].condition.a.k: contains the control character U+0000 at byte 1",
            ),
            (r#"{"a":{"k":["ok","v\u007f"]}}"#, "scopes[0].condition.a.k[1]: contains the control character U+007F"),
            (r#"{"a":{},"a":{}}"#, "scopes[0].condition.a: given more than once"),
            (r#"{"a":{"k":1,"k":2}}"#, "scopes[0].condition.a.k: given more than once"),
            (r#"{"a":{"k":1e999}}"#, "scopes[0].condition: number out of range"),
        ];
        for (input, expected) in cases {
            let got = raw_error(input);
            assert!(got.starts_with(expected), "{input}\n  got      {got}\n  expected {expected}...");
            assert!(!got.contains("secret"), "{got}");
        }
        // The same rules through a config's Value.
        assert_eq!(
            value_error(json!({"string_equal": {"cos:x": [[1]]}})),
            "condition.string_equal.cos:x[0]: expected a string, number or boolean"
        );
        assert!(value_error(json!(["x"])).starts_with("condition: expected a JSON object"));
    }

    #[test]
    fn counts_and_sizes_are_bounded() {
        let object = |n: usize, inner: &str| {
            let entries: Vec<String> = (0..n).map(|i| format!(r#""k{i}":{inner}"#)).collect();
            format!("{{{}}}", entries.join(","))
        };
        assert_eq!(raw_error(&object(17, "{}")), "scopes[0].condition: over the limit of 16 operators");
        check_condition_json(&object(16, "{}"), "c").unwrap();
        let keys = format!(r#"{{"a":{}}}"#, object(17, "1"));
        assert_eq!(raw_error(&keys), "scopes[0].condition.a: over the limit of 16 keys");
        let list = |n: usize| format!(r#"{{"a":{{"k":{}}}}}"#, serde_json::to_string(&vec![1; n]).unwrap());
        assert_eq!(raw_error(&list(257)), "scopes[0].condition.a.k: over the limit of 256 entries");
        check_condition_json(&list(256), "c").unwrap();
        let long_name = format!(r#"{{"{}":{{}}}}"#, "n".repeat(129));
        assert_eq!(
            raw_error(&long_name),
            "scopes[0].condition: the name of operator 0 is 129 bytes, over the 128-byte limit"
        );
        let long_value = format!(r#"{{"a":{{"k":"{}"}}}}"#, "v".repeat(1025));
        assert_eq!(raw_error(&long_value), "scopes[0].condition.a.k: 1025 bytes, over the 1024-byte limit");
        let big = format!(r#"{{"a":{{"k":"x"}}{}}}"#, " ".repeat(MAX_CONDITION_BYTES));
        assert_eq!(raw_error(&big), format!("scopes[0].condition: {} bytes, over the 16384-byte limit", big.len()));
    }

    #[test]
    fn deep_nesting_is_refused_at_the_third_level() {
        for depth in [3, 129, 100_000] {
            let nested = format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth));
            let got = check_with(&mut serde_json::Deserializer::from_str(&nested), "scopes[0].condition").unwrap_err();
            assert_eq!(got.message(), "scopes[0].condition.a.a: expected a string, number, boolean or a list of them");
        }
    }
}

//! Upload credentials: the server picks one object key from its template, and the temporary
//! key may write that object and nothing else.
//!
//! The client only says its file's extension (or its file name, of which only the extension is
//! used). That extension ends up inside a granted resource, so it is held to a tiny alphabet
//! (a dot and 1 to [`MAX_EXT_CHARS`] ASCII letters or digits) before anything is built: `.*`,
//! `/../x` or a control character can never reach the policy. The template is the server's
//! own text and is checked once, like an object prefix, for every extension it may get.
//!
//! The policy's forms (`string_like_if_exist` on `cos:content-type`, `numeric_less_than_equal`
//! on `cos:content-length`) are the ones of the vendor SDKs' `getKeyAndCredentials` demos.

use crate::error::{abbreviate, suggestion, Error, Result};
use crate::policy::{self, Service};
use serde_json::{json, Value};
use std::fmt::Write as _;

pub const DEFAULT_KEY_TEMPLATE: &str = "file/{date}/{date}_{random}{ext}";
/// COS object keys are at most 850 bytes of UTF-8; the template is checked at its longest.
pub const MAX_KEY_BYTES: usize = 850;
/// An extension is a dot and 1 to this many ASCII letters or digits.
pub const MAX_EXT_CHARS: usize = 16;
/// Entries in `upload.allow_ext`.
pub const MAX_ALLOW_EXT: usize = 256;
/// Entries in `upload.content_type` (a string or a list of patterns such as `image/*`).
pub const MAX_CONTENT_TYPES: usize = 16;
/// One content-type pattern.
pub const MAX_CONTENT_TYPE_BYTES: usize = 255;
/// `upload.max_bytes` at most: the largest object one PutObject may write (5 GiB).
pub const MAX_PUT_BYTES: u64 = 5 * 1024 * 1024 * 1024;
/// `{random}`: 8 bytes of the operating system's CSPRNG as 16 lower-case hex characters.
const RANDOM_BYTES: usize = 8;
const PLACEHOLDERS: &[&str] = &["date", "random", "ext"];

/// The simple uploads: PUT and the browser's form POST.
pub const UPLOAD_ACTIONS: [&str; 2] = ["name/cos:PutObject", "name/cos:PostObject"];
/// Starts a multipart upload: it sets the object's content type, so it carries the condition.
const INITIATE_MULTIPART: &str = "name/cos:InitiateMultipartUpload";
/// The other multipart actions on one object's upload. Their requests do not carry the
/// object's content type (CompleteMultipartUpload sends `application/xml`), so they get no
/// content-type condition. ListMultipartUploads is left out: it lists the whole bucket's
/// uploads, and its resource is the bucket, not one key.
pub const PART_ACTIONS: [&str; 4] =
    ["name/cos:UploadPart", "name/cos:CompleteMultipartUpload", "name/cos:AbortMultipartUpload", "name/cos:ListParts"];

#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    Text(String),
    Date,
    Random,
    Ext,
}

/// A checked `upload.key_template`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    source: String,
    pieces: Vec<Piece>,
}

impl Template {
    /// Parses and checks `text` (given as `field`): `{date}`, `{random}` (required) and
    /// `{ext}` are the placeholders; the rest is literal and must make a key that no client or
    /// CDN can read as another one: no `*` (a wildcard in a resource), no `\`, no leading or
    /// trailing `/`, no empty, `.` or `..` segment, with or without an extension.
    /// Control characters are the config reader's to refuse.
    pub fn parse(field: &str, text: &str) -> Result<Template> {
        let mut pieces = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            let Some(at) = rest.find(['{', '}']) else {
                pieces.push(Piece::Text(rest.to_owned()));
                break;
            };
            if at > 0 {
                pieces.push(Piece::Text(rest[..at].to_owned()));
            }
            let close = match rest[at..].find('}') {
                Some(close) if rest.as_bytes()[at] == b'{' && !rest[at + 1..at + close].contains('{') => at + close,
                _ => {
                    return Err(Error::invalid(
                        field,
                        "has a `{` or `}` outside a placeholder; the placeholders are {date}, {random} and {ext}",
                    ))
                }
            };
            let name = &rest[at + 1..close];
            pieces.push(match name {
                "date" => Piece::Date,
                "random" => Piece::Random,
                "ext" => Piece::Ext,
                other => {
                    return Err(Error::invalid(
                        field,
                        format!(
                            "unknown placeholder `{{{}}}`{}; the placeholders are {{date}}, {{random}} and {{ext}}",
                            abbreviate(other).escape_debug(),
                            suggestion(other, PLACEHOLDERS)
                        ),
                    ))
                }
            });
            rest = &rest[close + 1..];
        }
        if !pieces.contains(&Piece::Random) {
            return Err(Error::invalid(
                field,
                "must contain {random}, so that every call grants a key of its own (e.g. \"uploads/{date}/{random}{ext}\")",
            ));
        }
        let template = Template { source: text.to_owned(), pieces };
        let (date, random) = ("00000000", "0000000000000000");
        // An extension never holds `/`, `*` or `\` and is never `.` or `..` on its own, so these
        // two stand for all of them: none, and one as long as they get.
        let longest_ext = format!(".{}", "x".repeat(MAX_EXT_CHARS));
        for ext in ["", longest_ext.as_str()] {
            let key = template.render(date, random, ext);
            if key.len() > MAX_KEY_BYTES {
                return Err(Error::invalid(
                    field,
                    format!("makes keys of up to {} bytes, over COS's {MAX_KEY_BYTES}-byte limit", key.len()),
                ));
            }
            let none = if ext.is_empty() { " (with no extension)" } else { "" };
            key_problem(&key).map_or(Ok(()), |problem| Err(Error::invalid(field, format!("{problem}{none}"))))?;
        }
        Ok(template)
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The key for these values of the placeholders.
    pub fn render(&self, date: &str, random: &str, ext: &str) -> String {
        let mut key = String::with_capacity(self.source.len() + 32);
        for piece in &self.pieces {
            key.push_str(match piece {
                Piece::Text(text) => text,
                Piece::Date => date,
                Piece::Random => random,
                Piece::Ext => ext,
            });
        }
        key
    }
}

/// What makes `key` unsafe to grant as one object, if anything.
fn key_problem(key: &str) -> Option<&'static str> {
    if key.contains('*') {
        return Some("contains `*`, which a resource reads as a wildcard");
    }
    if key.contains('\\') {
        return Some("contains `\\`, which some clients turn into `/`");
    }
    if key.starts_with('/') {
        return Some("starts with `/`; object keys start after the bucket's own `/`");
    }
    if key.ends_with('/') {
        return Some("ends with `/`, which makes a folder marker, not a file");
    }
    key.split('/').find_map(|segment| match segment {
        "" => Some("has an empty path segment (`//`), which clients and CDNs may collapse"),
        "." | ".." => Some("has a `.` or `..` path segment, which clients and CDNs may resolve to another key"),
        _ => None,
    })
}

/// The extension rule for client input: an optional leading dot, then 1 to [`MAX_EXT_CHARS`]
/// ASCII letters or digits; returned lower-cased with its dot (`JPG` -> `.jpg`). `given` is
/// how the value is described in the message (`upload.ext`, `upload.allow_ext[2]`).
pub fn extension(field: &str, value: &str, given: &str) -> Result<String> {
    let body = value.strip_prefix('.').unwrap_or(value);
    if (1..=MAX_EXT_CHARS).contains(&body.len()) && body.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Ok(format!(".{}", body.to_ascii_lowercase()));
    }
    Err(Error::invalid(
        field,
        format!(
            "`{}`{given} is not an extension: expected a dot and 1 to {MAX_EXT_CHARS} ASCII letters or digits, such as \".jpg\"",
            abbreviate(value).escape_debug()
        ),
    ))
}

/// The extension part of a client's file name (after the last `.` of its last path part, as
/// Node's `path.extname` and Python's `os.path.splitext` find it), or None: `a.tar.gz` ->
/// `gz`, `photo` and `.bashrc` -> None. The result still has to pass [`extension`].
pub fn extension_of(filename: &str) -> Option<&str> {
    let base = filename.rsplit(['/', '\\']).next().unwrap_or(filename);
    let dot = base.rfind('.')?;
    // A leading dot names a hidden file, not an extension.
    (base[..dot].bytes().any(|b| b != b'.')).then(|| &base[dot + 1..])
}

/// Whether `ext` (normalized) is in `allowed` (normalized), else the error naming `field`.
pub fn check_allowed(field: &str, ext: Option<&str>, allowed: &[String]) -> Result<()> {
    match ext {
        Some(ext) if allowed.iter().any(|a| a == ext) => Ok(()),
        Some(ext) => Err(Error::invalid(field, format!("`{ext}` is not allowed; allowed: {}", list(allowed)))),
        None => Err(Error::invalid(
            field,
            format!("missing: the file has no extension; give `filename` or `ext`, one of {}", list(allowed)),
        )),
    }
}

/// `.jpg, .png, ...`, cut after a screenful.
fn list(items: &[String]) -> String {
    const SHOWN: usize = 32;
    let mut out = items.iter().take(SHOWN).map(String::as_str).collect::<Vec<_>>().join(", ");
    if items.len() > SHOWN {
        let _ = write!(out, ", ... ({} in all)", items.len());
    }
    out
}

/// Checks one content-type pattern (`image/*`, `image/png`, `*/*`): `type/subtype` of HTTP
/// token characters, where `*` may stand in either part as `string_like` reads it.
pub fn check_content_type(field: &str, value: &str) -> Result<()> {
    let token =
        |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-*".contains(&b));
    let well_formed = value.len() <= MAX_CONTENT_TYPE_BYTES
        && value.split_once('/').is_some_and(|(kind, sub)| token(kind) && token(sub));
    if well_formed {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            format!(
                "`{}` is not a content type pattern such as \"image/*\" or \"image/png\" (at most {MAX_CONTENT_TYPE_BYTES} bytes)",
                abbreviate(value).escape_debug()
            ),
        ))
    }
}

/// The `upload` section of a config, checked (see `config::upload` for the reader).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadSpec {
    pub bucket: String,
    pub template: Template,
    /// `.jpg`, lower-cased with its dot; None when the file has none.
    pub ext: Option<String>,
    /// Normalized like `ext`.
    pub allow_ext: Option<Vec<String>>,
    /// Patterns for `cos:content-type`; a single one is sent as a string, as the demos do.
    pub content_type: Option<Vec<String>>,
    pub max_bytes: Option<u64>,
    pub multipart: bool,
}

impl UploadSpec {
    /// The key for `unix_seconds` (its UTC date) and `random`.
    pub fn key_for(&self, unix_seconds: i64, random: [u8; RANDOM_BYTES]) -> String {
        let date = crate::time::utc_date(unix_seconds).replace('-', "");
        self.template.render(&date, &hex::encode(random), self.ext.as_deref().unwrap_or(""))
    }

    /// A fresh key: today's UTC date and new bytes from the operating system's CSPRNG.
    pub fn new_key(&self) -> Result<String> {
        let mut random = [0u8; RANDOM_BYTES];
        getrandom::getrandom(&mut random)
            .map_err(|e| Error::internal(format!("the operating system's random generator failed: {e}")))?;
        let key = self.key_for(crate::time::now_unix(), random);
        // Parse time checked every key this template can make; this guards that promise.
        match key_problem(&key) {
            Some(problem) => Err(Error::internal(format!("upload key {problem}"))),
            None => Ok(key),
        }
    }

    /// The key as `sts_check_config` shows it: the template with the extension filled in.
    pub fn key_pattern(&self) -> String {
        self.template.render("{date}", "{random}", self.ext.as_deref().unwrap_or(""))
    }

    /// The policy for `key` in `region`: the upload actions on exactly that one object, with
    /// the content type and size conditions.
    pub fn policy(&self, region: &str, key: &str) -> Result<String> {
        let appid = policy::check_bucket(&self.bucket, "bucket")?;
        policy::check_region(region, "region")?;
        let resource = policy::resource(Service::Cos, region, appid, &self.bucket, key);
        let mut condition = serde_json::Map::new();
        if let Some(types) = &self.content_type {
            let patterns = match types.as_slice() {
                [one] => json!(one),
                many => json!(many),
            };
            condition.insert("string_like_if_exist".into(), json!({ "cos:content-type": patterns }));
        }
        if let Some(max) = self.max_bytes {
            condition.insert("numeric_less_than_equal".into(), json!({ "cos:content-length": max }));
        }
        let mut actions: Vec<&str> = UPLOAD_ACTIONS.to_vec();
        if self.multipart {
            actions.push(INITIATE_MULTIPART);
        }
        let mut statement = json!({"action": actions, "effect": "allow", "resource": [resource]});
        let mut statements = Vec::with_capacity(2);
        if condition.is_empty() {
            if self.multipart {
                push_actions(&mut statement, &PART_ACTIONS);
            }
            statements.push(statement);
        } else {
            statement["condition"] = Value::Object(condition);
            statements.push(statement);
            if self.multipart {
                statements.push(json!({"action": PART_ACTIONS, "effect": "allow", "resource": [resource]}));
            }
        }
        let policy = json!({"version": policy::POLICY_VERSION, "statement": statements});
        serde_json::to_string(&policy).map_err(|e| Error::internal(format!("policy serialization failed: {e}")))
    }
}

fn push_actions(statement: &mut Value, more: &[&str]) {
    if let Some(Value::Array(actions)) = statement.get_mut("action") {
        actions.extend(more.iter().map(|a| json!(a)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(text: &str) -> Result<Template> {
        Template::parse("upload.key_template", text)
    }

    fn spec(text: &str, ext: Option<&str>) -> UploadSpec {
        UploadSpec {
            bucket: "example-1250000000".into(),
            template: template(text).unwrap(),
            ext: ext.map(str::to_owned),
            allow_ext: None,
            content_type: None,
            max_bytes: None,
            multipart: false,
        }
    }

    #[test]
    fn the_default_template_makes_date_random_and_extension() {
        // 2019-08-07T08:54:35Z
        let key = spec(DEFAULT_KEY_TEMPLATE, Some(".jpg")).key_for(1_565_168_075, [0xab, 0, 1, 2, 3, 4, 5, 0xff]);
        assert_eq!(key, "file/20190807/20190807_ab000102030405ff.jpg");
        let key = spec(DEFAULT_KEY_TEMPLATE, None).key_for(0, [0; 8]);
        assert_eq!(key, "file/19700101/19700101_0000000000000000");
        assert_eq!(spec(DEFAULT_KEY_TEMPLATE, Some(".png")).key_pattern(), "file/{date}/{date}_{random}.png");
    }

    #[test]
    fn fresh_keys_differ_and_are_lower_case_hex() {
        let spec = spec("u/{random}", None);
        let a = spec.new_key().unwrap();
        let b = spec.new_key().unwrap();
        assert_ne!(a, b);
        let random = a.strip_prefix("u/").unwrap();
        assert_eq!(random.len(), 16);
        assert!(random.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)), "{a}");
    }

    #[test]
    fn templates_are_refused_naming_the_rule() {
        let cases = [
            ("uploads/{date}{ext}", "must contain {random}"),
            ("{random}/../x", "`..` path segment"),
            ("a/./{random}", "`.` or `..` path segment"),
            (
                "{random}/..{ext}",
                "`..` path segment, which clients and CDNs may resolve to another key (with no extension)",
            ),
            ("{random}/{ext}/x", "empty path segment (`//`), which clients and CDNs may collapse (with no extension)"),
            ("{random}/{ext}", "ends with `/`, which makes a folder marker, not a file (with no extension)"),
            ("/{random}", "starts with `/`"),
            ("{random}/", "ends with `/`"),
            ("a//{random}", "empty path segment"),
            ("a/*/{random}", "contains `*`"),
            ("a\\{random}", "contains `\\`"),
            ("{rand}{random}", "unknown placeholder `{rand}` (did you mean `random`?)"),
            ("{Date}/{random}", "unknown placeholder `{Date}` (did you mean `date`?)"),
            ("{}{random}", "unknown placeholder `{}`"),
            ("a{b{random}", "outside a placeholder"),
            ("a}{random}", "outside a placeholder"),
            ("{random", "outside a placeholder"),
        ];
        for (text, expected) in cases {
            let message = template(text).unwrap_err().message().to_owned();
            assert!(message.starts_with("upload.key_template: "), "{text}: {message}");
            assert!(message.contains(expected), "{text}:\n  got      {message}\n  expected {expected}");
        }
        let long = format!("{}/{{random}}{{ext}}", "a".repeat(MAX_KEY_BYTES - 30));
        assert!(template(&long).unwrap_err().message().contains("850-byte limit"));
        for ok in ["{random}", "a/{date}/{random}{ext}", "{random}{random}.x", "ä/{random}_{ext}", "a..b/{random}"] {
            template(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
    }

    #[test]
    fn extensions_with_or_without_a_dot_in_any_case() {
        for (given, expected) in [(".jpg", ".jpg"), ("jpg", ".jpg"), (".JPG", ".jpg"), ("Mp4", ".mp4"), ("7z", ".7z")] {
            assert_eq!(extension("upload.ext", given, "").unwrap(), expected, "{given}");
        }
        let sixteen = "a".repeat(MAX_EXT_CHARS);
        assert!(extension("upload.ext", &sixteen, "").is_ok());
        for bad in ["", ".", "..jpg", ".*", "/../x", ".j-g", ".jp g", ".jpg\n", ".é", &format!("{sixteen}a"), ".tar.gz"]
        {
            let message = extension("upload.ext", bad, "").unwrap_err().message().to_owned();
            assert!(message.starts_with("upload.ext: `"), "{bad:?}: {message}");
            assert!(!message.contains('\n'), "a control character is escaped: {message}");
        }
    }

    #[test]
    fn the_extension_of_a_file_name() {
        for (name, expected) in [
            ("photo.JPG", Some("JPG")),
            ("a.tar.gz", Some("gz")),
            ("dir.d/photo", None),
            ("C:\\Users\\x\\y.png", Some("png")),
            ("photo", None),
            (".bashrc", None),
            ("..", None),
            ("a.", Some("")),
            ("/../x", None),
        ] {
            assert_eq!(extension_of(name), expected, "{name}");
        }
    }

    #[test]
    fn allow_lists_name_what_is_allowed() {
        let allowed = vec![".jpg".to_owned(), ".png".to_owned()];
        assert!(check_allowed("upload.ext", Some(".png"), &allowed).is_ok());
        assert_eq!(
            check_allowed("upload.ext", Some(".exe"), &allowed).unwrap_err().message(),
            "upload.ext: `.exe` is not allowed; allowed: .jpg, .png"
        );
        assert!(check_allowed("upload.ext", None, &allowed).unwrap_err().message().contains("one of .jpg, .png"));
    }

    #[test]
    fn content_type_patterns() {
        for ok in ["image/*", "image/png", "*/*", "application/vnd.ms-excel", "text/plain+x"] {
            check_content_type("upload.content_type", ok).unwrap();
        }
        for bad in ["image", "image/", "/png", "image/png; charset=x", "a/b/c", "image/p\"ng", ""] {
            assert!(check_content_type("upload.content_type", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_policy_grants_one_key_with_the_conditions() {
        let mut s = spec(DEFAULT_KEY_TEMPLATE, Some(".jpg"));
        s.content_type = Some(vec!["image/*".into()]);
        s.max_bytes = Some(1024);
        let policy: Value = serde_json::from_str(&s.policy("ap-guangzhou", "file/k.jpg").unwrap()).unwrap();
        assert_eq!(
            policy,
            json!({"version":"2.0","statement":[{"action":["name/cos:PutObject","name/cos:PostObject"],"effect":"allow",
                "resource":["qcs::cos:ap-guangzhou:uid/1250000000:example-1250000000/file/k.jpg"],
                "condition":{"string_like_if_exist":{"cos:content-type":"image/*"},
                    "numeric_less_than_equal":{"cos:content-length":1024}}}]})
        );
        s.max_bytes = None;
        s.multipart = true;
        s.content_type = Some(vec!["image/*".into(), "video/*".into()]);
        let policy: Value = serde_json::from_str(&s.policy("ap-guangzhou", "k").unwrap()).unwrap();
        let resource = json!(["qcs::cos:ap-guangzhou:uid/1250000000:example-1250000000/k"]);
        assert_eq!(
            policy["statement"],
            json!([{"action":["name/cos:PutObject","name/cos:PostObject","name/cos:InitiateMultipartUpload"],
                    "effect":"allow","resource":resource,
                    "condition":{"string_like_if_exist":{"cos:content-type":["image/*","video/*"]}}},
                   {"action":PART_ACTIONS,"effect":"allow","resource":resource}])
        );
        s.content_type = None;
        let policy: Value = serde_json::from_str(&s.policy("ap-guangzhou", "k").unwrap()).unwrap();
        assert_eq!(policy["statement"].as_array().unwrap().len(), 1);
        assert_eq!(policy["statement"][0]["action"].as_array().unwrap().len(), 7);
        assert!(policy["statement"][0].get("condition").is_none());
    }
}

//! The rule engine: may this subject have these scopes? Pure functions, no I/O.
//!
//! A scope fits a rule when its action is listed, its bucket and region are the rule's, and its
//! prefix lies inside one of the rule's prefix templates with `${subject}` filled in. "Inside"
//! respects the `/` boundary: `uploads/u1/*` covers `uploads/u1/a.jpg` and never
//! `uploads/u10/a.jpg`, because a template's only wildcard is a whole last segment (`/*`).

/// The one placeholder of prefix templates and the upload key template.
pub const SUBJECT: &str = "${subject}";
pub const MAX_SUBJECT_BYTES: usize = 128;

/// A prefix template such as `uploads/${subject}/*`, checked when the config is read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template(String);

impl Template {
    /// A prefix template: `*` only as the whole last segment, `${subject}` only as whole
    /// segments, no `..` segment, no control characters.
    pub fn parse(text: &str) -> Result<Template, String> {
        check_text(text)?;
        if text.starts_with('/') {
            return Err("starts with `/`; COS keys have no leading slash".into());
        }
        for (i, segment) in text.split('/').enumerate() {
            let last = i == text.split('/').count() - 1;
            if segment.contains('*') && !(last && segment == "*") {
                return Err("`*` is only allowed as the whole last segment (`dir/*`), so a prefix can never \
                            match a longer name (u1* would cover u10)"
                    .into());
            }
            if segment.contains(SUBJECT) && segment != SUBJECT {
                return Err("`${subject}` must be a whole path segment (`uploads/${subject}/*`)".into());
            }
        }
        Self::check_placeholders(text)?;
        Ok(Template(text.to_owned()))
    }

    /// The upload `key_template`: libsts's `{date}`/`{random}`/`{ext}` plus `${subject}`, which
    /// must be a whole segment; libsts checks the rest when the key is built.
    pub fn parse_key(text: &str) -> Result<Template, String> {
        check_text(text)?;
        for segment in text.split('/') {
            if segment.contains(SUBJECT) && segment != SUBJECT {
                return Err("`${subject}` must be a whole path segment (`uploads/${subject}/{random}{ext}`)".into());
            }
        }
        Self::check_placeholders(text)?;
        Ok(Template(text.to_owned()))
    }

    fn check_placeholders(text: &str) -> Result<(), String> {
        let without = text.replace(SUBJECT, "");
        if without.contains('$') {
            return Err("unknown `$` placeholder; the only one is `${subject}`".into());
        }
        Ok(())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The template for `subject`, which [`check_subject`] has accepted.
    pub fn expand(&self, subject: &str) -> String {
        self.0.replace(SUBJECT, subject)
    }
}

/// Control characters and `..` segments are refused everywhere a prefix goes.
fn check_text(text: &str) -> Result<(), String> {
    if text.is_empty() {
        return Err("empty".into());
    }
    if text.chars().any(char::is_control) {
        return Err("contains a control character".into());
    }
    if text.split('/').any(|segment| segment == "..") {
        return Err("contains a `..` path segment".into());
    }
    Ok(())
}

/// A subject that could widen a template is refused, never cleaned up: `*`, `/`, `\`, `..`,
/// `$`, `{`, `}` or a control character, empty, or over [`MAX_SUBJECT_BYTES`].
pub fn check_subject(subject: &str) -> Result<(), &'static str> {
    if subject.is_empty() {
        return Err("the subject is empty");
    }
    if subject.len() > MAX_SUBJECT_BYTES {
        return Err("the subject is over 128 bytes");
    }
    if subject.chars().any(char::is_control) {
        return Err("the subject contains a control character");
    }
    if subject.contains(['*', '/', '\\', '$', '{', '}']) {
        return Err("the subject contains `*`, `/`, `\\`, `$`, `{` or `}`");
    }
    if subject.contains("..") || subject == "." {
        return Err("the subject contains `..`");
    }
    Ok(())
}

/// One `[[rules]]` entry.
#[derive(Clone, Debug)]
pub struct Rule {
    pub bucket: String,
    pub region: String,
    pub actions: Vec<String>,
    pub prefixes: Vec<Template>,
    pub max_duration_seconds: Option<u32>,
}

/// One scope as the COS SDKs send it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    pub action: String,
    pub bucket: String,
    pub region: String,
    pub prefix: String,
}

/// Why a scope was refused; `reason` is what the log and metrics record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Denial {
    pub index: usize,
    pub reason: &'static str,
}

impl Denial {
    pub fn message(&self) -> String {
        let what = match self.reason {
            "action" => "the action is not allowed",
            "bucket" => "the bucket is not allowed",
            "region" => "the region is not allowed for this bucket",
            "prefix" => "the prefix is outside every prefix allowed to you",
            "dotdot" => "the prefix contains a `..` path segment",
            "control" => "the prefix contains a control character",
            "subject" => "your identity cannot be used in a prefix",
            _ => "not allowed",
        };
        format!("scopes[{}]: {what}", self.index)
    }
}

/// `cos:PutObject` and `name/cos:PutObject` are the same action.
fn same_action(a: &str, b: &str) -> bool {
    a.strip_prefix("name/").unwrap_or(a) == b.strip_prefix("name/").unwrap_or(b)
}

/// Whether `pattern` (an expanded template or a webhook prefix) covers `prefix`: `dir/*`
/// covers everything that starts with `dir/`; `*` covers everything; anything else only itself.
pub fn covers(pattern: &str, prefix: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    match pattern.strip_suffix('*') {
        // Template::parse only allows `*` after a `/`, so `base` ends with `/`: the boundary.
        Some(base) if base.ends_with('/') => prefix.starts_with(base),
        Some(_) => false,
        None => pattern == prefix,
    }
}

/// The prefix on its own: no control characters, no `..` segment.
pub fn check_prefix(prefix: &str) -> Result<(), &'static str> {
    if prefix.chars().any(char::is_control) {
        return Err("control");
    }
    if prefix.split('/').any(|segment| segment == "..") {
        return Err("dotdot");
    }
    Ok(())
}

/// Decides `scopes` for `subject`. Every scope must fit a rule; `narrowed` (a webhook's
/// `prefixes`) must then cover its prefix too. Returns the longest duration every matched rule
/// allows (`None`: no rule sets one).
pub fn decide(
    rules: &[Rule],
    subject: &str,
    scopes: &[Scope],
    narrowed: Option<&[String]>,
) -> Result<Option<u32>, Denial> {
    if check_subject(subject).is_err() {
        return Err(Denial { index: 0, reason: "subject" });
    }
    let mut duration: Option<u32> = None;
    for (index, scope) in scopes.iter().enumerate() {
        let deny = |reason| Denial { index, reason };
        check_prefix(&scope.prefix).map_err(deny)?;
        // The most specific reason: the first check that no rule passes.
        let mut reason = "bucket";
        let mut fitted = None;
        for rule in rules {
            if rule.bucket != scope.bucket {
                continue;
            }
            if rule.region != scope.region {
                reason = reason_at_least(reason, "region");
                continue;
            }
            if !rule.actions.iter().any(|a| same_action(a, &scope.action)) {
                reason = reason_at_least(reason, "action");
                continue;
            }
            if !rule.prefixes.iter().any(|t| covers(&t.expand(subject), &scope.prefix)) {
                reason = reason_at_least(reason, "prefix");
                continue;
            }
            fitted = Some(rule);
            break;
        }
        let rule = fitted.ok_or_else(|| deny(reason))?;
        if let Some(list) = narrowed {
            if !list.iter().any(|pattern| covers(pattern, &scope.prefix)) {
                return Err(deny("prefix"));
            }
        }
        if let Some(max) = rule.max_duration_seconds {
            duration = Some(duration.map_or(max, |d| d.min(max)));
        }
    }
    Ok(duration)
}

/// The later of two reasons in check order (bucket, region, action, prefix).
fn reason_at_least(current: &'static str, next: &'static str) -> &'static str {
    let order = ["bucket", "region", "action", "prefix"];
    let rank = |r| order.iter().position(|o| *o == r).unwrap_or(0);
    if rank(next) > rank(current) {
        next
    } else {
        current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUCKET: &str = "example-1250000000";

    fn rules() -> Vec<Rule> {
        vec![
            Rule {
                bucket: BUCKET.into(),
                region: "ap-guangzhou".into(),
                actions: vec!["name/cos:PutObject".into(), "name/cos:GetObject".into()],
                prefixes: vec![Template::parse("uploads/${subject}/*").unwrap()],
                max_duration_seconds: Some(900),
            },
            Rule {
                bucket: BUCKET.into(),
                region: "ap-guangzhou".into(),
                actions: vec!["name/cos:GetObject".into()],
                prefixes: vec![Template::parse("public/*").unwrap(), Template::parse("index.html").unwrap()],
                max_duration_seconds: None,
            },
        ]
    }

    fn scope(action: &str, bucket: &str, region: &str, prefix: &str) -> Scope {
        Scope { action: action.into(), bucket: bucket.into(), region: region.into(), prefix: prefix.into() }
    }

    fn put(prefix: &str) -> Scope {
        scope("name/cos:PutObject", BUCKET, "ap-guangzhou", prefix)
    }

    fn decide_one(subject: &str, s: Scope) -> Result<Option<u32>, &'static str> {
        decide(&rules(), subject, &[s], None).map_err(|d| d.reason)
    }

    #[test]
    fn a_scope_inside_the_subjects_prefix_is_allowed_with_the_rules_duration() {
        assert_eq!(decide_one("u1", put("uploads/u1/photo.jpg")), Ok(Some(900)));
        assert_eq!(decide_one("u1", put("uploads/u1/*")), Ok(Some(900)));
        assert_eq!(decide_one("u1", put("uploads/u1/deep/er/a.png")), Ok(Some(900)));
        assert_eq!(decide_one("u1", put("uploads/u1/a*")), Ok(Some(900)));
        // `cos:` and `name/cos:` name the same action.
        assert_eq!(decide_one("u1", scope("cos:PutObject", BUCKET, "ap-guangzhou", "uploads/u1/x")), Ok(Some(900)));
    }

    #[test]
    fn the_slash_boundary_keeps_u1_out_of_u10() {
        assert_eq!(decide_one("u1", put("uploads/u10/photo.jpg")), Err("prefix"));
        assert_eq!(decide_one("u1", put("uploads/u1")), Err("prefix"));
        assert_eq!(decide_one("u1", put("uploads/u1*")), Err("prefix"));
        assert_eq!(decide_one("u1", put("uploads/*")), Err("prefix"));
        assert_eq!(decide_one("u10", put("uploads/u1/x")), Err("prefix"));
        assert!(!covers("uploads/u1/*", "uploads/u10/a"));
        assert!(covers("uploads/u1/*", "uploads/u1/a"));
        assert!(!covers("index.html", "index.html.bak"));
        assert!(covers("*", "anything/at/all"));
    }

    #[test]
    fn dotdot_segments_and_control_characters_are_refused() {
        assert_eq!(decide_one("u1", put("uploads/u1/../u2/x")), Err("dotdot"));
        assert_eq!(decide_one("u1", put("uploads/u1/..")), Err("dotdot"));
        assert_eq!(decide_one("u1", put("uploads/u1/a\nb")), Err("control"));
        assert_eq!(decide_one("u1", put("uploads/u1/a\u{7f}")), Err("control"));
        // `..` inside a name is not a segment.
        assert_eq!(decide_one("u1", put("uploads/u1/a..b")), Ok(Some(900)));
    }

    #[test]
    fn other_bucket_other_region_and_disallowed_action_are_refused() {
        assert_eq!(
            decide_one("u1", scope("name/cos:PutObject", "other-1250000000", "ap-guangzhou", "uploads/u1/x")),
            Err("bucket")
        );
        assert_eq!(decide_one("u1", scope("name/cos:PutObject", BUCKET, "ap-beijing", "uploads/u1/x")), Err("region"));
        assert_eq!(
            decide_one("u1", scope("name/cos:DeleteObject", BUCKET, "ap-guangzhou", "uploads/u1/x")),
            Err("action")
        );
        // PutObject is not allowed under public/, GetObject is.
        assert_eq!(decide_one("u1", put("public/a.css")), Err("prefix"));
        assert_eq!(decide_one("u1", scope("name/cos:GetObject", BUCKET, "ap-guangzhou", "public/a.css")), Ok(None));
        assert_eq!(decide_one("u1", scope("name/cos:GetObject", BUCKET, "ap-guangzhou", "index.html")), Ok(None));
    }

    #[test]
    fn every_scope_must_fit_and_the_shortest_duration_wins() {
        let get = scope("name/cos:GetObject", BUCKET, "ap-guangzhou", "public/a");
        assert_eq!(decide(&rules(), "u1", &[get.clone(), put("uploads/u1/x")], None), Ok(Some(900)));
        assert_eq!(decide(&rules(), "u1", std::slice::from_ref(&get), None), Ok(None));
        let denied = decide(&rules(), "u1", &[get, put("uploads/u2/x")], None).unwrap_err();
        assert_eq!(denied, Denial { index: 1, reason: "prefix" });
        assert_eq!(denied.message(), "scopes[1]: the prefix is outside every prefix allowed to you");
    }

    #[test]
    fn widening_subjects_are_refused_never_substituted() {
        for subject in ["*", "u1/..", "..", "a/b", "u1\n", "", "${subject}", "a{b}", "a\\b", "x..y", "."] {
            assert!(check_subject(subject).is_err(), "{subject:?}");
            assert_eq!(decide_one(subject, put(&format!("uploads/{subject}/x"))), Err("subject"), "{subject:?}");
        }
        assert!(check_subject(&"a".repeat(129)).is_err());
        for subject in ["u1", "user@example.com", "auth0|abc123", "a.b"] {
            assert!(check_subject(subject).is_ok(), "{subject}");
        }
    }

    #[test]
    fn a_webhooks_prefixes_narrow_the_rules() {
        let narrowed = vec!["uploads/u1/avatars/*".to_owned()];
        assert_eq!(decide(&rules(), "u1", &[put("uploads/u1/avatars/a.png")], Some(&narrowed)), Ok(Some(900)));
        assert_eq!(
            decide(&rules(), "u1", &[put("uploads/u1/other.png")], Some(&narrowed)).unwrap_err().reason,
            "prefix"
        );
        // They never widen: outside the rules stays refused.
        let wide = vec!["*".to_owned()];
        assert_eq!(decide(&rules(), "u1", &[put("uploads/u2/x")], Some(&wide)).unwrap_err().reason, "prefix");
    }

    #[test]
    fn templates_are_checked_when_read() {
        for (text, needle) in [
            ("uploads/${subject}*", "`*`"),
            ("uploads/*/x", "`*`"),
            ("u*", "`*`"),
            ("uploads/u-${subject}/*", "whole path segment"),
            ("uploads/../*", "`..`"),
            ("/uploads/*", "leading slash"),
            ("uploads/${user}/*", "`$`"),
            ("a\tb/*", "control"),
            ("", "empty"),
        ] {
            let e = Template::parse(text).unwrap_err();
            assert!(e.contains(needle), "{text}: {e}");
        }
        assert_eq!(Template::parse("uploads/${subject}/*").unwrap().expand("u1"), "uploads/u1/*");
        assert_eq!(Template::parse("*").unwrap().as_str(), "*");
        assert_eq!(Template::parse_key("u/${subject}/{random}{ext}").unwrap().expand("bob"), "u/bob/{random}{ext}");
        assert!(Template::parse_key("u/x${subject}/{random}").is_err());
    }
}

//! The `upload` object of `sts_get_upload_credential`: read, checked and turned into an
//! [`UploadSpec`]; the rules themselves live in `crate::upload`.

use super::keys::{Given, Table};
use super::read::{integer, raw_string, string, string_list};
use super::MAX_ENCODED_POLICY_BYTES;
use crate::error::{wrong_type, Error, Result};
use crate::policy;
use crate::upload::{self, Template, UploadSpec};
use serde_json::Value;

/// The keys of the `upload` object, with the camelCase aliases of the top-level keys' style.
pub const UPLOAD_KEYS: Table = &[
    ("key_template", &["keyTemplate"]),
    ("filename", &["fileName"]),
    ("ext", &[]),
    ("allow_ext", &["allowExt"]),
    ("content_type", &["contentType"]),
    ("max_bytes", &["maxBytes"]),
    ("multipart", &[]),
];

/// The keys that make a policy of their own, which an upload config must not have.
const POLICY_KEYS: &[&str] = &["allow_prefix", "allow_actions", "policy", "condition"];

/// Keys that cannot go with `upload`: the policy keys (the upload builds the one policy for its
/// key), `cache` (every upload has a key of its own) and the AssumeRole keys.
pub(super) fn refuse_beside_upload(given: &Given) -> Result<()> {
    if let Some(key) = POLICY_KEYS.iter().find(|key| given.has(key)) {
        return Err(Error::invalid(
            &given.name_of(key),
            "ambiguous together with `upload`, which builds the policy for its one object key; drop it",
        ));
    }
    if given.has("cache") {
        return Err(Error::invalid(
            &given.name_of("cache"),
            "not for upload credentials: every call grants a key of its own, so no answer can be shared",
        ));
    }
    if let Some(key) = super::Action::AssumeRole.own_keys().iter().find(|key| given.has(key)) {
        return Err(Error::invalid(
            &given.name_of(key),
            "is a parameter of AssumeRole (sts_get_role_credential); upload credentials come from GetFederationToken",
        ));
    }
    Ok(())
}

/// Reads `upload` and `bucket`; `region` is already checked.
pub(super) fn read_upload(given: &mut Given, region: &str) -> Result<UploadSpec> {
    let field = given.name_of("upload");
    let object = match given.take("upload") {
        Some(Value::Object(object)) => object,
        Some(other) => return Err(wrong_type(&field, "an object such as {\"ext\":\".jpg\"}", &other)),
        None => return Err(Error::invalid(&field, "missing; e.g. {\"ext\":\".jpg\",\"allow_ext\":[\"jpg\",\"png\"]}")),
    };
    let bucket_field = given.name_of("bucket");
    let bucket = match given.take("bucket") {
        Some(v) => string(&bucket_field, v)?,
        None => {
            return Err(Error::invalid(&bucket_field, "missing; the bucket to upload into, e.g. example-1250000000"))
        }
    };
    let mut section = Given::section(&field, object, UPLOAD_KEYS)?;

    let template_field = section.name_of("key_template");
    let template = match section.take("key_template") {
        Some(v) => Template::parse(&template_field, &string(&template_field, v)?)?,
        None => Template::parse(&template_field, upload::DEFAULT_KEY_TEMPLATE)?,
    };

    // The extension is client input: every spelling goes through `upload::extension`.
    let ext_field = section.name_of("ext");
    let filename_field = section.name_of("filename");
    let ext = match (section.take("ext"), section.take("filename")) {
        (Some(_), Some(_)) => {
            return Err(Error::invalid(
                &ext_field,
                format!("ambiguous together with `{filename_field}`; give the file name or its extension"),
            ))
        }
        (Some(v), None) => Some(raw_string(&ext_field, v)?)
            .filter(|ext| !ext.is_empty())
            .map(|ext| upload::extension(&ext_field, &ext, ""))
            .transpose()?,
        (None, Some(v)) => {
            let filename = string(&filename_field, v)?;
            upload::extension_of(&filename)
                .map(|ext| upload::extension(&ext_field, ext, &format!(" (the extension of `{filename_field}`)")))
                .transpose()?
        }
        (None, None) => None,
    };

    let allow_field = section.name_of("allow_ext");
    let allow_ext = match section.take("allow_ext") {
        Some(v) => {
            let list = string_list(&allow_field, v)?;
            over_limit(&allow_field, list.len(), upload::MAX_ALLOW_EXT)?;
            let normalized = list
                .iter()
                .enumerate()
                .map(|(i, entry)| upload::extension(&format!("{allow_field}[{i}]"), entry, ""))
                .collect::<Result<Vec<_>>>()?;
            upload::check_allowed(&ext_field, ext.as_deref(), &normalized)?;
            Some(normalized)
        }
        None => None,
    };

    let type_field = section.name_of("content_type");
    let content_type = match section.take("content_type") {
        Some(v) => {
            let single = v.is_string();
            let list = string_list(&type_field, v)?;
            over_limit(&type_field, list.len(), upload::MAX_CONTENT_TYPES)?;
            for (i, pattern) in list.iter().enumerate() {
                let entry = if single { type_field.clone() } else { format!("{type_field}[{i}]") };
                upload::check_content_type(&entry, pattern)?;
            }
            Some(list)
        }
        None => None,
    };

    let max_field = section.name_of("max_bytes");
    let max_bytes = section.take("max_bytes").map(|v| integer(&max_field, &v, 1, upload::MAX_PUT_BYTES)).transpose()?;

    let multipart_field = section.name_of("multipart");
    let multipart = match section.take("multipart") {
        Some(Value::Bool(b)) => b,
        Some(other) => return Err(wrong_type(&multipart_field, "true or false", &other)),
        None => false,
    };
    if multipart && max_bytes.is_some() {
        return Err(Error::invalid(
            &max_field,
            format!(
                "cannot be enforced together with `{multipart_field}`: `cos:content-length` limits each part, not the object; drop one"
            ),
        ));
    }

    let spec = UploadSpec { bucket, template, ext, allow_ext, content_type, max_bytes, multipart };
    // Every key of this spec has the same length and characters as this one (only digits
    // and hex differ), so one policy measures them all, and checks bucket and region.
    let sample = spec.policy(region, &spec.key_for(0, [0; 8]))?;
    let encoded = policy::percent_encoded_len(&sample);
    if encoded > MAX_ENCODED_POLICY_BYTES {
        return Err(Error::invalid(
            &bucket_field,
            format!("the upload policy would be {encoded} bytes once percent-encoded, over the {MAX_ENCODED_POLICY_BYTES}-byte limit"),
        ));
    }
    Ok(spec)
}

fn over_limit(field: &str, count: usize, max: usize) -> Result<()> {
    if count > max {
        return Err(Error::invalid(field, format!("{count} entries, over the limit of {max}")));
    }
    Ok(())
}

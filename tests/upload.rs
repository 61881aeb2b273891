//! `sts_get_upload_credential` through the C ABI against the in-process emulator: the key the
//! template makes, the one-object policy the emulator received, and every rule on the client's
//! extension and the server's template, refused before anything is sent.

mod common;

use common::*;
use serde_json::{json, Value};
use std::collections::HashSet;
use sts::ffi::{sts_check_config, sts_get_credential, sts_get_upload_credential, StsCode};

const RESOURCE_PREFIX: &str = "qcs::cos:ap-guangzhou:uid/1250000000:example-1250000000/";

fn upload(emulator: &Emulator, spec: Value) -> (StsCode, Value) {
    c_call(sts_get_upload_credential, &upload_config(emulator, spec, json!({})))
}

/// The message of a refused upload config; asserts the code and that nothing was sent.
fn refused(emulator: &Emulator, config: &str) -> String {
    let (code, out) = c_call(sts_get_upload_credential, config);
    assert_eq!(code, StsCode::STS_INVALID_ARGUMENT, "{config}: {out}");
    assert!(emulator.requests().is_empty(), "a refused config sent a request: {config}");
    let message = out["error"]["message"].as_str().unwrap().to_owned();
    assert!(!message.contains(DEFAULT_SECRET_KEY), "the secret key in {message}");
    message
}

fn utc_day(unix: i64) -> String {
    sts::time::utc_date(unix).replace('-', "")
}

#[test]
fn keys_follow_the_template_and_never_repeat_in_1000_calls() {
    let emulator = start(Faults::default());
    let config =
        upload_config(&emulator, json!({"filename": "Holiday Photo.JPG", "allow_ext": ["jpg", "png"]}), json!({}));
    let before = utc_day(sts::time::now_unix());
    let mut keys = HashSet::new();
    for _ in 0..1000 {
        let (code, out) = c_call(sts_get_upload_credential, &config);
        assert_eq!(code, StsCode::STS_OK, "{out}");
        assert_eq!(out["bucket"], BUCKET);
        assert_eq!(out["region"], "ap-guangzhou");
        assert!(out["credentials"]["tmpSecretKey"].is_string() && out["expiredTime"].is_i64());
        let key = out["key"].as_str().unwrap().to_owned();
        // file/{date}/{date}_{random}{ext}
        let (date, rest) = key.strip_prefix("file/").unwrap().split_once('/').unwrap();
        let random = rest.strip_prefix(&format!("{date}_")).unwrap().strip_suffix(".jpg").unwrap();
        assert!(date == before || date == utc_day(sts::time::now_unix()), "{key}");
        assert_eq!(random.len(), 16, "{key}");
        assert!(random.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)), "{key}");
        assert!(keys.insert(key.clone()), "key repeated: {key}");
    }
    let requests = emulator.requests();
    assert_eq!(requests.len(), 1000);
    // Each request granted exactly the key its call returned.
    let granted: HashSet<String> = requests
        .iter()
        .map(|r| {
            assert!(r.signature_ok && r.action == "GetFederationToken");
            let resources = r.decoded_policy.as_ref().unwrap()["statement"][0]["resource"].clone();
            let [resource] = resources.as_array().unwrap().as_slice() else { panic!("not one resource: {resources}") };
            resource.as_str().unwrap().strip_prefix(RESOURCE_PREFIX).unwrap().to_owned()
        })
        .collect();
    assert_eq!(granted, keys);
}

#[test]
fn the_policy_grants_one_object_with_the_requested_conditions() {
    let emulator = start(Faults::default());
    let (code, out) = upload(
        &emulator,
        json!({"key_template": "avatars/{random}{ext}", "ext": "PNG", "content_type": "image/*", "max_bytes": 1048576}),
    );
    assert_eq!(code, StsCode::STS_OK, "{out}");
    let key = out["key"].as_str().unwrap();
    assert!(key.starts_with("avatars/") && key.ends_with(".png") && key.len() == "avatars/.png".len() + 16, "{key}");
    let requests = emulator.requests();
    assert_eq!(
        requests[0].decoded_policy.as_ref().unwrap(),
        &json!({"version":"2.0","statement":[{
            "action":["name/cos:PutObject","name/cos:PostObject"],
            "effect":"allow",
            "resource":[format!("{RESOURCE_PREFIX}{key}")],
            "condition":{"string_like_if_exist":{"cos:content-type":"image/*"},
                         "numeric_less_than_equal":{"cos:content-length":1048576}}}]})
    );
    assert_eq!(requests[0].body["DurationSeconds"], 1800);

    // Multipart: the part actions for the same one object, without the content-type condition
    // (CompleteMultipartUpload sends application/xml). A list of one pattern is sent as a string.
    let (code, out) = upload(&emulator, json!({"ext": ".mp4", "content_type": ["video/*"], "multipart": true}));
    assert_eq!(code, StsCode::STS_OK, "{out}");
    let resource = json!([format!("{RESOURCE_PREFIX}{}", out["key"].as_str().unwrap())]);
    assert_eq!(
        emulator.requests()[1].decoded_policy.as_ref().unwrap()["statement"],
        json!([
            {"action":["name/cos:PutObject","name/cos:PostObject","name/cos:InitiateMultipartUpload"],"effect":"allow",
             "resource":resource,"condition":{"string_like_if_exist":{"cos:content-type":"video/*"}}},
            {"action":["name/cos:UploadPart","name/cos:CompleteMultipartUpload","name/cos:AbortMultipartUpload","name/cos:ListParts"],
             "effect":"allow","resource":resource}
        ])
    );

    // No extension, no conditions: one statement, the key without a dot.
    let (code, out) = upload(&emulator, json!({}));
    assert_eq!(code, StsCode::STS_OK, "{out}");
    assert!(!out["key"].as_str().unwrap().contains('.'));
    let policy = emulator.requests()[2].decoded_policy.clone().unwrap();
    assert_eq!(policy["statement"].as_array().unwrap().len(), 1);
    assert!(policy["statement"][0].get("condition").is_none());
}

#[test]
fn extensions_are_accepted_with_or_without_a_dot_in_any_case() {
    let emulator = start(Faults::default());
    let cases = [
        (json!({"ext": ".jpg"}), ".jpg"),
        (json!({"ext": "jpg"}), ".jpg"),
        (json!({"ext": ".JPG"}), ".jpg"),
        (json!({"ext": "JpG", "allow_ext": [".JPG", "png"]}), ".jpg"),
        (json!({"ext": ".png", "allow_ext": "PNG"}), ".png"),
        (json!({"filename": "scan.PDF", "allow_ext": ["pdf"]}), ".pdf"),
        (json!({"filename": "dir.v2/archive.tar.GZ", "allow_ext": [".gz"]}), ".gz"),
        (json!({"filename": "C:\\Users\\me\\Report.DOCX"}), ".docx"),
        (json!({"filename": ".bashrc"}), ""),
        (json!({"ext": ""}), ""),
    ];
    for (spec, ext) in cases {
        let (code, out) = upload(&emulator, spec.clone());
        assert_eq!(code, StsCode::STS_OK, "{spec}: {out}");
        let key = out["key"].as_str().unwrap();
        let name = key.rsplit('/').next().unwrap();
        assert_eq!(name.len(), 8 + 1 + 16 + ext.len(), "{spec}: {key}");
        assert!(name.ends_with(ext), "{spec}: {key}");
    }
}

#[test]
fn client_extensions_that_could_widen_the_grant_are_refused_naming_upload_ext() {
    let emulator = start(Faults::default());
    let allowed = json!(["jpg", ".PNG"]);
    let cases = [
        (json!({"ext": ".*"}), "upload.ext: `.*` is not an extension"),
        (json!({"ext": "/../x"}), "upload.ext: `/../x` is not an extension"),
        (json!({"ext": "..jpg"}), "upload.ext: `..jpg` is not an extension"),
        (json!({"ext": ".j\u{0}g"}), "upload.ext: `.j\\0g` is not an extension"),
        (json!({"ext": ".jp\ng"}), "upload.ext: `.jp\\ng` is not an extension"),
        (json!({"ext": ".tar.gz"}), "upload.ext: `.tar.gz` is not an extension"),
        (json!({"ext": ".abcdefghijklmnopq"}), "upload.ext: `.abcdefghijklmnopq` is not an extension"),
        (json!({"ext": 7}), "upload.ext: expected a string, got a number"),
        (json!({"filename": "x.*"}), "upload.ext: `*` (the extension of `upload.filename`) is not an extension"),
        (json!({"filename": "a/b.j%67"}), "upload.ext: `j%67` (the extension of `upload.filename`)"),
        (json!({"filename": "x.jpg", "ext": ".jpg"}), "upload.ext: ambiguous together with `upload.filename`"),
        (json!({"ext": ".exe", "allow_ext": allowed}), "upload.ext: `.exe` is not allowed; allowed: .jpg, .png"),
        (json!({"ext": "EXE", "allow_ext": allowed}), "upload.ext: `.exe` is not allowed; allowed: .jpg, .png"),
        (json!({"filename": "photo", "allow_ext": allowed}), "upload.ext: missing: the file has no extension"),
        (
            json!({"allow_ext": allowed}),
            "upload.ext: missing: the file has no extension; give `filename` or `ext`, one of .jpg, .png",
        ),
        (json!({"ext": ".jpg", "allow_ext": ["jpg", ".*"]}), "upload.allow_ext[1]: `.*` is not an extension"),
        (json!({"ext": ".jpg", "allow_ext": []}), "upload.allow_ext: empty list"),
    ];
    for (spec, expected) in cases {
        let message = refused(&emulator, &upload_config(&emulator, spec.clone(), json!({})));
        assert!(message.starts_with(expected), "{spec}\n  got      {message}\n  expected {expected}...");
    }
}

#[test]
fn templates_are_checked_like_prefixes() {
    let emulator = start(Faults::default());
    let cases = [
        ("uploads/{date}{ext}", "upload.key_template: must contain {random}"),
        ("uploads/../{random}{ext}", "upload.key_template: has a `.` or `..` path segment"),
        ("{random}/..{ext}", "upload.key_template: has a `.` or `..` path segment, which clients and CDNs may resolve to another key (with no extension)"),
        ("uploads/*/{random}", "upload.key_template: contains `*`"),
        ("/uploads/{random}", "upload.key_template: starts with `/`"),
        ("uploads/{user}/{random}", "upload.key_template: unknown placeholder `{user}`"),
        ("uploads/{randon}", "upload.key_template: unknown placeholder `{randon}` (did you mean `random`?)"),
        ("uploads/\u{7}{random}", "upload.key_template: contains the control character U+0007 at byte 8"),
        ("", "upload.key_template: must contain {random}"),
    ];
    for (template, expected) in cases {
        let message = refused(&emulator, &upload_config(&emulator, json!({"key_template": template}), json!({})));
        assert!(message.starts_with(expected), "{template:?}\n  got      {message}\n  expected {expected}...");
    }
}

#[test]
fn keys_that_make_a_policy_of_their_own_or_a_cache_are_refused_beside_upload() {
    let emulator = start(Faults::default());
    let cases = [
        (json!({"allow_prefix": "dir/*"}), "allow_prefix: ambiguous together with `upload`"),
        (json!({"allowActions": ["name/cos:PutObject"]}), "allowActions: ambiguous together with `upload`"),
        (json!({"policy": {"version": "2.0", "statement": []}}), "policy: ambiguous together with `upload`"),
        (json!({"condition": {"ip_equal": {"qcs:ip": "10.0.0.1"}}}), "condition: ambiguous together with `upload`"),
        (json!({"cache": true}), "cache: not for upload credentials"),
        (json!({"role_arn": "qcs::cam::uin/1:roleName/r"}), "role_arn: is a parameter of AssumeRole"),
        (json!({"bucket": null}), "bucket: missing"),
        (json!({"bucket": "nobucketappid"}), "bucket: `nobucketappid` has no numeric appid"),
        (json!({"upload": "jpg"}), "upload: expected an object"),
    ];
    for (extra, expected) in cases {
        let message = refused(&emulator, &upload_config(&emulator, json!({"ext": "jpg"}), extra.clone()));
        assert!(message.starts_with(expected), "{extra}\n  got      {message}\n  expected {expected}...");
    }
    let inner = [
        (json!({"allow_exts": ["jpg"]}), "upload.allow_exts: unknown key (did you mean `allow_ext`?)"),
        (json!({"maxBytes": 1, "max_bytes": 1}), "upload.max_bytes: given twice, also as `maxBytes`"),
        (json!({"max_bytes": 0}), "upload.max_bytes: 0 is out of range 1..=5368709120"),
        (
            json!({"max_bytes": 10, "multipart": true}),
            "upload.max_bytes: cannot be enforced together with `upload.multipart`",
        ),
        (json!({"multipart": "yes"}), "upload.multipart: expected true or false, got a string"),
        (json!({"content_type": "image"}), "upload.content_type: `image` is not a content type pattern"),
        (
            json!({"content_type": ["image/*", "a b/c"]}),
            "upload.content_type[1]: `a b/c` is not a content type pattern",
        ),
    ];
    for (spec, expected) in inner {
        let message = refused(&emulator, &upload_config(&emulator, spec.clone(), json!({})));
        assert!(message.starts_with(expected), "{spec}\n  got      {message}\n  expected {expected}...");
    }
    // `upload` belongs to its own call.
    let (code, out) = c_call(sts_get_credential, &federation_config(&emulator, json!({"upload": {"ext": "jpg"}})));
    assert_eq!(code, StsCode::STS_INVALID_ARGUMENT);
    assert_eq!(out["error"]["message"], "upload: belongs to sts_get_upload_credential, not to sts_get_credential");
    assert!(emulator.requests().is_empty());
}

#[test]
fn check_config_validates_upload_configs_and_shows_the_template() {
    let emulator = start(Faults::default());
    let config = upload_config(
        &emulator,
        json!({"keyTemplate": "u/{date}/{random}{ext}", "ext": "JPEG", "allowExt": ["jpeg"], "contentType": "image/jpeg"}),
        json!({}),
    );
    let (code, out) = c_call(sts_check_config, &config);
    assert_eq!(code, StsCode::STS_OK, "{out}");
    assert_eq!(out["action"], "GetFederationToken");
    assert_eq!(out["cache"], Value::Null);
    assert_eq!(
        out["upload"],
        json!({"bucket": BUCKET, "key_template": "u/{date}/{random}{ext}", "key": "u/{date}/{random}.jpeg", "ext": ".jpeg",
               "allow_ext": [".jpeg"], "content_type": ["image/jpeg"], "max_bytes": null, "multipart": false})
    );
    assert_eq!(
        out["policy"]["statement"][0]["resource"],
        json!([format!("{RESOURCE_PREFIX}u/{{date}}/{{random}}.jpeg")])
    );
    assert!(!out.to_string().contains(DEFAULT_SECRET_KEY));
    // The same refusals as the call.
    let (code, out) =
        c_call(sts_check_config, &upload_config(&emulator, json!({"ext": ".exe", "allow_ext": ["jpg"]}), json!({})));
    assert_eq!(code, StsCode::STS_INVALID_ARGUMENT);
    assert_eq!(out["error"]["message"], "upload.ext: `.exe` is not allowed; allowed: .jpg");
    let (code, out) = c_call(
        sts_check_config,
        &upload_config(&emulator, json!({"ext": "jpg"}), json!({"role_arn": "qcs::cam::uin/1:roleName/r"})),
    );
    assert_eq!(code, StsCode::STS_INVALID_ARGUMENT);
    assert!(out["error"]["message"].as_str().unwrap().starts_with("role_arn: is a parameter of AssumeRole"), "{out}");
    assert!(emulator.requests().is_empty());
}

#[test]
fn service_errors_pass_through_and_no_secret_reaches_a_message() {
    let emulator = start(Faults::default());
    let marker = "SECRET-MARKER-EXAMPLE";
    let config = upload_config(&emulator, json!({"ext": "jpg"}), json!({"secret_key": marker}));
    let (code, out) = c_call(sts_get_upload_credential, &config);
    assert_eq!(code, StsCode::STS_SERVICE);
    assert_eq!(out["error"]["code"], "AuthFailure.SignatureFailure");
    assert!(out.get("key").is_none());
    for spec in [json!({"ext": ".*"}), json!({"key_template": "x"}), json!({"bogus": 1}), json!({"allow_ext": ["jpg"]})]
    {
        let (code, out) =
            c_call(sts_get_upload_credential, &upload_config(&emulator, spec, json!({"secret_key": marker})));
        assert_eq!(code, StsCode::STS_INVALID_ARGUMENT);
        assert!(!out.to_string().contains(marker), "{out}");
    }
}

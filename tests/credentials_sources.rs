//! Credential sources against the emulator (STS, metadata mode, AssumeRoleWithWebIdentity):
//! each source alone, the chain's order, pinned sources, what nothing found says, and that no
//! secret, token or OIDC token shows in any error or Debug output.
//! Every test holds `credentials_lock`: they change the process environment.

mod common;

use common::*;
use serde_json::json;
use std::time::Duration;
use sts::api::{check_config, get_credential, get_role_credential};
use sts::config::{Action, Config};
use sts::error::codes;

struct Dir(std::path::PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let path = std::env::temp_dir().join(format!("libsts-creds-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&path).unwrap();
        Dir(path)
    }
    fn write(&self, name: &str, text: &str) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const PROFILE_ID: &str = "AKIDPROFILEEXAMPLE000000000000000000";
const PROFILE_KEY: &str = "profile-secret-key-EXAMPLE";
const ENV_ID: &str = "AKIDENVEXAMPLE00000000000000000000000";
const ENV_KEY: &str = "env-secret-key-EXAMPLE";

/// An emulator that also accepts the env and profile key pairs.
fn emulator() -> Emulator {
    Emulator::start(EmulatorOptions {
        keys: vec![
            (DEFAULT_SECRET_ID.into(), DEFAULT_SECRET_KEY.into()),
            (PROFILE_ID.into(), PROFILE_KEY.into()),
            (ENV_ID.into(), ENV_KEY.into()),
        ],
        metadata: Some(sts_emulator::MetadataOptions::default()),
        web_identities: vec![
            (WEB_IDENTITY_PROVIDER.into(), WEB_IDENTITY_TOKEN.into()),
            (WEB_IDENTITY_PROVIDER.into(), "web-identity-token-EXAMPLE-0002".into()),
        ],
        ..EmulatorOptions::default()
    })
    .unwrap()
}

fn set_env_key() {
    std::env::set_var("TENCENTCLOUD_SECRET_ID", ENV_ID);
    std::env::set_var("TENCENTCLOUD_SECRET_KEY", ENV_KEY);
}

fn set_profile(dir: &Dir) -> String {
    let path = dir.write(
        "credentials",
        &format!("[default]\nsecret_id = {PROFILE_ID}\nsecret_key = {PROFILE_KEY}\n\n[other]\nsecret_id = AKIDx\n"),
    );
    std::env::set_var("TENCENTCLOUD_CREDENTIALS_FILE", &path);
    path
}

fn set_oidc(dir: &Dir, token: &str) -> String {
    let path = dir.write("token", token);
    std::env::set_var("TKE_PROVIDER_ID", WEB_IDENTITY_PROVIDER);
    std::env::set_var("TKE_ROLE_ARN", ROLE_ARN);
    std::env::set_var("TKE_WEB_IDENTITY_TOKEN_FILE", &path);
    path
}

fn set_cvm(emulator: &Emulator) {
    std::env::set_var("TENCENTCLOUD_METADATA_ENDPOINT", emulator.metadata_url().unwrap());
}

/// The source check_config reports for `config`.
fn checked_source(config: &str) -> String {
    parse(&check_config(config).unwrap())["credential_source"].as_str().unwrap().to_owned()
}

#[test]
fn each_source_alone_signs_the_call() {
    let _env = credentials_lock();
    let emulator = emulator();
    let dir = Dir::new("alone");
    let config = keyless_config(&emulator, json!({}));

    set_env_key();
    get_credential(&config).unwrap();
    assert_eq!(checked_source(&config), "env");
    std::env::remove_var("TENCENTCLOUD_SECRET_ID");
    std::env::remove_var("TENCENTCLOUD_SECRET_KEY");

    set_profile(&dir);
    get_credential(&config).unwrap();
    assert_eq!(checked_source(&config), "profile");
    std::env::remove_var("TENCENTCLOUD_CREDENTIALS_FILE");

    set_oidc(&dir, WEB_IDENTITY_TOKEN);
    get_role_credential(&keyless_config(
        &emulator,
        json!({"role_arn": ROLE_ARN, "bucket": null, "allow_prefix": null, "allow_actions": null}),
    ))
    .unwrap();
    let checked = parse(&check_config(&config).unwrap());
    assert_eq!((checked["credential_source"].as_str(), checked["secret_id"].is_null()), (Some("oidc"), true));
    for name in ["TKE_PROVIDER_ID", "TKE_ROLE_ARN", "TKE_WEB_IDENTITY_TOKEN_FILE"] {
        std::env::remove_var(name);
    }

    set_cvm(&emulator);
    get_role_credential(&keyless_config(&emulator, json!({"role_arn": ROLE_ARN}))).unwrap();
    assert_eq!(checked_source(&config), "cvm");
    assert_eq!(emulator.metadata_credential_requests(), 1);

    let requests = emulator.requests();
    let actions: Vec<&str> = requests.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(
        actions,
        ["GetFederationToken", "GetFederationToken", "AssumeRoleWithWebIdentity", "AssumeRole", "AssumeRole"]
    );
    assert_eq!(requests[0].secret_id, ENV_ID);
    assert_eq!(requests[1].secret_id, PROFILE_ID);
    // The web identity exchange is unsigned (the emulator requires Authorization: SKIP) and
    // the token is not recorded; the role key it gave signs the AssumeRole, with its token.
    assert_eq!((requests[2].secret_id.as_str(), requests[2].signature_ok), ("", false));
    assert_eq!(requests[2].body["WebIdentityToken"], "<redacted>");
    assert_eq!(requests[2].body["ProviderId"], WEB_IDENTITY_PROVIDER);
    for signed in &requests[3..] {
        assert!(
            signed.secret_id.starts_with("AKID") && signed.signature_ok && signed.error_code.is_none(),
            "{signed:?}"
        );
    }
    assert_ne!(requests[3].secret_id, requests[4].secret_id, "oidc and cvm keys differ");
}

#[test]
fn the_chain_prefers_env_then_profile_then_oidc_then_cvm() {
    let _env = credentials_lock();
    let emulator = emulator();
    let dir = Dir::new("order");
    let config = keyless_config(&emulator, json!({}));
    set_cvm(&emulator);
    set_oidc(&dir, WEB_IDENTITY_TOKEN);
    set_profile(&dir);
    set_env_key();
    let mut seen = Vec::new();
    for unset in [
        &["TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY"][..],
        &["TENCENTCLOUD_CREDENTIALS_FILE"],
        &["TKE_PROVIDER_ID", "TKE_ROLE_ARN", "TKE_WEB_IDENTITY_TOKEN_FILE"],
        &[],
    ] {
        seen.push(checked_source(&config));
        let config = Config::parse(&config, Action::GetFederationToken).unwrap();
        assert_eq!(config.identity.source.name(), seen.last().unwrap());
        for name in unset {
            std::env::remove_var(name);
        }
    }
    assert_eq!(seen, ["env", "profile", "oidc", "cvm"]);
    // Nothing was fetched: deciding the source is offline.
    assert_eq!((emulator.metadata_requests(), emulator.requests().len()), (0, 0));
}

#[test]
fn a_pinned_source_is_the_only_one_looked_at() {
    let _env = credentials_lock();
    let emulator = emulator();
    let dir = Dir::new("pinned");
    set_env_key();
    set_profile(&dir);
    assert_eq!(checked_source(&keyless_config(&emulator, json!({"credential_source": "profile"}))), "profile");
    assert_eq!(checked_source(&keyless_config(&emulator, json!({"credentialSource": "env"}))), "env");
    set_cvm(&emulator);
    let cvm = keyless_config(&emulator, json!({"credential_source": "cvm", "role_arn": ROLE_ARN}));
    get_role_credential(&cvm).unwrap();
    assert_eq!(emulator.metadata_credential_requests(), 1);
    assert!(signers(&emulator)[0].starts_with("AKID") && signers(&emulator)[0] != ENV_ID);
    let e = get_credential(&keyless_config(&emulator, json!({"credential_source": "oidc"}))).unwrap_err();
    assert_eq!(e.code(), codes::INVALID_ARGUMENT);
    assert!(
        e.message().starts_with("secret_id: missing: credential_source `oidc` found no key (oidc: TKE_PROVIDER_ID"),
        "{e}"
    );
    let e = check_config(&federation_config(&emulator, json!({"credential_source": "env"}))).unwrap_err();
    assert_eq!(e.message(), "secret_id: given together with credential_source=env; drop one of them");
    let e = check_config(&keyless_config(&emulator, json!({"credential_source": "imds"}))).unwrap_err();
    assert!(e.message().starts_with("credential_source: `imds` is not a source; one of chain"), "{e}");
    // A named profile must exist; another section of the same file is used when named.
    let e = check_config(&keyless_config(&emulator, json!({"credential_source": "profile", "profile": "missing"})))
        .unwrap_err();
    assert!(e.message().starts_with("profile: ") && e.message().contains("has no [missing] section"), "{e}");
    let e = check_config(&keyless_config(&emulator, json!({"credential_source": "profile", "profile": "other"})))
        .unwrap_err();
    assert!(e.message().contains("[other] secret_key: missing"), "{e}");
}

#[test]
fn nothing_found_names_every_source_and_why() {
    let _env = credentials_lock();
    let emulator = emulator();
    std::env::set_var("TENCENTCLOUD_METADATA_DISABLED", "true");
    let e = get_credential(&keyless_config(&emulator, json!({}))).unwrap_err();
    assert_eq!(e.code(), codes::INVALID_ARGUMENT);
    let m = e.message();
    assert!(m.starts_with("secret_id: missing: no key in the config and none from the credential chain ("), "{m}");
    for why in [
        "env: TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY are not set",
        "profile: no profile file (TENCENTCLOUD_CREDENTIALS_FILE not set;",
        "oidc: TKE_PROVIDER_ID, TKE_ROLE_ARN and TKE_WEB_IDENTITY_TOKEN_FILE are not set",
        "cvm: TENCENTCLOUD_METADATA_DISABLED=true",
    ] {
        assert!(m.contains(why), "{m} lacks {why}");
    }
    // Metadata on, but no role bound: the error comes at call time and still lists the others.
    std::env::remove_var("TENCENTCLOUD_METADATA_DISABLED");
    set_cvm(&emulator);
    emulator.set_metadata_mode(sts_emulator::MetadataMode::NoRole);
    let e = get_credential(&keyless_config(&emulator, json!({}))).unwrap_err();
    assert_eq!(e.code(), codes::INVALID_ARGUMENT);
    assert!(e.message().contains("cvm: no CAM role is bound to this instance"), "{e}");
    assert!(e.message().contains("sources tried before: env: "), "{e}");
    assert!(emulator.requests().is_empty(), "no STS request without a key");
}

#[test]
fn the_oidc_token_file_is_read_again_at_every_refresh() {
    let _env = credentials_lock();
    let emulator = emulator();
    let dir = Dir::new("rotate");
    let path = set_oidc(&dir, WEB_IDENTITY_TOKEN);
    let config = keyless_config(
        &emulator,
        json!({"role_arn": ROLE_ARN, "bucket": null, "allow_prefix": null, "allow_actions": null}),
    );
    get_role_credential(&config).unwrap();
    // The kubelet rotates the token; the old one stops being valid.
    std::fs::write(&path, "web-identity-token-EXAMPLE-0002\n").unwrap();
    sts::credentials::refresh::global().clear();
    get_role_credential(&config).unwrap();
    std::fs::write(&path, "web-identity-token-EXAMPLE-9999").unwrap();
    sts::credentials::refresh::global().clear();
    let e = get_role_credential(&config).unwrap_err();
    assert_eq!(e.code(), "InvalidParameter.WebIdentityTokenError", "{e}");
    assert!(e.message().starts_with("oidc: "), "{e}");
    assert!(!e.message().contains("EXAMPLE-9999"), "{e}");
    let exchanges = emulator.requests().into_iter().filter(|r| r.action == "AssumeRoleWithWebIdentity").count();
    assert_eq!(exchanges, 3);
    // The TKE spelling variant is accepted too, and half a setup is named.
    std::env::remove_var("TKE_WEB_IDENTITY_TOKEN_FILE");
    std::env::set_var("TKE_IDENTITY_TOKEN_FILE", &path);
    assert_eq!(checked_source(&config), "oidc");
    std::env::remove_var("TKE_IDENTITY_TOKEN_FILE");
    let e = check_config(&config).unwrap_err();
    assert!(e.message().starts_with("TKE_WEB_IDENTITY_TOKEN_FILE: missing for TKE OIDC"), "{e}");
}

#[test]
fn no_secret_token_or_oidc_token_shows_in_errors_or_debug() {
    let _env = credentials_lock();
    let emulator = emulator();
    let dir = Dir::new("secrets");
    let oidc_secret = "web-identity-token-EXAMPLE-SECRET";
    let token_file = set_oidc(&dir, oidc_secret);
    // A wrong token: the service error must not carry it.
    let e = get_credential(&keyless_config(&emulator, json!({}))).unwrap_err();
    let mut outputs = vec![e.message().to_owned(), e.to_json()];
    // A malformed profile and a token with a control character.
    std::fs::write(&token_file, format!("{oidc_secret}\u{1}x")).unwrap();
    sts::credentials::refresh::global().clear();
    outputs.push(get_credential(&keyless_config(&emulator, json!({}))).unwrap_err().to_json());
    for name in ["TKE_PROVIDER_ID", "TKE_ROLE_ARN", "TKE_WEB_IDENTITY_TOKEN_FILE"] {
        std::env::remove_var(name);
    }
    let profile =
        dir.write("bad-profile", &format!("[default\nsecret_id = {PROFILE_ID}\nsecret_key = {PROFILE_KEY}\n"));
    std::env::set_var("TENCENTCLOUD_CREDENTIALS_FILE", &profile);
    outputs.push(check_config(&keyless_config(&emulator, json!({}))).unwrap_err().to_json());
    let profile = dir.write(
        "token-profile",
        &format!("[default]\nsecret_id = {PROFILE_ID}\nsecret_key = {PROFILE_KEY}\ntoken = tok en\n"),
    );
    std::env::set_var("TENCENTCLOUD_CREDENTIALS_FILE", &profile);
    outputs.push(check_config(&keyless_config(&emulator, json!({}))).unwrap_err().to_json());
    std::env::remove_var("TENCENTCLOUD_CREDENTIALS_FILE");
    // A resolved CVM key in Debug form, and the normalized config.
    set_cvm(&emulator);
    let mut config = Config::parse(&keyless_config(&emulator, json!({})), Action::GetFederationToken).unwrap();
    config.resolve_credentials(std::time::Instant::now() + Duration::from_secs(5)).unwrap();
    assert!(config.identity.session_token.is_some(), "a role key is temporary");
    outputs.push(format!("{config:?}"));
    outputs.push(config.normalized_json());
    let key = config.identity.secret_key.expose().to_owned();
    let token = config.identity.session_token.as_ref().unwrap().expose().to_owned();
    for output in &outputs {
        for secret in [oidc_secret, PROFILE_KEY, key.as_str(), token.as_str(), "tok en"] {
            assert!(!output.contains(secret), "{output}");
        }
    }
    assert!(outputs[2].contains("TKE_WEB_IDENTITY_TOKEN_FILE") && outputs[2].contains("control"), "{}", outputs[2]);
    assert!(outputs[3].contains("bad-profile is not a valid INI file (line "), "{}", outputs[3]);
}

#[test]
fn the_emulator_takes_web_identity_requests_unsigned_only() {
    let emulator = emulator();
    let post = |authorization: &str, token: &str| {
        let body = json!({"ProviderId": WEB_IDENTITY_PROVIDER, "WebIdentityToken": token, "RoleArn": ROLE_ARN,
            "RoleSessionName": "s-1", "DurationSeconds": 600});
        let mut response = ureq::post(emulator.url())
            .header("Authorization", authorization)
            .header("X-TC-Action", "AssumeRoleWithWebIdentity")
            .header("X-TC-Version", "2018-08-13")
            .header("X-TC-Region", "ap-guangzhou")
            .header("Content-Type", "application/json")
            .send(body.to_string())
            .unwrap();
        parse(&response.body_mut().read_to_string().unwrap())["Response"].clone()
    };
    let ok = post("SKIP", WEB_IDENTITY_TOKEN);
    assert!(ok["Credentials"]["TmpSecretId"].as_str().unwrap().starts_with("AKID"), "{ok}");
    let expired = ok["ExpiredTime"].as_i64().unwrap() - sts::time::now_unix();
    assert!((590..=600).contains(&expired), "{expired}");
    let signed = post("TC3-HMAC-SHA256 Credential=AKIDEXAMPLE/2026-12-02/sts/tc3_request, SignedHeaders=content-type;host, Signature=0", WEB_IDENTITY_TOKEN);
    assert_eq!(signed["Error"]["Code"], "AuthFailure.InvalidAuthorization");
    let wrong = post("SKIP", "web-identity-token-EXAMPLE-WRONG");
    assert_eq!(wrong["Error"]["Code"], "InvalidParameter.WebIdentityTokenError");
    assert!(!wrong.to_string().contains("WRONG"), "{wrong}");
}

#[test]
fn get_federation_token_with_a_role_key_is_refused_naming_its_source() {
    let _env = credentials_lock();
    let emulator = emulator();
    set_cvm(&emulator);
    let e = get_credential(&keyless_config(&emulator, json!({}))).unwrap_err();
    assert_eq!(e.code(), codes::INVALID_ARGUMENT, "{e:?}");
    assert!(e.message().starts_with("credential_source: "), "{}", e.message());
    assert!(
        e.message().contains("CVM metadata server") && e.message().contains("sts_get_role_credential"),
        "{}",
        e.message()
    );
    // The role key was fetched (the refusal needs to know it is temporary); nothing went to STS.
    assert_eq!(emulator.metadata_credential_requests(), 1);
    assert!(emulator.requests().is_empty(), "{:?}", emulator.requests());
    std::env::remove_var("TENCENTCLOUD_METADATA_ENDPOINT");
}

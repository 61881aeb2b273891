//! Who is calling: a JWT checked here, a webhook's answer, or nobody (`none`, loopback only).
//! No message ever contains the token or the Authorization header.

use crate::config::{AuthSettings, JwtKey, JwtSettings};
use crate::reply::Failure;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use std::time::Duration;

/// The subject `none` mode gives every caller.
pub const ANONYMOUS: &str = "anonymous";

/// A caller that proved who it is.
#[derive(Debug)]
pub struct Caller {
    pub subject: String,
    /// A webhook's `prefixes`: they narrow what the rules allow.
    pub prefixes: Option<Vec<String>>,
}

/// Checks a JWKS entry when the config is read: RS256 or ES256 (P-256) keys only.
pub fn check_jwk(jwk: &Jwk) -> Result<(), String> {
    match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => {}
        AlgorithmParameters::EllipticCurve(ec) if ec.curve == EllipticCurve::P256 => {}
        _ => return Err("only RSA (RS256) and EC P-256 (ES256) keys are supported".into()),
    }
    match jwk.common.key_algorithm.map(|a| format!("{a:?}")) {
        None => {}
        Some(a) if a == "RS256" || a == "ES256" => {}
        Some(a) => return Err(format!("alg {a} is not RS256 or ES256")),
    }
    DecodingKey::from_jwk(jwk).map(|_| ()).map_err(|_| "not a usable public key".to_owned())
}

pub async fn authenticate(auth: &AuthSettings, authorization: Option<&str>) -> Result<Caller, Failure> {
    match auth {
        AuthSettings::None => Ok(Caller { subject: ANONYMOUS.to_owned(), prefixes: None }),
        AuthSettings::Jwt(settings) => {
            let token = bearer(authorization)?;
            let subject = verify_jwt(settings, token)?;
            Ok(Caller { subject, prefixes: None })
        }
        AuthSettings::Webhook { url, timeout } => ask_webhook(url, *timeout, authorization).await,
    }
}

fn bearer(authorization: Option<&str>) -> Result<&str, Failure> {
    let value = authorization.ok_or_else(|| Failure::unauthenticated("authorization: missing; send `Bearer <JWT>`"))?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => Ok(token.trim()),
        _ => Err(Failure::unauthenticated("authorization: expected `Bearer <JWT>`")),
    }
}

/// Verifies signature, `exp`, `iss` and `aud`; returns the subject claim.
pub fn verify_jwt(settings: &JwtSettings, token: &str) -> Result<String, Failure> {
    let header =
        jsonwebtoken::decode_header(token).map_err(|_| Failure::unauthenticated("authorization: not a JWT"))?;
    let (key, algorithm) = match &settings.key {
        JwtKey::Hs256(secret) => (DecodingKey::from_secret(secret), Algorithm::HS256),
        JwtKey::Jwks(set) => {
            if !matches!(header.alg, Algorithm::RS256 | Algorithm::ES256) {
                return Err(Failure::unauthenticated("authorization: the JWT's alg must be RS256 or ES256"));
            }
            let jwk = match &header.kid {
                Some(kid) => set.find(kid),
                None if set.keys.len() == 1 => set.keys.first(),
                None => None,
            }
            .ok_or_else(|| Failure::unauthenticated("authorization: no key in the JWKS matches the JWT's kid"))?;
            let key = DecodingKey::from_jwk(jwk)
                .map_err(|_| Failure::unauthenticated("authorization: the JWKS key is not usable"))?;
            (key, header.alg)
        }
    };
    let mut validation = Validation::new(algorithm);
    validation.set_issuer(&[&settings.issuer]);
    validation.set_audience(&[&settings.audience]);
    validation.set_required_spec_claims(&["exp", "iss", "aud"]);
    validation.leeway = 30;
    let data =
        jsonwebtoken::decode::<serde_json::Map<String, serde_json::Value>>(token, &key, &validation).map_err(|e| {
            Failure::unauthenticated(match e.kind() {
                ErrorKind::ExpiredSignature => "authorization: the JWT has expired",
                ErrorKind::ImmatureSignature => "authorization: the JWT is not valid yet (nbf)",
                ErrorKind::InvalidIssuer => "authorization: the JWT's iss is not the configured issuer",
                ErrorKind::InvalidAudience => "authorization: the JWT's aud is not the configured audience",
                ErrorKind::InvalidSignature => "authorization: the JWT's signature does not verify",
                ErrorKind::InvalidAlgorithm => "authorization: the JWT's alg does not match the key",
                ErrorKind::MissingRequiredClaim(_) => "authorization: the JWT lacks exp, iss or aud",
                _ => "authorization: the JWT is not valid",
            })
        })?;
    match data.claims.get(&settings.subject_claim) {
        Some(serde_json::Value::String(subject)) => Ok(subject.clone()),
        _ => Err(Failure::unauthenticated(format!(
            "authorization: the JWT has no string claim `{}`",
            settings.subject_claim.escape_debug()
        ))),
    }
}

#[derive(Deserialize)]
struct WebhookAnswer {
    allow: bool,
    subject: Option<String>,
    prefixes: Option<Vec<String>>,
}

/// POSTs the caller's Authorization header to the webhook; `{"allow":true,"subject":...}` lets
/// it in. Unreachable, slow or garbled → 503: the service cannot tell who is calling.
async fn ask_webhook(url: &str, timeout: Duration, authorization: Option<&str>) -> Result<Caller, Failure> {
    let url = url.to_owned();
    let authorization = authorization.map(str::to_owned);
    let answer = tokio::task::spawn_blocking(move || -> Result<(u16, String), ()> {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .into();
        let mut request = agent.post(&url).header("content-type", "application/json");
        if let Some(value) = &authorization {
            request = request.header("authorization", value);
        }
        let mut response = request.send("{}").map_err(|_| ())?;
        let status = response.status().as_u16();
        let body = response.body_mut().with_config().limit(64 * 1024).read_to_string().map_err(|_| ())?;
        Ok((status, body))
    })
    .await
    .map_err(|_| Failure::auth_unavailable("the auth webhook call failed"))?;
    let (status, body) = answer.map_err(|_| Failure::auth_unavailable("the auth webhook did not answer in time"))?;
    if status != 200 {
        return Err(Failure::auth_unavailable(format!("the auth webhook answered HTTP {status}")));
    }
    let answer: WebhookAnswer = serde_json::from_str(&body)
        .map_err(|_| Failure::auth_unavailable("the auth webhook's answer is not {\"allow\":bool,\"subject\":...}"))?;
    if !answer.allow {
        return Err(Failure::auth_denied("the auth webhook refused this caller"));
    }
    let subject = answer
        .subject
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Failure::auth_unavailable("the auth webhook allowed the caller without a subject"))?;
    let prefixes = match answer.prefixes {
        Some(list) => Some(
            list.iter()
                .map(|prefix| crate::rules::Template::parse(prefix).map(|t| t.expand(&subject)))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| Failure::auth_unavailable("the auth webhook answered an unusable prefix"))?,
        ),
        None => None,
    };
    Ok(Caller { subject, prefixes })
}

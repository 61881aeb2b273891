//! Which proxy a request goes through: the config's `proxy`, else the environment as curl reads
//! it, decided once when the config is parsed.
//!
//! Proxy URLs are parsed by ureq's own `Proxy::new`, the parser the transport connects with, so
//! the host checked here is the host connected to. Only what the transport speaks is accepted
//! (HTTP CONNECT over `http://` or `https://`), and a plain-http request, readable by whoever
//! carries it, never goes through a proxy that is not on this machine.

use crate::endpoint::{is_loopback_host, Target};
use crate::error::{abbreviate, wrong_type, Error, Result};
use serde_json::Value;
use std::fmt;
use ureq::{Proxy as UreqProxy, ProxyProtocol};
use zeroize::Zeroizing;

/// The proxy a request uses, with where it came from.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyTarget {
    /// The URL as given, userinfo included: handed to the transport only.
    url: Zeroizing<String>,
    /// `scheme://host:port`, for messages.
    shown: String,
    /// `proxy`, or the environment variable it was read from.
    source: &'static str,
}

impl ProxyTarget {
    /// Parses one proxy URL (curl's forms: `http://host:port`, `host:port`, with optional
    /// `user:password@`), refusing schemes the transport does not speak.
    fn parse(value: &str, source: &'static str) -> Result<ProxyTarget> {
        let where_from = |problem: String| Error::invalid(source, problem);
        let proxy = UreqProxy::new(value).map_err(|_| {
            where_from(format!(
                "`{}` is not a proxy URL such as http://10.0.0.1:3128",
                abbreviate(&redacted(value)).escape_debug()
            ))
        })?;
        let scheme = match proxy.protocol() {
            ProxyProtocol::Http => "http",
            ProxyProtocol::Https => "https",
            other => {
                return Err(where_from(format!(
                    "the {other} scheme is not supported; libsts speaks HTTP CONNECT proxies (http:// or https://)"
                )))
            }
        };
        if proxy.host().is_empty() {
            return Err(where_from("has no host; expected e.g. http://10.0.0.1:3128".to_owned()));
        }
        let shown = format!("{scheme}://{}:{}", proxy.host(), proxy.port());
        Ok(ProxyTarget { url: Zeroizing::new(value.to_owned()), shown, source })
    }

    /// The URL to hand to the transport (may hold a password: never print it).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Where the proxy came from: `proxy` or an environment variable's name.
    pub fn source(&self) -> &'static str {
        self.source
    }

    fn host(&self) -> &str {
        let authority = self.shown.split_once("://").map_or("", |(_, rest)| rest);
        authority.rsplit_once(':').map_or(authority, |(host, _)| host)
    }
}

/// `scheme://host:port`: never the userinfo.
impl fmt::Display for ProxyTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

impl fmt::Debug for ProxyTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProxyTarget({} from {})", self.shown, self.source)
    }
}

/// The config's `proxy` value, before the environment is consulted.
enum Given {
    /// No `proxy` key.
    Unset,
    /// `""`, or a `{"http":..}` object with no entry for the URL's scheme.
    Disabled,
    Url(String),
}

fn given(value: Option<Value>, target: &Target) -> Result<Given> {
    let chosen = match value {
        None => return Ok(Given::Unset),
        Some(Value::String(s)) => Some(s),
        // requests-style {"http": "...", "https": "..."}: the entry for the URL's scheme.
        Some(Value::Object(map)) => {
            let scheme = if target.is_https() { "https" } else { "http" };
            if let Some(key) = map.keys().find(|k| *k != "http" && *k != "https") {
                return Err(Error::invalid(
                    &format!("proxy.{}", abbreviate(key).escape_debug()),
                    "unknown key; expected `http` or `https`",
                ));
            }
            match map.get(scheme) {
                Some(Value::String(s)) => Some(s.clone()),
                Some(other) => return Err(wrong_type(&format!("proxy.{scheme}"), "a string", other)),
                None => None,
            }
        }
        Some(other) => return Err(wrong_type("proxy", "a string or an object {\"http\":..,\"https\":..}", &other)),
    };
    Ok(match chosen {
        Some(s) if !s.is_empty() => Given::Url(s),
        _ => Given::Disabled,
    })
}

/// The proxy for a request to `target`, from the config's `proxy` value or, when it has none,
/// from `https_proxy`/`http_proxy`/`all_proxy` and `no_proxy` as curl reads them.
///
/// A loopback `target` never takes a proxy from the environment: a proxy elsewhere cannot reach
/// this machine's loopback, and a plain-http request must not leave it. A plain-http `target`
/// with a `proxy` that is not itself on loopback is refused.
pub fn resolve(
    value: Option<Value>,
    target: &Target,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<ProxyTarget>> {
    let proxy = match given(value, target)? {
        Given::Disabled => return Ok(None),
        Given::Url(url) => ProxyTarget::parse(&url, "proxy")?,
        Given::Unset if target.is_loopback() => return Ok(None),
        Given::Unset => {
            let names: &[&'static str] = if target.is_https() {
                &["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"]
            } else {
                // Like curl, only lower-case http_proxy (HTTP_PROXY can be injected by CGI).
                &["http_proxy", "all_proxy", "ALL_PROXY"]
            };
            let Some((name, url)) = names.iter().find_map(|n| env(n).filter(|v| !v.is_empty()).map(|v| (*n, v))) else {
                return Ok(None);
            };
            let no_proxy = env("no_proxy").or_else(|| env("NO_PROXY")).unwrap_or_default();
            if matches_no_proxy(&no_proxy, target.host()) {
                return Ok(None);
            }
            ProxyTarget::parse(&url, name)?
        }
    };
    if !target.is_https() && !is_loopback_host(proxy.host()) {
        return Err(Error::invalid(
            proxy.source(),
            format!(
                "{proxy} is not on loopback, and a plain http:// url would be sent through it in clear text \
                 (signature and session token included); use an https:// url or a proxy on this machine"
            ),
        ));
    }
    Ok(Some(proxy))
}

/// The process environment, for [`resolve`].
pub fn from_process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// curl's NO_PROXY rules: `*` matches all; an entry matches the host or any subdomain of it.
pub fn matches_no_proxy(no_proxy: &str, host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
    no_proxy.split(',').map(str::trim).filter(|e| !e.is_empty()).any(|entry| {
        if entry == "*" {
            return true;
        }
        let entry = entry.trim_start_matches('.').to_ascii_lowercase();
        let entry = entry.rsplit_once(':').filter(|(_, p)| p.parse::<u16>().is_ok()).map_or(entry.as_str(), |(h, _)| h);
        host == entry || host.ends_with(&format!(".{entry}"))
    })
}

/// A proxy string with anything before its last `@` hidden, for the one message that must
/// mention a value that did not parse.
fn redacted(value: &str) -> String {
    match value.rfind('@') {
        Some(at) => {
            let scheme = value.find("://").filter(|i| *i < at).map_or("", |i| &value[..i + 3]);
            format!("{scheme}***@{}", &value[at + 1..])
        }
        None => value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn target(url: &str) -> Target {
        Target::parse("url", url).unwrap()
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| (*v).to_owned())
    }

    const HTTPS: &str = "https://sts.tencentcloudapi.com/";
    const LOOPBACK: &str = "http://127.0.0.1:18080/";

    #[test]
    fn the_config_wins_and_empty_disables() {
        let env = env_of(&[("https_proxy", "http://10.0.0.9:1")]);
        let chosen = resolve(Some(json!("http://10.0.0.1:3128")), &target(HTTPS), &env).unwrap().unwrap();
        assert_eq!((chosen.to_string().as_str(), chosen.source()), ("http://10.0.0.1:3128", "proxy"));
        assert_eq!(resolve(Some(json!("")), &target(HTTPS), &env).unwrap(), None);
        let object = json!({"https": "http://p:1", "http": "http://q:2"});
        assert_eq!(resolve(Some(object), &target(HTTPS), no_env).unwrap().unwrap().to_string(), "http://p:1");
        assert_eq!(resolve(Some(json!({"http": "http://q:2"})), &target(HTTPS), no_env).unwrap(), None);
    }

    #[test]
    fn the_environment_is_read_as_curl_does() {
        let env = env_of(&[("HTTPS_PROXY", "proxy.corp:3128"), ("no_proxy", "example.com")]);
        let chosen = resolve(None, &target(HTTPS), &env).unwrap().unwrap();
        assert_eq!((chosen.to_string().as_str(), chosen.source()), ("http://proxy.corp:3128", "HTTPS_PROXY"));
        let bypass = env_of(&[("HTTPS_PROXY", "proxy.corp:3128"), ("NO_PROXY", ".tencentcloudapi.com")]);
        assert_eq!(resolve(None, &target(HTTPS), &bypass).unwrap(), None);
    }

    #[test]
    fn a_loopback_url_takes_no_proxy_from_the_environment() {
        let env = env_of(&[("http_proxy", "http://10.200.0.1:3128"), ("all_proxy", "socks5://10.200.0.1:1080")]);
        assert_eq!(resolve(None, &target(LOOPBACK), &env).unwrap(), None);
        assert_eq!(resolve(None, &target("https://127.0.0.1:8443/"), &env).unwrap(), None);
    }

    #[test]
    fn plain_http_never_goes_through_a_proxy_off_loopback() {
        let message = resolve(Some(json!("http://10.200.0.1:3128")), &target(LOOPBACK), no_env).unwrap_err();
        assert!(message.message().starts_with("proxy: http://10.200.0.1:3128 is not on loopback"), "{message}");
        let from_object = resolve(Some(json!({"http": "10.200.0.1:3128"})), &target(LOOPBACK), no_env).unwrap_err();
        assert!(from_object.message().starts_with("proxy: http://10.200.0.1:3128 is not on loopback"));
        let local = resolve(Some(json!("http://127.0.0.1:3128")), &target(LOOPBACK), no_env).unwrap().unwrap();
        assert_eq!(local.to_string(), "http://127.0.0.1:3128");
        assert!(resolve(Some(json!("http://[::1]:3128")), &target(LOOPBACK), no_env).unwrap().is_some());
    }

    #[test]
    fn unsupported_schemes_are_refused_naming_where_they_came_from() {
        let message = resolve(Some(json!("socks5://127.0.0.1:1080")), &target(HTTPS), no_env).unwrap_err();
        assert!(message.message().starts_with("proxy: the SOCKS5 scheme is not supported"), "{message}");
        for name in ["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"] {
            let pairs: &'static [(&'static str, &'static str)] =
                Box::leak(vec![(name, "socks5h://127.0.0.1:1080")].into_boxed_slice());
            let message = resolve(None, &target(HTTPS), env_of(pairs)).unwrap_err();
            assert!(message.message().starts_with(&format!("{name}: the ")), "{message}");
            assert!(message.message().contains("not supported"), "{message}");
        }
        let message = resolve(Some(json!("ftp://x:1")), &target(HTTPS), no_env).unwrap_err();
        assert!(message.message().starts_with("proxy: `ftp://x:1` is not a proxy URL"), "{message}");
    }

    #[test]
    fn passwords_never_appear_in_messages_or_debug() {
        for value in ["user:hunter2@10.200.0.1:3128", "http://user:hunter2@10.200.0.1:3128", "socks5://u:hunter2@h:1"] {
            let error = resolve(Some(json!(value)), &target(LOOPBACK), no_env).unwrap_err();
            assert!(!error.message().contains("hunter2"), "{error}");
        }
        let bad = resolve(Some(json!("ht tp://u:hunter2@h:1")), &target(HTTPS), no_env).unwrap_err();
        assert!(!bad.message().contains("hunter2"), "{bad}");
        let chosen = resolve(Some(json!("http://user:hunter2@proxy:3128")), &target(HTTPS), no_env).unwrap().unwrap();
        assert!(!format!("{chosen} {chosen:?}").contains("hunter2"));
        assert_eq!(chosen.url(), "http://user:hunter2@proxy:3128");
    }

    #[test]
    fn no_proxy_matches_hosts_and_subdomains_like_curl() {
        assert!(matches_no_proxy("*", "sts.tencentcloudapi.com"));
        assert!(matches_no_proxy("tencentcloudapi.com", "sts.tencentcloudapi.com"));
        assert!(matches_no_proxy(".tencentcloudapi.com", "sts.tencentcloudapi.com"));
        assert!(matches_no_proxy("localhost, 127.0.0.1", "127.0.0.1"));
        assert!(matches_no_proxy("127.0.0.1:8080", "127.0.0.1"));
        assert!(!matches_no_proxy("example.com", "sts.tencentcloudapi.com"));
        assert!(!matches_no_proxy("cloudapi.com", "sts.tencentcloudapi.com"));
        assert!(!matches_no_proxy("", "sts.tencentcloudapi.com"));
    }
}

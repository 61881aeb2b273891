//! Where a request goes: the signed `endpoint` host and the `url` connected to, with the rules
//! that keep a signed request from travelling in clear text.
//!
//! The `url` is parsed once, with the parser of the HTTP client itself (`http::Uri`, re-exported by
//! ureq), and the parsed form is what the transport connects to. So the loopback rule is decided
//! on exactly the host the client will open a socket to; a second, hand-written reading of the
//! authority (the userinfo trick `http://127.0.0.1:80@10.0.0.1/`) cannot disagree with it.

use crate::error::{abbreviate, Error, Result};
use std::fmt;
use std::net::IpAddr;
use ureq::http::Uri;

/// A parsed `url`: http or https, a host, no userinfo.
#[derive(Clone, PartialEq, Eq)]
pub struct Target {
    uri: Uri,
    https: bool,
    port: u16,
}

impl Target {
    /// Parses and checks a `url` value; `field` names it in errors.
    ///
    /// Refused: anything but `http://` and `https://`, userinfo (`user:pass@`) of any spelling,
    /// and plain `http://` to a host that is not loopback (whoever sees a signed request can
    /// replay it for 5 minutes).
    pub fn parse(field: &str, value: &str) -> Result<Target> {
        Self::parse_with(field, value, "a loopback address", is_loopback_host)
    }

    /// [`Target::parse`] with plain http allowed to the hosts `plain_http_ok` accepts
    /// (described as `allowed` in the refusal): the CVM metadata server's rule. The request
    /// sent there is unsigned, and it carries no secret.
    pub fn parse_with(field: &str, value: &str, allowed: &str, plain_http_ok: fn(&str) -> bool) -> Result<Target> {
        let not_a_url = || {
            Error::invalid(
                field,
                "not an http(s) URL such as https://sts.tencentcloudapi.com/ (the value is not shown)",
            )
        };
        // Checked before parsing, so the parser never sees (and no message ever shows) it.
        let authority_end = value
            .find("://")
            .map(|i| i + 3)
            .map(|start| start + value[start..].find(['/', '?', '#']).unwrap_or(value.len() - start));
        if let Some(end) = authority_end {
            if value[..end].contains('@') {
                return Err(Error::invalid(
                    field,
                    "must not carry userinfo (`user:password@`): STS authenticates by signature, and a URL's \
                     userinfo can hide which host is really connected to",
                ));
            }
        }
        let uri: Uri = value.parse().map_err(|_| not_a_url())?;
        let https = match uri.scheme_str() {
            Some(s) if s.eq_ignore_ascii_case("https") => true,
            Some(s) if s.eq_ignore_ascii_case("http") => false,
            _ => return Err(not_a_url()),
        };
        let authority = uri.authority().ok_or_else(not_a_url)?;
        if authority.as_str().contains('@') {
            return Err(Error::invalid(field, "must not carry userinfo (`user:password@`)"));
        }
        if authority.host().is_empty() {
            return Err(not_a_url());
        }
        let port = authority.port_u16().unwrap_or(if https { 443 } else { 80 });
        let target = Target { uri, https, port };
        if !https && !plain_http_ok(target.host()) {
            return Err(Error::invalid(
                field,
                format!(
                    "plain http:// is only allowed to {allowed}, got `{}`: whoever sees a signed request \
                     can replay it for 5 minutes; use https://",
                    abbreviate(target.host())
                ),
            ));
        }
        Ok(target)
    }

    /// `https://{endpoint}/`, the default when no `url` is given (the endpoint is checked).
    pub fn for_endpoint(endpoint: &str) -> Result<Target> {
        Target::parse("endpoint", &format!("https://{endpoint}/"))
    }

    /// The host as the client connects to it (IPv6 in brackets).
    pub fn host(&self) -> &str {
        self.uri.host().unwrap_or_default()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn is_https(&self) -> bool {
        self.https
    }

    /// Whether the host is a loopback address or `localhost`, which the transport then only
    /// resolves to loopback addresses.
    pub fn is_loopback(&self) -> bool {
        is_loopback_host(self.host())
    }

    /// The URL the request is sent to.
    pub fn uri(&self) -> &Uri {
        &self.uri
    }

    /// The URL as given, path and query included (for the normalized config; never in errors).
    pub fn as_str(&self) -> String {
        self.uri.to_string()
    }
}

/// `scheme://host:port`: what messages show. Never the path or query, which can carry tokens.
impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}:{}", if self.https { "https" } else { "http" }, self.host(), self.port)
    }
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Target({self})")
    }
}

/// A loopback IP literal (IPv6 in any spelling, brackets or not) or `localhost`.
pub fn is_loopback_host(host: &str) -> bool {
    let bare = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    bare.eq_ignore_ascii_case("localhost") || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The signed `endpoint`: a host name with an optional port, as in the `Host` header.
pub fn check_endpoint(field: &str, value: &str) -> Result<()> {
    let host =
        value.rsplit_once(':').map_or(value, |(host, port)| if port.parse::<u16>().is_ok() { host } else { value });
    if host.is_empty() || host.len() > 253 || !host.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-') {
        return Err(Error::invalid(
            field,
            format!(
                "`{}` is not a host name; expected e.g. sts.tencentcloudapi.com (no scheme, no path; use `url` to \
                 connect elsewhere)",
                abbreviate(value).escape_debug()
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(url: &str) -> String {
        Target::parse("url", url).unwrap_err().message().to_owned()
    }

    #[test]
    fn loopback_in_every_spelling_is_accepted_for_plain_http() {
        for url in [
            "http://127.0.0.1:9000/",
            "http://127.8.9.10/",
            "http://localhost:1/",
            "http://LOCALHOST/",
            "http://[::1]:8/",
            "http://[0:0:0:0:0:0:0:1]:8080/",
            "http://[0000::0001]/",
        ] {
            let target = Target::parse("url", url).unwrap_or_else(|e| panic!("{url}: {e}"));
            assert!(target.is_loopback() && !target.is_https(), "{url}");
        }
    }

    #[test]
    fn userinfo_is_refused_in_every_spelling() {
        for url in [
            "http://127.0.0.1:80@10.200.0.1/",
            "http://user@127.0.0.1/",
            "http://:@127.0.0.1/",
            "https://u:p@sts.tencentcloudapi.com/",
            "http://127.0.0.1@10.200.0.1:80/path",
            "http://127.0.0.1%40@10.200.0.1/",
            "HTTP://a@b@127.0.0.1/",
        ] {
            let message = refused(url);
            assert!(message.starts_with("url: must not carry userinfo"), "{url}: {message}");
            assert!(!message.contains("10.200"), "{message}");
        }
    }

    #[test]
    fn plain_http_off_loopback_is_refused_naming_the_parsed_host() {
        for (url, host) in [
            ("http://10.200.0.1/", "10.200.0.1"),
            ("http://[::ffff:127.0.0.1]/", "[::ffff:127.0.0.1]"),
            ("http://127.1/", "127.1"),
            ("http://0x7f000001/", "0x7f000001"),
            ("http://localhost.example.com/", "localhost.example.com"),
            ("http://[::2]:80/", "[::2]"),
        ] {
            let message = refused(url);
            assert!(message.starts_with("url: plain http:// is only allowed to a loopback address"), "{message}");
            assert!(message.contains(&format!("`{host}`")), "{url}: {message}");
        }
    }

    #[test]
    fn non_http_urls_are_refused_without_quoting_them() {
        for url in ["ftp://x/", "sts.tencentcloudapi.com", "", "http://", "https:///x", "http://a b/", "http://\\@x/"] {
            let message = refused(url);
            assert!(message.starts_with("url: "), "{url}: {message}");
        }
        assert!(!refused("ftp://secret-token@x/").contains("secret-token"));
        assert!(!refused("javascript:alert(1)").contains("alert"));
    }

    #[test]
    fn display_shows_scheme_host_and_port_only() {
        let target = Target::parse("url", "http://127.0.0.1:9000/some/path?token=abc").unwrap();
        assert_eq!(target.to_string(), "http://127.0.0.1:9000");
        assert_eq!(format!("{target:?}"), "Target(http://127.0.0.1:9000)");
        assert_eq!(
            Target::for_endpoint("sts.tencentcloudapi.com").unwrap().to_string(),
            "https://sts.tencentcloudapi.com:443"
        );
    }

    #[test]
    fn endpoints_are_host_names() {
        assert!(check_endpoint("endpoint", "sts.internal.tencentcloudapi.com").is_ok());
        assert!(check_endpoint("endpoint", "127.0.0.1:9000").is_ok());
        for bad in ["https://sts.tencentcloudapi.com", "a/b", "", "a b", "x\u{0}y", ":80"] {
            assert!(check_endpoint("endpoint", bad).unwrap_err().message().starts_with("endpoint: `"), "{bad}");
        }
    }
}

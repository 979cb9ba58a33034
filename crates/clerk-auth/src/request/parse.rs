//! Reading a request: the effective URL, cookies, the `Authorization` header, query parameters.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE;
use http::HeaderMap;
use http::request::Parts;

/// The URL the client used, as seen through proxies.
///
/// The host is the first comma-separated value of `x-forwarded-host`, else the `Host` header
/// (unless empty), else the request URI's authority, else `localhost`. The scheme is the first value of
/// `x-forwarded-proto`, else the request URI's scheme, else `http`. Path and query are the
/// request URI's.
///
/// Like `@clerk/backend`, this trusts `x-forwarded-*` headers: run the service behind a proxy
/// that sets (or strips) them.
///
/// `Debug` shows the query's names but not its values (they carry handshake and dev-browser
/// tokens); `Display` is the whole URL.
#[derive(Clone, PartialEq, Eq)]
pub struct EffectiveUrl {
    scheme: String,
    host: String,
    path: String,
    query: Vec<(String, String)>,
}

impl EffectiveUrl {
    /// The effective URL of a request.
    pub fn from_parts(parts: &Parts) -> EffectiveUrl {
        EffectiveUrl::from_parts_with(parts, None, true)
    }

    /// [`EffectiveUrl::from_parts`] for a deployment that knows its public origin or does not
    /// trust forwarding headers: with `public_origin` (`https://app.example.com`), its scheme and
    /// host are used and the request's `Host` and `x-forwarded-*` headers are ignored; with
    /// `trust_forwarded` false, `x-forwarded-host` and `x-forwarded-proto` are ignored.
    pub fn from_parts_with(
        parts: &Parts,
        public_origin: Option<&EffectiveUrl>,
        trust_forwarded: bool,
    ) -> EffectiveUrl {
        let path = match parts.uri.path() {
            "" => "/".to_owned(),
            path => path.to_owned(),
        };
        let query = parse_query(parts.uri.query().unwrap_or_default());
        if let Some(origin) = public_origin {
            return EffectiveUrl {
                scheme: origin.scheme.clone(),
                host: origin.host.clone(),
                path,
                query,
            };
        }
        let forwarded = |name: &str| {
            if !trust_forwarded {
                return None;
            }
            parts
                .headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.split(',').next())
                .map(str::trim)
                .filter(|value| !value.is_empty())
                .map(str::to_owned)
        };
        // An empty `Host` (allowed when the request target has no authority) names no host.
        let host = forwarded("x-forwarded-host")
            .or_else(|| {
                header_str(&parts.headers, "host")
                    .map(str::trim)
                    .filter(|host| !host.is_empty())
                    .map(str::to_owned)
            })
            .or_else(|| parts.uri.authority().map(|a| a.as_str().to_owned()))
            .unwrap_or_else(|| "localhost".to_owned());
        let scheme = forwarded("x-forwarded-proto")
            .or_else(|| parts.uri.scheme_str().map(str::to_owned))
            .unwrap_or_else(|| "http".to_owned())
            .to_ascii_lowercase();
        EffectiveUrl {
            scheme,
            host,
            path,
            query,
        }
    }

    /// A URL from its pieces; `query` is the raw query string (without `?`).
    pub fn new(scheme: &str, host: &str, path: &str, query: &str) -> EffectiveUrl {
        EffectiveUrl {
            scheme: scheme.to_ascii_lowercase(),
            host: host.to_owned(),
            path: if path.is_empty() { "/" } else { path }.to_owned(),
            query: parse_query(query),
        }
    }

    /// Parses an absolute `http(s)://host/path?query` URL; `None` for anything else.
    pub fn parse(url: &str) -> Option<EffectiveUrl> {
        let (scheme, rest) = url.split_once("://")?;
        if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
            return None;
        }
        let rest = rest.split('#').next().unwrap_or_default();
        let (authority_and_path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (host, path) = match authority_and_path.find('/') {
            Some(slash) => authority_and_path.split_at(slash),
            None => (authority_and_path, "/"),
        };
        if host.is_empty() {
            return None;
        }
        Some(EffectiveUrl::new(scheme, host, path, query))
    }

    /// `http` or `https`.
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// Host and, if given, port.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// `scheme://host`.
    pub fn origin(&self) -> String {
        format!("{}://{}", self.scheme, self.host)
    }

    /// The first value of query parameter `name`, decoded.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// Whether query parameter `name` is present.
    pub fn has_query_param(&self, name: &str) -> bool {
        self.query.iter().any(|(key, _)| key == name)
    }

    /// Removes every occurrence of query parameter `name`.
    pub(crate) fn remove_query_param(&mut self, name: &str) {
        self.query.retain(|(key, _)| key != name);
    }

    /// Sets query parameter `name`, replacing earlier occurrences in place (or appending).
    pub(crate) fn set_query_param(&mut self, name: &str, value: &str) {
        if let Some(index) = self.query.iter().position(|(key, _)| key == name) {
            self.query[index].1 = value.to_owned();
            let mut seen = 0;
            self.query.retain(|(key, _)| {
                if key == name {
                    seen += 1;
                    seen == 1
                } else {
                    true
                }
            });
        } else {
            self.append_query_param(name, value);
        }
    }

    /// Appends a segment to the path (`/sign-in` + `create` → `/sign-in/create`).
    pub(crate) fn push_path(&mut self, segment: &str) {
        if !self.path.ends_with('/') {
            self.path.push('/');
        }
        self.path.push_str(segment);
    }

    /// Appends query parameter `name`.
    pub(crate) fn append_query_param(&mut self, name: &str, value: &str) {
        self.query.push((name.to_owned(), value.to_owned()));
    }
}

impl fmt::Debug for EffectiveUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EffectiveUrl")
            .field("scheme", &self.scheme)
            .field("host", &self.host)
            .field("path", &self.path)
            .field(
                "query",
                &self
                    .query
                    .iter()
                    .map(|(name, _)| (name.as_str(), crate::Redacted))
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl fmt::Debug for Cookies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.pairs.iter().map(|(name, _)| (name, crate::Redacted)))
            .finish()
    }
}

impl fmt::Display for EffectiveUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}{}", self.scheme, self.host, self.path)?;
        if !self.query.is_empty() {
            f.write_str("?")?;
            f.write_str(&encode_query(&self.query))?;
        }
        Ok(())
    }
}

/// Splits a query string into decoded pairs (`application/x-www-form-urlencoded`: `+` is a space).
pub(crate) fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (form_decode(key), form_decode(value))
        })
        .collect()
}

fn form_decode(text: &str) -> String {
    let text = text.replace('+', " ");
    percent_decode(&text).unwrap_or(text)
}

/// Encodes pairs as a query string the way `URLSearchParams` does.
pub(crate) fn encode_query<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> String {
    let mut out = String::new();
    for (index, (key, value)) in pairs.iter().enumerate() {
        if index > 0 {
            out.push('&');
        }
        form_encode_into(key.as_ref(), &mut out);
        out.push('=');
        form_encode_into(value.as_ref(), &mut out);
    }
    out
}

fn form_encode_into(text: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &byte in text.as_bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(char::from(byte));
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(char::from(HEX[usize::from(byte >> 4)]));
                out.push(char::from(HEX[usize::from(byte & 0xf)]));
            }
        }
    }
}

/// Percent-decodes `text`; `None` for a malformed escape (`%` not followed by two hex digits)
/// or bytes that are not UTF-8.
pub(crate) fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        if byte == b'%' {
            // Two hex digits exactly: `u8::from_str_radix` would also take a sign (`%+1`).
            let hi = bytes.get(index + 1).copied().and_then(hex_digit)?;
            let lo = bytes.get(index + 2).copied().and_then(hex_digit)?;
            out.push((hi << 4) | lo);
            index += 3;
        } else {
            out.push(byte);
            index += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn hex_digit(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

pub(crate) fn header_str<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

/// The request's cookies, parsed from every `Cookie` header.
///
/// Pairs are split on `;`, names from values on the first `=`, and spaces and tabs trimmed. The
/// first occurrence of a name wins. A value containing `%` is percent-decoded, unless that
/// fails, in which case the raw value is kept. Quotes are not stripped.
///
/// `Debug` shows the cookies' names but never their values.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Cookies {
    pairs: Vec<(String, String)>,
}

impl Cookies {
    /// The cookies of a request.
    pub fn from_headers(headers: &HeaderMap) -> Cookies {
        let mut cookies = Cookies::default();
        for value in headers.get_all(http::header::COOKIE) {
            if let Ok(value) = value.to_str() {
                cookies.add_header(value);
            }
        }
        cookies
    }

    /// Parses one `Cookie` header value.
    pub fn parse(header: &str) -> Cookies {
        let mut cookies = Cookies::default();
        cookies.add_header(header);
        cookies
    }

    fn add_header(&mut self, header: &str) {
        for pair in header.split(';') {
            let Some((name, value)) = pair.split_once('=') else {
                continue;
            };
            let name = name.trim_matches([' ', '\t']);
            if name.is_empty() || self.get(name).is_some() {
                continue;
            }
            let value = value.trim_matches([' ', '\t']);
            let value = if value.contains('%') {
                percent_decode(value).unwrap_or_else(|| value.to_owned())
            } else {
                value.to_owned()
            };
            self.pairs.push((name.to_owned(), value));
        }
    }

    /// The value of cookie `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// The token of an `Authorization` header value.
///
/// The value is split on its first space. A value without a space is taken whole as the token
/// (raw tokens are accepted, as in `@clerk/backend`). Otherwise the scheme must be `Bearer`,
/// compared case-insensitively (RFC 9110; `@clerk/backend` only accepts `Bearer` exactly), and
/// the rest, trimmed, is the token. Other schemes (`Basic`, …) and empty tokens give `None`.
///
/// ```
/// use clerk_auth::request::bearer_token;
///
/// assert_eq!(bearer_token("Bearer abc.def.ghi"), Some("abc.def.ghi"));
/// assert_eq!(bearer_token("bearer abc.def.ghi"), Some("abc.def.ghi"));
/// assert_eq!(bearer_token("abc.def.ghi"), Some("abc.def.ghi"));
/// assert_eq!(bearer_token("Basic dXNlcjpwYXNz"), None);
/// ```
pub fn bearer_token(authorization: &str) -> Option<&str> {
    let token = match authorization.split_once(' ') {
        None => authorization.trim_matches([' ', '\t']),
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => {
            rest.trim_matches([' ', '\t'])
        }
        Some(_) => return None,
    };
    (!token.is_empty()).then_some(token)
}

/// The suffix Clerk appends to cookie names for one instance: the first 8 characters of the
/// URL-safe base64 of the SHA-1 of the publishable key.
///
/// Cookies such as `__session_<suffix>` let several Clerk apps share a domain.
pub fn cookie_suffix(publishable_key: &str) -> String {
    let digest = ring::digest::digest(
        &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
        publishable_key.as_bytes(),
    );
    let mut encoded = URL_SAFE.encode(digest.as_ref());
    encoded.truncate(8);
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Text rich in what the codecs treat specially: `%`, `+`, `&`, `=`, hex digits, spaces,
    /// signs, and non-ASCII characters.
    fn tricky() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just('%'),
                Just('+'),
                Just('-'),
                Just('&'),
                Just('='),
                Just(' '),
                proptest::char::range('0', '9'),
                proptest::char::range('a', 'h'),
                proptest::char::range('A', 'H'),
                Just('é'),
                Just('€'),
                any::<char>(),
            ],
            0..24,
        )
        .prop_map(|chars| chars.into_iter().collect())
    }

    /// Reference decoder: `%` must start two hex digits; the bytes must be UTF-8.
    fn reference_decode(text: &str) -> Option<String> {
        let mut bytes = Vec::new();
        let mut rest = text.as_bytes();
        while let Some((&b, tail)) = rest.split_first() {
            if b == b'%' {
                let digits = tail.get(..2)?;
                if !digits.iter().all(u8::is_ascii_hexdigit) {
                    return None;
                }
                let digits = std::str::from_utf8(digits).ok()?;
                bytes.push(u8::from_str_radix(digits, 16).ok()?);
                rest = &tail[2..];
            } else {
                bytes.push(b);
                rest = tail;
            }
        }
        String::from_utf8(bytes).ok()
    }

    proptest! {
        // Shrinking is why these use proptest rather than a hand-written loop: a failure is
        // reported as the shortest string that still fails.

        #[test]
        fn percent_decoding_matches_the_reference(text in tricky()) {
            prop_assert_eq!(percent_decode(&text), reference_decode(&text));
        }

        #[test]
        fn form_encoding_round_trips(text in tricky()) {
            let mut encoded = String::new();
            form_encode_into(&text, &mut encoded);
            prop_assert!(encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b"*-._+%".contains(&b)));
            prop_assert_eq!(form_decode(&encoded), text);
        }

        #[test]
        fn query_pairs_round_trip(pairs in proptest::collection::vec((tricky(), tricky()), 0..6)) {
            prop_assert_eq!(parse_query(&encode_query(&pairs)), pairs);
        }

        #[test]
        fn percent_encoded_bytes_decode_back(text in any::<String>()) {
            let encoded: String = text.bytes().map(|b| format!("%{b:02x}")).collect();
            prop_assert_eq!(percent_decode(&encoded), Some(text));
        }
    }
}

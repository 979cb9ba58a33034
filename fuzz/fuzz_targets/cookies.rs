//! Cookie parsing (`Cookies::parse`, `Cookies::from_headers`), the `Authorization` header
//! (`bearer_token`), and the request side's percent-decoder and form encoding: cookie values
//! with `%` escapes, and query strings, which must survive encoding and decoding unchanged.
//! (The other percent-decoder, the Backend API client's path-parameter check, is fuzzed by the
//! `client` target.)
//!
//! Input: a mode byte, then text.

#![no_main]

use clerk_auth::request::{Cookies, EffectiveUrl, bearer_token, cookie_suffix};
use clerk_fuzz::{Input, percent_decode_strict};
use http::{HeaderMap, HeaderValue, header};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    match input.byte() % 5 {
        0 => {
            let name = input.text();
            let header = input.rest_text();
            let cookies = Cookies::parse(&header);
            check_cookie(&cookies, &header, &name);
            for known in [
                "__session",
                "__client_uat",
                "__clerk_db_jwt",
                "__clerk_redirect_count",
            ] {
                check_cookie(&cookies, &header, known);
            }
        }
        1 => {
            let name = input.text();
            let mut headers = HeaderMap::new();
            let count = input.byte() % 6;
            for _ in 0..count {
                if let Ok(value) = HeaderValue::from_bytes(input.field()) {
                    headers.append(header::COOKIE, value);
                }
            }
            let cookies = Cookies::from_headers(&headers);
            let _ = cookies.get(&name);
        }
        2 => {
            let value = input.rest_text();
            if let Some(token) = bearer_token(&value) {
                assert!(!token.is_empty());
                assert!(!token.starts_with([' ', '\t']) && !token.ends_with([' ', '\t']));
                assert!(value.contains(token));
            }
        }
        3 => {
            // Query strings: decoded once when parsed, encoded when written, decoded again
            // when read back: the pairs must not change.
            let query = input.rest_text();
            let url = EffectiveUrl::new("https", "app.example.com", "/", &query);
            let written = url.to_string();
            let again = EffectiveUrl::parse(&written).expect("a written URL parses");
            assert_eq!(again, url, "{written}");
            let name = query.split(['=', '&']).next().unwrap_or_default();
            let _ = (url.query_param(name), url.has_query_param(name));
        }
        _ => {
            let key = input.rest_text();
            let suffix = cookie_suffix(&key);
            assert_eq!(suffix.len(), 8);
            assert!(
                suffix
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            );
        }
    }
});

/// The value of cookie `name` is the first pair's value with that (trimmed) name, trimmed and,
/// when it has a `%`, percent-decoded if that gives UTF-8 text.
fn check_cookie(cookies: &Cookies, header: &str, name: &str) {
    let expected = header.split(';').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        (key.trim_matches([' ', '\t']) == name).then(|| value.trim_matches([' ', '\t']))
    });
    let expected =
        expected.filter(|_| !name.trim_matches([' ', '\t']).is_empty() && !name.is_empty());
    let expected = expected.map(|raw| {
        if raw.contains('%') {
            percent_decode_strict(raw.as_bytes())
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .unwrap_or_else(|| raw.to_owned())
        } else {
            raw.to_owned()
        }
    });
    assert_eq!(
        cookies.get(name).map(str::to_owned),
        expected,
        "cookie {name:?}"
    );
}

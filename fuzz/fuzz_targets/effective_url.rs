//! `EffectiveUrl`: parsing absolute URLs (sign-in URLs, `__clerk_redirect_url`, referrers) and
//! working out the URL a request was made to from its URI, `Host` and `x-forwarded-*` headers.
//!
//! Input: a mode byte, then text fields.

#![no_main]

use clerk_auth::request::EffectiveUrl;
use clerk_fuzz::Input;
use http::{HeaderValue, Request, Uri};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let mode = input.byte();
    if mode % 2 == 0 {
        let text = input.rest_text();
        let Some(url) = EffectiveUrl::parse(&text) else {
            return;
        };
        assert!(url.scheme() == "http" || url.scheme() == "https");
        assert!(!url.host().is_empty());
        assert!(url.path().starts_with('/'));
        let _ = url.origin();
        // What a parsed URL writes reads back as the same URL.
        let written = url.to_string();
        assert_eq!(
            EffectiveUrl::parse(&written).as_ref(),
            Some(&url),
            "{written}"
        );
        return;
    }

    // A request: its URI (origin-form or absolute) and the headers that name the host.
    let uri = input.field();
    let host = input.field();
    let forwarded_host = input.field();
    let forwarded_proto = input.field();
    let origin = input.text();
    let Ok(uri) = Uri::try_from(uri) else {
        return;
    };
    let mut request = Request::get(uri);
    for (name, value, bit) in [
        ("host", host, 2),
        ("x-forwarded-host", forwarded_host, 4),
        ("x-forwarded-proto", forwarded_proto, 8),
    ] {
        if mode & bit != 0 {
            if let Ok(value) = HeaderValue::from_bytes(value) {
                request = request.header(name, value);
            }
        }
    }
    let Ok(request) = request.body(()) else {
        return;
    };
    let (parts, ()) = request.into_parts();
    let public_origin = EffectiveUrl::parse(&origin);
    let url = EffectiveUrl::from_parts_with(&parts, public_origin.as_ref(), mode & 16 != 0);
    let plain = EffectiveUrl::from_parts(&parts);
    let _ = (url.to_string(), url.origin(), plain.to_string());
    if let Some(origin) = &public_origin {
        assert_eq!(url.origin(), origin.origin());
    }
    assert!(!url.host().is_empty());
});

//! Converting between actix-web's `http` 0.2 types and the SDK's `http` 1 types, by value and
//! without panicking (see the [module documentation](super) for what is skipped).

use actix_web::dev::RequestHead;
use actix_web::http::Version as ActixVersion;
use actix_web::http::header::{
    HeaderMap as ActixHeaderMap, HeaderName as ActixHeaderName, HeaderValue as ActixHeaderValue,
};

/// The `http` 1 parts of a request (method, URI, version and headers; no extensions), or
/// `None` when its method or URI does not convert.
pub(crate) fn request_parts(head: &RequestHead) -> Option<http::request::Parts> {
    let method = http::Method::from_bytes(head.method.as_str().as_bytes()).ok()?;
    let uri = http::Uri::try_from(head.uri.to_string()).ok()?;
    let (mut parts, ()) = http::Request::new(()).into_parts();
    parts.method = method;
    parts.uri = uri;
    parts.version = version(head.version);
    parts.headers = headers(&head.headers);
    Some(parts)
}

fn version(version: ActixVersion) -> http::Version {
    match version {
        ActixVersion::HTTP_09 => http::Version::HTTP_09,
        ActixVersion::HTTP_10 => http::Version::HTTP_10,
        ActixVersion::HTTP_2 => http::Version::HTTP_2,
        ActixVersion::HTTP_3 => http::Version::HTTP_3,
        _ => http::Version::HTTP_11,
    }
}

/// The request's headers as an `http` 1 map, every value of every name, in order; a header that
/// does not convert is left out.
pub(crate) fn headers(from: &ActixHeaderMap) -> http::HeaderMap {
    let mut headers = http::HeaderMap::with_capacity(from.len());
    for (name, value) in from.iter() {
        let name = http::HeaderName::from_bytes(name.as_str().as_bytes());
        let value = http::HeaderValue::from_bytes(value.as_bytes());
        if let (Ok(name), Ok(value)) = (name, value) {
            headers.append(name, value);
        }
    }
    headers
}

/// The state's headers as actix header pairs, every value of every name, in order; a header
/// that does not convert is left out.
pub(crate) fn response_headers(from: &http::HeaderMap) -> Vec<(ActixHeaderName, ActixHeaderValue)> {
    from.iter()
        .filter_map(|(name, value)| {
            let name = ActixHeaderName::from_bytes(name.as_str().as_bytes()).ok()?;
            let value = ActixHeaderValue::from_bytes(value.as_bytes()).ok()?;
            Some((name, value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn method_uri_version_and_every_header_value_convert() {
        let request = TestRequest::with_uri("/a/b?c=d&e")
            .method(actix_web::http::Method::PATCH)
            .version(ActixVersion::HTTP_2)
            .append_header(("cookie", "a=1"))
            .append_header(("cookie", "b=2"))
            .append_header(("x-custom", &b"caf\xe9"[..]))
            .to_srv_request();
        let parts = request_parts(request.head()).unwrap();
        assert_eq!(parts.method, http::Method::PATCH);
        assert_eq!(parts.uri, "/a/b?c=d&e");
        assert_eq!(parts.version, http::Version::HTTP_2);
        let cookies: Vec<_> = parts.headers.get_all("cookie").iter().collect();
        assert_eq!(cookies, ["a=1", "b=2"]);
        // Opaque (non-ASCII) bytes are valid in both versions and kept as they are.
        assert_eq!(parts.headers["x-custom"].as_bytes(), b"caf\xe9");
    }

    #[test]
    fn response_headers_keep_repeated_values_in_order() {
        let mut state = http::HeaderMap::new();
        state.append("set-cookie", http::HeaderValue::from_static("__session=a"));
        state.append(
            "set-cookie",
            http::HeaderValue::from_static("__client_uat=1"),
        );
        state.append(
            "location",
            http::HeaderValue::from_static("https://x.example"),
        );
        let converted = response_headers(&state);
        let pairs: Vec<(&str, &[u8])> = converted
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_bytes()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("set-cookie", &b"__session=a"[..]),
                ("set-cookie", &b"__client_uat=1"[..]),
                ("location", &b"https://x.example"[..]),
            ]
        );
    }
}

//! Successful responses: [`RawResponse`] and JSON decoding with field paths in errors.

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;

use crate::error::DecodeError;

/// A successful (2xx) response: status, headers and the complete body.
#[derive(Clone, Debug)]
pub struct RawResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl RawResponse {
    /// Builds a response from its parts.
    pub fn new(status: StatusCode, headers: HeaderMap, body: Bytes) -> RawResponse {
        RawResponse {
            status,
            headers,
            body,
        }
    }

    /// HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// Response body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// Consumes the response, returning the body.
    pub fn into_body(self) -> Bytes {
        self.body
    }

    /// Decodes the body as JSON, exactly as [`Client::execute`](crate::Client::execute) does: a
    /// `204` or empty body decodes from `null`, any `Content-Type` (or none) is attempted.
    ///
    /// # Errors
    ///
    /// [`DecodeError`] with the path of the failing field and the start of the body.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, DecodeError> {
        decode_json(self.status, &self.headers, &self.body)
    }
}

impl From<http::Response<Bytes>> for RawResponse {
    fn from(response: http::Response<Bytes>) -> Self {
        let (parts, body) = response.into_parts();
        RawResponse::new(parts.status, parts.headers, body)
    }
}

/// Decodes a 2xx body. Fast path `serde_json::from_slice`; only on failure the body is decoded a
/// second time through `serde_path_to_error` to find the failing field.
pub(crate) fn decode_json<T: DeserializeOwned>(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<T, DecodeError> {
    let input: &[u8] = if status == StatusCode::NO_CONTENT || body.trim_ascii().is_empty() {
        b"null"
    } else {
        body
    };
    match serde_json::from_slice::<T>(input) {
        Ok(value) => Ok(value),
        Err(fast_err) => {
            let mut de = serde_json::Deserializer::from_slice(input);
            let (path, message) = match serde_path_to_error::deserialize::<_, T>(&mut de) {
                Ok(_) => (None, fast_err.to_string()),
                Err(err) => (path_string(err.path()), err.into_inner().to_string()),
            };
            let message = match non_json_content_type(headers) {
                Some(ct) => format!("{message} (response content type was `{ct}`)"),
                None => message,
            };
            Err(DecodeError::new(status, path, message, body))
        }
    }
}

/// The error for one item of a list that failed to decode (its JSON text is `item`): the item
/// is decoded again with path tracking, and the path is reported below `prefix` (`data[3]`).
pub(crate) fn decode_item_error<T: DeserializeOwned>(
    item: &str,
    prefix: &str,
    status: StatusCode,
    body: &[u8],
) -> DecodeError {
    let mut deserializer = serde_json::Deserializer::from_str(item);
    let (inner, message) = match serde_path_to_error::deserialize::<_, T>(&mut deserializer) {
        Err(err) => (path_string(err.path()), err.into_inner().to_string()),
        Ok(_) => (None, "the item could not be decoded".to_owned()),
    };
    let path = match inner {
        Some(inner) if inner.starts_with('[') => format!("{prefix}{inner}"),
        Some(inner) => format!("{prefix}.{inner}"),
        None => prefix.to_owned(),
    };
    DecodeError::new(status, Some(path), message, body)
}

fn path_string(path: &serde_path_to_error::Path) -> Option<String> {
    let path = path.to_string();
    (path != "." && !path.is_empty()).then_some(path)
}

/// The content type when it is present and clearly not JSON.
fn non_json_content_type(headers: &HeaderMap) -> Option<&str> {
    let ct = headers.get(http::header::CONTENT_TYPE)?.to_str().ok()?;
    let essence = ct
        .split(';')
        .next()
        .unwrap_or(ct)
        .trim()
        .to_ascii_lowercase();
    let json = essence == "application/json" || essence.ends_with("+json");
    (!json).then_some(ct)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Item {
        id: String,
    }

    #[test]
    fn empty_and_204_decode_as_null() {
        let h = HeaderMap::new();
        assert_eq!(
            decode_json::<()>(StatusCode::NO_CONTENT, &h, b"").unwrap(),
            ()
        );
        assert_eq!(
            decode_json::<Option<Item>>(StatusCode::OK, &h, b"  ").unwrap(),
            None
        );
        let err = decode_json::<Item>(StatusCode::OK, &h, b"").unwrap_err();
        assert_eq!(err.path(), None);
        assert_eq!(err.body_snippet(), "");
    }

    #[test]
    fn path_of_failing_field() {
        let h = HeaderMap::new();
        let body = br#"{"data":[{"id":"a"},{"id":7}]}"#;
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Page {
            data: Vec<Item>,
        }
        let err = decode_json::<Page>(StatusCode::OK, &h, body).unwrap_err();
        assert_eq!(err.path(), Some("data[1].id"));
        assert!(err.message().contains("invalid type"), "{}", err.message());
        assert_eq!(err.status(), 200);
    }

    #[test]
    fn trailing_garbage_reports_fast_error() {
        let h = HeaderMap::new();
        let err = decode_json::<Item>(StatusCode::OK, &h, br#"{"id":"a"} x"#).unwrap_err();
        assert_eq!(err.path(), None);
        assert!(err.message().contains("trailing"), "{}", err.message());
    }

    #[test]
    fn mentions_unexpected_content_type() {
        let mut h = HeaderMap::new();
        h.insert(http::header::CONTENT_TYPE, "text/html".parse().unwrap());
        let err = decode_json::<Item>(StatusCode::OK, &h, b"<html>").unwrap_err();
        assert!(err.message().contains("text/html"));
        h.insert(
            http::header::CONTENT_TYPE,
            "application/json; charset=utf-8".parse().unwrap(),
        );
        let ok: Item = decode_json(StatusCode::OK, &h, br#"{"id":"x"}"#).unwrap();
        assert_eq!(ok.id, "x");
    }

    #[test]
    fn item_paths_are_prefixed() {
        let err = decode_item_error::<Item>(r#"{"id": 1}"#, "data[2]", StatusCode::OK, b"{}");
        assert_eq!(err.path(), Some("data[2].id"));
        let err = decode_item_error::<Item>("5", "data[0]", StatusCode::OK, b"");
        assert_eq!(err.path(), Some("data[0]"));
    }
}

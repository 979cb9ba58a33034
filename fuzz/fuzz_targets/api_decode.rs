//! Backend API response decoding: error bodies into `ApiError` (status, Clerk errors, trace id,
//! `Retry-After`), and 2xx bodies into `Page<T>` (bare arrays, `data` / `m2m_tokens` objects,
//! `total_count` of any JSON number type) and other types through `RawResponse::json`.
//!
//! Input: the status (2 bytes), the `Retry-After`, `cf-ray` and `Content-Type` values, then the
//! body.

#![no_main]

use std::time::Duration;

use clerk_core::{ApiError, Bytes, Error, MAX_API_ERRORS, Page, RawResponse};
use clerk_fuzz::Input;
use http::{HeaderMap, HeaderValue, StatusCode};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

#[derive(Debug, serde::Deserialize)]
#[allow(dead_code)]
struct Item {
    id: String,
    #[serde(default)]
    created_at: Option<i64>,
    #[serde(default)]
    email_addresses: Vec<Value>,
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let Ok(status) = StatusCode::from_u16(100 + input.u16() % 900) else {
        return;
    };
    let retry_after = input.field();
    let cf_ray = input.field();
    let content_type = input.field();
    let body = input.rest();
    let mut headers = HeaderMap::new();
    for (name, value) in [
        ("retry-after", retry_after),
        ("cf-ray", cf_ray),
        ("content-type", content_type),
    ] {
        if let Ok(value) = HeaderValue::from_bytes(value) {
            headers.insert(name, value);
        }
    }

    // Any status decodes as an error (the client only does so for non-2xx).
    let api = ApiError::from_response(status, &headers, body);
    assert!(api.errors().len() <= MAX_API_ERRORS);
    assert!(api.body_snippet().chars().count() <= 512);
    assert_eq!(api.status(), status.as_u16());
    let expected_retry = headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|v| v.parse::<u64>().ok())
        .map(Duration::from_secs);
    assert_eq!(api.retry_after(), expected_retry);
    let _ = (
        api.to_string(),
        api.first_code(),
        api.trace_id(),
        api.errors_omitted(),
    );
    let error = Error::from(api);
    let _ = (
        error.to_string(),
        error.is_rate_limited(),
        error.retry_after(),
    );

    // 2xx bodies.
    let response = RawResponse::new(StatusCode::OK, headers, Bytes::copy_from_slice(body));
    let page = response.json::<Page<Value>>();
    let _ = response.json::<Page<Item>>().map_err(|e| e.to_string());
    let _ = response.json::<Value>();
    let _ = response
        .json::<()>()
        .map_err(|e| (e.to_string(), e.path().map(str::to_owned)));
    // A bare array is a page of its items, without a count.
    if let Ok(Value::Array(items)) = serde_json::from_slice::<Value>(body) {
        let page = page.expect("an array is a page");
        assert_eq!(page.data, items);
        assert_eq!(page.total_count, None);
    }
});

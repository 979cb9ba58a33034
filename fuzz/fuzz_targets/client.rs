//! The Backend API client end to end, through a `Transport` that records the request and answers
//! with the input's response: path parameters (validated — no `.` / `..` segment, however often
//! percent-encoded — then percent-encoded), query parameters (form-encoded), and the answer
//! decoded into a `Page`, a value, or an `ApiError`.
//!
//! Checked on every request that reaches the transport: each path parameter's segment decodes
//! back to the value given; no path segment decodes, however many times, to `.` or `..`; the
//! query decodes back to the pairs given.
//!
//! Input: a template byte, a settings byte, path-parameter values, query values, then the
//! response: status (2 bytes), a `Content-Type` and the body.

#![no_main]

use std::sync::{LazyLock, Mutex};

use clerk_core::{
    Bytes, Client, Error, Method, Page, Request, RetryPolicy, Transport, TransportFuture,
};
use clerk_fuzz::{Input, form_decode, percent_decode_lenient, percent_decode_strict};
use http::StatusCode;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// The response the transport gives, and the URI of the request it was asked to send.
struct Exchange {
    response: Option<http::Response<Bytes>>,
    sent: Option<http::Uri>,
}

static EXCHANGE: Mutex<Exchange> = Mutex::new(Exchange {
    response: None,
    sent: None,
});

struct FuzzTransport;

impl Transport for FuzzTransport {
    fn send(&self, req: http::Request<Bytes>) -> TransportFuture {
        let mut exchange = EXCHANGE.lock().expect("exchange");
        exchange.sent = Some(req.uri().clone());
        let response = exchange
            .response
            .take()
            .unwrap_or_else(|| http::Response::new(Bytes::new()));
        Box::pin(async move { Ok(response) })
    }
}

static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime")
});

static CLIENT: LazyLock<Client> = LazyLock::new(|| {
    Client::builder()
        .secret_key("sk_test_fuzz")
        .transport(FuzzTransport)
        .retry_policy(RetryPolicy::disabled())
        .build()
        .expect("client")
});

const TEMPLATES: [(&str, &[&str]); 4] = [
    ("/users/{user_id}", &["user_id"]),
    (
        "/organizations/{organization_id}/memberships/{user_id}",
        &["organization_id", "user_id"],
    ),
    ("/{a}", &["a"]),
    ("/x/{a}/y/{b}/z", &["a", "b"]),
];

const QUERY_NAMES: [&str; 4] = ["email_address", "limit", "query", "order_by"];

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let (template, names) = TEMPLATES[usize::from(input.byte()) % TEMPLATES.len()];
    let settings = input.byte();
    let method = if settings & 1 == 0 {
        Method::GET
    } else {
        Method::POST
    };
    let mut request = Request::new(method, template).versioned(settings & 2 == 0);
    let mut values = Vec::new();
    for name in names {
        let value = input.text();
        request = request.path_param(name, &value);
        values.push(value);
    }
    let mut pairs = Vec::new();
    for _ in 0..(settings >> 2) % 4 {
        let name = QUERY_NAMES[usize::from(input.byte()) % QUERY_NAMES.len()];
        let value = input.text();
        request = request.query(name, value.as_str());
        pairs.push((name.to_owned(), value));
    }
    let status = StatusCode::from_u16(100 + input.u16() % 900).unwrap_or(StatusCode::OK);
    let content_type = input.field();
    let body = input.rest();
    let mut response = http::Response::new(Bytes::copy_from_slice(body));
    *response.status_mut() = status;
    if let Ok(value) = http::HeaderValue::from_bytes(content_type) {
        response
            .headers_mut()
            .insert(http::header::CONTENT_TYPE, value);
    }
    {
        let mut exchange = EXCHANGE.lock().expect("exchange");
        exchange.response = Some(response);
        exchange.sent = None;
    }

    let result: Result<(), Error> = match settings >> 6 {
        0 => RUNTIME
            .block_on(CLIENT.execute::<Page<Value>>(request))
            .map(drop),
        1 => RUNTIME.block_on(CLIENT.execute::<Value>(request)).map(drop),
        _ => RUNTIME.block_on(CLIENT.execute_raw(request)).map(drop),
    };
    if let Err(error) = &result {
        let _ = (
            error.to_string(),
            error.status(),
            error.first_code(),
            format!("{error:?}"),
        );
    }
    let sent = EXCHANGE.lock().expect("exchange").sent.take();
    let Some(uri) = sent else {
        // Refused before any I/O: only an invalid path parameter can do that here.
        assert!(
            matches!(result, Err(Error::InvalidRequest(_))),
            "{result:?}"
        );
        return;
    };

    let path = uri.path();
    for segment in path.split('/') {
        assert!(
            !is_dot_segment_deep(segment.as_bytes()),
            "dot segment {segment:?} in {path}"
        );
    }
    let prefix = if settings & 2 == 0 { "/v1" } else { "" };
    let segments: Vec<&str> = path
        .strip_prefix(prefix)
        .unwrap_or(path)
        .split('/')
        .collect();
    let placeholders: Vec<usize> = template
        .split('/')
        .enumerate()
        .filter(|(_, part)| part.starts_with('{'))
        .map(|(i, _)| i)
        .collect();
    for (index, value) in placeholders.iter().zip(&values) {
        let segment = segments.get(*index).expect("segment");
        let decoded = percent_decode_strict(segment.as_bytes()).expect("segment decodes");
        assert_eq!(decoded, value.as_bytes(), "segment {segment:?}");
    }
    let query = uri.query().unwrap_or_default();
    let decoded: Vec<(String, String)> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').expect("name=value");
            (
                form_decode(name).expect("name decodes"),
                form_decode(value).expect("value decodes"),
            )
        })
        .collect();
    assert_eq!(decoded, pairs, "query {query:?}");
});

/// Whether `segment`, decoded up to twelve times (leniently, as a server might), is `.` or `..`
/// or holds one between `/` or `\`.
fn is_dot_segment_deep(segment: &[u8]) -> bool {
    let mut current = segment.to_vec();
    for _ in 0..12 {
        if current
            .split(|&b| b == b'/' || b == b'\\')
            .any(|piece| piece == b"." || piece == b"..")
        {
            return true;
        }
        let next = percent_decode_lenient(&current);
        if next == current {
            return false;
        }
        current = next;
    }
    false
}

//! The HTTP/1.1 server: hyper connections, authentication, body limits, validation, fault
//! injection and dispatch to the emulated operations.
//!
//! hyper is used directly (rather than through axum's handlers) because fault injection needs to
//! drop a connection without an answer and to cut a response body mid-way, which a handler that
//! must return a response cannot do.

use std::fmt;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Request, Response, StatusCode, header};
use http_body::{Body as HttpBody, Frame, SizeHint};
use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{Map, Value};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::api::Call;
use crate::api::machines::MACHINE_KEY_OPS;
use crate::app::{App, Principal, RequestMeta};
use crate::error::ApiError;
use crate::faults::FaultKind;
use crate::router::{Found, Router};
use crate::util::trace_id;
use crate::validate::{BodySpec, Query, check_object};

/// A response body: whole, or cut short by a fault.
pub(crate) enum Body {
    Full(Option<Bytes>),
    Truncated { part: Option<Bytes>, len: u64 },
}

/// The error a truncated body ends with (hyper then closes the connection).
#[derive(Debug)]
pub(crate) struct Cut;

impl fmt::Display for Cut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("response body truncated by an injected fault")
    }
}

impl std::error::Error for Cut {}

impl HttpBody for Body {
    type Data = Bytes;
    type Error = Cut;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Cut>>> {
        match self.get_mut() {
            Body::Full(data) => Poll::Ready(data.take().map(|d| Ok(Frame::data(d)))),
            Body::Truncated { part, .. } => match part.take() {
                Some(data) => Poll::Ready(Some(Ok(Frame::data(data)))),
                None => Poll::Ready(Some(Err(Cut))),
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, Body::Full(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Body::Full(Some(data)) => SizeHint::with_exact(data.len() as u64),
            Body::Full(None) => SizeHint::with_exact(0),
            Body::Truncated { len, .. } => SizeHint::with_exact(*len),
        }
    }
}

/// Returned by the service to make hyper close the connection without answering.
#[derive(Debug)]
pub(crate) struct Dropped;

impl fmt::Display for Dropped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for Dropped {}

/// Serves connections from `listener` until `shutdown` turns true, then lets open connections
/// finish their current request (for at most `grace`).
pub(crate) async fn serve(
    listener: TcpListener,
    app: Arc<App>,
    router: Arc<Router>,
    mut shutdown: watch::Receiver<bool>,
    grace: Duration,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let _ = stream.set_nodelay(true);
                    let app = app.clone();
                    let router = router.clone();
                    let stop = shutdown.clone();
                    connections.spawn(connection(stream, peer, app, router, stop));
                }
                Err(error) => {
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            },
            _ = shutdown.changed() => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
        if *shutdown.borrow() {
            break;
        }
    }
    drop(listener);
    let drain = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(grace, drain).await.is_err() {
        connections.abort_all();
    }
}

async fn connection(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    app: Arc<App>,
    router: Arc<Router>,
    mut shutdown: watch::Receiver<bool>,
) {
    let service = service_fn(move |req| handle(app.clone(), router.clone(), peer, req));
    let conn = http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    let mut closing = *shutdown.borrow();
    if closing {
        conn.as_mut().graceful_shutdown();
    }
    loop {
        tokio::select! {
            _ = conn.as_mut() => break,
            changed = shutdown.changed(), if !closing => {
                if changed.is_err() || *shutdown.borrow() {
                    closing = true;
                    conn.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

fn json_response(status: u16, body: Bytes) -> Response<Body> {
    let mut response = Response::new(Body::Full(Some(body)));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn error_response(error: &ApiError) -> Response<Body> {
    let mut response = json_response(error.status, Bytes::from(error.body(&trace_id())));
    if let Some(seconds) = error.retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

fn forced_status(status: u16, retry_after: Option<u64>) -> ApiError {
    let (code, long) = match status {
        429 => (
            "too_many_requests",
            "Too many requests, please try again later.",
        ),
        500 => (
            "internal_clerk_error",
            "Oops, an unexpected error occurred (injected).",
        ),
        502 => ("bad_gateway", "Bad gateway (injected)."),
        503 => (
            "service_unavailable",
            "The service is temporarily unavailable (injected).",
        ),
        504 => ("gateway_timeout", "Gateway timeout (injected)."),
        _ => ("injected_fault", "An injected fault."),
    };
    let mut error = ApiError::new(status, code, long, long);
    error.retry_after = retry_after;
    error
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

fn authenticate(
    app: &App,
    headers: &HeaderMap,
    operation_id: Option<&str>,
) -> Result<Principal, ApiError> {
    let Some(token) = bearer(headers) else {
        return Err(ApiError::key_invalid());
    };
    if token == app.settings.secret_key {
        return Ok(Principal::Instance);
    }
    if operation_id.is_some_and(|op| MACHINE_KEY_OPS.contains(&op)) {
        let now = app.now();
        let st = app.read();
        if let Some(machine) = st
            .idx
            .machine_secret
            .get(token)
            .and_then(|id| st.machines.get(id))
        {
            let valid = machine.secret_key == token
                || machine
                    .previous_secret_keys
                    .iter()
                    .any(|(old, until)| old == token && now < *until);
            if valid {
                return Ok(Principal::Machine(machine.id.clone()));
            }
        }
    }
    Err(ApiError::key_invalid())
}

async fn read_body(body: Incoming, headers: &HeaderMap, limit: usize) -> Result<Bytes, ApiError> {
    if body.is_end_stream() {
        return Ok(Bytes::new());
    }
    if let Some(length) = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
    {
        if length > limit as u64 {
            return Err(ApiError::too_large(limit));
        }
    }
    match http_body_util::Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) => {
            if error.is::<http_body_util::LengthLimitError>() {
                Err(ApiError::too_large(limit))
            } else {
                Err(ApiError::malformed(format!(
                    "could not read the request body: {error}"
                )))
            }
        }
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|ct| {
            let essence = ct
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            essence == "application/json" || essence.ends_with("+json") || essence.is_empty()
        })
}

/// Parses and validates the body against the operation's spec.
fn parse_body(spec: BodySpec, headers: &HeaderMap, bytes: &[u8]) -> Result<Value, ApiError> {
    let blank = bytes.iter().all(u8::is_ascii_whitespace);
    match spec {
        BodySpec::None => Ok(Value::Null),
        BodySpec::Multipart => {
            let multipart = headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|ct| ct.to_ascii_lowercase().starts_with("multipart/form-data"));
            if !multipart {
                return Err(ApiError::malformed(
                    "This operation takes a multipart/form-data body with a `file` part.",
                ));
            }
            let has_file = bytes
                .windows(b"name=\"file\"".len())
                .any(|w| w == b"name=\"file\"");
            if !has_file {
                return Err(ApiError::param_missing("file"));
            }
            let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
            let short: String = digest.as_ref()[..8]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            let mut map = Map::new();
            map.insert("file_sha256".into(), Value::String(short));
            Ok(Value::Object(map))
        }
        BodySpec::Object(fields, allow_extra) => {
            if blank {
                let empty = Map::new();
                check_object(&empty, fields, allow_extra, "")?;
                return Ok(Value::Object(empty));
            }
            if !is_json(headers) {
                return Err(ApiError::malformed(
                    "clerk-testkit accepts JSON request bodies (Content-Type: application/json).",
                ));
            }
            let value: Value = serde_json::from_slice(bytes).map_err(|e| {
                ApiError::malformed(format!("The request body is not valid JSON: {e}"))
            })?;
            let Value::Object(map) = &value else {
                return Err(ApiError::malformed(
                    "The request body must be a JSON object.",
                ));
            };
            check_object(map, fields, allow_extra, "")?;
            Ok(value)
        }
        BodySpec::Array(fields) => {
            if blank || !is_json(headers) {
                return Err(ApiError::malformed(
                    "This operation takes a JSON array of objects as its body.",
                ));
            }
            let value: Value = serde_json::from_slice(bytes).map_err(|e| {
                ApiError::malformed(format!("The request body is not valid JSON: {e}"))
            })?;
            let Value::Array(items) = &value else {
                return Err(ApiError::malformed(
                    "The request body must be a JSON array.",
                ));
            };
            if items.is_empty() {
                return Err(ApiError::value_invalid(
                    "body",
                    "The array must not be empty.",
                ));
            }
            for item in items {
                let Value::Object(map) = item else {
                    return Err(ApiError::malformed(
                        "Every array item must be a JSON object.",
                    ));
                };
                check_object(map, fields, false, "")?;
            }
            Ok(value)
        }
    }
}

async fn handle(
    app: Arc<App>,
    router: Arc<Router>,
    peer: SocketAddr,
    req: Request<Incoming>,
) -> Result<Response<Body>, Dropped> {
    let (parts, body) = req.into_parts();
    let method = parts.method.as_str();
    let found = router.find(method, parts.uri.path());
    let (operation_id, template) = match &found {
        Found::Route(route, _) => (Some(route.info.operation_id), Some(route.info.path)),
        Found::NotFound => (None, None),
    };

    let decision = app.faults.decide(operation_id, method, template);
    if !decision.delay.is_zero() {
        tokio::time::sleep(decision.delay).await;
    }
    let mut truncate = false;
    match decision.terminal {
        Some(FaultKind::Status {
            status,
            retry_after,
        }) => return Ok(error_response(&forced_status(status, retry_after))),
        Some(FaultKind::DropConnection) => return Err(Dropped),
        Some(FaultKind::TruncateBody) => truncate = true,
        Some(FaultKind::Latency(_)) | None => {}
    }

    let result = dispatch(&app, found, &parts, body, peer).await;
    let response = match result {
        Ok(reply) => json_response(reply.status, reply.body),
        Err(error) => {
            if error.status >= 500 && error.status != 501 {
                tracing::warn!(code = error.code(), "emulator error");
            }
            error_response(&error)
        }
    };
    if truncate {
        let (parts, body) = response.into_parts();
        let data = match body {
            Body::Full(Some(data)) => data,
            _ => Bytes::new(),
        };
        let len = data.len() as u64;
        let part = data.slice(..data.len() / 2);
        return Ok(Response::from_parts(
            parts,
            Body::Truncated {
                part: Some(part),
                len,
            },
        ));
    }
    Ok(response)
}

async fn dispatch(
    app: &Arc<App>,
    found: Found<'_>,
    parts: &http::request::Parts,
    body: Incoming,
    peer: SocketAddr,
) -> Result<crate::api::Reply, ApiError> {
    let operation_id = match &found {
        Found::Route(route, _) => Some(route.info.operation_id),
        Found::NotFound => None,
    };
    let principal = authenticate(app, &parts.headers, operation_id)?;
    let bytes = read_body(body, &parts.headers, app.settings.body_limit).await?;
    let Found::Route(route, params) = found else {
        return Err(ApiError::new(
            404,
            "resource_not_found",
            "not found",
            format!(
                "No Backend API operation answers {} {}.",
                parts.method,
                parts.uri.path()
            ),
        ));
    };
    let Some(op) = route.op else {
        return Err(ApiError::not_implemented(
            route.info.operation_id,
            route.info.http_method,
            route.info.path,
        ));
    };
    let body = parse_body(op.body, &parts.headers, &bytes)?;
    let query = Query::parse(parts.uri.query(), op.query)?;
    let meta = RequestMeta {
        client_ip: peer.ip(),
        user_agent: parts.headers.get(header::USER_AGENT).cloned(),
    };
    let mut call = Call {
        params,
        query,
        body,
        principal,
        meta,
    };
    (op.handler)(app, &mut call)
}

//! The emulated operations: one table ([`table`]) mapping spec operation ids to handlers and to
//! the body and query they accept. Routing, the crate docs' list of emulated operations and the
//! tests are all driven by it.

use bytes::Bytes;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::app::{App, Principal, RequestMeta};
use crate::error::ApiError;
use crate::validate::{BodySpec, Field, Query};

pub(crate) mod identifiers;
pub(crate) mod instance;
pub(crate) mod machines;
pub(crate) mod orgs;
pub(crate) mod sessions;
pub(crate) mod users;

/// A request handler. Handlers are synchronous: they validate, lock the state once, mutate,
/// emit events and render.
pub(crate) type Handler = fn(&App, &mut Call) -> Result<Reply, ApiError>;

/// One emulated operation.
pub(crate) struct Op {
    /// The spec's `operationId`.
    pub(crate) id: &'static str,
    pub(crate) handler: Handler,
    pub(crate) body: BodySpec,
    pub(crate) query: &'static [Field],
}

impl Op {
    pub(crate) const fn new(id: &'static str, handler: Handler) -> Op {
        Op {
            id,
            handler,
            body: BodySpec::None,
            query: &[],
        }
    }

    pub(crate) const fn body(self, fields: &'static [Field]) -> Op {
        Op {
            body: BodySpec::Object(fields, false),
            ..self
        }
    }

    pub(crate) const fn array_body(self, fields: &'static [Field]) -> Op {
        Op {
            body: BodySpec::Array(fields),
            ..self
        }
    }

    pub(crate) const fn multipart(self) -> Op {
        Op {
            body: BodySpec::Multipart,
            ..self
        }
    }

    pub(crate) const fn query(self, fields: &'static [Field]) -> Op {
        Op {
            query: fields,
            ..self
        }
    }
}

/// Every emulated operation.
pub(crate) fn table() -> impl Iterator<Item = &'static Op> {
    users::OPS
        .iter()
        .chain(identifiers::OPS)
        .chain(sessions::OPS)
        .chain(orgs::OPS)
        .chain(instance::OPS)
        .chain(machines::OPS)
}

/// One request, validated.
pub(crate) struct Call {
    pub(crate) params: Vec<(&'static str, String)>,
    pub(crate) query: Query,
    pub(crate) body: Value,
    pub(crate) principal: Principal,
    pub(crate) meta: RequestMeta,
}

impl Call {
    /// A path parameter (empty when the route has none of that name, which the table prevents).
    pub(crate) fn param(&self, name: &str) -> &str {
        self.params
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// The body object (empty for bodiless operations and array bodies).
    pub(crate) fn obj(&self) -> &Map<String, Value> {
        static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
        match &self.body {
            Value::Object(map) => map,
            _ => EMPTY.get_or_init(Map::new),
        }
    }
}

/// A successful response.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: Bytes,
}

impl Reply {
    /// `200` with `value` as JSON.
    pub(crate) fn ok<T: Serialize>(value: &T) -> Result<Reply, ApiError> {
        Reply::with_status(200, value)
    }

    /// `status` with `value` as JSON.
    pub(crate) fn with_status<T: Serialize>(status: u16, value: &T) -> Result<Reply, ApiError> {
        serde_json::to_vec(value)
            .map(|body| Reply {
                status,
                body: Bytes::from(body),
            })
            .map_err(|e| ApiError::internal(format!("could not serialize the response: {e}")))
    }
}

/// `{"data": [...], "total_count": n}`.
#[derive(Serialize)]
pub(crate) struct Listed<T> {
    pub(crate) data: Vec<T>,
    pub(crate) total_count: usize,
}

/// A list response: the paginated object or a bare array, as the operation uses.
pub(crate) fn list_reply<T: Serialize>(
    items: Vec<T>,
    total: usize,
    paginated: bool,
) -> Result<Reply, ApiError> {
    if paginated {
        Reply::ok(&Listed {
            data: items,
            total_count: total,
        })
    } else {
        Reply::ok(&items)
    }
}

/// Sorts by `order_by` (`[+|-]field`, `default` when absent) with `key`, then pages.
pub(crate) fn sort_page<T, K: Ord>(
    mut items: Vec<T>,
    query: &Query,
    fields: &[&str],
    default: &str,
    key: impl Fn(&T, &str) -> K,
) -> Result<(Vec<T>, usize), ApiError> {
    let order = query.str("order_by").unwrap_or(default);
    let (desc, field) = match order.as_bytes().first() {
        Some(b'-') => (true, &order[1..]),
        Some(b'+') => (false, &order[1..]),
        _ => (false, order),
    };
    if !fields.contains(&field) {
        return Err(ApiError::value_invalid(
            "order_by",
            format!(
                "order_by must be one of {} (optionally prefixed with + or -).",
                fields.join(", ")
            ),
        ));
    }
    items.sort_by(|a, b| {
        let ord = key(a, field).cmp(&key(b, field));
        if desc { ord.reverse() } else { ord }
    });
    Ok(page(items, query))
}

/// Applies `limit`/`offset` from the query; returns the page and the total.
pub(crate) fn page<T>(items: Vec<T>, query: &Query) -> (Vec<T>, usize) {
    let (limit, offset) = query.page();
    let total = items.len();
    let data = items.into_iter().skip(offset).take(limit).collect();
    (data, total)
}

/// An optional object member as a map (absent or null: empty).
pub(crate) fn metadata(body: &Map<String, Value>, name: &str) -> Map<String, Value> {
    body.get(name)
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

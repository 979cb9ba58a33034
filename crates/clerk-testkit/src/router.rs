//! Routes every operation of the spec (from `clerk_api::operations()`): emulated ones to their
//! handler, the others to a 501 naming the operation.

use std::collections::HashMap;

use clerk_api::OperationInfo;

use crate::api::{self, Op};
use crate::validate::decode_component;

enum Seg {
    Lit(&'static str),
    Param(&'static str),
}

/// One spec operation.
pub(crate) struct Route {
    pub(crate) info: &'static OperationInfo,
    pub(crate) op: Option<&'static Op>,
    segments: Vec<Seg>,
    literals: usize,
}

/// The routing table.
pub(crate) struct Router {
    routes: Vec<Route>,
    by_first: HashMap<&'static str, Vec<usize>>,
}

/// The result of a lookup.
pub(crate) enum Found<'a> {
    /// A spec operation, with its decoded path parameters.
    Route(&'a Route, Vec<(&'static str, String)>),
    /// No operation has this path and method.
    NotFound,
}

impl Router {
    /// Builds the table from the spec's operations and the emulated ones.
    pub(crate) fn new() -> Router {
        let emulated: HashMap<&'static str, &'static Op> =
            api::table().map(|op| (op.id, op)).collect();
        let mut routes = Vec::new();
        let mut by_first: HashMap<&'static str, Vec<usize>> = HashMap::new();
        for info in clerk_api::operations() {
            let segments: Vec<Seg> = info
                .path
                .trim_start_matches('/')
                .split('/')
                .map(
                    |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                        Some(name) => Seg::Param(name),
                        None => Seg::Lit(s),
                    },
                )
                .collect();
            let literals = segments.iter().filter(|s| matches!(s, Seg::Lit(_))).count();
            let first = match segments.first() {
                Some(Seg::Lit(s)) => *s,
                _ => "",
            };
            by_first.entry(first).or_default().push(routes.len());
            routes.push(Route {
                info,
                op: emulated.get(info.operation_id).copied(),
                segments,
                literals,
            });
        }
        Router { routes, by_first }
    }

    /// Finds the operation for `method` and `path` (`/v1/users/…`; the machine-token and API-key
    /// operations also without `/v1`, as `@clerk/backend` sends them).
    pub(crate) fn find(&self, method: &str, path: &str) -> Found<'_> {
        let (versioned, rest) = match path.strip_prefix("/v1/") {
            Some(rest) => (true, rest),
            None => (false, path.trim_start_matches('/')),
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let parts: Vec<&str> = rest.split('/').collect();
        let Some(candidates) = parts.first().and_then(|f| self.by_first.get(f)) else {
            return Found::NotFound;
        };
        let mut best: Option<&Route> = None;
        for &i in candidates {
            let route = &self.routes[i];
            if route.info.http_method != method
                || route.segments.len() != parts.len()
                || (route.info.versioned && !versioned)
            {
                continue;
            }
            let matches = route
                .segments
                .iter()
                .zip(&parts)
                .all(|(seg, part)| match seg {
                    Seg::Lit(lit) => lit == part,
                    Seg::Param(_) => !part.is_empty(),
                });
            if matches && best.is_none_or(|b| route.literals > b.literals) {
                best = Some(route);
            }
        }
        match best {
            Some(route) => {
                let params = route
                    .segments
                    .iter()
                    .zip(&parts)
                    .filter_map(|(seg, part)| match seg {
                        Seg::Param(name) => Some((*name, decode_component(part, false))),
                        Seg::Lit(_) => None,
                    })
                    .collect();
                Found::Route(route, params)
            }
            None => Found::NotFound,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(router: &Router, method: &str, path: &str) -> Option<(&'static str, Vec<String>)> {
        match router.find(method, path) {
            Found::Route(route, params) => Some((
                route.info.operation_id,
                params.into_iter().map(|(_, v)| v).collect(),
            )),
            Found::NotFound => None,
        }
    }

    #[test]
    fn literal_segments_win_over_parameters() {
        let router = Router::new();
        assert_eq!(
            op(&router, "GET", "/v1/users/count").map(|o| o.0),
            Some("GetUsersCount")
        );
        assert_eq!(
            op(&router, "GET", "/v1/users/user_1"),
            Some(("GetUser", vec!["user_1".to_owned()]))
        );
        assert_eq!(
            op(&router, "POST", "/v1/users/ban").map(|o| o.0),
            Some("UsersBan")
        );
        assert_eq!(
            op(&router, "GET", "/v1/users/a%2Fb/"),
            Some(("GetUser", vec!["a/b".to_owned()]))
        );
    }

    #[test]
    fn machine_routes_answer_with_and_without_v1() {
        let router = Router::new();
        for path in ["/m2m_tokens/verify", "/v1/m2m_tokens/verify"] {
            assert_eq!(
                op(&router, "POST", path).map(|o| o.0),
                Some("verifyM2MToken")
            );
        }
        assert_eq!(
            op(&router, "GET", "/users"),
            None,
            "versioned routes need /v1"
        );
        assert_eq!(op(&router, "PUT", "/v1/users"), None);
        assert_eq!(op(&router, "GET", "/v1/nope"), None);
        assert_eq!(op(&router, "GET", "/v1/users//x"), None);
    }
}

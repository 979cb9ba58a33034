//! Organization sync: activating the organization a URL names (`organizationSyncOptions`).

use crate::claims::SessionClaims;

/// URL patterns that name an organization (or the personal account) to make active.
///
/// Patterns match the whole path, case-insensitively, with an optional trailing slash. A
/// segment `:id` or `:slug` captures one path segment; a final segment `(.*)` matches any rest,
/// including nothing. Organization patterns are tried first (`:id` names the organization by id,
/// else `:slug` by slug), then personal-account patterns.
///
/// When a signed-in request's URL names another organization than the session's active one (or
/// the personal account while an organization is active), a document navigation is redirected
/// through a handshake that activates it (`active-organization-mismatch`; after
/// [`MAX_HANDSHAKE_REDIRECTS`](super::MAX_HANDSHAKE_REDIRECTS) redirects the request stays signed
/// in as it is).
///
/// ```
/// use clerk_auth::request::OrganizationSync;
///
/// let sync = OrganizationSync::new()
///     .organization_patterns(["/orgs/:slug", "/orgs/:slug/(.*)"])
///     .personal_account_patterns(["/me", "/me/(.*)"]);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrganizationSync {
    organization_patterns: Vec<String>,
    personal_account_patterns: Vec<String>,
}

/// What a URL asks to make active.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum OrgTarget {
    Id(String),
    Slug(String),
    Personal,
}

impl OrganizationSync {
    /// No patterns.
    pub fn new() -> Self {
        OrganizationSync::default()
    }

    /// Patterns naming an organization with `:id` or `:slug` (replaces earlier ones).
    #[must_use]
    pub fn organization_patterns<I, S>(mut self, patterns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.organization_patterns = patterns.into_iter().map(Into::into).collect();
        self
    }

    /// Patterns naming the personal account (replaces earlier ones).
    #[must_use]
    pub fn personal_account_patterns<I, S>(mut self, patterns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.personal_account_patterns = patterns.into_iter().map(Into::into).collect();
        self
    }

    pub(crate) fn target(&self, path: &str) -> Option<OrgTarget> {
        for pattern in &self.organization_patterns {
            if let Some(params) = match_path(pattern, path) {
                let find = |name: &str| {
                    params
                        .iter()
                        .find(|(key, _)| key == name)
                        .map(|(_, value)| value.clone())
                };
                if let Some(id) = find("id") {
                    return Some(OrgTarget::Id(id));
                }
                if let Some(slug) = find("slug") {
                    return Some(OrgTarget::Slug(slug));
                }
            }
        }
        self.personal_account_patterns
            .iter()
            .any(|pattern| match_path(pattern, path).is_some())
            .then_some(OrgTarget::Personal)
    }
}

impl OrgTarget {
    pub(crate) fn needs_activation(&self, claims: &SessionClaims) -> bool {
        match self {
            OrgTarget::Id(id) => claims.org_id() != Some(id.as_str()),
            OrgTarget::Slug(slug) => claims.org_slug() != Some(slug.as_str()),
            OrgTarget::Personal => claims.org_id().is_some_and(|id| !id.is_empty()),
        }
    }

    /// The `organization_id` of the handshake URL (`None` → empty, the personal account).
    pub(crate) fn organization_id(&self) -> Option<&str> {
        match self {
            OrgTarget::Id(value) | OrgTarget::Slug(value) => Some(value),
            OrgTarget::Personal => None,
        }
    }
}

/// Matches `path` against `pattern`; the captured `:name` segments on success.
fn match_path(pattern: &str, path: &str) -> Option<Vec<(String, String)>> {
    let trim = |p: &str| {
        let trimmed = p.trim_end_matches('/');
        if trimmed.is_empty() { "/" } else { trimmed }.to_owned()
    };
    let pattern = trim(pattern);
    let path = trim(path);
    let mut pattern_segments = pattern.split('/').peekable();
    let mut path_segments = path.split('/');
    let mut params = Vec::new();
    while let Some(expected) = pattern_segments.next() {
        if expected == "(.*)" && pattern_segments.peek().is_none() {
            return Some(params);
        }
        let actual = path_segments.next()?;
        if let Some(name) = expected.strip_prefix(':') {
            if actual.is_empty() {
                return None;
            }
            let value = super::parse::percent_decode(actual).unwrap_or_else(|| actual.to_owned());
            params.push((name.to_owned(), value));
        } else if !expected.eq_ignore_ascii_case(actual) {
            return None;
        }
    }
    path_segments.next().is_none().then_some(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_whole_paths() {
        let params = |pattern, path| match_path(pattern, path);
        assert_eq!(
            params("/orgs/:slug", "/ORGS/acme/"),
            Some(vec![("slug".to_owned(), "acme".to_owned())])
        );
        assert_eq!(params("/orgs/:slug", "/orgs/acme/settings"), None);
        assert_eq!(params("/orgs/:slug", "/orgs/"), None);
        assert!(params("/orgs/:slug/(.*)", "/orgs/acme/settings/x").is_some());
        assert!(params("/orgs/:slug/(.*)", "/orgs/acme").is_some());
        assert!(params("/me", "/me").is_some());
        assert!(params("/me", "/mine").is_none());
        assert!(params("/", "/").is_some());
    }
}

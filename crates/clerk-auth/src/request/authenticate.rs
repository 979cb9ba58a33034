//! The state machine of [`authenticate_request`].

use std::collections::BTreeMap;

use http::request::Parts;
use http::{HeaderMap, HeaderValue, Method, header};

use crate::auth::TokenType;
use crate::error::{ReasonKind, VerifyError};

use super::options::{AuthenticateOptions, OptionsError};
use super::parse::{Cookies, EffectiveUrl, bearer_token, cookie_suffix, header_str};
use super::publishable_key::PublishableKey;
use super::state::{AuthReason, AuthStatus, RefreshSkipped, RequestState};
use super::token::{Unverified, machine_token_type};
use super::verifier::{RefreshError, RefreshRequest, SessionRefresher, SessionTokenVerifier};
use crate::machine::AcceptsToken;

/// The Backend API version sent with handshake redirects.
pub const CLERK_API_VERSION: &str = "2026-05-12";

/// After this many handshake redirects in a row (counted in the `__clerk_redirect_count`
/// cookie), a request that would be redirected again is signed out instead.
pub const MAX_HANDSHAKE_REDIRECTS: u32 = 3;

/// The clock skew allowed, in development only, on the session token a handshake delivers.
const DEVELOPMENT_HANDSHAKE_LEEWAY: std::time::Duration = std::time::Duration::from_secs(86_400);

/// Cookie and query parameter names.
pub mod names {
    /// The session token cookie.
    pub const SESSION: &str = "__session";
    /// The refresh token cookie (only ever read suffixed).
    pub const REFRESH: &str = "__refresh";
    /// When the client last changed (`0`: signed out).
    pub const CLIENT_UAT: &str = "__client_uat";
    /// The handshake token (cookie or query parameter).
    pub const HANDSHAKE: &str = "__clerk_handshake";
    /// The handshake nonce (cookie or query parameter).
    pub const HANDSHAKE_NONCE: &str = "__clerk_handshake_nonce";
    /// The development browser token (cookie or query parameter).
    pub const DEV_BROWSER: &str = "__clerk_db_jwt";
    /// The handshake redirect counter.
    pub const REDIRECT_COUNT: &str = "__clerk_redirect_count";
    /// Satellite sync state (query parameter).
    pub const SYNCED: &str = "__clerk_synced";
    /// Where a primary domain sends a syncing satellite back to (query parameter).
    pub const REDIRECT_URL: &str = "__clerk_redirect_url";
    /// Legacy development session (query parameter).
    pub const DEV_SESSION: &str = "__dev_session";
    /// Debug help flag (query parameter).
    pub const HELP: &str = "__clerk_help";
}

/// Authenticates a request from its method, URI and headers.
///
/// The order of checks is `@clerk/backend`'s `authenticateRequest`:
///
/// 1. The token kinds accepted ([`AcceptsToken`]) are checked against the `Authorization`
///    token's kind (machine tokens are recognized by their `mt_`, `ak_`, `oat_` prefix or JWT
///    shape).
/// 2. A header token is verified — session tokens with `verifier`, machine tokens with the
///    configured [`MachineTokenVerifier`](super::MachineTokenVerifier) — and the cookies are
///    never consulted.
/// 3. Otherwise, with the cookie flow on: a handshake token in the URL or cookies is applied;
///    satellite and development-browser syncs redirect; `__session` and `__client_uat` decide
///    between signed out, a handshake redirect and verification; an expired or not-yet-valid
///    token asks for a handshake; a cross-origin document request from a satellite asks for a
///    handshake; with [`OrganizationSync`](super::OrganizationSync), a URL naming another
///    organization than the active one asks for a handshake that activates it.
///
/// Handshakes are only answered to `GET` document navigations (`sec-fetch-dest: document` or
/// `iframe`, or an `Accept: text/html` without `sec-fetch-dest`); other requests are signed out
/// with the same reason. After [`MAX_HANDSHAKE_REDIRECTS`] redirects in a row, they are signed
/// out too.
///
/// An expired session token on a `GET` request that carries the `__refresh_<suffix>` cookie is
/// refreshed in place by the configured [`SessionRefresher`](super::SessionRefresher) (through
/// the Backend API): the request is signed in with the new session token, and the new cookies
/// are `Set-Cookie` headers of the result. Otherwise (or if the refresh fails) the request gets a
/// handshake with reason `session-token-expired-refresh-<why>` — `non-eligible-non-get`,
/// `non-eligible-no-refresh-cookie`, `missing-api-client` without a refresher, or the refresh
/// failure's [`RefreshError::reason`](super::RefreshError::reason).
///
/// Not implemented: resolving handshake nonces without a
/// [`HandshakeNonceResolver`](super::HandshakeNonceResolver).
pub async fn authenticate_request<V>(
    parts: &Parts,
    options: &AuthenticateOptions,
    verifier: &V,
) -> RequestState
where
    V: SessionTokenVerifier + ?Sized,
{
    if let Err(error) = options
        .validate()
        .and_then(|()| satellite_origin_check(parts, options))
    {
        return RequestState::signed_out(AuthReason::InvalidConfiguration, error.to_string());
    }
    let ctx = Context::new(parts, options);
    let header_token = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(bearer_token);

    if let AcceptsToken::List(accepted) = &options.accepts_token {
        let kind = header_token
            .and_then(machine_token_type)
            .unwrap_or(TokenType::SessionToken);
        if !accepted.contains(&kind) {
            return mismatch(None);
        }
    }

    if let Some(token) = header_token {
        return match &options.accepts_token {
            AcceptsToken::One(TokenType::SessionToken) => {
                if machine_token_type(token).is_some() || has_non_session_category(token) {
                    mismatch(Some(TokenType::SessionToken))
                } else {
                    verify_session(&ctx, verifier, token.to_owned(), HeaderMap::new()).await
                }
            }
            AcceptsToken::One(wanted) => match machine_token_type(token) {
                Some(kind) if kind == *wanted => verify_machine(options, token, kind).await,
                _ => mismatch(Some(*wanted)),
            },
            AcceptsToken::Any | AcceptsToken::List(_) => match machine_token_type(token) {
                Some(kind) => verify_machine(options, token, kind).await,
                None if has_non_session_category(token) => mismatch(Some(TokenType::SessionToken)),
                None => verify_session(&ctx, verifier, token.to_owned(), HeaderMap::new()).await,
            },
        };
    }

    if let AcceptsToken::One(kind) = options.accepts_token {
        if kind != TokenType::SessionToken {
            return RequestState::signed_out(AuthReason::NoTokenInHeader, "")
                .with_token_type(Some(kind));
        }
    }
    if !options.cookie_flow {
        return RequestState::signed_out(AuthReason::NoTokenInHeader, "");
    }
    let Some(cookie_ctx) = ctx.cookies() else {
        return RequestState::signed_out(
            AuthReason::PublishableKeyMissing,
            "The cookie flow needs a publishable key: set one in AuthenticateOptions, or turn \
             the cookie flow off.",
        );
    };
    cookie_flow(&ctx, cookie_ctx, verifier).await
}

/// A satellite's sign-in page must be on another origin than the page asking (the `Origin`
/// header), or the sync would loop.
fn satellite_origin_check(
    parts: &Parts,
    options: &AuthenticateOptions,
) -> Result<(), OptionsError> {
    let same_origin = options.is_satellite
        && options
            .sign_in_url
            .as_deref()
            .and_then(EffectiveUrl::parse)
            .zip(header_str(&parts.headers, "origin"))
            .is_some_and(|(sign_in, origin)| {
                sign_in
                    .origin()
                    .eq_ignore_ascii_case(origin.trim_end_matches('/'))
            });
    if same_origin {
        Err(OptionsError::SignInUrlSameOrigin)
    } else {
        Ok(())
    }
}

fn mismatch(token_type: Option<TokenType>) -> RequestState {
    RequestState::signed_out(AuthReason::TokenTypeMismatch, "").with_token_type(token_type)
}

/// Whether the token's header `cat` marks something other than a session token. Only the
/// header is decoded: this runs for every bearer token, before verification.
fn has_non_session_category(token: &str) -> bool {
    Unverified::decode_header(token)
        .is_some_and(|header| super::token::is_non_session_category(header.get("cat")))
}

async fn verify_machine(
    options: &AuthenticateOptions,
    token: &str,
    kind: TokenType,
) -> RequestState {
    let Some(machine_verifier) = &options.machine_verifier else {
        return RequestState::signed_out(
            AuthReason::MachineTokenVerifierMissing,
            "A machine token was accepted, but no machine token verifier is configured.",
        )
        .with_token_type(Some(kind));
    };
    match machine_verifier.verify(token, kind).await {
        Ok(machine) => RequestState::machine(token.to_owned(), machine),
        Err(error) => RequestState::signed_out(
            AuthReason::Machine(error.code().as_str().into()),
            error.to_string(),
        )
        .with_token_type(Some(kind)),
    }
}

/// What every request needs.
struct Context<'a> {
    parts: &'a Parts,
    options: &'a AuthenticateOptions,
    url: EffectiveUrl,
    /// Present when a publishable key is configured (see [`Context::cookies`]).
    cookies: std::sync::OnceLock<Option<CookieContext>>,
}

/// What the cookie flow (and handshake redirects) need: the instance and the cookies chosen.
struct CookieContext {
    publishable_key: PublishableKey,
    /// The Frontend API as a URL for redirects (proxy URL, satellite domain or the key's host).
    frontend_api_url: String,
    /// The Frontend API host the instance's tokens are issued by (no proxy).
    original_frontend_api: String,
    suffixed: bool,
    session: Option<String>,
    client_uat: i64,
    dev_browser: Option<String>,
    handshake_token: Option<String>,
    handshake_nonce: Option<String>,
    redirect_count: u32,
    /// The `__refresh_<suffix>` cookie (always read suffixed), if sent.
    refresh_token: Option<String>,
}

impl<'a> Context<'a> {
    fn new(parts: &'a Parts, options: &'a AuthenticateOptions) -> Context<'a> {
        Context {
            parts,
            options,
            url: EffectiveUrl::from_parts_with(
                parts,
                options.public_origin.as_ref(),
                options.trust_forwarded_headers,
            ),
            cookies: std::sync::OnceLock::new(),
        }
    }

    /// The cookie context, worked out on first use: a request with a valid `Authorization`
    /// token never needs its cookies read, the suffix hashed or the session cookie decoded.
    fn cookies(&self) -> Option<&CookieContext> {
        self.cookies
            .get_or_init(|| {
                self.options
                    .publishable_key
                    .as_ref()
                    .map(|pk| CookieContext::new(self.parts, self.options, pk, &self.url))
            })
            .as_ref()
    }

    fn is_get(&self) -> bool {
        self.parts.method == Method::GET
    }

    fn header(&self, name: &str) -> Option<&str> {
        header_str(&self.parts.headers, name)
    }

    fn sec_fetch_dest(&self) -> Option<&str> {
        self.header("sec-fetch-dest")
    }

    /// Whether a redirect can be answered: a `GET` navigation of a document or frame.
    fn handshake_eligible(&self) -> bool {
        self.is_get()
            && match self.sec_fetch_dest() {
                Some(dest) => dest == "document" || dest == "iframe",
                None => self
                    .header("accept")
                    .is_some_and(|accept| accept.starts_with("text/html")),
            }
    }
}

impl CookieContext {
    fn new(
        parts: &Parts,
        options: &AuthenticateOptions,
        pk: &PublishableKey,
        url: &EffectiveUrl,
    ) -> CookieContext {
        let cookies = Cookies::from_headers(&parts.headers);
        let suffix = cookie_suffix(pk.as_str());
        let satellite_domain = options
            .domain
            .as_deref()
            .filter(|_| options.is_satellite && !pk.is_development())
            .map(|domain| format!("clerk.{}", strip_scheme(domain).trim_end_matches('/')));
        let original_frontend_api = satellite_domain
            .clone()
            .unwrap_or_else(|| pk.frontend_api().to_owned());
        let frontend_api_url = match options.proxy_url.as_deref() {
            Some(proxy) if proxy.starts_with('/') => format!("{}{proxy}", url.origin()),
            Some(proxy) => proxy.to_owned(),
            None => format!("https://{original_frontend_api}"),
        };
        let suffixed = uses_suffixed_cookies(
            &cookies,
            &suffix,
            &original_frontend_api,
            pk.is_development(),
            options.clock.now_unix(),
        );
        let pick = |name: &str| {
            let name = if suffixed {
                format!("{name}_{suffix}")
            } else {
                name.to_owned()
            };
            cookies.get(&name).map(str::to_owned)
        };
        let from_query_or_cookie = |name: &str| {
            url.query_param(name)
                .map(str::to_owned)
                .or_else(|| cookies.get(name).map(str::to_owned))
                .filter(|value| !value.is_empty())
        };
        CookieContext {
            frontend_api_url: frontend_api_url.trim_end_matches('/').to_owned(),
            original_frontend_api,
            session: pick(names::SESSION).filter(|value| !value.is_empty()),
            client_uat: pick(names::CLIENT_UAT)
                .and_then(|value| leading_integer(&value))
                .unwrap_or(0),
            dev_browser: url
                .query_param(names::DEV_BROWSER)
                .map(str::to_owned)
                .or_else(|| pick(names::DEV_BROWSER))
                .filter(|value| !value.is_empty()),
            handshake_token: from_query_or_cookie(names::HANDSHAKE),
            handshake_nonce: from_query_or_cookie(names::HANDSHAKE_NONCE),
            redirect_count: cookies
                .get(names::REDIRECT_COUNT)
                .and_then(|value| value.trim().parse().ok())
                .unwrap_or(0),
            refresh_token: cookies
                .get(&format!("{}_{suffix}", names::REFRESH))
                .map(str::to_owned),
            suffixed,
            publishable_key: pk.clone(),
        }
    }
}

fn strip_scheme(url: &str) -> &str {
    url.strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or(url)
}

/// The integer at the start of `text`, like JavaScript's `parseInt`.
fn leading_integer(text: &str) -> Option<i64> {
    let text = text.trim_start();
    let end = text
        .char_indices()
        .find(|&(index, c)| !(c.is_ascii_digit() || (index == 0 && (c == '-' || c == '+'))))
        .map_or(text.len(), |(index, _)| index);
    text[..end].parse().ok()
}

/// Whether the instance's cookies are the suffixed ones (`__session_<suffix>`, …) rather than
/// the plain ones, decided as `@clerk/backend` does from what the browser sent:
///
/// 1. A `__session` without an `iss` (or that does not decode) means plain cookies.
/// 2. A `__session` issued by another Frontend API than `frontend_api` means suffixed (the
///    plain cookie belongs to another app on the domain).
/// 3. No suffixed `__client_uat` and no suffixed `__session`: plain.
/// 4. Both `__client_uat`s set (not `0`) and the plain session issued later than the suffixed
///    one: plain.
/// 5. Suffixed `__client_uat` is `0` but the plain one is not: plain.
/// 6. Development only: suffixed `__client_uat` set, plain one `0`, and the suffixed session
///    expired: plain.
/// 7. A suffixed session without a suffixed `__client_uat`: plain.
/// 8. Otherwise suffixed.
pub fn uses_suffixed_cookies(
    cookies: &Cookies,
    suffix: &str,
    frontend_api: &str,
    development: bool,
    now: i64,
) -> bool {
    let session = cookies.get(names::SESSION);
    let client_uat = cookies.get(names::CLIENT_UAT);
    let suffixed_session = cookies.get(&format!("{}_{suffix}", names::SESSION));
    let suffixed_client_uat = cookies.get(&format!("{}_{suffix}", names::CLIENT_UAT));
    let session_jwt = session.and_then(Unverified::decode);
    let suffixed_jwt = suffixed_session.and_then(Unverified::decode);

    if session.is_some() {
        let iss = session_jwt
            .as_ref()
            .and_then(|jwt| jwt.claim_str("iss"))
            .filter(|iss| !iss.is_empty());
        match iss {
            None => return false,
            Some(iss) if strip_scheme(iss) != frontend_api => return true,
            Some(_) => {}
        }
    }
    if suffixed_client_uat.is_none() && suffixed_session.is_none() {
        return false;
    }
    let iat = |jwt: &Option<Unverified>| jwt.as_ref().and_then(|jwt| jwt.claim_secs("iat"));
    if suffixed_client_uat != Some("0") && client_uat != Some("0") {
        if let (Some(plain), Some(suffixed)) = (iat(&session_jwt), iat(&suffixed_jwt)) {
            if plain > suffixed {
                return false;
            }
        }
    }
    if suffixed_client_uat == Some("0") && client_uat != Some("0") {
        return false;
    }
    if development && suffixed_client_uat != Some("0") && client_uat == Some("0") {
        let expired = suffixed_jwt
            .as_ref()
            .and_then(|jwt| jwt.claim_secs("exp"))
            .is_some_and(|exp| exp <= now);
        if expired {
            return false;
        }
    }
    if suffixed_session.is_some() && suffixed_client_uat.is_none() {
        return false;
    }
    true
}

/// Verifies a session token; failures go through session error handling.
async fn verify_session<V: SessionTokenVerifier + ?Sized>(
    ctx: &Context<'_>,
    verifier: &V,
    token: String,
    headers: HeaderMap,
) -> RequestState {
    match verifier.verify(&token).await {
        Ok(claims) => RequestState::signed_in(token, claims, headers),
        Err(error) => session_error(ctx, verifier, error, Some(&token)).await,
    }
}

/// `handleSessionTokenError`: an expired token is refreshed when possible; time-related failures
/// ask for a handshake, others sign out.
///
/// `header_token` is the `Authorization` token (`None` in the cookie flow, whose token is the
/// session cookie).
async fn session_error<V: SessionTokenVerifier + ?Sized>(
    ctx: &Context<'_>,
    verifier: &V,
    error: VerifyError,
    header_token: Option<&str>,
) -> RequestState {
    let reason = match error.reason() {
        ReasonKind::TokenExpired => {
            let refresh_cookie = ctx.cookies().and_then(|c| c.refresh_token.as_deref());
            match (ctx.is_get(), refresh_cookie, &ctx.options.session_refresher) {
                (false, _, _) => AuthReason::SessionTokenExpired(RefreshSkipped::NonGet),
                (true, None, _) => AuthReason::SessionTokenExpired(RefreshSkipped::NoRefreshCookie),
                (true, Some(_), None) => {
                    AuthReason::SessionTokenExpired(RefreshSkipped::MissingApiClient)
                }
                (true, Some(refresh_token), Some(refresher)) => {
                    match refresh_session(ctx, verifier, &**refresher, refresh_token, header_token)
                        .await
                    {
                        Ok(state) => return state,
                        Err(refresh_error) => AuthReason::SessionTokenRefreshFailed(refresh_error),
                    }
                }
            }
        }
        ReasonKind::TokenNotActiveYet => AuthReason::SessionTokenNbf,
        ReasonKind::TokenIatInTheFuture => AuthReason::SessionTokenIatInTheFuture,
        kind => {
            return RequestState::signed_out(AuthReason::Verification(kind), error.full_message())
                .with_verify_error(error);
        }
    };
    let message = error.full_message();
    maybe_handshake(ctx, reason, message, None, header_token).with_verify_error(error)
}

/// Trades the expired session token and the refresh cookie for new session cookies, and signs
/// the request in with the new session token (the cookies become `Set-Cookie` headers).
async fn refresh_session<V: SessionTokenVerifier + ?Sized>(
    ctx: &Context<'_>,
    verifier: &V,
    refresher: &dyn SessionRefresher,
    refresh_token: &str,
    header_token: Option<&str>,
) -> Result<RequestState, RefreshError> {
    let cookie_ctx = ctx.cookies();
    let expired_token = header_token
        .or_else(|| cookie_ctx.and_then(|c| c.session.as_deref()))
        .ok_or_else(|| {
            RefreshError::new(
                RefreshError::MISSING_SESSION_TOKEN,
                "There is no session token to refresh.",
            )
        })?;
    if refresh_token.is_empty() {
        return Err(RefreshError::new(
            RefreshError::MISSING_REFRESH_TOKEN,
            "The refresh cookie is empty.",
        ));
    }
    let payload = crate::jwt::decode_payload_unverified(expired_token).map_err(|error| {
        RefreshError::new(
            RefreshError::EXPIRED_SESSION_TOKEN_DECODE_FAILED,
            error.full_message(),
        )
    })?;
    let session_id = payload
        .get("sid")
        .and_then(serde_json::Value::as_str)
        .filter(|sid| !sid.is_empty())
        .ok_or_else(|| {
            RefreshError::new(
                RefreshError::EXPIRED_SESSION_TOKEN_MISSING_SID_CLAIM,
                "The expired session token has no sid claim.",
            )
        })?;
    let request = RefreshRequest::new(
        expired_token,
        refresh_token,
        ctx.url.origin(),
        request_headers(&ctx.parts.headers),
    );
    let suffixed = cookie_ctx.is_some_and(|c| c.suffixed);
    let cookies = refresher.refresh(session_id, request, suffixed).await?;

    let mut headers = HeaderMap::new();
    let mut session = None;
    for cookie in &cookies {
        if let Ok(value) = HeaderValue::try_from(cookie.as_str()) {
            headers.append(header::SET_COOKIE, value);
        }
        if let Some(value) = cookie_value_named(cookie, names::SESSION) {
            session = Some(value.to_owned());
        }
    }
    let session = session.filter(|s| !s.is_empty()).ok_or_else(|| {
        RefreshError::new(
            RefreshError::UNEXPECTED_SDK_ERROR,
            "The refresh answer has no session cookie.",
        )
    })?;
    match verifier.verify(&session).await {
        Ok(claims) => Ok(RequestState::signed_in(session, claims, headers)),
        Err(error) => Err(RefreshError::new(
            RefreshError::INVALID_SESSION_TOKEN,
            error.full_message(),
        )),
    }
}

/// The value of a `Set-Cookie` directive whose cookie name starts with `prefix`.
fn cookie_value_named<'c>(directive: &'c str, prefix: &str) -> Option<&'c str> {
    let pair = directive.split(';').next().unwrap_or_default();
    let (name, value) = pair.split_once('=')?;
    name.trim().starts_with(prefix).then(|| value.trim())
}

/// The request headers sent with a session refresh: an allow-list of what Clerk uses to judge
/// the request (who sent it, from where), never `Authorization`, and of the cookies only
/// Clerk's own. Each is a one-element list (repeated headers joined with `, `); values that are
/// not text are left out.
fn request_headers(headers: &HeaderMap) -> BTreeMap<String, Vec<String>> {
    const FORWARDED: &[&str] = &[
        "accept",
        "accept-language",
        "cf-connecting-ip",
        "forwarded",
        "host",
        "origin",
        "referer",
        "sec-fetch-dest",
        "sec-fetch-mode",
        "sec-fetch-site",
        "true-client-ip",
        "user-agent",
        "x-forwarded-for",
        "x-forwarded-host",
        "x-forwarded-proto",
        "x-real-ip",
    ];
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in headers {
        let name = name.as_str();
        let Ok(value) = value.to_str() else {
            continue;
        };
        let value = if name == "cookie" {
            let clerk_cookies: Vec<&str> = value
                .split(';')
                .map(str::trim)
                .filter(|pair| is_clerk_cookie(pair.split('=').next().unwrap_or_default()))
                .collect();
            if clerk_cookies.is_empty() {
                continue;
            }
            clerk_cookies.join("; ")
        } else if FORWARDED.contains(&name) || name.starts_with("sec-ch-ua") {
            value.to_owned()
        } else {
            continue;
        };
        match out.get_mut(name).and_then(|values| values.first_mut()) {
            Some(existing) => {
                existing.push_str(if name == "cookie" { "; " } else { ", " });
                existing.push_str(&value);
            }
            None => {
                out.insert(name.to_owned(), vec![value]);
            }
        }
    }
    out
}

/// Whether a cookie is one of Clerk's (`__session…`, `__client_uat…`, `__refresh…`,
/// `__clerk_…`).
fn is_clerk_cookie(name: &str) -> bool {
    ["__session", "__client_uat", "__refresh", "__clerk_"]
        .iter()
        .any(|prefix| name.starts_with(prefix))
}

/// A handshake redirect if the request can follow one, else signed out with the same reason.
fn maybe_handshake(
    ctx: &Context<'_>,
    reason: AuthReason,
    message: impl Into<String>,
    location: Option<String>,
    header_token: Option<&str>,
) -> RequestState {
    maybe_handshake_with(ctx, reason, message.into(), location, header_token, None)
}

/// [`maybe_handshake`], with an `organization_id` for the handshake URL.
fn maybe_handshake_with(
    ctx: &Context<'_>,
    reason: AuthReason,
    message: String,
    location: Option<String>,
    header_token: Option<&str>,
    organization_id: Option<&str>,
) -> RequestState {
    let Some(cookie_ctx) = ctx.cookies().filter(|_| ctx.options.cookie_flow) else {
        return RequestState::signed_out(reason, message);
    };
    if !ctx.handshake_eligible() || cookie_ctx.redirect_count >= MAX_HANDSHAKE_REDIRECTS {
        return RequestState::signed_out(reason, message);
    }
    let location = location
        .unwrap_or_else(|| handshake_url(ctx, cookie_ctx, &reason, header_token, organization_id));
    let mut headers = HeaderMap::new();
    let Ok(location) = HeaderValue::try_from(location) else {
        return RequestState::signed_out(reason, message);
    };
    headers.insert(header::LOCATION, location);
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    let counter = format!(
        "{}={}; SameSite=Lax; HttpOnly; Max-Age=2",
        names::REDIRECT_COUNT,
        cookie_ctx.redirect_count + 1
    );
    if let Ok(counter) = HeaderValue::try_from(counter) {
        headers.append(header::SET_COOKIE, counter);
    }
    RequestState::unauthenticated(AuthStatus::Handshake, reason, message, headers)
}

/// The Frontend API's handshake URL for this request.
fn handshake_url(
    ctx: &Context<'_>,
    cookie_ctx: &CookieContext,
    reason: &AuthReason,
    header_token: Option<&str>,
    organization_id: Option<&str>,
) -> String {
    let mut redirect = ctx.url.clone();
    redirect.remove_query_param(names::DEV_BROWSER);
    redirect.remove_query_param(names::DEV_SESSION);
    let redirect = redirect.to_string();
    let mut params: Vec<(&str, &str)> = vec![
        ("redirect_url", &redirect),
        ("__clerk_api_version", CLERK_API_VERSION),
        (
            "suffixed_cookies",
            if cookie_ctx.suffixed { "true" } else { "false" },
        ),
        ("__clerk_hs_reason", reason.as_str()),
    ];
    if ctx.options.nonce_resolver.is_some() {
        params.push(("format", "nonce"));
    }
    if let Some(session) = cookie_ctx.session.as_deref().or(header_token) {
        params.push((names::SESSION, session));
    }
    if cookie_ctx.publishable_key.is_development() {
        if let Some(dev_browser) = cookie_ctx.dev_browser.as_deref() {
            params.push((names::DEV_BROWSER, dev_browser));
        }
    }
    if let Some(organization_id) = organization_id {
        params.push(("organization_id", organization_id));
    }
    format!(
        "{}/v1/client/handshake?{}",
        cookie_ctx.frontend_api_url,
        super::parse::encode_query(&params)
    )
}

/// The cookie flow, for requests without an `Authorization` token.
async fn cookie_flow<V: SessionTokenVerifier + ?Sized>(
    ctx: &Context<'_>,
    c: &CookieContext,
    verifier: &V,
) -> RequestState {
    let development = c.publishable_key.is_development();

    // 1. A handshake answer from the Frontend API.
    if c.handshake_token.is_some() || c.handshake_nonce.is_some() {
        if let Some(state) = resolve_handshake(ctx, c, verifier).await {
            return state;
        }
    }

    // 2. A satellite syncing with its primary domain.
    let options = ctx.options;
    if options.is_satellite
        && ctx.sec_fetch_dest() == Some("document")
        && ctx.is_get()
        && ctx.url.query_param(names::SYNCED) != Some("true")
    {
        let needs_sync = ctx.url.query_param(names::SYNCED) == Some("false");
        let has_cookies = c.session.is_some() || c.client_uat != 0;
        if !options.satellite_auto_sync && !has_cookies && !needs_sync {
            return RequestState::signed_out(AuthReason::SessionTokenAndUatMissing, "");
        }
        if !has_cookies || needs_sync {
            let location = if development {
                options
                    .sign_in_url
                    .as_deref()
                    .and_then(EffectiveUrl::parse)
                    .map(|mut sign_in| {
                        sign_in.append_query_param(names::REDIRECT_URL, &ctx.url.to_string());
                        sign_in.to_string()
                    })
            } else {
                None
            };
            return maybe_handshake(ctx, AuthReason::SatelliteNeedsSyncing, "", location, None);
        }
    }

    // 3. The primary domain answering a development satellite's sync.
    if development && !options.is_satellite {
        if let Some(mut back) = ctx
            .url
            .query_param(names::REDIRECT_URL)
            .and_then(EffectiveUrl::parse)
            // Only back to this app or a configured satellite: anything else is ignored.
            .filter(|back| {
                let origin = back.origin();
                origin == ctx.url.origin() || options.allowed_redirect_origins.contains(&origin)
            })
        {
            if let Some(dev_browser) = c.dev_browser.as_deref() {
                back.append_query_param(names::DEV_BROWSER, dev_browser);
            }
            back.set_query_param(names::SYNCED, "true");
            return maybe_handshake(
                ctx,
                AuthReason::PrimaryRespondsToSyncing,
                "",
                Some(back.to_string()),
                None,
            );
        }
    }

    // 4, 5. Development browser token.
    if development && ctx.url.has_query_param(names::DEV_BROWSER) {
        return maybe_handshake(ctx, AuthReason::DevBrowserSync, "", None, None);
    }
    if development && c.dev_browser.is_none() {
        return maybe_handshake(ctx, AuthReason::DevBrowserMissing, "", None, None);
    }

    // 6–8. Session cookie against `__client_uat`.
    let session = match (c.client_uat, c.session.as_deref()) {
        (0, None) => return RequestState::signed_out(AuthReason::SessionTokenAndUatMissing, ""),
        (0, Some(_)) => {
            return maybe_handshake(ctx, AuthReason::SessionTokenButNoClientUat, "", None, None);
        }
        (_, None) => {
            return maybe_handshake(ctx, AuthReason::ClientUatButNoSessionToken, "", None, None);
        }
        (_, Some(session)) => session,
    };

    // 9, 10. The session cookie must be a session JWT.
    let Some(jwt) = Unverified::decode(session) else {
        let error = VerifyError::new(
            ReasonKind::TokenMalformed,
            "Invalid JWT form. The header, payload, or signature could not be decoded.",
        );
        return session_error(ctx, verifier, error, None).await;
    };
    if jwt.is_m2m_jwt() || jwt.is_oauth_jwt() || jwt.has_non_session_category() {
        return mismatch(Some(TokenType::SessionToken));
    }

    // 11. A token older than the client's last change is stale.
    if jwt.claim_secs("iat").is_some_and(|iat| iat < c.client_uat) {
        return maybe_handshake(
            ctx,
            AuthReason::SessionTokenIatBeforeClientUat,
            "",
            None,
            None,
        );
    }

    // 12. Verification.
    let claims = match verifier.verify(session).await {
        Ok(claims) => claims,
        Err(error) => return session_error(ctx, verifier, error, None).await,
    };

    // 13. A document navigation coming from a satellite domain.
    if !options.is_satellite
        && ctx.is_get()
        && ctx.sec_fetch_dest() == Some("document")
        && c.redirect_count == 0
    {
        let referrer = ctx.header("referer").and_then(EffectiveUrl::parse);
        if let Some(referrer) = referrer {
            if referrer.origin() != ctx.url.origin() && !is_known_clerk_referrer(c, &referrer) {
                return maybe_handshake(
                    ctx,
                    AuthReason::PrimaryDomainCrossOriginSync,
                    "Cross-origin request from satellite domain requires handshake",
                    None,
                    None,
                );
            }
        }
    }

    // 14. The active organization the URL asks for.
    if let Some(sync) = &options.organization_sync {
        if let Some(target) = sync.target(ctx.url.path()) {
            if target.needs_activation(&claims) && c.redirect_count < MAX_HANDSHAKE_REDIRECTS {
                let organization_id = target.organization_id().unwrap_or_default().to_owned();
                let state = maybe_handshake_with(
                    ctx,
                    AuthReason::ActiveOrganizationMismatch,
                    String::new(),
                    None,
                    None,
                    Some(&organization_id),
                );
                // Only a navigation can follow the handshake that switches the organization; any
                // other request (a fetch, an XHR) keeps the session it has, as in the reference.
                if state.status() == AuthStatus::Handshake {
                    return state;
                }
            }
        }
    }

    RequestState::signed_in(session.to_owned(), claims, HeaderMap::new())
}

/// Whether a referrer is one of Clerk's own hosts (Frontend API, Account Portal, development
/// portals), which never need a cross-origin sync.
fn is_known_clerk_referrer(c: &CookieContext, referrer: &EffectiveUrl) -> bool {
    let fapi = c.original_frontend_api.as_str();
    let host = referrer.host();
    if host == fapi || host == c.publishable_key.frontend_api() {
        return true;
    }
    let accounts = super::redirect::accounts_portal_host(fapi);
    if referrer.origin() == format!("https://{accounts}") {
        return true;
    }
    if !c.publishable_key.is_development() {
        return false;
    }
    let hostname = host.split(':').next().unwrap_or(host);
    let legacy = hostname.starts_with("accounts.")
        && [".lcl.dev", ".lclstage.dev", ".lclclerk.com"]
            .iter()
            .any(|suffix| hostname.ends_with(suffix));
    let current = [
        ".accounts.dev",
        ".accountsstage.dev",
        ".accounts.lclclerk.com",
    ]
    .iter()
    .any(|suffix| hostname.ends_with(suffix) && !hostname.ends_with(&format!(".clerk{suffix}")));
    legacy || current
}

/// Applies a handshake answer: `Some` state to return, or `None` to go on with the cookie flow.
async fn resolve_handshake<V: SessionTokenVerifier + ?Sized>(
    ctx: &Context<'_>,
    c: &CookieContext,
    verifier: &V,
) -> Option<RequestState> {
    let development = c.publishable_key.is_development();
    let directives = match (
        &c.handshake_nonce,
        &ctx.options.nonce_resolver,
        &c.handshake_token,
    ) {
        (Some(nonce), Some(resolver), _) => resolver.resolve(nonce).await.unwrap_or_default(),
        (_, _, Some(token)) => match verifier.verify_handshake(token).await {
            Ok(directives) => directives,
            Err(error) if development => {
                let message = if error.reason() == ReasonKind::TokenInvalidSignature {
                    "Clerk: Handshake token verification failed due to an invalid signature. If \
                     you have switched Clerk keys locally, clear your cookies and try again."
                        .to_owned()
                } else {
                    format!(
                        "Clerk: Handshake token verification failed: {}.",
                        error.full_message()
                    )
                };
                return Some(
                    RequestState::signed_out(AuthReason::Verification(error.reason()), message)
                        .with_verify_error(error),
                );
            }
            // Production: ignore the bad handshake and carry on with the cookies.
            Err(_) => return None,
        },
        (Some(_), None, None) => {
            return Some(RequestState::signed_out(
                AuthReason::HandshakeNonceUnsupported,
                "The request carries a handshake nonce; resolving it needs the Backend API (a \
                 HandshakeNonceResolver, such as the clerk crate's client).",
            ));
        }
        (None, _, None) => return None,
    };

    let mut headers = HeaderMap::new();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("null"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
        HeaderValue::from_static("true"),
    );
    let mut session = None;
    for directive in &directives {
        if let Ok(value) = HeaderValue::try_from(directive.as_str()) {
            headers.append(header::SET_COOKIE, value);
        }
        if let Some(value) = cookie_value_named(directive, names::SESSION) {
            session = Some(value.to_owned());
        }
    }
    if development {
        let mut back = ctx.url.clone();
        for name in [
            names::HANDSHAKE,
            names::HELP,
            names::DEV_BROWSER,
            names::HANDSHAKE_NONCE,
        ] {
            back.remove_query_param(name);
        }
        if let Ok(location) = HeaderValue::try_from(back.to_string()) {
            headers.insert(header::LOCATION, location);
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
    }
    let Some(session) = session.filter(|session| !session.is_empty()) else {
        return Some(RequestState::unauthenticated(
            AuthStatus::SignedOut,
            AuthReason::SessionTokenMissing,
            String::new(),
            headers,
        ));
    };
    let verified = match verifier.verify(&session).await {
        // A development machine's clock is often off: allow a day of skew there.
        Err(error) if development && error.reason().is_time_related() => {
            verifier
                .verify_with_leeway(&session, DEVELOPMENT_HANDSHAKE_LEEWAY)
                .await
        }
        result => result,
    };
    match verified {
        Ok(claims) => Some(RequestState::signed_in(session, claims, headers)),
        // As in `@clerk/backend`, a handshake whose session does not verify is ignored.
        Err(_) => None,
    }
}

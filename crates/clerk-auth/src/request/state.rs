//! [`RequestState`]: the outcome of authenticating a request.

use std::borrow::Cow;
use std::fmt;

use http::{HeaderMap, HeaderName, HeaderValue};

use crate::auth::{Auth, MachineAuth, SignedOutReason, TokenType};
use crate::claims::SessionClaims;
use crate::error::{ReasonKind, VerifyError};

/// Whether a request is signed in, signed out, or must be redirected through a handshake.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuthStatus {
    /// A valid session or machine token.
    SignedIn,
    /// No valid token.
    SignedOut,
    /// The client must be redirected (see [`RequestState::headers`]) to refresh its session.
    Handshake,
}

impl AuthStatus {
    /// `signed-in`, `signed-out` or `handshake`, as in the `x-clerk-auth-status` header.
    pub const fn as_str(self) -> &'static str {
        match self {
            AuthStatus::SignedIn => "signed-in",
            AuthStatus::SignedOut => "signed-out",
            AuthStatus::Handshake => "handshake",
        }
    }
}

/// Why an expired session token was not refreshed in place (the `<x>` of
/// `session-token-expired-refresh-<x>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RefreshSkipped {
    /// The request is not a `GET` (`non-eligible-non-get`).
    NonGet,
    /// There is no `__refresh_<suffix>` cookie (`non-eligible-no-refresh-cookie`).
    NoRefreshCookie,
    /// A refresh would be possible but no
    /// [`SessionRefresher`](super::SessionRefresher) is configured (`missing-api-client`).
    MissingApiClient,
}

/// Why a request is signed out or redirected: `@clerk/backend`'s `AuthErrorReason` values, a
/// token verification reason, or a machine-token error code.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthReason {
    /// `client-uat-but-no-session-token`.
    ClientUatButNoSessionToken,
    /// `dev-browser-missing`.
    DevBrowserMissing,
    /// `dev-browser-sync`.
    DevBrowserSync,
    /// `primary-responds-to-syncing`.
    PrimaryRespondsToSyncing,
    /// `primary-domain-cross-origin-sync`.
    PrimaryDomainCrossOriginSync,
    /// `satellite-needs-syncing`.
    SatelliteNeedsSyncing,
    /// `session-token-and-uat-missing`: no session cookie and no `__client_uat`.
    SessionTokenAndUatMissing,
    /// `session-token-missing`: a handshake set no session cookie.
    SessionTokenMissing,
    /// `session-token-expired-refresh-<x>`.
    SessionTokenExpired(RefreshSkipped),
    /// `session-token-expired-refresh-<reason>`: the session was expired and refreshing it with
    /// the configured [`SessionRefresher`](super::SessionRefresher) failed.
    SessionTokenRefreshFailed(super::RefreshError),
    /// `session-token-iat-before-client-uat`.
    SessionTokenIatBeforeClientUat,
    /// `session-token-nbf`.
    SessionTokenNbf,
    /// `session-token-iat-in-the-future`.
    SessionTokenIatInTheFuture,
    /// `session-token-but-no-client-uat`.
    SessionTokenButNoClientUat,
    /// `active-organization-mismatch`: the URL names another organization than the active one.
    ActiveOrganizationMismatch,
    /// `token-type-mismatch`: the token is of a kind the route does not accept.
    TokenTypeMismatch,
    /// `unexpected-error`.
    UnexpectedError,
    /// `No token in header`: a machine-token route (or a route without the cookie flow) got no
    /// `Authorization` token.
    NoTokenInHeader,
    /// `handshake-nonce-unsupported`: the request carries a handshake nonce, and resolving it
    /// needs the Backend API (a [`HandshakeNonceResolver`](super::HandshakeNonceResolver), which
    /// the `clerk` crate's client provides) — none is configured.
    HandshakeNonceUnsupported,
    /// `publishable-key-missing`: the cookie flow is on but no publishable key is configured.
    PublishableKeyMissing,
    /// `invalid-configuration`: [`AuthenticateOptions::validate`](super::AuthenticateOptions::validate)
    /// failed.
    InvalidConfiguration,
    /// `machine-token-verifier-missing`: an accepted machine token arrived, but no
    /// [`MachineTokenVerifier`](super::MachineTokenVerifier) is configured.
    MachineTokenVerifierMissing,
    /// The session token failed verification (`token-expired`, `token-invalid-signature`, …).
    Verification(ReasonKind),
    /// A machine-token verifier's error code.
    Machine(Cow<'static, str>),
}

impl AuthReason {
    /// The reason as `@clerk/backend` spells it.
    pub fn as_str(&self) -> &str {
        match self {
            AuthReason::ClientUatButNoSessionToken => "client-uat-but-no-session-token",
            AuthReason::DevBrowserMissing => "dev-browser-missing",
            AuthReason::DevBrowserSync => "dev-browser-sync",
            AuthReason::PrimaryRespondsToSyncing => "primary-responds-to-syncing",
            AuthReason::PrimaryDomainCrossOriginSync => "primary-domain-cross-origin-sync",
            AuthReason::SatelliteNeedsSyncing => "satellite-needs-syncing",
            AuthReason::SessionTokenAndUatMissing => "session-token-and-uat-missing",
            AuthReason::SessionTokenMissing => "session-token-missing",
            AuthReason::SessionTokenExpired(RefreshSkipped::NonGet) => {
                "session-token-expired-refresh-non-eligible-non-get"
            }
            AuthReason::SessionTokenExpired(RefreshSkipped::NoRefreshCookie) => {
                "session-token-expired-refresh-non-eligible-no-refresh-cookie"
            }
            AuthReason::SessionTokenExpired(RefreshSkipped::MissingApiClient) => {
                "session-token-expired-refresh-missing-api-client"
            }
            AuthReason::SessionTokenRefreshFailed(error) => error.handshake_reason(),
            AuthReason::SessionTokenIatBeforeClientUat => "session-token-iat-before-client-uat",
            AuthReason::SessionTokenNbf => "session-token-nbf",
            AuthReason::SessionTokenIatInTheFuture => "session-token-iat-in-the-future",
            AuthReason::SessionTokenButNoClientUat => "session-token-but-no-client-uat",
            AuthReason::ActiveOrganizationMismatch => "active-organization-mismatch",
            AuthReason::TokenTypeMismatch => "token-type-mismatch",
            AuthReason::UnexpectedError => "unexpected-error",
            AuthReason::NoTokenInHeader => "No token in header",
            AuthReason::HandshakeNonceUnsupported => "handshake-nonce-unsupported",
            AuthReason::PublishableKeyMissing => "publishable-key-missing",
            AuthReason::InvalidConfiguration => "invalid-configuration",
            AuthReason::MachineTokenVerifierMissing => "machine-token-verifier-missing",
            AuthReason::Verification(kind) => kind.as_str(),
            AuthReason::Machine(code) => code,
        }
    }
}

impl fmt::Display for AuthReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What authenticated the request, if anything.
#[derive(Clone, PartialEq)]
pub(crate) enum Identity {
    None,
    Session(Box<SessionClaims>),
    Machine(MachineAuth),
}

/// The outcome of [`authenticate_request`](super::authenticate_request).
///
/// For [`AuthStatus::Handshake`] (and whenever [`headers`](RequestState::headers) holds a
/// `Location`), answer the request with a redirect carrying those headers
/// ([`ClerkAuthLayer`](super::tower::ClerkAuthLayer) does). Otherwise hand
/// [`auth`](RequestState::auth) to the application and add the headers (`Set-Cookie` after a
/// handshake, `x-clerk-auth-*` when signed out) to its response.
///
/// `Debug` never prints the token.
#[derive(Clone)]
pub struct RequestState {
    pub(crate) status: AuthStatus,
    pub(crate) reason: Option<AuthReason>,
    pub(crate) message: Option<String>,
    pub(crate) token: Option<String>,
    pub(crate) token_type: Option<TokenType>,
    pub(crate) headers: HeaderMap,
    pub(crate) identity: Identity,
    pub(crate) verify_error: Option<VerifyError>,
}

impl RequestState {
    pub(crate) fn signed_in(token: String, claims: SessionClaims, headers: HeaderMap) -> Self {
        RequestState {
            status: AuthStatus::SignedIn,
            reason: None,
            message: None,
            token: Some(token),
            token_type: Some(TokenType::SessionToken),
            headers,
            identity: Identity::Session(Box::new(claims)),
            verify_error: None,
        }
    }

    pub(crate) fn machine(token: String, machine: MachineAuth) -> Self {
        RequestState {
            status: AuthStatus::SignedIn,
            reason: None,
            message: None,
            token: Some(token),
            token_type: Some(machine.token_type()),
            headers: HeaderMap::new(),
            identity: Identity::Machine(machine),
            verify_error: None,
        }
    }

    pub(crate) fn signed_out(reason: AuthReason, message: impl Into<String>) -> Self {
        RequestState::unauthenticated(
            AuthStatus::SignedOut,
            reason,
            message.into(),
            HeaderMap::new(),
        )
    }

    pub(crate) fn unauthenticated(
        status: AuthStatus,
        reason: AuthReason,
        message: String,
        headers: HeaderMap,
    ) -> Self {
        let mut state = RequestState {
            status,
            reason: Some(reason),
            message: (!message.is_empty()).then_some(message),
            token: None,
            token_type: Some(TokenType::SessionToken),
            headers,
            identity: Identity::None,
            verify_error: None,
        };
        state.add_debug_headers();
        state
    }

    pub(crate) fn with_token_type(mut self, token_type: Option<TokenType>) -> Self {
        self.token_type = token_type;
        self
    }

    pub(crate) fn with_verify_error(mut self, error: VerifyError) -> Self {
        self.verify_error = Some(error);
        self
    }

    fn add_debug_headers(&mut self) {
        let mut set = |name: &'static str, value: &str| {
            // Values are UTF-8 text; anything a header cannot carry (control characters) is
            // replaced rather than dropping the header.
            let cleaned: String = value
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            if let Ok(value) = HeaderValue::from_bytes(cleaned.as_bytes()) {
                self.headers.insert(HeaderName::from_static(name), value);
            }
        };
        if let Some(message) = self.message.clone() {
            set("x-clerk-auth-message", &message);
        }
        if let Some(reason) = self.reason.clone() {
            set("x-clerk-auth-reason", reason.as_str());
        }
        set("x-clerk-auth-status", self.status.as_str());
    }

    /// Signed in, signed out, or handshake.
    pub fn status(&self) -> AuthStatus {
        self.status
    }

    /// Whether a user or machine is authenticated.
    pub fn is_signed_in(&self) -> bool {
        self.status == AuthStatus::SignedIn
    }

    /// Why the request is signed out or redirected (`None` when signed in).
    pub fn reason(&self) -> Option<&AuthReason> {
        self.reason.as_ref()
    }

    /// A description of the reason, for operators.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// The verified token (`None` unless signed in).
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// The kind of token the request was authenticated with or rejected for (`None` when a
    /// header token's kind was not among those accepted).
    pub fn token_type(&self) -> Option<TokenType> {
        self.token_type
    }

    /// Headers for the response: `Location`, `Cache-Control` and `Set-Cookie` for redirects and
    /// handshakes, `x-clerk-auth-status`/`-reason`/`-message` for signed-out and handshake states.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The `Location` to redirect to, if the request must be redirected.
    pub fn redirect_location(&self) -> Option<&str> {
        self.headers
            .get(http::header::LOCATION)
            .and_then(|value| value.to_str().ok())
    }

    /// The session token verification error behind a signed-out state, if there was one.
    pub fn verify_error(&self) -> Option<&VerifyError> {
        self.verify_error.as_ref()
    }

    /// The verified session claims, when signed in with a session token.
    pub fn session_claims(&self) -> Option<&SessionClaims> {
        match &self.identity {
            Identity::Session(claims) => Some(claims),
            _ => None,
        }
    }

    /// The authentication state for the application.
    ///
    /// Signed-in session: [`Auth::from_claims`] (a pending session is signed out). Machine:
    /// [`Auth::Machine`]. Otherwise signed out, with the verification error when there was one
    /// or else this state's reason (a handshake state is signed out too).
    pub fn auth(&self) -> Auth {
        match &self.identity {
            Identity::Session(claims) => Auth::from_claims((**claims).clone()),
            Identity::Machine(machine) => Auth::Machine(machine.clone()),
            Identity::None => {
                let signed_out = match (&self.verify_error, &self.reason) {
                    (Some(error), _) => Auth::from_verification(Err(error.clone())),
                    (None, Some(reason)) => Auth::signed_out(SignedOutReason::Other(Cow::Owned(
                        reason.as_str().to_owned(),
                    ))),
                    (None, None) => {
                        Auth::signed_out(SignedOutReason::Other(Cow::Borrowed("signed-out")))
                    }
                };
                match signed_out {
                    Auth::SignedOut(signed_out) => {
                        Auth::SignedOut(signed_out.with_token_type(self.token_type))
                    }
                    other => other,
                }
            }
        }
    }
}

impl fmt::Debug for RequestState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestState")
            .field("status", &self.status)
            .field("reason", &self.reason)
            .field("message", &self.message)
            .field("token", &self.token.as_ref().map(|_| crate::Redacted))
            .field("token_type", &self.token_type)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

//! In-memory Backend API fakes for the `remote` tests: each implements one of the traits
//! `clerk-auth` asks the Backend API through, answers with scripted results and records its
//! calls. Failures are [`BackendError`]s built the way a real client reports them (see
//! [`api_error`], [`network_error`], [`decode_error`]).

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use clerk_auth::machine::TokenKind;
use clerk_auth::remote::{
    BackendError, BackendErrorKind, JwksFetcher, MachineTokenApi, MachineTokenResponse,
    SessionTokenApi,
};
use clerk_auth::{BoxFuture, JwkSet, PublicKey};
use serde_json::Value;

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// A JWKS with one key, the SPKI PEM `spki` under `kid`.
pub(crate) fn jwk_set(spki: &str, kid: &str) -> JwkSet {
    JwkSet::new(vec![
        PublicKey::from_pem(spki).unwrap().with_kid(kid).to_jwk(),
    ])
}

/// An error status as a client reports it: the status with the first Clerk error's code and
/// message, e.g. `api_error(401, Some("clerk_key_invalid"), "Invalid key")`.
pub(crate) fn api_error(status: u16, code: Option<&str>, message: &str) -> BackendError {
    BackendError::api(status, code.map(str::to_owned), message)
}

/// An error status whose body carried no Clerk error: the client's description of the status
/// stands in for the message, and there is no code.
pub(crate) fn bare_status(status: u16) -> BackendError {
    let reason = match status {
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Error",
    };
    BackendError::api(status, None, format!("Clerk API error {status} ({reason})"))
}

/// A connection failure: no status.
pub(crate) fn network_error() -> BackendError {
    BackendError::new(
        BackendErrorKind::Network,
        "error sending request: connection refused",
    )
}

/// A `200` whose body does not decode.
pub(crate) fn decode_error() -> BackendError {
    BackendError::new(
        BackendErrorKind::Decode,
        "could not decode the response body: expected value at line 1 column 1",
    )
    .with_status(Some(200))
}

// ---------------------------------------------------------------------------------------------
// JWKS

/// A [`JwksFetcher`] with scripted answers. Cheap to clone; clones share the script and the call
/// count, so keep one to steer and inspect the fetcher given to a cache.
///
/// Each fetch takes the next queued answer ([`FakeJwks::then`]) or, once the queue is empty, the
/// standing answer ([`FakeJwks::answer`]). With a [`delay`](FakeJwks::delay), each fetch first
/// awaits a Tokio sleep, so concurrent callers really overlap with it.
#[derive(Clone)]
pub(crate) struct FakeJwks {
    inner: Arc<JwksInner>,
}

struct JwksInner {
    location: String,
    standing: Mutex<Result<JwkSet, BackendError>>,
    queued: Mutex<VecDeque<Result<JwkSet, BackendError>>>,
    delay: Mutex<Duration>,
    calls: AtomicUsize,
}

impl FakeJwks {
    /// The location the fakes report in error messages.
    pub(crate) const LOCATION: &'static str = "fake://instance/v1/jwks";

    /// A fetcher answering every fetch with `answer`.
    pub(crate) fn new(answer: Result<JwkSet, BackendError>) -> FakeJwks {
        FakeJwks {
            inner: Arc::new(JwksInner {
                location: FakeJwks::LOCATION.to_owned(),
                standing: Mutex::new(answer),
                queued: Mutex::new(VecDeque::new()),
                delay: Mutex::new(Duration::ZERO),
                calls: AtomicUsize::new(0),
            }),
        }
    }

    /// A fetcher serving `jwks`.
    pub(crate) fn serving(jwks: JwkSet) -> FakeJwks {
        FakeJwks::new(Ok(jwks))
    }

    /// A fetcher failing with `error`.
    pub(crate) fn failing(error: BackendError) -> FakeJwks {
        FakeJwks::new(Err(error))
    }

    /// Answers every following fetch (after the queued ones) with `answer`.
    pub(crate) fn answer(&self, answer: Result<JwkSet, BackendError>) {
        *lock(&self.inner.standing) = answer;
    }

    /// Queues `answer` for one fetch, before the standing answer.
    pub(crate) fn then(&self, answer: Result<JwkSet, BackendError>) -> &FakeJwks {
        lock(&self.inner.queued).push_back(answer);
        self
    }

    /// Makes each fetch await a Tokio sleep of `delay` before answering.
    pub(crate) fn delay(self, delay: Duration) -> FakeJwks {
        *lock(&self.inner.delay) = delay;
        self
    }

    /// How many fetches were made.
    pub(crate) fn calls(&self) -> usize {
        self.inner.calls.load(Ordering::SeqCst)
    }
}

impl JwksFetcher for FakeJwks {
    fn fetch_jwks(&self) -> BoxFuture<'_, Result<JwkSet, BackendError>> {
        self.inner.calls.fetch_add(1, Ordering::SeqCst);
        let answer = lock(&self.inner.queued)
            .pop_front()
            .unwrap_or_else(|| lock(&self.inner.standing).clone());
        let delay = *lock(&self.inner.delay);
        Box::pin(async move {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            answer
        })
    }

    fn jwks_location(&self) -> String {
        self.inner.location.clone()
    }
}

// ---------------------------------------------------------------------------------------------
// Machine tokens

/// A verify-endpoint answer decoded from `body`, as a client decodes the endpoint's JSON.
pub(crate) fn machine_response(body: Value) -> MachineTokenResponse {
    serde_json::from_value(body).unwrap()
}

/// A [`MachineTokenApi`] answering per token kind with a scripted response or error, and
/// recording every `(kind, token)` it is asked about. A kind without an answer fails with a
/// [`BackendErrorKind::Other`] error naming it. Clones share the script and the record.
#[derive(Clone, Default)]
pub(crate) struct FakeMachineApi {
    inner: Arc<MachineInner>,
}

#[derive(Default)]
struct MachineInner {
    answers: Mutex<HashMap<TokenKind, Result<MachineTokenResponse, BackendError>>>,
    calls: Mutex<Vec<(TokenKind, String)>>,
}

impl FakeMachineApi {
    /// A fake with no answers: every call fails.
    pub(crate) fn new() -> FakeMachineApi {
        FakeMachineApi::default()
    }

    /// Answers calls for `kind` with `answer` from now on.
    pub(crate) fn answer(
        self,
        kind: TokenKind,
        answer: Result<MachineTokenResponse, BackendError>,
    ) -> FakeMachineApi {
        lock(&self.inner.answers).insert(kind, answer);
        self
    }

    /// Answers calls for `kind` with the response decoded from `body`.
    pub(crate) fn respond(self, kind: TokenKind, body: Value) -> FakeMachineApi {
        self.answer(kind, Ok(machine_response(body)))
    }

    /// Fails calls for `kind` with `error`.
    pub(crate) fn fail(self, kind: TokenKind, error: BackendError) -> FakeMachineApi {
        self.answer(kind, Err(error))
    }

    /// Every call so far, in order.
    pub(crate) fn calls(&self) -> Vec<(TokenKind, String)> {
        lock(&self.inner.calls).clone()
    }
}

impl MachineTokenApi for FakeMachineApi {
    fn verify_opaque_token<'a>(
        &'a self,
        kind: TokenKind,
        token: &'a str,
    ) -> BoxFuture<'a, Result<MachineTokenResponse, BackendError>> {
        lock(&self.inner.calls).push((kind, token.to_owned()));
        let answer = lock(&self.inner.answers)
            .get(&kind)
            .cloned()
            .unwrap_or_else(|| {
                Err(BackendError::new(
                    BackendErrorKind::Other,
                    format!("the fake has no answer for {kind:?}"),
                ))
            });
        Box::pin(std::future::ready(answer))
    }
}

// ---------------------------------------------------------------------------------------------
// Session tokens

/// A [`SessionTokenApi`] minting `jwt:<session>` or `jwt:<session>:<template>`, or failing with a
/// scripted error, and recording every `(session, template)` call. Clones share the record.
#[derive(Clone, Default)]
pub(crate) struct FakeSessions {
    inner: Arc<SessionsInner>,
}

#[derive(Default)]
struct SessionsInner {
    error: Mutex<Option<BackendError>>,
    calls: Mutex<Vec<(String, Option<String>)>>,
}

impl FakeSessions {
    /// A fake that mints tokens.
    pub(crate) fn new() -> FakeSessions {
        FakeSessions::default()
    }

    /// Fails every following call with `error`.
    pub(crate) fn fail_with(&self, error: BackendError) {
        *lock(&self.inner.error) = Some(error);
    }

    /// Every call so far, in order.
    pub(crate) fn calls(&self) -> Vec<(String, Option<String>)> {
        lock(&self.inner.calls).clone()
    }
}

impl SessionTokenApi for FakeSessions {
    fn create_session_token<'a>(
        &'a self,
        session_id: &'a str,
        template: Option<&'a str>,
    ) -> BoxFuture<'a, Result<String, BackendError>> {
        lock(&self.inner.calls).push((session_id.to_owned(), template.map(str::to_owned)));
        let answer = match lock(&self.inner.error).clone() {
            Some(error) => Err(error),
            None => Ok(match template {
                Some(template) => format!("jwt:{session_id}:{template}"),
                None => format!("jwt:{session_id}"),
            }),
        };
        Box::pin(std::future::ready(answer))
    }
}

// ---------------------------------------------------------------------------------------------
// Request authentication: handshake nonces and session refresh

#[cfg(feature = "request")]
pub(crate) use request::{FakeNonceResolver, FakeRefresher};

#[cfg(feature = "request")]
mod request {
    use super::lock;
    use clerk_auth::BoxFuture;
    use clerk_auth::request::{
        HandshakeNonceResolver, RefreshError, RefreshRequest, SessionRefresher,
    };
    use serde_json::Value;
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};

    /// A [`HandshakeNonceResolver`] answering per nonce with scripted directives or an error
    /// (an unknown nonce fails), and recording every nonce it is asked about.
    #[derive(Clone, Default)]
    pub(crate) struct FakeNonceResolver {
        inner: Arc<NonceInner>,
    }

    #[derive(Default)]
    struct NonceInner {
        answers: Mutex<HashMap<String, Result<Vec<String>, String>>>,
        calls: Mutex<Vec<String>>,
    }

    impl FakeNonceResolver {
        /// A resolver that knows no nonce.
        pub(crate) fn new() -> FakeNonceResolver {
            FakeNonceResolver::default()
        }

        /// Resolves `nonce` to `answer`.
        pub(crate) fn answer(
            self,
            nonce: &str,
            answer: Result<Vec<String>, String>,
        ) -> FakeNonceResolver {
            lock(&self.inner.answers).insert(nonce.to_owned(), answer);
            self
        }

        /// Every nonce asked about, in order.
        pub(crate) fn calls(&self) -> Vec<String> {
            lock(&self.inner.calls).clone()
        }
    }

    impl HandshakeNonceResolver for FakeNonceResolver {
        fn resolve<'a>(&'a self, nonce: &'a str) -> BoxFuture<'a, Result<Vec<String>, String>> {
            lock(&self.inner.calls).push(nonce.to_owned());
            let answer = lock(&self.inner.answers)
                .get(nonce)
                .cloned()
                .unwrap_or_else(|| Err(format!("unknown nonce {nonce:?}")));
            Box::pin(std::future::ready(answer))
        }
    }

    /// A [`SessionRefresher`] answering with scripted cookies or an error, and recording every
    /// call as `(session id, the request as JSON, suffixed cookies)`.
    #[derive(Clone)]
    pub(crate) struct FakeRefresher {
        inner: Arc<RefresherInner>,
    }

    struct RefresherInner {
        answer: Mutex<Result<Vec<String>, RefreshError>>,
        calls: Mutex<Vec<(String, Value, bool)>>,
    }

    impl FakeRefresher {
        /// A refresher answering every call with `answer`.
        pub(crate) fn new(answer: Result<Vec<String>, RefreshError>) -> FakeRefresher {
            FakeRefresher {
                inner: Arc::new(RefresherInner {
                    answer: Mutex::new(answer),
                    calls: Mutex::new(Vec::new()),
                }),
            }
        }

        /// Every call so far, in order.
        pub(crate) fn calls(&self) -> Vec<(String, Value, bool)> {
            lock(&self.inner.calls).clone()
        }
    }

    impl SessionRefresher for FakeRefresher {
        fn refresh<'a>(
            &'a self,
            session_id: &'a str,
            request: RefreshRequest<'a>,
            suffixed_cookies: bool,
        ) -> BoxFuture<'a, Result<Vec<String>, RefreshError>> {
            lock(&self.inner.calls).push((
                session_id.to_owned(),
                serde_json::to_value(&request).unwrap(),
                suffixed_cookies,
            ));
            let answer = lock(&self.inner.answer).clone();
            Box::pin(std::future::ready(answer))
        }
    }
}

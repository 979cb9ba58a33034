//! [`JwksCache`]: the instance's JWKS from `GET /v1/jwks`, cached with a fixed TTL, refreshed by
//! one request at a time, rate-limited on unknown `kid`s, and served stale while Clerk is
//! unreachable.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;

use super::backend::{BackendError, BackendErrorKind, JwksFetcher};
use super::{AsyncKeySource, KeysFuture};
use crate::claims::SessionClaims;
use crate::clock::{Clock, SystemClock};
use crate::error::{ReasonKind, VerifyError};
use crate::jwt::VerifyOptions;
use crate::keys::KeySet;

/// The JWKS of one Clerk instance, fetched from the Backend API and cached.
///
/// Built from a [`JwksFetcher`] for one instance (the `clerk` crate's client is one): two caches
/// built for two clients never share keys, so a token from one instance cannot verify against
/// another's cache (the cross-tenant bug other Clerk SDKs had with process-wide caches keyed by
/// `kid`). Cheap to clone (an `Arc` inside); clones share the cache.
///
/// Behaviour (all settings configurable with [`JwksCache::builder`]):
///
/// - **Fixed TTL** (default 5 min, as `@clerk/backend`): keys are refetched once they are older than
///   the TTL, counted from the fetch — using the keys does not extend it.
/// - **Stale while revalidate**: once the keys expire, verifications of known `kid`s keep using
///   them without waiting while one refresh runs in the background (on the current Tokio
///   runtime), so a slow or hanging Clerk never stalls requests that the cached keys can verify.
///   Only a cold cache, or a `kid` the cached keys do not know, waits for a fetch — as long as
///   the fetcher allows (the `clerk` client gives JWKS fetches 5 s in all).
/// - **Single flight**: however many verifications find the cache cold or expired at once, one
///   `GET /v1/jwks` is made; the others wait for it (on an async mutex, no polling) and share its
///   result.
/// - **Unknown `kid`**: a token whose `kid` is not in fresh keys triggers a refetch at most once
///   per interval (default 1 min); a flood of tokens with made-up `kid`s costs at most one request per
///   interval. A `kid` still unknown after the refetch fails with
///   [`ReasonKind::JwkKidMismatch`].
/// - **Failures**: transient errors are retried by the fetcher (the `clerk` client retries
///   connect errors, timeouts and 429/502/503/504, with back-off). After a failed fetch, no new fetch is made for a back-off (default 10 s), and the last
///   good keys keep being served for a grace period after they expired (default 1 h). With no usable
///   keys, verification fails with [`ReasonKind::JwksFailedToLoad`]; a `401`/`403` (or the
///   `clerk_key_invalid` error code) fails with [`ReasonKind::SecretKeyInvalid`] and is not
///   papered over with stale keys.
///
/// Time is read from a [`Clock`] ([`SystemClock`] by default), so tests can move it with
/// [`ManualClock`](crate::clock::ManualClock).
#[derive(Clone)]
pub struct JwksCache {
    inner: Arc<Inner>,
}

struct Inner {
    fetcher: Arc<dyn JwksFetcher>,
    clock: Arc<dyn Clock>,
    settings: Settings,
    state: Mutex<State>,
    /// Held while a fetch is in flight: the single-flight gate.
    gate: Arc<tokio::sync::Mutex<()>>,
    fetches: AtomicU64,
}

#[derive(Clone, Copy, Debug)]
struct Settings {
    ttl: Duration,
    unknown_kid_interval: Duration,
    stale_if_error: Duration,
    failure_backoff: Duration,
}

#[derive(Default)]
struct State {
    /// The last good keys.
    keys: Option<Arc<KeySet>>,
    /// When the last good keys were fetched.
    fetched_at: Option<Instant>,
    /// When the last fetch (good or not) finished.
    attempted_at: Option<Instant>,
    /// The last fetch's error, cleared by a good fetch.
    error: Option<VerifyError>,
    /// Incremented by every finished fetch; lets waiters see that a fetch happened meanwhile.
    generation: u64,
}

enum Plan {
    /// Answer with this, no fetch.
    Serve(Result<Arc<KeySet>, VerifyError>),
    /// Answer with these expired keys at once, and refresh them in the background.
    ServeStale(Arc<KeySet>),
    /// Fetch, and answer with the result.
    Fetch,
}

fn elapsed(now: Instant, since: Option<Instant>) -> Option<Duration> {
    since.map(|since| now.saturating_duration_since(since))
}

impl State {
    fn is_fresh(&self, now: Instant, settings: &Settings) -> bool {
        self.keys.is_some() && elapsed(now, self.fetched_at).is_some_and(|age| age < settings.ttl)
    }

    fn plan(&self, kid: Option<&str>, now: Instant, settings: &Settings) -> Plan {
        let since_attempt = elapsed(now, self.attempted_at);
        let rate_limited = since_attempt.is_some_and(|d| d < settings.unknown_kid_interval);
        let known = |keys: &KeySet| kid.is_none_or(|kid| keys.get(kid).is_some());
        if let (true, Some(keys)) = (self.is_fresh(now, settings), &self.keys) {
            return if known(keys) || rate_limited {
                // An unknown kid then fails in the verifier with `JwkKidMismatch`.
                Plan::Serve(Ok(keys.clone()))
            } else {
                Plan::Fetch
            };
        }
        let backing_off =
            self.error.is_some() && since_attempt.is_some_and(|d| d < settings.failure_backoff);
        // Stale while revalidate: expired keys still within the grace period answer at once for
        // the kids they know, while a refresh runs in the background.
        if let (Ok(stale), false) = (self.fallback(now, settings), backing_off) {
            if known(&stale) {
                return Plan::ServeStale(stale);
            }
        }
        if backing_off {
            Plan::Serve(self.fallback(now, settings))
        } else {
            Plan::Fetch
        }
    }

    /// What to serve when no (further) fetch is made: fresh keys, else the last good keys within
    /// the grace period (unless the secret key was rejected), else the last error.
    fn fallback(&self, now: Instant, settings: &Settings) -> Result<Arc<KeySet>, VerifyError> {
        let key_rejected = self
            .error
            .as_ref()
            .is_some_and(|e| e.reason() == ReasonKind::SecretKeyInvalid);
        let usable = elapsed(now, self.fetched_at).is_some_and(|age| {
            age < settings.ttl || (!key_rejected && age < settings.ttl + settings.stale_if_error)
        });
        match (&self.keys, usable) {
            (Some(keys), true) => Ok(keys.clone()),
            _ => Err(self.error.clone().unwrap_or_else(|| {
                VerifyError::new(
                    ReasonKind::JwksFailedToLoad,
                    "The Clerk JWKS has not been loaded.",
                )
            })),
        }
    }
}

impl JwksCache {
    /// The default TTL of fetched keys: 5 minutes.
    pub const DEFAULT_TTL: Duration = Duration::from_secs(300);
    /// The default minimum time between refetches caused by unknown `kid`s: 1 minute.
    pub const DEFAULT_UNKNOWN_KID_INTERVAL: Duration = Duration::from_secs(60);
    /// The default time stale keys are served after they expired while fetches fail: 1 hour.
    pub const DEFAULT_STALE_IF_ERROR: Duration = Duration::from_secs(3600);
    /// The default wait after a failed fetch before the next one: 10 seconds.
    pub const DEFAULT_FAILURE_BACKOFF: Duration = Duration::from_secs(10);

    /// A cache for the instance `fetcher` fetches from, with the default settings.
    pub fn new(fetcher: impl JwksFetcher + 'static) -> JwksCache {
        JwksCache::builder(fetcher).build()
    }

    /// A builder for a cache for the instance `fetcher` fetches from.
    pub fn builder(fetcher: impl JwksFetcher + 'static) -> JwksCacheBuilder {
        JwksCacheBuilder {
            fetcher: Arc::new(fetcher),
            clock: Arc::new(SystemClock),
            settings: Settings {
                ttl: JwksCache::DEFAULT_TTL,
                unknown_kid_interval: JwksCache::DEFAULT_UNKNOWN_KID_INTERVAL,
                stale_if_error: JwksCache::DEFAULT_STALE_IF_ERROR,
                failure_backoff: JwksCache::DEFAULT_FAILURE_BACKOFF,
            },
        }
    }

    /// Verifies a session token with the instance's keys (fetching them if needed).
    ///
    /// # Errors
    ///
    /// A [`VerifyError`]: from the token's shape, from loading the keys
    /// ([`ReasonKind::JwksFailedToLoad`], [`ReasonKind::SecretKeyInvalid`], …) or from
    /// verification (see [`verify_token`](crate::verify_token)).
    pub async fn verify(
        &self,
        token: &str,
        options: &VerifyOptions,
    ) -> Result<SessionClaims, VerifyError> {
        super::verify_token_with(token, self, options).await
    }

    /// Verifies a session token and decodes its payload into your own claims type.
    ///
    /// # Errors
    ///
    /// As [`JwksCache::verify`]; [`ReasonKind::TokenInvalidClaims`] if the payload does not fit
    /// `C`.
    pub async fn verify_as<C: DeserializeOwned>(
        &self,
        token: &str,
        options: &VerifyOptions,
    ) -> Result<C, VerifyError> {
        super::verify_token_with_as(token, self, options).await
    }

    /// The keys to verify a token with `kid`, fetching or refetching them as described on
    /// [`JwksCache`].
    ///
    /// # Errors
    ///
    /// [`ReasonKind::JwksFailedToLoad`], [`ReasonKind::JwkRemoteInvalid`] or
    /// [`ReasonKind::SecretKeyInvalid`] when no usable keys can be served.
    pub async fn keys(&self, kid: Option<&str>) -> Result<Arc<KeySet>, VerifyError> {
        let inner = &self.inner;
        let observed = {
            let state = inner.lock();
            match state.plan(kid, inner.clock.now(), &inner.settings) {
                Plan::Serve(result) => return result,
                Plan::ServeStale(keys) => {
                    drop(state);
                    self.refresh_in_background();
                    return Ok(keys);
                }
                Plan::Fetch => state.generation,
            }
        };

        let _gate = inner.gate.lock().await;
        {
            let state = inner.lock();
            if state.generation != observed {
                // Another caller fetched while this one waited: use its result.
                let now = inner.clock.now();
                return match state.plan(kid, now, &inner.settings) {
                    Plan::Serve(result) => result,
                    Plan::ServeStale(keys) => Ok(keys),
                    Plan::Fetch => state.fallback(now, &inner.settings),
                };
            }
        }
        inner.fetches.fetch_add(1, Ordering::Relaxed);
        inner.fetch_and_store().await
    }

    /// Starts a refresh on the current Tokio runtime unless one is in flight. Without a runtime,
    /// nothing is started: the next caller past the grace period fetches itself.
    fn refresh_in_background(&self) {
        let Ok(gate) = Arc::clone(&self.inner.gate).try_lock_owned() else {
            return; // a fetch is already running
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let inner = Arc::clone(&self.inner);
        inner.fetches.fetch_add(1, Ordering::Relaxed);
        runtime.spawn(async move {
            let _gate = gate;
            // The outcome is in the state; a failure keeps the stale keys within the grace period.
            let _ = inner.fetch_and_store().await;
        });
    }

    /// Waits until no fetch is in flight, a background refresh included (for tests, and to let a
    /// refresh finish before shutting down).
    pub async fn wait_for_refresh(&self) {
        drop(self.inner.gate.lock().await);
    }

    /// How many JWKS fetches this cache has started.
    pub fn fetch_count(&self) -> u64 {
        self.inner.fetches.load(Ordering::Relaxed)
    }

    /// The kids of the cached keys (empty before the first good fetch), whether fresh or not.
    pub fn cached_kids(&self) -> Vec<String> {
        self.inner
            .lock()
            .keys
            .as_ref()
            .map(|keys| keys.kids().map(str::to_owned).collect())
            .unwrap_or_default()
    }
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is plain data, valid even if a holder panicked.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Fetches (the gate must be held) and records the outcome: the keys, or the error and
    /// what can still be served.
    async fn fetch_and_store(&self) -> Result<Arc<KeySet>, VerifyError> {
        let result = self.fetch().await;
        let now = self.clock.now();
        let mut state = self.lock();
        state.generation = state.generation.wrapping_add(1);
        state.attempted_at = Some(now);
        match result {
            Ok(keys) => {
                let keys = Arc::new(keys);
                state.keys = Some(keys.clone());
                state.fetched_at = Some(now);
                state.error = None;
                Ok(keys)
            }
            Err(error) => {
                state.error = Some(error);
                state.fallback(now, &self.settings)
            }
        }
    }

    async fn fetch(&self) -> Result<KeySet, VerifyError> {
        match self.fetcher.fetch_jwks().await {
            Ok(jwks) => KeySet::from_jwk_set(&jwks).map_err(|_| {
                VerifyError::new(
                    ReasonKind::JwksFailedToLoad,
                    "The JWKS endpoint did not contain any signing keys. Contact support@clerk.com.",
                )
            }),
            Err(error) => Err(self.fetch_error(&error)),
        }
    }

    fn fetch_error(&self, error: &BackendError) -> VerifyError {
        let location = self.fetcher.jwks_location();
        let key_rejected =
            matches!(error.status(), Some(401 | 403)) || error.code() == Some("clerk_key_invalid");
        if key_rejected {
            let detail = Some(error.message())
                .filter(|m| !m.is_empty() && error.code().is_some())
                .unwrap_or("The secret key was rejected");
            return VerifyError::new(
                ReasonKind::SecretKeyInvalid,
                format!(
                    "{detail} (loading the Clerk JWKS from {location}, status {}).",
                    error.status().unwrap_or_default()
                ),
            );
        }
        match (error.kind(), error.status()) {
            (BackendErrorKind::Decode, _) => VerifyError::new(
                ReasonKind::JwkRemoteInvalid,
                format!("The Clerk JWKS from {location} is not a JSON Web Key Set: {error}"),
            ),
            (_, Some(status)) => VerifyError::new(
                ReasonKind::JwksFailedToLoad,
                format!("Error loading Clerk JWKS from {location} with code={status}"),
            ),
            (_, None) => VerifyError::new(
                ReasonKind::JwksFailedToLoad,
                format!("Error loading Clerk JWKS from {location}: {error}"),
            ),
        }
    }
}

impl AsyncKeySource for JwksCache {
    fn keys<'a>(&'a self, kid: Option<&'a str>) -> KeysFuture<'a> {
        Box::pin(JwksCache::keys(self, kid))
    }
}

impl fmt::Debug for JwksCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwksCache")
            .field("location", &self.inner.fetcher.jwks_location())
            .field("settings", &self.inner.settings)
            .field("fetches", &self.fetch_count())
            .finish_non_exhaustive()
    }
}

/// Builds a [`JwksCache`].
///
/// ```
/// use std::time::Duration;
/// use clerk_auth::JwkSet;
/// use clerk_auth::remote::{BackendError, JwksCache, JwksFetcher};
///
/// struct MyFetcher;
///
/// impl JwksFetcher for MyFetcher {
///     fn fetch_jwks(&self) -> clerk_auth::BoxFuture<'_, Result<JwkSet, BackendError>> {
///         Box::pin(async { Ok(JwkSet::default()) }) // call `GET /v1/jwks` here
///     }
/// }
///
/// let cache = JwksCache::builder(MyFetcher)
///     .ttl(Duration::from_secs(600))
///     .unknown_kid_interval(Duration::from_secs(300))
///     .stale_if_error(Duration::from_secs(24 * 3600))
///     .build();
/// ```
#[must_use]
pub struct JwksCacheBuilder {
    fetcher: Arc<dyn JwksFetcher>,
    clock: Arc<dyn Clock>,
    settings: Settings,
}

impl JwksCacheBuilder {
    /// How long fetched keys are used before they are refetched (fixed, not sliding).
    pub fn ttl(mut self, ttl: Duration) -> JwksCacheBuilder {
        self.settings.ttl = ttl;
        self
    }

    /// The minimum time between fetches caused by tokens with an unknown `kid`.
    pub fn unknown_kid_interval(mut self, interval: Duration) -> JwksCacheBuilder {
        self.settings.unknown_kid_interval = interval;
        self
    }

    /// How long the last good keys keep being served after they expired, while fetches fail
    /// (`Duration::ZERO` turns this off).
    pub fn stale_if_error(mut self, grace: Duration) -> JwksCacheBuilder {
        self.settings.stale_if_error = grace;
        self
    }

    /// How long to wait after a failed fetch before trying again.
    pub fn failure_backoff(mut self, backoff: Duration) -> JwksCacheBuilder {
        self.settings.failure_backoff = backoff;
        self
    }

    /// The clock the TTL and intervals are measured with ([`SystemClock`] by default).
    pub fn clock(mut self, clock: impl Clock) -> JwksCacheBuilder {
        self.clock = Arc::new(clock);
        self
    }

    /// The cache, empty: the first verification fetches the keys.
    pub fn build(self) -> JwksCache {
        JwksCache {
            inner: Arc::new(Inner {
                fetcher: self.fetcher,
                clock: self.clock,
                settings: self.settings,
                state: Mutex::new(State::default()),
                gate: Arc::new(tokio::sync::Mutex::new(())),
                fetches: AtomicU64::new(0),
            }),
        }
    }
}

impl fmt::Debug for JwksCacheBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwksCacheBuilder")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

//! Retry policy and the retry decision table.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use http::Method;

/// When and how often requests are retried.
///
/// Retries are on by default: at most 3 attempts in total, exponential back-off starting at
/// 250 ms (×2 per retry, capped at 8 s) with full jitter. How long a call may take in all is the
/// client's [`call_timeout`](crate::ClientBuilder::call_timeout) (60 s by default), measured
/// through its [`Clock`](crate::Clock): no attempt or wait starts past it, and the last attempt is
/// cut short by it.
///
/// What is retried, by outcome and HTTP method ("idempotent" = `GET`, `HEAD`, `PUT`, `DELETE`,
/// `OPTIONS`, `TRACE`):
///
/// | Outcome of an attempt                                  | idempotent | `POST` / `PATCH` |
/// |--------------------------------------------------------|------------|------------------|
/// | connect error (request never left the machine)         | retried    | retried          |
/// | other transport error (request may have been received) | retried    | not retried      |
/// | response body over the size limit                      | not retried| not retried      |
/// | attempt timeout                                        | retried    | not retried      |
/// | call timeout (the budget ran out)                      | not retried| not retried      |
/// | `429 Too Many Requests`                                | retried    | retried ¹        |
/// | `502` / `503` / `504`                                  | retried    | not retried      |
/// | any other status                                       | not retried| not retried      |
///
/// ¹ Clerk rejects rate-limited requests before processing them, so retrying a `429` is safe.
///
/// The wait before a retry is the response's `Retry-After` (delta-seconds) when present, otherwise
/// the back-off. A `Retry-After` longer than [`RetryPolicy::max_retry_after`] (60 s by default) is
/// not waited for: the response is returned as the error, so the caller can decide.
///
/// ```
/// use std::time::Duration;
/// use clerk_core::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .with_max_attempts(5)
///     .with_initial_backoff(Duration::from_millis(100));
/// assert_eq!(policy.max_attempts(), 5);
/// assert_eq!(RetryPolicy::disabled().max_attempts(), 1);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    jitter: bool,
    max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy::standard()
    }
}

impl RetryPolicy {
    /// The default policy: 3 attempts, 250 ms → 8 s exponential back-off with full jitter,
    /// `Retry-After` honoured up to 60 s.
    pub fn standard() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(8),
            jitter: true,
            max_retry_after: Duration::from_secs(60),
        }
    }

    /// No retries: every request is attempted once.
    pub fn disabled() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::standard()
        }
    }

    /// Total number of attempts, including the first (values below 1 are treated as 1).
    #[must_use]
    pub fn with_max_attempts(mut self, attempts: u32) -> RetryPolicy {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Back-off before the first retry (doubled for each further retry).
    #[must_use]
    pub fn with_initial_backoff(mut self, backoff: Duration) -> RetryPolicy {
        self.initial_backoff = backoff;
        self
    }

    /// Upper bound of the back-off.
    #[must_use]
    pub fn with_max_backoff(mut self, backoff: Duration) -> RetryPolicy {
        self.max_backoff = backoff;
        self
    }

    /// Full jitter on (default: a uniformly random wait between zero and the back-off) or off
    /// (wait exactly the back-off).
    #[must_use]
    pub fn with_jitter(mut self, jitter: bool) -> RetryPolicy {
        self.jitter = jitter;
        self
    }

    /// Longest `Retry-After` the client will wait for; longer ones end the retries.
    #[must_use]
    pub fn with_max_retry_after(mut self, max: Duration) -> RetryPolicy {
        self.max_retry_after = max;
        self
    }

    /// Total number of attempts, including the first.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Back-off before the first retry.
    pub fn initial_backoff(&self) -> Duration {
        self.initial_backoff
    }

    /// Upper bound of the back-off.
    pub fn max_backoff(&self) -> Duration {
        self.max_backoff
    }

    /// Whether full jitter is applied.
    pub fn jitter(&self) -> bool {
        self.jitter
    }

    /// Longest `Retry-After` the client will wait for.
    pub fn max_retry_after(&self) -> Duration {
        self.max_retry_after
    }

    /// The wait before retry number `retry` (1 = first retry), before jitter.
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        self.initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
    }

    /// The wait before retry number `retry`, jitter applied.
    pub(crate) fn backoff_with_jitter(&self, retry: u32) -> Duration {
        let base = self.backoff(retry);
        if !self.jitter {
            return base;
        }
        // A 32-bit fraction keeps the product below 2^128 for any Duration (< 2^94 ns).
        let fraction = u128::from(random_u64() >> 32);
        let nanos = base.as_nanos().saturating_mul(fraction) / u128::from(u32::MAX);
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }
}

/// `true` for methods whose repetition has no additional effect.
pub(crate) fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS | Method::TRACE
    )
}

/// What an attempt's outcome allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Return the error.
    Stop,
    /// Retry after the server-given delay, or the back-off when `None`.
    Retry(Option<Duration>),
}

/// Decision for a non-2xx response.
pub(crate) fn for_status(
    policy: &RetryPolicy,
    status: u16,
    retry_after: Option<Duration>,
    idempotent: bool,
) -> Decision {
    let retryable = match status {
        429 => true,
        502..=504 => idempotent,
        _ => false,
    };
    if !retryable {
        return Decision::Stop;
    }
    match retry_after {
        Some(delay) if delay > policy.max_retry_after => Decision::Stop,
        other => Decision::Retry(other),
    }
}

/// Decision for a transport failure.
pub(crate) fn for_transport(
    kind: crate::transport::TransportErrorKind,
    idempotent: bool,
) -> Decision {
    use crate::transport::TransportErrorKind;
    match kind {
        // The request never left the machine: safe for every method.
        TransportErrorKind::Connect => Decision::Retry(None),
        // The answer arrived; reading it again would not make it smaller.
        TransportErrorKind::ResponseTooLarge => Decision::Stop,
        _ if idempotent => Decision::Retry(None),
        _ => Decision::Stop,
    }
}

/// Decision for a per-attempt timeout.
pub(crate) fn for_timeout(idempotent: bool) -> Decision {
    if idempotent {
        Decision::Retry(None)
    } else {
        Decision::Stop
    }
}

/// A pseudo-random `u64` without a `rand` dependency: `RandomState` is seeded randomly per thread
/// (and per instance); a global counter makes successive values differ.
pub(crate) fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponential_backoff_is_capped() {
        let p = RetryPolicy::standard();
        assert_eq!(p.backoff(1), Duration::from_millis(250));
        assert_eq!(p.backoff(2), Duration::from_millis(500));
        assert_eq!(p.backoff(3), Duration::from_secs(1));
        assert_eq!(p.backoff(6), Duration::from_secs(8));
        assert_eq!(p.backoff(40), Duration::from_secs(8));
        assert_eq!(p.backoff(u32::MAX), Duration::from_secs(8));
    }

    #[test]
    fn jitter_stays_within_bounds_and_varies() {
        let p = RetryPolicy::standard();
        let samples: Vec<Duration> = (0..200).map(|_| p.backoff_with_jitter(2)).collect();
        assert!(samples.iter().all(|d| *d <= Duration::from_millis(500)));
        let first = samples[0];
        assert!(samples.iter().any(|d| *d != first));
        let huge = RetryPolicy::standard()
            .with_initial_backoff(Duration::MAX)
            .with_max_backoff(Duration::MAX);
        assert!(huge.backoff_with_jitter(3) <= Duration::MAX);
        let fixed = p.clone().with_jitter(false);
        assert_eq!(fixed.backoff_with_jitter(2), Duration::from_millis(500));
    }

    #[test]
    fn decision_table() {
        let p = RetryPolicy::standard();
        assert_eq!(for_status(&p, 429, None, false), Decision::Retry(None));
        let ra = Some(Duration::from_secs(3));
        assert_eq!(for_status(&p, 429, ra, false), Decision::Retry(ra));
        assert_eq!(
            for_status(&p, 429, Some(Duration::from_secs(61)), true),
            Decision::Stop
        );
        assert_eq!(for_status(&p, 503, None, true), Decision::Retry(None));
        assert_eq!(for_status(&p, 503, None, false), Decision::Stop);
        assert_eq!(for_status(&p, 502, None, true), Decision::Retry(None));
        assert_eq!(for_status(&p, 504, None, true), Decision::Retry(None));
        assert_eq!(for_status(&p, 500, None, true), Decision::Stop);
        assert_eq!(for_status(&p, 404, None, true), Decision::Stop);
        use crate::transport::TransportErrorKind as Kind;
        assert_eq!(for_transport(Kind::Connect, false), Decision::Retry(None));
        assert_eq!(for_transport(Kind::Io, false), Decision::Stop);
        assert_eq!(for_transport(Kind::Io, true), Decision::Retry(None));
        assert_eq!(for_transport(Kind::ResponseTooLarge, true), Decision::Stop);
        assert_eq!(for_transport(Kind::ResponseTooLarge, false), Decision::Stop);
        assert_eq!(for_timeout(true), Decision::Retry(None));
        assert_eq!(for_timeout(false), Decision::Stop);
        assert!(is_idempotent(&Method::DELETE));
        assert!(!is_idempotent(&Method::PATCH));
        assert_eq!(
            RetryPolicy::disabled().with_max_attempts(0).max_attempts(),
            1
        );
    }
}

//! Wall-clock time for the emulator: every timestamp it stores (`created_at`, `updated_at`,
//! `expire_at`…) and every token time (`iat`, `nbf`, `exp`) comes from a [`Clock`], so a test can
//! stop or move time.
//!
//! [`SystemClock`] is the default. [`TestClock`] reports a time you set; it also implements
//! [`clerk_auth::clock::Clock`], so the same clock can drive the emulator and a
//! [`clerk_auth::Verifier`] (through [`clerk_auth::VerifyOptions::clock`]).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of wall-clock time in milliseconds since the Unix epoch.
pub trait Clock: Send + Sync + 'static {
    /// The current time, in milliseconds since 1970-01-01T00:00:00Z.
    fn now_ms(&self) -> i64;
}

impl<C: Clock + ?Sized> Clock for Arc<C> {
    fn now_ms(&self) -> i64 {
        (**self).now_ms()
    }
}

/// The operating system's clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(since) => i64::try_from(since.as_millis()).unwrap_or(i64::MAX),
            Err(_) => 0,
        }
    }
}

/// A clock that only moves when told to, for deterministic tests.
///
/// Clones share the same time: keep one and hand another to
/// [`TestkitBuilder::clock`](crate::TestkitBuilder::clock).
///
/// ```
/// use std::time::Duration;
/// use clerk_testkit::{Clock, TestClock};
///
/// let clock = TestClock::new(1_700_000_000_000);
/// clock.advance(Duration::from_secs(61));
/// assert_eq!(clock.now_ms(), 1_700_000_061_000);
/// ```
#[derive(Clone)]
pub struct TestClock {
    now_ms: Arc<AtomicI64>,
}

impl TestClock {
    /// A clock stopped at `unix_ms` (milliseconds since the Unix epoch).
    pub fn new(unix_ms: i64) -> TestClock {
        TestClock {
            now_ms: Arc::new(AtomicI64::new(unix_ms)),
        }
    }

    /// A clock stopped at the current system time.
    pub fn at_system_time() -> TestClock {
        TestClock::new(SystemClock.now_ms())
    }

    /// Moves the clock to `unix_ms`.
    pub fn set(&self, unix_ms: i64) {
        self.now_ms.store(unix_ms, Ordering::SeqCst);
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let by = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        // A closure that always returns `Some` cannot make `fetch_update` fail.
        let _ = self
            .now_ms
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |now| {
                Some(now.saturating_add(by))
            });
    }
}

impl Clock for TestClock {
    fn now_ms(&self) -> i64 {
        self.now_ms.load(Ordering::SeqCst)
    }
}

impl clerk_auth::clock::Clock for TestClock {
    fn now_unix(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }
}

impl fmt::Debug for TestClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestClock")
            .field("now_ms", &self.now_ms())
            .finish()
    }
}

/// Presents an emulator [`Clock`] to `clerk-auth` (whole seconds).
pub(crate) struct AuthClock(pub(crate) Arc<dyn Clock>);

impl clerk_auth::clock::Clock for AuthClock {
    fn now_unix(&self) -> i64 {
        self.0.now_ms().div_euclid(1000)
    }
}

//! Wall-clock time behind the [`Clock`] trait, so every time-dependent check in this crate can be
//! tested deterministically.
//!
//! [`SystemClock`] is the default everywhere. [`FixedClock`] always reports the instant it was given
//! (and can be moved by hand), for tests.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A source of wall-clock time, in whole seconds since the Unix epoch.
pub trait Clock: Send + Sync {
    /// The current time as seconds since 1970-01-01T00:00:00Z (negative before it).
    fn now_unix(&self) -> i64;
}

impl<C: Clock + ?Sized> Clock for Arc<C> {
    fn now_unix(&self) -> i64 {
        (**self).now_unix()
    }
}

impl<C: Clock + ?Sized> Clock for &C {
    fn now_unix(&self) -> i64 {
        (**self).now_unix()
    }
}

impl<C: Clock + ?Sized> Clock for Box<C> {
    fn now_unix(&self) -> i64 {
        (**self).now_unix()
    }
}

/// The operating system's clock ([`SystemTime::now`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_unix(&self) -> i64 {
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(since) => i64::try_from(since.as_secs()).unwrap_or(i64::MAX),
            Err(before) => i64::try_from(before.duration().as_secs())
                .map(|secs| -secs)
                .unwrap_or(i64::MIN),
        }
    }
}

/// A clock that reports a time you choose, for tests.
///
/// The time only changes through [`FixedClock::set`] and [`FixedClock::advance`], which take
/// `&self`, so a clone shared with the code under test (wrap it in an [`Arc`]) can be moved
/// between checks.
///
/// ```
/// use clerk_auth::clock::{Clock, FixedClock};
///
/// let clock = FixedClock::new(1_700_000_000);
/// assert_eq!(clock.now_unix(), 1_700_000_000);
/// clock.advance(60);
/// assert_eq!(clock.now_unix(), 1_700_000_060);
/// ```
#[derive(Default)]
pub struct FixedClock {
    now: AtomicI64,
}

impl FixedClock {
    /// A clock stopped at `unix_seconds`.
    pub fn new(unix_seconds: i64) -> FixedClock {
        FixedClock {
            now: AtomicI64::new(unix_seconds),
        }
    }

    /// Moves the clock to `unix_seconds`.
    pub fn set(&self, unix_seconds: i64) {
        self.now.store(unix_seconds, Ordering::SeqCst);
    }

    /// Moves the clock by `seconds` (negative values move it back), saturating at the `i64` range.
    pub fn advance(&self, seconds: i64) {
        let mut current = self.now.load(Ordering::SeqCst);
        loop {
            let next = current.saturating_add(seconds);
            match self
                .now
                .compare_exchange(current, next, Ordering::SeqCst, Ordering::SeqCst)
            {
                Ok(_) => return,
                Err(actual) => current = actual,
            }
        }
    }
}

impl Clone for FixedClock {
    fn clone(&self) -> FixedClock {
        FixedClock::new(self.now_unix())
    }
}

impl fmt::Debug for FixedClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FixedClock")
            .field("now_unix", &self.now_unix())
            .finish()
    }
}

impl Clock for FixedClock {
    fn now_unix(&self) -> i64 {
        self.now.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_clock_is_after_2020() {
        assert!(SystemClock.now_unix() > 1_577_836_800);
    }

    #[test]
    fn fixed_clock_moves_only_by_hand() {
        let clock = Arc::new(FixedClock::new(10));
        let shared: Arc<dyn Clock> = clock.clone();
        clock.advance(-15);
        assert_eq!(shared.now_unix(), -5);
        clock.set(i64::MAX);
        clock.advance(1);
        assert_eq!(shared.now_unix(), i64::MAX);
    }
}

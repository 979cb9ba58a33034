//! Time, behind the [`Clock`] trait, so retry back-off and budgets can be tested without waiting.
//!
//! [`TokioClock`] is the default. [`ManualClock`] returns from every sleep immediately, advances its
//! own time by the requested amount and records the request, so a test can assert exactly how long
//! the client would have waited.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The future returned by [`Clock::sleep`].
pub type SleepFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A source of monotonic time and sleeps.
pub trait Clock: Send + Sync + 'static {
    /// The current instant.
    fn now(&self) -> Instant;
    /// A future that completes after `duration`.
    fn sleep(&self, duration: Duration) -> SleepFuture;
}

impl<T: Clock + ?Sized> Clock for Arc<T> {
    fn now(&self) -> Instant {
        (**self).now()
    }

    fn sleep(&self, duration: Duration) -> SleepFuture {
        (**self).sleep(duration)
    }
}

/// The default clock: [`Instant::now`] and [`tokio::time::sleep`].
///
/// Sleeping requires a Tokio runtime with the time driver enabled.
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioClock;

impl Clock for TokioClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn sleep(&self, duration: Duration) -> SleepFuture {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// A clock for tests: sleeps return immediately, advance the clock, and are recorded.
///
/// Clones share the same state, so keep a clone to inspect what the client did:
///
/// ```
/// use std::time::Duration;
/// use clerk_core::{Clock, ManualClock};
///
/// let clock = ManualClock::new();
/// let start = clock.now();
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// clock.sleep(Duration::from_secs(2)).await;
/// # });
/// assert_eq!(clock.sleeps(), vec![Duration::from_secs(2)]);
/// assert_eq!(clock.now() - start, Duration::from_secs(2));
/// ```
#[derive(Clone)]
pub struct ManualClock {
    state: Arc<Mutex<ManualState>>,
}

struct ManualState {
    now: Instant,
    sleeps: Vec<Duration>,
}

impl ManualClock {
    /// A clock starting at the current instant with no recorded sleeps.
    pub fn new() -> ManualClock {
        ManualClock {
            state: Arc::new(Mutex::new(ManualState {
                now: Instant::now(),
                sleeps: Vec::new(),
            })),
        }
    }

    fn lock(&self) -> MutexGuard<'_, ManualState> {
        // A poisoned lock only means another thread panicked while holding it; the data is still
        // a valid list of durations.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Moves the clock forward without recording a sleep.
    pub fn advance(&self, by: Duration) {
        let mut state = self.lock();
        state.now = state.now.checked_add(by).unwrap_or(state.now);
    }

    /// Every sleep requested so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.lock().sleeps.clone()
    }

    /// The sum of all requested sleeps.
    pub fn total_slept(&self) -> Duration {
        self.lock().sleeps.iter().copied().sum()
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        ManualClock::new()
    }
}

impl fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("ManualClock")
            .field("now", &state.now)
            .field("sleeps", &state.sleeps)
            .finish()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        self.lock().now
    }

    fn sleep(&self, duration: Duration) -> SleepFuture {
        {
            let mut state = self.lock();
            state.sleeps.push(duration);
            state.now = state.now.checked_add(duration).unwrap_or(state.now);
        }
        Box::pin(std::future::ready(()))
    }
}

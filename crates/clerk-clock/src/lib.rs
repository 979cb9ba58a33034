//! The one clock of the Clerk Rust SDK.
//!
//! Everything time-dependent in the SDK reads time through [`Clock`]: retry back-off and call
//! budgets in the HTTP client, the JWKS cache's lifetimes, token `exp`/`nbf`/`iat` checks,
//! request authentication's cookie decisions and webhook timestamp tolerance. Give one clock to
//! the client builder and every part uses it, so a test moves time once:
//!
//! ```
//! use std::time::Duration;
//! use clerk_clock::{Clock, ManualClock};
//!
//! let clock = ManualClock::at_unix(1_700_000_000);
//! let start = clock.now();
//! clock.advance(Duration::from_secs(90));
//! assert_eq!(clock.now_unix(), 1_700_000_090);
//! assert_eq!(clock.now() - start, Duration::from_secs(90));
//! ```
//!
//! [`SystemClock`] is the real clock. [`ManualClock`] is for tests: its time only moves when told
//! to, and its sleeps return at once, advance it and are recorded.
//!
//! This crate has no dependencies (with the `tokio` feature, Tokio's timer backs
//! [`SystemClock::sleep`]).
#![cfg_attr(docsrs, feature(doc_cfg))]

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
#[cfg(not(feature = "tokio"))]
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The future returned by [`Clock::sleep`].
pub type SleepFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A source of wall time, monotonic time and sleeps.
///
/// Implemented by [`SystemClock`] and [`ManualClock`], and by `Arc`s and `Box`es of clocks.
pub trait Clock: Send + Sync + 'static {
    /// The current wall time (for token and webhook timestamps).
    fn system_time(&self) -> SystemTime;

    /// The current monotonic instant (for lifetimes, budgets and elapsed times).
    fn now(&self) -> Instant;

    /// A future that completes after `duration` (retry back-off).
    fn sleep(&self, duration: Duration) -> SleepFuture;

    /// The wall time in whole seconds since 1970-01-01T00:00:00Z (negative before it).
    fn now_unix(&self) -> i64 {
        unix_seconds(self.system_time())
    }

    /// The wall time in milliseconds since the Unix epoch (negative before it).
    fn now_unix_millis(&self) -> i64 {
        match self.system_time().duration_since(UNIX_EPOCH) {
            Ok(since) => i64::try_from(since.as_millis()).unwrap_or(i64::MAX),
            Err(before) => i64::try_from(before.duration().as_millis())
                .map(|ms| -ms)
                .unwrap_or(i64::MIN),
        }
    }
}

fn unix_seconds(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(since) => i64::try_from(since.as_secs()).unwrap_or(i64::MAX),
        Err(before) => {
            // -0.5 s is second -1, as a floor.
            let before = before.duration();
            let whole = i64::try_from(before.as_secs()).unwrap_or(i64::MAX);
            let partial = i64::from(before.subsec_nanos() > 0);
            whole.saturating_add(partial).saturating_neg()
        }
    }
}

impl<C: Clock + ?Sized> Clock for Arc<C> {
    fn system_time(&self) -> SystemTime {
        (**self).system_time()
    }
    fn now(&self) -> Instant {
        (**self).now()
    }
    fn sleep(&self, duration: Duration) -> SleepFuture {
        (**self).sleep(duration)
    }
    fn now_unix(&self) -> i64 {
        (**self).now_unix()
    }
    fn now_unix_millis(&self) -> i64 {
        (**self).now_unix_millis()
    }
}

impl<C: Clock + ?Sized> Clock for Box<C> {
    fn system_time(&self) -> SystemTime {
        (**self).system_time()
    }
    fn now(&self) -> Instant {
        (**self).now()
    }
    fn sleep(&self, duration: Duration) -> SleepFuture {
        (**self).sleep(duration)
    }
    fn now_unix(&self) -> i64 {
        (**self).now_unix()
    }
    fn now_unix_millis(&self) -> i64 {
        (**self).now_unix_millis()
    }
}

/// The real clock: [`SystemTime::now`], [`Instant::now`], and Tokio's timer for sleeps (with the
/// `tokio` feature, which the HTTP client always enables; without it a sleep parks a helper
/// thread — nothing in the SDK sleeps without Tokio).
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn system_time(&self) -> SystemTime {
        SystemTime::now()
    }

    /// With the `tokio` feature, Tokio's clock: a test on Tokio's paused time (`start_paused`)
    /// sees the SDK's budgets and lifetimes move with it.
    #[cfg(feature = "tokio")]
    fn now(&self) -> Instant {
        tokio::time::Instant::now().into_std()
    }

    #[cfg(not(feature = "tokio"))]
    fn now(&self) -> Instant {
        Instant::now()
    }

    #[cfg(feature = "tokio")]
    fn sleep(&self, duration: Duration) -> SleepFuture {
        Box::pin(tokio::time::sleep(duration))
    }

    #[cfg(not(feature = "tokio"))]
    fn sleep(&self, duration: Duration) -> SleepFuture {
        Box::pin(ThreadSleep::new(duration))
    }
}

/// Whether a [`ThreadSleep`] is over, and the task to wake when it is.
#[cfg(not(feature = "tokio"))]
type SleepState = Arc<Mutex<(bool, Option<Waker>)>>;

/// A sleep without an async runtime: a helper thread wakes the task when the time is up.
#[cfg(not(feature = "tokio"))]
struct ThreadSleep {
    duration: Duration,
    shared: Option<SleepState>,
}

#[cfg(not(feature = "tokio"))]
impl ThreadSleep {
    fn new(duration: Duration) -> ThreadSleep {
        ThreadSleep {
            duration,
            shared: None,
        }
    }
}

#[cfg(not(feature = "tokio"))]
impl Future for ThreadSleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.duration.is_zero() {
            return Poll::Ready(());
        }
        let duration = self.duration;
        let shared = self
            .shared
            .get_or_insert_with(|| {
                let shared: SleepState = Arc::new(Mutex::new((false, None)));
                let remote = Arc::clone(&shared);
                std::thread::spawn(move || {
                    std::thread::sleep(duration);
                    let mut state = remote.lock().unwrap_or_else(|p| p.into_inner());
                    state.0 = true;
                    if let Some(waker) = state.1.take() {
                        waker.wake();
                    }
                });
                shared
            })
            .clone();
        let mut state = shared.lock().unwrap_or_else(|p| p.into_inner());
        if state.0 {
            Poll::Ready(())
        } else {
            state.1 = Some(cx.waker().clone());
            Poll::Pending
        }
    }
}

/// A clock for tests: time moves only when told to, sleeps return at once (advancing the clock)
/// and are recorded.
///
/// Clones share one state, so keep a clone to move time or to inspect what the code under test
/// waited for:
///
/// ```
/// use std::time::Duration;
/// use clerk_clock::{Clock, ManualClock};
///
/// let clock = ManualClock::at_unix(1_700_000_000);
/// let observer = clock.clone();
/// // What a retry loop would do: `clock.sleep(backoff).await` (recorded when called).
/// let _sleep = clock.sleep(Duration::from_secs(2));
/// assert_eq!(observer.sleeps(), vec![Duration::from_secs(2)]);
/// assert_eq!(observer.now_unix(), 1_700_000_002);
/// ```
#[derive(Clone)]
pub struct ManualClock {
    state: Arc<Mutex<ManualState>>,
}

struct ManualState {
    wall: SystemTime,
    instant: Instant,
    sleeps: Vec<Duration>,
}

impl ManualClock {
    /// A clock starting at the current wall time and instant.
    pub fn new() -> ManualClock {
        ManualClock::at(SystemTime::now())
    }

    /// A clock whose wall time starts at `unix_seconds` (its monotonic time starts at the current
    /// instant).
    pub fn at_unix(unix_seconds: i64) -> ManualClock {
        ManualClock::at(system_time_at(unix_seconds))
    }

    /// A clock whose wall time starts at `unix_millis` milliseconds since the Unix epoch (for
    /// stores that keep millisecond timestamps, such as Clerk's `created_at`).
    pub fn at_unix_millis(unix_millis: i64) -> ManualClock {
        ManualClock::at(system_time_at_millis(unix_millis))
    }

    /// A clock whose wall time starts at `wall`.
    pub fn at(wall: SystemTime) -> ManualClock {
        ManualClock {
            state: Arc::new(Mutex::new(ManualState {
                wall,
                instant: Instant::now(),
                sleeps: Vec::new(),
            })),
        }
    }

    fn lock(&self) -> MutexGuard<'_, ManualState> {
        // The state is plain data, valid even if a holder panicked.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Moves wall time and monotonic time forward by `by`, without recording a sleep.
    pub fn advance(&self, by: Duration) {
        let mut state = self.lock();
        state.advance(by);
    }

    /// Sets the wall time to `unix_seconds` (monotonic time does not move: it never goes back).
    pub fn set_unix(&self, unix_seconds: i64) {
        self.lock().wall = system_time_at(unix_seconds);
    }

    /// Sets the wall time to `unix_millis` milliseconds since the Unix epoch (monotonic time does
    /// not move).
    pub fn set_unix_millis(&self, unix_millis: i64) {
        self.lock().wall = system_time_at_millis(unix_millis);
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

impl ManualState {
    fn advance(&mut self, by: Duration) {
        self.wall = self.wall.checked_add(by).unwrap_or(self.wall);
        self.instant = self.instant.checked_add(by).unwrap_or(self.instant);
    }
}

fn system_time_at(unix_seconds: i64) -> SystemTime {
    let magnitude = Duration::from_secs(unix_seconds.unsigned_abs());
    let time = if unix_seconds >= 0 {
        UNIX_EPOCH.checked_add(magnitude)
    } else {
        UNIX_EPOCH.checked_sub(magnitude)
    };
    time.unwrap_or(UNIX_EPOCH)
}

fn system_time_at_millis(unix_millis: i64) -> SystemTime {
    let magnitude = Duration::from_millis(unix_millis.unsigned_abs());
    let time = if unix_millis >= 0 {
        UNIX_EPOCH.checked_add(magnitude)
    } else {
        UNIX_EPOCH.checked_sub(magnitude)
    };
    time.unwrap_or(UNIX_EPOCH)
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
            .field("unix", &unix_seconds(state.wall))
            .field("sleeps", &state.sleeps)
            .finish()
    }
}

impl Clock for ManualClock {
    fn system_time(&self) -> SystemTime {
        self.lock().wall
    }

    fn now(&self) -> Instant {
        self.lock().instant
    }

    fn sleep(&self, duration: Duration) -> SleepFuture {
        {
            let mut state = self.lock();
            state.sleeps.push(duration);
            state.advance(duration);
        }
        Box::pin(std::future::ready(()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn unix_seconds_floor_before_the_epoch() {
        assert_eq!(unix_seconds(UNIX_EPOCH), 0);
        assert_eq!(unix_seconds(system_time_at(1_700_000_000)), 1_700_000_000);
        assert_eq!(unix_seconds(system_time_at(-5)), -5);
        let half_before = UNIX_EPOCH.checked_sub(Duration::from_millis(500)).unwrap();
        assert_eq!(unix_seconds(half_before), -1);
    }

    #[test]
    fn manual_clocks_keep_milliseconds() {
        let clock = ManualClock::at_unix_millis(1_700_000_000_123);
        assert_eq!(clock.now_unix_millis(), 1_700_000_000_123);
        assert_eq!(clock.now_unix(), 1_700_000_000);
        clock.advance(Duration::from_millis(900));
        assert_eq!(clock.now_unix_millis(), 1_700_000_001_023);
        clock.set_unix_millis(-1_500);
        assert_eq!(clock.now_unix_millis(), -1_500);
        assert_eq!(clock.now_unix(), -2);
    }

    #[test]
    fn manual_clocks_move_only_when_told_and_share_state() {
        let clock = ManualClock::at_unix(100);
        let other = clock.clone();
        let start = clock.now();
        assert_eq!(clock.now_unix(), 100);
        other.advance(Duration::from_millis(1_500));
        assert_eq!(clock.now_unix(), 101);
        assert_eq!(clock.now_unix_millis(), 101_500);
        assert_eq!(clock.now() - start, Duration::from_millis(1_500));
        clock.set_unix(-7);
        assert_eq!(other.now_unix(), -7);
        assert_eq!(
            clock.now() - start,
            Duration::from_millis(1_500),
            "monotonic"
        );
    }

    #[tokio::test]
    async fn manual_sleeps_return_at_once_and_are_recorded() {
        let clock = ManualClock::at_unix(0);
        clock.sleep(Duration::from_secs(3)).await;
        clock.sleep(Duration::from_secs(4)).await;
        assert_eq!(
            clock.sleeps(),
            [Duration::from_secs(3), Duration::from_secs(4)]
        );
        assert_eq!(clock.total_slept(), Duration::from_secs(7));
        assert_eq!(clock.now_unix(), 7);
    }

    #[tokio::test]
    async fn the_system_clock_sleeps() {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let start = clock.now();
        clock.sleep(Duration::from_millis(20)).await;
        assert!(clock.now() - start >= Duration::from_millis(20));
        let wall = clock.now_unix();
        assert!(wall > 1_600_000_000, "{wall}");
    }
}

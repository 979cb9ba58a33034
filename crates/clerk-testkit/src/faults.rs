//! Fault injection over real HTTP: latency, forced statuses, dropped connections and truncated
//! bodies, for the next N matching requests or a fraction of them.
//!
//! ```no_run
//! use std::time::Duration;
//! use clerk_testkit::{Fault, Testkit};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let testkit = Testkit::start().await?;
//! // The next two GET /v1/users/{user_id} answer 503, then the real thing.
//! testkit.faults().inject(Fault::status(503).on_operation("GetUser").times(2));
//! // Every request takes 50 ms longer.
//! testkit.faults().inject(Fault::latency(Duration::from_millis(50)));
//! # Ok(()) }
//! ```
//!
//! Statuses and dropped connections are decided before the request is authenticated or handled,
//! so they change nothing (as Clerk's rate limiter does); a truncated body is cut *after* the
//! operation ran, the way a connection lost mid-response looks to a client.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What a fault does to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FaultKind {
    /// Waits this long before handling the request (combines with other faults).
    Latency(Duration),
    /// Answers this status with a Clerk-shaped error body instead of handling the request;
    /// `retry_after` (seconds) adds a `Retry-After` header.
    Status {
        /// The HTTP status.
        status: u16,
        /// The `Retry-After` header, in seconds.
        retry_after: Option<u64>,
    },
    /// Closes the connection without answering.
    DropConnection,
    /// Handles the request, then sends the headers and only half of the body (with the full
    /// `Content-Length`) and closes the connection.
    TruncateBody,
}

/// Which requests a fault applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Any,
    Operation(String),
    Route { method: String, path: String },
}

/// A fault to inject; build one with [`Fault::latency`], [`Fault::status`],
/// [`Fault::rate_limited`], [`Fault::drop_connection`] or [`Fault::truncate_body`], narrow it with
/// [`on_operation`](Fault::on_operation) / [`on_route`](Fault::on_route), and bound it with
/// [`times`](Fault::times) / [`probability`](Fault::probability).
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub struct Fault {
    kind: FaultKind,
    target: Target,
    times: Option<u32>,
    probability: f64,
}

impl Fault {
    fn new(kind: FaultKind) -> Fault {
        Fault {
            kind,
            target: Target::Any,
            times: None,
            probability: 1.0,
        }
    }

    /// Adds `delay` before matching requests are handled.
    pub fn latency(delay: Duration) -> Fault {
        Fault::new(FaultKind::Latency(delay))
    }

    /// Answers `status` (e.g. 500, 502, 503) with a Clerk-shaped error body.
    pub fn status(status: u16) -> Fault {
        Fault::new(FaultKind::Status {
            status,
            retry_after: None,
        })
    }

    /// Answers `429 Too Many Requests` with `Retry-After: <retry_after_secs>`.
    pub fn rate_limited(retry_after_secs: u64) -> Fault {
        Fault::new(FaultKind::Status {
            status: 429,
            retry_after: Some(retry_after_secs),
        })
    }

    /// Closes the connection without an answer.
    pub fn drop_connection() -> Fault {
        Fault::new(FaultKind::DropConnection)
    }

    /// Handles the request but cuts the response body in half.
    pub fn truncate_body() -> Fault {
        Fault::new(FaultKind::TruncateBody)
    }

    /// Only requests to this operation (the spec's `operationId`, e.g. `GetUser`).
    pub fn on_operation(mut self, operation_id: impl Into<String>) -> Fault {
        self.target = Target::Operation(operation_id.into());
        self
    }

    /// Only requests to this route: method and path template as in the spec, without `/v1`
    /// (e.g. `("GET", "/users/{user_id}")`).
    pub fn on_route(mut self, method: impl Into<String>, path: impl Into<String>) -> Fault {
        self.target = Target::Route {
            method: method.into().to_ascii_uppercase(),
            path: path.into(),
        };
        self
    }

    /// Applies to the next `n` matching requests only (then the fault is spent: it applies to
    /// nothing more, and [`Faults::hits`] reports `n`).
    pub fn times(mut self, n: u32) -> Fault {
        self.times = Some(n);
        self
    }

    /// Applies to each matching request with this probability (0.0–1.0).
    pub fn probability(mut self, p: f64) -> Fault {
        self.probability = if p.is_finite() {
            p.clamp(0.0, 1.0)
        } else {
            0.0
        };
        self
    }

    /// What the fault does.
    pub fn kind(&self) -> &FaultKind {
        &self.kind
    }
}

/// Identifies an injected fault, for [`Faults::remove`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FaultId(u64);

struct Entry {
    id: FaultId,
    fault: Fault,
    remaining: Option<u32>,
    hits: u64,
}

/// The faults of a running emulator; see [`Testkit::faults`](crate::Testkit::faults).
#[derive(Clone, Default)]
pub struct Faults {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    entries: Mutex<Vec<Entry>>,
    next_id: AtomicU64,
    rng: AtomicU64,
}

/// What the server must do to one request.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Decision {
    pub(crate) delay: Duration,
    pub(crate) terminal: Option<FaultKind>,
}

impl Faults {
    /// Adds a fault; faults are checked in the order they were added.
    pub fn inject(&self, fault: Fault) -> FaultId {
        let id = FaultId(self.inner.next_id.fetch_add(1, Ordering::Relaxed));
        let remaining = fault.times;
        self.lock().push(Entry {
            id,
            fault,
            remaining,
            hits: 0,
        });
        id
    }

    /// Removes a fault; `false` if it was already gone.
    pub fn remove(&self, id: FaultId) -> bool {
        let mut entries = self.lock();
        let before = entries.len();
        entries.retain(|e| e.id != id);
        entries.len() != before
    }

    /// Removes every fault.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// How many requests a fault has affected so far; `None` once removed with
    /// [`remove`](Faults::remove) or [`clear`](Faults::clear). A fault bounded with
    /// [`Fault::times`] keeps its count after it is spent (it no longer applies to anything).
    pub fn hits(&self, id: FaultId) -> Option<u64> {
        self.lock().iter().find(|e| e.id == id).map(|e| e.hits)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Entry>> {
        self.inner.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A uniform number in [0, 1).
    fn roll(&self) -> f64 {
        let n = self
            .inner
            .rng
            .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed);
        let mut z = n ^ 0x5DEE_CE66_D1CE_4E5B;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Decides the faults for a request to `operation_id` (`None` for unknown routes).
    pub(crate) fn decide(
        &self,
        operation_id: Option<&str>,
        method: &str,
        path: Option<&str>,
    ) -> Decision {
        let mut entries = self.lock();
        if entries.is_empty() {
            return Decision::default();
        }
        let mut decision = Decision::default();
        for entry in entries.iter_mut() {
            let matches = match &entry.fault.target {
                Target::Any => true,
                Target::Operation(op) => operation_id == Some(op.as_str()),
                Target::Route { method: m, path: p } => m == method && path == Some(p.as_str()),
            };
            if !matches || entry.remaining == Some(0) {
                continue;
            }
            if entry.fault.probability < 1.0 && self.roll() >= entry.fault.probability {
                continue;
            }
            match &entry.fault.kind {
                FaultKind::Latency(d) => decision.delay = decision.delay.saturating_add(*d),
                other => {
                    if decision.terminal.is_some() {
                        continue;
                    }
                    decision.terminal = Some(other.clone());
                }
            }
            entry.hits += 1;
            if let Some(n) = entry.remaining.as_mut() {
                *n -= 1;
            }
        }
        // Spent faults stay in the list (skipped above) so that `hits` still reports them.
        decision
    }
}

impl fmt::Debug for Faults {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let entries = self.lock();
        f.debug_list()
            .entries(
                entries
                    .iter()
                    .filter(|e| e.remaining != Some(0))
                    .map(|e| &e.fault),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_targets() {
        let faults = Faults::default();
        faults.inject(Fault::status(503).on_operation("GetUser").times(2));
        faults.inject(Fault::latency(Duration::from_millis(5)));
        let get = || faults.decide(Some("GetUser"), "GET", Some("/users/{user_id}"));
        assert_eq!(
            get().terminal,
            Some(FaultKind::Status {
                status: 503,
                retry_after: None
            })
        );
        assert_eq!(get().delay, Duration::from_millis(5));
        assert_eq!(get().terminal, None);
        assert_eq!(
            faults
                .decide(Some("CreateUser"), "POST", Some("/users"))
                .terminal,
            None
        );
    }

    #[test]
    fn spent_faults_keep_their_hit_count_until_removed() {
        let faults = Faults::default();
        let id = faults.inject(Fault::status(503).on_operation("GetUser").times(2));
        let get = || faults.decide(Some("GetUser"), "GET", Some("/users/{user_id}"));
        assert!(get().terminal.is_some());
        assert_eq!(faults.hits(id), Some(1));
        assert!(get().terminal.is_some());
        assert_eq!(get().terminal, None, "spent after two");
        assert_eq!(faults.hits(id), Some(2));
        assert_eq!(format!("{faults:?}"), "[]", "only live faults are listed");
        assert!(faults.remove(id));
        assert_eq!(faults.hits(id), None);
    }

    #[test]
    fn probability_zero_never_fires() {
        let faults = Faults::default();
        faults.inject(Fault::drop_connection().probability(0.0));
        for _ in 0..100 {
            assert_eq!(faults.decide(None, "GET", None).terminal, None);
        }
        faults.clear();
        let id = faults.inject(Fault::truncate_body().probability(0.5));
        let fired = (0..2000)
            .filter(|_| faults.decide(None, "GET", None).terminal.is_some())
            .count();
        assert!((800..1200).contains(&fired), "{fired}");
        assert_eq!(faults.hits(id), Some(fired as u64));
    }
}

//! Time, behind the SDK's one [`Clock`] trait (the `clerk-clock` crate), so every
//! time-dependent check in this crate — token `exp`/`nbf`/`iat`, webhook timestamps, cookie
//! decisions, the JWKS cache's lifetimes — can be tested deterministically.
//!
//! [`SystemClock`] is the default everywhere. [`ManualClock`] is for tests: its time only moves
//! when told to.
//!
//! ```
//! use clerk_auth::clock::{Clock, ManualClock};
//!
//! let clock = ManualClock::at_unix(1_700_000_000);
//! assert_eq!(clock.now_unix(), 1_700_000_000);
//! ```

pub use clerk_clock::{Clock, ManualClock, SleepFuture, SystemClock};

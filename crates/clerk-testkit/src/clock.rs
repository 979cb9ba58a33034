//! Time for the emulator: every timestamp it stores (`created_at`, `updated_at`, `expire_at`…)
//! and every token time (`iat`, `nbf`, `exp`) comes from the SDK's one [`Clock`] trait (the
//! `clerk-clock` crate), so a test can stop or move time.
//!
//! [`SystemClock`] is the default. With a [`ManualClock`] time moves only when told to; hand
//! clones of the same clock to the emulator, to `clerk_auth::VerifyOptions::clock` and to a
//! client's retry loop, and all three agree on what time it is.

pub use clerk_clock::{Clock, ManualClock, SystemClock};

//! Session-token verification, keys, claims and `Auth::has`, end to end with fixture keys.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod auth;
mod claims;
mod common;
mod keys;
mod verify;

//! Session-token verification, keys, claims and `Auth::has`, end to end with fixture keys.

mod auth;
mod claims;
mod common;
mod keys;
mod verify;

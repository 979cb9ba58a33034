//! Entry points for the fuzz targets in the repository's `fuzz/` directory (feature `fuzzing`).
//!
//! **Not part of the API**: hidden from the documentation, unstable, and never enabled by the
//! SDK's own crates. It exists because libFuzzer cannot forge RS256 signatures, so the stage of
//! verification behind a valid signature — decoding the payload and checking its registered
//! claims — would otherwise be out of the fuzzer's reach.

use serde::de::DeserializeOwned;

use crate::claims::SessionClaims;
use crate::error::VerifyError;
use crate::jwt::VerifyOptions;

/// The claim stage of [`verify_token`](crate::verify_token): `payload` (the decoded second
/// segment of a token whose signature verified) decoded into [`SessionClaims`] and its registered
/// claims checked against `options` at the options' clock's time.
///
/// # Errors
///
/// The [`VerifyError`] `verify_token` would return for this payload after a valid signature.
pub fn session_claims(
    payload: &[u8],
    options: &VerifyOptions,
) -> Result<SessionClaims, VerifyError> {
    crate::jwt::decode_session(payload, options, options.now())
}

/// The claim stage of [`verify_token_as`](crate::verify_token_as) for the claims type `C`.
///
/// # Errors
///
/// The [`VerifyError`] `verify_token_as::<C>` would return for this payload after a valid
/// signature.
pub fn custom_claims<C: DeserializeOwned>(
    payload: &[u8],
    options: &VerifyOptions,
) -> Result<C, VerifyError> {
    crate::jwt::decode_custom(payload, options, options.now())
}

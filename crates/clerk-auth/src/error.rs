//! Errors returned by session-token verification.
//!
//! Every failure is a [`VerifyError`]: a [`ReasonKind`] to match on, a human-readable message, an
//! [`action`](VerifyError::action) hint telling the operator what to do about it, and an
//! [`ErrorContext`] with the numbers behind time-based failures. Messages never contain the token.

use std::borrow::Cow;
use std::fmt;

/// Why a token was rejected.
///
/// The kinds are finer-grained than the reason strings `@clerk/backend` reports;
/// [`as_str`](ReasonKind::as_str) maps each kind to the reference SDK's reason string (several
/// kinds share `token-invalid` or `token-verification-failed`), so logs and handshake reasons stay
/// comparable across SDKs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReasonKind {
    // Token shape.
    /// The token is not three base64url segments of JSON (`token-invalid`).
    TokenMalformed,
    /// The token is longer than [`VerifyOptions::max_token_len`](crate::VerifyOptions::max_token_len)
    /// (`token-invalid`).
    TokenTooLarge,
    /// The header `typ` is not an accepted header type (`token-invalid`).
    TokenInvalidType,
    /// The header `cat` marks a token category that is not a session token, such as a
    /// machine-to-machine token (`token-invalid`).
    TokenInvalidCategory,
    /// The header `alg` is not `RS256` (`token-invalid-algorithm`).
    TokenInvalidAlgorithm,
    /// The signature does not verify with the selected key (`token-invalid-signature`).
    TokenInvalidSignature,

    // Claims.
    /// The `sub` claim is missing or not a string (`token-verification-failed`).
    TokenInvalidSubject,
    /// A registered claim has the wrong type, or the payload does not fit the requested claims type
    /// (`token-verification-failed`).
    TokenInvalidClaims,
    /// The `aud` claim does not match the configured audience (`token-verification-failed`).
    TokenInvalidAudience,
    /// The `azp` claim is missing or not one of the configured authorized parties
    /// (`token-invalid-authorized-parties`).
    TokenInvalidAuthorizedParties,
    /// The `iss` claim is not an accepted issuer (`token-invalid-issuer`).
    TokenInvalidIssuer,
    /// The token expired (`token-expired`).
    TokenExpired,
    /// The `nbf` claim is in the future (`token-not-active-yet`).
    TokenNotActiveYet,
    /// The `iat` claim is in the future (`token-iat-in-the-future`).
    TokenIatInTheFuture,
    /// Verification failed for another reason, such as a key the crypto backend rejects
    /// (`token-verification-failed`).
    TokenVerificationFailed,

    // Key lookup.
    /// The secret key was rejected by the Backend API (`secret-key-invalid`).
    SecretKeyInvalid,
    /// No local public key was configured (`jwk-local-missing`).
    JwkLocalMissing,
    /// No key source could be resolved at all (`jwk-failed-to-resolve`).
    JwkFailedToResolve,
    /// The JWKS could not be fetched (`jwk-remote-failed-to-load`).
    JwksFailedToLoad,
    /// The fetched JWKS is not usable (`jwk-remote-invalid`).
    JwkRemoteInvalid,
    /// The fetched JWKS has no key for the token (`jwk-remote-missing`).
    JwkRemoteMissing,
    /// No configured key matches the token's `kid` (`jwk-kid-mismatch`).
    JwkKidMismatch,
}

const ACTION_ENSURE_CLERK_JWT: &str = "Make sure that this is a valid Clerk-generated JWT.";
const ACTION_CLOCK: &str =
    "Make sure your system clock is in sync (e.g. turn off and on automatic time synchronization).";
const ACTION_CONTACT_SUPPORT: &str = "Contact support@clerk.com";

impl ReasonKind {
    /// The reason string `@clerk/backend` reports for this failure, such as `token-expired`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ReasonKind::TokenMalformed
            | ReasonKind::TokenTooLarge
            | ReasonKind::TokenInvalidType
            | ReasonKind::TokenInvalidCategory => "token-invalid",
            ReasonKind::TokenInvalidAlgorithm => "token-invalid-algorithm",
            ReasonKind::TokenInvalidSignature => "token-invalid-signature",
            ReasonKind::TokenInvalidSubject
            | ReasonKind::TokenInvalidClaims
            | ReasonKind::TokenInvalidAudience
            | ReasonKind::TokenVerificationFailed => "token-verification-failed",
            ReasonKind::TokenInvalidAuthorizedParties => "token-invalid-authorized-parties",
            ReasonKind::TokenInvalidIssuer => "token-invalid-issuer",
            ReasonKind::TokenExpired => "token-expired",
            ReasonKind::TokenNotActiveYet => "token-not-active-yet",
            ReasonKind::TokenIatInTheFuture => "token-iat-in-the-future",
            ReasonKind::SecretKeyInvalid => "secret-key-invalid",
            ReasonKind::JwkLocalMissing => "jwk-local-missing",
            ReasonKind::JwkFailedToResolve => "jwk-failed-to-resolve",
            ReasonKind::JwksFailedToLoad => "jwk-remote-failed-to-load",
            ReasonKind::JwkRemoteInvalid => "jwk-remote-invalid",
            ReasonKind::JwkRemoteMissing => "jwk-remote-missing",
            ReasonKind::JwkKidMismatch => "jwk-kid-mismatch",
        }
    }

    /// What an operator can do about this failure.
    pub const fn action(self) -> &'static str {
        match self {
            ReasonKind::TokenMalformed
            | ReasonKind::TokenTooLarge
            | ReasonKind::TokenInvalidType
            | ReasonKind::TokenInvalidCategory
            | ReasonKind::TokenInvalidAlgorithm
            | ReasonKind::TokenInvalidSubject
            | ReasonKind::TokenInvalidClaims => ACTION_ENSURE_CLERK_JWT,
            ReasonKind::TokenInvalidSignature => {
                "Make sure the token was issued by the Clerk instance whose public key (CLERK_JWT_KEY or \
                 JWKS) you configured."
            }
            ReasonKind::TokenInvalidAudience => {
                "Make sure the configured audience matches the aud claim of your session token template."
            }
            ReasonKind::TokenInvalidAuthorizedParties => {
                "Add the origin of your frontend (scheme, host and port) to the authorized parties."
            }
            ReasonKind::TokenInvalidIssuer => {
                "Make sure the token was issued by the Frontend API of the Clerk instance you configured."
            }
            ReasonKind::TokenExpired
            | ReasonKind::TokenNotActiveYet
            | ReasonKind::TokenIatInTheFuture => ACTION_CLOCK,
            ReasonKind::TokenVerificationFailed => {
                "Make sure the configured key is the RSA public key (2048 to 8192 bits) of your Clerk \
                 instance."
            }
            ReasonKind::SecretKeyInvalid => "Set the CLERK_SECRET_KEY environment variable.",
            ReasonKind::JwkLocalMissing | ReasonKind::JwkFailedToResolve => {
                "Set the CLERK_JWT_KEY environment variable."
            }
            ReasonKind::JwksFailedToLoad
            | ReasonKind::JwkRemoteInvalid
            | ReasonKind::JwkRemoteMissing => ACTION_CONTACT_SUPPORT,
            ReasonKind::JwkKidMismatch => {
                "Go to your Dashboard and validate your secret and public keys are correct. Contact \
                 support@clerk.com if the issue persists."
            }
        }
    }

    /// Whether the failure is about time (expired, not yet valid, issued in the future), which is
    /// often a clock-skew problem rather than a bad token.
    pub const fn is_time_related(self) -> bool {
        matches!(
            self,
            ReasonKind::TokenExpired
                | ReasonKind::TokenNotActiveYet
                | ReasonKind::TokenIatInTheFuture
        )
    }
}

impl fmt::Display for ReasonKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The facts behind a verification failure, as far as they are known.
///
/// Times are Unix seconds. `kid` is the token's key id (truncated if absurdly long); it is not a
/// secret.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ErrorContext {
    /// The `kid` header of the token.
    pub kid: Option<String>,
    /// The `exp` claim.
    pub exp: Option<i64>,
    /// The `nbf` claim.
    pub nbf: Option<i64>,
    /// The `iat` claim.
    pub iat: Option<i64>,
    /// The clock's time when the token was checked.
    pub now: Option<i64>,
    /// The allowed clock skew, in seconds.
    pub leeway: Option<i64>,
}

/// A session token was rejected.
///
/// Match on [`reason`](VerifyError::reason); show [`message`](VerifyError::message) and
/// [`action`](VerifyError::action) to operators. The token itself is never part of the error.
///
/// ```
/// use clerk_auth::{ReasonKind, VerifyError};
///
/// let err = VerifyError::new(ReasonKind::JwkKidMismatch, "no key for kid \"ins_123\"");
/// assert_eq!(err.reason().as_str(), "jwk-kid-mismatch");
/// assert_eq!(err.to_string(), "no key for kid \"ins_123\" (reason=jwk-kid-mismatch)");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct VerifyError {
    inner: Box<Inner>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Inner {
    reason: ReasonKind,
    message: Cow<'static, str>,
    context: ErrorContext,
}

impl VerifyError {
    /// An error with a reason and a message, for [`KeySource`](crate::KeySource) implementations.
    pub fn new(reason: ReasonKind, message: impl Into<Cow<'static, str>>) -> VerifyError {
        VerifyError {
            inner: Box::new(Inner {
                reason,
                message: message.into(),
                context: ErrorContext::default(),
            }),
        }
    }

    /// Attaches the token's key id to the error's context.
    #[must_use]
    pub fn with_kid(mut self, kid: Option<&str>) -> VerifyError {
        self.inner.context.kid = kid.map(|kid| truncate(kid, MAX_ECHO).into_owned());
        self
    }

    pub(crate) fn with_context(mut self, context: ErrorContext) -> VerifyError {
        let kid = self.inner.context.kid.take();
        self.inner.context = context;
        if self.inner.context.kid.is_none() {
            self.inner.context.kid = kid;
        }
        self
    }

    /// Why the token was rejected.
    pub fn reason(&self) -> ReasonKind {
        self.inner.reason
    }

    /// A description of the failure, without the token.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// What an operator can do about it (see [`ReasonKind::action`]).
    pub fn action(&self) -> &'static str {
        self.inner.reason.action()
    }

    /// The facts behind the failure: `kid`, the time claims, the clock's time and the leeway.
    pub fn context(&self) -> &ErrorContext {
        &self.inner.context
    }

    /// The message, the action and the reason on one line, in the shape `@clerk/backend` logs:
    /// `"<message> <action> (reason=<reason>)"`.
    pub fn full_message(&self) -> String {
        format!(
            "{} {} (reason={})",
            self.message(),
            self.action(),
            self.reason().as_str()
        )
    }
}

impl fmt::Debug for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyError")
            .field("reason", &self.inner.reason)
            .field("message", &self.inner.message)
            .field("context", &self.inner.context)
            .finish()
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (reason={})", self.inner.message, self.inner.reason)
    }
}

impl std::error::Error for VerifyError {}

/// The longest piece of token-controlled text (kid, alg, azp…) quoted in a message.
pub(crate) const MAX_ECHO: usize = 80;

/// `s`, cut to at most `max` bytes on a character boundary, with `…` appended when cut.
pub(crate) fn truncate(s: &str, max: usize) -> Cow<'_, str> {
    if s.len() <= max {
        return Cow::Borrowed(s);
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!("{}…", &s[..end]))
}

/// `s` as a quoted, escaped and length-limited string for an error message.
pub(crate) fn quote(s: &str) -> String {
    format!("{:?}", truncate(s, MAX_ECHO).as_ref())
}

/// Formats Unix seconds like an HTTP date: `Thu, 26 Nov 2026 10:11:05 GMT`.
pub(crate) fn http_date(unix: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant's algorithm), valid for the whole i64 range divided by 86400.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let weekday = DAYS[days.rem_euclid(7) as usize];
    let month_name = MONTHS[(month - 1).clamp(0, 11) as usize];
    format!(
        "{weekday}, {day:02} {month_name} {year} {:02}:{:02}:{:02} GMT",
        secs / 3_600,
        secs % 3_600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates() {
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(http_date(1_795_687_865), "Thu, 26 Nov 2026 10:11:05 GMT");
        assert_eq!(http_date(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
        assert_eq!(http_date(-1), "Wed, 31 Dec 1969 23:59:59 GMT");
        // Extremes do not panic.
        let _ = http_date(i64::MAX);
        let _ = http_date(i64::MIN);
    }

    /// A reference for `http_date`, written the slow, obvious way: whole years from 1970, then
    /// whole months, counting leap days by the Gregorian rule.
    fn reference_http_date(unix: i64) -> String {
        fn leap(year: i64) -> bool {
            (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        }
        let mut days = unix.div_euclid(86_400);
        let secs = unix.rem_euclid(86_400);
        let weekday =
            ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][days.rem_euclid(7) as usize];
        let mut year = 1970;
        loop {
            let length = if leap(year) { 366 } else { 365 };
            if days < 0 {
                year -= 1;
                days += if leap(year) { 366 } else { 365 };
            } else if days >= length {
                days -= length;
                year += 1;
            } else {
                break;
            }
        }
        let lengths = [
            31,
            if leap(year) { 29 } else { 28 },
            31,
            30,
            31,
            30,
            31,
            31,
            30,
            31,
            30,
            31,
        ];
        let names = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let mut month = 0;
        while days >= lengths[month] {
            days -= lengths[month];
            month += 1;
        }
        format!(
            "{weekday}, {:02} {} {year} {:02}:{:02}:{:02} GMT",
            days + 1,
            names[month],
            secs / 3_600,
            secs % 3_600 / 60,
            secs % 60
        )
    }

    proptest::proptest! {
        // proptest shrinks a disagreement to the earliest second that shows it.

        /// Against the reference, over ±3000 years around 1970.
        #[test]
        fn http_dates_match_the_reference(unix in -95_000_000_000i64..95_000_000_000) {
            proptest::prop_assert_eq!(http_date(unix), reference_http_date(unix));
        }

        /// Anywhere in the `i64` range: no panic, and the shape of an HTTP date.
        #[test]
        fn http_dates_never_panic(unix: i64) {
            let date = http_date(unix);
            proptest::prop_assert!(date.ends_with(" GMT"), "{}", date);
            proptest::prop_assert_eq!(date.split(' ').count(), 6, "{}", date);
        }
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        assert_eq!(truncate("abc", 5), "abc");
        assert_eq!(truncate("ééé", 3), "é…");
        assert_eq!(quote("a\"b"), "\"a\\\"b\"");
    }
}

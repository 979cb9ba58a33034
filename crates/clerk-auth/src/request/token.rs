//! Looking inside tokens before verification, to route them: never trusted for anything else.

use base64::Engine as _;
use serde_json::{Map, Value};

use crate::auth::TokenType;

use crate::jwt::parse::BASE64URL;

/// Largest token looked into (the verifier has its own, configurable limit).
const MAX_LEN: usize = 16 * 1024;

use crate::jwt::{IGNORE_CATEGORY as CATEGORY_IGNORE, SESSION_CATEGORY as CATEGORY_SESSION};

/// A decoded but unverified JWT.
pub(crate) struct Unverified {
    pub(crate) header: Map<String, Value>,
    pub(crate) payload: Map<String, Value>,
}

impl Unverified {
    /// Decodes header and payload; `None` if `token` is not three base64url segments of JSON
    /// objects.
    pub(crate) fn decode(token: &str) -> Option<Unverified> {
        if token.len() > MAX_LEN {
            return None;
        }
        let mut segments = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) = (
            segments.next(),
            segments.next(),
            segments.next(),
            segments.next(),
        ) else {
            return None;
        };
        BASE64URL.decode(signature).ok()?;
        let header = serde_json::from_slice(&BASE64URL.decode(header).ok()?).ok()?;
        let payload = serde_json::from_slice(&BASE64URL.decode(payload).ok()?).ok()?;
        Some(Unverified { header, payload })
    }

    /// Decodes only the header; `None` unless `token` has three segments and a header that is a
    /// base64url JSON object.
    pub(crate) fn decode_header(token: &str) -> Option<Map<String, Value>> {
        if token.len() > MAX_LEN {
            return None;
        }
        let mut segments = token.split('.');
        let (Some(header), Some(_), Some(_), None) = (
            segments.next(),
            segments.next(),
            segments.next(),
            segments.next(),
        ) else {
            return None;
        };
        serde_json::from_slice(&BASE64URL.decode(header).ok()?).ok()
    }

    pub(crate) fn header_str(&self, name: &str) -> Option<&str> {
        self.header.get(name).and_then(Value::as_str)
    }

    pub(crate) fn claim_str(&self, name: &str) -> Option<&str> {
        self.payload.get(name).and_then(Value::as_str)
    }

    /// A numeric claim, in whole seconds.
    pub(crate) fn claim_secs(&self, name: &str) -> Option<i64> {
        let value = self.payload.get(name)?;
        value
            .as_i64()
            .or_else(|| value.as_f64().map(|secs| secs.floor() as i64))
    }

    /// An OAuth access token JWT (`typ` `at+jwt`).
    pub(crate) fn is_oauth_jwt(&self) -> bool {
        matches!(
            self.header_str("typ"),
            Some("at+jwt" | "application/at+jwt")
        )
    }

    /// A machine-to-machine JWT (subject is a machine, `mch_…`).
    pub(crate) fn is_m2m_jwt(&self) -> bool {
        self.claim_str("sub")
            .is_some_and(|sub| sub.starts_with("mch_"))
    }

    /// Whether the `cat` header marks something other than a session token (absent is fine).
    pub(crate) fn has_non_session_category(&self) -> bool {
        is_non_session_category(self.header.get("cat"))
    }
}

/// Whether a header's `cat` marks something other than a session token (absent is fine).
pub(crate) fn is_non_session_category(cat: Option<&Value>) -> bool {
    match cat {
        None => false,
        Some(Value::String(cat)) => cat != CATEGORY_SESSION && cat != CATEGORY_IGNORE,
        Some(_) => true,
    }
}

/// The machine token type of `token` by its prefix or JWT shape ([`crate::machine::detect`]);
/// `None` for anything else, which is treated as a session token.
pub(crate) fn machine_token_type(token: &str) -> Option<TokenType> {
    crate::machine::detect(token)
        .map(crate::machine::TokenKind::token_type)
        .filter(|kind| *kind != TokenType::SessionToken)
}

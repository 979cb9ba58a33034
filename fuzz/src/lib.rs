//! Helpers shared by the fuzz targets: splitting an input into fields, driving futures that are
//! ready at once, the test keys, and small reference implementations the targets check the SDK
//! against.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The instance's RS256 public key of the tests (`crates/clerk-auth/tests/fixtures`).
pub const RSA2048_SPKI_PEM: &str =
    include_str!("../../crates/clerk-auth/tests/fixtures/rsa2048.spki.pem");
/// The same key as a JWKS, `kid` `ins_test_2048`.
pub const RSA2048_JWKS: &str =
    include_str!("../../crates/clerk-auth/tests/fixtures/rsa2048.jwks.json");

/// The fixed "now" of every target (2023-11-14T22:13:20Z).
pub const NOW: i64 = 1_700_000_000;

/// A fuzz input read front to back: single bytes for choices, `\0`-terminated fields for text,
/// and the rest for a body. Reading past the end gives zeros and empty fields, so every input
/// is a complete test case.
pub struct Input<'a> {
    rest: &'a [u8],
}

impl<'a> Input<'a> {
    /// Reads `data`.
    pub fn new(data: &'a [u8]) -> Input<'a> {
        Input { rest: data }
    }

    /// The next byte (0 at the end).
    pub fn byte(&mut self) -> u8 {
        match self.rest.split_first() {
            Some((&b, rest)) => {
                self.rest = rest;
                b
            }
            None => 0,
        }
    }

    /// The next two bytes, big-endian.
    pub fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.byte(), self.byte()])
    }

    /// The next eight bytes, big-endian, as an `i64`.
    pub fn i64(&mut self) -> i64 {
        let mut bytes = [0u8; 8];
        for b in &mut bytes {
            *b = self.byte();
        }
        i64::from_be_bytes(bytes)
    }

    /// The bytes up to the next `\0` (consumed), or all that is left.
    pub fn field(&mut self) -> &'a [u8] {
        match self.rest.iter().position(|&b| b == 0) {
            Some(end) => {
                let (field, rest) = self.rest.split_at(end);
                self.rest = &rest[1..];
                field
            }
            None => std::mem::take(&mut self.rest),
        }
    }

    /// [`Input::field`] as text (invalid UTF-8 replaced).
    pub fn text(&mut self) -> String {
        String::from_utf8_lossy(self.field()).into_owned()
    }

    /// Everything that is left.
    pub fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.rest)
    }

    /// [`Input::rest`] as text (invalid UTF-8 replaced).
    pub fn rest_text(&mut self) -> String {
        String::from_utf8_lossy(self.rest()).into_owned()
    }
}

/// Runs a future that completes without waiting (every verifier, resolver and transport the
/// targets plug in answers at once).
///
/// # Panics
///
/// If the future is still pending after many polls: something waits that should not.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..1_000 {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
    panic!("a future that should be ready at once is still pending");
}

/// base64url without padding, as JWT segments are written.
pub fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// An unsigned JWT-shaped token: `header` and `payload` JSON, base64url-encoded, and a dummy
/// signature. Only for verifiers that do not check signatures.
pub fn unsigned_token(header: &str, payload: &str) -> String {
    format!(
        "{}.{}.c2ln",
        b64url(header.as_bytes()),
        b64url(payload.as_bytes())
    )
}

/// Reference `%XX` decoder for the checks: every `%` must start a valid escape, `+` is kept.
/// `None` for a malformed escape. Bytes, not text: the caller decides about UTF-8.
pub fn percent_decode_strict(text: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        if text[i] == b'%' {
            let hi = hex(*text.get(i + 1)?)?;
            let lo = hex(*text.get(i + 2)?)?;
            out.push(hi * 16 + lo);
            i += 3;
        } else {
            out.push(text[i]);
            i += 1;
        }
    }
    Some(out)
}

/// Reference lenient `%XX` decoder: escapes that are not two hex digits stay as they are.
pub fn percent_decode_lenient(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let escape = (text[i] == b'%')
            .then(|| Some((hex(*text.get(i + 1)?)?, hex(*text.get(i + 2)?)?)))
            .flatten();
        match escape {
            Some((hi, lo)) => {
                out.push(hi * 16 + lo);
                i += 3;
            }
            None => {
                out.push(text[i]);
                i += 1;
            }
        }
    }
    out
}

/// Reference `application/x-www-form-urlencoded` decoder: `+` is a space, then strict `%XX`.
pub fn form_decode(text: &str) -> Option<String> {
    let spaced = text.replace('+', " ");
    String::from_utf8(percent_decode_strict(spaced.as_bytes())?).ok()
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-encodes every byte that cannot appear in a URI path as is, so that any text becomes
/// a path `http::Uri` accepts.
pub fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~!$&'()*+,;=:@%".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A session-token verifier that checks no signature: what it answers for a token is decided
/// by the token and a per-input `seed`, so one input can have some tokens verify and others
/// fail in each of the ways `authenticate_request` handles differently.
pub struct FakeVerifier {
    /// Mixed into the choice of outcome.
    pub seed: u8,
    /// The claims of tokens that verify.
    pub claims: clerk_auth::SessionClaims,
    /// The `Set-Cookie` directives of handshake tokens that verify.
    pub handshake: Vec<String>,
}

impl FakeVerifier {
    fn outcome(&self, token: &str) -> Option<clerk_auth::ReasonKind> {
        use clerk_auth::ReasonKind;
        let hash = token.bytes().fold(u32::from(self.seed), |h, b| {
            h.wrapping_mul(31).wrapping_add(u32::from(b))
        });
        match hash % 6 {
            0 | 1 => None,
            2 => Some(ReasonKind::TokenExpired),
            3 => Some(ReasonKind::TokenNotActiveYet),
            4 => Some(ReasonKind::TokenIatInTheFuture),
            _ => Some(ReasonKind::TokenInvalidSignature),
        }
    }
}

impl clerk_auth::request::SessionTokenVerifier for FakeVerifier {
    fn verify<'a>(
        &'a self,
        token: &'a str,
    ) -> clerk_auth::BoxFuture<'a, Result<clerk_auth::SessionClaims, clerk_auth::VerifyError>> {
        let result = match self.outcome(token) {
            None => Ok(self.claims.clone()),
            Some(reason) => Err(clerk_auth::VerifyError::new(reason, "fake verifier")),
        };
        Box::pin(async move { result })
    }

    fn verify_handshake<'a>(
        &'a self,
        token: &'a str,
    ) -> clerk_auth::BoxFuture<'a, Result<Vec<String>, clerk_auth::VerifyError>> {
        let result = match self.outcome(token) {
            Some(reason) if reason == clerk_auth::ReasonKind::TokenInvalidSignature => {
                Err(clerk_auth::VerifyError::new(reason, "fake verifier"))
            }
            _ => Ok(self.handshake.clone()),
        };
        Box::pin(async move { result })
    }
}

/// Session claims for the fakes, from JSON the input supplies, or a plain signed-in user.
pub fn claims_from(json: &[u8]) -> clerk_auth::SessionClaims {
    serde_json::from_slice(json).unwrap_or_else(|_| {
        serde_json::from_str(r#"{"sub":"user_1","sid":"sess_1","exp":1700000060,"iat":1699999990}"#)
            .expect("static claims")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields() {
        let mut input = Input::new(b"\x07a\0bc\0rest");
        assert_eq!(input.byte(), 7);
        assert_eq!(input.field(), b"a");
        assert_eq!(input.text(), "bc");
        assert_eq!(input.rest(), b"rest");
        assert_eq!(input.byte(), 0);
        assert_eq!(input.field(), b"");
    }

    #[test]
    fn decoders() {
        assert_eq!(
            percent_decode_strict(b"a%2Fb").as_deref(),
            Some(&b"a/b"[..])
        );
        assert_eq!(percent_decode_strict(b"%2"), None);
        assert_eq!(percent_decode_lenient(b"%2e%zz%"), b".%zz%");
        assert_eq!(form_decode("a+b%20c").as_deref(), Some("a b c"));
    }
}

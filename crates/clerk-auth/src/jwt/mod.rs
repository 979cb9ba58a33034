//! Networkless verification of Clerk session tokens (RS256 JWTs).
//!
//! The checks, in order:
//!
//! 1. **Shape**: at most [`max_token_len`](VerifyOptions::max_token_len) bytes, exactly three
//!    dot-separated base64url segments, a JSON header.
//! 2. **Header**: `cat` must not mark a machine-to-machine token; `typ` must be an accepted header
//!    type (by default absent or `JWT`); `alg` must be `RS256` — the header never chooses the
//!    algorithm, so `none`, `HS256` or `RS512` tokens are rejected before any key is touched; a
//!    `crit` header is rejected.
//! 3. **Key**: the [`KeySource`] picks the key by the header `kid`.
//! 4. **Signature**, over the header and payload exactly as received, before any claim is read.
//! 5. **Claims**, as `@clerk/backend` orders them: `sub` is a string; `aud` against
//!    [`audience`](VerifyOptions::audience); `azp` against
//!    [`authorized_parties`](VerifyOptions::authorized_parties); `iss` against
//!    [`issuer`](VerifyOptions::issuer); `exp` (required), `nbf` and `iat` against the
//!    [`Clock`] with [`leeway`](VerifyOptions::leeway).
//!
//! ```no_run
//! use clerk_auth::{PublicKey, Verifier, VerifyOptions};
//!
//! # fn run(token: &str) -> Result<(), Box<dyn std::error::Error>> {
//! let key = PublicKey::from_pem(&std::env::var("CLERK_JWT_KEY")?)?;
//! let verifier = Verifier::with_options(
//!     key,
//!     VerifyOptions::new().authorized_parties(["https://app.example.com"]),
//! );
//! let claims = verifier.verify(token)?;
//! println!("signed in as {}", claims.sub);
//! # Ok(()) }
//! ```
//!
//! Every check that needs no key — shape, size, base64url, the header and payload being JSON
//! objects, `cat`, `typ`, `alg`, `crit` — runs before the key source is asked, so with a remote
//! key source (`remote::JwksCache`) a token that is already invalid never causes a JWKS fetch.
//!
//! Where this differs from `@clerk/backend` (all stricter, none observable with Clerk-issued
//! tokens):
//!
//! - Only `RS256` is accepted (the reference also names RS384/RS512).
//! - `alg`, `typ` and `cat` are checked before the key is looked up.
//! - A `crit` header is rejected.
//! - Tokens longer than [`max_token_len`](VerifyOptions::max_token_len) (16 KiB by default) are
//!   rejected before decoding.
//! - The payload is only decoded into claims after the signature verified, so a networkless
//!   verification of a token whose payload is broken JSON and whose signature is wrong reports
//!   the signature (the reference: `token-invalid`). Before a remote key fetch the payload is
//!   checked in full, as the reference does.
//! - An `aud` claim that is neither a string nor an array of strings fails a configured audience
//!   check.
//! - Time claims are compared in whole seconds.

pub(crate) mod parse;
mod verify;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::claims::SessionClaims;
use crate::clock::{Clock, SystemClock};
use crate::error::{ReasonKind, VerifyError, quote};
use crate::keys::KeySource;

#[cfg(feature = "remote")]
pub(crate) use verify::check_audience;
#[cfg(any(feature = "remote", feature = "fuzzing"))]
pub(crate) use verify::decode_session;
pub(crate) use verify::{Audience, Claim, Registered, decode_custom};

/// The `cat` header value of machine-to-machine tokens, which are not session tokens.
const M2M_CATEGORY: &str = "cl_B7d4PD333AAA";
/// The `cat` header value of session tokens.
pub(crate) const SESSION_CATEGORY: &str = "cl_B7d4PD111AAA";
/// The "ignore" `cat` header value, treated like a session token.
pub(crate) const IGNORE_CATEGORY: &str = "cl_I7d4PD111III";

/// Which header `cat` (token category) values a verification accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Category {
    /// Session tokens: anything but the machine-to-machine category.
    Session,
    /// M2M JWTs: absent or the machine-to-machine category.
    M2m,
    /// Not checked (OAuth access tokens).
    Any,
    /// Handshake tokens: absent, the session category or the "ignore" category.
    #[cfg_attr(not(feature = "request"), allow(dead_code))]
    Handshake,
}

/// How the `iss` claim is checked.
#[derive(Clone, Default)]
pub(crate) enum IssuerRule {
    /// Not checked (the default, as in `@clerk/backend`).
    #[default]
    Any,
    /// `iss` must be one of these strings.
    OneOf(Vec<String>),
    /// `iss` must satisfy this predicate.
    Predicate(Arc<dyn Fn(&str) -> bool + Send + Sync>),
}

/// What [`verify_token`] and [`Verifier`] accept, beyond a valid RS256 signature.
///
/// Built with chained setters; every setting has a safe default:
///
/// ```
/// use std::time::Duration;
/// use clerk_auth::VerifyOptions;
///
/// let options = VerifyOptions::new()
///     .authorized_parties(["https://app.example.com", "http://localhost:3000"])
///     .issuer("https://clerk.example.com")
///     .leeway(Duration::from_secs(10));
/// ```
#[derive(Clone)]
pub struct VerifyOptions {
    pub(crate) authorized_parties: Vec<String>,
    pub(crate) audience: Vec<String>,
    pub(crate) require_audience: bool,
    pub(crate) issuer: IssuerRule,
    leeway: Duration,
    header_types: Option<Vec<String>>,
    max_token_len: usize,
    clock: Arc<dyn Clock>,
}

impl Default for VerifyOptions {
    fn default() -> VerifyOptions {
        VerifyOptions {
            authorized_parties: Vec::new(),
            audience: Vec::new(),
            require_audience: false,
            issuer: IssuerRule::Any,
            leeway: VerifyOptions::DEFAULT_LEEWAY,
            header_types: None,
            max_token_len: VerifyOptions::DEFAULT_MAX_TOKEN_LEN,
            clock: Arc::new(SystemClock),
        }
    }
}

impl VerifyOptions {
    /// The default clock skew allowed on `exp`, `nbf` and `iat`: 5 seconds.
    pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(5);
    /// The default size limit for a token: 16 KiB.
    pub const DEFAULT_MAX_TOKEN_LEN: usize = 16 * 1024;

    /// The defaults: no audience, authorized-party or issuer check, 5 s leeway, header `typ`
    /// absent or `JWT`, tokens up to 16 KiB, the system clock.
    pub fn new() -> VerifyOptions {
        VerifyOptions::default()
    }

    /// The origins (`azp` values) your frontends run on, such as `https://app.example.com`.
    ///
    /// When set, a token must carry an `azp` claim equal to one of them — a token without `azp`
    /// is rejected, as in `@clerk/backend`. Setting this is strongly recommended for tokens read
    /// from cookies, to stop tokens minted for another site being replayed against yours. Empty
    /// strings are ignored. Replaces earlier values. Defaults to no check.
    #[must_use]
    pub fn authorized_parties<I, S>(mut self, parties: I) -> VerifyOptions
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.authorized_parties = non_empty(parties);
        self
    }

    /// The accepted audiences.
    ///
    /// When set, a string `aud` claim must be one of them and an array `aud` must contain one of
    /// them; an `aud` of any other type is rejected. As in `@clerk/backend`, a token without an
    /// `aud` claim (or with an empty one) is not checked — Clerk session tokens only carry `aud`
    /// when your session-token template adds it; [`require_audience`](VerifyOptions::require_audience)
    /// refuses those too. Empty strings are ignored. Replaces earlier values. Defaults to no
    /// check.
    #[must_use]
    pub fn audience<I, S>(mut self, audience: I) -> VerifyOptions
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.audience = non_empty(audience);
        self
    }

    /// With an [`audience`](VerifyOptions::audience) configured, also refuses tokens that carry no
    /// `aud` (or an empty one) with [`ReasonKind::TokenInvalidAudience`].
    ///
    /// Off by default, as in `@clerk/backend`: Clerk's session tokens only carry `aud` when your
    /// session-token template adds one, so requiring it by default would refuse every default
    /// token the moment an audience is set. Turn it on when your template sets `aud`: then a token
    /// minted for another audience can no longer pass by leaving `aud` out.
    #[must_use]
    pub fn require_audience(mut self, required: bool) -> VerifyOptions {
        self.require_audience = required;
        self
    }

    /// Requires the `iss` claim to be exactly `issuer`, typically your instance's Frontend API URL
    /// (`https://clerk.example.com`, or `https://<slug>.clerk.accounts.dev` in development).
    ///
    /// Call [`issuers`](VerifyOptions::issuers) to accept several. Defaults to no check, as in
    /// `@clerk/backend`.
    #[must_use]
    pub fn issuer(self, issuer: impl Into<String>) -> VerifyOptions {
        self.issuers([issuer])
    }

    /// Requires the `iss` claim to be one of `issuers` (empty strings are ignored; an empty list
    /// turns the check off). Replaces any earlier issuer setting.
    #[must_use]
    pub fn issuers<I, S>(mut self, issuers: I) -> VerifyOptions
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let issuers = non_empty(issuers);
        self.issuer = if issuers.is_empty() {
            IssuerRule::Any
        } else {
            IssuerRule::OneOf(issuers)
        };
        self
    }

    /// Requires the `iss` claim to be a string for which `predicate` returns `true`. Replaces any
    /// earlier issuer setting.
    ///
    /// ```
    /// use clerk_auth::VerifyOptions;
    ///
    /// let options = VerifyOptions::new()
    ///     .issuer_matching(|iss| iss.starts_with("https://") && iss.ends_with(".example.com"));
    /// ```
    #[must_use]
    pub fn issuer_matching<F>(mut self, predicate: F) -> VerifyOptions
    where
        F: Fn(&str) -> bool + Send + Sync + 'static,
    {
        self.issuer = IssuerRule::Predicate(Arc::new(predicate));
        self
    }

    /// The clock skew tolerated on `exp`, `nbf` and `iat`, in whole seconds (sub-second parts are
    /// ignored). Defaults to [`DEFAULT_LEEWAY`](VerifyOptions::DEFAULT_LEEWAY) (5 s), as in
    /// `@clerk/backend`.
    #[must_use]
    pub fn leeway(mut self, leeway: Duration) -> VerifyOptions {
        self.leeway = leeway;
        self
    }

    /// The accepted values of the header `typ`. Once set, `typ` must be present and one of them.
    /// Defaults to accepting a token without `typ` or with `typ` `JWT`.
    #[must_use]
    pub fn header_types<I, S>(mut self, types: I) -> VerifyOptions
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.header_types = Some(types.into_iter().map(Into::into).collect());
        self
    }

    /// The longest token accepted, in bytes; longer ones fail with
    /// [`ReasonKind::TokenTooLarge`] before any decoding. Defaults to
    /// [`DEFAULT_MAX_TOKEN_LEN`](VerifyOptions::DEFAULT_MAX_TOKEN_LEN) (16 KiB); Clerk session
    /// tokens are usually under 2 KiB, and cookies cap them at about 4 KiB.
    #[must_use]
    pub fn max_token_len(mut self, max_token_len: usize) -> VerifyOptions {
        self.max_token_len = max_token_len;
        self
    }

    /// The clock the time claims are checked against. Defaults to [`SystemClock`].
    #[must_use]
    pub fn clock(mut self, clock: impl Clock + 'static) -> VerifyOptions {
        self.clock = Arc::new(clock);
        self
    }

    /// The configured leeway.
    pub fn leeway_duration(&self) -> Duration {
        self.leeway
    }

    /// The configured authorized parties.
    pub fn authorized_parties_list(&self) -> &[String] {
        &self.authorized_parties
    }

    /// The configured audience.
    pub fn audience_list(&self) -> &[String] {
        &self.audience
    }

    /// These options for a machine JWT: no authorized-party check, and the given header types
    /// (`None`: absent or `JWT`).
    pub(crate) fn for_machine(&self, header_types: Option<Vec<String>>) -> VerifyOptions {
        VerifyOptions {
            authorized_parties: Vec::new(),
            header_types,
            ..self.clone()
        }
    }

    pub(crate) fn leeway_secs(&self) -> i64 {
        i64::try_from(self.leeway.as_secs()).unwrap_or(i64::MAX)
    }

    pub(crate) fn now(&self) -> i64 {
        self.clock.now_unix()
    }
}

impl fmt::Debug for VerifyOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let issuer: &dyn fmt::Debug = match &self.issuer {
            IssuerRule::Any => &"any",
            IssuerRule::OneOf(issuers) => issuers,
            IssuerRule::Predicate(_) => &"<predicate>",
        };
        f.debug_struct("VerifyOptions")
            .field("authorized_parties", &self.authorized_parties)
            .field("audience", &self.audience)
            .field("require_audience", &self.require_audience)
            .field("issuer", issuer)
            .field("leeway", &self.leeway)
            .field("header_types", &self.header_types)
            .field("max_token_len", &self.max_token_len)
            .finish_non_exhaustive()
    }
}

fn non_empty<I, S>(items: I) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    items
        .into_iter()
        .map(Into::into)
        .filter(|s| !s.is_empty())
        .collect()
}

/// Verifies a Clerk session token and returns its claims.
///
/// See the [module documentation](self) for the checks, and [`Verifier`] for a reusable
/// key-plus-options bundle.
///
/// # Errors
///
/// A [`VerifyError`] naming the first check that failed.
pub fn verify_token<K: KeySource + ?Sized>(
    token: &str,
    keys: &K,
    options: &VerifyOptions,
) -> Result<SessionClaims, VerifyError> {
    verify_with(
        token,
        keys,
        options,
        Category::Session,
        verify::decode_session,
    )
}

/// Verifies a session token and decodes its payload into your own claims type.
///
/// The registered claims are checked exactly as in [`verify_token`], whatever `C` contains.
///
/// # Errors
///
/// A [`VerifyError`]; [`ReasonKind::TokenInvalidClaims`] if the payload does not fit `C`.
pub fn verify_token_as<C, K>(
    token: &str,
    keys: &K,
    options: &VerifyOptions,
) -> Result<C, VerifyError>
where
    C: DeserializeOwned,
    K: KeySource + ?Sized,
{
    verify_with(
        token,
        keys,
        options,
        Category::Session,
        verify::decode_custom::<C>,
    )
}

/// Everything up to and including the signature, then `decode` on the verified payload.
pub(crate) fn verify_with<T, K: KeySource + ?Sized>(
    token: &str,
    keys: &K,
    options: &VerifyOptions,
    category: Category,
    decode: impl FnOnce(&[u8], &VerifyOptions, i64) -> Result<T, VerifyError>,
) -> Result<T, VerifyError> {
    prepare(token, options, category)?.finish(keys, options, decode)
}

/// A token whose shape, encoding and header passed every check that needs no key: what is left
/// is the key lookup, the signature and the claims.
///
/// Splitting verification here lets asynchronous key sources (a JWKS fetched over the network)
/// be asked only for tokens that could verify at all: a token that is already invalid never
/// costs a network call.
pub(crate) struct Prepared<'t> {
    /// `<header>.<payload>`, exactly as received.
    signing_input: &'t str,
    payload: Vec<u8>,
    signature: [u8; parse::MAX_SIGNATURE_LEN],
    /// `None` when the signature is longer than any supported modulus: it cannot verify.
    signature_len: Option<usize>,
    kid: Option<String>,
}

/// Checks everything that needs no key, in the reference order: the token's shape, the
/// base64url encoding of all three segments, the header and payload being JSON objects, then the
/// header's `cat`, `typ`, `alg` and `crit`.
pub(crate) fn prepare<'t>(
    token: &'t str,
    options: &VerifyOptions,
    category: Category,
) -> Result<Prepared<'t>, VerifyError> {
    let segments = parse::split(token, options.max_token_len)?;

    let mut header_buf = [0u8; parse::MAX_HEADER_LEN];
    let header_len = parse::decode_into(segments.header, &mut header_buf)?.ok_or_else(|| {
        VerifyError::new(
            ReasonKind::TokenMalformed,
            "Invalid JWT form. The header is too large.",
        )
    })?;
    let payload = parse::decode_vec(segments.payload)?;
    let mut signature = [0u8; parse::MAX_SIGNATURE_LEN];
    // A signature longer than any supported modulus cannot verify; it fails at the signature
    // step, but it must still be valid base64url.
    let signature_len = match parse::decode_into(segments.signature, &mut signature)? {
        Some(len) => Some(len),
        None => {
            parse::decode_vec(segments.signature)?;
            None
        }
    };
    let header = parse::decode_header(&header_buf[..header_len])?;
    // A full JSON check of the payload costs a pass over it; it is only worth it before a
    // network call (see `Prepared::check_payload`). Here, only an array or a scalar is refused.
    if !parse::starts_like_object(&payload) {
        return Err(parse::undecodable());
    }
    let kid = header.kid.as_ref().map(parse::Str::as_str);

    let cat = header.cat.as_ref().map(parse::Str::as_str);
    match category {
        Category::Session if cat == Some(M2M_CATEGORY) => {
            return Err(VerifyError::new(
                ReasonKind::TokenInvalidCategory,
                "Invalid session token category: this is a machine-to-machine token.",
            )
            .with_kid(kid));
        }
        Category::M2m if cat.is_some_and(|cat| cat != M2M_CATEGORY) => {
            return Err(VerifyError::new(
                ReasonKind::TokenInvalidCategory,
                "Invalid M2M JWT category.",
            )
            .with_kid(kid));
        }
        Category::Handshake
            if cat.is_some_and(|cat| cat != SESSION_CATEGORY && cat != IGNORE_CATEGORY) =>
        {
            return Err(VerifyError::new(
                ReasonKind::TokenInvalidCategory,
                "Invalid handshake token category.",
            )
            .with_kid(kid));
        }
        _ => {}
    }

    check_type(header.typ.as_ref().map(parse::Str::as_str), options)
        .map_err(|e| e.with_kid(kid))?;

    match header.alg.as_ref().map(parse::Str::as_str) {
        Some("RS256") => {}
        alg => {
            let found = alg.map_or_else(|| "missing".to_owned(), quote);
            return Err(VerifyError::new(
                ReasonKind::TokenInvalidAlgorithm,
                format!("Invalid JWT algorithm {found}. Supported: RS256."),
            )
            .with_kid(kid));
        }
    }

    if header.crit.is_some() {
        return Err(VerifyError::new(
            ReasonKind::TokenMalformed,
            "The JWT header lists critical extensions (crit), which are not supported.",
        )
        .with_kid(kid));
    }

    Ok(Prepared {
        signing_input: segments.signing_input,
        payload,
        signature,
        signature_len,
        kid: kid.map(str::to_owned),
    })
}

impl Prepared<'_> {
    /// Checks that the payload is one well-formed JSON object, as the reference's decoding step
    /// does. [`prepare`] only looks at its first byte; call this before anything costly (a key
    /// fetch), so that a token with a broken payload never causes one.
    #[cfg_attr(not(feature = "remote"), allow(dead_code))]
    pub(crate) fn check_payload(&self) -> Result<(), VerifyError> {
        if parse::is_json_object_text(&self.payload) {
            Ok(())
        } else {
            Err(parse::undecodable().with_kid(self.kid()))
        }
    }

    /// The header's `kid`, to pick the key with.
    pub(crate) fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The key lookup, the signature, then `decode` on the verified payload.
    pub(crate) fn finish<T, K: KeySource + ?Sized>(
        self,
        keys: &K,
        options: &VerifyOptions,
        decode: impl FnOnce(&[u8], &VerifyOptions, i64) -> Result<T, VerifyError>,
    ) -> Result<T, VerifyError> {
        let kid = self.kid();
        let key = keys.key_for(kid).map_err(|e| {
            if e.context().kid.is_none() {
                e.with_kid(kid)
            } else {
                e
            }
        })?;

        let valid = self.signature_len.is_some_and(|len| {
            key.verify_rs256(self.signing_input.as_bytes(), &self.signature[..len])
        });
        if !valid {
            return Err(VerifyError::new(
                ReasonKind::TokenInvalidSignature,
                "JWT signature is invalid.",
            )
            .with_kid(kid));
        }

        let now = options.now();
        decode(&self.payload, options, now).map_err(|e| e.with_kid(kid))
    }
}

fn check_type(typ: Option<&str>, options: &VerifyOptions) -> Result<(), VerifyError> {
    let accepted = match (&options.header_types, typ) {
        (None, None | Some("JWT")) => true,
        (None, Some(_)) => false,
        (Some(types), Some(typ)) => types.iter().any(|t| t == typ),
        (Some(_), None) => false,
    };
    if accepted {
        return Ok(());
    }
    let expected = match &options.header_types {
        None => "\"JWT\"".to_owned(),
        Some(types) => types
            .iter()
            .map(|t| quote(t))
            .collect::<Vec<_>>()
            .join(", "),
    };
    let found = typ.map_or_else(|| "missing".to_owned(), quote);
    Err(VerifyError::new(
        ReasonKind::TokenInvalidType,
        format!("Invalid JWT type {found}. Expected {expected}."),
    ))
}

/// A key source and options, ready to verify session tokens.
///
/// Cheap to share: wrap it in an [`Arc`] or clone it (cloning copies the key).
///
/// ```no_run
/// use clerk_auth::{Auth, Check, PublicKey, Verifier};
///
/// # fn run(pem: &str, token: &str) -> Result<(), Box<dyn std::error::Error>> {
/// let verifier = Verifier::new(PublicKey::from_pem(pem)?);
/// let auth = Auth::from_verification(verifier.verify(token));
/// if auth.has(&Check::permission("org:invoices:read")) {
///     // …
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Verifier<K = crate::keys::PublicKey> {
    keys: K,
    options: VerifyOptions,
}

impl<K: KeySource> Verifier<K> {
    /// A verifier with the default [`VerifyOptions`].
    pub fn new(keys: K) -> Verifier<K> {
        Verifier::with_options(keys, VerifyOptions::default())
    }

    /// A verifier with the given options.
    pub fn with_options(keys: K, options: VerifyOptions) -> Verifier<K> {
        Verifier { keys, options }
    }

    /// The key source.
    pub fn keys(&self) -> &K {
        &self.keys
    }

    /// The options.
    pub fn options(&self) -> &VerifyOptions {
        &self.options
    }

    /// Verifies a session token and returns its claims (see [`verify_token`]).
    ///
    /// # Errors
    ///
    /// A [`VerifyError`] naming the first check that failed.
    pub fn verify(&self, token: &str) -> Result<SessionClaims, VerifyError> {
        verify_token(token, &self.keys, &self.options)
    }

    /// Verifies a session token and decodes its payload into `C` (see [`verify_token_as`]).
    ///
    /// # Errors
    ///
    /// A [`VerifyError`]; [`ReasonKind::TokenInvalidClaims`] if the payload does not fit `C`.
    pub fn verify_as<C: DeserializeOwned>(&self, token: &str) -> Result<C, VerifyError> {
        verify_token_as(token, &self.keys, &self.options)
    }
}

/// The JOSE header of a token, decoded without verifying anything.
///
/// Returned by [`decode_header`], to pick a key or a verification path before verifying.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenHeader {
    /// The signing algorithm (`alg`).
    pub alg: Option<String>,
    /// The media type (`typ`), such as `JWT` or `at+jwt`.
    pub typ: Option<String>,
    /// The key id (`kid`); Clerk uses the instance id.
    pub kid: Option<String>,
    /// The Clerk token category (`cat`).
    pub cat: Option<String>,
}

/// Decodes the header of a compact JWT without verifying the token.
///
/// Nothing in it can be trusted until the token is verified; use it to choose a key (`kid`) or a
/// verification path (`typ`, `cat`).
///
/// ```
/// // {"alg":"RS256","kid":"ins_1"}
/// let header = clerk_auth::jwt::decode_header("eyJhbGciOiJSUzI1NiIsImtpZCI6Imluc18xIn0.e30.c2ln")?;
/// assert_eq!(header.kid.as_deref(), Some("ins_1"));
/// # Ok::<(), clerk_auth::VerifyError>(())
/// ```
///
/// # Errors
///
/// [`ReasonKind::TokenMalformed`] (or [`ReasonKind::TokenTooLarge`] beyond
/// [`VerifyOptions::DEFAULT_MAX_TOKEN_LEN`]) if the token is not three dot-separated segments
/// with a base64url JSON header.
pub fn decode_header(token: &str) -> Result<TokenHeader, VerifyError> {
    decode_header_limited(token, VerifyOptions::DEFAULT_MAX_TOKEN_LEN)
}

fn decode_header_limited(token: &str, max_len: usize) -> Result<TokenHeader, VerifyError> {
    let segments = parse::split(token, max_len)?;
    let mut header_buf = [0u8; parse::MAX_HEADER_LEN];
    let header_len = parse::decode_into(segments.header, &mut header_buf)?.ok_or_else(|| {
        VerifyError::new(
            ReasonKind::TokenMalformed,
            "Invalid JWT form. The header is too large.",
        )
    })?;
    let header = parse::decode_header(&header_buf[..header_len])?;
    let owned = |s: Option<parse::Str<'_>>| s.map(|s| s.0.into_owned());
    Ok(TokenHeader {
        alg: owned(header.alg),
        typ: owned(header.typ),
        kid: owned(header.kid),
        cat: owned(header.cat),
    })
}

/// Decodes the payload of a compact JWT as JSON, without verifying the token (for token-type
/// detection only).
pub(crate) fn decode_payload_unverified(token: &str) -> Result<serde_json::Value, VerifyError> {
    let segments = parse::split(token, VerifyOptions::DEFAULT_MAX_TOKEN_LEN)?;
    let payload = parse::decode_vec(segments.payload)?;
    serde_json::from_slice(&payload).map_err(|_| parse::undecodable())
}

/// Whether the payload's `sub` names a machine (`mch_…`), read without verifying the token and
/// without building a JSON tree (this runs for every bearer token, to route it).
pub(crate) fn unverified_subject_is_machine(token: &str) -> bool {
    #[derive(serde::Deserialize)]
    struct Subject<'a> {
        #[serde(borrow, default)]
        sub: Option<parse::Str<'a>>,
    }

    let Ok(segments) = parse::split(token, VerifyOptions::DEFAULT_MAX_TOKEN_LEN) else {
        return false;
    };
    let Ok(payload) = parse::decode_vec(segments.payload) else {
        return false;
    };
    parse::starts_like_object(&payload)
        && serde_json::from_slice::<Subject<'_>>(&payload).is_ok_and(|subject| {
            subject
                .sub
                .is_some_and(|sub| sub.as_str().starts_with(crate::machine::MACHINE_ID_PREFIX))
        })
}

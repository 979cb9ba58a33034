//! RSA public keys for RS256 verification: PEM (SPKI or PKCS#1), JWK, JWKS, and the
//! [`KeySource`] trait the verifier uses to pick a key by `kid`.
//!
//! A [`PublicKey`] is parsed and validated once, when it is built; verifying a token then only hands
//! the prepared modulus and exponent to `ring`.
//!
//! ```no_run
//! use clerk_auth::{JwkSet, KeySet, PublicKey};
//!
//! # fn run(jwks_json: &str) -> Result<(), Box<dyn std::error::Error>> {
//! // Networkless: the PEM from the Clerk Dashboard (API keys → JWT public key).
//! let key = PublicKey::from_pem(&std::env::var("CLERK_JWT_KEY")?)?;
//! assert!(key.bits() >= 2048);
//!
//! // Or every RS256 key of a JWKS document, looked up by `kid`.
//! let jwks: JwkSet = serde_json::from_str(jwks_json)?;
//! let keys = KeySet::from_jwk_set(&jwks)?;
//! # Ok(()) }
//! ```

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use ring::signature::{RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
use serde::{Deserialize, Serialize};

use crate::error::{ReasonKind, VerifyError, quote, truncate};

/// Smallest modulus accepted, in bits. (`ring` would also take 2041 to 2047 bits, as it rounds
/// the length up to whole bytes; a key that size is not the 2048-bit key it claims to be.)
const MIN_MODULUS_BITS: usize = 2048;
/// Largest modulus `ring` accepts, in bits.
const MAX_MODULUS_BITS: usize = 8192;
/// Largest public exponent `ring` accepts.
const MAX_EXPONENT: u64 = (1 << 33) - 1;

/// Why a key could not be parsed or used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// No `-----BEGIN …-----` line was found.
    #[error(
        "no PEM block found: expected \"-----BEGIN PUBLIC KEY-----\" or \"-----BEGIN RSA PUBLIC KEY-----\""
    )]
    PemNotFound,
    /// The PEM block has no matching `-----END …-----` line.
    #[error("the PEM block has no matching \"-----END {0}-----\" line")]
    PemUnterminated(String),
    /// The PEM block holds something other than a public key.
    #[error("unsupported PEM block {0:?}: expected \"PUBLIC KEY\" or \"RSA PUBLIC KEY\"")]
    UnsupportedPemLabel(String),
    /// A private key was given where the public key belongs.
    #[error(
        "this is a private key: give the instance's public key (Dashboard → API keys → JWT public key) instead"
    )]
    PrivateKey,
    /// The PEM body is not valid base64.
    #[error("the PEM body is not valid base64")]
    PemBase64,
    /// The DER structure is not a valid SubjectPublicKeyInfo or RSAPublicKey.
    #[error("invalid DER key structure: {0}")]
    Der(&'static str),
    /// The key is not an RSA key.
    #[error("unsupported key algorithm (OID {0}): only RSA keys can verify RS256 tokens")]
    UnsupportedAlgorithm(String),
    /// The RSA modulus is outside the sizes RS256 verification supports.
    #[error("unsupported RSA key size: {bits} bits (supported: 2048 to 8192)")]
    UnsupportedKeySize {
        /// The modulus size in bits.
        bits: usize,
    },
    /// The RSA modulus is zero or even.
    #[error("invalid RSA modulus")]
    InvalidModulus,
    /// The RSA public exponent is even, below 3 or above 2^33 - 1.
    #[error("invalid or unsupported RSA public exponent")]
    InvalidExponent,
    /// The JWK `kty` is not `RSA`.
    #[error("unsupported JWK key type {0:?}: only RSA keys can verify RS256 tokens")]
    UnsupportedKeyType(String),
    /// The JWK `alg` is present and is not `RS256`.
    #[error("unsupported JWK algorithm {0:?}: only RS256 is supported")]
    UnsupportedJwkAlgorithm(String),
    /// The JWK `use` is present and is not `sig`.
    #[error("JWK use {0:?} is not \"sig\"")]
    UnsupportedKeyUse(String),
    /// A required JWK member is missing.
    #[error("the JWK has no {0:?} member")]
    MissingJwkMember(&'static str),
    /// A JWK member is not valid base64url.
    #[error("the JWK member {0:?} is not valid base64url")]
    InvalidJwkMember(&'static str),
    /// A JWK set contains no usable RS256 signing key.
    #[error("the JWK set contains no RS256 signing key")]
    NoUsableKeys,
}

/// An RSA public key that verifies RS256 (RSASSA-PKCS1-v1_5 with SHA-256) signatures.
///
/// Build it from the PEM in the Clerk Dashboard (`CLERK_JWT_KEY`) with [`PublicKey::from_pem`], or
/// from a JWKS entry with [`PublicKey::from_jwk`]. Any RSA modulus from 2048 to 8192 bits works.
///
/// `Debug` shows the key id and size, never the key material.
#[derive(Clone)]
pub struct PublicKey {
    components: RsaPublicKeyComponents<Vec<u8>>,
    kid: Option<Arc<str>>,
    bits: usize,
}

impl PublicKey {
    /// Parses a PEM public key: `-----BEGIN PUBLIC KEY-----` (SubjectPublicKeyInfo, what the Clerk
    /// Dashboard shows) or `-----BEGIN RSA PUBLIC KEY-----` (PKCS#1).
    ///
    /// Line breaks may be real or written as the two characters `\n` (as in some `.env` files);
    /// text before the `BEGIN` line is ignored. The key has no `kid`; add one with
    /// [`with_kid`](PublicKey::with_kid) to make the verifier check the token's `kid` against it.
    ///
    /// # Errors
    ///
    /// [`KeyError`] if there is no public-key PEM block, its body is not base64, the DER inside is
    /// not an RSA public key, or the key is outside what RS256 verification supports.
    pub fn from_pem(pem: &str) -> Result<PublicKey, KeyError> {
        let (label, der) = decode_pem(pem)?;
        match label {
            "PUBLIC KEY" => PublicKey::from_spki_der(&der),
            "RSA PUBLIC KEY" => PublicKey::from_pkcs1_der(&der),
            "PRIVATE KEY" | "RSA PRIVATE KEY" | "ENCRYPTED PRIVATE KEY" => {
                Err(KeyError::PrivateKey)
            }
            other => Err(KeyError::UnsupportedPemLabel(
                truncate(other, 40).into_owned(),
            )),
        }
    }

    /// Parses the key the way `CLERK_JWT_KEY` arrives: a PEM block (see
    /// [`from_pem`](PublicKey::from_pem)), or the bare base64 of a DER SubjectPublicKeyInfo (or
    /// PKCS#1 key) without the `BEGIN`/`END` lines, possibly with whitespace or literal `\n`s.
    ///
    /// ```
    /// use clerk_auth::PublicKey;
    ///
    /// # let pem = include_str!("../tests/fixtures/rsa2048.spki.pem");
    /// let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    /// assert_eq!(PublicKey::parse(&body)?, PublicKey::parse(pem)?);
    /// # Ok::<(), clerk_auth::KeyError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`KeyError`] as for [`from_pem`](PublicKey::from_pem), or
    /// [`KeyError::PemBase64`] if bare text is not base64.
    pub fn parse(text: &str) -> Result<PublicKey, KeyError> {
        if text.contains("-----BEGIN ") {
            return PublicKey::from_pem(text);
        }
        let der = decode_base64_body(text)?;
        PublicKey::from_spki_der(&der)
            .or_else(|spki_error| PublicKey::from_pkcs1_der(&der).map_err(|_| spki_error))
    }

    /// Parses a DER SubjectPublicKeyInfo holding an RSA key.
    ///
    /// # Errors
    ///
    /// [`KeyError`] if the DER is not an RSA SubjectPublicKeyInfo or the key is unsupported.
    pub fn from_spki_der(der: &[u8]) -> Result<PublicKey, KeyError> {
        let rsa_public_key = der::spki_rsa_public_key(der)?;
        PublicKey::from_pkcs1_der(rsa_public_key)
    }

    /// Parses a DER PKCS#1 `RSAPublicKey` (`SEQUENCE { modulus, publicExponent }`).
    ///
    /// # Errors
    ///
    /// [`KeyError`] if the DER is malformed or the key is unsupported.
    pub fn from_pkcs1_der(der: &[u8]) -> Result<PublicKey, KeyError> {
        let (n, e) = der::rsa_public_key(der)?;
        PublicKey::from_components(n, e)
    }

    /// Builds a key from a JWK's `n` and `e` (base64url, big-endian). The JWK's `kid` becomes the
    /// key's `kid`.
    ///
    /// # Errors
    ///
    /// [`KeyError`] if `kty` is not `RSA`, `alg` is present and not `RS256`, `use` is present and
    /// not `sig`, `n` or `e` is missing or not base64url, or the key is unsupported.
    pub fn from_jwk(jwk: &Jwk) -> Result<PublicKey, KeyError> {
        if jwk.kty != "RSA" {
            return Err(KeyError::UnsupportedKeyType(
                truncate(&jwk.kty, 40).into_owned(),
            ));
        }
        if let Some(alg) = jwk.alg.as_deref().filter(|alg| *alg != "RS256") {
            return Err(KeyError::UnsupportedJwkAlgorithm(
                truncate(alg, 40).into_owned(),
            ));
        }
        if let Some(key_use) = jwk.key_use.as_deref().filter(|key_use| *key_use != "sig") {
            return Err(KeyError::UnsupportedKeyUse(
                truncate(key_use, 40).into_owned(),
            ));
        }
        let n = decode_jwk_member(jwk.n.as_deref(), "n")?;
        let e = decode_jwk_member(jwk.e.as_deref(), "e")?;
        let key = PublicKey::from_components(&n, &e)?;
        Ok(match &jwk.kid {
            Some(kid) => key.with_kid(kid.as_str()),
            None => key,
        })
    }

    /// Builds a key from its big-endian modulus and public exponent (leading zero bytes are
    /// ignored).
    ///
    /// # Errors
    ///
    /// [`KeyError`] if the modulus is even or outside 2048–8192 bits, or the exponent is even,
    /// below 3 or above 2^33 - 1.
    pub fn from_components(modulus: &[u8], exponent: &[u8]) -> Result<PublicKey, KeyError> {
        let n = strip_leading_zeros(modulus);
        let e = strip_leading_zeros(exponent);
        let Some((&first, _)) = n.split_first() else {
            return Err(KeyError::InvalidModulus);
        };
        let bits = n.len() * 8 - first.leading_zeros() as usize;
        if !(MIN_MODULUS_BITS..=MAX_MODULUS_BITS).contains(&bits) {
            return Err(KeyError::UnsupportedKeySize { bits });
        }
        if n.last().is_some_and(|last| last & 1 == 0) {
            return Err(KeyError::InvalidModulus);
        }
        if e.is_empty() || e.len() > 5 {
            return Err(KeyError::InvalidExponent);
        }
        let e_value = e.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        if !(3..=MAX_EXPONENT).contains(&e_value) || e_value & 1 == 0 {
            return Err(KeyError::InvalidExponent);
        }
        Ok(PublicKey {
            components: RsaPublicKeyComponents {
                n: n.to_vec(),
                e: e.to_vec(),
            },
            kid: None,
            bits,
        })
    }

    /// The same key with a key id. A verifier using this key then requires tokens to carry this
    /// `kid` in their header.
    #[must_use]
    pub fn with_kid(mut self, kid: impl Into<String>) -> PublicKey {
        self.kid = Some(Arc::from(kid.into()));
        self
    }

    /// The key id, if the key has one.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The modulus size in bits.
    pub fn bits(&self) -> usize {
        self.bits
    }

    /// The key as an RS256 signing JWK (`kty`, `alg`, `use`, `kid`, `n`, `e`), for serving a JWKS.
    pub fn to_jwk(&self) -> Jwk {
        Jwk {
            kid: self.kid.as_deref().map(str::to_owned),
            kty: "RSA".to_owned(),
            alg: Some("RS256".to_owned()),
            key_use: Some("sig".to_owned()),
            n: Some(URL_SAFE_NO_PAD.encode(&self.components.n)),
            e: Some(URL_SAFE_NO_PAD.encode(&self.components.e)),
        }
    }

    /// Whether `signature` is a valid RS256 signature of `message` under this key.
    pub(crate) fn verify_rs256(&self, message: &[u8], signature: &[u8]) -> bool {
        self.components
            .verify(&RSA_PKCS1_2048_8192_SHA256, message, signature)
            .is_ok()
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("kid", &self.kid())
            .field("alg", &"RS256")
            .field("bits", &self.bits)
            .finish_non_exhaustive()
    }
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &PublicKey) -> bool {
        self.kid == other.kid
            && self.components.n == other.components.n
            && self.components.e == other.components.e
    }
}

impl Eq for PublicKey {}

impl std::str::FromStr for PublicKey {
    type Err = KeyError;

    fn from_str(pem: &str) -> Result<PublicKey, KeyError> {
        PublicKey::from_pem(pem)
    }
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

/// base64url, with or without `=` padding.
const BASE64URL_LOOSE: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Standard base64, with or without `=` padding.
const BASE64_LOOSE: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

fn decode_jwk_member(value: Option<&str>, name: &'static str) -> Result<Vec<u8>, KeyError> {
    let value = value.ok_or(KeyError::MissingJwkMember(name))?;
    BASE64URL_LOOSE
        .decode(value)
        .map_err(|_| KeyError::InvalidJwkMember(name))
}

/// Finds the first PEM block and returns its label and decoded body.
fn decode_pem(pem: &str) -> Result<(&str, Vec<u8>), KeyError> {
    const BEGIN: &str = "-----BEGIN ";
    const DASHES: &str = "-----";
    let start = pem.find(BEGIN).ok_or(KeyError::PemNotFound)?;
    let after_begin = &pem[start + BEGIN.len()..];
    let label_end = after_begin.find(DASHES).ok_or(KeyError::PemNotFound)?;
    let label = &after_begin[..label_end];
    if label.contains(['\n', '\r']) {
        return Err(KeyError::PemNotFound);
    }
    let body_and_rest = &after_begin[label_end + DASHES.len()..];
    let end_marker = format!("-----END {label}-----");
    let body_end = body_and_rest
        .find(&end_marker)
        .ok_or_else(|| KeyError::PemUnterminated(truncate(label, 40).into_owned()))?;
    let body = &body_and_rest[..body_end];
    Ok((label, decode_base64_body(body)?))
}

/// The bytes of a base64 key body: whitespace and literal `\n` / `\r` escapes are dropped.
fn decode_base64_body(body: &str) -> Result<Vec<u8>, KeyError> {
    let mut compact = String::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_ascii_whitespace() => {}
            '\\' if matches!(chars.peek(), Some('n' | 'r')) => {
                chars.next();
            }
            c => compact.push(c),
        }
    }
    BASE64_LOOSE
        .decode(compact.as_bytes())
        .map_err(|_| KeyError::PemBase64)
}

/// The few DER structures a public key needs, parsed strictly (definite, minimal lengths; no
/// trailing data).
mod der {
    use super::KeyError;

    const SEQUENCE: u8 = 0x30;
    const INTEGER: u8 = 0x02;
    const BIT_STRING: u8 = 0x03;
    const NULL: u8 = 0x05;
    const OID: u8 = 0x06;
    /// 1.2.840.113549.1.1.1 (rsaEncryption).
    const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

    struct Reader<'a> {
        input: &'a [u8],
    }

    impl<'a> Reader<'a> {
        fn new(input: &'a [u8]) -> Reader<'a> {
            Reader { input }
        }

        fn is_empty(&self) -> bool {
            self.input.is_empty()
        }

        fn byte(&mut self) -> Result<u8, KeyError> {
            let (&first, rest) = self
                .input
                .split_first()
                .ok_or(KeyError::Der("unexpected end of data"))?;
            self.input = rest;
            Ok(first)
        }

        /// Reads one element with tag `tag` and returns its contents.
        fn element(&mut self, tag: u8, what: &'static str) -> Result<&'a [u8], KeyError> {
            if self.byte()? != tag {
                return Err(KeyError::Der(what));
            }
            let first = self.byte()?;
            let len = if first < 0x80 {
                usize::from(first)
            } else {
                let count = usize::from(first & 0x7f);
                if count == 0 || count > 4 {
                    return Err(KeyError::Der("unsupported length encoding"));
                }
                let mut len = 0usize;
                for i in 0..count {
                    let b = self.byte()?;
                    if i == 0 && b == 0 {
                        return Err(KeyError::Der("non-minimal length"));
                    }
                    len = (len << 8) | usize::from(b);
                }
                if len < 0x80 {
                    return Err(KeyError::Der("non-minimal length"));
                }
                len
            };
            if len > self.input.len() {
                return Err(KeyError::Der("length runs past the end of the data"));
            }
            let (contents, rest) = self.input.split_at(len);
            self.input = rest;
            Ok(contents)
        }

        fn finish(&self) -> Result<(), KeyError> {
            if self.is_empty() {
                Ok(())
            } else {
                Err(KeyError::Der("unexpected trailing data"))
            }
        }
    }

    /// `SubjectPublicKeyInfo { AlgorithmIdentifier { rsaEncryption, NULL }, BIT STRING }` → the
    /// bit string's contents (a DER `RSAPublicKey`).
    pub(super) fn spki_rsa_public_key(der: &[u8]) -> Result<&[u8], KeyError> {
        let mut outer = Reader::new(der);
        let spki = outer.element(SEQUENCE, "expected a SubjectPublicKeyInfo SEQUENCE")?;
        outer.finish()?;
        let mut spki = Reader::new(spki);
        let algorithm = spki.element(SEQUENCE, "expected an AlgorithmIdentifier SEQUENCE")?;
        let bits = spki.element(BIT_STRING, "expected the subjectPublicKey BIT STRING")?;
        spki.finish()?;

        let mut algorithm = Reader::new(algorithm);
        let oid = algorithm.element(OID, "expected an algorithm OBJECT IDENTIFIER")?;
        if oid != RSA_ENCRYPTION {
            return Err(KeyError::UnsupportedAlgorithm(dotted_oid(oid)));
        }
        // The parameters must be NULL; tolerate their absence, as many parsers do.
        if !algorithm.is_empty() {
            let params = algorithm.element(NULL, "rsaEncryption parameters must be NULL")?;
            if !params.is_empty() {
                return Err(KeyError::Der("NULL with contents"));
            }
            algorithm.finish()?;
        }

        match bits.split_first() {
            Some((0, key)) => Ok(key),
            Some(_) => Err(KeyError::Der("subjectPublicKey has unused bits")),
            None => Err(KeyError::Der("empty subjectPublicKey")),
        }
    }

    /// `RSAPublicKey { modulus INTEGER, publicExponent INTEGER }` → (n, e), big-endian, unsigned.
    pub(super) fn rsa_public_key(der: &[u8]) -> Result<(&[u8], &[u8]), KeyError> {
        let mut outer = Reader::new(der);
        let key = outer.element(SEQUENCE, "expected an RSAPublicKey SEQUENCE")?;
        outer.finish()?;
        let mut key = Reader::new(key);
        let n = unsigned(key.element(INTEGER, "expected the modulus INTEGER")?)?;
        let e = unsigned(key.element(INTEGER, "expected the public exponent INTEGER")?)?;
        key.finish()?;
        Ok((n, e))
    }

    /// A DER INTEGER's contents as an unsigned big-endian number (without the sign byte).
    fn unsigned(int: &[u8]) -> Result<&[u8], KeyError> {
        match int {
            [] => Err(KeyError::Der("empty INTEGER")),
            [first, ..] if first & 0x80 != 0 => Err(KeyError::Der("negative INTEGER")),
            [0, second, ..] if second & 0x80 == 0 => Err(KeyError::Der("non-minimal INTEGER")),
            [0, rest @ ..] if !rest.is_empty() => Ok(rest),
            _ => Ok(int),
        }
    }

    /// Renders an OID as dotted decimal, for error messages.
    fn dotted_oid(oid: &[u8]) -> String {
        let mut parts: Vec<String> = Vec::new();
        let mut value: u64 = 0;
        for (i, b) in oid.iter().enumerate() {
            if i >= 32 {
                parts.push("…".to_owned());
                break;
            }
            value = (value << 7) | u64::from(b & 0x7f);
            if b & 0x80 == 0 {
                if parts.is_empty() {
                    let first = (value / 40).min(2);
                    parts.push(first.to_string());
                    parts.push((value - first * 40).to_string());
                } else {
                    parts.push(value.to_string());
                }
                value = 0;
            }
        }
        parts.join(".")
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn dotted_oids() {
            assert_eq!(dotted_oid(RSA_ENCRYPTION), "1.2.840.113549.1.1.1");
            assert_eq!(
                dotted_oid(&[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]),
                "1.2.840.10045.2.1"
            );
            assert_eq!(dotted_oid(&[0x2b, 0x65, 0x70]), "1.3.101.112");
        }

        #[test]
        fn integers() {
            assert_eq!(unsigned(&[0x00, 0x80]), Ok(&[0x80][..]));
            assert_eq!(unsigned(&[0x7f]), Ok(&[0x7f][..]));
            assert_eq!(unsigned(&[0x00]), Ok(&[0x00][..]));
            assert!(unsigned(&[0x00, 0x7f]).is_err());
            assert!(unsigned(&[0x80]).is_err());
            assert!(unsigned(&[]).is_err());
        }

        #[test]
        fn lengths() {
            let mut r = Reader::new(&[0x04, 0x81, 0x01, 0xff]);
            assert!(
                r.element(0x04, "x").is_err(),
                "long form for a short length"
            );
            let mut r = Reader::new(&[0x04, 0x80]);
            assert!(r.element(0x04, "x").is_err(), "indefinite length");
            let mut r = Reader::new(&[0x04, 0x05, 0x00]);
            assert!(r.element(0x04, "x").is_err(), "length past the end");
            let mut data = vec![0x04, 0x81, 0x80];
            data.extend([7u8; 0x80]);
            let mut r = Reader::new(&data);
            assert_eq!(r.element(0x04, "x").map(<[u8]>::len), Ok(0x80));
            assert!(r.finish().is_ok());
        }
    }
}

/// A JSON Web Key, as served in a JWKS.
///
/// Only the members RS256 verification needs are kept; others are ignored when deserializing.
/// `Debug` omits the key material.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Jwk {
    /// Key id (`kid`); Clerk uses the instance id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// Key type (`kty`), `RSA` for Clerk keys.
    #[serde(default)]
    pub kty: String,
    /// Algorithm (`alg`), `RS256` for Clerk keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    /// Intended use (`use`), `sig` for signing keys.
    #[serde(rename = "use", default, skip_serializing_if = "Option::is_none")]
    pub key_use: Option<String>,
    /// RSA modulus, base64url big-endian (`n`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    /// RSA public exponent, base64url big-endian (`e`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
}

impl Jwk {
    /// Whether this JWK is an RSA key usable for RS256 signatures (`kty` `RSA`, `alg` absent or
    /// `RS256`, `use` absent or `sig`). It may still fail to parse.
    pub fn is_rs256_signing_key(&self) -> bool {
        self.kty == "RSA"
            && self.alg.as_deref().is_none_or(|alg| alg == "RS256")
            && self
                .key_use
                .as_deref()
                .is_none_or(|key_use| key_use == "sig")
    }
}

impl fmt::Debug for Jwk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Jwk")
            .field("kid", &self.kid)
            .field("kty", &self.kty)
            .field("alg", &self.alg)
            .field("use", &self.key_use)
            .finish_non_exhaustive()
    }
}

/// A JSON Web Key Set (`{"keys": [...]}`), such as the Backend API's `/v1/jwks` response.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct JwkSet {
    /// The keys, in the order served.
    #[serde(default)]
    pub keys: Vec<Jwk>,
}

impl JwkSet {
    /// A set holding `keys`.
    pub fn new(keys: Vec<Jwk>) -> JwkSet {
        JwkSet { keys }
    }

    /// The first key whose `kid` is `kid`.
    pub fn find(&self, kid: &str) -> Option<&Jwk> {
        self.keys.iter().find(|jwk| jwk.kid.as_deref() == Some(kid))
    }
}

/// Where the verifier gets the key for a token, by the token's `kid` header.
///
/// Implemented by [`PublicKey`] (one networkless key), [`KeySet`] (several keys by `kid`), and
/// references, [`Arc`]s and [`Box`]es of those. Implement it to plug in your own key store.
pub trait KeySource {
    /// The key to verify a token whose header carries `kid`.
    ///
    /// # Errors
    ///
    /// A [`VerifyError`], typically [`ReasonKind::JwkKidMismatch`] when no key matches.
    fn key_for(&self, kid: Option<&str>) -> Result<&PublicKey, VerifyError>;
}

impl KeySource for PublicKey {
    /// The key itself. When the key has a `kid`, the token must carry the same `kid`.
    fn key_for(&self, kid: Option<&str>) -> Result<&PublicKey, VerifyError> {
        match (self.kid(), kid) {
            (None, _) => Ok(self),
            (Some(expected), Some(kid)) if expected == kid => Ok(self),
            (Some(expected), kid) => Err(kid_mismatch(kid, std::iter::once(expected))),
        }
    }
}

impl<T: KeySource + ?Sized> KeySource for &T {
    fn key_for(&self, kid: Option<&str>) -> Result<&PublicKey, VerifyError> {
        (**self).key_for(kid)
    }
}

impl<T: KeySource + ?Sized> KeySource for Arc<T> {
    fn key_for(&self, kid: Option<&str>) -> Result<&PublicKey, VerifyError> {
        (**self).key_for(kid)
    }
}

impl<T: KeySource + ?Sized> KeySource for Box<T> {
    fn key_for(&self, kid: Option<&str>) -> Result<&PublicKey, VerifyError> {
        (**self).key_for(kid)
    }
}

fn kid_mismatch<'a>(kid: Option<&str>, known: impl Iterator<Item = &'a str>) -> VerifyError {
    let known: Vec<String> = known.take(8).map(quote).collect();
    let message = match kid {
        Some(kid) => format!(
            "No signing key matches the kid {} of the session token (known kids: [{}]). Make sure \
             the token comes from the Clerk instance whose keys you configured.",
            quote(kid),
            known.join(", ")
        ),
        None => format!(
            "The session token has no kid header, and the configured keys (kids: [{}]) require \
             one.",
            known.join(", ")
        ),
    };
    VerifyError::new(ReasonKind::JwkKidMismatch, message).with_kid(kid)
}

/// Several public keys, looked up by `kid` — a parsed JWKS.
///
/// A token is matched to the key with the same `kid`. Keys from a JWKS always have a `kid`
/// (Clerk sets it to the instance id), so a token without one matches none of them and fails
/// with [`ReasonKind::JwkKidMismatch`], as in `@clerk/backend`: a token without a `kid` is not
/// Clerk's. Only a key added without a `kid` (a networkless PEM key, as for `CLERK_JWT_KEY`)
/// ignores the token's `kid`, when it is the set's only key — the same rule as for a lone
/// [`PublicKey`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeySet {
    keys: Vec<PublicKey>,
}

impl KeySet {
    /// An empty set.
    pub fn new() -> KeySet {
        KeySet::default()
    }

    /// Parses every RS256 signing key of a JWKS, skipping keys of other types, uses or algorithms,
    /// keys without a `kid` (no token could select them), and keys that fail to parse.
    ///
    /// # Errors
    ///
    /// [`KeyError::NoUsableKeys`] if no key is left.
    pub fn from_jwk_set(jwks: &JwkSet) -> Result<KeySet, KeyError> {
        let mut set = KeySet::new();
        let usable = jwks.keys.iter().filter(|jwk| {
            jwk.is_rs256_signing_key() && jwk.kid.as_deref().is_some_and(|kid| !kid.is_empty())
        });
        for jwk in usable {
            if let Ok(key) = PublicKey::from_jwk(jwk) {
                set.insert(key);
            }
        }
        if set.is_empty() {
            return Err(KeyError::NoUsableKeys);
        }
        Ok(set)
    }

    /// Adds a key, replacing any key with the same `kid`.
    pub fn insert(&mut self, key: PublicKey) {
        match self.keys.iter_mut().find(|k| k.kid == key.kid) {
            Some(existing) => *existing = key,
            None => self.keys.push(key),
        }
    }

    /// The key whose `kid` is `kid`.
    pub fn get(&self, kid: &str) -> Option<&PublicKey> {
        self.keys.iter().find(|k| k.kid() == Some(kid))
    }

    /// The keys' ids, in insertion order (keys without a `kid` are skipped).
    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().filter_map(PublicKey::kid)
    }

    /// The keys, in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = &PublicKey> {
        self.keys.iter()
    }

    /// How many keys the set holds.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the set holds no key.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

impl FromIterator<PublicKey> for KeySet {
    fn from_iter<I: IntoIterator<Item = PublicKey>>(iter: I) -> KeySet {
        let mut set = KeySet::new();
        for key in iter {
            set.insert(key);
        }
        set
    }
}

impl KeySource for KeySet {
    fn key_for(&self, kid: Option<&str>) -> Result<&PublicKey, VerifyError> {
        if self.keys.is_empty() {
            return Err(VerifyError::new(
                ReasonKind::JwkLocalMissing,
                "The key set is empty: no key to verify the session token with.",
            )
            .with_kid(kid));
        }
        if let Some(key) = self.keys.iter().find(|k| k.kid() == kid) {
            return Ok(key);
        }
        match self.keys.as_slice() {
            // A lone key without a `kid` is a networkless key: it ignores the token's `kid`.
            [only] if only.kid().is_none() => Ok(only),
            _ => Err(kid_mismatch(kid, self.kids())),
        }
    }
}

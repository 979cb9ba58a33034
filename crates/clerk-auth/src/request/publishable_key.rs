//! Publishable keys (`pk_test_…` / `pk_live_…`).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};

/// Whether a key belongs to a development or a production instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InstanceType {
    /// A development instance (`pk_test_…`).
    Development,
    /// A production instance (`pk_live_…`).
    Production,
}

/// A parsed publishable key: `pk_test_` or `pk_live_` followed by the base64 of
/// `<frontend API host>$`.
///
/// ```
/// use clerk_auth::request::{InstanceType, PublishableKey};
///
/// // base64("clerk.example.com$")
/// let pk = PublishableKey::parse("pk_live_Y2xlcmsuZXhhbXBsZS5jb20k")?;
/// assert_eq!(pk.frontend_api(), "clerk.example.com");
/// assert_eq!(pk.instance_type(), InstanceType::Production);
/// # Ok::<(), clerk_auth::request::PublishableKeyError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PublishableKey {
    key: String,
    frontend_api: String,
    instance_type: InstanceType,
}

/// Why a publishable key was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PublishableKeyError {
    /// The key is empty.
    #[error("Publishable key is missing.")]
    Missing,
    /// The key does not start with `pk_test_` or `pk_live_`, or has more `_`-separated parts.
    #[error("Publishable key not valid (expected format: pk_test_... or pk_live_...).")]
    InvalidFormat,
    /// The part after the prefix is not base64 of UTF-8 text.
    #[error(
        "Publishable key not valid (expected format: pk_test_... or pk_live_...). Failed to decode key."
    )]
    Undecodable,
    /// The decoded text is not a host name followed by a single `$`.
    #[error(
        "Publishable key not valid (expected format: pk_test_... or pk_live_...). Decoded key has invalid format."
    )]
    InvalidDecodedFormat,
}

impl PublishableKey {
    /// Parses a publishable key.
    ///
    /// The key must have exactly three `_`-separated parts (`pk`, `test` or `live`, the encoded
    /// host), and the last must decode (standard base64, padding optional) to text that ends in a
    /// single `$` and contains a `.`.
    ///
    /// # Errors
    ///
    /// A [`PublishableKeyError`] saying which of those failed.
    pub fn parse(key: &str) -> Result<PublishableKey, PublishableKeyError> {
        let key = key.trim();
        if key.is_empty() {
            return Err(PublishableKeyError::Missing);
        }
        let parts: Vec<&str> = key.split('_').collect();
        let [pk, kind, encoded] = parts.as_slice() else {
            return Err(PublishableKeyError::InvalidFormat);
        };
        let instance_type = match (*pk, *kind) {
            ("pk", "live") => InstanceType::Production,
            ("pk", "test") => InstanceType::Development,
            _ => return Err(PublishableKeyError::InvalidFormat),
        };
        let decoded = STANDARD
            .decode(encoded)
            .or_else(|_| STANDARD_NO_PAD.decode(encoded))
            .map_err(|_| PublishableKeyError::Undecodable)?;
        let decoded = String::from_utf8(decoded).map_err(|_| PublishableKeyError::Undecodable)?;
        let host = decoded
            .strip_suffix('$')
            .filter(|host| !host.contains('$') && host.contains('.'))
            .ok_or(PublishableKeyError::InvalidDecodedFormat)?;
        Ok(PublishableKey {
            key: key.to_owned(),
            frontend_api: host.to_owned(),
            instance_type,
        })
    }

    /// The key as given (trimmed).
    pub fn as_str(&self) -> &str {
        &self.key
    }

    /// The Frontend API host encoded in the key, such as `clerk.example.com` or
    /// `foo-bar-13.clerk.accounts.dev`.
    pub fn frontend_api(&self) -> &str {
        &self.frontend_api
    }

    /// Development (`pk_test_`) or production (`pk_live_`).
    pub fn instance_type(&self) -> InstanceType {
        self.instance_type
    }

    /// Whether this is a development key.
    pub fn is_development(&self) -> bool {
        self.instance_type == InstanceType::Development
    }

    /// The suffix of this instance's cookie names (see [`cookie_suffix`](super::cookie_suffix)).
    pub fn cookie_suffix(&self) -> String {
        super::cookie_suffix(&self.key)
    }
}

impl std::str::FromStr for PublishableKey {
    type Err = PublishableKeyError;

    fn from_str(key: &str) -> Result<PublishableKey, PublishableKeyError> {
        PublishableKey::parse(key)
    }
}

impl fmt::Debug for PublishableKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Publishable keys are public; printing them helps debugging.
        f.debug_struct("PublishableKey")
            .field("key", &self.key)
            .field("frontend_api", &self.frontend_api)
            .field("instance_type", &self.instance_type)
            .finish()
    }
}

impl fmt::Display for PublishableKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key)
    }
}

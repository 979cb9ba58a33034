//! The [`SecretKey`] newtype: a Clerk secret key that never prints itself.

use std::fmt;

use crate::error::ConfigError;

/// A Clerk secret key (`sk_test_…` / `sk_live_…`).
///
/// The key is validated when it is created: it must be non-empty and consist only of visible ASCII
/// characters (no whitespace, no control characters), so that it can always be sent in an
/// `Authorization` header.
///
/// `Debug` and `Display` never print the key. They show at most the well-known `sk_test_` /
/// `sk_live_` prefix followed by `***` (`sk_test_***`), or just `***` for keys with another shape.
/// Use [`SecretKey::expose_secret`] to get the key itself.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey {
    key: String,
    /// `Bearer <key>`, built once and marked sensitive.
    authorization: http::HeaderValue,
}

impl SecretKey {
    /// Validates and wraps a secret key.
    ///
    /// # Errors
    ///
    /// [`ConfigError::MissingSecretKey`] if `key` is empty, [`ConfigError::InvalidSecretKey`] if it
    /// contains whitespace, control characters or non-ASCII characters.
    pub fn new(key: impl Into<String>) -> Result<SecretKey, ConfigError> {
        let key = key.into();
        if key.is_empty() {
            return Err(ConfigError::MissingSecretKey);
        }
        if key.chars().any(char::is_whitespace) {
            return Err(ConfigError::InvalidSecretKey {
                reason: "the key contains whitespace",
            });
        }
        if !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ConfigError::InvalidSecretKey {
                reason: "the key contains characters that are not allowed in an HTTP header",
            });
        }
        let mut authorization =
            http::HeaderValue::try_from(format!("Bearer {key}")).map_err(|_| {
                ConfigError::InvalidSecretKey {
                    reason: "the key contains characters that are not allowed in an HTTP header",
                }
            })?;
        authorization.set_sensitive(true);
        Ok(SecretKey { key, authorization })
    }

    /// The key itself. Handle with care: never log it.
    pub fn expose_secret(&self) -> &str {
        &self.key
    }

    /// The `Authorization: Bearer <key>` header value (marked sensitive, so HTTP/2 never indexes
    /// it). Use it with [`Request::bearer`](crate::Request::bearer) to authenticate one request
    /// with another key, such as a machine secret key.
    pub fn authorization_header(&self) -> http::HeaderValue {
        self.authorization.clone()
    }

    /// `true` for a production key (`sk_live_…`).
    pub fn is_live(&self) -> bool {
        self.key.starts_with("sk_live_")
    }

    /// `true` for a development key (`sk_test_…`).
    pub fn is_test(&self) -> bool {
        self.key.starts_with("sk_test_")
    }
}

/// The redacted form of a (possibly invalid) key: the `sk_test_`/`sk_live_` prefix at most.
pub(crate) fn redact(key: &str) -> &'static str {
    if key.starts_with("sk_test_") {
        "sk_test_***"
    } else if key.starts_with("sk_live_") {
        "sk_live_***"
    } else {
        "***"
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SecretKey")
            .field(&redact(&self.key))
            .finish()
    }
}

impl fmt::Display for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(redact(&self.key))
    }
}

impl TryFrom<String> for SecretKey {
    type Error = ConfigError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        SecretKey::new(value)
    }
}

impl TryFrom<&str> for SecretKey {
    type Error = ConfigError;

    fn try_from(value: &str) -> Result<Self, Self::Error> {
        SecretKey::new(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_known_prefixes() {
        let k = SecretKey::new("sk_test_abcdef123").unwrap();
        assert_eq!(format!("{k}"), "sk_test_***");
        assert_eq!(format!("{k:?}"), "SecretKey(\"sk_test_***\")");
        let k = SecretKey::new("sk_live_abcdef123").unwrap();
        assert_eq!(format!("{k}"), "sk_live_***");
        assert!(k.is_live());
        let k = SecretKey::new("other_secret").unwrap();
        assert_eq!(format!("{k}"), "***");
        assert_eq!(k.expose_secret(), "other_secret");
    }

    #[test]
    fn rejects_bad_keys() {
        assert!(matches!(
            SecretKey::new(""),
            Err(ConfigError::MissingSecretKey)
        ));
        assert!(matches!(
            SecretKey::new("sk_test_a\n"),
            Err(ConfigError::InvalidSecretKey { .. })
        ));
        assert!(matches!(
            SecretKey::new("sk_test_a b"),
            Err(ConfigError::InvalidSecretKey { .. })
        ));
        assert!(matches!(
            SecretKey::new("sk_test_é"),
            Err(ConfigError::InvalidSecretKey { .. })
        ));
        assert!(matches!(
            SecretKey::new("sk_test_\u{7f}"),
            Err(ConfigError::InvalidSecretKey { .. })
        ));
    }
}

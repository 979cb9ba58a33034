//! Macros the generated models expand, so that `generated/` stays declarative. They are
//! exported (hidden) because clerk-api's generated request types expand them too.

/// A string enum with an `Unknown(String)` fallback: `as_str`, `From<&str>`, `Display`,
/// serde both ways (unknown values round-trip).
#[doc(hidden)]
#[macro_export]
macro_rules! string_enum {
    ($name:ident { $($variant:ident => $value:literal,)* }) => {
        impl $name {
            /// The value as it appears on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $value,)*
                    Self::Unknown(other) => other.as_str(),
                }
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $($value => Self::$variant,)*
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                match value.as_str() {
                    $($value => Self::$variant,)*
                    _ => Self::Unknown(value),
                }
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Visitor;
                impl $crate::__private::serde::de::Visitor<'_> for Visitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str("a string")
                    }
                    fn visit_str<E: $crate::__private::serde::de::Error>(self, value: &str) -> Result<$name, E> {
                        Ok($name::from(value))
                    }
                    fn visit_string<E: $crate::__private::serde::de::Error>(self, value: String) -> Result<$name, E> {
                        Ok($name::from(value))
                    }
                }
                deserializer.deserialize_str(Visitor)
            }
        }
    };
}

/// A union told apart by a discriminator property (`object` in Clerk's schemas). The variant
/// structs keep the discriminator as a field, so decoding goes through `$crate::__private::serde_json::Value`.
#[doc(hidden)]
#[macro_export]
macro_rules! tagged_union {
    ($name:ident, $tag:literal { $($variant:ident => $value:literal,)* }) => {
        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    $(Self::$variant(inner) => inner.serialize(serializer),)*
                    Self::Unknown(raw) => raw.serialize(serializer),
                }
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                use $crate::__private::serde::de::Error as _;
                let raw = $crate::__private::serde_json::Value::deserialize(deserializer)?;
                match raw.get($tag).and_then($crate::__private::serde_json::Value::as_str) {
                    $(Some($value) => $crate::__private::serde_json::from_value(raw)
                        .map(Self::$variant)
                        .map_err(D::Error::custom),)*
                    _ => Ok(Self::Unknown(raw)),
                }
            }
        }
    };
}

/// A union without a discriminator: the first variant whose required keys are all present and
/// which decodes wins; anything else is kept as `Unknown`.
#[doc(hidden)]
#[macro_export]
macro_rules! untagged_union {
    ($name:ident { $($variant:ident [$($key:literal),*],)* }) => {
        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    $(Self::$variant(inner) => inner.serialize(serializer),)*
                    Self::Unknown(raw) => raw.serialize(serializer),
                }
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = $crate::__private::serde_json::Value::deserialize(deserializer)?;
                $(
                    if [$($key),*].iter().all(|key: &&str| raw.get(*key).is_some()) {
                        if let Ok(value) = $crate::__private::serde_json::from_value(raw.clone()) {
                            return Ok(Self::$variant(value));
                        }
                    }
                )*
                Ok(Self::Unknown(raw))
            }
        }
    };
}

/// Stands in for a credential in generated `Debug` output.
pub struct Redacted;

impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

pub(crate) use crate::{string_enum, tagged_union, untagged_union};

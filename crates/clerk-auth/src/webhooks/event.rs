//! The event envelope: `type`, `data`, `instance_id`, `timestamp`, `event_attributes`.
//!
//! Decoding reads the body once: the envelope is parsed with `data` kept as a borrowed slice of
//! the body (no `Value` tree), then `data` is decoded straight into the payload type its `type`
//! names. Path tracking (which field failed) only runs when that fails.

use std::fmt;

use serde::Serialize;
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;

use super::WebhookError;
use super::events::{Gap, SHAPES, UNIONS, WebhookEventData};

/// A verified Clerk webhook event.
///
/// Returned by [`Webhook::verify_and_parse`](super::Webhook::verify_and_parse). The payload is in
/// [`data`](WebhookEvent::data), typed by the event's `type`.
///
/// Decoding is lenient, because an authentic delivery must always reach the application (a
/// receiver that answers 400 is retried by Svix, then disabled): envelope members that are
/// missing or of another type take their defaults, a required payload field Clerk omits (or
/// sends as `null`) takes its empty value (`""`, `0`, `false`), and a known event whose `data` still does not decode becomes
/// [`WebhookEventData::Undecoded`] with the raw `data` and the reason. For the whole body as
/// JSON, or in a type of your own, use
/// [`Webhook::verify_and_parse_as`](super::Webhook::verify_and_parse_as).
///
/// It also implements [`Deserialize`], for events you verified earlier and stored (from a
/// `serde_json` deserializer or a [`Value`]): decoding checks no signature.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct WebhookEvent {
    /// The event type, e.g. `"user.created"` (empty if the body lacks it).
    pub r#type: String,
    /// The payload, decoded according to `type`
    /// ([`WebhookEventData::Unknown`] for types this SDK version does not know).
    pub data: WebhookEventData,
    /// The Clerk instance the event belongs to (`ins_…`; empty if the body lacks it).
    pub instance_id: String,
    /// When Clerk created the event, as a Unix timestamp exactly as sent (`0` if the body lacks
    /// it).
    pub timestamp: i64,
    /// Details of the request that caused the event, when Clerk includes them.
    pub event_attributes: Option<EventAttributes>,
}

/// Extra context Clerk attaches to an event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct EventAttributes {
    /// The HTTP request that caused the event, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_request: Option<HttpRequest>,
}

/// The HTTP request that caused an event, as seen by Clerk.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct HttpRequest {
    /// The client's IP address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_ip: Option<String>,
    /// The client's `User-Agent`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
}

/// The envelope, with `data` left as a borrowed slice of the body. Every member is lenient:
/// anything of another type than expected reads as absent.
#[derive(serde::Deserialize)]
struct Envelope<'a> {
    #[serde(rename = "type", default)]
    event_type: Lenient<String>,
    #[serde(borrow, default)]
    data: Option<&'a RawValue>,
    #[serde(default)]
    instance_id: Lenient<String>,
    #[serde(default)]
    timestamp: Lenient<i64>,
    #[serde(borrow, default)]
    event_attributes: Option<&'a RawValue>,
}

impl WebhookEvent {
    /// The event type, e.g. `"user.created"` (the same as the `r#type` field).
    pub fn event_type(&self) -> &str {
        &self.r#type
    }

    /// Decodes an event from its JSON body (the signature must have been checked already).
    ///
    /// Lenient by design: only a body that is not JSON at all is an error.
    pub(crate) fn from_slice(body: &[u8]) -> Result<Self, WebhookError> {
        // serde would also read the envelope struct from an array, by position.
        let envelope = if crate::jwt::parse::starts_like_object(body) {
            serde_json::from_slice::<Envelope<'_>>(body).ok()
        } else {
            None
        };
        match envelope {
            Some(envelope) => Ok(WebhookEvent::from_envelope(envelope)),
            // Not an object, a duplicate member, or not JSON: the slow path sorts these out.
            None => {
                let value: Value = serde_json::from_slice(body)
                    .map_err(|e| WebhookError::InvalidPayload(e.to_string()))?;
                Ok(WebhookEvent::from_value(value))
            }
        }
    }

    fn from_envelope(envelope: Envelope<'_>) -> Self {
        let event_type = envelope.event_type.0.unwrap_or_default();
        let data = decode_data(&event_type, envelope.data);
        WebhookEvent {
            data,
            instance_id: envelope.instance_id.0.unwrap_or_default(),
            timestamp: envelope.timestamp.0.unwrap_or_default(),
            // Request details are informational: a shape this SDK does not know is left out.
            event_attributes: envelope
                .event_attributes
                .and_then(|raw| serde_json::from_str(raw.get()).ok()),
            r#type: event_type,
        }
    }

    /// The event for any JSON value (the rare bodies the envelope parser refuses: arrays,
    /// scalars, objects with a member twice).
    fn from_value(value: Value) -> Self {
        let Value::Object(mut object) = value else {
            return WebhookEvent {
                r#type: String::new(),
                data: WebhookEventData::Undecoded {
                    type_: String::new(),
                    data: value,
                    error: "the body is not a JSON object".to_owned(),
                },
                instance_id: String::new(),
                timestamp: 0,
                event_attributes: None,
            };
        };
        let mut text = |name: &str| match object.remove(name) {
            Some(Value::String(text)) => text,
            _ => String::new(),
        };
        let event_type = text("type");
        let instance_id = text("instance_id");
        let timestamp = object
            .get("timestamp")
            .and_then(Value::as_i64)
            .unwrap_or_default();
        let event_attributes = object
            .remove("event_attributes")
            .and_then(|value| EventAttributes::deserialize(value).ok());
        let data = object
            .remove("data")
            .and_then(|data| serde_json::value::to_raw_value(&data).ok());
        WebhookEvent {
            data: decode_data(&event_type, data.as_deref()),
            r#type: event_type,
            instance_id,
            timestamp,
            event_attributes,
        }
    }
}

/// Decodes `data` into the payload type of `event_type`: one typed pass, and a second one with
/// path tracking only to explain a failure.
fn decode_data(event_type: &str, data: Option<&RawValue>) -> WebhookEventData {
    let text = data.map_or("null", RawValue::get);
    let raw_value = || serde_json::from_str::<Value>(text).unwrap_or(Value::Null);
    let mut deserializer = serde_json::Deserializer::from_str(text);
    match WebhookEventData::decode_known(event_type, &mut deserializer) {
        Ok(Some(data)) => data,
        Ok(None) => WebhookEventData::Unknown {
            type_: event_type.to_owned(),
            data: raw_value(),
        },
        Err(_) => {
            // Second pass, only for a payload that failed: the gaps a delivery may leave (a
            // required field absent or `null`) filled with empty values, then decoded again.
            if let Some(shape) = WebhookEventData::payload_shape(event_type) {
                let mut value = raw_value();
                if fill(&mut value, shape, 0) {
                    // Through text, not `&Value`: the same deserializer as the first pass, so
                    // the payload types' decoders are not compiled a third time for `Value`.
                    if let Ok(text) = serde_json::to_string(&value) {
                        let mut deserializer = serde_json::Deserializer::from_str(&text);
                        if let Ok(Some(data)) =
                            WebhookEventData::decode_known(event_type, &mut deserializer)
                        {
                            return data;
                        }
                    }
                }
            }
            let mut track = serde_path_to_error::Track::new();
            let mut deserializer = serde_json::Deserializer::from_str(text);
            let error = match WebhookEventData::decode_known(
                event_type,
                serde_path_to_error::Deserializer::new(&mut deserializer, &mut track),
            ) {
                Err(error) => format!(
                    "{}: {}",
                    field_path("data", &track.path().to_string()),
                    without_values(&error.to_string())
                ),
                Ok(_) => "data: the payload could not be decoded".to_owned(),
            };
            WebhookEventData::Undecoded {
                type_: event_type.to_owned(),
                data: raw_value(),
                error,
            }
        }
    }
}

/// How deep [`fill`] follows nested objects (Clerk's payloads nest a handful of levels).
const FILL_DEPTH: usize = 32;

/// Fills the gaps of `value`, an object of the struct shape `shape` (a key of
/// [`SHAPES`](super::events::SHAPES), or of [`UNIONS`](super::events::UNIONS), whose tag picks
/// the struct shape): every required field it lacks or holds as `null` gets its
/// empty value (`""`, `0`, `false`, or an object of its shape, itself filled), and present
/// objects and lists of a known shape are filled in turn. Whether anything changed.
fn fill(value: &mut Value, shape: &str, depth: usize) -> bool {
    if depth > FILL_DEPTH {
        return false;
    }
    if let Some((_, tag, arms)) = UNIONS.iter().find(|(key, _, _)| *key == shape) {
        // A union: the variant its tag names, if this version knows it.
        let variant = value
            .get(*tag)
            .and_then(Value::as_str)
            .and_then(|tag| arms.iter().find(|(value, _)| *value == tag))
            .map(|(_, variant)| *variant);
        return variant.is_some_and(|variant| fill(value, variant, depth + 1));
    }
    let Value::Object(object) = value else {
        return false;
    };
    let Some(fields) = SHAPES
        .iter()
        .find(|(key, _)| *key == shape)
        .map(|(_, f)| *f)
    else {
        return false;
    };
    let mut changed = false;
    for (name, gap, inner) in fields {
        match object.get_mut(*name) {
            None | Some(Value::Null) => {
                let Some(gap) = gap else { continue };
                let empty = match gap {
                    Gap::Text => Value::String(String::new()),
                    Gap::Zero => Value::from(0),
                    Gap::False => Value::Bool(false),
                    Gap::Object(nested) => {
                        let mut empty = Value::Object(serde_json::Map::new());
                        fill(&mut empty, nested, depth + 1);
                        empty
                    }
                };
                object.insert((*name).to_owned(), empty);
                changed = true;
            }
            Some(present) => {
                if let Some(inner) = inner {
                    changed |= fill_within(present, inner, depth + 1);
                }
            }
        }
    }
    changed
}

/// [`fill`] for a field's present value: an object of `shape`, or a list of them.
fn fill_within(value: &mut Value, shape: &str, depth: usize) -> bool {
    match value {
        Value::Array(items) => items.iter_mut().fold(false, |changed, item| {
            fill_within(item, shape, depth + 1) | changed
        }),
        _ => fill(value, shape, depth),
    }
}

/// A value read leniently: `None` when the member holds another JSON type.
struct Lenient<T>(Option<T>);

impl<T> Default for Lenient<T> {
    fn default() -> Self {
        Lenient(None)
    }
}

/// What a lenient member accepts.
trait LenientValue: Sized {
    fn from_str(value: &str) -> Option<Self>;
    fn from_i64(value: i64) -> Option<Self>;
    fn from_u64(value: u64) -> Option<Self>;
}

impl LenientValue for String {
    fn from_str(value: &str) -> Option<Self> {
        Some(value.to_owned())
    }
    fn from_i64(_: i64) -> Option<Self> {
        None
    }
    fn from_u64(_: u64) -> Option<Self> {
        None
    }
}

impl LenientValue for i64 {
    fn from_str(_: &str) -> Option<Self> {
        None
    }
    fn from_i64(value: i64) -> Option<Self> {
        Some(value)
    }
    fn from_u64(value: u64) -> Option<Self> {
        i64::try_from(value).ok()
    }
}

impl<'de, T: LenientValue> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LenientVisitor<T>(std::marker::PhantomData<T>);

        impl<'de, T: LenientValue> Visitor<'de> for LenientVisitor<T> {
            type Value = Lenient<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Lenient(T::from_str(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Lenient(T::from_i64(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Lenient(T::from_u64(v)))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Lenient(None))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Lenient(None))
            }
        }

        deserializer.deserialize_any(LenientVisitor(std::marker::PhantomData))
    }
}

/// A decoder message without the offending value: serde writes `invalid type: string "…",
/// expected …`, and the value may be a credential or a one-time code.
pub(super) fn without_values(message: &str) -> String {
    let (found, expected) = match message.split_once(", expected") {
        Some((found, expected)) => (found, Some(expected)),
        None => (message, None),
    };
    let is_value_report =
        found.starts_with("invalid type: ") || found.starts_with("invalid value: ");
    let found = if is_value_report {
        // Keep the kind ("string", "integer", …), drop what follows it.
        found
            .find(['"', '`'])
            .map_or(found, |at| found[..at].trim_end())
    } else {
        found
    };
    match expected {
        Some(expected) => format!("{found}, expected{expected}"),
        None => found.to_owned(),
    }
}

/// `data` + `.` (the root, as serde_path_to_error prints it) → `data`; `a[0].b` → `data.a[0].b`.
fn field_path(root: &str, path: &str) -> String {
    if path == "." {
        root.to_owned()
    } else {
        format!("{root}.{path}")
    }
}

impl<'de> Deserialize<'de> for WebhookEvent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        WebhookEvent::from_slice(raw.get().as_bytes()).map_err(de::Error::custom)
    }
}

impl fmt::Debug for WebhookEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookEvent")
            .field("type", &self.r#type)
            .field("data", &self.data)
            .field("instance_id", &self.instance_id)
            .field("timestamp", &self.timestamp)
            .field("event_attributes", &self.event_attributes)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::without_values;

    #[test]
    fn decoder_messages_lose_the_offending_value() {
        assert_eq!(
            without_values(
                r#"invalid type: string "hunter2", expected a boolean at line 1 column 9"#
            ),
            "invalid type: string, expected a boolean at line 1 column 9"
        );
        assert_eq!(
            without_values("invalid value: integer `123456`, expected u8"),
            "invalid value: integer, expected u8"
        );
        assert_eq!(without_values("trailing characters"), "trailing characters");
    }
}

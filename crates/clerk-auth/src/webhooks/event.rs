//! The event envelope: `type`, `data`, `instance_id`, `timestamp`, `event_attributes`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::WebhookError;
use super::events::WebhookEventData;

/// A verified Clerk webhook event.
///
/// Returned by [`Webhook::verify_and_parse`](super::Webhook::verify_and_parse). The payload is in
/// [`data`](WebhookEvent::data), typed by the event's `type`; the whole body stays available as
/// [`raw`](WebhookEvent::raw) for fields this SDK version does not model.
///
/// It also implements [`Deserialize`], for events you verified earlier and stored: decoding
/// checks no signature.
///
/// `Debug` leaves out [`raw`](WebhookEvent::raw), which repeats the whole body (message
/// contents and one-time codes included); the typed `data` redacts those itself.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct WebhookEvent {
    /// The event type, e.g. `"user.created"`.
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
    /// The whole body as JSON, including fields this SDK version does not model.
    pub raw: Value,
}

/// Extra context Clerk attaches to an event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EventAttributes {
    /// The HTTP request that caused the event, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_request: Option<HttpRequest>,
}

/// The HTTP request that caused an event, as seen by Clerk.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct HttpRequest {
    /// The client's IP address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_ip: Option<String>,
    /// The client's `User-Agent`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
}

impl WebhookEvent {
    /// The event type, e.g. `"user.created"` (the same as the `r#type` field).
    pub fn event_type(&self) -> &str {
        &self.r#type
    }

    /// Decodes an event from its JSON body (the signature must have been checked already).
    ///
    /// Lenient by design: an authentic delivery always reaches the application. Only a body
    /// that is not JSON at all is an error.
    pub(crate) fn from_slice(body: &[u8]) -> Result<Self, WebhookError> {
        let raw: Value = serde_json::from_slice(body)
            .map_err(|e| WebhookError::InvalidPayload(e.to_string()))?;
        Ok(WebhookEvent::from_value(raw))
    }

    /// The event for a JSON body. Envelope members that are missing or of another type take
    /// their defaults (an empty `type` or `instance_id`, a zero `timestamp`, no
    /// `event_attributes`); a known `type` whose `data` cannot be decoded becomes
    /// [`WebhookEventData::Undecoded`], with the raw `data` and the reason.
    fn from_value(raw: Value) -> Self {
        let Some(object) = raw.as_object() else {
            return WebhookEvent {
                r#type: String::new(),
                data: WebhookEventData::Undecoded {
                    type_: String::new(),
                    data: raw.clone(),
                    error: "the body is not a JSON object".to_owned(),
                },
                instance_id: String::new(),
                timestamp: 0,
                event_attributes: None,
                raw,
            };
        };
        let text = |name: &str| {
            object
                .get(name)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let event_type = text("type");
        let instance_id = text("instance_id");
        let timestamp = object
            .get("timestamp")
            .and_then(Value::as_i64)
            .unwrap_or_default();
        // Request details are informational: a shape this SDK does not know is left out.
        let event_attributes = object
            .get("event_attributes")
            .filter(|value| !value.is_null())
            .and_then(|value| EventAttributes::deserialize(value).ok());
        let data_value = object.get("data").unwrap_or(&Value::Null);
        let mut track = serde_path_to_error::Track::new();
        let decoded = WebhookEventData::decode_known(
            &event_type,
            serde_path_to_error::Deserializer::new(data_value, &mut track),
        );
        let data = match decoded {
            Ok(Some(data)) => data,
            Ok(None) => WebhookEventData::Unknown {
                type_: event_type.clone(),
                data: data_value.clone(),
            },
            Err(error) => WebhookEventData::Undecoded {
                type_: event_type.clone(),
                data: data_value.clone(),
                error: format!(
                    "{}: {}",
                    field_path("data", &track.path().to_string()),
                    without_values(&error.to_string())
                ),
            },
        };
        WebhookEvent {
            r#type: event_type,
            data,
            instance_id,
            timestamp,
            event_attributes,
            raw,
        }
    }
}

/// A decoder message without the offending value: serde writes `invalid type: string "…",
/// expected …`, and the value may be a credential or a one-time code.
fn without_values(message: &str) -> String {
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
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Value::deserialize(deserializer)?;
        Ok(WebhookEvent::from_value(raw))
    }
}

impl std::fmt::Debug for WebhookEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookEvent")
            .field("type", &self.r#type)
            .field("data", &self.data)
            .field("instance_id", &self.instance_id)
            .field("timestamp", &self.timestamp)
            .field("event_attributes", &self.event_attributes)
            .finish_non_exhaustive()
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

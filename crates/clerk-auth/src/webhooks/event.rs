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
    /// The Clerk instance the event belongs to (`ins_…`).
    pub instance_id: String,
    /// When Clerk created the event, as a Unix timestamp exactly as sent.
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
    pub(crate) fn from_slice(body: &[u8]) -> Result<Self, WebhookError> {
        let raw: Value = serde_json::from_slice(body)
            .map_err(|e| WebhookError::InvalidPayload(e.to_string()))?;
        WebhookEvent::from_value(raw)
    }

    fn from_value(raw: Value) -> Result<Self, WebhookError> {
        let invalid = |message: String| WebhookError::InvalidPayload(message);
        let object = raw
            .as_object()
            .ok_or_else(|| invalid("the body is not a JSON object".to_owned()))?;
        let event_type = object
            .get("type")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("`type` is missing or not a string".to_owned()))?
            .to_owned();
        let instance_id = object
            .get("instance_id")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("`instance_id` is missing or not a string".to_owned()))?
            .to_owned();
        let timestamp = object
            .get("timestamp")
            .and_then(Value::as_i64)
            .ok_or_else(|| invalid("`timestamp` is missing or not an integer".to_owned()))?;
        let event_attributes = match object.get("event_attributes") {
            None | Some(Value::Null) => None,
            Some(value) => Some(serde_path_to_error::deserialize(value).map_err(|e| {
                invalid(format!(
                    "{}: {}",
                    field_path("event_attributes", &e.path().to_string()),
                    e.inner()
                ))
            })?),
        };
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
            Err(error) => {
                let path = field_path("data", &track.path().to_string());
                return Err(invalid(format!("`{event_type}` event, {path}: {error}")));
            }
        };
        Ok(WebhookEvent {
            r#type: event_type,
            data,
            instance_id,
            timestamp,
            event_attributes,
            raw,
        })
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
        WebhookEvent::from_value(raw).map_err(serde::de::Error::custom)
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

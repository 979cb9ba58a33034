//! Webhooks: every state change emits a Clerk event (`user.created`, `session.revoked`,
//! `organizationMembership.updated`, …), which the emulator
//!
//! - keeps in an in-memory log that tests read with [`Webhooks::next`] (already signed with the
//!   testkit's default secret, so a handler can be called with it directly), and
//! - POSTs to every registered endpoint, Svix-style: headers `svix-id`, `svix-timestamp`,
//!   `svix-signature` (`v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">` under the endpoint's
//!   `whsec_` secret), retried on failure with back-off.
//!
//! # Delivery semantics
//!
//! **At least once.** An attempt counts as delivered on any `2xx` answer; anything else (another
//! status, a connection error, no answer within the timeout) is retried after the next delay of
//! the retry schedule (by default 1 s, 5 s, 30 s, 2 min, 10 min), with the same `svix-id` and a
//! fresh timestamp and signature. A receiver may therefore see a message more than once (a `2xx`
//! lost on the way back); deduplicate on `svix-id`. Messages are delivered concurrently, so their
//! order is not guaranteed (as with Clerk). Pending retries are dropped when the emulator stops.
//!
//! The event `timestamp` is in milliseconds and `svix-timestamp` in seconds, both from the
//! emulator's [`Clock`]: a receiver verifying with a [`ManualClock`](crate::ManualClock)
//! must use the same clock.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use bytes::Bytes;
use clerk_auth::webhooks::Webhook;
use clerk_core::{HyperTransport, Transport};
use http::{HeaderMap, HeaderValue};
use serde::Serialize;
use serde_json::Value;
use tokio::sync::{Notify, mpsc, watch};

use crate::app::RequestMeta;
use crate::clock::Clock;
use crate::util::{IdGen, random_webhook_secret};

/// The default retry schedule: the delays before the 2nd, 3rd, … attempts.
pub const DEFAULT_RETRY_SCHEDULE: [Duration; 5] = [
    Duration::from_secs(1),
    Duration::from_secs(5),
    Duration::from_secs(30),
    Duration::from_secs(120),
    Duration::from_secs(600),
];

/// How long one delivery attempt may take.
pub const DELIVERY_TIMEOUT: Duration = Duration::from_secs(15);

/// One emitted event, as it is (or would be) delivered.
#[derive(Clone)]
pub struct WebhookMessage {
    id: String,
    event_type: String,
    body: Bytes,
    timestamp: i64,
    signature: String,
}

impl WebhookMessage {
    /// The message id (`msg_…`), sent as `svix-id`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The event type, e.g. `user.created`.
    pub fn event_type(&self) -> &str {
        &self.event_type
    }

    /// The JSON body: `{"data", "object": "event", "type", "timestamp", "instance_id",
    /// "event_attributes"}`.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The body parsed as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// The `data` member (the user, session, organization… the event is about).
    pub fn data(&self) -> Value {
        self.json().get("data").cloned().unwrap_or(Value::Null)
    }

    /// The `svix-timestamp` of the signature (Unix seconds).
    pub fn timestamp(&self) -> i64 {
        self.timestamp
    }

    /// The `svix-id`, `svix-timestamp`, `svix-signature` and `content-type` headers, signed with
    /// the testkit's default secret ([`Webhooks::secret`]).
    pub fn headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::with_capacity(4);
        if let Ok(v) = HeaderValue::from_str(&self.id) {
            headers.insert("svix-id", v);
        }
        headers.insert("svix-timestamp", HeaderValue::from(self.timestamp));
        if let Ok(v) = HeaderValue::from_str(&self.signature) {
            headers.insert("svix-signature", v);
        }
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers
    }

    /// An `http::Request` a webhook handler would receive (POST to `uri`, signed with the default
    /// secret).
    pub fn to_request(&self, uri: &str) -> http::Request<Bytes> {
        let mut request = http::Request::new(self.body.clone());
        *request.method_mut() = http::Method::POST;
        if let Ok(uri) = uri.parse() {
            *request.uri_mut() = uri;
        }
        *request.headers_mut() = self.headers();
        request
    }
}

impl fmt::Debug for WebhookMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookMessage")
            .field("id", &self.id)
            .field("event_type", &self.event_type)
            .field("timestamp", &self.timestamp)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

/// A registered webhook endpoint.
#[derive(Clone)]
pub struct WebhookEndpoint {
    id: String,
    url: String,
    secret: String,
    event_types: Option<Vec<String>>,
    signer: Webhook,
}

impl WebhookEndpoint {
    /// The endpoint id (`ep_…`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Where messages are POSTed.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The `whsec_…` signing secret, to configure the receiver with.
    pub fn secret(&self) -> &str {
        &self.secret
    }

    /// The event types delivered (`None`: all).
    pub fn event_types(&self) -> Option<&[String]> {
        self.event_types.as_deref()
    }

    fn accepts(&self, event_type: &str) -> bool {
        self.event_types
            .as_ref()
            .is_none_or(|types| types.iter().any(|t| t == event_type))
    }
}

impl fmt::Debug for WebhookEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookEndpoint")
            .field("id", &self.id)
            .field("url", &self.url)
            .field("secret", &"***")
            .field("event_types", &self.event_types)
            .finish()
    }
}

/// Why an endpoint could not be registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointError(String);

impl fmt::Display for EndpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EndpointError {}

/// The outcome of one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeliveryOutcome {
    /// The receiver answered `2xx`.
    Delivered {
        /// The status.
        status: u16,
    },
    /// The receiver answered another status.
    Rejected {
        /// The status.
        status: u16,
    },
    /// No answer: connection error or timeout.
    Failed {
        /// What went wrong.
        error: String,
    },
}

/// One delivery attempt to one endpoint.
#[derive(Debug, Clone)]
pub struct DeliveryAttempt {
    /// The endpoint id.
    pub endpoint_id: String,
    /// The endpoint URL.
    pub url: String,
    /// The message id (`svix-id`).
    pub message_id: String,
    /// The event type.
    pub event_type: String,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// What happened.
    pub outcome: DeliveryOutcome,
    /// The wait before the next attempt; `None` when delivered or out of retries.
    pub next_retry_in: Option<Duration>,
}

impl DeliveryAttempt {
    /// Whether this attempt delivered the message.
    pub fn delivered(&self) -> bool {
        matches!(self.outcome, DeliveryOutcome::Delivered { .. })
    }
}

/// A bounded log that readers follow with their own cursors.
struct Log<T> {
    inner: Mutex<LogInner<T>>,
    notify: Notify,
    capacity: usize,
}

struct LogInner<T> {
    base: u64,
    items: VecDeque<T>,
}

impl<T: Clone> Log<T> {
    fn new(capacity: usize) -> Log<T> {
        Log {
            inner: Mutex::new(LogInner {
                base: 0,
                items: VecDeque::new(),
            }),
            notify: Notify::new(),
            capacity: capacity.max(1),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LogInner<T>> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn push(&self, item: T) {
        {
            let mut inner = self.lock();
            inner.items.push_back(item);
            while inner.items.len() > self.capacity {
                inner.items.pop_front();
                inner.base += 1;
            }
        }
        self.notify.notify_waiters();
    }

    fn try_next(&self, cursor: &mut u64) -> Option<T> {
        let inner = self.lock();
        if *cursor < inner.base {
            *cursor = inner.base;
        }
        let index = usize::try_from(*cursor - inner.base).ok()?;
        let item = inner.items.get(index)?.clone();
        *cursor += 1;
        Some(item)
    }

    async fn next(&self, cursor: &mut u64) -> T {
        loop {
            let notified = self.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(item) = self.try_next(cursor) {
                return item;
            }
            notified.await;
        }
    }

    fn snapshot(&self) -> Vec<T> {
        self.lock().items.iter().cloned().collect()
    }
}

/// The event hub behind [`Webhooks`].
pub(crate) struct Hub {
    instance_id: String,
    clock: Arc<dyn Clock>,
    ids: IdGen,
    default_secret: String,
    default_signer: Webhook,
    events: Log<Arc<WebhookMessage>>,
    deliveries: Log<DeliveryAttempt>,
    endpoints: RwLock<Vec<Arc<WebhookEndpoint>>>,
    sender: Mutex<Option<mpsc::UnboundedSender<Arc<WebhookMessage>>>>,
    retry_schedule: Vec<Duration>,
    timeout: Duration,
}

#[derive(Serialize)]
struct Envelope<'a, T> {
    data: &'a T,
    object: &'static str,
    #[serde(rename = "type")]
    event_type: &'a str,
    timestamp: i64,
    instance_id: &'a str,
    event_attributes: Attributes<'a>,
}

#[derive(Serialize)]
struct Attributes<'a> {
    http_request: HttpRequest<'a>,
}

#[derive(Serialize)]
struct HttpRequest<'a> {
    client_ip: &'a str,
    user_agent: &'a str,
}

impl Hub {
    pub(crate) fn new(
        instance_id: String,
        clock: Arc<dyn Clock>,
        default_secret: Option<String>,
        retry_schedule: Vec<Duration>,
        timeout: Duration,
        capacity: usize,
    ) -> Result<Hub, String> {
        let default_secret = default_secret.unwrap_or_else(random_webhook_secret);
        let default_signer = Webhook::new(&default_secret)
            .map_err(|e| format!("invalid webhook signing secret: {e}"))?;
        Ok(Hub {
            instance_id,
            clock,
            ids: IdGen::new(),
            default_secret,
            default_signer,
            events: Log::new(capacity),
            deliveries: Log::new(capacity),
            endpoints: RwLock::new(Vec::new()),
            sender: Mutex::new(None),
            retry_schedule,
            timeout,
        })
    }

    /// Records an event and queues it for the endpoints.
    pub(crate) fn emit<T: Serialize>(&self, event_type: &str, data: &T, meta: &RequestMeta) {
        let now = self.clock.now_unix_millis();
        let client_ip = meta.client_ip.to_string();
        let envelope = Envelope {
            data,
            object: "event",
            event_type,
            timestamp: now,
            instance_id: &self.instance_id,
            event_attributes: Attributes {
                http_request: HttpRequest {
                    client_ip: &client_ip,
                    user_agent: meta
                        .user_agent
                        .as_ref()
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or(""),
                },
            },
        };
        let body = match serde_json::to_vec(&envelope) {
            Ok(body) => Bytes::from(body),
            Err(error) => {
                tracing::warn!(event_type, %error, "could not encode a webhook event");
                return;
            }
        };
        let id = self.ids.next("msg_", now);
        let timestamp = now.div_euclid(1000);
        let signature = self.default_signer.sign(&id, timestamp, &body);
        let message = Arc::new(WebhookMessage {
            id,
            event_type: event_type.to_owned(),
            body,
            timestamp,
            signature,
        });
        self.events.push(message.clone());
        let has_endpoints = !self
            .endpoints
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .is_empty();
        if has_endpoints {
            if let Some(sender) = self
                .sender
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .as_ref()
            {
                let _ = sender.send(message);
            }
        }
    }

    fn endpoints(&self) -> Vec<Arc<WebhookEndpoint>> {
        self.endpoints
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Starts the delivery loop; it stops when `shutdown` turns true.
    pub(crate) fn start(
        self: &Arc<Hub>,
        transport: Arc<HyperTransport>,
        shutdown: watch::Receiver<bool>,
    ) {
        let (sender, mut receiver) = mpsc::unbounded_channel::<Arc<WebhookMessage>>();
        *self.sender.lock().unwrap_or_else(|p| p.into_inner()) = Some(sender);
        let hub = self.clone();
        let mut stop = shutdown.clone();
        tokio::spawn(async move {
            loop {
                let message = tokio::select! {
                    message = receiver.recv() => message,
                    _ = stop.changed() => None,
                };
                let Some(message) = message else { break };
                for endpoint in hub.endpoints() {
                    if endpoint.accepts(&message.event_type) {
                        tokio::spawn(deliver(
                            hub.clone(),
                            transport.clone(),
                            endpoint,
                            message.clone(),
                            shutdown.clone(),
                        ));
                    }
                }
            }
        });
    }

    /// Stops accepting messages for delivery.
    pub(crate) fn stop(&self) {
        self.sender.lock().unwrap_or_else(|p| p.into_inner()).take();
    }
}

async fn deliver(
    hub: Arc<Hub>,
    transport: Arc<HyperTransport>,
    endpoint: Arc<WebhookEndpoint>,
    message: Arc<WebhookMessage>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut attempt: u32 = 0;
    loop {
        attempt += 1;
        let timestamp = hub.clock.now_unix_millis().div_euclid(1000);
        let signature = endpoint.signer.sign(&message.id, timestamp, &message.body);
        let outcome = match build_request(&endpoint.url, &message, timestamp, &signature) {
            Err(error) => DeliveryOutcome::Failed { error },
            Ok(request) => match tokio::time::timeout(hub.timeout, transport.send(request)).await {
                Err(_) => DeliveryOutcome::Failed {
                    error: format!("no answer within {:?}", hub.timeout),
                },
                Ok(Err(error)) => DeliveryOutcome::Failed {
                    error: error.to_string(),
                },
                Ok(Ok(response)) if response.status().is_success() => DeliveryOutcome::Delivered {
                    status: response.status().as_u16(),
                },
                Ok(Ok(response)) => DeliveryOutcome::Rejected {
                    status: response.status().as_u16(),
                },
            },
        };
        let delivered = matches!(outcome, DeliveryOutcome::Delivered { .. });
        let next_retry_in = if delivered {
            None
        } else {
            usize::try_from(attempt - 1)
                .ok()
                .and_then(|i| hub.retry_schedule.get(i).copied())
        };
        if !delivered {
            tracing::debug!(
                endpoint = %endpoint.id,
                message = %message.id,
                attempt,
                ?outcome,
                "webhook delivery failed"
            );
        }
        hub.deliveries.push(DeliveryAttempt {
            endpoint_id: endpoint.id.clone(),
            url: endpoint.url.clone(),
            message_id: message.id.clone(),
            event_type: message.event_type.clone(),
            attempt,
            outcome,
            next_retry_in,
        });
        let Some(delay) = next_retry_in else { return };
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            _ = shutdown.changed() => return,
        }
    }
}

fn build_request(
    url: &str,
    message: &WebhookMessage,
    timestamp: i64,
    signature: &str,
) -> Result<http::Request<Bytes>, String> {
    http::Request::builder()
        .method(http::Method::POST)
        .uri(url)
        .header(http::header::CONTENT_TYPE, "application/json")
        .header(http::header::USER_AGENT, "Svix-Webhooks (clerk-testkit)")
        .header("svix-id", message.id.as_str())
        .header("svix-timestamp", timestamp)
        .header("svix-signature", signature)
        .body(message.body.clone())
        .map_err(|e| format!("invalid request: {e}"))
}

/// Webhook endpoints and the event log of a running emulator; see
/// [`Testkit::webhooks`](crate::Testkit::webhooks) and the [module docs](self) for delivery
/// semantics.
#[derive(Clone)]
pub struct Webhooks {
    hub: Arc<Hub>,
    event_cursor: Arc<tokio::sync::Mutex<u64>>,
    delivery_cursor: Arc<tokio::sync::Mutex<u64>>,
}

impl Webhooks {
    pub(crate) fn new(hub: Arc<Hub>) -> Webhooks {
        Webhooks {
            hub,
            event_cursor: Arc::new(tokio::sync::Mutex::new(0)),
            delivery_cursor: Arc::new(tokio::sync::Mutex::new(0)),
        }
    }

    /// The default `whsec_…` secret: [`WebhookMessage::headers`] are signed with it, and
    /// endpoints added with [`add_endpoint`](Webhooks::add_endpoint) use it.
    pub fn secret(&self) -> &str {
        &self.hub.default_secret
    }

    /// Registers `url` (http or https) for every event, signed with the default secret.
    ///
    /// # Errors
    ///
    /// [`EndpointError`] if `url` is not an absolute http(s) URL.
    pub fn add_endpoint(&self, url: &str) -> Result<WebhookEndpoint, EndpointError> {
        self.add_endpoint_with(url, Some(self.hub.default_secret.clone()), None)
    }

    /// Registers `url` with its own secret (`None`: a fresh random one) and, optionally, only the
    /// given event types.
    ///
    /// # Errors
    ///
    /// [`EndpointError`] if `url` is not an absolute http(s) URL or the secret is not a valid
    /// `whsec_` secret.
    pub fn add_endpoint_with(
        &self,
        url: &str,
        secret: Option<String>,
        event_types: Option<Vec<String>>,
    ) -> Result<WebhookEndpoint, EndpointError> {
        let uri: http::Uri = url
            .parse()
            .map_err(|e| EndpointError(format!("invalid endpoint URL {url:?}: {e}")))?;
        if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none() {
            return Err(EndpointError(format!(
                "the endpoint URL must be an absolute http or https URL, not {url:?}"
            )));
        }
        let secret = secret.unwrap_or_else(random_webhook_secret);
        let signer = Webhook::new(&secret)
            .map_err(|e| EndpointError(format!("invalid signing secret: {e}")))?;
        let endpoint = WebhookEndpoint {
            id: self.hub.ids.next("ep_", self.hub.clock.now_unix_millis()),
            url: url.to_owned(),
            secret,
            event_types,
            signer,
        };
        self.hub
            .endpoints
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .push(Arc::new(endpoint.clone()));
        Ok(endpoint)
    }

    /// Removes an endpoint; `false` if there was none with that id.
    pub fn remove_endpoint(&self, id: &str) -> bool {
        let mut endpoints = self
            .hub
            .endpoints
            .write()
            .unwrap_or_else(|p| p.into_inner());
        let before = endpoints.len();
        endpoints.retain(|e| e.id != id);
        endpoints.len() != before
    }

    /// The registered endpoints.
    pub fn endpoints(&self) -> Vec<WebhookEndpoint> {
        self.hub.endpoints().iter().map(|e| (**e).clone()).collect()
    }

    /// The next event, in emission order, waiting for one if needed. The cursor is shared by
    /// every clone of this handle and starts at the oldest event still in the log (the log keeps
    /// the last 1024 by default).
    pub async fn next(&self) -> WebhookMessage {
        let mut cursor = self.event_cursor.lock().await;
        (*self.hub.events.next(&mut cursor).await).clone()
    }

    /// The next event if one is already there.
    pub fn try_next(&self) -> Option<WebhookMessage> {
        let mut cursor = self.event_cursor.try_lock().ok()?;
        self.hub.events.try_next(&mut cursor).map(|m| (*m).clone())
    }

    /// The next event of type `event_type`, skipping others.
    pub async fn next_of_type(&self, event_type: &str) -> WebhookMessage {
        loop {
            let message = self.next().await;
            if message.event_type == event_type {
                return message;
            }
        }
    }

    /// The next delivery attempt to a registered endpoint (shared cursor, as [`next`](Self::next)).
    pub async fn next_delivery(&self) -> DeliveryAttempt {
        let mut cursor = self.delivery_cursor.lock().await;
        self.hub.deliveries.next(&mut cursor).await
    }

    /// A reader with its own cursor, starting at the oldest event still in the log.
    pub fn subscribe(&self) -> Subscription {
        Subscription {
            hub: self.hub.clone(),
            cursor: 0,
        }
    }

    /// Every event still in the log, oldest first.
    pub fn history(&self) -> Vec<WebhookMessage> {
        self.hub
            .events
            .snapshot()
            .into_iter()
            .map(|m| (*m).clone())
            .collect()
    }

    /// Every delivery attempt still in the log, oldest first.
    pub fn delivery_history(&self) -> Vec<DeliveryAttempt> {
        self.hub.deliveries.snapshot()
    }
}

impl fmt::Debug for Webhooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhooks")
            .field("secret", &"***")
            .field("endpoints", &self.endpoints())
            .finish_non_exhaustive()
    }
}

/// An independent reader of the event log, from [`Webhooks::subscribe`].
pub struct Subscription {
    hub: Arc<Hub>,
    cursor: u64,
}

impl Subscription {
    /// The next event, waiting for one if needed.
    pub async fn next(&mut self) -> WebhookMessage {
        (*self.hub.events.next(&mut self.cursor).await).clone()
    }

    /// The next event if one is already there.
    pub fn try_next(&mut self) -> Option<WebhookMessage> {
        self.hub
            .events
            .try_next(&mut self.cursor)
            .map(|m| (*m).clone())
    }
}

impl fmt::Debug for Subscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscription")
            .field("cursor", &self.cursor)
            .finish_non_exhaustive()
    }
}

//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use clerk_core::{
    Bytes, Client, ClientBuilder, ManualClock, Transport, TransportError, TransportFuture,
};

pub(crate) const KEY: &str = "sk_test_SuperSecretValue123";

/// A builder pointed at `url` with the test key and a manual clock.
pub(crate) fn builder(url: &str, clock: &ManualClock) -> ClientBuilder {
    Client::builder()
        .secret_key(KEY)
        .api_url(url)
        .clock(clock.clone())
}

/// A client for a mockito server with a manual clock.
pub(crate) fn client(server: &mockito::ServerGuard) -> (Client, ManualClock) {
    let clock = ManualClock::new();
    let client = builder(&server.url(), &clock).build().unwrap();
    (client, clock)
}

pub(crate) fn user_agent() -> String {
    format!("clerk-rust/{}", env!("CARGO_PKG_VERSION"))
}

type Responder = dyn Fn(usize) -> Result<http::Response<Bytes>, TransportError> + Send + Sync;

/// A transport that records every request and answers with a closure of the attempt index
/// (0-based), or never answers when no closure is given.
#[derive(Clone)]
pub(crate) struct RecordingTransport {
    pub(crate) requests: Arc<Mutex<Vec<http::Request<Bytes>>>>,
    sends: Arc<AtomicUsize>,
    respond: Option<Arc<Responder>>,
}

impl RecordingTransport {
    pub(crate) fn new(
        respond: impl Fn(usize) -> Result<http::Response<Bytes>, TransportError> + Send + Sync + 'static,
    ) -> Self {
        RecordingTransport {
            requests: Arc::default(),
            sends: Arc::default(),
            respond: Some(Arc::new(respond)),
        }
    }

    /// Always answers `status` with `body`.
    pub(crate) fn fixed(status: u16, body: &'static str) -> Self {
        RecordingTransport::new(move |_| Ok(response(status, body)))
    }

    /// Never answers.
    pub(crate) fn never() -> Self {
        RecordingTransport {
            requests: Arc::default(),
            sends: Arc::default(),
            respond: None,
        }
    }

    pub(crate) fn sends(&self) -> usize {
        self.sends.load(Ordering::SeqCst)
    }
}

pub(crate) fn response(status: u16, body: &'static str) -> http::Response<Bytes> {
    http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Bytes::from_static(body.as_bytes()))
        .unwrap()
}

impl Transport for RecordingTransport {
    fn send(&self, req: http::Request<Bytes>) -> TransportFuture {
        let n = self.sends.fetch_add(1, Ordering::SeqCst);
        self.requests.lock().unwrap().push(req);
        match &self.respond {
            Some(respond) => {
                let result = respond(n);
                Box::pin(async move { result })
            }
            None => Box::pin(std::future::pending()),
        }
    }
}

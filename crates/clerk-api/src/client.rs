//! The [`Clerk`] client: a cheap handle onto one configured [`clerk_core::Client`].

use clerk_core::{Client, ClientBuilder, Error};

/// The Clerk Backend API client.
///
/// Cheap to clone (one `Arc` inside) and `Send + Sync`: build one at startup and share it.
/// Each resource group has a handle — [`users`](Clerk::users),
/// [`organizations`](Clerk::organizations), [`sessions`](Clerk::sessions) and the rest.
#[derive(Clone, Debug)]
pub struct Clerk {
    client: Client,
}

impl Clerk {
    /// A client for the given secret key, with every other setting at its default.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the key is empty or cannot be sent in a header.
    pub fn new(secret_key: impl Into<String>) -> Result<Self, Error> {
        Client::new(secret_key).map(Self::from_client)
    }

    /// A client configured from the environment: `CLERK_SECRET_KEY` (required) and
    /// `CLERK_API_URL` (optional).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when `CLERK_SECRET_KEY` is missing or invalid, or `CLERK_API_URL` does
    /// not parse.
    pub fn from_env() -> Result<Self, Error> {
        Client::from_env().map(Self::from_client)
    }

    /// A builder for every setting: API URL, timeout, retries, user agent, transport…
    /// Finish it with [`ClientBuilder::build`] and wrap the result with [`Clerk::from_client`],
    /// or call [`Clerk::from_builder`].
    pub fn builder() -> ClientBuilder {
        Client::builder()
    }

    /// Builds a client from a configured [`ClientBuilder`].
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for an invalid setting (see [`ClientBuilder::build`]).
    pub fn from_builder(builder: ClientBuilder) -> Result<Self, Error> {
        builder.build().map(Self::from_client)
    }

    /// Wraps an already built transport-level client.
    pub fn from_client(client: Client) -> Self {
        Self { client }
    }

    /// The underlying transport-level client, for requests this crate has no builder for.
    pub fn client(&self) -> &Client {
        &self.client
    }
}

impl From<Client> for Clerk {
    fn from(client: Client) -> Self {
        Self::from_client(client)
    }
}

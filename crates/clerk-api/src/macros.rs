//! Macros the generated code expands, so that `generated/` stays declarative.

/// `IntoFuture` for a request builder, so `clerk.users().get(id).await` sends it.
macro_rules! into_future {
    ($builder:ty => $output:ty) => {
        impl std::future::IntoFuture for $builder {
            type Output = Result<$output, clerk_core::Error>;
            type IntoFuture = std::pin::Pin<
                Box<dyn std::future::Future<Output = Result<$output, clerk_core::Error>> + Send>,
            >;

            fn into_future(self) -> Self::IntoFuture {
                Box::pin(self.send())
            }
        }
    };
}

/// What every generated request builder shares. A builder has `client: Client` and
/// `timeouts: CallTimeouts` fields and a `build(&self) -> Request` method, and its module
/// imports `clerk_core::Error` (the expansion names it there); this adds the per-call
/// timeouts (`@options`) and, given the type the answer decodes to, `send`, `send_as` and
/// `IntoFuture`.
macro_rules! request_builder {
    (@options $builder:ident) => {
        impl $builder {
            /// The time allowed for each attempt of this call, instead of the client's
            /// `attempt_timeout`.
            pub fn attempt_timeout(mut self, timeout: std::time::Duration) -> Self {
                self.timeouts.attempt = Some(timeout);
                self
            }

            /// The time allowed for this whole call, retries and waits included, instead of
            /// the client's `call_timeout`.
            pub fn call_timeout(mut self, timeout: std::time::Duration) -> Self {
                self.timeouts.call = Some(timeout);
                self
            }
        }
    };
    ($builder:ident => $output:ty) => {
        crate::macros::request_builder!(@options $builder);

        impl $builder {
            /// Sends the request.
            ///
            /// # Errors
            ///
            /// [`Error::Api`] when Clerk answers with an error status, and the transport,
            /// timeout, decode and invalid-request errors described on [`Error`].
            pub async fn send(self) -> Result<$output, Error> {
                self.client.execute(self.build()).await
            }

            /// Sends the request and decodes the answer into a type of your own: a leaner
            /// struct, or one with fields this SDK version does not model.
            ///
            /// # Errors
            ///
            /// As [`send`](Self::send); [`Error::Decode`] when the answer does not fit `T`.
            pub async fn send_as<T: serde::de::DeserializeOwned>(self) -> Result<T, Error> {
                self.client.execute(self.build()).await
            }
        }

        crate::macros::into_future!($builder => $output);
    };
}

pub(crate) use clerk_models::__private::Redacted;
pub(crate) use clerk_models::{string_enum, untagged_union};
pub(crate) use {into_future, request_builder};

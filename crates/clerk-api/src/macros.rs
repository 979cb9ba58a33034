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

pub(crate) use clerk_models::__private::Redacted;
pub(crate) use clerk_models::{string_enum, untagged_union};
pub(crate) use into_future;

//! Query parameters typed as string enums.
//!
//! The enums live in `clerk-models`, which knows nothing of `clerk_core::QueryValue`; the
//! generated builders wrap such a parameter in [`Enums`], and `generated/mod.rs` lists the enums
//! that appear in a query with [`enum_query!`].

use clerk_core::QueryValue;

/// A string enum (or an optional or repeated one) sent as a query parameter.
pub(crate) trait EnumQuery {
    /// Appends this value's `(name, value)` pairs, as [`QueryValue::append_to`] does.
    fn append(&self, name: &str, out: &mut Vec<(String, String)>);
}

impl<T: EnumQuery> EnumQuery for Option<T> {
    fn append(&self, name: &str, out: &mut Vec<(String, String)>) {
        if let Some(value) = self {
            value.append(name, out);
        }
    }
}

impl<T: EnumQuery> EnumQuery for Vec<T> {
    fn append(&self, name: &str, out: &mut Vec<(String, String)>) {
        for value in self {
            value.append(name, out);
        }
    }
}

/// Borrows an [`EnumQuery`] value as a [`QueryValue`].
pub(crate) struct Enums<'a, T>(pub(crate) &'a T);

impl<T: EnumQuery> QueryValue for Enums<'_, T> {
    fn append_to(&self, name: &str, out: &mut Vec<(String, String)>) {
        self.0.append(name, out);
    }
}

/// Implements [`EnumQuery`] for generated string enums: the value on the wire is `as_str()`.
macro_rules! enum_query {
    ($($name:ty),* $(,)?) => {$(
        impl crate::query::EnumQuery for $name {
            fn append(&self, name: &str, out: &mut Vec<(String, String)>) {
                clerk_core::push_query(out, name, self.as_str());
            }
        }
    )*};
}

pub(crate) use enum_query;

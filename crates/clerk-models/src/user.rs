//! Conveniences on the generated [`User`].

use crate::User;

impl User {
    /// The user's primary email address, if they have one.
    pub fn primary_email_address(&self) -> Option<&crate::EmailAddress> {
        let id = self.primary_email_address_id.as_deref()?;
        self.email_addresses
            .iter()
            .find(|e| e.id.as_deref() == Some(id))
    }

    /// The user's primary phone number, if they have one.
    pub fn primary_phone_number(&self) -> Option<&crate::PhoneNumber> {
        let id = self.primary_phone_number_id.as_deref()?;
        self.phone_numbers
            .iter()
            .find(|p| p.id.as_deref() == Some(id))
    }

    /// First and last name joined by a space, or `None` when both are absent or empty.
    pub fn full_name(&self) -> Option<String> {
        let joined = [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if joined.is_empty() {
            None
        } else {
            Some(joined)
        }
    }
}

//! `Auth::get_token`: a fresh session token (or a JWT-template token) for the signed-in session,
//! minted by the Backend API.

use super::backend::{BackendError, SessionTokenApi};
use crate::auth::Auth;

impl Auth {
    /// A token for this request's session, from the Backend API through `api` (the `clerk`
    /// crate's client implements [`SessionTokenApi`]): the default session token
    /// (`POST /v1/sessions/{sid}/tokens`) or one shaped by the JWT template `template`
    /// (`POST /v1/sessions/{sid}/tokens/{template}`), e.g. to call a third-party service.
    ///
    /// `Ok(None)` when there is no session to mint for (signed out, a machine, or claims without
    /// `sid`); nothing is sent then.
    ///
    /// # Errors
    ///
    /// The [`BackendError`] of the call (an unknown session or template, a network failure…).
    pub async fn get_token<A: SessionTokenApi + ?Sized>(
        &self,
        api: &A,
        template: Option<&str>,
    ) -> Result<Option<String>, BackendError> {
        let Some(session_id) = self.session_id() else {
            return Ok(None);
        };
        api.create_session_token(session_id, template)
            .await
            .map(Some)
    }
}

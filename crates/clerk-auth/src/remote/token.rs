//! `Auth::get_token`: a fresh session token (or a JWT-template token) for the signed-in session,
//! minted by the Backend API.

use clerk_core::{Client, Error, Method, Request};
use serde::Deserialize;

use crate::auth::Auth;

#[derive(Deserialize)]
struct TokenResponse {
    jwt: String,
}

impl Auth {
    /// A token for this request's session, from the Backend API: the default session token
    /// (`POST /v1/sessions/{sid}/tokens`) or one shaped by the JWT template `template`
    /// (`POST /v1/sessions/{sid}/tokens/{template}`), e.g. to call a third-party service.
    ///
    /// `Ok(None)` when there is no session to mint for (signed out, a machine, or claims without
    /// `sid`); nothing is sent then.
    ///
    /// # Errors
    ///
    /// The Backend API's errors ([`Error::Api`] for an unknown session or template, transport
    /// and decode errors) and [`Error::InvalidRequest`] for an empty template name.
    pub async fn get_token(
        &self,
        client: &Client,
        template: Option<&str>,
    ) -> Result<Option<String>, Error> {
        let Some(session_id) = self.session_id() else {
            return Ok(None);
        };
        let request = match template {
            Some(template) => Request::new(
                Method::POST,
                "/sessions/{session_id}/tokens/{template_name}",
            )
            .path_param("session_id", session_id)
            .path_param("template_name", template),
            None => Request::new(Method::POST, "/sessions/{session_id}/tokens")
                .path_param("session_id", session_id),
        };
        let token: TokenResponse = client.execute(request).await?;
        Ok(Some(token.jwt))
    }
}

//! The one rule both generators use to decide which generated fields hold credentials, so their
//! values never reach `Debug` output (logs, panics, tracing fields).
//!
//! A field is a credential when it holds text (a string, strings, or untyped JSON — never a
//! boolean, a number or a closed enum, which cannot carry a secret) and:
//! - its name contains one of [`WORDS`] (`totp_secret`, `id_token`, `token_secret`,
//!   `password_digest`, `backup_codes`…) and is not one of the few [`NOT_CREDENTIALS`];
//! - or it is the `url` of a model whose URL carries a ticket or creates a session
//!   ([`TICKET_URL_MODELS`]: sign-in and actor tokens, invitations, agent tasks…);
//! - or it is private key material of a JWK model ([`JWK_PRIVATE_MEMBERS`]);
//! - or it is a `code` in a request body (a one-time verification code; in responses a `code`
//!   is an error or status code);
//! - or the generator names it a message field (the contents of e-mail and SMS events).
//!
//! Generated tests fill every field this rule selects with a marker and check that `Debug`
//! never shows it, so a field added to the spec is covered the day it is generated.

/// Substrings of a field name that mark a credential.
pub(crate) const WORDS: &[&str] = &[
    "secret",
    "token",
    "password",
    "jwt",
    "private_key",
    "backup_code",
    "api_key",
];

/// Names that contain a word of [`WORDS`] but hold no credential: kinds and endpoint URLs.
pub(crate) const NOT_CREDENTIALS: &[&str] = &[
    "token_type",
    "token_url",
    "token_fetch_url",
    "token_introspection_url",
];

/// Model name prefixes whose `url` embeds a ticket or a one-time sign-in link.
pub(crate) const TICKET_URL_MODELS: &[&str] = &[
    "ActorToken",
    "AgentTask",
    "EnterpriseConnectionTestRun",
    "Invitation",
    "OrganizationInvitation",
    "SignInToken",
];

/// The private members of a JSON Web Key (RFC 7518: RSA `d`, `p`, `q`, `dp`, `dq`, `qi`; EC and
/// OKP `d`; symmetric `k`), redacted in models whose name starts with `Jwks`.
pub(crate) const JWK_PRIVATE_MEMBERS: &[&str] = &["d", "p", "q", "dp", "dq", "qi", "k"];

/// What the rule needs to know about a field.
pub(crate) struct FieldFacts<'a> {
    /// The generated model's Rust name.
    pub(crate) model: &'a str,
    /// The field's JSON name.
    pub(crate) json: &'a str,
    /// Whether the value is text: a string, a list or map of strings, or untyped JSON.
    pub(crate) holds_text: bool,
    /// Whether the model is a request body (built by callers).
    pub(crate) request_side: bool,
}

/// Whether a field holds a credential (see the module docs).
pub(crate) fn is_credential(field: &FieldFacts<'_>) -> bool {
    if !field.holds_text {
        return false;
    }
    let name = field.json.to_ascii_lowercase();
    if NOT_CREDENTIALS.contains(&name.as_str()) {
        return false;
    }
    WORDS.iter().any(|word| name.contains(word))
        || (name == "url"
            && TICKET_URL_MODELS
                .iter()
                .any(|prefix| field.model.starts_with(prefix)))
        || (field.model.starts_with("Jwks") && JWK_PRIVATE_MEMBERS.contains(&name.as_str()))
        || (field.request_side && name == "code")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(model: &str, json: &str, holds_text: bool, request_side: bool) -> bool {
        is_credential(&FieldFacts {
            model,
            json,
            holds_text,
            request_side,
        })
    }

    #[test]
    fn names_with_a_credential_word_are_credentials() {
        for name in [
            "totp_secret",
            "id_token",
            "token_secret",
            "password_digest",
            "backup_codes",
            "secret_key",
            "client_secret",
            "jwt",
            "expired_token",
            "api_key",
            "Token",
        ] {
            assert!(check("Anything", name, true, false), "{name}");
        }
    }

    #[test]
    fn kinds_urls_flags_and_numbers_are_not() {
        for name in [
            "token_type",
            "token_url",
            "token_introspection_url",
            "id",
            "email_address",
        ] {
            assert!(!check("Anything", name, true, false), "{name}");
        }
        // Not text: cannot hold a secret.
        assert!(!check("User", "password_enabled", false, false));
        assert!(!check("Machine", "default_token_ttl", false, false));
    }

    #[test]
    fn ticket_urls_jwk_private_members_and_request_codes() {
        assert!(check("SignInToken", "url", true, false));
        assert!(check(
            "OrganizationInvitationWithPublicOrganizationData",
            "url",
            true,
            false
        ));
        assert!(!check("RedirectUrl", "url", true, false));
        assert!(check("JwksRsaPrivateKey", "d", true, false));
        assert!(check("JwksSymmetricKey", "k", true, false));
        assert!(!check("JwksRsaPublicKey", "n", true, false));
        assert!(!check("Certificate", "d", true, false));
        assert!(check(
            "AttemptPhoneNumberVerificationBody",
            "code",
            true,
            true
        ));
        assert!(!check("ClerkError", "code", true, false));
    }
}

//! A stateful, offline emulator of the Clerk Backend API, for tests and local development.
//!
//! `clerk-testkit` serves the Backend API over real HTTP on `127.0.0.1`, keeps users,
//! organizations, sessions and the rest in memory, mints real RS256 session tokens that
//! `clerk-auth` verifies (networkless or through `/v1/jwks`), signs and delivers webhooks the way
//! Svix does, and can inject latency, error statuses, dropped connections and truncated bodies.
//!
//! ```no_run
//! use clerk_testkit::Testkit;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let testkit = Testkit::start().await?;
//! let clerk = testkit.client();
//!
//! let user = clerk.users().create().email_address(["ada@example.com"]).await?;
//! let session = clerk.sessions().create(&user.id).await?;
//! let token = clerk.sessions().create_token(&session.id).await?;
//!
//! // Networkless verification with the instance's public key:
//! let verifier = clerk_auth::Verifier::new(clerk_auth::PublicKey::from_pem(testkit.public_key_pem())?);
//! let claims = verifier.verify(token.jwt.as_deref().unwrap_or_default())?;
//! assert_eq!(claims.sub, user.id);
//!
//! // The webhook the creation emitted, signed with the testkit's secret:
//! let message = testkit.webhooks().next().await;
//! assert_eq!(message.event_type(), "user.created");
//! # Ok(()) }
//! ```
//!
//! # Pointing any client at it
//!
//! | Setting | Value |
//! |---|---|
//! | `CLERK_API_URL` / `apiUrl` | [`Testkit::api_url`], `http://127.0.0.1:<port>` |
//! | `CLERK_SECRET_KEY` | [`Testkit::secret_key`], a random `sk_test_…` unless configured |
//! | `CLERK_PUBLISHABLE_KEY` | [`Testkit::publishable_key`]: `pk_test_` + base64 of `127.0.0.1:<port>$` |
//! | `CLERK_JWT_KEY` | [`Testkit::public_key_pem`] |
//! | `CLERK_WEBHOOK_SIGNING_SECRET` | [`Webhooks::secret`] |
//!
//! The standalone server (`cargo run -p clerk-testkit -- --port 4010`) prints these as `export`
//! lines; see `clerk-testkit --help`.
//!
//! # Behaviour
//!
//! - **Authentication**: every request needs `Authorization: Bearer <secret key>` (a wrong or
//!   missing key is `401 clerk_key_invalid`); the M2M token endpoints also take a machine's
//!   secret key.
//! - **Errors** have Clerk's body, `{"errors":[{"code","message","long_message",
//!   "meta":{"param_name"}}],"clerk_trace_id"}`, with Clerk's codes: `resource_not_found` (404),
//!   `form_identifier_exists`, `form_param_missing`, `form_param_format_invalid` (wrong JSON
//!   type), `form_param_value_invalid` (enum or range), `form_param_unknown` (422),
//!   `form_password_incorrect`, `form_password_pwned`, `form_password_length_too_short`,
//!   `form_username_invalid_length`, `malformed_request_body` (400, not JSON), and
//!   `request_body_too_large` (413, over [`DEFAULT_BODY_LIMIT`] = 1 MiB unless configured).
//!   Where Clerk's exact code for a situation is not documented the emulator uses a descriptive
//!   one (such as `totp_not_enabled` or `password_not_set`).
//! - **Validation**: bodies and queries are checked against the spec's field list for the
//!   operation: required members, JSON types, enums, ranges, and unknown members and query
//!   parameters (refused with `form_param_unknown`). JSON bodies only.
//! - **Unimplemented operations** answer `501` with code `not_implemented` and
//!   `meta.operation_id`, never a fake success. Unknown paths answer `404 resource_not_found`.
//! - **Lists** answer in the shape the API uses for the operation: a bare array (`GET /users`,
//!   `GET /sessions` …), `{"data": [...], "total_count": n}` (organizations, memberships,
//!   machines, API keys, and the lists that take `paginated=true` when it is sent), or
//!   `{"m2m_tokens": [...], "total_count": n}`.
//! - **Metadata**: `PATCH …/metadata` deep-merges (a `null` value deletes a key),
//!   `PUT …/metadata` replaces each metadata object it is given.
//! - **Ids** carry Clerk's prefixes (`user_`, `idn_`, `sess_`, `client_`, `org_`, `orgmem_`,
//!   `orginv_`, `orgdmn_`, `inv_`, `mch_`, `mt_`, `ak_`, `oat_`, `jtmp_`…) and timestamps are
//!   milliseconds from the [`Clock`].
//! - **Tokens**: session tokens are version 2 (`sid`, `sub`, `azp`, `iss` = the emulator's URL,
//!   `v: 2`, `o` for the active organization with `per`/`fpm` permissions, `fva`, `sts`, `iat`,
//!   `nbf`, `exp` 60 s by default), RS256, `kid` = instance id. Opaque M2M tokens (`mt_…`), API
//!   keys (`ak_…`) and OAuth access tokens (`oat_…`, issued with
//!   [`Testkit::issue_oauth_access_token`]) verify through `POST /m2m_tokens/verify`,
//!   `/api_keys/verify` and `/oauth_applications/access_tokens/verify` (also under `/v1`); unknown,
//!   revoked and expired ones answer `404`, which `@clerk/backend` and `clerk-auth` read as an
//!   invalid token.
//! - **Concurrency**: one lock guards the state, so uniqueness (e-mail addresses, phone numbers,
//!   usernames, external ids, organization slugs) is checked and claimed atomically.
//! - **Not emulated**: the Frontend API (sign-in pages, handshakes, cookies), e-mail and SMS
//!   delivery, external (OAuth/SAML) accounts, billing, and the operations not in the list below.
//!   Allowlist and blocklist identifiers are stored but not enforced.
//!
//! # The signing key
//!
//! Tokens are signed with a fixed RSA key committed in the crate (`keys/`): it is a **public test
//! key**. Never trust it, or anything signed with it, outside tests; supply your own with
//! [`TestkitBuilder::signing_key_pem`].
//!
//! # Webhooks
//!
//! See [`webhooks`] for delivery semantics (at least once, retried with back-off).
//!
//! # Emulated operations
//!
//! Generated from the routing table (a test keeps this list in step with it):
//!
#![doc = include_str!("../EMULATED.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod api;
mod app;
mod clock;
mod error;
pub mod faults;
mod keys;
mod render;
mod router;
mod server;
mod state;
mod testkit;
mod util;
mod validate;
pub mod webhooks;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::StartError;
pub use faults::{Fault, FaultId, FaultKind, Faults};
pub use testkit::{DEFAULT_AUTHORIZED_PARTY, DEFAULT_BODY_LIMIT, Testkit, TestkitBuilder};
pub use webhooks::{
    DeliveryAttempt, DeliveryOutcome, EndpointError, WebhookEndpoint, WebhookMessage, Webhooks,
};

/// The operation ids (the spec's `operationId`) the emulator implements, in spec order. Every
/// other Backend API operation answers `501 not_implemented`.
pub fn emulated_operations() -> Vec<&'static str> {
    let emulated: std::collections::HashSet<&str> = api::table().map(|op| op.id).collect();
    clerk_api::operations()
        .iter()
        .map(|info| info.operation_id)
        .filter(|id| emulated.contains(id))
        .collect()
}

/// Every operation id in the routing table, including any the spec does not list (for tests
/// that keep the table honest).
#[doc(hidden)]
pub fn routing_table_operation_ids() -> Vec<&'static str> {
    api::table().map(|op| op.id).collect()
}

/// The body and query fields the emulator validates for an operation, as
/// `(location, name, type, required, nullable, min, max)` rows (for tests that check the
/// tables against the spec).
#[doc(hidden)]
pub fn validation_table(operation_id: &str) -> Option<Vec<FieldRow>> {
    let op = api::table().find(|op| op.id == operation_id)?;
    let mut rows = Vec::new();
    let mut push = |location: &'static str, fields: &[validate::Field]| {
        for f in fields {
            rows.push(FieldRow::from_field(location, f));
        }
    };
    let mut extra = Vec::new();
    let mut push_row = |row: FieldRow| extra.push(row);
    match op.body {
        validate::BodySpec::Object(fields, _) => push("body", fields),
        validate::BodySpec::Array(fields) => push("body[]", fields),
        validate::BodySpec::Multipart => push_row(FieldRow {
            location: "multipart",
            name: "file".to_owned(),
            ty: "string".to_owned(),
            required: true,
            nullable: false,
            min: None,
            max: None,
            enumeration: Vec::new(),
        }),
        validate::BodySpec::None => {}
    }
    push("query", op.query);
    rows.extend(extra);
    Some(rows)
}

/// One validated field, as reported by [`validation_table`].
#[doc(hidden)]
#[derive(Debug, Clone, PartialEq)]
pub struct FieldRow {
    /// `body`, `body[]` (array items), `multipart` or `query`.
    pub location: &'static str,
    /// The member or parameter name.
    pub name: String,
    /// `string`, `boolean`, `integer`, `number`, `object`, `any`, `array`.
    pub ty: String,
    /// Required.
    pub required: bool,
    /// `null` accepted.
    pub nullable: bool,
    /// Lower bound.
    pub min: Option<i64>,
    /// Upper bound.
    pub max: Option<i64>,
    /// Allowed values (for enums and enum arrays).
    pub enumeration: Vec<String>,
}

impl FieldRow {
    fn from_field(location: &'static str, f: &validate::Field) -> FieldRow {
        use validate::Ty;
        let (ty, enumeration): (&str, &[&str]) = match f.ty {
            Ty::Str => ("string", &[]),
            Ty::Bool => ("boolean", &[]),
            Ty::Int => ("integer", &[]),
            Ty::Num => ("number", &[]),
            Ty::Obj | Ty::Nested(..) => ("object", &[]),
            Ty::Any => ("any", &[]),
            Ty::StrArr => ("array", &[]),
            Ty::Enum(values) => ("string", values),
            Ty::EnumArr(values) => ("array", values),
        };
        FieldRow {
            location,
            name: f.name.to_owned(),
            ty: ty.to_owned(),
            required: f.required,
            nullable: f.nullable,
            min: f.min,
            max: f.max,
            enumeration: enumeration.iter().map(|v| (*v).to_owned()).collect(),
        }
    }
}

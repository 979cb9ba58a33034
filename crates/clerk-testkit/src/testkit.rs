//! [`Testkit`]: a running emulator, and its [`TestkitBuilder`].

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::api::{self, orgs, sessions, users};
use crate::app::{App, RequestMeta, RoleDef, Roles, Settings};
use crate::clock::{Clock, SystemClock};
use crate::error::{ApiError, StartError};
use crate::faults::Faults;
use crate::keys::{DEFAULT_PRIVATE_KEY_PEM, SigningKey};
use crate::router::Router;
use crate::state::State;
use crate::util::random_token;
use crate::validate::{BodySpec, check_object};
use crate::webhooks::{DEFAULT_RETRY_SCHEDULE, DELIVERY_TIMEOUT, Hub, Webhooks};

/// The default `azp` of session tokens: a typical local frontend.
pub const DEFAULT_AUTHORIZED_PARTY: &str = "http://localhost:3000";

/// The default request-body limit: 1 MiB (larger bodies get `413 request_body_too_large`).
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// The version of the state-file format.
const STATE_VERSION: u32 = 1;

/// What `--state` files and [`Testkit::snapshot`] hold.
#[derive(Serialize, Deserialize)]
struct Snapshot {
    version: u32,
    instance_id: String,
    secret_key: String,
    webhook_secret: String,
    state: State,
}

enum Seed {
    User(Value),
    Organization(Value),
    Membership {
        org_slug: String,
        user_email: String,
        role: String,
    },
}

/// Configures and starts a [`Testkit`].
///
/// ```no_run
/// use clerk_testkit::{ManualClock, Testkit};
/// use serde_json::json;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let clock = ManualClock::at_unix_millis(1_700_000_000_000);
/// let testkit = Testkit::builder()
///     .clock(clock.clone())
///     .role("org:billing", "Billing", ["org:invoices:read", "org:invoices:manage"])
///     .seed_user(json!({"email_address": ["ada@example.com"], "first_name": "Ada"}))
///     .seed_organization(json!({"name": "Acme", "slug": "acme"}))
///     .seed_membership("acme", "ada@example.com", "org:billing")
///     .start()
///     .await?;
/// # drop(testkit); Ok(()) }
/// ```
#[must_use]
pub struct TestkitBuilder {
    bind: IpAddr,
    port: u16,
    instance_id: Option<String>,
    secret_key: Option<String>,
    clock: Arc<dyn Clock>,
    signing_key_pem: Option<String>,
    authorized_party: Option<String>,
    session_token_lifetime: Duration,
    body_limit: usize,
    roles: Roles,
    seeds: Vec<Seed>,
    state: Option<Value>,
    webhook_secret: Option<String>,
    webhook_endpoints: Vec<String>,
    retry_schedule: Vec<Duration>,
    webhook_timeout: Duration,
    event_log_capacity: usize,
    shutdown_grace: Duration,
}

impl Default for TestkitBuilder {
    fn default() -> Self {
        TestkitBuilder {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            instance_id: None,
            secret_key: None,
            clock: Arc::new(SystemClock),
            signing_key_pem: None,
            authorized_party: Some(DEFAULT_AUTHORIZED_PARTY.to_owned()),
            session_token_lifetime: Duration::from_secs(60),
            body_limit: DEFAULT_BODY_LIMIT,
            roles: Roles::default(),
            seeds: Vec::new(),
            state: None,
            webhook_secret: None,
            webhook_endpoints: Vec::new(),
            retry_schedule: DEFAULT_RETRY_SCHEDULE.to_vec(),
            webhook_timeout: DELIVERY_TIMEOUT,
            event_log_capacity: 1024,
            shutdown_grace: Duration::from_secs(5),
        }
    }
}

impl TestkitBuilder {
    /// The TCP port (default 0: a free port chosen by the OS).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The address to bind (default `127.0.0.1`). The publishable key and the `iss` of tokens
    /// name it, so keep an address clients can reach. Use IPv4: a publishable key's host must
    /// contain a `.`, which `[::1]:<port>` does not, so SDKs refuse the key of an IPv6 bind.
    pub fn bind(mut self, address: IpAddr) -> Self {
        self.bind = address;
        self
    }

    /// The instance id (`ins_…`), also the `kid` of every token (default: random).
    pub fn instance_id(mut self, id: impl Into<String>) -> Self {
        self.instance_id = Some(id.into());
        self
    }

    /// The secret key clients must send (default: a random `sk_test_…`).
    pub fn secret_key(mut self, key: impl Into<String>) -> Self {
        self.secret_key = Some(key.into());
        self
    }

    /// The wall clock for timestamps and token times (default: the system clock).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Signs tokens with this PKCS#8 PEM RSA key instead of the built-in public test key.
    pub fn signing_key_pem(mut self, pem: impl Into<String>) -> Self {
        self.signing_key_pem = Some(pem.into());
        self
    }

    /// The `azp` claim of session tokens (default [`DEFAULT_AUTHORIZED_PARTY`]; `None` omits it).
    pub fn authorized_party(mut self, origin: Option<String>) -> Self {
        self.authorized_party = origin;
        self
    }

    /// Lifetime of session tokens when the request does not set `expires_in_seconds`
    /// (default 60 s, as Clerk's).
    pub fn session_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.session_token_lifetime = lifetime;
        self
    }

    /// The largest request body accepted (default [`DEFAULT_BODY_LIMIT`]).
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// Adds (or redefines) an organization role, e.g. `("org:billing", "Billing",
    /// ["org:invoices:read"])`. `org:admin` and `org:member` exist by default, with Clerk's system
    /// permissions. Permissions `org:<feature>:<name>` appear in session tokens (`o.per`/`o.fpm`).
    pub fn role<I, S>(
        mut self,
        key: impl Into<String>,
        name: impl Into<String>,
        permissions: I,
    ) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.roles.roles.insert(
            key.into(),
            RoleDef {
                name: name.into(),
                permissions: permissions.into_iter().map(Into::into).collect(),
            },
        );
        self
    }

    /// Creates a user at start, from a `POST /v1/users` body (validated like one).
    pub fn seed_user(mut self, body: Value) -> Self {
        self.seeds.push(Seed::User(body));
        self
    }

    /// Creates an organization at start, from a `POST /v1/organizations` body.
    pub fn seed_organization(mut self, body: Value) -> Self {
        self.seeds.push(Seed::Organization(body));
        self
    }

    /// Adds the seeded user with `user_email` to the seeded organization `org_slug` as `role`.
    pub fn seed_membership(
        mut self,
        org_slug: impl Into<String>,
        user_email: impl Into<String>,
        role: impl Into<String>,
    ) -> Self {
        self.seeds.push(Seed::Membership {
            org_slug: org_slug.into(),
            user_email: user_email.into(),
            role: role.into(),
        });
        self
    }

    /// Starts from a state saved with [`Testkit::snapshot`] or [`Testkit::save_state`]
    /// (including its instance id, secret key and webhook secret unless set on this builder).
    pub fn state(mut self, snapshot: Value) -> Self {
        self.state = Some(snapshot);
        self
    }

    /// Loads a state file written by [`Testkit::save_state`], if it exists.
    ///
    /// # Errors
    ///
    /// [`StartError::State`] if the file exists but cannot be read or parsed.
    pub fn state_file(self, path: impl AsRef<Path>) -> Result<Self, StartError> {
        let path = path.as_ref();
        match std::fs::read(path) {
            Ok(bytes) => {
                let value: Value = serde_json::from_slice(&bytes)
                    .map_err(|e| StartError::State(format!("{}: {e}", path.display())))?;
                Ok(self.state(value))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(self),
            Err(e) => Err(StartError::State(format!("{}: {e}", path.display()))),
        }
    }

    /// The default webhook signing secret (`whsec_…`; default: random).
    pub fn webhook_secret(mut self, secret: impl Into<String>) -> Self {
        self.webhook_secret = Some(secret.into());
        self
    }

    /// Registers a webhook endpoint at start (signed with the default secret).
    pub fn webhook_endpoint(mut self, url: impl Into<String>) -> Self {
        self.webhook_endpoints.push(url.into());
        self
    }

    /// The delays before the 2nd, 3rd, … delivery attempts (default
    /// [`DEFAULT_RETRY_SCHEDULE`]: 1 s, 5 s, 30 s, 2 min, 10 min).
    pub fn webhook_retry_schedule(mut self, delays: impl IntoIterator<Item = Duration>) -> Self {
        self.retry_schedule = delays.into_iter().collect();
        self
    }

    /// How long a delivery attempt may take (default 15 s).
    pub fn webhook_timeout(mut self, timeout: Duration) -> Self {
        self.webhook_timeout = timeout;
        self
    }

    /// How many events (and delivery attempts) the log keeps for [`Webhooks::next`]
    /// (default 1024; older ones are dropped).
    pub fn event_log_capacity(mut self, capacity: usize) -> Self {
        self.event_log_capacity = capacity;
        self
    }

    /// How long shutdown waits for in-flight requests (default 5 s).
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.shutdown_grace = grace;
        self
    }

    /// Binds the socket and starts serving on the current Tokio runtime.
    ///
    /// # Errors
    ///
    /// A [`StartError`] when the port cannot be bound, a setting or the state is invalid, or a
    /// seed is rejected.
    pub async fn start(self) -> Result<Testkit, StartError> {
        let snapshot: Option<Snapshot> = match self.state {
            None => None,
            Some(value) => {
                Some(serde_json::from_value(value).map_err(|e| StartError::State(e.to_string()))?)
            }
        };
        if let Some(s) = &snapshot {
            if s.version != STATE_VERSION {
                return Err(StartError::State(format!(
                    "unsupported state version {} (expected {STATE_VERSION})",
                    s.version
                )));
            }
        }
        let instance_id = self
            .instance_id
            .or_else(|| snapshot.as_ref().map(|s| s.instance_id.clone()))
            .unwrap_or_else(|| {
                crate::util::IdGen::new().next("ins_", self.clock.now_unix_millis())
            });
        let secret_key = self
            .secret_key
            .or_else(|| snapshot.as_ref().map(|s| s.secret_key.clone()))
            .unwrap_or_else(|| random_token("sk_test_", 40));
        if secret_key.is_empty()
            || secret_key
                .chars()
                .any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(StartError::Config(
                "the secret key must be non-empty and free of whitespace".to_owned(),
            ));
        }
        if instance_id.is_empty() || instance_id.chars().any(|c| !c.is_ascii_graphic()) {
            return Err(StartError::Config(
                "the instance id must be non-empty printable ASCII".to_owned(),
            ));
        }
        let webhook_secret = self
            .webhook_secret
            .or_else(|| snapshot.as_ref().map(|s| s.webhook_secret.clone()));
        let pem = self
            .signing_key_pem
            .unwrap_or_else(|| DEFAULT_PRIVATE_KEY_PEM.to_owned());
        let keys = SigningKey::from_pkcs8_pem(&pem, &instance_id)
            .map_err(|e| StartError::SigningKey(e.0))?;

        let listener = TcpListener::bind(SocketAddr::new(self.bind, self.port))
            .await
            .map_err(StartError::Bind)?;
        let addr = listener.local_addr().map_err(StartError::Bind)?;
        let host = match addr.ip() {
            IpAddr::V6(ip) => format!("[{ip}]:{}", addr.port()),
            IpAddr::V4(ip) => format!("{ip}:{}", addr.port()),
        };
        let base_url = format!("http://{host}");

        let hub = Arc::new(
            Hub::new(
                instance_id.clone(),
                self.clock.clone(),
                webhook_secret,
                self.retry_schedule,
                self.webhook_timeout,
                self.event_log_capacity,
            )
            .map_err(StartError::Config)?,
        );
        let mut state = snapshot.map(|s| s.state).unwrap_or_default();
        state.rebuild_indexes();
        let settings = Settings {
            instance_id: instance_id.clone(),
            secret_key,
            frontend_url: base_url.clone(),
            authorized_party: self.authorized_party,
            session_token_lifetime: i64::try_from(self.session_token_lifetime.as_secs())
                .unwrap_or(i64::MAX),
            body_limit: self.body_limit,
        };
        let app = Arc::new(App::new(
            settings,
            keys,
            self.clock,
            self.roles,
            hub.clone(),
            state,
        ));
        run_seeds(&app, self.seeds)?;

        let webhooks = Webhooks::new(hub.clone());
        for url in &self.webhook_endpoints {
            webhooks
                .add_endpoint(url)
                .map_err(|e| StartError::Config(e.to_string()))?;
        }
        let publishable_key = format!("pk_test_{}", STANDARD.encode(format!("{host}$")));
        let transport =
            clerk_core::HyperTransport::new().map_err(|e| StartError::Client(e.to_string()))?;
        let (shutdown, shutdown_rx) = watch::channel(false);
        hub.start(Arc::new(transport), shutdown_rx.clone());
        let router = Arc::new(Router::new());
        let server = tokio::spawn(crate::server::serve(
            listener,
            app.clone(),
            router,
            shutdown_rx,
            self.shutdown_grace,
        ));

        let client = facade_builder(&app, &base_url, &publishable_key, webhooks.secret())
            .build()
            .map_err(|e| StartError::Client(e.to_string()))?;
        tracing::debug!(%base_url, instance_id = %app.settings.instance_id, "clerk-testkit started");
        Ok(Testkit {
            app,
            addr,
            base_url,
            frontend_host: host,
            publishable_key,
            webhooks,
            shutdown,
            server: Some(server),
            client,
        })
    }
}

impl fmt::Debug for TestkitBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestkitBuilder")
            .field("bind", &self.bind)
            .field("port", &self.port)
            .field("instance_id", &self.instance_id)
            .field("secret_key", &self.secret_key.as_ref().map(|_| "***"))
            .field("authorized_party", &self.authorized_party)
            .field("body_limit", &self.body_limit)
            .field("seeds", &self.seeds.len())
            .finish_non_exhaustive()
    }
}

fn seed_meta() -> RequestMeta {
    RequestMeta {
        client_ip: std::net::IpAddr::from([127, 0, 0, 1]),
        user_agent: Some(http::HeaderValue::from_static("clerk-testkit")),
    }
}

fn seed_error(what: &str, error: &ApiError) -> StartError {
    let detail = error
        .errors
        .first()
        .map(|e| format!("{} ({})", e.long_message, e.code))
        .unwrap_or_default();
    StartError::Seed(format!("{what}: {detail}"))
}

fn seed_body(operation_id: &str, body: &Value) -> Result<Map<String, Value>, ApiError> {
    let Value::Object(map) = body else {
        return Err(ApiError::malformed("a seed body must be a JSON object"));
    };
    if let Some(op) = api::table().find(|op| op.id == operation_id) {
        if let BodySpec::Object(fields, extra) = op.body {
            check_object(map, fields, extra, "")?;
        }
    }
    Ok(map.clone())
}

fn run_seeds(app: &App, seeds: Vec<Seed>) -> Result<(), StartError> {
    let meta = seed_meta();
    for seed in seeds {
        match seed {
            Seed::User(body) => {
                let map = seed_body("CreateUser", &body).map_err(|e| seed_error("user", &e))?;
                users::create_user(app, &map, &meta).map_err(|e| seed_error("user", &e))?;
            }
            Seed::Organization(body) => {
                let map = seed_body("CreateOrganization", &body)
                    .map_err(|e| seed_error("organization", &e))?;
                orgs::create_org(app, &map, &meta).map_err(|e| seed_error("organization", &e))?;
            }
            Seed::Membership {
                org_slug,
                user_email,
                role,
            } => {
                let what = format!("membership of {user_email} in {org_slug}");
                if !app.roles.exists(&role) {
                    return Err(StartError::Seed(format!("{what}: unknown role {role}")));
                }
                let mut st = app.write();
                let org_id = st
                    .idx
                    .slug
                    .get(&org_slug)
                    .cloned()
                    .ok_or_else(|| StartError::Seed(format!("{what}: no such organization")))?;
                let user_id = st
                    .idx
                    .email
                    .get(&user_email.to_lowercase())
                    .and_then(|id| st.emails.get(id))
                    .map(|e| e.user_id.clone())
                    .ok_or_else(|| StartError::Seed(format!("{what}: no such user")))?;
                orgs::add_member(
                    app,
                    &mut st,
                    &org_id,
                    &user_id,
                    &role,
                    Map::new(),
                    Map::new(),
                    &meta,
                )
                .map_err(|e| seed_error(&what, &e))?;
            }
        }
    }
    Ok(())
}

/// A running Backend API emulator.
///
/// Start one per test with [`Testkit::start`] (or [`Testkit::builder`]); it listens on
/// `127.0.0.1` on a free port until dropped. Everything a Clerk client needs is on it: the
/// [`api_url`](Testkit::api_url) (`CLERK_API_URL`), the [`secret_key`](Testkit::secret_key),
/// the [`publishable_key`](Testkit::publishable_key), the instance's public key as
/// [PEM](Testkit::public_key_pem) and [JWKS](Testkit::jwks), and a ready
/// [`client`](Testkit::client).
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let testkit = clerk_testkit::Testkit::start().await?;
/// let clerk = testkit.client();
/// let user = clerk.users().create().email_address(["ada@example.com"]).await?;
/// assert_eq!(clerk.users().get(&user.id).await?.id, user.id);
/// # Ok(()) }
/// ```
///
/// Dropping it stops accepting connections and lets in-flight requests finish in the
/// background; [`shutdown`](Testkit::shutdown) waits for that.
pub struct Testkit {
    app: Arc<App>,
    addr: SocketAddr,
    base_url: String,
    frontend_host: String,
    publishable_key: String,
    webhooks: Webhooks,
    shutdown: watch::Sender<bool>,
    server: Option<JoinHandle<()>>,
    client: clerk::Clerk,
}

/// The settings a Clerk client needs to talk to this emulator and trust its tokens and webhooks.
fn facade_builder(
    app: &App,
    base_url: &str,
    publishable_key: &str,
    webhook_secret: &str,
) -> clerk::ClerkBuilder {
    let builder = clerk::Clerk::builder()
        .secret_key(&app.settings.secret_key)
        .api_url(base_url)
        .publishable_key(publishable_key)
        .jwt_key(app.keys.public_pem())
        .webhook_signing_secret(webhook_secret)
        // Every emulator signs with the same public test key: the issuer (its own URL) is what
        // tells this one's tokens from another's.
        .issuer(&app.settings.frontend_url)
        .clock(app.clock.clone());
    match &app.settings.authorized_party {
        Some(party) => builder.authorized_parties([party.clone()]),
        None => builder,
    }
}

fn api_error(error: ApiError) -> clerk_core::Error {
    let errors = error
        .errors
        .iter()
        .map(|e| clerk_core::ClerkError::new(e.code.to_string(), e.long_message.clone()))
        .collect();
    let status = clerk_core::StatusCode::from_u16(error.status)
        .unwrap_or(clerk_core::StatusCode::INTERNAL_SERVER_ERROR);
    clerk_core::Error::from(clerk_core::ApiError::new(status, errors))
}

impl Testkit {
    /// Starts an emulator with the default settings.
    ///
    /// # Errors
    ///
    /// [`StartError::Bind`] if no port can be bound.
    pub async fn start() -> Result<Testkit, StartError> {
        Testkit::builder().start().await
    }

    /// A builder for every setting.
    pub fn builder() -> TestkitBuilder {
        TestkitBuilder::default()
    }

    /// The socket address served.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL, `http://127.0.0.1:<port>` (what `CLERK_API_URL` should be set to; the
    /// Backend API is under `/v1`).
    pub fn api_url(&self) -> &str {
        &self.base_url
    }

    /// The same as [`api_url`](Testkit::api_url).
    pub fn url(&self) -> &str {
        &self.base_url
    }

    /// The secret key (`sk_test_…`) clients must send as `Authorization: Bearer`.
    pub fn secret_key(&self) -> &str {
        &self.app.settings.secret_key
    }

    /// The publishable key: `pk_test_` + base64 of `"127.0.0.1:<port>$"`, i.e. the emulator is
    /// its own Frontend API host (the `iss` of its tokens is `http://127.0.0.1:<port>`). The
    /// Frontend API itself (sign-in pages, handshakes) is not emulated.
    pub fn publishable_key(&self) -> &str {
        &self.publishable_key
    }

    /// The Frontend API host encoded in the publishable key (`127.0.0.1:<port>`).
    pub fn frontend_api(&self) -> &str {
        &self.frontend_host
    }

    /// The `iss` of the emulator's tokens (`http://127.0.0.1:<port>`).
    pub fn issuer(&self) -> &str {
        &self.app.settings.frontend_url
    }

    /// The instance id (`ins_…`), which is also the `kid` of every token.
    pub fn instance_id(&self) -> &str {
        &self.app.settings.instance_id
    }

    /// The instance's public key as SPKI PEM, what `CLERK_JWT_KEY` holds for networkless
    /// verification.
    pub fn public_key_pem(&self) -> &str {
        self.app.keys.public_pem()
    }

    /// The instance's public key (with `kid`), for [`clerk_auth::Verifier`].
    pub fn public_key(&self) -> clerk_auth::PublicKey {
        self.app.keys.public_key().clone()
    }

    /// The JWKS served at `GET /v1/jwks`.
    pub fn jwks(&self) -> clerk_auth::JwkSet {
        self.app.keys.jwks()
    }

    /// A [`clerk::Clerk`] pointed at the emulator and trusting it: its secret and publishable
    /// keys, its public key as `jwt_key` (session tokens verify networkless), its issuer (so
    /// another emulator's tokens, signed with the same test key, are refused), its webhook
    /// signing secret, its clock, and its authorized party when it has one. Default retries and
    /// timeouts; cheap to clone. For other settings start from
    /// [`client_builder`](Self::client_builder).
    pub fn client(&self) -> clerk::Clerk {
        self.client.clone()
    }

    /// A [`clerk::ClerkBuilder`] with everything [`client`](Self::client) has, to change
    /// (retries, timeouts, a machine secret key, JWKS instead of the `jwt_key`…) before building.
    pub fn client_builder(&self) -> clerk::ClerkBuilder {
        facade_builder(
            &self.app,
            &self.base_url,
            &self.publishable_key,
            self.webhooks.secret(),
        )
    }

    /// The wall clock the emulator uses.
    pub fn now_ms(&self) -> i64 {
        self.app.now()
    }

    /// Webhook endpoints and the event log.
    pub fn webhooks(&self) -> &Webhooks {
        &self.webhooks
    }

    /// Fault injection.
    pub fn faults(&self) -> &Faults {
        &self.app.faults
    }

    /// Mints a session token for an active session without an HTTP round trip (the same token
    /// `POST /v1/sessions/{id}/tokens` returns).
    ///
    /// # Errors
    ///
    /// An [`Error::Api`](clerk_core::Error::Api) with status 404 if the session does not exist or is not active.
    pub fn session_token(&self, session_id: &str) -> Result<String, clerk_core::Error> {
        sessions::mint_session_token(&self.app, session_id, None).map_err(api_error)
    }

    /// Ends a session as a sign-out would (status `ended`, event `session.ended`).
    ///
    /// # Errors
    ///
    /// An [`Error::Api`](clerk_core::Error::Api) with status 404 if the session does not exist.
    pub fn end_session(&self, session_id: &str) -> Result<(), clerk_core::Error> {
        let mut st = self.app.write();
        sessions::end_session(&self.app, &mut st, session_id, "ended", &seed_meta())
            .map_err(api_error)
    }

    /// A client token for `client_id`, as `POST /v1/clients/verify` accepts.
    ///
    /// # Errors
    ///
    /// An [`Error::Api`](clerk_core::Error::Api) with status 404 if the client does not exist.
    pub fn client_token(&self, client_id: &str) -> Result<String, clerk_core::Error> {
        if !self.app.read().clients.contains_key(client_id) {
            return Err(api_error(ApiError::not_found("Client")));
        }
        let now = self.app.now().div_euclid(1000);
        let claims = sessions::ClientTokenClaims {
            sub: client_id.to_owned(),
            id: client_id.to_owned(),
            exp: now + 365 * 24 * 3600,
            iat: now,
        };
        self.app
            .keys
            .sign(&claims, "cl_I7d4PD111III")
            .map_err(|e| api_error(ApiError::internal(e)))
    }

    /// Redeems a sign-in token or actor token (what the Frontend API does when a user follows
    /// its URL): the ticket becomes `accepted` and a session starts; for an actor token the
    /// session carries the actor (`act` claim).
    ///
    /// # Errors
    ///
    /// A 404 if the ticket is unknown, a 400 if it was used, revoked or expired.
    pub fn redeem_ticket(
        &self,
        ticket: &str,
    ) -> Result<clerk_api::models::Session, clerk_core::Error> {
        api::instance::redeem_ticket(&self.app, ticket, &seed_meta()).map_err(api_error)
    }

    /// Accepts an organization invitation for a user (the Frontend API's part): the user
    /// becomes a member and `organizationInvitation.accepted` is emitted.
    ///
    /// # Errors
    ///
    /// A 404 if the invitation or user is unknown, a 400 if it is not pending.
    pub fn accept_organization_invitation(
        &self,
        invitation_id: &str,
        user_id: &str,
    ) -> Result<clerk_api::models::OrganizationMembership, clerk_core::Error> {
        orgs::accept_invitation(&self.app, invitation_id, user_id, &seed_meta()).map_err(api_error)
    }

    /// Issues an opaque OAuth access token (`oat_…`) for a user, as if an OAuth application
    /// `client_id` obtained it; `POST /oauth_applications/access_tokens/verify` accepts it.
    /// `lifetime` `None` never expires.
    ///
    /// # Errors
    ///
    /// A 404 if the user does not exist.
    pub fn issue_oauth_access_token<I, S>(
        &self,
        user_id: &str,
        client_id: &str,
        scopes: I,
        lifetime: Option<Duration>,
    ) -> Result<String, clerk_core::Error>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        api::machines::issue_oauth_token(
            &self.app,
            client_id,
            user_id,
            scopes.into_iter().map(Into::into).collect(),
            lifetime.map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX)),
        )
        .map(|(_, token)| token)
        .map_err(api_error)
    }

    /// Revokes an OAuth access token issued by [`issue_oauth_access_token`](Self::issue_oauth_access_token);
    /// `false` if unknown.
    pub fn revoke_oauth_access_token(&self, token: &str) -> bool {
        api::machines::revoke_oauth_token(&self.app, token)
    }

    /// The whole state as JSON (the `--state` file format), for [`TestkitBuilder::state`].
    ///
    /// The snapshot contains the secret key and stored credentials; treat it as secret.
    pub fn snapshot(&self) -> Value {
        let st = self.app.read();
        let snapshot = SnapshotRef {
            version: STATE_VERSION,
            instance_id: &self.app.settings.instance_id,
            secret_key: &self.app.settings.secret_key,
            webhook_secret: self.webhooks.secret(),
            state: &st,
        };
        serde_json::to_value(&snapshot).unwrap_or(Value::Null)
    }

    /// Writes [`snapshot`](Self::snapshot) to `path` atomically (a temporary file in the same
    /// directory, synced, then renamed over `path`).
    ///
    /// # Errors
    ///
    /// Any I/O error.
    pub fn save_state(&self, path: impl AsRef<Path>) -> std::io::Result<()> {
        let path = path.as_ref();
        let bytes = {
            let st = self.app.read();
            let snapshot = SnapshotRef {
                version: STATE_VERSION,
                instance_id: &self.app.settings.instance_id,
                secret_key: &self.app.settings.secret_key,
                webhook_secret: self.webhooks.secret(),
                state: &st,
            };
            serde_json::to_vec(&snapshot).map_err(std::io::Error::other)?
        };
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = std::path::PathBuf::from(tmp);
        {
            use std::io::Write as _;
            let mut file = std::fs::File::create(&tmp)?;
            file.write_all(&bytes)?;
            file.sync_all()?;
        }
        std::fs::rename(&tmp, path)
    }

    /// A counter that changes whenever the state may have changed (to save only when needed).
    pub fn generation(&self) -> u64 {
        self.app.generation()
    }

    /// Stops accepting connections and waits for in-flight requests to finish (bounded by the
    /// builder's shutdown grace).
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        self.app.hub.stop();
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }
}

#[derive(Serialize)]
struct SnapshotRef<'a> {
    version: u32,
    instance_id: &'a str,
    secret_key: &'a str,
    webhook_secret: &'a str,
    state: &'a State,
}

impl Drop for Testkit {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        self.app.hub.stop();
    }
}

impl fmt::Debug for Testkit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Testkit")
            .field("api_url", &self.base_url)
            .field("instance_id", &self.app.settings.instance_id)
            .field("secret_key", &"***")
            .field("publishable_key", &self.publishable_key)
            .finish_non_exhaustive()
    }
}

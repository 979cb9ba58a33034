//! The shared emulator: configuration, keys, clock, state and the event hub.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use serde::Serialize;

use crate::clock::Clock;
use crate::faults::Faults;
use crate::keys::SigningKey;
use crate::state::State;
use crate::util::IdGen;
use crate::webhooks::Hub;

/// An organization role: its display name and permissions.
#[derive(Debug, Clone)]
pub(crate) struct RoleDef {
    pub(crate) name: String,
    pub(crate) permissions: Vec<String>,
}

/// The instance's organization roles.
#[derive(Debug, Clone)]
pub(crate) struct Roles {
    pub(crate) roles: BTreeMap<String, RoleDef>,
}

/// Clerk's system permissions of the default admin role.
const ADMIN_PERMISSIONS: &[&str] = &[
    "org:sys_profile:manage",
    "org:sys_profile:delete",
    "org:sys_memberships:read",
    "org:sys_memberships:manage",
    "org:sys_domains:read",
    "org:sys_domains:manage",
];

impl Default for Roles {
    fn default() -> Roles {
        let mut roles = BTreeMap::new();
        roles.insert(
            "org:admin".to_owned(),
            RoleDef {
                name: "Admin".to_owned(),
                permissions: ADMIN_PERMISSIONS.iter().map(|p| (*p).to_owned()).collect(),
            },
        );
        roles.insert(
            "org:member".to_owned(),
            RoleDef {
                name: "Member".to_owned(),
                permissions: vec!["org:sys_memberships:read".to_owned()],
            },
        );
        Roles { roles }
    }
}

impl Roles {
    /// Whether `key` names a role.
    pub(crate) fn exists(&self, key: &str) -> bool {
        self.roles.contains_key(key)
    }

    /// The role's display name (the key when unknown).
    pub(crate) fn name(&self, key: &str) -> String {
        self.roles
            .get(key)
            .map_or_else(|| key.to_owned(), |r| r.name.clone())
    }

    /// The role's permissions.
    pub(crate) fn permissions(&self, key: &str) -> Vec<String> {
        self.roles
            .get(key)
            .map(|r| r.permissions.clone())
            .unwrap_or_default()
    }
}

/// Who made a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Principal {
    /// The instance secret key.
    Instance,
    /// A machine's secret key (accepted by the M2M token endpoints).
    Machine(String),
}

/// Facts about the HTTP request, for webhook `event_attributes` (kept raw; only rendered when an
/// event is emitted).
#[derive(Debug, Clone)]
pub(crate) struct RequestMeta {
    pub(crate) client_ip: std::net::IpAddr,
    pub(crate) user_agent: Option<http::HeaderValue>,
}

/// Settings fixed at start (no `Debug`: it holds the secret key).
#[derive(Clone)]
pub(crate) struct Settings {
    pub(crate) instance_id: String,
    pub(crate) secret_key: String,
    /// `http://127.0.0.1:<port>`: the `iss` of session tokens and the publishable key's host.
    pub(crate) frontend_url: String,
    /// The `azp` of session tokens.
    pub(crate) authorized_party: Option<String>,
    /// Default session-token lifetime, in seconds.
    pub(crate) session_token_lifetime: i64,
    /// Largest request body, in bytes.
    pub(crate) body_limit: usize,
}

/// Everything a request handler needs.
pub(crate) struct App {
    pub(crate) settings: Settings,
    pub(crate) keys: SigningKey,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) roles: Roles,
    pub(crate) ids: IdGen,
    pub(crate) hub: Arc<Hub>,
    pub(crate) faults: Faults,
    state: RwLock<State>,
    /// Incremented on every change, so the state file is only rewritten when needed.
    generation: AtomicU64,
}

impl App {
    pub(crate) fn new(
        settings: Settings,
        keys: SigningKey,
        clock: Arc<dyn Clock>,
        roles: Roles,
        hub: Arc<Hub>,
        state: State,
    ) -> App {
        App {
            settings,
            keys,
            clock,
            roles,
            ids: IdGen::new(),
            hub,
            faults: Faults::default(),
            state: RwLock::new(state),
            generation: AtomicU64::new(0),
        }
    }

    /// Now, in milliseconds.
    pub(crate) fn now(&self) -> i64 {
        self.clock.now_unix_millis()
    }

    /// A new id with `prefix`.
    pub(crate) fn id(&self, prefix: &str) -> String {
        self.ids.next(prefix, self.now())
    }

    /// Shared access to the state. A poisoned lock (impossible without a panic in a handler)
    /// still holds consistent data, because handlers validate before they mutate.
    pub(crate) fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Exclusive access to the state; counts as a change.
    pub(crate) fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.generation.fetch_add(1, Ordering::Relaxed);
        self.state.write().unwrap_or_else(|p| p.into_inner())
    }

    /// The change counter.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Relaxed)
    }

    /// Emits a webhook event whose `data` is `data` serialized.
    pub(crate) fn emit<T: Serialize>(
        &self,
        event_type: &'static str,
        data: &T,
        meta: &RequestMeta,
    ) {
        self.hub.emit(event_type, data, meta);
    }
}

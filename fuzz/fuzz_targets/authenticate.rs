//! `authenticate_request` over any request: method, URI, `Authorization`, cookies, host and
//! forwarding headers, `Origin`, `Referer`, `Sec-Fetch-Dest`, with the options (development or
//! production key, satellite, domain, proxy URL, sign-in URL, public origin, accepted token
//! types…) and the verifiers' answers (session tokens, handshake tokens and nonces, machine
//! tokens, session refreshes) chosen by the input. Either the networkless `Verifier` with the
//! test key, or a fake that verifies no signature, so that every branch after verification is
//! reachable.
//!
//! Input: a method byte, two settings bytes, the URI, the option texts, the fakes' answers, then
//! headers as (name byte, value) fields.

#![no_main]

use std::sync::{Arc, LazyLock};

use clerk_auth::clock::ManualClock;
use clerk_auth::machine::{MachineErrorCode, MachineTokenError};
use clerk_auth::request::{
    AuthRejection, AuthenticateOptions, HandshakeNonceResolver, MachineTokenVerifier,
    PublishableKey, RefreshError, RefreshRequest, SessionRefresher, authenticate_request,
    response_headers,
};
use clerk_auth::{BoxFuture, MachineAuth, PublicKey, TokenType, Verifier, VerifyOptions};
use clerk_fuzz::{FakeVerifier, Input, NOW, RSA2048_SPKI_PEM, block_on, claims_from};
use http::{HeaderName, HeaderValue, Method, Request, Uri};
use libfuzzer_sys::fuzz_target;

static VERIFIER: LazyLock<Verifier> = LazyLock::new(|| {
    let key = PublicKey::from_pem(RSA2048_SPKI_PEM).expect("fixture key");
    Verifier::with_options(key, VerifyOptions::new().clock(ManualClock::at_unix(NOW)))
});

const HEADERS: [&str; 14] = [
    "authorization",
    "cookie",
    "host",
    "x-forwarded-host",
    "x-forwarded-proto",
    "origin",
    "referer",
    "sec-fetch-dest",
    "accept",
    "user-agent",
    "x-forwarded-for",
    "sec-ch-ua",
    "authorization",
    "cookie",
];

const KEYS: [&str; 4] = [
    // clerk.example.com
    "pk_live_Y2xlcmsuZXhhbXBsZS5jb20k",
    // foo-bar-13.clerk.accounts.dev
    "pk_test_Zm9vLWJhci0xMy5jbGVyay5hY2NvdW50cy5kZXYk",
    "pk_live_Y2xlcmsuZXhhbXBsZS5jb20k",
    "pk_test_Zm9vLWJhci0xMy5jbGVyay5hY2NvdW50cy5kZXYk",
];

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let method = match input.byte() % 5 {
        0 | 1 => Method::GET,
        2 => Method::POST,
        3 => Method::HEAD,
        _ => Method::OPTIONS,
    };
    let a = input.byte();
    let b = input.byte();
    let uri = input.field();
    let domain = input.text();
    let proxy_url = input.text();
    let sign_in_url = input.text();
    let public_origin = input.text();
    let claims = input.field();
    let directives = input.text();
    let seed = input.byte();

    let mut options = if a & 0x80 != 0 {
        AuthenticateOptions::bearer_only()
    } else {
        let key = PublishableKey::parse(KEYS[usize::from(a & 3)]).expect("key");
        AuthenticateOptions::new(key)
    };
    options = options
        .clock(ManualClock::at_unix(NOW))
        .expose_details(a & 4 != 0)
        .is_satellite(a & 8 != 0)
        .satellite_auto_sync(a & 16 != 0)
        .trust_forwarded_headers(a & 32 != 0)
        .cookie_flow(a & 64 == 0 || a & 0x80 == 0)
        .allowed_redirect_origins(["https://satellite.example.org"]);
    if b & 1 != 0 {
        options = options.domain(domain);
    }
    if b & 2 != 0 {
        options = options.proxy_url(proxy_url);
    }
    if b & 4 != 0 {
        options = options
            .sign_in_url(sign_in_url.clone())
            .sign_up_url(sign_in_url);
    }
    if b & 8 != 0 {
        options = options.public_origin(public_origin);
    }
    options = match (b >> 4) & 3 {
        0 => options,
        1 => options.accepts_token(TokenType::ApiKey),
        2 => options.accepts_token([TokenType::SessionToken, TokenType::M2mToken]),
        _ => options.accepts_token(clerk_auth::request::AcceptsToken::Any),
    };
    let directives: Vec<String> = directives.lines().map(str::to_owned).collect();
    if b & 64 != 0 {
        options = options
            .machine_verifier(Arc::new(FakeMachines(seed)))
            .handshake_nonce_resolver(Arc::new(FakeNonces(directives.clone())))
            .session_refresher(Arc::new(FakeRefresher(directives.clone())));
    }

    let uri = Uri::try_from(uri).unwrap_or_else(|_| Uri::from_static("/"));
    let mut request = Request::builder().method(method).uri(uri);
    let count = input.byte() % 12;
    for _ in 0..count {
        let name = HEADERS[usize::from(input.byte()) % HEADERS.len()];
        if let Ok(value) = HeaderValue::from_bytes(input.field()) {
            request = request.header(HeaderName::from_static(name), value);
        }
    }
    let Ok(request) = request.body(()) else {
        return;
    };
    let (parts, ()) = request.into_parts();

    let state = if b & 128 == 0 {
        let fake = FakeVerifier {
            seed,
            claims: claims_from(claims),
            handshake: directives,
        };
        block_on(authenticate_request(&parts, &options, &fake))
    } else {
        block_on(authenticate_request(&parts, &options, &*VERIFIER))
    };

    // What an application does with the result.
    let auth = state.auth();
    let _ = (
        state.status().as_str(),
        state.reason().map(|r| r.as_str().to_owned()),
    );
    let _ = (
        state.message(),
        state.token(),
        state.token_type(),
        state.verify_error(),
    );
    let _ = (
        auth.user_id(),
        auth.is_authenticated(),
        format!("{state:?}"),
    );
    let rejection = AuthRejection::unauthenticated(Some(&auth), Some(&state), a & 4 != 0);
    let _ = (rejection.status(), rejection.body(), rejection.to_string());
    let hidden = response_headers(&state, false);
    assert!(
        hidden
            .keys()
            .all(|name| !name.as_str().starts_with("x-clerk-auth-"))
    );
    let _ = response_headers(&state, true);
    if let Some(location) = state.redirect_location() {
        assert!(!location.is_empty());
    }
});

struct FakeMachines(u8);

impl MachineTokenVerifier for FakeMachines {
    fn verify<'a>(
        &'a self,
        token: &'a str,
        token_type: TokenType,
    ) -> BoxFuture<'a, Result<MachineAuth, MachineTokenError>> {
        let result = if (self.0 ^ token.len() as u8) & 1 == 0 {
            Ok(MachineAuth::new(
                token_type,
                "id_1",
                "mch_1",
                vec!["scope".to_owned()],
            ))
        } else {
            Err(MachineTokenError::new(
                MachineErrorCode::TokenInvalid,
                "fake",
            ))
        };
        Box::pin(async move { result })
    }
}

struct FakeNonces(Vec<String>);

impl HandshakeNonceResolver for FakeNonces {
    fn resolve<'a>(&'a self, nonce: &'a str) -> BoxFuture<'a, Result<Vec<String>, String>> {
        let result = if nonce.len() % 3 == 0 {
            Err("fake".to_owned())
        } else {
            Ok(self.0.clone())
        };
        Box::pin(async move { result })
    }
}

struct FakeRefresher(Vec<String>);

impl SessionRefresher for FakeRefresher {
    fn refresh<'a>(
        &'a self,
        session_id: &'a str,
        request: RefreshRequest<'a>,
        _suffixed_cookies: bool,
    ) -> BoxFuture<'a, Result<Vec<String>, RefreshError>> {
        let _ = format!("{request:?}");
        let result = if session_id.len() % 3 == 0 {
            Err(RefreshError::new(RefreshError::FETCH_ERROR, "fake"))
        } else {
            Ok(self.0.clone())
        };
        Box::pin(async move { result })
    }
}

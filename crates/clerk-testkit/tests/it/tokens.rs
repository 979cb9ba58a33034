//! Tokens both ways: session and template tokens minted by the emulator verify with clerk-auth
//! networklessly (PEM) and through `/v1/jwks`, carry version 2 claims, expire on the emulator's
//! clock; opaque M2M tokens, API keys and OAuth tokens verify through the un-versioned verify
//! endpoints (with clerk-auth's `MachineVerifier`) and fail once revoked or expired.

use std::time::Duration;

use clerk_auth::machine::MachineErrorCode;
use clerk_auth::remote::{JwksCache, MachineVerifier};
use clerk_auth::request::{AuthenticateOptions, PublishableKey, authenticate_request};
use clerk_auth::{Auth, Check, PublicKey, ReasonKind, TokenType, Verifier, VerifyOptions};
use clerk_core::SecretKey;
use clerk_testkit::{ManualClock, Testkit};
use serde_json::{Value, json};

const T0: i64 = 1_750_000_000_000;

async fn testkit(clock: &ManualClock) -> Testkit {
    Testkit::builder()
        .clock(clock.clone())
        .role(
            "org:billing",
            "Billing",
            [
                "org:invoices:read",
                "org:invoices:manage",
                "org:reports:read",
            ],
        )
        .start()
        .await
        .unwrap()
}

fn claims_of(jwt: &str) -> Value {
    use base64::Engine as _;
    let payload = jwt.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

fn header_of(jwt: &str) -> Value {
    use base64::Engine as _;
    let header = jwt.split('.').next().unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[tokio::test]
async fn session_tokens_verify_networkless_and_via_jwks_with_v2_claims() {
    let clock = ManualClock::at_unix_millis(T0);
    let tk = testkit(&clock).await;
    let clerk = tk.client();
    let user = clerk
        .users()
        .create()
        .email_address(["ada@example.com"])
        .await
        .unwrap();
    let org = clerk
        .organizations()
        .create("Acme")
        .slug("acme")
        .await
        .unwrap();
    clerk
        .organizations()
        .memberships()
        .create(&org.id)
        .user_id(&user.id)
        .role("org:billing")
        .await
        .unwrap();
    let session = clerk
        .sessions()
        .create(&user.id)
        .active_organization_id(&org.id)
        .await
        .unwrap();
    let jwt = clerk
        .sessions()
        .create_token(&session.id)
        .await
        .unwrap()
        .jwt
        .unwrap();

    let header = header_of(&jwt);
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["kid"], tk.instance_id());
    assert_eq!(header["cat"], "cl_B7d4PD111AAA");
    let raw = claims_of(&jwt);
    assert_eq!(raw["v"], 2);
    assert_eq!(raw["sub"], user.id.as_str());
    assert_eq!(raw["sid"], session.id.as_str());
    assert_eq!(raw["iss"], tk.issuer());
    assert_eq!(raw["azp"], clerk_testkit::DEFAULT_AUTHORIZED_PARTY);
    assert_eq!(raw["sts"], "active");
    assert_eq!(raw["iat"], T0 / 1000);
    assert_eq!(raw["exp"], T0 / 1000 + 60);
    assert_eq!(raw["fva"], json!([0, -1]));
    assert_eq!(raw["o"]["id"], org.id.as_str());
    assert_eq!(raw["o"]["slg"], "acme");
    assert_eq!(raw["o"]["rol"], "billing");
    assert_eq!(raw["fea"], "o:invoices,o:reports");

    // Networkless, with the exported PEM and the emulator's clock.
    let options = VerifyOptions::new()
        .clock(clock.clone())
        .issuer(tk.issuer())
        .authorized_parties([clerk_testkit::DEFAULT_AUTHORIZED_PARTY]);
    let pem_key = PublicKey::from_pem(tk.public_key_pem()).unwrap();
    let claims = Verifier::with_options(pem_key, options.clone())
        .verify(&jwt)
        .unwrap();
    assert_eq!(claims.sub, user.id);
    assert_eq!(claims.org_role().as_deref(), Some("org:billing"));
    let mut permissions = claims.org_permissions().unwrap();
    permissions.sort();
    assert_eq!(
        permissions,
        [
            "org:invoices:manage",
            "org:invoices:read",
            "org:reports:read"
        ]
    );
    let auth = Auth::from_claims(claims);
    assert!(auth.has(&Check::permission("org:invoices:manage")));
    assert!(!auth.has(&Check::permission("org:invoices:delete")));
    assert!(auth.has(&Check::role("org:billing")));

    // Through GET /v1/jwks with clerk-auth's JWKS cache.
    let cache = JwksCache::new(clerk.auth_backend().clone());
    let claims = cache.verify(&jwt, &options).await.unwrap();
    assert_eq!(claims.sid.as_deref(), Some(session.id.as_str()));
    assert_eq!(cache.cached_kids(), vec![tk.instance_id().to_owned()]);

    // And the whole request authentication, with the publishable key.
    let pk = PublishableKey::parse(tk.publishable_key()).unwrap();
    assert_eq!(pk.frontend_api(), tk.frontend_api());
    let request = http::Request::get("http://localhost:3000/api/invoices")
        .header("authorization", format!("Bearer {jwt}"))
        .body(())
        .unwrap();
    let (parts, ()) = request.into_parts();
    let verifier = Verifier::with_options(tk.public_key(), options.clone());
    let state = authenticate_request(&parts, &AuthenticateOptions::new(pk), &verifier).await;
    assert!(state.is_signed_in(), "{:?}", state.reason());

    // Past its 60 s lifetime (and the verifier's leeway) the token has expired, on the same
    // clock.
    clock.advance(Duration::from_secs(120));
    let error = Verifier::with_options(tk.public_key(), options)
        .verify(&jwt)
        .unwrap_err();
    assert_eq!(error.reason(), ReasonKind::TokenExpired);
}

#[tokio::test]
async fn token_lifetime_template_tokens_and_revoked_sessions() {
    let clock = ManualClock::at_unix_millis(T0);
    let tk = testkit(&clock).await;
    let clerk = tk.client();
    let user = clerk
        .users()
        .create()
        .email_address(["grace@example.com"])
        .first_name("Grace")
        .public_metadata(json!({"role": "admiral"}))
        .await
        .unwrap();
    let session = clerk.sessions().create(&user.id).await.unwrap();

    let long = clerk
        .sessions()
        .create_token(&session.id)
        .expires_in_seconds(3600)
        .await
        .unwrap()
        .jwt
        .unwrap();
    assert_eq!(claims_of(&long)["exp"], T0 / 1000 + 3600);
    assert!(
        claims_of(&long).get("o").is_none(),
        "no active organization"
    );

    clerk
        .jwt_templates()
        .create(
            "hasura",
            json!({
                "email": "{{user.primary_email_address}}",
                "name": "{{user.first_name}} {{user.last_name || 'Hopper'}}",
                "role": "{{user.public_metadata.role}}",
                "missing": "{{user.public_metadata.nope}}",
                "static": ["a", 1]
            }),
        )
        .lifetime(300)
        .await
        .unwrap();
    let template = clerk
        .sessions()
        .create_token_from_template(&session.id)
        .template_name("hasura")
        .await
        .unwrap()
        .jwt
        .unwrap();
    assert_eq!(header_of(&template)["cat"], "cl_B7d4PD222AAA");
    let claims = claims_of(&template);
    assert_eq!(claims["email"], "grace@example.com");
    assert_eq!(claims["name"], "Grace Hopper");
    assert_eq!(claims["role"], "admiral");
    assert_eq!(claims["missing"], Value::Null);
    assert_eq!(claims["static"], json!(["a", 1]));
    assert_eq!(claims["sub"], user.id.as_str());
    assert_eq!(claims["exp"], T0 / 1000 + 300);
    let verified: Value =
        Verifier::with_options(tk.public_key(), VerifyOptions::new().clock(clock.clone()))
            .verify_as(&template)
            .unwrap();
    assert_eq!(verified["email"], "grace@example.com");

    let missing = clerk
        .sessions()
        .create_token_from_template(&session.id)
        .template_name("nope")
        .await
        .unwrap_err();
    assert_eq!(missing.status(), Some(clerk::StatusCode::NOT_FOUND));

    clerk.sessions().revoke(&session.id).await.unwrap();
    let error = clerk
        .sessions()
        .create_token(&session.id)
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(clerk::StatusCode::NOT_FOUND));
    assert!(error.has_code("resource_not_found"));
    assert!(tk.session_token(&session.id).is_err());
}

#[tokio::test]
async fn machine_tokens_verify_remotely_until_revoked_or_expired() {
    let clock = ManualClock::at_unix_millis(T0);
    let tk = testkit(&clock).await;
    let clerk = tk.client();
    let api = clerk.machines().create("api").await.unwrap();
    let worker = clerk
        .machines()
        .create("worker")
        .scoped_machines([api.id.clone()])
        .default_token_ttl(120)
        .await
        .unwrap();
    let worker_key = SecretKey::new(worker.secret_key.clone()).unwrap();

    // The instance key cannot mint M2M tokens.
    let refused = clerk.m2m_tokens().create().await.unwrap_err();
    assert_eq!(refused.status(), Some(clerk::StatusCode::FORBIDDEN));

    let token = clerk
        .m2m_tokens()
        .create()
        .machine_secret_key(worker_key.clone())
        .await
        .unwrap();
    assert!(token.token.starts_with("mt_"));
    assert_eq!(token.subject, worker.id);
    assert_eq!(token.scopes.as_deref(), Some(&[api.id.clone()][..]));
    assert_eq!(token.expiration, Some(T0 + 120_000));

    let verifier = clerk.clone();
    let machine = verifier.verify_machine_token(&token.token).await.unwrap();
    assert_eq!(machine.token_type(), TokenType::M2mToken);
    assert_eq!(machine.subject(), worker.id);

    // Verified with the receiving machine's key: it must be in the token's scopes.
    let as_api = tk
        .client_builder()
        .machine_secret_key(api.secret_key.clone())
        .build()
        .unwrap();
    assert!(as_api.verify_machine_token(&token.token).await.is_ok());
    let as_worker = tk
        .client_builder()
        .machine_secret_key(worker.secret_key.clone())
        .build()
        .unwrap();
    assert_eq!(
        as_worker
            .verify_machine_token(&token.token)
            .await
            .unwrap_err()
            .code(),
        MachineErrorCode::TokenInvalid
    );

    // Expired on the emulator's clock.
    clock.advance(Duration::from_secs(121));
    let expired = verifier
        .verify_machine_token(&token.token)
        .await
        .unwrap_err();
    assert_eq!(expired.code(), MachineErrorCode::TokenInvalid);
    assert_eq!(expired.status(), Some(404));

    // Revoked.
    let fresh = clerk
        .m2m_tokens()
        .create()
        .machine_secret_key(worker_key)
        .await
        .unwrap();
    assert!(verifier.verify_machine_token(&fresh.token).await.is_ok());
    clerk.m2m_tokens().revoke(&fresh.id).await.unwrap();
    let revoked = verifier
        .verify_machine_token(&fresh.token)
        .await
        .unwrap_err();
    assert_eq!(revoked.code(), MachineErrorCode::TokenInvalid);
    let raw = clerk.m2m_tokens().verify(&fresh.token).await.unwrap_err();
    assert_eq!(raw.status(), Some(clerk::StatusCode::NOT_FOUND));

    // Unknown tokens and a wrong secret key.
    assert_eq!(
        verifier
            .verify_machine_token("mt_unknown")
            .await
            .unwrap_err()
            .code(),
        MachineErrorCode::TokenInvalid
    );
    let wrong = tk
        .client_builder()
        .secret_key("sk_test_wrong")
        .build()
        .unwrap();
    assert_eq!(
        wrong
            .verify_machine_token(&fresh.token)
            .await
            .unwrap_err()
            .code(),
        MachineErrorCode::SecretKeyInvalid
    );
}

#[tokio::test]
async fn api_keys_and_oauth_tokens_verify_remotely() {
    let clock = ManualClock::at_unix_millis(T0);
    let tk = testkit(&clock).await;
    let clerk = tk.client();
    let user = clerk
        .users()
        .create()
        .email_address(["ops@example.com"])
        .await
        .unwrap();
    let key = clerk
        .api_keys()
        .create("ci")
        .subject(&user.id)
        .scopes(["deploy"])
        .seconds_until_expiration(60)
        .await
        .unwrap();
    assert!(key.secret.starts_with("ak_"));
    let verifier = clerk.clone();
    let machine = verifier.verify_machine_token(&key.secret).await.unwrap();
    assert_eq!(machine.token_type(), TokenType::ApiKey);
    assert_eq!(machine.subject(), user.id);
    assert_eq!(machine.scopes(), ["deploy"]);
    clock.advance(Duration::from_secs(61));
    assert_eq!(
        verifier
            .verify_machine_token(&key.secret)
            .await
            .unwrap_err()
            .code(),
        MachineErrorCode::TokenInvalid
    );

    let oauth = tk
        .issue_oauth_access_token(&user.id, "app_123", ["email", "profile"], None)
        .unwrap();
    let machine = verifier.verify_machine_token(&oauth).await.unwrap();
    assert_eq!(machine.token_type(), TokenType::OAuthToken);
    assert_eq!(machine.subject(), user.id);
    assert!(tk.revoke_oauth_access_token(&oauth));
    assert_eq!(
        verifier
            .verify_machine_token(&oauth)
            .await
            .unwrap_err()
            .code(),
        MachineErrorCode::TokenInvalid
    );
}

#[tokio::test]
async fn jwt_format_m2m_tokens_verify_with_the_instance_key() {
    let clock = ManualClock::at_unix_millis(T0);
    let tk = testkit(&clock).await;
    let clerk = tk.client();
    let machine = clerk.machines().create("cron").await.unwrap();
    let token = clerk
        .m2m_tokens()
        .create()
        .machine_secret_key(SecretKey::new(machine.secret_key).unwrap())
        .token_format(clerk_api::m2m_tokens::CreateM2MTokenTokenFormat::Jwt)
        .await
        .unwrap();
    assert_eq!(header_of(&token.token)["cat"], "cl_B7d4PD333AAA");
    // Through the instance's JWKS (the client built by the testkit would use its jwt_key).
    let verifier = MachineVerifier::new(
        clerk.auth_backend().clone(),
        JwksCache::new(clerk.auth_backend().clone()),
    )
    .options(VerifyOptions::new().clock(clock.clone()));
    let verified = verifier.verify(&token.token).await.unwrap();
    assert_eq!(verified.token_type(), TokenType::M2mToken);
    assert_eq!(verified.subject(), machine.id);
    // And networklessly, with the client's jwt_key.
    let verified = clerk.verify_machine_token(&token.token).await.unwrap();
    assert_eq!(verified.token_type(), TokenType::M2mToken);
    assert_eq!(verified.subject(), machine.id);
}

#[tokio::test]
async fn actor_tokens_start_impersonation_sessions() {
    let clock = ManualClock::at_unix_millis(T0);
    let tk = testkit(&clock).await;
    let clerk = tk.client();
    let admin = clerk
        .users()
        .create()
        .email_address(["admin@example.com"])
        .await
        .unwrap();
    let target = clerk
        .users()
        .create()
        .email_address(["target@example.com"])
        .await
        .unwrap();
    let actor = clerk
        .actor_tokens()
        .create(
            &target.id,
            clerk_api::actor_tokens::CreateActorTokenActor::new(admin.id.clone()),
        )
        .await
        .unwrap();
    let session = tk.redeem_ticket(actor.token.as_deref().unwrap()).unwrap();
    assert_eq!(session.user_id, target.id);
    let jwt = tk.session_token(&session.id).unwrap();
    let claims = Verifier::with_options(tk.public_key(), VerifyOptions::new().clock(clock))
        .verify(&jwt)
        .unwrap();
    assert_eq!(claims.sub, target.id);
    assert_eq!(
        claims.actor().and_then(|a| a.sub.as_deref()),
        Some(admin.id.as_str())
    );
    // A ticket is single-use.
    assert_eq!(
        tk.redeem_ticket(actor.token.as_deref().unwrap())
            .unwrap_err()
            .status(),
        Some(clerk::StatusCode::BAD_REQUEST)
    );
}

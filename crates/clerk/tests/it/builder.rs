//! `Clerk::builder()` and `ClerkBuilder::from_lookup`: every setting, checked once.

use std::collections::HashMap;

use clerk::{Clerk, ClerkBuilder, ConfigError, Error};

use crate::support::{PUBLIC_KEY, PUBLISHABLE, SECRET};

fn config_error(result: Result<Clerk, Error>) -> ConfigError {
    match result {
        Err(Error::Config(error)) => error,
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

#[test]
fn a_secret_key_is_required() {
    assert_eq!(
        config_error(Clerk::builder().build()),
        ConfigError::MissingSecretKey
    );
    assert!(Clerk::new(SECRET).is_ok());
}

#[test]
fn invalid_settings_are_named() {
    #[cfg_attr(not(feature = "webhooks"), allow(unused_mut))]
    let mut cases: Vec<(ClerkBuilder, &str)> = vec![
        (
            Clerk::builder().secret_key(SECRET).jwt_key("not a key"),
            "jwt_key (CLERK_JWT_KEY)",
        ),
        (
            Clerk::builder()
                .secret_key(SECRET)
                .publishable_key("pk_nope"),
            "publishable_key (CLERK_PUBLISHABLE_KEY)",
        ),
        (
            Clerk::builder().secret_key(SECRET).satellite(true),
            "satellite (CLERK_IS_SATELLITE)",
        ),
    ];
    // The signing secret is decoded (and so checked) only where webhooks are verified.
    #[cfg(feature = "webhooks")]
    cases.push((
        Clerk::builder()
            .secret_key(SECRET)
            .webhook_signing_secret("whsec_***not base64***"),
        "webhook_signing_secret (CLERK_WEBHOOK_SIGNING_SECRET)",
    ));
    for (builder, expected) in cases {
        match config_error(builder.build()) {
            ConfigError::InvalidSetting { name, reason } => {
                assert_eq!(name, expected);
                assert!(!reason.is_empty());
            }
            other => panic!("{expected}: {other:?}"),
        }
    }
    // A satellite with a domain is fine.
    assert!(
        Clerk::builder()
            .secret_key(SECRET)
            .satellite(true)
            .domain("example.com")
            .build()
            .is_ok()
    );
}

#[test]
fn the_jwt_key_may_come_without_its_pem_lines() {
    let bare: String = PUBLIC_KEY
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    for key in [PUBLIC_KEY.to_owned(), bare, PUBLIC_KEY.replace('\n', "\\n")] {
        let clerk = Clerk::builder().secret_key(SECRET).jwt_key(key).build();
        assert!(clerk.is_ok(), "{clerk:?}");
    }
}

#[test]
fn from_lookup_reads_the_usual_variables() {
    let vars: HashMap<&str, &str> = HashMap::from([
        ("CLERK_SECRET_KEY", SECRET),
        ("CLERK_API_URL", "http://127.0.0.1:9"),
        ("CLERK_PUBLISHABLE_KEY", PUBLISHABLE),
        ("CLERK_JWT_KEY", PUBLIC_KEY),
        ("CLERK_DOMAIN", "example.com"),
        ("CLERK_IS_SATELLITE", "true"),
        ("CLERK_PROXY_URL", ""),
        ("CLERK_SIGN_IN_URL", "https://accounts.example.com/sign-in"),
        ("CLERK_MACHINE_SECRET_KEY", "ak_machine"),
        ("CLERK_WEBHOOK_SIGNING_SECRET", "whsec_c2VjcmV0"),
        (
            "CLERK_AUTHORIZED_PARTIES",
            "https://app.example.com, https://admin.example.com",
        ),
    ]);
    let clerk = ClerkBuilder::from_lookup(|name| Ok(vars.get(name).map(|v| (*v).to_owned())))
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(clerk.client().config().api_url(), "http://127.0.0.1:9");
    assert_eq!(
        clerk.publishable_key().map(|pk| pk.frontend_api()),
        Some("clerk.example.com")
    );
    assert_eq!(
        clerk.verify_options().authorized_parties_list(),
        ["https://app.example.com", "https://admin.example.com"]
    );
    #[cfg(feature = "webhooks")]
    assert!(clerk.webhook().is_some());
    let debug = format!("{clerk:?}");
    assert!(debug.contains("networkless"), "{debug}");
    assert!(debug.contains("is_satellite: true"), "{debug}");
    for secret in [SECRET, "ak_machine", "c2VjcmV0"] {
        assert!(!debug.contains(secret), "{secret} leaked: {debug}");
    }
    // Not valid Unicode: the variable is named.
    let error = ClerkBuilder::from_lookup(|name| {
        if name == "CLERK_JWT_KEY" {
            Err(ConfigError::InvalidEnvVar { name })
        } else {
            Ok(None)
        }
    })
    .unwrap_err();
    assert_eq!(
        error,
        ConfigError::InvalidEnvVar {
            name: "CLERK_JWT_KEY"
        }
    );
}

#[test]
fn builder_debug_hides_secrets() {
    let builder = Clerk::builder()
        .secret_key(SECRET)
        .machine_secret_key("ak_machine_secret")
        .webhook_signing_secret("whsec_c2VjcmV0")
        .jwt_key(PUBLIC_KEY);
    let debug = format!("{builder:?}");
    for secret in ["ak_machine_secret", "c2VjcmV0", "MIIB"] {
        assert!(!debug.contains(secret), "{secret} leaked: {debug}");
    }
}

/// The facade's names: `clerk::webhooks` is verification (as `clerk::auth::webhooks`), the
/// Svix-app operations behind `clerk.webhooks()` are `clerk::svix`, and the resource modules
/// and errors are reachable at the top.
#[tokio::test]
async fn facade_names_say_what_they_are() {
    let mut server = mockito::Server::new_async().await;
    let mock = server
        .mock("POST", "/v1/webhooks/svix")
        .match_header("authorization", format!("Bearer {SECRET}").as_str())
        .with_header("content-type", "application/json")
        .with_body(r#"{"svix_url":"https://app.svix.com/login#key=x"}"#)
        .expect(1)
        .create_async()
        .await;
    let clerk = Clerk::builder()
        .secret_key(SECRET)
        .api_url(server.url())
        .build()
        .unwrap();
    let request: clerk::svix::CreateSvixAppRequest = clerk.webhooks().create_svix_app();
    let app = request.await.unwrap();
    mock.assert_async().await;
    assert_eq!(app.svix_url, "https://app.svix.com/login#key=x");

    #[cfg(feature = "webhooks")]
    let _: Option<clerk::webhooks::Webhook> = None::<clerk::auth::webhooks::Webhook>;
    let _: fn(&clerk::models::User) -> &str = |user| &user.id;
    let _: Option<clerk::users::GetUserRequest> = None;
    let _: Option<clerk::StatusCode> = Error::invalid_argument("x").status();
}

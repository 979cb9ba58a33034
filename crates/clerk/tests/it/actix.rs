//! The actix-web integration built from the one client: the middleware (bearer tokens,
//! handshake redirects and cookies, debug headers, per-scope options), the `RequireAuth` /
//! `MaybeAuth` extractors and their rejections (compared with the axum ones), and the
//! `VerifiedWebhook` extractor.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::test::{TestRequest, call_service, init_service, read_body};
use actix_web::{App, HttpMessage as _, HttpRequest, web};
use clerk::actix::{AuthRejection, MaybeAuth, RequireAuth};
use clerk::auth::Check;
use clerk::auth::request::RequestState;
use clerk::{Clerk, RequestOptions, TokenType};
use mockito::{Matcher, Server};
use serde_json::{Value, json};

use crate::support::{NOW, PUBLIC_KEY, PUBLISHABLE, SECRET, builder, clock, session_token};

/// A production publishable key for `clerk.example.com`.
const LIVE: &str = "pk_live_Y2xlcmsuZXhhbXBsZS5jb20k";

/// Runs a test on actix's runtime (a single-threaded tokio runtime with a local task set).
fn run<F: Future>(test: F) -> F::Output {
    actix_web::rt::System::new().block_on(test)
}

/// A networkless client (JWT key) against an API that is never called.
fn client(publishable_key: &str) -> Clerk {
    builder("http://127.0.0.1:9", &clock())
        .jwt_key(PUBLIC_KEY)
        .publishable_key(publishable_key)
        .build()
        .unwrap()
}

async fn me(RequireAuth(auth): RequireAuth, request: HttpRequest) -> String {
    let state = request.extensions().get::<RequestState>().cloned().unwrap();
    assert!(state.is_signed_in());
    auth.user_id().unwrap_or("a machine").to_owned()
}

async fn home(MaybeAuth(auth): MaybeAuth) -> String {
    format!("hello, {}", auth.user_id().unwrap_or("stranger"))
}

async fn reports(auth: RequireAuth) -> Result<&'static str, AuthRejection> {
    auth.require(&Check::permission("org:reports:read"))?;
    Ok("the quarterly reports")
}

/// The status, the headers and the body as text.
async fn parts<B: MessageBody>(
    response: ServiceResponse<B>,
) -> (StatusCode, actix_web::http::header::HeaderMap, String) {
    let status = response.status();
    let headers = response.headers().clone();
    let body = read_body(response).await;
    (status, headers, String::from_utf8(body.to_vec()).unwrap())
}

fn bearer(token: &str) -> (&'static str, String) {
    ("authorization", format!("Bearer {token}"))
}

fn navigate(uri: &str) -> TestRequest {
    TestRequest::get()
        .uri(uri)
        .insert_header(("host", "app.example.com"))
        .insert_header(("x-forwarded-proto", "https"))
        .insert_header(("sec-fetch-dest", "document"))
        .insert_header(("accept", "text/html"))
}

fn json_body(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body:?}"))
}

#[test]
fn the_middleware_is_shareable_and_keeps_secrets_out_of_debug() {
    fn shareable<T: Send + Sync + Clone + 'static>(_: &T) {}
    let middleware = client(PUBLISHABLE).actix_middleware();
    shareable(&middleware);
    let debug = format!("{middleware:?}");
    assert!(debug.starts_with("ClerkMiddleware"), "{debug}");
    assert!(!debug.contains(SECRET), "{debug}");
}

#[test]
fn the_middleware_signs_in_with_a_bearer_token() {
    run(async {
        let clerk = client(PUBLISHABLE);
        let app = init_service(
            App::new()
                .wrap(clerk.actix_middleware())
                .route("/", web::get().to(home))
                .route("/me", web::get().to(me)),
        )
        .await;
        let token = session_token(json!({}));
        let request = TestRequest::get()
            .uri("/me")
            .insert_header(("host", "app.example.com"))
            .insert_header(bearer(&token))
            .to_request();
        let (status, headers, body) = parts(call_service(&app, request).await).await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "user_1"));
        // Signed in: no debug headers.
        assert!(headers.get("x-clerk-auth-status").is_none());

        let request = TestRequest::get()
            .uri("/")
            .insert_header(bearer(&token))
            .to_request();
        let (status, _, body) = parts(call_service(&app, request).await).await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "hello, user_1"));
    });
}

#[test]
fn signed_out_responses_carry_the_debug_headers_only_when_exposed() {
    run(async {
        let clerk = client(PUBLISHABLE);
        let hidden = init_service(
            App::new()
                .wrap(clerk.actix_middleware())
                .route("/", web::get().to(home)),
        )
        .await;
        let request = TestRequest::get()
            .uri("/")
            .insert_header(bearer("not-a-token"))
            .to_request();
        let (status, headers, body) = parts(call_service(&hidden, request).await).await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "hello, stranger"));
        assert!(headers.get("x-clerk-auth-status").is_none());
        assert!(headers.get("x-clerk-auth-reason").is_none());

        let exposed = init_service(
            App::new()
                .wrap(clerk.actix_middleware_with(&RequestOptions::new().expose_details(true)))
                .route("/", web::get().to(home)),
        )
        .await;
        let request = TestRequest::get()
            .uri("/")
            .insert_header(bearer("not-a-token"))
            .to_request();
        let (_, headers, _) = parts(call_service(&exposed, request).await).await;
        assert_eq!(headers.get("x-clerk-auth-status").unwrap(), "signed-out");
        assert_eq!(headers.get("x-clerk-auth-reason").unwrap(), "token-invalid");
    });
}

#[test]
fn a_handshake_is_answered_with_307_without_calling_the_route() {
    run(async {
        let called = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&called);
        let clerk = client(LIVE);
        let app = init_service(App::new().wrap(clerk.actix_middleware()).route(
            "/dashboard",
            web::get().to(move || {
                flag.store(true, Ordering::SeqCst);
                async { "the dashboard" }
            }),
        ))
        .await;
        // A document navigation with a client but no session token needs a handshake.
        let request = navigate("/dashboard")
            .insert_header(("cookie", "__client_uat=5"))
            .to_request();
        let (status, headers, body) = parts(call_service(&app, request).await).await;
        assert_eq!(status, StatusCode::TEMPORARY_REDIRECT);
        assert_eq!(body, "");
        let location = headers.get("location").unwrap().to_str().unwrap();
        assert!(
            location.starts_with("https://clerk.example.com/v1/client/handshake?"),
            "{location}"
        );
        assert!(location.contains("format=nonce"), "{location}");
        assert!(headers.get("x-clerk-auth-status").is_none());
        assert!(!called.load(Ordering::SeqCst), "the route ran");
    });
}

#[test]
fn handshake_cookies_are_set_on_the_routes_response() {
    run(async {
        let mut server = Server::new_async().await;
        let fresh = session_token(json!({"iat": NOW}));
        let payload = server
            .mock("GET", "/v1/clients/handshake_payload")
            .match_query(Matcher::UrlEncoded("nonce".into(), "nonce_123".into()))
            .match_header("authorization", format!("Bearer {SECRET}").as_str())
            .with_status(200)
            .with_body(
                json!({"directives": [
                    format!("__session={fresh}; Path=/; Secure; SameSite=Lax"),
                    format!("__client_uat={NOW}; Path=/; Secure; SameSite=Lax"),
                ]})
                .to_string(),
            )
            .expect(1)
            .create_async()
            .await;
        let clerk = builder(&server.url(), &clock())
            .jwt_key(PUBLIC_KEY)
            .publishable_key(LIVE)
            .build()
            .unwrap();
        let app = init_service(
            App::new()
                .wrap(clerk.actix_middleware())
                .route("/dashboard", web::get().to(me)),
        )
        .await;
        let request = navigate("/dashboard?__clerk_handshake_nonce=nonce_123").to_request();
        let (status, headers, body) = parts(call_service(&app, request).await).await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "user_1"));
        let cookies: Vec<&str> = headers
            .get_all("set-cookie")
            .filter_map(|v| v.to_str().ok())
            .collect();
        assert_eq!(cookies.len(), 2, "{cookies:?}");
        assert!(cookies.iter().any(|c| c.starts_with("__session=")));
        assert!(cookies.iter().any(|c| c.starts_with("__client_uat=")));
        payload.assert_async().await;
    });
}

#[test]
fn a_scope_can_take_other_options() {
    run(async {
        let clerk = client(PUBLISHABLE);
        let m2m = RequestOptions::new().accepts_token(TokenType::M2mToken);
        let app = init_service(
            App::new()
                .service(
                    web::scope("/machine")
                        .wrap(clerk.actix_middleware_with(&m2m))
                        .route("/status", web::get().to(me)),
                )
                .service(
                    web::scope("")
                        .wrap(clerk.actix_middleware())
                        .route("/me", web::get().to(me)),
                ),
        )
        .await;
        let machine = session_token(json!({"sub": "mch_1", "sid": null, "jti": "mt_jwt_1"}));
        let request = TestRequest::get()
            .uri("/machine/status")
            .insert_header(bearer(&machine))
            .to_request();
        let (status, _, body) = parts(call_service(&app, request).await).await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "a machine"));

        let session = session_token(json!({}));
        let request = TestRequest::get()
            .uri("/machine/status")
            .insert_header(bearer(&session))
            .to_request();
        let (status, _, body) = parts(call_service(&app, request).await).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(json_body(&body)["reason"], "unauthenticated");

        let request = TestRequest::get()
            .uri("/me")
            .insert_header(bearer(&machine))
            .to_request();
        assert_eq!(
            call_service(&app, request).await.status(),
            StatusCode::UNAUTHORIZED
        );
    });
}

#[test]
fn require_auth_answers_401_and_only_says_why_when_exposed() {
    run(async {
        // A production instance (a development one would first want a dev browser).
        let clerk = client(LIVE);
        let hidden = init_service(
            App::new()
                .wrap(clerk.actix_middleware())
                .route("/me", web::get().to(me)),
        )
        .await;
        let request = TestRequest::get().uri("/me").to_request();
        let (status, headers, body) = parts(call_service(&hidden, request).await).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            json_body(&body),
            json!({"error": "not authenticated", "reason": "unauthenticated"})
        );
        assert!(headers.get("x-clerk-auth-status").is_none());

        let app = init_service(
            App::new()
                .wrap(clerk.actix_middleware_with(&RequestOptions::new().expose_details(true)))
                .route("/me", web::get().to(me)),
        )
        .await;
        let request = TestRequest::get().uri("/me").to_request();
        let (status, headers, body) = parts(call_service(&app, request).await).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(headers.get("content-type").unwrap(), "application/json");
        let body = json_body(&body);
        assert_eq!(body["reason"], "session-token-and-uat-missing");
        assert!(
            body["error"]
                .as_str()
                .unwrap()
                .starts_with("not authenticated")
        );
        // The middleware still adds its headers to the rejection.
        assert_eq!(headers.get("x-clerk-auth-status").unwrap(), "signed-out");

        let request = TestRequest::get()
            .uri("/me")
            .insert_header(bearer("not-a-token"))
            .to_request();
        let (status, _, body) = parts(call_service(&app, request).await).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(json_body(&body)["reason"], "token-invalid");

        let expired = session_token(json!({"exp": NOW - 60, "iat": NOW - 120, "nbf": NOW - 120}));
        let request = TestRequest::get()
            .uri("/me")
            .insert_header(bearer(&expired))
            .to_request();
        let (status, _, body) = parts(call_service(&app, request).await).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        // The request state's precise reason (why no refresh was tried), with the message.
        let body = json_body(&body);
        assert_eq!(
            body["reason"],
            "session-token-expired-refresh-non-eligible-no-refresh-cookie"
        );
        assert!(
            body["error"].as_str().unwrap().contains("expired"),
            "{body}"
        );
    });
}

#[test]
fn require_answers_403_without_the_permission() {
    run(async {
        let clerk = client(PUBLISHABLE);
        let app = init_service(
            App::new()
                .wrap(clerk.actix_middleware())
                .route("/reports", web::get().to(reports)),
        )
        .await;
        let request = TestRequest::get()
            .uri("/reports")
            .insert_header(bearer(&session_token(json!({}))))
            .to_request();
        let (status, headers, body) = parts(call_service(&app, request).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(headers.get("content-type").unwrap(), "application/json");
        assert_eq!(
            json_body(&body),
            json!({"error": "not allowed", "reason": "forbidden"})
        );

        // A v2 token: organization `o`, features `fea`, permission bitmaps `fpm`.
        let member = session_token(json!({
            "o": {"id": "org_1", "rol": "member", "per": "read", "fpm": "1"},
            "fea": "o:reports",
        }));
        let request = TestRequest::get()
            .uri("/reports")
            .insert_header(bearer(&member))
            .to_request();
        let (status, _, body) = parts(call_service(&app, request).await).await;
        assert_eq!(
            (status, body.as_str()),
            (StatusCode::OK, "the quarterly reports")
        );
    });
}

#[test]
fn extractors_without_the_middleware_say_so() {
    run(async {
        let app = init_service(
            App::new()
                .route("/me", web::get().to(me))
                .route("/", web::get().to(home))
                .route(
                    "/optional",
                    web::get().to(|auth: Option<RequireAuth>| async move {
                        if auth.is_some() { "in" } else { "out" }
                    }),
                ),
        )
        .await;
        for path in ["/me", "/"] {
            let request = TestRequest::get().uri(path).to_request();
            let (status, _, body) = parts(call_service(&app, request).await).await;
            assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{path}");
            let body = json_body(&body);
            assert_eq!(body["reason"], "clerk-auth-layer-missing");
            assert!(
                body["error"].as_str().unwrap().contains("middleware"),
                "{body}"
            );
        }
        let request = TestRequest::get().uri("/optional").to_request();
        let (status, _, body) = parts(call_service(&app, request).await).await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "out"));
    });
}

/// The actix rejections answer exactly as the axum ones for the same requests.
#[cfg(all(feature = "axum", feature = "tower"))]
#[test]
fn rejections_match_the_axum_extractors() {
    use tower::ServiceExt as _;

    async fn axum_me(
        auth: clerk::auth::request::axum::RequireAuth,
    ) -> Result<&'static str, clerk::auth::request::axum::AuthRejection> {
        auth.require(&Check::permission("org:reports:read"))?;
        Ok("ok")
    }

    async fn actix_me(auth: RequireAuth) -> Result<&'static str, AuthRejection> {
        auth.require(&Check::permission("org:reports:read"))?;
        Ok("ok")
    }

    run(async {
        let clerk = client(PUBLISHABLE);
        let axum_app = axum::Router::new()
            .route("/me", axum::routing::get(axum_me))
            .layer(clerk.layer());
        let actix_app = init_service(
            App::new()
                .wrap(clerk.actix_middleware())
                .route("/me", web::get().to(actix_me)),
        )
        .await;
        let expired = session_token(json!({"exp": NOW - 60, "iat": NOW - 120, "nbf": NOW - 120}));
        let cases: [Option<String>; 4] = [
            None,
            Some("not-a-token".to_owned()),
            Some(expired),
            Some(session_token(json!({}))),
        ];
        for token in cases {
            let mut axum_request = http::Request::get("/me").header("host", "app.example.com");
            let mut actix_request = TestRequest::get()
                .uri("/me")
                .insert_header(("host", "app.example.com"));
            if let Some(token) = &token {
                axum_request = axum_request.header("authorization", format!("Bearer {token}"));
                actix_request = actix_request.insert_header(bearer(token));
            }
            let axum_response = axum_app
                .clone()
                .oneshot(axum_request.body(axum::body::Body::empty()).unwrap())
                .await
                .unwrap();
            let axum_status = axum_response.status().as_u16();
            let axum_type = axum_response.headers()["content-type"].clone();
            let axum_body = axum::body::to_bytes(axum_response.into_body(), 4096)
                .await
                .unwrap();
            let (status, headers, body) =
                parts(call_service(&actix_app, actix_request.to_request()).await).await;
            assert_eq!(status.as_u16(), axum_status, "{token:?}");
            assert_ne!(status, StatusCode::OK);
            assert_eq!(
                headers.get("content-type").unwrap().as_bytes(),
                axum_type.as_bytes()
            );
            assert_eq!(
                json_body(&body),
                serde_json::from_slice::<Value>(&axum_body).unwrap(),
                "{token:?}"
            );
        }
    });
}

#[cfg(feature = "webhooks")]
mod webhooks {
    use actix_web::dev::Service;
    use clerk::actix::{MAX_BODY_BYTES, VerifiedWebhook};
    use clerk::auth::webhooks::WebhookEventData;

    use super::*;

    /// The fixture secret: `whsec_` + base64 of a throwaway key.
    const SIGNING_SECRET: &str = "whsec_ZG9jIGV4YW1wbGUga2V5LCBub3QgYSByZWFsIG9uZSE=";

    const USER_DELETED: &[u8] = br#"{"type":"user.deleted","object":"event","instance_id":"ins_1",
        "timestamp":1700000000,"data":{"object":"user","id":"user_1","deleted":true}}"#;

    async fn receive(VerifiedWebhook(event): VerifiedWebhook) -> String {
        match &event.data {
            WebhookEventData::UserDeleted(deleted) => {
                format!("deleted {}", deleted.id.as_deref().unwrap_or("?"))
            }
            other => format!("got {}", other.event_type()),
        }
    }

    fn webhook_client() -> Clerk {
        builder("http://127.0.0.1:9", &clock())
            .webhook_signing_secret(SIGNING_SECRET)
            .build()
            .unwrap()
    }

    /// A delivery of `body` signed at `timestamp` with the client's secret.
    fn delivery(clerk: &Clerk, timestamp: i64, body: &[u8]) -> TestRequest {
        let signed = clerk
            .webhook()
            .unwrap()
            .headers("msg_1", timestamp, body)
            .unwrap();
        let mut request = TestRequest::post()
            .uri("/webhooks/clerk")
            .set_payload(body.to_vec());
        for (name, value) in &signed {
            request = request.insert_header((name.as_str(), value.as_bytes()));
        }
        request
    }

    /// The receiver, with the client in the app data when there is one.
    macro_rules! app {
        ($clerk:expr) => {{
            let mut app = App::new().route("/webhooks/clerk", web::post().to(receive));
            if let Some(clerk) = $clerk {
                app = app.app_data(web::Data::new(clerk));
            }
            init_service(app).await
        }};
    }

    async fn rejection<S, R, B>(app: &S, request: R) -> (StatusCode, Value)
    where
        S: Service<R, Response = ServiceResponse<B>, Error = actix_web::Error>,
        B: MessageBody,
    {
        let (status, headers, body) = parts(call_service(app, request).await).await;
        assert_eq!(headers.get("content-type").unwrap(), "application/json");
        (status, json_body(&body))
    }

    #[test]
    fn an_authentic_delivery_reaches_the_handler() {
        run(async {
            let clerk = webhook_client();
            let app = app!(Some(clerk.clone()));
            let request = delivery(&clerk, NOW, USER_DELETED).to_request();
            let (status, _, body) = parts(call_service(&app, request).await).await;
            assert_eq!((status, body.as_str()), (StatusCode::OK, "deleted user_1"));

            // An event type this SDK does not know is still delivered.
            let unknown = br#"{"type":"brand.new","object":"event","data":{"x":1}}"#;
            let request = delivery(&clerk, NOW, unknown).to_request();
            let (status, _, body) = parts(call_service(&app, request).await).await;
            assert_eq!((status, body.as_str()), (StatusCode::OK, "got brand.new"));
        });
    }

    #[test]
    fn forged_or_stale_deliveries_answer_401() {
        run(async {
            let clerk = webhook_client();
            let app = app!(Some(clerk.clone()));
            // Signed over another body.
            let request = delivery(&clerk, NOW, b"{}")
                .set_payload(USER_DELETED)
                .to_request();
            let (status, body) = rejection(&app, request).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED);
            assert_eq!(body["reason"], "no_matching_signature");

            let request = delivery(&clerk, NOW - 3600, USER_DELETED).to_request();
            let (status, body) = rejection(&app, request).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED);
            assert_eq!(body["reason"], "timestamp_too_old");
        });
    }

    #[test]
    fn malformed_deliveries_answer_400() {
        run(async {
            let clerk = webhook_client();
            let app = app!(Some(clerk.clone()));
            let request = TestRequest::post()
                .uri("/webhooks/clerk")
                .set_payload(USER_DELETED)
                .to_request();
            let (status, body) = rejection(&app, request).await;
            assert_eq!(status, StatusCode::BAD_REQUEST);
            assert_eq!(body["reason"], "missing_header");

            // Authentic, but not JSON at all.
            let request = delivery(&clerk, NOW, b"not json").to_request();
            let (status, body) = rejection(&app, request).await;
            assert_eq!(status, StatusCode::BAD_REQUEST);
            assert_eq!(body["reason"], "invalid_payload");
        });
    }

    #[test]
    fn bodies_over_the_limit_answer_413() {
        run(async {
            let clerk = webhook_client();
            let app = app!(Some(clerk.clone()));
            let big = vec![b' '; MAX_BODY_BYTES + 1];
            // Refused by its Content-Length…
            let request = delivery(&clerk, NOW, &big).to_request();
            assert!(request.headers().contains_key("content-length"));
            let (status, body) = rejection(&app, request).await;
            assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
            assert_eq!(body["reason"], "body_too_large");
            // …and while reading a body that declares no length.
            let mut request = delivery(&clerk, NOW, &big).to_request();
            request.headers_mut().remove("content-length");
            let (status, body) = rejection(&app, request).await;
            assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
            assert_eq!(body["reason"], "body_too_large");
            // A body of exactly the limit is read (and verified).
            let mut exact = vec![b' '; MAX_BODY_BYTES - USER_DELETED.len()];
            exact.splice(0..0, USER_DELETED.iter().copied());
            let request = delivery(&clerk, NOW, &exact).to_request();
            let (status, _, body) = parts(call_service(&app, request).await).await;
            assert_eq!((status, body.as_str()), (StatusCode::OK, "deleted user_1"));
        });
    }

    #[test]
    fn a_missing_client_or_secret_answers_500() {
        run(async {
            let clerk = webhook_client();
            let app_without_client = app!(None::<Clerk>);
            let request = delivery(&clerk, NOW, USER_DELETED).to_request();
            let (status, body) = rejection(&app_without_client, request).await;
            assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
            assert_eq!(body["reason"], "clerk_client_missing");

            let without_secret = builder("http://127.0.0.1:9", &clock()).build().unwrap();
            let app = app!(Some(without_secret));
            let request = delivery(&clerk, NOW, USER_DELETED).to_request();
            let (status, body) = rejection(&app, request).await;
            assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
            assert_eq!(body["reason"], "invalid_secret");
        });
    }
}

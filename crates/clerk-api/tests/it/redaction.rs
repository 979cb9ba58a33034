//! Credentials never reach `Debug` through the request builders users hold. (Every generated
//! model, request bodies included, is checked by the generated unit test
//! `src/generated/redaction_tests.rs`.)

#[test]
fn request_builders_keep_credentials_out_of_debug() {
    let clerk = clerk_api::Clerk::new("sk_test_redaction").unwrap();
    let create = clerk
        .users()
        .create()
        .email_address(["ada@example.com"])
        .password("MARKER-password")
        .totp_secret("MARKER-totp");
    let shown = format!("{create:?}");
    assert!(shown.contains("ada@example.com"), "{shown}");
    assert!(!shown.contains("MARKER"), "{shown}");
    assert!(!shown.contains("sk_test_redaction"), "{shown}");

    let verify = clerk.clients().verify("MARKER-client-token");
    let shown = format!("{verify:?}");
    assert!(!shown.contains("MARKER"), "{shown}");
}

//! Credentials never reach `Debug`: every generated model with a field the shared redaction rule
//! (xtask/src/redaction.rs) selects is decoded from JSON whose credential fields hold a marker;
//! the marker must survive decoding (so the case really exercises the field) and must not appear
//! in `{:?}` or `{:#?}`. The cases are generated, so a credential field added to the spec is
//! covered the day the code is regenerated.

#[path = "generated/redaction_cases.rs"]
mod cases;

#[test]
fn no_generated_model_shows_a_credential_in_debug() {
    let mut checked = 0;
    let mut failures = Vec::new();
    cases::check_all(&mut |ty, fields, json, probe| {
        checked += 1;
        let (encoded, debug) = match probe(json) {
            Ok(out) => out,
            Err(e) => {
                failures.push(format!("{ty}: the case does not decode: {e}"));
                return;
            }
        };
        for field in fields {
            let marker = format!("MARKER-{field}");
            if !encoded.contains(&marker) {
                failures.push(format!("{ty}.{field}: the marker was lost in decoding"));
            }
            if debug.contains(&marker) {
                failures.push(format!("{ty}.{field}: shown in Debug: {debug}"));
            }
        }
        if !debug.contains("***") {
            failures.push(format!("{ty}: Debug shows no redaction marker: {debug}"));
        }
    });
    assert!(
        checked >= 40,
        "only {checked} cases: the generated list lost models"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

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

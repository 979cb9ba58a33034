//! Webhook payloads keep credentials and message contents out of `Debug`: every generated payload
//! type with a field the shared redaction rule (xtask/src/redaction.rs) selects, or an e-mail or
//! SMS message field, is decoded from JSON holding a marker in each such field; the marker must
//! survive decoding and must not appear in `{:?}` or `{:#?}`. The cases are generated with the
//! types, so a new field is covered as soon as it is generated.
#![cfg(feature = "webhooks")]

#[path = "generated/webhook_redaction_cases.rs"]
mod cases;

#[test]
fn no_payload_type_shows_a_credential_or_a_message_in_debug() {
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
    });
    assert!(
        checked >= 5,
        "only {checked} cases: the generated list lost types"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

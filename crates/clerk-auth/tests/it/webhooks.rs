//! Webhook signature verification: vectors, tampering, headers, timestamps, secrets.
//!
//! Every vector is built here from the scheme (HMAC-SHA256 over `id.timestamp.body`, standard
//! base64), with ring as the reference implementation, except `fixed_vector`, which pins one
//! signature computed independently (see its comment).
#![cfg(feature = "webhooks")]

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use clerk_auth::clock::ManualClock;
use clerk_auth::webhooks::{SIGNING_SECRET_ENV, Webhook, WebhookError, WebhookEventData};
use http::{HeaderMap, HeaderName, HeaderValue};
use ring::hmac;

const NOW: i64 = 1_700_000_000;
const KEY: &[u8] = b"clerk-auth webhook test key 0001";
const BODY: &[u8] = br#"{"type":"user.created","object":"event","instance_id":"ins_1","timestamp":1700000000,"data":{"id":"user_1"}}"#;

fn secret() -> String {
    format!("whsec_{}", STANDARD.encode(KEY))
}

fn webhook() -> Webhook {
    Webhook::new(secret())
        .unwrap()
        .with_clock(ManualClock::at_unix(NOW))
}

/// `base64(HMAC-SHA256(key, id.timestamp.body))`, computed over one concatenated buffer.
fn reference_signature(key: &[u8], id: &str, timestamp: &str, body: &[u8]) -> String {
    let mut signed = Vec::new();
    signed.extend_from_slice(id.as_bytes());
    signed.push(b'.');
    signed.extend_from_slice(timestamp.as_bytes());
    signed.push(b'.');
    signed.extend_from_slice(body);
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    STANDARD.encode(hmac::sign(&key, &signed).as_ref())
}

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.insert(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    map
}

fn svix_headers(id: &str, timestamp: &str, signature: &str) -> HeaderMap {
    headers(&[
        ("svix-id", id),
        ("svix-timestamp", timestamp),
        ("svix-signature", signature),
    ])
}

fn valid_signature(id: &str, timestamp: &str, body: &[u8]) -> String {
    format!("v1,{}", reference_signature(KEY, id, timestamp, body))
}

// ----- known vectors ---------------------------------------------------------------------------

/// Computed once, outside this crate, with Python's standard library:
///
/// ```text
/// key = base64.b64decode("YSB0ZXN0IHNlY3JldCBvZiB0aGlydHktdHdvIGJ5dGU=")  # b"a test secret of thirty-two byte"
/// msg = b'msg_fixed_vector_1.1700000000.{"type":"user.created","data":{"id":"user_1"}}'
/// base64.b64encode(hmac.new(key, msg, hashlib.sha256).digest())
/// ```
#[test]
fn fixed_vector() {
    let webhook = Webhook::new("whsec_YSB0ZXN0IHNlY3JldCBvZiB0aGlydHktdHdvIGJ5dGU=")
        .unwrap()
        .with_clock(ManualClock::at_unix(1_700_000_000));
    let body = br#"{"type":"user.created","data":{"id":"user_1"}}"#;
    let expected = "v1,K6ra4cR+9aM2a98CwBfr0NODOMFU/XsYJRa0aBqDOXQ=";
    assert_eq!(
        webhook.sign("msg_fixed_vector_1", 1_700_000_000, body),
        expected
    );
    webhook
        .verify_raw("msg_fixed_vector_1", "1700000000", expected, body)
        .unwrap();
}

#[test]
fn signatures_match_ring_over_the_concatenated_message() {
    let webhook = webhook();
    let cases: [(&str, i64, &[u8]); 4] = [
        ("msg_1", NOW, BODY),
        ("msg_2tRrrnXAchvSgiLCXQZkHUoKspH", NOW - 10, b"{}"),
        ("msg_empty_body", NOW + 10, b""),
        ("msg_binary", NOW, &[0u8, 255, 1, 254, b'.', b'.']),
    ];
    for (id, timestamp, body) in cases {
        let ts = timestamp.to_string();
        let expected = valid_signature(id, &ts, body);
        assert_eq!(webhook.sign(id, timestamp, body), expected, "{id}");
        webhook
            .verify(&svix_headers(id, &ts, &expected), body)
            .unwrap();
        webhook.verify_raw(id, &ts, &expected, body).unwrap();
    }
}

#[test]
fn headers_helper_builds_verifiable_svix_headers() {
    let webhook = webhook();
    let map = webhook.headers("msg_1", NOW, BODY).unwrap();
    assert_eq!(map.get("svix-id").unwrap(), "msg_1");
    assert_eq!(map.get("svix-timestamp").unwrap(), "1700000000");
    assert_eq!(
        map.get("svix-signature").unwrap().to_str().unwrap(),
        valid_signature("msg_1", "1700000000", BODY)
    );
    webhook.verify(&map, BODY).unwrap();
    assert_eq!(
        webhook.headers("bad\nid", NOW, BODY).unwrap_err(),
        WebhookError::InvalidHeader("svix-id")
    );
}

// ----- tampering -------------------------------------------------------------------------------

#[test]
fn tampered_body_id_or_timestamp_is_rejected() {
    let webhook = webhook();
    let ts = NOW.to_string();
    let signature = valid_signature("msg_1", &ts, BODY);
    webhook
        .verify(&svix_headers("msg_1", &ts, &signature), BODY)
        .unwrap();

    let mut body = BODY.to_vec();
    body[10] ^= 1;
    assert_eq!(
        webhook.verify(&svix_headers("msg_1", &ts, &signature), &body),
        Err(WebhookError::NoMatchingSignature)
    );
    assert_eq!(
        webhook.verify(&svix_headers("msg_2", &ts, &signature), BODY),
        Err(WebhookError::NoMatchingSignature)
    );
    let other_ts = (NOW - 1).to_string();
    assert_eq!(
        webhook.verify(&svix_headers("msg_1", &other_ts, &signature), BODY),
        Err(WebhookError::NoMatchingSignature)
    );
    // A truncated or extended body, and a flipped signature bit.
    assert_eq!(
        webhook.verify_raw("msg_1", &ts, &signature, &BODY[..BODY.len() - 1]),
        Err(WebhookError::NoMatchingSignature)
    );
    let mut extended = BODY.to_vec();
    extended.push(b' ');
    assert_eq!(
        webhook.verify_raw("msg_1", &ts, &signature, &extended),
        Err(WebhookError::NoMatchingSignature)
    );
    let mut tag = STANDARD.decode(&signature[3..]).unwrap();
    tag[31] ^= 0x80;
    let flipped = format!("v1,{}", STANDARD.encode(&tag));
    assert_eq!(
        webhook.verify_raw("msg_1", &ts, &flipped, BODY),
        Err(WebhookError::NoMatchingSignature)
    );
    // A tag truncated to 16 bytes is not a prefix match.
    let short = format!("v1,{}", STANDARD.encode(&tag[..16]));
    assert_eq!(
        webhook.verify_raw("msg_1", &ts, &short, BODY),
        Err(WebhookError::NoMatchingSignature)
    );
}

// ----- signature header parsing ----------------------------------------------------------------

#[test]
fn any_v1_signature_may_match_and_the_last_one_does() {
    let webhook = webhook();
    let ts = NOW.to_string();
    let good = valid_signature("msg_1", &ts, BODY);
    let other_key = format!(
        "v1,{}",
        reference_signature(b"another key", "msg_1", &ts, BODY)
    );
    let header = format!(
        "{other_key} v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= v1,not-base64! {good}"
    );
    webhook.verify_raw("msg_1", &ts, &header, BODY).unwrap();
    webhook
        .verify(&svix_headers("msg_1", &ts, &header), BODY)
        .unwrap();
    // Extra spaces between entries are harmless.
    webhook
        .verify_raw("msg_1", &ts, &format!("{other_key}   {good}"), BODY)
        .unwrap();
    // Without the good one, nothing matches.
    assert_eq!(
        webhook.verify_raw("msg_1", &ts, &other_key, BODY),
        Err(WebhookError::NoMatchingSignature)
    );
}

#[test]
fn other_versions_and_garbage_are_ignored() {
    let webhook = webhook();
    let ts = NOW.to_string();
    let good = reference_signature(KEY, "msg_1", &ts, BODY);
    // The right bytes under any version other than `v1` do not count.
    for header in [
        format!("v1a,{good}"),
        format!("v2,{good}"),
        format!("V1,{good}"),
        format!("v1{good}"),
        format!(",{good}"),
        good.clone(),
        "garbage".to_owned(),
        "v1,".to_owned(),
        ",,, ,".to_owned(),
    ] {
        assert_eq!(
            webhook.verify_raw("msg_1", &ts, &header, BODY),
            Err(WebhookError::NoMatchingSignature),
            "{header}"
        );
    }
    // … but do not stop a later `v1` entry from matching.
    let header = format!("v1a,{good} v2,{good} garbage v1,{good}");
    webhook.verify_raw("msg_1", &ts, &header, BODY).unwrap();
}

// ----- headers ---------------------------------------------------------------------------------

#[test]
fn each_missing_svix_header_is_named() {
    let webhook = webhook();
    let ts = NOW.to_string();
    let signature = valid_signature("msg_1", &ts, BODY);
    let all = [
        ("svix-id", "msg_1"),
        ("svix-timestamp", ts.as_str()),
        ("svix-signature", signature.as_str()),
    ];
    for skip in 0..all.len() {
        let present: Vec<_> = all
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != skip)
            .map(|(_, pair)| *pair)
            .collect();
        assert_eq!(
            webhook.verify(&headers(&present), BODY),
            Err(WebhookError::MissingHeader(all[skip].0))
        );
        // An empty value counts as missing.
        let mut emptied = all;
        emptied[skip].1 = "";
        assert_eq!(
            webhook.verify(&headers(&emptied), BODY),
            Err(WebhookError::MissingHeader(all[skip].0))
        );
    }
    assert_eq!(
        webhook.verify(&HeaderMap::new(), BODY),
        Err(WebhookError::MissingHeader("svix-id"))
    );
}

#[test]
fn webhook_headers_are_accepted_and_each_missing_one_is_named() {
    let webhook = webhook();
    let ts = NOW.to_string();
    let signature = valid_signature("msg_1", &ts, BODY);
    let all = [
        ("webhook-id", "msg_1"),
        ("webhook-timestamp", ts.as_str()),
        ("webhook-signature", signature.as_str()),
    ];
    webhook.verify(&headers(&all), BODY).unwrap();
    for skip in 0..all.len() {
        let present: Vec<_> = all
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != skip)
            .map(|(_, pair)| *pair)
            .collect();
        assert_eq!(
            webhook.verify(&headers(&present), BODY),
            Err(WebhookError::MissingHeader(all[skip].0))
        );
    }
}

#[test]
fn svix_headers_take_precedence_and_families_can_fill_each_other_in() {
    let webhook = webhook();
    let ts = NOW.to_string();
    let signature = valid_signature("msg_1", &ts, BODY);
    // svix-* wins when both are present: a wrong webhook-signature is never looked at.
    let map = headers(&[
        ("svix-id", "msg_1"),
        ("svix-timestamp", &ts),
        ("svix-signature", &signature),
        ("webhook-id", "msg_other"),
        ("webhook-signature", "v1,AAAA"),
    ]);
    webhook.verify(&map, BODY).unwrap();
    // A header missing under one name is taken from the other.
    let map = headers(&[
        ("svix-id", "msg_1"),
        ("webhook-timestamp", &ts),
        ("svix-signature", &signature),
    ]);
    webhook.verify(&map, BODY).unwrap();
}

#[test]
fn header_values_are_trimmed() {
    let webhook = webhook();
    let ts = NOW.to_string();
    let signature = valid_signature("msg_1", &ts, BODY);
    webhook
        .verify_raw(
            " msg_1 ",
            &format!("{ts} "),
            &format!(" {signature}\t"),
            BODY,
        )
        .unwrap();
}

#[test]
fn verify_raw_names_missing_values() {
    let webhook = webhook();
    let ts = NOW.to_string();
    let signature = valid_signature("msg_1", &ts, BODY);
    assert_eq!(
        webhook.verify_raw("", &ts, &signature, BODY),
        Err(WebhookError::MissingHeader("svix-id"))
    );
    assert_eq!(
        webhook.verify_raw("msg_1", " ", &signature, BODY),
        Err(WebhookError::MissingHeader("svix-timestamp"))
    );
    assert_eq!(
        webhook.verify_raw("msg_1", &ts, "", BODY),
        Err(WebhookError::MissingHeader("svix-signature"))
    );
}

// ----- timestamps ------------------------------------------------------------------------------

#[test]
fn non_numeric_timestamps_are_invalid() {
    let webhook = webhook();
    for ts in [
        "abc",
        "1700000000.5",
        "1700000000.0",
        "-1700000000",
        "+1700000000",
        "01700000000",
        "1.7e9",
        "0x6553F100",
        "1700000000a",
        "17000 00000",
        "99999999999999999999999",
    ] {
        // Signed over the odd timestamp, so only its parsing can fail.
        let signature = valid_signature("msg_1", ts, BODY);
        assert_eq!(
            webhook.verify_raw("msg_1", ts, &signature, BODY),
            Err(WebhookError::InvalidTimestamp),
            "{ts}"
        );
    }
}

fn check_at(webhook: &Webhook, timestamp: i64) -> Result<(), WebhookError> {
    let ts = timestamp.to_string();
    webhook.verify_raw("msg_1", &ts, &valid_signature("msg_1", &ts, BODY), BODY)
}

#[test]
fn timestamps_within_the_tolerance_are_accepted_up_to_the_boundary() {
    let webhook = webhook();
    for offset in [-300, -299, -1, 0, 1, 299, 300] {
        check_at(&webhook, NOW + offset).unwrap();
    }
}

#[test]
fn old_and_future_timestamps_beyond_the_tolerance_are_rejected() {
    let webhook = webhook();
    let tolerance = Duration::from_secs(300);
    assert_eq!(
        check_at(&webhook, NOW - 301),
        Err(WebhookError::TimestampTooOld {
            timestamp: NOW - 301,
            now: NOW,
            tolerance
        })
    );
    assert_eq!(
        check_at(&webhook, NOW + 301),
        Err(WebhookError::TimestampTooNew {
            timestamp: NOW + 301,
            now: NOW,
            tolerance
        })
    );
    assert!(matches!(
        check_at(&webhook, 0),
        Err(WebhookError::TimestampTooOld { .. })
    ));
    assert!(matches!(
        check_at(&webhook, i64::MAX),
        Err(WebhookError::TimestampTooNew { .. })
    ));
}

#[test]
fn the_timestamp_is_checked_before_the_signature() {
    // A stale message with a bad signature reports the staleness.
    let webhook = webhook();
    let ts = (NOW - 3600).to_string();
    assert!(matches!(
        webhook.verify_raw("msg_1", &ts, "v1,AAAA", BODY),
        Err(WebhookError::TimestampTooOld { .. })
    ));
}

#[test]
fn the_tolerance_is_configurable() {
    let webhook = webhook().with_tolerance(Duration::from_secs(10));
    assert_eq!(webhook.tolerance(), Duration::from_secs(10));
    check_at(&webhook, NOW - 10).unwrap();
    check_at(&webhook, NOW + 10).unwrap();
    assert!(matches!(
        check_at(&webhook, NOW - 11),
        Err(WebhookError::TimestampTooOld { .. })
    ));
    assert!(matches!(
        check_at(&webhook, NOW + 11),
        Err(WebhookError::TimestampTooNew { .. })
    ));
    // Zero tolerance: only the current second.
    let strict = webhook.with_tolerance(Duration::ZERO);
    check_at(&strict, NOW).unwrap();
    assert!(check_at(&strict, NOW - 1).is_err());
}

#[test]
fn a_shared_clock_can_be_moved_after_construction() {
    let clock = Arc::new(ManualClock::at_unix(NOW));
    let webhook = Webhook::new(secret()).unwrap().with_clock(clock.clone());
    check_at(&webhook, NOW).unwrap();
    clock.advance(std::time::Duration::from_secs(301));
    assert!(matches!(
        check_at(&webhook, NOW),
        Err(WebhookError::TimestampTooOld { .. })
    ));
}

// ----- secrets ---------------------------------------------------------------------------------

#[test]
fn secrets_with_and_without_the_prefix_are_the_same_key() {
    let bare = STANDARD.encode(KEY);
    let ts = NOW.to_string();
    let signature = valid_signature("msg_1", &ts, BODY);
    for secret in [
        format!("whsec_{bare}"),
        bare.clone(),
        format!("  whsec_{bare}\n"),
    ] {
        Webhook::new(&secret)
            .unwrap()
            .with_clock(ManualClock::at_unix(NOW))
            .verify_raw("msg_1", &ts, &signature, BODY)
            .unwrap();
    }
}

#[test]
fn invalid_secrets_are_rejected_without_echoing_them() {
    for secret in [
        "",
        "   ",
        "whsec_",
        "whsec_not base64!",
        "whsec_abc",
        "whsec_YWJj=",
        "whsec_YWJj ZA==",
        "whsec_-_-_",
    ] {
        let error = Webhook::new(secret).unwrap_err();
        assert!(
            matches!(error, WebhookError::InvalidSecret(_)),
            "{secret:?}: {error:?}"
        );
        assert_eq!(error.code(), "invalid_secret");
        let shown = format!("{error} {error:?}");
        let payload = secret.trim().trim_start_matches("whsec_");
        if !payload.is_empty() {
            assert!(!shown.contains(payload), "{shown}");
        }
    }
}

#[test]
fn a_wrong_secret_matches_nothing() {
    let ts = NOW.to_string();
    let signature = valid_signature("msg_1", &ts, BODY);
    let other = Webhook::new(format!("whsec_{}", STANDARD.encode(b"a different key")))
        .unwrap()
        .with_clock(ManualClock::at_unix(NOW));
    assert_eq!(
        other.verify_raw("msg_1", &ts, &signature, BODY),
        Err(WebhookError::NoMatchingSignature)
    );
}

#[test]
fn debug_output_redacts_the_secret() {
    let webhook = webhook();
    let shown = format!("{webhook:?} {webhook:#?}");
    assert!(shown.contains("secret: ***"), "{shown}");
    assert!(!shown.contains(&STANDARD.encode(KEY)), "{shown}");
    assert!(!shown.contains("clerk-auth webhook test key"), "{shown}");
    assert!(!shown.contains(&format!("{:?}", KEY)), "{shown}");
}

#[test]
fn errors_never_contain_the_signature() {
    let webhook = webhook();
    let ts = NOW.to_string();
    let signature = valid_signature("msg_1", &ts, b"other body");
    let error = webhook
        .verify_raw("msg_1", &ts, &signature, BODY)
        .unwrap_err();
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains(&signature[3..]), "{shown}");
    assert_eq!(error.code(), "no_matching_signature");
    assert!(error.is_authentication_failure());
    assert!(!WebhookError::MissingHeader("svix-id").is_authentication_failure());
}

/// `from_env` reads the process environment, which tests must not modify (that is `unsafe` in
/// edition 2024), so this test runs itself as a child process with the variable set.
#[test]
fn from_env_reads_the_signing_secret_variable() {
    const CHILD: &str = "CLERK_AUTH_TEST_FROM_ENV_CHILD";
    match std::env::var(CHILD).as_deref() {
        Ok("set") => {
            let webhook = Webhook::from_env()
                .unwrap()
                .with_clock(ManualClock::at_unix(NOW));
            let ts = NOW.to_string();
            let signature = valid_signature("msg_1", &ts, BODY);
            webhook.verify_raw("msg_1", &ts, &signature, BODY).unwrap();
            return;
        }
        Ok("unset") => {
            assert_eq!(
                Webhook::from_env().unwrap_err(),
                WebhookError::InvalidSecret("CLERK_WEBHOOK_SIGNING_SECRET is not set")
            );
            return;
        }
        _ => {}
    }
    let exe = std::env::current_exe().unwrap();
    // The harness names a test by its path inside the test crate (`webhooks::…` in `it`).
    let name = match module_path!().split_once("::") {
        Some((_, module)) => format!("{module}::from_env_reads_the_signing_secret_variable"),
        None => "from_env_reads_the_signing_secret_variable".to_owned(),
    };
    let run = |mode: &str, secret: Option<String>| {
        let mut command = std::process::Command::new(&exe);
        command.args(["--exact", name.as_str()]).env(CHILD, mode);
        match secret {
            Some(secret) => command.env(SIGNING_SECRET_ENV, secret),
            None => command.env_remove(SIGNING_SECRET_ENV),
        };
        let output = command.output().unwrap();
        assert!(
            output.status.success(),
            "{mode}: {}",
            String::from_utf8_lossy(&output.stdout)
        );
        assert!(String::from_utf8_lossy(&output.stdout).contains("1 passed"));
    };
    run("set", Some(secret()));
    run("unset", None);
}

// ----- bodies ----------------------------------------------------------------------------------

#[test]
fn the_signature_covers_the_exact_bytes_of_unicode_bodies() {
    let webhook = webhook();
    let ts = NOW.to_string();
    let body = "{\"type\":\"user.updated\",\"data\":{\"first_name\":\"Zoë 🦀 Ångström\",\"bio\":\"日本語\\u00e9\"}}";
    let signature = valid_signature("msg_1", &ts, body.as_bytes());
    webhook
        .verify_raw("msg_1", &ts, &signature, body.as_bytes())
        .unwrap();
    // The same text in another normalisation (é as e + combining acute) is different bytes.
    let decomposed = body.replace('ë', "e\u{308}");
    assert_eq!(
        webhook.verify_raw("msg_1", &ts, &signature, decomposed.as_bytes()),
        Err(WebhookError::NoMatchingSignature)
    );
    // A trailing newline is part of the signed bytes: adding or stripping one breaks it.
    let with_newline = format!("{body}\n");
    assert_eq!(
        webhook.verify_raw("msg_1", &ts, &signature, with_newline.as_bytes()),
        Err(WebhookError::NoMatchingSignature)
    );
    let signed_with_newline = valid_signature("msg_1", &ts, with_newline.as_bytes());
    webhook
        .verify_raw("msg_1", &ts, &signed_with_newline, with_newline.as_bytes())
        .unwrap();
    assert_eq!(
        webhook.verify_raw("msg_1", &ts, &signed_with_newline, body.as_bytes()),
        Err(WebhookError::NoMatchingSignature)
    );
}

// ----- parsing ---------------------------------------------------------------------------------

fn parse(
    webhook: &Webhook,
    body: &[u8],
) -> Result<clerk_auth::webhooks::WebhookEvent, WebhookError> {
    let map = webhook.headers("msg_1", NOW, body).unwrap();
    webhook.verify_and_parse(&map, body)
}

#[test]
fn known_event_types_decode_to_their_variant() {
    let webhook = webhook();
    let body =
        br#"{"type":"user.deleted","object":"event","instance_id":"ins_1","timestamp":1700000000,
        "event_attributes":{"http_request":{"client_ip":"203.0.113.7","user_agent":"curl/8"}},
        "data":{"object":"user","id":"user_1","deleted":true,"external_id":"ext_9"}}"#;
    let event = parse(&webhook, body).unwrap();
    assert_eq!(event.r#type, "user.deleted");
    assert_eq!(event.event_type(), "user.deleted");
    assert_eq!(event.instance_id, "ins_1");
    assert_eq!(event.timestamp, 1_700_000_000);
    let request = event
        .event_attributes
        .as_ref()
        .and_then(|a| a.http_request.as_ref())
        .unwrap();
    assert_eq!(request.client_ip.as_deref(), Some("203.0.113.7"));
    assert_eq!(request.user_agent.as_deref(), Some("curl/8"));
    match &event.data {
        WebhookEventData::UserDeleted(deleted) => {
            assert_eq!(deleted.id.as_deref(), Some("user_1"));
            assert!(deleted.deleted);
            assert_eq!(deleted.external_id.as_deref(), Some("ext_9"));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(event.data.event_type(), "user.deleted");
}

#[test]
fn an_unknown_event_type_keeps_its_data() {
    let webhook = webhook();
    let body = br#"{"type":"spaceship.launched","object":"event","instance_id":"ins_1","timestamp":1,"data":{"id":"ship_1","fuel":[1,2]}}"#;
    let event = parse(&webhook, body).unwrap();
    match &event.data {
        WebhookEventData::Unknown { type_, data } => {
            assert_eq!(type_, "spaceship.launched");
            assert_eq!(data["fuel"][1], 2);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(event.data.event_type(), "spaceship.launched");
    assert!(!WebhookEventData::EVENT_TYPES.contains(&"spaceship.launched"));
}

#[test]
fn unknown_fields_are_ignored() {
    let webhook = webhook();
    let body = br#"{"type":"role.deleted","object":"event","instance_id":"ins_1","timestamp":1,"brand_new":true,
        "data":{"object":"role","id":"role_1","deleted":true,"added_later":{"x":1}}}"#;
    let event = parse(&webhook, body).unwrap();
    assert!(matches!(event.data, WebhookEventData::RoleDeleted(_)));
    // The whole body, unknown members included, when the application asks for it.
    let headers = webhook.headers("msg_1", NOW, body).unwrap();
    let whole: serde_json::Value = webhook.verify_and_parse_as(&headers, body).unwrap();
    assert_eq!(whole["brand_new"], true);
    assert_eq!(whole["data"]["added_later"]["x"], 1);
}

#[test]
fn verify_and_parse_as_decodes_into_the_callers_type() {
    #[derive(serde::Deserialize)]
    struct Mine {
        #[serde(rename = "type")]
        kind: String,
        data: MineData,
    }
    #[derive(serde::Deserialize)]
    struct MineData {
        id: String,
        deleted: bool,
    }
    let webhook = webhook();
    let body = br#"{"type":"role.deleted","data":{"object":"role","id":"role_1","deleted":true}}"#;
    let headers = webhook.headers("msg_1", NOW, body).unwrap();
    let mine: Mine = webhook.verify_and_parse_as(&headers, body).unwrap();
    assert_eq!(
        (mine.kind.as_str(), mine.data.id.as_str()),
        ("role.deleted", "role_1")
    );
    assert!(mine.data.deleted);

    // Strict: the caller's type decides; the error names the path, not the value.
    let body = br#"{"type":"role.deleted","data":{"id":"role_1","deleted":"s3cr3t"}}"#;
    let headers = webhook.headers("msg_1", NOW, body).unwrap();
    match webhook.verify_and_parse_as::<Mine>(&headers, body) {
        Err(WebhookError::InvalidPayload(message)) => {
            assert!(
                message.starts_with("data.deleted: invalid type: string"),
                "{message}"
            );
            assert!(!message.contains("s3cr3t"), "{message}");
        }
        other => panic!("{:?}", other.map(|m| m.kind)),
    }
    // Signatures first: a forged body is never decoded.
    let mut forged = headers.clone();
    forged.insert("svix-signature", HeaderValue::from_static("v1,AAAA"));
    assert_eq!(
        webhook
            .verify_and_parse_as::<serde_json::Value>(&forged, body)
            .unwrap_err(),
        WebhookError::NoMatchingSignature
    );
}

#[test]
fn duplicate_members_and_odd_envelopes_still_decode() {
    let webhook = webhook();
    // A member twice: the last one wins, as in most JSON readers.
    let body = br#"{"type":"x","type":"role.deleted","instance_id":7,"timestamp":"soon","data":{"object":"role","id":"role_1","deleted":true},"event_attributes":[1]}"#;
    let event = parse(&webhook, body).unwrap();
    assert!(matches!(event.data, WebhookEventData::RoleDeleted(_)));
    assert_eq!((event.instance_id.as_str(), event.timestamp), ("", 0));
    assert_eq!(event.event_attributes, None);
    // Wrong types in the envelope read as absent on the fast path too.
    let body = br#"{"type":"role.deleted","instance_id":["ins_1"],"timestamp":1.5,"data":{"id":"role_1","deleted":true}}"#;
    let event = parse(&webhook, body).unwrap();
    assert!(matches!(event.data, WebhookEventData::RoleDeleted(_)));
    assert_eq!((event.instance_id.as_str(), event.timestamp), ("", 0));
}

#[test]
fn only_bodies_that_are_not_json_are_invalid_payloads() {
    let webhook = webhook();
    let cases: [(&[u8], &str); 3] = [
        (b"", "EOF"),
        (b"not json", "expected"),
        (b"{\"type\":", "EOF"),
    ];
    for (body, needle) in cases {
        match parse(&webhook, body) {
            Err(WebhookError::InvalidPayload(message)) => {
                assert!(message.contains(needle), "{message:?} lacks {needle:?}");
            }
            other => panic!("{:?}: {other:?}", String::from_utf8_lossy(body)),
        }
    }
}

#[test]
fn every_authentic_json_delivery_reaches_the_application() {
    let webhook = webhook();

    // Not an object: handed over as undecoded, with the reason.
    let event = parse(&webhook, b"[1,2]").unwrap();
    match &event.data {
        WebhookEventData::Undecoded { type_, data, error } => {
            assert_eq!(type_, "");
            assert_eq!(data, &serde_json::json!([1, 2]));
            assert_eq!(error, "the body is not a JSON object");
        }
        other => panic!("{other:?}"),
    }

    // No type: an unknown event; a missing envelope member takes its default.
    let event = parse(&webhook, br#"{"data":{"x":1}}"#).unwrap();
    assert_eq!(event.r#type, "");
    assert_eq!((event.instance_id.as_str(), event.timestamp), ("", 0));
    assert!(matches!(event.data, WebhookEventData::Unknown { .. }));

    // A known type missing required fields (the spec's own examples omit some): decoded, the
    // missing fields at their defaults, the present ones kept.
    let event = parse(
        &webhook,
        br#"{"type":"user.created","instance_id":"ins_1","data":{"id":"user_1","first_name":"Ada","password_enabled":null}}"#,
    )
    .unwrap();
    assert_eq!(event.timestamp, 0);
    match &event.data {
        WebhookEventData::UserCreated(user) => {
            assert_eq!(user.id, "user_1");
            assert_eq!(user.first_name.as_deref(), Some("Ada"));
            assert_eq!(user.object, "");
            assert!(!user.password_enabled && !user.has_image);
            assert!(user.email_addresses.is_empty());
            assert_eq!(user.created_at, 0);
        }
        other => panic!("{other:?}"),
    }

    // The gaps are filled in nested objects too: an e-mail address without its required
    // `email_address`, `reserved` and `created_at`, inside a list, whose verification (a union,
    // told apart by `object`) lacks its `status`: `""`, kept as an unknown status.
    let event = parse(
        &webhook,
        br#"{"type":"user.updated","data":{"id":"user_2","email_addresses":[{"id":"idn_1","object":"email_address","verification":{"object":"verification_otp","strategy":"email_code","attempts":null,"expire_at":null}}]}}"#,
    )
    .unwrap();
    match &event.data {
        WebhookEventData::UserUpdated(user) => {
            let [address] = user.email_addresses.as_slice() else {
                panic!("{:?}", user.email_addresses);
            };
            assert_eq!(address.id.as_deref(), Some("idn_1"));
            assert_eq!(address.email_address, "");
            assert!(!address.reserved);
            assert_eq!(address.created_at, 0);
            match &address.verification {
                Some(clerk_auth::webhooks::events::EmailAddressVerification::VerificationOtp(
                    otp,
                )) => {
                    assert_eq!(otp.status.as_str(), "");
                    assert_eq!(otp.strategy.as_str(), "email_code");
                }
                other => panic!("{other:?}"),
            }
        }
        other => panic!("{other:?}"),
    }

    // A known type whose data has a field of another type: undecoded, with the field's path and
    // the problem, but never the value.
    let event = parse(
        &webhook,
        br#"{"type":"user.deleted","instance_id":"ins_1","timestamp":1,"data":{"object":"user","deleted":"s3cr3t-value"}}"#,
    )
    .unwrap();
    assert_eq!(event.data.event_type(), "user.deleted");
    match &event.data {
        WebhookEventData::Undecoded { type_, data, error } => {
            assert_eq!(type_, "user.deleted");
            assert_eq!(data["deleted"], "s3cr3t-value");
            assert!(error.contains("data.deleted"), "{error}");
            assert!(error.contains("invalid type: string"), "{error}");
            assert!(!error.contains("s3cr3t"), "{error}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn parsing_happens_only_after_verification() {
    let webhook = webhook();
    let mut map = webhook.headers("msg_1", NOW, b"{}").unwrap();
    map.insert("svix-signature", HeaderValue::from_static("v1,AAAA"));
    assert_eq!(
        webhook.verify_and_parse(&map, b"not json").unwrap_err(),
        WebhookError::NoMatchingSignature
    );
}

#[test]
fn verify_raw_and_parse_decodes_too() {
    let webhook = webhook();
    let body = br#"{"type":"permission.deleted","object":"event","instance_id":"ins_1","timestamp":1,"data":{"object":"permission","id":"perm_1","deleted":true}}"#;
    let ts = NOW.to_string();
    let event = webhook
        .verify_raw_and_parse("msg_1", &ts, &valid_signature("msg_1", &ts, body), body)
        .unwrap();
    assert!(matches!(event.data, WebhookEventData::PermissionDeleted(_)));
}

#[test]
fn stored_events_deserialize_from_a_value_too() {
    let value = serde_json::json!({"type":"organization.deleted","instance_id":"ins_1","timestamp":1,
        "data":{"object":"organization","id":"org_1","deleted":true}});
    let event: clerk_auth::webhooks::WebhookEvent = serde_json::from_value(value).unwrap();
    assert!(matches!(
        event.data,
        WebhookEventData::OrganizationDeleted(_)
    ));
    assert_eq!(event.instance_id, "ins_1");
}

#[test]
fn events_deserialize_without_verification_for_stored_bodies() {
    let event: clerk_auth::webhooks::WebhookEvent = serde_json::from_slice(
        br#"{"type":"organization.deleted","instance_id":"ins_1","timestamp":1,"data":{"object":"organization","id":"org_1","deleted":true}}"#,
    )
    .unwrap();
    assert!(matches!(
        event.data,
        WebhookEventData::OrganizationDeleted(_)
    ));
}

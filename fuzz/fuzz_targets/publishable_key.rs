//! Publishable-key parsing (`pk_test_…` / `pk_live_…` + base64 of `<frontend API host>$`).
//!
//! Input: a mode byte, then text: either a key, or a host the harness encodes into a key, which
//! must then parse back to exactly that host.

#![no_main]

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use clerk_auth::request::{InstanceType, PublishableKey};
use clerk_fuzz::Input;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let mode = input.byte();
    let text = input.rest_text();
    if mode % 2 == 0 {
        match PublishableKey::parse(&text) {
            Ok(key) => {
                assert_eq!(key.as_str(), text.trim());
                assert!(key.frontend_api().contains('.'));
                assert!(!key.frontend_api().contains('$'));
                assert_eq!(key.cookie_suffix().len(), 8);
                assert_eq!(text.parse::<PublishableKey>().ok(), Some(key.clone()));
                assert_eq!(key.to_string(), key.as_str());
                let _ = format!("{key:?}");
            }
            Err(error) => {
                let _ = error.to_string();
            }
        }
        return;
    }

    let (prefix, instance) = if mode & 2 == 0 {
        ("pk_live_", InstanceType::Production)
    } else {
        ("pk_test_", InstanceType::Development)
    };
    let decoded = format!("{text}$");
    let encoded = if mode & 4 == 0 {
        STANDARD.encode(&decoded)
    } else {
        STANDARD_NO_PAD.encode(&decoded)
    };
    let key = format!("{prefix}{encoded}");
    let parsed = PublishableKey::parse(&key);
    let valid = text.contains('.') && !text.contains('$');
    match parsed {
        Ok(key) => {
            assert!(valid, "{text:?} accepted");
            assert_eq!(key.frontend_api(), text);
            assert_eq!(key.instance_type(), instance);
        }
        Err(error) => assert!(!valid, "{text:?} refused: {error}"),
    }
});

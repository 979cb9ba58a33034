//! Keeping credentials out of error text: the rule that decides which JSON members hold
//! credentials (the same words the code generator uses for model fields, see
//! `xtask/src/redaction.rs`), and scrubbers for the body snippets and serde messages that errors
//! carry. The one redaction marker is `***`.

/// What a redacted value is replaced with, everywhere in the SDK.
pub(crate) const MARKER: &str = "***";

/// Substrings of a member name that mark a credential.
const WORDS: &[&str] = &[
    "secret",
    "token",
    "password",
    "jwt",
    "private_key",
    "backup_code",
    "api_key",
];

/// Names that contain one of [`WORDS`] but hold no credential.
const NOT_CREDENTIALS: &[&str] = &[
    "token_type",
    "token_url",
    "token_fetch_url",
    "token_introspection_url",
];

/// Whether a JSON member of this name holds a credential.
pub(crate) fn is_credential_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    !NOT_CREDENTIALS.contains(&name.as_str()) && WORDS.iter().any(|word| name.contains(word))
}

/// `text` (JSON, possibly cut short) with the string value of every member whose name is a
/// credential replaced by `"***"`. Anything that is not well-formed JSON is copied as it is,
/// except that a credential's value cut off by the end of `text` is still replaced.
pub(crate) fn redact_json_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    // The last string token, while it may still turn out to be a member name.
    let mut last_string: Option<String> = None;
    // Set after `"name":` when `name` is a credential.
    let mut redact_next = false;
    while let Some(c) = rest.chars().next() {
        match c {
            '"' => {
                let (token, value, after) = split_string(rest);
                if redact_next {
                    out.push('"');
                    out.push_str(MARKER);
                    out.push('"');
                    redact_next = false;
                    last_string = None;
                } else {
                    out.push_str(token);
                    last_string = Some(value);
                }
                rest = after;
            }
            ':' => {
                redact_next = last_string
                    .take()
                    .is_some_and(|name| is_credential_name(&name));
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
            c if c.is_whitespace() => {
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
            _ => {
                // A number, literal, brace or comma: a pending name or redaction no longer applies.
                last_string = None;
                redact_next = false;
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    out
}

/// Splits the JSON string token at the start of `text` (which starts with `"`): the token as
/// written, its unescaped value (escapes other than `\"` and `\\` kept as written, which is
/// enough to compare names), and what follows. An unterminated string runs to the end.
fn split_string(text: &str) -> (&str, String, &str) {
    let mut value = String::new();
    let mut escaped = false;
    for (i, c) in text.char_indices().skip(1) {
        if escaped {
            value.push(c);
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '"' {
            let end = i + 1;
            return (&text[..end], value, &text[end..]);
        } else {
            value.push(c);
        }
    }
    (text, value, "")
}

/// A deserializer's message with every double-quoted part replaced by `"***"`: serde quotes the
/// offending value (`invalid type: string "…", expected u64`), which may be a credential, and
/// names fields and variants in backticks, which stay.
pub(crate) fn redact_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut parts = message.split('"');
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    let mut inside = true;
    for part in parts {
        if inside {
            out.push('"');
            out.push_str(MARKER);
            out.push('"');
        } else {
            out.push_str(part);
        }
        inside = !inside;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_names_follow_the_generator_rule() {
        for name in [
            "jwt",
            "token",
            "id_token",
            "totp_secret",
            "secret_key",
            "Password",
        ] {
            assert!(is_credential_name(name), "{name}");
        }
        for name in ["id", "object", "token_type", "token_url", "email_address"] {
            assert!(!is_credential_name(name), "{name}");
        }
    }

    #[test]
    fn credential_values_are_replaced_and_the_rest_is_kept() {
        let body = r#"{"object":"token","jwt":"eyJ.a.b","nested":{"client_secret" : "s\"x"},"token_type":"bearer","n":1,"list":["jwt"]}"#;
        assert_eq!(
            redact_json_text(body),
            r#"{"object":"token","jwt":"***","nested":{"client_secret" : "***"},"token_type":"bearer","n":1,"list":["jwt"]}"#
        );
    }

    #[test]
    fn a_value_cut_off_by_the_snippet_end_is_still_replaced() {
        assert_eq!(
            redact_json_text(r#"{"id":"x","jwt":"eyJhbGciOi"#),
            r#"{"id":"x","jwt":"***""#
        );
        assert_eq!(redact_json_text(r#"{"jwt"#), r#"{"jwt"#);
        assert_eq!(redact_json_text(""), "");
        assert_eq!(
            redact_json_text("not json: \"jwt\": x"),
            "not json: \"jwt\": x"
        );
    }

    #[test]
    fn non_string_credential_values_are_left_alone() {
        // A number or an object under a credential name is not a credential string: kept.
        assert_eq!(
            redact_json_text(r#"{"token":{"jwt":"x"},"secret":5}"#),
            r#"{"token":{"jwt":"***"},"secret":5}"#
        );
    }

    #[test]
    fn quoted_parts_of_messages_are_replaced() {
        assert_eq!(
            redact_quoted(r#"invalid type: string "eyJ.secret", expected u64 at line 1"#),
            r#"invalid type: string "***", expected u64 at line 1"#
        );
        assert_eq!(redact_quoted("missing field `id`"), "missing field `id`");
        assert_eq!(redact_quoted(r#"odd "quote"#), r#"odd "***""#);
    }
}

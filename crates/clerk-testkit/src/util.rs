//! Small helpers: ids, random secrets, RFC 3339 parsing, metadata merging, identifier checks.

use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ring::rand::{SecureRandom, SystemRandom};
use serde_json::{Map, Value};

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Generates Clerk-style ids: a prefix (`user_`, `org_`…) and 27 base62 characters, unique for
/// the life of the process (a counter run through a bijective mixer) and across restarts (a
/// random salt and the creation time).
#[derive(Debug)]
pub(crate) struct IdGen {
    salt: u64,
    counter: AtomicU64,
}

impl IdGen {
    pub(crate) fn new() -> IdGen {
        IdGen {
            salt: random_u64(),
            counter: AtomicU64::new(1),
        }
    }

    /// A new id with `prefix` (which includes the trailing `_`), stamped with `now_ms`.
    pub(crate) fn next(&self, prefix: &str, now_ms: i64) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let mixed = splitmix(n ^ self.salt);
        let tail = splitmix(mixed.rotate_left(17) ^ self.salt);
        let mut id = String::with_capacity(prefix.len() + 27);
        id.push_str(prefix);
        push_base62(&mut id, u64::try_from(now_ms.max(0)).unwrap_or(0) / 1000, 7);
        push_base62(&mut id, mixed, 11);
        push_base62(&mut id, tail, 9);
        id
    }
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Appends exactly `width` base62 digits of `n` (most significant first, truncated or padded).
fn push_base62(out: &mut String, mut n: u64, width: usize) {
    let mut digits = vec![b'0'; width];
    for slot in digits.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    out.push_str(&String::from_utf8_lossy(&digits));
}

/// Random bytes from the operating system (zeros if it fails, which ring reports as an error
/// that does not happen on supported platforms).
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    let _ = SystemRandom::new().fill(&mut bytes);
    bytes
}

/// A random u64.
pub(crate) fn random_u64() -> u64 {
    u64::from_le_bytes(random_bytes::<8>())
}

/// `prefix` followed by `len` random base62 characters.
pub(crate) fn random_token(prefix: &str, len: usize) -> String {
    let mut out = String::with_capacity(prefix.len() + len);
    out.push_str(prefix);
    let mut pool = Vec::new();
    while out.len() < prefix.len() + len {
        if pool.is_empty() {
            pool = random_bytes::<32>().to_vec();
        }
        if let Some(b) = pool.pop() {
            // 248 = 4 × 62: rejection keeps the characters uniform.
            if b < 248 {
                out.push(char::from(BASE62[usize::from(b % 62)]));
            }
        }
    }
    out
}

/// A Svix-style signing secret: `whsec_` + base64 of 24 random bytes.
pub(crate) fn random_webhook_secret() -> String {
    format!("whsec_{}", STANDARD.encode(random_bytes::<24>()))
}

/// 32 lowercase hex characters, for `clerk_trace_id`.
pub(crate) fn trace_id() -> String {
    let bytes = random_bytes::<16>();
    let mut out = String::with_capacity(32);
    for b in bytes {
        out.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        out.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
    }
    out
}

/// Deep-merges `patch` into `target`: objects merge key by key, `null` deletes a key, anything
/// else replaces.
pub(crate) fn deep_merge(target: &mut Map<String, Value>, patch: &Map<String, Value>) {
    for (key, value) in patch {
        match value {
            Value::Null => {
                target.remove(key);
            }
            Value::Object(inner) => match target.get_mut(key) {
                Some(Value::Object(existing)) => deep_merge(existing, inner),
                _ => {
                    let mut fresh = Map::new();
                    deep_merge(&mut fresh, inner);
                    target.insert(key.clone(), Value::Object(fresh));
                }
            },
            other => {
                target.insert(key.clone(), other.clone());
            }
        }
    }
}

/// Parses an RFC 3339 / ISO 8601 date-time (`2024-01-02T03:04:05Z`, optional fraction, `Z` or
/// `±hh:mm`) into Unix milliseconds.
pub(crate) fn parse_rfc3339_ms(text: &str) -> Option<i64> {
    let b = text.trim().as_bytes();
    if b.len() < 20 {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = std::str::from_utf8(b.get(range)?).ok()?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    if second > 60 {
        return None;
    }
    let mut i = 19;
    let mut millis = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
        let frac = std::str::from_utf8(&b[start..i.min(start + 3)]).ok()?;
        let scale = [100, 10, 1];
        for (k, c) in frac.bytes().enumerate() {
            millis += i64::from(c - b'0') * scale[k];
        }
    }
    let offset_minutes = match b.get(i) {
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(sign @ (b'+' | b'-')) if i + 6 == b.len() && b[i + 3] == b':' => {
            let h = num(i + 1..i + 3)?;
            let m = num(i + 4..i + 6)?;
            let total = h * 60 + m;
            if *sign == b'+' { total } else { -total }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    Some(seconds * 1000 + millis)
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A plausible e-mail address: one `@`, a non-empty local part, a dotted domain, no spaces.
pub(crate) fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && s.len() <= 320
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// An E.164 phone number: `+`, a non-zero digit, 7 to 15 digits in all.
pub(crate) fn is_e164(s: &str) -> bool {
    let Some(digits) = s.strip_prefix('+') else {
        return false;
    };
    (7..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

/// An organization slug from a name: lowercase ASCII letters and digits joined by `-`.
pub(crate) fn slugify(name: &str) -> String {
    let mut slug = String::new();
    let mut dash = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if dash && !slug.is_empty() {
                slug.push('-');
            }
            slug.push(c.to_ascii_lowercase());
            dash = false;
        } else {
            dash = true;
        }
    }
    if slug.is_empty() {
        slug.push_str("organization");
    }
    slug
}

/// A valid organization slug: lowercase letters, digits, `-` and `_`.
pub(crate) fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// Case-insensitive substring test (`needle` already lowercase).
pub(crate) fn contains_ci(haystack: &str, needle_lower: &str) -> bool {
    haystack.to_lowercase().contains(needle_lower)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_are_unique_and_prefixed() {
        let ids = IdGen::new();
        let mut seen = std::collections::HashSet::new();
        for _ in 0..10_000 {
            let id = ids.next("user_", 1_700_000_000_000);
            assert!(id.starts_with("user_"));
            assert_eq!(id.len(), 5 + 27);
            assert!(seen.insert(id));
        }
    }

    #[test]
    fn merge_is_deep_and_null_deletes() {
        let mut target = json!({"a": {"b": 1, "c": 2}, "d": 3, "e": [1]});
        let patch = json!({"a": {"b": null, "x": {"y": null, "z": 1}}, "d": null, "e": [2]});
        deep_merge(target.as_object_mut().unwrap(), patch.as_object().unwrap());
        assert_eq!(target, json!({"a": {"c": 2, "x": {"z": 1}}, "e": [2]}));
    }

    #[test]
    fn rfc3339() {
        assert_eq!(parse_rfc3339_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339_ms("2024-02-29T12:30:45.123Z"),
            Some(1_709_209_845_123)
        );
        assert_eq!(
            parse_rfc3339_ms("2024-02-29T14:30:45+02:00"),
            Some(1_709_209_845_000)
        );
        assert_eq!(parse_rfc3339_ms("2024-13-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339_ms("yesterday"), None);
    }

    #[test]
    fn identifiers() {
        assert!(is_email("ada@example.com"));
        assert!(!is_email("ada@example"));
        assert!(!is_email("a b@example.com"));
        assert!(is_e164("+15555550100"));
        assert!(!is_e164("5555550100"));
        assert_eq!(slugify("  Acme, Inc. "), "acme-inc");
        assert!(is_slug("acme-inc_2"));
        assert!(!is_slug("Acme"));
        assert_eq!(random_token("mt_", 32).len(), 35);
    }
}

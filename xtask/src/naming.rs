//! Identifier conversion: spec names to Rust type, field and method names.

/// Splits an identifier into lower-case words at `_ . - space`, lower→upper changes, and the end of
/// an acronym (`SAMLConnection` → `saml`, `connection`). Digits stay with the word before them.
pub(crate) fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        if c.is_ascii_uppercase() && !current.is_empty() {
            let prev = chars.get(i.wrapping_sub(1)).copied().unwrap_or(' ');
            let next = chars.get(i + 1).copied().unwrap_or(' ');
            let boundary = prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next.is_ascii_lowercase());
            if boundary {
                words.push(std::mem::take(&mut current));
            }
        }
        current.push(c.to_ascii_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// `verification_otp` → `VerificationOtp`, `JWKS.rsa.PublicKey` → `JwksRsaPublicKey`,
/// `OAuthApplication` → `OAuthApplication`.
pub(crate) fn pascal(name: &str) -> String {
    let mut out = String::new();
    for word in words(name) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    // `OAuth` reads better than `Oauth`.
    let out = out.replace("Oauth", "OAuth");
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("V{out}")
    } else {
        out
    }
}

const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "static", "struct", "super", "trait", "true", "try", "type", "typeof",
    "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// `frontendApi` → `frontend_api`, `type` → `type_`, `statementID` → `statement_id`.
pub(crate) fn snake(name: &str) -> String {
    let joined = words(name).join("_");
    let joined = if joined.is_empty() {
        "value".to_owned()
    } else {
        joined
    };
    let joined = if joined.starts_with(|c: char| c.is_ascii_digit()) {
        format!("n{joined}")
    } else {
        joined
    };
    if KEYWORDS.contains(&joined.as_str()) {
        format!("{joined}_")
    } else {
        joined
    }
}

/// An enum variant name for a wire value: `-created_at` → `CreatedAtDesc`, `+name` → `NameAsc`.
pub(crate) fn variant(value: &str) -> String {
    let (body, suffix) = if let Some(rest) = value.strip_prefix('-') {
        (rest, "Desc")
    } else if let Some(rest) = value.strip_prefix('+') {
        (rest, "Asc")
    } else {
        (value, "")
    };
    let base = match (pascal(body), body) {
        (_, "*") => "Wildcard".to_owned(),
        (base, _) if base.is_empty() => "Empty".to_owned(),
        (base, _) => base,
    };
    format!("{base}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions() {
        assert_eq!(pascal("verification_otp"), "VerificationOtp");
        assert_eq!(pascal("JWKS.rsa.PublicKey"), "JwksRsaPublicKey");
        assert_eq!(pascal("SAMLConnection"), "SamlConnection");
        assert_eq!(pascal("OAuthApplication"), "OAuthApplication");
        assert_eq!(
            pascal("CommerceTotalsResponse-2"),
            "CommerceTotalsResponse2"
        );
        assert_eq!(pascal("RedirectURL.List"), "RedirectUrlList");
        assert_eq!(snake("frontendApi"), "frontend_api");
        assert_eq!(snake("statementID"), "statement_id");
        assert_eq!(snake("apiKeyID"), "api_key_id");
        assert_eq!(snake("type"), "type_");
        assert_eq!(snake("web3_wallet"), "web3_wallet");
        assert_eq!(variant("-created_at"), "CreatedAtDesc");
        assert_eq!(variant("+name"), "NameAsc");
        assert_eq!(variant("email_address"), "EmailAddress");
    }
}

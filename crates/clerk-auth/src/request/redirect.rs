//! Redirects to the sign-in and sign-up pages (`@clerk/backend`'s `createRedirect`).

use super::options::AuthenticateOptions;
use super::parse::EffectiveUrl;
use super::publishable_key::PublishableKey;

/// Builds the URLs that send a visitor to sign in or sign up and then back.
///
/// ```
/// use clerk_auth::request::{AuthenticateOptions, EffectiveUrl, PublishableKey, SignInRedirect};
///
/// let pk = PublishableKey::parse("pk_live_Y2xlcmsuZXhhbXBsZS5jb20k")?;
/// let options = AuthenticateOptions::new(pk);
/// let base = EffectiveUrl::parse("https://app.example.com/").unwrap();
/// let url = SignInRedirect::new(&options, &base).sign_in_url(Some("/billing")).unwrap();
/// assert_eq!(
///     url,
///     "https://accounts.example.com/sign-in?redirect_url=https%3A%2F%2Fapp.example.com%2Fbilling"
/// );
/// # Ok::<(), clerk_auth::request::PublishableKeyError>(())
/// ```
#[derive(Clone)]
pub struct SignInRedirect<'a> {
    options: &'a AuthenticateOptions,
    base: &'a EffectiveUrl,
    dev_browser_token: Option<&'a str>,
    session_pending: bool,
}

impl std::fmt::Debug for SignInRedirect<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInRedirect")
            .field("base", &self.base)
            .field(
                "dev_browser_token",
                &self.dev_browser_token.map(|_| crate::Redacted),
            )
            .field("session_pending", &self.session_pending)
            .finish_non_exhaustive()
    }
}

impl<'a> SignInRedirect<'a> {
    /// Redirects configured by `options` (sign-in and sign-up URLs, publishable key, satellite),
    /// for a request to `base`.
    pub fn new(options: &'a AuthenticateOptions, base: &'a EffectiveUrl) -> Self {
        SignInRedirect {
            options,
            base,
            dev_browser_token: None,
            session_pending: false,
        }
    }

    /// The development browser token, added to cross-origin targets of development instances.
    #[must_use]
    pub fn dev_browser_token(mut self, token: Option<&'a str>) -> Self {
        self.dev_browser_token = token;
        self
    }

    /// Whether the session is pending (has tasks left): the target becomes `<target>/tasks`.
    #[must_use]
    pub fn session_pending(mut self, pending: bool) -> Self {
        self.session_pending = pending;
        self
    }

    /// The sign-in URL: the configured one, else the Account Portal's `/sign-in`, with
    /// `redirect_url` set to `return_back_url` (resolved against the base URL) when given.
    /// `None` without a sign-in URL and a publishable key.
    pub fn sign_in_url(&self, return_back_url: Option<&str>) -> Option<String> {
        let target = match self.options.sign_in_url.as_deref() {
            Some(url) => self.resolve(url)?,
            None => self.accounts_page("sign-in")?,
        };
        Some(self.finish(target, return_back_url))
    }

    /// The sign-up URL: the configured one, else `<sign-in URL>/create`, else the Account
    /// Portal's `/sign-up`; `redirect_url` as for [`sign_in_url`](Self::sign_in_url).
    pub fn sign_up_url(&self, return_back_url: Option<&str>) -> Option<String> {
        let target = match (
            self.options.sign_up_url.as_deref(),
            self.options.sign_in_url.as_deref(),
        ) {
            (Some(url), _) => self.resolve(url)?,
            (None, Some(sign_in)) => {
                let mut url = self.resolve(sign_in)?;
                url.push_path("create");
                url
            }
            (None, None) => self.accounts_page("sign-up")?,
        };
        Some(self.finish(target, return_back_url))
    }

    fn resolve(&self, url: &str) -> Option<EffectiveUrl> {
        if url.starts_with('/') {
            EffectiveUrl::parse(&format!("{}{url}", self.base.origin()))
        } else {
            EffectiveUrl::parse(url)
        }
    }

    fn accounts_page(&self, page: &str) -> Option<EffectiveUrl> {
        let pk: &PublishableKey = self.options.publishable_key.as_ref()?;
        EffectiveUrl::parse(&format!(
            "https://{}/{page}",
            accounts_portal_host(pk.frontend_api())
        ))
    }

    fn finish(&self, mut target: EffectiveUrl, return_back_url: Option<&str>) -> String {
        let cross_origin = !target.host().eq_ignore_ascii_case(self.base.host());
        if let Some(back) = return_back_url.and_then(|url| self.resolve(url)) {
            let mut back = back;
            if cross_origin && self.options.is_satellite {
                back.set_query_param(super::names::SYNCED, "false");
            }
            target.set_query_param("redirect_url", &back.to_string());
        }
        let development = self
            .options
            .publishable_key
            .as_ref()
            .is_some_and(PublishableKey::is_development);
        if cross_origin && development {
            if let Some(token) = self.dev_browser_token {
                target.set_query_param(super::names::DEV_BROWSER, token);
            }
        }
        if self.session_pending {
            target.push_path("tasks");
        }
        target.to_string()
    }
}

/// The Account Portal host of a Frontend API host: `clerk.example.com` → `accounts.example.com`,
/// `foo-bar-13.clerk.accounts.dev` → `foo-bar-13.accounts.dev`.
pub(crate) fn accounts_portal_host(frontend_api: &str) -> String {
    if frontend_api.contains("clerk.accountsstage.") {
        frontend_api.replacen("clerk.accountsstage.", "accountsstage.", 1)
    } else if frontend_api.contains("clerk.accounts.") {
        frontend_api.replacen("clerk.accounts.", "accounts.", 1)
    } else {
        frontend_api.replacen("clerk.", "accounts.", 1)
    }
}

//! Errors: the Clerk-shaped error responses the emulator sends, and the errors its library API
//! returns.

use std::borrow::Cow;
use std::fmt;

use serde::Serialize;

/// An error response in Clerk's shape:
/// `{"errors":[{"code","message","long_message","meta":{"param_name"}}],"clerk_trace_id"}`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiError {
    pub(crate) status: u16,
    pub(crate) errors: Vec<ErrorItem>,
    pub(crate) retry_after: Option<u64>,
}

/// One entry of `errors`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct ErrorItem {
    pub(crate) code: Cow<'static, str>,
    pub(crate) message: Cow<'static, str>,
    pub(crate) long_message: String,
    #[serde(skip_serializing_if = "Meta::is_empty")]
    pub(crate) meta: Meta,
}

/// `meta` of an error entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub(crate) struct Meta {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) param_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) operation_id: Option<&'static str>,
}

impl Meta {
    fn is_empty(&self) -> bool {
        self.param_name.is_none() && self.operation_id.is_none()
    }
}

#[derive(Serialize)]
struct Body<'a> {
    errors: &'a [ErrorItem],
    clerk_trace_id: &'a str,
}

impl ApiError {
    /// An error with one entry.
    pub(crate) fn new(
        status: u16,
        code: &'static str,
        message: impl Into<Cow<'static, str>>,
        long_message: impl Into<String>,
    ) -> ApiError {
        ApiError {
            status,
            errors: vec![ErrorItem {
                code: Cow::Borrowed(code),
                message: message.into(),
                long_message: long_message.into(),
                meta: Meta::default(),
            }],
            retry_after: None,
        }
    }

    /// Sets `meta.param_name` on every entry.
    pub(crate) fn param(mut self, name: impl Into<String>) -> ApiError {
        let name = name.into();
        for item in &mut self.errors {
            item.meta.param_name = Some(name.clone());
        }
        self
    }

    /// The first entry's code.
    pub(crate) fn code(&self) -> &str {
        self.errors.first().map_or("", |e| &e.code)
    }

    /// The JSON body, with the given trace id.
    pub(crate) fn body(&self, trace_id: &str) -> Vec<u8> {
        let body = Body {
            errors: &self.errors,
            clerk_trace_id: trace_id,
        };
        serde_json::to_vec(&body).unwrap_or_else(|_| {
            br#"{"errors":[{"code":"internal_clerk_error","message":"error","long_message":"error"}]}"#
                .to_vec()
        })
    }

    // ---- the codes the emulator uses -------------------------------------------------------

    /// 404 `resource_not_found`.
    pub(crate) fn not_found(what: &str) -> ApiError {
        ApiError::new(
            404,
            "resource_not_found",
            "not found",
            format!("{what} not found"),
        )
    }

    /// 422 `form_identifier_exists`.
    pub(crate) fn identifier_exists(param: &str, what: &str) -> ApiError {
        let message = format!("That {what} is taken. Please try another.");
        ApiError::new(422, "form_identifier_exists", message.clone(), message).param(param)
    }

    /// 422 `form_param_missing`.
    pub(crate) fn param_missing(param: &str) -> ApiError {
        ApiError::new(
            422,
            "form_param_missing",
            "is missing",
            format!("{param} must be included."),
        )
        .param(param)
    }

    /// 422 `form_param_format_invalid`.
    pub(crate) fn format_invalid(param: &str, long: impl Into<String>) -> ApiError {
        ApiError::new(422, "form_param_format_invalid", "is invalid", long).param(param)
    }

    /// 422 `form_param_value_invalid`.
    pub(crate) fn value_invalid(param: &str, long: impl Into<String>) -> ApiError {
        ApiError::new(422, "form_param_value_invalid", "is invalid", long).param(param)
    }

    /// 422 `form_param_unknown`.
    pub(crate) fn param_unknown(param: &str) -> ApiError {
        ApiError::new(
            422,
            "form_param_unknown",
            "is unknown",
            format!("{param} is not a valid parameter for this request."),
        )
        .param(param)
    }

    /// 401 `clerk_key_invalid`.
    pub(crate) fn key_invalid() -> ApiError {
        ApiError::new(
            401,
            "clerk_key_invalid",
            "Secret Key is invalid",
            "The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret Key is correct.",
        )
    }

    /// 400 `malformed_request_body`.
    pub(crate) fn malformed(long: impl Into<String>) -> ApiError {
        ApiError::new(
            400,
            "malformed_request_body",
            "malformed request body",
            long,
        )
    }

    /// 413 `request_body_too_large`.
    pub(crate) fn too_large(limit: usize) -> ApiError {
        ApiError::new(
            413,
            "request_body_too_large",
            "request body too large",
            format!("The request body exceeds the emulator's limit of {limit} bytes."),
        )
    }

    /// 501 `not_implemented`, naming the operation.
    pub(crate) fn not_implemented(
        operation_id: &'static str,
        method: &str,
        path: &str,
    ) -> ApiError {
        let mut error = ApiError::new(
            501,
            "not_implemented",
            "not implemented by clerk-testkit",
            format!(
                "The operation {operation_id} ({method} {path}) is not emulated by clerk-testkit."
            ),
        );
        for item in &mut error.errors {
            item.meta.operation_id = Some(operation_id);
        }
        error
    }

    /// 500 `internal_clerk_error`.
    pub(crate) fn internal(long: impl Into<String>) -> ApiError {
        ApiError::new(500, "internal_clerk_error", "internal error", long)
    }

    /// 403 with the given code.
    pub(crate) fn forbidden(code: &'static str, long: impl Into<String>) -> ApiError {
        ApiError::new(403, code, "forbidden", long)
    }

    /// 400 with the given code.
    pub(crate) fn bad_request(code: &'static str, long: impl Into<String>) -> ApiError {
        let long = long.into();
        ApiError::new(400, code, long.clone(), long)
    }

    /// 422 with the given code, the message repeated as long message.
    pub(crate) fn unprocessable(code: &'static str, message: impl Into<String>) -> ApiError {
        let message = message.into();
        ApiError::new(422, code, message.clone(), message)
    }
}

/// Why a [`Testkit`](crate::Testkit) could not start.
#[derive(Debug)]
#[non_exhaustive]
pub enum StartError {
    /// Binding the listening socket failed.
    Bind(std::io::Error),
    /// The signing key given to the builder is unusable.
    SigningKey(String),
    /// A builder setting is invalid (secret key, instance id, limits…).
    Config(String),
    /// The state file could not be read or parsed.
    State(String),
    /// A seed entry was rejected by the emulated API; the message carries Clerk's error.
    Seed(String),
    /// Building the webhook HTTP client failed.
    Client(String),
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::Bind(e) => write!(f, "could not bind the emulator's socket: {e}"),
            StartError::SigningKey(e) => write!(f, "unusable signing key: {e}"),
            StartError::Config(e) => write!(f, "invalid testkit configuration: {e}"),
            StartError::State(e) => write!(f, "could not load the state: {e}"),
            StartError::Seed(e) => write!(f, "a seed entry was rejected: {e}"),
            StartError::Client(e) => write!(f, "could not build the webhook client: {e}"),
        }
    }
}

impl std::error::Error for StartError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StartError::Bind(e) => Some(e),
            _ => None,
        }
    }
}

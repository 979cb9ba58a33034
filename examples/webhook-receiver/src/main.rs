//! Runs the webhook receiver.
//!
//! ```text
//! CLERK_WEBHOOK_SIGNING_SECRET=whsec_… cargo run -p webhook-receiver
//! ```
//!
//! A receiver that also calls the Backend API builds one client and takes its verifier:
//! `clerk::Clerk::from_env()?.webhook()` (the same secret, and the client's clock).
//!
//! Listens on `127.0.0.1:3000` (set `ADDR` to change it). Point a Clerk webhook endpoint at
//! `/webhooks/clerk`, for example through a tunnel while developing.
#![allow(clippy::print_stderr)] // a command-line program reports where it listens

use clerk::auth::webhooks::Webhook;
use webhook_receiver::{AppState, app};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let webhook = Webhook::from_env()?;
    let addr = std::env::var("ADDR").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    eprintln!(
        "listening on http://{}/webhooks/clerk",
        listener.local_addr()?
    );
    axum::serve(listener, app(AppState::new(webhook))).await?;
    Ok(())
}

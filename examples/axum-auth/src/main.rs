//! Runs the protected service.
//!
//! ```text
//! CLERK_SECRET_KEY=sk_test_… CLERK_PUBLISHABLE_KEY=pk_test_… cargo run -p axum-auth
//! ```
//!
//! Listens on `127.0.0.1:3000` (set `ADDR` to change it).
#![allow(clippy::print_stderr)] // a command-line program reports where it listens

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // CLERK_SECRET_KEY, CLERK_PUBLISHABLE_KEY, and CLERK_JWT_KEY (networkless) or the JWKS;
    // CLERK_AUTHORIZED_PARTIES for the origins your frontends run on.
    // A request handler should not wait on Clerk for long: 10 s per Backend API call in all.
    let clerk = clerk::ClerkBuilder::from_env()?
        .call_timeout(std::time::Duration::from_secs(10))
        .build()?;
    let app = axum_auth::app(&clerk);
    let addr = std::env::var("ADDR").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    eprintln!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}

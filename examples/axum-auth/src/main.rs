//! Runs the protected service.
//!
//! ```text
//! CLERK_JWT_KEY="$(cat jwt-key.pem)" CLERK_PUBLISHABLE_KEY=pk_test_… cargo run -p axum-auth
//! ```
//!
//! Listens on `127.0.0.1:3000` (set `ADDR` to change it).
#![allow(clippy::print_stderr)] // a command-line program reports where it listens

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (users, machines) = axum_auth::layers_from_env()?;
    let app = axum_auth::app(users, machines);
    let addr = std::env::var("ADDR").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    eprintln!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}

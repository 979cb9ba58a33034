//! Runs the protected service.
//!
//! ```text
//! CLERK_SECRET_KEY=sk_test_… CLERK_PUBLISHABLE_KEY=pk_test_… \
//!   CLERK_WEBHOOK_SIGNING_SECRET=whsec_… cargo run -p actix-auth
//! ```
//!
//! Listens on `127.0.0.1:3000` (set `ADDR` to change it).
#![allow(clippy::print_stderr)] // a command-line program reports where it listens

use actix_web::{App, HttpServer};

#[actix_web::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // CLERK_SECRET_KEY, CLERK_PUBLISHABLE_KEY, and CLERK_JWT_KEY (networkless) or the JWKS;
    // CLERK_AUTHORIZED_PARTIES for the origins your frontends run on;
    // CLERK_WEBHOOK_SIGNING_SECRET for the webhook route.
    let clerk = clerk::Clerk::from_env()?;
    let addr = std::env::var("ADDR").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    let server =
        HttpServer::new(move || App::new().configure(|config| actix_auth::routes(config, &clerk)))
            .bind(&addr)?;
    for bound in server.addrs() {
        eprintln!("listening on http://{bound}");
    }
    server.run().await?;
    Ok(())
}

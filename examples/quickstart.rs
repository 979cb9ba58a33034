//! The main example: list a few users and organizations of your Clerk instance.
//!
//! ```sh
//! CLERK_SECRET_KEY=sk_test_... cargo run -p clerk --example quickstart
//! ```
//!
//! Without `CLERK_SECRET_KEY` it cannot reach Clerk (the offline emulator is not built yet), so it
//! shows what it can offline — configuration checks, secret redaction and typed errors — and says
//! how to run it for real.

#![allow(clippy::print_stdout)] // an example talks to its user

use clerk::Clerk;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    if std::env::var_os("CLERK_SECRET_KEY").is_none() {
        return offline_tour().await;
    }
    // CLERK_SECRET_KEY, plus CLERK_PUBLISHABLE_KEY, CLERK_JWT_KEY… when set; no call may take
    // more than 20 s, retries included.
    let clerk = clerk::ClerkBuilder::from_env()?
        .call_timeout(std::time::Duration::from_secs(20))
        .build()?;

    let users = clerk
        .users()
        .list()
        .limit(5)
        .order_by("-created_at")
        .await?;
    println!("{} most recent users:", users.data.len());
    for user in &users.data {
        let email = user
            .email_addresses
            .first()
            .map_or("(no email)", |e| e.email_address.as_str());
        println!("  {}  {email}", user.id);
    }

    let organizations = clerk.organizations().list().limit(5).await?;
    println!(
        "{} organizations in total; first page has {}",
        organizations.total_count.unwrap_or(0),
        organizations.data.len()
    );

    match clerk.users().get("user_does_not_exist").await {
        Err(err) if err.is_not_found() => println!("a missing user is a typed 404: {err}"),
        other => println!("unexpected: {other:?}"),
    }
    Ok(())
}

async fn offline_tour() -> Result<(), Box<dyn std::error::Error>> {
    println!("CLERK_SECRET_KEY is not set, so this run stays offline.");
    println!("Set it to a development instance's secret key to list real users:");
    println!("  CLERK_SECRET_KEY=sk_test_... cargo run -p clerk --example quickstart\n");

    match Clerk::new("") {
        Err(err) => println!("an empty key is a configuration error: {err}"),
        Ok(_) => println!("unexpected: an empty key was accepted"),
    }

    let clerk = Clerk::builder()
        .secret_key("sk_test_offline_example_key")
        .api_url("http://127.0.0.1:9")
        .build()?;
    println!("the client's Debug output redacts the key: {clerk:?}");

    match clerk.users().get("../admin").await {
        Err(err) => println!("a path-traversal id is refused before any I/O: {err}"),
        Ok(_) => println!("unexpected: the request was sent"),
    }
    Ok(())
}

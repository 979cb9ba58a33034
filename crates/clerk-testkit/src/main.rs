//! `clerk-testkit`: the emulator as a standalone server, for apps in any language.
//!
//! ```text
//! cargo run -p clerk-testkit -- --port 4010
//! ```
//!
//! prints the `export` lines that point a Clerk SDK at it. See `--help`.

// A command-line program: its output is the point.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clerk_testkit::{Testkit, TestkitBuilder};

const HELP: &str = "\
clerk-testkit — an offline emulator of the Clerk Backend API

USAGE:
    clerk-testkit [OPTIONS]

OPTIONS:
    --port <PORT>                 Port to listen on (default 4010; 0 picks a free port)
    --host <ADDRESS>              Address to bind (default 127.0.0.1). The publishable key and
                                  the `iss` of tokens name this address.
    --instance-id <ID>            Instance id, also the `kid` of tokens (default: random, or the
                                  one in --state)
    --secret-key <KEY>            Secret key clients must send (default: random sk_test_…, or the
                                  one in --state)
    --state <FILE>                Load the state from FILE at start (if it exists) and write it
                                  back atomically on shutdown (SIGTERM, Ctrl-C) and periodically
    --save-interval <SECONDS>     How often --state is written when something changed
                                  (default 30; 0 saves only on shutdown)
    --webhook <URL>               Deliver every event to URL, Svix-signed (repeatable)
    --webhook-secret <SECRET>     The whsec_… secret webhooks are signed with (default: random,
                                  or the one in --state)
    --authorized-party <ORIGIN>   The `azp` of session tokens (default http://localhost:3000;
                                  `none` omits it)
    --session-token-lifetime <S>  Session-token lifetime in seconds (default 60)
    --body-limit <BYTES>          Largest request body (default 1048576)
    --quiet                       Print only the export lines
    -h, --help                    Print this help
    -V, --version                 Print the version

The Backend API is served under http://<host>:<port>/v1 (the M2M-token and API-key endpoints
also without /v1). Operations the emulator does not implement answer 501 not_implemented.
The signing key is a public test key: never trust its tokens outside development.
";

struct Args {
    port: u16,
    host: IpAddr,
    instance_id: Option<String>,
    secret_key: Option<String>,
    state: Option<PathBuf>,
    save_interval: Duration,
    webhooks: Vec<String>,
    webhook_secret: Option<String>,
    authorized_party: Option<Option<String>>,
    session_token_lifetime: Option<Duration>,
    body_limit: Option<usize>,
    quiet: bool,
}

enum Parsed {
    Run(Box<Args>),
    Help,
    Version,
}

fn parse(args: impl IntoIterator<Item = String>) -> Result<Parsed, String> {
    let mut parsed = Args {
        port: 4010,
        host: IpAddr::from([127, 0, 0, 1]),
        instance_id: None,
        secret_key: None,
        state: None,
        save_interval: Duration::from_secs(30),
        webhooks: Vec::new(),
        webhook_secret: None,
        authorized_party: None,
        session_token_lifetime: None,
        body_limit: None,
        quiet: false,
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Parsed::Help),
            "-V" | "--version" => return Ok(Parsed::Version),
            "--quiet" => parsed.quiet = true,
            "--port" => {
                let v = value("--port")?;
                parsed.port = v.parse().map_err(|_| format!("invalid port {v:?}"))?;
            }
            "--host" => {
                let v = value("--host")?;
                parsed.host = v.parse().map_err(|_| format!("invalid address {v:?}"))?;
            }
            "--instance-id" => parsed.instance_id = Some(value("--instance-id")?),
            "--secret-key" => parsed.secret_key = Some(value("--secret-key")?),
            "--state" => parsed.state = Some(PathBuf::from(value("--state")?)),
            "--save-interval" => {
                let v = value("--save-interval")?;
                let secs: u64 = v.parse().map_err(|_| format!("invalid interval {v:?}"))?;
                parsed.save_interval = Duration::from_secs(secs);
            }
            "--webhook" => parsed.webhooks.push(value("--webhook")?),
            "--webhook-secret" => parsed.webhook_secret = Some(value("--webhook-secret")?),
            "--authorized-party" => {
                let v = value("--authorized-party")?;
                parsed.authorized_party = Some((v != "none").then_some(v));
            }
            "--session-token-lifetime" => {
                let v = value("--session-token-lifetime")?;
                let secs: u64 = v.parse().map_err(|_| format!("invalid lifetime {v:?}"))?;
                parsed.session_token_lifetime = Some(Duration::from_secs(secs));
            }
            "--body-limit" => {
                let v = value("--body-limit")?;
                parsed.body_limit = Some(v.parse().map_err(|_| format!("invalid limit {v:?}"))?);
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Parsed::Run(Box::new(parsed)))
}

fn builder(args: &Args) -> Result<TestkitBuilder, String> {
    let mut builder = Testkit::builder().port(args.port).bind(args.host);
    if let Some(path) = &args.state {
        builder = builder.state_file(path).map_err(|e| e.to_string())?;
    }
    if let Some(id) = &args.instance_id {
        builder = builder.instance_id(id);
    }
    if let Some(key) = &args.secret_key {
        builder = builder.secret_key(key);
    }
    if let Some(secret) = &args.webhook_secret {
        builder = builder.webhook_secret(secret);
    }
    for url in &args.webhooks {
        builder = builder.webhook_endpoint(url);
    }
    if let Some(party) = &args.authorized_party {
        builder = builder.authorized_party(party.clone());
    }
    if let Some(lifetime) = args.session_token_lifetime {
        builder = builder.session_token_lifetime(lifetime);
    }
    if let Some(limit) = args.body_limit {
        builder = builder.body_limit(limit);
    }
    Ok(builder)
}

fn announce(testkit: &Testkit, args: &Args) {
    if !args.quiet {
        println!("clerk-testkit listening on {}", testkit.api_url());
        println!("  instance {}", testkit.instance_id());
        for endpoint in testkit.webhooks().endpoints() {
            println!("  webhooks → {}", endpoint.url());
        }
        if let Some(path) = &args.state {
            println!("  state    {}", path.display());
        }
        println!();
        println!("# Point a Clerk SDK here:");
    }
    println!("export CLERK_API_URL={}", testkit.api_url());
    println!("export CLERK_SECRET_KEY={}", testkit.secret_key());
    println!("export CLERK_PUBLISHABLE_KEY={}", testkit.publishable_key());
    println!(
        "export CLERK_WEBHOOK_SIGNING_SECRET={}",
        testkit.webhooks().secret()
    );
    println!(
        "export CLERK_JWT_KEY='{}'",
        testkit.public_key_pem().trim_end()
    );
    if !args.quiet {
        println!();
        println!("# Stop with Ctrl-C (or SIGTERM).");
    }
}

fn save(testkit: &Testkit, path: &std::path::Path) {
    if let Err(error) = testkit.save_state(path) {
        eprintln!(
            "clerk-testkit: could not save the state to {}: {error}",
            path.display()
        );
    }
}

/// SIGTERM and Ctrl-C, registered before anything is printed (a signal that arrives between
/// the printed keys and the first poll would otherwise kill the process without saving).
struct Signals {
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    int: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    fn register() -> Signals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Signals {
                term: signal(SignalKind::terminate()).ok(),
                int: signal(SignalKind::interrupt()).ok(),
            }
        }
        #[cfg(not(unix))]
        {
            Signals {}
        }
    }

    async fn recv(&mut self) {
        #[cfg(unix)]
        {
            async fn on(signal: &mut Option<tokio::signal::unix::Signal>) {
                match signal {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            }
            tokio::select! {
                () = on(&mut self.term) => {}
                () = on(&mut self.int) => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

async fn run(args: Args) -> Result<(), String> {
    let mut signals = Signals::register();
    let testkit = builder(&args)?.start().await.map_err(|e| e.to_string())?;
    announce(&testkit, &args);
    let mut saved = testkit.generation();
    if let Some(path) = &args.state {
        // Write the file right away, so the keys printed above survive a crash.
        save(&testkit, path);
    }
    let periodic = !args.save_interval.is_zero() && args.state.is_some();
    let mut ticker = tokio::time::interval(if periodic {
        args.save_interval
    } else {
        Duration::from_secs(3600)
    });
    ticker.tick().await;
    loop {
        tokio::select! {
            () = signals.recv() => break,
            _ = ticker.tick(), if periodic => {
                if let Some(path) = &args.state {
                    let generation = testkit.generation();
                    if generation != saved {
                        tokio::task::block_in_place(|| save(&testkit, path));
                        saved = generation;
                    }
                }
            }
        }
    }
    if !args.quiet {
        println!("clerk-testkit shutting down");
    }
    if let Some(path) = &args.state {
        save(&testkit, path);
    }
    testkit.shutdown().await;
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(Parsed::Run(args)) => args,
        Ok(Parsed::Help) => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Ok(Parsed::Version) => {
            println!("clerk-testkit {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("clerk-testkit: {message}\n\n{HELP}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("clerk-testkit: could not start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(*args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("clerk-testkit: {message}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Result<Parsed, String> {
        parse(list.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn parses_every_flag() {
        let Ok(Parsed::Run(a)) = args(&[
            "--port=0",
            "--host",
            "0.0.0.0",
            "--state",
            "s.json",
            "--save-interval",
            "5",
            "--webhook",
            "http://a/1",
            "--webhook",
            "http://b/2",
            "--authorized-party",
            "none",
            "--session-token-lifetime",
            "120",
            "--body-limit",
            "10",
            "--quiet",
        ]) else {
            panic!("not parsed");
        };
        assert_eq!(a.port, 0);
        assert_eq!(a.host.to_string(), "0.0.0.0");
        assert_eq!(a.webhooks.len(), 2);
        assert_eq!(a.authorized_party, Some(None));
        assert_eq!(a.save_interval, Duration::from_secs(5));
        assert!(a.quiet);
        assert!(matches!(args(&["--help"]), Ok(Parsed::Help)));
        assert!(args(&["--port"]).is_err());
        assert!(args(&["--port", "x"]).is_err());
        assert!(args(&["--nope"]).is_err());
    }

    #[test]
    fn help_documents_every_flag() {
        for flag in [
            "--port",
            "--host",
            "--instance-id",
            "--secret-key",
            "--state",
            "--save-interval",
            "--webhook ",
            "--webhook-secret",
            "--authorized-party",
            "--session-token-lifetime",
            "--body-limit",
            "--quiet",
            "--help",
            "--version",
        ] {
            assert!(HELP.contains(flag), "{flag}");
        }
    }
}

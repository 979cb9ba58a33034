#![allow(clippy::print_stdout, clippy::print_stderr)] // a command-line tool prints
//! Project automation for the Clerk Rust SDK.
//!
//! `cargo xtask codegen --spec ../shared/openapi/bapi-2026-05-12.yml [--check]` turns Clerk's
//! Backend API OpenAPI document into the models and operation builders under
//! `crates/clerk-api/src/generated/`. The spec itself is never committed: its version and SHA-256
//! are pinned in `codegen/spec.lock`, and `--check` fails when the committed output differs from
//! what the spec generates. `codegen/operations.txt` maps every operation to its handle and
//! method; `codegen/overlay.txt` adds the request parameters the live API takes beyond the spec.
//!
//! The same run also generates the typed webhook events of `clerk-auth`
//! (`crates/clerk-auth/src/webhooks/generated/`) from the webhooks spec given by
//! `--webhooks-spec PATH` (default `../shared/openapi/webhooks-2025-04-15.yml`), pinned and
//! checked the same way.

mod codegen;
mod naming;
mod redaction;
mod sha256;
mod spec;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str =
    "usage: cargo xtask codegen --spec PATH [--webhooks-spec PATH] [--check] [--report]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> Result<ExitCode, String> {
    let Some((command, rest)) = args.split_first() else {
        return Err(USAGE.to_owned());
    };
    if command != "codegen" {
        return Err(format!("unknown command `{command}`\n{USAGE}"));
    }
    let mut spec_path: Option<PathBuf> = None;
    let mut webhooks_spec_path: Option<PathBuf> = None;
    let mut check = false;
    let mut report = false;
    let mut iter = rest.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--spec" => {
                let value = iter.next().ok_or("--spec needs a path")?;
                spec_path = Some(PathBuf::from(value));
            }
            "--webhooks-spec" => {
                let value = iter.next().ok_or("--webhooks-spec needs a path")?;
                webhooks_spec_path = Some(PathBuf::from(value));
            }
            "--check" => check = true,
            "--report" => report = true,
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    let root = workspace_root()?;
    let spec_path = spec_path.unwrap_or_else(|| root.join("../shared/openapi/bapi-2026-05-12.yml"));
    let webhooks_spec_path = webhooks_spec_path
        .unwrap_or_else(|| root.join("../shared/openapi/webhooks-2025-04-15.yml"));
    let options = codegen::Options {
        root,
        spec_path,
        webhooks_spec_path,
        check,
        report,
    };
    codegen::run(&options)
}

fn workspace_root() -> Result<PathBuf, String> {
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR")
        .map_err(|_| "CARGO_MANIFEST_DIR is not set: run through `cargo xtask`".to_owned())?;
    PathBuf::from(manifest_dir)
        .parent()
        .map(PathBuf::from)
        .ok_or_else(|| "xtask has no parent directory".to_owned())
}

//! The standalone binary: it starts, prints the keys, answers `GET /v1/users`, shuts down
//! cleanly on SIGTERM with its state saved, and starts again from that state.
#![cfg(unix)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_clerk-testkit");

/// Starts the binary and reads its `export NAME=value` lines.
fn start(args: &[&str]) -> (Child, HashMap<String, String>) {
    let mut child = Command::new(BIN)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut exports = HashMap::new();
    let mut lines = BufReader::new(stdout).lines();
    while let Some(Ok(line)) = lines.next() {
        if let Some(rest) = line.strip_prefix("export ") {
            let (name, value) = rest.split_once('=').unwrap();
            exports.insert(name.to_owned(), value.to_owned());
        }
        if line.starts_with("export CLERK_JWT_KEY") || exports.len() == 5 {
            break;
        }
    }
    // Keep draining stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, exports)
}

fn terminate(mut child: Child) -> std::process::ExitStatus {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    for _ in 0..100 {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    panic!("the binary did not exit within 5 s of SIGTERM");
}

fn client(exports: &HashMap<String, String>) -> clerk_api::Clerk {
    clerk_api::Clerk::from_builder(
        clerk_api::Clerk::builder()
            .secret_key(&exports["CLERK_SECRET_KEY"])
            .api_url(&exports["CLERK_API_URL"]),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_then_saves_its_state_on_sigterm() {
    let dir = std::env::temp_dir().join(format!("clerk-testkit-bin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.json");
    let _ = std::fs::remove_file(&state);
    let state_arg = state.to_str().unwrap();

    let (child, exports) = start(&["--port", "0", "--state", state_arg, "--save-interval", "1"]);
    assert!(exports["CLERK_API_URL"].starts_with("http://127.0.0.1:"));
    assert!(exports["CLERK_SECRET_KEY"].starts_with("sk_test_"));
    assert!(exports["CLERK_PUBLISHABLE_KEY"].starts_with("pk_test_"));
    assert!(exports["CLERK_WEBHOOK_SIGNING_SECRET"].starts_with("whsec_"));
    assert!(exports["CLERK_JWT_KEY"].starts_with("'-----BEGIN PUBLIC KEY-----"));

    let clerk = client(&exports);
    assert!(clerk.users().list().await.unwrap().is_empty());
    let user = clerk
        .users()
        .create()
        .email_address(["persist@example.com"])
        .await
        .unwrap();

    // Saved periodically while running (within the 1 s interval, with some slack).
    let mut saved_while_running = false;
    for _ in 0..60 {
        if std::fs::read_to_string(&state).is_ok_and(|s| s.contains(&user.id)) {
            saved_while_running = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        saved_while_running,
        "the state file was not rewritten within 3 s"
    );

    let status = terminate(child);
    assert!(status.success(), "{status:?}");
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    assert_eq!(saved["secret_key"], exports["CLERK_SECRET_KEY"].as_str());
    assert!(saved["state"]["users"].get(&user.id).is_some());
    assert!(!dir.join("state.json.tmp").exists(), "written atomically");

    // Restarted from the file: same keys, same data.
    let (child, again) = start(&["--port", "0", "--state", state_arg, "--quiet"]);
    assert_eq!(again["CLERK_SECRET_KEY"], exports["CLERK_SECRET_KEY"]);
    let users = client(&again).users().list().await.unwrap();
    assert_eq!(users.data[0].id, user.id);
    assert!(terminate(child).success());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn help_and_bad_arguments() {
    let help = Command::new(BIN).arg("--help").output().unwrap();
    assert!(help.status.success());
    let text = String::from_utf8(help.stdout).unwrap();
    for flag in ["--port", "--state", "--webhook", "--secret-key", "--help"] {
        assert!(text.contains(flag), "{flag}");
    }
    let bad = Command::new(BIN).arg("--frobnicate").output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

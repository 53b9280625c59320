//! `guichet serve --demo`, README's first command, tells its story cleanly: each step in words,
//! values without JSON quotes, dates as people write them, and the log lines in a file rather
//! than between the steps.

use crate::harness::{PATIENCE, guichet_command};
use std::io::BufRead as _;
use std::process::Stdio;

#[test]
fn the_demo_tells_a_clean_story_and_logs_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let data = dir.path().join("data");
    let mut child = guichet_command()
        .args([
            "serve",
            "--demo",
            "--addr",
            &format!("127.0.0.1:{port}"),
            "--data",
        ])
        .arg(&data)
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the guichet binary starts");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut story = Vec::new();
    while let Ok(line) = rx.recv_timeout(PATIENCE) {
        let done = line.starts_with("Done:");
        story.push(line);
        if done {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let text = story.join("\n");
    assert!(text.contains("Done:"), "the demo did not finish:\n{text}");
    for n in 1..=8 {
        assert!(
            text.contains(&format!("[{n}]")),
            "step {n} missing:\n{text}"
        );
    }
    // The front ends' addresses, and the notify step's messages, in the story too.
    assert!(text.contains("/verifier#GCH1"), "{text}");
    assert!(
        text.contains("3 SMS to the citizen"),
        "paid, approved and issued, each told:\n{text}"
    );
    for line in &story {
        assert!(
            !line.trim_start().starts_with('{'),
            "a log line in the story: {line}"
        );
        if line.starts_with("    ") {
            assert!(!line.contains('"'), "a quoted value: {line}");
        }
    }
    let issued = story
        .iter()
        .find(|l| l.contains("valid until"))
        .expect("the issue step says until when");
    let months = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    assert!(
        months.iter().any(|m| issued.contains(m)) && !issued.contains('T'),
        "dates as people write them: {issued}"
    );
    let log = std::fs::read_to_string(data.join("serve.log")).expect("the log file");
    assert!(
        log.lines().any(|l| l.starts_with('{')),
        "JSON log lines in the file"
    );
}

//! README's walk-through with curl, run as written (issue 27, item 13): its two blocks, twice,
//! against a server of their own. The second run must go as the first did: nothing in the
//! blocks may depend on a fresh data directory (a fixed transaction id made the second payment a
//! duplicate, and the PDF a JSON 404).

use crate::harness::{PATIENCE, Server};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// The shell blocks of README's "Walk-through with curl" that run against a server: the first
/// two of the section (the third needs a PDF reader's certificate store).
fn walk_through() -> String {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("README.md");
    let start = readme
        .find("## Walk-through with curl")
        .expect("README has its walk-through");
    let section = &readme[start..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |e| e + 3)];
    let blocks: Vec<&str> = section
        .split("```sh\n")
        .skip(1)
        .map(|b| &b[..b.find("```").expect("a block ends")])
        .take(2)
        .collect();
    assert_eq!(blocks.len(), 2, "the walk-through's two blocks");
    blocks.concat()
}

fn run(script: &str, dir: &Path, server: &Server, bin: &Path) -> (bool, String) {
    std::fs::create_dir_all(dir).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut child = Command::new("bash")
        .args(["-c", &format!("set -euo pipefail\n{script}")])
        .current_dir(dir)
        .env_clear()
        .env("PATH", path)
        .env("HOME", dir)
        .env("GUICHET_URL", &server.base)
        .env("GUICHET_DATA", &server.data)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("bash runs");
    let deadline = Instant::now() + PATIENCE;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}\n--- stderr ---\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test]
async fn the_readme_walk_through_runs_as_written_twice() {
    let script = walk_through();
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::new(dir.path(), &[]);
    server.start().await;
    // `guichet` on the PATH is this build's binary, as an installed one would be.
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_guichet"), bin.join("guichet")).unwrap();
    for round in 1..=2 {
        let work = dir.path().join(format!("run-{round}"));
        // The server is another process: waiting here holds nothing it needs.
        let (ok, said) = run(&script, &work, &server, &bin);
        assert!(ok, "run {round} failed:\n{said}");
        assert_eq!(said.matches("applied").count(), 2, "run {round}:\n{said}");
        assert!(
            said.contains(r#""status": "valid""#),
            "run {round}:\n{said}"
        );
        assert!(said.contains("certificate issued"), "run {round}:\n{said}");
        let pdf = std::fs::read(work.join("extrait.pdf")).unwrap();
        assert!(
            pdf.starts_with(b"%PDF-"),
            "run {round}: the extract is a PDF"
        );
    }
    server.terminate();
}

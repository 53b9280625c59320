//! The `guichet` command as a newcomer meets it: alone, with a wrong role, and `token` run where
//! no server keeps its secrets, or from a folder below the repository's root.

use crate::harness::guichet_command;
use std::path::Path;
use std::process::Output;

fn run(dir: &Path, args: &[&str]) -> Output {
    guichet_command()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the guichet binary runs")
}

fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

#[test]
fn guichet_alone_lists_the_commands_and_the_first_two_steps() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &[]);
    assert!(out.status.success(), "{out:?}");
    let stdout = text(&out.stdout);
    for expected in [
        "serve",
        "token",
        "verify",
        "guichet serve --demo",
        "--role clerk",
    ] {
        assert!(stdout.contains(expected), "{expected:?} not in {stdout}");
    }
}

#[test]
fn an_unknown_role_is_refused_with_the_list() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &["token", "--init", "--role", "wizard"]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    for role in ["applicant", "clerk", "signatory", "admin"] {
        assert!(stderr.contains(role), "{role} not in {stderr}");
    }
    assert!(!dir.path().join(".guichet").exists(), "nothing made");
}

#[test]
fn token_makes_no_secrets_unless_told_and_finds_the_data_directory_above() {
    let root = tempfile::tempdir().unwrap();
    let out = run(root.path(), &["token"]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("--init") && stderr.contains("guichet serve"),
        "{stderr}"
    );
    assert!(!root.path().join(".guichet").exists(), "no secrets made");

    let out = run(root.path(), &["token", "--init"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(text(&out.stdout).trim().split('.').count(), 3, "a JWT");
    assert!(root.path().join(".guichet/secrets/jwt.key").exists());

    // From a folder below, in the same repository, the same directory's secrets sign.
    std::fs::create_dir(root.path().join(".git")).unwrap();
    let deep = root.path().join("shared/core");
    std::fs::create_dir_all(&deep).unwrap();
    let out = run(&deep, &["token", "--role", "clerk", "--office", "TGI-KAY"]);
    assert!(out.status.success(), "{out:?}");
    assert!(!deep.join(".guichet").exists(), "none made below");
}

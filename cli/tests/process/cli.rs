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
    let out = run(
        &deep,
        &[
            "token",
            "--role",
            "clerk",
            "--office",
            "TGI-KAY",
            "--sub",
            "greffe-kayes",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    assert!(!deep.join(".guichet").exists(), "none made below");
}

/// Issue 27, item 11: commands act on the data they were pointed at, and `guichet token` makes
/// no token that would stand for someone else or for longer than a day.
#[test]
fn commands_refuse_a_missing_data_directory_and_token_names_its_person() {
    let root = tempfile::tempdir().unwrap();
    let mistyped = root.path().join("mistyped");
    let data = mistyped.to_str().unwrap();
    for args in [
        vec!["audit", "verify", "--data", data],
        vec!["keys", "export", "--data", data],
        vec!["keys", "rotate", "--data", data],
        vec!["watchlist", "history", "--data", data],
        vec!["report", "decisions", "--kind", "visa", "--data", data],
    ] {
        let out = run(root.path(), &args);
        assert!(!out.status.success(), "{args:?} succeeded");
        let stderr = text(&out.stderr);
        assert!(stderr.contains("no data directory"), "{args:?}: {stderr}");
        assert!(!mistyped.exists(), "{args:?} made {data}");
    }

    let out = run(root.path(), &["token", "--init"]);
    assert!(out.status.success(), "{out:?}");
    for (args, says) in [
        (
            vec!["token", "--role", "signatory", "--office", "TGI-KAY"],
            "--sub",
        ),
        (
            vec![
                "token",
                "--role",
                "clerk",
                "--office",
                "TGI-NOWHERE",
                "--sub",
                "a",
            ],
            "TGI-NOWHERE",
        ),
        (
            vec![
                "token",
                "--role",
                "clerk",
                "--office",
                "TGI-KAY",
                "--sub",
                "a",
                "--ttl-hours",
                "25",
            ],
            "24 hours",
        ),
    ] {
        let out = run(root.path(), &args);
        assert!(!out.status.success(), "{args:?} succeeded");
        let stderr = text(&out.stderr);
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
}

/// Issue 27, item 11: a watchlist's header is checked, a file can be tried before it is loaded,
/// and a wrong load can be undone.
#[test]
fn a_watchlist_is_tried_loaded_and_put_back() {
    let root = tempfile::tempdir().unwrap();
    assert!(run(root.path(), &["token", "--init"]).status.success());
    let history = || text(&run(root.path(), &["watchlist", "history"]).stdout);
    assert!(
        history().contains("no watchlist was ever loaded"),
        "{}",
        history()
    );
    let file = |name: &str, body: &str| {
        let path = root.path().join(name);
        std::fs::write(&path, body).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let bad = file("bad.csv", "id,nom\nW-1,Jean Dupont\n");
    let out = run(root.path(), &["watchlist", "load", &bad, "--by", "DGPF"]);
    assert!(!out.status.success());
    let said = text(&out.stderr);
    assert!(
        said.contains("lacks name") && said.contains("nom"),
        "{said}"
    );

    let a = file(
        "a.csv",
        "id,name,aliases,birth_year,nationality\nW-1,Jean Dupont,,1970,FRA\nW-2,Ali Traore,,1980,MLI\n",
    );
    let b = file(
        "b.csv",
        "id,name,aliases,birth_year,nationality\nW-1,Jean Dupont,,1971,FRA\nW-3,Awa Keita,,1990,MLI\n",
    );
    assert!(
        run(root.path(), &["watchlist", "load", &a, "--by", "DGPF"])
            .status
            .success()
    );
    let tried = run(
        root.path(),
        &["watchlist", "load", &b, "--by", "DGPF", "--dry-run"],
    );
    assert!(tried.status.success(), "{tried:?}");
    let said = text(&tried.stdout);
    for line in ["added\t1\tW-3", "removed\t1\tW-2", "changed\t1\tW-1"] {
        assert!(said.contains(line), "{line:?} not in {said}");
    }
    assert_eq!(
        history().lines().count(),
        2,
        "header and one load: {}",
        history()
    );
    assert!(
        run(root.path(), &["watchlist", "load", &b, "--by", "DGPF"])
            .status
            .success()
    );
    let first = history()
        .lines()
        .last()
        .unwrap()
        .split('\t')
        .nth(1)
        .unwrap()
        .to_owned();
    let out = run(
        root.path(),
        &["watchlist", "restore", &first, "--by", "A. Coulibaly"],
    );
    assert!(out.status.success(), "{out:?}");
    let now = history();
    let newest = now.lines().nth(1).unwrap();
    assert!(
        newest.contains(&first) && newest.contains("A. Coulibaly"),
        "{now}"
    );
}

//! Where the data directory of the embedded backend is, when neither `--data` nor `GUICHET_DATA`
//! says: the nearest `.guichet` in the working directory or above it up to the root of the git
//! repository it is in, so a command run anywhere in the repository finds the one `guichet
//! serve` made at its root; none found (or outside a repository), `./.guichet`. The search never
//! leaves the repository: a stray `.guichet` elsewhere on the machine is not someone's data.

use std::path::{Path, PathBuf};

pub const NAME: &str = ".guichet";

pub fn find(start: &Path) -> PathBuf {
    let Some(root) = start.ancestors().find(|dir| dir.join(".git").exists()) else {
        return start.join(NAME);
    };
    start
        .ancestors()
        .take_while(|dir| dir.starts_with(root))
        .map(|dir| dir.join(NAME))
        .find(|candidate| candidate.is_dir())
        .unwrap_or_else(|| start.join(NAME))
}

/// `--data`, else `GUICHET_DATA` (clap reads both into `given`), else the nearest `.guichet`.
pub fn resolve(given: Option<PathBuf>) -> PathBuf {
    given.unwrap_or_else(|| {
        let here = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        find(&here)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_data_directory_above_is_found_else_a_new_one_here() {
        let root = tempfile::tempdir().unwrap();
        let deep = root.path().join("shared/core/src");
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::create_dir(root.path().join(NAME)).unwrap();
        assert_eq!(
            find(&deep),
            deep.join(NAME),
            "outside a repository: here only"
        );
        std::fs::create_dir(root.path().join(".git")).unwrap();
        assert_eq!(
            find(&deep),
            root.path().join(NAME),
            "up to the repository's root"
        );
        let outside = tempfile::tempdir().unwrap();
        std::fs::create_dir(outside.path().join(NAME)).unwrap();
        let repo = outside.path().join("repo/src");
        std::fs::create_dir_all(repo.join("../.git")).unwrap();
        assert_eq!(find(&repo), repo.join(NAME), "never above the repository");
        std::fs::create_dir(deep.join(NAME)).unwrap();
        assert_eq!(find(&deep), deep.join(NAME), "the nearest wins");
    }
}

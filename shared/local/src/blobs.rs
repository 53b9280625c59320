//! Blobs as files under the data directory, written so a crash never leaves half a document.

use async_trait::async_trait;
use guichet_core::ports::{BlobError, BlobStore, Download, Fault, FaultKind, valid_blob_key};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Clone)]
pub struct FileBlobStore {
    root: PathBuf,
}

impl FileBlobStore {
    pub fn new(root: PathBuf) -> Self {
        FileBlobStore { root }
    }

    /// Keys are relative paths of plain segments; anything that could climb out of the root is refused.
    fn path(&self, key: &str) -> Result<PathBuf, BlobError> {
        if valid_blob_key(key) {
            Ok(self.root.join(key))
        } else {
            Err(BlobError::InvalidKey)
        }
    }
}

/// A disk that fails may be full or briefly busy: the call may succeed later.
fn io(e: impl std::fmt::Display) -> BlobError {
    BlobError::Fault(Fault::new(FaultKind::Unavailable, e))
}

/// Write to a temporary file, flush it to disk, then link it into place: the link fails if the
/// name is taken, which makes "put if absent" atomic, and readers never see a partial file.
fn put_if_absent(path: &Path, bytes: &[u8]) -> Result<Vec<u8>, BlobError> {
    let dir = path.parent().ok_or(BlobError::InvalidKey)?;
    std::fs::create_dir_all(dir).map_err(io)?;
    let tmp = dir.join(format!(".tmp-{}", ulid::Ulid::new()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        match std::fs::hard_link(&tmp, path) {
            Ok(()) => {
                std::fs::File::open(dir)?.sync_all()?;
                Ok(bytes.to_vec())
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => std::fs::read(path),
            Err(e) => Err(e),
        }
    })();
    let _ = std::fs::remove_file(&tmp);
    result.map_err(io)
}

fn read(path: &Path) -> Result<Option<Vec<u8>>, BlobError> {
    match std::fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io(e)),
    }
}

#[async_trait]
impl BlobStore for FileBlobStore {
    async fn put_if_absent(
        &self,
        key: &str,
        bytes: Vec<u8>,
        _content_type: &str,
    ) -> Result<Vec<u8>, BlobError> {
        let path = self.path(key)?;
        tokio::task::spawn_blocking(move || put_if_absent(&path, &bytes))
            .await
            .map_err(io)?
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, BlobError> {
        let path = self.path(key)?;
        tokio::task::spawn_blocking(move || read(&path))
            .await
            .map_err(io)?
    }

    /// On one machine the bytes are right here: serve them.
    async fn download(&self, key: &str, _filename: &str) -> Result<Option<Download>, BlobError> {
        Ok(self.get(key).await?.map(Download::Bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_first_write_wins_and_keys_cannot_escape() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileBlobStore::new(dir.path().to_path_buf());
        assert_eq!(
            store
                .put_if_absent("documents/a.pdf", b"first".to_vec(), "application/pdf")
                .await
                .unwrap(),
            b"first"
        );
        assert_eq!(
            store
                .put_if_absent("documents/a.pdf", b"second".to_vec(), "application/pdf")
                .await
                .unwrap(),
            b"first"
        );
        assert_eq!(
            store.get("documents/a.pdf").await.unwrap().unwrap(),
            b"first"
        );
        assert_eq!(store.get("documents/none.pdf").await.unwrap(), None);
        for bad in ["../etc/passwd", "/abs", "a//b", "a/./b", ""] {
            assert!(
                matches!(store.get(bad).await, Err(BlobError::InvalidKey)),
                "{bad}"
            );
        }
        let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("documents"))
            .unwrap()
            .collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
    }
}

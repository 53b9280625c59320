//! Audit checkpoints on one machine: one JSON line each, appended to `DATA/audit/checkpoints.jsonl`
//! (opened for appending only, each line synced before it counts). The file is outside the
//! database, so whoever edits the SQLite file must also rewrite this one, which a backup or a
//! copy elsewhere (docs/security.md) keeps them from doing unseen.

use super::db::corrupt;
use guichet_core::ports::{Checkpoint, CheckpointLog, Fault, FaultKind, StoreError};
use std::io::Write;
use std::path::PathBuf;

pub struct CheckpointFile {
    pub path: PathBuf,
}

fn unavailable(e: std::io::Error) -> StoreError {
    StoreError::Fault(Fault::new(FaultKind::Unavailable, e))
}

#[async_trait::async_trait]
impl CheckpointLog for CheckpointFile {
    async fn append(&self, checkpoint: &Checkpoint) -> Result<(), StoreError> {
        let mut line = serde_json::to_string(checkpoint).map_err(corrupt)?;
        line.push('\n');
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let mut file = std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .open(&path)?;
            file.write_all(line.as_bytes())?;
            file.sync_all()
        })
        .await
        .map_err(|e| StoreError::Fault(Fault::new(FaultKind::Unavailable, e)))?
        .map_err(unavailable)
    }

    async fn all(&self) -> Result<Vec<Checkpoint>, StoreError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(unavailable(e)),
        };
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).map_err(corrupt))
            .collect()
    }
}

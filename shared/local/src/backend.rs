//! Opens the embedded backend in a data directory: the store, the queue, the files, the keys, the
//! catalogue. Everything is created on first start and found again on the next.

use super::secrets::{KeyFiles, SecretError, given_or_kept};
use super::{Db, FileBlobStore, LocalQueue, SqliteStore};
use guichet_core::catalogue::{self, Catalogue, CatalogueError};
use guichet_core::ports::StoreError;
use guichet_core::settings::{Env, Environment, SettingError};
use secrecy::SecretString;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where and how the embedded backend keeps things.
#[derive(Debug, Clone)]
pub struct LocalSettings {
    /// The data directory (`GUICHET_DATA`, default `.guichet`).
    pub data_dir: PathBuf,
    /// Receives before a message goes to the dead letters (`GUICHET_QUEUE_MAX_RECEIVES`, 5).
    pub queue_max_receives: u32,
    pub environment: Environment,
}

impl LocalSettings {
    pub fn read(env: &Env) -> Result<Self, SettingError> {
        Ok(LocalSettings {
            data_dir: PathBuf::from(env.or("GUICHET_DATA", ".guichet")),
            queue_max_receives: env.at_least_one("GUICHET_QUEUE_MAX_RECEIVES", 5)?,
            environment: Environment::read(env)?,
        })
    }

    /// The defaults, in `data_dir`: for tests and tools.
    pub fn in_dir(data_dir: &Path) -> Self {
        LocalSettings {
            data_dir: data_dir.to_path_buf(),
            queue_max_receives: 5,
            environment: Environment::Development,
        }
    }

    pub fn keys_dir(&self) -> PathBuf {
        self.data_dir.join("keys")
    }

    pub fn secrets_dir(&self) -> PathBuf {
        self.data_dir.join("secrets")
    }

    /// The token secret: the one given, or the data directory's own in development.
    pub fn token_secret(&self, given: Option<&SecretString>) -> Result<SecretString, SecretError> {
        given_or_kept(
            given,
            self.environment,
            &self.secrets_dir(),
            "jwt.key",
            "GUICHET_JWT_SECRET",
        )
    }

    /// The key audit checkpoints are signed with: the one given (`GUICHET_AUDIT_SECRET`), or
    /// the data directory's own in development.
    pub fn audit_secret(&self, given: Option<&SecretString>) -> Result<SecretString, SecretError> {
        given_or_kept(
            given,
            self.environment,
            &self.secrets_dir(),
            "audit.key",
            "GUICHET_AUDIT_SECRET",
        )
    }

    /// Where audit checkpoints are appended.
    pub fn checkpoints_file(&self) -> PathBuf {
        self.data_dir.join("audit").join("checkpoints.jsonl")
    }

    /// The payment webhook secret: the one given, or the data directory's own in development.
    pub fn payment_secret(
        &self,
        given: Option<&SecretString>,
    ) -> Result<SecretString, SecretError> {
        given_or_kept(
            given,
            self.environment,
            &self.secrets_dir(),
            "payment.key",
            "GUICHET_PAYMENT_SECRET",
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("database: {0}")]
    Store(#[from] StoreError),
    #[error("catalogue {path}: {source}")]
    Catalogue {
        path: String,
        source: CatalogueError,
    },
}

/// The embedded backend: one SQLite file for the store and the queue, files for documents, key
/// files, and the catalogue an operator may edit.
pub struct Local {
    pub store: Arc<SqliteStore>,
    pub queue: LocalQueue,
    pub blobs: Arc<FileBlobStore>,
    pub keys: KeyFiles,
    pub catalogue: Arc<Catalogue>,
    /// Where notifications are written, for a person to read (`DATA/outbox/`).
    pub outbox_folder: Arc<crate::OutboxFolder>,
}

impl Local {
    pub fn open(settings: &LocalSettings) -> Result<Self, OpenError> {
        let data = &settings.data_dir;
        std::fs::create_dir_all(data).map_err(|source| OpenError::DataDir {
            path: data.display().to_string(),
            source,
        })?;
        let db = Db::open(&data.join("guichet.sqlite"))?;
        Ok(Local {
            store: Arc::new(SqliteStore::new(db.clone())),
            queue: LocalQueue::new(db, settings.queue_max_receives),
            blobs: Arc::new(FileBlobStore::new(data.join("blobs"))),
            keys: KeyFiles {
                dir: settings.keys_dir(),
            },
            catalogue: Arc::new(seed_catalogue(&data.join("catalogue.json"))?),
            outbox_folder: Arc::new(crate::OutboxFolder::new(data.join("outbox"))),
        })
    }
}

/// Writes the shipped catalogue on first start, then always reads the file: an operator's edit
/// takes effect at the next start, and a broken edit stops the start with a clear message.
fn seed_catalogue(path: &Path) -> Result<Catalogue, OpenError> {
    let io = |source| OpenError::DataDir {
        path: path.display().to_string(),
        source,
    };
    if !path.exists() {
        std::fs::write(path, catalogue::DEFAULT_JSON).map_err(io)?;
    }
    let text = std::fs::read_to_string(path).map_err(io)?;
    Catalogue::parse(&text).map_err(|source| OpenError::Catalogue {
        path: path.display().to_string(),
        source,
    })
}

//! Cold start: read the configuration and build the context for the configured backend.

use crate::aws::{self, AwsBackend};
use crate::catalogue::CatalogueError;
use crate::config::{Backend as Configured, Config, ConfigError};
use crate::context::Context;
use crate::local::secrets::SecretError;
use crate::local::{self, LocalBackend};
use crate::ports::StoreError;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum BootError {
    #[error("data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("database: {0}")]
    Store(#[from] StoreError),
    #[error("keys: {0}")]
    Secret(#[from] SecretError),
    #[error("catalogue {path}: {source}")]
    Catalogue {
        path: String,
        source: CatalogueError,
    },
    #[error("fonts: {0}")]
    Fonts(String),
    #[error(transparent)]
    AwsSecrets(#[from] aws::secrets::SecretsError),
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Boot(#[from] BootError),
}

/// The adapters a process runs on, with what it needs beyond the context to feed its queue
/// consumers when no Lambda event source mapping does.
pub enum Backend {
    Local(LocalBackend),
    Aws(AwsBackend),
}

impl Backend {
    pub fn context(&self) -> &Arc<Context> {
        match self {
            Backend::Local(b) => &b.context,
            Backend::Aws(b) => &b.context,
        }
    }
}

/// Opens the backend the configuration names (`GUICHET_BACKEND`).
pub async fn open(config: Config) -> Result<Backend, BootError> {
    match config.backend.clone() {
        Configured::Local => Ok(Backend::Local(local::open(config)?)),
        Configured::Aws(resources) => {
            let sdk = aws::sdk_config().await;
            Ok(Backend::Aws(aws::open(config, &resources, &sdk).await?))
        }
    }
}

/// Where the configured backend keeps its seal keys (for `guichet keys`).
pub async fn key_store(config: &Config) -> Box<dyn crate::ports::SealKeyStore> {
    match &config.backend {
        Configured::Local => Box::new(local::secrets::KeyFiles {
            dir: local::keys_dir(&config.data_dir),
        }),
        Configured::Aws(resources) => Box::new(aws::ManagedSecretKeys {
            client: aws_sdk_secretsmanager::Client::new(&aws::sdk_config().await),
            arn: resources.secrets_arn.clone(),
        }),
    }
}

/// The context a function's `main` hands to its handler, built once.
pub async fn context() -> Result<Arc<Context>, StartError> {
    let config = Config::from_env()?;
    Ok(open(config).await?.context().clone())
}

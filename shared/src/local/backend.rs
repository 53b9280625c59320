//! Opens the embedded backend in a data directory: the store, the queue, the files, the keys, the
//! catalogue. Everything is created on first start and found again on the next.

use super::secrets;
use super::{Db, FileBlobStore, LocalQueue, SqliteStore};
use crate::bootstrap::BootError;
use crate::catalogue::{self, Catalogue};
use crate::config::Config;
use crate::context::Context;
use crate::http::auth::Authenticator;
use crate::pdf::Fonts;
use crate::ports::SystemClock;
use std::path::Path;
use std::sync::Arc;

/// The embedded backend: the shared context, and the queue handle the local pump reads from.
pub struct LocalBackend {
    pub context: Arc<Context>,
    pub queue: LocalQueue,
}

/// Where each part lives under the data directory.
pub fn keys_dir(data: &Path) -> std::path::PathBuf {
    data.join("keys")
}

pub fn secrets_dir(data: &Path) -> std::path::PathBuf {
    data.join("secrets")
}

pub fn open(config: Config) -> Result<LocalBackend, BootError> {
    let data = config.data_dir.clone();
    std::fs::create_dir_all(&data).map_err(|source| BootError::DataDir {
        path: data.display().to_string(),
        source,
    })?;
    let db = Db::open(&data.join("guichet.sqlite"))?;
    let store = Arc::new(SqliteStore::new(db.clone()));
    let queue = LocalQueue::new(db, config.queue_max_receives);
    let seal_keys = secrets::load_or_create_seal_keys(&keys_dir(&data))?;
    let payment_secret = payment_secret(&config)?;
    let catalogue = seed_catalogue(&data.join("catalogue.json"))?;
    let auth = authenticator(&config)?;
    let context = Context {
        applications: store.clone(),
        payments: store.clone(),
        documents: store,
        blobs: Arc::new(FileBlobStore::new(data.join("blobs"))),
        queue: Arc::new(queue.clone()),
        clock: Arc::new(SystemClock),
        catalogue,
        seal_keys,
        auth,
        limits: crate::http::limits::RateLimiter::new(config.rate_limits.clone()),
        payment_gateways: crate::payments::Gateways::from_config(&config, &payment_secret),
        payment_secret,
        fonts: Fonts::load().map_err(BootError::Fonts)?,
        config,
    };
    Ok(LocalBackend {
        context: Arc::new(context),
        queue,
    })
}

/// The token checker (and dev minter): `GUICHET_JWT_SECRET`, or the data directory's own secret.
pub fn authenticator(config: &Config) -> Result<Authenticator, BootError> {
    let secret = match &config.jwt_secret {
        Some(s) => s.clone(),
        None => secrets::load_or_create_secret(&secrets_dir(&config.data_dir), "jwt.key")?,
    };
    Ok(Authenticator::hs256(
        &secret,
        &config.jwt_issuer,
        &config.jwt_audience,
    ))
}

/// The webhook secret: `GUICHET_PAYMENT_SECRET`, or the data directory's own secret.
pub fn payment_secret(config: &Config) -> Result<Vec<u8>, BootError> {
    Ok(match &config.payment_secret {
        Some(s) => s.clone(),
        None => secrets::load_or_create_secret(&secrets_dir(&config.data_dir), "payment.key")?,
    })
}

/// Writes the shipped catalogue on first start, then always reads the file: an operator's edit
/// takes effect at the next start, and a broken edit stops the start with a clear message.
fn seed_catalogue(path: &Path) -> Result<Catalogue, BootError> {
    let err = |source| BootError::Catalogue {
        path: path.display().to_string(),
        source,
    };
    if !path.exists() {
        std::fs::write(path, catalogue::DEFAULT_JSON).map_err(|source| BootError::DataDir {
            path: path.display().to_string(),
            source,
        })?;
    }
    let text = std::fs::read_to_string(path).map_err(|source| BootError::DataDir {
        path: path.display().to_string(),
        source,
    })?;
    Catalogue::parse(&text).map_err(err)
}

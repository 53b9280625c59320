//! Cold start: read the configuration and build the context for the configured backend.

use crate::config::{Config, ConfigError};
use crate::context::Context;
use crate::local::{self, BootError};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Boot(#[from] BootError),
    #[error("GUICHET_BACKEND={0} is not available in this build (embedded: `local`)")]
    Backend(String),
}

/// The context a function's `main` hands to its handler, built once.
pub fn context() -> Result<Arc<Context>, StartError> {
    let config = Config::from_env()?;
    match std::env::var("GUICHET_BACKEND").as_deref() {
        Err(_) | Ok("local") => Ok(local::open(config)?.context),
        Ok(other) => Err(StartError::Backend(other.to_owned())),
    }
}

//! Keys and secrets kept in the data directory for local runs, each file readable by its owner only.
//! In production secrets come from the environment (see `config`).

use crate::seal::{SealKey, SealKeys, StoredSealKey};
use std::io::Write;
use std::path::Path;
use time::OffsetDateTime;

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{0} is not a valid key file")]
    Corrupt(String),
    #[error("no random numbers from the operating system: {0}")]
    Random(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SecretError + '_ {
    move |source| SecretError::Io {
        path: path.display().to_string(),
        source,
    }
}

pub fn random_32() -> Result<[u8; 32], SecretError> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| SecretError::Random(e.to_string()))?;
    Ok(b)
}

/// Creates the file with mode 0600 and fails if it exists: two starts never overwrite a key.
fn write_private(path: &Path, contents: &[u8]) -> Result<(), SecretError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path).map_err(io(path))?;
    f.write_all(contents).map_err(io(path))?;
    f.sync_all().map_err(io(path))
}

/// A secret in `dir/name`, made on first use: 32 random bytes written as 64 hex characters, and
/// used as those characters, exactly as a secret given in an environment variable is used, so
/// `openssl dgst -hmac "$(cat payment.key)"` signs like the service checks.
pub fn load_or_create_secret(dir: &Path, name: &str) -> Result<Vec<u8>, SecretError> {
    let path = dir.join(name);
    if !path.exists() {
        match write_private(&path, hex::encode(random_32()?).as_bytes()) {
            Ok(()) => {}
            // Another process made it between our check and our write: use theirs.
            Err(SecretError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    let text = std::fs::read_to_string(&path).map_err(io(&path))?;
    let secret = text.trim();
    if secret.len() < 32 {
        return Err(SecretError::Corrupt(path.display().to_string()));
    }
    Ok(secret.as_bytes().to_vec())
}

/// Every seal key in `dir` (`seal-<kid>.json`); makes the first one when there is none.
pub fn load_or_create_seal_keys(dir: &Path) -> Result<SealKeys, SecretError> {
    let mut keys = read_seal_keys(dir)?;
    if keys.is_empty() {
        keys.push(new_seal_key(dir)?);
    }
    SealKeys::new(keys).ok_or_else(|| SecretError::Corrupt(dir.display().to_string()))
}

/// Starts a new signing key; the older ones keep verifying what they sealed.
pub fn new_seal_key(dir: &Path) -> Result<SealKey, SecretError> {
    let key = SealKey::from_secret(random_32()?, OffsetDateTime::now_utc());
    let json = serde_json::to_vec_pretty(&StoredSealKey::new(&key))
        .map_err(|e| SecretError::Corrupt(e.to_string()))?;
    write_private(&dir.join(format!("seal-{}.json", key.kid)), &json)?;
    Ok(key)
}

fn read_seal_keys(dir: &Path) -> Result<Vec<SealKey>, SecretError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io(dir)(e)),
    };
    let mut keys = Vec::new();
    for entry in entries {
        let path = entry.map_err(io(dir))?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if !(name.starts_with("seal-") && name.ends_with(".json")) {
            continue;
        }
        let corrupt = || SecretError::Corrupt(path.display().to_string());
        let file: StoredSealKey = serde_json::from_slice(&std::fs::read(&path).map_err(io(&path))?)
            .map_err(|_| corrupt())?;
        keys.push(file.key().ok_or_else(corrupt)?);
    }
    Ok(keys)
}

/// The seal keys as files in a directory (the data directory's `keys/`).
pub struct KeyFiles {
    pub dir: std::path::PathBuf,
}

#[async_trait::async_trait]
impl crate::ports::SealKeyStore for KeyFiles {
    async fn load(&self) -> Result<SealKeys, crate::ports::KeyStoreError> {
        load_or_create_seal_keys(&self.dir).map_err(|e| crate::ports::KeyStoreError(e.to_string()))
    }

    async fn rotate(&self) -> Result<String, crate::ports::KeyStoreError> {
        new_seal_key(&self.dir)
            .map(|k| k.kid)
            .map_err(|e| crate::ports::KeyStoreError(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_made_once_kept_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_or_create_seal_keys(dir.path()).unwrap();
        let again = load_or_create_seal_keys(dir.path()).unwrap();
        assert_eq!(first.active_kid(), again.active_kid());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            for e in std::fs::read_dir(dir.path()).unwrap() {
                let mode = e.unwrap().metadata().unwrap().permissions().mode() & 0o777;
                assert_eq!(mode, 0o600);
            }
        }
        let s1 = load_or_create_secret(dir.path(), "jwt.key").unwrap();
        assert_eq!(s1.len(), 64);
        assert_eq!(load_or_create_secret(dir.path(), "jwt.key").unwrap(), s1);
    }
}

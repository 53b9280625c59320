//! Keys and secrets kept in the data directory for local runs, each file readable by its owner only.
//! In production on one machine the token and webhook secrets come from the environment instead.

use guichet_core::ports::{
    Compromise, Fault, FaultKind, KeyStoreError, SealKeyStore, StoredSealKey,
};
use guichet_core::settings::{Environment, SettingError, random_secret};
use secrecy::{ExposeSecret, SecretString};
use std::io::Write;
use std::path::{Path, PathBuf};

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
    #[error(transparent)]
    Setting(#[from] SettingError),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SecretError + '_ {
    move |source| SecretError::Io {
        path: path.display().to_string(),
        source,
    }
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
pub fn load_or_create_secret(dir: &Path, name: &str) -> Result<SecretString, SecretError> {
    let path = dir.join(name);
    if !path.exists() {
        let secret = random_secret().map_err(|e| SecretError::Random(e.to_string()))?;
        match write_private(&path, secret.expose_secret().as_bytes()) {
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
    Ok(SecretString::from(secret.to_owned()))
}

/// The secret a setting gives, or in development the data directory's own (made on first use).
/// In production a secret that is not given is an error naming its variable: a machine that
/// serves citizens does not make up its own.
pub fn given_or_kept(
    given: Option<&SecretString>,
    environment: Environment,
    dir: &Path,
    file: &str,
    variable: &'static str,
) -> Result<SecretString, SecretError> {
    match given {
        Some(s) => Ok(s.clone()),
        None if environment.is_production() => Err(SettingError::Missing(variable).into()),
        None => load_or_create_secret(dir, file),
    }
}

/// The seal keys as files in a directory (the data directory's `keys/`), one per key
/// (`seal-<kid>.json`), never overwritten.
pub struct KeyFiles {
    pub dir: PathBuf,
}

fn unusable(e: SecretError) -> KeyStoreError {
    match e {
        SecretError::Io { .. } => KeyStoreError::Fault(Fault::new(FaultKind::Unavailable, e)),
        other => KeyStoreError::Unusable(other.to_string()),
    }
}

impl KeyFiles {
    fn read(&self) -> Result<Vec<StoredSealKey>, SecretError> {
        let dir = &self.dir;
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
            let mut file: StoredSealKey =
                serde_json::from_slice(&std::fs::read(&path).map_err(io(&path))?)
                    .map_err(|_| SecretError::Corrupt(path.display().to_string()))?;
            // A key file is never rewritten: its compromise is a file of its own beside it.
            let mark = dir.join(format!("compromised-{}.json", file.kid));
            match std::fs::read(&mark) {
                Ok(bytes) => {
                    file.compromised = Some(
                        serde_json::from_slice(&bytes)
                            .map_err(|_| SecretError::Corrupt(mark.display().to_string()))?,
                    );
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io(&mark)(e)),
            }
            keys.push(file);
        }
        keys.sort_by_key(|k| k.created_at);
        Ok(keys)
    }
}

#[async_trait::async_trait]
impl SealKeyStore for KeyFiles {
    async fn load(&self) -> Result<Vec<StoredSealKey>, KeyStoreError> {
        self.read().map_err(unusable)
    }

    async fn add(&self, key: &StoredSealKey) -> Result<(), KeyStoreError> {
        let json =
            serde_json::to_vec_pretty(key).map_err(|e| KeyStoreError::Unusable(e.to_string()))?;
        write_private(&self.dir.join(format!("seal-{}.json", key.kid)), &json).map_err(unusable)
    }

    async fn mark_compromised(&self, kid: &str, mark: &Compromise) -> Result<(), KeyStoreError> {
        if !self.read().map_err(unusable)?.iter().any(|k| k.kid == kid) {
            return Err(KeyStoreError::Unusable(format!("no seal key {kid}")));
        }
        let json =
            serde_json::to_vec_pretty(mark).map_err(|e| KeyStoreError::Unusable(e.to_string()))?;
        match write_private(&self.dir.join(format!("compromised-{kid}.json")), &json) {
            // Marked already: the first mark stands.
            Err(SecretError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::AlreadyExists =>
            {
                Ok(())
            }
            other => other.map_err(unusable),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn keys_are_kept_private_and_read_back_and_secrets_made_once() {
        let dir = tempfile::tempdir().unwrap();
        let files = KeyFiles {
            dir: dir.path().join("keys"),
        };
        assert!(files.load().await.unwrap().is_empty());
        let key = StoredSealKey {
            kid: "kid-1".into(),
            created_at: time::OffsetDateTime::UNIX_EPOCH,
            secret: SecretString::from("ab".repeat(32)),
            compromised: None,
        };
        files.add(&key).await.unwrap();
        assert!(
            files.add(&key).await.is_err(),
            "a key file is never overwritten"
        );
        let back = files.load().await.unwrap();
        assert_eq!(back[0].kid, "kid-1");
        assert_eq!(back[0].secret.expose_secret(), "ab".repeat(32));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            for e in std::fs::read_dir(&files.dir).unwrap() {
                let mode = e.unwrap().metadata().unwrap().permissions().mode() & 0o777;
                assert_eq!(mode, 0o600);
            }
        }
        let s1 = load_or_create_secret(dir.path(), "jwt.key").unwrap();
        assert_eq!(s1.expose_secret().len(), 64);
        assert_eq!(
            load_or_create_secret(dir.path(), "jwt.key")
                .unwrap()
                .expose_secret(),
            s1.expose_secret()
        );
        assert!(matches!(
            given_or_kept(
                None,
                Environment::Production,
                dir.path(),
                "jwt.key",
                "GUICHET_JWT_SECRET"
            ),
            Err(SecretError::Setting(SettingError::Missing(
                "GUICHET_JWT_SECRET"
            )))
        ));
    }
}

//! Seal keys and service secrets in one Secrets Manager secret, read once at cold start.
//!
//! The functions only read it. `guichet keys rotate` (with `GUICHET_BACKEND=aws`) writes it: it
//! fills what is missing and adds a new signing key, keeping the old ones so documents sealed
//! before keep verifying.

use super::describe;
use crate::local::secrets::random_32;
use crate::seal::{SealKey, SealKeys, StoredSealKey};
use aws_sdk_secretsmanager::Client;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error("secret {arn}: {why}")]
    Unreadable { arn: String, why: String },
    #[error(
        "secret {0} has no seal key or service secrets yet: run `guichet keys rotate` with GUICHET_BACKEND=aws once after the first deploy"
    )]
    Incomplete(String),
    #[error("no random numbers from the operating system: {0}")]
    Random(String),
}

/// The secret's JSON. Fields it does not know (the template's generated `bootstrap`) are kept.
#[derive(Default, Serialize, Deserialize)]
pub struct ServiceSecrets {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwt_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_secret: Option<String>,
    #[serde(default)]
    pub seal_keys: Vec<StoredSealKey>,
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl std::fmt::Debug for ServiceSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceSecrets")
            .field(
                "seal_keys",
                &self.seal_keys.iter().map(|k| &k.kid).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

fn random_secret() -> Result<String, SecretsError> {
    random_32()
        .map(hex::encode)
        .map_err(|e| SecretsError::Random(e.to_string()))
}

impl ServiceSecrets {
    pub async fn read(client: &Client, arn: &str) -> Result<Self, SecretsError> {
        let unreadable = |why: String| SecretsError::Unreadable {
            arn: arn.to_owned(),
            why,
        };
        let out = client
            .get_secret_value()
            .secret_id(arn)
            .send()
            .await
            .map_err(|e| unreadable(describe(&e)))?;
        let text = out
            .secret_string()
            .ok_or_else(|| unreadable("not a text secret".into()))?;
        serde_json::from_str(text).map_err(|e| unreadable(format!("not the expected JSON: {e}")))
    }

    pub async fn write(&self, client: &Client, arn: &str) -> Result<(), SecretsError> {
        let text = serde_json::to_string(self).map_err(|e| SecretsError::Unreadable {
            arn: arn.to_owned(),
            why: e.to_string(),
        })?;
        client
            .put_secret_value()
            .secret_id(arn)
            .secret_string(text)
            .send()
            .await
            .map_err(|e| SecretsError::Unreadable {
                arn: arn.to_owned(),
                why: describe(&e),
            })?;
        Ok(())
    }

    /// Makes what is missing, and a new signing key when `rotate` or when there is none.
    /// Returns the new key's id, if one was made.
    pub fn complete(&mut self, rotate: bool) -> Result<Option<String>, SecretsError> {
        if self.jwt_secret.is_none() {
            self.jwt_secret = Some(random_secret()?);
        }
        if self.payment_secret.is_none() {
            self.payment_secret = Some(random_secret()?);
        }
        if rotate || self.seal_keys.is_empty() {
            let secret = random_32().map_err(|e| SecretsError::Random(e.to_string()))?;
            let key = SealKey::from_secret(secret, OffsetDateTime::now_utc());
            self.seal_keys.push(StoredSealKey::new(&key));
            return Ok(Some(key.kid));
        }
        Ok(None)
    }

    /// What the functions need, or why they cannot start.
    pub fn seal_keys(&self, arn: &str) -> Result<SealKeys, SecretsError> {
        let keys = self
            .seal_keys
            .iter()
            .map(|k| {
                k.key().ok_or_else(|| SecretsError::Unreadable {
                    arn: arn.to_owned(),
                    why: format!("seal key {} does not match its key id", k.kid),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        SealKeys::new(keys).ok_or_else(|| SecretsError::Incomplete(arn.to_owned()))
    }
}

/// The seal keys in the service's Secrets Manager secret.
pub struct ManagedSecretKeys {
    pub client: Client,
    pub arn: String,
}

#[async_trait::async_trait]
impl crate::ports::SealKeyStore for ManagedSecretKeys {
    async fn load(&self) -> Result<SealKeys, crate::ports::KeyStoreError> {
        let stored = ServiceSecrets::read(&self.client, &self.arn).await?;
        Ok(stored.seal_keys(&self.arn)?)
    }

    /// Read, add, write: one operator rotates at a time (Secrets Manager has no conditional put).
    async fn rotate(&self) -> Result<String, crate::ports::KeyStoreError> {
        let mut secrets = ServiceSecrets::read(&self.client, &self.arn).await?;
        let kid = secrets
            .complete(true)?
            .ok_or_else(|| crate::ports::KeyStoreError("a rotation always makes a key".into()))?;
        secrets.write(&self.client, &self.arn).await?;
        Ok(kid)
    }
}

impl From<SecretsError> for crate::ports::KeyStoreError {
    fn from(e: SecretsError) -> Self {
        crate::ports::KeyStoreError(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completing_keeps_what_is_there_and_rotating_adds_a_key() {
        let mut s: ServiceSecrets =
            serde_json::from_str(r#"{"bootstrap":"generated-by-cloudformation"}"#).unwrap();
        assert!(matches!(
            s.seal_keys("arn"),
            Err(SecretsError::Incomplete(_))
        ));
        let first = s.complete(false).unwrap().unwrap();
        let jwt = s.jwt_secret.clone().unwrap();
        assert_eq!(jwt.len(), 64);
        assert_eq!(s.complete(false).unwrap(), None);
        let second = s.complete(true).unwrap().unwrap();
        assert_ne!(first, second);
        assert_eq!(s.jwt_secret.as_deref(), Some(jwt.as_str()));
        let keys = s.seal_keys("arn").unwrap();
        assert!(crate::seal::KeyLookup::lookup(&keys, &first).is_some());
        assert_eq!(keys.active_kid(), second);
        let text = serde_json::to_string(&s).unwrap();
        assert!(text.contains("generated-by-cloudformation"));
        assert!(
            !format!("{s:?}").contains(&jwt),
            "Debug never shows a secret"
        );
    }
}

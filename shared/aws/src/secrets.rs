//! The service's secrets in Secrets Manager, one secret per purpose, so each function's role
//! reads only what it uses (docs/security.md, "Secrets, function by function"): the seal keys
//! (the signing secret: issue, feed and the operator's rotation), the token secret (where tokens
//! are checked), the payment webhook secret (payment), the audit key (reconcile, which signs the
//! checkpoints). Each is a JSON object with its one field; read once at cold start.
//!
//! The functions only read them. `guichet keys rotate` (with `GUICHET_BACKEND=aws`) writes them:
//! it fills what is missing and adds a new signing key, keeping the old ones so documents sealed
//! before keep verifying.

use super::fault;
use aws_sdk_secretsmanager::Client;
use guichet_core::ports::{
    Compromise, Fault, KeyStoreError, SealKeyStore, StoredSealKey, expose_secret,
};
use guichet_core::settings::random_secret;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error("secret {arn}: {fault}")]
    Backend { arn: String, fault: Fault },
    #[error("secret {arn}: {why}")]
    Unreadable { arn: String, why: String },
    #[error(
        "secret {0} is empty: run `guichet keys rotate` with GUICHET_BACKEND=aws once after the first deploy"
    )]
    Incomplete(String),
    #[error("no random numbers from the operating system: {0}")]
    Random(String),
}

fn optional_secret<S: serde::Serializer>(
    secret: &Option<SecretString>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match secret {
        Some(s) => expose_secret(s, serializer),
        None => serializer.serialize_none(),
    }
}

/// The secret's JSON. Fields it does not know (the template's generated `bootstrap`) are kept.
#[derive(Default, Serialize, Deserialize)]
pub struct ServiceSecrets {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "optional_secret"
    )]
    pub jwt_secret: Option<SecretString>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "optional_secret"
    )]
    pub payment_secret: Option<SecretString>,
    /// The key audit checkpoints are signed with.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "optional_secret"
    )]
    pub audit_secret: Option<SecretString>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
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

impl ServiceSecrets {
    pub async fn read(client: &Client, arn: &str) -> Result<Self, SecretsError> {
        let out = client
            .get_secret_value()
            .secret_id(arn)
            .send()
            .await
            .map_err(|e| SecretsError::Backend {
                arn: arn.to_owned(),
                fault: fault(&e),
            })?;
        let unreadable = |why: String| SecretsError::Unreadable {
            arn: arn.to_owned(),
            why,
        };
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
            .map_err(|e| SecretsError::Backend {
                arn: arn.to_owned(),
                fault: fault(&e),
            })?;
        Ok(())
    }

    /// Makes the token and webhook secrets when they are missing.
    pub fn complete(&mut self) -> Result<(), SecretsError> {
        self.fill(Purpose::Token)?;
        self.fill(Purpose::Payment)?;
        self.fill(Purpose::Audit)?;
        Ok(())
    }

    /// Makes the secret of `purpose` when it is missing; says whether it did.
    pub fn fill(&mut self, purpose: Purpose) -> Result<bool, SecretsError> {
        let slot = match purpose {
            Purpose::Token => &mut self.jwt_secret,
            Purpose::Payment => &mut self.payment_secret,
            Purpose::Audit => &mut self.audit_secret,
        };
        if slot.is_some() {
            return Ok(false);
        }
        *slot = Some(random_secret().map_err(|e| SecretsError::Random(e.to_string()))?);
        Ok(true)
    }

    /// A secret the functions need: the one a setting gives wins (that is how a token issuer's
    /// key is pinned), else the stored one, else the start stops and says why.
    pub fn pick(
        &self,
        given: Option<&SecretString>,
        stored: impl Fn(&Self) -> Option<&SecretString>,
        arn: &str,
    ) -> Result<SecretString, SecretsError> {
        given
            .or_else(|| stored(self))
            .cloned()
            .ok_or_else(|| SecretsError::Incomplete(arn.to_owned()))
    }
}

/// The random secrets the service keeps, each in a secret of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Token,
    Payment,
    Audit,
}

/// Makes the secret at `arn` hold its `purpose`'s value, when it does not yet: what the
/// operator's first `guichet keys rotate` does for the secrets the template leaves empty.
pub async fn fill(client: &Client, arn: &str, purpose: Purpose) -> Result<(), SecretsError> {
    let mut secret = ServiceSecrets::read(client, arn).await?;
    if secret.fill(purpose)? {
        secret.write(client, arn).await?;
    }
    Ok(())
}

/// A secret as a function reads it at cold start, with the secret's name for the errors it may
/// have to report.
pub struct Secrets {
    pub arn: String,
    pub stored: ServiceSecrets,
}

impl Secrets {
    pub async fn read(client: &Client, arn: &str) -> Result<Self, SecretsError> {
        Ok(Secrets {
            arn: arn.to_owned(),
            stored: ServiceSecrets::read(client, arn).await?,
        })
    }

    /// The token secret: the one a setting gives wins (that is how a token issuer's key is
    /// pinned), else the stored one.
    pub fn token(&self, given: Option<&SecretString>) -> Result<SecretString, SecretsError> {
        self.stored
            .pick(given, |s| s.jwt_secret.as_ref(), &self.arn)
    }

    /// The payment webhook secret, likewise.
    pub fn payment(&self, given: Option<&SecretString>) -> Result<SecretString, SecretsError> {
        self.stored
            .pick(given, |s| s.payment_secret.as_ref(), &self.arn)
    }

    /// The audit checkpoints' key, likewise.
    pub fn audit(&self, given: Option<&SecretString>) -> Result<SecretString, SecretsError> {
        self.stored
            .pick(given, |s| s.audit_secret.as_ref(), &self.arn)
    }

    /// The seal keys, which must be there.
    pub fn seal_keys(&self) -> Result<&[StoredSealKey], SecretsError> {
        if self.stored.seal_keys.is_empty() {
            return Err(SecretsError::Incomplete(self.arn.clone()));
        }
        Ok(&self.stored.seal_keys)
    }
}

/// The seal keys in the service's Secrets Manager secret.
pub struct ManagedSecretKeys {
    pub client: Client,
    pub arn: String,
}

impl From<SecretsError> for KeyStoreError {
    fn from(e: SecretsError) -> Self {
        match e {
            SecretsError::Backend { fault, .. } => KeyStoreError::Fault(fault),
            other => KeyStoreError::Unusable(other.to_string()),
        }
    }
}

#[async_trait::async_trait]
impl SealKeyStore for ManagedSecretKeys {
    async fn load(&self) -> Result<Vec<StoredSealKey>, KeyStoreError> {
        Ok(ServiceSecrets::read(&self.client, &self.arn)
            .await?
            .seal_keys)
    }

    /// Read, add, write: one operator rotates at a time (Secrets Manager has no conditional put).
    async fn add(&self, key: &StoredSealKey) -> Result<(), KeyStoreError> {
        let mut secrets = ServiceSecrets::read(&self.client, &self.arn).await?;
        if secrets.seal_keys.iter().any(|k| k.kid == key.kid) {
            return Err(KeyStoreError::Unusable(format!(
                "key {} is kept already",
                key.kid
            )));
        }
        secrets.seal_keys.push(key.clone());
        secrets.write(&self.client, &self.arn).await?;
        Ok(())
    }

    async fn mark_compromised(&self, kid: &str, mark: &Compromise) -> Result<(), KeyStoreError> {
        let mut secrets = ServiceSecrets::read(&self.client, &self.arn).await?;
        let key = secrets
            .seal_keys
            .iter_mut()
            .find(|k| k.kid == kid)
            .ok_or_else(|| KeyStoreError::Unusable(format!("no seal key {kid}")))?;
        if key.compromised.is_none() {
            key.compromised = Some(mark.clone());
            secrets.write(&self.client, &self.arn).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn completing_keeps_what_is_there_and_debug_never_shows_a_secret() {
        let mut s: ServiceSecrets =
            serde_json::from_str(r#"{"bootstrap":"generated-by-cloudformation"}"#).unwrap();
        assert!(s.seal_keys.is_empty());
        s.complete().unwrap();
        let jwt = s.jwt_secret.as_ref().unwrap().expose_secret().to_owned();
        assert_eq!(jwt.len(), 64);
        s.complete().unwrap();
        assert_eq!(s.jwt_secret.as_ref().unwrap().expose_secret(), jwt);
        let text = serde_json::to_string(&s).unwrap();
        assert!(text.contains("generated-by-cloudformation"));
        assert!(text.contains(&jwt), "the secret itself keeps its secrets");
        let back: ServiceSecrets = serde_json::from_str(&text).unwrap();
        assert_eq!(back.jwt_secret.unwrap().expose_secret(), jwt);
        assert!(
            !format!("{s:?}").contains(&jwt),
            "Debug never shows a secret"
        );
        let given = SecretString::from("given-secret-0123456789abcdefghijkl");
        assert_eq!(
            s.pick(Some(&given), |s| s.jwt_secret.as_ref(), "arn")
                .unwrap()
                .expose_secret(),
            given.expose_secret()
        );
        assert!(matches!(
            ServiceSecrets::default().pick(None, |s| s.jwt_secret.as_ref(), "arn"),
            Err(SecretsError::Incomplete(_))
        ));
    }
}

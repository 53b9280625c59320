//! Settings, read once at cold start from `GUICHET_*` environment variables into a typed struct.

use crate::http::limits::{Rate, RateLimits};
use crate::payments::CinetPayConfig;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

/// Where the data lives: everything on this machine, or AWS (or an emulator of it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// SQLite, files and a local queue under the data directory (`GUICHET_BACKEND=local`, the default).
    Local,
    /// DynamoDB, S3, SQS and Secrets Manager (`GUICHET_BACKEND=aws`).
    Aws(AwsResources),
}

/// The AWS resources the template creates, passed to the functions by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsResources {
    /// `GUICHET_TABLE`
    pub table: String,
    /// `GUICHET_DOCUMENTS_BUCKET`
    pub documents_bucket: String,
    /// `GUICHET_DOCUMENTS_KMS_KEY`: the key issued PDFs are encrypted with; S3-managed keys without it.
    pub documents_kms_key: Option<String>,
    /// `GUICHET_ISSUE_QUEUE_URL`
    pub issue_queue_url: String,
    /// `GUICHET_SECRETS_ARN`: seal keys, webhook and token secrets.
    pub secrets_arn: String,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub environment: Environment,
    pub backend: Backend,
    /// Where the embedded adapters keep everything (`GUICHET_DATA`).
    pub data_dir: PathBuf,
    /// Payment webhook secret (`GUICHET_PAYMENT_SECRET`); made and kept in the data dir in development.
    pub payment_secret: Option<Vec<u8>>,
    /// Token signing secret (`GUICHET_JWT_SECRET`); made and kept in the data dir in development.
    pub jwt_secret: Option<Vec<u8>>,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    /// Printed under the QR code: where a person without a scanner can check a document.
    pub verify_url: String,
    /// Receives before a message goes to the dead letters.
    pub queue_max_receives: u32,
    /// How long an approved application may wait for its document before the reconcile step
    /// asks again (`GUICHET_REDRIVE_AFTER_SECONDS`, default 900).
    pub redrive_after: time::Duration,
    /// After this many re-drives an approval is left to a person (`GUICHET_ISSUE_MAX_REDRIVES`,
    /// default 5): the reconcile step logs it as an error every run instead.
    pub max_redrives: u32,
    /// How often `guichet serve` runs the reconcile step (`GUICHET_RECONCILE_EVERY_SECONDS`,
    /// default 300; on AWS the template's schedule decides).
    pub reconcile_every: std::time::Duration,
    /// Per-client limits: `GUICHET_SUBMIT_PER_HOUR` (10), `GUICHET_VERIFY_PER_MINUTE` (60),
    /// `GUICHET_FAILED_AUTH_PER_MINUTE` (10); each is also the burst.
    pub rate_limits: RateLimits,
    /// Web origins allowed to call the API from a browser (`GUICHET_CORS_ORIGINS`, comma
    /// separated, exact `scheme://host[:port]`); none by default.
    pub cors_origins: Vec<String>,
    /// CinetPay (Orange Money, Moov Money, cards): `GUICHET_CINETPAY_SITE_ID` and
    /// `GUICHET_CINETPAY_SECRET`, both or neither.
    pub cinetpay: Option<CinetPayConfig>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0} must be set in production")]
    Missing(&'static str),
    #[error("{name} is invalid: {why}")]
    Invalid { name: &'static str, why: String },
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// The same rules over any source of variables, so tests need not touch the process environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let environment = match get("GUICHET_ENV").as_deref() {
            None | Some("development") | Some("dev") => Environment::Development,
            Some("production") | Some("prod") => Environment::Production,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    name: "GUICHET_ENV",
                    why: format!("unknown environment {other:?}"),
                });
            }
        };
        let at_least_one = |name: &'static str, default: u32| match get(name) {
            None => Ok(default),
            Some(s) => s
                .parse()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or(ConfigError::Invalid {
                    name,
                    why: "a whole number, at least 1".into(),
                }),
        };
        let queue_max_receives = at_least_one("GUICHET_QUEUE_MAX_RECEIVES", 5)?;
        let redrive_after = at_least_one("GUICHET_REDRIVE_AFTER_SECONDS", 900)?;
        let reconcile_every = at_least_one("GUICHET_RECONCILE_EVERY_SECONDS", 300)?;
        let max_redrives = at_least_one("GUICHET_ISSUE_MAX_REDRIVES", 5)?;
        let per = |name: &'static str, default: u32, minutes: f64| -> Result<Rate, ConfigError> {
            let n = at_least_one(name, default)?;
            Ok(Rate {
                burst: n,
                per_minute: f64::from(n) / minutes,
            })
        };
        let rate_limits = RateLimits {
            submit: per("GUICHET_SUBMIT_PER_HOUR", 10, 60.0)?,
            verify: per("GUICHET_VERIFY_PER_MINUTE", 60, 1.0)?,
            failed_auth: per("GUICHET_FAILED_AUTH_PER_MINUTE", 10, 1.0)?,
        };
        let cors_origins = get("GUICHET_CORS_ORIGINS")
            .unwrap_or_default()
            .split(',')
            .map(|o| o.trim().trim_end_matches('/').to_owned())
            .filter(|o| !o.is_empty())
            .map(|o| {
                let host = o
                    .strip_prefix("https://")
                    .or_else(|| o.strip_prefix("http://"))
                    .unwrap_or_default();
                if !host.is_empty() && !host.contains('/') {
                    Ok(o)
                } else {
                    Err(ConfigError::Invalid {
                        name: "GUICHET_CORS_ORIGINS",
                        why: format!("{o:?} is not an origin (scheme://host[:port])"),
                    })
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        let cinetpay = match (
            get("GUICHET_CINETPAY_SITE_ID"),
            get("GUICHET_CINETPAY_SECRET"),
        ) {
            (None, None) => None,
            (Some(site_id), Some(secret)) if !site_id.trim().is_empty() && secret.len() >= 16 => {
                Some(CinetPayConfig {
                    site_id: site_id.trim().to_owned(),
                    secret: secret.into_bytes(),
                })
            }
            _ => {
                return Err(ConfigError::Invalid {
                    name: "GUICHET_CINETPAY_SECRET",
                    why: "set GUICHET_CINETPAY_SITE_ID and a secret of 16 characters or more, or neither".into(),
                });
            }
        };
        let backend = match get("GUICHET_BACKEND").as_deref() {
            None | Some("local") => Backend::Local,
            Some("aws") => {
                let required = |name: &'static str| {
                    get(name)
                        .filter(|v| !v.trim().is_empty())
                        .ok_or(ConfigError::Missing(name))
                };
                Backend::Aws(AwsResources {
                    table: required("GUICHET_TABLE")?,
                    documents_bucket: required("GUICHET_DOCUMENTS_BUCKET")?,
                    documents_kms_key: get("GUICHET_DOCUMENTS_KMS_KEY").filter(|v| !v.is_empty()),
                    issue_queue_url: required("GUICHET_ISSUE_QUEUE_URL")?,
                    secrets_arn: required("GUICHET_SECRETS_ARN")?,
                })
            }
            Some(other) => {
                return Err(ConfigError::Invalid {
                    name: "GUICHET_BACKEND",
                    why: format!("{other:?}: `local` or `aws`"),
                });
            }
        };
        // On AWS the secrets come from Secrets Manager; in production on one machine, from here.
        let secrets_elsewhere = matches!(backend, Backend::Aws(_));
        let secret = |name: &'static str| -> Result<Option<Vec<u8>>, ConfigError> {
            match get(name) {
                Some(s) if s.len() >= 32 => Ok(Some(s.into_bytes())),
                Some(_) => Err(ConfigError::Invalid {
                    name,
                    why: "at least 32 characters".into(),
                }),
                None if environment == Environment::Production && !secrets_elsewhere => {
                    Err(ConfigError::Missing(name))
                }
                None => Ok(None),
            }
        };
        Ok(Config {
            environment,
            backend,
            data_dir: PathBuf::from(get("GUICHET_DATA").unwrap_or_else(|| ".guichet".into())),
            payment_secret: secret("GUICHET_PAYMENT_SECRET")?,
            jwt_secret: secret("GUICHET_JWT_SECRET")?,
            jwt_issuer: get("GUICHET_JWT_ISSUER").unwrap_or_else(|| "guichet-local".into()),
            jwt_audience: get("GUICHET_JWT_AUDIENCE").unwrap_or_else(|| "guichet".into()),
            verify_url: get("GUICHET_VERIFY_URL")
                .unwrap_or_else(|| "https://guichet.ml/verifier".into()),
            queue_max_receives,
            redrive_after: time::Duration::seconds(redrive_after.into()),
            max_redrives,
            reconcile_every: std::time::Duration::from_secs(reconcile_every.into()),
            rate_limits,
            cors_origins,
            cinetpay,
        })
    }

    /// Development defaults over a given data directory: for tests and local tools.
    pub fn development(data_dir: &std::path::Path) -> Self {
        let data = data_dir.display().to_string();
        let mut config =
            Self::from_lookup(|_| None).unwrap_or_else(|_| unreachable!("no variables, no errors"));
        config.data_dir = data.into();
        config
    }

    pub fn sandbox_payments_allowed(&self) -> bool {
        self.environment != Environment::Production
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_and_origins_are_read_and_checked() {
        let c = config(&[
            ("GUICHET_SUBMIT_PER_HOUR", "4"),
            (
                "GUICHET_CORS_ORIGINS",
                "https://guichet.ml, http://localhost:5173/",
            ),
        ])
        .unwrap();
        assert_eq!(c.rate_limits.submit.burst, 4);
        assert_eq!(
            c.cors_origins,
            ["https://guichet.ml", "http://localhost:5173"]
        );
        assert!(config(&[("GUICHET_CORS_ORIGINS", "*")]).is_err());
        assert!(config(&[("GUICHET_CORS_ORIGINS", "http://éa")]).is_ok());
        assert!(config(&[("GUICHET_CORS_ORIGINS", "http:///")]).is_err());
        assert!(config(&[("GUICHET_CORS_ORIGINS", "https://a.ml/path")]).is_err());
        assert!(config(&[("GUICHET_VERIFY_PER_MINUTE", "0")]).is_err());
    }
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn development_needs_nothing_and_production_needs_its_secrets() {
        let dev = config(&[]).unwrap();
        assert!(dev.sandbox_payments_allowed());
        assert!(matches!(
            config(&[("GUICHET_ENV", "production")]),
            Err(ConfigError::Missing(_))
        ));
        let long = "x".repeat(32);
        let prod = config(&[
            ("GUICHET_ENV", "production"),
            ("GUICHET_PAYMENT_SECRET", &long),
            ("GUICHET_JWT_SECRET", &long),
        ])
        .unwrap();
        assert!(!prod.sandbox_payments_allowed());
        assert!(config(&[("GUICHET_PAYMENT_SECRET", "short")]).is_err());
    }

    #[test]
    fn the_aws_backend_names_every_resource_it_needs() {
        assert_eq!(config(&[]).unwrap().backend, Backend::Local);
        assert!(matches!(
            config(&[("GUICHET_BACKEND", "aws"), ("GUICHET_TABLE", "t")]),
            Err(ConfigError::Missing("GUICHET_DOCUMENTS_BUCKET"))
        ));
        assert!(matches!(
            config(&[("GUICHET_BACKEND", "dynamo")]),
            Err(ConfigError::Invalid {
                name: "GUICHET_BACKEND",
                ..
            })
        ));
        let aws = config(&[
            ("GUICHET_ENV", "production"),
            ("GUICHET_BACKEND", "aws"),
            ("GUICHET_TABLE", "guichet"),
            ("GUICHET_DOCUMENTS_BUCKET", "docs"),
            (
                "GUICHET_ISSUE_QUEUE_URL",
                "https://sqs.eu-west-3.amazonaws.com/1/issue",
            ),
            (
                "GUICHET_SECRETS_ARN",
                "arn:aws:secretsmanager:eu-west-3:1:secret:s",
            ),
        ])
        .unwrap();
        // In production on AWS the secrets come from Secrets Manager, not the environment.
        assert!(aws.payment_secret.is_none());
        let Backend::Aws(r) = aws.backend else {
            panic!("aws")
        };
        assert_eq!(r.table, "guichet");
        assert_eq!(r.documents_kms_key, None);
    }
}

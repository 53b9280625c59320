//! Everything `guichet` reads from the environment, once, gathered from the parts that own each
//! setting.

use guichet_aws::AwsResources;
use guichet_core::settings::{Env, Environment, ReconcileSettings, SettingError};
use guichet_http::HttpSettings;
use guichet_local::LocalSettings;
use guichet_payments::PaymentSettings;

/// Where the data lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendChoice {
    /// SQLite, files and a local queue under the data directory (`GUICHET_BACKEND=local`, the default).
    Local,
    /// DynamoDB, S3, SQS and Secrets Manager (`GUICHET_BACKEND=aws`), or an emulator of them.
    Aws(Box<AwsResources>),
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub environment: Environment,
    pub backend: BackendChoice,
    pub local: LocalSettings,
    pub http: HttpSettings,
    pub payments: PaymentSettings,
    pub reconcile: ReconcileSettings,
    /// `GUICHET_VERIFY_URL`, printed under every QR code.
    pub verify_url: String,
    /// `GUICHET_UPLOAD_TTL_SECONDS`: how long an attachment's upload URL works.
    pub upload_ttl: time::Duration,
    /// `GUICHET_CATALOGUE`: the catalogue file an operator edits (kinds declared by data
    /// included); unset, the data directory's on the embedded backend, the shipped one on AWS.
    pub catalogue_file: Option<std::path::PathBuf>,
    /// `GUICHET_TEMPLATES_DIR`: the templates of the kinds that file declares; unset, the data
    /// directory's `templates` folder on the embedded backend, none beyond the shipped on AWS.
    pub templates_dir: Option<std::path::PathBuf>,
    /// `GUICHET_MAIL_FROM`: the sender of applicants' emails on AWS (a verified SES identity).
    pub mail_from: String,
    /// `GUICHET_AUDIT_SECRET`: the key audit checkpoints are signed with (at least 32
    /// characters); unset, the data directory's own in development, the audit secret on AWS.
    pub audit_secret: Option<secrecy::SecretString>,
}

impl Settings {
    /// Where the templates of the kinds the catalogue declares are.
    pub fn templates(&self) -> Option<std::path::PathBuf> {
        match (&self.templates_dir, &self.backend) {
            (Some(dir), _) => Some(dir.clone()),
            (None, BackendChoice::Local) => Some(self.local.data_dir.join("templates")),
            (None, BackendChoice::Aws(_)) => None,
        }
    }

    pub fn read(env: &Env) -> Result<Self, SettingError> {
        let backend = match env.get("GUICHET_BACKEND").as_deref() {
            None | Some("local") => BackendChoice::Local,
            Some("aws") => BackendChoice::Aws(Box::new(AwsResources::read(env)?)),
            Some(other) => {
                return Err(SettingError::Invalid {
                    name: "GUICHET_BACKEND",
                    why: format!("{other:?}: `local` or `aws`"),
                });
            }
        };
        Ok(Settings {
            environment: Environment::read(env)?,
            backend,
            local: LocalSettings::read(env)?,
            http: HttpSettings::read(env)?,
            payments: PaymentSettings::read(env)?,
            reconcile: ReconcileSettings::read(env)?,
            verify_url: guichet_core::settings::verify_url(env)?,
            upload_ttl: guichet_core::usecases::attachments::upload_ttl(env)?,
            catalogue_file: env.get("GUICHET_CATALOGUE").map(Into::into),
            templates_dir: env.get("GUICHET_TEMPLATES_DIR").map(Into::into),
            mail_from: env.or("GUICHET_MAIL_FROM", "no-reply@guichet.ml"),
            audit_secret: env.secret("GUICHET_AUDIT_SECRET", 32)?,
        })
    }

    pub fn from_env() -> Result<Self, SettingError> {
        Self::read(&Env::process())
    }

    /// Development defaults over a data directory: for tests and local tools.
    pub fn development(data_dir: &std::path::Path) -> Self {
        let mut settings =
            Self::read(&Env::empty()).unwrap_or_else(|_| unreachable!("no variables, no errors"));
        settings.local.data_dir = data_dir.to_path_buf();
        settings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn development_needs_nothing_and_no_setting_shows_a_secret() {
        let dev = Settings::read(&Env::empty()).unwrap();
        assert_eq!(dev.backend, BackendChoice::Local);
        assert!(dev.payments.sandbox);
        let token = "token-secret-0123456789abcdefghijklmn";
        let webhook = "webhook-secret-0123456789abcdefghijk";
        let cinetpay = "cinetpay-secret-0123456789";
        let all = Settings::read(&Env::vars(&[
            ("GUICHET_JWT_SECRET", token),
            ("GUICHET_PAYMENT_SECRET", webhook),
            ("GUICHET_CINETPAY_SITE_ID", "445160"),
            ("GUICHET_CINETPAY_SECRET", cinetpay),
            ("GUICHET_CINETPAY_API_KEY", "cinetpay-api-key-xyz"),
        ]))
        .unwrap();
        let shown = format!("{all:?}");
        for secret in [token, webhook, cinetpay, "cinetpay-api-key-xyz"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("445160"), "what is not secret still shows");
    }

    #[test]
    fn the_aws_backend_names_every_resource_it_needs() {
        assert!(matches!(
            Settings::read(&Env::vars(&[
                ("GUICHET_BACKEND", "aws"),
                ("GUICHET_TABLE", "t")
            ])),
            Err(SettingError::Missing("GUICHET_DOCUMENTS_BUCKET"))
        ));
        assert!(matches!(
            Settings::read(&Env::vars(&[("GUICHET_BACKEND", "dynamo")])),
            Err(SettingError::Invalid {
                name: "GUICHET_BACKEND",
                ..
            })
        ));
        let aws = Settings::read(&Env::vars(&[
            ("GUICHET_ENV", "production"),
            ("GUICHET_BACKEND", "aws"),
            ("GUICHET_TABLE", "guichet"),
            ("GUICHET_DOCUMENTS_BUCKET", "docs"),
            (
                "GUICHET_ISSUE_QUEUE_URL",
                "https://sqs.eu-west-3.amazonaws.com/1/issue",
            ),
            (
                "GUICHET_ISSUE_DEAD_LETTERS_URL",
                "https://sqs.eu-west-3.amazonaws.com/1/dlq",
            ),
            (
                "GUICHET_SIGNING_SECRET_ARN",
                "arn:aws:secretsmanager:eu-west-3:1:secret:signing",
            ),
            (
                "GUICHET_TOKEN_SECRET_ARN",
                "arn:aws:secretsmanager:eu-west-3:1:secret:token",
            ),
            (
                "GUICHET_PAYMENT_SECRET_ARN",
                "arn:aws:secretsmanager:eu-west-3:1:secret:payment",
            ),
            (
                "GUICHET_AUDIT_SECRET_ARN",
                "arn:aws:secretsmanager:eu-west-3:1:secret:audit",
            ),
            ("GUICHET_AUDIT_BUCKET", "audit"),
            ("GUICHET_EVENTS_TOPIC_ARN", "arn:aws:sns:eu-west-3:1:events"),
            ("GUICHET_UPLOADS_BUCKET", "uploads"),
            (
                "GUICHET_CHECK_QUEUE_URL",
                "https://sqs.eu-west-3.amazonaws.com/1/checks",
            ),
            (
                "GUICHET_CHECK_DEAD_LETTERS_URL",
                "https://sqs.eu-west-3.amazonaws.com/1/checks-dlq",
            ),
            (
                "GUICHET_SCREEN_QUEUE_URL",
                "https://sqs.eu-west-3.amazonaws.com/1/screening",
            ),
            (
                "GUICHET_SCREEN_DEAD_LETTERS_URL",
                "https://sqs.eu-west-3.amazonaws.com/1/screening-dlq",
            ),
            (
                "GUICHET_FEED_QUEUE_URL",
                "https://sqs.eu-west-3.amazonaws.com/1/feed",
            ),
            (
                "GUICHET_FEED_DEAD_LETTERS_URL",
                "https://sqs.eu-west-3.amazonaws.com/1/feed-dlq",
            ),
            (
                "GUICHET_NOTIFY_QUEUE_URL",
                "https://sqs.eu-west-3.amazonaws.com/1/notifications",
            ),
            (
                "GUICHET_NOTIFY_DEAD_LETTERS_URL",
                "https://sqs.eu-west-3.amazonaws.com/1/notifications-dlq",
            ),
        ]))
        .unwrap();
        // In production on AWS the secrets come from Secrets Manager, not the environment.
        assert!(aws.payments.secret.is_none());
        assert!(!aws.payments.sandbox);
        let BackendChoice::Aws(r) = aws.backend else {
            panic!("aws")
        };
        assert_eq!(r.table, "guichet");
        assert_eq!(r.documents_kms_key, None);
    }
}

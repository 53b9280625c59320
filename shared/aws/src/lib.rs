//! The adapters on AWS: DynamoDB (applications, audit trail, payments, documents, idempotency),
//! S3 (issued documents), SQS (queues and their dead letters) and Secrets Manager (seal keys and
//! service secrets). Each service is a feature, so a function links only the clients it uses;
//! `AWS_ENDPOINT_URL` points every client at an emulator.

#[cfg(feature = "dynamodb")]
mod dynamo;
#[cfg(feature = "dynamodb")]
mod items;
#[cfg(feature = "notify")]
mod notify;
#[cfg(feature = "provision")]
pub mod provision;
#[cfg(feature = "s3")]
mod s3;
#[cfg(feature = "secrets")]
pub mod secrets;
#[cfg(feature = "sns")]
mod sns;
#[cfg(feature = "sqs")]
mod sqs;

#[cfg(feature = "dynamodb")]
pub use dynamo::{DynamoStore, WORK_QUEUE_SHARDS};
#[cfg(feature = "notify")]
pub use notify::SesSnsNotifier;
#[cfg(feature = "s3")]
pub use s3::{S3BlobStore, S3CheckpointLog, S3Uploads};
#[cfg(feature = "secrets")]
pub use secrets::{ManagedSecretKeys, ServiceSecrets};
#[cfg(feature = "sns")]
pub use sns::SnsEventBus;
#[cfg(feature = "sqs")]
pub use sqs::{SqsDeadLetters, SqsDelivery, SqsQueue};

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use guichet_core::ports::{Fault, FaultKind};
use guichet_core::settings::{Env, SettingError};

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
    /// `GUICHET_ISSUE_DEAD_LETTERS_URL`: where the issue step sets aside what it can never process.
    pub issue_dead_letters_url: String,
    /// `GUICHET_SIGNING_SECRET_ARN`: the seal keys (their private halves): issue, feed and the
    /// operator's rotation read it.
    pub signing_secret_arn: String,
    /// `GUICHET_TOKEN_SECRET_ARN`: the service's own tokens' key, where tokens are checked.
    pub token_secret_arn: String,
    /// `GUICHET_PAYMENT_SECRET_ARN`: the payment webhook secret, for payment alone.
    pub payment_secret_arn: String,
    /// `GUICHET_AUDIT_SECRET_ARN`: the key audit checkpoints are signed with (reconcile).
    pub audit_secret_arn: String,
    /// `GUICHET_AUDIT_BUCKET`: the audit checkpoints, under Object Lock.
    pub audit_bucket: String,
    /// `GUICHET_EVENTS_TOPIC_ARN`: the application events, fanned out to one queue per consumer.
    pub events_topic_arn: String,
    /// `GUICHET_UPLOADS_BUCKET`: the files applicants send, never public.
    pub uploads_bucket: String,
    /// `GUICHET_CHECK_QUEUE_URL`: the uploads bucket's notices, for the check step.
    pub check_queue_url: String,
    /// `GUICHET_CHECK_DEAD_LETTERS_URL`: where the check step sets aside what it cannot read.
    pub check_dead_letters_url: String,
    /// `GUICHET_SCREEN_QUEUE_URL`: paid and answered events, for the screen step.
    pub screen_queue_url: String,
    /// `GUICHET_SCREEN_DEAD_LETTERS_URL`: where the screen step sets aside what it cannot read.
    pub screen_dead_letters_url: String,
    /// `GUICHET_FEED_QUEUE_URL`: issued, revoked and crossed events, for the partner feed.
    pub feed_queue_url: String,
    /// `GUICHET_FEED_DEAD_LETTERS_URL`: where the feed step sets aside what it cannot read.
    pub feed_dead_letters_url: String,
    /// `GUICHET_NOTIFY_QUEUE_URL`: the events applicants are told of, for the notify step.
    pub notify_queue_url: String,
    /// `GUICHET_NOTIFY_DEAD_LETTERS_URL`: where the notify step sets aside what it cannot read.
    pub notify_dead_letters_url: String,
}

impl AwsResources {
    pub fn read(env: &Env) -> Result<Self, SettingError> {
        Ok(AwsResources {
            table: env.required("GUICHET_TABLE")?,
            documents_bucket: env.required("GUICHET_DOCUMENTS_BUCKET")?,
            documents_kms_key: env.get("GUICHET_DOCUMENTS_KMS_KEY"),
            issue_queue_url: env.required("GUICHET_ISSUE_QUEUE_URL")?,
            issue_dead_letters_url: env.required("GUICHET_ISSUE_DEAD_LETTERS_URL")?,
            signing_secret_arn: env.required("GUICHET_SIGNING_SECRET_ARN")?,
            token_secret_arn: env.required("GUICHET_TOKEN_SECRET_ARN")?,
            payment_secret_arn: env.required("GUICHET_PAYMENT_SECRET_ARN")?,
            audit_secret_arn: env.required("GUICHET_AUDIT_SECRET_ARN")?,
            audit_bucket: env.required("GUICHET_AUDIT_BUCKET")?,
            events_topic_arn: env.required("GUICHET_EVENTS_TOPIC_ARN")?,
            uploads_bucket: env.required("GUICHET_UPLOADS_BUCKET")?,
            check_queue_url: env.required("GUICHET_CHECK_QUEUE_URL")?,
            check_dead_letters_url: env.required("GUICHET_CHECK_DEAD_LETTERS_URL")?,
            screen_queue_url: env.required("GUICHET_SCREEN_QUEUE_URL")?,
            screen_dead_letters_url: env.required("GUICHET_SCREEN_DEAD_LETTERS_URL")?,
            feed_queue_url: env.required("GUICHET_FEED_QUEUE_URL")?,
            feed_dead_letters_url: env.required("GUICHET_FEED_DEAD_LETTERS_URL")?,
            notify_queue_url: env.required("GUICHET_NOTIFY_QUEUE_URL")?,
            notify_dead_letters_url: env.required("GUICHET_NOTIFY_DEAD_LETTERS_URL")?,
        })
    }
}

/// What a cold start on AWS reads once: the settings, the resources, the SDK configuration.
/// Each client is built from it by the function that uses it, and only those.
pub struct Aws {
    pub env: Env,
    pub resources: AwsResources,
    pub sdk: aws_config::SdkConfig,
}

impl Aws {
    /// From the process environment, as a Lambda function starts.
    pub async fn from_env() -> Result<Self, SettingError> {
        let env = Env::process();
        let resources = AwsResources::read(&env)?;
        Ok(Aws {
            env,
            resources,
            sdk: sdk_config().await,
        })
    }

    #[cfg(feature = "dynamodb")]
    pub fn store(&self) -> std::sync::Arc<DynamoStore> {
        std::sync::Arc::new(DynamoStore::new(
            aws_sdk_dynamodb::Client::new(&self.sdk),
            &self.resources.table,
        ))
    }

    #[cfg(feature = "s3")]
    pub fn documents(&self) -> std::sync::Arc<S3BlobStore> {
        std::sync::Arc::new(S3BlobStore::from_sdk(
            &self.sdk,
            &self.resources.documents_bucket,
            self.resources.documents_kms_key.clone(),
        ))
    }

    #[cfg(feature = "sqs")]
    pub fn issue_queue(&self) -> SqsQueue {
        SqsQueue::new(
            aws_sdk_sqs::Client::new(&self.sdk),
            &self.resources.issue_queue_url,
        )
    }

    #[cfg(feature = "s3")]
    pub fn uploads(&self) -> Result<std::sync::Arc<S3Uploads>, SettingError> {
        Ok(std::sync::Arc::new(S3Uploads::from_sdk(
            &self.sdk,
            &self.resources.uploads_bucket,
        )))
    }

    #[cfg(feature = "sqs")]
    pub fn check_queue(&self) -> SqsQueue {
        SqsQueue::new(
            aws_sdk_sqs::Client::new(&self.sdk),
            &self.resources.check_queue_url,
        )
    }

    #[cfg(feature = "sqs")]
    pub fn check_dead_letters(&self) -> Result<SqsDeadLetters, SettingError> {
        Ok(SqsDeadLetters::new(
            aws_sdk_sqs::Client::new(&self.sdk),
            &self.resources.check_dead_letters_url,
        ))
    }

    #[cfg(feature = "sqs")]
    pub fn screen_queue(&self) -> SqsQueue {
        SqsQueue::new(
            aws_sdk_sqs::Client::new(&self.sdk),
            &self.resources.screen_queue_url,
        )
    }

    #[cfg(feature = "sqs")]
    pub fn feed_queue(&self) -> SqsQueue {
        SqsQueue::new(
            aws_sdk_sqs::Client::new(&self.sdk),
            &self.resources.feed_queue_url,
        )
    }

    #[cfg(feature = "sqs")]
    pub fn feed_dead_letters(&self) -> SqsDeadLetters {
        SqsDeadLetters::new(
            aws_sdk_sqs::Client::new(&self.sdk),
            &self.resources.feed_dead_letters_url,
        )
    }

    #[cfg(feature = "sqs")]
    pub fn notify_queue(&self) -> SqsQueue {
        SqsQueue::new(
            aws_sdk_sqs::Client::new(&self.sdk),
            &self.resources.notify_queue_url,
        )
    }

    #[cfg(feature = "sqs")]
    pub fn notify_dead_letters(&self) -> SqsDeadLetters {
        SqsDeadLetters::new(
            aws_sdk_sqs::Client::new(&self.sdk),
            &self.resources.notify_dead_letters_url,
        )
    }

    /// Email and SMS, from `sender` (`GUICHET_MAIL_FROM`, a verified SES identity).
    #[cfg(feature = "notify")]
    pub fn notifier(&self, sender: &str) -> SesSnsNotifier {
        SesSnsNotifier::new(
            aws_sdk_sesv2::Client::new(&self.sdk),
            aws_sdk_sns::Client::new(&self.sdk),
            sender,
        )
    }

    #[cfg(feature = "sqs")]
    pub fn screen_dead_letters(&self) -> SqsDeadLetters {
        SqsDeadLetters::new(
            aws_sdk_sqs::Client::new(&self.sdk),
            &self.resources.screen_dead_letters_url,
        )
    }

    #[cfg(feature = "sqs")]
    pub fn issue_dead_letters(&self) -> SqsDeadLetters {
        SqsDeadLetters::new(
            aws_sdk_sqs::Client::new(&self.sdk),
            &self.resources.issue_dead_letters_url,
        )
    }

    #[cfg(feature = "sns")]
    pub fn events(&self) -> SnsEventBus {
        SnsEventBus::new(
            aws_sdk_sns::Client::new(&self.sdk),
            &self.resources.events_topic_arn,
        )
    }

    #[cfg(feature = "secrets")]
    pub fn key_store(&self) -> ManagedSecretKeys {
        ManagedSecretKeys {
            client: aws_sdk_secretsmanager::Client::new(&self.sdk),
            arn: self.resources.signing_secret_arn.clone(),
        }
    }

    #[cfg(feature = "secrets")]
    async fn secret(&self, arn: &str) -> Result<secrets::Secrets, secrets::SecretsError> {
        secrets::Secrets::read(&aws_sdk_secretsmanager::Client::new(&self.sdk), arn).await
    }

    /// The seal keys, with their private halves: for the functions that sign.
    #[cfg(feature = "secrets")]
    pub async fn seal_keys(
        &self,
    ) -> Result<Vec<guichet_core::ports::StoredSealKey>, secrets::SecretsError> {
        Ok(self
            .secret(&self.resources.signing_secret_arn)
            .await?
            .seal_keys()?
            .to_vec())
    }

    /// The token secret (the one a setting gives wins), read only where tokens are checked.
    #[cfg(feature = "secrets")]
    pub async fn token_secret(
        &self,
        given: Option<&secrecy::SecretString>,
    ) -> Result<secrecy::SecretString, secrets::SecretsError> {
        match given {
            Some(g) => Ok(g.clone()),
            None => self
                .secret(&self.resources.token_secret_arn)
                .await?
                .token(None),
        }
    }

    /// The payment webhook secret (the one a setting gives wins).
    #[cfg(feature = "secrets")]
    pub async fn payment_secret(
        &self,
        given: Option<&secrecy::SecretString>,
    ) -> Result<secrecy::SecretString, secrets::SecretsError> {
        match given {
            Some(g) => Ok(g.clone()),
            None => self
                .secret(&self.resources.payment_secret_arn)
                .await?
                .payment(None),
        }
    }

    /// The key audit checkpoints are signed with (the one a setting gives wins).
    #[cfg(feature = "secrets")]
    pub async fn audit_secret(
        &self,
        given: Option<&secrecy::SecretString>,
    ) -> Result<secrecy::SecretString, secrets::SecretsError> {
        match given {
            Some(g) => Ok(g.clone()),
            None => self
                .secret(&self.resources.audit_secret_arn)
                .await?
                .audit(None),
        }
    }

    /// Fills the token, payment and audit secrets the template left empty: the operator's first
    /// `guichet keys rotate`.
    #[cfg(feature = "secrets")]
    pub async fn fill_secrets(&self) -> Result<(), secrets::SecretsError> {
        let client = aws_sdk_secretsmanager::Client::new(&self.sdk);
        let r = &self.resources;
        secrets::fill(&client, &r.token_secret_arn, secrets::Purpose::Token).await?;
        secrets::fill(&client, &r.payment_secret_arn, secrets::Purpose::Payment).await?;
        secrets::fill(&client, &r.audit_secret_arn, secrets::Purpose::Audit).await
    }

    /// Where audit checkpoints are kept (S3 with Object Lock).
    #[cfg(feature = "s3")]
    pub fn checkpoints(&self) -> S3CheckpointLog {
        S3CheckpointLog::from_sdk(&self.sdk, &self.resources.audit_bucket)
    }
}

/// Region, credentials and endpoint from the usual places (environment, profile, the Lambda
/// role); `AWS_ENDPOINT_URL` sends every client to an emulator.
///
/// A call that hangs is given up after 5 s and sent again (the SDK's standard retries, three
/// attempts, backoff on throttling), all within 20 s: well inside API Gateway's 29 s, so a slow
/// AWS call becomes a retry or a clear 503, never a citizen's phone waiting on nothing. Every
/// write it may repeat is conditional, so a repeat after a lost answer changes nothing.
pub async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(http_client())
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .connect_timeout(std::time::Duration::from_secs(3))
                .operation_attempt_timeout(std::time::Duration::from_secs(5))
                .operation_timeout(std::time::Duration::from_secs(20))
                .build(),
        )
        .load()
        .await
}

/// HTTPS for every client: rustls with ring (see docs/stack.md for why not aws-lc).
pub fn http_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::tls;
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https()
}

/// One line for an SDK error, with the service's own code and message (the plain `Display` of
/// an SDK error is only "service error").
pub(crate) fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    DisplayErrorContext(e).to_string()
}

/// The service's error codes that mean "slow down".
const THROTTLING: [&str; 8] = [
    "ThrottlingException",
    "Throttling",
    "ThrottledException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "SlowDown",
    "RequestThrottled",
];

/// The service's error codes that mean "not now".
const UNAVAILABLE: [&str; 5] = [
    "InternalServerError",
    "InternalError",
    "InternalFailure",
    "ServiceUnavailable",
    "TransactionInProgressException",
];

/// What an SDK error means to the caller: a throttle, a timeout or an outage may pass; a
/// refusal will not (after the SDK's own retries, which have already been spent).
pub(crate) fn fault<E>(e: &SdkError<E, aws_smithy_runtime_api::http::Response>) -> Fault
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let kind = match e {
        SdkError::ConstructionFailure(_) => FaultKind::Refused,
        SdkError::TimeoutError(_) => FaultKind::Timeout,
        SdkError::DispatchFailure(d) if d.is_timeout() => FaultKind::Timeout,
        SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => FaultKind::Unavailable,
        SdkError::ServiceError(s) => {
            let code = s.err().code().unwrap_or_default();
            let status = s.raw().status().as_u16();
            if THROTTLING.contains(&code) || status == 429 {
                FaultKind::Throttled
            } else if UNAVAILABLE.contains(&code) || status >= 500 {
                FaultKind::Unavailable
            } else {
                FaultKind::Refused
            }
        }
        _ => FaultKind::Unavailable,
    };
    Fault::new(kind, describe(e))
}

//! Opens the AWS backend: one SDK configuration, one client per service, the secrets read once.

use super::{DynamoStore, S3BlobStore, ServiceSecrets, SqsQueue};
use crate::bootstrap::BootError;
use crate::catalogue::{self, Catalogue};
use crate::config::{AwsResources, Config};
use crate::context::Context;
use crate::http::auth::Authenticator;
use crate::pdf::Fonts;
use crate::ports::SystemClock;
use std::sync::Arc;

/// The AWS backend: the shared context, and the queue a poller reads when no Lambda event source
/// mapping feeds the issue function (`guichet serve` against an emulator).
pub struct AwsBackend {
    pub context: Arc<Context>,
    pub queue: SqsQueue,
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

/// Builds every client once from `sdk` and reads the secret: everything a cold start pays for.
pub async fn open(
    config: Config,
    resources: &AwsResources,
    sdk: &aws_config::SdkConfig,
) -> Result<AwsBackend, BootError> {
    let dynamodb = aws_sdk_dynamodb::Client::new(sdk);
    // An emulator answers on one host name; real S3 prefers virtual-hosted buckets.
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(sdk)
            .force_path_style(sdk.endpoint_url().is_some())
            .build(),
    );
    let sqs = aws_sdk_sqs::Client::new(sdk);
    let secrets = aws_sdk_secretsmanager::Client::new(sdk);

    let stored = ServiceSecrets::read(&secrets, &resources.secrets_arn).await?;
    let seal_keys = stored.seal_keys(&resources.secrets_arn)?;
    // A secret given in the environment wins: that is how a token issuer's key is pinned.
    let secret = |configured: &Option<Vec<u8>>, stored: &Option<String>| {
        configured
            .clone()
            .or_else(|| stored.as_ref().map(|s| s.as_bytes().to_vec()))
            .ok_or_else(|| super::secrets::SecretsError::Incomplete(resources.secrets_arn.clone()))
    };
    let jwt_secret = secret(&config.jwt_secret, &stored.jwt_secret)?;
    let payment_secret = secret(&config.payment_secret, &stored.payment_secret)?;

    let store = Arc::new(DynamoStore::new(dynamodb, &resources.table));
    let queue = SqsQueue::new(sqs, &resources.issue_queue_url);
    let context = Context {
        applications: store.clone(),
        payments: store.clone(),
        documents: store,
        blobs: Arc::new(S3BlobStore::new(
            s3,
            &resources.documents_bucket,
            resources.documents_kms_key.clone(),
        )),
        queue: Arc::new(queue.clone()),
        clock: Arc::new(SystemClock),
        catalogue: Catalogue::parse(catalogue::DEFAULT_JSON).map_err(|source| {
            BootError::Catalogue {
                path: "(built in)".into(),
                source,
            }
        })?,
        seal_keys,
        limits: crate::http::limits::RateLimiter::new(config.rate_limits.clone()),
        auth: Authenticator::hs256(&jwt_secret, &config.jwt_issuer, &config.jwt_audience),
        payment_gateways: crate::payments::Gateways::from_config(&config, &payment_secret),
        payment_secret,
        fonts: Fonts::load().map_err(BootError::Fonts)?,
        config,
    };
    Ok(AwsBackend {
        context: Arc::new(context),
        queue,
    })
}

//! Creates, on an AWS emulator (moto, LocalStack), the resources `infra/template.yaml` creates on
//! AWS: the table with its indexes and TTL, the documents bucket, the issue queue with its
//! dead-letter queue, the secret. For development and tests only: on AWS the template is the one
//! source of truth, and `guichet` refuses to provision without `AWS_ENDPOINT_URL`.

use super::AwsResources;
use super::describe;
use super::items::{BY_APPLICANT, OFFICE_QUEUE, PK, SK, TTL};
use super::secrets::{Purpose, ServiceSecrets};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};
use aws_sdk_s3::types::{
    BucketLocationConstraint, BucketVersioningStatus, CreateBucketConfiguration,
    PublicAccessBlockConfiguration, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule, VersioningConfiguration,
};
use aws_sdk_sqs::types::QueueAttributeName;
use guichet_core::domain::{FEED, ISSUE, NOTIFY, SCREEN, Subscription};
use guichet_core::ports::StoredSealKey;

#[derive(Debug, thiserror::Error)]
#[error("provisioning {what}: {why}")]
pub struct ProvisionError {
    what: String,
    why: String,
}

fn failed<E: std::fmt::Display>(what: &str) -> impl Fn(E) -> ProvisionError + '_ {
    move |e| ProvisionError {
        what: what.to_owned(),
        why: e.to_string(),
    }
}

fn sdk_failed<E: std::error::Error + 'static>(what: &str) -> impl Fn(E) -> ProvisionError + '_ {
    move |e| ProvisionError {
        what: what.to_owned(),
        why: describe(&e),
    }
}

/// Receives before an issue request rests in the dead-letter queue, as in the template.
pub const MAX_RECEIVES: u32 = 5;

/// Makes every resource named after `prefix` (what exists already is kept), with `first_key` as
/// the secret's seal key, and returns their names as the functions read them from the
/// environment.
pub async fn provision(
    sdk: &aws_config::SdkConfig,
    prefix: &str,
    first_key: &StoredSealKey,
) -> Result<AwsResources, ProvisionError> {
    let table = format!("{prefix}-table");
    let bucket = format!("{prefix}-documents");
    create_table(&aws_sdk_dynamodb::Client::new(sdk), &table).await?;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(sdk)
            .force_path_style(true)
            .build(),
    );
    let region = sdk.region().map(|r| r.to_string());
    create_bucket(&s3, &bucket, region.as_deref()).await?;
    let (issue_queue_url, issue_dead_letters_url) = create_queue(
        &aws_sdk_sqs::Client::new(sdk),
        &format!("{prefix}-issue-requests"),
    )
    .await?;
    let sm = aws_sdk_secretsmanager::Client::new(sdk);
    // One secret per purpose, as the template makes them.
    let signing = ServiceSecrets {
        seal_keys: vec![first_key.clone()],
        ..Default::default()
    };
    let signing_secret_arn =
        create_secret(&sm, &format!("{prefix}-signing-secret"), signing).await?;
    let mut made = Vec::new();
    for purpose in [Purpose::Token, Purpose::Payment, Purpose::Audit] {
        let mut secret = ServiceSecrets::default();
        secret.fill(purpose).map_err(failed("secret"))?;
        let name = match purpose {
            Purpose::Token => "token",
            Purpose::Payment => "payment",
            Purpose::Audit => "audit",
        };
        made.push(create_secret(&sm, &format!("{prefix}-{name}-secret"), secret).await?);
    }
    let [token_secret_arn, payment_secret_arn, audit_secret_arn] =
        <[String; 3]>::try_from(made).map_err(|_| failed("secret")("three secrets"))?;
    let audit_bucket = format!("{prefix}-audit");
    create_locked_bucket(&s3, &audit_bucket, region.as_deref()).await?;
    let sns = aws_sdk_sns::Client::new(sdk);
    let events_topic_arn = sns
        .create_topic()
        .name(format!("{prefix}-events"))
        .send()
        .await
        .map_err(sdk_failed("events topic"))?
        .topic_arn
        .ok_or_else(|| failed("events topic")("no ARN"))?;
    subscribe(sdk, &events_topic_arn, &issue_queue_url, &ISSUE).await?;
    let uploads_bucket = format!("{prefix}-uploads");
    create_bucket(&s3, &uploads_bucket, region.as_deref()).await?;
    let sqs = aws_sdk_sqs::Client::new(sdk);
    let (check_queue_url, check_dead_letters_url) =
        create_queue(&sqs, &format!("{prefix}-attachment-checks")).await?;
    notify_arrivals(&s3, &sqs, &uploads_bucket, &check_queue_url).await?;
    let (screen_queue_url, screen_dead_letters_url) =
        create_queue(&sqs, &format!("{prefix}-{}", SCREEN.queue)).await?;
    subscribe(sdk, &events_topic_arn, &screen_queue_url, &SCREEN).await?;
    let (feed_queue_url, feed_dead_letters_url) =
        create_queue(&sqs, &format!("{prefix}-{}", FEED.queue)).await?;
    subscribe(sdk, &events_topic_arn, &feed_queue_url, &FEED).await?;
    let (notify_queue_url, notify_dead_letters_url) =
        create_queue(&sqs, &format!("{prefix}-{}", NOTIFY.queue)).await?;
    subscribe(sdk, &events_topic_arn, &notify_queue_url, &NOTIFY).await?;
    Ok(AwsResources {
        table,
        documents_bucket: bucket,
        documents_kms_key: None,
        issue_queue_url,
        issue_dead_letters_url,
        signing_secret_arn,
        token_secret_arn,
        payment_secret_arn,
        audit_secret_arn,
        audit_bucket,
        events_topic_arn,
        uploads_bucket,
        check_queue_url,
        check_dead_letters_url,
        screen_queue_url,
        screen_dead_letters_url,
        feed_queue_url,
        feed_dead_letters_url,
        notify_queue_url,
        notify_dead_letters_url,
    })
}

/// Every object created under `uploads/` is notified to the check step's queue, as the
/// template configures it.
async fn notify_arrivals(
    s3: &aws_sdk_s3::Client,
    sqs: &aws_sdk_sqs::Client,
    bucket: &str,
    queue_url: &str,
) -> Result<(), ProvisionError> {
    use aws_sdk_s3::types::{
        Event, FilterRule, FilterRuleName, NotificationConfiguration,
        NotificationConfigurationFilter, QueueConfiguration, S3KeyFilter,
    };
    let queue_arn = sqs
        .get_queue_attributes()
        .queue_url(queue_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(sdk_failed("check queue"))?
        .attributes()
        .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
        .ok_or_else(|| failed("check queue")("no queue ARN"))?;
    let filter = NotificationConfigurationFilter::builder()
        .key(
            S3KeyFilter::builder()
                .filter_rules(
                    FilterRule::builder()
                        .name(FilterRuleName::Prefix)
                        .value("uploads/")
                        .build(),
                )
                .build(),
        )
        .build();
    let queue = QueueConfiguration::builder()
        .queue_arn(queue_arn)
        .events(Event::from("s3:ObjectCreated:*"))
        .filter(filter)
        .build()
        .map_err(|e| failed("upload notification")(e.to_string()))?;
    s3.put_bucket_notification_configuration()
        .bucket(bucket)
        .notification_configuration(
            NotificationConfiguration::builder()
                .queue_configurations(queue)
                .build(),
        )
        .send()
        .await
        .map_err(sdk_failed("upload notification"))?;
    Ok(())
}

/// Subscribes a consumer's queue to the events topic, with raw delivery and a filter on the
/// types it wants, as the template does.
pub async fn subscribe(
    sdk: &aws_config::SdkConfig,
    topic_arn: &str,
    queue_url: &str,
    subscription: &Subscription,
) -> Result<(), ProvisionError> {
    let queue_arn = aws_sdk_sqs::Client::new(sdk)
        .get_queue_attributes()
        .queue_url(queue_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(sdk_failed("subscription"))?
        .attributes()
        .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
        .ok_or_else(|| failed("subscription")("no queue ARN"))?;
    let types: Vec<&str> = subscription.types.iter().map(|t| t.as_str()).collect();
    aws_sdk_sns::Client::new(sdk)
        .subscribe()
        .topic_arn(topic_arn)
        .protocol("sqs")
        .endpoint(queue_arn)
        .attributes("RawMessageDelivery", "true")
        .attributes(
            "FilterPolicy",
            serde_json::json!({ "type": types }).to_string(),
        )
        .send()
        .await
        .map_err(sdk_failed("subscription"))?;
    Ok(())
}

fn attribute(name: &str) -> Result<AttributeDefinition, ProvisionError> {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .map_err(failed("table"))
}

fn key(hash: &str, range: &str) -> Result<Vec<KeySchemaElement>, ProvisionError> {
    [(hash, KeyType::Hash), (range, KeyType::Range)]
        .into_iter()
        .map(|(name, kind)| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(kind)
                .build()
                .map_err(failed("table"))
        })
        .collect()
}

fn index(name: &str, hash: &str, range: &str) -> Result<GlobalSecondaryIndex, ProvisionError> {
    GlobalSecondaryIndex::builder()
        .index_name(name)
        .set_key_schema(Some(key(hash, range)?))
        .projection(
            Projection::builder()
                .projection_type(ProjectionType::All)
                .build(),
        )
        .build()
        .map_err(failed("table"))
}

async fn create_table(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
) -> Result<(), ProvisionError> {
    let created = client
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .set_attribute_definitions(Some(
            [PK, SK, "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK"]
                .into_iter()
                .map(attribute)
                .collect::<Result<_, _>>()?,
        ))
        .set_key_schema(Some(key(PK, SK)?))
        .global_secondary_indexes(index(BY_APPLICANT, "GSI1PK", "GSI1SK")?)
        .global_secondary_indexes(index(OFFICE_QUEUE, "GSI2PK", "GSI2SK")?)
        .send()
        .await;
    match created {
        Ok(_) => {}
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_in_use_exception()) =>
        {
            return Ok(());
        }
        Err(e) => return Err(sdk_failed("table")(e)),
    }
    client
        .update_time_to_live()
        .table_name(table)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .attribute_name(TTL)
                .enabled(true)
                .build()
                .map_err(failed("table TTL"))?,
        )
        .send()
        .await
        .map_err(sdk_failed("table TTL"))?;
    Ok(())
}

/// A bucket whose objects cannot be changed or deleted for a retention period (Object Lock,
/// compliance mode), as the template makes the audit bucket.
async fn create_locked_bucket(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    region: Option<&str>,
) -> Result<(), ProvisionError> {
    use aws_sdk_s3::types::{
        DefaultRetention, ObjectLockConfiguration, ObjectLockEnabled, ObjectLockRetentionMode,
        ObjectLockRule,
    };
    let mut create = client
        .create_bucket()
        .bucket(bucket)
        .object_lock_enabled_for_bucket(true);
    if let Some(r) = region.filter(|r| *r != "us-east-1") {
        create = create.create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(r))
                .build(),
        );
    }
    match create.send().await {
        Ok(_) => {}
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_bucket_already_owned_by_you()) => {}
        Err(e) => return Err(sdk_failed("audit bucket")(e)),
    }
    client
        .put_object_lock_configuration()
        .bucket(bucket)
        .object_lock_configuration(
            ObjectLockConfiguration::builder()
                .object_lock_enabled(ObjectLockEnabled::Enabled)
                .rule(
                    ObjectLockRule::builder()
                        .default_retention(
                            DefaultRetention::builder()
                                .mode(ObjectLockRetentionMode::Compliance)
                                .days(1)
                                .build(),
                        )
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .map_err(sdk_failed("audit bucket's lock"))?;
    Ok(())
}

async fn create_bucket(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    region: Option<&str>,
) -> Result<(), ProvisionError> {
    let mut create = client.create_bucket().bucket(bucket);
    if let Some(r) = region.filter(|r| *r != "us-east-1") {
        create = create.create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(r))
                .build(),
        );
    }
    match create.send().await {
        Ok(_) => {}
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_bucket_already_owned_by_you()) => {}
        Err(e) => return Err(sdk_failed("bucket")(e)),
    }
    client
        .put_bucket_versioning()
        .bucket(bucket)
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .map_err(sdk_failed("bucket versioning"))?;
    client
        .put_public_access_block()
        .bucket(bucket)
        .public_access_block_configuration(
            PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .block_public_policy(true)
                .ignore_public_acls(true)
                .restrict_public_buckets(true)
                .build(),
        )
        .send()
        .await
        .map_err(sdk_failed("bucket public access block"))?;
    let rule = ServerSideEncryptionRule::builder()
        .apply_server_side_encryption_by_default(
            ServerSideEncryptionByDefault::builder()
                .sse_algorithm(ServerSideEncryption::Aes256)
                .build()
                .map_err(failed("bucket encryption"))?,
        )
        .build();
    client
        .put_bucket_encryption()
        .bucket(bucket)
        .server_side_encryption_configuration(
            ServerSideEncryptionConfiguration::builder()
                .rules(rule)
                .build()
                .map_err(failed("bucket encryption"))?,
        )
        .send()
        .await
        .map_err(sdk_failed("bucket encryption"))?;
    Ok(())
}

/// The queue and its dead-letter queue: their URLs.
async fn create_queue(
    client: &aws_sdk_sqs::Client,
    name: &str,
) -> Result<(String, String), ProvisionError> {
    let dead_letters = client
        .create_queue()
        .queue_name(format!("{name}-dead-letters"))
        .attributes(QueueAttributeName::MessageRetentionPeriod, "1209600")
        .send()
        .await
        .map_err(sdk_failed("dead-letter queue"))?;
    let dlq_url = dead_letters.queue_url().unwrap_or_default().to_owned();
    let attributes = client
        .get_queue_attributes()
        .queue_url(&dlq_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(sdk_failed("dead-letter queue"))?;
    let dlq_arn = attributes
        .attributes()
        .and_then(|a| a.get(&QueueAttributeName::QueueArn))
        .ok_or_else(|| failed("dead-letter queue")("no ARN"))?;
    let redrive = serde_json::json!({
        "deadLetterTargetArn": dlq_arn,
        "maxReceiveCount": MAX_RECEIVES.to_string(),
    });
    let queue = client
        .create_queue()
        .queue_name(name)
        .attributes(QueueAttributeName::VisibilityTimeout, "30")
        .attributes(QueueAttributeName::RedrivePolicy, redrive.to_string())
        .send()
        .await
        .map_err(sdk_failed("queue"))?;
    let url = queue
        .queue_url()
        .map(str::to_owned)
        .ok_or_else(|| failed("queue")("no URL"))?;
    Ok((url, dlq_url))
}

async fn create_secret(
    client: &aws_sdk_secretsmanager::Client,
    name: &str,
    secrets: ServiceSecrets,
) -> Result<String, ProvisionError> {
    let text = serde_json::to_string(&secrets).map_err(failed("secret"))?;
    match client
        .create_secret()
        .name(name)
        .secret_string(text)
        .send()
        .await
    {
        Ok(out) => out.arn.ok_or_else(|| failed("secret")("no ARN")),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_exists_exception()) =>
        {
            let out = client
                .describe_secret()
                .secret_id(name)
                .send()
                .await
                .map_err(sdk_failed("secret"))?;
            out.arn.ok_or_else(|| failed("secret")("no ARN"))
        }
        Err(e) => Err(sdk_failed("secret")(e)),
    }
}

//! The adapters on AWS: DynamoDB (applications, audit trail, payments, documents, idempotency),
//! S3 (issued documents), SQS (issue requests) and Secrets Manager (seal keys and service secrets).
//! Chosen by `GUICHET_BACKEND=aws`; `AWS_ENDPOINT_URL` points every client at an emulator.

mod backend;
mod dynamo;
mod items;
pub mod provision;
mod s3;
pub mod secrets;
mod sqs;

pub use backend::{AwsBackend, open, sdk_config};
pub use dynamo::{DynamoStore, WORK_QUEUE_SHARDS};
pub use s3::S3BlobStore;
pub use secrets::{ManagedSecretKeys, ServiceSecrets};
pub use sqs::{SqsDelivery, SqsQueue};

/// One line for an SDK error, with the service's own code and message (the plain `Display` of
/// an SDK error is only "service error").
pub(crate) fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string()
}

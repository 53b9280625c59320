//! Issued documents in an S3 bucket: encrypted at rest, never public, fetched through a
//! short-lived presigned URL once the caller has passed the access check.

use super::fault;
use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ServerSideEncryption;
use guichet_core::ports::{BlobError, BlobStore, Download, Fault, FaultKind, valid_blob_key};
use std::time::Duration;

/// Long enough for a slow 3G connection to start the download, short enough that a leaked link
/// is soon worthless.
pub const DOWNLOAD_URL_LIFETIME: Duration = Duration::from_secs(300);

/// A client from `sdk`: an emulator answers on one host name, so buckets go in the path there;
/// real S3 prefers virtual-hosted buckets.
fn client(sdk: &aws_config::SdkConfig) -> Client {
    Client::from_conf(
        aws_sdk_s3::config::Builder::from(sdk)
            .force_path_style(sdk.endpoint_url().is_some())
            .build(),
    )
}

/// A short-lived URL that downloads `key` as `filename`, of `content_type`.
async fn presigned_get(
    client: &Client,
    bucket: &str,
    key: &str,
    filename: &str,
    content_type: &str,
) -> Result<Option<Download>, BlobError> {
    let presigning = PresigningConfig::expires_in(DOWNLOAD_URL_LIFETIME)
        .map_err(|e| BlobError::Fault(Fault::refused(e)))?;
    // Only plain file names reach here, but a quote in a header value is never worth the risk.
    let safe: String = filename
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    let request = client
        .get_object()
        .bucket(bucket)
        .key(key)
        .response_content_type(content_type)
        .response_content_disposition(format!("attachment; filename=\"{safe}\""))
        .presigned(presigning)
        .await
        .map_err(backend)?;
    Ok(Some(Download::Redirect(request.uri().to_owned())))
}

#[derive(Clone)]
pub struct S3BlobStore {
    client: Client,
    bucket: String,
    kms_key: Option<String>,
}

fn backend<E>(e: aws_sdk_s3::error::SdkError<E>) -> BlobError
where
    E: aws_sdk_s3::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    BlobError::Fault(fault(&e))
}

/// The HTTP status S3 answered with, when it answered at all.
fn status<E>(e: &aws_sdk_s3::error::SdkError<E>) -> Option<u16> {
    e.raw_response().map(|r| r.status().as_u16())
}

impl S3BlobStore {
    /// A client from `sdk`: an emulator answers on one host name, so buckets go in the path
    /// there; real S3 prefers virtual-hosted buckets.
    pub fn from_sdk(
        sdk: &aws_config::SdkConfig,
        bucket: impl Into<String>,
        kms_key: Option<String>,
    ) -> Self {
        Self::new(client(sdk), bucket, kms_key)
    }

    pub fn new(client: Client, bucket: impl Into<String>, kms_key: Option<String>) -> Self {
        S3BlobStore {
            client,
            bucket: bucket.into(),
            kms_key,
        }
    }

    fn check(key: &str) -> Result<(), BlobError> {
        if valid_blob_key(key) {
            Ok(())
        } else {
            Err(BlobError::InvalidKey)
        }
    }

    async fn exists(&self, key: &str) -> Result<bool, BlobError> {
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if status(&e) == Some(404) => Ok(false),
            Err(e) => Err(backend(e)),
        }
    }
}

#[async_trait]
impl BlobStore for S3BlobStore {
    async fn put_if_absent(
        &self,
        key: &str,
        bytes: Vec<u8>,
        content_type: &str,
    ) -> Result<Vec<u8>, BlobError> {
        Self::check(key)?;
        let mut put = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            // S3 refuses the write when the key exists: two racing writers agree on one file.
            .if_none_match("*")
            .body(ByteStream::from(bytes.clone()));
        put = match &self.kms_key {
            Some(k) => put
                .server_side_encryption(ServerSideEncryption::AwsKms)
                .ssekms_key_id(k)
                .bucket_key_enabled(true),
            None => put.server_side_encryption(ServerSideEncryption::Aes256),
        };
        match put.send().await {
            Ok(_) => Ok(bytes),
            // 412: someone else's file is there; 409: a concurrent write of the same key won.
            Err(e) if matches!(status(&e), Some(412 | 409)) => {
                self.get(key).await?.ok_or_else(|| {
                    BlobError::Fault(Fault::new(
                        FaultKind::Unavailable,
                        format!("{key} was refused as existing but cannot be read yet"),
                    ))
                })
            }
            Err(e) => Err(backend(e)),
        }
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, BlobError> {
        Self::check(key)?;
        let out = match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) if status(&e) == Some(404) => return Ok(None),
            Err(e) => return Err(backend(e)),
        };
        let body = out
            .body
            .collect()
            .await
            .map_err(|e| BlobError::Fault(Fault::new(FaultKind::Unavailable, e)))?;
        Ok(Some(body.into_bytes().to_vec()))
    }

    async fn download(&self, key: &str, filename: &str) -> Result<Option<Download>, BlobError> {
        Self::check(key)?;
        if !self.exists(key).await? {
            return Ok(None);
        }
        presigned_get(&self.client, &self.bucket, key, filename, "application/pdf").await
    }
}

/// The uploads bucket: files applicants send, straight from the browser through a presigned PUT
/// that S3 holds to the announced type and size until it expires (the size and type are signed
/// headers). S3 notifies each arrival to the check step's queue.
#[derive(Clone)]
pub struct S3Uploads {
    client: Client,
    bucket: String,
}

impl S3Uploads {
    pub fn from_sdk(sdk: &aws_config::SdkConfig, bucket: impl Into<String>) -> Self {
        S3Uploads {
            client: client(sdk),
            bucket: bucket.into(),
        }
    }
}

#[async_trait]
impl guichet_core::ports::Uploads for S3Uploads {
    async fn upload_target(
        &self,
        key: &str,
        content_type: &str,
        size: u64,
        expires_at: time::OffsetDateTime,
    ) -> Result<guichet_core::ports::UploadTarget, BlobError> {
        S3BlobStore::check(key)?;
        let left = (expires_at - time::OffsetDateTime::now_utc())
            .whole_seconds()
            .max(1);
        let presigning = PresigningConfig::expires_in(Duration::from_secs(left as u64))
            .map_err(|e| BlobError::Fault(Fault::refused(e)))?;
        let request = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .content_length(i64::try_from(size).map_err(|e| BlobError::Fault(Fault::refused(e)))?)
            // Once: checked bytes are never replaced through the same URL.
            .if_none_match("*")
            .presigned(presigning)
            .await
            .map_err(backend)?;
        Ok(guichet_core::ports::UploadTarget {
            url: request.uri().to_owned(),
            headers: request
                .headers()
                .filter(|(name, _)| !name.eq_ignore_ascii_case("host"))
                .map(|(n, v)| (n.to_ascii_lowercase(), v.to_owned()))
                .collect(),
        })
    }

    async fn read(
        &self,
        key: &str,
        limit: u64,
    ) -> Result<Option<(Vec<u8>, time::OffsetDateTime)>, BlobError> {
        S3BlobStore::check(key)?;
        let out = match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            // A larger object reads as one byte over the limit: enough to refuse it.
            .range(format!("bytes=0-{limit}"))
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) if status(&e) == Some(404) => return Ok(None),
            Err(e) => return Err(backend(e)),
        };
        let arrived = out
            .last_modified
            .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t.secs()).ok())
            .unwrap_or_else(time::OffsetDateTime::now_utc);
        let body = out
            .body
            .collect()
            .await
            .map_err(|e| BlobError::Fault(Fault::new(FaultKind::Unavailable, e)))?;
        Ok(Some((body.into_bytes().to_vec(), arrived)))
    }

    async fn download(
        &self,
        key: &str,
        filename: &str,
        content_type: &str,
    ) -> Result<Option<Download>, BlobError> {
        S3BlobStore::check(key)?;
        presigned_get(&self.client, &self.bucket, key, filename, content_type).await
    }
}

/// Audit checkpoints in a bucket with Object Lock: each an object of its own
/// (`checkpoints/<time>-<id>.json`), written only if absent, kept unchanged and undeletable for
/// the bucket's retention (compliance mode, in the template), whoever holds the table.
pub struct S3CheckpointLog {
    client: Client,
    bucket: String,
}

impl S3CheckpointLog {
    pub fn from_sdk(sdk: &aws_config::SdkConfig, bucket: impl Into<String>) -> Self {
        S3CheckpointLog {
            client: client(sdk),
            bucket: bucket.into(),
        }
    }
}

fn store_fault<E>(e: aws_sdk_s3::error::SdkError<E>) -> guichet_core::ports::StoreError
where
    E: aws_sdk_s3::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    guichet_core::ports::StoreError::Fault(fault(&e))
}

#[async_trait]
impl guichet_core::ports::CheckpointLog for S3CheckpointLog {
    async fn append(
        &self,
        checkpoint: &guichet_core::ports::Checkpoint,
    ) -> Result<(), guichet_core::ports::StoreError> {
        let body = serde_json::to_vec(checkpoint)
            .map_err(|e| guichet_core::ports::StoreError::Fault(Fault::corrupt(e)))?;
        let at = checkpoint.at.unix_timestamp_nanos();
        // Named by its time and its MAC: two checkpoints never share a name.
        let mac: String = checkpoint.mac.chars().take(16).collect();
        let key = format!("checkpoints/{at:020}-{mac}.json");
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .if_none_match("*")
            .content_type("application/json")
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(store_fault)?;
        Ok(())
    }

    async fn all(
        &self,
    ) -> Result<Vec<guichet_core::ports::Checkpoint>, guichet_core::ports::StoreError> {
        let mut keys = Vec::new();
        let mut token = None;
        loop {
            let out = self
                .client
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix("checkpoints/")
                .set_continuation_token(token)
                .send()
                .await
                .map_err(store_fault)?;
            keys.extend(
                out.contents()
                    .iter()
                    .filter_map(|o| o.key().map(str::to_owned)),
            );
            token = out.next_continuation_token().map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
        keys.sort();
        let mut all = Vec::new();
        for key in keys {
            let object = self
                .client
                .get_object()
                .bucket(&self.bucket)
                .key(&key)
                .send()
                .await
                .map_err(store_fault)?;
            let bytes = object
                .body
                .collect()
                .await
                .map_err(|e| {
                    guichet_core::ports::StoreError::Fault(Fault::new(FaultKind::Unavailable, e))
                })?
                .into_bytes();
            all.push(
                serde_json::from_slice(&bytes)
                    .map_err(|e| guichet_core::ports::StoreError::Fault(Fault::corrupt(e)))?,
            );
        }
        Ok(all)
    }
}

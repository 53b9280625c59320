//! The uploads store on one machine: files under the data directory, reached by URLs that
//! `guichet serve` answers (`PUT /uploads/<key>`) the way a presigned S3 PUT works — signed
//! (HMAC-SHA256 over the key, the expiry, the size and the type, with a secret of the data
//! directory), limited to that size and type, useless after its expiry. Each object that
//! arrives is announced on the check step's queue in the shape S3 notifies it.

use crate::blobs::FileBlobStore;
use crate::queue::LocalQueue;
use async_trait::async_trait;
use guichet_core::domain::rfc3339;
use guichet_core::messages::Msg;
use guichet_core::ports::{
    BlobError, BlobStore, Download, Fault, FaultKind, QueueName, UploadTarget, Uploads,
};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use std::sync::{Arc, OnceLock};
use time::OffsetDateTime;

/// The largest body the local upload route reads: the kinds' limit.
pub const UPLOAD_LIMIT: usize = 5 * 1024 * 1024;

#[derive(Clone)]
pub struct LocalUploads {
    files: FileBlobStore,
    root: std::path::PathBuf,
    /// Where `guichet serve` listens, known once it has bound its port.
    base_url: Arc<OnceLock<String>>,
    secret: SecretString,
    queue: LocalQueue,
}

/// Why an upload is refused, as the route answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadRefusal {
    /// Not a URL this service signed (403).
    BadSignature,
    /// Signed, but expired (403).
    Expired,
    /// Over the announced size or the route's limit (413).
    TooLarge { limit: u64 },
    /// Not the announced size or type (400).
    Differs(Msg),
    /// Bytes were received under this URL already (409): announce the file again to replace them.
    AlreadyReceived,
    /// The disk or the queue failed (503): send again.
    Unavailable,
}

impl LocalUploads {
    /// `secret` signs the upload URLs (the data directory's token secret: the URLs are signed
    /// under their own label, so neither signature can stand for the other).
    pub fn new(root: std::path::PathBuf, secret: SecretString, queue: LocalQueue) -> Self {
        LocalUploads {
            files: FileBlobStore::new(root.clone()),
            root,
            base_url: Arc::new(OnceLock::new()),
            secret,
            queue,
        }
    }

    /// Where upload URLs point: `http://127.0.0.1:<port>`, set when the server has bound.
    pub fn set_base_url(&self, url: String) {
        let _ = self.base_url.set(url);
    }

    fn signature(&self, key: &str, expires: i64, size: u64, content_type: &str) -> String {
        // An HMAC takes a key of any length.
        let mut mac = Hmac::<Sha256>::new_from_slice(self.secret.expose_secret().as_bytes())
            .unwrap_or_else(|_| unreachable!("HMAC keys have no length limit"));
        mac.update(format!("guichet-upload\n{key}\n{expires}\n{size}\n{content_type}").as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// Receives a PUT to `/uploads/<key>?<query>`: checks the URL's signature and expiry, the
    /// body's size and type, keeps the bytes and announces them to the check step.
    pub async fn receive(
        &self,
        key: &str,
        query: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
        now: OffsetDateTime,
    ) -> Result<(), UploadRefusal> {
        let params: std::collections::HashMap<String, String> =
            form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect();
        let get = |k: &str| params.get(k).map(String::as_str).unwrap_or_default();
        let expires: i64 = get("expires")
            .parse()
            .map_err(|_| UploadRefusal::BadSignature)?;
        let size: u64 = get("size")
            .parse()
            .map_err(|_| UploadRefusal::BadSignature)?;
        let announced_type = get("type");
        let expected = self.signature(key, expires, size, announced_type);
        let good = subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), get("sig").as_bytes());
        if !bool::from(good) {
            return Err(UploadRefusal::BadSignature);
        }
        if now.unix_timestamp() > expires {
            return Err(UploadRefusal::Expired);
        }
        if body.len() as u64 > size {
            return Err(UploadRefusal::TooLarge { limit: size });
        }
        if body.len() as u64 != size {
            return Err(UploadRefusal::Differs(Msg::UploadSizeDiffers));
        }
        let sent_type = content_type
            .unwrap_or_default()
            .split(';')
            .next()
            .unwrap_or_default();
        if !sent_type.trim().eq_ignore_ascii_case(announced_type) {
            return Err(UploadRefusal::Differs(Msg::UploadTypeDiffers));
        }
        if !guichet_core::ports::valid_blob_key(key) {
            return Err(UploadRefusal::BadSignature);
        }
        // Once: bytes that were checked are never replaced behind the check's back (as S3's
        // `If-None-Match: *` on the presigned PUT). Another file is another announcement.
        match self
            .files
            .put_if_absent(key, body.clone(), announced_type)
            .await
        {
            Ok(stored) if stored == body => {}
            Ok(_) => return Err(UploadRefusal::AlreadyReceived),
            Err(_) => return Err(UploadRefusal::Unavailable),
        }
        let event = serde_json::json!({"Records": [{
            "eventSource": "aws:s3",
            "eventName": "ObjectCreated:Put",
            "eventTime": rfc3339(now),
            "s3": {"bucket": {"name": "uploads"}, "object": {"key": key, "size": size}},
        }]});
        self.queue
            .send(QueueName::ATTACHMENT_CHECKS, &event.to_string())
            .await
            .map_err(|_| UploadRefusal::Unavailable)
    }
}

fn io(e: impl std::fmt::Display) -> BlobError {
    BlobError::Fault(Fault::new(FaultKind::Unavailable, e))
}

#[async_trait]
impl Uploads for LocalUploads {
    async fn upload_target(
        &self,
        key: &str,
        content_type: &str,
        size: u64,
        expires_at: OffsetDateTime,
    ) -> Result<UploadTarget, BlobError> {
        if !guichet_core::ports::valid_blob_key(key) {
            return Err(BlobError::InvalidKey);
        }
        let base = self
            .base_url
            .get()
            .cloned()
            .ok_or_else(|| io("the upload route has no address yet"))?;
        let expires = expires_at.unix_timestamp();
        let query: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("expires", &expires.to_string())
            .append_pair("size", &size.to_string())
            .append_pair("type", content_type)
            .append_pair("sig", &self.signature(key, expires, size, content_type))
            .finish();
        Ok(UploadTarget {
            url: format!("{base}/uploads/{key}?{query}"),
            headers: vec![("content-type".into(), content_type.into())],
        })
    }

    async fn read(
        &self,
        key: &str,
        _limit: u64,
    ) -> Result<Option<(Vec<u8>, OffsetDateTime)>, BlobError> {
        let Some(bytes) = self.files.get(key).await? else {
            return Ok(None);
        };
        let modified = std::fs::metadata(self.root.join(key))
            .and_then(|m| m.modified())
            .map_err(io)?;
        Ok(Some((bytes, OffsetDateTime::from(modified))))
    }

    async fn download(
        &self,
        key: &str,
        _filename: &str,
        _content_type: &str,
    ) -> Result<Option<Download>, BlobError> {
        Ok(self.files.get(key).await?.map(Download::Bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn only_a_signed_unexpired_url_takes_exactly_the_bytes_announced() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::Db::open(&dir.path().join("q.sqlite")).unwrap();
        let queue = LocalQueue::new(db, 5);
        let uploads = LocalUploads::new(
            dir.path().join("uploads"),
            "s".repeat(32).into(),
            queue.clone(),
        );
        uploads.set_base_url("http://127.0.0.1:1".into());
        let key = "uploads/A/B";
        let later = OffsetDateTime::now_utc() + time::Duration::minutes(5);
        let target = uploads
            .upload_target(key, "application/pdf", 8, later)
            .await
            .unwrap();
        let query = target.url.split_once('?').unwrap().1.to_owned();
        let put = |q: String, t: &'static str, body: &'static [u8]| {
            let u = uploads.clone();
            async move {
                u.receive(key, &q, Some(t), body.to_vec(), OffsetDateTime::now_utc())
                    .await
            }
        };
        assert_eq!(
            put(query.clone(), "application/pdf", b"%PDF-1.7").await,
            Ok(())
        );
        assert_eq!(
            put(
                query.replace("size=8", "size=9"),
                "application/pdf",
                b"%PDF-1.7"
            )
            .await,
            Err(UploadRefusal::BadSignature)
        );
        assert_eq!(
            put(query.clone(), "application/pdf", b"%PDF-1.7 more").await,
            Err(UploadRefusal::TooLarge { limit: 8 })
        );
        assert_eq!(
            put(query.clone(), "image/png", b"%PDF-1.7").await,
            Err(UploadRefusal::Differs(Msg::UploadTypeDiffers))
        );
        let expired = uploads
            .upload_target(
                key,
                "application/pdf",
                8,
                OffsetDateTime::now_utc() - time::Duration::seconds(1),
            )
            .await
            .unwrap();
        let q = expired.url.split_once('?').unwrap().1.to_owned();
        assert_eq!(
            put(q, "application/pdf", b"%PDF-1.7").await,
            Err(UploadRefusal::Expired)
        );
        let (bytes, _) = uploads.read(key, 100).await.unwrap().unwrap();
        assert_eq!(bytes, b"%PDF-1.7");
        let checks = queue
            .receive(
                QueueName::ATTACHMENT_CHECKS,
                10,
                std::time::Duration::from_secs(30),
            )
            .await
            .unwrap();
        assert_eq!(
            checks.len(),
            1,
            "one accepted upload, one message for the check"
        );
        assert!(checks[0].body.contains("uploads/A/B"));
    }
}

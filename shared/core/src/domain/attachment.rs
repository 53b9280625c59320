//! The files an applicant joins to an application (a birth certificate, a parent's proof of
//! nationality): announced first (name, type, size, hash), uploaded straight to storage, then
//! checked. Until every required one is accepted a paid application waits in `needs_info`.

use crate::messages::Msg;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use time::OffsetDateTime;

/// An attachment's id: a ULID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AttachmentId(ulid::Ulid);

impl AttachmentId {
    pub fn new(ulid: ulid::Ulid) -> Self {
        Self(ulid)
    }
}

impl FromStr for AttachmentId {
    type Err = ulid::DecodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ulid::Ulid::from_string(s).map(Self)
    }
}

impl TryFrom<String> for AttachmentId {
    type Error = ulid::DecodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<AttachmentId> for String {
    fn from(id: AttachmentId) -> Self {
        id.to_string()
    }
}

impl fmt::Display for AttachmentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A SHA-256 as 64 lower-case hex digits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Sha256Hex(String);

impl Sha256Hex {
    pub fn parse(raw: &str) -> Result<Self, Msg> {
        let s = raw.trim().to_ascii_lowercase();
        if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(Sha256Hex(s))
        } else {
            Err(Msg::InvalidSha256)
        }
    }

    pub fn of(bytes: &[u8]) -> Self {
        use sha2::{Digest, Sha256};
        Sha256Hex(hex::encode(Sha256::digest(bytes)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Sha256Hex {
    type Error = Msg;
    fn try_from(s: String) -> Result<Self, Msg> {
        Sha256Hex::parse(&s)
    }
}

impl From<Sha256Hex> for String {
    fn from(h: Sha256Hex) -> Self {
        h.0
    }
}

/// The kinds of file a proof may be, recognised by their first bytes, whatever the name says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FileType {
    #[serde(rename = "application/pdf")]
    Pdf,
    #[serde(rename = "image/jpeg")]
    Jpeg,
    #[serde(rename = "image/png")]
    Png,
}

impl FileType {
    pub const ALL: [FileType; 3] = [FileType::Pdf, FileType::Jpeg, FileType::Png];

    pub fn as_str(self) -> &'static str {
        match self {
            FileType::Pdf => "application/pdf",
            FileType::Jpeg => "image/jpeg",
            FileType::Png => "image/png",
        }
    }

    pub fn parse(media_type: &str) -> Option<FileType> {
        let t = media_type.trim().to_ascii_lowercase();
        FileType::ALL.into_iter().find(|f| f.as_str() == t)
    }

    /// What the first bytes say the file is.
    pub fn sniff(bytes: &[u8]) -> Option<FileType> {
        if bytes.starts_with(b"%PDF-") {
            Some(FileType::Pdf)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(FileType::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(FileType::Png)
        } else {
            None
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttachmentState {
    /// Announced; the bytes are not in, or not checked yet.
    Pending,
    Accepted,
    /// Refused by the check, with a reason the applicant reads; upload it again under the same name.
    Quarantined,
}

impl AttachmentState {
    pub fn as_str(self) -> &'static str {
        match self {
            AttachmentState::Pending => "pending",
            AttachmentState::Accepted => "accepted",
            AttachmentState::Quarantined => "quarantined",
        }
    }
}

/// Why the check refused a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// Not a PDF, JPEG or PNG, or not the type announced.
    NotThatType,
    /// Over the kind's limit.
    TooLarge,
    /// Not the size announced.
    SizeDiffers,
    /// Not the bytes announced.
    HashDiffers,
    /// Arrived after its upload URL expired.
    Late,
}

impl Refusal {
    pub fn message(self) -> Msg {
        Msg::AttachmentRefused(self)
    }
}

/// One file joined to an application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub id: AttachmentId,
    /// As the kind names it (`birth_certificate`).
    pub name: String,
    pub content_type: FileType,
    pub size: u64,
    pub sha256: Sha256Hex,
    pub state: AttachmentState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<Refusal>,
    /// Where its bytes are kept in the uploads store.
    pub object_key: String,
    #[serde(with = "time::serde::rfc3339")]
    pub announced_at: OffsetDateTime,
    /// After this the upload URL no longer works, and bytes arriving later are refused.
    #[serde(with = "time::serde::rfc3339")]
    pub upload_expires_at: OffsetDateTime,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub checked_at: Option<OffsetDateTime>,
}

impl Attachment {
    /// The check of the bytes that arrived at `arrived_at`, against what was announced and the
    /// kind's limit.
    pub fn verdict(
        &self,
        bytes: &[u8],
        arrived_at: OffsetDateTime,
        max_bytes: u64,
    ) -> Option<Refusal> {
        let len = bytes.len() as u64;
        // S3 checks a presigned URL's expiry when the upload starts, and dates the object when
        // it ends: 5 MB on a slow 3G line takes minutes. A grace of half the URL's life (at most
        // 10 minutes) keeps an upload begun in time from being refused as late.
        let life = self.upload_expires_at - self.announced_at;
        let grace = (life / 2_i32).min(time::Duration::minutes(10));
        if arrived_at > self.upload_expires_at + grace {
            Some(Refusal::Late)
        } else if len > max_bytes {
            Some(Refusal::TooLarge)
        } else if len != self.size {
            Some(Refusal::SizeDiffers)
        } else if FileType::sniff(bytes) != Some(self.content_type) {
            Some(Refusal::NotThatType)
        } else if Sha256Hex::of(bytes) != self.sha256 {
            Some(Refusal::HashDiffers)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn announced(bytes: &[u8], content_type: FileType) -> Attachment {
        Attachment {
            id: AttachmentId::new(ulid::Ulid::new()),
            name: "birth_certificate".into(),
            content_type,
            size: bytes.len() as u64,
            sha256: Sha256Hex::of(bytes),
            state: AttachmentState::Pending,
            refusal: None,
            object_key: "uploads/x".into(),
            announced_at: datetime!(2026-12-01 10:00 UTC),
            upload_expires_at: datetime!(2026-12-01 10:15 UTC),
            checked_at: None,
        }
    }

    #[test]
    fn the_check_takes_only_the_bytes_announced_in_time() {
        let pdf = b"%PDF-1.7 an act".to_vec();
        let a = announced(&pdf, FileType::Pdf);
        let on_time = datetime!(2026-12-01 10:05 UTC);
        assert_eq!(a.verdict(&pdf, on_time, 1000), None);
        assert_eq!(
            a.verdict(&pdf, datetime!(2026-12-01 10:22 UTC), 1000),
            None,
            "begun in time, ended within the grace"
        );
        assert_eq!(
            a.verdict(&pdf, datetime!(2026-12-01 10:23 UTC), 1000),
            Some(Refusal::Late)
        );
        assert_eq!(a.verdict(&pdf, on_time, 4), Some(Refusal::TooLarge));
        assert_eq!(
            a.verdict(b"%PDF-1.7 an ac", on_time, 1000),
            Some(Refusal::SizeDiffers)
        );
        assert_eq!(
            a.verdict(b"%PDF-1.7 an aXt", on_time, 1000),
            Some(Refusal::HashDiffers)
        );
        let exe = b"MZ\x90\x00 not a pdf at".to_vec();
        let b = announced(&exe, FileType::Pdf);
        assert_eq!(b.verdict(&exe, on_time, 1000), Some(Refusal::NotThatType));
        let png = b"\x89PNG\r\n\x1a\n....".to_vec();
        let c = announced(&png, FileType::Jpeg);
        assert_eq!(
            c.verdict(&png, on_time, 1000),
            Some(Refusal::NotThatType),
            "a PNG announced as a JPEG"
        );
        assert_eq!(Sha256Hex::parse("AB").unwrap_err(), Msg::InvalidSha256);
    }
}

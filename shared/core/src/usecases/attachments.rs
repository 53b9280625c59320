//! Attachments: the applicant announces a file (name, type, size, SHA-256) and gets a URL to
//! send its bytes to; the check step reads what arrived and accepts it or quarantines it with a
//! reason; the applicant and the staff of the office read it back (each staff read audited).

use super::applications::readable;
use super::submit::kind_of;
use super::{parse_id, require, retry_on_conflict};
use crate::catalogue::Catalogue;
use crate::domain::{
    Application, ApplicationId, Attachment, AttachmentId, AttachmentState, FieldErrors, FileType,
    Principal, Role, Sha256Hex,
};
use crate::error::Error;
use crate::messages::Msg;
use crate::ports::{ApplicationStore, Clock, Download, UploadTarget, Uploads};
use serde::Deserialize;
use time::Duration;

/// What attaching needs.
pub struct Attaching<'a> {
    pub applications: &'a dyn ApplicationStore,
    pub catalogue: &'a Catalogue,
    pub uploads: &'a dyn Uploads,
    pub clock: &'a dyn Clock,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttachmentRequest {
    /// One of the kind's attachments (`GET /v1/catalogue`), e.g. `birth_certificate`.
    pub name: Option<String>,
    /// `application/pdf`, `image/jpeg` or `image/png`, as the kind accepts.
    pub content_type: Option<String>,
    /// In bytes, at most the kind's `max_bytes`.
    pub size: Option<u64>,
    /// SHA-256 of the bytes, 64 hex digits.
    pub sha256: Option<String>,
}

/// How long an upload URL works: `GUICHET_UPLOAD_TTL_SECONDS`, 15 minutes by default (time for a
/// 5 MB file on a slow 3G connection), at least a second.
pub fn upload_ttl(env: &crate::settings::Env) -> Result<Duration, crate::settings::SettingError> {
    let seconds = env.at_least_one("GUICHET_UPLOAD_TTL_SECONDS", 900)?;
    Ok(Duration::seconds(i64::from(seconds)))
}

/// Where the uploads store keeps an attachment's bytes.
fn object_key(app: ApplicationId, id: AttachmentId) -> String {
    format!("uploads/{app}/{id}")
}

/// The application and attachment an object key names.
fn ids_of(key: &str) -> Option<(ApplicationId, AttachmentId)> {
    let mut parts = key.strip_prefix("uploads/")?.split('/');
    let app = parts.next()?.parse().ok()?;
    let attachment = parts.next()?.parse().ok()?;
    parts.next().is_none().then_some((app, attachment))
}

/// Announces a file of the applicant's own application: answers where to send its bytes, good
/// for `upload_ttl` (`upload_ttl()`). A retry announces it again (the pending one it replaces
/// never counted).
pub async fn announce(
    ports: &Attaching<'_>,
    who: &Principal,
    id: &str,
    request: &AttachmentRequest,
    upload_ttl: Duration,
) -> Result<(Attachment, UploadTarget), Error> {
    require(who, &[Role::Applicant])?;
    let id = parse_id(id)?;
    let store = ports.applications;
    let (app, attachment, target) = retry_on_conflict(|| async {
        let mut app = super::own(store, who, id).await?;
        let attachment = parse(ports, &app, request, upload_ttl)?;
        // The URL first: if it cannot be made, nothing is recorded.
        let target = ports
            .uploads
            .upload_target(
                &attachment.object_key,
                attachment.content_type.as_str(),
                attachment.size,
                attachment.upload_expires_at,
            )
            .await?;
        app.announce_attachment(attachment.clone())?;
        app.version = store.update(&app, &[]).await?;
        Ok((app, attachment, target))
    })
    .await?;
    tracing::info!(application_id = %app.id, attachment_id = %attachment.id, "attachment announced");
    Ok((attachment, target))
}

fn parse(
    ports: &Attaching<'_>,
    app: &Application,
    request: &AttachmentRequest,
    upload_ttl: Duration,
) -> Result<Attachment, Error> {
    let kind = kind_of(ports.catalogue, app)?;
    let specs = kind.attachments();
    let mut errors = FieldErrors::default();
    let spec = errors.required(
        "name",
        request.name.as_deref().map(|n| {
            specs.iter().find(|s| s.name == n).ok_or_else(|| {
                let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
                Msg::UnknownAttachment {
                    names: if names.is_empty() {
                        "—".into()
                    } else {
                        names.join(", ")
                    },
                }
            })
        }),
    );
    let content_type = errors.required(
        "content_type",
        request.content_type.as_deref().map(|t| {
            let accepted = spec.map_or(vec![], |s| s.content_types.clone());
            FileType::parse(t)
                .filter(|f| spec.is_none() || accepted.iter().any(|a| a == f.as_str()))
                .ok_or(Msg::ContentTypeNotAccepted {
                    types: accepted.join(", "),
                })
        }),
    );
    let size = errors.required(
        "size",
        request.size.map(|n| {
            let max = spec.map_or(u64::MAX, |s| s.max_bytes);
            if n == 0 {
                Err(Msg::NotEmpty)
            } else if n > max {
                Err(Msg::FileTooLarge { max })
            } else {
                Ok(n)
            }
        }),
    );
    let sha256 = errors.required("sha256", request.sha256.as_deref().map(Sha256Hex::parse));
    errors.into_result()?;
    let (Some(spec), Some(content_type), Some(size), Some(sha256)) =
        (spec, content_type, size, sha256)
    else {
        return Err(Error::Internal(
            "attachment fields parsed without values".into(),
        ));
    };
    let now = ports.clock.now();
    let id = AttachmentId::new(ulid::Ulid::new());
    Ok(Attachment {
        id,
        name: spec.name.clone(),
        content_type,
        size,
        sha256,
        state: AttachmentState::Pending,
        refusal: None,
        object_key: object_key(app.id, id),
        announced_at: now,
        upload_expires_at: now + upload_ttl,
        checked_at: None,
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckOutcome {
    Accepted,
    Quarantined(crate::domain::Refusal),
    /// Nothing pending under that key (checked already, replaced, or not ours): nothing to do.
    Nothing,
}

/// The check step, for the object that arrived under `key`: safe to run again (a second run
/// finds nothing pending).
pub async fn check(ports: &Attaching<'_>, key: &str) -> Result<CheckOutcome, Error> {
    let Some((app_id, attachment_id)) = ids_of(key) else {
        return Ok(CheckOutcome::Nothing);
    };
    let store = ports.applications;
    retry_on_conflict(|| async {
        let Some(mut app) = store.get(app_id).await? else {
            return Ok(CheckOutcome::Nothing);
        };
        let Some(pending) = app
            .attachments
            .iter()
            .find(|a| a.id == attachment_id && a.state == AttachmentState::Pending)
            .cloned()
        else {
            return Ok(CheckOutcome::Nothing);
        };
        let max = kind_of(ports.catalogue, &app)?
            .attachments()
            .iter()
            .find(|s| s.name == pending.name)
            .map_or(0, |s| s.max_bytes);
        let Some((bytes, arrived_at)) = ports.uploads.read(key, max).await? else {
            return Ok(CheckOutcome::Nothing);
        };
        let refusal = pending.verdict(&bytes, arrived_at, max);
        let now = ports.clock.now();
        let Some(changes) = app.check_attachment(attachment_id, refusal, now)? else {
            return Ok(CheckOutcome::Nothing);
        };
        app.version = store.update(&app, &changes).await?;
        tracing::info!(application_id = %app.id, %attachment_id, accepted = refusal.is_none(), "attachment checked");
        Ok(match refusal {
            None => CheckOutcome::Accepted,
            Some(r) => CheckOutcome::Quarantined(r),
        })
    })
    .await
}

/// An attachment's bytes, its file name and type, for its applicant or the staff of the
/// application's office (the read is audited like the application's).
pub async fn read(
    ports: &Attaching<'_>,
    who: &Principal,
    id: &str,
    attachment_id: &str,
) -> Result<(Download, String, FileType), Error> {
    let wanted: AttachmentId = attachment_id.parse().map_err(|_| Error::NotFound)?;
    let app = readable(
        ports.applications,
        ports.catalogue,
        ports.clock,
        who,
        id,
        "attachment",
    )
    .await?;
    let a = app
        .attachments
        .iter()
        .find(|a| a.id == wanted)
        .ok_or(Error::NotFound)?;
    // Staff open only what the check accepted: a file it has not read, or refused, may be
    // anything (a forged type, a hostile PDF) and never reaches an office's screen.
    if who.role.is_staff() && a.state != AttachmentState::Accepted {
        return Err(Error::NotFound);
    }
    let extension = match a.content_type {
        FileType::Pdf => "pdf",
        FileType::Jpeg => "jpg",
        FileType::Png => "png",
    };
    let filename = format!("{}.{extension}", a.name);
    let download = ports
        .uploads
        .download(&a.object_key, &filename, a.content_type.as_str())
        .await?
        .ok_or(Error::NotFound)?;
    Ok((download, filename, a.content_type))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_keys_name_their_application_and_attachment() {
        let app = ApplicationId::new(ulid::Ulid::new());
        let id = AttachmentId::new(ulid::Ulid::new());
        assert_eq!(ids_of(&object_key(app, id)), Some((app, id)));
        assert_eq!(ids_of("documents/2026/x.pdf"), None);
        assert_eq!(ids_of(&format!("{}/extra", object_key(app, id))), None);
    }
}

//! At the border: a border officer records a traveller's entry or exit on their visa, found by
//! the seal read from the e-visa's QR code (its signature checked) or by the passport and visa
//! numbers typed. An entry the visa does not allow is refused with the reason; an exit is always
//! recorded, with what the post should know (no entry on record, an overstay).

use super::idempotency::{self, Idempotency};
use super::{require, retry_on_conflict};
use crate::catalogue::Catalogue;
use crate::domain::{
    Application, Crossing, DocumentNumber, DocumentStatus, EntryKind, FieldErrors, OfficeCode,
    Principal, Role, Status, StatusChange, VisaTerms, crossing, parse_iso_date,
};
use crate::error::Error;
use crate::kinds::Visa;
use crate::kinds::visa::passport::PassportNumber;
use crate::messages::Msg;
use crate::ports::{ApplicationStore, Clock, DocumentRegistry, SealReader};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CrossingRequest {
    /// The text of the e-visa's QR code (`GCH1:…`); or else both numbers below.
    pub seal: Option<String>,
    pub passport_number: Option<String>,
    pub visa_number: Option<String>,
    /// `entry` or `exit`.
    pub direction: Option<String>,
}

/// What recording a crossing needs.
pub struct Bordering<'a> {
    pub applications: &'a dyn ApplicationStore,
    pub documents: &'a dyn DocumentRegistry,
    pub catalogue: &'a Catalogue,
    pub seals: &'a dyn SealReader,
    pub clock: &'a dyn Clock,
}

/// The visa as the post sees it after the crossing.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub app: Application,
    pub number: DocumentNumber,
    pub revoked: bool,
    pub terms: VisaTerms,
    pub crossing: Crossing,
}

impl Recorded {
    /// Entries made on the visa so far.
    pub fn crossings_used(&self) -> usize {
        self.app
            .crossings
            .iter()
            .filter(|c| c.direction == crossing::Direction::Entry)
            .count()
    }

    /// Days of stay the visa still allows after today (none past its last day).
    pub fn stay_days_left(&self, today: time::Date) -> i64 {
        let used = crossing::days_inside(&self.app.crossings, today);
        let until_end = (self.terms.valid_until - today).whole_days();
        (self.terms.stay_days - used).min(until_end).max(0)
    }
}

fn terms_of(app: &Application, revoked: bool) -> Option<VisaTerms> {
    let stored = Visa::stored(app)?;
    let content = app.decision.as_ref()?.content.as_ref()?;
    let date = |key: &str| {
        content
            .get(key)
            .and_then(|v| v.as_str())
            .and_then(|d| parse_iso_date(d).ok())
    };
    Some(VisaTerms {
        multiple_entries: stored.entries == "multiple",
        valid_from: date("valid_from")?,
        valid_until: date("valid_until")?,
        stay_days: content.get("stay_days")?.as_i64()?,
        revoked,
    })
}

pub async fn record(
    ports: &Bordering<'_>,
    who: &Principal,
    request: &CrossingRequest,
    idempotency: Option<Idempotency<'_>>,
) -> Result<Recorded, Error> {
    require(who, &[Role::BorderOfficer])?;
    let post = who
        .office
        .clone()
        .ok_or(Error::Refused(Msg::NoOfficeOnAccount))?;
    if !is_post(ports.catalogue, &post) {
        return Err(Error::Refused(Msg::UnknownBorderPost {
            post: post.to_string(),
        }));
    }
    let mut errors = FieldErrors::default();
    let direction = errors.required(
        "direction",
        request.direction.as_deref().map(|d| match d {
            "entry" => Ok(crossing::Direction::Entry),
            "exit" => Ok(crossing::Direction::Exit),
            _ => Err(Msg::UnknownChoice {
                choices: "entry, exit".into(),
            }),
        }),
    );
    let visa_code = ports
        .catalogue
        .kind(Visa::KIND)
        .map(|k| k.names().code)
        .ok_or(Error::NotFound)?;
    let (number, passport) = match (&request.seal, &request.visa_number) {
        (Some(seal), _) => {
            let number = errors.check(
                "seal",
                ports
                    .seals
                    .open(seal.trim())
                    .map_err(|_| Msg::InvalidSeal)
                    .and_then(|c| {
                        if c.kind == visa_code {
                            Ok(c.number)
                        } else {
                            Err(Msg::NotAVisa)
                        }
                    }),
            );
            (number, None)
        }
        (None, number) => {
            let number = errors.required(
                "visa_number",
                number
                    .as_deref()
                    .map(|n| ports.catalogue.kinds().number(n.trim())),
            );
            let passport = errors.required(
                "passport_number",
                request
                    .passport_number
                    .as_deref()
                    .map(PassportNumber::parse),
            );
            (number, passport)
        }
    };
    errors.into_result()?;
    let (Some(number), Some(direction)) = (number, direction) else {
        return Err(Error::invalid("direction", Msg::Required));
    };
    let doc = ports
        .documents
        .document(&number)
        .await?
        .filter(|d| d.kind == Visa::KIND)
        .ok_or(Error::NotFound)?;
    let revoked = doc.status == DocumentStatus::Revoked;
    let store = ports.applications;
    let route = "POST /v1/border/crossings";
    let request_tag = idempotency.as_ref().map(|i| {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(format!("{}\n{}", who.subject, i.key.trim()).as_bytes());
        hex::encode(&digest[..8])
    });
    let tag = &request_tag;
    let visible = |_: &Application| true;
    let (app, _) = idempotency::once(
        store,
        ports.clock,
        who,
        idempotency,
        route,
        doc.application_id,
        visible,
        |key| async move {
            retry_on_conflict(|| async {
                let now = ports.clock.now();
                let mut app = store
                    .get(doc.application_id)
                    .await?
                    .filter(|a| a.status() == Status::Issued)
                    .ok_or(Error::NotFound)?;
                let terms = terms_of(&app, revoked)
                    .ok_or_else(|| Error::Internal(format!("visa {number} has no terms")))?;
                let passport_matches = passport.as_ref().is_none_or(|p| {
                    Visa::stored(&app).map(|v| v.passport.number).as_deref() == Some(p.as_str())
                });
                let flags = crossing::check(
                    &terms,
                    &app.crossings,
                    direction,
                    now.date(),
                    passport_matches,
                )
                .map_err(Error::CrossingRefused)?;
                let c = Crossing {
                    direction,
                    at: now,
                    post: post.clone(),
                    by: who.actor(),
                    flags,
                    request: tag.clone(),
                };
                app.crossings.push(c);
                app.updated_at = now;
                let change = StatusChange {
                    from: app.status(),
                    to: app.status(),
                    at: now,
                    actor: who.actor(),
                    reason: Some(format!("{} {}", direction.as_str(), post)),
                    event: EntryKind::Crossing,
                    step: None,
                };
                app.version = idempotency::write(store, &app, &[change], key.as_ref()).await?;
                tracing::info!(application_id = %app.id, post = %post, direction = direction.as_str(), "crossing recorded");
                Ok(app)
            })
            .await
        },
    )
    .await?;
    let terms = terms_of(&app, revoked)
        .ok_or_else(|| Error::Internal(format!("visa {number} has no terms")))?;
    // A replayed request is answered with the crossing it recorded, whatever came since.
    let crossing = match &request_tag {
        Some(tag) => app
            .crossings
            .iter()
            .rev()
            .find(|c| c.request.as_ref() == Some(tag)),
        None => app.crossings.last(),
    }
    .cloned()
    .ok_or_else(|| Error::Internal("a crossing was recorded and is gone".into()))?;
    Ok(Recorded {
        app,
        number,
        revoked,
        terms,
        crossing,
    })
}

/// The post a border officer records at, if it is one.
pub fn is_post(catalogue: &Catalogue, office: &OfficeCode) -> bool {
    catalogue
        .visa_rules()
        .is_some_and(|r| r.border_posts.contains(office))
}

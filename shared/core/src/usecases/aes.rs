//! The Alliance of Sahel States' partners: Burkina Faso's and Niger's systems honour the AES
//! visas Mali issues. They read an incremental feed of what happened to those visas (issued,
//! revoked, crossed), each item signed with the seal key so they can check it offline, and check
//! one visa by its seal. docs/aes.md is the contract another state's engineers build against.

use super::require;
use crate::catalogue::Catalogue;
use crate::domain::{
    Application, DocumentStatus, Event, EventType, FieldErrors, IssuedDocument, Principal, Role,
};
use crate::error::Error;
use crate::kinds::Visa;
use crate::messages::Msg;
use crate::ports::{
    ApplicationStore, Clock, DocumentRegistry, FeedRecord, PartnerFeed, SealReader, Sealer,
    StoreError,
};
use serde_json::{Value, json};

/// How many items one read of the feed gives at most.
pub const PAGE: usize = 100;

/// What a partner learns of a visa: enough to check a traveller at their border, nothing of
/// the application behind it (no host, no purpose, no screening).
pub fn visa_view(app: &Application, doc: &IssuedDocument, status: &str) -> Option<Value> {
    let v = Visa::stored(app)?;
    let content = app.decision.as_ref()?.content.as_ref()?;
    Some(json!({
        "number": doc.number.to_string(),
        "status": status,
        "visa_type": v.visa_type,
        "scope": v.scope,
        "entries": v.entries,
        "valid_from": content.get("valid_from")?,
        "valid_until": content.get("valid_until")?,
        "stay_days": content.get("stay_days")?,
        "holder": {
            "surname": v.passport.surname,
            "given_names": v.passport.given_names,
            "birth_date": v.passport.birth_date,
            "sex": v.passport.sex,
            "nationality": v.passport.nationality,
            "passport_number": v.passport.number,
        },
        "issued_by": doc.office.to_string(),
        "issued_at": crate::domain::rfc3339(doc.issued_at),
    }))
}

/// What the feed consumer needs.
pub struct Feeding<'a> {
    pub applications: &'a dyn ApplicationStore,
    pub documents: &'a dyn DocumentRegistry,
    pub feed: &'a dyn PartnerFeed,
    pub sealer: &'a dyn Sealer,
}

/// Turns one application event into a feed item, if it is one partners hear of (an AES visa
/// issued, revoked or crossed), once: a redelivered event finds its item made.
pub async fn record(ports: &Feeding<'_>, event: &Event) -> Result<Option<u64>, Error> {
    let name = match event.event_type {
        EventType::Issued => "issued",
        EventType::Revoked => "revoked",
        EventType::Crossed => "crossed",
        _ => return Ok(None),
    };
    if event.kind != Visa::KIND || ports.feed.has_event(&event.id).await? {
        return Ok(None);
    }
    let app = ports
        .applications
        .get(event.application_id)
        .await?
        .ok_or(Error::NotFound)?;
    if Visa::stored(&app).is_none_or(|v| v.scope != "aes") {
        return Ok(None);
    }
    let number = app
        .document
        .as_ref()
        .map(|d| d.number)
        .ok_or_else(|| Error::Internal(format!("{name} visa {} has no number", app.id)))?;
    let doc = ports
        .documents
        .document(&number)
        .await?
        .ok_or_else(|| Error::Internal(format!("visa {number} is not in the registry")))?;
    let status = match (event.event_type, doc.status) {
        (EventType::Revoked, _) | (_, DocumentStatus::Revoked) => "revoked",
        _ => "valid",
    };
    let mut visa = visa_view(&app, &doc, status)
        .ok_or_else(|| Error::Internal(format!("visa {number} does not read")))?;
    if event.event_type == EventType::Crossed
        && let Some(c) = app.crossings.iter().find(|c| c.at == event.at)
    {
        visa["crossing"] = json!({
            "direction": c.direction.as_str(),
            "at": crate::domain::rfc3339(c.at),
            "post": c.post.to_string(),
        });
    }
    let seq = ports.feed.next_feed_seq().await?;
    let payload = json!({"seq": seq, "event": name, "visa": visa});
    let bytes = serde_json::to_vec(&payload).map_err(|e| Error::Internal(e.to_string()))?;
    let record = FeedRecord {
        seq,
        event_id: event.id.clone(),
        event: name.into(),
        visa,
        signed: ports.sealer.sign_record(&bytes),
    };
    match ports.feed.append(&record).await {
        Ok(()) => Ok(Some(seq)),
        // A twin delivery made it meanwhile: its number stands, this one is a gap.
        Err(StoreError::Duplicate) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Refuses anyone but a partner system of a state the catalogue lists as an AES partner.
fn partner(catalogue: &Catalogue, who: &Principal) -> Result<(), Error> {
    require(who, &[Role::Partner])?;
    let listed = catalogue
        .visa_rules()
        .zip(who.state.as_ref())
        .is_some_and(|(r, s)| r.aes_partners.contains(s.as_str()));
    if listed {
        Ok(())
    } else {
        let mut partners: Vec<&str> = catalogue
            .visa_rules()
            .map(|r| r.aes_partners.iter().map(String::as_str).collect())
            .unwrap_or_default();
        partners.sort_unstable();
        Err(Error::Refused(Msg::NotAnAesPartner {
            partners: partners.join(", "),
        }))
    }
}

/// The items after `after` (a cursor from a previous read; none from the start), and the cursor
/// to ask from next.
pub async fn read(
    feed: &dyn PartnerFeed,
    catalogue: &Catalogue,
    who: &Principal,
    after: Option<&str>,
) -> Result<(Vec<FeedRecord>, u64), Error> {
    partner(catalogue, who)?;
    let after = match after {
        None => 0,
        Some(raw) => raw
            .trim()
            .parse::<u64>()
            .map_err(|_| Error::invalid("after", Msg::InvalidCursor))?,
    };
    let items = feed.after(after, PAGE).await?;
    let next = items.last().map_or(after, |i| i.seq);
    Ok((items, next))
}

/// What checking one visa needs.
pub struct PartnerCheck<'a> {
    pub applications: &'a dyn ApplicationStore,
    pub documents: &'a dyn DocumentRegistry,
    pub catalogue: &'a Catalogue,
    pub seals: &'a dyn SealReader,
    pub clock: &'a dyn Clock,
}

/// A partner's check of the visa a traveller shows: the seal's signature, then the registry's
/// word on it now; a visa valid in Mali alone is not one they honour (not found).
pub async fn verify(
    ports: &PartnerCheck<'_>,
    who: &Principal,
    seal: Option<&str>,
) -> Result<(Value, usize), Error> {
    partner(ports.catalogue, who)?;
    let mut errors = FieldErrors::default();
    let claims = errors.required(
        "seal",
        seal.map(|s| ports.seals.open(s.trim()).map_err(|_| Msg::InvalidSeal)),
    );
    errors.into_result()?;
    let claims = claims.ok_or_else(|| Error::invalid("seal", Msg::Required))?;
    let doc = ports
        .documents
        .document(&claims.number)
        .await?
        .filter(|d| d.kind == Visa::KIND)
        .ok_or(Error::NotFound)?;
    let app = ports
        .applications
        .get(doc.application_id)
        .await?
        .filter(|a| Visa::stored(a).is_some_and(|v| v.scope == "aes"))
        .ok_or(Error::NotFound)?;
    let status = if doc.status == DocumentStatus::Revoked {
        "revoked"
    } else if doc.is_expired(ports.clock.now()) {
        "expired"
    } else {
        "valid"
    };
    let visa = visa_view(&app, &doc, status)
        .ok_or_else(|| Error::Internal(format!("visa {} does not read", doc.number)))?;
    let entries = app
        .crossings
        .iter()
        .filter(|c| c.direction == crate::domain::Direction::Entry)
        .count();
    Ok((visa, entries))
}

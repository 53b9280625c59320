//! Telling the applicant: each event they are told of becomes an email and an SMS, to the
//! addresses they gave, once each. A second delivery of the same event sends nothing again; a
//! provider down for a while leaves the message to come back; an address refused for good is
//! logged (by key, never the address) and not tried again.

use crate::catalogue::Catalogue;
use crate::domain::{Event, NOTIFY};
use crate::error::Error;
use crate::notifications::{About, compose};
use crate::ports::{ApplicationStore, Channel, Clock, Notification, Notifier, SendError, SentLog};

pub struct Notifying<'a> {
    pub applications: &'a dyn ApplicationStore,
    /// Which events each kind's applicants are told of (`Kind::notified`).
    pub catalogue: &'a Catalogue,
    pub notifier: &'a dyn Notifier,
    pub sent: &'a dyn SentLog,
    pub clock: &'a dyn Clock,
    /// The portal, where the messages send the applicant.
    pub portal_url: &'a str,
}

/// The notifications this event makes: none for an event applicants are not told of, or an
/// applicant who gave neither email nor phone.
pub async fn notifications(
    ports: &Notifying<'_>,
    event: &Event,
) -> Result<Vec<Notification>, Error> {
    if !NOTIFY.wants(event) {
        return Ok(Vec::new());
    }
    let app = ports
        .applications
        .get(event.application_id)
        .await?
        .ok_or(Error::NotFound)?;
    if !ports
        .catalogue
        .kind(app.kind)
        .is_some_and(|k| k.notified().contains(&event.event_type))
    {
        return Ok(Vec::new());
    }
    let link = format!(
        "{}/#/applications/{}",
        ports.portal_url.trim_end_matches('/'),
        app.id
    );
    let Some(c) = compose(&About {
        event: event.event_type,
        reference: app.payment_reference.as_str(),
        link: &link,
    }) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    if let Some(to) = &app.applicant.email {
        out.push(Notification {
            key: format!("{}.email", event.id),
            channel: Channel::Email {
                to: to.clone(),
                subject: c.subject.clone(),
                body: c.body.clone(),
            },
        });
    }
    if let Some(to) = &app.applicant.phone {
        out.push(Notification {
            key: format!("{}.sms", event.id),
            channel: Channel::Sms {
                to: to.clone(),
                text: c.sms,
            },
        });
    }
    Ok(out)
}

/// Sends what this event makes; the number sent.
pub async fn notify(ports: &Notifying<'_>, event: &Event) -> Result<usize, Error> {
    let mut sent = 0;
    for n in notifications(ports, event).await? {
        if !ports.sent.claim(&n.key, ports.clock.now()).await? {
            continue;
        }
        match ports.notifier.send(&n).await {
            Ok(()) => sent += 1,
            Err(SendError::Refused(why)) => {
                tracing::warn!(key = %n.key, why, "notification refused by the provider; not tried again");
            }
            Err(SendError::Transient(why)) => {
                ports.sent.release(&n.key).await?;
                return Err(Error::ProviderUnavailable(format!("notifier: {why}")));
            }
        }
    }
    Ok(sent)
}

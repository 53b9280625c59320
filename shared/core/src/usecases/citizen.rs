//! What an applicant does to their own application beside asking and answering: cancel it
//! (before it is paid, or while the office waits for them; a paid one is owed back), and change
//! where they are told of it. Anyone else is answered "not found".

use super::idempotency::{self, Idempotency};
use super::{own, parse_id, require, retry_on_conflict};
use crate::domain::{
    Application, Email, EntryKind, FieldErrors, Phone, Principal, RefundDue, Role, Status,
    StatusChange,
};
use crate::error::Error;
use crate::messages::Msg;
use crate::ports::{ApplicationStore, Clock};
use serde::Deserialize;

/// Where cancelling and changing contacts write.
pub struct Owning<'a> {
    pub applications: &'a dyn ApplicationStore,
    pub clock: &'a dyn Clock,
}

/// Cancels the applicant's own application while nothing is decided: before payment, or while
/// the office asks for information. A paid one records the fee as owed back (`refund`, on the
/// application and in its view) until an operator records the refund.
pub async fn cancel(
    ports: &Owning<'_>,
    who: &Principal,
    id: &str,
    idempotency: Option<Idempotency<'_>>,
) -> Result<Application, Error> {
    require(who, &[Role::Applicant])?;
    let id = parse_id(id)?;
    let store = ports.applications;
    let route = format!("POST /v1/applications/{id}/cancel");
    let visible = |a: &Application| a.subject == who.subject;
    let (app, _) = idempotency::once(
        store,
        ports.clock,
        who,
        idempotency,
        &route,
        id,
        visible,
        |key| async move {
            retry_on_conflict(|| async {
                let mut app = own(store, who, id).await?;
                if !matches!(app.status(), Status::AwaitingPayment | Status::NeedsInfo) {
                    return Err(Error::Conflict(Msg::NotCancellable {
                        status: app.status().as_str(),
                    }));
                }
                let now = ports.clock.now();
                // Only payment leads to `needs_info`: one paid before receipts were kept owes
                // its fee back all the same.
                let owed = match &app.paid {
                    Some(paid) => Some((paid.amount, paid.currency.clone())),
                    None if app.status() == Status::NeedsInfo => {
                        Some((app.fee.amount, app.fee.currency.as_str().to_owned()))
                    }
                    None => None,
                };
                let change = app.transition(Status::Cancelled, who.actor(), now, None)?;
                if let Some((amount, currency)) = owed {
                    app.refund = Some(RefundDue {
                        amount,
                        currency,
                        due_since: now,
                        refunded: None,
                    });
                }
                app.version = idempotency::write(store, &app, &[change], key.as_ref()).await?;
                tracing::info!(application_id = %app.id, refund_due = app.refund.is_some(), "cancelled by its applicant");
                Ok(app)
            })
            .await
        },
    )
    .await?;
    Ok(app)
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactRequest {
    /// Where emails about the application go; `""` removes it.
    pub email: Option<String>,
    /// Where text messages go, as people write it (`70 12 34 56`, `+33 6 …`); `""` removes it.
    pub phone: Option<String>,
}

/// Changes where the applicant is told of their application: written in its trail (who, when,
/// which of the two; not the values), refused once nothing more will be said of it.
pub async fn change_contact(
    ports: &Owning<'_>,
    who: &Principal,
    id: &str,
    request: &ContactRequest,
) -> Result<Application, Error> {
    require(who, &[Role::Applicant])?;
    let id = parse_id(id)?;
    let mut errors = FieldErrors::default();
    if request.email.is_none() && request.phone.is_none() {
        errors.push("email", Msg::ContactRequired);
    }
    let blank = |v: &str| v.trim().is_empty();
    let email = request.email.as_deref().map(|e| {
        if blank(e) {
            Some(None)
        } else {
            errors.check("email", Email::parse(e)).map(Some)
        }
    });
    let phone = request.phone.as_deref().map(|p| {
        if blank(p) {
            Some(None)
        } else {
            errors.check("phone", Phone::parse(p)).map(Some)
        }
    });
    errors.into_result()?;
    let store = ports.applications;
    retry_on_conflict(|| async {
        let mut app = own(store, who, id).await?;
        if matches!(app.status(), Status::Cancelled | Status::Expired) {
            return Err(Error::Conflict(Msg::WrongStatus {
                status: app.status().as_str(),
            }));
        }
        let mut which = Vec::new();
        if let Some(Some(email)) = &email {
            app.applicant.email = email.clone();
            which.push("email");
        }
        if let Some(Some(phone)) = &phone {
            app.applicant.phone = phone.clone();
            which.push("phone");
        }
        let now = ports.clock.now();
        let change = StatusChange {
            from: app.status(),
            to: app.status(),
            at: now,
            actor: who.actor(),
            reason: Some(format!("contact changed: {}", which.join(", "))),
            event: EntryKind::Contact,
            step: None,
        };
        // Not `updated_at`: queues wait by it, and a new phone is no new step.
        app.version = store.update(&app, &[change]).await?;
        Ok(app)
    })
    .await
}

/// The receipt of the fee paid, in French and English, for its applicant and the staff of its
/// office (a staff read, on record); none before payment ("not found").
pub async fn receipt(
    ports: &Owning<'_>,
    catalogue: &crate::catalogue::Catalogue,
    who: &Principal,
    id: &str,
) -> Result<(String, String), Error> {
    let app = super::applications::readable(
        ports.applications,
        catalogue,
        ports.clock,
        who,
        id,
        "receipt",
    )
    .await?;
    let paid = app.paid.as_ref().ok_or(Error::NotFound)?;
    let title = catalogue
        .kind(app.kind)
        .map(|k| {
            let n = k.names();
            format!("{} / {}", n.title, n.title_en)
        })
        .unwrap_or_else(|| app.kind.to_string());
    let office = catalogue
        .office(&app.office)
        .map_or_else(|| app.office.to_string(), |o| o.name.clone());
    let method = paid
        .method
        .as_deref()
        .map(|m| format!(" ({m})"))
        .unwrap_or_default();
    let at = crate::domain::rfc3339(paid.at);
    let text = format!(
        "RÉPUBLIQUE DU MALI — Guichet\n\
         REÇU DE PAIEMENT / PAYMENT RECEIPT\n\n\
         Demande / Application : {reference}\n\
         Document : {title}\n\
         Service / Office : {office}\n\
         Montant / Amount : {amount} {currency}\n\
         Payé avec / Paid with : {provider}{method}\n\
         Transaction : {txn}\n\
         Le / On : {at}\n\n\
         Ce reçu atteste le paiement des frais de la demande ; il ne vaut pas document.\n\
         This receipt attests the payment of the application's fee; it is not the document.\n",
        reference = app.payment_reference,
        amount = paid.amount,
        currency = paid.currency,
        provider = paid.provider.as_str(),
        txn = paid.provider_txn,
    );
    Ok((text, format!("recu-{}.txt", app.payment_reference)))
}

//! A payment provider tells us money moved. Signed, replay-safe, exact to the franc.

use super::idempotency::{self, Idempotency};
use super::{parse_id, require, retry_on_conflict};
use crate::catalogue::Catalogue;
use crate::domain::{
    Application, CheckoutRecord, Currency, Payment, PaymentOutcome, PaymentReference,
    PaymentStatus, Principal, Role, Status,
};
use crate::error::Error;
use crate::messages::Msg;
use crate::ports::{
    ApplicationStore, Checkout, CheckoutRequest, Clock, Notice, PaymentLedger, StoreError,
};
use serde::Deserialize;

// The body of a notice in Guichet's own signed format (the sandbox, and any provider or relay
// that sends our format): `POST /v1/payments/webhook/{provider}`. A plain comment, so the
// published schema stays as it was.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentNotice {
    pub provider_txn: String,
    pub payment_reference: String,
    pub amount: u64,
    pub currency: String,
    pub status: PaymentStatus,
}

/// Where a payment's addresses point: this service's API, which a provider notifies, and the
/// portal, where the citizen's browser comes back.
pub struct PaymentAddresses<'a> {
    pub api: &'a str,
    pub portal: &'a str,
}

/// Opens a payment of an application's fee with `checkout`, for the applicant only, while the
/// application waits for one. The page opened is kept on the application with the request's
/// `Idempotency-Key`, so the same request again answers with the same page; another start
/// (another provider, another key) is another page, and should two be paid, the second notice
/// finds the application paid and is recorded `not_payable`, for refund. A page opened whose
/// record could not be written is simply never used.
pub async fn start(
    ports: &Starting<'_>,
    who: &Principal,
    id: &str,
    checkout: &dyn Checkout,
    lang: &'static str,
    idempotency: Idempotency<'_>,
) -> Result<(Application, String), Error> {
    require(who, &[Role::Applicant])?;
    let store = ports.applications;
    let id = parse_id(id)?;
    let provider = checkout.provider();
    let route = format!("POST /v1/applications/{id}/payment");
    let page = |app: &Application| {
        app.checkouts
            .iter()
            .rev()
            .find(|c| c.provider == provider)
            .map(|c| c.url.clone())
    };
    let visible = |a: &Application| a.subject == who.subject;
    let (app, _) = idempotency::once(
        store,
        ports.clock,
        who,
        Some(idempotency),
        &route,
        id,
        visible,
        |key| async move {
            let app = super::own(store, who, id).await?;
            if app.status() != Status::AwaitingPayment {
                return Err(Error::Conflict(Msg::NotAwaitingPayment));
            }
            let title = ports
                .catalogue
                .kinds()
                .get(app.kind)
                .map(|k| k.names().title.clone())
                .unwrap_or_default();
            let api = ports.addresses.api.trim_end_matches('/');
            let request = CheckoutRequest {
                application: app.id,
                reference: app.payment_reference.clone(),
                amount: app.fee,
                description: format!("Guichet {title} {}", app.payment_reference),
                lang,
                api: api.to_owned(),
                return_url: format!(
                    "{}/#/applications/{}",
                    ports.addresses.portal.trim_end_matches('/'),
                    app.id
                ),
            };
            let url = checkout.start(&request).await?;
            tracing::info!(application_id = %app.id, provider = provider.as_str(), "payment started");
            let opened = CheckoutRecord {
                provider,
                url,
                at: ports.clock.now(),
            };
            retry_on_conflict(|| async {
                let mut app = store.get(id).await?.ok_or(Error::NotFound)?;
                if app.status() != Status::AwaitingPayment {
                    return Err(Error::Conflict(Msg::NotAwaitingPayment));
                }
                app.checkouts.push(opened.clone());
                app.version = idempotency::write(store, &app, &[], key.as_ref()).await?;
                Ok(app)
            })
            .await
        },
    )
    .await?;
    let url = page(&app).ok_or(Error::Conflict(Msg::NotAwaitingPayment))?;
    Ok((app, url))
}

/// What starting a payment needs.
pub struct Starting<'a> {
    pub applications: &'a dyn ApplicationStore,
    pub catalogue: &'a Catalogue,
    pub clock: &'a dyn Clock,
    pub addresses: PaymentAddresses<'a>,
}

/// What a delivery of a notice did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Receipt {
    /// What the notice of this transaction did, the first time it arrived.
    pub outcome: PaymentOutcome,
    /// An earlier delivery of the same transaction was recorded already: this one changed
    /// nothing (providers resend until they hear back).
    pub replay: bool,
}

/// Records the notice once; pays the application when it is exactly what is owed.
/// A replay changes nothing and says what the first delivery recorded.
pub async fn receive(
    applications: &dyn ApplicationStore,
    ledger: &dyn PaymentLedger,
    clock: &dyn Clock,
    notice: &Notice,
) -> Result<Receipt, Error> {
    let provider = notice.provider;
    let txn = notice.provider_txn.trim();
    if txn.is_empty() {
        return Err(Error::invalid("provider_txn", Msg::NotEmpty));
    }
    if txn.len() > 128 {
        return Err(Error::invalid("provider_txn", Msg::TooLong { max: 128 }));
    }
    retry_on_conflict(|| async {
        if let Some(existing) = ledger.payment(provider, txn).await? {
            return Ok(Receipt {
                outcome: existing.outcome,
                replay: true,
            });
        }
        let now = clock.now();
        let app = match PaymentReference::parse(notice.payment_reference.trim()) {
            Ok(r) => applications.find_by_payment_reference(&r).await?,
            Err(_) => None,
        };
        let outcome = match (&app, notice.status) {
            (None, _) => PaymentOutcome::Unmatched,
            (Some(_), PaymentStatus::Failed) => PaymentOutcome::Failed,
            (Some(a), PaymentStatus::Succeeded)
                if Currency::parse(&notice.currency) != Some(a.fee.currency)
                    || notice.amount != a.fee.amount =>
            {
                PaymentOutcome::AmountMismatch
            }
            (Some(a), PaymentStatus::Succeeded) if a.status() != Status::AwaitingPayment => {
                PaymentOutcome::NotPayable
            }
            (Some(_), PaymentStatus::Succeeded) => PaymentOutcome::Applied,
        };
        let payment = Payment {
            provider,
            provider_txn: txn.to_owned(),
            payment_reference: notice.payment_reference.chars().take(64).collect(),
            amount: notice.amount,
            currency: notice.currency.chars().take(8).collect(),
            status: notice.status,
            outcome,
            application_id: app.as_ref().map(|a| a.id),
            received_at: now,
            method: notice.method.clone(),
        };
        let result = match (outcome, app) {
            (PaymentOutcome::Applied, Some(mut a)) => {
                let change = a.pay(
                    now,
                    crate::domain::PaidWith {
                        provider: payment.provider,
                        provider_txn: payment.provider_txn.clone(),
                        amount: payment.amount,
                        currency: payment.currency.clone(),
                        at: now,
                        method: payment.method.clone(),
                    },
                )?;
                ledger.record(&payment, Some((&a, &[change]))).await
            }
            _ => ledger.record(&payment, None).await,
        };
        match result {
            Ok(()) => {
                log_outcome(&payment);
                Ok(Receipt {
                    outcome,
                    replay: false,
                })
            }
            // Delivered twice at once: the other delivery recorded it; report what it recorded.
            Err(StoreError::Duplicate) => ledger
                .payment(provider, txn)
                .await?
                .map(|p| Receipt {
                    outcome: p.outcome,
                    replay: true,
                })
                .ok_or(Error::Store(StoreError::Conflict)),
            Err(e) => Err(e.into()),
        }
    })
    .await
}

fn log_outcome(p: &Payment) {
    let application_id = p.application_id.map(|i| i.to_string()).unwrap_or_default();
    match p.outcome {
        PaymentOutcome::Applied => {
            tracing::info!(provider = %p.provider, %application_id, "payment applied");
        }
        outcome => {
            // Money that did not pay for anything: ops must see it to refund or reconcile.
            tracing::warn!(provider = %p.provider, %application_id, outcome = outcome.as_str(), amount = p.amount, "payment not applied");
        }
    }
}

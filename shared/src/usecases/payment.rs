//! A payment provider tells us money moved. Signed, replay-safe, exact to the franc.

use super::retry_on_conflict;
use crate::context::Context;
use crate::domain::{
    Actor, Currency, Payment, PaymentOutcome, PaymentReference, PaymentStatus, Provider, Status,
};
use crate::error::Error;
use crate::messages::Msg;
use crate::ports::StoreError;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;
use time::OffsetDateTime;

/// A notice older or newer than this is refused, so a captured one cannot be replayed later.
pub const SIGNATURE_WINDOW_SECONDS: i64 = 300;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentNotice {
    pub provider_txn: String,
    pub payment_reference: String,
    pub amount: u64,
    pub currency: String,
    pub status: PaymentStatus,
}

/// Checks `Guichet-Signature: t=<unix>,v1=<hex>` over `"<t>.<raw body>"`, in constant time.
pub fn verify_signature(
    secret: &[u8],
    header: Option<&str>,
    body: &[u8],
    now: OffsetDateTime,
) -> Result<(), Error> {
    let header = header.ok_or(Error::Unauthenticated)?;
    let mut timestamp = None;
    let mut candidates = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", sig)) => candidates.extend(hex::decode(sig).ok()),
            _ => {}
        }
    }
    let t = timestamp.ok_or(Error::Unauthenticated)?;
    if (now.unix_timestamp() - t).abs() > SIGNATURE_WINDOW_SECONDS {
        return Err(Error::Unauthenticated);
    }
    let valid = candidates.iter().any(|sig| {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
            return false;
        };
        mac.update(t.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        // `verify_slice` compares in constant time.
        mac.verify_slice(sig).is_ok()
    });
    if valid {
        Ok(())
    } else {
        Err(Error::Unauthenticated)
    }
}

/// Signs a body the way providers must: for the sandbox, the demo and tests.
pub fn sign(secret: &[u8], body: &[u8], t: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// The provider named in the path, if it is one we take payments from here.
pub fn provider(ctx: &Context, name: &str) -> Result<Provider, Error> {
    match Provider::parse(name) {
        Some(Provider::Sandbox) if !ctx.config.sandbox_payments_allowed() => Err(Error::NotFound),
        Some(p) => Ok(p),
        None => Err(Error::NotFound),
    }
}

/// Records the notice once; pays the application when it is exactly what is owed.
/// A replay returns what the first delivery recorded.
pub async fn receive(
    ctx: &Context,
    provider: Provider,
    notice: &PaymentNotice,
) -> Result<PaymentOutcome, Error> {
    let txn = notice.provider_txn.trim();
    if txn.is_empty() {
        return Err(Error::invalid("provider_txn", Msg::NotEmpty));
    }
    if txn.len() > 128 {
        return Err(Error::invalid("provider_txn", Msg::TooLong { max: 128 }));
    }
    retry_on_conflict(|| async {
        if let Some(existing) = ctx.payments.payment(provider, txn).await? {
            return Ok(existing.outcome);
        }
        let now = ctx.clock.now();
        let app = match PaymentReference::parse(notice.payment_reference.trim()) {
            Ok(r) => ctx.applications.find_by_payment_reference(&r).await?,
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
        };
        let result = match (outcome, app) {
            (PaymentOutcome::Applied, Some(mut a)) => {
                let change = a.transition(Status::InReview, Actor::system("payment"), now, None)?;
                ctx.payments.record(&payment, Some((&a, &[change]))).await
            }
            _ => ctx.payments.record(&payment, None).await,
        };
        match result {
            Ok(()) => {
                log_outcome(&payment);
                Ok(outcome)
            }
            // Delivered twice at once: the other delivery recorded it; report what it recorded.
            Err(StoreError::Duplicate) => ctx
                .payments
                .payment(provider, txn)
                .await?
                .map(|p| p.outcome)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_checks_only_with_the_secret_the_body_and_a_fresh_timestamp() {
        let now = OffsetDateTime::now_utc();
        let t = now.unix_timestamp();
        let header = sign(b"secret", b"{\"a\":1}", t);
        assert!(verify_signature(b"secret", Some(&header), b"{\"a\":1}", now).is_ok());
        assert!(verify_signature(b"other", Some(&header), b"{\"a\":1}", now).is_err());
        assert!(verify_signature(b"secret", Some(&header), b"{\"a\":2}", now).is_err());
        assert!(verify_signature(b"secret", None, b"{\"a\":1}", now).is_err());
        let old = sign(b"secret", b"{}", t - SIGNATURE_WINDOW_SECONDS - 1);
        assert!(verify_signature(b"secret", Some(&old), b"{}", now).is_err());
        assert!(verify_signature(b"secret", Some("t=1,v1=zz"), b"{}", now).is_err());
    }
}

//! Payment providers behind one port. Each gateway authenticates a webhook delivery its own way
//! and reads it into the one `Notice` the payment step understands; the mapping of each
//! provider's fields is in docs/payments.md.

mod cinetpay;
mod signed;

pub use cinetpay::{CinetPay, CinetPayConfig};
pub use signed::{PaymentNotice, SIGNATURE_WINDOW_SECONDS, SignedNotices, sign, verify_signature};

use crate::config::Config;
use crate::domain::{PaymentStatus, Provider};
use crate::error::Error;
use http::HeaderMap;
use std::sync::Arc;
use time::OffsetDateTime;

/// What a provider told us, once its delivery is authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// Whose ledger the transaction belongs to: with `provider_txn`, the key that makes a
    /// second delivery a replay.
    pub provider: Provider,
    pub provider_txn: String,
    pub payment_reference: String,
    pub amount: u64,
    pub currency: String,
    pub status: PaymentStatus,
    /// How the citizen paid, when the provider says (`orange_money`, `moov_money`, `card`).
    pub method: Option<String>,
}

/// One webhook delivery, as received.
pub struct Delivery<'a> {
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

pub trait PaymentGateway: Send + Sync {
    /// Its webhook is `POST /v1/payments/webhook/{name}`.
    fn name(&self) -> &'static str;
    /// 401 when the delivery cannot be vouched for (nothing is recorded); 400/422 when it is
    /// authentic but unreadable.
    fn read(&self, delivery: &Delivery<'_>, now: OffsetDateTime) -> Result<Notice, Error>;
}

/// The gateways this deployment takes payments from, built once at cold start.
#[derive(Clone, Default)]
pub struct Gateways(Vec<Arc<dyn PaymentGateway>>);

impl Gateways {
    /// Guichet-signed notices for each provider (the sandbox only outside production), and
    /// CinetPay when it is configured.
    pub fn from_config(config: &Config, secret: &[u8]) -> Self {
        let mut all: Vec<Arc<dyn PaymentGateway>> = Provider::ALL
            .into_iter()
            .filter(|p| *p != Provider::Cinetpay)
            .filter(|p| *p != Provider::Sandbox || config.sandbox_payments_allowed())
            .map(|p| Arc::new(SignedNotices::new(p, secret)) as Arc<dyn PaymentGateway>)
            .collect();
        if let Some(c) = &config.cinetpay {
            all.push(Arc::new(CinetPay::new(c.clone())));
        }
        Gateways(all)
    }

    /// An unknown or disabled gateway is simply not found.
    pub fn get(&self, name: &str) -> Result<&dyn PaymentGateway, Error> {
        self.0
            .iter()
            .find(|g| g.name() == name)
            .map(AsRef::as_ref)
            .ok_or(Error::NotFound)
    }
}

//! A payment notice from a provider, and what Guichet made of it.

use super::ApplicationId;
use serde::{Deserialize, Serialize};
use std::fmt;
use time::OffsetDateTime;

/// Who collected the money. `Sandbox` is the local stand-in, refused in production.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    Sandbox,
    OrangeMoney,
    MoovMoney,
    Card,
    /// The aggregator that collects Orange Money, Moov Money and cards under one contract.
    Cinetpay,
}

impl Provider {
    pub const ALL: [Provider; 5] = [
        Provider::Sandbox,
        Provider::OrangeMoney,
        Provider::MoovMoney,
        Provider::Card,
        Provider::Cinetpay,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Sandbox => "sandbox",
            Provider::OrangeMoney => "orange_money",
            Provider::MoovMoney => "moov_money",
            Provider::Card => "card",
            Provider::Cinetpay => "cinetpay",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    Succeeded,
    Failed,
}

/// What the notice did. Everything but `Applied` is kept for ops to look at (and refund).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentOutcome {
    /// Paid the application, which moved on.
    Applied,
    /// The provider reported a failure; the application still waits for payment.
    Failed,
    /// Not exactly the fee, or not in francs CFA: the application stays unpaid.
    AmountMismatch,
    /// No application has this payment reference.
    Unmatched,
    /// The application no longer waited for payment (paid already, expired, cancelled): refund.
    NotPayable,
}

impl PaymentOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentOutcome::Applied => "applied",
            PaymentOutcome::Failed => "failed",
            PaymentOutcome::AmountMismatch => "amount_mismatch",
            PaymentOutcome::Unmatched => "unmatched",
            PaymentOutcome::NotPayable => "not_payable",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    pub provider: Provider,
    /// The provider's own transaction id: at most one payment per (provider, transaction).
    pub provider_txn: String,
    /// As the provider sent it, even when it matches nothing.
    pub payment_reference: String,
    pub amount: u64,
    pub currency: String,
    pub status: PaymentStatus,
    pub outcome: PaymentOutcome,
    pub application_id: Option<ApplicationId>,
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
    /// How the citizen paid, when the provider says (`orange_money`, `moov_money`, `card`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
}

//! Payment providers behind one port. Each gateway authenticates a webhook delivery its own way
//! and reads it into the one `Notice` the payment step understands; the mapping of each
//! provider's fields is in docs/payments.md.

mod cinetpay;
mod signed;

pub use cinetpay::{CinetPay, CinetPayConfig};
pub use signed::{SIGNATURE_WINDOW_SECONDS, SignedNotices, sign, verify_signature};

use guichet_core::Error;
use guichet_core::domain::Provider;
use guichet_core::ports::PaymentGateway;
use guichet_core::settings::{Env, Environment, SettingError};
use secrecy::SecretString;
use std::sync::Arc;

/// Which providers this deployment takes payments from.
#[derive(Debug, Clone)]
pub struct PaymentSettings {
    /// The sandbox provider exists only outside production.
    pub sandbox: bool,
    /// The webhook secret of Guichet-signed notices (`GUICHET_PAYMENT_SECRET`, at least 32
    /// characters); when unset, the backend supplies one (made in the data directory in
    /// development, kept in the service secret on AWS).
    pub secret: Option<SecretString>,
    /// CinetPay (Orange Money, Moov Money, cards): `GUICHET_CINETPAY_SITE_ID` and
    /// `GUICHET_CINETPAY_SECRET`, both or neither.
    pub cinetpay: Option<CinetPayConfig>,
}

impl PaymentSettings {
    pub fn read(env: &Env) -> Result<Self, SettingError> {
        let cinetpay = match (
            env.get("GUICHET_CINETPAY_SITE_ID"),
            env.secret("GUICHET_CINETPAY_SECRET", 16),
        ) {
            (None, Ok(None)) => None,
            (Some(site_id), Ok(Some(secret))) => Some(CinetPayConfig {
                site_id: site_id.trim().to_owned(),
                secret,
            }),
            _ => {
                return Err(SettingError::Invalid {
                    name: "GUICHET_CINETPAY_SECRET",
                    why: "set GUICHET_CINETPAY_SITE_ID and a secret of 16 characters or more, or neither".into(),
                });
            }
        };
        Ok(PaymentSettings {
            sandbox: !Environment::read(env)?.is_production(),
            secret: env.secret("GUICHET_PAYMENT_SECRET", 32)?,
            cinetpay,
        })
    }
}

/// The gateways this deployment takes payments from, built once at cold start.
#[derive(Clone, Default)]
pub struct Gateways(Vec<Arc<dyn PaymentGateway>>);

impl Gateways {
    /// Guichet-signed notices for each provider (the sandbox only outside production) with the
    /// webhook secret, and CinetPay when it is configured.
    pub fn new(settings: &PaymentSettings, secret: &SecretString) -> Self {
        let mut all: Vec<Arc<dyn PaymentGateway>> = Provider::ALL
            .into_iter()
            .filter(|p| *p != Provider::Cinetpay)
            .filter(|p| *p != Provider::Sandbox || settings.sandbox)
            .map(|p| Arc::new(SignedNotices::new(p, secret.clone())) as Arc<dyn PaymentGateway>)
            .collect();
        if let Some(c) = &settings.cinetpay {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_never_show_a_secret_and_the_sandbox_is_for_development_only() {
        let env = Env::vars(&[
            (
                "GUICHET_PAYMENT_SECRET",
                "webhook-secret-0123456789abcdefghij",
            ),
            ("GUICHET_CINETPAY_SITE_ID", "445160"),
            ("GUICHET_CINETPAY_SECRET", "cinetpay-secret-xyz"),
        ]);
        let settings = PaymentSettings::read(&env).unwrap();
        let shown = format!("{settings:?}");
        assert!(
            !shown.contains("webhook-secret") && !shown.contains("cinetpay-secret"),
            "{shown}"
        );
        assert!(settings.sandbox);
        let secret = SecretString::from("webhook-secret-0123456789abcdefghij");
        let gateways = Gateways::new(&settings, &secret);
        assert!(gateways.get("sandbox").is_ok() && gateways.get("cinetpay").is_ok());
        let prod = PaymentSettings::read(&Env::vars(&[("GUICHET_ENV", "production")])).unwrap();
        assert!(Gateways::new(&prod, &secret).get("sandbox").is_err());
        assert!(
            PaymentSettings::read(&Env::vars(&[("GUICHET_CINETPAY_SITE_ID", "445160")])).is_err(),
            "a site id without its secret"
        );
    }
}

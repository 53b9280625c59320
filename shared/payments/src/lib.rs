//! Payment providers behind one port. Each gateway authenticates a webhook delivery its own way
//! and reads it into the one `Notice` the payment step understands; the mapping of each
//! provider's fields is in docs/payments.md.

mod checkout;
mod cinetpay;
mod signed;

pub use checkout::{CinetPayCheckout, CinetPayCheckoutConfig, SandboxCheckout};
pub use cinetpay::{CinetPay, CinetPayConfig};
pub use signed::{SIGNATURE_WINDOW_SECONDS, SignedNotices, sign, sign_v1, verify_signature};

use guichet_core::Error;
use guichet_core::domain::Provider;
use guichet_core::messages::Msg;
use guichet_core::ports::{Checkout, PaymentGateway};
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
    /// Whether Guichet-signed notices may still carry the old `v1=` signature, which does not
    /// name the provider (`GUICHET_PAYMENT_SIGNATURE_V1`: `accept`, the default while relays
    /// move to `v2=`, or `refuse`).
    pub accept_v1: bool,
    /// CinetPay (Orange Money, Moov Money, cards): `GUICHET_CINETPAY_SITE_ID`,
    /// `GUICHET_CINETPAY_SECRET` (its notices' token) and `GUICHET_CINETPAY_API_KEY` (its API,
    /// which opens payment pages and confirms each notice), all or none;
    /// `GUICHET_CINETPAY_API_URL` where its API is not CinetPay's own (a test's stand-in).
    pub cinetpay: Option<CinetPayConfig>,
    /// This service's public address (`GUICHET_PUBLIC_URL`), which providers notify and the
    /// sandbox's page lives at; `guichet serve` uses its own address when unset.
    pub public_url: Option<String>,
    /// Where a citizen's browser comes back after paying (`GUICHET_PORTAL_URL`): the portal;
    /// the public address when unset.
    pub portal_url: Option<String>,
}

impl PaymentSettings {
    pub fn read(env: &Env) -> Result<Self, SettingError> {
        let cinetpay = match (
            env.get("GUICHET_CINETPAY_SITE_ID"),
            env.secret("GUICHET_CINETPAY_SECRET", 16)?,
            env.secret("GUICHET_CINETPAY_API_KEY", 8)?,
        ) {
            (None, None, None) => None,
            (Some(site_id), Some(secret), Some(api_key)) => Some(CinetPayConfig {
                site_id: site_id.trim().to_owned(),
                secret,
                api_key,
                api_url: guichet_core::settings::address(env, "GUICHET_CINETPAY_API_URL")?
                    .unwrap_or_else(|| "https://api-checkout.cinetpay.com".into()),
            }),
            _ => {
                return Err(SettingError::Invalid {
                    name: "GUICHET_CINETPAY_API_KEY",
                    why: "set GUICHET_CINETPAY_SITE_ID, a GUICHET_CINETPAY_SECRET of 16 characters or more and GUICHET_CINETPAY_API_KEY (each notice is confirmed with CinetPay's API), or none".into(),
                });
            }
        };
        let accept_v1 = match env.or("GUICHET_PAYMENT_SIGNATURE_V1", "accept").as_str() {
            "accept" => true,
            "refuse" => false,
            other => {
                return Err(SettingError::Invalid {
                    name: "GUICHET_PAYMENT_SIGNATURE_V1",
                    why: format!("{other:?}: accept or refuse"),
                });
            }
        };
        Ok(PaymentSettings {
            sandbox: !Environment::read(env)?.is_production(),
            secret: env.secret("GUICHET_PAYMENT_SECRET", 32)?,
            accept_v1,
            cinetpay,
            public_url: guichet_core::settings::address(env, "GUICHET_PUBLIC_URL")?,
            portal_url: guichet_core::settings::address(env, "GUICHET_PORTAL_URL")?,
        })
    }
}

/// The gateways this deployment takes payments from, and the pages it starts them on, built
/// once at cold start.
#[derive(Clone, Default)]
pub struct Gateways {
    gateways: Vec<Arc<dyn PaymentGateway>>,
    checkouts: Vec<Arc<dyn Checkout>>,
    sandbox: Option<SecretString>,
}

impl Gateways {
    /// Guichet-signed notices for each provider (the sandbox only outside production) with the
    /// webhook secret, and CinetPay when it is configured.
    pub fn new(settings: &PaymentSettings, secret: &SecretString) -> Self {
        let mut all: Vec<Arc<dyn PaymentGateway>> = Provider::ALL
            .into_iter()
            .filter(|p| *p != Provider::Cinetpay)
            .filter(|p| *p != Provider::Sandbox || settings.sandbox)
            .map(|p| {
                Arc::new(SignedNotices::new(p, secret.clone(), settings.accept_v1))
                    as Arc<dyn PaymentGateway>
            })
            .collect();
        if let Some(c) = &settings.cinetpay {
            all.push(Arc::new(CinetPay::new(c.clone())));
        }
        let mut checkouts: Vec<Arc<dyn Checkout>> = Vec::new();
        if settings.sandbox {
            checkouts.push(Arc::new(SandboxCheckout));
        }
        if let Some(c) = &settings.cinetpay {
            checkouts.push(Arc::new(CinetPayCheckout::new(CinetPayCheckoutConfig {
                site_id: c.site_id.clone(),
                api_key: c.api_key.clone(),
                api_url: c.api_url.clone(),
            })));
        }
        Gateways {
            gateways: all,
            checkouts,
            sandbox: settings.sandbox.then(|| secret.clone()),
        }
    }

    /// An unknown or disabled gateway is simply not found.
    pub fn get(&self, name: &str) -> Result<&dyn PaymentGateway, Error> {
        self.gateways
            .iter()
            .find(|g| g.name() == name)
            .map(AsRef::as_ref)
            .ok_or(Error::NotFound)
    }

    /// Where a payment with `provider` starts; one not offered here is the field's error,
    /// naming those that are.
    pub fn checkout(&self, provider: &str) -> Result<&dyn Checkout, Error> {
        self.checkouts
            .iter()
            .find(|c| c.provider().as_str() == provider)
            .map(AsRef::as_ref)
            .ok_or_else(|| {
                let offered: Vec<&str> = self.offered().map(Provider::as_str).collect();
                Error::invalid(
                    "provider",
                    Msg::ProviderNotOffered {
                        offered: offered.join(", "),
                    },
                )
            })
    }

    /// The providers a payment starts with here.
    pub fn offered(&self) -> impl Iterator<Item = Provider> + '_ {
        self.checkouts.iter().map(|c| c.provider())
    }

    /// The webhook secret the sandbox's page signs its notices with; none in production.
    pub fn sandbox_secret(&self) -> Option<&SecretString> {
        self.sandbox.as_ref()
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
            ("GUICHET_CINETPAY_API_KEY", "cinetpay-api-key-123"),
        ]);
        let settings = PaymentSettings::read(&env).unwrap();
        let shown = format!("{settings:?}");
        assert!(
            !shown.contains("webhook-secret")
                && !shown.contains("cinetpay-secret")
                && !shown.contains("cinetpay-api-key"),
            "{shown}"
        );
        assert!(settings.accept_v1, "v1 taken until relays move");
        assert!(settings.sandbox);
        let secret = SecretString::from("webhook-secret-0123456789abcdefghij");
        let gateways = Gateways::new(&settings, &secret);
        assert!(gateways.get("sandbox").is_ok() && gateways.get("cinetpay").is_ok());
        let prod = PaymentSettings::read(&Env::vars(&[("GUICHET_ENV", "production")])).unwrap();
        assert!(Gateways::new(&prod, &secret).get("sandbox").is_err());
        assert!(Gateways::new(&prod, &secret).checkout("sandbox").is_err());
        assert!(Gateways::new(&prod, &secret).sandbox_secret().is_none());
        assert!(gateways.checkout("sandbox").is_ok());
        assert!(
            PaymentSettings::read(&Env::vars(&[
                ("GUICHET_CINETPAY_SITE_ID", "445160"),
                ("GUICHET_CINETPAY_SECRET", "cinetpay-secret-xyz"),
            ]))
            .is_err(),
            "no notice is taken without the API that confirms it"
        );
        let starting = PaymentSettings::read(&Env::vars(&[
            ("GUICHET_CINETPAY_SITE_ID", "445160"),
            ("GUICHET_CINETPAY_SECRET", "cinetpay-secret-xyz"),
            ("GUICHET_CINETPAY_API_KEY", "cinetpay-api-key-123"),
            ("GUICHET_PUBLIC_URL", "https://api.guichet.ml/"),
            ("GUICHET_PAYMENT_SIGNATURE_V1", "refuse"),
        ]))
        .unwrap();
        assert!(!starting.accept_v1);
        assert!(
            PaymentSettings::read(&Env::vars(&[("GUICHET_PAYMENT_SIGNATURE_V1", "maybe")]))
                .is_err()
        );
        assert_eq!(
            starting.public_url.as_deref(),
            Some("https://api.guichet.ml")
        );
        assert!(
            Gateways::new(&starting, &secret)
                .checkout("cinetpay")
                .is_ok()
        );
        assert!(
            PaymentSettings::read(&Env::vars(&[(
                "GUICHET_CINETPAY_API_KEY",
                "cinetpay-api-key-123"
            )]))
            .is_err()
        );
        assert!(
            PaymentSettings::read(&Env::vars(&[("GUICHET_PUBLIC_URL", "api.guichet.ml")])).is_err()
        );
        assert!(
            PaymentSettings::read(&Env::vars(&[("GUICHET_CINETPAY_SITE_ID", "445160")])).is_err(),
            "a site id without its secret"
        );
    }
}

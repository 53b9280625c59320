//! Starting a payment: the page a citizen pays on. The sandbox's is ours (outside production);
//! CinetPay's comes from its payment initialisation API (docs.cinetpay.com, "Initiating a
//! payment"): a JSON POST that answers with the payment page's address.

use super::signed::sign;
use guichet_core::Error;
use guichet_core::domain::{PaymentStatus, Provider};
use guichet_core::ports::{Checkout, CheckoutRequest};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::json;
use std::time::Duration;
use time::OffsetDateTime;

/// The sandbox's payment page, served by the payment function outside production.
pub struct SandboxCheckout;

#[async_trait::async_trait]
impl Checkout for SandboxCheckout {
    fn provider(&self) -> Provider {
        Provider::Sandbox
    }

    async fn start(&self, request: &CheckoutRequest) -> Result<String, Error> {
        Ok(format!(
            "{}/v1/payments/sandbox/checkout/{}",
            request.api, request.reference
        ))
    }
}

impl SandboxCheckout {
    /// The notice the sandbox provider sends when the citizen pays (or fails to) on its page:
    /// the headers and body of a delivery to `/v1/payments/webhook/sandbox`, signed with the
    /// webhook secret as any provider of our format signs.
    pub fn notice(
        secret: &SecretString,
        reference: &str,
        amount: u64,
        currency: &str,
        status: PaymentStatus,
        now: OffsetDateTime,
    ) -> (Vec<(String, String)>, Vec<u8>) {
        let body = json!({
            "provider_txn": format!("sandbox-{}", ulid::Ulid::new()),
            "payment_reference": reference,
            "amount": amount,
            "currency": currency,
            "status": status,
        })
        .to_string()
        .into_bytes();
        let signature = sign(
            secret.expose_secret().as_bytes(),
            Provider::Sandbox.as_str(),
            &body,
            now.unix_timestamp(),
        );
        (
            vec![
                ("content-type".into(), "application/json".into()),
                ("guichet-signature".into(), signature),
            ],
            body,
        )
    }
}

/// CinetPay's payment initialisation: `GUICHET_CINETPAY_API_KEY` with the site id, against
/// `GUICHET_CINETPAY_API_URL` (its API, `https://api-checkout.cinetpay.com`, by default).
#[derive(Debug, Clone)]
pub struct CinetPayCheckoutConfig {
    pub site_id: String,
    pub api_key: SecretString,
    pub api_url: String,
}

pub struct CinetPayCheckout {
    config: CinetPayCheckoutConfig,
    http: reqwest::Client,
}

/// How long CinetPay may take to open a payment page before the citizen is told to retry.
const CINETPAY_TIMEOUT: Duration = Duration::from_secs(15);

impl CinetPayCheckout {
    pub fn new(config: CinetPayCheckoutConfig) -> Self {
        let http = reqwest::Client::builder()
            .timeout(CINETPAY_TIMEOUT)
            .build()
            .unwrap_or_default();
        CinetPayCheckout { config, http }
    }

    /// The body of the initialisation, every field as CinetPay's documentation names it.
    pub fn body(&self, request: &CheckoutRequest, transaction_id: &str) -> serde_json::Value {
        json!({
            "apikey": self.config.api_key.expose_secret(),
            "site_id": self.config.site_id,
            "transaction_id": transaction_id,
            "amount": request.amount.amount,
            "currency": request.amount.currency.as_str(),
            "description": description(&request.description),
            "notify_url": format!("{}/v1/payments/webhook/cinetpay", request.api),
            "return_url": request.return_url,
            "channels": "ALL",
            "lang": request.lang,
            // Named back in the notice as `cpm_custom`: how the webhook finds the application.
            "metadata": request.reference.as_str(),
        })
    }
}

/// CinetPay asks for no special characters (`#`, `/`, `$`, `_`, `&`) in the description: letters
/// (accents too), digits, spaces, `-` and `.` are kept, anything else becomes a space.
fn description(text: &str) -> String {
    let kept: String = text
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                ' '
            }
        })
        .collect();
    kept.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[derive(Deserialize)]
struct Initialised {
    code: String,
    #[serde(default)]
    message: String,
    data: Option<PaymentPage>,
}

#[derive(Deserialize)]
struct PaymentPage {
    payment_url: String,
}

#[async_trait::async_trait]
impl Checkout for CinetPayCheckout {
    fn provider(&self) -> Provider {
        Provider::Cinetpay
    }

    async fn start(&self, request: &CheckoutRequest) -> Result<String, Error> {
        // One transaction per page opened: CinetPay refuses an id it has seen, and a citizen
        // may come back to pay after leaving a page unpaid.
        let transaction_id = format!("{}-{}", request.reference, short_id());
        let url = format!("{}/v2/payment", self.config.api_url.trim_end_matches('/'));
        let unavailable = |why: String| Error::ProviderUnavailable(format!("cinetpay: {why}"));
        let response = self
            .http
            .post(&url)
            .json(&self.body(request, &transaction_id))
            .send()
            .await
            .map_err(|e| unavailable(e.without_url().to_string()))?;
        let status = response.status();
        let answer: Initialised = response
            .json()
            .await
            .map_err(|e| unavailable(format!("HTTP {status}, unreadable answer: {e}")))?;
        match answer.data {
            Some(page) if answer.code == "201" && is_web_address(&page.payment_url) => {
                Ok(page.payment_url)
            }
            _ => Err(unavailable(format!(
                "HTTP {status}, code {} {}",
                answer.code, answer.message
            ))),
        }
    }
}

/// Eight characters of a fresh ULID's randomness, upper case: CinetPay's transaction ids take
/// letters, digits and `-`.
fn short_id() -> String {
    ulid::Ulid::new().to_string()[18..].to_owned()
}

/// Where a browser may be sent: an https address (http only on loopback, for tests).
fn is_web_address(url: &str) -> bool {
    url.starts_with("https://")
        || url.starts_with("http://127.0.0.1:")
        || url.starts_with("http://localhost:")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_description_has_none_of_the_characters_cinetpay_refuses() {
        assert_eq!(
            description("Guichet Extrait de casier judiciaire (bulletin n°3) GCH-XY9C_1#/$&"),
            "Guichet Extrait de casier judiciaire bulletin n 3 GCH-XY9C 1"
        );
        assert!(is_web_address("https://checkout.cinetpay.com/payment/abc"));
        assert!(!is_web_address("javascript:alert(1)"));
        assert!(!is_web_address("http://evil.example/"));
        assert_eq!(short_id().len(), 8);
    }
}

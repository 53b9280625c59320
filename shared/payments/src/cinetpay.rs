//! CinetPay, the aggregator through which a Malian merchant collects Orange Money, Moov Money
//! and Visa/Mastercard in one contract. Its notification is a form post whose `x-token` header
//! is HMAC-SHA256, keyed with the merchant's secret, over the values of sixteen fields
//! concatenated in a fixed order (docs.cinetpay.com, "X-TOKEN HMAC").

use guichet_core::Error;
use guichet_core::domain::{PaymentStatus, Provider};
use guichet_core::messages::Msg;
use guichet_core::ports::{Delivery, Notice, PaymentGateway};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use std::collections::HashMap;
use time::OffsetDateTime;

/// `GUICHET_CINETPAY_SITE_ID` and `GUICHET_CINETPAY_SECRET`.
#[derive(Debug, Clone)]
pub struct CinetPayConfig {
    /// Our site id at CinetPay: a notice for another site is not ours.
    pub site_id: String,
    pub secret: SecretString,
}

/// The fields the token covers, in the order they are concatenated (absent ones count as "").
pub const SIGNED_FIELDS: [&str; 16] = [
    "cpm_site_id",
    "cpm_trans_id",
    "cpm_trans_date",
    "cpm_amount",
    "cpm_currency",
    "signature",
    "payment_method",
    "cel_phone_num",
    "cpm_phone_prefixe",
    "cpm_language",
    "cpm_version",
    "cpm_payment_config",
    "cpm_page_action",
    "cpm_custom",
    "cpm_designation",
    "cpm_error_message",
];

pub struct CinetPay {
    config: CinetPayConfig,
}

impl CinetPay {
    pub fn new(config: CinetPayConfig) -> Self {
        CinetPay { config }
    }

    /// The token CinetPay sends for these form fields: for tests and the sandbox of ops.
    pub fn token(secret: &[u8], fields: &HashMap<String, String>) -> String {
        hex::encode(mac(secret, fields).finalize().into_bytes())
    }
}

fn mac(secret: &[u8], fields: &HashMap<String, String>) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    for name in SIGNED_FIELDS {
        mac.update(fields.get(name).map_or("", String::as_str).as_bytes());
    }
    mac
}

/// CinetPay names the means of payment; we record it under our own words.
fn method(raw: &str) -> String {
    let upper = raw.to_ascii_uppercase();
    if upper.starts_with("OM") || upper.contains("ORANGE") {
        "orange_money".into()
    } else if upper.contains("MOOV") || upper.contains("FLOOZ") {
        "moov_money".into()
    } else if upper.contains("VISA") || upper.contains("MASTER") || upper.contains("CARD") {
        "card".into()
    } else {
        raw.to_ascii_lowercase()
    }
}

/// Whole francs: `750` or `750.00`; anything else is not an amount we can match.
fn amount(raw: &str) -> Option<u64> {
    let (whole, fraction) = raw.trim().split_once('.').unwrap_or((raw.trim(), ""));
    fraction
        .chars()
        .all(|c| c == '0')
        .then(|| whole.parse().ok())
        .flatten()
}

impl PaymentGateway for CinetPay {
    fn name(&self) -> &'static str {
        Provider::Cinetpay.as_str()
    }

    fn read(&self, delivery: &Delivery<'_>, _now: OffsetDateTime) -> Result<Notice, Error> {
        let fields: HashMap<String, String> =
            form_urlencoded::parse(delivery.body).into_owned().collect();
        let token = delivery
            .header("x-token")
            .and_then(|t| hex::decode(t.trim()).ok())
            .ok_or(Error::BadSignature(Msg::NoticeUnsigned))?;
        // `verify_slice` compares in constant time.
        mac(self.config.secret.expose_secret().as_bytes(), &fields)
            .verify_slice(&token)
            .map_err(|_| Error::BadSignature(Msg::NoticeSignatureWrong))?;
        let field = |name: &str| fields.get(name).map(|v| v.trim()).unwrap_or_default();
        if field("cpm_site_id") != self.config.site_id {
            return Err(Error::BadSignature(Msg::NoticeSignatureWrong));
        }
        let txn = field("cpm_trans_id");
        if txn.is_empty() {
            return Err(Error::invalid("cpm_trans_id", Msg::Required));
        }
        let amount =
            amount(field("cpm_amount")).ok_or(Error::invalid("cpm_amount", Msg::InvalidAmount))?;
        Ok(Notice {
            provider: Provider::Cinetpay,
            provider_txn: txn.to_owned(),
            // We send our payment reference as `custom` when the payment starts.
            payment_reference: field("cpm_custom").to_owned(),
            amount,
            currency: field("cpm_currency").to_owned(),
            // CinetPay's word for success, in French.
            status: if field("cpm_error_message") == "SUCCES" {
                PaymentStatus::Succeeded
            } else {
                PaymentStatus::Failed
            },
            method: Some(method(field("payment_method"))).filter(|m| !m.is_empty()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gateway() -> CinetPay {
        CinetPay::new(CinetPayConfig {
            site_id: "445160".into(),
            secret: "cinetpay-secret".into(),
        })
    }

    fn form() -> HashMap<String, String> {
        [
            ("cpm_site_id", "445160"),
            ("cpm_trans_id", "GCH-7K3M-Q9TD-1"),
            ("cpm_trans_date", "2026-11-25 10:12:00"),
            ("cpm_amount", "750"),
            ("cpm_currency", "XOF"),
            ("signature", "a1b2"),
            ("payment_method", "OMML"),
            ("cel_phone_num", "70000000"),
            ("cpm_phone_prefixe", "223"),
            ("cpm_language", "fr"),
            ("cpm_version", "V4"),
            ("cpm_payment_config", "SINGLE"),
            ("cpm_page_action", "PAYMENT"),
            ("cpm_custom", "GCH-7K3M-Q9TD"),
            ("cpm_designation", "Bulletin n°3"),
            ("cpm_error_message", "SUCCES"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    fn deliver(fields: &HashMap<String, String>, token: &str) -> Result<Notice, Error> {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let headers = [("x-token".to_owned(), token.to_owned())];
        gateway().read(
            &Delivery {
                headers: &headers,
                body: body.as_bytes(),
            },
            OffsetDateTime::now_utc(),
        )
    }

    #[test]
    fn an_authentic_notice_maps_onto_ours() {
        let f = form();
        let n = deliver(&f, &CinetPay::token(b"cinetpay-secret", &f)).unwrap();
        assert_eq!(n.provider, Provider::Cinetpay);
        assert_eq!(n.provider_txn, "GCH-7K3M-Q9TD-1");
        assert_eq!(n.payment_reference, "GCH-7K3M-Q9TD");
        assert_eq!((n.amount, n.currency.as_str()), (750, "XOF"));
        assert_eq!(n.status, PaymentStatus::Succeeded);
        assert_eq!(n.method.as_deref(), Some("orange_money"));
    }

    #[test]
    fn a_changed_field_a_wrong_key_or_another_site_is_refused() {
        let f = form();
        let token = CinetPay::token(b"cinetpay-secret", &f);
        let mut more = f.clone();
        more.insert("cpm_amount".into(), "75000".into());
        assert!(matches!(
            deliver(&more, &token),
            Err(Error::BadSignature(_))
        ));
        let forged = CinetPay::token(b"guessed", &f);
        assert!(matches!(deliver(&f, &forged), Err(Error::BadSignature(_))));
        let mut other_site = f.clone();
        other_site.insert("cpm_site_id".into(), "999".into());
        let t = CinetPay::token(b"cinetpay-secret", &other_site);
        assert!(matches!(
            deliver(&other_site, &t),
            Err(Error::BadSignature(_))
        ));
        assert!(matches!(
            deliver(&f, "not-hex"),
            Err(Error::BadSignature(_))
        ));
    }

    #[test]
    fn a_refusal_is_a_failed_payment_and_methods_get_our_names() {
        let mut f = form();
        f.insert("cpm_error_message".into(), "PAYMENT_FAILED".into());
        f.insert("payment_method".into(), "FLOOZ".into());
        let n = deliver(&f, &CinetPay::token(b"cinetpay-secret", &f)).unwrap();
        assert_eq!(n.status, PaymentStatus::Failed);
        assert_eq!(n.method.as_deref(), Some("moov_money"));
        assert_eq!(method("VISAM"), "card");
        assert_eq!(amount("750.00"), Some(750));
        assert_eq!(amount("750.50"), None);
    }
}

//! CinetPay, the aggregator through which a Malian merchant collects Orange Money, Moov Money
//! and Visa/Mastercard in one contract. Its notification is a form post whose `x-token` header
//! is HMAC-SHA256, keyed with the merchant's secret, over the values of sixteen fields
//! concatenated in a fixed order (docs.cinetpay.com, "X-TOKEN HMAC"). Each field is read
//! strictly (digits where CinetPay sends digits), and a notice is applied only once CinetPay's
//! payment check API (`POST /v2/payment/check`) confirms the transaction, its amount and its
//! currency: a leaked secret alone cannot mark a fee paid.

use guichet_core::Error;
use guichet_core::domain::{PaymentStatus, Provider};
use guichet_core::messages::Msg;
use guichet_core::ports::{Delivery, Notice, PaymentGateway};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use std::collections::HashMap;
use time::OffsetDateTime;

/// `GUICHET_CINETPAY_SITE_ID`, `GUICHET_CINETPAY_SECRET` and `GUICHET_CINETPAY_API_KEY` (its API
/// at `GUICHET_CINETPAY_API_URL`, CinetPay's own by default).
#[derive(Debug, Clone)]
pub struct CinetPayConfig {
    /// Our site id at CinetPay: a notice for another site is not ours.
    pub site_id: String,
    pub secret: SecretString,
    /// Opens payment pages and confirms notices.
    pub api_key: SecretString,
    pub api_url: String,
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
    http: reqwest::Client,
}

/// How long CinetPay's check may take before the notice is left for its next delivery.
const CHECK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

impl CinetPay {
    pub fn new(config: CinetPayConfig) -> Self {
        let http = reqwest::Client::builder()
            .timeout(CHECK_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        CinetPay { config, http }
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

/// A field CinetPay sends, read strictly: `Invalid` naming it when it is not what CinetPay sends.
fn strict<'f>(
    fields: &'f HashMap<String, String>,
    name: &'static str,
    required: bool,
    fits: impl Fn(&str) -> bool,
) -> Result<&'f str, Error> {
    let value = fields.get(name).map_or("", String::as_str);
    if value.is_empty() && !required {
        return Ok(value);
    }
    if value.is_empty() {
        return Err(Error::invalid(name, Msg::Required));
    }
    if !fits(value) {
        return Err(Error::invalid(name, Msg::InvalidNoticeField));
    }
    Ok(value)
}

fn digits(max: usize) -> impl Fn(&str) -> bool {
    move |v| v.len() <= max && v.bytes().all(|b| b.is_ascii_digit())
}

/// What CinetPay's check answers: `{"code": "00", "data": {"amount", "currency", "status"}}`.
#[derive(serde::Deserialize)]
struct Checked {
    code: String,
    #[serde(default)]
    message: String,
    data: Option<CheckedPayment>,
}

#[derive(serde::Deserialize)]
struct CheckedPayment {
    #[serde(default)]
    amount: serde_json::Value,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    status: String,
}

#[async_trait::async_trait]
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
        if strict(&fields, "cpm_site_id", true, digits(16))? != self.config.site_id {
            return Err(Error::BadSignature(Msg::NoticeSignatureWrong));
        }
        // Ours, as the payment started: `<reference>-<8 characters>`.
        let txn = strict(&fields, "cpm_trans_id", true, |v| {
            v.len() <= 64
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        })?;
        let amount = strict(&fields, "cpm_amount", true, digits(12))?
            .parse()
            .map_err(|_| Error::invalid("cpm_amount", Msg::InvalidAmount))?;
        let currency = strict(&fields, "cpm_currency", true, |v| {
            v.len() == 3 && v.bytes().all(|b| b.is_ascii_uppercase())
        })?;
        strict(&fields, "cel_phone_num", false, digits(15))?;
        strict(&fields, "cpm_phone_prefixe", false, digits(4))?;
        strict(&fields, "cpm_trans_date", false, |v| {
            let b = v.as_bytes();
            b.len() == 19
                && b.iter().enumerate().all(|(i, c)| match i {
                    4 | 7 => *c == b'-',
                    10 => *c == b' ',
                    13 | 16 => *c == b':',
                    _ => c.is_ascii_digit(),
                })
        })?;
        // We send our payment reference as `metadata` when the payment starts; it comes back
        // as `custom`.
        let reference = strict(&fields, "cpm_custom", true, |v| {
            guichet_core::domain::PaymentReference::parse(v).is_ok()
        })?;
        Ok(Notice {
            provider: Provider::Cinetpay,
            provider_txn: txn.to_owned(),
            payment_reference: reference.to_owned(),
            amount,
            currency: currency.to_owned(),
            // CinetPay's word for success, in French.
            status: if fields.get("cpm_error_message").map(String::as_str) == Some("SUCCES") {
                PaymentStatus::Succeeded
            } else {
                PaymentStatus::Failed
            },
            method: fields
                .get("payment_method")
                .map(|m| method(m.trim()))
                .filter(|m| !m.is_empty()),
        })
    }

    /// Asks CinetPay what it knows of the transaction: its amount, currency and status are
    /// what is recorded. Accepted: succeeded; refused or cancelled: failed; anything else (not
    /// final, an error, no answer): `Unconfirmed`, so the notice comes again.
    async fn confirm(&self, mut notice: Notice) -> Result<Notice, Error> {
        let url = format!(
            "{}/v2/payment/check",
            self.config.api_url.trim_end_matches('/')
        );
        let unconfirmed = |why: String| Error::Unconfirmed(format!("cinetpay check: {why}"));
        let answer = self
            .http
            .post(&url)
            .json(&serde_json::json!({
                "apikey": self.config.api_key.expose_secret(),
                "site_id": self.config.site_id,
                "transaction_id": notice.provider_txn,
            }))
            .send()
            .await
            .map_err(|e| unconfirmed(e.without_url().to_string()))?;
        let status = answer.status();
        let checked: Checked = answer
            .json()
            .await
            .map_err(|e| unconfirmed(format!("HTTP {status}, unreadable answer: {e}")))?;
        let payment = checked.data.as_ref();
        let state = payment.map(|p| p.status.as_str()).unwrap_or_default();
        notice.status = match (checked.code.as_str(), state) {
            ("00", "ACCEPTED") => PaymentStatus::Succeeded,
            (_, "REFUSED" | "CANCELED" | "CANCELLED") => PaymentStatus::Failed,
            (code, state) => {
                return Err(unconfirmed(format!(
                    "HTTP {status}, code {code} {}, status {state:?}",
                    checked.message
                )));
            }
        };
        if let Some(p) = payment {
            let amount = match &p.amount {
                serde_json::Value::String(a) if digits(12)(a) => a.parse().ok(),
                serde_json::Value::Number(a) => a.as_u64(),
                _ => None,
            };
            if notice.status == PaymentStatus::Succeeded {
                // What CinetPay collected is what counts: an amount or a currency other than
                // the notice's is recorded as CinetPay has it (and pays nothing unless it is
                // exactly the fee).
                notice.amount = amount.ok_or_else(|| unconfirmed("no amount".into()))?;
                notice.currency = p.currency.trim().to_owned();
            }
        }
        Ok(notice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gateway() -> CinetPay {
        CinetPay::new(CinetPayConfig {
            site_id: "445160".into(),
            secret: "cinetpay-secret".into(),
            api_key: "cinetpay-api-key".into(),
            api_url: "http://127.0.0.1:9".into(),
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
            ("cpm_custom", "GCH-7K3MQ9TDAB"),
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
        assert_eq!(n.payment_reference, "GCH-7K3MQ9TDAB");
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
    }

    /// An authentic notice whose fields are not what CinetPay sends is refused, naming the field.
    #[test]
    fn each_field_is_read_strictly() {
        for (field, value) in [
            ("cpm_amount", "750.00"),
            ("cpm_amount", "750 "),
            ("cpm_amount", "-750"),
            ("cpm_amount", "7e2"),
            ("cpm_site_id", "445160a"),
            ("cpm_currency", "xof"),
            ("cpm_currency", "XOFF"),
            ("cpm_trans_id", "GCH 1"),
            ("cel_phone_num", "70-00-00-00"),
            ("cpm_trans_date", "25/11/2026"),
            ("cpm_custom", "not-a-reference"),
        ] {
            let mut f = form();
            f.insert(field.into(), value.into());
            match deliver(&f, &CinetPay::token(b"cinetpay-secret", &f)) {
                Err(Error::Invalid(errors)) => assert_eq!(errors.0[0].field, field, "{value}"),
                Err(Error::BadSignature(_)) if field == "cpm_site_id" => {}
                other => panic!("{field}={value:?}: {other:?}"),
            }
        }
    }
}

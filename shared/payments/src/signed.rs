//! Notices in Guichet's own format, signed `Guichet-Signature: t=<unix>,v1=<hex>` with
//! HMAC-SHA256 over `"<t>.<raw body>"`: the sandbox, and any provider (or the relay a provider
//! runs for us) that sends our format.

use guichet_core::Error;
use guichet_core::domain::Provider;
use guichet_core::json::parse_json;
use guichet_core::messages::Msg;
use guichet_core::ports::{Delivery, Notice, PaymentGateway};
use guichet_core::usecases::payment::PaymentNotice;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use time::OffsetDateTime;

/// A notice older or newer than this is refused, so a captured one cannot be replayed later.
pub const SIGNATURE_WINDOW_SECONDS: i64 = 300;

pub struct SignedNotices {
    provider: Provider,
    secret: SecretString,
}

impl SignedNotices {
    pub fn new(provider: Provider, secret: SecretString) -> Self {
        SignedNotices { provider, secret }
    }
}

impl PaymentGateway for SignedNotices {
    fn name(&self) -> &'static str {
        self.provider.as_str()
    }

    fn read(&self, delivery: &Delivery<'_>, now: OffsetDateTime) -> Result<Notice, Error> {
        let signature = delivery.header("guichet-signature");
        // The signature covers the raw bytes: check it before reading anything from them.
        verify_signature(
            self.secret.expose_secret().as_bytes(),
            signature,
            delivery.body,
            now,
        )?;
        let n: PaymentNotice = parse_json(delivery.body)?;
        Ok(Notice {
            provider: self.provider,
            provider_txn: n.provider_txn,
            payment_reference: n.payment_reference,
            amount: n.amount,
            currency: n.currency,
            status: n.status,
            method: match self.provider {
                Provider::Sandbox | Provider::Cinetpay => None,
                p => Some(p.as_str().to_owned()),
            },
        })
    }
}

/// Checks `Guichet-Signature: t=<unix>,v1=<hex>` over `"<t>.<raw body>"`, in constant time.
pub fn verify_signature(
    secret: &[u8],
    header: Option<&str>,
    body: &[u8],
    now: OffsetDateTime,
) -> Result<(), Error> {
    let header = header.ok_or(Error::BadSignature(Msg::NoticeUnsigned))?;
    let mut timestamp = None;
    let mut candidates = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", sig)) => candidates.extend(hex::decode(sig).ok()),
            _ => {}
        }
    }
    let t = timestamp.ok_or(Error::BadSignature(Msg::NoticeUnsigned))?;
    if candidates.is_empty() {
        return Err(Error::BadSignature(Msg::NoticeUnsigned));
    }
    if (now.unix_timestamp() - t).abs() > SIGNATURE_WINDOW_SECONDS {
        return Err(Error::BadSignature(Msg::NoticeSignatureStale {
            window_seconds: SIGNATURE_WINDOW_SECONDS,
        }));
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
        Err(Error::BadSignature(Msg::NoticeSignatureWrong))
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

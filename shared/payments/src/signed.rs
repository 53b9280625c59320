//! Notices in Guichet's own format, signed `Guichet-Signature: t=<unix>,v2=<hex>` with
//! HMAC-SHA256 over `"<t>.<provider>.<raw body>"`: the sandbox, and any provider (or the relay a
//! provider runs for us) that sends our format. The provider is in what is signed, so a notice
//! captured on one provider's path does not pass on another's, though they share the secret.
//! `v1=` (over `"<t>.<raw body>"`, no provider) is still taken while relays move to `v2`, unless
//! `GUICHET_PAYMENT_SIGNATURE_V1=refuse` (docs/payments.md).

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
    /// Whether `v1=` signatures, which do not name the provider, are still taken.
    accept_v1: bool,
}

impl SignedNotices {
    pub fn new(provider: Provider, secret: SecretString, accept_v1: bool) -> Self {
        SignedNotices {
            provider,
            secret,
            accept_v1,
        }
    }
}

#[async_trait::async_trait]
impl PaymentGateway for SignedNotices {
    fn name(&self) -> &'static str {
        self.provider.as_str()
    }

    fn read(&self, delivery: &Delivery<'_>, now: OffsetDateTime) -> Result<Notice, Error> {
        let signature = delivery.header("guichet-signature");
        // The signature covers the raw bytes: check it before reading anything from them.
        verify_signature(
            self.secret.expose_secret().as_bytes(),
            self.provider.as_str(),
            signature,
            delivery.body,
            now,
            self.accept_v1,
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

/// Checks `Guichet-Signature: t=<unix>,v2=<hex>` over `"<t>.<provider>.<raw body>"` (and, while
/// `accept_v1`, `v1=<hex>` over `"<t>.<raw body>"`), in constant time, within the window.
pub fn verify_signature(
    secret: &[u8],
    provider: &str,
    header: Option<&str>,
    body: &[u8],
    now: OffsetDateTime,
    accept_v1: bool,
) -> Result<(), Error> {
    let header = header.ok_or(Error::BadSignature(Msg::NoticeUnsigned))?;
    let mut timestamp = None;
    let mut candidates = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v2", sig)) => {
                candidates.extend(hex::decode(sig).ok().map(|s| (Some(provider), s)))
            }
            Some(("v1", sig)) if accept_v1 => {
                candidates.extend(hex::decode(sig).ok().map(|s| (None, s)))
            }
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
    let valid = candidates.iter().any(|(provider, sig)| {
        // `verify_slice` compares in constant time.
        mac(secret, t, *provider, body).verify_slice(sig).is_ok()
    });
    if valid {
        Ok(())
    } else {
        Err(Error::BadSignature(Msg::NoticeSignatureWrong))
    }
}

/// HMAC-SHA256 over `"<t>.<provider>.<body>"` (v2), or `"<t>.<body>"` without a provider (v1).
fn mac(secret: &[u8], t: i64, provider: Option<&str>, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(format!("{t}.").as_bytes());
    if let Some(provider) = provider {
        mac.update(format!("{provider}.").as_bytes());
    }
    mac.update(body);
    mac
}

/// Signs a body for `provider` the way providers must (`v2`): for the sandbox, the demo and
/// tests.
pub fn sign(secret: &[u8], provider: &str, body: &[u8], t: i64) -> String {
    let sig = mac(secret, t, Some(provider), body).finalize().into_bytes();
    format!("t={t},v2={}", hex::encode(sig))
}

/// The old signature, which names no provider (`v1`): what relays not yet moved send.
pub fn sign_v1(secret: &[u8], body: &[u8], t: i64) -> String {
    let sig = mac(secret, t, None, body).finalize().into_bytes();
    format!("t={t},v1={}", hex::encode(sig))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_checks_only_with_the_secret_the_provider_the_body_and_a_fresh_timestamp() {
        let now = OffsetDateTime::now_utc();
        let t = now.unix_timestamp();
        let check = |header: &str, provider: &str, body: &[u8], v1: bool| {
            verify_signature(b"secret", provider, Some(header), body, now, v1).is_ok()
        };
        let header = sign(b"secret", "orange_money", b"{\"a\":1}", t);
        assert!(check(&header, "orange_money", b"{\"a\":1}", false));
        assert!(
            !check(&header, "moov_money", b"{\"a\":1}", true),
            "another provider's path"
        );
        assert!(!check(&header, "orange_money", b"{\"a\":2}", true));
        assert!(
            verify_signature(
                b"other",
                "orange_money",
                Some(&header),
                b"{\"a\":1}",
                now,
                true
            )
            .is_err()
        );
        assert!(verify_signature(b"secret", "sandbox", None, b"{}", now, true).is_err());
        let old = sign(
            b"secret",
            "sandbox",
            b"{}",
            t - SIGNATURE_WINDOW_SECONDS - 1,
        );
        assert!(!check(&old, "sandbox", b"{}", true));
        assert!(!check("t=1,v2=zz", "sandbox", b"{}", true));
        // The old signature names no provider: taken only while v1 is, on any path.
        let v1 = sign_v1(b"secret", b"{}", t);
        assert!(check(&v1, "moov_money", b"{}", true));
        assert!(!check(&v1, "moov_money", b"{}", false));
    }
}

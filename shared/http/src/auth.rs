//! Who is calling: bearer JWTs checked for signature, expiry, issuer and audience, against the
//! service's clock.

use super::request::header;
use guichet_core::Error;
use guichet_core::domain::{OfficeCode, OfficerName, PartnerState, Principal, Role, Subject};
use guichet_core::settings::{Env, SettingError};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use lambda_http::Request;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// How tokens are checked: `GUICHET_JWT_SECRET` (HS256, at least 32 characters; when unset the
/// backend supplies one), `GUICHET_JWT_ISSUER` and `GUICHET_JWT_AUDIENCE`.
#[derive(Debug, Clone)]
pub struct TokenSettings {
    pub secret: Option<SecretString>,
    pub issuer: String,
    pub audience: String,
}

impl TokenSettings {
    pub fn read(env: &Env) -> Result<Self, SettingError> {
        Ok(TokenSettings {
            secret: env.secret("GUICHET_JWT_SECRET", 32)?,
            issuer: env.or("GUICHET_JWT_ISSUER", "guichet-local"),
            audience: env.or("GUICHET_JWT_AUDIENCE", "guichet"),
        })
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    office: Option<String>,
    /// The person's name (OpenID Connect's `name`), printed on what an officer decides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    /// A partner system's state (`BFA`, `NER`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    state: Option<String>,
    iss: String,
    aud: String,
    exp: i64,
    iat: i64,
    nbf: i64,
}

/// Checks tokens (and, for local development, mints them). Built once at cold start.
pub struct Authenticator {
    decoding: DecodingKey,
    encoding: EncodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
}

/// Tolerated clock difference between the token's issuer and us.
const LEEWAY_SECONDS: u64 = 60;

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

impl Authenticator {
    /// HMAC-SHA256 tokens with a shared secret of at least 32 bytes.
    pub fn hs256(secret: &SecretString, issuer: &str, audience: &str) -> Self {
        let key = secret.expose_secret().as_bytes();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        // Expiry and not-before are checked against the service's clock, below.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        Authenticator {
            decoding: DecodingKey::from_secret(key),
            encoding: EncodingKey::from_secret(key),
            validation,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
        }
    }

    /// The checker of these settings, with `secret` when the settings name none.
    pub fn new(settings: &TokenSettings, secret: &SecretString) -> Self {
        Self::hs256(
            settings.secret.as_ref().unwrap_or(secret),
            &settings.issuer,
            &settings.audience,
        )
    }

    pub fn authenticate(&self, req: &Request, now: OffsetDateTime) -> Result<Principal, Error> {
        let token = header(req, "authorization")
            .and_then(|h| {
                h.strip_prefix("Bearer ")
                    .or_else(|| h.strip_prefix("bearer "))
            })
            .ok_or(Error::Unauthenticated)?;
        self.check(token.trim(), now)
    }

    pub fn check(&self, token: &str, now: OffsetDateTime) -> Result<Principal, Error> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|_| Error::Unauthenticated)?;
        let c = data.claims;
        let now = now.unix_timestamp();
        let leeway = LEEWAY_SECONDS as i64;
        if c.exp + leeway <= now || c.nbf - leeway > now {
            return Err(Error::Unauthenticated);
        }
        let subject = Subject::parse(&c.sub).map_err(|_| Error::Unauthenticated)?;
        let office = c
            .office
            .as_deref()
            .map(OfficeCode::parse)
            .transpose()
            .map_err(|_| Error::Unauthenticated)?;
        if c.role.needs_office() && office.is_none() {
            return Err(Error::Unauthenticated);
        }
        let name = c
            .name
            .as_deref()
            .map(|n| OfficerName::parse(n).ok_or(Error::Unauthenticated))
            .transpose()?;
        let state = c
            .state
            .as_deref()
            .map(|s| PartnerState::parse(s).ok_or(Error::Unauthenticated))
            .transpose()?;
        // A partner speaks for its state and no office; nobody else speaks for a state.
        if (c.role == Role::Partner) != state.is_some()
            || (c.role == Role::Partner && office.is_some())
        {
            return Err(Error::Unauthenticated);
        }
        Ok(Principal {
            subject,
            role: c.role,
            office,
            name,
            state,
        })
    }

    pub fn mint(
        &self,
        principal: &Principal,
        ttl: time::Duration,
        now: OffsetDateTime,
    ) -> Result<String, Error> {
        let claims = Claims {
            sub: principal.subject.to_string(),
            role: principal.role,
            office: principal.office.as_ref().map(ToString::to_string),
            name: principal.name.as_ref().map(|n| n.as_str().to_owned()),
            state: principal.state.as_ref().map(|s| s.as_str().to_owned()),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            exp: (now + ttl).unix_timestamp(),
            iat: now.unix_timestamp(),
            nbf: now.unix_timestamp(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| Error::Internal(format!("minting a token: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(byte: u8) -> SecretString {
        SecretString::from(String::from_utf8(vec![byte; 32]).unwrap())
    }

    fn auth() -> Authenticator {
        Authenticator::hs256(&secret(b'7'), "guichet-test", "guichet")
    }

    fn now() -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }

    fn clerk() -> Principal {
        Principal {
            subject: Subject::parse("clerk1").unwrap(),
            role: Role::Clerk,
            office: Some(OfficeCode::parse("TGI-BKO-C3").unwrap()),
            name: None,
            state: None,
        }
    }

    #[test]
    fn a_minted_token_checks_out_and_a_tampered_one_does_not() {
        let a = auth();
        let token = a
            .mint(
                &clerk(),
                time::Duration::hours(1),
                OffsetDateTime::now_utc(),
            )
            .unwrap();
        assert_eq!(a.check(&token, now()).unwrap(), clerk());
        let mut tampered = token.clone();
        tampered.pop();
        tampered.push(if token.ends_with('A') { 'B' } else { 'A' });
        assert!(matches!(
            a.check(&tampered, now()),
            Err(Error::Unauthenticated)
        ));
    }

    #[test]
    fn clocks_may_differ_by_a_minute_and_no_more() {
        let a = auth();
        let now = OffsetDateTime::now_utc();
        let minted_at = |offset: i64, ttl_seconds: i64| {
            a.mint(
                &clerk(),
                time::Duration::seconds(ttl_seconds),
                now + time::Duration::seconds(offset),
            )
            .unwrap()
        };
        // Not yet valid (nbf ahead of our clock): 30 s is skew, 2 minutes is not.
        assert!(a.check(&minted_at(30, 3600), now).is_ok());
        assert!(a.check(&minted_at(120, 3600), now).is_err());
        // Expired (exp behind our clock): 30 s ago is skew, 2 minutes ago is not.
        assert!(a.check(&minted_at(-330, 300), now).is_ok());
        assert!(a.check(&minted_at(-420, 300), now).is_err());
        // The service's clock decides, not the machine's: a token good now is expired a day on.
        let fresh = minted_at(0, 3600);
        assert!(a.check(&fresh, now + time::Duration::days(1)).is_err());
    }

    #[test]
    fn a_token_without_expiry_is_refused() {
        let a = auth();
        let t = OffsetDateTime::now_utc().unix_timestamp();
        let claims = serde_json::json!({
            "sub": "clerk1", "role": "clerk", "office": "TGI-BKO-C3",
            "iss": "guichet-test", "aud": "guichet", "iat": t, "nbf": t
        });
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(&[b'7'; 32]),
        )
        .unwrap();
        assert!(a.check(&token, now()).is_err());
        let staff_without_office = serde_json::json!({
            "sub": "clerk1", "role": "clerk", "iss": "guichet-test", "aud": "guichet",
            "iat": t, "nbf": t, "exp": t + 600
        });
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &staff_without_office,
            &EncodingKey::from_secret(&[b'7'; 32]),
        )
        .unwrap();
        assert!(a.check(&token, now()).is_err());
    }

    #[test]
    fn expired_foreign_and_unsigned_tokens_are_refused() {
        let a = auth();
        let old = a
            .mint(
                &clerk(),
                time::Duration::minutes(1),
                OffsetDateTime::now_utc() - time::Duration::hours(1),
            )
            .unwrap();
        assert!(a.check(&old, now()).is_err());
        let other = Authenticator::hs256(&secret(b'8'), "guichet-test", "guichet");
        let foreign = other
            .mint(
                &clerk(),
                time::Duration::hours(1),
                OffsetDateTime::now_utc(),
            )
            .unwrap();
        assert!(a.check(&foreign, now()).is_err());
        let wrong_aud = Authenticator::hs256(&secret(b'7'), "guichet-test", "elsewhere");
        let t = wrong_aud
            .mint(
                &clerk(),
                time::Duration::hours(1),
                OffsetDateTime::now_utc(),
            )
            .unwrap();
        assert!(a.check(&t, now()).is_err());
        // alg "none": header {"alg":"none"} with the same claims.
        let token = a
            .mint(
                &clerk(),
                time::Duration::hours(1),
                OffsetDateTime::now_utc(),
            )
            .unwrap();
        let payload = token.split('.').nth(1).unwrap();
        let none = format!("eyJhbGciOiJub25lIn0.{payload}.");
        assert!(a.check(&none, now()).is_err());
    }
}

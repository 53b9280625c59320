//! Who is calling: bearer JWTs checked for signature, expiry, issuer and audience.

use super::request::header;
use crate::domain::{Actor, OfficeCode, Subject};
use crate::error::Error;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use lambda_http::Request;
use serde::{Deserialize, Serialize};
use std::fmt;
use time::OffsetDateTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Applicant,
    Clerk,
    Signatory,
    ConsularOfficer,
    ScreeningOfficer,
    Admin,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Applicant,
        Role::Clerk,
        Role::Signatory,
        Role::ConsularOfficer,
        Role::ScreeningOfficer,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Applicant => "applicant",
            Role::Clerk => "clerk",
            Role::Signatory => "signatory",
            Role::ConsularOfficer => "consular_officer",
            Role::ScreeningOfficer => "screening_officer",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Staff work for an office; their tokens must name it.
    pub fn is_staff(self) -> bool {
        !matches!(self, Role::Applicant)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    office: Option<String>,
    iss: String,
    aud: String,
    exp: i64,
    iat: i64,
    nbf: i64,
}

/// A caller whose token checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub subject: Subject,
    pub role: Role,
    pub office: Option<OfficeCode>,
}

impl Principal {
    /// Staff in one of `roles` working for `office`.
    pub fn works_at(&self, office: &OfficeCode, roles: &[Role]) -> bool {
        roles.contains(&self.role) && self.office.as_ref() == Some(office)
    }

    pub fn actor(&self) -> Actor {
        match self.role {
            Role::Applicant => Actor::Applicant {
                subject: self.subject.clone(),
            },
            role => Actor::Staff {
                subject: self.subject.clone(),
                role: role.as_str().into(),
                office: self.office.clone(),
            },
        }
    }

    /// Refuses every role but the listed ones (403): deny by default.
    pub fn require(&self, roles: &[Role]) -> Result<(), Error> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(Error::Forbidden)
        }
    }
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

impl Authenticator {
    /// HMAC-SHA256 tokens with a shared secret of at least 32 bytes.
    pub fn hs256(secret: &[u8], issuer: &str, audience: &str) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECONDS;
        Authenticator {
            decoding: DecodingKey::from_secret(secret),
            encoding: EncodingKey::from_secret(secret),
            validation,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
        }
    }

    pub fn authenticate(&self, req: &Request) -> Result<Principal, Error> {
        let token = header(req, "authorization")
            .and_then(|h| {
                h.strip_prefix("Bearer ")
                    .or_else(|| h.strip_prefix("bearer "))
            })
            .ok_or(Error::Unauthenticated)?;
        self.check(token.trim())
    }

    pub fn check(&self, token: &str) -> Result<Principal, Error> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|_| Error::Unauthenticated)?;
        let c = data.claims;
        let subject = Subject::parse(&c.sub).map_err(|_| Error::Unauthenticated)?;
        let office = c
            .office
            .as_deref()
            .map(OfficeCode::parse)
            .transpose()
            .map_err(|_| Error::Unauthenticated)?;
        if c.role.is_staff() && c.role != Role::Admin && office.is_none() {
            return Err(Error::Unauthenticated);
        }
        Ok(Principal {
            subject,
            role: c.role,
            office,
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

    fn auth() -> Authenticator {
        Authenticator::hs256(&[7u8; 32], "guichet-test", "guichet")
    }

    fn clerk() -> Principal {
        Principal {
            subject: Subject::parse("clerk1").unwrap(),
            role: Role::Clerk,
            office: Some(OfficeCode::parse("TGI-BKO-C3").unwrap()),
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
        assert_eq!(a.check(&token).unwrap(), clerk());
        let mut tampered = token.clone();
        tampered.pop();
        tampered.push(if token.ends_with('A') { 'B' } else { 'A' });
        assert!(matches!(a.check(&tampered), Err(Error::Unauthenticated)));
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
        assert!(a.check(&minted_at(30, 3600)).is_ok());
        assert!(a.check(&minted_at(120, 3600)).is_err());
        // Expired (exp behind our clock): 30 s ago is skew, 2 minutes ago is not.
        assert!(a.check(&minted_at(-330, 300)).is_ok());
        assert!(a.check(&minted_at(-420, 300)).is_err());
    }

    #[test]
    fn a_token_without_expiry_is_refused() {
        let a = auth();
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let claims = serde_json::json!({
            "sub": "clerk1", "role": "clerk", "office": "TGI-BKO-C3",
            "iss": "guichet-test", "aud": "guichet", "iat": now, "nbf": now
        });
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(&[7u8; 32]),
        )
        .unwrap();
        assert!(a.check(&token).is_err());
        let staff_without_office = serde_json::json!({
            "sub": "clerk1", "role": "clerk", "iss": "guichet-test", "aud": "guichet",
            "iat": now, "nbf": now, "exp": now + 600
        });
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &staff_without_office,
            &EncodingKey::from_secret(&[7u8; 32]),
        )
        .unwrap();
        assert!(a.check(&token).is_err());
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
        assert!(a.check(&old).is_err());
        let other = Authenticator::hs256(&[8u8; 32], "guichet-test", "guichet");
        let foreign = other
            .mint(
                &clerk(),
                time::Duration::hours(1),
                OffsetDateTime::now_utc(),
            )
            .unwrap();
        assert!(a.check(&foreign).is_err());
        let wrong_aud = Authenticator::hs256(&[7u8; 32], "guichet-test", "elsewhere");
        let t = wrong_aud
            .mint(
                &clerk(),
                time::Duration::hours(1),
                OffsetDateTime::now_utc(),
            )
            .unwrap();
        assert!(a.check(&t).is_err());
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
        assert!(a.check(&none).is_err());
    }
}

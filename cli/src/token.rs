//! `guichet token`: a token of the service's own, accepted by `guichet serve --data` on the same
//! directory (or the service on AWS, from the same secret); and `guichet token revoke`.

use guichet_core::domain::{OfficeCode, OfficerName, Principal, Role, Subject};
use guichet_core::ports::{RevokedTokens, TokenRevocation};
use guichet_http::auth::{Authenticator, own_token_lifetime};

/// A token made, and its id (what `guichet token revoke` takes).
#[derive(Debug, Clone)]
pub struct Minted {
    pub token: String,
    pub jti: String,
}

/// No token made here lives longer than a partner's: a revocation kept this long outlives
/// every one it could name.
pub const LONGEST: time::Duration = time::Duration::days(90);

pub fn mint(
    auth: &Authenticator,
    role: &str,
    office: Option<&str>,
    sub: &str,
    name: Option<&str>,
    ttl: time::Duration,
    now: time::OffsetDateTime,
) -> anyhow::Result<Minted> {
    let role = Role::parse(role).ok_or_else(|| {
        let all: Vec<_> = Role::ALL.iter().map(|r| r.as_str()).collect();
        anyhow::anyhow!("unknown role {role:?}; one of {}", all.join(", "))
    })?;
    let office = office
        .map(OfficeCode::parse)
        .transpose()
        .map_err(|_| anyhow::anyhow!("invalid office code"))?;
    if role.needs_office() && office.is_none() {
        anyhow::bail!("a {role} token needs --office");
    }
    let subject = Subject::parse(sub).map_err(|_| anyhow::anyhow!("invalid subject {sub:?}"))?;
    let name = name
        .map(|n| {
            OfficerName::parse(n)
                .ok_or_else(|| anyhow::anyhow!("invalid name {n:?}: 1 to 80 characters"))
        })
        .transpose()?;
    let principal = Principal {
        subject,
        role,
        office,
        name,
        state: None,
        mfa: true,
    };
    sign(auth, &principal, ttl, now)
}

/// A partner state's system token (`role: partner`, `state`), as another state's identity
/// provider would issue it.
pub fn mint_partner(
    auth: &Authenticator,
    sub: &str,
    state: &str,
    ttl: time::Duration,
    now: time::OffsetDateTime,
) -> anyhow::Result<Minted> {
    let subject = Subject::parse(sub).map_err(|_| anyhow::anyhow!("invalid subject {sub:?}"))?;
    let state = guichet_core::domain::PartnerState::parse(state).ok_or_else(|| {
        anyhow::anyhow!("invalid state {state:?}: three capital letters (BFA, NER)")
    })?;
    let principal = Principal {
        subject,
        role: Role::Partner,
        office: None,
        name: None,
        state: Some(state),
        mfa: true,
    };
    sign(auth, &principal, ttl, now)
}

/// Refuses what the service would refuse: a role its own tokens may not carry here, a life
/// longer than the role's (in production) or than any revocation lasts.
fn sign(
    auth: &Authenticator,
    principal: &Principal,
    ttl: time::Duration,
    now: time::OffsetDateTime,
) -> anyhow::Result<Minted> {
    let role = principal.role;
    if !auth.own_roles().contains(&role) {
        let allowed: Vec<_> = auth.own_roles().iter().map(|r| r.as_str()).collect();
        anyhow::bail!(
            "the service accepts its own tokens here for {} alone, not for {role}: staff and \
             citizens sign in through the identity provider (its second factor, its \
             off-boarding). GUICHET_OWN_TOKEN_ROLES lists more roles where an operator decided so.",
            allowed.join(", ")
        );
    }
    // As in production, everywhere: a day for people, 90 days for a partner's system.
    let longest = own_token_lifetime(role);
    if ttl <= time::Duration::ZERO || ttl > longest {
        anyhow::bail!(
            "a {role} token lives at most {} hours here (asked: {} hours)",
            longest.whole_hours(),
            ttl.whole_hours()
        );
    }
    let (token, jti) = auth
        .mint_named(principal, ttl, now)
        .map_err(|e| anyhow::anyhow!(e.to_string()))?;
    Ok(Minted { token, jti })
}

/// Puts `jti` on the deny list until every token it could name has expired; returns that time.
pub async fn revoke(
    store: &dyn RevokedTokens,
    jti: &str,
    by: &str,
    now: time::OffsetDateTime,
) -> anyhow::Result<time::OffsetDateTime> {
    // Ids are ULIDs, printed in capitals: one typed in small letters names the same token.
    let jti = ulid::Ulid::from_string(jti.trim())
        .map_err(|_| {
            anyhow::anyhow!(
                "{jti:?} is not a token id: `guichet token` printed it (26 letters and digits)"
            )
        })?
        .to_string();
    // A name, not a letter: entries stay small, so a page of the list holds a thousand.
    let by = by.trim();
    if by.is_empty() || by.chars().count() > 120 {
        anyhow::bail!("--by names who revokes the token (120 characters at most)");
    }
    let until = now + LONGEST + time::Duration::days(1);
    store
        .revoke(&TokenRevocation {
            jti,
            at: now,
            by: by.to_owned(),
            until,
        })
        .await?;
    Ok(until)
}

//! `guichet token`: a development token for any role, accepted by `guichet serve --data` on the
//! same directory.

use guichet_core::domain::{OfficeCode, OfficerName, Principal, Role, Subject};
use guichet_http::auth::Authenticator;

pub fn mint(
    auth: &Authenticator,
    role: &str,
    office: Option<&str>,
    sub: &str,
    name: Option<&str>,
    ttl: time::Duration,
    now: time::OffsetDateTime,
) -> anyhow::Result<String> {
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
    };
    auth.mint(&principal, ttl, now)
        .map_err(|e| anyhow::anyhow!(e.to_string()))
}

/// A partner state's system token (`role: partner`, `state`), as another state's identity
/// provider would issue it.
pub fn mint_partner(
    auth: &Authenticator,
    sub: &str,
    state: &str,
    ttl: time::Duration,
    now: time::OffsetDateTime,
) -> anyhow::Result<String> {
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
    };
    auth.mint(&principal, ttl, now)
        .map_err(|e| anyhow::anyhow!(e.to_string()))
}

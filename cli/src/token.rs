//! `guichet token`: a development token for any role, accepted by `guichet serve --data` on the
//! same directory.

use guichet_core::domain::{OfficeCode, Principal, Role, Subject};
use guichet_http::auth::Authenticator;

pub fn mint(
    auth: &Authenticator,
    role: &str,
    office: Option<&str>,
    sub: &str,
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
    let principal = Principal {
        subject,
        role,
        office,
    };
    auth.mint(&principal, ttl, now)
        .map_err(|e| anyhow::anyhow!(e.to_string()))
}

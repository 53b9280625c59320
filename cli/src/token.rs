//! `guichet token`: a development token for any role, accepted by `guichet serve --data` on the
//! same directory.

use guichet::Error;
use guichet::config::Config;
use guichet::domain::{OfficeCode, Subject};
use guichet::http::auth::{Principal, Role};

pub fn mint(
    config: &Config,
    role: &str,
    office: Option<&str>,
    sub: &str,
    ttl: time::Duration,
) -> anyhow::Result<String> {
    let role = Role::parse(role).ok_or_else(|| {
        let all: Vec<_> = Role::ALL.iter().map(|r| r.as_str()).collect();
        anyhow::anyhow!("unknown role {role:?}; one of {}", all.join(", "))
    })?;
    let office = office
        .map(OfficeCode::parse)
        .transpose()
        .map_err(|_| anyhow::anyhow!("invalid office code"))?;
    if role.is_staff() && role != Role::Admin && office.is_none() {
        anyhow::bail!("a {role} token needs --office");
    }
    let subject = Subject::parse(sub).map_err(|_| anyhow::anyhow!("invalid subject {sub:?}"))?;
    let auth = guichet::local::authenticator(config)?;
    let principal = Principal {
        subject,
        role,
        office,
    };
    auth.mint(&principal, ttl, time::OffsetDateTime::now_utc())
        .map_err(|e: Error| anyhow::anyhow!(e.to_string()))
}

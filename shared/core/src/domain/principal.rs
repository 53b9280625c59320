//! Who is acting: a caller whose credentials checked out, with the role and office they act in.
//! How credentials are checked (tokens, an identity provider) is the edge's business; what a role
//! may do is the domain's.

use super::{Actor, OfficeCode, Subject};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Applicant,
    Clerk,
    Signatory,
    ConsularOfficer,
    ScreeningOfficer,
    /// Settles what a screening officer referred.
    ScreeningSupervisor,
    /// Records crossings at a border post (their office).
    BorderOfficer,
    /// Another state's system (AES partners), its state in the token's `state` claim.
    Partner,
    Admin,
}

impl Role {
    pub const ALL: [Role; 9] = [
        Role::Applicant,
        Role::Clerk,
        Role::Signatory,
        Role::ConsularOfficer,
        Role::ScreeningOfficer,
        Role::ScreeningSupervisor,
        Role::BorderOfficer,
        Role::Partner,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Applicant => "applicant",
            Role::Clerk => "clerk",
            Role::Signatory => "signatory",
            Role::ConsularOfficer => "consular_officer",
            Role::ScreeningOfficer => "screening_officer",
            Role::ScreeningSupervisor => "screening_supervisor",
            Role::BorderOfficer => "border_officer",
            Role::Partner => "partner",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Staff work for the State; every staff role but the administrator works for one office.
    /// A partner is another State's system, not staff.
    pub fn is_staff(self) -> bool {
        !matches!(self, Role::Applicant | Role::Partner)
    }

    /// Whose credentials must name the office they work for.
    pub fn needs_office(self) -> bool {
        self.is_staff() && self != Role::Admin
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A caller whose credentials checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub subject: Subject,
    pub role: Role,
    pub office: Option<OfficeCode>,
    /// The person's name as the identity provider gives it (`name` claim), printed on the
    /// documents an officer decides. Not a citizen's: an officer's name is public on a document.
    pub name: Option<OfficerName>,
    /// A partner's state (ICAO code: `BFA`, `NER`), from the token's `state` claim.
    pub state: Option<PartnerState>,
    /// The sign-in showed a second factor (the identity provider's `amr`), or came with one of
    /// the service's own tokens, which only an operator mints: what signing and revoking ask of
    /// signatories and administrators.
    pub mfa: bool,
}

/// A partner state as its token names it: three capital letters (ICAO 9303's codes).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PartnerState(String);

impl PartnerState {
    pub fn parse(raw: &str) -> Option<PartnerState> {
        let ok = raw.len() == 3 && raw.bytes().all(|b| b.is_ascii_uppercase());
        ok.then(|| PartnerState(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PartnerState {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        PartnerState::parse(&s).ok_or_else(|| "not a state code".to_owned())
    }
}

impl From<PartnerState> for String {
    fn from(s: PartnerState) -> String {
        s.0
    }
}

/// An officer's name as printed: 1 to 80 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OfficerName(String);

impl OfficerName {
    pub fn parse(raw: &str) -> Option<OfficerName> {
        let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        let fits = (1..=80).contains(&name.chars().count());
        (fits && !name.chars().any(char::is_control)).then_some(OfficerName(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for OfficerName {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        OfficerName::parse(&s).ok_or_else(|| "not an officer's name".to_owned())
    }
}

impl From<OfficerName> for String {
    fn from(n: OfficerName) -> String {
        n.0
    }
}

impl Principal {
    /// Staff in one of `roles` working for `office`.
    pub fn works_at(&self, office: &OfficeCode, roles: &[Role]) -> bool {
        roles.contains(&self.role) && self.office.as_ref() == Some(office)
    }

    /// Signatories and administrators sign and revoke only after a second factor.
    pub fn second_factor_for_signing(&self) -> Result<(), crate::error::Error> {
        if matches!(self.role, Role::Signatory | Role::Admin) && !self.mfa {
            return Err(crate::error::Error::Refused(
                crate::messages::Msg::SecondFactorRequired,
            ));
        }
        Ok(())
    }

    /// Whether this role is one of `roles`: everything else is refused (deny by default).
    pub fn is_one_of(&self, roles: &[Role]) -> bool {
        roles.contains(&self.role)
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
                name: self.name.clone(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatories_and_administrators_sign_only_after_a_second_factor() {
        let who = |role: Role, mfa: bool| Principal {
            subject: Subject::parse("someone").unwrap(),
            role,
            office: OfficeCode::parse("TGI-BKO-C3").ok(),
            name: None,
            state: None,
            mfa,
        };
        for role in [Role::Signatory, Role::Admin] {
            assert!(who(role, true).second_factor_for_signing().is_ok());
            assert!(matches!(
                who(role, false).second_factor_for_signing(),
                Err(crate::error::Error::Refused(
                    crate::messages::Msg::SecondFactorRequired
                ))
            ));
        }
        assert!(who(Role::Clerk, false).second_factor_for_signing().is_ok());
    }
}

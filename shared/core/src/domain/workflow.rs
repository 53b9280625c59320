//! A kind's workflow: the steps an application goes through after payment, who may act on each,
//! which run side by side, and which need a second person. A workflow is data a kind declares
//! (`crate::kinds`); how an application moves through one is `Application::act`.

use super::{Actor, OfficeCode, Principal, Role};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// What acting on a step means, and so which route does it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepAction {
    /// Examine and decide: approve (with the document's content), reject, or ask for information
    /// (`POST /v1/applications/{id}/decision`).
    Decide,
    /// Sign what an earlier step proposed, or refuse and send it back
    /// (`POST /v1/applications/{id}/signature`).
    Sign,
    /// Clear, refer or deny after matching the person against a list
    /// (`POST /v1/applications/{id}/screening`).
    Screen,
}

impl StepAction {
    pub fn as_str(self) -> &'static str {
        match self {
            StepAction::Decide => "decide",
            StepAction::Sign => "sign",
            StepAction::Screen => "screen",
        }
    }

    /// The route that acts on a step of this action.
    pub fn route(self) -> &'static str {
        match self {
            StepAction::Decide => "POST /v1/applications/{id}/decision",
            StepAction::Sign => "POST /v1/applications/{id}/signature",
            StepAction::Screen => "POST /v1/applications/{id}/screening",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// `review`, `examination`, `signature`…: unique in its workflow; shown to people as is.
    pub name: String,
    /// Who may act on it, staff of the application's office.
    pub roles: Vec<Role>,
    /// Steps sharing a group run side by side and must all pass before the next step opens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallel_group: Option<String>,
    /// The earlier step whose actor may never act on this one (propose, then sign).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub second_person_of: Option<String>,
    pub action: StepAction,
    /// The office whose staff act on it, whatever office the application went to (a central
    /// unit such as `SCREENING`); absent, the application's office.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office: Option<OfficeCode>,
    /// Kept from the applicant: its state, who acted and why (a security check whose outcome
    /// must not tell a person they matched a list).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub confidential: bool,
    /// The role a referral hands the step to, who alone may then act on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referred_to: Option<Role>,
}

impl Step {
    /// A step the application's office decides, alone in its stage.
    pub fn decide(name: &str, roles: &[Role]) -> Self {
        Step {
            name: name.into(),
            roles: roles.to_vec(),
            parallel_group: None,
            second_person_of: None,
            action: StepAction::Decide,
            office: None,
            confidential: false,
            referred_to: None,
        }
    }

    /// Whether `who` may act on this step of an application of `office` in `state`: their role
    /// and their office, and once referred, only the role it was referred to.
    pub fn actor_may(&self, who: &Principal, office: &OfficeCode, state: StepState) -> bool {
        let role = match (state, self.referred_to) {
            (StepState::Referred, Some(to)) => who.role == to,
            _ => self.roles.contains(&who.role),
        };
        role && who.office.as_ref() == Some(self.office.as_ref().unwrap_or(office))
    }

    /// Whether `who` is staff of this step at all, whatever its state.
    pub fn staffed_by(&self, who: &Principal, office: &OfficeCode) -> bool {
        let role = self.roles.contains(&who.role) || self.referred_to == Some(who.role);
        role && who.office.as_ref() == Some(self.office.as_ref().unwrap_or(office))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Workflow {
    pub steps: Vec<Step>,
}

/// Why a workflow cannot be run as declared.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    #[error("it has no step")]
    Empty,
    #[error("step {0} is declared twice")]
    Duplicate(String),
    #[error("step {0} names no staff role that may act on it")]
    NoRole(String),
    #[error("step {step} is the second person of {of}, which is not an earlier step")]
    SecondPersonOf { step: String, of: String },
    #[error("step {0} signs, so it needs the step whose proposal it signs (second_person_of)")]
    SignsNothing(String),
    #[error("step {0} signs inside a parallel group; a signature stands alone")]
    ParallelSignature(String),
    #[error("the first step ({0}) signs; an application is examined before it is signed")]
    SignsFirst(String),
    #[error("parallel group {0} is split by another step")]
    SplitGroup(String),
    #[error("step {0} refers to {1}, which is not a staff role of an office")]
    ReferredTo(String, Role),
    #[error("step {0} screens, so it must be kept from the applicant (confidential)")]
    ScreeningShown(String),
}

impl Workflow {
    /// One step, decided by any of `roles`: the whole workflow of a simple kind.
    pub fn single(name: &str, roles: &[Role]) -> Self {
        Workflow {
            steps: vec![Step::decide(name, roles)],
        }
    }

    pub fn check(&self) -> Result<(), WorkflowError> {
        let first = self.steps.first().ok_or(WorkflowError::Empty)?;
        if first.action == StepAction::Sign {
            return Err(WorkflowError::SignsFirst(first.name.clone()));
        }
        let mut closed_groups: Vec<&str> = Vec::new();
        for (i, step) in self.steps.iter().enumerate() {
            let earlier = &self.steps[..i];
            if earlier.iter().any(|s| s.name == step.name) {
                return Err(WorkflowError::Duplicate(step.name.clone()));
            }
            if step.roles.is_empty() || step.roles.iter().any(|r| !r.needs_office()) {
                return Err(WorkflowError::NoRole(step.name.clone()));
            }
            if let Some(of) = &step.second_person_of
                && !earlier.iter().any(|s| &s.name == of)
            {
                return Err(WorkflowError::SecondPersonOf {
                    step: step.name.clone(),
                    of: of.clone(),
                });
            }
            if let Some(to) = step.referred_to
                && !to.needs_office()
            {
                return Err(WorkflowError::ReferredTo(step.name.clone(), to));
            }
            if step.action == StepAction::Screen && !step.confidential {
                return Err(WorkflowError::ScreeningShown(step.name.clone()));
            }
            if step.action == StepAction::Sign {
                if step.second_person_of.is_none() {
                    return Err(WorkflowError::SignsNothing(step.name.clone()));
                }
                if step.parallel_group.is_some() {
                    return Err(WorkflowError::ParallelSignature(step.name.clone()));
                }
            }
            let previous_group = earlier.last().and_then(|s| s.parallel_group.as_deref());
            if let Some(g) = previous_group
                && step.parallel_group.as_deref() != Some(g)
            {
                closed_groups.push(g);
            }
            if let Some(g) = &step.parallel_group
                && closed_groups.contains(&g.as_str())
            {
                return Err(WorkflowError::SplitGroup(g.clone()));
            }
        }
        Ok(())
    }

    pub fn step(&self, name: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.name == name)
    }

    /// The steps in the order they open: one stage per step, or per parallel group.
    pub fn stages(&self) -> Vec<&[Step]> {
        let mut stages = Vec::new();
        let mut start = 0;
        for i in 1..=self.steps.len() {
            let same_group = i < self.steps.len()
                && self.steps[i].parallel_group.is_some()
                && self.steps[i].parallel_group == self.steps[i - 1].parallel_group;
            if !same_group {
                stages.push(&self.steps[start..i]);
                start = i;
            }
        }
        stages
    }

    /// Every role that acts on some step: the staff who may open such an application.
    pub fn roles(&self) -> Vec<Role> {
        let mut roles: Vec<Role> = Vec::new();
        for r in self
            .steps
            .iter()
            .flat_map(|s| s.roles.iter().chain(&s.referred_to))
        {
            if !roles.contains(r) {
                roles.push(*r);
            }
        }
        roles
    }

    /// Whether `who` is staff of some step of an application of `office`: who may open it.
    pub fn staffed_by(&self, who: &Principal, office: &OfficeCode) -> bool {
        self.steps.iter().any(|s| s.staffed_by(who, office))
    }

    /// The offices that act on some step whatever office the application went to.
    pub fn central_offices(&self) -> impl Iterator<Item = &OfficeCode> {
        self.steps.iter().filter_map(|s| s.office.as_ref())
    }
}

/// A step that has been acted on, as the application keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRecord {
    pub name: String,
    pub state: StepState,
    pub by: Actor,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Done on a step kept from the applicant: never who the document names as deciding.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub confidential: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    /// Nobody may act on it yet: an earlier step is open.
    Waiting,
    /// Someone of its roles may act on it now.
    Open,
    Done,
    Rejected,
    /// Handed to the role the step refers to (a supervisor), who alone may act on it now.
    Referred,
}

impl StepState {
    pub fn as_str(self) -> &'static str {
        match self {
            StepState::Waiting => "waiting",
            StepState::Open => "open",
            StepState::Done => "done",
            StepState::Rejected => "rejected",
            StepState::Referred => "referred",
        }
    }
}

/// What a person does on a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepOutcome {
    Approve,
    Reject,
    RequestInfo,
    Sign,
    /// A signatory refuses to sign: the proposal goes back to the step it came from.
    Refuse,
    /// Screening found nothing that stands in the way.
    Clear,
    /// Screening hands the step to the role it refers to.
    Refer,
    /// Screening stands in the way: the application is refused, whatever else was decided.
    Deny,
}

impl StepOutcome {
    pub fn action(self) -> StepAction {
        match self {
            StepOutcome::Approve | StepOutcome::Reject | StepOutcome::RequestInfo => {
                StepAction::Decide
            }
            StepOutcome::Sign | StepOutcome::Refuse => StepAction::Sign,
            StepOutcome::Clear | StepOutcome::Refer | StepOutcome::Deny => StepAction::Screen,
        }
    }
}

/// One act on a step, by a person, at a time.
pub struct StepAct<'a> {
    pub outcome: StepOutcome,
    pub who: &'a Principal,
    pub at: OffsetDateTime,
    pub reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(name: &str, group: Option<&str>, action: StepAction, of: Option<&str>) -> Step {
        Step {
            parallel_group: group.map(Into::into),
            second_person_of: of.map(Into::into),
            action,
            ..Step::decide(name, &[Role::Clerk])
        }
    }

    #[test]
    fn stages_group_parallel_steps_and_bad_workflows_are_refused() {
        use StepAction::*;
        let w = Workflow {
            steps: vec![
                step("consular_review", Some("checks"), Decide, None),
                step("screening", Some("checks"), Decide, None),
                step("signature", None, Sign, Some("consular_review")),
            ],
        };
        assert_eq!(w.check(), Ok(()));
        let stages: Vec<Vec<&str>> = w
            .stages()
            .iter()
            .map(|s| s.iter().map(|s| s.name.as_str()).collect())
            .collect();
        assert_eq!(
            stages,
            vec![vec!["consular_review", "screening"], vec!["signature"]]
        );
        let bad = |steps| Workflow { steps }.check().unwrap_err();
        assert_eq!(bad(vec![]), WorkflowError::Empty);
        assert!(matches!(
            bad(vec![
                step("a", None, Decide, None),
                step("a", None, Decide, None)
            ]),
            WorkflowError::Duplicate(_)
        ));
        assert!(matches!(
            bad(vec![
                step("a", None, Decide, None),
                step("s", None, Sign, None)
            ]),
            WorkflowError::SignsNothing(_)
        ));
        assert!(matches!(
            bad(vec![
                step("a", None, Decide, None),
                step("s", None, Sign, Some("later"))
            ]),
            WorkflowError::SecondPersonOf { .. }
        ));
        assert!(matches!(
            bad(vec![
                step("a", Some("g"), Decide, None),
                step("b", None, Decide, None),
                step("c", Some("g"), Decide, None)
            ]),
            WorkflowError::SplitGroup(_)
        ));
        let mut admin = step("a", None, Decide, None);
        admin.roles = vec![Role::Admin];
        assert!(matches!(bad(vec![admin]), WorkflowError::NoRole(_)));
    }
}

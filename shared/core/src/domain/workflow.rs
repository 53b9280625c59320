//! A kind's workflow: the steps an application goes through after payment, who may act on each,
//! which run side by side, and which need a second person. A workflow is data a kind declares
//! (`crate::kinds`); how an application moves through one is `Application::act`.

use super::{Actor, Principal, Role};
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
}

impl StepAction {
    pub fn as_str(self) -> &'static str {
        match self {
            StepAction::Decide => "decide",
            StepAction::Sign => "sign",
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
}

impl Workflow {
    /// One step, decided by any of `roles`: the whole workflow of a simple kind.
    pub fn single(name: &str, roles: &[Role]) -> Self {
        Workflow {
            steps: vec![Step {
                name: name.into(),
                roles: roles.to_vec(),
                parallel_group: None,
                second_person_of: None,
                action: StepAction::Decide,
            }],
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
        for r in self.steps.iter().flat_map(|s| &s.roles) {
            if !roles.contains(r) {
                roles.push(*r);
            }
        }
        roles
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
}

impl StepState {
    pub fn as_str(self) -> &'static str {
        match self {
            StepState::Waiting => "waiting",
            StepState::Open => "open",
            StepState::Done => "done",
            StepState::Rejected => "rejected",
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
}

impl StepOutcome {
    pub fn action(self) -> StepAction {
        match self {
            StepOutcome::Approve | StepOutcome::Reject | StepOutcome::RequestInfo => {
                StepAction::Decide
            }
            StepOutcome::Sign | StepOutcome::Refuse => StepAction::Sign,
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
            name: name.into(),
            roles: vec![Role::Clerk],
            parallel_group: group.map(Into::into),
            second_person_of: of.map(Into::into),
            action,
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

//! The reconcile step, run by an EventBridge schedule: re-drives approved applications that have
//! no document on its way and expires the ones left unpaid. A failed run is an error to Lambda
//! (retried, and counted by the errors alarm); the next scheduled run starts over anyway.

use aws_lambda_events::eventbridge::EventBridgeEvent;
use guichet_core::Error;
use guichet_core::catalogue::Catalogue;
use guichet_core::ports::{ApplicationStore, Clock, Queue};
use guichet_core::settings::ReconcileSettings;
use guichet_core::usecases::reconcile::{self, ReconcileReport, Sweeping};
use std::sync::Arc;

/// What the reconcile function works with.
pub struct Reconcile {
    pub applications: Arc<dyn ApplicationStore>,
    pub queue: Arc<dyn Queue>,
    pub catalogue: Arc<Catalogue>,
    pub clock: Arc<dyn Clock>,
    pub settings: ReconcileSettings,
}

impl Reconcile {
    pub fn sweeping(&self) -> Sweeping<'_> {
        Sweeping {
            applications: self.applications.as_ref(),
            queue: self.queue.as_ref(),
            catalogue: &self.catalogue,
            settings: &self.settings,
        }
    }
}

pub async fn handle(f: &Reconcile, event: EventBridgeEvent) -> Result<ReconcileReport, Error> {
    let report = reconcile::reconcile(&f.sweeping(), f.clock.now()).await?;
    tracing::info!(
        event_id = %event.id.as_deref().unwrap_or_default(),
        redriven = report.redriven,
        expired = report.expired,
        "reconciled"
    );
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use guichet_core::domain::{
        Actor, ApplicationId, OfficeCode, Principal, Role, Status, Subject,
    };
    use guichet_core::ports::QueueName;
    use guichet_core::usecases::review::{self, Deciding, DecisionRequest};
    use guichet_core::usecases::submit::{self, Applying};
    use guichet_local::{Local, LocalSettings};
    use std::sync::Mutex;
    use std::time::Duration as StdDuration;
    use time::{Duration, OffsetDateTime};

    /// A clock the test moves forward.
    struct Later(Mutex<OffsetDateTime>);
    impl Clock for Later {
        fn now(&self) -> OffsetDateTime {
            *self.0.lock().unwrap()
        }
    }

    async fn submitted(f: &Reconcile, who: &str) -> ApplicationId {
        let citizen = Principal {
            subject: Subject::parse(who).unwrap(),
            role: Role::Applicant,
            office: None,
        };
        let request = serde_json::from_value(serde_json::json!({
            "kind": "criminal_record_extract",
            "applicant": { "surname": "Coulibaly", "given_names": "Mariam", "birth_date": "1992-07-01", "birth_place": "Bamako" }
        }))
        .unwrap();
        let applying = Applying {
            applications: f.applications.as_ref(),
            catalogue: &f.catalogue,
            clock: f.clock.as_ref(),
        };
        submit::submit(&applying, &citizen, request, None)
            .await
            .unwrap()
            .id
    }

    #[tokio::test]
    async fn stuck_approvals_are_asked_again_poison_ones_left_to_a_person_unpaid_ones_expire() {
        let dir = tempfile::tempdir().unwrap();
        let local = Local::open(&LocalSettings::in_dir(dir.path())).unwrap();
        let queue = local.queue.clone();
        let start = OffsetDateTime::now_utc();
        let clock = Arc::new(Later(Mutex::new(start)));
        let ctx = Reconcile {
            applications: local.store.clone(),
            queue: Arc::new(queue.clone()),
            catalogue: local.catalogue.clone(),
            clock: clock.clone(),
            settings: ReconcileSettings::default(),
        };
        let event: EventBridgeEvent =
            serde_json::from_str(include_str!("../../../events/reconcile-schedule.json")).unwrap();

        // One left unpaid, one paid and approved whose issue request was lost.
        let unpaid = submitted(&ctx, "c-unpaid").await;
        let approved = submitted(&ctx, "c-approved").await;
        let mut app = ctx.applications.get(approved).await.unwrap().unwrap();
        let paid = app
            .transition(Status::InReview, Actor::system("payment"), start, None)
            .unwrap();
        app.version = ctx.applications.update(&app, &[paid]).await.unwrap();
        let clerk = Principal {
            subject: Subject::parse("clerk-1").unwrap(),
            role: Role::Clerk,
            office: Some(OfficeCode::parse("TGI-BKO-C3").unwrap()),
        };
        let approve: DecisionRequest = serde_json::from_value(serde_json::json!({
            "decision": "approve", "record": { "convictions": [] }
        }))
        .unwrap();
        let deciding = Deciding {
            applications: ctx.applications.as_ref(),
            queue: ctx.queue.as_ref(),
            clock: ctx.clock.as_ref(),
        };
        review::decide(&deciding, &clerk, &approved.to_string(), &approve, None)
            .await
            .unwrap();
        let lost = queue
            .receive(QueueName::IssueRequests, 10, StdDuration::from_secs(60))
            .await
            .unwrap();
        assert_eq!(lost.len(), 1);
        queue.ack(&lost[0].id).await.unwrap();

        // Right away: nothing is stuck yet, nothing has waited a week.
        assert_eq!(
            handle(&ctx, event.clone()).await.unwrap(),
            ReconcileReport::default()
        );

        // Twenty minutes on, the approval is stuck: asked again, once per run.
        *clock.0.lock().unwrap() = start + Duration::minutes(20);
        let report = handle(&ctx, event.clone()).await.unwrap();
        assert_eq!((report.redriven, report.expired), (1, 0));
        let again = queue
            .receive(QueueName::IssueRequests, 10, StdDuration::from_secs(60))
            .await
            .unwrap();
        assert_eq!(again.len(), 1);
        assert!(again[0].body.contains(&approved.to_string()));
        queue.ack(&again[0].id).await.unwrap();

        // A poison application (its issuance fails every time) is asked again once per 15
        // minutes, five times in all; then it is left to a person.
        let mut minutes = 20;
        for round in 2..=5 {
            minutes += 5;
            *clock.0.lock().unwrap() = start + Duration::minutes(minutes);
            assert_eq!(
                handle(&ctx, event.clone()).await.unwrap().redriven,
                0,
                "too soon"
            );
            minutes += 15;
            *clock.0.lock().unwrap() = start + Duration::minutes(minutes);
            assert_eq!(handle(&ctx, event.clone()).await.unwrap().redriven, 1);
            let sent = queue
                .receive(QueueName::IssueRequests, 10, StdDuration::from_secs(60))
                .await
                .unwrap();
            queue.ack(&sent[0].id).await.unwrap();
            let counted = ctx.applications.get(approved).await.unwrap().unwrap();
            assert_eq!(counted.redrives, round);
        }
        *clock.0.lock().unwrap() = start + Duration::minutes(minutes + 20);
        let report = handle(&ctx, event.clone()).await.unwrap();
        assert_eq!((report.redriven, report.given_up), (0, 1));
        let nothing = queue
            .receive(QueueName::IssueRequests, 10, StdDuration::from_secs(60))
            .await
            .unwrap();
        assert!(
            nothing.is_empty(),
            "no more messages for a poison application"
        );
        let still = ctx.applications.get(approved).await.unwrap().unwrap();
        assert_eq!(
            still.status(),
            Status::Approved,
            "left for a person, not lost"
        );

        // Eight days on, the unpaid one is closed, with its reason in the audit trail.
        *clock.0.lock().unwrap() = start + Duration::days(8);
        let report = handle(&ctx, event.clone()).await.unwrap();
        assert_eq!(report.expired, 1);
        let closed = ctx.applications.get(unpaid).await.unwrap().unwrap();
        assert_eq!(closed.status(), Status::Expired);
        let history = ctx.applications.history(unpaid).await.unwrap();
        assert_eq!(history.last().unwrap().change.to, Status::Expired);
        // A second run finds nothing more to close.
        assert_eq!(handle(&ctx, event).await.unwrap().expired, 0);
    }
}

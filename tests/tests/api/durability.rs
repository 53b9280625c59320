//! Nothing that matters lives only in memory: a restart finds every application, payment and
//! queued message where it was.

use crate::helpers::*;
use guichet_core::domain::{OfficeCode, Principal, Role, Subject};
use guichet_core::ports::SystemClock;
use guichet_core::usecases::review::{self, Deciding, DecisionRequest};
use serde_json::{Value, json};
use std::sync::Arc;

#[tokio::test]
async fn a_restart_loses_nothing_and_a_queued_issue_request_is_served_after_it() {
    restart_loses_nothing(spawn_app().await).await;
}

/// On AWS the request waits in SQS, and the application in DynamoDB.
#[tokio::test]
async fn a_restart_loses_nothing_on_aws() {
    restart_loses_nothing(spawn_aws_app().await).await;
}

async fn restart_loses_nothing(first: TestApp) {
    let citizen = first.citizen("c-restart");
    let id = first.paid_application(&citizen, "Sidibé").await;
    let settings = first.settings.clone();
    let dir = first.dir;
    first.server.shutdown().await;

    // The clerk approves while no process runs the forwarder or the issue step: the approval's
    // event waits in the outbox, on disk.
    let offline = reopen(&settings).await;
    let clerk = Principal {
        subject: Subject::parse("clerk-offline").unwrap(),
        role: Role::Clerk,
        office: Some(OfficeCode::parse(BAMAKO_REGISTRY).unwrap()),
        name: None,
        state: None,
        mfa: true,
    };
    let request = DecisionRequest {
        decision: Some("approve".into()),
        reason: None,
        record: Some(json!({"convictions": []})),
        content: None,
    };
    let deciding = Deciding {
        applications: offline.applications.as_ref(),
        catalogue: &offline.catalogue,
        clock: &SystemClock,
    };
    let approved = review::decide(&deciding, &clerk, &id, &request, None)
        .await
        .unwrap();
    assert_eq!(approved.status().as_str(), "approved");
    drop(offline);

    // A new process on the same data picks it up and issues.
    let again = serve(&settings, Arc::new(SystemClock), dir).await;
    let issued = again.wait_for_status(&citizen, &id, "issued").await;
    assert_eq!(issued["history"].as_array().unwrap().len(), 3);
    let list: Value = again
        .get(&citizen, "/v1/applications")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"][0]["id"], json!(id));
}

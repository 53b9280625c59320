//! The issue step, a queue consumer: each message names an approved application; the answer
//! lists only the messages that failed, so one bad message does not send the batch round again.

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use guichet::Context;
use guichet::usecases::issue::{self, IssueOutcome};
use guichet::usecases::review::IssueRequest;

/// The messages of a batch are worked on together: while one waits on the store, another renders.
pub async fn handle(ctx: &Context, event: SqsEvent) -> SqsBatchResponse {
    let results = futures::future::join_all(event.records.into_iter().map(|message| async move {
        let id = message.message_id.clone().unwrap_or_default();
        (id, process(ctx, message.body.as_deref()).await)
    }))
    .await;
    let mut response = SqsBatchResponse::default();
    for (id, result) in results {
        if let Err(why) = result {
            tracing::error!(message_id = %id, error = %why, "issue failed; the message will be retried");
            response.add_failure(id);
        }
    }
    response
}

async fn process(ctx: &Context, body: Option<&str>) -> Result<(), String> {
    let request: IssueRequest = serde_json::from_str(body.unwrap_or_default())
        .map_err(|e| format!("unreadable message: {e}"))?;
    let id = request
        .application_id
        .parse()
        .map_err(|_| "unreadable application id".to_owned())?;
    match issue::issue(ctx, id).await.map_err(|e| e.to_string())? {
        IssueOutcome::Issued(_) | IssueOutcome::AlreadyIssued(_) => Ok(()),
        IssueOutcome::NotApproved(status) => {
            tracing::warn!(application_id = %id, status = %status, "issue request for an application that is not approved");
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use guichet::domain::Subject;
    use guichet::http::auth::{Principal, Role};
    use guichet::usecases::submit;

    #[tokio::test]
    async fn reports_only_the_messages_that_failed() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = guichet::local::open(guichet::config::Config::development(dir.path()))
            .unwrap()
            .context;
        let mut event: SqsEvent =
            serde_json::from_str(include_str!("../../../events/issue-requests.json")).unwrap();

        // A message for an application that is not approved (yet unpaid) is done with, not failed.
        let citizen = Principal {
            subject: Subject::parse("c1").unwrap(),
            role: Role::Applicant,
            office: None,
        };
        let request = serde_json::from_value(serde_json::json!({
            "kind": "criminal_record_extract",
            "applicant": { "surname": "Traoré", "given_names": "Awa", "birth_date": "1990-04-12", "birth_place": "Bamako" }
        }))
        .unwrap();
        let unpaid = submit::submit(&ctx, &citizen, request, None).await.unwrap();
        let mut stray = event.records[0].clone();
        stray.message_id = Some("msg-not-approved".into());
        stray.body = Some(format!("{{\"application_id\":\"{}\"}}", unpaid.id));
        event.records.push(stray);

        let response = handle(&ctx, event).await;
        let failed: Vec<_> = response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.as_str())
            .collect();
        assert_eq!(failed, ["msg-unreadable", "msg-unknown-application"]);
    }
}

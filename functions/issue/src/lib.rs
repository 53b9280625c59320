//! The issue step, a queue consumer: each message names an approved application; the answer
//! lists only the messages that failed, so one bad message does not send the batch round again.

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use guichet::Context;
use guichet::usecases::issue::{self, IssueOutcome};
use guichet::usecases::review::IssueRequest;

pub async fn handle(ctx: &Context, event: SqsEvent) -> SqsBatchResponse {
    let mut response = SqsBatchResponse::default();
    for message in event.records {
        let id = message.message_id.clone().unwrap_or_default();
        if let Err(why) = process(ctx, message.body.as_deref()).await {
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

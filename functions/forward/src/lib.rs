//! The forwarder on AWS: the table's stream feeds it every outbox item as it is written (the
//! event source mapping filters on `entity = outbox`); it publishes each event to the events
//! topic, which fans it out to one queue per consumer, and clears it from the outbox. The answer
//! lists the records to deliver again; the reconcile step hands on anything the stream missed.

use aws_lambda_events::dynamodb::Event as StreamEvent;
use aws_lambda_events::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use guichet_core::domain::Event;
use guichet_core::ports::{EventBus, Outbox};
use guichet_core::usecases::forward::forward;
use serde::Deserialize;
use std::sync::Arc;

/// What the forward function works with.
pub struct Forward {
    pub outbox: Arc<dyn Outbox>,
    pub bus: Arc<dyn EventBus>,
}

/// An outbox item as the stream shows it.
#[derive(Deserialize)]
struct OutboxItem {
    entity: String,
    body: String,
}

/// The event a stream record carries, if it is a new outbox item.
fn event(record: &aws_lambda_events::dynamodb::EventRecord) -> Option<Result<Event, String>> {
    if record.event_name != "INSERT" {
        return None;
    }
    let item: OutboxItem = match serde_dynamo::from_item(record.change.new_image.clone()) {
        Ok(item) => item,
        Err(_) => return None,
    };
    if item.entity != "outbox" {
        return None;
    }
    Some(serde_json::from_str(&item.body).map_err(|_| "an outbox item that does not read".into()))
}

/// In order: a record that fails stops the batch there, and Lambda delivers it and those after
/// it again, so events leave in the order they were written.
pub async fn handle(f: &Forward, stream: StreamEvent) -> DynamoDbEventResponse {
    let mut response = DynamoDbEventResponse::default();
    let mut failed = false;
    for record in &stream.records {
        let id = record.change.sequence_number.clone();
        if failed {
            response.batch_item_failures.push(failure(id));
            continue;
        }
        match event(record) {
            None => {}
            Some(Err(why)) => {
                // Nothing to deliver again: a person reads the outbox item itself.
                tracing::error!(sequence_number = ?id, why, "stream record skipped");
            }
            Some(Ok(event)) => {
                if let Err(e) = forward(f.outbox.as_ref(), f.bus.as_ref(), &event).await {
                    tracing::error!(event_id = %event.id, error = %e, "forwarding failed; the stream delivers it again");
                    failed = true;
                    response.batch_item_failures.push(failure(id));
                }
            }
        }
    }
    response
}

fn failure(sequence_number: Option<String>) -> DynamoDbBatchItemFailure {
    let mut f = DynamoDbBatchItemFailure::default();
    f.item_identifier = sequence_number;
    f
}

#[cfg(test)]
mod tests;

//! The forwarder: events from the outbox to the queue of every consumer subscribed to them.
//!
//! An event is published first and leaves the outbox after: a crash between the two publishes it
//! again, which consumers take in their stride (issuing twice issues once); the other order could
//! lose it.

use crate::domain::Event;
use crate::error::Error;
use crate::ports::{EventBus, Outbox};
use time::OffsetDateTime;

/// Hands one event on.
pub async fn forward(outbox: &dyn Outbox, bus: &dyn EventBus, event: &Event) -> Result<(), Error> {
    bus.publish(event).await?;
    outbox.forwarded(event).await?;
    tracing::debug!(event_id = %event.id, event_type = %event.event_type, "event forwarded");
    Ok(())
}

/// Hands on what the outbox holds from before `before`, oldest first, at most `limit`; stops at
/// the first failure, which the next round starts from. Returns how many went.
pub async fn forward_pending(
    outbox: &dyn Outbox,
    bus: &dyn EventBus,
    before: OffsetDateTime,
    limit: usize,
) -> Result<usize, Error> {
    let pending = outbox.pending(before, limit).await?;
    for event in &pending {
        forward(outbox, bus, event).await?;
    }
    Ok(pending.len())
}

/// Hands on all the outbox holds, at most `limit`: the forwarder of a process that polls the
/// outbox (`guichet serve`), rather than being fed by a stream.
pub async fn forward_all(
    outbox: &dyn Outbox,
    bus: &dyn EventBus,
    limit: usize,
) -> Result<usize, Error> {
    forward_pending(
        outbox,
        bus,
        time::PrimitiveDateTime::MAX.assume_utc(),
        limit,
    )
    .await
}

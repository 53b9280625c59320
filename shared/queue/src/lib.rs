//! What every queue consumer (check, issue, screen, feed, notify) does around its step: each
//! message of a batch worked on; one that may pass later handed back to the queue (SQS's partial
//! batch response; locally the same, read by `guichet serve`'s queue); one that never can set
//! aside in the dead letters with the reason, in words that carry no personal data. A message
//! whose setting aside fails comes back rather than being lost.

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use guichet_core::Error;
use guichet_core::domain::{Event, Subscription};
use guichet_core::ports::DeadLetters;
use std::future::Future;
use tracing::Instrument;

/// What became of one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Done, or nothing to do: the queue forgets it.
    Done,
    /// Failed for a while: the queue delivers it again (and, past its receive count, to the
    /// dead letters).
    Again,
    /// Can never succeed: set aside now, with why.
    SetAside(&'static str),
}

impl Outcome {
    /// A step's failure: one that may pass comes back; any other is set aside with `why`.
    pub fn failed(step: &'static str, error: &Error, why: &'static str) -> Outcome {
        if error.is_retryable() {
            tracing::warn!(step, %error, "failed for a while; the queue will deliver it again");
            Outcome::Again
        } else {
            tracing::error!(step, %error, reason = why, "cannot succeed; set aside");
            Outcome::SetAside(why)
        }
    }
}

/// The event a message carries, if it is one `subscription` wants.
pub fn subscribed(body: &str, subscription: &Subscription) -> Result<Event, &'static str> {
    let event: Event = serde_json::from_str(body).map_err(|_| "unreadable message")?;
    if subscription.wants(&event) {
        Ok(event)
    } else {
        Err("an event this step is not subscribed to")
    }
}

/// Works the batch's messages one after another: `work` takes a message's body (its id is on
/// the logs' span).
pub async fn one_by_one<F, Fut>(
    event: SqsEvent,
    dead_letters: &dyn DeadLetters,
    work: F,
) -> SqsBatchResponse
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Outcome>,
{
    let mut response = SqsBatchResponse::default();
    for (id, body) in messages(event) {
        if again(dead_letters, &id, &body, &work).await {
            response.add_failure(id);
        }
    }
    response
}

/// Works the batch's messages together: while one waits on a store, another computes.
pub async fn together<F, Fut>(
    event: SqsEvent,
    dead_letters: &dyn DeadLetters,
    work: F,
) -> SqsBatchResponse
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Outcome>,
{
    let work = &work;
    let results = futures::future::join_all(messages(event).map(|(id, body)| async move {
        let again = again(dead_letters, &id, &body, work).await;
        (id, again)
    }))
    .await;
    let mut response = SqsBatchResponse::default();
    for (id, again) in results {
        if again {
            response.add_failure(id);
        }
    }
    response
}

fn messages(event: SqsEvent) -> impl Iterator<Item = (String, String)> {
    event
        .records
        .into_iter()
        .map(|m| (m.message_id.unwrap_or_default(), m.body.unwrap_or_default()))
}

/// Works one message; `true` when the queue must deliver it again.
async fn again<F, Fut>(dead_letters: &dyn DeadLetters, id: &str, body: &str, work: &F) -> bool
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Outcome>,
{
    let span = tracing::info_span!("message", message_id = id);
    match work(body.to_owned()).instrument(span).await {
        Outcome::Done => false,
        Outcome::Again => true,
        Outcome::SetAside(why) => {
            !guichet_core::ports::set_aside(dead_letters, id, body, why).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lambda_events::sqs::SqsMessage;
    use guichet_core::ports::{Fault, FaultKind, QueueError, Undeliverable};
    use std::sync::Mutex;

    /// Dead letters that keep what they are given, or refuse everything.
    #[derive(Default)]
    struct Kept {
        set_aside: Mutex<Vec<(String, String)>>,
        broken: bool,
    }

    #[async_trait::async_trait]
    impl DeadLetters for Kept {
        async fn set_aside(&self, message: &Undeliverable<'_>) -> Result<(), QueueError> {
            if self.broken {
                return Err(QueueError(Fault::new(FaultKind::Unavailable, "down")));
            }
            self.set_aside
                .lock()
                .unwrap()
                .push((message.message_id.to_owned(), message.reason.to_owned()));
            Ok(())
        }
    }

    fn batch(bodies: &[&str]) -> SqsEvent {
        let mut event = SqsEvent::default();
        event.records = bodies
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let mut m = SqsMessage::default();
                m.message_id = Some(format!("m{i}"));
                m.body = Some((*b).to_owned());
                m
            })
            .collect();
        event
    }

    async fn step(body: String) -> Outcome {
        match body.as_str() {
            "ok" => Outcome::Done,
            "later" => Outcome::Again,
            _ => Outcome::SetAside("unreadable message"),
        }
    }

    fn failures(response: &SqsBatchResponse) -> Vec<&str> {
        response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.as_str())
            .collect()
    }

    #[tokio::test]
    async fn only_what_may_pass_comes_back_and_what_never_can_is_set_aside() {
        let kept = Kept::default();
        for response in [
            one_by_one(batch(&["ok", "later", "junk"]), &kept, step).await,
            together(batch(&["ok", "later", "junk"]), &kept, step).await,
        ] {
            assert_eq!(failures(&response), ["m1"]);
        }
        assert_eq!(
            *kept.set_aside.lock().unwrap(),
            [
                ("m2".to_owned(), "unreadable message".to_owned()),
                ("m2".to_owned(), "unreadable message".to_owned())
            ]
        );
    }

    #[tokio::test]
    async fn a_message_the_dead_letters_cannot_take_comes_back() {
        let broken = Kept {
            broken: true,
            ..Kept::default()
        };
        let response = one_by_one(batch(&["junk", "ok"]), &broken, step).await;
        assert_eq!(failures(&response), ["m0"]);
    }

    #[test]
    fn a_failure_that_may_pass_comes_back_and_any_other_is_set_aside() {
        assert_eq!(
            Outcome::failed(
                "test",
                &Error::Queue(QueueError(Fault::new(FaultKind::Timeout, "slow"))),
                "refused"
            ),
            Outcome::Again
        );
        assert_eq!(
            Outcome::failed("test", &Error::NotFound, "no such application"),
            Outcome::SetAside("no such application")
        );
    }
}

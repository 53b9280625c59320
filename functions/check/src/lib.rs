//! The check step, a queue consumer: each message is the notice of objects arriving in the
//! uploads store, as S3 sends it (locally, `guichet serve`'s upload route sends the same). Each
//! object's attachment is accepted or quarantined; a failure that may pass is left to the queue
//! to deliver again, a message that can never be read goes to the dead letters.

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use guichet_core::catalogue::Catalogue;
use guichet_core::ports::{ApplicationStore, Clock, DeadLetters, Uploads};
use guichet_core::usecases::attachments::{self, Attaching};
use guichet_queue::Outcome;
use std::sync::Arc;

/// What the check function works with.
pub struct Check {
    pub applications: Arc<dyn ApplicationStore>,
    pub catalogue: Arc<Catalogue>,
    pub uploads: Arc<dyn Uploads>,
    pub clock: Arc<dyn Clock>,
    pub dead_letters: Arc<dyn DeadLetters>,
}

impl Check {
    fn attaching(&self) -> Attaching<'_> {
        Attaching {
            applications: self.applications.as_ref(),
            catalogue: &self.catalogue,
            uploads: self.uploads.as_ref(),
            clock: self.clock.as_ref(),
        }
    }
}

pub async fn handle(f: &Check, event: SqsEvent) -> SqsBatchResponse {
    guichet_queue::one_by_one(event, f.dead_letters.as_ref(), |body| async move {
        process(f, &body).await
    })
    .await
}

/// The keys of the objects a notice announces: S3 writes them URL-encoded. S3's test event,
/// sent when the notification is configured, announces none.
fn keys(body: &str) -> Result<Vec<String>, &'static str> {
    let notice: serde_json::Value = serde_json::from_str(body).map_err(|_| "unreadable message")?;
    if notice.get("Event").and_then(|e| e.as_str()) == Some("s3:TestEvent") {
        return Ok(Vec::new());
    }
    let records = notice
        .get("Records")
        .and_then(|r| r.as_array())
        .ok_or("not an S3 notice")?;
    records
        .iter()
        .map(|r| {
            let raw = r
                .pointer("/s3/object/key")
                .and_then(|k| k.as_str())
                .ok_or("an S3 record without a key")?;
            form_urlencoded::parse(format!("k={raw}").as_bytes())
                .next()
                .map(|(_, k)| k.into_owned())
                .ok_or("an undecodable key")
        })
        .collect()
}

async fn process(f: &Check, body: &str) -> Outcome {
    let keys = match keys(body) {
        Ok(k) => k,
        Err(why) => return Outcome::SetAside(why),
    };
    for key in keys {
        if let Err(e) = attachments::check(&f.attaching(), &key).await {
            return Outcome::failed("check", &e, "the check step refused it");
        }
    }
    Outcome::Done
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_names_its_objects_and_a_test_event_none() {
        let s3 = r#"{"Records":[{"eventName":"ObjectCreated:Put","s3":{"object":{"key":"uploads/01A/01B","size":3}}}]}"#;
        assert_eq!(keys(s3).unwrap(), vec!["uploads/01A/01B"]);
        assert_eq!(
            keys(r#"{"Event":"s3:TestEvent","Bucket":"b"}"#).unwrap(),
            Vec::<String>::new()
        );
        assert!(keys("{}").is_err());
        assert!(keys("not json").is_err());
    }
}

//! The application store, payment ledger and document registry on one DynamoDB table.
//!
//! Every change of an application is a transaction: the application item, conditional on the
//! version that was read, and its new audit events, each conditional on not existing. A payment
//! or a registered document joins the same transaction, conditional on not existing, so a
//! replayed webhook or a second issuance changes nothing.

use super::fault;
use super::items::{self, BY_APPLICANT, Item, OFFICE_QUEUE, TTL, n, s};
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{Put, ReturnValue, TransactWriteItem};
use guichet_core::domain::{
    Application, ApplicationId, DocumentNumber, Event, IssuedDocument, NumberPrefix, OfficeCode,
    Payment, PaymentReference, Provider, Status, StatusChange, Subject,
};
use guichet_core::ports::{
    ApplicationStore, AuditEvent, Before, DocumentRegistry, FeedRecord, IdempotencyRecord,
    KeySetDocument, Outbox, PartnerFeed, PaymentLedger, PublishedKeys, RateCount, RateCounters,
    RevokedTokens, SentLog, StoreError, TokenRevocation, Unanchored, WatchlistLoad, WatchlistLog,
};
use std::collections::HashMap;
use time::OffsetDateTime;

pub use super::items::WORK_QUEUE_SHARDS;

#[derive(Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

/// Which write of a transaction was refused, and what that means to the caller.
struct Guarded {
    put: Put,
    refused: fn() -> StoreError,
}

fn conflict() -> StoreError {
    StoreError::Conflict
}

fn duplicate() -> StoreError {
    StoreError::Duplicate
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoStore {
            client,
            table: table.into(),
        }
    }

    fn put(
        &self,
        item: Item,
        condition: &str,
        values: &[(&str, aws_sdk_dynamodb::types::AttributeValue)],
        refused: fn() -> StoreError,
    ) -> Result<Guarded, StoreError> {
        let mut put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(condition);
        for (name, value) in values {
            put = put.expression_attribute_values(*name, value.clone());
        }
        Ok(Guarded {
            put: put.build().map_err(items::refused)?,
            refused,
        })
    }

    fn new_item(&self, item: Item, refused: fn() -> StoreError) -> Result<Guarded, StoreError> {
        self.put(item, "attribute_not_exists(PK)", &[], refused)
    }

    /// The application at `app.version + 1`, written only over `app.version`.
    fn next_version(&self, app: &Application) -> Result<Guarded, StoreError> {
        self.put(
            items::application(app, app.version + 1)?,
            "version = :read",
            &[(":read", n(app.version))],
            conflict,
        )
    }

    /// An idempotency record, written unless a live one holds the key. An expired record may be
    /// replaced (TTL deletion lags by up to days).
    fn claim_key(&self, r: &IdempotencyRecord) -> Result<Guarded, StoreError> {
        let mut item = items::idempotency_key(&r.scoped_key);
        item.extend([
            ("request_hash".into(), s(r.request_hash.clone())),
            ("application_id".into(), s(r.application_id.to_string())),
            ("expires_ns".into(), n(items::ns(r.expires_at))),
            (TTL.into(), n(r.expires_at.unix_timestamp())),
        ]);
        self.put(
            item,
            "attribute_not_exists(PK) OR expires_ns <= :now",
            &[(":now", n(items::ns(r.at)))],
            duplicate,
        )
    }

    /// The application's next version and its new audit events, chained to the last one stored.
    async fn change(
        &self,
        app: &Application,
        changes: &[StatusChange],
    ) -> Result<Vec<Guarded>, StoreError> {
        if changes.is_empty() {
            return Ok(vec![self.next_version(app)?]);
        }
        let last = self.last_event(app.id).await?;
        let (events, head) = items::audit_events(app, last, changes)?;
        let mut headed = app.clone();
        let anchor = items::anchor(app.id, &head);
        headed.audit_head = Some(head);
        let mut writes = vec![self.next_version(&headed)?];
        for event in events {
            writes.push(self.new_item(event, conflict)?);
        }
        // The new end waits for the next checkpoint, in the same write as the events.
        writes.push(Guarded {
            put: Put::builder()
                .table_name(&self.table)
                .set_item(Some(anchor))
                .build()
                .map_err(items::refused)?,
            refused: conflict,
        });
        Ok(writes)
    }

    /// An application's audit events in sequence order, read strongly consistent.
    fn events(&self, id: ApplicationId) -> QueryFluentBuilder {
        self.client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk AND begins_with(SK, :ev)")
            .expression_attribute_values(":pk", s(items::app_pk(id)))
            .expression_attribute_values(":ev", s("EV#"))
            .consistent_read(true)
    }

    async fn last_event(&self, id: ApplicationId) -> Result<Option<(u64, String)>, StoreError> {
        let out = self
            .events(id)
            .scan_index_forward(false)
            .limit(1)
            .send()
            .await
            .map_err(|e| StoreError::Fault(fault(&e)))?;
        match out.items().first() {
            None => Ok(None),
            Some(item) => Ok(Some((
                items::number(item, "seq")?,
                items::string(item, "hash")?.to_owned(),
            ))),
        }
    }

    /// All or nothing. When a condition fails, the first refused write says what happened.
    async fn transact(&self, writes: Vec<Guarded>) -> Result<(), StoreError> {
        let refusals: Vec<fn() -> StoreError> = writes.iter().map(|w| w.refused).collect();
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(
                writes
                    .into_iter()
                    .map(|w| TransactWriteItem::builder().put(w.put).build())
                    .collect(),
            ))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) => Err(transaction_error(&e, &refusals)),
        }
    }

    /// The next value of the counter `name` (1 the first time), atomically.
    async fn count<T: std::str::FromStr>(&self, name: &str) -> Result<T, StoreError> {
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(items::counter_key(name)))
            .update_expression("ADD #v :one")
            .expression_attribute_names("#v", "value")
            .expression_attribute_values(":one", n(1))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(|e| StoreError::Fault(fault(&e)))?;
        let attributes: HashMap<_, _> = out.attributes.unwrap_or_default();
        items::number(&attributes, "value")
    }

    /// The records under partition `pk` in sort-key order (after `after`, when given), at most
    /// `limit`, read consistently.
    async fn partition<T: serde::de::DeserializeOwned>(
        &self,
        pk: &str,
        after: Option<String>,
        forward: bool,
        limit: usize,
    ) -> Result<Vec<T>, StoreError> {
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .expression_attribute_names("#pk", items::PK)
            .expression_attribute_values(":pk", s(pk))
            .scan_index_forward(forward)
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .consistent_read(true);
        query = match after {
            Some(after) => query
                .key_condition_expression("#pk = :pk AND #sk > :after")
                .expression_attribute_names("#sk", items::SK)
                .expression_attribute_values(":after", s(after)),
            None => query.key_condition_expression("#pk = :pk"),
        };
        let out = query
            .send()
            .await
            .map_err(|e| StoreError::Fault(fault(&e)))?;
        out.items().iter().map(items::body).collect()
    }

    async fn get_item(&self, key: Item) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| StoreError::Fault(fault(&e)))?;
        Ok(out.item)
    }

    async fn query_applications(
        &self,
        index: &str,
        pk_name: &str,
        pk: String,
        forward: bool,
        limit: usize,
    ) -> Result<Vec<Application>, StoreError> {
        self.query_index(index, (pk_name, pk), None, forward, limit)
            .await
    }

    /// The applications of an index's partition, in its order, below a sort key when given.
    async fn query_index(
        &self,
        index: &str,
        (pk_name, pk): (&str, String),
        below: Option<(&str, String)>,
        forward: bool,
        limit: usize,
    ) -> Result<Vec<Application>, StoreError> {
        let mut apps = Vec::new();
        let mut start: Option<Item> = None;
        let condition = if below.is_some() {
            "#pk = :pk AND #sk < :sk"
        } else {
            "#pk = :pk"
        };
        loop {
            let mut query = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(index)
                .key_condition_expression(condition)
                .expression_attribute_names("#pk", pk_name)
                .expression_attribute_values(":pk", s(pk.clone()));
            if let Some((sk_name, sk)) = &below {
                query = query
                    .expression_attribute_names("#sk", *sk_name)
                    .expression_attribute_values(":sk", s(sk.clone()));
            }
            let out = query
                .scan_index_forward(forward)
                .limit(i32::try_from(limit - apps.len()).unwrap_or(i32::MAX))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| StoreError::Fault(fault(&e)))?;
            for item in out.items() {
                apps.push(items::read_application(item)?);
            }
            start = out.last_evaluated_key;
            if start.is_none() || apps.len() >= limit {
                return Ok(apps);
            }
        }
    }
}

fn transaction_error(
    e: &SdkError<TransactWriteItemsError>,
    refusals: &[fn() -> StoreError],
) -> StoreError {
    if let Some(TransactWriteItemsError::TransactionCanceledException(cancel)) =
        e.as_service_error()
    {
        let reasons = cancel.cancellation_reasons();
        for (reason, refused) in reasons.iter().zip(refusals) {
            match reason.code() {
                Some("ConditionalCheckFailed") => return refused(),
                // Another transaction touched the same item at the same moment: read and retry.
                Some("TransactionConflict") => return StoreError::Conflict,
                _ => {}
            }
        }
    }
    StoreError::Fault(fault(e))
}

#[async_trait]
impl ApplicationStore for DynamoStore {
    async fn create(
        &self,
        app: &Application,
        idempotency: Option<&IdempotencyRecord>,
    ) -> Result<(), StoreError> {
        let mut writes = vec![
            self.new_item(items::application(app, 1)?, duplicate)?,
            self.new_item(
                {
                    let mut item = items::reference_key(app.payment_reference.as_str());
                    item.insert("application_id".into(), s(app.id.to_string()));
                    item
                },
                duplicate,
            )?,
        ];
        if let Some(r) = idempotency {
            writes.push(self.claim_key(r)?);
        }
        self.transact(writes).await
    }

    async fn update_once(
        &self,
        app: &Application,
        changes: &[StatusChange],
        idempotency: &IdempotencyRecord,
    ) -> Result<u64, StoreError> {
        // The key first: a raced twin request is a duplicate before it is a stale read.
        let mut writes = vec![self.claim_key(idempotency)?];
        writes.extend(self.change(app, changes).await?);
        self.transact(writes).await?;
        Ok(app.version + 1)
    }

    async fn get(&self, id: ApplicationId) -> Result<Option<Application>, StoreError> {
        self.get_item(items::app_key(id))
            .await?
            .map(|item| items::read_application(&item))
            .transpose()
    }

    async fn find_by_payment_reference(
        &self,
        r: &PaymentReference,
    ) -> Result<Option<Application>, StoreError> {
        let Some(item) = self.get_item(items::reference_key(r.as_str())).await? else {
            return Ok(None);
        };
        let id: ApplicationId = items::string(&item, "application_id")?
            .parse()
            .map_err(items::corrupt)?;
        self.get(id).await
    }

    async fn list_by_subject(
        &self,
        subject: &Subject,
        before: Option<Before>,
        limit: usize,
    ) -> Result<Vec<Application>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        // The index sorts by `GSI1SK`, the creation time then the id: after the cursor is below
        // its key.
        let below = before.map(|b| format!("{}#{}", items::sortable(b.at), b.id));
        self.query_index(
            BY_APPLICANT,
            ("GSI1PK", format!("SUB#{}", subject.as_str())),
            below.map(|b| ("GSI1SK", b)),
            false,
            limit,
        )
        .await
    }

    async fn work_queue(
        &self,
        office: &OfficeCode,
        status: Status,
        limit: usize,
    ) -> Result<Vec<Application>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        // Each shard is read oldest first; merged, the oldest `limit` of all come first.
        let reads = (0..WORK_QUEUE_SHARDS).map(|shard| {
            self.query_applications(
                OFFICE_QUEUE,
                "GSI2PK",
                items::work_queue_pk(office.as_str(), status, shard),
                true,
                limit,
            )
        });
        let mut apps: Vec<Application> = futures::future::try_join_all(reads)
            .await?
            .into_iter()
            .flatten()
            .collect();
        apps.sort_by_key(|a| (a.updated_at, a.id));
        apps.truncate(limit);
        Ok(apps)
    }

    async fn update(&self, app: &Application, changes: &[StatusChange]) -> Result<u64, StoreError> {
        let writes = self.change(app, changes).await?;
        self.transact(writes).await?;
        Ok(app.version + 1)
    }

    async fn history(&self, id: ApplicationId) -> Result<Vec<AuditEvent>, StoreError> {
        let mut events = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let out = self
                .events(id)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| StoreError::Fault(fault(&e)))?;
            for item in out.items() {
                events.push(items::read_event(item)?);
            }
            start = out.last_evaluated_key;
            if start.is_none() {
                return Ok(events);
            }
        }
    }

    /// A scan of the table: for an audit run, not for requests.
    async fn application_ids(&self) -> Result<Vec<ApplicationId>, StoreError> {
        let mut ids = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let out = self
                .client
                .scan()
                .table_name(&self.table)
                .filter_expression("entity = :app")
                .expression_attribute_values(":app", s("application"))
                .projection_expression("PK")
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| StoreError::Fault(fault(&e)))?;
            for item in out.items() {
                let pk = items::string(item, "PK")?;
                let id = pk
                    .strip_prefix("APP#")
                    .and_then(|id| id.parse().ok())
                    .ok_or_else(|| items::corrupt(format!("an application key {pk}")))?;
                ids.push(id);
            }
            start = out.last_evaluated_key;
            if start.is_none() {
                ids.sort();
                return Ok(ids);
            }
        }
    }

    async fn idempotency(
        &self,
        scoped_key: &str,
        now: OffsetDateTime,
    ) -> Result<Option<IdempotencyRecord>, StoreError> {
        let Some(item) = self.get_item(items::idempotency_key(scoped_key)).await? else {
            return Ok(None);
        };
        let expires: i128 = items::number(&item, "expires_ns")?;
        if expires <= items::ns(now) {
            return Ok(None);
        }
        Ok(Some(IdempotencyRecord {
            at: now,
            scoped_key: scoped_key.to_owned(),
            request_hash: items::string(&item, "request_hash")?.to_owned(),
            application_id: items::string(&item, "application_id")?
                .parse()
                .map_err(items::corrupt)?,
            expires_at: OffsetDateTime::from_unix_timestamp_nanos(expires)
                .map_err(items::corrupt)?,
        }))
    }
}

#[async_trait]
impl PaymentLedger for DynamoStore {
    async fn payment(&self, provider: Provider, txn: &str) -> Result<Option<Payment>, StoreError> {
        self.get_item(items::payment_key(provider, txn))
            .await?
            .map(|item| items::body(&item))
            .transpose()
    }

    async fn record(
        &self,
        payment: &Payment,
        paid: Option<(&Application, &[StatusChange])>,
    ) -> Result<(), StoreError> {
        let mut item = items::payment_key(payment.provider, &payment.provider_txn);
        item.extend([
            ("entity".into(), s("payment")),
            ("outcome".into(), s(payment.outcome.as_str())),
            ("body".into(), s(items::to_json(payment)?)),
        ]);
        if let Some(id) = payment.application_id {
            item.insert("application_id".into(), s(id.to_string()));
        }
        // The payment first: a replay is a duplicate before it is anything else.
        let mut writes = vec![self.new_item(item, duplicate)?];
        if let Some((app, changes)) = paid {
            writes.extend(self.change(app, changes).await?);
        }
        self.transact(writes).await
    }
}

#[async_trait]
impl PartnerFeed for DynamoStore {
    async fn next_feed_seq(&self) -> Result<u64, StoreError> {
        self.count("partner_feed").await
    }

    async fn has_event(&self, event_id: &str) -> Result<bool, StoreError> {
        Ok(self
            .get_item(items::feed_event_key(event_id))
            .await?
            .is_some())
    }

    async fn append(&self, record: &FeedRecord) -> Result<(), StoreError> {
        let mut item = items::key(items::FEED_PK.into(), &items::feed_sk(record.seq));
        item.extend([
            ("entity".into(), s("feed_item")),
            ("body".into(), s(items::to_json(record)?)),
        ]);
        let mut marker = items::feed_event_key(&record.event_id);
        marker.insert("seq".into(), n(record.seq));
        // The marker makes one item per event: a second writer's transaction fails whole.
        let writes = vec![
            self.new_item(marker, duplicate)?,
            self.new_item(item, duplicate)?,
        ];
        self.transact(writes).await
    }

    async fn after(&self, seq: u64, limit: usize) -> Result<Vec<FeedRecord>, StoreError> {
        self.partition(items::FEED_PK, Some(items::feed_sk(seq)), true, limit)
            .await
    }
}

#[async_trait]
impl SentLog for DynamoStore {
    async fn claim(&self, key: &str, at: OffsetDateTime) -> Result<bool, StoreError> {
        let mut item = items::sent_key(key);
        item.extend([
            ("entity".into(), s("notification_sent")),
            ("at".into(), s(guichet_core::domain::rfc3339(at))),
        ]);
        let outcome = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await;
        match outcome {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(StoreError::Fault(fault(&e))),
        }
    }

    async fn release(&self, key: &str) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(items::sent_key(key)))
            .send()
            .await
            .map_err(|e| StoreError::Fault(fault(&e)))?;
        Ok(())
    }
}

/// A client's rate count is an item of its own: its window's start and its count. Counting is one
/// conditional `ADD` while the window is current and not full; a stale window is replaced by a
/// new one (conditional on still being stale, so two instances open one); the table's TTL drops
/// the item once its window is past.
#[async_trait]
impl RateCounters for DynamoStore {
    async fn take(
        &self,
        key: &str,
        now: i64,
        length: i64,
        max: u32,
    ) -> Result<RateCount, StoreError> {
        let stale = now - length;
        // Two instances may race to open a window: the loser counts in the winner's.
        for _ in 0..3 {
            let counted = self
                .client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(items::rate_key(key)))
                .update_expression("ADD #c :one")
                .condition_expression("attribute_exists(#w) AND #w > :stale AND #c < :max")
                .expression_attribute_names("#c", "count")
                .expression_attribute_names("#w", "window")
                .expression_attribute_values(":one", n(1))
                .expression_attribute_values(":max", n(max))
                .expression_attribute_values(":stale", n(stale))
                .return_values(ReturnValue::AllNew)
                .send()
                .await;
            match counted {
                Ok(out) => {
                    let attributes = out.attributes.unwrap_or_default();
                    let window = items::number(&attributes, "window")?;
                    return Ok(RateCount::Counted { window });
                }
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_conditional_check_failed_exception()) => {}
                Err(e) => return Err(StoreError::Fault(fault(&e))),
            }
            let current = self
                .client
                .get_item()
                .table_name(&self.table)
                .set_key(Some(items::rate_key(key)))
                .consistent_read(true)
                .send()
                .await
                .map_err(|e| StoreError::Fault(fault(&e)))?
                .item
                .unwrap_or_default();
            if let Ok(window) = items::number::<i64>(&current, "window")
                && window > stale
            {
                if items::number::<u32>(&current, "count")? >= max {
                    return Ok(RateCount::Full {
                        until: window + length,
                    });
                }
                continue;
            }
            let mut item = items::rate_key(key);
            item.extend([
                ("entity".into(), s("rate_count")),
                ("window".into(), n(now)),
                ("count".into(), n(1)),
                (TTL.into(), n(now + length + 60)),
            ]);
            let opened = self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(item))
                .condition_expression("attribute_not_exists(PK) OR #w <= :stale")
                .expression_attribute_names("#w", "window")
                .expression_attribute_values(":stale", n(stale))
                .send()
                .await;
            match opened {
                Ok(_) => return Ok(RateCount::Counted { window: now }),
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_conditional_check_failed_exception()) => {}
                Err(e) => return Err(StoreError::Fault(fault(&e))),
            }
        }
        Err(StoreError::Conflict)
    }

    async fn give_back(&self, key: &str, window: i64) -> Result<(), StoreError> {
        let outcome = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(items::rate_key(key)))
            .update_expression("ADD #c :less")
            .condition_expression("#w = :window AND #c > :zero")
            .expression_attribute_names("#c", "count")
            .expression_attribute_names("#w", "window")
            .expression_attribute_values(":less", n(-1))
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":window", n(window))
            .send()
            .await;
        match outcome {
            Ok(_) => Ok(()),
            // Its window is gone, or nothing is left in it: nothing to give back.
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(StoreError::Fault(fault(&e))),
        }
    }
}

/// The deny list of the service's own tokens: `REVOKED`/`<jti>`, dropped by TTL once no token
/// it names can be valid.
#[async_trait]
impl RevokedTokens for DynamoStore {
    async fn revoke(&self, r: &TokenRevocation) -> Result<(), StoreError> {
        let mut item = items::key("REVOKED".into(), &r.jti);
        item.extend([
            ("entity".into(), s("revoked_token")),
            (
                "body".into(),
                s(serde_json::to_string(r).map_err(items::corrupt)?),
            ),
            (TTL.into(), n(r.until.unix_timestamp())),
        ]);
        let outcome = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await;
        match outcome {
            // The first revocation stands.
            Err(e)
                if !e
                    .as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Err(StoreError::Fault(fault(&e)))
            }
            _ => Ok(()),
        }
    }

    async fn revoked(&self, now: OffsetDateTime) -> Result<Vec<String>, StoreError> {
        // Page by page (a query answers 1 MB at most): a list cut short would let tokens through.
        const PAGE: usize = 1000;
        let mut ids = Vec::new();
        let mut after = None;
        loop {
            let page: Vec<TokenRevocation> =
                self.partition("REVOKED", after.take(), true, PAGE).await?;
            let last = page.last().map(|r| r.jti.clone());
            let full = page.len() == PAGE;
            ids.extend(page.into_iter().filter(|r| r.until > now).map(|r| r.jti));
            match last {
                Some(jti) if full => after = Some(jti),
                _ => return Ok(ids),
            }
        }
    }
}

/// The published key set: one item, `KEYS`/`PUBLISHED`, read by the functions that check seals.
#[async_trait]
impl PublishedKeys for DynamoStore {
    async fn published(&self) -> Result<Option<KeySetDocument>, StoreError> {
        self.get_item(items::key("KEYS".into(), "PUBLISHED"))
            .await?
            .map(|item| items::body(&item))
            .transpose()
    }

    async fn publish(&self, set: &KeySetDocument) -> Result<(), StoreError> {
        let mut item = items::key("KEYS".into(), "PUBLISHED");
        item.extend([
            ("entity".into(), s("key_set")),
            (
                "body".into(),
                s(serde_json::to_string(set).map_err(items::corrupt)?),
            ),
        ]);
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| StoreError::Fault(fault(&e)))?;
        Ok(())
    }
}

/// The ends waiting for a checkpoint, read shard by shard.
#[async_trait]
impl Unanchored for DynamoStore {
    async fn unanchored(
        &self,
        limit: usize,
    ) -> Result<Vec<(ApplicationId, guichet_core::domain::AuditHead)>, StoreError> {
        let mut out = Vec::new();
        for shard in 0..WORK_QUEUE_SHARDS {
            if out.len() >= limit {
                break;
            }
            let items: Vec<Item> = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("PK = :pk")
                .expression_attribute_values(":pk", s(format!("ANCHOR#{shard}")))
                .limit(i32::try_from(limit - out.len()).unwrap_or(i32::MAX))
                .consistent_read(true)
                .send()
                .await
                .map_err(|e| StoreError::Fault(fault(&e)))?
                .items
                .unwrap_or_default();
            for item in &items {
                let id = items::string(item, items::SK)?
                    .parse()
                    .map_err(|_| items::corrupt("an unanchored application id"))?;
                out.push((
                    id,
                    guichet_core::domain::AuditHead {
                        seq: items::number(item, "seq")?,
                        hash: items::string(item, "hash")?.to_owned(),
                    },
                ));
            }
        }
        Ok(out)
    }

    async fn anchored(
        &self,
        id: ApplicationId,
        head: &guichet_core::domain::AuditHead,
    ) -> Result<(), StoreError> {
        let outcome = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(items::anchor_key(id)))
            .condition_expression("seq = :seq AND #h = :hash")
            .expression_attribute_names("#h", "hash")
            .expression_attribute_values(":seq", n(head.seq))
            .expression_attribute_values(":hash", s(head.hash.clone()))
            .send()
            .await;
        match outcome {
            // The trail moved on meanwhile: its newer end stays for the next checkpoint.
            Err(e)
                if !e
                    .as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Err(StoreError::Fault(fault(&e)))
            }
            _ => Ok(()),
        }
    }
}

#[async_trait]
impl WatchlistLog for DynamoStore {
    async fn record_load(&self, load: &WatchlistLoad) -> Result<(), StoreError> {
        let mut item = items::key(items::WATCHLIST_PK.into(), &items::watchlist_sk(load.seq));
        item.extend([
            ("entity".into(), s("watchlist_load")),
            ("body".into(), s(items::to_json(load)?)),
        ]);
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await
            .map_err(|e| {
                if e.as_service_error()
                    .is_some_and(|se| se.is_conditional_check_failed_exception())
                {
                    StoreError::Duplicate
                } else {
                    StoreError::Fault(fault(&e))
                }
            })?;
        Ok(())
    }

    async fn loads(&self, limit: usize) -> Result<Vec<WatchlistLoad>, StoreError> {
        self.partition(items::WATCHLIST_PK, None, false, limit)
            .await
    }
}

#[async_trait]
impl DocumentRegistry for DynamoStore {
    async fn next_sequence(&self, prefix: NumberPrefix, year: u16) -> Result<u32, StoreError> {
        self.count(&format!("doc:{prefix}:{year}")).await
    }

    async fn register(
        &self,
        doc: &IssuedDocument,
        app: &Application,
        changes: &[StatusChange],
    ) -> Result<(), StoreError> {
        let item = items::document(doc)?;
        // The application first: a stale read is a conflict before the number is a duplicate.
        let mut writes = self.change(app, changes).await?;
        writes.push(self.new_item(item, duplicate)?);
        self.transact(writes).await
    }

    async fn revoke(
        &self,
        doc: &IssuedDocument,
        app: &Application,
        changes: &[StatusChange],
        key: Option<&IdempotencyRecord>,
    ) -> Result<u64, StoreError> {
        let item = items::document(doc)?;
        let mut writes = self.change(app, changes).await?;
        writes.push(self.put(
            item,
            "attribute_exists(PK) AND attribute_not_exists(revoked)",
            &[],
            conflict,
        )?);
        if let Some(key) = key {
            writes.push(self.claim_key(key)?);
        }
        self.transact(writes).await?;
        Ok(app.version + 1)
    }

    async fn document(
        &self,
        number: &DocumentNumber,
    ) -> Result<Option<IssuedDocument>, StoreError> {
        self.get_item(items::document_key(number))
            .await?
            .map(|item| items::body(&item))
            .transpose()
    }

    /// A scan of the registry: for an operator declaring a key compromised, not for requests.
    async fn sealed_by(
        &self,
        kid: &str,
        from: OffsetDateTime,
        until: Option<OffsetDateTime>,
    ) -> Result<Vec<IssuedDocument>, StoreError> {
        let mut all = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let out = self
                .client
                .scan()
                .table_name(&self.table)
                .filter_expression("entity = :doc")
                .expression_attribute_values(":doc", s("document"))
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| StoreError::Fault(fault(&e)))?;
            for item in out.items() {
                all.push(items::body::<IssuedDocument>(item)?);
            }
            start = out.last_evaluated_key;
            if start.is_none() {
                return Ok(guichet_core::ports::sealed_by_key(all, kid, from, until));
            }
        }
    }
}

#[async_trait]
impl Outbox for DynamoStore {
    /// Each shard read oldest first, strongly consistent, in parallel; merged oldest first.
    async fn pending(
        &self,
        before: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<Event>, StoreError> {
        let reads = (0..items::OUTBOX_SHARDS).map(|shard| async move {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("PK = :pk AND SK < :before")
                .expression_attribute_values(":pk", s(format!("OUT#{shard}")))
                .expression_attribute_values(":before", s(items::sortable(before)))
                .consistent_read(true)
                .limit(i32::try_from(limit).unwrap_or(i32::MAX))
                .send()
                .await
                .map_err(|e| StoreError::Fault(fault(&e)))?;
            out.items()
                .iter()
                .map(items::body::<Event>)
                .collect::<Result<Vec<_>, _>>()
        });
        let mut events: Vec<Event> = futures::future::try_join_all(reads)
            .await?
            .into_iter()
            .flatten()
            .collect();
        events.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
        events.truncate(limit);
        Ok(events)
    }

    async fn forwarded(&self, event: &Event) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(items::outbox_key(event)))
            .send()
            .await
            .map_err(|e| StoreError::Fault(fault(&e)))?;
        Ok(())
    }
}

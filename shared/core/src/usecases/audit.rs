//! Checkpoints of the audit trails, kept outside the store: at intervals (the reconcile step)
//! the ends of the trails that moved since the last one are signed and written to a place
//! written once (S3 with Object Lock; an append-only file); `guichet audit verify` holds every
//! trail to the furthest end any checkpoint saw of it. `anchor` checkpoints every trail at once,
//! and records the end of trails written before applications recorded one.

use crate::audit::{AuditReport, verify_store};
use crate::domain::{ApplicationId, AuditHead};
use crate::error::Error;
use crate::ports::{
    AnchoredHead, ApplicationStore, Checkpoint, CheckpointLog, Clock, StoreError, Unanchored,
};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use std::collections::HashMap;

/// How many trails' ends one checkpoint holds at most.
const PER_CHECKPOINT: usize = 5_000;

/// What writing checkpoints needs.
pub struct Anchoring<'a> {
    pub applications: &'a dyn ApplicationStore,
    pub unanchored: &'a dyn Unanchored,
    pub checkpoints: &'a dyn CheckpointLog,
    /// Signs each checkpoint (`GUICHET_AUDIT_SECRET`; the audit secret on AWS).
    pub key: &'a SecretString,
    pub clock: &'a dyn Clock,
}

/// What a checkpoint's MAC covers: its time and each end, one per line.
pub fn signed_text(at: time::OffsetDateTime, heads: &[AnchoredHead]) -> String {
    let mut text = format!("guichet/checkpoint/v1\n{}\n", crate::domain::rfc3339(at));
    for h in heads {
        text.push_str(&format!("{} {} {}\n", h.application, h.seq, h.hash));
    }
    text
}

fn mac(key: &SecretString, text: &str) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.expose_secret().as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(text.as_bytes());
    mac
}

fn sign(key: &SecretString, at: time::OffsetDateTime, heads: Vec<AnchoredHead>) -> Checkpoint {
    let text = signed_text(at, &heads);
    Checkpoint {
        at,
        mac: hex::encode(mac(key, &text).finalize().into_bytes()),
        heads,
    }
}

/// Whether the checkpoint was signed with `key`, compared in constant time.
pub fn authentic(key: &SecretString, c: &Checkpoint) -> bool {
    hex::decode(&c.mac).is_ok_and(|m| {
        mac(key, &signed_text(c.at, &c.heads))
            .verify_slice(&m)
            .is_ok()
    })
}

/// Writes a checkpoint of the trails that moved since the last one; returns how many ends it
/// took (none: no checkpoint written).
pub async fn checkpoint(ports: &Anchoring<'_>) -> Result<usize, Error> {
    let mut taken = 0;
    loop {
        let heads = ports.unanchored.unanchored(PER_CHECKPOINT).await?;
        if heads.is_empty() {
            return Ok(taken);
        }
        let n = heads.len();
        write(ports, &heads).await?;
        for (id, head) in &heads {
            ports.unanchored.anchored(*id, head).await?;
        }
        taken += n;
        if n < PER_CHECKPOINT {
            tracing::info!(ends = taken, "audit checkpoint written");
            return Ok(taken);
        }
    }
}

async fn write(ports: &Anchoring<'_>, heads: &[(ApplicationId, AuditHead)]) -> Result<(), Error> {
    let anchored = heads
        .iter()
        .map(|(id, h)| AnchoredHead {
            application: *id,
            seq: h.seq,
            hash: h.hash.clone(),
        })
        .collect();
    ports
        .checkpoints
        .append(&sign(ports.key, ports.clock.now(), anchored))
        .await?;
    Ok(())
}

/// Every trail no checkpoint holds yet checkpointed, and the end of each recorded on its
/// application where it was not (applications written before they recorded one); then the
/// trails that moved since. What `guichet serve` does at start, and ops once on AWS after the
/// upgrade. A trail a checkpoint saw is left as it is: a dropped end stays a break for
/// `verify` to name, never one this repairs. Returns how many trails it anchored.
pub async fn anchor(ports: &Anchoring<'_>) -> Result<usize, Error> {
    let store = ports.applications;
    let seen: std::collections::HashSet<ApplicationId> = ports
        .checkpoints
        .all()
        .await?
        .iter()
        .filter(|c| authentic(ports.key, c))
        .flat_map(|c| c.heads.iter().map(|h| h.application))
        .collect();
    let mut heads = Vec::new();
    for id in store.application_ids().await? {
        if seen.contains(&id) {
            continue;
        }
        let events = store.history(id).await?;
        let Some(last) = events.last() else {
            continue;
        };
        let head = AuditHead {
            seq: last.seq,
            hash: last.hash.clone(),
        };
        if let Some(mut app) = store.get(id).await?
            && app.audit_head.is_none()
        {
            app.audit_head = Some(head.clone());
            // A lost race means the trail moved: its new end is recorded with it.
            match store.update(&app, &[]).await {
                Ok(_) | Err(StoreError::Conflict) => {}
                Err(e) => return Err(e.into()),
            }
        }
        heads.push((id, head));
    }
    for chunk in heads.chunks(PER_CHECKPOINT) {
        write(ports, chunk).await?;
    }
    let moved = checkpoint(ports).await?;
    tracing::info!(trails = heads.len(), moved, "every audit trail anchored");
    Ok(heads.len() + moved)
}

/// What a whole audit finds: the trails, held to the checkpoints; and the checkpoints that are
/// not signed with the audit key (they are not counted).
#[derive(Debug, Default)]
pub struct Audit {
    pub report: AuditReport,
    pub checkpoints: usize,
    pub forged_checkpoints: usize,
}

/// Checks every trail, and holds each to the furthest end any authentic checkpoint saw of it.
pub async fn verify(
    store: &dyn ApplicationStore,
    checkpoints: &dyn CheckpointLog,
    key: &SecretString,
) -> Result<Audit, Error> {
    let all = checkpoints.all().await?;
    let mut furthest: HashMap<ApplicationId, AnchoredHead> = HashMap::new();
    let mut forged = 0;
    for c in &all {
        if !authentic(key, c) {
            forged += 1;
            continue;
        }
        for h in &c.heads {
            if furthest.get(&h.application).is_none_or(|f| f.seq < h.seq) {
                furthest.insert(h.application, h.clone());
            }
        }
    }
    Ok(Audit {
        report: verify_store(store, &furthest).await?,
        checkpoints: all.len() - forged,
        forged_checkpoints: forged,
    })
}

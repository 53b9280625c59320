//! Opens the backend the settings name, once: the ports every function is wired to in
//! `guichet serve`, the secrets, the seal keys. On Lambda each function's `main` wires only the
//! adapters it uses; here one process holds them all.

use crate::settings::{BackendChoice, Settings};
use anyhow::Context as _;
use guichet_aws::{Aws, AwsResources, SqsQueue};
use guichet_core::catalogue::Catalogue;
use guichet_core::domain::SUBSCRIPTIONS;
use guichet_core::ports::{
    ApplicationStore, BlobStore, CheckpointLog, DeadLetters, DocumentRegistry, EventBus, Notifier,
    Outbox, PartnerFeed, PaymentLedger, PublishedKeys, RateCounters, RevokedTokens, SealKeyStore,
    SentLog, Unanchored, Uploads, WatchlistLog,
};
use guichet_core::settings::Env;
use guichet_local::{Local, LocalEventBus, LocalQueue, LocalUploads};
use guichet_seal::SealKeys;
use secrecy::SecretString;
use std::sync::Arc;

/// Where queued messages are read from when no Lambda event source mapping does it: the issue
/// step's queue, the check step's and the screen step's.
#[derive(Clone)]
pub enum Pump {
    Local(LocalQueue),
    Sqs {
        issue: SqsQueue,
        check: SqsQueue,
        screen: SqsQueue,
        feed: SqsQueue,
        notify: SqsQueue,
    },
}

/// The adapters of one backend, opened.
pub struct Backend {
    pub applications: Arc<dyn ApplicationStore>,
    pub payments: Arc<dyn PaymentLedger>,
    pub documents: Arc<dyn DocumentRegistry>,
    pub blobs: Arc<dyn BlobStore>,
    /// The events written with the changes, and where they go from there.
    pub outbox: Arc<dyn Outbox>,
    pub bus: Arc<dyn EventBus>,
    pub dead_letters: Arc<dyn DeadLetters>,
    /// The files applicants send, and where the check step sets aside what it cannot read.
    pub uploads: Arc<dyn Uploads>,
    pub check_dead_letters: Arc<dyn DeadLetters>,
    /// Every load of the watchlist (its files are in `blobs`), and where the screen step sets
    /// aside what it cannot read.
    pub watchlists: Arc<dyn WatchlistLog>,
    pub screen_dead_letters: Arc<dyn DeadLetters>,
    /// The AES partners' feed, and where the feed step sets aside what it cannot read.
    pub feed: Arc<dyn PartnerFeed>,
    pub feed_dead_letters: Arc<dyn DeadLetters>,
    /// Email and SMS to applicants (an outbox folder, or SES and SNS), which went, and where the
    /// notify step sets aside what it cannot read.
    pub notifier: Arc<dyn Notifier>,
    pub sent: Arc<dyn SentLog>,
    pub notify_dead_letters: Arc<dyn DeadLetters>,
    /// On one machine, the stand-in for S3's presigned PUT that `guichet serve` answers.
    pub local_uploads: Option<LocalUploads>,
    pub pump: Pump,
    pub catalogue: Arc<Catalogue>,
    pub seal_keys: Arc<SealKeys>,
    pub token_secret: SecretString,
    pub payment_secret: SecretString,
    /// Whether documents are downloaded through a short-lived URL (S3) rather than served.
    pub redirects_downloads: bool,
    /// How often an idle forwarder looks at the outbox again.
    pub forward_every: std::time::Duration,
    /// Where rate limits are counted when several processes serve the same clients (the table
    /// on AWS); none in one process, which counts in memory.
    pub rate_counts: Option<Arc<dyn RateCounters>>,
    /// Where the public key set is published for the functions that hold no private key.
    pub published_keys: Arc<dyn PublishedKeys>,
    /// The trails' ends waiting for an audit checkpoint, where checkpoints go, and their key.
    pub unanchored: Arc<dyn Unanchored>,
    pub checkpoints: Arc<dyn CheckpointLog>,
    pub audit_key: SecretString,
    /// The service's own tokens revoked (`guichet token revoke`).
    pub revoked_tokens: Arc<dyn RevokedTokens>,
}

/// Opens the backend the settings name (`GUICHET_BACKEND`).
pub async fn open(settings: &Settings) -> anyhow::Result<Backend> {
    match &settings.backend {
        BackendChoice::Local => open_local(settings).await,
        BackendChoice::Aws(resources) => {
            open_aws(settings, resources, guichet_aws::sdk_config().await).await
        }
    }
}

/// The embedded backend; a data directory without a seal key gets its first one.
pub async fn open_local(settings: &Settings) -> anyhow::Result<Backend> {
    let local = Local::open(&settings.local)?;
    let stored = keys_made_once(&local.keys).await?;
    let token_secret = settings
        .local
        .token_secret(settings.http.tokens.secret.as_ref())?;
    let payment_secret = settings
        .local
        .payment_secret(settings.payments.secret.as_ref())?;
    let uploads = LocalUploads::new(
        settings.local.data_dir.join("uploads"),
        token_secret.clone(),
        local.queue.clone(),
    );
    Ok(Backend {
        applications: local.store.clone(),
        payments: local.store.clone(),
        documents: local.store.clone(),
        blobs: local.blobs.clone(),
        outbox: local.store.clone(),
        bus: Arc::new(LocalEventBus::new(local.queue.clone(), SUBSCRIPTIONS)),
        dead_letters: Arc::new(local.queue.clone()),
        uploads: Arc::new(uploads.clone()),
        check_dead_letters: Arc::new(local.queue.clone()),
        watchlists: local.store.clone(),
        screen_dead_letters: Arc::new(local.queue.clone()),
        feed: local.store.clone(),
        feed_dead_letters: Arc::new(local.queue.clone()),
        notifier: local.outbox_folder.clone(),
        sent: local.store.clone(),
        notify_dead_letters: Arc::new(local.queue.clone()),
        local_uploads: Some(uploads),
        pump: Pump::Local(local.queue.clone()),
        catalogue: match &settings.catalogue_file {
            Some(path) => Arc::new(Catalogue::from_file(path)?),
            None => local.catalogue.clone(),
        },
        seal_keys: Arc::new(SealKeys::from_stored(&stored)?),
        token_secret,
        payment_secret,
        redirects_downloads: false,
        // A local read of an indexed table: looking often costs nothing.
        forward_every: std::time::Duration::from_millis(50),
        rate_counts: None,
        published_keys: local.store.clone(),
        unanchored: local.store.clone(),
        revoked_tokens: local.store.clone(),
        checkpoints: Arc::new(guichet_local::CheckpointFile {
            path: settings.local.checkpoints_file(),
        }),
        audit_key: settings
            .local
            .audit_secret(settings.audit_secret.as_ref())?,
    })
}

/// The AWS backend through `sdk` (an emulator's, or a fault proxy's in tests); the secret is read
/// once.
pub async fn open_aws(
    settings: &Settings,
    resources: &AwsResources,
    sdk: aws_config::SdkConfig,
) -> anyhow::Result<Backend> {
    let aws = Aws {
        env: Env::empty(),
        resources: resources.clone(),
        sdk,
    };
    let store = aws.store();
    Ok(Backend {
        published_keys: store.clone(),
        unanchored: store.clone(),
        revoked_tokens: store.clone(),
        checkpoints: Arc::new(aws.checkpoints()),
        audit_key: aws.audit_secret(settings.audit_secret.as_ref()).await?,
        applications: store.clone(),
        payments: store.clone(),
        documents: store.clone(),
        watchlists: store.clone(),
        feed: store.clone(),
        sent: store.clone(),
        rate_counts: Some(store.clone()),
        outbox: store,
        bus: Arc::new(aws.events()),
        blobs: aws.documents(),
        dead_letters: Arc::new(aws.issue_dead_letters()),
        uploads: aws.uploads()?,
        check_dead_letters: Arc::new(aws.check_dead_letters()?),
        screen_dead_letters: Arc::new(aws.screen_dead_letters()),
        feed_dead_letters: Arc::new(aws.feed_dead_letters()),
        notifier: Arc::new(aws.notifier(&settings.mail_from)),
        notify_dead_letters: Arc::new(aws.notify_dead_letters()),
        local_uploads: None,
        pump: Pump::Sqs {
            issue: aws.issue_queue(),
            check: aws.check_queue(),
            screen: aws.screen_queue(),
            feed: aws.feed_queue(),
            notify: aws.notify_queue(),
        },
        catalogue: Arc::new(match &settings.catalogue_file {
            Some(path) => Catalogue::from_file(path)?,
            None => Catalogue::default_catalogue(),
        }),
        seal_keys: Arc::new(SealKeys::from_stored(&aws.seal_keys().await?)?),
        token_secret: aws
            .token_secret(settings.http.tokens.secret.as_ref())
            .await?,
        payment_secret: aws
            .payment_secret(settings.payments.secret.as_ref())
            .await?,
        redirects_downloads: true,
        // A query per outbox shard each time; on AWS the stream calls the forwarder instead.
        forward_every: std::time::Duration::from_millis(250),
    })
}

/// The keys of a data directory, the first one made on first use: a machine that runs
/// Guichet for the first time seals with a key of its own.
pub async fn keys_made_once(
    keys: &dyn SealKeyStore,
) -> anyhow::Result<Vec<guichet_core::ports::StoredSealKey>> {
    let stored = keys.load().await?;
    if !stored.is_empty() {
        return Ok(stored);
    }
    keys.add(&guichet_seal::generate(time::OffsetDateTime::now_utc())?)
        .await?;
    Ok(keys.load().await?)
}

/// The seal keys of the configured backend (for `guichet keys export`): a data directory gets
/// its first key as `guichet serve` would give it; the managed secret must have one already.
pub async fn seal_keys(settings: &Settings) -> anyhow::Result<SealKeys> {
    let store = key_store(settings).await;
    let stored = match settings.backend {
        BackendChoice::Local => keys_made_once(store.as_ref()).await?,
        BackendChoice::Aws(_) => store.load().await?,
    };
    Ok(SealKeys::from_stored(&stored)?)
}

/// The AWS adapters over `resources`, from the usual SDK configuration.
pub async fn aws(resources: &AwsResources) -> Aws {
    Aws {
        env: Env::empty(),
        resources: resources.clone(),
        sdk: guichet_aws::sdk_config().await,
    }
}

/// Where the configured backend publishes the public key set (for `guichet keys`).
pub async fn published_keys(settings: &Settings) -> anyhow::Result<Arc<dyn PublishedKeys>> {
    Ok(match &settings.backend {
        BackendChoice::Local => Local::open(&settings.local)?.store,
        BackendChoice::Aws(resources) => aws(resources).await.store(),
    })
}

/// Where the configured backend keeps its deny list of tokens (for `guichet token revoke`).
pub async fn revoked_tokens(settings: &Settings) -> anyhow::Result<Arc<dyn RevokedTokens>> {
    Ok(match &settings.backend {
        BackendChoice::Local => Local::open(&settings.local)?.store,
        BackendChoice::Aws(resources) => aws(resources).await.store(),
    })
}

/// Where the configured backend keeps its seal keys (for `guichet keys`).
pub async fn key_store(settings: &Settings) -> Box<dyn SealKeyStore> {
    match &settings.backend {
        BackendChoice::Local => Box::new(guichet_local::secrets::KeyFiles {
            dir: settings.local.keys_dir(),
        }),
        BackendChoice::Aws(resources) => Box::new(
            Aws {
                env: Env::empty(),
                resources: resources.as_ref().clone(),
                sdk: guichet_aws::sdk_config().await,
            }
            .key_store(),
        ),
    }
}

/// The token and webhook secrets the service itself uses, so tokens and signed notices made by
/// `guichet token` and `guichet demo` are accepted: on AWS they live in Secrets Manager, locally
/// in the data directory (or the environment).
pub async fn signing_secrets(settings: &Settings) -> anyhow::Result<(SecretString, SecretString)> {
    match &settings.backend {
        BackendChoice::Local => Ok((
            settings
                .local
                .token_secret(settings.http.tokens.secret.as_ref())?,
            settings
                .local
                .payment_secret(settings.payments.secret.as_ref())?,
        )),
        BackendChoice::Aws(resources) => {
            let aws = Aws {
                env: Env::empty(),
                resources: resources.as_ref().clone(),
                sdk: guichet_aws::sdk_config().await,
            };
            Ok((
                aws.token_secret(settings.http.tokens.secret.as_ref())
                    .await
                    .context("reading the token secret")?,
                aws.payment_secret(settings.payments.secret.as_ref())
                    .await
                    .context("reading the payment secret")?,
            ))
        }
    }
}

/// The catalogue the server of these settings serves: the file named, else the one `guichet
/// serve` seeded in the data directory, else the shipped one.
pub fn catalogue(settings: &Settings) -> anyhow::Result<Catalogue> {
    if let Some(path) = &settings.catalogue_file {
        return Ok(Catalogue::from_file(path)?);
    }
    let seeded = settings.local.data_dir.join("catalogue.json");
    if settings.backend == crate::settings::BackendChoice::Local && seeded.is_file() {
        return Ok(Catalogue::from_file(&seeded)?);
    }
    Ok(Catalogue::default_catalogue())
}

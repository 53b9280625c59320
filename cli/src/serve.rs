//! `guichet serve`: the HTTP surface of every function in one process, and a pump that feeds the
//! queue (local, or SQS on an emulator) to the queue consumers, exactly as Lambda's event source
//! mapping would.

use crate::backend::{Backend, Pump};
use crate::settings::Settings;
use aws_lambda_events::eventbridge::EventBridgeEvent;
use aws_lambda_events::sqs::{SqsEvent, SqsMessage};
use axum::body::Body as AxumBody;
use guichet_aws::SqsQueue;
use guichet_check::Check;
use guichet_core::ports::{Clock, DocumentRenderer as _, QueueName};
use guichet_core::usecases::forward::forward_all;
use guichet_feed::Feed;
use guichet_http::edge::PeerAddr;
use guichet_http::response;
use guichet_http::routes::{Function, Route};
use guichet_http::{Body, Edge};
use guichet_issue::Issue;
use guichet_local::{LocalQueue, LocalUploads, UPLOAD_LIMIT, UploadRefusal};
use guichet_notify::{Notify, NotifySettings};
use guichet_payment::Payment;
use guichet_payments::Gateways;
use guichet_pdf::PdfRenderer;
use guichet_reconcile::Reconcile;
use guichet_review::Review;
use guichet_screen::Screen;
use guichet_submit::Submit;
use guichet_verify::Verify;
use secrecy::ExposeSecret as _;
use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// The most any route reads; each route has its own, lower, limit.
const MAX_BODY: usize = 4 * 1024 * 1024;
/// How long an issue request stays hidden while being worked on.
pub const VISIBILITY: Duration = Duration::from_secs(30);
/// The same on SQS. A receive whose answer was lost hides its messages this long before they
/// come back; issuing one batch takes well under a second.
pub const SQS_VISIBILITY_SECONDS: i32 = 10;
/// How many issue requests the embedded pump takes at once. Issuing is mostly CPU, and this is
/// one process on a few cores: holding more than it works on would only leave more messages
/// half-done at a crash, each such delivery counted toward the dead letters.
const LOCAL_BATCH: usize = 2;

/// Every function, wired to one backend.
pub struct Functions {
    pub submit: Submit,
    pub check: Check,
    pub payment: Payment,
    pub review: Review,
    pub verify: Verify,
    pub issue: Issue,
    pub screen: Screen,
    pub feed: Feed,
    pub notify: Notify,
    pub reconcile: Reconcile,
}

impl Functions {
    /// What Lambda's `main`s do one by one, done once over `backend`, every function on one
    /// edge (one limiter, one token checker) and one clock.
    pub fn wire(
        backend: &Backend,
        settings: &Settings,
        clock: Arc<dyn Clock>,
        addr: SocketAddr,
    ) -> anyhow::Result<Self> {
        // Unless told otherwise, this process is the public address: providers notify it,
        // the sandbox's page and the portal are here.
        let public_url = settings
            .payments
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{addr}"));
        let portal_url = settings
            .payments
            .portal_url
            .clone()
            .unwrap_or_else(|| public_url.clone());
        let mut edge = Edge::new(&settings.http, &backend.token_secret, clock.clone())
            .with_revoked_tokens(backend.revoked_tokens.clone());
        if let Some(counts) = &backend.rate_counts {
            edge = edge.with_shared_counts(counts.clone());
        }
        let edge = Arc::new(edge);
        // Verify and review check seals against the published key set, as on Lambda: this
        // process holds the keys, so the set it publishes is in hand.
        let published = Arc::new(guichet_seal::KeySource::fixed(
            guichet_seal::PublishedKeySet::of(&backend.seal_keys),
        ));
        let mut renderer = PdfRenderer::new(settings.verify_url.clone())?;
        if let Some(dir) = settings.templates() {
            renderer = renderer.with_templates_dir(&dir)?;
        }
        backend
            .catalogue
            .check_templates(|t| renderer.has_template(t))?;
        Ok(Functions {
            submit: Submit {
                edge: edge.clone(),
                applications: backend.applications.clone(),
                documents: backend.documents.clone(),
                blobs: backend.blobs.clone(),
                catalogue: backend.catalogue.clone(),
                uploads: backend.uploads.clone(),
                upload_ttl: settings.upload_ttl,
            },
            check: Check {
                applications: backend.applications.clone(),
                catalogue: backend.catalogue.clone(),
                uploads: backend.uploads.clone(),
                clock: clock.clone(),
                dead_letters: backend.check_dead_letters.clone(),
            },
            payment: Payment {
                edge: edge.clone(),
                gateways: Gateways::new(&settings.payments, &backend.payment_secret),
                applications: backend.applications.clone(),
                ledger: backend.payments.clone(),
                catalogue: backend.catalogue.clone(),
                public_url: public_url.clone(),
                portal_url: portal_url.clone(),
            },
            review: Review {
                edge: edge.clone(),
                applications: backend.applications.clone(),
                documents: backend.documents.clone(),
                catalogue: backend.catalogue.clone(),
                seals: published.clone(),
                feed: backend.feed.clone(),
            },
            verify: Verify {
                edge,
                documents: backend.documents.clone(),
                keys: published,
                catalogue: backend.catalogue.clone(),
            },
            issue: Issue {
                applications: backend.applications.clone(),
                documents: backend.documents.clone(),
                blobs: backend.blobs.clone(),
                catalogue: backend.catalogue.clone(),
                sealer: backend.seal_keys.clone(),
                renderer: Arc::new(renderer),
                clock: clock.clone(),
                dead_letters: backend.dead_letters.clone(),
                uploads: backend.uploads.clone(),
            },
            screen: Screen {
                applications: backend.applications.clone(),
                catalogue: backend.catalogue.clone(),
                watchlists: backend.watchlists.clone(),
                blobs: backend.blobs.clone(),
                clock: clock.clone(),
                dead_letters: backend.screen_dead_letters.clone(),
                cache: Default::default(),
            },
            feed: Feed {
                applications: backend.applications.clone(),
                documents: backend.documents.clone(),
                feed: backend.feed.clone(),
                sealer: backend.seal_keys.clone(),
                dead_letters: backend.feed_dead_letters.clone(),
            },
            notify: Notify {
                applications: backend.applications.clone(),
                catalogue: backend.catalogue.clone(),
                notifier: backend.notifier.clone(),
                sent: backend.sent.clone(),
                clock: clock.clone(),
                dead_letters: backend.notify_dead_letters.clone(),
                settings: NotifySettings {
                    portal_url,
                    mail_from: settings.mail_from.clone(),
                },
            },
            reconcile: Reconcile {
                applications: backend.applications.clone(),
                outbox: backend.outbox.clone(),
                bus: backend.bus.clone(),
                catalogue: backend.catalogue.clone(),
                clock,
                settings: settings.reconcile.clone(),
                unanchored: backend.unanchored.clone(),
                checkpoints: backend.checkpoints.clone(),
                audit_key: backend.audit_key.clone(),
            },
        })
    }
}

pub struct RunningServer {
    pub addr: SocketAddr,
    /// The development sign-in's key, printed at start (none where there is no development
    /// sign-in): the portal's and the console's links carry it.
    pub dev_key: Option<String>,
    pub backend: Arc<Backend>,
    pub functions: Arc<Functions>,
    http: JoinHandle<()>,
    pump: JoinHandle<()>,
    forwarder: JoinHandle<()>,
    schedule: JoinHandle<()>,
    stopping: Arc<AtomicBool>,
}

impl RunningServer {
    /// Stops at once: a batch being issued is dropped mid-way (its messages come back later).
    pub fn stop(&self) {
        // The check step's SQS pump runs beside the issue step's and ends on this flag.
        self.stopping.store(true, Ordering::SeqCst);
        self.http.abort();
        self.pump.abort();
        self.forwarder.abort();
        self.schedule.abort();
    }

    /// Stops taking requests, lets the pump finish its batch and its current receive (an
    /// abandoned SQS long poll could still take a message and hide it for the visibility
    /// timeout), then stops.
    pub async fn shutdown(mut self) {
        self.http.abort();
        self.forwarder.abort();
        self.schedule.abort();
        self.stopping.store(true, Ordering::SeqCst);
        let pump = std::mem::replace(&mut self.pump, tokio::spawn(async {}));
        let _ = pump.await;
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The development sign-in hands out any role's token to whoever asks, so it exists only where
/// nobody else can ask: outside production, on this machine's own address, with no identity
/// provider to sign in with instead.
fn development_sign_in(settings: &Settings, addr: SocketAddr) -> bool {
    !settings.environment.is_production()
        && addr.ip().is_loopback()
        && settings.http.tokens.oidc.is_none()
}

/// In production only partners hold the service's own tokens: staff and citizens sign in
/// through an identity provider, without which nobody could decide anything.
fn refuse_production_without_provider(settings: &Settings) -> anyhow::Result<()> {
    if settings.environment.is_production() && settings.http.tokens.oidc.is_none() {
        anyhow::bail!(
            "GUICHET_ENV=production needs an identity provider (GUICHET_OIDC_ISSUER, \
             GUICHET_OIDC_AUDIENCE, GUICHET_OIDC_JWKS_URL): in production the service's own tokens \
             are for partner systems alone, so staff and citizens sign in through the provider, \
             its second factor and its off-boarding. docs/deploy.md shows one on the same machine \
             (Keycloak or Dex); GUICHET_ENV=development keeps the development tokens."
        );
    }
    Ok(())
}

pub async fn start(
    backend: Backend,
    settings: &Settings,
    clock: Arc<dyn Clock>,
    listener: TcpListener,
) -> anyhow::Result<RunningServer> {
    let addr = listener.local_addr()?;
    refuse_production_without_provider(settings)?;
    // The identity provider's keys, read once as a cold start reads them.
    let mut settings = settings.clone();
    settings.http.fetch_keys().await;
    let settings = &settings;
    let functions = Arc::new(Functions::wire(&backend, settings, clock.clone(), addr)?);
    // The key set this process signs with, published for whatever reads it (a Lambda verify
    // beside it on the same table); and every trail anchored in a checkpoint, so trails written
    // before applications recorded their end are held from now on.
    backend
        .published_keys
        .publish(guichet_seal::PublishedKeySet::of(&backend.seal_keys).document())
        .await?;
    crate::audit::anchor(&backend).await?;
    let mut app = axum::Router::new()
        .fallback(dispatch)
        .with_state(functions.clone());
    // The front ends, at their addresses; everything else is the API's.
    for (page, _) in crate::web::PAGES {
        app = app.route(page, axum::routing::get(page_or_file));
    }
    for files in ["/sw.js", "/assets/{*file}", "/vendor/{*file}"] {
        app = app.route(files, axum::routing::get(page_or_file));
    }
    let dev_key = if development_sign_in(settings, addr) {
        let key = crate::signin::new_key()?;
        let shown = key.expose_secret().to_owned();
        app = app.merge(
            axum::Router::new()
                .route(
                    "/dev/sign-in",
                    axum::routing::get(crate::signin::roles).post(crate::signin::sign_in),
                )
                .with_state(crate::signin::DevSignIn {
                    functions: functions.clone(),
                    key: Arc::new(key),
                }),
        );
        Some(shown)
    } else {
        None
    };
    if let Some(uploads) = &backend.local_uploads {
        uploads.set_base_url(format!("http://{addr}"));
        app = app.merge(
            axum::Router::new()
                .route("/uploads/{*key}", axum::routing::put(upload))
                .layer(axum::extract::DefaultBodyLimit::max(UPLOAD_LIMIT))
                .with_state((uploads.clone(), clock)),
        );
    }
    let backend = Arc::new(backend);
    let http = tokio::spawn(async move {
        let app = app.into_make_service_with_connect_info::<SocketAddr>();
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "HTTP server stopped");
        }
    });
    let stopping = Arc::new(AtomicBool::new(false));
    let pump = match backend.pump.clone() {
        Pump::Local(q) => tokio::spawn(pump(functions.clone(), q, stopping.clone())),
        Pump::Sqs {
            issue,
            check,
            screen,
            feed,
            notify,
        } => {
            let notifications = tokio::spawn(pump_sqs(
                functions.clone(),
                Consumer::Notify,
                notify,
                stopping.clone(),
            ));
            let feeds = tokio::spawn(pump_sqs(
                functions.clone(),
                Consumer::Feed,
                feed,
                stopping.clone(),
            ));
            let checks = tokio::spawn(pump_sqs(
                functions.clone(),
                Consumer::Check,
                check,
                stopping.clone(),
            ));
            let screens = tokio::spawn(pump_sqs(
                functions.clone(),
                Consumer::Screen,
                screen,
                stopping.clone(),
            ));
            let issues = pump_sqs(functions.clone(), Consumer::Issue, issue, stopping.clone());
            tokio::spawn(async move {
                issues.await;
                let _ = checks.await;
                let _ = screens.await;
                let _ = feeds.await;
                let _ = notifications.await;
            })
        }
    };
    let forwarder = tokio::spawn(forwarder(backend.clone()));
    let schedule = tokio::spawn(schedule(functions.clone(), settings.reconcile.every));
    Ok(RunningServer {
        addr,
        dev_key,
        backend,
        functions,
        http,
        pump,
        forwarder,
        schedule,
        stopping,
    })
}

/// The local stand-in for S3's presigned PUT: the URL's signature, expiry, size and type are
/// checked by `LocalUploads::receive`; a refusal is problem+json in both languages.
async fn upload(
    axum::extract::State((uploads, clock)): axum::extract::State<(LocalUploads, Arc<dyn Clock>)>,
    axum::extract::Path(key): axum::extract::Path<String>,
    req: axum::extract::Request,
) -> axum::response::Response {
    use guichet_core::Error;
    use guichet_core::messages::Msg;
    let query = req.uri().query().unwrap_or_default().to_owned();
    let content_type = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let error = match axum::body::to_bytes(req.into_body(), UPLOAD_LIMIT).await {
        Err(_) => Some(Error::TooLarge {
            limit: UPLOAD_LIMIT,
        }),
        Ok(bytes) => match uploads
            .receive(
                &format!("uploads/{}", key.trim_start_matches("uploads/")),
                &query,
                content_type.as_deref(),
                bytes.to_vec(),
                clock.now(),
            )
            .await
        {
            Ok(()) => None,
            Err(UploadRefusal::BadSignature) => Some(Error::Refused(Msg::UploadLinkInvalid)),
            Err(UploadRefusal::Expired) => Some(Error::Refused(Msg::UploadExpired)),
            Err(UploadRefusal::TooLarge { limit }) => Some(Error::TooLarge {
                limit: usize::try_from(limit).unwrap_or(usize::MAX),
            }),
            Err(UploadRefusal::Differs(m)) => Some(Error::invalid("body", m)),
            Err(UploadRefusal::AlreadyReceived) => Some(Error::Conflict(Msg::UploadReceived)),
            Err(UploadRefusal::Unavailable) => Some(Error::Internal("upload not stored".into())),
        },
    };
    let response = match error {
        None => http::Response::builder()
            .status(200)
            .body(Body::Empty)
            .unwrap_or_default(),
        Some(e) => response::error(&e),
    };
    to_axum(response)
}

/// A page or one of its files, from the copy built into the binary; 404 as the API says it.
async fn page_or_file(uri: http::Uri, headers: http::HeaderMap) -> axum::response::Response {
    match crate::web::answer(uri.path(), &headers) {
        Some(response) => response.map(AxumBody::from),
        None => to_axum(response::error(&guichet_core::Error::NotFound)),
    }
}

async fn dispatch(
    axum::extract::State(f): axum::extract::State<Arc<Functions>>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<SocketAddr>,
    req: axum::extract::Request,
) -> axum::response::Response {
    let started = Instant::now();
    let request_id = ulid::Ulid::new().to_string();
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let (parts, body) = req.into_parts();
    let response = match axum::body::to_bytes(body, MAX_BODY).await {
        Err(_) => response::error(&guichet_core::Error::TooLarge { limit: MAX_BODY }),
        Ok(bytes) => {
            let mut request = http::Request::from_parts(parts, Body::Binary(bytes.to_vec()));
            request.extensions_mut().insert(PeerAddr(peer.ip()));
            let function = if method == http::Method::OPTIONS {
                Route::function_of_path(&path)
            } else {
                Route::recognize(&method, &path).map(|r| r.function())
            };
            match function {
                Err(e) => response::error(&e),
                Ok(function) => match function {
                    Function::Submit => guichet_submit::handle(&f.submit, request).await,
                    Function::Payment => guichet_payment::handle(&f.payment, request).await,
                    Function::Review => guichet_review::handle(&f.review, request).await,
                    Function::Verify => guichet_verify::handle(&f.verify, request).await,
                },
            }
        }
    };
    // Paths hold ids and document numbers, never names: safe to log.
    tracing::info!(
        request_id,
        method = %method,
        path,
        status = response.status().as_u16(),
        duration_ms = started.elapsed().as_millis() as u64,
        "request"
    );
    let mut response = to_axum(response);
    if let Ok(v) = request_id.parse() {
        response.headers_mut().insert("x-request-id", v);
    }
    response
}

/// A handler's answer as axum sends it.
pub(crate) fn to_axum(response: http::Response<Body>) -> axum::response::Response {
    let (parts, body) = response.into_parts();
    let body = match body {
        Body::Text(t) => AxumBody::from(t),
        Body::Binary(b) => AxumBody::from(b),
        _ => AxumBody::empty(),
    };
    axum::response::Response::from_parts(parts, body)
}

/// Feeds issue requests to the issue function in SQS-shaped batches. Failed messages come back
/// after a growing delay and, after the configured number of receives, rest in the dead letters.
async fn pump(f: Arc<Functions>, queue: LocalQueue, stopping: Arc<AtomicBool>) {
    // This process is the data directory's one consumer: what the last one had in flight when
    // it stopped is ours to deliver now.
    match queue.reclaim().await {
        Ok(0) => {}
        Ok(n) => tracing::info!(
            messages = n,
            "messages in flight at the last stop delivered again"
        ),
        Err(e) => tracing::error!(error = %e, "could not take back the messages in flight"),
    }
    let arrived = queue.arrived();
    while !stopping.load(Ordering::SeqCst) {
        let mut idle = true;
        for (consumer, name) in [
            (Consumer::Issue, QueueName::ISSUE_REQUESTS),
            (Consumer::Check, QueueName::ATTACHMENT_CHECKS),
            (Consumer::Screen, QueueName::SCREENING_REQUESTS),
            (Consumer::Feed, QueueName::PARTNER_FEED),
            (Consumer::Notify, QueueName::NOTIFICATIONS),
        ] {
            let deliveries = match queue.receive(name, LOCAL_BATCH, VISIBILITY).await {
                Ok(d) => d,
                Err(e) => {
                    tracing::error!(error = %e, "queue receive failed");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            if deliveries.is_empty() {
                continue;
            }
            idle = false;
            let failed = consume(
                &f,
                consumer,
                deliveries.iter().map(|d| (d.id.as_str(), d.body.as_str())),
            )
            .await;
            for d in &deliveries {
                let result = if failed.contains(&d.id) {
                    let delay = Duration::from_secs(1 << d.receive_count.min(6));
                    queue.retry_after(&d.id, delay).await
                } else {
                    queue.ack(&d.id).await
                };
                if let Err(e) = result {
                    tracing::error!(error = %e, message_id = %d.id, "queue bookkeeping failed; the message will be redelivered");
                }
            }
        }
        if idle {
            // A send wakes us at once; the timeout picks up retries whose delay has passed.
            let _ = tokio::time::timeout(Duration::from_millis(500), arrived.notified()).await;
        }
    }
}

/// The queue consumers `guichet serve` feeds.
#[derive(Debug, Clone, Copy)]
enum Consumer {
    Issue,
    Check,
    Screen,
    Feed,
    Notify,
}

/// Hands the messages (id, body) to a consumer in the event Lambda would build, and returns the
/// ids it reports failed.
async fn consume<'a>(
    f: &Functions,
    consumer: Consumer,
    messages: impl Iterator<Item = (&'a str, &'a str)>,
) -> HashSet<String> {
    let mut event = SqsEvent::default();
    event.records = messages
        .map(|(id, body)| {
            let mut m = SqsMessage::default();
            m.message_id = Some(id.to_owned());
            m.body = Some(body.to_owned());
            m
        })
        .collect();
    let response = match consumer {
        Consumer::Issue => guichet_issue::handle(&f.issue, event).await,
        Consumer::Check => guichet_check::handle(&f.check, event).await,
        Consumer::Screen => guichet_screen::handle(&f.screen, event).await,
        Consumer::Feed => guichet_feed::handle(&f.feed, event).await,
        Consumer::Notify => guichet_notify::handle(&f.notify, event).await,
    };
    response
        .batch_item_failures
        .into_iter()
        .map(|f| f.item_identifier)
        .collect()
}

/// What the SQS event source mapping does on Lambda: long-poll, hand over a batch, delete the
/// messages that succeeded. Failed ones come back after the visibility timeout and, after the
/// queue's maximum receives, SQS moves them to the dead-letter queue.
async fn pump_sqs(
    f: Arc<Functions>,
    consumer: Consumer,
    queue: SqsQueue,
    stopping: Arc<AtomicBool>,
) {
    while !stopping.load(Ordering::SeqCst) {
        let deliveries = match queue.receive(10, 1, SQS_VISIBILITY_SECONDS).await {
            Ok(d) => d,
            Err(e) => {
                tracing::error!(error = %e, "queue receive failed");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if deliveries.is_empty() {
            continue;
        }
        let failed = consume(
            &f,
            consumer,
            deliveries
                .iter()
                .map(|d| (d.message_id.as_str(), d.body.as_str())),
        )
        .await;
        for d in deliveries
            .iter()
            .filter(|d| !failed.contains(&d.message_id))
        {
            if let Err(e) = queue.delete(&d.receipt_handle).await {
                tracing::error!(error = %e, message_id = %d.message_id, "delete failed; the message will be redelivered");
            }
        }
    }
}

/// What the table's stream and the forward function do on AWS: hand each event written with a
/// change on to its consumers' queues as soon as it is in the outbox.
async fn forwarder(backend: Arc<Backend>) {
    loop {
        match forward_all(backend.outbox.as_ref(), backend.bus.as_ref(), 100).await {
            Ok(0) => tokio::time::sleep(backend.forward_every).await,
            Ok(_) => {}
            Err(e) => {
                tracing::error!(error = %e, "forwarding failed; trying again");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// What the EventBridge schedule does on AWS: run the reconcile step every few minutes.
async fn schedule(f: Arc<Functions>, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.tick().await; // the first tick is immediate; a fresh start has nothing stuck yet
    loop {
        ticks.tick().await;
        let mut event = EventBridgeEvent::default();
        event.id = Some(ulid::Ulid::new().to_string());
        event.detail_type = "Scheduled Event".into();
        event.source = "guichet.serve".into();
        if let Err(e) = guichet_reconcile::handle(&f.reconcile, event).await {
            tracing::error!(error = %e, "reconcile failed; the next run starts over");
        }
    }
}

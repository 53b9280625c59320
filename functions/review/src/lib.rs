//! The office's side: `GET /v1/work`, `POST /v1/applications/{id}/decision`,
//! `POST /v1/applications/{id}/signature` and `POST /v1/documents/{number}/revoke`.

use guichet_core::Error;
use guichet_core::catalogue::Catalogue;
use guichet_core::domain::{Application, Principal};
use guichet_core::ports::{ApplicationStore, Clock, DocumentRegistry, PartnerFeed};
use guichet_core::usecases::aes::{self, PartnerCheck};
use guichet_core::usecases::border::{self, Bordering};
use guichet_core::usecases::review::{self, Deciding};
use guichet_core::usecases::revoke::{self, Revoking};
use guichet_core::usecases::screening;
use guichet_http::api::{
    AesFeedPage, AesVerification, AesVerifyRequest, ApplicationView, CrossingRecorded,
    RevokedDocument, ScreeningView, WorkQueue,
};
use guichet_http::request::{
    JSON_LIMIT, idempotency, json_body, query_param, required_idempotency,
};
use guichet_http::response::json;
use guichet_http::routes::Route;
use guichet_http::{Body, Edge, Request, Response, edge};
use std::sync::Arc;

/// What the review function works with.
pub struct Review {
    pub edge: Arc<Edge>,
    pub applications: Arc<dyn ApplicationStore>,
    pub documents: Arc<dyn DocumentRegistry>,
    pub catalogue: Arc<Catalogue>,
    /// Opens the seals border posts read from e-visas: the published key set (review holds no
    /// private key).
    pub seals: Arc<guichet_seal::KeySource>,
    /// The AES partners' feed.
    pub feed: Arc<dyn PartnerFeed>,
}

impl Review {
    fn deciding<'a>(&'a self, clock: &'a dyn Clock) -> Deciding<'a> {
        Deciding {
            applications: self.applications.as_ref(),
            catalogue: &self.catalogue,
            clock,
        }
    }
}

async fn view(f: &Review, app: &Application, who: &Principal) -> Result<Response<Body>, Error> {
    let history = f.applications.history(app.id).await?;
    Ok(json(
        200,
        &ApplicationView::new(app, &history, &f.catalogue, who),
    ))
}

pub async fn handle(f: &Review, req: Request) -> Response<Body> {
    edge::handle(&f.edge, &req, route(f, &req)).await
}

async fn route(f: &Review, req: &Request) -> Result<Response<Body>, Error> {
    let route = Route::recognize(req.method(), req.uri().path())?;
    if matches!(route, Route::RecordCrossing | Route::AesVerify) {
        f.seals.refresh().await;
    }
    let who = edge::caller(&f.edge, req).await?;
    let clock = f.edge.clock.as_ref();
    match route {
        Route::WorkQueue => {
            let office = query_param(req, "office");
            let status = query_param(req, "status");
            let step = query_param(req, "step");
            if let Some(q) = query_param(req, "q") {
                let ports = review::Searching {
                    applications: f.applications.as_ref(),
                    documents: f.documents.as_ref(),
                    catalogue: &f.catalogue,
                    clock,
                };
                let (office, items) = review::search(&ports, &who, office.as_deref(), &q).await?;
                return Ok(json(
                    200,
                    &WorkQueue {
                        office: office.to_string(),
                        status: String::new(),
                        items: items.iter().map(Into::into).collect(),
                    },
                ));
            }
            let (office, status, items) = review::work_queue(
                f.applications.as_ref(),
                &f.catalogue,
                &who,
                office.as_deref(),
                status.as_deref(),
                step.as_deref(),
            )
            .await?;
            Ok(json(
                200,
                &WorkQueue {
                    office: office.to_string(),
                    status: status.to_string(),
                    items: items.iter().map(Into::into).collect(),
                },
            ))
        }
        Route::Decide { id } => {
            let body: review::DecisionRequest = json_body(req, JSON_LIMIT)?;
            let app =
                review::decide(&f.deciding(clock), &who, &id, &body, idempotency(req)).await?;
            view(f, &app, &who).await
        }
        Route::Sign { id } => {
            let body: review::SignatureRequest = json_body(req, JSON_LIMIT)?;
            let app = review::sign(&f.deciding(clock), &who, &id, &body, idempotency(req)).await?;
            view(f, &app, &who).await
        }
        Route::RecordCrossing => {
            let key = required_idempotency(req)?;
            let body: border::CrossingRequest = json_body(req, JSON_LIMIT)?;
            let ports = Bordering {
                applications: f.applications.as_ref(),
                documents: f.documents.as_ref(),
                catalogue: &f.catalogue,
                seals: f.seals.as_ref(),
                clock,
            };
            let recorded = border::record(&ports, &who, &body, Some(key)).await?;
            Ok(json(
                201,
                &CrossingRecorded::new(&recorded, clock.now().date()),
            ))
        }
        Route::AesVisas => {
            let after = query_param(req, "after");
            let (items, next) =
                aes::read(f.feed.as_ref(), &f.catalogue, &who, after.as_deref()).await?;
            Ok(json(
                200,
                &AesFeedPage {
                    items: items.iter().map(Into::into).collect(),
                    next: next.to_string(),
                },
            ))
        }
        Route::AesVerify => {
            let body: AesVerifyRequest = json_body(req, JSON_LIMIT)?;
            let ports = PartnerCheck {
                applications: f.applications.as_ref(),
                documents: f.documents.as_ref(),
                catalogue: &f.catalogue,
                seals: f.seals.as_ref(),
                clock,
            };
            let (visa, entries_used) = aes::verify(&ports, &who, body.seal.as_deref()).await?;
            Ok(json(
                200,
                &AesVerification {
                    status: visa["status"].as_str().unwrap_or_default().to_owned(),
                    visa,
                    entries_used,
                },
            ))
        }
        Route::GetScreening { id } => {
            let record =
                screening::read(f.applications.as_ref(), &f.catalogue, clock, &who, &id).await?;
            Ok(json(200, &ScreeningView::from(&record)))
        }
        Route::Screen { id } => {
            let body: screening::ScreeningRequest = json_body(req, JSON_LIMIT)?;
            let app =
                screening::decide(&f.deciding(clock), &who, &id, &body, idempotency(req)).await?;
            view(f, &app, &who).await
        }
        Route::Revoke { number } => {
            let body: revoke::RevocationRequest = json_body(req, JSON_LIMIT)?;
            let ports = Revoking {
                applications: f.applications.as_ref(),
                documents: f.documents.as_ref(),
                clock,
            };
            let doc = revoke::revoke(&ports, &who, &number, &body, idempotency(req)).await?;
            let view = RevokedDocument::new(&doc).ok_or(Error::NotFound)?;
            Ok(json(200, &view))
        }
        _ => Err(Error::NotFound),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use guichet_core::ports::SystemClock;
    use guichet_core::settings::Env;
    use guichet_http::HttpSettings;
    use guichet_local::{Local, LocalSettings};

    #[tokio::test]
    async fn an_api_gateway_event_without_a_token_is_401() {
        let dir = tempfile::tempdir().unwrap();
        let local = Local::open(&LocalSettings::in_dir(dir.path())).unwrap();
        let f = Review {
            edge: Arc::new(Edge::new(
                &HttpSettings::read(&Env::empty()).unwrap(),
                &"t".repeat(32).into(),
                Arc::new(SystemClock),
            )),
            applications: local.store.clone(),
            documents: local.store.clone(),
            feed: local.store.clone(),
            catalogue: local.catalogue.clone(),
            seals: Arc::new(guichet_seal::KeySource::fixed(
                guichet_seal::PublishedKeySet::of(
                    &guichet_seal::SealKeys::from_stored(&[guichet_seal::generate(
                        time::OffsetDateTime::now_utc(),
                    )
                    .unwrap()])
                    .unwrap(),
                ),
            )),
        };
        let req = lambda_http::request::from_str(include_str!(
            "../../../events/review-work-queue-no-token.json"
        ))
        .unwrap();
        assert_eq!(handle(&f, req).await.status(), 401);
    }
}

//! Submit and read applications: `POST/GET /v1/applications`, `GET /v1/applications/{id}`,
//! `POST /v1/applications/{id}/resubmit`, `GET /v1/applications/{id}/document`, and their
//! attachments: `POST /v1/applications/{id}/attachments`,
//! `GET /v1/applications/{id}/attachments/{attachment_id}`; and signing in: `GET/POST
//! /v1/sign-in` (the pages' way through the identity provider) and `GET /v1/me`.

use guichet_core::Error;
use guichet_core::catalogue::Catalogue;
use guichet_core::domain::Application;
use guichet_core::ports::{ApplicationStore, BlobStore, DocumentRegistry, Download, Uploads};
use guichet_core::usecases::applications::{self, DocumentFiles};
use guichet_core::usecases::attachments::{self, Attaching};
use guichet_core::usecases::citizen;
use guichet_core::usecases::submit::{self, Applying};
use guichet_http::api::{
    ApplicationCreated, ApplicationList, ApplicationView, MeView, SignInRequest, UploadTicket,
};
use guichet_http::limits::Limit;
use guichet_http::request::{
    JSON_LIMIT, idempotency, json_body, query_param, required_idempotency,
};
use guichet_http::response::{file, file_link, json, pdf};
use guichet_http::routes::Route;
use guichet_http::{Body, Edge, Request, Response, edge, signin};
use std::sync::Arc;

/// What the submit function works with.
pub struct Submit {
    pub edge: Arc<Edge>,
    pub applications: Arc<dyn ApplicationStore>,
    pub documents: Arc<dyn DocumentRegistry>,
    pub blobs: Arc<dyn BlobStore>,
    pub catalogue: Arc<Catalogue>,
    /// The files applicants send.
    pub uploads: Arc<dyn Uploads>,
    /// How long an upload URL works.
    pub upload_ttl: time::Duration,
}

impl Submit {
    fn attaching(&self) -> Attaching<'_> {
        Attaching {
            applications: self.applications.as_ref(),
            catalogue: &self.catalogue,
            uploads: self.uploads.as_ref(),
            clock: self.edge.clock.as_ref(),
        }
    }

    fn applying(&self) -> Applying<'_> {
        Applying {
            applications: self.applications.as_ref(),
            catalogue: &self.catalogue,
            clock: self.edge.clock.as_ref(),
        }
    }
}

pub async fn handle(f: &Submit, req: Request) -> Response<Body> {
    edge::handle(&f.edge, &req, route(f, &req)).await
}

async fn route(f: &Submit, req: &Request) -> Result<Response<Body>, Error> {
    let route = Route::recognize(req.method(), req.uri().path())?;
    // Signing in is what a person without a token does.
    match route {
        Route::SignInOptions => return Ok(json(200, &signin::options(&f.edge.auth))),
        Route::SignIn => {
            let body: SignInRequest = json_body(req, JSON_LIMIT)?;
            return match signin::exchange(&f.edge.auth, body, f.edge.clock.now()).await {
                Ok(signed) => Ok(json(200, &signed)),
                // Refused codes count against their address, as refused tokens do.
                Err(e @ (Error::Refused(_) | Error::Unauthenticated | Error::Invalid(_))) => {
                    f.edge
                        .limits
                        .take(Limit::FailedAuth, &edge::client_address(req))
                        .await?;
                    Err(e)
                }
                Err(e) => Err(e),
            };
        }
        _ => {}
    }
    let who = edge::caller(&f.edge, req).await?;
    let store = f.applications.as_ref();
    let clock = f.edge.clock.as_ref();
    match route {
        Route::SubmitApplication => {
            let key = required_idempotency(req)?;
            let app = counted(f, &who, async {
                let body: submit::SubmitRequest = json_body(req, JSON_LIMIT)?;
                submit::submit(&f.applying(), &who, body, Some(key)).await
            })
            .await?;
            Ok(json(201, &ApplicationCreated::new(&app, &f.catalogue)))
        }
        Route::ListApplications => {
            let limit = query_param(req, "limit");
            let cursor = query_param(req, "cursor");
            let (apps, cursor) =
                applications::list_mine(store, &who, limit.as_deref(), cursor.as_deref()).await?;
            Ok(json(
                200,
                &ApplicationList {
                    items: apps.iter().map(Into::into).collect(),
                    cursor,
                },
            ))
        }
        Route::GetApplication { id } => {
            let (app, history) = applications::get(store, &f.catalogue, clock, &who, &id).await?;
            Ok(json(
                200,
                &ApplicationView::new(&app, &history, &f.catalogue, &who),
            ))
        }
        Route::Resubmit { id } => {
            let body: submit::ResubmitRequest = json_body(req, JSON_LIMIT)?;
            let app = submit::resubmit(&f.applying(), &who, &id, &body, idempotency(req)).await?;
            let history = store.history(app.id).await?;
            Ok(json(
                200,
                &ApplicationView::new(&app, &history, &f.catalogue, &who),
            ))
        }
        Route::Cancel { id } => {
            let owning = citizen::Owning {
                applications: store,
                clock,
            };
            let app = citizen::cancel(&owning, &who, &id, idempotency(req)).await?;
            let history = store.history(app.id).await?;
            Ok(json(
                200,
                &ApplicationView::new(&app, &history, &f.catalogue, &who),
            ))
        }
        Route::ChangeContact { id } => {
            let body: citizen::ContactRequest = json_body(req, JSON_LIMIT)?;
            let owning = citizen::Owning {
                applications: store,
                clock,
            };
            let app = citizen::change_contact(&owning, &who, &id, &body).await?;
            let history = store.history(app.id).await?;
            Ok(json(
                200,
                &ApplicationView::new(&app, &history, &f.catalogue, &who),
            ))
        }
        Route::Receipt { id } => {
            let owning = citizen::Owning {
                applications: store,
                clock,
            };
            let (text, filename) = citizen::receipt(&owning, &f.catalogue, &who, &id).await?;
            Ok(guichet_http::response::file(
                text.into_bytes(),
                &filename,
                "text/plain; charset=utf-8",
            ))
        }
        Route::GetDocument { id } => {
            let files = DocumentFiles {
                applications: store,
                documents: f.documents.as_ref(),
                blobs: f.blobs.as_ref(),
                catalogue: &f.catalogue,
                clock,
            };
            match applications::document(&files, &who, &id).await? {
                (Download::Bytes(bytes), filename) => Ok(pdf(bytes, &filename)),
                (Download::Redirect(url), _) => Ok(file_link(req, &url)),
            }
        }
        Route::AddAttachment { id } => {
            f.edge
                .limits
                .take(Limit::Attach, who.subject.as_str())
                .await?;
            let body: attachments::AttachmentRequest = json_body(req, JSON_LIMIT)?;
            let (attachment, target) =
                attachments::announce(&f.attaching(), &who, &id, &body, f.upload_ttl).await?;
            Ok(json(201, &UploadTicket::new(&attachment, &target)))
        }
        Route::GetAttachment { id, attachment_id } => {
            match attachments::read(&f.attaching(), &who, &id, &attachment_id).await? {
                (Download::Bytes(bytes), filename, content_type) => {
                    Ok(file(bytes, &filename, content_type.as_str()))
                }
                (Download::Redirect(url), _, _) => Ok(file_link(req, &url)),
            }
        }
        Route::Me => Ok(json(200, &MeView::from(&who))),
        _ => Err(Error::NotFound),
    }
}

/// A submission against its applicant's budgets: one of accepted forms, one (much larger) of
/// refused ones. Both are taken before, and the one that did not serve is given back after, so a
/// citizen whose form was refused ten times may still send the right one; a replay with its key,
/// or a failure of ours, counts against neither.
async fn counted(
    f: &Submit,
    who: &guichet_core::domain::Principal,
    submission: impl std::future::Future<Output = Result<(Application, bool), Error>>,
) -> Result<Application, Error> {
    let client = who.subject.as_str();
    let limits = &f.edge.limits;
    let refused = limits.take(Limit::Refused, client).await?;
    let accepted = match limits.take(Limit::Submit, client).await {
        Ok(ticket) => ticket,
        Err(e) => {
            limits.give_back(refused).await;
            return Err(e);
        }
    };
    let outcome = submission.await;
    match &outcome {
        Ok((_, false)) => limits.give_back(refused).await,
        Err(e) if !e.is_ours() => limits.give_back(accepted).await,
        _ => {
            limits.give_back(refused).await;
            limits.give_back(accepted).await;
        }
    }
    outcome.map(|(app, _)| app)
}

#[cfg(test)]
mod tests {
    use super::*;
    use guichet_core::ports::SystemClock;
    use guichet_http::HttpSettings;
    use guichet_local::{Local, LocalSettings};

    #[tokio::test]
    async fn an_api_gateway_event_without_a_token_is_401_and_stores_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let local = Local::open(&LocalSettings::in_dir(dir.path())).unwrap();
        let settings = HttpSettings::read(&guichet_core::settings::Env::empty()).unwrap();
        let f = Submit {
            edge: Arc::new(Edge::new(
                &settings,
                &"t".repeat(32).into(),
                Arc::new(SystemClock),
            )),
            applications: local.store.clone(),
            documents: local.store.clone(),
            blobs: local.blobs.clone(),
            catalogue: local.catalogue.clone(),
            uploads: Arc::new(guichet_local::LocalUploads::new(
                dir.path().join("uploads"),
                "t".repeat(32).into(),
                local.queue.clone(),
            )),
            upload_ttl: time::Duration::minutes(15),
        };
        let req = lambda_http::request::from_str(include_str!(
            "../../../events/submit-application-no-token.json"
        ))
        .unwrap();
        let resp = handle(&f, req).await;
        assert_eq!(resp.status(), 401);
        assert_eq!(resp.headers()["content-type"], "application/problem+json");
        let subject = guichet_core::domain::Subject::parse("anyone").unwrap();
        assert!(
            local
                .store
                .list_by_subject(&subject, None, 10)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

//! Submit and read applications: `POST/GET /v1/applications`, `GET /v1/applications/{id}`,
//! `POST /v1/applications/{id}/resubmit`, `GET /v1/applications/{id}/document`.

use guichet::api::{ApplicationCreated, ApplicationList, ApplicationView};
use guichet::http::request::{JSON_LIMIT, idempotency, json_body};
use guichet::http::response::{json, pdf, redirect};
use guichet::http::routes::Route;
use guichet::http::{Body, Request, Response};
use guichet::ports::Download;
use guichet::usecases::{applications, submit};
use guichet::{Context, Error};

pub async fn handle(ctx: &Context, req: Request) -> Response<Body> {
    guichet::http::edge::handle(ctx, &req, route(ctx, &req)).await
}

async fn route(ctx: &Context, req: &Request) -> Result<Response<Body>, Error> {
    let route = Route::recognize(req.method(), req.uri().path())?;
    let who = guichet::http::edge::caller(ctx, req)?;
    match route {
        Route::SubmitApplication => {
            ctx.limits
                .take(guichet::http::limits::Limit::Submit, who.subject.as_str())?;
            let body: submit::SubmitRequest = json_body(req, JSON_LIMIT)?;
            let app = submit::submit(ctx, &who, body, idempotency(req)).await?;
            Ok(json(201, &ApplicationCreated::new(&app, &ctx.catalogue)))
        }
        Route::ListApplications => {
            let apps = applications::list_mine(ctx, &who).await?;
            Ok(json(
                200,
                &ApplicationList {
                    items: apps.iter().map(Into::into).collect(),
                },
            ))
        }
        Route::GetApplication { id } => {
            let (app, history) = applications::get(ctx, &who, &id).await?;
            Ok(json(
                200,
                &ApplicationView::new(&app, &history, &ctx.catalogue),
            ))
        }
        Route::Resubmit { id } => {
            let body: submit::ResubmitRequest = json_body(req, JSON_LIMIT)?;
            let app = submit::resubmit(ctx, &who, &id, &body, idempotency(req)).await?;
            let history = ctx.applications.history(app.id).await?;
            Ok(json(
                200,
                &ApplicationView::new(&app, &history, &ctx.catalogue),
            ))
        }
        Route::GetDocument { id } => match applications::document(ctx, &who, &id).await? {
            (Download::Bytes(bytes), filename) => Ok(pdf(bytes, &filename)),
            (Download::Redirect(url), _) => Ok(redirect(&url)),
        },
        _ => Err(Error::NotFound),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_api_gateway_event_without_a_token_is_401_and_stores_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = guichet::local::open(guichet::config::Config::development(dir.path()))
            .unwrap()
            .context;
        let req = lambda_http::request::from_str(include_str!(
            "../../../events/submit-application-no-token.json"
        ))
        .unwrap();
        let resp = handle(&ctx, req).await;
        assert_eq!(resp.status(), 401);
        assert_eq!(resp.headers()["content-type"], "application/problem+json");
        let subject = guichet::domain::Subject::parse("anyone").unwrap();
        assert!(
            ctx.applications
                .list_by_subject(&subject, 10)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

//! The registry's side: `GET /v1/work`, `POST /v1/applications/{id}/decision` and
//! `POST /v1/documents/{number}/revoke`.

use guichet::api::{ApplicationView, RevokedDocument, WorkQueue};
use guichet::http::request::{JSON_LIMIT, idempotency, json_body, query_param};
use guichet::http::response::json;
use guichet::http::routes::Route;
use guichet::http::{Body, Request, Response};
use guichet::usecases::{review, revoke};
use guichet::{Context, Error};

pub async fn handle(ctx: &Context, req: Request) -> Response<Body> {
    guichet::http::edge::handle(ctx, &req, route(ctx, &req)).await
}

async fn route(ctx: &Context, req: &Request) -> Result<Response<Body>, Error> {
    let route = Route::recognize(req.method(), req.uri().path())?;
    let who = guichet::http::edge::caller(ctx, req)?;
    match route {
        Route::WorkQueue => {
            let office = query_param(req, "office");
            let status = query_param(req, "status");
            let (office, status, items) =
                review::work_queue(ctx, &who, office.as_deref(), status.as_deref()).await?;
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
            let app = review::decide(ctx, &who, &id, &body, idempotency(req)).await?;
            let history = ctx.applications.history(app.id).await?;
            Ok(json(
                200,
                &ApplicationView::new(&app, &history, &ctx.catalogue),
            ))
        }
        Route::Revoke { number } => {
            let body: revoke::RevocationRequest = json_body(req, JSON_LIMIT)?;
            let doc = revoke::revoke(ctx, &who, &number, &body, idempotency(req)).await?;
            let view = RevokedDocument::new(&doc).ok_or(Error::NotFound)?;
            Ok(json(200, &view))
        }
        _ => Err(Error::NotFound),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_api_gateway_event_without_a_token_is_401() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = guichet::local::open(guichet::config::Config::development(dir.path()))
            .unwrap()
            .context;
        let req = lambda_http::request::from_str(include_str!(
            "../../../events/review-work-queue-no-token.json"
        ))
        .unwrap();
        assert_eq!(handle(&ctx, req).await.status(), 401);
    }
}

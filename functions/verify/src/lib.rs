//! Public verification: `GET /v1/verify/{number}`, `POST /v1/verify` (seal text, the PDF, or a
//! scan or photo of the printed page as PNG or JPEG),
//! `GET /v1/keys` and the files' signing certificates at `GET /v1/keys/certificates`, the catalogue at `GET /v1/catalogue`, and the contract itself at
//! `GET /v1/openapi.json`.

use guichet_core::Error;
use guichet_core::catalogue::Catalogue;
use guichet_core::messages::Msg;
use guichet_core::ports::DocumentRegistry;
use guichet_core::usecases::verify::Validity;
use guichet_core::usecases::verify::{self, Checking};
use guichet_http::api::{CatalogueView, VerifyAsked, VerifyRequest, VerifyResult};
use guichet_http::limits::Limit;
use guichet_http::request::{JSON_LIMIT, body_bytes, content_type, json_body};
use guichet_http::response::{json, public_json, public_text};
use guichet_http::routes::Route;
use guichet_http::{Body, Edge, Request, Response, edge};
use guichet_seal::KeySource;
use std::sync::Arc;

/// An issued PDF is about 25 KB; a scan-and-resave is larger. Refuse what no document is.
pub const PDF_LIMIT: usize = 2 * 1024 * 1024;
/// A phone's photo of a page, or a 300 dpi scan: a few megabytes.
pub const PICTURE_LIMIT: usize = 4 * 1024 * 1024;
/// What `POST /v1/verify` reads.
const ACCEPTED: &[&str] = &[
    "application/json",
    "application/pdf",
    "image/png",
    "image/jpeg",
];

/// What the verify function works with: the registry and the published key set, nothing that
/// writes (but the rate counts) and no secret: it reads pictures and files strangers send.
pub struct Verify {
    pub edge: Arc<Edge>,
    pub documents: Arc<dyn DocumentRegistry>,
    pub keys: Arc<KeySource>,
    /// Which kinds numbers and seal codes name.
    pub catalogue: Arc<Catalogue>,
}

/// One picture read at a time per process: reading one holds it and a working copy (about 120
/// MB for the largest allowed), so concurrent requests queue rather than run out of memory.
static READING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

/// The seal a picture's QR code carries. Reading the picture is seconds of CPU at worst: off the
/// async workers.
async fn seal_in_picture(bytes: Vec<u8>) -> Result<String, Error> {
    let _turn = READING
        .acquire()
        .await
        .map_err(|e| Error::Internal(format!("reading a picture: {e}")))?;
    let codes = tokio::task::spawn_blocking(move || guichet_scan::image_codes(&bytes))
        .await
        .map_err(|e| Error::Internal(format!("reading a picture: {e}")))?
        .map_err(|e| match e {
            guichet_scan::PictureError::TooLarge => Error::invalid(
                "body",
                Msg::PictureTooLarge {
                    max_megapixels: guichet_scan::MAX_PIXELS / 1_000_000,
                },
            ),
            guichet_scan::PictureError::Unreadable(_) => {
                Error::invalid("body", Msg::PictureUnreadable)
            }
        })?;
    codes
        .into_iter()
        .find_map(|c| guichet_core::domain::seal_in_code(&c))
        .ok_or_else(|| Error::invalid("body", Msg::NoSealInPicture))
}

pub async fn handle(f: &Verify, req: Request) -> Response<Body> {
    edge::handle(&f.edge, &req, route(f, &req)).await
}

async fn route(f: &Verify, req: &Request) -> Result<Response<Body>, Error> {
    let route = Route::recognize(req.method(), req.uri().path())?;
    if matches!(route, Route::VerifyNumber { .. } | Route::VerifyPost) {
        f.edge
            .limits
            .take(Limit::Verify, &edge::client_address(req))
            .await?;
    }
    f.keys.refresh().await;
    let ports = Checking {
        documents: f.documents.as_ref(),
        kinds: f.catalogue.kinds(),
        seals: f.keys.as_ref(),
        clock: f.edge.clock.as_ref(),
    };
    let published = || {
        f.keys.current().ok_or_else(|| {
            Error::Keys(guichet_core::ports::KeyStoreError::Unusable(
                "no key set published yet".into(),
            ))
        })
    };
    match route {
        Route::VerifyNumber { number } => Ok(json(
            200,
            &VerifyResult::new(&verify::by_number(ports.kinds, &number)?, &f.catalogue),
        )),
        Route::VerifyPost if content_type(req).as_deref() == Some("application/pdf") => {
            let bytes = body_bytes(req);
            if bytes.len() > PDF_LIMIT {
                return Err(Error::TooLarge { limit: PDF_LIMIT });
            }
            Ok(json(
                200,
                &VerifyResult::new(&verify::by_pdf(&ports, bytes).await?, &f.catalogue),
            ))
        }
        Route::VerifyPost
            if matches!(
                content_type(req).as_deref(),
                Some("image/png" | "image/jpeg")
            ) =>
        {
            let bytes = body_bytes(req);
            if bytes.len() > PICTURE_LIMIT {
                return Err(Error::TooLarge {
                    limit: PICTURE_LIMIT,
                });
            }
            let seal = seal_in_picture(bytes.to_vec()).await?;
            Ok(json(
                200,
                &VerifyResult::new(&verify::by_seal(&ports, &seal).await?, &f.catalogue),
            ))
        }
        Route::VerifyPost => {
            if content_type(req).is_some_and(|t| t != "application/json") {
                return Err(Error::UnsupportedMediaType { accepted: ACCEPTED });
            }
            let body: VerifyRequest = json_body(req, JSON_LIMIT)?;
            let verification = match body.asked()? {
                VerifyAsked::Seal(seal) => verify::by_seal(&ports, &seal).await?,
                VerifyAsked::NumberAndCode { number, code } => {
                    // A wrong code, or a number never issued, is a guess: guesses are counted
                    // against the address as refused tokens are. Taken before the answer and
                    // given back when it was right, so past the limit a right guess and a wrong
                    // one are both 429 and tell nothing apart.
                    let limits = &f.edge.limits;
                    let guess = limits
                        .take(Limit::FailedAuth, &edge::client_address(req))
                        .await?;
                    let v = verify::by_number_and_code(&ports, &number, &code).await;
                    if !matches!(&v, Ok(v) if v.status == Validity::Unknown) {
                        limits.give_back(guess).await;
                    }
                    v?
                }
            };
            Ok(json(200, &VerifyResult::new(&verification, &f.catalogue)))
        }
        Route::Keys => Ok(public_json(published()?.jwks(), 300)),
        Route::Certificates => Ok(public_text(
            published()?.certificates_pem().to_owned(),
            "application/pem-certificate-chain",
            300,
        )),
        Route::OpenApi => Ok(public_json(&guichet_http::openapi::document(), 300)),
        Route::Catalogue => Ok(public_json(&CatalogueView::new(&f.catalogue), 300)),
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
    use time::macros::datetime;

    fn function(dir: &tempfile::TempDir) -> Verify {
        let local = Local::open(&LocalSettings::in_dir(dir.path())).unwrap();
        let key = guichet_seal::generate(datetime!(2026-01-01 0:00 UTC)).unwrap();
        let keys = guichet_seal::SealKeys::from_stored(&[key]).unwrap();
        Verify {
            edge: Arc::new(Edge::public(
                &HttpSettings::read(&Env::empty()).unwrap(),
                Arc::new(SystemClock),
            )),
            documents: local.store.clone(),
            keys: Arc::new(KeySource::fixed(guichet_seal::PublishedKeySet::of(&keys))),
            catalogue: local.catalogue.clone(),
        }
    }

    fn body(resp: &Response<Body>) -> serde_json::Value {
        serde_json::from_slice(resp.body().as_ref()).unwrap()
    }

    #[tokio::test]
    async fn serves_the_keys_from_an_api_gateway_event() {
        let dir = tempfile::tempdir().unwrap();
        let req = lambda_http::request::from_str(include_str!("../../../events/verify-keys.json"))
            .unwrap();
        let resp = handle(&function(&dir), req).await;
        assert_eq!(resp.status(), 200);
        assert_eq!(body(&resp)["keys"][0]["crv"], "Ed25519");
    }

    #[tokio::test]
    async fn a_mistyped_number_is_refused_before_any_lookup() {
        let dir = tempfile::tempdir().unwrap();
        let req =
            lambda_http::request::from_str(include_str!("../../../events/verify-number-typo.json"))
                .unwrap();
        let resp = handle(&function(&dir), req).await;
        assert_eq!(resp.status(), 422);
        assert_eq!(body(&resp)["errors"][0]["field"], "number");
    }
}

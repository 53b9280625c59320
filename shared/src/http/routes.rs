//! The route table of the v1 contract: one place that knows which path is which operation and
//! which function serves it. Functions match on `Route`; `guichet serve` dispatches on `Function`.

use crate::error::Error;
use http::Method;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    SubmitApplication,
    ListApplications,
    GetApplication { id: String },
    GetDocument { id: String },
    Decide { id: String },
    Revoke { number: String },
    Resubmit { id: String },
    WorkQueue,
    PaymentWebhook { provider: String },
    VerifyNumber { number: String },
    VerifyPost,
    Keys,
    OpenApi,
}

/// The deployable function that serves a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    Submit,
    Payment,
    Review,
    Verify,
}

impl Route {
    /// 404 for a path the contract does not have, 405 for a known path with another method.
    pub fn recognize(method: &Method, path: &str) -> Result<Route, Error> {
        let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
        let get = method == Method::GET || method == Method::HEAD;
        let post = method == Method::POST;
        let only_get = |route: Route| {
            if get {
                Ok(route)
            } else {
                Err(Error::MethodNotAllowed { allow: "GET, HEAD" })
            }
        };
        let only_post = |route: Route| {
            if post {
                Ok(route)
            } else {
                Err(Error::MethodNotAllowed { allow: "POST" })
            }
        };
        match segments.as_slice() {
            ["v1", "applications"] if post => Ok(Route::SubmitApplication),
            ["v1", "applications"] if get => Ok(Route::ListApplications),
            ["v1", "applications"] => Err(Error::MethodNotAllowed {
                allow: "GET, HEAD, POST",
            }),
            ["v1", "applications", id] => only_get(Route::GetApplication { id: (*id).into() }),
            ["v1", "applications", id, "document"] => {
                only_get(Route::GetDocument { id: (*id).into() })
            }
            ["v1", "applications", id, "decision"] => only_post(Route::Decide { id: (*id).into() }),
            ["v1", "applications", id, "resubmit"] => {
                only_post(Route::Resubmit { id: (*id).into() })
            }
            ["v1", "documents", number, "revoke"] => only_post(Route::Revoke {
                number: (*number).into(),
            }),
            ["v1", "work"] => only_get(Route::WorkQueue),
            ["v1", "payments", "webhook", provider] => only_post(Route::PaymentWebhook {
                provider: (*provider).into(),
            }),
            ["v1", "verify"] => only_post(Route::VerifyPost),
            ["v1", "verify", number] => only_get(Route::VerifyNumber {
                number: (*number).into(),
            }),
            ["v1", "keys"] => only_get(Route::Keys),
            ["v1", "openapi.json"] => only_get(Route::OpenApi),
            _ => Err(Error::NotFound),
        }
    }

    /// The function serving a path whatever the method: a CORS preflight asks with OPTIONS.
    pub fn function_of_path(path: &str) -> Result<Function, Error> {
        Route::recognize(&Method::GET, path)
            .or_else(|_| Route::recognize(&Method::POST, path))
            .map(|r| r.function())
    }

    pub fn function(&self) -> Function {
        match self {
            Route::SubmitApplication
            | Route::ListApplications
            | Route::GetApplication { .. }
            | Route::GetDocument { .. }
            | Route::Resubmit { .. } => Function::Submit,
            Route::Decide { .. } | Route::Revoke { .. } | Route::WorkQueue => Function::Review,
            Route::PaymentWebhook { .. } => Function::Payment,
            Route::VerifyNumber { .. } | Route::VerifyPost | Route::Keys | Route::OpenApi => {
                Function::Verify
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_the_contract_and_nothing_else() {
        assert_eq!(
            Route::recognize(&Method::POST, "/v1/applications").unwrap(),
            Route::SubmitApplication
        );
        assert_eq!(
            Route::recognize(&Method::GET, "/v1/applications/").unwrap(),
            Route::ListApplications
        );
        assert_eq!(
            Route::recognize(&Method::POST, "/v1/applications/01J/decision").unwrap(),
            Route::Decide { id: "01J".into() }
        );
        assert!(matches!(
            Route::recognize(&Method::DELETE, "/v1/applications/01J"),
            Err(Error::MethodNotAllowed { allow: "GET, HEAD" })
        ));
        assert!(matches!(
            Route::recognize(&Method::GET, "/v2/applications"),
            Err(Error::NotFound)
        ));
        assert!(matches!(
            Route::recognize(&Method::GET, "/"),
            Err(Error::NotFound)
        ));
        assert_eq!(
            Route::recognize(&Method::GET, "/v1/keys")
                .unwrap()
                .function(),
            Function::Verify
        );
    }
}

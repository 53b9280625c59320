//! The route table of the v1 contract, declared once. Each route's method, path and OpenAPI
//! description are its `#[utoipa::path]` stub in `openapi.rs`; this table names the operation and
//! the function that serves it. The recognizer below matches requests against it, the OpenAPI
//! document is built from it, and a test holds the SAM template's API events against it.

use crate::openapi::stubs;
use guichet_core::Error;
use http::Method;
use std::collections::HashMap;
use std::sync::LazyLock;
use utoipa::openapi::path::{HttpMethod, Operation};

/// The operations of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    SubmitApplication,
    ListApplications,
    GetApplication,
    GetDocument,
    Resubmit,
    Cancel,
    ChangeContact,
    Receipt,
    AddAttachment,
    GetAttachment,
    Decide,
    Sign,
    GetScreening,
    Screen,
    RecordCrossing,
    AesVisas,
    AesVerify,
    Revoke,
    WorkQueue,
    PaymentWebhook,
    StartPayment,
    PaymentProviders,
    SandboxCheckout,
    SandboxPay,
    VerifyNumber,
    VerifyPost,
    Keys,
    Certificates,
    OpenApi,
    Catalogue,
    SignInOptions,
    SignIn,
    Me,
}

impl Op {
    /// Whether the operation creates something (an application, a crossing, a payment page):
    /// such a request must carry an `Idempotency-Key` (428 without), so a repeat answers with
    /// what the first made. Every creating route a later issue adds is listed here.
    pub fn creates(self) -> bool {
        matches!(
            self,
            Op::SubmitApplication | Op::RecordCrossing | Op::StartPayment
        )
    }
}

/// The deployable function that serves a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Function {
    Submit,
    Payment,
    Review,
    Verify,
}

impl Function {
    pub const ALL: [Function; 4] = [
        Function::Submit,
        Function::Payment,
        Function::Review,
        Function::Verify,
    ];

    /// Its name in the SAM template (`SubmitFunction`) and as a binary (`guichet-submit`).
    pub fn name(self) -> &'static str {
        match self {
            Function::Submit => "submit",
            Function::Payment => "payment",
            Function::Review => "review",
            Function::Verify => "verify",
        }
    }
}

/// One route: what its stub declares, and who serves it.
pub struct RouteDef {
    pub op: Op,
    pub function: Function,
    pub method: Method,
    /// As OpenAPI writes it: `/v1/applications/{id}`.
    pub path: String,
    pub operation: fn() -> Operation,
    segments: Vec<Segment>,
}

#[derive(Clone)]
enum Segment {
    Literal(String),
    Param(String),
}

/// A stub's `#[utoipa::path]` declaration, read through its generated type.
pub struct Stub {
    pub path: fn() -> String,
    pub methods: fn() -> Vec<HttpMethod>,
    pub operation: fn() -> Operation,
}

impl Stub {
    /// `P` is the type `#[utoipa::path]` generates for a stub. Its `tag` is kept beside the
    /// operation (where utoipa's own `OpenApi` derive would fetch it), so it is put back here.
    pub fn of<P>() -> Stub
    where
        P: utoipa::Path + for<'t> utoipa::__dev::Tags<'t>,
    {
        Stub {
            path: P::path,
            methods: P::methods,
            operation: || {
                let mut operation = P::operation();
                let tags = P::tags();
                if !tags.is_empty() {
                    operation.tags = Some(tags.into_iter().map(str::to_owned).collect());
                }
                operation
            },
        }
    }
}

/// Every route of the contract: its operation, its function, its stub.
pub fn table() -> &'static [RouteDef] {
    static TABLE: LazyLock<Vec<RouteDef>> = LazyLock::new(|| {
        stubs()
            .into_iter()
            .flat_map(|(op, function, stub)| {
                let path = (stub.path)();
                let segments: Vec<Segment> = segments(&path)
                    .map(
                        |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                            Some(name) => Segment::Param(name.to_owned()),
                            None => Segment::Literal(s.to_owned()),
                        },
                    )
                    .collect();
                (stub.methods)().into_iter().map(move |m| RouteDef {
                    op,
                    function,
                    method: match m {
                        HttpMethod::Post => Method::POST,
                        _ => Method::GET,
                    },
                    path: path.clone(),
                    operation: stub.operation,
                    segments: segments.clone(),
                })
            })
            .collect()
    });
    &TABLE
}

fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.trim_end_matches('/').split('/').skip(1)
}

impl RouteDef {
    /// The path's parameters when `path` is one of this route's paths.
    fn params(&self, path: &[&str]) -> Option<HashMap<&str, String>> {
        if path.len() != self.segments.len() {
            return None;
        }
        let mut params = HashMap::new();
        for (want, got) in self.segments.iter().zip(path) {
            match want {
                Segment::Literal(l) if l == got => {}
                Segment::Literal(_) => return None,
                Segment::Param(name) => {
                    params.insert(name.as_str(), (*got).to_owned());
                }
            }
        }
        Some(params)
    }
}

/// A request matched to the contract, with its path parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    SubmitApplication,
    ListApplications,
    GetApplication { id: String },
    GetDocument { id: String },
    Decide { id: String },
    Sign { id: String },
    GetScreening { id: String },
    Screen { id: String },
    RecordCrossing,
    AesVisas,
    AesVerify,
    AddAttachment { id: String },
    GetAttachment { id: String, attachment_id: String },
    Revoke { number: String },
    Resubmit { id: String },
    Cancel { id: String },
    ChangeContact { id: String },
    Receipt { id: String },
    WorkQueue,
    PaymentWebhook { provider: String },
    StartPayment { id: String },
    PaymentProviders,
    SandboxCheckout { reference: String },
    SandboxPay { reference: String },
    VerifyNumber { number: String },
    VerifyPost,
    Keys,
    Certificates,
    OpenApi,
    Catalogue,
    SignInOptions,
    SignIn,
    Me,
}

impl Route {
    fn new(op: Op, mut params: HashMap<&str, String>) -> Route {
        let mut take = |name: &str| params.remove(name).unwrap_or_default();
        match op {
            Op::SubmitApplication => Route::SubmitApplication,
            Op::ListApplications => Route::ListApplications,
            Op::GetApplication => Route::GetApplication { id: take("id") },
            Op::GetDocument => Route::GetDocument { id: take("id") },
            Op::Resubmit => Route::Resubmit { id: take("id") },
            Op::Cancel => Route::Cancel { id: take("id") },
            Op::ChangeContact => Route::ChangeContact { id: take("id") },
            Op::Receipt => Route::Receipt { id: take("id") },
            Op::Decide => Route::Decide { id: take("id") },
            Op::Sign => Route::Sign { id: take("id") },
            Op::GetScreening => Route::GetScreening { id: take("id") },
            Op::Screen => Route::Screen { id: take("id") },
            Op::RecordCrossing => Route::RecordCrossing,
            Op::AesVisas => Route::AesVisas,
            Op::AesVerify => Route::AesVerify,
            Op::AddAttachment => Route::AddAttachment { id: take("id") },
            Op::GetAttachment => Route::GetAttachment {
                id: take("id"),
                attachment_id: take("attachment_id"),
            },
            Op::Revoke => Route::Revoke {
                number: take("number"),
            },
            Op::WorkQueue => Route::WorkQueue,
            Op::PaymentWebhook => Route::PaymentWebhook {
                provider: take("provider"),
            },
            Op::StartPayment => Route::StartPayment { id: take("id") },
            Op::PaymentProviders => Route::PaymentProviders,
            Op::SandboxCheckout => Route::SandboxCheckout {
                reference: take("reference"),
            },
            Op::SandboxPay => Route::SandboxPay {
                reference: take("reference"),
            },
            Op::VerifyNumber => Route::VerifyNumber {
                number: take("number"),
            },
            Op::VerifyPost => Route::VerifyPost,
            Op::Keys => Route::Keys,
            Op::Certificates => Route::Certificates,
            Op::Catalogue => Route::Catalogue,
            Op::OpenApi => Route::OpenApi,
            Op::SignInOptions => Route::SignInOptions,
            Op::SignIn => Route::SignIn,
            Op::Me => Route::Me,
        }
    }

    /// 404 for a path the contract does not have, 405 for a known path with another method.
    pub fn recognize(method: &Method, path: &str) -> Result<Route, Error> {
        let path: Vec<&str> = segments(path).collect();
        let matching: Vec<(&RouteDef, HashMap<&str, String>)> = table()
            .iter()
            .filter_map(|r| r.params(&path).map(|p| (r, p)))
            .collect();
        if matching.is_empty() {
            return Err(Error::NotFound);
        }
        let wanted = if method == Method::HEAD {
            &Method::GET
        } else {
            method
        };
        let get = matching.iter().any(|(r, _)| r.method == Method::GET);
        let post = matching.iter().any(|(r, _)| r.method == Method::POST);
        match matching.into_iter().find(|(r, _)| r.method == wanted) {
            Some((r, params)) => Ok(Route::new(r.op, params)),
            None => Err(Error::MethodNotAllowed {
                allow: match (get, post) {
                    (true, true) => "GET, HEAD, POST",
                    (true, false) => "GET, HEAD",
                    _ => "POST",
                },
            }),
        }
    }

    /// The function serving a path whatever the method: a CORS preflight asks with OPTIONS.
    pub fn function_of_path(path: &str) -> Result<Function, Error> {
        let path: Vec<&str> = segments(path).collect();
        table()
            .iter()
            .find(|r| r.params(&path).is_some())
            .map(|r| r.function)
            .ok_or(Error::NotFound)
    }

    pub fn op(&self) -> Op {
        match self {
            Route::SubmitApplication => Op::SubmitApplication,
            Route::ListApplications => Op::ListApplications,
            Route::GetApplication { .. } => Op::GetApplication,
            Route::GetDocument { .. } => Op::GetDocument,
            Route::Resubmit { .. } => Op::Resubmit,
            Route::Cancel { .. } => Op::Cancel,
            Route::ChangeContact { .. } => Op::ChangeContact,
            Route::Receipt { .. } => Op::Receipt,
            Route::Decide { .. } => Op::Decide,
            Route::Sign { .. } => Op::Sign,
            Route::GetScreening { .. } => Op::GetScreening,
            Route::Screen { .. } => Op::Screen,
            Route::RecordCrossing => Op::RecordCrossing,
            Route::AesVisas => Op::AesVisas,
            Route::AesVerify => Op::AesVerify,
            Route::AddAttachment { .. } => Op::AddAttachment,
            Route::GetAttachment { .. } => Op::GetAttachment,
            Route::Revoke { .. } => Op::Revoke,
            Route::WorkQueue => Op::WorkQueue,
            Route::PaymentWebhook { .. } => Op::PaymentWebhook,
            Route::StartPayment { .. } => Op::StartPayment,
            Route::PaymentProviders => Op::PaymentProviders,
            Route::SandboxCheckout { .. } => Op::SandboxCheckout,
            Route::SandboxPay { .. } => Op::SandboxPay,
            Route::VerifyNumber { .. } => Op::VerifyNumber,
            Route::VerifyPost => Op::VerifyPost,
            Route::Keys => Op::Keys,
            Route::Certificates => Op::Certificates,
            Route::OpenApi => Op::OpenApi,
            Route::Catalogue => Op::Catalogue,
            Route::SignInOptions => Op::SignInOptions,
            Route::SignIn => Op::SignIn,
            Route::Me => Op::Me,
        }
    }

    pub fn function(&self) -> Function {
        let op = self.op();
        table()
            .iter()
            .find(|r| r.op == op)
            .map(|r| r.function)
            .unwrap_or_else(|| unreachable!("every operation is in the table"))
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
        assert_eq!(
            Route::recognize(&Method::HEAD, "/v1/verify/CJ-2026-000001-0").unwrap(),
            Route::VerifyNumber {
                number: "CJ-2026-000001-0".into()
            }
        );
        assert!(matches!(
            Route::recognize(&Method::DELETE, "/v1/applications/01J"),
            Err(Error::MethodNotAllowed { allow: "GET, HEAD" })
        ));
        assert!(matches!(
            Route::recognize(&Method::PUT, "/v1/applications"),
            Err(Error::MethodNotAllowed {
                allow: "GET, HEAD, POST"
            })
        ));
        assert!(matches!(
            Route::recognize(&Method::GET, "/v1/applications/01J/decision"),
            Err(Error::MethodNotAllowed { allow: "POST" })
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
        assert_eq!(
            Route::function_of_path("/v1/documents/X/revoke").unwrap(),
            Function::Review
        );
    }

    #[test]
    fn every_operation_is_declared_once() {
        let mut seen = std::collections::HashSet::new();
        for r in table() {
            assert!(seen.insert(r.op), "{:?} declared twice", r.op);
            assert!(
                seen.len() <= 33,
                "more operations than the contract has: update this test and the template"
            );
        }
        assert_eq!(seen.len(), 33);
    }

    /// Each function's `HttpApi` events in infra/template.yaml are exactly its routes: the
    /// template cannot forget a route, keep a removed one, or send one to the wrong function.
    #[test]
    fn the_template_routes_each_path_to_the_function_that_serves_it() {
        let template = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../infra/template.yaml"
        ))
        .unwrap();
        let mut declared = std::collections::BTreeSet::new();
        let mut function: Option<String> = None;
        for line in template.lines() {
            // A resource of the template: two spaces, a name, a colon.
            if let Some(name) = line
                .strip_prefix("  ")
                .filter(|l| !l.starts_with(' '))
                .and_then(|l| l.strip_suffix(':'))
            {
                function = name.strip_suffix("Function").map(str::to_lowercase);
                continue;
            }
            if !line.contains("Type: HttpApi") {
                continue;
            }
            let field = |name: &str| {
                let rest = &line[line.find(&format!("{name}: ")).unwrap() + name.len() + 2..];
                match rest.strip_prefix('"') {
                    Some(quoted) => quoted.split('"').next(),
                    None => rest.split([',', ' ', '}']).next(),
                }
                .unwrap()
                .to_owned()
            };
            let owner = function
                .clone()
                .expect("an HttpApi event outside a function");
            declared.insert((owner, field("Method"), field("Path")));
        }
        let routed: std::collections::BTreeSet<_> = table()
            .iter()
            .map(|r| {
                (
                    r.function.name().to_owned(),
                    r.method.to_string(),
                    r.path.clone(),
                )
            })
            .collect();
        assert_eq!(declared, routed);
    }
}

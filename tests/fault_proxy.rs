//! A proxy between the AWS SDK and the emulator that makes AWS misbehave the ways it really
//! does: throttling before the work, a 500 after the work was done, and an answer that comes
//! only after the client stopped waiting (so the SDK sends the same request again).
//!
//! It also passes requests to the emulator one at a time: moto 5 checks a write's condition and
//! applies it in separate steps, so two concurrent conditional writes to one item can both
//! succeed (measured: 3 rounds in 200 of four racing `TransactWriteItems`), where DynamoDB lets
//! exactly one through. Serialised, conditions mean what they mean on AWS.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use guichet_cli::walk::Rng;
use http::{HeaderMap, StatusCode};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::task::JoinHandle;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    /// Refused before reaching the service: `ThrottlingException` (JSON APIs) or `SlowDown` (S3).
    Throttle,
    /// The service did the work; the client hears `500 InternalError`.
    ErrorAfterWork,
    /// The service did the work; the answer comes after the client's attempt timed out.
    LateAnswer,
}

struct Relay {
    upstream: String,
    http: reqwest::Client,
    percent: AtomicU64,
    throttle_next: AtomicU64,
    late_by: Duration,
    rng: Mutex<Rng>,
    counts: [AtomicUsize; 4],
    one_at_a_time: tokio::sync::Mutex<()>,
}

/// How many requests met each fault.
#[derive(Debug, Clone, Copy, Default)]
pub struct FaultCounts {
    pub clean: usize,
    pub throttled: usize,
    pub error_after_work: usize,
    pub late: usize,
}

impl FaultCounts {
    pub fn injected(&self) -> usize {
        self.throttled + self.error_after_work + self.late
    }
}

pub struct FaultProxy {
    pub endpoint: String,
    relay: Arc<Relay>,
    task: JoinHandle<()>,
}

impl FaultProxy {
    /// Starts on a free loopback port with no faults; `late_by` must exceed the SDK's attempt
    /// timeout for late answers to be retried.
    pub async fn start(upstream: &str, late_by: Duration) -> FaultProxy {
        let relay = Arc::new(Relay {
            upstream: upstream.trim_end_matches('/').to_owned(),
            http: reqwest::Client::new(),
            percent: AtomicU64::new(0),
            throttle_next: AtomicU64::new(0),
            late_by,
            rng: Mutex::new(Rng::seeded()),
            counts: Default::default(),
            one_at_a_time: tokio::sync::Mutex::new(()),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let app = axum::Router::new()
            .fallback(relay_request)
            .with_state(relay.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FaultProxy {
            endpoint,
            relay,
            task,
        }
    }

    /// The share of requests, in percent, that meet a fault (split evenly between the three).
    pub fn set_fault_rate(&self, percent: u64) {
        self.relay.percent.store(percent, Ordering::SeqCst);
    }

    /// Throttles the next `n` requests, whatever the fault rate: a backend asking to slow down
    /// for longer than the SDK's own retries last.
    pub fn throttle_next(&self, n: u64) {
        self.relay.throttle_next.store(n, Ordering::SeqCst);
    }

    pub fn counts(&self) -> FaultCounts {
        let c = |i: usize| self.relay.counts[i].load(Ordering::Relaxed);
        FaultCounts {
            clean: c(0),
            throttled: c(1),
            error_after_work: c(2),
            late: c(3),
        }
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Relay {
    fn pick(&self) -> Fault {
        let throttled = self
            .throttle_next
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if throttled {
            self.counts[1].fetch_add(1, Ordering::Relaxed);
            return Fault::Throttle;
        }
        let percent = self.percent.load(Ordering::SeqCst);
        let mut rng = self.rng.lock().unwrap();
        let fault = if !rng.percent(percent) {
            Fault::None
        } else {
            match rng.next_u64() % 3 {
                0 => Fault::Throttle,
                1 => Fault::ErrorAfterWork,
                _ => Fault::LateAnswer,
            }
        };
        let slot = match fault {
            Fault::None => 0,
            Fault::Throttle => 1,
            Fault::ErrorAfterWork => 2,
            Fault::LateAnswer => 3,
        };
        self.counts[slot].fetch_add(1, Ordering::Relaxed);
        fault
    }
}

/// The JSON-protocol services (DynamoDB, SQS, Secrets Manager) name the operation in
/// `x-amz-target`; S3 does not.
fn is_json_api(headers: &HeaderMap) -> bool {
    headers.contains_key("x-amz-target")
}

/// The query-protocol services (SNS) post a form and answer errors in their own XML.
fn is_query_api(headers: &HeaderMap) -> bool {
    headers.get("content-type").is_some_and(|v| {
        v.as_bytes()
            .starts_with(b"application/x-www-form-urlencoded")
    })
}

fn error_response(headers: &HeaderMap, status: StatusCode, code: &str) -> Response {
    let (content_type, body) = if is_json_api(headers) {
        (
            "application/x-amz-json-1.0",
            format!(r#"{{"__type":"{code}","message":"injected by the fault proxy"}}"#),
        )
    } else if is_query_api(headers) {
        (
            "text/xml",
            format!(
                "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>injected by the fault proxy</Message></Error><RequestId>fault</RequestId></ErrorResponse>"
            ),
        )
    } else {
        (
            "application/xml",
            format!(
                "<Error><Code>{code}</Code><Message>injected by the fault proxy</Message></Error>"
            ),
        )
    };
    Response::builder()
        .status(status)
        .header("content-type", content_type)
        .header("x-amzn-errortype", code)
        .body(Body::from(body))
        .unwrap()
}

async fn relay_request(State(relay): State<Arc<Relay>>, req: Request) -> Response {
    let fault = relay.pick();
    let (parts, body) = req.into_parts();
    if fault == Fault::Throttle {
        let (status, code) = if is_json_api(&parts.headers) {
            (StatusCode::BAD_REQUEST, "ThrottlingException")
        } else if is_query_api(&parts.headers) {
            (StatusCode::BAD_REQUEST, "Throttling")
        } else {
            (StatusCode::SERVICE_UNAVAILABLE, "SlowDown")
        };
        return error_response(&parts.headers, status, code);
    }
    let Ok(body) = axum::body::to_bytes(body, 64 << 20).await else {
        return error_response(&parts.headers, StatusCode::BAD_REQUEST, "IncompleteBody");
    };
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut forward = relay
        .http
        .request(parts.method.clone(), format!("{}{path}", relay.upstream))
        .body(body);
    for (name, value) in &parts.headers {
        if !matches!(
            name.as_str(),
            "host" | "content-length" | "connection" | "transfer-encoding"
        ) {
            forward = forward.header(name, value);
        }
    }
    // A long poll waits for messages: holding the others back meanwhile would only slow them.
    let long_poll = parts
        .headers
        .get("x-amz-target")
        .is_some_and(|t| t.as_bytes().ends_with(b".ReceiveMessage"));
    let turn = if long_poll {
        None
    } else {
        Some(relay.one_at_a_time.lock().await)
    };
    let Ok(answer) = forward.send().await else {
        return error_response(&parts.headers, StatusCode::BAD_GATEWAY, "BadGateway");
    };
    let status = answer.status();
    let headers = answer.headers().clone();
    let bytes = answer.bytes().await.unwrap_or_default();
    drop(turn);
    match fault {
        Fault::ErrorAfterWork => {
            let code = if is_json_api(&parts.headers) {
                "InternalServerError"
            } else {
                "InternalError"
            };
            return error_response(&parts.headers, StatusCode::INTERNAL_SERVER_ERROR, code);
        }
        Fault::LateAnswer => tokio::time::sleep(relay.late_by).await,
        Fault::None | Fault::Throttle => {}
    }
    let mut response = Response::builder().status(status);
    for (name, value) in &headers {
        if !matches!(
            name.as_str(),
            "content-length" | "connection" | "transfer-encoding"
        ) {
            response = response.header(name, value);
        }
    }
    response.body(Body::from(bytes)).unwrap()
}

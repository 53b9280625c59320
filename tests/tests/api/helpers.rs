use guichet_cli::backend::Backend;
use guichet_cli::serve::RunningServer;
use guichet_cli::settings::{BackendChoice, Settings};
use guichet_core::ports::{Clock, SystemClock};
pub use guichet_tests::patience::Patience;
use reqwest::{Client, Response};
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;

pub const PAYMENT_SECRET: &[u8] = b"test-payment-secret-0123456789abcdef";
pub const TOKEN_SECRET: &str = "test-token-secret-0123456789abcdefghij";
pub const BAMAKO_REGISTRY: &str = "TGI-BKO-C3";
/// An office that is not the one the tests' applications go to.
pub const OTHER_OFFICE: &str = "TGI-SEG";

pub struct TestApp {
    pub base: String,
    /// Documents come as a redirect to a short-lived URL (S3), not in the response itself.
    pub redirects_downloads: bool,
    pub http: Client,
    pub server: RunningServer,
    pub settings: Settings,
    pub dir: tempfile::TempDir,
}

/// Tests are busy clients on one address: no rate limits, except where a test sets its own.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_on_with(Arc::new(SystemClock), adjust).await
}

/// The embedded service with these settings, on a clock the test holds.
pub async fn spawn_app_on_with(
    clock: Arc<dyn Clock>,
    adjust: impl FnOnce(&mut Settings),
) -> TestApp {
    let (settings, dir) = local_settings(adjust);
    serve(&settings, clock, dir).await
}

/// The embedded backend's settings in a fresh data directory, with the tests' webhook secret.
fn local_settings(adjust: impl FnOnce(&mut Settings)) -> (Settings, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = Settings::development(dir.path());
    settings.payments.secret = Some(secret(PAYMENT_SECRET));
    settings.http.rate_limits = guichet_http::limits::RateLimits::unlimited();
    adjust(&mut settings);
    (settings, dir)
}

pub fn secret(bytes: &[u8]) -> secrecy::SecretString {
    String::from_utf8(bytes.to_vec()).unwrap().into()
}

/// A clock the test moves forward: the service's time, for expiries and tokens alike.
#[derive(Default)]
pub struct ShiftedClock(std::sync::atomic::AtomicI64);

impl ShiftedClock {
    pub fn advance(&self, by: time::Duration) {
        self.0
            .fetch_add(by.whole_seconds(), std::sync::atomic::Ordering::SeqCst);
    }
}

impl Clock for ShiftedClock {
    fn now(&self) -> time::OffsetDateTime {
        time::OffsetDateTime::now_utc()
            + time::Duration::seconds(self.0.load(std::sync::atomic::Ordering::SeqCst))
    }
}

/// The embedded service on a clock the test holds.
pub async fn spawn_app_on(clock: Arc<ShiftedClock>) -> TestApp {
    spawn_app_on_with(clock, |_| {}).await
}

/// Settings for `guichet serve` on DynamoDB, S3 and SQS, all on moto server, with resources of
/// its own.
pub async fn aws_settings() -> Settings {
    let (_, resources) = guichet_tests::moto::emulator().provision().await;
    let mut settings = Settings::development(Path::new("unused"));
    settings.backend = BackendChoice::Aws(Box::new(resources));
    // The secrets the test signs with; the seal keys come from the provisioned secret.
    settings.payments.secret = Some(secret(PAYMENT_SECRET));
    settings.http.tokens.secret = Some(TOKEN_SECRET.into());
    settings.http.rate_limits = guichet_http::limits::RateLimits::unlimited();
    settings
}

pub async fn spawn_aws_app() -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    serve(&aws_settings().await, Arc::new(SystemClock), dir).await
}

/// The backend a process opens with these settings (a new one finds the same data directory,
/// or the same AWS resources).
pub async fn reopen(settings: &Settings) -> Backend {
    match &settings.backend {
        BackendChoice::Local => guichet_cli::backend::open_local(settings)
            .await
            .expect("embedded backend opens"),
        BackendChoice::Aws(resources) => {
            let sdk = guichet_tests::moto::emulator().sdk_config().await;
            guichet_cli::backend::open_aws(settings, resources, sdk)
                .await
                .expect("AWS backend opens on the emulator")
        }
    }
}

pub async fn serve(settings: &Settings, clock: Arc<dyn Clock>, dir: tempfile::TempDir) -> TestApp {
    serve_backend(reopen(settings).await, settings, clock, dir).await
}

pub async fn serve_backend(
    backend: Backend,
    settings: &Settings,
    clock: Arc<dyn Clock>,
    dir: tempfile::TempDir,
) -> TestApp {
    let redirects_downloads = backend.redirects_downloads;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = guichet_cli::serve::start(backend, settings, clock, listener)
        .await
        .unwrap();
    TestApp {
        base: format!("http://{}", server.addr),
        redirects_downloads,
        // Redirects are looked at, not followed: a download's 302 is part of the contract.
        http: Client::builder()
            .timeout(guichet_tests::patience::PATIENCE)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        server,
        settings: settings.clone(),
        dir,
    }
}

/// A new `Idempotency-Key`, as a client makes one per request.
pub fn fresh_key() -> String {
    ulid::Ulid::new().to_string()
}

pub fn extract_request(surname: &str, given_names: &str, birth_place: &str) -> Value {
    json!({
        "kind": "criminal_record_extract",
        "applicant": {
            "surname": surname, "given_names": given_names, "birth_date": "1990-04-12",
            "birth_place": birth_place, "email": "aminata@example.ml"
        },
        "details": { "purpose": "Concours de la fonction publique" }
    })
}

/// A nationality certificate by descent for a person born in `birth_place` (in Mali).
pub fn certificate_request(surname: &str, birth_place: &str) -> Value {
    json!({
        "kind": "nationality_certificate",
        "applicant": {
            "surname": surname, "given_names": "Moussa", "birth_date": "1995-06-01",
            "birth_place": birth_place, "father_name": "Adama Coulibaly"
        },
        "details": {
            "basis": "born_in_mali_to_malian_parent",
            "parent": {"surname": surname, "given_names": "Adama", "birth_date": "1962-02-03",
                "birth_place": "Nioro du Sahel", "relationship": "father"}
        }
    })
}

/// A small genuine PDF, as a scanned act would be.
pub fn scanned_act(words: &str) -> Vec<u8> {
    format!("%PDF-1.4\n% {words}\n%%EOF\n").into_bytes()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

impl TestApp {
    /// Announces an attachment; returns the answer.
    pub async fn announce(&self, token: &str, id: &str, body: &Value) -> Response {
        self.http
            .post(self.url(&format!("/v1/applications/{id}/attachments")))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// Sends `bytes` where a ticket says, with its headers, as a browser would.
    pub async fn put_upload(&self, ticket: &Value, bytes: Vec<u8>) -> Response {
        let mut req = self.http.put(ticket["upload_url"].as_str().unwrap());
        for (name, value) in ticket["upload_headers"].as_object().unwrap() {
            // The client sets the length from the body, as a browser does.
            if name != "content-length" {
                req = req.header(name.as_str(), value.as_str().unwrap());
            }
        }
        req.body(bytes).send().await.unwrap()
    }

    /// Announces and uploads a PDF under `name`; returns the attachment's id.
    pub async fn attach(&self, token: &str, id: &str, name: &str, bytes: Vec<u8>) -> String {
        self.attach_as(token, id, name, "application/pdf", bytes)
            .await
    }

    /// Announces and uploads `bytes` as `content_type` under `name`; returns the attachment's id.
    pub async fn attach_as(
        &self,
        token: &str,
        id: &str,
        name: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> String {
        let resp = self
            .announce(
                token,
                id,
                &json!({"name": name, "content_type": content_type, "size": bytes.len(), "sha256": sha256_hex(&bytes)}),
            )
            .await;
        assert_eq!(resp.status(), 201);
        let ticket: Value = resp.json().await.unwrap();
        let put = self.put_upload(&ticket, bytes).await;
        assert!(put.status().is_success(), "upload: {}", put.status());
        ticket["id"].as_str().unwrap().to_owned()
    }

    /// POSTs `body` as JSON to `path` with `token`, under a key of its own, as the pages do.
    pub async fn post_json(&self, token: &str, path: &str, body: &Value) -> Response {
        self.http
            .post(self.url(path))
            .bearer_auth(token)
            .header("idempotency-key", fresh_key())
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// Waits until the attachment is checked; returns its view.
    pub async fn checked(&self, token: &str, id: &str, attachment_id: &str) -> Value {
        let patience = Patience::new(format!(
            "attachment {attachment_id} of {id} was never checked"
        ));
        loop {
            let app = self.application(token, id).await;
            let found = app["attachments"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["id"] == attachment_id)
                .cloned();
            if let Some(a) = found.filter(|a| a["state"] != "pending") {
                return a;
            }
            patience.wait().await;
        }
    }

    /// A certificate of `citizen`'s, paid and with both proofs accepted: in review at the
    /// court of `birth_place`. Returns the application id.
    pub async fn certificate_in_review(&self, citizen: &str, birth_place: &str) -> String {
        let created = self
            .submitted(citizen, &certificate_request("Coulibaly", birth_place))
            .await;
        let id = created["id"].as_str().unwrap().to_owned();
        let reference = created["payment_reference"].as_str().unwrap();
        assert_eq!(
            self.pay(reference, &format!("txn-{id}"), 750)
                .await
                .status(),
            200
        );
        for name in ["birth_certificate", "parent_nationality_proof"] {
            let a = self.attach(citizen, &id, name, scanned_act(name)).await;
            assert_eq!(self.checked(citizen, &id, &a).await["state"], "accepted");
        }
        self.wait_for_status(citizen, &id, "in_review").await;
        id
    }

    /// `POST /v1/applications/{id}/resubmit` with `body`: the applicant's answer.
    pub async fn resubmit(&self, token: &str, id: &str, body: &Value) -> Response {
        self.post_json(token, &format!("/v1/applications/{id}/resubmit"), body)
            .await
    }

    /// `POST /v1/applications/{id}/signature` with `body`.
    pub async fn sign(&self, token: &str, id: &str, body: &Value) -> Response {
        self.post_json(token, &format!("/v1/applications/{id}/signature"), body)
            .await
    }

    /// A certificate of `citizen`'s, paid and proposed by the clerk of `office`: awaiting the
    /// signature. Returns the application id.
    pub async fn proposed_certificate(
        &self,
        citizen: &str,
        birth_place: &str,
        office: &str,
    ) -> String {
        let id = self.certificate_in_review(citizen, birth_place).await;
        let proposed = self
            .decide(&self.clerk(office), &id, &json!({"decision": "approve"}))
            .await;
        assert_eq!(proposed.status(), 200);
        id
    }

    pub fn token(&self, role: &str, office: Option<&str>, sub: &str) -> String {
        let auth = guichet_http::auth::Authenticator::new(
            &self.settings.http.tokens,
            &self.server.backend.token_secret,
        );
        let now = self.server.functions.submit.edge.clock.now();
        // Staff tokens name the officer, as an identity provider's would: it is printed.
        let name = (role != "applicant").then(|| format!("Agent {sub}"));
        guichet_cli::token::mint(
            &auth,
            role,
            office,
            sub,
            name.as_deref(),
            time::Duration::hours(1),
            now,
        )
        .unwrap()
        .token
    }

    pub fn citizen(&self, sub: &str) -> String {
        self.token("applicant", None, sub)
    }

    pub fn clerk(&self, office: &str) -> String {
        self.token("clerk", Some(office), &format!("clerk-{office}"))
    }

    /// A page's link as `guichet serve` prints it for a developer: with the development
    /// sign-in's key (`#dev-key=…`), which the page keeps and then shows its sign-in.
    pub fn dev_sign_in_link(&self, page: &str) -> String {
        let key = self
            .server
            .dev_key
            .as_deref()
            .expect("a development server");
        self.url(&format!("{page}#dev-key={key}"))
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn submit(&self, token: &str, body: &Value) -> Response {
        self.http
            .post(self.url("/v1/applications"))
            .bearer_auth(token)
            .header("idempotency-key", fresh_key())
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// Submits and returns the 201 body.
    pub async fn submitted(&self, token: &str, body: &Value) -> Value {
        let resp = self.submit(token, body).await;
        assert_eq!(resp.status(), 201);
        resp.json().await.unwrap()
    }

    pub async fn get(&self, token: &str, path: &str) -> Response {
        self.http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// A public route's JSON, asked with no token, as any browser or partner asks.
    pub async fn public_json(&self, path: &str) -> Value {
        self.http
            .get(self.url(path))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub async fn application(&self, token: &str, id: &str) -> Value {
        let resp = self.get(token, &format!("/v1/applications/{id}")).await;
        assert_eq!(resp.status(), 200);
        resp.json().await.unwrap()
    }

    pub fn signed_notice(&self, body: &Value, secret: &[u8]) -> (Vec<u8>, String) {
        let bytes = serde_json::to_vec(body).unwrap();
        let t = self
            .server
            .functions
            .submit
            .edge
            .clock
            .now()
            .unix_timestamp();
        let header = guichet_payments::sign(secret, "sandbox", &bytes, t);
        (bytes, header)
    }

    pub async fn webhook(&self, provider: &str, bytes: Vec<u8>, signature: &str) -> Response {
        self.http
            .post(self.url(&format!("/v1/payments/webhook/{provider}")))
            .header("content-type", "application/json")
            .header("guichet-signature", signature)
            .body(bytes)
            .send()
            .await
            .unwrap()
    }

    /// A correctly signed sandbox notice; returns the webhook's answer.
    pub async fn pay(&self, reference: &str, txn: &str, amount: u64) -> Response {
        let notice = json!({ "provider_txn": txn, "payment_reference": reference, "amount": amount, "currency": "XOF", "status": "succeeded" });
        let (bytes, sig) = self.signed_notice(&notice, PAYMENT_SECRET);
        self.webhook("sandbox", bytes, &sig).await
    }

    pub async fn decide(&self, token: &str, id: &str, body: &Value) -> Response {
        self.post_json(token, &format!("/v1/applications/{id}/decision"), body)
            .await
    }

    /// Submitted and paid: in review at the Bamako registry. Returns the application id.
    pub async fn paid_application(&self, citizen: &str, surname: &str) -> String {
        let created = self
            .submitted(citizen, &extract_request(surname, "Aminata", "Bamako"))
            .await;
        let reference = created["payment_reference"].as_str().unwrap();
        let paid = self
            .pay(
                reference,
                &format!("txn-{}", created["id"].as_str().unwrap()),
                750,
            )
            .await;
        assert_eq!(paid.status(), 200);
        created["id"].as_str().unwrap().to_owned()
    }

    /// The application's PDF, as its holder gets it: in the answer (embedded), or through the
    /// short-lived URL of a 302 (S3), fetched with no token as a browser would.
    pub async fn download(&self, token: &str, id: &str) -> Vec<u8> {
        let resp = self
            .get(token, &format!("/v1/applications/{id}/document"))
            .await;
        let resp = if self.redirects_downloads {
            assert_eq!(resp.status(), 302);
            let location = resp.headers()["location"].to_str().unwrap().to_owned();
            assert!(location.contains("X-Amz-Signature="), "{location}");
            // A page asks for JSON and gets the link itself, which it opens by navigating.
            let link: Value = self
                .http
                .get(self.url(&format!("/v1/applications/{id}/document")))
                .bearer_auth(token)
                .header("accept", "application/json")
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let url = link["url"].as_str().unwrap();
            assert!(url.contains("X-Amz-Signature="), "{link}");
            let by_link = self.http.get(url).send().await.unwrap();
            assert_eq!(by_link.status(), 200);
            assert!(by_link.bytes().await.unwrap().starts_with(b"%PDF-"));
            self.http.get(&location).send().await.unwrap()
        } else {
            resp
        };
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["content-type"], "application/pdf");
        resp.bytes().await.unwrap().to_vec()
    }

    /// Downloads the application's PDF and returns its text, as pdftotext reads it.
    pub async fn document_text(&self, token: &str, id: &str) -> String {
        let path = self.dir.path().join(format!("{id}.pdf"));
        std::fs::write(&path, self.download(token, id).await).unwrap();
        pdf_text(&path)
    }

    /// Paid, approved with no conviction and issued, for `citizen`: returns the application's
    /// view once issued.
    pub async fn issued_application(&self, citizen: &str, surname: &str) -> Value {
        let id = self.paid_application(citizen, surname).await;
        let approved = self
            .decide(
                &self.clerk(BAMAKO_REGISTRY),
                &id,
                &json!({ "decision": "approve", "record": { "convictions": [] } }),
            )
            .await;
        assert_eq!(approved.status(), 200);
        self.wait_for_status(citizen, &id, "issued").await
    }

    pub async fn revoke(&self, token: &str, number: &str, body: &Value) -> Response {
        self.post_json(token, &format!("/v1/documents/{number}/revoke"), body)
            .await
    }

    /// The three ways anyone verifies, with no token: each answer must be 200.
    pub async fn verify_seal(&self, seal: &str) -> Value {
        let req = self.http.post(self.url("/v1/verify"));
        ok_json(req.json(&json!({ "seal": seal }))).await
    }

    pub async fn verify_pdf(&self, pdf: &[u8]) -> Value {
        let req = self.http.post(self.url("/v1/verify"));
        ok_json(
            req.header("content-type", "application/pdf")
                .body(pdf.to_vec()),
        )
        .await
    }

    /// `POST /v1/verify {number, code}` for an issued document as its application's view shows
    /// it (`view["document"]`): the number and the code printed beside it.
    pub async fn verify_number(&self, document: &Value) -> Value {
        ok_json(self.http.post(self.url("/v1/verify")).json(&json!({
            "number": document["number"], "code": document["verification_code"]
        })))
        .await
    }

    /// Waits until the embedded service has nothing left to do: no event waiting in the outbox,
    /// no message in its queues (waiting, in flight or to be retried), three looks in a row, and
    /// none set aside as undeliverable (which would be work not done). What a test then reads is
    /// what the service came to, not what it had done so far.
    pub async fn settled(&self) {
        let guichet_cli::backend::Pump::Local(queue) = &self.server.backend.pump else {
            panic!("settled() reads the embedded queue");
        };
        let patience = Patience::new("the service never settled");
        let mut quiet = 0;
        while quiet < 3 {
            // The outbox is dated by the service's clock, which a test may have moved.
            let far = self.server.functions.submit.edge.clock.now() + time::Duration::days(1);
            let waiting = self
                .server
                .backend
                .outbox
                .pending(far, 1)
                .await
                .unwrap()
                .len()
                + queue.unfinished().await.unwrap();
            quiet = if waiting == 0 { quiet + 1 } else { 0 };
            patience.wait().await;
        }
        assert_eq!(queue.dead().await.unwrap(), 0, "a message was set aside");
    }

    pub async fn wait_for_status(&self, token: &str, id: &str, status: &str) -> Value {
        let patience = Patience::new(format!("application {id} never reached {status}"));
        loop {
            let app = self.application(token, id).await;
            if app["status"] == status {
                return app;
            }
            patience.wait().await;
        }
    }
}

async fn ok_json(req: reqwest::RequestBuilder) -> Value {
    let resp = req.send().await.unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

/// The statuses an application went through, from its view's history.
pub fn path(view: &Value) -> Vec<&str> {
    view["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["to"].as_str().unwrap())
        .collect()
}

/// Asserts a problem+json answer and returns its body.
pub async fn problem(resp: Response, status: u16) -> Value {
    assert_eq!(resp.status().as_u16(), status, "status");
    let ct = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert_eq!(ct, "application/problem+json");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["status"], status);
    assert!(
        body["type"]
            .as_str()
            .unwrap()
            .starts_with("https://guichet.ml/problems/")
    );
    assert!(
        !body["title"].as_str().unwrap().is_empty()
            && !body["title_en"].as_str().unwrap().is_empty()
    );
    body
}

/// The fields a 422 names, in order.
pub fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

/// Runs a poppler tool, failing loudly when it is missing (`.ci/run` installs poppler-utils).
pub fn poppler(tool: &str, args: &[&str]) -> std::process::Output {
    let out = std::process::Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{tool} is needed (Debian package poppler-utils): {e}"));
    assert!(
        out.status.success(),
        "{tool} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

pub fn pdf_text(pdf: &Path) -> String {
    String::from_utf8(poppler("pdftotext", &["-layout", pdf.to_str().unwrap(), "-"]).stdout)
        .unwrap()
}

/// The last page (the seal's, however many pages the document has) rendered by poppler at
/// `dpi`, in grey or colour, as a scanner gives it: the PNG's path.
pub fn last_page_png(pdf: &Path, dpi: u32, grey: bool) -> std::path::PathBuf {
    page_png(pdf, page_count(pdf), dpi, grey)
}

/// How many pages poppler finds in the PDF.
pub fn page_count(pdf: &Path) -> usize {
    let info = String::from_utf8(poppler("pdfinfo", &[pdf.to_str().unwrap()]).stdout).unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("pdfinfo names the pages")
}

/// The QR codes of the first page at 200 dpi: what a border officer handed page 1 reads.
pub fn first_page_codes(pdf: &Path) -> Vec<String> {
    let img = image::open(page_png(pdf, 1, 200, false))
        .unwrap()
        .to_luma8();
    guichet_scan::picture_codes(&img)
}

/// Page `page` (1-based) rendered by poppler at `dpi`: the PNG's path.
pub fn page_png(pdf: &Path, page: usize, dpi: u32, grey: bool) -> std::path::PathBuf {
    let page = page.to_string();
    let dpi = dpi.to_string();
    let out = pdf.with_extension(format!("p{page}-{dpi}{}", if grey { "g" } else { "c" }));
    let mut args = vec!["-r", &dpi, "-f", &page, "-l", &page, "-singlefile", "-png"];
    if grey {
        args.push("-gray");
    }
    args.extend([pdf.to_str().unwrap(), out.to_str().unwrap()]);
    poppler("pdftoppm", &args);
    let mut png = out.into_os_string();
    png.push(".png");
    png.into()
}

/// What poppler's `pdfsig` says of each file, told to trust the first certificate of `pem` (the
/// root `GET /v1/keys/certificates` publishes) through an NSS database made in `dir`.
pub fn pdfsig(dir: &Path, pem: &str, files: &[&Path]) -> (String, String) {
    let nss = dir.join("nssdb");
    std::fs::create_dir_all(&nss).unwrap();
    let db = format!("sql:{}", nss.display());
    let root = pem
        .split_inclusive("-----END CERTIFICATE-----\n")
        .next()
        .unwrap();
    let root_path = dir.join("root.pem");
    std::fs::write(&root_path, root).unwrap();
    let certutil = |args: &[&str]| {
        let out = std::process::Command::new("certutil")
            .args(args)
            .output()
            .expect("certutil (libnss3-tools; scripts/test.sh installs it)");
        assert!(out.status.success(), "certutil {args:?}: {out:?}");
    };
    certutil(&["-N", "-d", &db, "--empty-password"]);
    certutil(&[
        "-A",
        "-d",
        &db,
        "-n",
        "Guichet",
        "-t",
        // A certificate authority trusted for signatures (email and object signing), as a PDF
        // reader asks of a signer's root.
        "C,C,C",
        "-i",
        root_path.to_str().unwrap(),
    ]);
    let said = |file: &Path| {
        let out = std::process::Command::new("pdfsig")
            .args(["-nssdir", &db, file.to_str().unwrap()])
            .output()
            .expect("pdfsig (poppler-utils)");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    (said(files[0]), said(files[1]))
}

/// Renders the last page at 200 dpi, as an office scanner would, and reads every QR code on it.
pub fn qr_codes(pdf: &Path) -> Vec<String> {
    qr_codes_at(pdf, 200)
}

/// The QR codes of the last page rendered at `dpi`, read as the verify route reads a scan
/// (`guichet-scan`: rqrr, then ZXing's port where rqrr alone misses a code, as it does for some
/// version-10 codes at 150 dpi, a different one at each run since every seal differs).
pub fn qr_codes_at(pdf: &Path, dpi: u32) -> Vec<String> {
    let img = image::open(last_page_png(pdf, dpi, false))
        .unwrap()
        .to_luma8();
    guichet_scan::picture_codes(&img)
}

/// Today as the documents print a date ("4 décembre 2026"), for a decision taken in the test.
pub fn french_date_today() -> String {
    guichet_pdf::french_date(time::OffsetDateTime::now_utc().date())
}

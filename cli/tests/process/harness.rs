//! Starting, killing and restarting the `guichet` binary on one data directory.

use guichet_cli::settings::Settings;
use reqwest::Client;
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const BAMAKO_REGISTRY: &str = "TGI-BKO-C3";

/// How long a test waits for the server to start, stop or finish background work: far past
/// what it takes with other work running beside the tests; it only bounds one that never ends.
pub const PATIENCE: Duration = Duration::from_secs(120);

/// The `guichet` binary with nothing from the test run's environment but `PATH`.
pub fn guichet_command() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_guichet"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    cmd
}

/// One `guichet serve` process at a time on a fixed port and data directory; its stdout and
/// stderr are appended to one log file across restarts.
pub struct Server {
    child: Option<Child>,
    pub base: String,
    addr: String,
    pub data: PathBuf,
    pub log: PathBuf,
    env: Vec<(String, String)>,
    pub starts: u32,
}

impl Server {
    pub fn new(dir: &Path, env: &[(&str, &str)]) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = format!("127.0.0.1:{port}");
        Server {
            child: None,
            base: format!("http://{addr}"),
            addr,
            data: dir.join("data"),
            log: dir.join("serve.log"),
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            starts: 0,
        }
    }

    /// Starts the process and waits until it answers.
    pub async fn start(&mut self) {
        assert!(self.child.is_none(), "already running");
        let log = || {
            OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.log)
                .unwrap()
        };
        // Nothing from the environment of the test run reaches the server but what we set.
        let mut cmd = guichet_command();
        cmd.env("RUST_LOG", "info")
            .args(["serve", "--addr", &self.addr, "--data"])
            .arg(&self.data)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(log())
            .stderr(log());
        self.child = Some(cmd.spawn().expect("the guichet binary starts"));
        self.starts += 1;
        let http = Client::new();
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Ok(r) = http.get(format!("{}/v1/keys", self.base)).send().await
                && r.status() == 200
            {
                return;
            }
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!(
                    "guichet serve exited with {status}:\n{}",
                    std::fs::read_to_string(&self.log).unwrap_or_default()
                );
            }
            assert!(Instant::now() < deadline, "guichet serve never answered");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGKILL: no shutdown hook, no flush, whatever was in flight is cut.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    /// SIGTERM, what systemd, containers and Lambda send, then waits (`PATIENCE` at most) for
    /// the process to end by itself; its exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let mut child = self.child.take().expect("running");
        let sent = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("kill(1) runs");
        assert!(sent.success(), "kill -TERM failed");
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                child.kill().unwrap();
                panic!(
                    "guichet serve did not stop within {} s of SIGTERM",
                    PATIENCE.as_secs()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn settings(&self) -> Settings {
        Settings::development(&self.data)
    }

    /// The webhook secret the service made in its data directory.
    pub fn payment_secret(&self) -> Vec<u8> {
        self.settings()
            .local
            .payment_secret(None)
            .unwrap()
            .expose_secret()
            .as_bytes()
            .to_vec()
    }

    pub fn token(&self, role: &str, office: Option<&str>, sub: &str) -> String {
        let settings = self.settings();
        let secret = settings.local.token_secret(None).unwrap();
        let auth = guichet_http::auth::Authenticator::new(&settings.http.tokens, &secret);
        guichet_cli::token::mint(
            &auth,
            role,
            office,
            sub,
            None,
            time::Duration::hours(2),
            time::OffsetDateTime::now_utc(),
        )
        .unwrap()
        .token
    }

    pub fn clerk(&self) -> String {
        self.token("clerk", Some(BAMAKO_REGISTRY), "clerk-bko")
    }

    /// A signed sandbox payment notice: (body, signature header).
    pub fn payment_notice(&self, reference: &str, txn: &str) -> (Vec<u8>, String) {
        let body = serde_json::to_vec(&json!({
            "provider_txn": txn, "payment_reference": reference,
            "amount": 750, "currency": "XOF", "status": "succeeded"
        }))
        .unwrap();
        let t = time::OffsetDateTime::now_utc().unix_timestamp();
        let signature = guichet_payments::sign(&self.payment_secret(), "sandbox", &body, t);
        (body, signature)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

pub async fn json_of(resp: reqwest::Response) -> Value {
    resp.json().await.unwrap()
}

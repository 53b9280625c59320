//! moto server, the AWS API emulator the AWS adapters are tested against: installed by
//! `scripts/moto.sh` when missing, started once per test binary on a free loopback port, stopped
//! when the test binary exits (however it exits). Never skipped: if it cannot start, the tests
//! that need it fail and say why.

use aws_sdk_dynamodb::config::{Credentials, Region};
use guichet_aws::AwsResources;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

pub struct Emulator {
    pub endpoint: String,
    pub log: PathBuf,
    // Held for the life of the process: when it closes, the guard shell stops moto.
    _lifeline: Mutex<(Child, ChildStdin)>,
}

static EMULATOR: OnceLock<Emulator> = OnceLock::new();

fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// The moto server executable: `GUICHET_MOTO_SERVER`, or the project's venv (made if missing).
fn executable() -> PathBuf {
    if let Some(p) = std::env::var_os("GUICHET_MOTO_SERVER") {
        return PathBuf::from(p);
    }
    let out = Command::new(repo().join("scripts/moto.sh"))
        .stderr(Stdio::inherit())
        .output()
        .expect("scripts/moto.sh runs");
    assert!(
        out.status.success(),
        "scripts/moto.sh could not install moto server; the AWS adapter tests cannot run"
    );
    PathBuf::from(String::from_utf8(out.stdout).expect("a path").trim())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

fn start() -> Emulator {
    let server = executable();
    let port = free_port();
    let log = std::env::temp_dir().join(format!("guichet-moto-{port}.log"));
    // The shell keeps moto while its stdin is open: our end closes when this process ends, even
    // on a panic or a kill, and the shell then stops moto. No orphan servers between runs.
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(r#""$0" -H 127.0.0.1 -p "$1" >"$2" 2>&1 & pid=$!; cat >/dev/null; kill "$pid""#)
        .arg(&server)
        .arg(port.to_string())
        .arg(&log)
        .stdin(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", server.display()));
    let stdin = child.stdin.take().expect("piped stdin");
    let endpoint = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + crate::patience::PATIENCE;
    while !ready(port) {
        if Instant::now() > deadline {
            let mut text = String::new();
            let _ = std::fs::File::open(&log).and_then(|mut f| f.read_to_string(&mut text));
            panic!(
                "moto server did not answer on {endpoint} within {} s; its log:\n{text}",
                crate::patience::PATIENCE.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Emulator {
        endpoint,
        log,
        _lifeline: Mutex::new((child, stdin)),
    }
}

/// moto answers its own API once it is serving.
fn ready(port: u16) -> bool {
    use std::io::Write;
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let request = format!(
        "GET /moto-api/data.json HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    );
    if s.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    s.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.") && &head[9..12] == b"200"
}

/// The emulator of this test binary, started on first use.
pub fn emulator() -> &'static Emulator {
    EMULATOR.get_or_init(start)
}

impl Emulator {
    /// An SDK configuration aimed at the emulator, built without touching the process
    /// environment (tests run side by side).
    pub async fn sdk_config(&self) -> aws_config::SdkConfig {
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .http_client(guichet_aws::http_client())
            .endpoint_url(&self.endpoint)
            .region(Region::new("eu-west-3"))
            .credentials_provider(Credentials::new("testing", "testing", None, None, "moto"))
            .load()
            .await
    }

    /// The same, through `endpoint` (a fault proxy in front of the emulator), giving up on an
    /// attempt after `attempt_timeout` as a Lambda function should rather than hang.
    pub async fn sdk_config_via(
        &self,
        endpoint: &str,
        attempt_timeout: std::time::Duration,
    ) -> aws_config::SdkConfig {
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .http_client(guichet_aws::http_client())
            .endpoint_url(endpoint)
            .region(Region::new("eu-west-3"))
            .credentials_provider(Credentials::new("testing", "testing", None, None, "moto"))
            .timeout_config(
                aws_config::timeout::TimeoutConfig::builder()
                    .operation_attempt_timeout(attempt_timeout)
                    .build(),
            )
            .load()
            .await
    }

    /// A fresh set of resources (table, bucket, queues, secret) no other test uses.
    pub async fn provision(&self) -> (aws_config::SdkConfig, AwsResources) {
        let sdk = self.sdk_config().await;
        let prefix = format!("t{}", ulid::Ulid::new().to_string().to_lowercase());
        let first_key = guichet_seal::generate(time::OffsetDateTime::now_utc()).unwrap();
        let resources = guichet_aws::provision::provision(&sdk, &prefix, &first_key)
            .await
            .unwrap_or_else(|e| panic!("{e} (moto log: {})", self.log.display()));
        (sdk, resources)
    }
}

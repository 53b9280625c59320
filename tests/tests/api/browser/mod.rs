//! The front ends in a real browser: Debian's Chromium, headless, driven through chromedriver
//! (both installed by `./scripts/test.sh`). Each test has its own browser and profile, behind a
//! proxy that counts the bytes the browser receives and can cut the network.

mod console;
mod portal;
mod verify_page;

use fantoccini::{Client, ClientBuilder, Locator};
use guichet_tests::patience::Patience;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The most a page's first visit may download, compressed (issue 15).
pub const FIRST_LOAD_BUDGET: u64 = 100 * 1024;

/// Where screenshots, page weights and accessibility reports are kept after the tests.
pub fn artifacts() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target")));
    let dir = target.join("web-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Between the browser and `guichet serve`: counts what the server sends, and cuts the network
/// on demand (open connections dropped, new ones refused), as a phone leaving coverage.
pub struct Network {
    pub base: String,
    received: Arc<AtomicU64>,
    cut: Arc<AtomicBool>,
}

impl Network {
    pub async fn to(upstream: &str) -> Network {
        let upstream = upstream.trim_start_matches("http://").to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let received = Arc::new(AtomicU64::new(0));
        let cut = Arc::new(AtomicBool::new(false));
        let (r, c) = (received.clone(), cut.clone());
        tokio::spawn(async move {
            while let Ok((browser, _)) = listener.accept().await {
                if c.load(Ordering::SeqCst) {
                    continue;
                }
                let Ok(server) = TcpStream::connect(&upstream).await else {
                    continue;
                };
                let (mut br, mut bw) = browser.into_split();
                let (mut sr, mut sw) = server.into_split();
                let cut_up = c.clone();
                tokio::spawn(async move {
                    let mut buf = vec![0; 16 * 1024];
                    while let Ok(n) = br.read(&mut buf).await {
                        if n == 0
                            || cut_up.load(Ordering::SeqCst)
                            || sw.write_all(&buf[..n]).await.is_err()
                        {
                            break;
                        }
                    }
                });
                let (count, cut_down) = (r.clone(), c.clone());
                tokio::spawn(async move {
                    let mut buf = vec![0; 16 * 1024];
                    while let Ok(n) = sr.read(&mut buf).await {
                        if n == 0 || cut_down.load(Ordering::SeqCst) {
                            break;
                        }
                        count.fetch_add(n as u64, Ordering::SeqCst);
                        if bw.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        Network {
            base,
            received,
            cut,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Bytes received by the browser so far, HTTP headers included.
    pub fn received(&self) -> u64 {
        self.received.load(Ordering::SeqCst)
    }

    pub fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
    }
}

pub struct Browser {
    pub client: Client,
    driver: Child,
    /// Where what the page downloads lands.
    pub downloads: tempfile::TempDir,
}

impl Browser {
    /// A fresh headless Chromium (no cache, no service worker, no storage) at 1280 × 900.
    pub async fn start() -> Browser {
        Browser::start_with(&[]).await
    }

    /// The same with a camera that films `video` (a Y4M file) in a loop, its use allowed as a
    /// person tapping "allow" would.
    pub async fn with_camera(video: &std::path::Path) -> Browser {
        Browser::start_with(&[
            "--use-fake-device-for-media-stream".into(),
            "--use-fake-ui-for-media-stream".into(),
            format!("--use-file-for-fake-video-capture={}", video.display()),
        ])
        .await
    }

    async fn start_with(extra: &[String]) -> Browser {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut driver = Command::new("chromedriver");
        driver
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        std::os::unix::process::CommandExt::process_group(&mut driver, 0);
        let driver = driver.spawn().expect(
            "chromedriver: ./scripts/test.sh installs Debian's chromium and chromium-driver",
        );
        let downloads = tempfile::tempdir().unwrap();
        let mut args = vec![
            "--headless=new",
            "--no-sandbox",
            "--disable-dev-shm-usage",
            "--disable-gpu",
            "--window-size=1280,900",
            "--lang=fr-FR",
            "--no-first-run",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>();
        args.extend_from_slice(extra);
        let caps: serde_json::Map<String, Value> = serde_json::from_value(json!({
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "prefs": {
                    "download.default_directory": downloads.path(),
                    "download.prompt_for_download": false
                },
                "args": args
            }
        }))
        .unwrap();
        let patience = Patience::new("chromedriver did not answer");
        loop {
            match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(client) => {
                    return Browser {
                        client,
                        driver,
                        downloads,
                    };
                }
                Err(e) => eprintln!("chromedriver not answering yet: {e}"),
            }
            patience.wait().await;
        }
    }

    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap();
    }

    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(guichet_tests::patience::PATIENCE)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
    }

    /// Acts on the element `css` finds; found again when the page drew it anew meanwhile (a
    /// page redraws itself when its data arrives: on a busy machine, between the find and the
    /// act), as a person would act on what they now see.
    async fn on<T, F, Fut>(&self, css: &str, act: F) -> T
    where
        F: Fn(fantoccini::elements::Element) -> Fut,
        Fut: std::future::Future<Output = Result<T, fantoccini::error::CmdError>>,
    {
        let patience = Patience::new(format!("{css} kept being redrawn"));
        loop {
            match act(self.find(css).await).await {
                Ok(done) => return done,
                Err(e) if e.is_stale_element_reference() => patience.wait().await,
                Err(e) => panic!("{css}: {e}"),
            }
        }
    }

    /// Types `text` into the field, after clearing it.
    pub async fn fill(&self, css: &str, text: &str) {
        self.on(css, |field| async move {
            field.clear().await?;
            field.send_keys(text).await
        })
        .await
    }

    /// Sets a field's value as a picker would (date inputs take their value in the page's own
    /// locale when typed).
    pub async fn set(&self, id: &str, value: &str) {
        self.client
            .execute(
                "document.getElementById(arguments[0]).value = arguments[1]; return true",
                vec![json!(id), json!(value)],
            )
            .await
            .unwrap();
    }

    /// The file the page downloaded, once it is whole.
    pub async fn downloaded(&self, name: &str) -> Vec<u8> {
        let path = self.downloads.path().join(name);
        let patience = Patience::new(format!("{name} was not downloaded"));
        loop {
            if let Ok(bytes) = std::fs::read(&path)
                && !bytes.is_empty()
            {
                return bytes;
            }
            patience.wait().await;
        }
    }

    pub async fn click(&self, css: &str) {
        self.on(css, |e| async move { e.click().await }).await
    }

    /// Chooses `value` in the select `css` finds, as a person would: the page hears the change.
    pub async fn choose(&self, css: &str, value: &str) {
        self.on(css, |e| async move { e.select_by_value(value).await })
            .await
    }

    pub async fn text(&self, css: &str) -> String {
        self.on(css, |e| async move { e.text().await }).await
    }

    /// A script's value (`return …`).
    pub async fn eval(&self, script: &str) -> Value {
        self.client.execute(script, vec![]).await.unwrap()
    }

    /// Chooses `file` in a file input, as a person picking a photo.
    pub async fn choose_file(&self, css: &str, file: &std::path::Path) {
        self.find(css)
            .await
            .send_keys(file.to_str().unwrap())
            .await
            .unwrap();
    }

    /// The viewport `width` CSS pixels wide (Chromium's window adds no border when headless).
    pub async fn width(&self, width: u32) {
        self.client.set_window_size(width, 900).await.unwrap();
        let inner = self.eval("return window.innerWidth").await;
        assert_eq!(inner, json!(width), "the viewport is {inner} wide");
    }

    /// The page as it looks at 360 and at 1280 CSS pixels, kept under `artifacts()`.
    pub async fn screenshots(&self, name: &str) -> Vec<PathBuf> {
        let mut paths = Vec::new();
        for width in [360, 1280] {
            self.width(width).await;
            let path = artifacts().join(format!("{name}-{width}.png"));
            std::fs::write(&path, self.client.screenshot().await.unwrap()).unwrap();
            // Nothing wider than the screen: no sideways scrolling on a phone.
            let overflow = self
                .eval("const d = document.documentElement; return d.scrollWidth - d.clientWidth")
                .await;
            assert_eq!(overflow, json!(0), "{name} scrolls sideways at {width} px");
            paths.push(path);
        }
        self.width(1280).await;
        paths
    }

    /// axe-core's serious and critical violations on the page as it stands (axe is installed
    /// by `./scripts/test.sh` under the target directory and injected here, never served).
    pub async fn accessibility(&self, name: &str) {
        let axe = artifacts().join("../axe-core/axe.min.js");
        let source = std::fs::read_to_string(&axe).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (./scripts/test.sh installs axe-core)",
                axe.display()
            )
        });
        self.client.execute(&source, vec![]).await.unwrap();
        let found = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { resultTypes: ['violations'] })
                    .then(r => done(r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.map(n => n.target.join(' ')) }))))
                    .catch(e => done([{ id: 'axe-failed', impact: 'critical', help: String(e), nodes: [] }]));",
                vec![],
            )
            .await
            .unwrap();
        std::fs::write(
            artifacts().join(format!("{name}-axe.json")),
            serde_json::to_vec_pretty(&found).unwrap(),
        )
        .unwrap();
        let serious: Vec<&Value> = found
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
            .collect();
        assert!(serious.is_empty(), "{name}: {serious:#?}");
    }

    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Chromium runs in chromedriver's process group: one signal ends both, even after a
        // panic. The `--` matters: procps' `kill -KILL -<pgid>` reads `-<pgid>` as options and
        // may signal -1, every process there is.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.driver.id())])
            .status();
    }
}

/// Records a page's first-load weight beside its screenshots, and holds it to the budget.
pub fn weigh(page: &str, bytes: u64) {
    let line = format!(
        "{page}: {bytes} bytes ({:.1} KB) on first load, compressed, headers included\n",
        bytes as f64 / 1024.0
    );
    print!("{line}");
    std::fs::write(artifacts().join(format!("{page}-weight.txt")), &line).unwrap();
    assert!(
        bytes <= FIRST_LOAD_BUDGET,
        "{page}: {bytes} bytes on first load, past the {FIRST_LOAD_BUDGET}"
    );
}

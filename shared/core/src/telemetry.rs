//! Logs as JSON lines with the service name; never personal data (ids only).

/// Installs the JSON logger once, on standard output. `RUST_LOG` filters (default `info`).
pub fn init(service: &'static str) {
    install(service, std::io::stdout);
}

/// The same logger, appending to a file: for a command whose standard output tells a story to a
/// person (`guichet serve --demo`), so log lines do not interleave with it.
pub fn init_to_file(service: &'static str, path: &std::path::Path) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    install(service, std::sync::Mutex::new(file));
    Ok(())
}

fn install<W>(service: &'static str, writer: W)
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(true)
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(writer)
        .try_init();
    tracing::debug!(service, "logging ready");
}

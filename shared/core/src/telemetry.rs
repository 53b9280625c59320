//! Logs as JSON lines with the service name; never personal data (ids only).

/// Installs the JSON logger once. `RUST_LOG` filters (default `info`).
pub fn init(service: &'static str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(true)
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
    tracing::debug!(service, "logging ready");
}

//! How long a test waits for the service's background work (a check, a screening, an issue, a
//! message): by a deadline far past what the work takes on a loaded machine, never by a count of
//! polls, whose total time depends on how fast each poll answers.

use std::time::{Duration, Instant};

/// Far past what any background step takes with other work running beside the tests: it only
/// bounds a test whose work never happens.
pub const PATIENCE: Duration = Duration::from_secs(120);

/// How often a waiting test looks again.
const EVERY: Duration = Duration::from_millis(50);

/// One wait for `what` to happen.
pub struct Patience {
    what: String,
    until: Instant,
}

impl Patience {
    pub fn new(what: impl Into<String>) -> Self {
        Patience {
            what: what.into(),
            until: Instant::now() + PATIENCE,
        }
    }

    /// Pauses before the next look; panics, naming what never happened, once the patience is
    /// spent.
    pub async fn wait(&self) {
        assert!(
            Instant::now() < self.until,
            "{} (waited {} s)",
            self.what,
            PATIENCE.as_secs()
        );
        tokio::time::sleep(EVERY).await;
    }
}

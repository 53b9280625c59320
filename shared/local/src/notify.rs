//! Notifications on one machine: each email and SMS written as a text file in an outbox folder
//! (`DATA/outbox/`) a person can open and read, named by the notification's key, so the same
//! notification written twice is one file.

use async_trait::async_trait;
use guichet_core::notifications::sms_parts;
use guichet_core::ports::{Channel, Notification, Notifier, SendError};
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct OutboxFolder {
    dir: PathBuf,
}

impl OutboxFolder {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        OutboxFolder { dir: dir.into() }
    }

    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }

    /// What a message looks like on paper: its envelope, a blank line, its text.
    fn text(n: &Notification) -> (String, String) {
        match &n.channel {
            Channel::Email { to, subject, body } => (
                format!("{}.txt", n.key),
                format!(
                    "To: {}\nSubject: {subject}\nContent-Type: text/plain; charset=utf-8\n\n{body}",
                    String::from(to.clone())
                ),
            ),
            Channel::Sms { to, text } => (
                format!("{}.txt", n.key),
                format!(
                    "To: {}\nParts: {}\n\n{text}\n",
                    String::from(to.clone()),
                    sms_parts(text)
                ),
            ),
        }
    }
}

#[async_trait]
impl Notifier for OutboxFolder {
    async fn send(&self, n: &Notification) -> Result<(), SendError> {
        let (name, text) = Self::text(n);
        let dir = self.dir.clone();
        tokio::task::spawn_blocking(move || {
            std::fs::create_dir_all(&dir)?;
            // Written whole, then named: a reader never sees half a message.
            let partial = dir.join(format!(".{name}.partial"));
            std::fs::write(&partial, text)?;
            std::fs::rename(&partial, dir.join(&name))
        })
        .await
        .map_err(|e| SendError::Transient(e.to_string()))?
        .map_err(|e| SendError::Transient(format!("outbox folder: {e}")))
    }
}

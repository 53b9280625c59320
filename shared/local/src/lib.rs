//! Embedded adapters: everything durable on disk under one data directory, for `guichet serve`
//! and tests. Real stores, not mocks: SQLite with conditional writes, files written atomically,
//! a queue with visibility timeouts and a dead-letter state.

mod backend;
mod blobs;
mod checkpoints;
mod db;
mod notify;
mod queue;
pub mod secrets;
mod store;
mod uploads;

pub use backend::{Local, LocalSettings, OpenError};
pub use blobs::FileBlobStore;
pub use checkpoints::CheckpointFile;
pub use db::Db;
pub use notify::OutboxFolder;
pub use queue::{Delivery, LocalEventBus, LocalQueue};
pub use store::SqliteStore;
pub use uploads::{LocalUploads, UPLOAD_LIMIT, UploadRefusal};

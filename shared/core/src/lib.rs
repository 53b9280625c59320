//! Guichet's core: the domain, the ports the outside world plugs into, and the use cases over
//! them. Nothing here knows HTTP, SQL or AWS; the crate graph holds that, and a test of the
//! workspace (`tests/tests/layers.rs`) fails if this crate ever depends on an adapter.

pub mod audit;
pub mod catalogue;
pub mod domain;
pub mod error;
pub mod json;
pub mod kinds;
pub mod messages;
pub mod notifications;
pub mod ports;
pub mod screening;
pub mod settings;
pub mod telemetry;
pub mod usecases;

pub use error::{Error, Result};

//! Guichet: the domain, ports, adapters and use cases that every function shares.
//!
//! A function crate maps its event (an HTTP request, a queue message) onto the use cases in
//! [`usecases`] through a [`context::Context`] built once at cold start.

pub mod api;
pub mod audit;
pub mod aws;
pub mod bootstrap;
pub mod catalogue;
pub mod config;
pub mod context;
pub mod domain;
pub mod error;
pub mod http;
pub mod local;
pub mod messages;
pub mod openapi;
pub mod payments;
pub mod pdf;
pub mod ports;
pub mod seal;
pub mod telemetry;
pub mod usecases;

pub use context::Context;
pub use error::{Error, Result};

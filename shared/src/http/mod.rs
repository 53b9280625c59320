//! The HTTP edge shared by every function: requests in, problem+json and JSON out.

pub mod auth;
pub mod edge;
pub mod limits;
pub mod problem;
pub mod request;
pub mod response;
pub mod routes;

pub use lambda_http::{Body, Request, Response};

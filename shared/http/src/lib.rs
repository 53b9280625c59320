//! The HTTP edge shared by every function: the route table and the OpenAPI document built from
//! it, tokens, per-client limits, CORS, strictly read bodies, and problem+json for every error.
//! Handlers are plain async functions over `lambda_http::Request`, so they run on Lambda, in
//! `guichet serve` and in tests unchanged.

pub mod api;
pub mod auth;
pub mod edge;
pub mod limits;
pub mod openapi;
pub mod problem;
pub mod request;
pub mod response;
pub mod routes;
pub mod signin;

pub use edge::{Edge, HttpSettings};
pub use lambda_http::{Body, Request, Response};

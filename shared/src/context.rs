//! Everything a handler needs, built once at cold start and shared by reference.

use crate::catalogue::Catalogue;
use crate::config::Config;
use crate::http::auth::Authenticator;
use crate::http::limits::RateLimiter;
use crate::payments::Gateways;
use crate::pdf::Fonts;
use crate::ports::{ApplicationStore, BlobStore, Clock, DocumentRegistry, PaymentLedger, Queue};
use crate::seal::SealKeys;
use std::sync::Arc;

pub struct Context {
    pub config: Config,
    pub applications: Arc<dyn ApplicationStore>,
    pub payments: Arc<dyn PaymentLedger>,
    pub documents: Arc<dyn DocumentRegistry>,
    pub blobs: Arc<dyn BlobStore>,
    pub queue: Arc<dyn Queue>,
    pub clock: Arc<dyn Clock>,
    pub catalogue: Catalogue,
    pub seal_keys: SealKeys,
    pub auth: Authenticator,
    pub limits: RateLimiter,
    pub payment_secret: Vec<u8>,
    pub payment_gateways: Gateways,
    pub fonts: Fonts,
}

//! Rate limits per client: token buckets kept in memory, one per (limit, client).
//!
//! In `guichet serve` that is the whole service. On Lambda each warm instance keeps its own
//! buckets, so a client spread over instances gets a multiple of the limit; the API stage's
//! throttling (infra/template.yaml) caps the total. Neither is meant to stop a botnet — that is
//! the edge's job — but one script hammering submissions, lookups or tokens is slowed to a crawl.

use guichet_core::Error;
use guichet_core::settings::{Env, SettingError};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What is limited, and who counts as one client for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Limit {
    /// New applications, per applicant (token subject).
    Submit,
    /// Public verification, per source address.
    Verify,
    /// Refused tokens, per source address: guessing tokens is slowed, valid callers are not.
    FailedAuth,
}

/// A bucket of `burst` tokens refilled at `per_minute`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub burst: u32,
    pub per_minute: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RateLimits {
    pub submit: Rate,
    pub verify: Rate,
    pub failed_auth: Rate,
}

impl Default for RateLimits {
    /// A citizen applies a handful of times; a border post scans a queue of travellers; a real
    /// user mistypes a token now and then.
    fn default() -> Self {
        RateLimits {
            submit: Rate {
                burst: 10,
                per_minute: 10.0 / 60.0,
            },
            verify: Rate {
                burst: 60,
                per_minute: 60.0,
            },
            failed_auth: Rate {
                burst: 10,
                per_minute: 10.0,
            },
        }
    }
}

impl RateLimits {
    pub fn read(env: &Env) -> Result<Self, SettingError> {
        let per = |name: &'static str, default: u32, minutes: f64| -> Result<Rate, SettingError> {
            let n = env.at_least_one(name, default)?;
            Ok(Rate {
                burst: n,
                per_minute: f64::from(n) / minutes,
            })
        };
        Ok(RateLimits {
            submit: per("GUICHET_SUBMIT_PER_HOUR", 10, 60.0)?,
            verify: per("GUICHET_VERIFY_PER_MINUTE", 60, 1.0)?,
            failed_auth: per("GUICHET_FAILED_AUTH_PER_MINUTE", 10, 1.0)?,
        })
    }

    /// No limit worth the name: for load and fault tests, which are one very busy client.
    pub fn unlimited() -> Self {
        let wide = Rate {
            burst: u32::MAX,
            per_minute: f64::MAX,
        };
        RateLimits {
            submit: wide,
            verify: wide,
            failed_auth: wide,
        }
    }

    fn rate(&self, limit: Limit) -> Rate {
        match limit {
            Limit::Submit => self.submit,
            Limit::Verify => self.verify,
            Limit::FailedAuth => self.failed_auth,
        }
    }
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Buckets beyond this many are swept of the full ones, so memory stays bounded.
const SWEEP_ABOVE: usize = 50_000;

pub struct RateLimiter {
    limits: RateLimits,
    buckets: Mutex<HashMap<(Limit, String), Bucket>>,
}

impl RateLimiter {
    pub fn new(limits: RateLimits) -> Self {
        RateLimiter {
            limits,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token, or refuses with the wait until one is back (429, `Retry-After`).
    pub fn take(&self, limit: Limit, client: &str) -> Result<(), Error> {
        self.take_at(limit, client, Instant::now())
    }

    fn take_at(&self, limit: Limit, client: &str, now: Instant) -> Result<(), Error> {
        let rate = self.limits.rate(limit);
        let burst = f64::from(rate.burst);
        let per_second = rate.per_minute / 60.0;
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() > SWEEP_ABOVE {
            buckets.retain(|(l, _), b| {
                let r = self.limits.rate(*l);
                let refilled =
                    b.tokens + now.duration_since(b.at).as_secs_f64() * r.per_minute / 60.0;
                refilled < f64::from(r.burst)
            });
        }
        let bucket = buckets.entry((limit, client.to_owned())).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        bucket.tokens =
            (bucket.tokens + now.duration_since(bucket.at).as_secs_f64() * per_second).min(burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - bucket.tokens) / per_second;
            Err(Error::RateLimited {
                retry_after: Duration::from_secs_f64(wait.ceil().max(1.0)),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter() -> RateLimiter {
        RateLimiter::new(RateLimits {
            submit: Rate {
                burst: 3,
                per_minute: 6.0,
            },
            ..RateLimits::default()
        })
    }

    #[test]
    fn a_burst_then_one_token_per_refill_period_and_clients_apart() {
        let l = limiter();
        let t0 = Instant::now();
        for _ in 0..3 {
            l.take_at(Limit::Submit, "a", t0).unwrap();
        }
        let Err(Error::RateLimited { retry_after }) = l.take_at(Limit::Submit, "a", t0) else {
            panic!("the fourth in a burst of three is refused");
        };
        assert_eq!(
            retry_after,
            Duration::from_secs(10),
            "6 a minute: one every 10 s"
        );
        // Another client, or another limit, has its own bucket.
        l.take_at(Limit::Submit, "b", t0).unwrap();
        l.take_at(Limit::Verify, "a", t0).unwrap();
        // Ten seconds later, exactly one more.
        let t1 = t0 + Duration::from_secs(10);
        l.take_at(Limit::Submit, "a", t1).unwrap();
        assert!(l.take_at(Limit::Submit, "a", t1).is_err());
    }
}

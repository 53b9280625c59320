//! Rate limits per client: token buckets kept in memory, one per (limit, client); or, where
//! several instances serve the same clients (Lambda), counts in the table every instance sees
//! (`RateCounters`), one per client and fixed window.
//!
//! A submission takes from two budgets, one for accepted forms and a larger one for refused
//! ones, and gives back the one it did not use: a citizen whose form was refused ten times may
//! still send the right one, while a script sending garbage is stopped at its own ceiling.

use guichet_core::Error;
use guichet_core::ports::{RateCount, RateCounters};
use guichet_core::settings::{Env, SettingError};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What is limited, and who counts as one client for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Limit {
    /// New applications accepted, per applicant (token subject).
    Submit,
    /// Submissions refused (a form with errors), per applicant: a much higher ceiling, apart.
    Refused,
    /// Files announced, per applicant.
    Attach,
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
    pub refused: Rate,
    pub attach: Rate,
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
            refused: Rate {
                burst: 100,
                per_minute: 100.0 / 60.0,
            },
            attach: Rate {
                burst: 60,
                per_minute: 1.0,
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
            refused: per("GUICHET_REFUSED_PER_HOUR", 100, 60.0)?,
            attach: per("GUICHET_ATTACH_PER_HOUR", 60, 60.0)?,
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
            refused: wide,
            attach: wide,
            verify: wide,
            failed_auth: wide,
        }
    }

    fn rate(&self, limit: Limit) -> Rate {
        match limit {
            Limit::Submit => self.submit,
            Limit::Refused => self.refused,
            Limit::Attach => self.attach,
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
    /// Counts every instance sees, where there are several (Lambda); none in one process.
    shared: Option<Arc<dyn RateCounters>>,
}

/// What `take` took, for `give_back` when the request turns out not to count.
#[derive(Debug, Clone)]
pub struct Ticket {
    limit: Limit,
    client: String,
    /// The shared window it was counted in; none for a bucket in memory.
    window: Option<i64>,
}

impl Limit {
    fn name(self) -> &'static str {
        match self {
            Limit::Submit => "submit",
            Limit::Refused => "refused",
            Limit::Attach => "attach",
            Limit::Verify => "verify",
            Limit::FailedAuth => "failed_auth",
        }
    }
}

impl RateLimiter {
    pub fn new(limits: RateLimits) -> Self {
        RateLimiter {
            limits,
            buckets: Mutex::new(HashMap::new()),
            shared: None,
        }
    }

    /// Counts in `counters`, which every instance of the service sees, instead of in memory.
    pub fn shared(mut self, counters: Arc<dyn RateCounters>) -> Self {
        self.shared = Some(counters);
        self
    }

    /// Takes one, or refuses with the wait until one is back (429, `Retry-After`).
    pub async fn take(&self, limit: Limit, client: &str) -> Result<Ticket, Error> {
        match &self.shared {
            Some(counters) => self.take_shared(counters.as_ref(), limit, client).await,
            None => {
                self.take_at(limit, client, Instant::now())?;
                Ok(Ticket {
                    limit,
                    client: client.to_owned(),
                    window: None,
                })
            }
        }
    }

    /// Gives back what `take` took: the request did not count after all. Best effort: a count
    /// that cannot be given back only slows its client a little.
    pub async fn give_back(&self, ticket: Ticket) {
        match (&self.shared, ticket.window) {
            (Some(counters), Some(window)) => {
                let key = format!("{}:{}", ticket.limit.name(), ticket.client);
                if let Err(e) = counters.give_back(&key, window).await {
                    tracing::warn!(error = %e, limit = ticket.limit.name(), "a rate count was not given back");
                }
            }
            _ => self.give_back_at(ticket.limit, &ticket.client, Instant::now()),
        }
    }

    /// A window as long as the bucket takes to fill, holding as many as the bucket, opened at
    /// the client's first count.
    async fn take_shared(
        &self,
        counters: &dyn RateCounters,
        limit: Limit,
        client: &str,
    ) -> Result<Ticket, Error> {
        let rate = self.limits.rate(limit);
        let length = ((f64::from(rate.burst) / rate.per_minute) * 60.0).clamp(1.0, 86_400.0) as i64;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or_default();
        let key = format!("{}:{client}", limit.name());
        let ticket = |window| Ticket {
            limit,
            client: client.to_owned(),
            window,
        };
        match counters.take(&key, now, length, rate.burst).await {
            Ok(RateCount::Counted { window }) => Ok(ticket(Some(window))),
            Ok(RateCount::Full { until }) => Err(Error::RateLimited {
                retry_after: Duration::from_secs((until - now).max(1) as u64),
            }),
            // A limiter that cannot count lets the request through rather than stopping the
            // service: the API stage's throttling still caps the total.
            Err(e) => {
                tracing::warn!(error = %e, limit = limit.name(), "rate count unavailable; not limited");
                Ok(ticket(None))
            }
        }
    }

    fn give_back_at(&self, limit: Limit, client: &str, now: Instant) {
        let burst = f64::from(self.limits.rate(limit).burst);
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(bucket) = buckets.get_mut(&(limit, client.to_owned())) {
            bucket.tokens = (bucket.tokens + 1.0).min(burst);
            bucket.at = bucket.at.min(now);
        }
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
        // One given back (a request that did not count) may be taken again, once.
        l.give_back_at(Limit::Submit, "a", t1);
        l.take_at(Limit::Submit, "a", t1).unwrap();
        assert!(l.take_at(Limit::Submit, "a", t1).is_err());
    }
}

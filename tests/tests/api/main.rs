//! One test binary for the HTTP surface of `guichet serve`: each test starts the real server on
//! a random port with a fresh data directory.

mod attachments;
mod audit;
mod authorization;
mod aws_faults;
mod bad_input;
mod browser;
mod data_kinds;
mod durability;
mod flow;
mod helpers;
mod hostile;
mod issuance;
mod kinds;
mod messages;
mod notifications;
mod payments;
mod privacy;
mod scans;
mod signing_in;
mod trust;
mod visas;

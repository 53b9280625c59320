//! `guichet serve` as a real process: what its logs hold after a full run, and what survives
//! being killed at random moments.

mod cli;
mod demo;
mod faults;
mod harness;
mod logs;
mod offline;
mod readme;
mod schemathesis;
mod stop;

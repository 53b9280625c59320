//! Support shared by the end-to-end tests: the port contract, the AWS emulator they
//! run on, a proxy that makes it misbehave, and how long they wait for background work.

pub mod contract;
pub mod fault_proxy;
pub mod moto;
pub mod patience;

#[cfg(test)]
mod layers;
#[cfg(test)]
mod template;

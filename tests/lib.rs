//! Support shared by the end-to-end tests: the port contract, the AWS emulator they
//! run on, and a proxy that makes it misbehave.

pub mod contract;
pub mod fault_proxy;
pub mod moto;

#[cfg(test)]
mod layers;
#[cfg(test)]
mod template;

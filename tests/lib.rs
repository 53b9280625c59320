//! Support shared by the end-to-end tests: the port contract, and the AWS emulator they run on.

pub mod contract;
pub mod moto;

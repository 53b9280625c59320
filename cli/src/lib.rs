//! `guichet`: every function in one process on the embedded adapters, dev tokens, keys, a demo.

pub mod audit;
pub mod backend;
pub mod datadir;
pub mod demo;
pub mod keys;
pub mod serve;
pub mod settings;
pub mod signin;
pub mod token;
pub mod verify;
pub mod walk;
pub mod web;

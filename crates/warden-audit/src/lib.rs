//! Warden's tamper-evident audit log.
//!
//! Every agent action and every decision is appended as an entry to a transparency log with
//! RFC 9162 hashing; the control plane publishes signed checkpoints in the C2SP
//! `tlog-checkpoint` format and the tree in the C2SP `tlog-tiles` layout, so anyone can
//! verify the log offline with standard tooling, without trusting Warden.

pub mod checkpoint;
pub mod config;
pub mod event;
pub mod hash;
pub mod keys;
pub mod log;
pub mod note;
pub mod proof;
pub mod store;
pub mod tiles;
pub mod tree;
pub mod verify;

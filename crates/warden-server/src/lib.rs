//! Warden's control plane: the room that wires the others together.
//!
//! - [`control`]: the register of agents, their credentials, revocations and root keys,
//!   with the rules that bind them (only active agents get tokens; suspending revokes).
//! - [`registry`]: the register and the system model as one truth (import / export).
//!
//! The HTTP API, metrics and the gateway's wiring arrive here with `warden serve`.

pub mod control;
pub mod registry;

pub use control::{ControlConfig, ControlError, ControlPlane, IssueOptions};

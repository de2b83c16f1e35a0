//! The threat analysis: from a system model to findings mapped onto MAESTRO layers, OWASP
//! ASI threats, the OWASP Agentic Top 10 (2026), MITRE ATLAS and STRIDE.

pub mod analyses;
pub mod baseline;
pub mod engine;
pub mod facts;
pub mod finding;
pub mod render;
pub mod synthetic;
pub mod trust;

pub use finding::*;

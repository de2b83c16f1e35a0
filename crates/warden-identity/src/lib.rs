//! Warden's identities: the control plane's Ed25519 root keys, agent credentials as Biscuit
//! tokens, delegation by attenuation, revocation, and a verifying cache.
//!
//! * [`KeyRing`] keeps the root keys on disk (private key files 0600, rotation, retirement)
//!   and hands out the active [`Signer`] and the public [`KeySet`].
//! * [`Issuer`] issues tokens carrying the agent, owner, subject, audience, expiry, maximum
//!   delegation depth and [`Scope`] (tools with argument rules, data classes).
//! * [`attenuate`] delegates a token offline to a named agent with a narrower scope; it
//!   refuses any widening, and [`Verifier`] refuses widening blocks however they were made.
//! * [`Verifier`] checks signature, Biscuit checks, the delegation chain, expiry, audience
//!   and the shared [`RevocationSet`], caching successes until expiry or revocation.
//!
//! Every time-dependent operation takes `now` (ms since the epoch) or a [`Clock`], so tests
//! can move time.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod cache;
pub mod clock;
pub mod error;
pub mod keys;
pub mod revocation;
pub mod scope;
pub mod token;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{Denied, IdentityError, RevokedBy, TokenError};
pub use keys::{KeyInfo, KeyRing, KeySet, KeyState, Signer};
pub use revocation::{RevocationKind, RevocationSet};
pub use scope::{ArgRule, Scope, ToolRule};
pub use token::{
    AttenuateRequest, IssueRequest, IssuedToken, Issuer, IssuerConfig, VerifiedToken, Verifier,
    VerifierConfig, attenuate,
};

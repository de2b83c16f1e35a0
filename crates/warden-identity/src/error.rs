//! Error types.
//!
//! [`TokenError`] is what a token operation (verify, attenuate, refresh) can answer; its
//! `Display` text is what an operator or agent sees in a 401, so it names the cause precisely
//! but never echoes secrets or raw token bytes. [`IdentityError`] covers key files, the key
//! ring and issuing.

use std::path::PathBuf;

use thiserror::Error;

/// Why a token was refused (or could not be attenuated or refreshed).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The token string is longer than the configured limit.
    #[error("token is {len} bytes, larger than the {max}-byte limit")]
    Oversized {
        /// Length of the presented token.
        len: usize,
        /// Configured maximum.
        max: usize,
    },
    /// The token is not a well-formed Biscuit (bad base64, truncated, garbage).
    #[error("token is malformed: {0}")]
    Malformed(String),
    /// The token names a root key id this verifier does not know.
    #[error("token is signed with unknown root key {kid}")]
    UnknownKey {
        /// The root key id carried by the token (`None` → reported as 0).
        kid: u32,
    },
    /// The token was signed with a root key that has since been retired.
    #[error("token is signed with retired root key {kid}")]
    RetiredKey {
        /// The retired key id.
        kid: u32,
    },
    /// A signature in the token does not verify.
    #[error("token signature is invalid")]
    BadSignature,
    /// The token (or one of its delegation blocks) has expired.
    #[error("token expired at {at_ms} ms since the epoch")]
    Expired {
        /// The effective expiry (minimum over the chain).
        at_ms: i64,
    },
    /// The token claims to be issued later than now (beyond the allowed clock skew).
    #[error("token is not valid before {at_ms} ms since the epoch")]
    NotYetValid {
        /// The issue time claimed by the token.
        at_ms: i64,
    },
    /// The token was issued for another audience.
    #[error("token audience is `{found}`, expected `{expected}`")]
    WrongAudience {
        /// The audience this verifier serves.
        expected: String,
        /// The audience the token names.
        found: String,
    },
    /// The token, one of its blocks, or one of its actors is revoked.
    #[error("token is revoked: {what}")]
    Revoked {
        /// What was revoked.
        what: RevokedBy,
    },
    /// A delegation block grants more than its parent (or an attenuation request asked to).
    #[error("delegation block {block} widens its parent: {detail}")]
    WidenedAttenuation {
        /// Index of the offending block (1 = first delegation).
        block: usize,
        /// Which right was widened.
        detail: String,
    },
    /// The delegation chain is deeper than allowed.
    #[error("delegation depth {depth} exceeds the allowed maximum {max}")]
    DepthExceeded {
        /// Depth reached (number of delegation blocks).
        depth: usize,
        /// Maximum allowed at that point.
        max: usize,
    },
    /// An actor appears twice in the delegation chain.
    #[error("delegation cycle: `{actor}` appears twice in the chain")]
    Cycle {
        /// The repeated actor.
        actor: String,
    },
    /// A required claim is absent from a block.
    #[error("token lacks the `{0}` claim")]
    MissingClaim(String),
    /// A claim is present but ill-formed (wrong type, duplicated, out of range).
    #[error("block {block} has an invalid claim: {detail}")]
    InvalidClaim {
        /// Index of the block holding the claim.
        block: usize,
        /// What is wrong.
        detail: String,
    },
    /// A scope (in a request or a token) is not well-formed.
    #[error("invalid scope: {0}")]
    InvalidScope(String),
    /// A Biscuit check (or the authorizer) refused the token.
    #[error("token check failed: {0}")]
    FailedCheck(String),
    /// A request to attenuate or refresh is not acceptable for a reason not covered above.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// Building or signing a token failed inside the Biscuit library.
    #[error("token could not be built: {0}")]
    Build(String),
}

/// What caused a revocation hit.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RevokedBy {
    /// An agent in the chain (issued agent or a delegate) is revoked or suspended.
    #[error("agent `{0}` is revoked")]
    Agent(String),
    /// The token id (shared by every token derived from the issued one) is revoked.
    #[error("token id {0} is revoked")]
    Token(String),
    /// One block's revocation id is revoked (cascades to tokens derived from that block).
    #[error("block {index} (revocation id {id}) is revoked")]
    Block {
        /// Block index in this token.
        index: usize,
        /// The block's revocation id, hex.
        id: String,
    },
}

/// Errors about root keys, key files and issuing.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum IdentityError {
    /// A file system operation failed.
    #[error("{op} {}: {source}", path.display())]
    Io {
        /// What was being done.
        op: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A private key file is readable or writable by group or others.
    #[error(
        "private key file {} has mode {mode:o}, which allows group/other access; run `chmod 600 {}`",
        path.display(), path.display()
    )]
    InsecurePermissions {
        /// The key file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// `keyring.json` or a key file is unreadable or inconsistent.
    #[error("key ring {}: {detail}", path.display())]
    CorruptKeyRing {
        /// The file at fault.
        path: PathBuf,
        /// What is wrong (never key material).
        detail: String,
    },
    /// No key with this id exists.
    #[error("no root key with id {kid}")]
    NoSuchKey {
        /// The requested key id.
        kid: u32,
    },
    /// The key is in a state that does not allow the operation.
    #[error("root key {kid} is {state}: {detail}")]
    KeyState {
        /// The key id.
        kid: u32,
        /// Its current state.
        state: crate::keys::KeyState,
        /// Why the operation is refused.
        detail: &'static str,
    },
    /// An issue or refresh request is invalid (bad ttl, depth, scope, names).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// A token-level failure while refreshing or attenuating.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// The operating system's random source failed.
    #[error("random number generator failed: {0}")]
    Random(String),
}

/// Why [`crate::VerifiedToken::permits`] refused a request: which block and which rule.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("denied by block {block}: {reason}")]
pub struct Denied {
    /// The block whose scope does not allow the request (0 = the issued scope).
    pub block: usize,
    /// Which rule refused it.
    pub reason: String,
}

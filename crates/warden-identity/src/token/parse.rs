//! Decoding a token string into a signature-checked Biscuit, and reading each block's facts.
//!
//! **How block facts are read.** Biscuit v6 has no public per-block fact accessor
//! (`Biscuit::block` is crate-private, `print_block_source` does not escape strings, and
//! authorizer queries merge the facts of every block they trust). So after Biscuit has parsed
//! the token and checked every signature, we take its signed blocks
//! (`Biscuit::container().to_proto()`), decode each block's protobuf with the same schema
//! types Biscuit uses (`format::schema::Block`), convert facts with Biscuit's own
//! `format::convert` and resolve symbols exactly as Biscuit does (first-party blocks share a
//! table, a third-party block has its own). A fact is thus attributed to the block that
//! signed it: a forged block cannot place facts in another block, and facts derived by rules
//! are never read as claims. (`Authorizer::snapshot` also keeps blocks apart, but costs about
//! 25 µs more per token.) `prost` is pinned to the version `biscuit-auth` uses; a mismatch
//! fails to compile, never silently.

use std::cell::RefCell;

use biscuit_auth::Biscuit;
use biscuit_auth::datalog::{self, SymbolTable};
use biscuit_auth::error::{Format, Signature, Token};
use biscuit_auth::format::convert::proto_fact_to_token_fact;
use biscuit_auth::format::schema;
use prost::Message;

use crate::error::TokenError;
use crate::keys::KeySet;

/// A fact term, reduced to what Warden's claims use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Term {
    /// A string.
    Str(String),
    /// A 64-bit integer.
    Int(i64),
    /// Anything else (dates, bytes, sets, …): never valid in a Warden claim.
    Other,
}

/// One fact of one block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawFact {
    pub(crate) name: String,
    pub(crate) terms: Vec<Term>,
}

/// Decode a base64url token and check every signature against the key set's root key for
/// the token's root key id.
pub(crate) fn decode(keys: &KeySet, token: &str) -> Result<Biscuit, TokenError> {
    let key_error: RefCell<Option<TokenError>> = RefCell::new(None);
    let provider = |kid: Option<u32>| {
        keys.lookup(kid).map_err(|e| {
            *key_error.borrow_mut() = Some(e);
            Format::UnknownPublicKey
        })
    };
    let result = Biscuit::from_base64(token.trim(), provider);
    match result {
        Ok(b) => Ok(b),
        Err(e) => Err(key_error.take().unwrap_or_else(|| map_error(&e))),
    }
}

/// Map a Biscuit parse error to a precise, non-leaky [`TokenError`].
pub(crate) fn map_error(e: &Token) -> TokenError {
    let malformed = |s: &str| TokenError::Malformed(s.to_string());
    match e {
        Token::Base64(_) => malformed("not valid base64url"),
        Token::Format(f) => match f {
            Format::Signature(Signature::InvalidSignature(_)) | Format::SealedSignature => {
                TokenError::BadSignature
            }
            Format::Signature(_)
            | Format::InvalidSignatureSize(_)
            | Format::SignatureDeserializationError(_)
            | Format::BlockSignatureDeserializationError(_) => {
                malformed("a signature is not well-formed")
            }
            Format::UnknownPublicKey => TokenError::UnknownKey { kid: 0 },
            Format::DeserializationError(_) | Format::BlockDeserializationError(_) => {
                malformed("truncated or not a Biscuit token")
            }
            Format::Version { .. } => malformed("unsupported Biscuit block version"),
            Format::InvalidKeySize(_) | Format::InvalidKey(_) | Format::EmptyKeys => {
                malformed("invalid key material")
            }
            Format::UnknownExternalKey | Format::ExistingPublicKey(_) => {
                malformed("invalid third-party block key")
            }
            _ => malformed("inconsistent token contents"),
        },
        Token::RunLimit(_) => TokenError::FailedCheck("Datalog execution limits reached".into()),
        Token::FailedLogic(logic) => TokenError::FailedCheck(describe_logic(logic)),
        Token::Execution(_) => TokenError::FailedCheck("a check could not be evaluated".into()),
        Token::AppendOnSealed | Token::AlreadySealed => {
            TokenError::InvalidRequest("the token is sealed and cannot be attenuated".into())
        }
        _ => malformed("token could not be processed"),
    }
}

fn describe_logic(logic: &biscuit_auth::error::Logic) -> String {
    use biscuit_auth::error::{FailedCheck, Logic};
    let checks = match logic {
        Logic::Unauthorized { checks, .. } | Logic::NoMatchingPolicy { checks } => checks,
        _ => return "the token's logic is invalid".into(),
    };
    if checks.is_empty() {
        return "no policy allowed the token".into();
    }
    let failed: Vec<String> = checks
        .iter()
        .map(|c| match c {
            FailedCheck::Block(b) => format!("check {} of block {}", b.check_id, b.block_id),
            FailedCheck::Authorizer(a) => format!("authorizer check {}", a.check_id),
        })
        .collect();
    format!("{} failed", failed.join(", "))
}

/// Every block's own facts, in block order (0 = authority), decoded from the token's
/// signed block bytes.
pub(crate) fn block_facts(biscuit: &Biscuit) -> Result<Vec<Vec<RawFact>>, TokenError> {
    let proto = biscuit.container().to_proto();
    let signed: Vec<&schema::SignedBlock> = std::iter::once(&proto.authority)
        .chain(&proto.blocks)
        .collect();
    let inconsistent = || TokenError::Malformed("inconsistent symbol table".into());
    let mut decoded = Vec::with_capacity(signed.len());
    // First-party blocks share one symbol table: the default symbols, then each first-party
    // block's new symbols in order. A third-party block has its own table.
    let mut shared = SymbolTable::new();
    for (i, block) in signed.iter().enumerate() {
        let bytes = block.block.as_slice();
        let block_proto = schema::Block::decode(bytes).map_err(|_| TokenError::InvalidClaim {
            block: i,
            detail: "block could not be decoded".into(),
        })?;
        let third_party = i > 0 && block.external_signature.is_some();
        if !third_party {
            let own = SymbolTable::from(block_proto.symbols.clone()).map_err(|_| inconsistent())?;
            shared.extend(&own).map_err(|_| inconsistent())?;
        }
        decoded.push((third_party, block_proto));
    }
    decoded
        .iter()
        .enumerate()
        .map(|(i, (third_party, block))| {
            let own;
            let symbols = if *third_party {
                own = SymbolTable::from(block.symbols.clone()).map_err(|_| inconsistent())?;
                &own
            } else {
                &shared
            };
            block
                .facts
                .iter()
                .map(|proto| read_fact(i, proto, symbols))
                .collect()
        })
        .collect()
}

fn read_fact(i: usize, proto: &schema::Fact, symbols: &SymbolTable) -> Result<RawFact, TokenError> {
    let unreadable = || TokenError::InvalidClaim {
        block: i,
        detail: "a fact could not be decoded".into(),
    };
    let fact = proto_fact_to_token_fact(proto).map_err(|_| unreadable())?;
    let name = symbols
        .get_symbol(fact.predicate.name)
        .ok_or_else(unreadable)?
        .to_string();
    let terms = fact
        .predicate
        .terms
        .iter()
        .map(|t| match t {
            datalog::Term::Str(s) => symbols
                .get_symbol(*s)
                .map(|s| Term::Str(s.to_string()))
                .ok_or_else(unreadable),
            datalog::Term::Integer(n) => Ok(Term::Int(*n)),
            _ => Ok(Term::Other),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(RawFact { name, terms })
}

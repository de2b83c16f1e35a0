//! `warden audit proof` and `warden audit check-proof`: write and check inclusion proofs.

use std::fs;
use std::path::Path;

use serde_json::json;
use warden_audit::event::AuditEvent;
use warden_audit::verify::proof_file::{self, MAX_PROOF_FILE_BYTES};

use super::read::describe;
use super::{IO, TAMPERED, UNREADABLE, VERIFIED, hex32, load_key, read_text};

pub(super) fn proof(dir: &Path, index: u64, size: Option<u64>, output: Option<&Path>) -> u8 {
    let file = match proof_file::make_inclusion_proof(dir, index, size, None) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return if e.is_invalid() { TAMPERED } else { UNREADABLE };
        }
    };
    let text = file.to_json_pretty();
    match output {
        None => {
            print!("{text}");
            VERIFIED
        }
        Some(path) => match fs::write(path, text) {
            Ok(()) => {
                eprintln!(
                    "inclusion proof of entry {index} against the checkpoint of size {} written \
                     to {}",
                    file.tree_size,
                    path.display()
                );
                VERIFIED
            }
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", path.display());
                IO
            }
        },
    }
}

pub(super) fn check_proof(path: &Path, key: &str, json: bool) -> u8 {
    let fail = |code: u8, msg: String| {
        if json {
            let verdict = if code == TAMPERED {
                "not-verified"
            } else {
                "unreadable"
            };
            println!("{}", json!({"verdict": verdict, "error": msg}));
        }
        if code == TAMPERED {
            println!("NOT VERIFIED: {msg}");
        } else {
            eprintln!("error: {msg}");
        }
        code
    };
    let verifier = match load_key(key) {
        Ok(v) => v,
        Err(e) => return fail(UNREADABLE, e),
    };
    let text = match read_text(path, MAX_PROOF_FILE_BYTES, "proof file") {
        Ok(t) => t,
        Err(e) => return fail(UNREADABLE, e),
    };
    let checked = match proof_file::check_inclusion_proof(&text, &verifier) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.is_invalid() { TAMPERED } else { UNREADABLE };
            return fail(code, e.to_string());
        }
    };
    let event = AuditEvent::from_canonical(&checked.entry).ok();
    if json {
        let v = json!({
            "verdict": "verified",
            "origin": checked.origin,
            "index": checked.index,
            "tree_size": checked.tree_size,
            "root": hex32(&checked.root),
            "leaf_hash": hex32(&checked.leaf),
            "event": event.as_ref().map(AuditEvent::to_json),
        });
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        println!(
            "verified: entry {} is in log {} (checkpoint of size {}, root {})",
            checked.index,
            checked.origin,
            checked.tree_size,
            hex32(&checked.root)
        );
        print!("{}", describe(checked.index, &checked.entry, true));
    }
    VERIFIED
}

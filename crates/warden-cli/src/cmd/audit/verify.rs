//! `warden audit verify`: verify the whole log and report the verdict.

use std::path::Path;

use serde_json::json;
use warden_audit::verify::{Verdict, VerifyOptions, verify_dir};

use super::{TAMPERED, UNREADABLE, VERIFIED, hex32, load_key, read_text};

pub(super) fn verify(dir: &Path, checkpoint: Option<&Path>, key: Option<&str>, json: bool) -> u8 {
    let unreadable = |msg: String| {
        if json {
            println!("{}", json!({"verdict": "unreadable", "error": msg}));
        }
        eprintln!("error: {msg}");
        UNREADABLE
    };
    let trusted_checkpoint = match checkpoint {
        None => None,
        Some(p) => match read_text(p, 1 << 20, "checkpoint") {
            Ok(t) => Some(t),
            Err(e) => return unreadable(e),
        },
    };
    let verifier = match key.map(load_key).transpose() {
        Ok(v) => v,
        Err(e) => return unreadable(e),
    };
    let options = VerifyOptions {
        trusted_checkpoint,
        verifier,
    };
    let verdict = verify_dir(dir, &options);
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&verdict.to_json()).unwrap_or_default()
        );
    }
    match verdict {
        Verdict::Verified(s) => {
            if !json {
                println!("verified: {} entries, root {}", s.size, hex32(&s.root));
                match s.latest_checkpoint {
                    Some(size) => println!(
                        "  {} signed checkpoint files checked; the newest covers {size} entries",
                        s.checkpoints
                    ),
                    None => println!("  no signed checkpoint yet"),
                }
                if let (Some(size), Some(p)) = (s.trusted_checkpoint, checkpoint) {
                    println!(
                        "  consistent with the saved checkpoint {} (size {size})",
                        p.display()
                    );
                }
                for note in &s.notes {
                    println!("  note: {note}");
                }
            }
            VERIFIED
        }
        Verdict::Tampered(problems) => {
            if !json {
                let n = problems.len();
                println!(
                    "TAMPERED: {n} problem{} found in {}",
                    if n == 1 { "" } else { "s" },
                    dir.display()
                );
                for p in &problems {
                    let mut line = format!("  {}", p.kind);
                    if let Some(i) = p.index {
                        line.push_str(&format!(" at entry {i}"));
                    }
                    if let Some(f) = &p.file {
                        let f = match (f.as_str(), checkpoint) {
                            (warden_audit::verify::SAVED_CHECKPOINT, Some(c)) => {
                                c.display().to_string()
                            }
                            _ => f.clone(),
                        };
                        line.push_str(&format!(" ({f})"));
                    }
                    println!("{line}");
                    println!("    {}", p.detail);
                    if let Some(k) = &p.key {
                        println!("    key found: {k}");
                    }
                    if let (Some(e), Some(f)) = (&p.expected, &p.found) {
                        println!("    expected {e}");
                        println!("    found    {f}");
                    }
                }
            }
            TAMPERED
        }
        Verdict::Unreadable(msg) => {
            eprintln!("error: cannot verify: {msg}");
            UNREADABLE
        }
    }
}

//! `warden audit append`: append events read as JSON Lines on stdin.

use std::io::{self, BufRead};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use warden_audit::config::{AuditConfig, DEFAULT_ORIGIN};
use warden_audit::event::{AuditEvent, format_unix_millis};
use warden_audit::keys;
use warden_audit::log::{AuditError, AuditLog};
use warden_audit::store::Layout;

use super::read::{Out, out_status};
use super::{UNREADABLE, VERIFIED, hex32};

/// One line of input: its number and its text (or why it could not be read).
type Line = (u64, Result<String, String>);

/// Reads stdin line by line on a thread, so appends can be batched while input arrives.
fn spawn_reader(tx: tokio::sync::mpsc::Sender<Line>) {
    std::thread::spawn(move || {
        let stdin = io::stdin();
        let mut input = stdin.lock();
        let mut buf = Vec::new();
        let mut number = 0u64;
        loop {
            buf.clear();
            match input.read_until(b'\n', &mut buf) {
                Ok(0) => break,
                Ok(_) => {
                    number += 1;
                    let line = String::from_utf8(std::mem::take(&mut buf))
                        .map_err(|_| "not UTF-8".to_string());
                    if tx.blocking_send((number, line)).is_err() {
                        break;
                    }
                }
                Err(e) => {
                    let _ = tx.blocking_send((number + 1, Err(format!("cannot read stdin: {e}"))));
                    break;
                }
            }
        }
    });
}

fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Parses one input line into an event; `Ok(None)` for a blank line. A missing `time` is
/// set to now.
fn parse_event(line: &str) -> Result<Option<AuditEvent>, String> {
    let line = line.trim();
    if line.is_empty() {
        return Ok(None);
    }
    let mut value: Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    if let Some(obj) = value.as_object_mut()
        && !obj.contains_key("time")
        && let Some(t) = format_unix_millis(now_millis())
    {
        obj.insert("time".into(), Value::String(t));
    }
    AuditEvent::from_json(&value)
        .map(Some)
        .map_err(|e| e.to_string())
}

pub(super) fn append(dir: &Path, json: bool) -> u8 {
    let layout = Layout::new(dir);
    // Keep the existing log's origin (its key's name).
    let origin = keys::load_verifier(&layout.dir)
        .map(|v| v.name().to_string())
        .unwrap_or_else(|_| DEFAULT_ORIGIN.to_string());
    let config = AuditConfig {
        origin,
        ..AuditConfig::default()
    };
    let max_batch = config.max_batch;
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return UNREADABLE;
        }
    };
    runtime.block_on(async move {
        let log = match AuditLog::open(dir, config) {
            Ok(l) => l,
            Err(e @ AuditError::Locked { .. }) => {
                eprintln!(
                    "error: {e}: a running server owns the log; send events through it, or stop \
                     it first"
                );
                return UNREADABLE;
            }
            Err(e) => {
                eprintln!("error: cannot open the audit log in {}: {e}", dir.display());
                return UNREADABLE;
            }
        };
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Line>(max_batch);
        spawn_reader(tx);
        let mut out = Out::stdout();
        let (mut appended, mut rejected) = (0u64, 0u64);
        let mut status = VERIFIED;
        'input: while let Some(first) = rx.recv().await {
            // Take whatever else has arrived: one durable write for the lot.
            let mut lines = vec![first];
            while lines.len() < max_batch {
                match rx.try_recv() {
                    Ok(l) => lines.push(l),
                    Err(_) => break,
                }
            }
            let mut numbers = Vec::with_capacity(lines.len());
            let mut entries = Vec::with_capacity(lines.len());
            for (number, line) in lines {
                match line.and_then(|l| parse_event(&l)) {
                    Ok(Some(event)) => {
                        numbers.push(number);
                        entries.push(event.canonical_bytes());
                    }
                    Ok(None) => {}
                    Err(e) => {
                        rejected += 1;
                        eprintln!("error: line {number}: {e}");
                    }
                }
            }
            if entries.is_empty() {
                continue;
            }
            match log.append_many(entries).await {
                Ok(done) => {
                    for (number, (index, leaf)) in numbers.iter().zip(done) {
                        appended += 1;
                        let line = if json {
                            json!({"line": number, "index": index, "leaf_hash": hex32(&leaf)})
                                .to_string()
                        } else {
                            format!("{index} {}", hex32(&leaf))
                        };
                        if let Err(e) = out.line(&line) {
                            status = out_status(&e);
                            break 'input;
                        }
                    }
                    if let Err(e) = out.flush() {
                        status = out_status(&e);
                        break 'input;
                    }
                }
                Err(e) => {
                    eprintln!(
                        "error: lines {}..={} were not appended: {e}",
                        numbers.first().copied().unwrap_or(0),
                        numbers.last().copied().unwrap_or(0)
                    );
                    status = UNREADABLE;
                    break;
                }
            }
        }
        let size = log.size();
        if let Err(e) = log.close().await {
            eprintln!("error: closing the audit log: {e}");
            return UNREADABLE;
        }
        eprintln!(
            "appended {appended} event{} ({rejected} line{} rejected); the log holds {size} \
             entries",
            if appended == 1 { "" } else { "s" },
            if rejected == 1 { "" } else { "s" },
        );
        if status != VERIFIED {
            status
        } else if rejected > 0 {
            UNREADABLE
        } else {
            VERIFIED
        }
    })
}

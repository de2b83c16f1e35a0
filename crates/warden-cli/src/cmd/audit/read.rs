//! Reading entries: `warden audit show`, `tail` and `export`, and their output formats.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};
use warden_audit::config::MAX_ENTRY_BYTES_CEILING;
use warden_audit::event::AuditEvent;
use warden_audit::hash::leaf_hash;
use warden_audit::store::Layout;
use warden_audit::verify::wal::{self, WalEnd, WalPosition, WalRecord};

use super::{IO, TAMPERED, UNREADABLE, VERIFIED, hex32};

/// Prints to stdout; a closed pipe (e.g. `| head`) ends the command quietly.
pub(super) struct Out {
    w: BufWriter<Box<dyn Write>>,
}

impl Out {
    pub(super) fn stdout() -> Self {
        Out {
            w: BufWriter::new(Box::new(io::stdout())),
        }
    }
    fn file(path: &Path) -> io::Result<Self> {
        Ok(Out {
            w: BufWriter::new(Box::new(fs::File::create(path)?)),
        })
    }
    pub(super) fn line(&mut self, s: &str) -> io::Result<()> {
        self.w.write_all(s.as_bytes())?;
        self.w.write_all(b"\n")
    }
    pub(super) fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }
}

/// Maps an output error to an exit status (a closed pipe is not an error).
pub(super) fn out_status(e: &io::Error) -> u8 {
    if e.kind() == io::ErrorKind::BrokenPipe {
        VERIFIED
    } else {
        eprintln!("error: cannot write output: {e}");
        IO
    }
}

fn wal_path(dir: &Path) -> Result<PathBuf, String> {
    let layout = Layout::new(dir);
    if !layout.dir.is_dir() {
        return Err(format!(
            "no audit log in {} ({} does not exist)",
            dir.display(),
            layout.dir.display()
        ));
    }
    Ok(layout.wal)
}

/// Reads the WAL from `from`; a missing WAL is an empty log.
fn read_from(
    path: &Path,
    from: WalPosition,
    visit: impl FnMut(&WalRecord<'_>) -> ControlFlow<()>,
) -> Result<wal::WalScan, String> {
    match wal::read_wal(path, from, MAX_ENTRY_BYTES_CEILING, visit) {
        Ok(s) => Ok(s),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(wal::WalScan {
            next_index: from.index,
            next_offset: from.offset,
            end: WalEnd::Clean,
        }),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

fn warn_unparseable(scan: &wal::WalScan) {
    if let WalEnd::Unparseable { index, offset, .. } = scan.end {
        eprintln!(
            "warning: entries.wal cannot be read past entry {index} (byte offset {offset}): run \
             `warden audit verify`"
        );
    }
}

/// The JSON Lines record of an entry: index, leaf hash, the event (or the raw entry).
fn entry_json(index: u64, entry: &[u8], check_ok: bool) -> Value {
    let mut v = json!({
        "index": index,
        "leaf_hash": hex32(&leaf_hash(entry)),
    });
    match AuditEvent::from_canonical(entry) {
        Ok(e) => v["event"] = e.to_json(),
        Err(err) => {
            v["event"] = Value::Null;
            v["entry_base64"] = Value::String(B64.encode(entry));
            v["error"] = Value::String(format!("not an audit event: {err}"));
        }
    }
    if !check_ok {
        v["checksum_ok"] = Value::Bool(false);
    }
    v
}

/// One summary line for `tail`.
fn summary_line(index: u64, entry: &[u8]) -> String {
    match AuditEvent::from_canonical(entry) {
        Ok(e) => {
            let target = if e.what().target.is_empty() {
                String::new()
            } else {
                format!(" {}", e.what().target)
            };
            format!(
                "{index}  {}  {}  {}{target}  {} {}",
                e.time(),
                e.who().agent,
                e.what().operation,
                e.decision().outcome.as_str(),
                e.outcome().status.as_str()
            )
        }
        Err(_) => format!(
            "{index}  (not an audit event: {} bytes, leaf {})",
            entry.len(),
            hex32(&leaf_hash(entry))
        ),
    }
}

/// The multi-line description of an entry for `show` and `check-proof`.
pub(super) fn describe(index: u64, entry: &[u8], with_header: bool) -> String {
    let mut out = String::new();
    let mut field = |name: &str, value: &str| {
        out.push_str(&format!("{name:<11} {value}\n"));
    };
    if with_header {
        field("entry", &index.to_string());
    }
    field("leaf hash", &hex32(&leaf_hash(entry)));
    let e = match AuditEvent::from_canonical(entry) {
        Ok(e) => e,
        Err(err) => {
            field("event", &format!("(not an audit event: {err})"));
            field("bytes", &entry.len().to_string());
            match std::str::from_utf8(entry) {
                Ok(s) => field("text", &format!("{s:?}")),
                Err(_) => field("base64", &B64.encode(entry)),
            }
            return out;
        }
    };
    field("time", e.time());
    let who = e.who();
    field("agent", &who.agent);
    if !who.subject.is_empty() {
        field("subject", &who.subject);
    }
    if !who.chain.is_empty() {
        field("chain", &who.chain.join(" → "));
    }
    let what = e.what();
    field("operation", &what.operation);
    if !what.target.is_empty() {
        field("target", &what.target);
    }
    field("arguments", &format!("sha256:{}", what.arguments_sha256));
    let d = e.decision();
    let by = if d.policies.is_empty() {
        String::new()
    } else {
        format!(" by {}", d.policies.join(", "))
    };
    field("decision", &format!("{}{by}", d.outcome.as_str()));
    if !d.reason.is_empty() {
        field("reason", &d.reason);
    }
    let o = e.outcome();
    field("outcome", o.status.as_str());
    if let Some(r) = &o.result_sha256 {
        field("result", &format!("sha256:{r}"));
    }
    if let Some(err) = &o.error {
        field("error", err);
    }
    let c = e.correlation();
    if !c.request_id.is_empty() {
        field("request", &c.request_id);
    }
    if !c.session_id.is_empty() {
        field("session", &c.session_id);
    }
    if let Some(t) = &c.trace_id {
        field("trace", t);
    }
    for r in e.refs() {
        field(
            "ref",
            &format!("{}, {} bytes, sha256:{}", r.media_type, r.size, r.sha256),
        );
    }
    out
}

pub(super) fn show(dir: &Path, index: u64, json: bool) -> u8 {
    let wal = match wal_path(dir) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return UNREADABLE;
        }
    };
    let mut found = None;
    let scan = match read_from(&wal, WalPosition::default(), |r| {
        if r.index == index {
            found = Some((r.entry.to_vec(), r.check_ok()));
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return UNREADABLE;
        }
    };
    let Some((entry, check_ok)) = found else {
        warn_unparseable(&scan);
        eprintln!(
            "error: entry {index} does not exist (the log holds {} entries)",
            scan.next_index
        );
        return UNREADABLE;
    };
    if !check_ok {
        eprintln!(
            "warning: the record of entry {index} fails its checksum (modified or damaged): run \
             `warden audit verify`"
        );
    }
    let text = if json {
        let mut s =
            serde_json::to_string_pretty(&entry_json(index, &entry, check_ok)).unwrap_or_default();
        s.push('\n');
        s
    } else {
        describe(index, &entry, true)
    };
    let mut out = Out::stdout();
    match out.line(text.trim_end()).and_then(|()| out.flush()) {
        Ok(()) => VERIFIED,
        Err(e) => out_status(&e),
    }
}

pub(super) fn tail(dir: &Path, lines: u64, follow: bool, interval: u64, json: bool) -> u8 {
    let wal = match wal_path(dir) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return UNREADABLE;
        }
    };
    // First pass: where the last `lines` records start.
    let mut starts = std::collections::VecDeque::with_capacity(lines.min(1 << 20) as usize);
    let scan = match read_from(&wal, WalPosition::default(), |r| {
        if lines > 0 {
            if starts.len() as u64 == lines {
                starts.pop_front();
            }
            starts.push_back(WalPosition {
                index: r.index,
                offset: r.offset,
            });
        }
        ControlFlow::Continue(())
    }) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return UNREADABLE;
        }
    };
    warn_unparseable(&scan);
    let mut out = Out::stdout();
    let end = WalPosition::from(&scan);
    let mut pos = starts.front().copied().unwrap_or(end);
    loop {
        let mut write_err: Option<io::Error> = None;
        let scan = match read_from(&wal, pos, |r| {
            if r.index >= end.index && !follow {
                return ControlFlow::Break(());
            }
            let line = if json {
                entry_json(r.index, r.entry, r.check_ok()).to_string()
            } else {
                summary_line(r.index, r.entry)
            };
            match out.line(&line) {
                Ok(()) => ControlFlow::Continue(()),
                Err(e) => {
                    write_err = Some(e);
                    ControlFlow::Break(())
                }
            }
        }) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e}");
                return UNREADABLE;
            }
        };
        if let Some(e) = write_err.take() {
            return out_status(&e);
        }
        if let Err(e) = out.flush() {
            return out_status(&e);
        }
        if !follow {
            return VERIFIED;
        }
        if matches!(scan.end, WalEnd::Unparseable { .. }) {
            warn_unparseable(&scan);
            return TAMPERED;
        }
        // Only complete records were printed; a torn tail is read again once complete.
        pos = WalPosition::from(&scan);
        if fs::metadata(&wal).is_ok_and(|m| m.len() < pos.offset) {
            eprintln!("error: entries.wal shrank below what was already read");
            return TAMPERED;
        }
        std::thread::sleep(Duration::from_millis(interval.max(10)));
    }
}

pub(super) fn export(dir: &Path, output: Option<&Path>) -> u8 {
    let wal = match wal_path(dir) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return UNREADABLE;
        }
    };
    let mut out = match output {
        None => Out::stdout(),
        Some(p) => match Out::file(p) {
            Ok(o) => o,
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", p.display());
                return IO;
            }
        },
    };
    let mut write_err = None;
    let scan = read_from(&wal, WalPosition::default(), |r| {
        match out.line(&entry_json(r.index, r.entry, r.check_ok()).to_string()) {
            Ok(()) => ControlFlow::Continue(()),
            Err(e) => {
                write_err = Some(e);
                ControlFlow::Break(())
            }
        }
    });
    let scan = match scan {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return UNREADABLE;
        }
    };
    if let Some(e) = write_err.or_else(|| out.flush().err()) {
        return out_status(&e);
    }
    warn_unparseable(&scan);
    if matches!(scan.end, WalEnd::Unparseable { .. }) {
        return TAMPERED;
    }
    VERIFIED
}

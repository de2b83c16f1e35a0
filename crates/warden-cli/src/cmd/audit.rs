//! `warden audit`: verify the tamper-evident audit log, prove and check inclusion of an
//! entry, read entries (show, tail, export) and append events from outside the gateway.
//!
//! Every subcommand but `append` reads the log without opening it (no lock is taken), so
//! it works on a log that a running server is writing, and on a log that was tampered with.

use std::fs;
use std::io::{self, BufRead, BufWriter, Read, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use clap::Subcommand;
use serde_json::{Value, json};
use warden_audit::config::{AuditConfig, DEFAULT_ORIGIN, MAX_ENTRY_BYTES_CEILING};
use warden_audit::event::{AuditEvent, format_unix_millis};
use warden_audit::hash::leaf_hash;
use warden_audit::keys;
use warden_audit::log::{AuditError, AuditLog};
use warden_audit::note::Verifier;
use warden_audit::store::Layout;
use warden_audit::verify::proof_file::{self, MAX_PROOF_FILE_BYTES};
use warden_audit::verify::wal::{self, WalEnd, WalPosition, WalRecord};
use warden_audit::verify::{Verdict, VerifyOptions, verify_dir};

/// Exit status: verified / success.
const VERIFIED: u8 = 0;
/// Exit status: the log, or a proof, does not verify (tampering).
const TAMPERED: u8 = 1;
/// Exit status: the log, key, checkpoint or proof could not be read; invalid input.
const UNREADABLE: u8 = 2;
/// Exit status: output could not be written.
const IO: u8 = crate::exit::IO;

/// The tamper-evident audit log: verify it, prove entries, read and append events.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: AuditCommand,
    /// The data directory holding the log (in its `audit/` directory).
    #[arg(
        long,
        global = true,
        value_name = "DIR",
        env = "WARDEN_DATA_DIR",
        default_value = ".warden"
    )]
    data_dir: PathBuf,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Verify the whole log: recompute the tree from the entries, check every checkpoint's
    /// signature and root, compare with the published tiles, and name the first point of
    /// divergence of any tampering. Exit 0 verified, 1 tampered, 2 could not read.
    Verify {
        /// A signed checkpoint you saved earlier: the log must still be consistent with it
        /// (detects a history rewritten and re-signed with the log's own key).
        #[arg(long, value_name = "FILE")]
        checkpoint: Option<PathBuf>,
        /// The log's verifier key (a `name+id+key` string or a file holding one), obtained out
        /// of band. Default: `audit/log.vkey` in the data directory.
        #[arg(long, value_name = "VKEY_OR_FILE")]
        key: Option<String>,
        /// Print the verdict as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write a self-contained inclusion proof of entry N (JSON: the signed checkpoint, the
    /// entry, its leaf hash and the audit path) that anyone can check with `check-proof`.
    Proof {
        /// The entry's index (0-based).
        index: u64,
        /// Prove against the checkpoint of this size from the history (default: the latest).
        #[arg(long, value_name = "S")]
        size: Option<u64>,
        /// Write the proof to this file instead of stdout.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Check an inclusion proof file with only the log's verifier key: the checkpoint's
    /// signature, the entry's leaf hash and the audit path. Exit 0 verified, 1 does not
    /// verify, 2 could not read.
    CheckProof {
        /// The proof file written by `warden audit proof`.
        file: PathBuf,
        /// The log's verifier key (a `name+id+key` string or a file holding one).
        #[arg(long, value_name = "VKEY_OR_FILE", required = true)]
        key: String,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print entry N.
    Show {
        /// The entry's index (0-based).
        index: u64,
        /// Print as JSON: index, leaf hash and the event.
        #[arg(long)]
        json: bool,
    },
    /// Print the last entries, one per line; with -f, keep printing new ones as they arrive.
    Tail {
        /// How many of the last entries to print.
        #[arg(short = 'n', long = "lines", value_name = "K", default_value_t = 10)]
        lines: u64,
        /// Follow: poll the log for new entries and print them until interrupted.
        #[arg(short = 'f', long)]
        follow: bool,
        /// How often to poll when following, in milliseconds.
        #[arg(long, value_name = "MS", default_value_t = 500)]
        interval: u64,
        /// Print JSON Lines (as `export`) instead of one summary line per entry.
        #[arg(long)]
        json: bool,
    },
    /// Export every entry as JSON Lines: {"index", "leaf_hash", "event"}.
    Export {
        /// Write to this file instead of stdout.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Append audit events read as JSON Lines on stdin; prints each one's index and leaf
    /// hash. A bad line is reported with its line number and skipped; the lines after it are
    /// still appended. Exit 0 if every line was appended, 2 if any was rejected.
    Append {
        /// Print one JSON object per appended line: {"line", "index", "leaf_hash"}.
        #[arg(long)]
        json: bool,
    },
}

/// Run `warden audit`.
pub fn run(args: Args) -> u8 {
    let dir = args.data_dir;
    match args.command {
        AuditCommand::Verify {
            checkpoint,
            key,
            json,
        } => verify(&dir, checkpoint.as_deref(), key.as_deref(), json),
        AuditCommand::Proof {
            index,
            size,
            output,
        } => proof(&dir, index, size, output.as_deref()),
        AuditCommand::CheckProof { file, key, json } => check_proof(&file, &key, json),
        AuditCommand::Show { index, json } => show(&dir, index, json),
        AuditCommand::Tail {
            lines,
            follow,
            interval,
            json,
        } => tail(&dir, lines, follow, interval, json),
        AuditCommand::Export { output } => export(&dir, output.as_deref()),
        AuditCommand::Append { json } => append(&dir, json),
    }
}

/// Reads a small text file (a key, a checkpoint, a proof), refusing larger ones.
fn read_text(path: &Path, max: u64, what: &str) -> Result<String, String> {
    let file =
        fs::File::open(path).map_err(|e| format!("cannot read {what} {}: {e}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {what} {}: {e}", path.display()))?;
    if bytes.len() as u64 > max {
        return Err(format!(
            "{what} {} is larger than {max} bytes",
            path.display()
        ));
    }
    String::from_utf8(bytes).map_err(|_| format!("{what} {} is not UTF-8 text", path.display()))
}

/// A verifier key given as a `name+id+key` string, or as a file holding one.
fn load_key(arg: &str) -> Result<Verifier, String> {
    let path = Path::new(arg);
    let text = if path.is_file() {
        read_text(path, 4096, "key file")?
    } else {
        arg.to_string()
    };
    Verifier::from_vkey(text.trim()).map_err(|e| {
        if path.is_file() {
            format!("--key {arg}: {e}")
        } else {
            format!("--key: not a verifier key string nor a readable file: {e}")
        }
    })
}

fn hex32(h: &[u8]) -> String {
    hex::encode(h)
}

// ---------------------------------------------------------------------------------------
// verify

fn verify(dir: &Path, checkpoint: Option<&Path>, key: Option<&str>, json: bool) -> u8 {
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

// ---------------------------------------------------------------------------------------
// proof, check-proof

fn proof(dir: &Path, index: u64, size: Option<u64>, output: Option<&Path>) -> u8 {
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

fn check_proof(path: &Path, key: &str, json: bool) -> u8 {
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

// ---------------------------------------------------------------------------------------
// reading entries

/// Prints to stdout; a closed pipe (e.g. `| head`) ends the command quietly.
struct Out {
    w: BufWriter<Box<dyn Write>>,
}

impl Out {
    fn stdout() -> Self {
        Out {
            w: BufWriter::new(Box::new(io::stdout())),
        }
    }
    fn file(path: &Path) -> io::Result<Self> {
        Ok(Out {
            w: BufWriter::new(Box::new(fs::File::create(path)?)),
        })
    }
    fn line(&mut self, s: &str) -> io::Result<()> {
        self.w.write_all(s.as_bytes())?;
        self.w.write_all(b"\n")
    }
    fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }
}

/// Maps an output error to an exit status (a closed pipe is not an error).
fn out_status(e: &io::Error) -> u8 {
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
fn describe(index: u64, entry: &[u8], with_header: bool) -> String {
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

fn show(dir: &Path, index: u64, json: bool) -> u8 {
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

fn tail(dir: &Path, lines: u64, follow: bool, interval: u64, json: bool) -> u8 {
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

fn export(dir: &Path, output: Option<&Path>) -> u8 {
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

// ---------------------------------------------------------------------------------------
// append

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

fn append(dir: &Path, json: bool) -> u8 {
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

//! `warden audit`: verify the tamper-evident audit log, prove and check inclusion of an
//! entry, read entries (show, tail, export) and append events from outside the gateway.
//!
//! Every subcommand but `append` reads the log without opening it (no lock is taken), so
//! it works on a log that a running server is writing, and on a log that was tampered with.

mod append;
mod proof;
mod read;
mod verify;

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use clap::Subcommand;
use warden_audit::note::Verifier;

use self::append::append;
use self::proof::{check_proof, proof};
use self::read::{export, show, tail};
use self::verify::verify;

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

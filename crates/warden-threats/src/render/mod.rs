//! Every output of `warden threats`: a terminal table, Markdown, a self-contained HTML page,
//! JSON, SARIF 2.1.0, and Mermaid and Graphviz diagrams of the system.
//!
//! All renderers are pure functions of their [`RenderInput`]: the same input gives
//! byte-identical output (no clocks, no hash-map order), and every piece of text that came
//! from the model is escaped for the target format.

use crate::baseline::Diff;
use crate::finding::Report;
use std::collections::BTreeMap;
use warden_model::SystemModel;
use warden_model::graph::Graph;

/// `write!` into a `String`, which cannot fail.
macro_rules! w {
    ($out:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = write!($out, $($arg)*);
    }};
}

/// `writeln!` into a `String`, which cannot fail.
macro_rules! wl {
    ($out:expr) => {{
        $out.push('\n');
    }};
    ($out:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = writeln!($out, $($arg)*);
    }};
}

mod diagram;
mod dot;
mod escape;
mod html;
mod html_findings;
mod html_parts;
mod json;
mod markdown;
mod mermaid;
mod sarif;
mod sarif_log;
mod stats;
mod svg;
mod table;

pub use json::{REPORT_SCHEMA_ID, ReportDocument, report_schema};
pub(crate) use stats::capitalise;

/// An output format of `warden threats`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    /// Plain-text summary and findings list for a terminal.
    Table,
    /// Full report in GitHub-flavoured Markdown, with a Mermaid diagram.
    Md,
    /// One self-contained HTML page with an SVG system diagram and a heat map.
    Html,
    /// The report as JSON (`warden.threats/v1`), plus the baseline diff when given.
    Json,
    /// SARIF 2.1.0 for code-scanning tools.
    Sarif,
    /// A Mermaid flowchart of the system.
    Mermaid,
    /// A Graphviz digraph of the system.
    Dot,
}

impl Format {
    /// Every format, in the order the command line lists them.
    pub const ALL: [Format; 7] = [
        Format::Table,
        Format::Md,
        Format::Html,
        Format::Json,
        Format::Sarif,
        Format::Mermaid,
        Format::Dot,
    ];

    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Md => "md",
            Format::Html => "html",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Mermaid => "mermaid",
            Format::Dot => "dot",
        }
    }

    /// The usual file extension (without a dot) for output in this format.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Table => "txt",
            Format::Md => "md",
            Format::Html => "html",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Mermaid => "mmd",
            Format::Dot => "dot",
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "table" => Ok(Format::Table),
            "md" | "markdown" => Ok(Format::Md),
            "html" => Ok(Format::Html),
            "json" => Ok(Format::Json),
            "sarif" => Ok(Format::Sarif),
            "mermaid" => Ok(Format::Mermaid),
            "dot" => Ok(Format::Dot),
            _ => Err(format!(
                "unknown format `{s}` (expected table, md, html, json, sarif, mermaid or dot)"
            )),
        }
    }
}

/// Display names of catalogue ids (id → name), filled by the caller from the catalogue.
/// An id without a name is shown bare.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Names {
    /// MAESTRO layers (`L1` → `Foundation Models`).
    pub layers: BTreeMap<String, String>,
    /// OWASP ASI threats (`T2` → `Tool Misuse`).
    pub threats: BTreeMap<String, String>,
    /// OWASP Top 10 for Agentic Applications (`ASI02` → `Tool Misuse and Exploitation`).
    pub asi: BTreeMap<String, String>,
    /// MITRE ATLAS techniques (`AML.T0051` → `LLM Prompt Injection`).
    pub atlas: BTreeMap<String, String>,
    /// Warden controls (`WC-HITL` → `Human approval of high-impact actions`).
    pub controls: BTreeMap<String, String>,
    /// Threat rules and graph analyses, by rule id, with a one-line title free of
    /// placeholders (`blast-radius` → `A compromised agent or shared credential reaches
    /// critical assets`).
    pub rules: BTreeMap<String, String>,
}

/// Everything a renderer needs.
#[derive(Debug, Clone, Copy)]
pub struct RenderInput<'a> {
    /// The report to render.
    pub report: &'a Report,
    /// The model it was computed from (for diagrams and declared controls).
    pub model: &'a SystemModel,
    /// The graph view of that model.
    pub graph: &'a Graph,
    /// Display names of catalogue ids.
    pub names: &'a Names,
    /// Changes since a baseline report, when one was given.
    pub diff: Option<&'a Diff>,
}

/// Render the report in `format`.
pub fn render(format: Format, input: &RenderInput) -> String {
    match format {
        Format::Table => table::render(input),
        Format::Md => markdown::render(input),
        Format::Html => html::render(input),
        Format::Json => json::render(input),
        Format::Sarif => sarif::render(input),
        Format::Mermaid => mermaid::render(input.model, input.graph, input.report),
        Format::Dot => dot::render(input.model, input.graph, input.report),
    }
}

//! Findings and the report that carries them. The JSON form of [`Report`] is a documented,
//! versioned interface (`docs/report-format.md`); change it only with a new schema version.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Version tag of the JSON report format.
pub const REPORT_SCHEMA: &str = "warden.threats/v1";

/// Severity on the 4×4 likelihood × impact matrix.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// Little harm or very unlikely.
    Low,
    /// Worth fixing in the normal course of work.
    Medium,
    /// Fix before (or soon after) going live.
    High,
    /// Likely and severe: fix now.
    Critical,
}

impl Severity {
    /// All severities, lowest first.
    pub const ALL: [Severity; 4] = [
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    /// The matrix: likelihood and impact each 1 (low) to 4 (very high).
    pub fn from_matrix(likelihood: u8, impact: u8) -> Severity {
        const M: [[Severity; 4]; 4] = {
            use Severity::*;
            // rows: impact 1..4, columns: likelihood 1..4
            [
                [Low, Low, Low, Medium],
                [Low, Medium, Medium, High],
                [Low, Medium, High, Critical],
                [Medium, High, Critical, Critical],
            ]
        };
        let l = likelihood.clamp(1, 4) as usize - 1;
        let i = impact.clamp(1, 4) as usize - 1;
        M[i][l]
    }

    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl std::str::FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            _ => Err(format!(
                "unknown severity `{s}` (expected low, medium, high or critical)"
            )),
        }
    }
}

/// STRIDE category of a finding (the catalogue's type, so rules and findings agree).
pub use warden_catalog::Stride;

/// Whether a finding still needs work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum Status {
    /// Nothing declared addresses it.
    Open,
    /// Declared, implemented controls address it.
    Mitigated {
        /// The control ids that do.
        controls: Vec<String>,
    },
    /// The owners accepted the risk.
    Accepted {
        /// Who accepted it.
        owner: String,
        /// Why.
        justification: String,
        /// When the acceptance lapses, if ever.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expires: Option<String>,
    },
}

impl Status {
    /// `open`, `mitigated` or `accepted`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Mitigated { .. } => "mitigated",
            Status::Accepted { .. } => "accepted",
        }
    }
}

/// Where in the model file a finding points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Location {
    /// JSON Pointer of the element (e.g. `/agents/2`).
    pub pointer: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// One threat found in the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Finding {
    /// Stable id: rule id and affected elements, unchanged by edits elsewhere in the model.
    pub id: String,
    /// The rule or analysis that produced it.
    pub rule: String,
    /// One-line title.
    pub title: String,
    /// What is wrong here and why it matters, for this element.
    pub description: String,
    /// MAESTRO layers (`L1`…`L7`); several for cross-layer findings.
    pub layers: Vec<String>,
    /// Whether the threat crosses layers (graph analyses always do).
    pub cross_layer: bool,
    /// OWASP ASI threat ids (`T1`…`T15`).
    pub threats: Vec<String>,
    /// OWASP Top 10 for Agentic Applications 2026 ids (`ASI01`…`ASI10`).
    pub asi: Vec<String>,
    /// MITRE ATLAS technique ids.
    pub atlas: Vec<String>,
    /// STRIDE categories.
    pub stride: Vec<Stride>,
    /// Agentic factors that amplify it.
    pub factors: Vec<String>,
    /// Affected element ids, most relevant first.
    pub elements: Vec<String>,
    /// For graph findings, the path through the system, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub path: Vec<String>,
    /// Where in the model file.
    pub location: Option<Location>,
    /// Likelihood, 1 (rare) to 4 (almost certain).
    pub likelihood: u8,
    /// Impact, 1 (minor) to 4 (severe).
    pub impact: u8,
    /// Severity from the matrix.
    pub severity: Severity,
    /// Recommended catalogue control ids.
    pub controls: Vec<String>,
    /// Open, mitigated or accepted.
    pub status: Status,
}

/// Counts of findings by severity and status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    /// Total findings.
    pub total: usize,
    /// Open findings by severity, lowest first: `[low, medium, high, critical]`.
    pub open: [usize; 4],
    /// Mitigated findings.
    pub mitigated: usize,
    /// Accepted findings.
    pub accepted: usize,
}

/// Identity of the analysed model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ModelRef {
    /// System name.
    pub name: String,
    /// File the model was read from, as given.
    pub file: String,
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
    /// Element counts: agents, servers, tools, data stores, humans, external sources, links.
    pub elements: ElementCounts,
}

/// How many of each element the model has.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ElementCounts {
    /// Agents.
    pub agents: usize,
    /// Servers.
    pub servers: usize,
    /// Tools.
    pub tools: usize,
    /// Data stores.
    pub data_stores: usize,
    /// Humans.
    pub humans: usize,
    /// External sources.
    pub external_sources: usize,
    /// Links.
    pub links: usize,
}

/// The result of `warden threats`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Report {
    /// Always [`REPORT_SCHEMA`].
    pub schema: String,
    /// Warden version that produced it.
    pub generator: String,
    /// The analysed model.
    pub model: ModelRef,
    /// Counts.
    pub summary: Summary,
    /// Findings, most severe first, then by id.
    pub findings: Vec<Finding>,
}

/// A finding as a rule or analysis states it, before the engine gives it an id, ASI ids,
/// severity, status and location.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Draft {
    /// Rule or analysis id (kebab-case, stable).
    pub rule: String,
    /// The elements that identify the finding (its id is `rule/key…`); empty means all of
    /// `elements`. Graph findings list more elements than define them, and an edit elsewhere
    /// that adds an affected element must not rename the finding.
    pub key: Vec<String>,
    /// One-line title.
    pub title: String,
    /// What is wrong here and why it matters.
    pub description: String,
    /// MAESTRO layers (`L1`…`L7`).
    pub layers: Vec<String>,
    /// Whether it crosses layers.
    pub cross_layer: bool,
    /// OWASP ASI threat ids (`T1`…`T15`).
    pub threats: Vec<String>,
    /// MITRE ATLAS technique ids.
    pub atlas: Vec<String>,
    /// OWASP Agentic Top 10 ids beyond those implied by `threats` (e.g. ASI04).
    pub asi: Vec<String>,
    /// STRIDE categories.
    pub stride: Vec<Stride>,
    /// Agentic factors that amplify it.
    pub factors: Vec<String>,
    /// Affected element ids; the first one locates the finding in the file.
    pub elements: Vec<String>,
    /// For graph findings, the path in order.
    pub path: Vec<String>,
    /// Likelihood 1–4.
    pub likelihood: u8,
    /// Impact 1–4.
    pub impact: u8,
    /// Recommended control ids.
    pub controls: Vec<String>,
}

//! The SARIF 2.1.0 object model, as far as Warden writes it (field names as the standard
//! spells them).

use serde::Serialize;

/// A SARIF log with one run.
#[derive(Serialize)]
pub(crate) struct Log<'a> {
    #[serde(rename = "$schema")]
    pub(crate) schema: &'static str,
    pub(crate) version: &'static str,
    pub(crate) runs: [Run<'a>; 1],
}

/// One run of the tool.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Run<'a> {
    pub(crate) tool: Tool<'a>,
    pub(crate) artifacts: [Artifact<'a>; 1],
    pub(crate) column_kind: &'static str,
    pub(crate) results: Vec<SResult<'a>>,
    pub(crate) properties: RunProps<'a>,
}

/// Warden's own run properties.
#[derive(Serialize)]
pub(crate) struct RunProps<'a> {
    pub(crate) schema: &'a str,
    pub(crate) system: &'a str,
}

/// The tool that ran.
#[derive(Serialize)]
pub(crate) struct Tool<'a> {
    pub(crate) driver: Driver<'a>,
}

/// The tool's driver component.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Driver<'a> {
    pub(crate) name: &'static str,
    pub(crate) information_uri: &'static str,
    pub(crate) version: &'a str,
    pub(crate) rules: Vec<Rule<'a>>,
}

/// A plain-text message.
#[derive(Serialize)]
pub(crate) struct Text {
    pub(crate) text: String,
}

/// A reporting descriptor (one per rule id).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Rule<'a> {
    pub(crate) id: &'a str,
    pub(crate) name: String,
    pub(crate) short_description: Text,
    pub(crate) full_description: Text,
    pub(crate) help_uri: String,
    pub(crate) help: Text,
    pub(crate) default_configuration: Level,
    pub(crate) properties: RuleProps<'a>,
}

/// A rule's default configuration.
#[derive(Serialize)]
pub(crate) struct Level {
    pub(crate) level: &'static str,
}

/// Rule properties read by code-scanning services.
#[derive(Serialize)]
pub(crate) struct RuleProps<'a> {
    pub(crate) tags: Vec<&'a str>,
    #[serde(rename = "security-severity")]
    pub(crate) security_severity: &'static str,
    pub(crate) precision: &'static str,
}

/// The analysed model file.
#[derive(Serialize)]
pub(crate) struct Artifact<'a> {
    pub(crate) location: ArtifactLocation<'a>,
    pub(crate) hashes: Hashes<'a>,
}

/// Digests of the artifact.
#[derive(Serialize)]
pub(crate) struct Hashes<'a> {
    #[serde(rename = "sha-256")]
    pub(crate) sha256: &'a str,
}

/// Where the artifact is.
#[derive(Serialize)]
pub(crate) struct ArtifactLocation<'a> {
    pub(crate) uri: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) index: Option<usize>,
}

/// One finding.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SResult<'a> {
    pub(crate) rule_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) rule_index: Option<usize>,
    pub(crate) level: &'static str,
    pub(crate) message: Text,
    pub(crate) locations: [Location<'a>; 1],
    pub(crate) partial_fingerprints: Fingerprints<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) suppressions: Vec<Suppression>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) baseline_state: Option<&'static str>,
    pub(crate) properties: ResultProps<'a>,
}

/// Where a result is.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Location<'a> {
    pub(crate) physical_location: Physical<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) logical_locations: Vec<Logical<'a>>,
}

/// A location in the model file.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Physical<'a> {
    pub(crate) artifact_location: ArtifactLocation<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) region: Option<Region>,
}

/// Line and column.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Region {
    pub(crate) start_line: usize,
    pub(crate) start_column: usize,
}

/// The model element a result concerns.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Logical<'a> {
    pub(crate) name: &'a str,
    pub(crate) fully_qualified_name: &'a str,
    pub(crate) kind: &'static str,
}

/// Stable identity of a result across runs.
#[derive(Serialize)]
pub(crate) struct Fingerprints<'a> {
    #[serde(rename = "wardenFindingId/v1")]
    pub(crate) id: &'a str,
}

/// Why a result is not to be acted on.
#[derive(Serialize)]
pub(crate) struct Suppression {
    pub(crate) kind: &'static str,
    pub(crate) status: &'static str,
    pub(crate) justification: String,
}

/// Warden's result properties.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ResultProps<'a> {
    pub(crate) severity: &'static str,
    #[serde(rename = "security-severity")]
    pub(crate) security_severity: &'static str,
    pub(crate) status: &'static str,
    pub(crate) threats: &'a [String],
    pub(crate) asi: &'a [String],
    pub(crate) atlas: &'a [String],
    pub(crate) layers: &'a [String],
    pub(crate) cross_layer: bool,
    pub(crate) likelihood: u8,
    pub(crate) impact: u8,
    pub(crate) elements: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub(crate) path: &'a [String],
    pub(crate) controls: &'a [String],
}

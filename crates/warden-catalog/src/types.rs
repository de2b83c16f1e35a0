//! The typed entries of the catalogue: layers, threats, the Agentic Top 10, ATLAS techniques,
//! agentic factors, CSA traits, controls and sources.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A citation: a published work the catalogue draws on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Short id other entries cite (e.g. `owasp-asi-threats`).
    pub id: String,
    /// Title of the work.
    pub title: String,
    /// Who published it.
    pub publisher: String,
    /// Where to read it.
    pub url: String,
    /// Year of publication (or of the release used).
    pub year: u16,
    /// What the catalogue takes from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One of the seven MAESTRO layers (`L1`…`L7`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layer {
    /// `L1`…`L7`.
    pub id: String,
    /// Layer name (e.g. `Foundation Models`).
    pub name: String,
    /// What the layer covers, in our words.
    pub description: String,
    /// Threats MAESTRO names for this layer, as short phrases.
    pub typical_threats: Vec<String>,
    /// OWASP ASI threats (T ids) mapped to this layer; computed from `threats.yaml`.
    #[serde(default, skip_deserializing)]
    pub threats: Vec<String>,
    /// Source ids.
    pub sources: Vec<String>,
}

/// A threat that arises from the interplay of several layers (`X1`…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrossLayerThreat {
    /// `X1`, `X2`, ….
    pub id: String,
    /// Short name.
    pub name: String,
    /// How it unfolds, in our words.
    pub description: String,
    /// Related OWASP ASI threats (T ids).
    pub threats: Vec<String>,
    /// Layers it crosses.
    pub layers: Vec<String>,
    /// Source ids.
    pub sources: Vec<String>,
}

/// A STRIDE category.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Stride {
    /// Pretending to be someone or something else.
    Spoofing,
    /// Altering data, code or messages.
    Tampering,
    /// Denying an action, or being unable to attribute it.
    Repudiation,
    /// Exposing information to those not entitled to it.
    InformationDisclosure,
    /// Exhausting or disabling a service.
    DenialOfService,
    /// Gaining rights that were not granted.
    ElevationOfPrivilege,
}

impl Stride {
    /// All six categories, in STRIDE order.
    pub const ALL: [Stride; 6] = [
        Stride::Spoofing,
        Stride::Tampering,
        Stride::Repudiation,
        Stride::InformationDisclosure,
        Stride::DenialOfService,
        Stride::ElevationOfPrivilege,
    ];

    /// The kebab-case name used in files (`information-disclosure`).
    pub fn as_str(self) -> &'static str {
        match self {
            Stride::Spoofing => "spoofing",
            Stride::Tampering => "tampering",
            Stride::Repudiation => "repudiation",
            Stride::InformationDisclosure => "information-disclosure",
            Stride::DenialOfService => "denial-of-service",
            Stride::ElevationOfPrivilege => "elevation-of-privilege",
        }
    }
}

impl fmt::Display for Stride {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Stride {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Stride::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown STRIDE category `{s}` (expected one of: {})",
                    Stride::ALL.map(Stride::as_str).join(", ")
                )
            })
    }
}

/// An OWASP Agentic Security Initiative threat (`T1`…`T15`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Threat {
    /// `T1`…`T15`.
    pub id: String,
    /// OWASP's name for it.
    pub name: String,
    /// What happens, in our words.
    pub description: String,
    /// Mitigation themes, in our words.
    pub mitigations: Vec<String>,
    /// MAESTRO layers it belongs to.
    pub layers: Vec<String>,
    /// Corresponding OWASP Agentic Top 10 (2026) ids.
    pub asi: Vec<String>,
    /// MITRE ATLAS technique ids an attacker would use.
    pub atlas: Vec<String>,
    /// STRIDE categories.
    pub stride: Vec<Stride>,
    /// Catalogue controls that mitigate it; computed from the controls' `mitigates`.
    #[serde(default, skip_deserializing)]
    pub controls: Vec<String>,
    /// Source ids.
    pub sources: Vec<String>,
}

/// A risk of the OWASP Top 10 for Agentic Applications (2026), `ASI01`…`ASI10`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AsiRisk {
    /// `ASI01`…`ASI10`.
    pub id: String,
    /// OWASP's name for it.
    pub name: String,
    /// What it covers, in our words.
    pub description: String,
    /// T ids that approximately correspond.
    pub threats: Vec<String>,
    /// Source ids.
    pub sources: Vec<String>,
}

/// A MITRE ATLAS technique or sub-technique.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AtlasTechnique {
    /// `AML.Tnnnn` or `AML.Tnnnn.nnn`.
    pub id: String,
    /// ATLAS name (a sub-technique's name is relative to its parent).
    pub name: String,
    /// What it is, in our words.
    pub description: String,
    /// Page on atlas.mitre.org.
    pub url: String,
}

impl AtlasTechnique {
    /// The parent technique's id for a sub-technique (`AML.T0051` for `AML.T0051.001`).
    pub fn parent(&self) -> Option<&str> {
        let rest = self.id.strip_prefix("AML.")?;
        rest.rfind('.').map(|i| &self.id[..4 + i])
    }
}

/// One of the four agentic factors that amplify threats.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Factor {
    /// `non-determinism`, `autonomy`, `identity-management` or `agent-communication`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// How it amplifies threats, in our words.
    pub description: String,
    /// T ids it amplifies most.
    pub threats: Vec<String>,
    /// Source ids.
    pub sources: Vec<String>,
}

/// A CSA trait category of agentic systems.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trait {
    /// Short id (e.g. `tool-usage`).
    pub id: String,
    /// CSA's category name.
    pub name: String,
    /// What the trait is about, in our words.
    pub description: String,
    /// MAESTRO layers where it mostly lives.
    pub layers: Vec<String>,
    /// Related T ids.
    pub threats: Vec<String>,
    /// Source ids.
    pub sources: Vec<String>,
}

/// When in the life of an attack a control acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ControlKind {
    /// Stops the attack from succeeding.
    Preventive,
    /// Notices it while or after it happens.
    Detective,
    /// Limits or undoes the damage.
    Corrective,
}

impl ControlKind {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ControlKind::Preventive => "preventive",
            ControlKind::Detective => "detective",
            ControlKind::Corrective => "corrective",
        }
    }
}

impl FromStr for ControlKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "preventive" => Ok(ControlKind::Preventive),
            "detective" => Ok(ControlKind::Detective),
            "corrective" => Ok(ControlKind::Corrective),
            _ => Err(format!(
                "unknown control kind `{s}` (expected preventive, detective or corrective)"
            )),
        }
    }
}

/// A control: something a system puts in place against threats.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Control {
    /// Stable id (`WC-…` for built-ins).
    pub id: String,
    /// Short name.
    pub name: String,
    /// Preventive, detective or corrective.
    pub kind: ControlKind,
    /// What it is, in our words.
    pub description: String,
    /// T ids it mitigates (the one place this relation is recorded).
    pub mitigates: Vec<String>,
    /// MAESTRO layers where it acts.
    pub layers: Vec<String>,
    /// How Warden provides it, or `None` when it must come from elsewhere.
    pub warden: Option<String>,
    /// Source ids or URLs.
    pub references: Vec<String>,
}

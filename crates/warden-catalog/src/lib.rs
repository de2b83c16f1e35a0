//! Warden's threat knowledge as data: the seven MAESTRO layers and their cross-layer threats,
//! OWASP ASI threats T1–T15, the OWASP Top 10 for Agentic Applications (2026), the MITRE
//! ATLAS techniques we refer to, the four agentic factors, CSA trait categories, controls
//! and what they mitigate, and the declarative rules the threat engine runs.
//!
//! The knowledge lives in YAML files under `data/`, compiled into the binary and parsed once
//! ([`Catalog::builtin`]). Teams add their own rules and controls in YAML files
//! ([`Catalog::with_extensions`]); every problem in them is reported with file, line and
//! column. `docs/catalog.md` describes the content, its sources and the file formats.

#![warn(missing_docs)]

pub mod check;
pub mod condition;
mod fields;
pub mod issue;
mod load;
pub mod render;
pub mod rule;
pub mod template;
pub mod types;

pub use condition::{Condition, FieldPath, FieldTest, Op};
pub use issue::{CatalogError, Issue};
pub use load::BUILTIN_FILES;
pub use render::{Section, render_section, section_json};
pub use rule::{Adjust, Rule, Subject};
pub use types::*;

use serde::Serialize;
use std::path::PathBuf;
use std::sync::OnceLock;

/// The whole catalogue: built-in knowledge plus any team extensions.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Catalog {
    /// Cited works.
    pub sources: Vec<Source>,
    /// MAESTRO layers L1–L7.
    pub layers: Vec<Layer>,
    /// Cross-layer threats X1….
    pub cross_layer: Vec<CrossLayerThreat>,
    /// OWASP ASI threats T1–T15.
    pub threats: Vec<Threat>,
    /// OWASP Agentic Top 10 (2026), ASI01–ASI10.
    pub asi: Vec<AsiRisk>,
    /// MITRE ATLAS techniques referred to.
    pub atlas: Vec<AtlasTechnique>,
    /// The four agentic factors.
    pub factors: Vec<Factor>,
    /// CSA trait categories.
    pub traits: Vec<Trait>,
    /// Controls, built-in then team-defined.
    pub controls: Vec<Control>,
    /// Rules, built-in then team-defined.
    pub rules: Vec<Rule>,
}

static BUILTIN: OnceLock<Result<Catalog, Vec<CatalogError>>> = OnceLock::new();

impl Catalog {
    /// The built-in catalogue, or the problems in its compiled-in files.
    pub fn try_builtin() -> Result<&'static Catalog, &'static [CatalogError]> {
        match BUILTIN.get_or_init(load::load_builtin) {
            Ok(c) => Ok(c),
            Err(e) => Err(e),
        }
    }

    /// The built-in catalogue, parsed on first use.
    ///
    /// # Panics
    ///
    /// If the compiled-in data files are invalid: a defect of the build, not of any input,
    /// which this crate's tests rule out. Use [`Catalog::try_builtin`] to handle it instead.
    pub fn builtin() -> &'static Catalog {
        match Catalog::try_builtin() {
            Ok(c) => c,
            Err(errors) => {
                let list: Vec<String> = errors.iter().map(ToString::to_string).collect();
                panic!("the built-in catalogue is invalid:\n{}", list.join("\n"))
            }
        }
    }

    /// The built-in catalogue extended with team files that add `rules:` and `controls:`.
    /// Every problem in every file is returned, each with its file, line and column.
    pub fn with_extensions(paths: &[PathBuf]) -> Result<Catalog, Vec<CatalogError>> {
        let base = Catalog::try_builtin().map_err(<[CatalogError]>::to_vec)?;
        load::extend_from_paths(base, paths)
    }

    /// This catalogue extended with files given as (name, text) pairs, as
    /// [`Catalog::with_extensions`] does for files on disk.
    pub fn extended(&self, files: &[(String, String)]) -> Result<Catalog, Vec<CatalogError>> {
        let mut errors = Vec::new();
        let mut cat = self.clone();
        load::add_files(&mut cat, files, &mut errors);
        cat.derive();
        if errors.is_empty() {
            Ok(cat)
        } else {
            Err(errors)
        }
    }

    /// Recompute the derived lists: each threat's controls and each layer's threats.
    fn derive(&mut self) {
        for t in &mut self.threats {
            let mut ids: Vec<String> = self
                .controls
                .iter()
                .filter(|c| c.mitigates.contains(&t.id))
                .map(|c| c.id.clone())
                .collect();
            ids.sort();
            ids.dedup();
            t.controls = ids;
        }
        for l in &mut self.layers {
            l.threats = self
                .threats
                .iter()
                .filter(|t| t.layers.contains(&l.id))
                .map(|t| t.id.clone())
                .collect();
        }
    }

    /// The threat `T…` with this id.
    pub fn threat(&self, id: &str) -> Option<&Threat> {
        self.threats.iter().find(|t| t.id == id)
    }

    /// The control with this id.
    pub fn control(&self, id: &str) -> Option<&Control> {
        self.controls.iter().find(|c| c.id == id)
    }

    /// The MAESTRO layer with this id.
    pub fn layer(&self, id: &str) -> Option<&Layer> {
        self.layers.iter().find(|l| l.id == id)
    }

    /// The Agentic Top 10 entry with this id.
    pub fn asi_risk(&self, id: &str) -> Option<&AsiRisk> {
        self.asi.iter().find(|a| a.id == id)
    }

    /// The ATLAS technique with this id.
    pub fn atlas_technique(&self, id: &str) -> Option<&AtlasTechnique> {
        self.atlas.iter().find(|a| a.id == id)
    }

    /// The agentic factor with this id.
    pub fn factor(&self, id: &str) -> Option<&Factor> {
        self.factors.iter().find(|f| f.id == id)
    }

    /// The source with this id.
    pub fn source(&self, id: &str) -> Option<&Source> {
        self.sources.iter().find(|s| s.id == id)
    }

    /// The rule with this id.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// The Agentic Top 10 ids corresponding to any of `threat_ids`, sorted and deduplicated.
    /// Unknown ids contribute nothing.
    pub fn asi_for<S: AsRef<str>>(&self, threat_ids: &[S]) -> Vec<String> {
        let mut out: Vec<String> = threat_ids
            .iter()
            .filter_map(|id| self.threat(id.as_ref()))
            .flat_map(|t| t.asi.iter().cloned())
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The controls that mitigate `threat_id`, in catalogue order.
    pub fn controls_for(&self, threat_id: &str) -> Vec<&Control> {
        self.controls
            .iter()
            .filter(|c| c.mitigates.iter().any(|t| t == threat_id))
            .collect()
    }

    /// Cross-reference problems in the catalogue; empty when it is sound.
    pub fn check(&self) -> Vec<String> {
        check::check(self)
    }

    /// Advice on rules that are valid but possibly not what was meant (see [`check::advice`]).
    pub fn advice(&self) -> Vec<String> {
        check::advice(self)
    }
}

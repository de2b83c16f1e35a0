//! Browsing the catalogue (`warden catalog SECTION`): deterministic plain-text tables wrapped
//! to [`WIDTH`] columns, and the JSON form of each section for `--json`.

use crate::Catalog;

mod table;
use crate::types::Stride;
use serde_json::{Value, json};
use std::fmt;
use std::str::FromStr;
use table::table;

/// Target width of rendered tables, in characters.
pub const WIDTH: usize = 100;

/// A part of the catalogue that can be listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Section {
    /// MAESTRO layers and cross-layer threats.
    Layers,
    /// OWASP ASI threats T1–T15.
    Threats,
    /// OWASP Agentic Top 10 (2026).
    Asi,
    /// MITRE ATLAS techniques.
    Atlas,
    /// Agentic factors.
    Factors,
    /// CSA trait categories.
    Traits,
    /// Controls.
    Controls,
    /// Rules.
    Rules,
    /// Cited sources.
    Sources,
}

impl Section {
    /// Every section, in the order `warden catalog` lists them.
    pub const ALL: [Section; 9] = [
        Section::Layers,
        Section::Threats,
        Section::Asi,
        Section::Atlas,
        Section::Factors,
        Section::Traits,
        Section::Controls,
        Section::Rules,
        Section::Sources,
    ];

    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Section::Layers => "layers",
            Section::Threats => "threats",
            Section::Asi => "asi",
            Section::Atlas => "atlas",
            Section::Factors => "factors",
            Section::Traits => "traits",
            Section::Controls => "controls",
            Section::Rules => "rules",
            Section::Sources => "sources",
        }
    }
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Section {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Section::ALL
            .into_iter()
            .find(|x| x.as_str() == s.to_ascii_lowercase())
            .ok_or_else(|| {
                format!(
                    "unknown catalogue section `{s}` (expected one of: {})",
                    Section::ALL.map(Section::as_str).join(", ")
                )
            })
    }
}

fn stride_letters(s: &[Stride]) -> String {
    let letter = |x: &Stride| match x {
        Stride::Spoofing => "S",
        Stride::Tampering => "T",
        Stride::Repudiation => "R",
        Stride::InformationDisclosure => "I",
        Stride::DenialOfService => "D",
        Stride::ElevationOfPrivilege => "E",
    };
    let mut v: Vec<Stride> = s.to_vec();
    v.sort();
    v.dedup();
    v.iter().map(letter).collect()
}

fn join(list: &[String]) -> String {
    if list.is_empty() {
        "-".into()
    } else {
        list.join(" ")
    }
}

fn heading(title: &str, count: usize) -> String {
    format!("{title} ({count})\n\n")
}

/// Render one section of `catalog` as plain-text tables. Same catalogue, same text.
pub fn render_section(catalog: &Catalog, section: Section) -> String {
    let c = catalog;
    match section {
        Section::Layers => {
            let rows: Vec<Vec<String>> = c
                .layers
                .iter()
                .map(|l| {
                    vec![
                        l.id.clone(),
                        l.name.clone(),
                        join(&l.threats),
                        l.typical_threats.join("; "),
                    ]
                })
                .collect();
            let cross: Vec<Vec<String>> = c
                .cross_layer
                .iter()
                .map(|x| {
                    vec![
                        x.id.clone(),
                        x.name.clone(),
                        join(&x.layers),
                        join(&x.threats),
                    ]
                })
                .collect();
            format!(
                "{}{}\n{}{}",
                heading("MAESTRO layers", rows.len()),
                table(
                    &["ID", "NAME", "OWASP THREATS", "TYPICAL THREATS"],
                    &[3, 26, 18],
                    &rows
                ),
                heading("Cross-layer threats", cross.len()),
                table(
                    &["ID", "NAME", "LAYERS", "OWASP THREATS"],
                    &[3, 44, 14],
                    &cross
                )
            )
        }
        Section::Threats => {
            let rows: Vec<Vec<String>> = c
                .threats
                .iter()
                .map(|t| {
                    vec![
                        t.id.clone(),
                        t.name.clone(),
                        join(&t.layers),
                        join(&t.asi),
                        stride_letters(&t.stride),
                        join(&t.controls),
                    ]
                })
                .collect();
            format!(
                "{}{}\nSTRIDE: S spoofing, T tampering, R repudiation, I information disclosure, D denial of service,\nE elevation of privilege.\n",
                heading("OWASP ASI threats", rows.len()),
                table(
                    &["ID", "NAME", "LAYERS", "ASI 2026", "STRIDE", "CONTROLS"],
                    &[3, 24, 8, 11, 6],
                    &rows
                )
            )
        }
        Section::Asi => {
            let rows: Vec<Vec<String>> = c
                .asi
                .iter()
                .map(|a| vec![a.id.clone(), a.name.clone(), join(&a.threats)])
                .collect();
            heading("OWASP Top 10 for Agentic Applications (2026)", rows.len())
                + &table(&["ID", "NAME", "OWASP THREATS"], &[5, 40], &rows)
        }
        Section::Atlas => {
            let rows: Vec<Vec<String>> = c
                .atlas
                .iter()
                .map(|a| {
                    let used: Vec<String> = c
                        .threats
                        .iter()
                        .filter(|t| t.atlas.contains(&a.id))
                        .map(|t| t.id.clone())
                        .collect();
                    vec![a.id.clone(), a.name.clone(), join(&used), a.url.clone()]
                })
                .collect();
            heading("MITRE ATLAS techniques", rows.len())
                + &table(&["ID", "NAME", "THREATS", "URL"], &[13, 36, 10], &rows)
        }
        Section::Factors => {
            let rows: Vec<Vec<String>> = c
                .factors
                .iter()
                .map(|f| {
                    vec![
                        f.id.clone(),
                        f.name.clone(),
                        join(&f.threats),
                        f.description.clone(),
                    ]
                })
                .collect();
            heading("Agentic factors", rows.len())
                + &table(
                    &["ID", "NAME", "THREATS", "DESCRIPTION"],
                    &[19, 18, 14],
                    &rows,
                )
        }
        Section::Traits => {
            let rows: Vec<Vec<String>> = c
                .traits
                .iter()
                .map(|t| {
                    vec![
                        t.id.clone(),
                        t.name.clone(),
                        join(&t.layers),
                        join(&t.threats),
                    ]
                })
                .collect();
            heading("CSA trait categories", rows.len())
                + &table(&["ID", "NAME", "LAYERS", "THREATS"], &[26, 28, 8], &rows)
        }
        Section::Controls => {
            let rows: Vec<Vec<String>> = c
                .controls
                .iter()
                .map(|k| {
                    vec![
                        k.id.clone(),
                        k.kind.as_str().to_string(),
                        join(&k.mitigates),
                        k.warden.clone().unwrap_or_else(|| "-".into()),
                    ]
                })
                .collect();
            heading("Controls", rows.len())
                + &table(
                    &["ID", "KIND", "MITIGATES", "PROVIDED BY WARDEN"],
                    &[24, 10, 18],
                    &rows,
                )
        }
        Section::Rules => {
            if c.rules.is_empty() {
                return heading("Rules", 0) + "(no rules)\n";
            }
            let rows: Vec<Vec<String>> = c
                .rules
                .iter()
                .map(|r| {
                    vec![
                        r.id.clone(),
                        r.applies_to.as_str().to_string(),
                        format!("{}x{}", r.likelihood, r.impact),
                        join(&r.threats),
                        r.title.clone(),
                    ]
                })
                .collect();
            heading("Rules", rows.len())
                + &table(
                    &["ID", "SUBJECT", "LxI", "THREATS", "TITLE"],
                    &[32, 10, 3, 12],
                    &rows,
                )
        }
        Section::Sources => {
            let rows: Vec<Vec<String>> = c
                .sources
                .iter()
                .map(|s| {
                    vec![
                        s.id.clone(),
                        s.year.to_string(),
                        format!("{} — {}. {}", s.title, s.publisher, s.url),
                    ]
                })
                .collect();
            heading("Sources", rows.len()) + &table(&["ID", "YEAR", "TITLE"], &[24, 4], &rows)
        }
    }
}

/// The JSON form of one section (`warden catalog SECTION --json`).
pub fn section_json(catalog: &Catalog, section: Section) -> Value {
    let v = |x: Result<Value, serde_json::Error>| x.unwrap_or(Value::Null);
    match section {
        Section::Layers => json!({
            "layers": v(serde_json::to_value(&catalog.layers)),
            "cross_layer": v(serde_json::to_value(&catalog.cross_layer)),
        }),
        Section::Threats => v(serde_json::to_value(&catalog.threats)),
        Section::Asi => v(serde_json::to_value(&catalog.asi)),
        Section::Atlas => v(serde_json::to_value(&catalog.atlas)),
        Section::Factors => v(serde_json::to_value(&catalog.factors)),
        Section::Traits => v(serde_json::to_value(&catalog.traits)),
        Section::Controls => v(serde_json::to_value(&catalog.controls)),
        Section::Rules => v(serde_json::to_value(&catalog.rules)),
        Section::Sources => v(serde_json::to_value(&catalog.sources)),
    }
}

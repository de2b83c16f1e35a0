//! Figures every renderer shares: counts, the layer × severity and layer × threat matrices,
//! the worst open severity per element, and the controls that would close most findings.

use crate::baseline::{Diff, FindingState, Resolved};
use crate::finding::{ElementCounts, Finding, Report, Severity, Status};
use std::collections::{BTreeMap, BTreeSet};
use warden_model::{ControlStatus, SystemModel};

/// MAESTRO layer ids, in order; the matrices add a cross-layer row after them.
pub(crate) const LAYERS: [&str; 7] = ["L1", "L2", "L3", "L4", "L5", "L6", "L7"];
/// Row index of the cross-layer row.
pub(crate) const CROSS: usize = 7;
/// Rows of the matrices: the layers and the cross-layer row.
pub(crate) const ROWS: usize = 8;
/// OWASP ASI threat ids, in order.
pub(crate) const THREATS: [&str; 15] = [
    "T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9", "T10", "T11", "T12", "T13", "T14", "T15",
];

/// Severities, most severe first.
pub(crate) const SEVERITIES_DESC: [Severity; 4] = [
    Severity::Critical,
    Severity::High,
    Severity::Medium,
    Severity::Low,
];

/// Index of a severity in `[low, medium, high, critical]` arrays.
pub(crate) fn sev_index(s: Severity) -> usize {
    match s {
        Severity::Low => 0,
        Severity::Medium => 1,
        Severity::High => 2,
        Severity::Critical => 3,
    }
}

/// Label of a matrix row.
pub(crate) fn row_id(row: usize) -> &'static str {
    LAYERS.get(row).copied().unwrap_or("cross-layer")
}

/// Heading of a matrix row: the layer as [`named`], escaped with `esc`, or `Cross-layer`.
pub(crate) fn row_label(
    names: &BTreeMap<String, String>,
    row: usize,
    esc: impl Fn(&str) -> String,
) -> String {
    match LAYERS.get(row) {
        Some(id) => esc(&named(names, id)),
        None => String::from("Cross-layer"),
    }
}

/// One cell of the heat map.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Cell {
    /// Open findings in the cell.
    pub count: usize,
    /// The most severe of them.
    pub max: Option<Severity>,
}

/// Counts over a report's findings.
#[derive(Debug, Clone, Default)]
pub(crate) struct Stats {
    /// All findings.
    pub total: usize,
    /// Open findings by severity (`[low, medium, high, critical]`).
    pub open: [usize; 4],
    /// Mitigated findings.
    pub mitigated: usize,
    /// Accepted findings.
    pub accepted: usize,
    /// Open findings by matrix row and severity. A finding counts once in every row it
    /// touches (each of its layers, and the cross-layer row when it crosses layers).
    pub layer_sev: [[usize; 4]; ROWS],
    /// Open findings by matrix row and OWASP ASI threat.
    pub heat: [[Cell; 15]; ROWS],
}

impl Stats {
    /// Open findings of every severity.
    pub fn open_total(&self) -> usize {
        self.open.iter().sum()
    }
}

/// Matrix rows a finding belongs to.
pub(crate) fn rows_of(f: &Finding) -> Vec<usize> {
    let mut rows: BTreeSet<usize> = f
        .layers
        .iter()
        .filter_map(|l| LAYERS.iter().position(|x| x == l))
        .collect();
    if f.cross_layer {
        rows.insert(CROSS);
    }
    rows.into_iter().collect()
}

/// Compute the counts.
pub(crate) fn stats(report: &Report) -> Stats {
    let mut s = Stats {
        total: report.findings.len(),
        ..Stats::default()
    };
    for f in &report.findings {
        match f.status {
            Status::Open => {}
            Status::Mitigated { .. } => {
                s.mitigated += 1;
                continue;
            }
            Status::Accepted { .. } => {
                s.accepted += 1;
                continue;
            }
        }
        let si = sev_index(f.severity);
        if let Some(n) = s.open.get_mut(si) {
            *n += 1;
        }
        let threats: BTreeSet<usize> = f
            .threats
            .iter()
            .filter_map(|t| THREATS.iter().position(|x| x == t))
            .collect();
        for row in rows_of(f) {
            if let Some(n) = s.layer_sev.get_mut(row).and_then(|r| r.get_mut(si)) {
                *n += 1;
            }
            for &t in &threats {
                if let Some(cell) = s.heat.get_mut(row).and_then(|r| r.get_mut(t)) {
                    cell.count += 1;
                    cell.max = cell.max.max(Some(f.severity));
                }
            }
        }
    }
    s
}

/// Findings for lists: open first, then most severe, then by id.
pub(crate) fn open_first(report: &Report) -> Vec<&Finding> {
    let mut v: Vec<&Finding> = report.findings.iter().collect();
    v.sort_by(|a, b| {
        status_rank(&a.status)
            .cmp(&status_rank(&b.status))
            .then(b.severity.cmp(&a.severity))
            .then(a.id.cmp(&b.id))
    });
    v
}

/// Findings of one severity: open first, then by id.
pub(crate) fn of_severity(report: &Report, sev: Severity) -> Vec<&Finding> {
    let mut v: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.severity == sev)
        .collect();
    v.sort_by(|a, b| {
        status_rank(&a.status)
            .cmp(&status_rank(&b.status))
            .then(a.id.cmp(&b.id))
    });
    v
}

fn status_rank(s: &Status) -> u8 {
    match s {
        Status::Open => 0,
        Status::Accepted { .. } => 1,
        Status::Mitigated { .. } => 2,
    }
}

/// Worst open severity per element id (findings' `elements`).
pub(crate) fn worst_by_element(report: &Report) -> BTreeMap<&str, Severity> {
    let mut m: BTreeMap<&str, Severity> = BTreeMap::new();
    for f in report.findings.iter().filter(|f| f.status == Status::Open) {
        for e in &f.elements {
            let slot = m.entry(e.as_str()).or_insert(f.severity);
            *slot = (*slot).max(f.severity);
        }
    }
    m
}

/// Ids of findings the diff marks as new.
pub(crate) fn new_ids(diff: Option<&Diff>) -> BTreeSet<&str> {
    diff.map(|d| d.new.iter().map(String::as_str).collect())
        .unwrap_or_default()
}

/// A recommended control and the open findings it addresses.
#[derive(Debug, Clone)]
pub(crate) struct ControlRank {
    /// Catalogue control id.
    pub id: String,
    /// Open findings recommending it, by severity (`[low, medium, high, critical]`).
    pub by_sev: [usize; 4],
    /// Their ids, sorted.
    pub findings: Vec<String>,
    /// How far the model declares it in place, if at all.
    pub declared: Option<ControlStatus>,
}

impl ControlRank {
    /// Open findings it addresses.
    pub fn total(&self) -> usize {
        self.by_sev.iter().sum()
    }
}

/// Recommended controls of open findings, ranked: most findings first, then by the
/// severity of those findings, then by id.
pub(crate) fn control_ranking(report: &Report, model: &SystemModel) -> Vec<ControlRank> {
    let mut m: BTreeMap<&str, ControlRank> = BTreeMap::new();
    for f in report.findings.iter().filter(|f| f.status == Status::Open) {
        let ids: BTreeSet<&str> = f.controls.iter().map(String::as_str).collect();
        for c in ids {
            let r = m.entry(c).or_insert_with(|| ControlRank {
                id: c.to_string(),
                by_sev: [0; 4],
                findings: Vec::new(),
                declared: model.controls.iter().find(|x| x.id == c).map(|x| x.status),
            });
            r.by_sev[sev_index(f.severity)] += 1;
            r.findings.push(f.id.clone());
        }
    }
    let mut v: Vec<ControlRank> = m.into_values().collect();
    for r in &mut v {
        r.findings.sort();
    }
    v.sort_by(|a, b| {
        b.total()
            .cmp(&a.total())
            .then_with(|| b.by_sev.iter().rev().cmp(a.by_sev.iter().rev()))
            .then_with(|| a.id.cmp(&b.id))
    });
    v
}

/// The model's elements counted in words: `3 agents, 2 servers with 5 tools, …, 1 external
/// sources and 4 links`, or for the terminal `3 agents, 2 servers (5 tools), …, 4 links`.
pub(crate) fn element_counts(e: &ElementCounts, terse: bool) -> String {
    let (tools, last) = if terse {
        (format!(" ({} tools)", e.tools), ", ")
    } else {
        (format!(" with {} tools", e.tools), " and ")
    };
    format!(
        "{} agents, {} servers{tools}, {} data stores, {} humans, {} external sources{last}{} links",
        e.agents, e.servers, e.data_stores, e.humans, e.external_sources, e.links
    )
}

/// A finding's severity and status at one point in time (in a baseline diff), joined by
/// `sep`.
pub(crate) fn state(s: FindingState, sep: &str) -> String {
    format!("{}{sep}{}", s.severity.as_str(), s.status.as_str())
}

/// What a resolved finding was in the baseline.
pub(crate) fn was(r: &Resolved) -> FindingState {
    FindingState {
        severity: r.severity,
        status: r.status,
    }
}

/// A finding's status in words: `open` as given, `mitigated by` the controls as `controls`
/// writes them, or `accepted by OWNER until DATE: JUSTIFICATION` with the owner written by
/// `owner` and the rest escaped by `esc` (no date when the acceptance does not expire).
pub(crate) fn status_words(
    status: &Status,
    open: &str,
    controls: impl Fn(&[String]) -> String,
    owner: impl Fn(&str) -> String,
    esc: impl Fn(&str) -> String,
) -> String {
    match status {
        Status::Open => open.to_string(),
        Status::Mitigated { controls: ids } => format!("mitigated by {}", controls(ids)),
        Status::Accepted {
            owner: who,
            justification,
            expires,
        } => {
            let until = expires
                .as_deref()
                .map(|e| format!(" until {}", esc(e)))
                .unwrap_or_default();
            format!("accepted by {}{until}: {}", owner(who), esc(justification))
        }
    }
}

/// A finding's STRIDE categories in words, comma-separated (empty when it has none).
pub(crate) fn stride_words(f: &Finding) -> String {
    let words: Vec<&str> = f.stride.iter().map(|s| stride_str(*s)).collect();
    words.join(", ")
}

/// How a control is declared in the model, for people.
pub(crate) fn declared_str(d: Option<ControlStatus>) -> &'static str {
    match d {
        None => "not declared",
        Some(ControlStatus::Planned) => "planned",
        Some(ControlStatus::Partial) => "partial",
        Some(ControlStatus::Implemented) => "implemented for other elements",
    }
}

/// `id Name` when the catalogue names the id, else the id.
pub(crate) fn named(names: &BTreeMap<String, String>, id: &str) -> String {
    match names.get(id) {
        Some(n) if !n.is_empty() => format!("{id} {n}"),
        _ => id.to_string(),
    }
}

/// Capitalised severity name.
pub(crate) fn sev_title(s: Severity) -> &'static str {
    match s {
        Severity::Low => "Low",
        Severity::Medium => "Medium",
        Severity::High => "High",
        Severity::Critical => "Critical",
    }
}

/// A STRIDE category in words.
fn stride_str(s: crate::finding::Stride) -> &'static str {
    use crate::finding::Stride::*;
    match s {
        Spoofing => "spoofing",
        Tampering => "tampering",
        Repudiation => "repudiation",
        InformationDisclosure => "information disclosure",
        DenialOfService => "denial of service",
        ElevationOfPrivilege => "elevation of privilege",
    }
}

/// A human-readable name for a kebab-case rule id (`shared-memory-poisoning` →
/// `Shared memory poisoning`).
pub(crate) fn humanise(rule: &str) -> String {
    capitalise(rule.replace(['-', '_'], " ").trim())
}

/// `s` with its first letter in upper case.
pub(crate) fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

//! The analysis pipeline: facts → declarative rules, plus graph analyses → drafts → findings
//! with stable ids, ASI mapping, severity, status and source location → a sorted report.

use crate::facts::{self, Context, Fact};
use crate::finding::*;
use crate::render::Names;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use warden_catalog::{Catalog, Rule};
use warden_model::graph::Graph;
use warden_model::{ControlStatus, Loaded, SystemModel};

/// Options that change what the analysis reports.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Date (YYYY-MM-DD) against which accepted risks' expiry is judged; `None` never expires them.
    pub as_of: Option<String>,
    /// Bounds on the graph analyses (findings per rule, search depth, memory).
    pub limits: crate::analyses::Limits,
}

/// Analyse a loaded model. `bytes` are the file's bytes (hashed into the report).
pub fn analyze(loaded: &Loaded, bytes: &[u8], catalog: &Catalog, options: &Options) -> Report {
    analyze_graph(
        loaded,
        &Graph::build(&loaded.model),
        bytes,
        catalog,
        options,
    )
}

/// [`analyze`] with the model's graph view already built (callers that also render
/// diagrams build it once and pass it here).
pub fn analyze_graph(
    loaded: &Loaded,
    graph: &Graph,
    bytes: &[u8],
    catalog: &Catalog,
    options: &Options,
) -> Report {
    let model = &loaded.model;
    let cx = Context::new(model, graph);
    let facts = facts::collect(&cx);

    let mut drafts = Vec::new();
    for rule in &catalog.rules {
        let subject = rule.applies_to.as_str();
        for f in facts.iter().filter(|f| f.subject == subject) {
            if rule.when.eval(&f.value) {
                drafts.push((draft_from_rule(rule, f), Some(f.pointer.clone())));
            }
        }
    }
    for d in crate::analyses::run_with_table(model, graph, &cx.table, &options.limits) {
        drafts.push((d, None));
    }

    let mut by_id: BTreeMap<String, Finding> = BTreeMap::new();
    for (d, pointer) in drafts {
        let f = finish(d, pointer, loaded, graph, catalog, options);
        by_id.entry(f.id.clone()).or_insert(f);
    }
    let mut findings: Vec<Finding> = by_id.into_values().collect();
    findings.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id)));

    let mut summary = Summary {
        total: findings.len(),
        ..Summary::default()
    };
    for f in &findings {
        match f.status {
            Status::Open => summary.open[f.severity as usize] += 1,
            Status::Mitigated { .. } => summary.mitigated += 1,
            Status::Accepted { .. } => summary.accepted += 1,
        }
    }
    Report {
        schema: REPORT_SCHEMA.to_string(),
        generator: format!("warden {}", env!("CARGO_PKG_VERSION")),
        model: ModelRef {
            name: model.system.name.clone(),
            file: loaded.source.file.replace('\\', "/"),
            sha256: hex::encode(Sha256::digest(bytes)),
            elements: counts(model),
        },
        summary,
        findings,
    }
}

/// Display names of catalogue entries, for renderers.
pub fn names(catalog: &Catalog) -> Names {
    /// A rule's title template without its placeholders: every word holding one is left out,
    /// with a preposition leading to it (`Link from `{from}` to `{to}` is not encrypted` →
    /// `Link is not encrypted`), and the first letter is capitalised.
    fn static_title(template: &str) -> String {
        const LEADS: [&str; 10] = [
            "from", "to", "for", "towards", "on", "of", "by", "with", "in", "at",
        ];
        let mut words: Vec<String> = Vec::new();
        for word in template.split_whitespace() {
            if word.replace("{{", "").contains('{') {
                if words.last().is_some_and(|w| LEADS.contains(&w.as_str())) {
                    words.pop();
                }
            } else {
                words.push(word.replace("{{", "{").replace("}}", "}"));
            }
        }
        crate::render::capitalise(&words.join(" "))
    }

    let mut n = Names::default();
    for l in &catalog.layers {
        n.layers.insert(l.id.clone(), l.name.clone());
    }
    n.layers.insert("cross-layer".into(), "Cross-layer".into());
    for t in &catalog.threats {
        n.threats.insert(t.id.clone(), t.name.clone());
    }
    for a in &catalog.asi {
        n.asi.insert(a.id.clone(), a.name.clone());
    }
    for a in &catalog.atlas {
        n.atlas.insert(a.id.clone(), a.name.clone());
    }
    for c in &catalog.controls {
        n.controls.insert(c.id.clone(), c.name.clone());
    }
    for (id, title) in crate::analyses::ANALYSES {
        n.rules.insert(id.to_string(), title.to_string());
    }
    for r in &catalog.rules {
        let title = r.name.clone().unwrap_or_else(|| static_title(&r.title));
        if !title.is_empty() {
            n.rules.insert(r.id.clone(), title);
        }
    }
    n
}

fn counts(m: &SystemModel) -> ElementCounts {
    ElementCounts {
        agents: m.agents.len(),
        servers: m.servers.len(),
        tools: m.servers.iter().map(|s| s.tools.len()).sum(),
        data_stores: m.data_stores.len(),
        humans: m.humans.len(),
        external_sources: m.external_sources.len(),
        links: m.links.len(),
    }
}

fn draft_from_rule(rule: &Rule, f: &Fact) -> Draft {
    let (mut l, mut i) = (i16::from(rule.likelihood), i16::from(rule.impact));
    for a in &rule.adjust {
        if a.when.eval(&f.value) {
            l += i16::from(a.likelihood);
            i += i16::from(a.impact);
        }
    }
    Draft {
        rule: rule.id.clone(),
        key: f.elements.clone(),
        asi: rule.asi.clone(),
        title: Rule::render(&rule.title, &f.value),
        description: Rule::render(&rule.description, &f.value),
        layers: rule.layers.clone(),
        cross_layer: rule.layers.len() > 1,
        threats: rule.threats.clone(),
        atlas: rule.atlas.clone(),
        stride: rule.stride.iter().filter_map(|s| s.parse().ok()).collect(),
        factors: rule.factors.clone(),
        elements: f.elements.clone(),
        path: Vec::new(),
        likelihood: l.clamp(1, 4) as u8,
        impact: i.clamp(1, 4) as u8,
        controls: rule.controls.clone(),
    }
}

/// The stable id of a finding: the rule and the affected elements, nothing positional.
pub fn finding_id(rule: &str, elements: &[String]) -> String {
    match elements {
        [] => rule.to_string(),
        [one] => format!("{rule}/{one}"),
        many => {
            let joined = many.join("+");
            if joined.len() <= 64 {
                format!("{rule}/{joined}")
            } else {
                let h = hex::encode(Sha256::digest(joined.as_bytes()));
                format!("{rule}/{}~{}", many[0], &h[..8])
            }
        }
    }
}

fn finish(
    d: Draft,
    pointer: Option<String>,
    loaded: &Loaded,
    graph: &Graph,
    catalog: &Catalog,
    options: &Options,
) -> Finding {
    let model = &loaded.model;
    let id = finding_id(
        &d.rule,
        if d.key.is_empty() {
            &d.elements
        } else {
            &d.key
        },
    );
    let pointer = pointer.or_else(|| {
        d.elements
            .first()
            .and_then(|e| graph.node(e))
            .map(|n| graph.nodes[n].pointer.clone())
    });
    let location = pointer.map(|p| {
        let pos = loaded.source.position(&p);
        Location {
            pointer: p,
            line: pos.line,
            column: pos.column,
        }
    });
    let mut threats = d.threats.clone();
    threats.sort_by_key(|t| t.trim_start_matches('T').parse::<u32>().unwrap_or(u32::MAX));
    threats.dedup();
    let mut asi = catalog.asi_for(&threats);
    asi.extend(d.asi.iter().cloned());
    asi.sort();
    asi.dedup();

    // Declared controls in scope of any affected element: named directly, through its server
    // (for a tool), or through its zone.
    let in_scope = |scope: &[String]| {
        scope.is_empty()
            || d.elements.iter().any(|e| {
                let zone = graph.node(e).and_then(|n| graph.nodes[n].zone.as_deref());
                scope.iter().any(|s| {
                    s == e || e.split('.').next() == Some(s.as_str()) || zone == Some(s.as_str())
                })
            })
    };
    let mut mitigating = Vec::new();
    let mut partial = false;
    for c in &model.controls {
        if d.controls.contains(&c.id) && in_scope(&c.scope) {
            match c.status {
                ControlStatus::Implemented => mitigating.push(c.id.clone()),
                ControlStatus::Partial => partial = true,
                ControlStatus::Planned => {}
            }
        }
    }
    mitigating.sort();
    mitigating.dedup();
    let likelihood = if partial && mitigating.is_empty() {
        d.likelihood.saturating_sub(1).max(1)
    } else {
        d.likelihood
    };

    let accepted = model.accepted_risks.iter().find(|r| {
        (r.finding == id || r.finding == d.rule)
            && match (&r.expires, &options.as_of) {
                (Some(exp), Some(today)) => exp.as_str() >= today.as_str(),
                _ => true,
            }
    });
    let status = if let Some(r) = accepted {
        Status::Accepted {
            owner: r.owner.clone(),
            justification: r.justification.clone(),
            expires: r.expires.clone(),
        }
    } else if !mitigating.is_empty() {
        Status::Mitigated {
            controls: mitigating,
        }
    } else {
        Status::Open
    };
    let mut layers = d.layers;
    layers.sort();
    layers.dedup();
    let mut factors = d.factors;
    factors.sort();
    factors.dedup();
    let mut stride = d.stride;
    stride.sort();
    stride.dedup();
    Finding {
        id,
        rule: d.rule,
        title: d.title,
        description: d.description,
        cross_layer: d.cross_layer || layers.len() > 1,
        layers,
        threats,
        asi,
        atlas: d.atlas,
        stride,
        factors,
        elements: d.elements,
        path: d.path,
        location,
        likelihood,
        impact: d.impact,
        severity: Severity::from_matrix(likelihood, d.impact),
        controls: d.controls,
        status,
    }
}

/// Accepted risks that no longer do anything: their `finding` names no reported finding or
/// rule (renamed, fixed, or a typo), or they have lapsed by `options.as_of`. Each message is
/// located at the entry in the model file.
pub fn stale_acceptances(loaded: &Loaded, report: &Report, options: &Options) -> Vec<String> {
    let mut out = Vec::new();
    for (i, r) in loaded.model.accepted_risks.iter().enumerate() {
        let pos = loaded.source.position(&format!("/accepted_risks/{i}"));
        let at = format!("{}:{}:{}", loaded.source.file, pos.line, pos.column);
        let matches = report
            .findings
            .iter()
            .any(|f| f.id == r.finding || f.rule == r.finding);
        if !matches {
            out.push(format!(
                "{at}: accepted risk `{}` matches no finding; it may be stale or misspelt",
                r.finding
            ));
        } else if let (Some(exp), Some(today)) = (&r.expires, &options.as_of)
            && exp.as_str() < today.as_str()
        {
            out.push(format!(
                "{at}: acceptance of `{}` expired on {exp}; the finding is reported again",
                r.finding
            ));
        }
    }
    out
}

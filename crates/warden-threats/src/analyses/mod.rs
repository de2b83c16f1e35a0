//! Graph analyses across MAESTRO layers: threats that appear only when several elements are
//! looked at together, which no per-element rule can see.
//!
//! [`ANALYSES`] lists each rule with what it finds.
//!
//! Every analysis is a handful of breadth-first searches with predecessor arrays (never an
//! enumeration of paths), ties are broken by element id, and output is capped per rule by
//! [`Limits`]. `docs/analyses.md` explains each analysis for security architects.

mod blast;
mod cascade;
mod ctx;
mod delegation;
mod flow;
mod memory;
mod radii;
mod search;
mod single_point;

pub use blast::{BlastIndex, BlastRadius, blast_radius};

use crate::finding::{Draft, Severity, Stride};
use crate::trust::TrustTable;
use ctx::Ctx;
use warden_model::SystemModel;
use warden_model::graph::Graph;

/// Bounds on the work and output of the analyses. The defaults suit models of tens of
/// thousands of elements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Most drafts one rule may emit; the most severe are kept (ties by element id).
    pub max_findings_per_rule: usize,
    /// Most agents one agent is checked against for delegation escalation (nearest first).
    pub max_delegates_per_agent: usize,
    /// Deepest chain of unauthenticated hops followed from one chain head.
    pub max_chain_depth: u32,
    /// Most elements visited from one chain head.
    pub max_chain_nodes: usize,
    /// Most ids listed in an `elements` list beyond the essential ones.
    pub max_listed: usize,
    /// Most memory, in bytes, for the reach of every agent at once (blast radius, single
    /// points, memory poisoning); a model that needs more skips those analyses.
    pub max_reach_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_findings_per_rule: 500,
            max_delegates_per_agent: 16,
            max_chain_depth: 16,
            max_chain_nodes: 4096,
            max_listed: 8,
            max_reach_bytes: 512 << 20,
        }
    }
}

/// Run every graph analysis with default [`Limits`].
pub fn run(model: &SystemModel, graph: &Graph) -> Vec<Draft> {
    run_with(model, graph, &Limits::default())
}

/// Every graph analysis: its rule id and a one-line title, in the order [`run_with`] reports
/// them.
pub const ANALYSES: &[(&str, &str)] = &[
    (
        "toxic-flow",
        "An agent receives untrusted content, reads sensitive data and can send data out",
    ),
    (
        "leakage-cascade",
        "Untrusted content relayed between agents reaches one that can leak sensitive data",
    ),
    (
        "blast-radius",
        "A compromised agent or shared credential reaches critical assets",
    ),
    (
        "delegation-escalation",
        "An agent can make another agent do what it may not do itself",
    ),
    (
        "cascading-trust",
        "A chain of unauthenticated hops ends in an element that acts on what the first said",
    ),
    (
        "single-point",
        "One shared server, store or orchestrator reaches critical assets across agents",
    ),
    (
        "memory-poisoning-path",
        "Untrusted content persists in memory that other agents read back",
    ),
];

/// What every analysis works from: the precomputed view, the three legs, the act relation
/// with every agent's reach, and the limits.
#[derive(Clone, Copy)]
pub(crate) struct Inputs<'a> {
    /// The precomputed view of the model.
    pub ctx: &'a Ctx<'a>,
    /// The searches from untrusted sources, sensitive data and sinks.
    pub legs: &'a flow::Legs,
    /// What each element can make act.
    pub act: &'a radii::Act,
    /// The reach of every agent.
    pub radii: &'a radii::Radii,
    /// Bounds on work and output.
    pub limits: &'a Limits,
}

/// Run every graph analysis. The result depends only on the model's content: drafts come in
/// a fixed rule order, each rule's drafts most severe first and then by elements and path,
/// so reordering elements in the model file changes nothing.
pub fn run_with(model: &SystemModel, graph: &Graph, limits: &Limits) -> Vec<Draft> {
    run_with_table(model, graph, &TrustTable::build(model, graph), limits)
}

/// [`run_with`], reusing a [`TrustTable`] the caller already built for `graph` (the engine's
/// facts need the same table, so it is computed once per analysis).
pub fn run_with_table(
    model: &SystemModel,
    graph: &Graph,
    table: &TrustTable,
    limits: &Limits,
) -> Vec<Draft> {
    if graph.nodes.is_empty() || graph.nodes.len() >= u32::MAX as usize / 2 {
        return Vec::new();
    }
    let ctx = Ctx::with_table(model, graph, std::borrow::Cow::Borrowed(table));
    let legs = flow::Legs::new(&ctx);
    let act = radii::Act::new(&ctx);
    let radii = radii::Radii::new(&ctx, &act, limits.max_reach_bytes);
    let inputs = Inputs {
        ctx: &ctx,
        legs: &legs,
        act: &act,
        radii: &radii,
        limits,
    };
    let (toxic, cascade) = flow::analyse(&inputs);
    let groups = [
        toxic,
        cascade,
        blast::analyse(&inputs),
        delegation::analyse(&inputs),
        cascade::analyse(&inputs),
        single_point::analyse(&inputs),
        memory::analyse(&inputs),
    ];
    let mut out = Vec::new();
    for mut g in groups {
        finish(&mut g, limits.max_findings_per_rule);
        out.extend(g);
    }
    out
}

/// The order of one rule's drafts by score, `(likelihood, impact)`: most severe first, then
/// the higher impact, then the higher likelihood (callers break ties by elements and path).
fn by_score(a: (u8, u8), b: (u8, u8)) -> std::cmp::Ordering {
    let severity = |(likelihood, impact)| Severity::from_matrix(likelihood, impact);
    severity(b)
        .cmp(&severity(a))
        .then(b.1.cmp(&a.1))
        .then(b.0.cmp(&a.0))
}

/// Sort one rule's drafts (most severe first, then by elements and path) and cap them.
fn finish(drafts: &mut Vec<Draft>, cap: usize) {
    drafts.sort_by(|a, b| {
        by_score((a.likelihood, a.impact), (b.likelihood, b.impact))
            .then_with(|| a.elements.cmp(&b.elements))
            .then_with(|| a.path.cmp(&b.path))
    });
    drafts.dedup_by(|a, b| a.rule == b.rule && a.elements == b.elements);
    drafts.truncate(cap);
}

/// A finding whose text is not written yet: analyses that can produce many candidates keep
/// only those [`finish`] would keep before spending time on descriptions.
pub(crate) struct Pending<'a> {
    /// Likelihood 1–4.
    likelihood: u8,
    /// Impact 1–4.
    impact: u8,
    /// Element nodes, most relevant first.
    elements: Vec<u32>,
    /// Path nodes, in order.
    path: Vec<u32>,
    /// Writes the draft.
    make: Box<Make<'a>>,
}

/// Writes a draft from its elements and path.
type Make<'a> = dyn FnOnce(&[u32], &[u32]) -> Draft + 'a;

impl<'a> Pending<'a> {
    /// A candidate with its score, elements and path; `make` writes the draft.
    pub fn new(
        likelihood: u8,
        impact: u8,
        elements: Vec<u32>,
        path: Vec<u32>,
        make: impl FnOnce(&[u32], &[u32]) -> Draft + 'a,
    ) -> Pending<'a> {
        Pending {
            likelihood: likelihood.clamp(1, 4),
            impact: impact.clamp(1, 4),
            elements,
            path,
            make: Box::new(make),
        }
    }
}

/// Write the drafts of the candidates [`finish`] would keep (same order, same cap).
fn settle(inputs: &Inputs, mut pending: Vec<Pending>) -> Vec<Draft> {
    let ctx = inputs.ctx;
    let ids = |v: &[u32]| v.iter().map(|&m| ctx.id(m)).collect::<Vec<&str>>();
    pending.sort_by(|a, b| {
        by_score((a.likelihood, a.impact), (b.likelihood, b.impact))
            .then_with(|| ids(&a.elements).cmp(&ids(&b.elements)))
            .then_with(|| ids(&a.path).cmp(&ids(&b.path)))
    });
    pending.truncate(inputs.limits.max_findings_per_rule);
    pending
        .into_iter()
        .map(|p| (p.make)(&p.elements, &p.path))
        .collect()
}

/// Append `n` unless it is already there.
fn push_unique(v: &mut Vec<u32>, n: u32) {
    if !v.contains(&n) {
        v.push(n);
    }
}

/// Build a draft; every graph analysis is cross-layer.
#[allow(clippy::too_many_arguments)]
fn draft(
    ctx: &Ctx,
    rule: &str,
    title: String,
    description: String,
    layers: &[&str],
    threats: &[&str],
    atlas: &[&str],
    stride: &[Stride],
    factors: &[&str],
    elements: &[u32],
    path: &[u32],
    likelihood: u8,
    impact: u8,
    controls: &[&str],
) -> Draft {
    let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let mut layers = strings(layers);
    layers.sort();
    layers.dedup();
    let elements = ctx.ids(elements);
    Draft {
        rule: rule.to_string(),
        key: elements.iter().take(key_len(rule)).cloned().collect(),
        asi: Vec::new(),
        title,
        description,
        layers,
        cross_layer: true,
        threats: strings(threats),
        atlas: strings(atlas),
        stride: stride.to_vec(),
        factors: strings(factors),
        elements,
        path: ctx.ids(path),
        likelihood: likelihood.clamp(1, 4),
        impact: impact.clamp(1, 4),
        controls: strings(controls),
    }
}

/// How many leading elements identify a finding of each analysis: the agent whose radius,
/// trifecta or leak it is, the shared element, the poisoned store; the delegating pair, the
/// chain's two ends. Elements after these are context that may grow or be re-chosen (by id)
/// as the model grows, so they must not rename the finding.
fn key_len(rule: &str) -> usize {
    match rule {
        "delegation-escalation" | "cascading-trust" => 2,
        _ => 1,
    }
}

//! The system as the diagrams draw it (Mermaid, Graphviz and the HTML page's SVG): elements
//! grouped by trust zone, tools folded into their server, declared links and the data flows
//! the model implies, each element coloured by its worst open finding.

use super::stats::worst_by_element;
use crate::finding::{Report, Severity};
use std::collections::{BTreeMap, BTreeSet};
use warden_model::graph::{EdgeKind, Graph, NodeKind};
use warden_model::{Authentication, SystemModel, TrustLevel};

/// A tool shown inside its server.
#[derive(Debug, Clone)]
pub(crate) struct DTool {
    /// Tool id within the server.
    pub name: String,
    /// Worst open severity of findings on the tool.
    pub severity: Option<Severity>,
}

/// An element drawn as a node.
#[derive(Debug, Clone)]
pub(crate) struct DNode {
    /// Stable diagram id (`n` + graph node index).
    pub key: String,
    /// Element id.
    pub id: String,
    /// Display name.
    pub label: String,
    /// Kind.
    pub kind: NodeKind,
    /// Worst open severity on the element (for servers, also on their tools).
    pub severity: Option<Severity>,
    /// Tools of a server.
    pub tools: Vec<DTool>,
}

/// How an edge is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum EdgeStyle {
    /// A declared link whose receiver authenticates the sender.
    Authenticated,
    /// A declared link without authentication, or with none declared.
    Unauthenticated,
    /// A flow the model implies (tool grant, delegation, read, write) without a declared link.
    Implied,
}

impl EdgeStyle {
    /// Every style.
    pub const ALL: [EdgeStyle; 3] = [
        EdgeStyle::Authenticated,
        EdgeStyle::Unauthenticated,
        EdgeStyle::Implied,
    ];

    /// Colour of the line: slate, red for a link without authentication, light grey for an
    /// implied flow.
    pub fn colour(self) -> &'static str {
        match self {
            EdgeStyle::Authenticated => "#52606d",
            EdgeStyle::Unauthenticated => RED,
            EdgeStyle::Implied => "#9aa5b1",
        }
    }

    /// Colour of the label.
    pub fn label_colour(self) -> &'static str {
        match self {
            EdgeStyle::Authenticated => "#3e4c59",
            EdgeStyle::Unauthenticated => RED,
            EdgeStyle::Implied => "#7b8794",
        }
    }

    /// Whether the line is dashed (links without authentication).
    pub fn dashed(self) -> bool {
        self == EdgeStyle::Unauthenticated
    }
}

/// An arrow between two nodes, in the direction data or control travels.
#[derive(Debug, Clone)]
pub(crate) struct DEdge {
    /// Index of the source in [`Diagram::nodes`].
    pub from: usize,
    /// Index of the target.
    pub to: usize,
    /// Short label (protocol, or the kind of implied flow).
    pub label: String,
    /// Longer description for tooltips.
    pub detail: String,
    /// Style.
    pub style: EdgeStyle,
}

/// A trust zone and the nodes in it.
#[derive(Debug, Clone)]
pub(crate) struct DZone {
    /// Stable diagram id (`z` + index).
    pub key: String,
    /// Display name.
    pub label: String,
    /// Trust level.
    pub trust: TrustLevel,
    /// Indices into [`Diagram::nodes`].
    pub nodes: Vec<usize>,
}

/// The whole diagram.
#[derive(Debug, Clone, Default)]
pub(crate) struct Diagram {
    /// Zones with at least one element, least trusted first.
    pub zones: Vec<DZone>,
    /// Nodes outside any declared zone.
    pub unzoned: Vec<usize>,
    /// All nodes, in model order.
    pub nodes: Vec<DNode>,
    /// All edges: declared links in model order, then implied flows.
    pub edges: Vec<DEdge>,
}

impl Diagram {
    /// The nodes at these indices (a zone's, or the unzoned ones).
    pub fn members<'d>(&'d self, nodes: &'d [usize]) -> impl Iterator<Item = &'d DNode> {
        nodes.iter().filter_map(|&n| self.nodes.get(n))
    }

    /// Every edge with its two ends.
    pub fn arrows(&self) -> impl Iterator<Item = (&DEdge, &DNode, &DNode)> {
        self.edges
            .iter()
            .filter_map(|e| Some((e, self.nodes.get(e.from)?, self.nodes.get(e.to)?)))
    }
}

/// Write the zones, each with its nodes, then the nodes outside any zone, as the diagram
/// languages nest them: `open` writes a zone's opening lines, `close` is its closing line,
/// and `decl` declares a node.
pub(crate) fn write_nodes(
    out: &mut String,
    d: &Diagram,
    open: impl Fn(&mut String, &DZone),
    close: &str,
    decl: impl Fn(&DNode) -> String,
) {
    for z in &d.zones {
        open(out, z);
        for node in d.members(&z.nodes) {
            wl!(out, "    {}", decl(node));
        }
        wl!(out, "{close}");
    }
    for node in d.members(&d.unzoned) {
        wl!(out, "  {}", decl(node));
    }
}

/// Lower-case trust level name.
pub(crate) fn trust_str(t: TrustLevel) -> &'static str {
    match t {
        TrustLevel::Untrusted => "untrusted",
        TrustLevel::Partner => "partner",
        TrustLevel::Internal => "internal",
        TrustLevel::Restricted => "restricted",
    }
}

fn kebab<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::from("?"),
    }
}

/// Build the diagram of a model.
pub(crate) fn build(model: &SystemModel, graph: &Graph, report: &Report) -> Diagram {
    let worst = worst_by_element(report);
    let mut d = Diagram::default();
    // graph node index -> diagram node index (tools map to their server's node)
    let mut map: Vec<Option<usize>> = vec![None; graph.nodes.len()];
    for (gi, n) in graph.nodes.iter().enumerate() {
        if n.kind == NodeKind::Tool {
            continue;
        }
        if let Some(slot) = map.get_mut(gi) {
            *slot = Some(d.nodes.len());
        }
        d.nodes.push(DNode {
            key: format!("n{gi}"),
            id: n.id.clone(),
            label: n.label.clone(),
            kind: n.kind,
            severity: worst.get(n.id.as_str()).copied(),
            tools: Vec::new(),
        });
    }
    for (gi, n) in graph.nodes.iter().enumerate() {
        if n.kind != NodeKind::Tool {
            continue;
        }
        let Some(di) = n.parent.and_then(|p| map.get(p).copied().flatten()) else {
            continue;
        };
        if let Some(slot) = map.get_mut(gi) {
            *slot = Some(di);
        }
        let sev = worst.get(n.id.as_str()).copied();
        if let Some(server) = d.nodes.get_mut(di) {
            let name =
                n.id.strip_prefix(&format!("{}.", server.id))
                    .unwrap_or(&n.id)
                    .to_string();
            server.tools.push(DTool {
                name,
                severity: sev,
            });
            server.severity = server.severity.max(sev);
        }
    }

    // Zones: least trusted first, then model order.
    let mut zones: Vec<(usize, &warden_model::Zone)> = model.zones.iter().enumerate().collect();
    zones.sort_by_key(|(i, z)| (z.trust, *i));
    let mut placed = vec![false; d.nodes.len()];
    for (zi, z) in zones {
        let nodes: Vec<usize> = graph
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.kind != NodeKind::Tool && n.zone.as_deref() == Some(z.id.as_str()))
            .filter_map(|(gi, _)| map.get(gi).copied().flatten())
            .collect();
        if nodes.is_empty() {
            continue;
        }
        for &n in &nodes {
            if let Some(p) = placed.get_mut(n) {
                *p = true;
            }
        }
        d.zones.push(DZone {
            key: format!("z{zi}"),
            label: z.name.clone().unwrap_or_else(|| z.id.clone()),
            trust: z.trust,
            nodes,
        });
    }
    d.unzoned = (0..d.nodes.len())
        .filter(|&i| !placed.get(i).copied().unwrap_or(false))
        .collect();

    // Declared links.
    let mut seen: BTreeSet<(usize, usize, String)> = BTreeSet::new();
    let mut linked: BTreeSet<(usize, usize)> = BTreeSet::new();
    for l in &model.links {
        let ends = graph.node(&l.from).zip(graph.node(&l.to));
        let Some((f, t)) = ends.and_then(|(f, t)| {
            map.get(f)
                .copied()
                .flatten()
                .zip(map.get(t).copied().flatten())
        }) else {
            continue;
        };
        if f == t {
            continue;
        }
        let label = kebab(&l.protocol);
        if !seen.insert((f, t, label.clone())) {
            continue;
        }
        linked.insert((f.min(t), f.max(t)));
        let style = match l.authentication {
            Authentication::None | Authentication::Unknown => EdgeStyle::Unauthenticated,
            _ => EdgeStyle::Authenticated,
        };
        let mut detail = format!(
            "{} → {}: {label}, authentication {}, encryption {}",
            l.from,
            l.to,
            kebab(&l.authentication),
            kebab(&l.encryption)
        );
        if !l.data_classes.is_empty() {
            detail.push_str(&format!(", carries {}", l.data_classes.join(", ")));
        }
        if let Some(desc) = &l.description {
            detail.push_str(&format!(" — {desc}"));
        }
        d.edges.push(DEdge {
            from: f,
            to: t,
            label,
            detail,
            style,
        });
    }

    // Flows the model implies without a declared link.
    for e in &graph.edges {
        let label = match e.kind {
            EdgeKind::Invokes => "calls",
            EdgeKind::Delegates => "delegates",
            EdgeKind::Reads => "reads",
            EdgeKind::Writes => "writes",
            EdgeKind::Ingests => "ingests",
            EdgeKind::SendsTo => "sends",
            _ => continue,
        };
        if e.link.is_some() {
            continue;
        }
        let (Some(f), Some(t)) = (
            map.get(e.from).copied().flatten(),
            map.get(e.to).copied().flatten(),
        ) else {
            continue;
        };
        if f == t || linked.contains(&(f.min(t), f.max(t))) {
            continue;
        }
        if !seen.insert((f, t, label.to_string())) {
            continue;
        }
        let id = |i: usize| graph.nodes.get(i).map(|n| n.id.as_str()).unwrap_or("?");
        let (fid, tid) = (id(e.from), id(e.to));
        d.edges.push(DEdge {
            from: f,
            to: t,
            label: label.to_string(),
            detail: format!("{fid} → {tid}: {label} (implied by the model; no declared link)"),
            style: EdgeStyle::Implied,
        });
    }
    d
}

/// Severity class name (`critical` … `low`, or `none`).
pub(crate) fn sev_class(s: Option<Severity>) -> &'static str {
    s.map(Severity::as_str).unwrap_or("none")
}

/// Fill and stroke colours for a severity class.
pub(crate) fn sev_colours(s: Option<Severity>) -> (&'static str, &'static str) {
    match s {
        Some(Severity::Critical) => ("#fde7e9", "#b4232c"),
        Some(Severity::High) => ("#fff0e1", "#d9480f"),
        Some(Severity::Medium) => ("#fff7d6", "#b08800"),
        Some(Severity::Low) => ("#e6f0fb", "#1c6dd0"),
        None => ("#eef3f1", "#4f7a68"),
    }
}

/// Border colour of a trust zone.
pub(crate) fn zone_colour(t: TrustLevel) -> &'static str {
    match t {
        TrustLevel::Untrusted => "#c92a2a",
        TrustLevel::Partner => "#e67700",
        TrustLevel::Internal => "#1c6dd0",
        TrustLevel::Restricted => "#7048e8",
    }
}

/// Colour of unauthenticated links.
const RED: &str = "#e03131";

/// Severity classes used by the diagrams, most severe first, then `none`.
pub(crate) const CLASSES: [Option<Severity>; 5] = [
    Some(Severity::Critical),
    Some(Severity::High),
    Some(Severity::Medium),
    Some(Severity::Low),
    None,
];

/// Nodes grouped by severity class (for `class`/`classDef` statements).
pub(crate) fn nodes_by_class(d: &Diagram) -> BTreeMap<&'static str, Vec<&str>> {
    let mut m: BTreeMap<&'static str, Vec<&str>> = BTreeMap::new();
    for n in &d.nodes {
        m.entry(sev_class(n.severity)).or_default().push(&n.key);
    }
    m
}

//! A Mermaid `flowchart LR` of the system: a subgraph per trust zone, node shapes by kind,
//! protocol labels on edges, unauthenticated links dashed and red, nodes coloured by their
//! worst open finding.

use super::diagram::{self, DNode, Diagram, EdgeStyle, RED};
use super::escape::mermaid as esc;
use crate::finding::Report;
use warden_model::SystemModel;
use warden_model::graph::{Graph, NodeKind};

/// Render the Mermaid source.
pub(crate) fn render(model: &SystemModel, graph: &Graph, report: &Report) -> String {
    let d = diagram::build(model, graph, report);
    flowchart(&d)
}

/// The flowchart of a built diagram.
pub(crate) fn flowchart(d: &Diagram) -> String {
    let mut out = String::from("flowchart LR\n");
    for z in &d.zones {
        wl!(
            out,
            "  subgraph {}[\"{} ({})\"]",
            z.key,
            esc(&z.label),
            diagram::trust_str(z.trust)
        );
        for &n in &z.nodes {
            if let Some(node) = d.nodes.get(n) {
                wl!(out, "    {}", node_decl(node));
            }
        }
        wl!(out, "  end");
    }
    for &n in &d.unzoned {
        if let Some(node) = d.nodes.get(n) {
            wl!(out, "  {}", node_decl(node));
        }
    }
    for e in &d.edges {
        let (Some(f), Some(t)) = (d.nodes.get(e.from), d.nodes.get(e.to)) else {
            continue;
        };
        let arrow = match e.style {
            EdgeStyle::Unauthenticated => "-.->",
            _ => "-->",
        };
        wl!(out, "  {} {arrow}|\"{}\"| {}", f.key, esc(&e.label), t.key);
    }
    for sev in diagram::CLASSES {
        let (fill, stroke) = diagram::sev_colours(sev);
        wl!(
            out,
            "  classDef sev_{} fill:{fill},stroke:{stroke},stroke-width:2px,color:#1b1f24",
            diagram::sev_class(sev)
        );
    }
    for (class, keys) in diagram::nodes_by_class(d) {
        wl!(out, "  class {} sev_{class}", keys.join(","));
    }
    for z in &d.zones {
        wl!(
            out,
            "  style {} fill:#fbfcfd,stroke:{},stroke-width:1px,stroke-dasharray:6 3",
            z.key,
            diagram::zone_colour(z.trust)
        );
    }
    for (i, e) in d.edges.iter().enumerate() {
        match e.style {
            EdgeStyle::Unauthenticated => wl!(
                out,
                "  linkStyle {i} stroke:{RED},stroke-width:2px,stroke-dasharray:5 4,color:{RED}"
            ),
            EdgeStyle::Implied => wl!(out, "  linkStyle {i} stroke:#9aa5b1,stroke-width:1px"),
            EdgeStyle::Authenticated => {}
        }
    }
    out
}

fn node_decl(n: &DNode) -> String {
    let mut label = esc(&n.label);
    if n.label != n.id {
        label.push_str(&format!("<br/><small>{}</small>", esc(&n.id)));
    }
    if !n.tools.is_empty() {
        let count = n.tools.len();
        label.push_str(&format!(
            "<br/><small>{count} tool{}</small>",
            if count == 1 { "" } else { "s" }
        ));
    }
    let (open, close) = match n.kind {
        NodeKind::Agent => ("([", "])"),
        NodeKind::Server => ("[[", "]]"),
        NodeKind::Tool => ("[", "]"),
        NodeKind::DataStore => ("[(", ")]"),
        NodeKind::Human => ("{{", "}}"),
        NodeKind::External => ("[/", "/]"),
    };
    format!("{}{open}\"{label}\"{close}", n.key)
}

//! A Mermaid `flowchart LR` of the system: a subgraph per trust zone, node shapes by kind,
//! protocol labels on edges, unauthenticated links dashed and red, nodes coloured by their
//! worst open finding.

use super::diagram::{self, DNode, Diagram, EdgeStyle};
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
    let zone = |out: &mut String, z: &diagram::DZone| {
        wl!(
            out,
            "  subgraph {}[\"{} ({})\"]",
            z.key,
            esc(&z.label),
            diagram::trust_str(z.trust)
        );
    };
    diagram::write_nodes(&mut out, d, zone, "  end", node_decl);
    for (e, f, t) in d.arrows() {
        let arrow = if e.style.dashed() { "-.->" } else { "-->" };
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
            EdgeStyle::Authenticated => {}
            s if s.dashed() => wl!(
                out,
                "  linkStyle {i} stroke:{},stroke-width:2px,stroke-dasharray:5 4,color:{}",
                s.colour(),
                s.label_colour()
            ),
            s => wl!(
                out,
                "  linkStyle {i} stroke:{},stroke-width:1px",
                s.colour()
            ),
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

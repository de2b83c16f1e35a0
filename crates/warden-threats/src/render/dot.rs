//! A Graphviz digraph of the system: a cluster per trust zone, shapes by kind, protocol
//! labels, unauthenticated links dashed and red, nodes filled by their worst open finding.

use super::diagram::{self, DNode, EdgeStyle, RED};
use super::escape::dot as esc;
use crate::finding::Report;
use warden_model::SystemModel;
use warden_model::graph::{Graph, NodeKind};

/// Render the DOT source.
pub(crate) fn render(model: &SystemModel, graph: &Graph, report: &Report) -> String {
    let d = diagram::build(model, graph, report);
    let mut out = String::from("digraph warden {\n");
    wl!(
        out,
        "  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=11, nodesep=0.35, ranksep=0.9];"
    );
    wl!(
        out,
        "  node [fontname=\"Helvetica\", fontsize=10, style=\"filled\", penwidth=1.6];"
    );
    wl!(
        out,
        "  edge [fontname=\"Helvetica\", fontsize=9, color=\"#52606d\", fontcolor=\"#52606d\"];"
    );
    for z in &d.zones {
        wl!(out, "  subgraph cluster_{} {{", z.key);
        wl!(
            out,
            "    label=\"{} ({})\";",
            esc(&z.label),
            diagram::trust_str(z.trust)
        );
        wl!(
            out,
            "    style=\"dashed,rounded\"; color=\"{}\"; fontcolor=\"{}\";",
            diagram::zone_colour(z.trust),
            diagram::zone_colour(z.trust)
        );
        for &n in &z.nodes {
            if let Some(node) = d.nodes.get(n) {
                wl!(out, "    {}", node_decl(node));
            }
        }
        wl!(out, "  }}");
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
        let style = match e.style {
            EdgeStyle::Unauthenticated => {
                format!(", style=dashed, color=\"{RED}\", fontcolor=\"{RED}\", penwidth=1.6")
            }
            EdgeStyle::Implied => String::from(", color=\"#9aa5b1\", fontcolor=\"#7b8794\""),
            EdgeStyle::Authenticated => String::new(),
        };
        wl!(
            out,
            "  {} -> {} [label=\"{}\", tooltip=\"{}\"{style}];",
            f.key,
            t.key,
            esc(&e.label),
            esc(&e.detail)
        );
    }
    out.push_str("}\n");
    out
}

fn node_decl(n: &DNode) -> String {
    let mut label = esc(&n.label);
    if n.label != n.id {
        label.push_str(&format!("\\n({})", esc(&n.id)));
    }
    if !n.tools.is_empty() {
        let names: Vec<String> = n.tools.iter().take(6).map(|t| esc(&t.name)).collect();
        let lines: Vec<String> = names.chunks(3).map(|c| c.join(", ")).collect();
        label.push_str(&format!("\\ntools: {}", lines.join("\\n")));
        if n.tools.len() > 6 {
            label.push_str(&format!("\\n+{} more", n.tools.len() - 6));
        }
    }
    let (shape, extra) = match n.kind {
        NodeKind::Agent => ("box", ", style=\"rounded,filled\""),
        NodeKind::Server => ("component", ""),
        NodeKind::Tool => ("note", ""),
        NodeKind::DataStore => ("cylinder", ""),
        NodeKind::Human => ("ellipse", ""),
        NodeKind::External => ("parallelogram", ""),
    };
    let (fill, stroke) = diagram::sev_colours(n.severity);
    format!(
        "{} [label=\"{label}\", shape={shape}{extra}, fillcolor=\"{fill}\", color=\"{stroke}\", tooltip=\"{} {}: worst open finding {}\"];",
        n.key,
        n.kind.as_str(),
        esc(&n.id),
        diagram::sev_class(n.severity)
    )
}

//! A Graphviz digraph of the system: a cluster per trust zone, shapes by kind, protocol
//! labels, unauthenticated links dashed and red, nodes filled by their worst open finding.

use super::diagram::{self, DNode, EdgeStyle};
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
    let zone = |out: &mut String, z: &diagram::DZone| {
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
    };
    diagram::write_nodes(&mut out, &d, zone, "  }", node_decl);
    for (e, f, t) in d.arrows() {
        // Authenticated links keep the default edge style above.
        let style = match e.style {
            EdgeStyle::Authenticated => String::new(),
            s => {
                let (dash, pen) = if s.dashed() {
                    (", style=dashed", ", penwidth=1.6")
                } else {
                    ("", "")
                };
                format!(
                    "{dash}, color=\"{}\", fontcolor=\"{}\"{pen}",
                    s.colour(),
                    s.label_colour()
                )
            }
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

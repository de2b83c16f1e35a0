//! One element of the system diagram: its shape by kind, colours by worst open finding,
//! kind caption, severity badge, name and id, and for servers the list of their tools.

use super::super::diagram::{self, DNode};
use super::super::escape::{html as esc, truncate};
use super::{BASE_H, BoxPos, MAX_TOOLS, NODE_W, TOOL_ROW, f};
use warden_model::graph::NodeKind;

/// Height of an element's box.
pub(super) fn height(n: &DNode) -> f64 {
    if n.kind == NodeKind::DataStore {
        return BASE_H + 8.0;
    }
    if n.tools.is_empty() {
        return BASE_H;
    }
    let rows = n.tools.len().min(MAX_TOOLS) + usize::from(n.tools.len() > MAX_TOOLS);
    BASE_H + 4.0 + rows as f64 * TOOL_ROW
}

fn kind_caption(k: NodeKind) -> &'static str {
    match k {
        NodeKind::Agent => "AGENT",
        NodeKind::Server => "SERVER",
        NodeKind::Tool => "TOOL",
        NodeKind::DataStore => "DATA STORE",
        NodeKind::Human => "PEOPLE",
        NodeKind::External => "EXTERNAL",
    }
}

/// How many characters of a given average width fit in `width` pixels.
fn fit(width: f64, char_w: f64) -> usize {
    (width / char_w).floor().max(4.0) as usize
}

/// Draw one element.
pub(super) fn node(out: &mut String, n: &DNode, p: BoxPos) {
    let (fill, stroke) = diagram::sev_colours(n.severity);
    let (x, y, w, h) = (p.x, p.y, NODE_W, p.h);
    let sev = diagram::sev_class(n.severity);
    wl!(
        out,
        "<g class=\"node sev-{sev}\" data-element=\"{}\"><title>{} {}: {} (worst open finding: {sev})</title>",
        esc(&n.id),
        n.kind.as_str(),
        esc(&n.id),
        esc(&n.label)
    );
    let style = format!("fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"1.6\"");
    let mut inset = 12.0;
    match n.kind {
        NodeKind::DataStore => {
            let e = 7.0;
            wl!(
                out,
                "<path d=\"M{x0},{y1} A{rx},{e} 0 0 1 {x2},{y1} V{y3} A{rx},{e} 0 0 1 {x0},{y3} Z\" {style}/><path d=\"M{x0},{y1} A{rx},{e} 0 0 0 {x2},{y1}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"1.2\"/>",
                x0 = f(x),
                y1 = f(y + e),
                x2 = f(x + w),
                y3 = f(y + h - e),
                rx = f(w / 2.0),
            );
        }
        NodeKind::External => {
            let s = 12.0;
            inset = 20.0;
            wl!(
                out,
                "<polygon points=\"{},{} {},{} {},{} {},{}\" {style}/>",
                f(x + s),
                f(y),
                f(x + w),
                f(y),
                f(x + w - s),
                f(y + h),
                f(x),
                f(y + h)
            );
        }
        _ => {
            let rx = match n.kind {
                NodeKind::Agent => 14.0,
                NodeKind::Human => h / 2.0,
                _ => 4.0,
            };
            if n.kind == NodeKind::Human {
                inset = 22.0;
            }
            wl!(
                out,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"{}\" {style}/>",
                f(x),
                f(y),
                f(w),
                f(h),
                f(rx)
            );
        }
    }
    let ty = if n.kind == NodeKind::DataStore {
        y + 6.0
    } else {
        y
    };
    wl!(
        out,
        "<text x=\"{}\" y=\"{}\" class=\"nk\">{}</text>",
        f(x + inset),
        f(ty + 15.0),
        kind_caption(n.kind)
    );
    if let Some(s) = n.severity {
        let label = s.as_str().to_ascii_uppercase();
        let bw = label.len() as f64 * 6.2 + 10.0;
        wl!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"13\" rx=\"6.5\" fill=\"{stroke}\"/><text x=\"{}\" y=\"{}\" class=\"nb\" text-anchor=\"middle\">{label}</text>",
            f(x + w - inset - bw + 4.0),
            f(ty + 5.0),
            f(bw),
            f(x + w - inset - bw / 2.0 + 4.0),
            f(ty + 14.5)
        );
    }
    wl!(
        out,
        "<text x=\"{}\" y=\"{}\" class=\"nn\">{}</text>",
        f(x + inset),
        f(ty + 32.0),
        esc(&truncate(&n.label, fit(NODE_W - 2.0 * inset, 7.4)))
    );
    if n.label != n.id {
        wl!(
            out,
            "<text x=\"{}\" y=\"{}\" class=\"ni\">{}</text>",
            f(x + inset),
            f(ty + 46.0),
            esc(&truncate(&n.id, fit(NODE_W - 2.0 * inset, 6.4)))
        );
    }
    if !n.tools.is_empty() {
        let top = y + BASE_H;
        wl!(
            out,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{stroke}\" stroke-opacity=\"0.4\"/>",
            f(x),
            f(top),
            f(x + w),
            f(top)
        );
        for (k, t) in n.tools.iter().take(MAX_TOOLS).enumerate() {
            let ry = top + 4.0 + k as f64 * TOOL_ROW;
            let (_, dot) = diagram::sev_colours(t.severity);
            let dot = if t.severity.is_some() { dot } else { "#bcc5ce" };
            wl!(
                out,
                "<g><title>tool {}.{} (worst open finding: {})</title><circle cx=\"{}\" cy=\"{}\" r=\"3.5\" fill=\"{dot}\"/><text x=\"{}\" y=\"{}\" class=\"nt\">{}</text></g>",
                esc(&n.id),
                esc(&t.name),
                diagram::sev_class(t.severity),
                f(x + inset + 3.0),
                f(ry + 8.5),
                f(x + inset + 12.0),
                f(ry + 12.0),
                esc(&truncate(&t.name, 24))
            );
        }
        if n.tools.len() > MAX_TOOLS {
            let ry = top + 4.0 + MAX_TOOLS as f64 * TOOL_ROW;
            wl!(
                out,
                "<text x=\"{}\" y=\"{}\" class=\"nt more\">+{} more tools</text>",
                f(x + inset + 12.0),
                f(ry + 12.0),
                n.tools.len() - MAX_TOOLS
            );
        }
    }
    wl!(out, "</g>");
}

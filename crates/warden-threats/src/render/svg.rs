//! The system diagram of the HTML page as inline SVG, laid out deterministically: each
//! trust zone is a horizontal band (least trusted at the top), each kind of element a
//! column (people, outside sources, agents, servers with their tools, data stores), and
//! links are curves between ports spread along the sides of the boxes.

use super::diagram::{self, Diagram, EdgeStyle};
use super::escape::{html as esc, truncate};
use std::collections::BTreeMap;
use warden_model::graph::NodeKind;

mod node;
use node::{height, node};

const NODE_W: f64 = 184.0;
const COL_GAP: f64 = 130.0;
const MARGIN: f64 = 12.0;
const PAD_X: f64 = 26.0;
const PAD_TOP: f64 = 40.0;
const PAD_BOTTOM: f64 = 20.0;
const NODE_GAP: f64 = 22.0;
const BAND_GAP: f64 = 22.0;
const BASE_H: f64 = 54.0;
const TOOL_ROW: f64 = 17.0;
const MAX_TOOLS: usize = 6;

/// Column order of element kinds, left to right.
const COLUMNS: [NodeKind; 5] = [
    NodeKind::Human,
    NodeKind::External,
    NodeKind::Agent,
    NodeKind::Server,
    NodeKind::DataStore,
];

#[derive(Debug, Clone, Copy, Default)]
struct BoxPos {
    x: f64,
    y: f64,
    h: f64,
    col: usize,
}

fn f(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

/// Render the diagram as an `<svg>` element.
pub(crate) fn render(d: &Diagram) -> String {
    if d.nodes.is_empty() {
        return String::from(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 400 40\" role=\"img\"><text x=\"10\" y=\"24\">The model has no elements.</text></svg>",
        );
    }
    let cols: Vec<NodeKind> = COLUMNS
        .iter()
        .copied()
        .filter(|k| d.nodes.iter().any(|n| n.kind == *k))
        .collect();
    let col_of = |k: NodeKind| cols.iter().position(|c| *c == k).unwrap_or(0);
    let col_x = |c: usize| MARGIN + PAD_X + c as f64 * (NODE_W + COL_GAP);
    let width = MARGIN * 2.0 + PAD_X * 2.0 + cols.len() as f64 * (NODE_W + COL_GAP) - COL_GAP
        + COL_GAP / 2.0;

    // Bands: zones, then elements outside any zone.
    let mut bands: Vec<(Option<&diagram::DZone>, &[usize])> = d
        .zones
        .iter()
        .map(|z| (Some(z), z.nodes.as_slice()))
        .collect();
    if !d.unzoned.is_empty() {
        bands.push((None, d.unzoned.as_slice()));
    }
    let mut pos = vec![BoxPos::default(); d.nodes.len()];
    let mut band_boxes = Vec::new();
    let mut y = MARGIN;
    for (zone, members) in &bands {
        let mut stacks: Vec<Vec<usize>> = vec![Vec::new(); cols.len()];
        for &n in members.iter() {
            if let Some(s) = d
                .nodes
                .get(n)
                .and_then(|node| stacks.get_mut(col_of(node.kind)))
            {
                s.push(n);
            }
        }
        let stack_h = |s: &Vec<usize>| -> f64 {
            let hs: f64 = s.iter().filter_map(|&n| d.nodes.get(n)).map(height).sum();
            hs + NODE_GAP * s.len().saturating_sub(1) as f64
        };
        let inner = stacks.iter().map(stack_h).fold(0.0, f64::max);
        for (c, s) in stacks.iter().enumerate() {
            let mut ny = y + PAD_TOP + (inner - stack_h(s)) / 2.0;
            for &n in s {
                let h = d.nodes.get(n).map(height).unwrap_or(BASE_H);
                if let Some(p) = pos.get_mut(n) {
                    *p = BoxPos {
                        x: col_x(c),
                        y: ny,
                        h,
                        col: c,
                    };
                }
                ny += h + NODE_GAP;
            }
        }
        let band_h = PAD_TOP + inner + PAD_BOTTOM;
        band_boxes.push((*zone, y, band_h));
        y += band_h + BAND_GAP;
    }
    let height = y - BAND_GAP + MARGIN;

    let mut out = String::new();
    wl!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"diagram\" viewBox=\"0 0 {} {}\" width=\"{}\" role=\"img\" aria-label=\"System diagram\">",
        f(width),
        f(height),
        f(width)
    );
    wl!(out, "<defs>");
    for style in EdgeStyle::ALL {
        wl!(
            out,
            "<marker id=\"{}\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"{}\"/></marker>",
            marker(style),
            style.colour()
        );
    }
    wl!(out, "</defs>");

    for (zone, by, bh) in &band_boxes {
        let bx = MARGIN;
        let bw = width - 2.0 * MARGIN;
        match zone {
            Some(z) => {
                let c = diagram::zone_colour(z.trust);
                wl!(
                    out,
                    "<g class=\"zone\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"10\" fill=\"{c}\" fill-opacity=\"0.035\" stroke=\"{c}\" stroke-width=\"1.4\" stroke-dasharray=\"7 4\"/><text x=\"{}\" y=\"{}\" class=\"zl\" fill=\"{c}\">{}</text><text x=\"{}\" y=\"{}\" class=\"zt\" fill=\"{c}\">{} zone</text></g>",
                    f(bx),
                    f(*by),
                    f(bw),
                    f(*bh),
                    f(bx + 14.0),
                    f(by + 22.0),
                    esc(&truncate(&z.label, 60)),
                    f(bx + bw - 14.0),
                    f(by + 22.0),
                    diagram::trust_str(z.trust)
                );
            }
            None => wl!(
                out,
                "<g class=\"zone\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"10\" fill=\"none\" stroke=\"#bcc5ce\" stroke-width=\"1\" stroke-dasharray=\"2 4\"/><text x=\"{}\" y=\"{}\" class=\"zl\" fill=\"#7b8794\">Outside any declared zone</text></g>",
                f(bx),
                f(*by),
                f(bw),
                f(*bh),
                f(bx + 14.0),
                f(by + 22.0)
            ),
        }
    }

    let ends = endpoints(d, &pos);
    edges(&mut out, d, &ends);
    for (i, n) in d.nodes.iter().enumerate() {
        if let Some(p) = pos.get(i) {
            node(&mut out, n, *p);
        }
    }
    labels(&mut out, d, &ends, &pos);
    out.push_str("</svg>\n");
    out
}

/// An edge at a port: the other end's height (tenths of a pixel), edge index, outgoing?
type Port = (i64, usize, bool);

/// Endpoints of every edge: (x1, y1, right side?, x2, y2, right side?).
type Ends = (f64, f64, bool, f64, f64, bool);

fn endpoints(d: &Diagram, pos: &[BoxPos]) -> Vec<Ends> {
    // Which side of each box each edge leaves or enters by.
    let sides: Vec<(bool, bool)> = d
        .edges
        .iter()
        .map(|e| {
            let (a, b) = (pos.get(e.from), pos.get(e.to));
            match (a, b) {
                (Some(a), Some(b)) if b.col > a.col => (true, false),
                (Some(a), Some(b)) if b.col < a.col => (false, true),
                _ => (true, true),
            }
        })
        .collect();
    let centre = |n: usize| pos.get(n).map(|p| p.y + p.h / 2.0).unwrap_or(0.0);
    // Per (node, side): the edges using it, ordered by the other end's height.
    let mut ports: BTreeMap<(usize, bool), Vec<Port>> = BTreeMap::new();
    for (i, e) in d.edges.iter().enumerate() {
        let (sf, st) = sides.get(i).copied().unwrap_or((true, true));
        ports
            .entry((e.from, sf))
            .or_default()
            .push(((centre(e.to) * 10.0) as i64, i, true));
        ports
            .entry((e.to, st))
            .or_default()
            .push(((centre(e.from) * 10.0) as i64, i, false));
    }
    let mut ends: Vec<Ends> = vec![(0.0, 0.0, true, 0.0, 0.0, true); d.edges.len()];
    for ((node, right), mut list) in ports {
        list.sort();
        let Some(p) = pos.get(node) else { continue };
        let x = if right { p.x + NODE_W } else { p.x };
        let top = p.y + 6.0;
        let span = (p.h - 12.0).clamp(1.0, BASE_H + 20.0);
        let n = list.len() as f64;
        for (k, (_, edge, is_from)) in list.into_iter().enumerate() {
            let y = top + span * (k as f64 + 1.0) / (n + 1.0);
            if let Some(end) = ends.get_mut(edge) {
                if is_from {
                    end.0 = x;
                    end.1 = y;
                    end.2 = right;
                } else {
                    end.3 = x;
                    end.4 = y;
                    end.5 = right;
                }
            }
        }
    }
    ends
}

/// Id of the arrowhead marker of an edge style.
fn marker(s: EdgeStyle) -> &'static str {
    match s {
        EdgeStyle::Authenticated => "arr",
        EdgeStyle::Unauthenticated => "arr-red",
        EdgeStyle::Implied => "arr-grey",
    }
}

fn curve(e: &Ends) -> ([f64; 2], [f64; 2], [f64; 2], [f64; 2]) {
    let (x1, y1, r1, x2, y2, r2) = *e;
    let dx = ((x2 - x1).abs() * 0.45).max(48.0);
    let d1 = if r1 { dx } else { -dx };
    let d2 = if r2 { dx } else { -dx };
    ([x1, y1], [x1 + d1, y1], [x2 + d2, y2], [x2, y2])
}

fn edges(out: &mut String, d: &Diagram, ends: &[Ends]) {
    wl!(out, "<g class=\"edges\" fill=\"none\">");
    for (e, end) in d.edges.iter().zip(ends) {
        let (p0, p1, p2, p3) = curve(end);
        let width = match e.style {
            EdgeStyle::Authenticated => 1.5,
            EdgeStyle::Unauthenticated => 1.8,
            EdgeStyle::Implied => 1.1,
        };
        let dash = if e.style.dashed() {
            " stroke-dasharray=\"6 4\""
        } else {
            ""
        };
        let (stroke, marker) = (e.style.colour(), marker(e.style));
        wl!(
            out,
            "<path d=\"M{},{} C{},{} {},{} {},{}\" stroke=\"{stroke}\" stroke-width=\"{width}\"{dash} marker-end=\"url(#{marker})\"><title>{}</title></path>",
            f(p0[0]),
            f(p0[1]),
            f(p1[0]),
            f(p1[1]),
            f(p2[0]),
            f(p2[1]),
            f(p3[0]),
            f(p3[1]),
            esc(&e.detail)
        );
    }
    wl!(out, "</g>");
}

/// A point of the cubic Bézier curve at `t`.
fn at(c: &([f64; 2], [f64; 2], [f64; 2], [f64; 2]), t: f64) -> (f64, f64) {
    let u = 1.0 - t;
    let (a, b, cc, d) = (u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t);
    (
        a * c.0[0] + b * c.1[0] + cc * c.2[0] + d * c.3[0],
        a * c.0[1] + b * c.1[1] + cc * c.2[1] + d * c.3[1],
    )
}

/// Whether two rectangles `[x, y, w, h]` overlap (with a small margin).
fn overlaps(a: [f64; 4], b: [f64; 4]) -> bool {
    let m = 2.0;
    a[0] < b[0] + b[2] + m
        && b[0] < a[0] + a[2] + m
        && a[1] < b[1] + b[3] + m
        && b[1] < a[1] + a[3] + m
}

/// Edge labels, placed along their curve where they cover neither a box nor another
/// label. A label of an implied flow that finds no free place is left out (its arrow
/// keeps a tooltip); a declared link's label is always drawn.
fn labels(out: &mut String, d: &Diagram, ends: &[Ends], pos: &[BoxPos]) {
    let mut taken: Vec<[f64; 4]> = pos.iter().map(|p| [p.x, p.y, NODE_W, p.h]).collect();
    wl!(out, "<g class=\"labels\">");
    for (e, end) in d.edges.iter().zip(ends) {
        let c = curve(end);
        let text = truncate(&e.label, 18);
        let w = text.chars().count() as f64 * 6.0 + 10.0;
        let rect = |t: f64| {
            let (x, y) = at(&c, t);
            [x - w / 2.0, y - 7.5, w, 15.0]
        };
        let free = [0.5, 0.38, 0.62, 0.26, 0.74]
            .into_iter()
            .map(rect)
            .find(|r| !taken.iter().any(|o| overlaps(*r, *o)));
        let r = match (free, e.style) {
            (Some(r), _) => r,
            (None, EdgeStyle::Implied) => continue,
            (None, _) => rect(0.5),
        };
        taken.push(r);
        let colour = e.style.label_colour();
        wl!(
            out,
            "<g><title>{}</title><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"15\" rx=\"7.5\" fill=\"#ffffff\" fill-opacity=\"0.92\" stroke=\"{colour}\" stroke-opacity=\"0.35\"/><text x=\"{}\" y=\"{}\" class=\"el\" fill=\"{colour}\" text-anchor=\"middle\">{}</text></g>",
            esc(&e.detail),
            f(r[0]),
            f(r[1]),
            f(w),
            f(r[0] + w / 2.0),
            f(r[1] + 11.0),
            esc(&text)
        );
    }
    wl!(out, "</g>");
}

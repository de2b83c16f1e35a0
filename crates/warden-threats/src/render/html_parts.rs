//! The sections of the HTML page.

use super::RenderInput;
use super::diagram;
use super::escape::html as esc;
use super::stats::{self, ROWS, SEVERITIES_DESC, Stats, THREATS, named};
use crate::baseline::Diff;
use std::collections::BTreeMap;

fn row_label(input: &RenderInput, row: usize) -> String {
    stats::row_label(&input.names.layers, row, esc)
}

pub(crate) fn pills(ids: &[String], names: &BTreeMap<String, String>) -> String {
    if ids.is_empty() {
        return String::from("<span class=\"zero\">—</span>");
    }
    ids.iter()
        .map(|i| {
            format!(
                "<span class=\"pill\" title=\"{}\">{}</span>",
                esc(&named(names, i)),
                esc(i)
            )
        })
        .collect::<Vec<_>>()
        .concat()
}

pub(crate) fn named_list(ids: &[String], names: &BTreeMap<String, String>) -> String {
    if ids.is_empty() {
        return String::from("<span class=\"zero\">—</span>");
    }
    ids.iter()
        .map(|i| match names.get(i) {
            Some(n) => format!("<b>{}</b> {}", esc(i), esc(n)),
            None => format!("<b>{}</b>", esc(i)),
        })
        .collect::<Vec<_>>()
        .join("<br>")
}

pub(crate) fn codes(ids: &[String], sep: &str) -> String {
    if ids.is_empty() {
        return String::from("<span class=\"zero\">—</span>");
    }
    ids.iter()
        .map(|i| format!("<code>{}</code>", esc(i)))
        .collect::<Vec<_>>()
        .join(sep)
}

fn num(n: usize) -> String {
    if n == 0 {
        String::from("<td class=\"num zero\">0</td>")
    } else {
        format!("<td class=\"num\">{n}</td>")
    }
}

/// Anchor id of a finding's card (ids may hold any character).
pub(crate) fn anchor(index: usize) -> String {
    format!("f{index}")
}

/// The baseline diff.
pub(crate) fn diff(out: &mut String, d: &Diff) {
    wl!(
        out,
        "<section id=\"changes\"><h2>Changes since the baseline</h2>"
    );
    wl!(out, "<div class=\"diff\">");
    let new: Vec<String> = d
        .new
        .iter()
        .map(|id| format!("<code>{}</code>", esc(id)))
        .collect();
    diff_card(out, "add", '+', "New findings", &new, "");
    let resolved: Vec<String> = d
        .resolved
        .iter()
        .map(|r| {
            format!(
                "<span class=\"badge {0}\">{0}</span> <code>{1}</code><br>{2}",
                r.severity.as_str(),
                esc(&r.id),
                esc(&r.title)
            )
        })
        .collect();
    diff_card(out, "gone", '−', "Resolved", &resolved, "");
    let changed: Vec<String> = d
        .changed
        .iter()
        .map(|c| {
            format!(
                "<code>{}</code><br>{} → <b>{}</b>",
                esc(&c.id),
                stats::state(c.before, " · "),
                stats::state(c.after, " · ")
            )
        })
        .collect();
    let title = "Changed severity or status";
    diff_card(out, "chg", '~', title, &changed, "</div></section>");
}

/// One card of the baseline diff: the count with its sign, a title and a list of `items`
/// (markup); `end` closes what encloses the card on its last line.
fn diff_card(out: &mut String, class: &str, sign: char, title: &str, items: &[String], end: &str) {
    wl!(
        out,
        "<div class=\"card\"><div class=\"big {class}\">{sign}{}</div><h3>{title}</h3><ul>",
        items.len()
    );
    for item in items {
        wl!(out, "<li>{item}</li>");
    }
    wl!(out, "</ul></div>{end}");
}

/// The system diagram and its legend.
pub(crate) fn diagram(out: &mut String, input: &RenderInput) {
    let d = diagram::build(input.model, input.graph, input.report);
    wl!(out, "<section id=\"diagram\"><h2>System diagram</h2>");
    wl!(out, "<div class=\"card diagram-box\">");
    out.push_str(&super::svg::render(&d));
    wl!(out, "<div class=\"legend\">");
    for sev in diagram::CLASSES {
        let (fill, stroke) = diagram::sev_colours(sev);
        let label = sev.map(|s| s.as_str()).unwrap_or("no open finding");
        wl!(
            out,
            "<span><i class=\"sw\" style=\"background:{fill};border-color:{stroke}\"></i>{label}</span>"
        );
    }
    wl!(out, "<span><i class=\"ln\"></i>authenticated link</span>");
    wl!(
        out,
        "<span><i class=\"ln red\"></i>link without authentication (none or not declared)</span>"
    );
    wl!(
        out,
        "<span><i class=\"ln grey\"></i>flow implied by the model (no declared link)</span>"
    );
    wl!(out, "</div></div></section>");
}

/// The layer × threat heat map.
pub(crate) fn heat_map(out: &mut String, input: &RenderInput, s: &Stats) {
    wl!(
        out,
        "<section id=\"heatmap\"><h2>Heat map: MAESTRO layer × OWASP ASI threat</h2><div class=\"card\">"
    );
    wl!(
        out,
        "<table class=\"heat\"><thead><tr><th class=\"row\"></th>"
    );
    for t in THREATS {
        wl!(
            out,
            "<th title=\"{}\">{t}</th>",
            esc(&named(&input.names.threats, t))
        );
    }
    wl!(out, "</tr></thead><tbody>");
    for (r, cells) in s.heat.iter().enumerate().take(ROWS) {
        let class = if r == stats::CROSS {
            " class=\"cross\""
        } else {
            ""
        };
        wl!(
            out,
            "<tr{class}><th class=\"row\">{}</th>",
            row_label(input, r)
        );
        for (t, c) in THREATS.iter().zip(cells) {
            match c.max {
                Some(max) if c.count > 0 => wl!(
                    out,
                    "<td class=\"h-{}\" title=\"{} × {}: {} open, worst {}\">{}</td>",
                    max.as_str(),
                    stats::row_id(r),
                    t,
                    c.count,
                    max.as_str(),
                    c.count
                ),
                _ => wl!(out, "<td></td>"),
            }
        }
        wl!(out, "</tr>");
    }
    wl!(out, "</tbody></table>");
    wl!(
        out,
        "<p class=\"sub\">Each cell counts open findings for that layer and threat, coloured by the most severe. A finding counts in each layer it touches and, when it crosses layers, in the cross-layer row.</p>"
    );
    wl!(out, "</div></section>");
}

/// Open findings by layer and severity, and the controls that would close the most.
pub(crate) fn layers_and_controls(out: &mut String, input: &RenderInput, s: &Stats) {
    wl!(out, "<section id=\"controls\" class=\"grid2\">");
    wl!(
        out,
        "<div class=\"card\"><h2>Open findings by layer</h2><table>"
    );
    wl!(
        out,
        "<thead><tr><th>Layer</th><th class=\"num\">Crit.</th><th class=\"num\">High</th><th class=\"num\">Med.</th><th class=\"num\">Low</th></tr></thead><tbody>"
    );
    for (r, c) in s.layer_sev.iter().enumerate().take(ROWS) {
        wl!(
            out,
            "<tr><td>{}</td>{}{}{}{}</tr>",
            row_label(input, r),
            num(c[3]),
            num(c[2]),
            num(c[1]),
            num(c[0])
        );
    }
    wl!(out, "</tbody></table></div>");
    let ranking = stats::control_ranking(input.report, input.model);
    wl!(
        out,
        "<div class=\"card\"><h2>Controls that would close the most findings</h2>"
    );
    if ranking.is_empty() {
        wl!(
            out,
            "<p class=\"sub\">No open finding recommends a control.</p></div>"
        );
    } else {
        wl!(
            out,
            "<table><thead><tr><th>#</th><th>Control</th><th class=\"num\">Open findings</th><th>By severity</th><th>In the model</th></tr></thead><tbody>"
        );
        for (i, r) in ranking.iter().enumerate() {
            let mut sev = String::new();
            for v in SEVERITIES_DESC {
                let n = r.by_sev[stats::sev_index(v)];
                if n > 0 {
                    w!(
                        sev,
                        "<span class=\"badge {}\">{n} {}</span> ",
                        v.as_str(),
                        v.as_str()
                    );
                }
            }
            let name = input
                .names
                .controls
                .get(&r.id)
                .map(|n| esc(n))
                .unwrap_or_default();
            wl!(
                out,
                "<tr><td class=\"num\">{}</td><td><b class=\"mono\">{}</b><br>{name}</td><td class=\"num\" title=\"{}\">{}</td><td>{}</td><td>{}</td></tr>",
                i + 1,
                esc(&r.id),
                esc(&r.findings.join(", ")),
                r.total(),
                sev.trim_end(),
                stats::declared_str(r.declared)
            );
        }
        wl!(out, "</tbody></table></div>");
    }
    wl!(out, "</section>");
}

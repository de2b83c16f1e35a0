//! The findings section of the HTML page: a filterable table and a detail card per finding.

use super::RenderInput;
use super::escape::html as esc;
use super::html_parts::{anchor, codes, named_list, pills};
use super::stats::{self, SEVERITIES_DESC};
use crate::finding::Finding;

/// The filterable findings table and the detail cards.
pub(crate) fn findings(out: &mut String, input: &RenderInput) {
    let report = input.report;
    let list = stats::open_first(report);
    let new = stats::new_ids(input.diff);
    wl!(
        out,
        "<section id=\"findings\"><h2>Findings</h2><div class=\"card\">"
    );
    if list.is_empty() {
        wl!(out, "<p>No findings.</p></div></section>");
        return;
    }
    wl!(out, "<div class=\"filters\" id=\"filters\">");
    for sev in SEVERITIES_DESC {
        wl!(
            out,
            "<label><input type=\"checkbox\" data-sev=\"{0}\" checked> <span class=\"badge {0}\">{0}</span></label>",
            sev.as_str()
        );
    }
    wl!(
        out,
        "<select aria-label=\"Status\"><option value=\"all\">All statuses</option><option value=\"open\">Open</option><option value=\"mitigated\">Mitigated</option><option value=\"accepted\">Accepted</option></select>"
    );
    wl!(
        out,
        "<input type=\"search\" placeholder=\"Filter by id, title, element, threat…\" aria-label=\"Filter\">"
    );
    wl!(
        out,
        "<span class=\"count\" id=\"shown\">{} shown</span></div>",
        list.len()
    );
    wl!(
        out,
        "<table class=\"findings\"><thead><tr><th>Severity</th><th>Finding</th><th>Layers</th><th>Threats</th><th>Element</th><th>Status</th></tr></thead><tbody>"
    );
    for (i, f) in list.iter().enumerate() {
        let badge = if new.contains(f.id.as_str()) {
            "<span class=\"new\">new</span>"
        } else {
            ""
        };
        wl!(
            out,
            "<tr {}><td><span class=\"badge {}\">{}</span></td><td><a href=\"#{}\">{}</a>{badge}<br><span class=\"mono zero\">{}</span></td><td>{}</td><td>{}</td><td>{}</td><td><span class=\"status {}\">{}</span></td></tr>",
            data_attrs(f),
            f.severity.as_str(),
            f.severity.as_str(),
            anchor(i),
            esc(&f.title),
            esc(&f.id),
            pills(&f.layers, &input.names.layers),
            pills(&f.threats, &input.names.threats),
            f.elements
                .first()
                .map(|e| format!("<code>{}</code>", esc(e)))
                .unwrap_or_default(),
            f.status.as_str(),
            f.status.as_str()
        );
    }
    wl!(out, "</tbody></table></div>");
    wl!(out, "<div class=\"details\">");
    for (i, f) in list.iter().enumerate() {
        card(out, input, f, i, new.contains(f.id.as_str()));
    }
    wl!(out, "</div></section>");
}

fn data_attrs(f: &Finding) -> String {
    let mut text = vec![f.id.as_str(), f.title.as_str(), f.rule.as_str()];
    text.extend(f.elements.iter().map(String::as_str));
    text.extend(f.threats.iter().map(String::as_str));
    text.extend(f.asi.iter().map(String::as_str));
    text.extend(f.layers.iter().map(String::as_str));
    format!(
        "data-finding data-sev=\"{}\" data-status=\"{}\" data-text=\"{}\"",
        f.severity.as_str(),
        f.status.as_str(),
        esc(&text.join(" ").to_lowercase())
    )
}

fn card(out: &mut String, input: &RenderInput, f: &Finding, i: usize, is_new: bool) {
    let names = input.names;
    let new = if is_new {
        "<span class=\"new\">new</span>"
    } else {
        ""
    };
    wl!(
        out,
        "<article class=\"finding {}\" id=\"{}\" {}>",
        f.severity.as_str(),
        anchor(i),
        data_attrs(f)
    );
    wl!(
        out,
        "<div><span class=\"badge {0}\">{0}</span> <span class=\"status {1}\">{1}</span>{new}</div>",
        f.severity.as_str(),
        f.status.as_str()
    );
    wl!(
        out,
        "<h3>{}</h3><div class=\"fid\">{}</div>",
        esc(&f.title),
        esc(&f.id)
    );
    if !f.description.is_empty() {
        wl!(out, "<p>{}</p>", esc(&f.description));
    }
    wl!(out, "<dl>");
    let status = stats::status_words(
        &f.status,
        "<span class=\"status open\">open</span>",
        |ids| codes(ids, ", "),
        |owner| format!("<b>{}</b>", esc(owner)),
        esc,
    );
    let mut layers = named_list(&f.layers, &names.layers);
    if f.cross_layer {
        layers.push_str("<br><i>cross-layer</i>");
    }
    let location = match &f.location {
        Some(l) => format!(
            "<code>{}:{}:{}</code> <span class=\"zero\">{}</span>",
            esc(&input.report.model.file),
            l.line,
            l.column,
            esc(&l.pointer)
        ),
        None => String::from("<span class=\"zero\">—</span>"),
    };
    let mut rows = vec![
        ("Status", status),
        (
            "Likelihood × impact",
            format!("{} × {} → {}", f.likelihood, f.impact, f.severity.as_str()),
        ),
        ("Rule", format!("<code>{}</code>", esc(&f.rule))),
        ("MAESTRO layers", layers),
        ("OWASP ASI threats", named_list(&f.threats, &names.threats)),
        ("Agentic Top 10", named_list(&f.asi, &names.asi)),
        ("MITRE ATLAS", named_list(&f.atlas, &names.atlas)),
        ("STRIDE", esc(&stats::stride_words(f))),
        ("Agentic factors", esc(&f.factors.join(", "))),
        ("Elements", codes(&f.elements, ", ")),
    ];
    if !f.path.is_empty() {
        rows.push((
            "Path",
            format!("<span class=\"path\">{}</span>", codes(&f.path, " → ")),
        ));
    }
    rows.push(("Location", location));
    rows.push((
        "Recommended controls",
        named_list(&f.controls, &names.controls),
    ));
    for (k, v) in rows {
        wl!(out, "<dt>{k}</dt><dd>{v}</dd>");
    }
    wl!(out, "</dl></article>");
}

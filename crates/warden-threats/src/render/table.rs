//! The terminal view: a summary of open findings by severity and MAESTRO layer, the
//! baseline diff, then the findings list, wrapped to 100 columns. Plain text, no colour.

use super::RenderInput;
use super::escape::plain;
use super::stats::{self, LAYERS, ROWS, SEVERITIES_DESC, sev_index};

/// Width the output is wrapped to.
const WIDTH: usize = 100;

/// Word-wrap `text` to `width` columns, splitting words longer than a line.
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let used = line.chars().count();
            let sep = usize::from(used > 0);
            if used + sep + word.len() <= width {
                if sep == 1 {
                    line.push(' ');
                }
                line.extend(word.iter());
                break;
            }
            if used > 0 {
                lines.push(std::mem::take(&mut line));
                continue;
            }
            // Break a long word after the last separator that fits, else at the width.
            let cut = word
                .iter()
                .take(width)
                .rposition(|c| matches!(c, ':' | '.' | '>' | '/' | '-' | '_' | ','))
                .map(|i| i + 1)
                .filter(|&i| i > width / 3)
                .unwrap_or(width.min(word.len()));
            let rest = word.split_off(cut);
            lines.push(word.iter().collect());
            word = rest;
            if word.is_empty() {
                break;
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Lay out rows of cells (each a list of lines) in columns of the given widths.
fn columns(out: &mut String, widths: &[usize], cells: &[Vec<String>]) {
    let height = cells.iter().map(Vec::len).max().unwrap_or(0);
    for i in 0..height {
        let mut line = String::new();
        for (c, w) in cells.iter().zip(widths) {
            let text = c.get(i).map(String::as_str).unwrap_or("");
            line.push_str(text);
            let pad = w.saturating_sub(text.chars().count()) + 2;
            line.extend(std::iter::repeat_n(' ', pad));
        }
        wl!(out, "{}", line.trim_end());
    }
}

/// Render the terminal view.
pub(crate) fn render(input: &RenderInput) -> String {
    let report = input.report;
    let m = &report.model;
    let s = stats::stats(report);
    let mut out = String::new();
    wl!(out, "Warden threat report: {}", plain(&m.name));
    wl!(
        out,
        "Model: {} (sha256 {}) | {} | {}",
        plain(&m.file),
        plain(&m.sha256.chars().take(12).collect::<String>()),
        plain(&report.generator),
        plain(&report.schema)
    );
    wl!(
        out,
        "Elements: {}",
        stats::element_counts(&m.elements, true)
    );
    wl!(out);
    let by_sev: Vec<String> = SEVERITIES_DESC
        .iter()
        .map(|&v| format!("{} {}", v.as_str(), s.open[sev_index(v)]))
        .collect();
    wl!(
        out,
        "Open findings: {}  ({})",
        s.open_total(),
        by_sev.join(", ")
    );
    wl!(
        out,
        "Mitigated: {}  Accepted: {}  Total: {}",
        s.mitigated,
        s.accepted,
        s.total
    );
    wl!(out);

    wl!(out, "Open findings by MAESTRO layer");
    let head = format!(
        "  {:<36}{:>9}{:>6}{:>8}{:>5}{:>7}",
        "LAYER", "CRITICAL", "HIGH", "MEDIUM", "LOW", "TOTAL"
    );
    wl!(out, "{head}");
    let row = |out: &mut String, label: &str, counts: &[usize; 4]| {
        let cell = |n: usize| {
            if n == 0 {
                "-".to_string()
            } else {
                n.to_string()
            }
        };
        let label = super::escape::truncate(label, 35);
        wl!(
            out,
            "  {:<36}{:>9}{:>6}{:>8}{:>5}{:>7}",
            label,
            cell(counts[3]),
            cell(counts[2]),
            cell(counts[1]),
            cell(counts[0]),
            cell(counts.iter().sum())
        );
    };
    for (r, counts) in s.layer_sev.iter().enumerate().take(ROWS) {
        let label = match LAYERS.get(r) {
            Some(id) => match input.names.layers.get(*id) {
                Some(n) => format!("{id}  {}", plain(n)),
                None => id.to_string(),
            },
            None => String::from("Cross-layer"),
        };
        row(&mut out, &label, counts);
    }
    row(&mut out, "All open findings (distinct)", &s.open);
    wl!(out);

    if let Some(d) = input.diff {
        wl!(
            out,
            "Changes since baseline: {} new, {} resolved, {} changed",
            d.new.len(),
            d.resolved.len(),
            d.changed.len()
        );
        for id in &d.new {
            wl!(out, "  + new       {}", plain(id));
        }
        for r in &d.resolved {
            wl!(
                out,
                "  - resolved  {} (was {}): {}",
                plain(&r.id),
                stats::state(stats::was(r), ", "),
                plain(&r.title)
            );
        }
        for c in &d.changed {
            wl!(
                out,
                "  ~ changed   {}: {} -> {}",
                plain(&c.id),
                stats::state(c.before, "/"),
                stats::state(c.after, "/")
            );
        }
        wl!(out);
    }

    findings(&mut out, input);
    out
}

fn findings(out: &mut String, input: &RenderInput) {
    let report = input.report;
    if report.findings.is_empty() {
        wl!(out, "No findings.");
        return;
    }
    wl!(
        out,
        "Findings ({}; open first, then by severity)",
        report.findings.len()
    );
    let list = stats::open_first(report);
    let id_w = list
        .iter()
        .map(|f| plain(&f.id).chars().count())
        .max()
        .unwrap_or(2)
        .clamp(10, 34);
    let (sev_w, lay_w, thr_w) = (9, 8, 9);
    let title_w = WIDTH
        .saturating_sub(sev_w + id_w + lay_w + thr_w + 8)
        .max(24);
    let widths = [sev_w, id_w, lay_w, thr_w, title_w];
    let header: Vec<Vec<String>> = ["SEVERITY", "ID", "LAYERS", "THREATS", "TITLE"]
        .iter()
        .map(|h| vec![h.to_string()])
        .collect();
    columns(out, &widths, &header);
    let rule: Vec<Vec<String>> = widths.iter().map(|w| vec!["-".repeat(*w)]).collect();
    columns(out, &widths, &rule);
    let new = stats::new_ids(input.diff);
    for (i, f) in list.into_iter().enumerate() {
        if i > 0 {
            wl!(out);
        }
        let mut sev = vec![
            f.severity.as_str().to_ascii_uppercase(),
            f.status.as_str().to_string(),
        ];
        if new.contains(f.id.as_str()) {
            sev.push(String::from("new"));
        }
        let mut title = wrap(&plain(&f.title), title_w);
        if let Some(el) = f.elements.first() {
            title.extend(wrap(&format!("element: {}", plain(el)), title_w));
        }
        let cells = vec![
            sev,
            wrap(&plain(&f.id), id_w),
            wrap(&plain(&f.layers.join(", ")), lay_w),
            wrap(&plain(&f.threats.join(", ")), thr_w),
            title,
        ];
        columns(out, &widths, &cells);
    }
}

//! One self-contained HTML page: header and summary, the system diagram as inline SVG, the
//! layer × threat heat map, the controls that would close the most findings, the baseline
//! diff, and a filterable findings table with a detail card per finding.
//!
//! Nothing is fetched: styles, script and diagram are inline, and a Content-Security-Policy
//! allows only the page's own style and (by hash) its own script.

use super::RenderInput;
use super::escape::html as esc;
use super::html_parts;
use super::stats::{self, SEVERITIES_DESC, sev_index};
use sha2::{Digest, Sha256};

const CSS: &str = include_str!("report.css");
const JS: &str = include_str!("report.js");

/// Standard base64 (RFC 4648, with padding), for the CSP script hash.
fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                let idx = ((n >> (18 - 6 * i)) & 63) as usize;
                out.push(char::from(ABC.get(idx).copied().unwrap_or(b'A')));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Render the page.
pub(crate) fn render(input: &RenderInput) -> String {
    let report = input.report;
    let m = &report.model;
    let s = stats::stats(report);
    let script_hash = base64(&Sha256::digest(JS.as_bytes()));
    let mut out = String::new();
    wl!(
        out,
        "<!DOCTYPE html>
<html lang=\"en\">
<head>
<meta charset=\"utf-8\">
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{script_hash}'; img-src data:\">
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">
<meta name=\"generator\" content=\"{generator}\">
<title>Threat model: {name}</title>
<style>
{CSS}</style>
</head>
<body>",
        generator = esc(&report.generator),
        name = esc(&m.name),
    );

    wl!(out, "<header class=\"top\"><div class=\"wrap\">");
    wl!(
        out,
        "<div class=\"eyebrow\">Warden · MAESTRO threat model</div>"
    );
    wl!(out, "<h1>{}</h1>", esc(&m.name));
    if let Some(d) = &input.model.system.description {
        wl!(out, "<p>{}</p>", esc(d));
    }
    wl!(out, "<div class=\"meta\">");
    // One labelled value of the header; `class` is the value's class attribute, if any.
    let meta = |out: &mut String, label: &str, value: &str, class: &str| {
        wl!(out, "<span>{label} <b{class}>{}</b></span>", esc(value));
    };
    const MONO: &str = " class=\"mono\"";
    meta(&mut out, "Model", &m.file, MONO);
    wl!(
        out,
        "<span title=\"SHA-256 {}\">SHA-256 <b class=\"mono\">{}…</b></span>",
        esc(&m.sha256),
        esc(&m.sha256.chars().take(16).collect::<String>())
    );
    if let Some(o) = &input.model.system.owner {
        meta(&mut out, "Owner", o, "");
    }
    meta(&mut out, "Generator", &report.generator, "");
    meta(&mut out, "Format", &report.schema, MONO);
    wl!(out, "</div></div></header>");

    wl!(out, "<nav class=\"toc\"><div class=\"wrap\">");
    wl!(out, "<a href=\"#summary\">Summary</a>");
    if input.diff.is_some() {
        wl!(out, "<a href=\"#changes\">Changes</a>");
    }
    wl!(out, "<a href=\"#diagram\">System diagram</a>");
    wl!(out, "<a href=\"#heatmap\">Heat map</a>");
    wl!(out, "<a href=\"#controls\">Controls</a>");
    wl!(out, "<a href=\"#findings\">Findings</a>");
    wl!(out, "</div></nav>");

    wl!(out, "<main class=\"wrap\">");
    wl!(out, "<section id=\"summary\">");
    wl!(out, "<h2>Summary</h2>");
    wl!(out, "<div class=\"cards\">");
    for sev in SEVERITIES_DESC {
        wl!(
            out,
            "<div class=\"stat {}\"><div class=\"n\">{}</div><div class=\"l\">Open {}</div></div>",
            sev.as_str(),
            s.open[sev_index(sev)],
            sev.as_str()
        );
    }
    for (n, l) in [
        (s.mitigated, "Mitigated"),
        (s.accepted, "Accepted"),
        (s.total, "All findings"),
    ] {
        wl!(
            out,
            "<div class=\"stat ok\"><div class=\"n\">{n}</div><div class=\"l\">{l}</div></div>"
        );
    }
    wl!(out, "</div>");
    wl!(
        out,
        "<p class=\"sub\">{} open findings. The model has {}.</p>",
        s.open_total(),
        stats::element_counts(&m.elements, false)
    );
    wl!(out, "</section>");

    if let Some(d) = input.diff {
        html_parts::diff(&mut out, d);
    }
    html_parts::diagram(&mut out, input);
    html_parts::heat_map(&mut out, input, &s);
    html_parts::layers_and_controls(&mut out, input, &s);
    super::html_findings::findings(&mut out, input);
    wl!(out, "</main>");
    wl!(
        out,
        "<footer><div class=\"wrap\">Generated by {} · report format {} · self-contained page: no external resources.</div></footer>",
        esc(&report.generator),
        esc(&report.schema)
    );
    wl!(out, "<script>{JS}</script>");
    wl!(out, "</body>");
    wl!(out, "</html>");
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_matches_rfc4648_vectors() {
        assert_eq!(super::base64(b""), "");
        assert_eq!(super::base64(b"f"), "Zg==");
        assert_eq!(super::base64(b"fo"), "Zm8=");
        assert_eq!(super::base64(b"foo"), "Zm9v");
        assert_eq!(super::base64(b"foobar"), "Zm9vYmFy");
    }
}

//! Plain-text tables with word-wrapped cells.

use super::WIDTH;

/// Break `text` into lines of at most `width` characters, at spaces where possible.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        while word.len() > width {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let rest = word.split_off(width);
            lines.push(word.into_iter().collect());
            word = rest;
        }
        let len = line.chars().count();
        if len > 0 && len + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.extend(word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// A table whose last column takes the remaining width; `caps` bound the other columns.
pub(super) fn table(headers: &[&str], caps: &[usize], rows: &[Vec<String>]) -> String {
    let n = headers.len();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate().take(n) {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    for (i, w) in widths.iter_mut().enumerate().take(n - 1) {
        *w = (*w).min(caps.get(i).copied().unwrap_or(24));
    }
    let used: usize = widths[..n - 1].iter().sum::<usize>() + 2 * (n - 1);
    widths[n - 1] = widths[n - 1].min(WIDTH.saturating_sub(used).max(16));
    let mut out = String::new();
    let mut emit = |cells: Vec<Vec<String>>| {
        let height = cells.iter().map(Vec::len).max().unwrap_or(1);
        for k in 0..height {
            let mut line = String::new();
            for (i, cell) in cells.iter().enumerate() {
                let text = cell.get(k).map(String::as_str).unwrap_or("");
                line.push_str(text);
                if i + 1 < n {
                    let pad = widths[i] + 2 - text.chars().count();
                    line.extend(std::iter::repeat_n(' ', pad));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
    };
    emit(
        headers
            .iter()
            .enumerate()
            .map(|(i, h)| wrap(h, widths[i]))
            .collect(),
    );
    emit(widths.iter().map(|w| vec!["-".repeat(*w)]).collect());
    for row in rows {
        emit(
            (0..n)
                .map(|i| wrap(row.get(i).map(String::as_str).unwrap_or(""), widths[i]))
                .collect(),
        );
    }
    out
}

//! Escaping text that came from the model for each output format.

/// Replace control characters (including ESC, which could drive a terminal) with a space.
pub(crate) fn plain(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Escape for HTML/SVG text and attribute values.
pub(crate) fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(' '),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Escape for inline Markdown (paragraphs and table cells): no markup, no raw HTML,
/// no line breaks, no cell separators, nothing that starts a block.
pub(crate) fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let digits = s.chars().take_while(char::is_ascii_digit).count();
    for (i, c) in s.chars().enumerate() {
        let starts_block = (i == 0 && matches!(c, '#' | '-' | '+' | '='))
            || (i == digits && i > 0 && matches!(c, '.' | ')'));
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '$' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c if starts_block => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Inline code in Markdown when the text allows it, otherwise escaped plain text.
pub(crate) fn md_code(s: &str) -> String {
    if s.is_empty() || s.contains(['`', '|', '\\']) || s.chars().any(char::is_control) {
        md(s)
    } else {
        format!("`{s}`")
    }
}

/// Escape a Mermaid label (used inside double quotes): entity codes for everything that
/// Mermaid or its HTML labels would interpret.
pub(crate) fn mermaid(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' | '#' | '&' | '<' | '>' | '`' | '|' | '\\' | ';' | '{' | '}' | '[' | ']' | '('
            | ')' | '*' | '_' | '~' => {
                out.push('#');
                out.push_str(&u32::from(c).to_string());
                out.push(';');
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Escape a Graphviz double-quoted string.
pub(crate) fn dot(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Shorten to at most `max` characters, ending with `…` when cut.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_markup() {
        assert_eq!(
            html("<script>\"x\"&'y'</script>"),
            "&lt;script&gt;&quot;x&quot;&amp;&#39;y&#39;&lt;/script&gt;"
        );
    }

    #[test]
    fn markdown_neutralises_markup() {
        assert_eq!(md("a|b <i>*c*"), "a\\|b &lt;i&gt;\\*c\\*");
        assert_eq!(md("# x"), "\\# x");
        assert_eq!(md("12. x-y"), "12\\. x-y");
        assert_eq!(md_code("x`y"), "x\\`y");
        assert_eq!(md_code("agent-1"), "`agent-1`");
    }

    #[test]
    fn mermaid_uses_entity_codes() {
        assert_eq!(mermaid("a\"b<c>#"), "a#34;b#60;c#62;#35;");
    }

    #[test]
    fn dot_and_plain() {
        assert_eq!(dot("a\"b\\"), "a\\\"b\\\\");
        assert_eq!(plain("a\u{1b}[31mb\n"), "a [31mb ");
        assert_eq!(truncate("abcdef", 4), "abc…");
    }
}

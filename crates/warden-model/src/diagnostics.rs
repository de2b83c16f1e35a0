//! Located problems in a model file and their compiler-style rendering.

use crate::source::SourceMap;
use serde::Serialize;
use std::fmt::Write as _;

/// A position in a source file: 1-based line and column (columns count characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
pub struct Position {
    /// 1-based line; 0 when the problem is not tied to a place in the text.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

impl Position {
    /// A position from a 1-based line and column.
    pub fn new(line: usize, column: usize) -> Self {
        Position { line, column }
    }
}

/// A range of source text: `start` inclusive, `end` exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
pub struct Span {
    /// First character.
    pub start: Position,
    /// Just after the last character.
    pub end: Position,
}

/// Longest snippet kept whole; longer lines are cut to a window around the problem.
const MAX_SNIPPET: usize = 160;
/// Characters of context kept before the problem when a line is cut.
const SNIPPET_LEAD: usize = 60;

/// One problem in a model file, located precisely.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// File name as given by the caller.
    pub file: String,
    /// Where the problem starts.
    pub position: Position,
    /// How many characters, from `position`, the problem covers on its line (at least 1).
    pub length: usize,
    /// JSON Pointer of the offending value (empty for syntax errors).
    pub pointer: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when we can tell.
    pub hint: Option<String>,
    /// The source line holding the problem (possibly cut to a window around it).
    pub snippet: String,
    /// 1-based column of the first character of `snippet` within its line.
    pub snippet_column: usize,
}

impl Diagnostic {
    /// A diagnostic covering `span` of `source`, with the snippet taken from the text.
    pub fn new(source: &SourceMap, span: Span, pointer: &str, message: impl Into<String>) -> Self {
        let position = span.start;
        let line = source.line_text(position.line);
        let line_chars = line.chars().count();
        let length = if span.end.line == position.line && span.end.column > position.column {
            span.end.column - position.column
        } else {
            // The value runs past this line: underline what is left of it.
            line.trim_end()
                .chars()
                .count()
                .saturating_sub(position.column.saturating_sub(1))
        }
        .max(1);
        let (snippet, snippet_column) = if line_chars > MAX_SNIPPET {
            let from = position
                .column
                .saturating_sub(1)
                .saturating_sub(SNIPPET_LEAD);
            let cut: String = line.chars().skip(from).take(MAX_SNIPPET).collect();
            (cut, from + 1)
        } else {
            (line.to_string(), 1)
        };
        Diagnostic {
            file: source.file.clone(),
            position,
            length,
            pointer: pointer.to_string(),
            message: message.into(),
            hint: None,
            snippet,
            snippet_column,
        }
    }

    /// A diagnostic about the whole file, with no place in the text (e.g. it cannot be read).
    pub fn file_level(file: &str, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.to_string(),
            position: Position::default(),
            length: 0,
            pointer: String::new(),
            message: message.into(),
            hint: None,
            snippet: String::new(),
            snippet_column: 1,
        }
    }

    /// The same diagnostic with a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The same diagnostic with an optional hint.
    pub fn with_hint_opt(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }

    /// Render for people, in the style of a compiler error:
    ///
    /// ```text
    /// error: unknown key `ownr` in agent `triage`
    ///   --> examples/x.yaml:12:5
    ///    |
    /// 12 |     ownr: team-a
    ///    |     ^^^^
    ///    = hint: did you mean `owner`?
    /// ```
    pub fn render(&self) -> String {
        let mut out = format!("error: {}\n", self.message);
        if self.position.line == 0 {
            let _ = writeln!(out, "  --> {}", self.file);
            if let Some(hint) = &self.hint {
                let _ = writeln!(out, "   = hint: {hint}");
            }
            return out;
        }
        let number = self.position.line.to_string();
        let pad = " ".repeat(number.len());
        let _ = writeln!(
            out,
            "{pad}--> {}:{}:{}",
            self.file, self.position.line, self.position.column
        );
        let _ = writeln!(out, "{pad} |");
        let _ = writeln!(out, "{number} | {}", self.snippet);
        // Keep tabs so the carets line up with the snippet however the terminal shows tabs.
        let lead = self.position.column.saturating_sub(self.snippet_column);
        let indent: String = self
            .snippet
            .chars()
            .chain(std::iter::repeat(' '))
            .take(lead)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        // Never underline past the end of the snippet.
        let room = self.snippet.chars().count().saturating_sub(lead);
        let carets = "^".repeat(self.length.min(room).max(1));
        let _ = writeln!(out, "{pad} | {indent}{carets}");
        if let Some(hint) = &self.hint {
            let _ = writeln!(out, "{pad} = hint: {hint}");
        }
        out
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.position.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file, self.position.line, self.position.column, self.message
            )
        }
    }
}

/// Sort diagnostics by position and drop exact repeats (same place, same message).
pub fn sort_and_dedup(diags: &mut Vec<Diagnostic>) {
    diags.sort_by(|a, b| {
        (a.position, &a.message, &a.pointer).cmp(&(b.position, &b.message, &b.pointer))
    });
    diags.dedup_by(|a, b| a.position == b.position && a.message == b.message);
}

//! Problems found while reading catalogue files: [`Issue`] locates one by JSON Pointer inside
//! a document, [`CatalogError`] by file, line and column.

use std::fmt;
use warden_model::SourceMap;

/// A problem at a JSON Pointer inside one document, before it is given a file position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// JSON Pointer of the offending value (or of the key, see `at_key`).
    pub pointer: String,
    /// What is wrong.
    pub message: String,
    /// Whether the problem is the key itself (an unknown or misplaced key).
    pub at_key: bool,
}

impl Issue {
    /// A problem with the value at `pointer`.
    pub fn at(pointer: &str, message: impl Into<String>) -> Issue {
        Issue {
            pointer: pointer.to_string(),
            message: message.into(),
            at_key: false,
        }
    }

    /// A problem with the key that introduces `pointer`.
    pub fn key(pointer: &str, message: impl Into<String>) -> Issue {
        Issue {
            pointer: pointer.to_string(),
            message: message.into(),
            at_key: true,
        }
    }

    /// Give the issue a file position using the document's source map.
    pub fn locate(self, map: &SourceMap) -> CatalogError {
        let pos = if self.at_key {
            map.key_position(&self.pointer)
        } else {
            map.position(&self.pointer)
        };
        CatalogError {
            file: map.file.clone(),
            line: pos.line,
            column: pos.column,
            pointer: self.pointer,
            message: self.message,
        }
    }
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pointer.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.pointer, self.message)
        }
    }
}

/// Escape a mapping key for use in a JSON Pointer.
pub(crate) fn escape(key: &str) -> String {
    warden_model::source::escape_pointer(key)
}

/// A problem in a catalogue or team extension file, with its position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct CatalogError {
    /// File name as given (built-in files are named `builtin:<name>.yaml`).
    pub file: String,
    /// 1-based line; 0 when the problem is with the file as a whole (e.g. unreadable).
    pub line: usize,
    /// 1-based column; 0 when the line is 0.
    pub column: usize,
    /// JSON Pointer of the offending value; empty for whole-file problems.
    pub pointer: String,
    /// What is wrong, and how to fix it where we can tell.
    pub message: String,
}

impl CatalogError {
    /// A problem with a whole file, such as one that cannot be read.
    pub fn file(file: &str, message: impl Into<String>) -> CatalogError {
        CatalogError {
            file: file.to_string(),
            line: 0,
            column: 0,
            pointer: String::new(),
            message: message.into(),
        }
    }
}

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file, self.line, self.column, self.message
            )
        }
    }
}

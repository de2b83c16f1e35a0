//! The tree builder behind [`crate::yaml`]: turns parser events into a JSON value while
//! recording spans, catching duplicate keys and bounding depth and alias expansion.

use crate::diagnostics::{Diagnostic, Position, Span};
use crate::source::{ParseOptions, SourceMap, type_name};
use crate::suggest::describe;
use crate::yaml::{Built, escape_pointer, measure, scalar_value};
use saphyr::Scalar;
use saphyr_parser::{Event, ScalarStyle, Tag};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::HashMap;

/// A mapping key waiting for its value; `skip` when it repeats an earlier key.
struct PendingKey {
    name: String,
    skip: bool,
}

/// An open mapping or list.
struct Frame {
    pointer: String,
    start: Span,
    anchor: usize,
    record: bool,
    kind: FrameKind,
}

/// What an open container has gathered so far.
enum FrameKind {
    Seq(Vec<Value>),
    Map {
        obj: Map<String, Value>,
        key: Option<PendingKey>,
        seen: HashMap<String, Span>,
    },
}

/// A completed anchored node (`&name`): its value, where it is, and its size.
struct Anchor {
    value: Value,
    pointer: Option<String>,
    nodes: usize,
    depth: usize,
}

/// Where the next node goes.
struct Slot {
    pointer: String,
    record: bool,
    is_key: bool,
}

/// Builds the value from parser events, one at a time.
pub(crate) struct Builder<'o> {
    options: &'o ParseOptions,
    source: SourceMap,
    diags: Vec<Diagnostic>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Anchor>,
    root: Option<Value>,
    alias_nodes: usize,
    /// Duplicate-key diagnostics (by index) and the pointer of their mapping, to name the
    /// mapping once the whole tree is known.
    duplicates: Vec<(usize, String)>,
}

/// Why reading had to stop early.
pub(crate) struct Fatal;

impl<'o> Builder<'o> {
    /// A builder for `text` (named `file`) under `options`.
    pub(crate) fn new(file: &str, text: &str, options: &'o ParseOptions) -> Self {
        Builder {
            options,
            source: SourceMap::new(file, text),
            diags: Vec::new(),
            stack: Vec::new(),
            anchors: HashMap::new(),
            root: None,
            alias_nodes: 0,
            duplicates: Vec::new(),
        }
    }
}

impl Builder<'_> {
    /// A diagnostic at `sp` of this text.
    pub(crate) fn diag(&self, sp: Span, pointer: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(&self.source, sp, pointer, message)
    }

    /// Record a problem.
    pub(crate) fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// Take in one node event; an error means reading must stop.
    pub(crate) fn event(&mut self, event: Event<'_>, sp: Span) -> Result<(), Fatal> {
        match event {
            Event::Scalar(v, style, anchor, tag) => {
                self.scalar(v, style, anchor, tag.as_deref(), sp)
            }
            Event::SequenceStart(anchor, _) => self.open(sp, anchor, FrameKind::Seq(Vec::new())),
            Event::MappingStart(anchor, _) => self.open(
                sp,
                anchor,
                FrameKind::Map {
                    obj: Map::new(),
                    key: None,
                    seen: HashMap::new(),
                },
            ),
            Event::SequenceEnd | Event::MappingEnd => self.close(sp),
            Event::Alias(id) => self.alias(id, sp),
            _ => Ok(()),
        }
    }

    /// The value (unless reading stopped early), its spans and every problem found.
    pub(crate) fn finish(mut self, stopped: bool) -> Built {
        let value = if stopped { None } else { self.finish_root() };
        if let Some(root) = &value {
            for (i, mapping) in std::mem::take(&mut self.duplicates) {
                if let Some(d) = self.diags.get_mut(i) {
                    d.message = format!("{} in {}", d.message, describe(root, &mapping));
                }
            }
        }
        Built {
            value,
            source: self.source,
            diagnostics: self.diags,
        }
    }

    /// Where the next node goes, given the innermost open container.
    fn slot(&self) -> Slot {
        match self.stack.last() {
            None => Slot {
                pointer: String::new(),
                record: true,
                is_key: false,
            },
            Some(f) => match &f.kind {
                FrameKind::Seq(items) => Slot {
                    pointer: format!("{}/{}", f.pointer, items.len()),
                    record: f.record,
                    is_key: false,
                },
                FrameKind::Map { key: None, .. } => Slot {
                    pointer: String::new(),
                    record: false,
                    is_key: true,
                },
                FrameKind::Map { key: Some(k), .. } => Slot {
                    pointer: format!("{}/{}", f.pointer, escape_pointer(&k.name)),
                    record: f.record && !k.skip,
                    is_key: false,
                },
            },
        }
    }

    fn scalar(
        &mut self,
        v: Cow<'_, str>,
        style: ScalarStyle,
        anchor: usize,
        tag: Option<&Tag>,
        sp: Span,
    ) -> Result<(), Fatal> {
        let slot = self.slot();
        if slot.is_key {
            // Keys keep their text as written: `1:` is the key "1", `true:` the key "true".
            return self.key(v.into_owned(), sp);
        }
        let tag_cow = tag.map(|t| Cow::Owned(t.clone()));
        let value = match Scalar::parse_from_cow_and_metadata(v.clone(), style, tag_cow.as_ref()) {
            // Whole numbers past `i64::MAX` still fit the model's `u64` fields.
            Some(Scalar::FloatingPoint(_)) if tag.is_none() && v.parse::<u64>().is_ok() => {
                v.parse::<u64>().map(Value::from).unwrap_or(Value::Null)
            }
            Some(s) => scalar_value(&s),
            None => {
                let t = tag
                    .map(|t| match t.handle.as_str() {
                        "tag:yaml.org,2002:" => format!("!!{}", t.suffix),
                        h => format!("{h}{}", t.suffix),
                    })
                    .unwrap_or_default();
                let d = self
                    .diag(sp, &slot.pointer, format!("`{v}` cannot be read as `{t}`"))
                    .with_hint("remove the tag, or write a value of the tagged type");
                self.diags.push(d);
                Value::String(v.into_owned())
            }
        };
        self.complete(value, sp, anchor, slot)
    }

    fn open(&mut self, sp: Span, anchor: usize, kind: FrameKind) -> Result<(), Fatal> {
        if self.stack.len() >= self.options.max_depth {
            let d = self
                .diag(
                    sp,
                    "",
                    format!(
                        "the document nests too deeply (more than {} levels)",
                        self.options.max_depth
                    ),
                )
                .with_hint("flatten the structure; a model never needs this much nesting");
            self.diags.push(d);
            return Err(Fatal);
        }
        let slot = self.slot();
        self.stack.push(Frame {
            pointer: slot.pointer,
            start: sp,
            anchor,
            record: slot.record,
            kind,
        });
        Ok(())
    }

    fn close(&mut self, end: Span) -> Result<(), Fatal> {
        let Some(frame) = self.stack.pop() else {
            return Ok(());
        };
        let value = match frame.kind {
            FrameKind::Seq(items) => Value::Array(items),
            FrameKind::Map { obj, .. } => Value::Object(obj),
        };
        let sp = Span {
            start: frame.start.start,
            end: end.end.max(frame.start.end),
        };
        let slot = self.slot();
        if slot.is_key {
            let d = self
                .diag(
                    frame.start,
                    "",
                    format!(
                        "a mapping key must be a plain string, found {}",
                        type_name(&value)
                    ),
                )
                .with_hint("write the key as plain text before the `:`");
            self.diags.push(d);
            return self.key(value.to_string(), frame.start);
        }
        self.complete(value, sp, frame.anchor, slot)
    }

    fn alias(&mut self, id: usize, sp: Span) -> Result<(), Fatal> {
        let slot = self.slot();
        let Some(anchor) = self.anchors.get(&id) else {
            let d = self
                .diag(
                    sp,
                    &slot.pointer,
                    "this alias refers to the node that contains it",
                )
                .with_hint("an alias (`*name`) can only repeat a node that is already complete");
            self.diags.push(d);
            return Err(Fatal);
        };
        let nodes = anchor.nodes;
        self.charge(nodes, sp, &slot.pointer)?;
        let Some(anchor) = self.anchors.get(&id) else {
            return Err(Fatal);
        };
        if self.stack.len() + anchor.depth > self.options.max_depth {
            let d = self
                .diag(
                    sp,
                    &slot.pointer,
                    format!(
                        "the document nests too deeply (more than {} levels)",
                        self.options.max_depth
                    ),
                )
                .with_hint("flatten the structure; a model never needs this much nesting");
            self.diags.push(d);
            return Err(Fatal);
        }
        let value = anchor.value.clone();
        if slot.is_key {
            let name = match value {
                Value::String(s) => s,
                other => other.to_string(),
            };
            return self.key(name, sp);
        }
        // Values inside the copy point back at the anchored original.
        if let (true, Some(origin)) = (slot.record, &anchor.pointer) {
            let copy = |m: &std::collections::BTreeMap<String, Span>| -> Vec<(String, Span)> {
                m.range(origin.clone()..)
                    .take_while(|(k, _)| k.starts_with(origin.as_str()))
                    .filter(|(k, _)| {
                        k.len() > origin.len() && k.as_bytes().get(origin.len()) == Some(&b'/')
                    })
                    .map(|(k, s)| (format!("{}{}", slot.pointer, &k[origin.len()..]), *s))
                    .collect()
            };
            let values = copy(&self.source.values);
            let keys = copy(&self.source.keys);
            self.source.values.extend(values);
            self.source.keys.extend(keys);
        }
        self.complete(value, sp, 0, slot)
    }

    /// Count `nodes` copied by aliases (or nested anchors) against the budget.
    fn charge(&mut self, nodes: usize, sp: Span, pointer: &str) -> Result<(), Fatal> {
        self.alias_nodes = self.alias_nodes.saturating_add(nodes);
        if self.alias_nodes <= self.options.max_alias_nodes {
            return Ok(());
        }
        let message = format!(
            "aliases expand to more than {} nodes",
            self.options.max_alias_nodes
        );
        let d = self.diag(sp, pointer, message).with_hint(
            "repeat fewer or smaller anchored nodes; deeply nested aliases grow exponentially",
        );
        self.diags.push(d);
        Err(Fatal)
    }

    /// A key has been read for the innermost mapping.
    fn key(&mut self, name: String, sp: Span) -> Result<(), Fatal> {
        let mut dup = None;
        if let Some(Frame {
            kind: FrameKind::Map { key, seen, .. },
            pointer,
            record,
            ..
        }) = self.stack.last_mut()
        {
            let skip = if let Some(first) = seen.get(&name) {
                dup = Some((*first, pointer.clone()));
                true
            } else {
                seen.insert(name.clone(), sp);
                if *record {
                    self.source
                        .keys
                        .insert(format!("{pointer}/{}", escape_pointer(&name)), sp);
                }
                false
            };
            *key = Some(PendingKey {
                name: name.clone(),
                skip,
            });
        }
        if let Some((first, mapping)) = dup {
            let pointer = format!("{mapping}/{}", escape_pointer(&name));
            self.duplicates.push((self.diags.len(), mapping));
            let d = self
                .diag(sp, &pointer, format!("duplicate key `{name}`"))
                .with_hint(format!(
                    "`{name}` is already set at line {}, column {}; remove one of them",
                    first.start.line, first.start.column
                ));
            self.diags.push(d);
        }
        Ok(())
    }

    /// A value is complete: record it and hand it to its container.
    fn complete(&mut self, value: Value, sp: Span, anchor: usize, slot: Slot) -> Result<(), Fatal> {
        if slot.record {
            self.source.values.insert(slot.pointer.clone(), sp);
        }
        if anchor != 0 {
            let (nodes, depth) = measure(&value);
            // Anchors nested in anchored nodes each keep a copy: charge those copies too,
            // so that deep nesting of anchors cannot multiply memory.
            if self.stack.iter().any(|f| f.anchor != 0) {
                self.charge(nodes, sp, &slot.pointer)?;
            }
            let pointer = slot.record.then(|| slot.pointer.clone());
            self.anchors.insert(
                anchor,
                Anchor {
                    value: value.clone(),
                    pointer,
                    nodes,
                    depth,
                },
            );
        }
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(value);
                }
            }
            Some(Frame {
                kind: FrameKind::Seq(items),
                ..
            }) => items.push(value),
            Some(Frame {
                kind: FrameKind::Map { obj, key, .. },
                ..
            }) => {
                if let Some(k) = key.take().filter(|k| !k.skip) {
                    obj.insert(k.name, value);
                }
            }
        }
        Ok(())
    }

    fn finish_root(&mut self) -> Option<Value> {
        let start = Position::new(1, 1);
        let whole = Span { start, end: start };
        match self.root.take() {
            None | Some(Value::Null) => {
                let d = self
                    .diag(whole, "", "the file holds no model: it is empty or only comments")
                    .with_hint("a model starts with `warden: 1` and a `system:` mapping with at least a `name`");
                self.diags.push(d);
                None
            }
            Some(Value::Object(obj)) => Some(Value::Object(obj)),
            Some(other) => {
                let sp = self.source.span("");
                let d = self
                    .diag(sp, "", format!("the top level must be a mapping of keys to values, found {}", type_name(&other)))
                    .with_hint("a model starts with `warden: 1` and a `system:` mapping with at least a `name`");
                self.diags.push(d);
                None
            }
        }
    }
}

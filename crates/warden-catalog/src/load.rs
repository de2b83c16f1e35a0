//! Reading the catalogue: the YAML files compiled into the binary, and team extension files
//! that add rules and controls. Every problem is reported with file, line and column.

use crate::Catalog;
use crate::fields::{Known, check_keys, child, object, refs, string, strings, valid_id};
use crate::issue::{CatalogError, Issue};
use crate::rule::parse_rule;
use crate::types::{Control, ControlKind};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::str::FromStr;
use warden_model::{Diagnostic, SourceMap, source::to_json};

/// The built-in data files, by name, as compiled into the binary.
pub const BUILTIN_FILES: [(&str, &str); 9] = [
    ("sources.yaml", include_str!("../data/sources.yaml")),
    ("layers.yaml", include_str!("../data/layers.yaml")),
    ("threats.yaml", include_str!("../data/threats.yaml")),
    ("asi.yaml", include_str!("../data/asi.yaml")),
    ("atlas.yaml", include_str!("../data/atlas.yaml")),
    ("factors.yaml", include_str!("../data/factors.yaml")),
    ("traits.yaml", include_str!("../data/traits.yaml")),
    ("controls.yaml", include_str!("../data/controls.yaml")),
    ("rules.yaml", include_str!("../data/rules.yaml")),
];

fn builtin_text(name: &str) -> &'static str {
    BUILTIN_FILES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
        .unwrap_or("")
}

fn from_diagnostics(diags: Vec<Diagnostic>) -> Vec<CatalogError> {
    diags
        .into_iter()
        .map(|d| CatalogError {
            file: d.file,
            line: d.position.line,
            column: d.position.column,
            pointer: d.pointer,
            message: match d.hint {
                Some(h) => format!("{} ({h})", d.message),
                None => d.message,
            },
        })
        .collect()
}

/// A parsed document: its top-level mapping and the positions of its values.
struct Doc {
    top: Map<String, Value>,
    map: SourceMap,
}

fn document(
    file: &str,
    text: &str,
    allowed: &[&str],
    errors: &mut Vec<CatalogError>,
) -> Option<Doc> {
    let (value, map) = match to_json(file, text) {
        Ok(x) => x,
        Err(d) => {
            errors.extend(from_diagnostics(d));
            return None;
        }
    };
    let mut issues = Vec::new();
    let what = format!("a mapping with {}", allowed.join(" and/or "));
    let top = object(&value, "", &format!("the file ({what})"), &mut issues).cloned();
    if let Some(top) = &top {
        check_keys(top, "", allowed, "the file", &mut issues);
    }
    errors.extend(issues.into_iter().map(|i| i.locate(&map)));
    top.map(|top| Doc { top, map })
}

/// Deserialize each entry of `doc.top[key]` into `T`, locating failures at the entry.
fn entries<T: DeserializeOwned>(doc: &Doc, key: &str, errors: &mut Vec<CatalogError>) -> Vec<T> {
    let pointer = child("", key);
    let items = match doc.top.get(key) {
        Some(Value::Array(items)) => items,
        _ => {
            errors.push(Issue::at(&pointer, format!("`{key}` must be a list")).locate(&doc.map));
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match serde_json::from_value::<T>(item.clone()) {
            Ok(t) => out.push(t),
            Err(e) => {
                errors.push(Issue::at(&format!("{pointer}/{i}"), e.to_string()).locate(&doc.map))
            }
        }
    }
    out
}

/// The list under `key`, or an empty slice (reporting a non-list value).
fn list<'a>(doc: &'a Doc, key: &str, errors: &mut Vec<CatalogError>) -> &'a [Value] {
    match doc.top.get(key) {
        None | Some(Value::Null) => &[],
        Some(Value::Array(items)) => items,
        Some(_) => {
            errors.push(
                Issue::at(&child("", key), format!("`{key}` must be a list")).locate(&doc.map),
            );
            &[]
        }
    }
}

/// Where an id was first defined, to report clashes.
type Defined = BTreeMap<String, String>;

fn claim(
    defined: &mut Defined,
    what: &str,
    id: &str,
    here: String,
    pointer: &str,
    issues: &mut Vec<Issue>,
) -> bool {
    match defined.get(id) {
        Some(first) => {
            issues.push(Issue::at(
                &child(pointer, "id"),
                format!("{what} id `{id}` is already defined ({first})"),
            ));
            false
        }
        None => {
            defined.insert(id.to_string(), here);
            true
        }
    }
}

fn location(map: &SourceMap, pointer: &str) -> String {
    let p = map.position(pointer);
    format!("{}:{}:{}", map.file, p.line, p.column)
}

/// Read the built-in catalogue from the compiled-in files.
pub(crate) fn load_builtin() -> Result<Catalog, Vec<CatalogError>> {
    let mut errors = Vec::new();
    let mut cat = Catalog::default();
    let name = |f: &str| format!("builtin:{f}");
    let doc = |f: &str, allowed: &[&str], errors: &mut Vec<CatalogError>| {
        document(&name(f), builtin_text(f), allowed, errors)
    };
    if let Some(d) = doc("sources.yaml", &["sources"], &mut errors) {
        cat.sources = entries(&d, "sources", &mut errors);
    }
    if let Some(d) = doc("layers.yaml", &["layers", "cross_layer"], &mut errors) {
        cat.layers = entries(&d, "layers", &mut errors);
        cat.cross_layer = entries(&d, "cross_layer", &mut errors);
    }
    if let Some(d) = doc("threats.yaml", &["threats"], &mut errors) {
        cat.threats = entries(&d, "threats", &mut errors);
    }
    if let Some(d) = doc("asi.yaml", &["asi"], &mut errors) {
        cat.asi = entries(&d, "asi", &mut errors);
    }
    if let Some(d) = doc("atlas.yaml", &["atlas"], &mut errors) {
        cat.atlas = entries(&d, "atlas", &mut errors);
    }
    if let Some(d) = doc("factors.yaml", &["factors"], &mut errors) {
        cat.factors = entries(&d, "factors", &mut errors);
    }
    if let Some(d) = doc("traits.yaml", &["traits"], &mut errors) {
        cat.traits = entries(&d, "traits", &mut errors);
    }
    let texts = [
        (
            name("controls.yaml"),
            builtin_text("controls.yaml").to_string(),
        ),
        (name("rules.yaml"), builtin_text("rules.yaml").to_string()),
    ];
    add_files(&mut cat, &texts, &mut errors);
    cat.derive();
    if errors.is_empty() {
        Ok(cat)
    } else {
        Err(errors)
    }
}

/// Add the `controls:` and `rules:` of `files` (name, text) to `cat`, checking every id for
/// clashes and every reference against the catalogue as extended.
pub(crate) fn add_files(
    cat: &mut Catalog,
    files: &[(String, String)],
    errors: &mut Vec<CatalogError>,
) {
    let docs: Vec<Doc> = files
        .iter()
        .filter_map(|(f, t)| document(f, t, &["rules", "controls"], errors))
        .collect();
    for d in &docs {
        if !d.top.contains_key("rules") && !d.top.contains_key("controls") {
            errors.push(
                Issue::at(
                    "",
                    "the file adds nothing: give it `rules:` and/or `controls:`",
                )
                .locate(&d.map),
            );
        }
    }
    let builtin = |id: &String| (id.clone(), "by the catalogue".to_string());
    let mut controls: Defined = cat.controls.iter().map(|c| builtin(&c.id)).collect();
    let mut rules: Defined = cat.rules.iter().map(|r| builtin(&r.id)).collect();

    let known = Known::of(cat);
    for d in &docs {
        let mut issues = Vec::new();
        for (i, item) in list(d, "controls", errors).iter().enumerate() {
            let pointer = format!("/controls/{i}");
            if let Some(c) = parse_control(item, &pointer, &known, &mut issues) {
                let here = location(&d.map, &child(&pointer, "id"));
                if claim(&mut controls, "control", &c.id, here, &pointer, &mut issues) {
                    cat.controls.push(c);
                }
            }
        }
        errors.extend(issues.into_iter().map(|i| i.locate(&d.map)));
    }

    let known = Known::of(cat);
    for d in &docs {
        let mut issues = Vec::new();
        for (i, item) in list(d, "rules", errors).iter().enumerate() {
            let pointer = format!("/rules/{i}");
            if let Some(r) = parse_rule(item, &pointer, &known, &mut issues) {
                let here = location(&d.map, &child(&pointer, "id"));
                if claim(&mut rules, "rule", &r.id, here, &pointer, &mut issues) {
                    cat.rules.push(r);
                }
            }
        }
        errors.extend(issues.into_iter().map(|i| i.locate(&d.map)));
    }
}

const CONTROL_KEYS: [&str; 8] = [
    "id",
    "name",
    "kind",
    "description",
    "mitigates",
    "layers",
    "warden",
    "references",
];

/// Parse one control at `pointer`, checking its references against `known`.
pub(crate) fn parse_control(
    v: &Value,
    pointer: &str,
    known: &Known,
    issues: &mut Vec<Issue>,
) -> Option<Control> {
    let before = issues.len();
    let m = object(v, pointer, "a control", issues)?;
    check_keys(m, pointer, &CONTROL_KEYS, "a control", issues);
    let id = string(m, pointer, "id", issues);
    if let Some(id) = id.as_deref().filter(|id| !valid_id(id)) {
        issues.push(Issue::at(
            &child(pointer, "id"),
            format!("control id `{id}` may contain only letters, digits, `.`, `_` and `-`"),
        ));
    }
    let name = string(m, pointer, "name", issues);
    let kind = string(m, pointer, "kind", issues).and_then(|k| {
        ControlKind::from_str(&k)
            .map_err(|e| issues.push(Issue::at(&child(pointer, "kind"), e)))
            .ok()
    });
    let description = string(m, pointer, "description", issues);
    let mitigates = strings(m, pointer, "mitigates", issues);
    refs(
        &mitigates,
        pointer,
        "mitigates",
        &known.threats,
        "threat",
        issues,
    );
    if mitigates.is_empty() && !matches!(m.get("mitigates"), Some(v) if !v.is_array()) {
        issues.push(Issue::at(
            pointer,
            "a control must mitigate at least one threat (`mitigates: [T…]`)",
        ));
    }
    let layers = strings(m, pointer, "layers", issues);
    refs(&layers, pointer, "layers", &known.layers, "layer", issues);
    let warden = match m.get("warden") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
        Some(_) => {
            issues.push(Issue::at(
                &child(pointer, "warden"),
                "`warden` must be a non-empty string or null",
            ));
            None
        }
    };
    let references = strings(m, pointer, "references", issues);
    for (i, r) in references.iter().enumerate() {
        let url = r.starts_with("https://") || r.starts_with("http://");
        if !url && !known.sources.contains(r) {
            issues.push(Issue::at(
                &format!("{}/{i}", child(pointer, "references")),
                format!("reference `{r}` is neither a catalogue source id nor an http(s) URL"),
            ));
        }
    }
    if issues.len() != before {
        return None;
    }
    Some(Control {
        id: id?,
        name: name?,
        kind: kind?,
        description: description?,
        mitigates,
        layers,
        warden,
        references,
    })
}

/// Read team extension files from disk and add them to `base`.
pub(crate) fn extend_from_paths(
    base: &Catalog,
    paths: &[PathBuf],
) -> Result<Catalog, Vec<CatalogError>> {
    let mut errors = Vec::new();
    let mut files = Vec::new();
    for p in paths {
        let name = p.display().to_string();
        match std::fs::read_to_string(p) {
            Ok(text) => files.push((name, text)),
            Err(e) => errors.push(CatalogError::file(&name, format!("cannot read file: {e}"))),
        }
    }
    let mut cat = base.clone();
    add_files(&mut cat, &files, &mut errors);
    cat.derive();
    if errors.is_empty() {
        Ok(cat)
    } else {
        Err(errors)
    }
}

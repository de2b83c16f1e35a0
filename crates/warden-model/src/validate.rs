//! Semantic checks on a well-formed model: the format version, unique ids, references that
//! resolve to an element of the right kind, and numbers that make sense together.

use crate::diagnostics::Diagnostic;
use crate::references::{Checker, Ids, strs};
use crate::source::{Loaded, SourceMap};
use crate::suggest::did_you_mean;
use crate::types::{FORMAT_VERSION, SystemModel};
use std::collections::{BTreeMap, BTreeSet};

/// Run every semantic check; positions come from `source`.
pub(crate) fn check(m: &SystemModel, source: &SourceMap) -> Vec<Diagnostic> {
    let mut c = Checker {
        source,
        diags: Vec::new(),
    };
    let ids = Ids::new(m);
    if m.warden != FORMAT_VERSION {
        c.at(
            "/warden",
            format!("unsupported format version {}", m.warden),
            Some(format!(
                "this version of Warden reads `warden: {FORMAT_VERSION}`"
            )),
        );
    }
    unique_ids(&mut c, m);
    agents(&mut c, m, &ids);
    servers(&mut c, m, &ids);
    let zone = |c: &mut Checker<'_>, p: String, z: &Option<String>, owner: &str| {
        if let Some(z) = z {
            c.reference(&p, z, &ids.zones, "zone", owner);
        }
    };
    for (i, s) in m.data_stores.iter().enumerate() {
        let owner = format!("data store `{}`", s.id);
        zone(&mut c, format!("/data_stores/{i}/zone"), &s.zone, &owner);
        c.references(
            &format!("/data_stores/{i}/writers"),
            &s.writers,
            &strs(&ids.elements),
            "element",
            &owner,
        );
    }
    for (i, h) in m.humans.iter().enumerate() {
        let owner = format!("human `{}`", h.id);
        zone(&mut c, format!("/humans/{i}/zone"), &h.zone, &owner);
        if h.count == 0 {
            let hint =
                "a group of people has at least one member; remove the human if there is none";
            c.at(
                &format!("/humans/{i}/count"),
                format!("`count` of {owner} must be at least 1"),
                Some(hint.into()),
            );
        }
    }
    for (i, x) in m.external_sources.iter().enumerate() {
        zone(
            &mut c,
            format!("/external_sources/{i}/zone"),
            &x.zone,
            &format!("external source `{}`", x.id),
        );
    }
    for (i, l) in m.links.iter().enumerate() {
        let owner = format!("link `{}` → `{}`", l.from, l.to);
        let elements = strs(&ids.elements);
        c.reference(
            &format!("/links/{i}/from"),
            &l.from,
            &elements,
            "element",
            &owner,
        );
        c.reference(
            &format!("/links/{i}/to"),
            &l.to,
            &elements,
            "element",
            &owner,
        );
        if l.from == l.to {
            let hint = "a link joins two different elements; remove it or fix `from` or `to`";
            c.at(
                &format!("/links/{i}/to"),
                format!("link from `{}` to itself", l.from),
                Some(hint.into()),
            );
        }
        if let Some(who) = &l.on_behalf_of {
            let principals: Vec<&str> = ids.humans.iter().chain(&ids.agents).copied().collect();
            c.reference(
                &format!("/links/{i}/on_behalf_of"),
                who,
                &principals,
                "human or agent",
                &owner,
            );
        }
    }
    for (i, k) in m.controls.iter().enumerate() {
        let owner = format!("the scope of control `{}`", k.id);
        c.references(
            &format!("/controls/{i}/scope"),
            &k.scope,
            &strs(&ids.elements),
            "element",
            &owner,
        );
    }
    for (i, r) in m.accepted_risks.iter().enumerate() {
        if let Some(date) = r.expires.as_ref().filter(|d| !is_date(d)) {
            c.at(
                &format!("/accepted_risks/{i}/expires"),
                format!(
                    "`expires` of accepted risk `{}` is not a valid date: `{date}`",
                    r.finding
                ),
                Some("write the date as YYYY-MM-DD, e.g. 2026-12-31".into()),
            );
        }
    }
    c.diags
}

/// Ids share one namespace across kinds; tool ids are unique within their server.
fn unique_ids(c: &mut Checker<'_>, m: &SystemModel) {
    let kinds: [(&str, &str, Vec<&str>); 6] = [
        (
            "zones",
            "zone",
            m.zones.iter().map(|x| x.id.as_str()).collect(),
        ),
        (
            "agents",
            "agent",
            m.agents.iter().map(|x| x.id.as_str()).collect(),
        ),
        (
            "servers",
            "server",
            m.servers.iter().map(|x| x.id.as_str()).collect(),
        ),
        (
            "data_stores",
            "data store",
            m.data_stores.iter().map(|x| x.id.as_str()).collect(),
        ),
        (
            "humans",
            "human",
            m.humans.iter().map(|x| x.id.as_str()).collect(),
        ),
        (
            "external_sources",
            "external source",
            m.external_sources.iter().map(|x| x.id.as_str()).collect(),
        ),
    ];
    let mut seen: BTreeMap<&str, (String, &str)> = BTreeMap::new();
    for (key, kind, list) in &kinds {
        for (i, id) in list.iter().enumerate() {
            let pointer = format!("/{key}/{i}/id");
            if let Some((first, first_kind)) = seen.get(id) {
                let at = c.source.position(first);
                c.at(
                    &pointer,
                    format!("duplicate id `{id}`: already used by the {first_kind} at line {}", at.line),
                    Some(format!(
                        "ids of zones, agents, servers, data stores, humans and external sources share one namespace; rename this {kind} or the {first_kind} at line {}, column {}",
                        at.line, at.column
                    )),
                );
            } else {
                seen.insert(id, (pointer, kind));
            }
        }
    }
    for (s, server) in m.servers.iter().enumerate() {
        let mut tools: BTreeMap<&str, String> = BTreeMap::new();
        for (t, tool) in server.tools.iter().enumerate() {
            let pointer = format!("/servers/{s}/tools/{t}/id");
            if let Some(first) = tools.get(tool.id.as_str()) {
                let at = c.source.position(first);
                c.at(
                    &pointer,
                    format!("duplicate tool id `{}` in server `{}`: already used at line {}", tool.id, server.id, at.line),
                    Some(format!("tool ids are unique within their server; rename this tool or the one at line {}, column {}", at.line, at.column)),
                );
            } else {
                tools.insert(&tool.id, pointer);
            }
        }
    }
}

fn agents(c: &mut Checker<'_>, m: &SystemModel, ids: &Ids<'_>) {
    let capabilities = crate::structure::enum_values("Capability");
    for (i, a) in m.agents.iter().enumerate() {
        let owner = format!("agent `{}`", a.id);
        let p = format!("/agents/{i}");
        if let Some(store) = &a.memory.store {
            c.reference(
                &format!("{p}/memory/store"),
                store,
                &ids.stores,
                "data store",
                &owner,
            );
        }
        c.references(
            &format!("{p}/memory/shared_with"),
            &a.memory.shared_with,
            &ids.agents,
            "agent",
            &owner,
        );
        for (j, o) in a.oversight.iter().enumerate() {
            let op = format!("{p}/oversight/{j}");
            let action = o.action.as_str();
            let is_capability = capabilities.iter().any(|k| k == action);
            if action != "*" && !is_capability && !ids.tool_patterns.iter().any(|t| t == action) {
                if action.contains('.') {
                    c.tool(&format!("{op}/action"), action, ids, &owner, true);
                } else {
                    let mut names: Vec<&str> = capabilities.iter().map(String::as_str).collect();
                    names.extend(ids.tool_patterns.iter().map(String::as_str));
                    let hint = match did_you_mean(action, names.iter().copied()) {
                        Some(n) => format!("did you mean `{n}`?"),
                        None => "name a tool (`server.tool`), every tool of a server (`server.*`), a capability (e.g. `payment`) or `*`".into(),
                    };
                    c.at(
                        &format!("{op}/action"),
                        format!("unknown oversight action `{action}` in {owner}"),
                        Some(hint),
                    );
                }
            }
            c.references(
                &format!("{op}/approvers"),
                &o.approvers,
                &ids.humans,
                "human",
                &owner,
            );
            if o.quorum == 0 {
                c.at(
                    &format!("{op}/quorum"),
                    format!("`quorum` of oversight `{action}` in {owner} must be at least 1"),
                    Some("an approval needs at least one approver: set `quorum: 1` or more".into()),
                );
            } else if !o.approvers.is_empty() {
                let people: u64 = o
                    .approvers
                    .iter()
                    .filter_map(|h| m.humans.iter().find(|x| &x.id == h))
                    .map(|h| u64::from(h.count.max(1)))
                    .sum();
                if u64::from(o.quorum) > people
                    && o.approvers.iter().all(|h| ids.humans.contains(&h.as_str()))
                {
                    c.at(
                        &format!("{op}/quorum"),
                        format!("`quorum` {} of oversight `{action}` in {owner} exceeds the {people} approver(s) listed", o.quorum),
                        Some("lower the quorum, list more approvers, or raise the `count` of an approver group".into()),
                    );
                }
            }
        }
        for (j, t) in a.tools.iter().enumerate() {
            c.tool(&format!("{p}/tools/{j}/tool"), &t.tool, ids, &owner, true);
        }
        c.references(
            &format!("{p}/delegates_to"),
            &a.delegates_to,
            &ids.agents,
            "agent",
            &owner,
        );
        c.references(
            &format!("{p}/reads"),
            &a.reads,
            &ids.stores,
            "data store",
            &owner,
        );
        c.references(
            &format!("{p}/writes"),
            &a.writes,
            &ids.stores,
            "data store",
            &owner,
        );
        if let Some(z) = &a.zone {
            c.reference(&format!("{p}/zone"), z, &ids.zones, "zone", &owner);
        }
    }
}

fn servers(c: &mut Checker<'_>, m: &SystemModel, ids: &Ids<'_>) {
    for (i, s) in m.servers.iter().enumerate() {
        let p = format!("/servers/{i}");
        if let Some(z) = &s.zone {
            c.reference(
                &format!("{p}/zone"),
                z,
                &ids.zones,
                "zone",
                &format!("server `{}`", s.id),
            );
        }
        for (j, t) in s.tools.iter().enumerate() {
            let owner = format!("tool `{}.{}`", s.id, t.id);
            let tp = format!("{p}/tools/{j}");
            c.references(
                &format!("{tp}/reads"),
                &t.reads,
                &ids.stores,
                "data store",
                &owner,
            );
            c.references(
                &format!("{tp}/writes"),
                &t.writes,
                &ids.stores,
                "data store",
                &owner,
            );
            c.references(
                &format!("{tp}/ingests"),
                &t.ingests,
                &ids.externals,
                "external source",
                &owner,
            );
            c.references(
                &format!("{tp}/sends_to"),
                &t.sends_to,
                &ids.externals,
                "external source",
                &owner,
            );
        }
    }
}

/// Whether `s` is a calendar date written YYYY-MM-DD.
fn is_date(s: &str) -> bool {
    use std::sync::OnceLock;
    static DATE: OnceLock<Option<jsonschema::Validator>> = OnceLock::new();
    let validator = DATE.get_or_init(|| {
        jsonschema::options()
            .should_validate_formats(true)
            .build(&serde_json::json!({"type": "string", "format": "date"}))
            .ok()
    });
    validator
        .as_ref()
        .is_some_and(|v| v.is_valid(&serde_json::Value::String(s.to_string())))
}

/// Check that every control the model declares exists in the catalogue (`known` ids).
pub fn check_controls(loaded: &Loaded, known: &BTreeSet<String>) -> Vec<Diagnostic> {
    let mut c = Checker {
        source: &loaded.source,
        diags: Vec::new(),
    };
    let names: Vec<&str> = known.iter().map(String::as_str).collect();
    for (i, k) in loaded.model.controls.iter().enumerate() {
        if !known.contains(&k.id) {
            let hint = match did_you_mean(&k.id, names.iter().copied()) {
                Some(n) => format!("did you mean `{n}`?"),
                None => "`warden catalog controls` lists the known controls".into(),
            };
            c.at(
                &format!("/controls/{i}/id"),
                format!("unknown control `{}`", k.id),
                Some(hint),
            );
        }
    }
    c.diags
}

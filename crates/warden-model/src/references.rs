//! Ids of the model by kind, and checking that a reference names one of the right kind.

use crate::diagnostics::Diagnostic;
use crate::source::SourceMap;
use crate::suggest::{did_you_mean, hint_for, list};
use crate::types::SystemModel;
use std::collections::BTreeMap;

/// Ids of each kind, in model order, and every name a reference may use.
pub(crate) struct Ids<'m> {
    pub(crate) zones: Vec<&'m str>,
    pub(crate) agents: Vec<&'m str>,
    pub(crate) stores: Vec<&'m str>,
    pub(crate) humans: Vec<&'m str>,
    pub(crate) externals: Vec<&'m str>,
    /// `server.tool` for every tool.
    pub(crate) tools: Vec<String>,
    /// `server.tool` and `server.*`.
    pub(crate) tool_patterns: Vec<String>,
    /// Every element id and `server.tool`.
    pub(crate) elements: Vec<String>,
    /// Server id → its tool ids.
    pub(crate) server_tools: BTreeMap<&'m str, Vec<&'m str>>,
}

impl<'m> Ids<'m> {
    pub(crate) fn new(m: &'m SystemModel) -> Self {
        let tools: Vec<String> = m
            .servers
            .iter()
            .flat_map(|s| s.tools.iter().map(move |t| format!("{}.{}", s.id, t.id)))
            .collect();
        let mut tool_patterns = tools.clone();
        tool_patterns.extend(m.servers.iter().map(|s| format!("{}.*", s.id)));
        let mut elements: Vec<String> = Vec::new();
        elements.extend(m.zones.iter().map(|x| x.id.clone()));
        elements.extend(m.agents.iter().map(|x| x.id.clone()));
        elements.extend(m.servers.iter().map(|x| x.id.clone()));
        elements.extend(m.data_stores.iter().map(|x| x.id.clone()));
        elements.extend(m.humans.iter().map(|x| x.id.clone()));
        elements.extend(m.external_sources.iter().map(|x| x.id.clone()));
        elements.extend(tools.iter().cloned());
        Ids {
            zones: m.zones.iter().map(|x| x.id.as_str()).collect(),
            agents: m.agents.iter().map(|x| x.id.as_str()).collect(),
            stores: m.data_stores.iter().map(|x| x.id.as_str()).collect(),
            humans: m.humans.iter().map(|x| x.id.as_str()).collect(),
            externals: m.external_sources.iter().map(|x| x.id.as_str()).collect(),
            server_tools: m
                .servers
                .iter()
                .map(|s| {
                    (
                        s.id.as_str(),
                        s.tools.iter().map(|t| t.id.as_str()).collect(),
                    )
                })
                .collect(),
            tools,
            tool_patterns,
            elements,
        }
    }
}

pub(crate) fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

pub(crate) struct Checker<'a> {
    pub(crate) source: &'a SourceMap,
    pub(crate) diags: Vec<Diagnostic>,
}

impl Checker<'_> {
    pub(crate) fn at(&mut self, pointer: &str, message: String, hint: Option<String>) {
        let d = Diagnostic::new(self.source, self.source.span(pointer), pointer, message);
        self.diags.push(d.with_hint_opt(hint));
    }

    /// `value` at `pointer` must be one of `candidates` (`what`: "data store").
    pub(crate) fn reference(
        &mut self,
        pointer: &str,
        value: &str,
        candidates: &[&str],
        what: &str,
        owner: &str,
    ) {
        if !candidates.contains(&value) {
            let plural = match what {
                "human or agent" => "humans or agents".to_string(),
                w => format!("{w}s"),
            };
            let hint = hint_for(value, candidates, &plural);
            self.at(
                pointer,
                format!("unknown {what} `{value}` in {owner}"),
                Some(hint),
            );
        }
    }

    /// A list of references of one kind.
    pub(crate) fn references(
        &mut self,
        pointer: &str,
        values: &[String],
        candidates: &[&str],
        what: &str,
        owner: &str,
    ) {
        for (i, v) in values.iter().enumerate() {
            self.reference(&format!("{pointer}/{i}"), v, candidates, what, owner);
        }
    }

    /// A tool reference: `server.tool`, or `server.*` when `wildcard` is allowed.
    pub(crate) fn tool(
        &mut self,
        pointer: &str,
        value: &str,
        ids: &Ids<'_>,
        owner: &str,
        wildcard: bool,
    ) -> bool {
        let known = if wildcard {
            &ids.tool_patterns
        } else {
            &ids.tools
        };
        if known.iter().any(|t| t == value) {
            return true;
        }
        let server = value
            .rmatch_indices('.')
            .map(|(i, _)| &value[..i])
            .find(|s| ids.server_tools.contains_key(s));
        let hint = if let Some(server) = server {
            let tool = &value[server.len() + 1..];
            let tools = ids.server_tools.get(server).cloned().unwrap_or_default();
            match did_you_mean(tool, tools.iter().copied()) {
                Some(t) => format!("did you mean `{server}.{t}`?"),
                None if tools.is_empty() => format!("server `{server}` declares no tools"),
                None => format!("server `{server}` has the tools {}", list(&tools, 12)),
            }
        } else if ids.server_tools.contains_key(value) && wildcard {
            format!("did you mean `{value}.*` (every tool of server `{value}`)?")
        } else if ids.server_tools.contains_key(value) {
            format!("name one tool of the server, as `{value}.tool`")
        } else {
            hint_for(value, &strs(known), "tools")
        };
        self.at(
            pointer,
            format!("unknown tool `{value}` in {owner}"),
            Some(hint),
        );
        false
    }
}

//! A graph view of a [`SystemModel`]: every element a node, every way data moves between
//! two elements a directed edge in the direction the data travels.
//!
//! Tools are nodes of their own, named `server.tool`. The view is built once and is
//! deterministic: nodes and edges appear in model order, so analyses that walk it in order
//! produce the same output for the same model.

use crate::types::*;
use std::collections::BTreeMap;

/// What kind of element a node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NodeKind {
    /// An AI agent.
    Agent,
    /// An MCP server or other tool provider.
    Server,
    /// A tool of a server.
    Tool,
    /// A data store.
    DataStore,
    /// A person or group.
    Human,
    /// A source or sink outside the system.
    External,
}

impl NodeKind {
    /// The lower-case name used in reports and rule files.
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Agent => "agent",
            NodeKind::Server => "server",
            NodeKind::Tool => "tool",
            NodeKind::DataStore => "data-store",
            NodeKind::Human => "human",
            NodeKind::External => "external",
        }
    }
}

/// How data moves along an edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EdgeKind {
    /// A declared link, in its declared direction.
    Link,
    /// The response direction of a bidirectional declared link.
    LinkResponse,
    /// An agent calls a tool (arguments flow to the tool).
    Invokes,
    /// A tool's result flows back to the agent that called it.
    Returns,
    /// An agent hands work to another agent.
    Delegates,
    /// A delegate's result flows back to the delegator.
    DelegateResult,
    /// Data is read out of a store.
    Reads,
    /// Data is written into a store.
    Writes,
    /// A tool fetches content from an external source.
    Ingests,
    /// A tool sends data to an external destination.
    SendsTo,
}

impl EdgeKind {
    /// Whether the source of the edge can cause the target to act (call, delegate,
    /// message), as opposed to only handing it data.
    pub fn is_control(self) -> bool {
        matches!(
            self,
            EdgeKind::Link | EdgeKind::Invokes | EdgeKind::Delegates
        )
    }
}

/// An element of the model.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Element id (`server.tool` for tools).
    pub id: String,
    /// Kind of element.
    pub kind: NodeKind,
    /// Display name (falls back to the id).
    pub label: String,
    /// Trust zone, if declared (tools inherit their server's).
    pub zone: Option<String>,
    /// For tools, the node index of their server.
    pub parent: Option<usize>,
    /// JSON Pointer of the element in the model file (for locating findings).
    pub pointer: String,
}

/// A directed data flow between two nodes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edge {
    /// Source node index.
    pub from: usize,
    /// Target node index.
    pub to: usize,
    /// How the data moves.
    pub kind: EdgeKind,
    /// Index in `model.links` of the declared link that carries this flow, if any.
    pub link: Option<usize>,
}

/// The graph view of a model.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    /// All nodes, in model order.
    pub nodes: Vec<Node>,
    /// All edges, in model order.
    pub edges: Vec<Edge>,
    /// Outgoing edge indices per node.
    pub outgoing: Vec<Vec<usize>>,
    /// Incoming edge indices per node.
    pub incoming: Vec<Vec<usize>>,
    index: BTreeMap<String, usize>,
}

impl Graph {
    /// Build the view. References that do not resolve are skipped (validation reports them).
    pub fn build(model: &SystemModel) -> Graph {
        let mut g = Graph::default();
        for (i, a) in model.agents.iter().enumerate() {
            g.add(
                &a.id,
                NodeKind::Agent,
                a.name.as_deref(),
                a.zone.clone(),
                None,
                format!("/agents/{i}"),
            );
        }
        for (i, s) in model.servers.iter().enumerate() {
            let server = g.add(
                &s.id,
                NodeKind::Server,
                s.name.as_deref(),
                s.zone.clone(),
                None,
                format!("/servers/{i}"),
            );
            for (j, t) in s.tools.iter().enumerate() {
                g.add(
                    &format!("{}.{}", s.id, t.id),
                    NodeKind::Tool,
                    None,
                    s.zone.clone(),
                    Some(server),
                    format!("/servers/{i}/tools/{j}"),
                );
            }
        }
        for (i, d) in model.data_stores.iter().enumerate() {
            g.add(
                &d.id,
                NodeKind::DataStore,
                d.name.as_deref(),
                d.zone.clone(),
                None,
                format!("/data_stores/{i}"),
            );
        }
        for (i, h) in model.humans.iter().enumerate() {
            g.add(
                &h.id,
                NodeKind::Human,
                h.name.as_deref(),
                h.zone.clone(),
                None,
                format!("/humans/{i}"),
            );
        }
        for (i, e) in model.external_sources.iter().enumerate() {
            g.add(
                &e.id,
                NodeKind::External,
                e.name.as_deref(),
                e.zone.clone(),
                None,
                format!("/external_sources/{i}"),
            );
        }

        for (li, l) in model.links.iter().enumerate() {
            g.connect(&l.from, &l.to, EdgeKind::Link, Some(li));
            if l.bidirectional {
                g.connect(&l.to, &l.from, EdgeKind::LinkResponse, Some(li));
            }
        }
        for a in &model.agents {
            for grant in &a.tools {
                for tool in g.expand_tool(model, &grant.tool) {
                    let server = tool.split('.').next().unwrap_or_default().to_string();
                    let link =
                        find_link(model, &a.id, &server).or_else(|| find_link(model, &a.id, &tool));
                    g.connect(&a.id, &tool, EdgeKind::Invokes, link);
                    g.connect(&tool, &a.id, EdgeKind::Returns, link);
                }
            }
            for d in &a.delegates_to {
                let link = find_link(model, &a.id, d);
                g.connect(&a.id, d, EdgeKind::Delegates, link);
                g.connect(d, &a.id, EdgeKind::DelegateResult, link);
            }
            for s in &a.reads {
                g.connect(s, &a.id, EdgeKind::Reads, None);
            }
            for s in &a.writes {
                g.connect(&a.id, s, EdgeKind::Writes, None);
            }
            if let Some(store) = &a.memory.store {
                g.connect(store, &a.id, EdgeKind::Reads, None);
                g.connect(&a.id, store, EdgeKind::Writes, None);
                for other in &a.memory.shared_with {
                    g.connect(store, other, EdgeKind::Reads, None);
                    g.connect(other, store, EdgeKind::Writes, None);
                }
            }
        }
        for s in &model.servers {
            for t in &s.tools {
                let tool = format!("{}.{}", s.id, t.id);
                for d in &t.reads {
                    g.connect(d, &tool, EdgeKind::Reads, None);
                }
                for d in &t.writes {
                    g.connect(&tool, d, EdgeKind::Writes, None);
                }
                for e in &t.ingests {
                    g.connect(e, &tool, EdgeKind::Ingests, None);
                }
                for e in &t.sends_to {
                    g.connect(&tool, e, EdgeKind::SendsTo, None);
                }
            }
        }
        for d in &model.data_stores {
            for w in &d.writers {
                g.connect(w, &d.id, EdgeKind::Writes, None);
            }
        }
        g
    }

    /// Node index of an element id, if it exists.
    pub fn node(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// Indices of the nodes an edge-filtered walk reaches from `start` (excluding `start`),
    /// in breadth-first order.
    pub fn reachable(&self, start: usize, follow: impl Fn(&Edge) -> bool) -> Vec<usize> {
        let mut seen = vec![false; self.nodes.len()];
        seen[start] = true;
        let mut queue = std::collections::VecDeque::from([start]);
        let mut out = Vec::new();
        while let Some(n) = queue.pop_front() {
            for &e in &self.outgoing[n] {
                let edge = &self.edges[e];
                if !seen[edge.to] && follow(edge) {
                    seen[edge.to] = true;
                    out.push(edge.to);
                    queue.push_back(edge.to);
                }
            }
        }
        out
    }

    /// Expand a grant target (`server.tool` or `server.*`) into tool ids that exist.
    pub fn expand_tool(&self, model: &SystemModel, grant: &str) -> Vec<String> {
        match grant.strip_suffix(".*") {
            Some(server) => model
                .servers
                .iter()
                .filter(|s| s.id == server)
                .flat_map(|s| s.tools.iter().map(move |t| format!("{}.{}", s.id, t.id)))
                .collect(),
            None if self.index.contains_key(grant) => vec![grant.to_string()],
            None => Vec::new(),
        }
    }

    fn add(
        &mut self,
        id: &str,
        kind: NodeKind,
        name: Option<&str>,
        zone: Option<String>,
        parent: Option<usize>,
        pointer: String,
    ) -> usize {
        if let Some(&existing) = self.index.get(id) {
            return existing;
        }
        let i = self.nodes.len();
        self.nodes.push(Node {
            id: id.to_string(),
            kind,
            label: name.unwrap_or(id).to_string(),
            zone,
            parent,
            pointer,
        });
        self.outgoing.push(Vec::new());
        self.incoming.push(Vec::new());
        self.index.insert(id.to_string(), i);
        i
    }

    fn connect(&mut self, from: &str, to: &str, kind: EdgeKind, link: Option<usize>) {
        let (Some(f), Some(t)) = (self.node(from), self.node(to)) else {
            return;
        };
        if f == t {
            return;
        }
        let e = self.edges.len();
        self.edges.push(Edge {
            from: f,
            to: t,
            kind,
            link,
        });
        self.outgoing[f].push(e);
        self.incoming[t].push(e);
    }
}

/// Index of the first declared link from `from` to `to`.
pub fn find_link(model: &SystemModel, from: &str, to: &str) -> Option<usize> {
    model
        .links
        .iter()
        .position(|l| l.from == from && l.to == to)
}

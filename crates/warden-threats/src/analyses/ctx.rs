//! The shared, precomputed view the analyses work from: nodes in id order, sorted and
//! de-duplicated adjacency, per-node trust facts and criticality, and link facts per hop.
//!
//! Every tie is broken by element id (through `rank`), never by position in the model, so
//! that reordering the model file does not change what the analyses report.

use crate::trust::{self, TrustTable};
use std::borrow::Cow;
use std::collections::HashMap;
use warden_model::graph::{EdgeKind, Graph, NodeKind};
use warden_model::{
    Agent, Authentication, Autonomy, DataStore, Sensitivity, Server, SystemModel, Tool, TrustLevel,
};

/// "No node" in predecessor arrays.
pub(crate) const NONE: u32 = u32::MAX;

/// What the declared links say about one hop between two elements.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Hop {
    /// At least one link is declared for the hop.
    pub declared: bool,
    /// Links are declared and every one of them authenticates the sender.
    pub authenticated: bool,
    /// Links are declared and every one of them narrows delegated authority to the task.
    pub scoped: bool,
}

/// Precomputed facts over a model and its graph.
pub(crate) struct Ctx<'a> {
    /// The model.
    pub model: &'a SystemModel,
    /// Its graph view.
    pub graph: &'a Graph,
    /// Position of each node in element-id order.
    pub rank: Vec<u32>,
    /// Outgoing `(target, kind)`, sorted by target id then kind, without duplicates.
    pub out: Vec<Vec<(u32, EdgeKind)>>,
    /// Incoming `(source, kind)`, sorted by source id then kind, without duplicates.
    pub inc: Vec<Vec<(u32, EdgeKind)>>,
    /// Trust, sensitivity and sink facts per node (borrowed when the caller already has them).
    pub table: Cow<'a, TrustTable>,
    /// The model element behind each node, for the kind it is.
    pub agent: Vec<Option<&'a Agent>>,
    /// See `agent`.
    pub tool: Vec<Option<&'a Tool>>,
    /// See `agent`.
    pub store: Vec<Option<&'a DataStore>>,
    /// See `agent`.
    pub server: Vec<Option<&'a Server>>,
    /// Criticality as an asset (0 = not critical, 3, 4): critical tools and restricted stores.
    pub crit: Vec<u8>,
    /// Harm a misused tool can do (see [`trust::tool_impact`]); 0 for other nodes.
    pub impact: Vec<u8>,
    /// Tools of each server, in id order.
    pub children: Vec<Vec<u32>>,
    /// Link facts per `(from, to)` pair with declared links.
    hops: HashMap<(u32, u32), Hop>,
}

impl<'a> Ctx<'a> {
    /// Precompute everything, in O(nodes + edges + links) up to logarithmic factors.
    pub fn new(model: &'a SystemModel, graph: &'a Graph) -> Ctx<'a> {
        Self::with_table(model, graph, Cow::Owned(TrustTable::build(model, graph)))
    }

    /// Like [`Ctx::new`], with the trust table the caller has already computed for `graph`.
    pub fn with_table(
        model: &'a SystemModel,
        graph: &'a Graph,
        table: Cow<'a, TrustTable>,
    ) -> Ctx<'a> {
        let n = graph.nodes.len();
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.sort_by(|&a, &b| graph.nodes[a as usize].id.cmp(&graph.nodes[b as usize].id));
        let mut rank = vec![0u32; n];
        for (k, &i) in order.iter().enumerate() {
            rank[i as usize] = k as u32;
        }
        let mut out = vec![Vec::new(); n];
        let mut inc = vec![Vec::new(); n];
        for e in &graph.edges {
            if e.from < n && e.to < n {
                out[e.from].push((e.to as u32, e.kind));
                inc[e.to].push((e.from as u32, e.kind));
            }
        }
        for list in out.iter_mut().chain(inc.iter_mut()) {
            list.sort_by_key(|&(m, k)| (rank[m as usize], k));
            list.dedup();
        }

        let of_kind =
            |id: &str, kind: NodeKind| graph.node(id).filter(|&i| graph.nodes[i].kind == kind);
        let mut agent = vec![None; n];
        for a in &model.agents {
            if let Some(i) = of_kind(&a.id, NodeKind::Agent) {
                agent[i].get_or_insert(a);
            }
        }
        let mut server = vec![None; n];
        let mut tool = vec![None; n];
        let mut children = vec![Vec::new(); n];
        for s in &model.servers {
            if let Some(i) = of_kind(&s.id, NodeKind::Server) {
                server[i].get_or_insert(s);
            }
            for t in &s.tools {
                if let Some(i) = of_kind(&format!("{}.{}", s.id, t.id), NodeKind::Tool) {
                    tool[i].get_or_insert(t);
                }
            }
        }
        for (i, node) in graph.nodes.iter().enumerate() {
            if let (NodeKind::Tool, Some(p)) = (node.kind, node.parent)
                && p < n
            {
                children[p].push(i as u32);
            }
        }
        for c in &mut children {
            c.sort_by_key(|&m| rank[m as usize]);
            c.dedup();
        }
        let mut store = vec![None; n];
        for d in &model.data_stores {
            if let Some(i) = of_kind(&d.id, NodeKind::DataStore) {
                store[i].get_or_insert(d);
            }
        }

        let mut crit = vec![0u8; n];
        let mut impact = vec![0u8; n];
        for i in 0..n {
            if let Some(t) = tool[i] {
                crit[i] = trust::tool_criticality(t);
                impact[i] = trust::tool_impact(t);
            } else if graph.nodes[i].kind == NodeKind::DataStore
                && table.sensitivity[i] == Sensitivity::Restricted
            {
                crit[i] = 4;
            }
        }

        let mut hops: HashMap<(u32, u32), Hop> = HashMap::new();
        for l in &model.links {
            let (Some(f), Some(t)) = (graph.node(&l.from), graph.node(&l.to)) else {
                continue;
            };
            let authenticated = !matches!(
                l.authentication,
                Authentication::None | Authentication::Unknown
            );
            let h = hops.entry((f as u32, t as u32)).or_insert(Hop {
                declared: true,
                authenticated: true,
                scoped: true,
            });
            h.authenticated &= authenticated;
            h.scoped &= l.scoped_delegation;
        }

        Ctx {
            model,
            graph,
            rank,
            out,
            inc,
            table,
            agent,
            tool,
            store,
            server,
            crit,
            impact,
            children,
            hops,
        }
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.rank.len()
    }

    /// Element id of a node.
    pub fn id(&self, n: u32) -> &'a str {
        &self.graph.nodes[n as usize].id
    }

    /// Kind of a node.
    pub fn kind(&self, n: u32) -> NodeKind {
        self.graph.nodes[n as usize].kind
    }

    /// Whether the node is an agent.
    pub fn is_agent(&self, n: u32) -> bool {
        self.kind(n) == NodeKind::Agent
    }

    /// Whether content from the node is attacker-controlled.
    pub fn untrusted(&self, n: u32) -> bool {
        self.table.trust[n as usize] == TrustLevel::Untrusted
    }

    /// Sensitivity of what the node holds or handles.
    pub fn sensitivity(&self, n: u32) -> Sensitivity {
        self.table.sensitivity[n as usize]
    }

    /// Whether data reaching the node can leave the organisation.
    pub fn sink(&self, n: u32) -> bool {
        self.table.sink[n as usize]
    }

    /// All nodes, in element-id order.
    pub fn by_id(&self) -> Vec<u32> {
        let mut v: Vec<u32> = (0..self.len() as u32).collect();
        v.sort_by_key(|&m| self.rank[m as usize]);
        v
    }

    /// Sort nodes by element id and drop duplicates.
    pub fn sort(&self, v: &mut Vec<u32>) {
        v.sort_by_key(|&m| self.rank[m as usize]);
        v.dedup();
    }

    /// What the declared links say about a control hop `from → to` of the given kind. A tool
    /// invocation is covered by links to the tool or to its server.
    pub fn hop(&self, from: u32, to: u32, kind: EdgeKind) -> Hop {
        let mut found: Option<Hop> = self.hops.get(&(from, to)).copied();
        let parent = self.graph.nodes[to as usize].parent;
        if let (EdgeKind::Invokes, Some(p)) = (kind, parent)
            && let Some(h) = self.hops.get(&(from, p as u32))
        {
            found = Some(match found {
                Some(f) => Hop {
                    declared: true,
                    authenticated: f.authenticated && h.authenticated,
                    scoped: f.scoped && h.scoped,
                },
                None => *h,
            });
        }
        found.unwrap_or_default()
    }

    /// Whether an agent acts without a person reviewing each consequential step.
    pub fn autonomous(&self, agent: u32) -> bool {
        self.agent[agent as usize]
            .is_some_and(|a| matches!(a.autonomy, Autonomy::Conditional | Autonomy::Autonomous))
    }

    /// Whether the agent must obtain human approval before calling the tool: an approval flag
    /// on a grant covering it, or an oversight entry naming it, its server, one of its
    /// capabilities or `*`.
    pub fn requires_approval(&self, agent: u32, tool: u32) -> bool {
        let (Some(a), Some(t)) = (self.agent[agent as usize], self.tool[tool as usize]) else {
            return false;
        };
        let id = self.id(tool);
        let server = self.graph.nodes[tool as usize]
            .parent
            .map(|p| self.graph.nodes[p].id.as_str())
            .unwrap_or_default();
        let covers = |g: &str| g == "*" || g == id || g.strip_suffix(".*") == Some(server);
        a.tools.iter().any(|g| g.approval && covers(&g.tool))
            || a.oversight.iter().any(|o| {
                covers(&o.action)
                    || t.capabilities
                        .iter()
                        .any(|&c| trust::capability_name(c) == o.action)
            })
    }

    /// Element ids of a list of nodes.
    pub fn ids(&self, nodes: &[u32]) -> Vec<String> {
        nodes.iter().map(|&m| self.id(m).to_string()).collect()
    }

    /// `a → b → c` with each id in back-quotes.
    pub fn arrow(&self, nodes: &[u32]) -> String {
        let parts: Vec<String> = nodes.iter().map(|&m| format!("`{}`", self.id(m))).collect();
        parts.join(" → ")
    }

    /// A comma-separated list of back-quoted ids, at most `max` of them, then "and N more".
    pub fn list(&self, nodes: &[u32], max: usize) -> String {
        let mut parts: Vec<String> = nodes
            .iter()
            .take(max)
            .map(|&m| format!("`{}`", self.id(m)))
            .collect();
        if nodes.len() > max {
            parts.push(format!("and {} more", nodes.len() - max));
        }
        parts.join(", ")
    }
}

//! How far each node of the graph is trusted and how sensitive what it holds is; shared by
//! the per-element facts and the graph analyses so both judge the same way.

use std::collections::{HashMap, HashSet};
use warden_model::graph::{Graph, NodeKind};
use warden_model::{
    Capability, DataStore, ExternalSource, Human, Sensitivity, Server, SystemModel, Tool,
    TrustLevel, Zone,
};

/// Data classes that make a tool or link sensitive even without a store behind it.
pub const SENSITIVE_CLASSES: &[&str] = &[
    "pii",
    "phi",
    "financial",
    "credentials",
    "secrets",
    "payment",
    "health",
    "confidential",
    "source-code",
    "customer",
];

/// Trust of a zone id (unknown or absent zones count as internal).
pub fn zone_trust(model: &SystemModel, zone: Option<&str>) -> Option<TrustLevel> {
    Scan(model).zone(zone?).map(|z| z.trust)
}

/// How far content coming from this node is trusted.
pub fn node_trust(model: &SystemModel, graph: &Graph, node: usize) -> TrustLevel {
    trust_of(&Scan(model), graph, node)
}

/// Whether content from this node must be treated as attacker-controlled.
pub fn is_untrusted_source(model: &SystemModel, graph: &Graph, node: usize) -> bool {
    node_trust(model, graph, node) == TrustLevel::Untrusted
}

/// How sensitive the data held or handled by this node is.
pub fn node_sensitivity(model: &SystemModel, graph: &Graph, node: usize) -> Sensitivity {
    sensitivity_of(&Scan(model), graph, node)
}

/// Sensitivity implied by a list of data classes.
pub fn classes_sensitivity(classes: &[String]) -> Sensitivity {
    let mut s = Sensitivity::Public;
    for c in classes {
        let c = c.to_ascii_lowercase();
        let level = match c.as_str() {
            "credentials" | "secrets" | "payment" | "phi" | "health" => Sensitivity::Restricted,
            _ if SENSITIVE_CLASSES.contains(&c.as_str()) => Sensitivity::Confidential,
            "internal" => Sensitivity::Internal,
            _ => Sensitivity::Public,
        };
        s = s.max(level);
    }
    s
}

/// The server with this id.
pub fn server_of<'m>(model: &'m SystemModel, id: &str) -> Option<&'m Server> {
    Scan(model).server(id)
}

/// The tool with this `server.tool` id.
pub fn tool_of<'m>(model: &'m SystemModel, id: &str) -> Option<&'m Tool> {
    Scan(model).tool(id)
}

/// Whether data reaching this node can leave the organisation: an external node, or a tool
/// that sends, messages or reaches the network.
pub fn is_exfiltration_sink(model: &SystemModel, graph: &Graph, node: usize) -> bool {
    sink_of(&Scan(model), graph, node)
}

/// How the per-node judgements find model elements by id. In a valid model ids are unique;
/// otherwise every look-up takes the first element with the id, as the model lists them.
trait Lookup<'m> {
    /// The zone with this id.
    fn zone(&self, id: &str) -> Option<&'m Zone>;
    /// The external source with this id.
    fn external(&self, id: &str) -> Option<&'m ExternalSource>;
    /// The person with this id.
    fn human(&self, id: &str) -> Option<&'m Human>;
    /// Whether some person with this id is internal.
    fn internal_human(&self, id: &str) -> bool;
    /// The server with this id.
    fn server(&self, id: &str) -> Option<&'m Server>;
    /// The data store with this id.
    fn store(&self, id: &str) -> Option<&'m DataStore>;
    /// The tool with this `server.tool` id.
    fn tool(&self, id: &str) -> Option<&'m Tool> {
        let (server, tool) = id.split_once('.')?;
        self.server(server)?.tools.iter().find(|t| t.id == tool)
    }
}

/// Look-ups that search the model's lists, for judging one node.
struct Scan<'m>(&'m SystemModel);

impl<'m> Lookup<'m> for Scan<'m> {
    fn zone(&self, id: &str) -> Option<&'m Zone> {
        self.0.zones.iter().find(|x| x.id == id)
    }
    fn external(&self, id: &str) -> Option<&'m ExternalSource> {
        self.0.external_sources.iter().find(|x| x.id == id)
    }
    fn human(&self, id: &str) -> Option<&'m Human> {
        self.0.humans.iter().find(|x| x.id == id)
    }
    fn internal_human(&self, id: &str) -> bool {
        self.0.humans.iter().any(|x| x.id == id && x.internal)
    }
    fn server(&self, id: &str) -> Option<&'m Server> {
        self.0.servers.iter().find(|x| x.id == id)
    }
    fn store(&self, id: &str) -> Option<&'m DataStore> {
        self.0.data_stores.iter().find(|x| x.id == id)
    }
}

/// Look-ups through hash indices built once, for judging every node of a large model.
struct Index<'m> {
    zones: HashMap<&'m str, &'m Zone>,
    externals: HashMap<&'m str, &'m ExternalSource>,
    humans: HashMap<&'m str, &'m Human>,
    internal_humans: HashSet<&'m str>,
    servers: HashMap<&'m str, &'m Server>,
    stores: HashMap<&'m str, &'m DataStore>,
}

impl<'m> Index<'m> {
    fn new(model: &'m SystemModel) -> Index<'m> {
        /// Each id mapped to the first item with it.
        fn first<T>(items: &[T], id: impl Fn(&T) -> &str) -> HashMap<&str, &T> {
            let mut m = HashMap::with_capacity(items.len());
            for x in items {
                m.entry(id(x)).or_insert(x);
            }
            m
        }
        Index {
            zones: first(&model.zones, |z| &z.id),
            externals: first(&model.external_sources, |e| &e.id),
            humans: first(&model.humans, |h| &h.id),
            internal_humans: model
                .humans
                .iter()
                .filter(|h| h.internal)
                .map(|h| h.id.as_str())
                .collect(),
            servers: first(&model.servers, |s| &s.id),
            stores: first(&model.data_stores, |d| &d.id),
        }
    }
}

impl<'m> Lookup<'m> for Index<'m> {
    fn zone(&self, id: &str) -> Option<&'m Zone> {
        self.zones.get(id).copied()
    }
    fn external(&self, id: &str) -> Option<&'m ExternalSource> {
        self.externals.get(id).copied()
    }
    fn human(&self, id: &str) -> Option<&'m Human> {
        self.humans.get(id).copied()
    }
    fn internal_human(&self, id: &str) -> bool {
        self.internal_humans.contains(id)
    }
    fn server(&self, id: &str) -> Option<&'m Server> {
        self.servers.get(id).copied()
    }
    fn store(&self, id: &str) -> Option<&'m DataStore> {
        self.stores.get(id).copied()
    }
}

/// [`node_trust`]: the element's own trust, capped by its zone's.
fn trust_of<'m>(l: &impl Lookup<'m>, graph: &Graph, node: usize) -> TrustLevel {
    let n = &graph.nodes[node];
    let own = match n.kind {
        NodeKind::External => match l.external(&n.id) {
            Some(e) if e.trusted => TrustLevel::Partner,
            _ => TrustLevel::Untrusted,
        },
        NodeKind::Human => match l.human(&n.id) {
            Some(h) if h.internal => TrustLevel::Internal,
            _ => TrustLevel::Untrusted,
        },
        NodeKind::Server => l.server(&n.id).map(|s| s.trust).unwrap_or_default(),
        NodeKind::Tool => n
            .parent
            .and_then(|p| graph.nodes.get(p))
            .and_then(|p| l.server(&p.id))
            .map(|s| s.trust)
            .unwrap_or_default(),
        NodeKind::Agent | NodeKind::DataStore => TrustLevel::Internal,
    };
    match n.zone.as_deref().and_then(|z| l.zone(z)) {
        Some(z) => own.min(z.trust),
        None => own,
    }
}

/// [`node_sensitivity`].
fn sensitivity_of<'m>(l: &impl Lookup<'m>, graph: &Graph, node: usize) -> Sensitivity {
    let n = &graph.nodes[node];
    match n.kind {
        NodeKind::DataStore => l
            .store(&n.id)
            .map(|d| d.sensitivity.max(classes_sensitivity(&d.data_classes)))
            .unwrap_or_default(),
        NodeKind::Tool => l
            .tool(&n.id)
            .map(|t| {
                if t.capabilities.contains(&Capability::Credentials) {
                    Sensitivity::Restricted
                } else {
                    classes_sensitivity(&t.data_classes)
                }
            })
            .unwrap_or(Sensitivity::Public),
        _ => Sensitivity::Public,
    }
}

/// [`is_exfiltration_sink`].
fn sink_of<'m>(l: &impl Lookup<'m>, graph: &Graph, node: usize) -> bool {
    let n = &graph.nodes[node];
    match n.kind {
        NodeKind::External => true,
        NodeKind::Tool => l.tool(&n.id).is_some_and(|t| {
            !t.sends_to.is_empty()
                || t.capabilities
                    .iter()
                    .any(|c| matches!(c, Capability::Messaging | Capability::NetworkEgress))
        }),
        NodeKind::Human => !l.internal_human(&n.id),
        _ => false,
    }
}

/// The kebab-case name of a capability, as written in the model (`execute-code`, `payment`).
pub fn capability_name(c: Capability) -> &'static str {
    match c {
        Capability::Read => "read",
        Capability::Write => "write",
        Capability::Delete => "delete",
        Capability::ExecuteCode => "execute-code",
        Capability::NetworkEgress => "network-egress",
        Capability::Payment => "payment",
        Capability::Messaging => "messaging",
        Capability::Admin => "admin",
        Capability::Filesystem => "filesystem",
        Capability::Credentials => "credentials",
        Capability::Browse => "browse",
    }
}

/// How critical a tool is as an asset to protect, 0 (not critical) to 4: 4 moves money,
/// administers or handles credentials; 3 executes code or has irreversible side effects.
pub fn tool_criticality(t: &Tool) -> u8 {
    let has = |c: Capability| t.capabilities.contains(&c);
    if has(Capability::Payment) || has(Capability::Admin) || has(Capability::Credentials) {
        4
    } else if has(Capability::ExecuteCode)
        || t.side_effects == warden_model::SideEffects::Irreversible
    {
        3
    } else {
        0
    }
}

/// How much harm a misused tool can do, 0 to 4: its [`tool_criticality`], at least 3 for
/// deletion and at least 2 for writing or messaging people. Tools scoring 2 or more are
/// "high-impact".
pub fn tool_impact(t: &Tool) -> u8 {
    let has = |c: Capability| t.capabilities.contains(&c);
    let mut i = tool_criticality(t);
    if has(Capability::Delete) {
        i = i.max(3);
    }
    if has(Capability::Write) || has(Capability::Messaging) {
        i = i.max(2);
    }
    i
}

/// Whether a tool is high-impact: it writes, deletes, pays, administers, executes code,
/// handles credentials, messages people, or cannot be undone.
pub fn is_high_impact_tool(t: &Tool) -> bool {
    tool_impact(t) >= 2
}

/// [`node_trust`], [`node_sensitivity`] and [`is_exfiltration_sink`] for every node of a
/// graph. The per-node functions search the model's lists, which is too slow to call for
/// every node of a large model; the table makes the same judgements through indices built
/// once, so each entry equals what the per-node function returns for that node.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrustTable {
    /// [`node_trust`] per node index.
    pub trust: Vec<TrustLevel>,
    /// [`node_sensitivity`] per node index.
    pub sensitivity: Vec<Sensitivity>,
    /// [`is_exfiltration_sink`] per node index.
    pub sink: Vec<bool>,
}

impl TrustTable {
    /// Compute the table for every node of `graph`.
    pub fn build(model: &SystemModel, graph: &Graph) -> TrustTable {
        let index = Index::new(model);
        let nodes = 0..graph.nodes.len();
        TrustTable {
            trust: nodes.clone().map(|i| trust_of(&index, graph, i)).collect(),
            sensitivity: nodes
                .clone()
                .map(|i| sensitivity_of(&index, graph, i))
                .collect(),
            sink: nodes.map(|i| sink_of(&index, graph, i)).collect(),
        }
    }
}

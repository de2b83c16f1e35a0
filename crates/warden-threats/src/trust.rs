//! How far each node of the graph is trusted and how sensitive what it holds is; shared by
//! the per-element facts and the graph analyses so both judge the same way.

use warden_model::graph::{Graph, NodeKind};
use warden_model::{Capability, Sensitivity, SystemModel, TrustLevel};

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
    let z = zone?;
    model.zones.iter().find(|x| x.id == z).map(|x| x.trust)
}

/// How far content coming from this node is trusted.
pub fn node_trust(model: &SystemModel, graph: &Graph, node: usize) -> TrustLevel {
    let n = &graph.nodes[node];
    let own = match n.kind {
        NodeKind::External => match model.external_sources.iter().find(|e| e.id == n.id) {
            Some(e) if e.trusted => TrustLevel::Partner,
            _ => TrustLevel::Untrusted,
        },
        NodeKind::Human => match model.humans.iter().find(|h| h.id == n.id) {
            Some(h) if h.internal => TrustLevel::Internal,
            _ => TrustLevel::Untrusted,
        },
        NodeKind::Server => server_of(model, &n.id).map(|s| s.trust).unwrap_or_default(),
        NodeKind::Tool => n
            .parent
            .and_then(|p| server_of(model, &graph.nodes[p].id))
            .map(|s| s.trust)
            .unwrap_or_default(),
        NodeKind::Agent | NodeKind::DataStore => TrustLevel::Internal,
    };
    match zone_trust(model, n.zone.as_deref()) {
        Some(z) => own.min(z),
        None => own,
    }
}

/// Whether content from this node must be treated as attacker-controlled.
pub fn is_untrusted_source(model: &SystemModel, graph: &Graph, node: usize) -> bool {
    node_trust(model, graph, node) == TrustLevel::Untrusted
}

/// How sensitive the data held or handled by this node is.
pub fn node_sensitivity(model: &SystemModel, graph: &Graph, node: usize) -> Sensitivity {
    let n = &graph.nodes[node];
    match n.kind {
        NodeKind::DataStore => model
            .data_stores
            .iter()
            .find(|d| d.id == n.id)
            .map(|d| d.sensitivity.max(classes_sensitivity(&d.data_classes)))
            .unwrap_or_default(),
        NodeKind::Tool => tool_of(model, &n.id)
            .map(|t| {
                let creds = t.capabilities.contains(&Capability::Credentials);
                let s = classes_sensitivity(&t.data_classes);
                if creds { Sensitivity::Restricted } else { s }
            })
            .unwrap_or(Sensitivity::Public),
        _ => Sensitivity::Public,
    }
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
pub fn server_of<'m>(model: &'m SystemModel, id: &str) -> Option<&'m warden_model::Server> {
    model.servers.iter().find(|s| s.id == id)
}

/// The tool with this `server.tool` id.
pub fn tool_of<'m>(model: &'m SystemModel, id: &str) -> Option<&'m warden_model::Tool> {
    let (server, tool) = id.split_once('.')?;
    server_of(model, server)?
        .tools
        .iter()
        .find(|t| t.id == tool)
}

/// Whether data reaching this node can leave the organisation: an external node, or a tool
/// that sends, messages or reaches the network.
pub fn is_exfiltration_sink(model: &SystemModel, graph: &Graph, node: usize) -> bool {
    let n = &graph.nodes[node];
    match n.kind {
        NodeKind::External => true,
        NodeKind::Tool => tool_of(model, &n.id).is_some_and(|t| {
            !t.sends_to.is_empty()
                || t.capabilities
                    .iter()
                    .any(|c| matches!(c, Capability::Messaging | Capability::NetworkEgress))
        }),
        NodeKind::Human => !model.humans.iter().any(|h| h.id == n.id && h.internal),
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
pub fn tool_criticality(t: &warden_model::Tool) -> u8 {
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
pub fn tool_impact(t: &warden_model::Tool) -> u8 {
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
pub fn is_high_impact_tool(t: &warden_model::Tool) -> bool {
    tool_impact(t) >= 2
}

/// [`node_trust`], [`node_sensitivity`] and [`is_exfiltration_sink`] for every node of a
/// graph, computed in one pass with indexed look-ups (the per-node functions search the
/// model linearly, which is too slow to call for every node of a large model). Each entry
/// equals what the per-node function returns for that node.
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
        use std::collections::{HashMap, HashSet};
        fn first<T>(items: &[T], id: impl Fn(&T) -> &str) -> HashMap<&str, &T> {
            let mut m = HashMap::with_capacity(items.len());
            for x in items {
                m.entry(id(x)).or_insert(x);
            }
            m
        }
        let zones = first(&model.zones, |z| &z.id);
        let externals = first(&model.external_sources, |e| &e.id);
        let humans = first(&model.humans, |h| &h.id);
        let internal_humans: HashSet<&str> = model
            .humans
            .iter()
            .filter(|h| h.internal)
            .map(|h| h.id.as_str())
            .collect();
        let servers = first(&model.servers, |s| &s.id);
        let stores = first(&model.data_stores, |d| &d.id);
        let tool = |id: &str| {
            let (s, t) = id.split_once('.')?;
            servers.get(s)?.tools.iter().find(|x| x.id == t)
        };
        let n = graph.nodes.len();
        let mut table = TrustTable {
            trust: Vec::with_capacity(n),
            sensitivity: Vec::with_capacity(n),
            sink: Vec::with_capacity(n),
        };
        for node in &graph.nodes {
            let id = node.id.as_str();
            let own = match node.kind {
                NodeKind::External => match externals.get(id) {
                    Some(e) if e.trusted => TrustLevel::Partner,
                    _ => TrustLevel::Untrusted,
                },
                NodeKind::Human => match humans.get(id) {
                    Some(h) if h.internal => TrustLevel::Internal,
                    _ => TrustLevel::Untrusted,
                },
                NodeKind::Server => servers.get(id).map(|s| s.trust).unwrap_or_default(),
                NodeKind::Tool => node
                    .parent
                    .and_then(|p| graph.nodes.get(p))
                    .and_then(|p| servers.get(p.id.as_str()))
                    .map(|s| s.trust)
                    .unwrap_or_default(),
                NodeKind::Agent | NodeKind::DataStore => TrustLevel::Internal,
            };
            let zone = node
                .zone
                .as_deref()
                .and_then(|z| zones.get(z))
                .map(|z| z.trust);
            table.trust.push(zone.map_or(own, |z| own.min(z)));
            table.sensitivity.push(match node.kind {
                NodeKind::DataStore => stores
                    .get(id)
                    .map(|d| d.sensitivity.max(classes_sensitivity(&d.data_classes)))
                    .unwrap_or_default(),
                NodeKind::Tool => tool(id)
                    .map(|t| {
                        if t.capabilities.contains(&Capability::Credentials) {
                            Sensitivity::Restricted
                        } else {
                            classes_sensitivity(&t.data_classes)
                        }
                    })
                    .unwrap_or(Sensitivity::Public),
                _ => Sensitivity::Public,
            });
            table.sink.push(match node.kind {
                NodeKind::External => true,
                NodeKind::Tool => tool(id).is_some_and(|t| {
                    !t.sends_to.is_empty()
                        || t.capabilities
                            .iter()
                            .any(|c| matches!(c, Capability::Messaging | Capability::NetworkEgress))
                }),
                NodeKind::Human => !internal_humans.contains(id),
                _ => false,
            });
        }
        table
    }
}

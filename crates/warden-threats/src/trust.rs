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

//! Facts: each element of the model as a JSON object that declarative rules test.
//!
//! A fact object is the element exactly as written in the model (defaults filled in) plus a
//! `derived` object of things only the whole graph can tell, such as whether untrusted
//! content reaches an agent or whether every caller of a tool needs approval. The fields of
//! `derived` are documented in `docs/rules.md`; rules depend on them, so rename none lightly.

use crate::trust::{self, TrustTable, capability_name, tool_impact};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use warden_model::graph::{EdgeKind, Graph, NodeKind};
use warden_model::*;

/// One element as rules see it.
#[derive(Debug, Clone)]
pub struct Fact {
    /// Subject kind: agent, server, tool, data-store, human, external, link or system.
    pub subject: &'static str,
    /// Element id (`from->to` for links, `system` for the system).
    pub id: String,
    /// Ids of the elements a finding on this fact affects (first locates it).
    pub elements: Vec<String>,
    /// JSON Pointer of the element in the model file.
    pub pointer: String,
    /// The object rules test.
    pub value: Value,
}

/// Graph-wide results computed once and shared by every fact.
pub struct Context<'a> {
    /// The model.
    pub model: &'a SystemModel,
    /// Its graph view.
    pub graph: &'a Graph,
    /// Per node: the untrusted source whose content reaches it (transitively), if any.
    pub taint: Vec<Option<usize>>,
    /// Per node: trust and sensitivity, computed once.
    pub table: TrustTable,
    /// Per node: for tools, the server and tool they come from.
    tools: Vec<Option<(&'a Server, &'a Tool)>>,
    /// Per node: for tools, the indices (in `model.agents`) of the agents granted them.
    tool_callers: Vec<Vec<usize>>,
    /// Server id → indices of agents granted any of its tools.
    server_callers: BTreeMap<&'a str, Vec<usize>>,
    /// Agent id → indices of links into it from agents (or over A2A).
    agent_inbound: BTreeMap<&'a str, Vec<usize>>,
}

impl<'a> Context<'a> {
    /// Compute the taint of every node with one multi-source breadth-first search, level by
    /// level, so that each node is labelled with its nearest untrusted source and, among
    /// equally near ones, the smallest id — whatever order the model lists things in.
    pub fn new(model: &'a SystemModel, graph: &'a Graph) -> Self {
        let n = graph.nodes.len();
        let table = TrustTable::build(model, graph);
        let mut sources: Vec<usize> = (0..n)
            .filter(|&i| table.trust[i] == TrustLevel::Untrusted)
            .collect();
        sources.sort_by(|a, b| graph.nodes[*a].id.cmp(&graph.nodes[*b].id));
        // rank[i] = position of node i's source in `sources` (smaller = smaller id).
        let mut rank: Vec<Option<usize>> = vec![None; n];
        let mut frontier: Vec<usize> = Vec::with_capacity(sources.len());
        for (r, &s) in sources.iter().enumerate() {
            rank[s] = Some(r);
            frontier.push(s);
        }
        let mut next_rank: Vec<Option<usize>> = vec![None; n];
        while !frontier.is_empty() {
            let mut next = Vec::new();
            for &v in &frontier {
                let r = rank[v];
                for &e in &graph.outgoing[v] {
                    let to = graph.edges[e].to;
                    if rank[to].is_some() {
                        continue;
                    }
                    match next_rank[to] {
                        None => {
                            next_rank[to] = r;
                            next.push(to);
                        }
                        Some(old) => next_rank[to] = r.map(|r| r.min(old)),
                    }
                }
            }
            for &v in &next {
                rank[v] = next_rank[v].take();
            }
            frontier = next;
        }
        let taint = rank.into_iter().map(|r| r.map(|r| sources[r])).collect();

        let mut tools = vec![None; n];
        for s in &model.servers {
            for t in &s.tools {
                if let Some(i) = graph.node(&format!("{}.{}", s.id, t.id)) {
                    tools[i].get_or_insert((s, t));
                }
            }
        }
        let mut tool_callers = vec![Vec::new(); n];
        let mut server_callers: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (ai, a) in model.agents.iter().enumerate() {
            for g in &a.tools {
                for id in graph.expand_tool(model, &g.tool) {
                    if let Some(i) = graph.node(&id)
                        && !tool_callers[i].contains(&ai)
                    {
                        tool_callers[i].push(ai);
                    }
                }
                if let Some(server) = g.tool.split('.').next().and_then(|s| graph.node(s))
                    && graph.nodes[server].kind == NodeKind::Server
                {
                    let v = server_callers
                        .entry(graph.nodes[server].id.as_str())
                        .or_default();
                    if !v.contains(&ai) {
                        v.push(ai);
                    }
                }
            }
        }
        let is_agent = |id: &str| {
            graph
                .node(id)
                .is_some_and(|i| graph.nodes[i].kind == NodeKind::Agent)
        };
        let mut agent_inbound: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (li, l) in model.links.iter().enumerate() {
            if is_agent(&l.to) && (l.protocol == Protocol::A2a || is_agent(&l.from)) {
                agent_inbound.entry(l.to.as_str()).or_default().push(li);
            }
        }
        Context {
            model,
            graph,
            taint,
            table,
            tools,
            tool_callers,
            server_callers,
            agent_inbound,
        }
    }

    fn untrusted(&self, node: usize) -> bool {
        self.table.trust[node] == TrustLevel::Untrusted
    }

    fn tool(&self, id: &str) -> Option<&'a Tool> {
        self.graph
            .node(id)
            .and_then(|n| self.tools[n])
            .map(|(_, t)| t)
    }

    fn id(&self, node: usize) -> &str {
        &self.graph.nodes[node].id
    }

    /// Whether content from this node is directly attacker-controlled: an untrusted node, a
    /// tool that ingests untrusted content, or a store an untrusted party writes.
    fn directly_untrusted(&self, node: usize) -> bool {
        if self.untrusted(node) {
            return true;
        }
        let n = &self.graph.nodes[node];
        matches!(n.kind, NodeKind::Tool | NodeKind::DataStore)
            && self.graph.incoming[node].iter().any(|&e| {
                let edge = &self.graph.edges[e];
                matches!(edge.kind, EdgeKind::Ingests | EdgeKind::Writes)
                    && self.untrusted(edge.from)
            })
    }

    fn direct_untrusted_inputs(&self, node: usize) -> Vec<String> {
        let mut v: Vec<String> = self.graph.incoming[node]
            .iter()
            .map(|&e| self.graph.edges[e].from)
            .filter(|&f| self.directly_untrusted(f))
            .map(|f| self.id(f).to_string())
            .collect();
        v.sort();
        v.dedup();
        v
    }
}

/// Build the fact object of every element, in model order.
pub fn collect(cx: &Context<'_>) -> Vec<Fact> {
    let m = cx.model;
    let mut out = Vec::with_capacity(cx.graph.nodes.len() + m.links.len() + 1);
    for (i, a) in m.agents.iter().enumerate() {
        out.push(fact(
            "agent",
            &a.id,
            format!("/agents/{i}"),
            a,
            agent_derived(cx, a),
        ));
    }
    for (i, s) in m.servers.iter().enumerate() {
        out.push(fact(
            "server",
            &s.id,
            format!("/servers/{i}"),
            s,
            server_derived(cx, s),
        ));
        for (j, t) in s.tools.iter().enumerate() {
            let id = format!("{}.{}", s.id, t.id);
            out.push(fact(
                "tool",
                &id,
                format!("/servers/{i}/tools/{j}"),
                t,
                tool_derived(cx, s, t, &id),
            ));
        }
    }
    for (i, d) in m.data_stores.iter().enumerate() {
        out.push(fact(
            "data-store",
            &d.id,
            format!("/data_stores/{i}"),
            d,
            store_derived(cx, d),
        ));
    }
    for (i, h) in m.humans.iter().enumerate() {
        out.push(fact(
            "human",
            &h.id,
            format!("/humans/{i}"),
            h,
            human_derived(cx, h),
        ));
    }
    for (i, e) in m.external_sources.iter().enumerate() {
        out.push(fact(
            "external",
            &e.id,
            format!("/external_sources/{i}"),
            e,
            external_derived(cx, e),
        ));
    }
    for (i, l) in m.links.iter().enumerate() {
        let mut f = fact(
            "link",
            &format!("{}->{}", l.from, l.to),
            format!("/links/{i}"),
            l,
            link_derived(cx, l),
        );
        f.elements = vec![l.from.clone(), l.to.clone()];
        out.push(f);
    }
    out.push(fact(
        "system",
        "system",
        String::new(),
        m,
        system_derived(cx),
    ));
    out
}

fn fact<T: serde::Serialize>(
    subject: &'static str,
    id: &str,
    pointer: String,
    element: &T,
    derived: Value,
) -> Fact {
    let mut value = serde_json::to_value(element).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value {
        // The system fact does not need the whole model twice.
        if subject == "system" {
            map.retain(|k, _| {
                matches!(
                    k.as_str(),
                    "system" | "deployment" | "observability" | "warden"
                )
            });
        }
        map.insert("derived".into(), derived);
    }
    Fact {
        subject,
        id: id.to_string(),
        elements: vec![id.to_string()],
        pointer,
        value,
    }
}

/// Whether an agent needs a human's approval before calling this tool.
pub fn needs_approval(agent: &Agent, tool_id: &str, tool: &Tool) -> bool {
    let server = tool_id.split('.').next().unwrap_or_default();
    let grant_approval = agent
        .tools
        .iter()
        .any(|g| g.approval && (g.tool == tool_id || g.tool.strip_suffix(".*") == Some(server)));
    grant_approval
        || agent
            .oversight
            .iter()
            .any(|o| oversight_covers(o, tool_id, tool))
}

/// Whether a tool can do lasting or far-reaching harm.
pub fn is_high_impact(tool: &Tool) -> bool {
    tool_impact(tool) >= 3
}

fn effective_deployment(model: &SystemModel, own: Option<&Deployment>) -> (Sandbox, Egress) {
    let sandbox = own
        .and_then(|d| d.sandbox)
        .or(model.deployment.sandbox)
        .unwrap_or_default();
    let egress = own
        .and_then(|d| d.egress)
        .or(model.deployment.egress)
        .unwrap_or_default();
    (sandbox, egress)
}

/// The list sorted and without duplicates, so facts never depend on model order.
fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

fn name<T: serde::Serialize>(v: T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn granted_tools<'m>(cx: &Context<'m>, a: &Agent) -> Vec<(String, &'m Tool)> {
    let mut out = Vec::new();
    for g in &a.tools {
        for id in cx.graph.expand_tool(cx.model, &g.tool) {
            if let Some(t) = cx.tool(&id)
                && !out.iter().any(|(x, _): &(String, &Tool)| *x == id)
            {
                out.push((id, t));
            }
        }
    }
    out
}

fn agent_derived(cx: &Context<'_>, a: &Agent) -> Value {
    let node = cx.graph.node(&a.id).unwrap_or_default();
    let tools = granted_tools(cx, a);
    let mut caps: Vec<String> = tools
        .iter()
        .flat_map(|(_, t)| {
            t.capabilities
                .iter()
                .map(|c| capability_name(*c).to_string())
        })
        .collect();
    caps.sort();
    caps.dedup();
    let unapproved = |pred: &dyn Fn(&Tool) -> bool| -> Vec<String> {
        tools
            .iter()
            .filter(|(id, t)| pred(t) && !needs_approval(a, id, t))
            .map(|(id, _)| id.clone())
            .collect()
    };
    let high_impact: Vec<String> = tools
        .iter()
        .filter(|(_, t)| is_high_impact(t))
        .map(|(id, _)| id.clone())
        .collect();
    let unsandboxed: Vec<String> = tools
        .iter()
        .filter(|(id, t)| {
            t.capabilities.contains(&Capability::ExecuteCode) && {
                let server = cx.graph.node(id).and_then(|n| cx.tools[n]).map(|(s, _)| s);
                let own = a
                    .deployment
                    .as_ref()
                    .or(server.and_then(|s| s.deployment.as_ref()));
                matches!(
                    effective_deployment(cx.model, own).0,
                    Sandbox::None | Sandbox::Unknown
                )
            }
        })
        .map(|(id, _)| id.clone())
        .collect();
    let mut missing = Vec::new();
    let l = &a.limits;
    for (k, set) in [
        ("max_steps", l.max_steps.is_some()),
        ("calls_per_minute", l.calls_per_minute.is_some()),
        ("budget_usd_per_day", l.budget_usd_per_day.is_some()),
    ] {
        if !set {
            missing.push(k);
        }
    }
    let mut spawn_missing = Vec::new();
    if l.max_spawns.is_none() {
        spawn_missing.push("max_spawns");
    }
    if l.max_recursion.is_none() {
        spawn_missing.push("max_recursion");
    }
    let unauth_inbound: Vec<String> = inbound_agent_links(cx, &a.id)
        .filter(|l| {
            matches!(
                l.authentication,
                Authentication::None | Authentication::Unknown
            )
        })
        .map(|l| l.from.clone())
        .collect();
    let unsigned_inbound: Vec<String> = inbound_agent_links(cx, &a.id)
        .filter(|l| !l.signed)
        .map(|l| l.from.clone())
        .collect();
    let human_facing = cx.graph.outgoing[node].iter().any(|&e| {
        let to = &cx.graph.nodes[cx.graph.edges[e].to];
        to.kind == NodeKind::Human
    });
    let memory_store = a.memory.store.as_deref().and_then(|s| cx.graph.node(s));
    let memory_untrusted_writes = memory_store.is_some_and(|s| {
        cx.graph.incoming[s]
            .iter()
            .any(|&e| cx.taint[cx.graph.edges[e].from].is_some())
    });
    let (sandbox, egress) = effective_deployment(cx.model, a.deployment.as_ref());
    let approvers = |pred: &dyn Fn(&Tool) -> bool| -> Vec<Value> {
        // Oversight points that guard the given kind of tool, with their quorum.
        a.oversight
            .iter()
            .filter(|o| tools.iter().any(|(id, t)| pred(t) && oversight_covers(o, id, t)))
            .map(|o| (o.action.clone(), o.quorum, o.approvers.len()))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .map(|(action, quorum, approvers)| json!({"action": action, "quorum": quorum, "approvers": approvers}))
            .collect()
    };
    json!({
        "node_trust": name(cx.table.trust[node]),
        "untrusted_input": cx.taint[node].is_some(),
        "untrusted_source": cx.taint[node].map(|s| cx.id(s).to_string()),
        "direct_untrusted_inputs": cx.direct_untrusted_inputs(node),
        "tool_count": tools.len(),
        "capabilities": caps,
        "high_impact_tools": sorted(high_impact),
        "unapproved_high_impact_tools": sorted(unapproved(&is_high_impact)),
        "unapproved_irreversible_tools": sorted(unapproved(&|t: &Tool| t.side_effects == SideEffects::Irreversible)),
        "unapproved_payment_tools": sorted(unapproved(&|t: &Tool| t.capabilities.contains(&Capability::Payment))),
        "unsandboxed_code_tools": sorted(unsandboxed),
        "high_impact_oversight": approvers(&is_high_impact),
        "missing_limits": missing,
        "missing_spawn_limits": spawn_missing,
        "delegate_count": a.delegates_to.len(),
        "unauthenticated_inbound_agents": sorted(unauth_inbound),
        "unsigned_inbound_agents": sorted(unsigned_inbound),
        "human_facing": human_facing,
        "memory_untrusted_writes": memory_untrusted_writes,
        "shared_memory": !a.memory.shared_with.is_empty(),
        "model_pinned": a.model.as_ref().is_some_and(|m| m.version.is_some()),
        "sandbox": name(sandbox),
        "egress": name(egress),
    })
}

/// Whether an oversight point guards this tool: it names the tool, its server, one of its
/// capabilities, or everything (`*`).
fn oversight_covers(o: &Oversight, tool_id: &str, tool: &Tool) -> bool {
    let server = tool_id.split('.').next().unwrap_or_default();
    o.action == "*"
        || o.action == tool_id
        || o.action.strip_suffix(".*") == Some(server)
        || tool
            .capabilities
            .iter()
            .any(|c| capability_name(*c) == o.action)
}

fn inbound_agent_links<'m>(
    cx: &'m Context<'m>,
    agent: &str,
) -> impl Iterator<Item = &'m Link> + 'm {
    let model = cx.model;
    cx.agent_inbound
        .get(agent)
        .into_iter()
        .flatten()
        .map(move |&li| &model.links[li])
}

fn callers<'m>(cx: &Context<'m>, tool_id: &str) -> Vec<&'m Agent> {
    let model = cx.model;
    cx.graph
        .node(tool_id)
        .map(|n| {
            cx.tool_callers[n]
                .iter()
                .map(|&ai| &model.agents[ai])
                .collect()
        })
        .unwrap_or_default()
}

fn tool_derived(cx: &Context<'_>, s: &Server, t: &Tool, id: &str) -> Value {
    let node = cx.graph.node(id).unwrap_or_default();
    let callers = callers(cx, id);
    let approved = callers.iter().filter(|a| needs_approval(a, id, t)).count();
    let approval = match (approved, callers.len()) {
        (_, 0) => "no-callers",
        (a, c) if a == c => "all",
        (0, _) => "none",
        _ => "some",
    };
    let (sandbox, egress) = effective_deployment(cx.model, s.deployment.as_ref());
    let untrusted_callers: Vec<String> = callers
        .iter()
        .filter(|a| cx.graph.node(&a.id).is_some_and(|n| cx.taint[n].is_some()))
        .map(|a| a.id.clone())
        .collect();
    json!({
        "server": s.id,
        "server_trust": name(s.trust),
        "transport": name(s.transport),
        "callers": sorted(callers.iter().map(|a| a.id.clone()).collect()),
        "untrusted_callers": sorted(untrusted_callers),
        "approval": approval,
        "unapproved_callers": sorted(callers.iter().filter(|a| !needs_approval(a, id, t)).map(|a| a.id.clone()).collect()),
        "high_impact": is_high_impact(t),
        "sandbox": name(sandbox),
        "egress": name(egress),
        "sensitivity": name(cx.table.sensitivity[node]),
        "untrusted_output": cx.directly_untrusted(node),
    })
}

fn server_derived(cx: &Context<'_>, s: &Server) -> Value {
    let p = &s.provenance;
    let internal = p.publisher.as_deref() == Some("internal");
    let callers: Vec<String> = cx
        .server_callers
        .get(s.id.as_str())
        .into_iter()
        .flatten()
        .map(|&ai| cx.model.agents[ai].id.clone())
        .collect();
    let inbound = cx
        .model
        .links
        .iter()
        .filter(|l| l.to == s.id)
        .map(|l| l.authentication)
        .min();
    json!({
        "pinned": p.version.is_some() && p.hash.is_some(),
        "third_party": !internal,
        "callers": sorted(callers),
        "tool_count": s.tools.len(),
        "remote": matches!(s.transport, Transport::StreamableHttp | Transport::Sse | Transport::Http),
        "weakest_inbound_auth": inbound.map(name),
        "high_impact_tools": sorted(s.tools.iter().filter(|t| is_high_impact(t)).map(|t| format!("{}.{}", s.id, t.id)).collect()),
    })
}

fn store_derived(cx: &Context<'_>, d: &DataStore) -> Value {
    let node = cx.graph.node(&d.id).unwrap_or_default();
    let mut untrusted_writers: Vec<String> = cx.graph.incoming[node]
        .iter()
        .map(|&e| &cx.graph.edges[e])
        .filter(|e| e.kind == EdgeKind::Writes && cx.taint[e.from].is_some())
        .map(|e| cx.id(e.from).to_string())
        .collect();
    untrusted_writers.sort();
    untrusted_writers.dedup();
    let memory_of: Vec<String> = cx
        .model
        .agents
        .iter()
        .filter(|a| {
            a.memory.store.as_deref() == Some(d.id.as_str())
                || (a.reads.contains(&d.id) && a.memory.kind == MemoryKind::LongTerm)
        })
        .map(|a| a.id.clone())
        .collect();
    let mut readers: Vec<String> = cx
        .graph
        .reachable(node, |e| {
            e.kind == EdgeKind::Reads || e.kind == EdgeKind::Returns
        })
        .into_iter()
        .filter(|&n| cx.graph.nodes[n].kind == NodeKind::Agent)
        .map(|n| cx.id(n).to_string())
        .collect();
    readers.sort();
    json!({
        "untrusted_writers": untrusted_writers,
        "direct_untrusted_writers": cx.direct_untrusted_inputs(node),
        "memory_of": sorted(memory_of),
        "reader_agents": readers,
        "effective_sensitivity": name(cx.table.sensitivity[node]),
    })
}

fn human_derived(cx: &Context<'_>, h: &Human) -> Value {
    let per_person = h
        .approvals_per_day
        .map(|v| f64::from(v) / f64::from(h.count.max(1)));
    let approves_for: Vec<String> = cx
        .model
        .agents
        .iter()
        .filter(|a| a.oversight.iter().any(|o| o.approvers.contains(&h.id)))
        .map(|a| a.id.clone())
        .collect();
    json!({ "approvals_per_person_per_day": per_person, "approves_for": sorted(approves_for) })
}

fn external_derived(cx: &Context<'_>, e: &ExternalSource) -> Value {
    let node = cx.graph.node(&e.id).unwrap_or_default();
    let mut feeds: Vec<String> = cx
        .graph
        .reachable(node, |_| true)
        .into_iter()
        .filter(|&n| cx.graph.nodes[n].kind == NodeKind::Agent)
        .map(|n| cx.id(n).to_string())
        .collect();
    feeds.sort();
    json!({ "reaches_agents": feeds, "trust": name(cx.table.trust[node]) })
}

fn link_derived(cx: &Context<'_>, l: &Link) -> Value {
    let kind = |id: &str| {
        cx.graph
            .node(id)
            .map(|n| cx.graph.nodes[n].kind.as_str())
            .unwrap_or("unknown")
    };
    let trust = |id: &str| {
        cx.graph
            .node(id)
            .map(|n| name(cx.table.trust[n]))
            .unwrap_or(Value::Null)
    };
    let zone = |id: &str| {
        cx.graph
            .node(id)
            .and_then(|n| cx.graph.nodes[n].zone.clone())
    };
    let (fk, tk) = (kind(&l.from), kind(&l.to));
    let local = matches!(l.protocol, Protocol::InProcess) || l.encryption == Encryption::Local;
    json!({
        "from_kind": fk,
        "to_kind": tk,
        "from_trust": trust(&l.from),
        "to_trust": trust(&l.to),
        "agent_to_agent": (fk == "agent" || fk == "external") && tk == "agent" && (fk == "agent" || l.protocol == Protocol::A2a),
        "crosses_zones": zone(&l.from) != zone(&l.to),
        "local": local,
        "delegates_for_other": l.on_behalf_of.as_ref().is_some_and(|o| *o != l.from),
        "sensitivity": name(trust::classes_sensitivity(&l.data_classes)),
    })
}

fn system_derived(cx: &Context<'_>) -> Value {
    let m = cx.model;
    let untrusted_agents = m
        .agents
        .iter()
        .filter(|a| cx.graph.node(&a.id).is_some_and(|n| cx.taint[n].is_some()))
        .count();
    json!({
        "agent_count": m.agents.len(),
        "agents_with_untrusted_input": untrusted_agents,
        "agents_without_owner": sorted(m.agents.iter().filter(|a| a.owner.is_none()).map(|a| a.id.clone()).collect()),
        "autonomous_agents": m.agents.iter().filter(|a| a.autonomy >= Autonomy::Conditional).count(),
        "sandbox": name(m.deployment.sandbox.unwrap_or_default()),
        "egress": name(m.deployment.egress.unwrap_or_default()),
    })
}

//! Single points of compromise: one element shared by several agents — a tool server, a
//! data store such as shared memory, an orchestrator — whose compromise alone reaches
//! critical assets across those agents.

use super::blast::{reach_impact, worst_route};
use super::ctx::Ctx;
use super::radii::worst_class;
use super::search::Seek;
use super::{Inputs, Pending, draft, settle};
use crate::finding::{Draft, Stride};
use crate::render::capitalise;
use warden_model::graph::{EdgeKind, NodeKind};
use warden_model::{SignatureStatus, TrustLevel};

/// The agents that depend on a shared element, with the hop that connects each.
struct Shared {
    /// Agents, by id.
    clients: Vec<u32>,
    /// Assets the element controls itself (a server's critical tools and their stores).
    own: Vec<u32>,
}

/// Agents that call a server's tools or link to it, and the server's own critical assets.
fn server_share(ctx: &Ctx, s: u32) -> Shared {
    let mut clients = Vec::new();
    let mut own = Vec::new();
    for &t in &ctx.children[s as usize] {
        if ctx.crit[t as usize] > 0 {
            own.push(t);
        }
        for &(x, k) in &ctx.inc[t as usize] {
            if k == EdgeKind::Invokes && ctx.is_agent(x) {
                clients.push(x);
            }
        }
        for &(x, k) in ctx.out[t as usize].iter().chain(&ctx.inc[t as usize]) {
            if matches!(k, EdgeKind::Writes | EdgeKind::Reads) && ctx.crit[x as usize] > 0 {
                own.push(x);
            }
        }
    }
    for &(x, k) in &ctx.inc[s as usize] {
        if k == EdgeKind::Link && ctx.is_agent(x) {
            clients.push(x);
        }
    }
    ctx.sort(&mut clients);
    ctx.sort(&mut own);
    Shared { clients, own }
}

/// Agents that read a store, directly or through a tool they call.
fn store_share(ctx: &Ctx, d: u32) -> Shared {
    let mut clients = Vec::new();
    for &(x, k) in &ctx.out[d as usize] {
        if k != EdgeKind::Reads {
            continue;
        }
        if ctx.is_agent(x) {
            clients.push(x);
        } else if ctx.kind(x) == NodeKind::Tool {
            for &(a, k2) in &ctx.out[x as usize] {
                if k2 == EdgeKind::Returns && ctx.is_agent(a) {
                    clients.push(a);
                }
            }
        }
    }
    ctx.sort(&mut clients);
    Shared {
        clients,
        own: Vec::new(),
    }
}

/// Agents an agent delegates to or messages.
fn orchestrator_share(ctx: &Ctx, a: u32) -> Shared {
    let mut clients: Vec<u32> = ctx.out[a as usize]
        .iter()
        .filter(|&&(b, k)| matches!(k, EdgeKind::Delegates | EdgeKind::Link) && ctx.is_agent(b))
        .map(|&(b, _)| b)
        .collect();
    ctx.sort(&mut clients);
    Shared {
        clients,
        own: Vec::new(),
    }
}

/// The hop from the shared element to a client, for the path.
fn bridge(ctx: &Ctx, x: u32, client: u32) -> Vec<u32> {
    match ctx.kind(x) {
        NodeKind::Server => ctx.children[x as usize]
            .iter()
            .copied()
            .find(|&t| ctx.out[t as usize].iter().any(|&(a, _)| a == client))
            .into_iter()
            .collect(),
        NodeKind::DataStore => ctx.out[x as usize]
            .iter()
            .find(|&&(m, k)| k == EdgeKind::Reads && m == client)
            .map(|_| Vec::new())
            .unwrap_or_else(|| {
                ctx.out[x as usize]
                    .iter()
                    .map(|&(t, _)| t)
                    .find(|&t| {
                        ctx.kind(t) == NodeKind::Tool
                            && ctx.out[t as usize].iter().any(|&(a, _)| a == client)
                    })
                    .into_iter()
                    .collect()
            }),
        _ => Vec::new(),
    }
}

/// `single-point` drafts.
pub(crate) fn analyse(inputs: &Inputs) -> Vec<Draft> {
    settle(inputs, candidates(inputs))
}

/// One candidate per shared element.
fn candidates<'a>(inputs: &'a Inputs<'a>) -> Vec<Pending<'a>> {
    let ctx = inputs.ctx;
    let mut seek = Seek::new(ctx.len());
    let mut out = Vec::new();
    if !inputs.radii.available {
        return out;
    }
    for x in ctx.by_id() {
        let shared = match ctx.kind(x) {
            NodeKind::Server => server_share(ctx, x),
            NodeKind::DataStore => store_share(ctx, x),
            NodeKind::Agent => orchestrator_share(ctx, x),
            _ => continue,
        };
        if shared.clients.len() < 2 {
            continue;
        }
        // Union of what the clients reach, plus what the element controls itself.
        let mut acc = inputs.radii.empty();
        for &m in &shared.own {
            inputs.radii.insert_ungated(m, &mut acc);
        }
        for &c in &shared.clients {
            inputs.radii.closure_into(inputs.act, c, &mut acc);
        }
        let r = inputs.radii.summary(&mut acc, &[x]);
        if r.critical.is_empty() {
            continue;
        }
        // "Across agents": critical assets behind at least two of the clients, unless the
        // element (a server) controls critical tools itself.
        if shared.own.is_empty() {
            let contributing = shared
                .clients
                .iter()
                .filter(|&&c| inputs.radii.max_crit(ctx, inputs.act, c) > 0)
                .take(2)
                .count();
            if contributing < 2 {
                continue;
            }
        }
        let class = worst_class(ctx, &r);
        let own = class.iter().copied().find(|m| shared.own.contains(m));
        let path = if let Some(w) = own {
            let mut p = vec![x];
            if ctx.kind(w) != NodeKind::Tool {
                p.extend(ctx.children[x as usize].iter().copied().find(|&t| {
                    ctx.out[t as usize]
                        .iter()
                        .chain(&ctx.inc[t as usize])
                        .any(|&(m, _)| m == w)
                }));
            }
            p.push(w);
            p
        } else {
            let route = seek.run(ctx, inputs.act, &shared.clients, &class);
            let Some(&c) = route.first() else {
                continue;
            };
            let mut p = vec![x];
            p.extend(bridge(ctx, x, c));
            p.extend(route);
            p
        };
        let Some(&w) = path.last() else {
            continue;
        };
        let agents = r.agents;
        let mut elements = vec![x, w];
        elements.extend(shared.clients.iter().take(inputs.limits.max_listed));
        let (what, likely, threats, atlas, controls): (&str, bool, &[&str], &[&str], &[&str]) =
            match ctx.kind(x) {
                NodeKind::Server => {
                    let s = ctx.server[x as usize];
                    let weak_trust = s.is_some_and(|s| s.trust < TrustLevel::Internal);
                    let unpinned = s.is_some_and(|s| {
                        s.provenance.hash.is_none()
                            && s.provenance.signature != SignatureStatus::Verified
                    });
                    (
                        "tool server",
                        weak_trust || unpinned,
                        &["T2", "T13", "T3"],
                        &["AML.T0110", "AML.T0010", "AML.T0053"],
                        &["WC-TOOL-PINNING", "WC-SUPPLY-CHAIN", "WC-ZONE-SEGMENTATION"],
                    )
                }
                NodeKind::DataStore => (
                    "data store",
                    inputs.legs.relayed.reached(x)
                        || ctx.store[x as usize].is_some_and(|d| !d.validated_writes),
                    &["T1", "T5", "T3"],
                    &["AML.T0080", "AML.T0070"],
                    &["WC-MEMORY-VALIDATION", "WC-CORPUS-INTEGRITY"],
                ),
                _ => (
                    "orchestrating agent",
                    inputs.legs.exposed(x),
                    &["T3", "T13", "T14"],
                    &["AML.T0053"],
                    &["WC-DELEGATION-SCOPE", "WC-HITL-APPROVAL", "WC-KILL-SWITCH"],
                ),
            };
        let impact = reach_impact(ctx, w, &r, 3);
        let likelihood = 2 + u8::from(likely) + u8::from(shared.clients.len() >= 5);
        let make = move |elements: &[u32], path: &[u32]| {
            let critical = &r.critical;
            draft(
                ctx,
                "single-point",
                format!(
                    "Compromise of {what} `{}` reaches {} critical asset(s) across {} agents",
                    ctx.id(x),
                    critical.len(),
                    shared.clients.len()
                ),
                format!(
                    "{What} `{x}` is shared by {nc} agents ({clients}). Compromising it alone — \
                 {how} — puts every one of them within reach, and through them {na} agent(s) \
                 and {ncrit} critical asset(s): {crit}. {worst}",
                    What = capitalise(what),
                    x = ctx.id(x),
                    nc = shared.clients.len(),
                    clients = ctx.list(&shared.clients, inputs.limits.max_listed),
                    how = match ctx.kind(x) {
                        NodeKind::Server =>
                            "a malicious update, a poisoned tool description or result",
                        NodeKind::DataStore => "planted content that every reader takes as context",
                        _ => "one prompt injection or stolen credential",
                    },
                    na = agents,
                    ncrit = critical.len(),
                    crit = ctx.list(critical, inputs.limits.max_listed),
                    worst = worst_route(ctx, path),
                ),
                &["L2", "L3", "L4", "L7"],
                threats,
                atlas,
                &[Stride::ElevationOfPrivilege, Stride::Tampering],
                &["agent-communication", "autonomy"],
                elements,
                path,
                likelihood,
                impact,
                controls,
            )
        };
        out.push(Pending::new(likelihood, impact, elements, path, make));
    }
    out
}

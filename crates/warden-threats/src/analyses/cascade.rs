//! Cascading trust: chains of two or more control hops (messages, delegations, tool calls)
//! between agents, servers and tools where no receiver authenticates its sender, so the
//! last element acts on what the first said and nobody checked who was speaking.

use super::ctx::Ctx;
use super::search::{Bfs, Dir};
use super::{Inputs, draft};
use crate::finding::{Draft, Stride};
use warden_model::graph::{EdgeKind, NodeKind};

/// Elements that act on instructions.
fn actor(ctx: &Ctx, n: u32) -> bool {
    matches!(
        ctx.kind(n),
        NodeKind::Agent | NodeKind::Server | NodeKind::Tool
    )
}

/// A control hop between actors whose receiver does not authenticate the sender.
fn blind(ctx: &Ctx, from: u32, to: u32, k: EdgeKind) -> bool {
    k.is_control() && actor(ctx, from) && actor(ctx, to) && !ctx.hop(from, to, k).authenticated
}

/// `cascading-trust` drafts: one per chain head.
pub(crate) fn analyse(inputs: &Inputs) -> Vec<Draft> {
    let ctx = inputs.ctx;
    let n = ctx.len();
    // How much harm each actor can do when it acts: its own impact, or its tools' for an
    // agent or a server.
    let mut level = ctx.impact.clone();
    for a in 0..n as u32 {
        let tools: Box<dyn Iterator<Item = u32>> = match ctx.kind(a) {
            NodeKind::Agent => Box::new(
                ctx.out[a as usize]
                    .iter()
                    .filter(|&&(_, k)| k == EdgeKind::Invokes)
                    .map(|&(t, _)| t),
            ),
            NodeKind::Server => Box::new(ctx.children[a as usize].iter().copied()),
            _ => Box::new(std::iter::empty()),
        };
        for t in tools {
            level[a as usize] = level[a as usize].max(ctx.impact[t as usize]);
        }
    }
    // The unauthenticated hops, as adjacency lists (sorted like `ctx.out`).
    let mut adj: Vec<Vec<(u32, EdgeKind)>> = vec![Vec::new(); n];
    let mut has_in = vec![false; n];
    for (f, list) in ctx.out.iter().enumerate() {
        for &(t, k) in list {
            if blind(ctx, f as u32, t, k) {
                adj[f].push((t, k));
                has_in[t as usize] = true;
            }
        }
    }
    let has_out = |m: u32| !adj[m as usize].is_empty();
    let order = ctx.by_id();
    let mut heads: Vec<u32> = order
        .iter()
        .copied()
        .filter(|&m| has_out(m) && !has_in[m as usize])
        .collect();
    let mut covered = vec![false; n];
    let mut bfs = Bfs::new(n);
    let mut out = Vec::new();
    let mut next_uncovered = 0;
    let mut i = 0;
    loop {
        let head = if i < heads.len() {
            heads[i]
        } else {
            // Chains that only loop (no head of their own): start at the first element, by
            // id, that no chain has covered yet.
            let Some(rel) = order[next_uncovered..]
                .iter()
                .position(|&m| !covered[m as usize] && has_out(m))
            else {
                break;
            };
            next_uncovered += rel;
            let m = order[next_uncovered];
            heads.push(m);
            m
        };
        i += 1;
        bfs.run_on(
            ctx,
            &adj,
            &[head],
            Dir::Forward,
            inputs.limits.max_chain_depth,
            inputs.limits.max_chain_nodes,
            |_, _, _| true,
            |_| true,
        );
        let mut end = None;
        let mut best = (0u8, 0u32, std::cmp::Reverse(0u32));
        let mut deepest = 0;
        for &m in bfs.order() {
            covered[m as usize] = true;
            let d = bfs.dist(m).unwrap_or(0);
            deepest = deepest.max(d);
            let key = (
                level[m as usize],
                d,
                std::cmp::Reverse(ctx.rank[m as usize]),
            );
            if d >= 2 && (end.is_none() || key > best) {
                best = key;
                end = Some(m);
            }
        }
        let Some(end) = end else {
            continue;
        };
        let path = bfs.path_to(end);
        let mut elements = vec![head, end];
        elements.extend(
            path[1..path.len() - 1]
                .iter()
                .copied()
                .take(inputs.limits.max_listed),
        );
        let undeclared = path
            .windows(2)
            .filter(|w| {
                let k = adj[w[0] as usize]
                    .iter()
                    .find(|&&(t, _)| t == w[1])
                    .map_or(EdgeKind::Link, |&(_, k)| k);
                !ctx.hop(w[0], w[1], k).declared
            })
            .count();
        let hops = path.len() - 1;
        let exposed = inputs.legs.exposed(head) || ctx.untrusted(head);
        let impact = match level[end as usize] {
            4 => 4,
            3 => 3,
            _ => 2,
        };
        out.push(draft(
            ctx,
            "cascading-trust",
            format!(
                "`{}` acts on what `{}` says over {} unauthenticated hops",
                ctx.id(end),
                ctx.id(head),
                hops
            ),
            format!(
                "Along {route}, every hop is a message, delegation or tool call whose receiver \
                 does not authenticate the sender ({undeclared} of the {hops} hops have no \
                 declared link; the others declare no authentication). `{end}` acts on what \
                 `{head}` said and no element on the way checked who was speaking, so anyone \
                 who can inject into one hop can impersonate every element before it. From \
                 `{head}`, {reach} element(s) are reachable this way, up to {deepest} hops \
                 deep.{exp}",
                route = ctx.arrow(&path),
                end = ctx.id(end),
                head = ctx.id(head),
                reach = bfs.order().len() - 1,
                exp = if exposed {
                    format!(" Untrusted content already reaches `{}`.", ctx.id(head))
                } else {
                    String::new()
                },
            ),
            &["L3", "L4", "L7"],
            &["T9", "T12", "T3"],
            &["AML.T0051", "AML.T0053"],
            &[Stride::Spoofing, Stride::Tampering],
            &["identity-management", "agent-communication"],
            &elements,
            &path,
            2 + u8::from(exposed) + u8::from(hops >= 3),
            impact,
            &["WC-MUTUAL-AUTH", "WC-MESSAGE-SIGNING", "WC-AGENT-IDENTITY"],
        ));
    }
    out
}

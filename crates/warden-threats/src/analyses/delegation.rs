//! Privilege escalation through delegation: agent A delegates to or messages agent B over
//! hops that do not narrow authority to the task, and B may do things A may not — so A (or
//! whoever steers A) can make B do them.

use super::ctx::Ctx;
use super::search::{Bfs, Dir};
use super::{Inputs, Pending, draft, settle};
use crate::finding::{Draft, Stride};
use crate::trust::capability_name;
use warden_model::graph::{EdgeKind, NodeKind};
use warden_model::{Sensitivity, SideEffects};

/// Restricted stores an agent reads or writes, directly or through the tools it invokes.
fn restricted_reach(ctx: &Ctx, agent: u32) -> Vec<u32> {
    let restricted = |m: u32| {
        ctx.kind(m) == NodeKind::DataStore && ctx.sensitivity(m) == Sensitivity::Restricted
    };
    let mut out = Vec::new();
    let touch = |x: u32, out: &mut Vec<u32>| {
        for &(s, k) in &ctx.inc[x as usize] {
            if k == EdgeKind::Reads && restricted(s) {
                out.push(s);
            }
        }
        for &(s, k) in &ctx.out[x as usize] {
            if k == EdgeKind::Writes && restricted(s) {
                out.push(s);
            }
        }
    };
    touch(agent, &mut out);
    for &(t, k) in &ctx.out[agent as usize] {
        if k == EdgeKind::Invokes {
            touch(t, &mut out);
        }
    }
    ctx.sort(&mut out);
    out
}

/// Tools an agent invokes.
fn tools_of<'c>(ctx: &'c Ctx, agent: u32) -> impl Iterator<Item = u32> + 'c {
    ctx.out[agent as usize]
        .iter()
        .filter(|&&(_, k)| k == EdgeKind::Invokes)
        .map(|&(t, _)| t)
}

/// What an escalated asset lets B do, in a few words.
fn what(ctx: &Ctx, n: u32) -> String {
    use warden_model::Capability as C;
    let Some(t) = ctx.tool[n as usize] else {
        return "restricted data".to_string();
    };
    let mut w: Vec<&str> = [
        C::Payment,
        C::Admin,
        C::Credentials,
        C::ExecuteCode,
        C::Delete,
        C::Write,
        C::Messaging,
    ]
    .into_iter()
    .filter(|c| t.capabilities.contains(c))
    .map(capability_name)
    .collect();
    if t.side_effects == SideEffects::Irreversible {
        w.push("irreversible");
    }
    w.join(", ")
}

/// Harm of an escalated asset: tool impact, 4 for restricted data.
fn harm(ctx: &Ctx, n: u32) -> u8 {
    if ctx.tool[n as usize].is_some() {
        ctx.impact[n as usize]
    } else {
        4
    }
}

/// `delegation-escalation` drafts: one per (A, B).
pub(crate) fn analyse(inputs: &Inputs) -> Vec<Draft> {
    settle(inputs, candidates(inputs))
}

/// One candidate per (A, B).
fn candidates<'a>(inputs: &'a Inputs<'a>) -> Vec<Pending<'a>> {
    let ctx = inputs.ctx;
    let n = ctx.len();
    // High-impact tools and restricted data per agent, most harmful first.
    let mut high: Vec<Vec<u32>> = vec![Vec::new(); n];
    for a in 0..n as u32 {
        if !ctx.is_agent(a) {
            continue;
        }
        let mut v: Vec<u32> = tools_of(ctx, a)
            .filter(|&t| ctx.impact[t as usize] >= 2)
            .collect();
        v.extend(restricted_reach(ctx, a));
        v.sort_by_key(|&m| (std::cmp::Reverse(harm(ctx, m)), ctx.rank[m as usize]));
        v.dedup();
        high[a as usize] = v;
    }
    // Unscoped agent-to-agent control hops.
    let mut adj: Vec<Vec<(u32, EdgeKind)>> = vec![Vec::new(); n];
    for (f, list) in ctx.out.iter().enumerate() {
        if !ctx.is_agent(f as u32) {
            continue;
        }
        for &(t, k) in list {
            if matches!(k, EdgeKind::Link | EdgeKind::Delegates)
                && ctx.is_agent(t)
                && !ctx.hop(f as u32, t, k).scoped
            {
                adj[f].push((t, k));
            }
        }
    }
    let mut mark = vec![u32::MAX; n];
    let mut bfs = Bfs::new(n);
    let mut out = Vec::new();
    for a in ctx.by_id() {
        if !ctx.is_agent(a) {
            continue;
        }
        if adj[a as usize].is_empty() {
            continue;
        }
        bfs.run_on(
            ctx,
            &adj,
            &[a],
            Dir::Forward,
            u32::MAX,
            usize::MAX,
            |_, _, _| true,
            |_| true,
        );
        if bfs.order().len() < 2 {
            continue;
        }
        for t in tools_of(ctx, a).chain(restricted_reach(ctx, a)) {
            mark[t as usize] = a;
        }
        let mut reported = 0;
        for &b in &bfs.order()[1..] {
            if reported >= inputs.limits.max_delegates_per_agent {
                break;
            }
            let escalated: Vec<u32> = high[b as usize]
                .iter()
                .copied()
                .filter(|&m| mark[m as usize] != a)
                .collect();
            let Some(&top) = escalated.first() else {
                continue;
            };
            reported += 1;
            let path = bfs.path_to(b);
            let mut elements = vec![a, b];
            elements.extend(escalated.iter().take(3));
            let exposed = inputs.legs.exposed(a);
            let likelihood = 2 + u8::from(exposed) + u8::from(ctx.autonomous(b));
            let impact = harm(ctx, top).max(2);
            let make = move |elements: &[u32], path: &[u32]| {
                let listed: Vec<String> = escalated
                    .iter()
                    .take(inputs.limits.max_listed)
                    .map(|&m| format!("`{}` ({})", ctx.id(m), what(ctx, m)))
                    .collect();
                let more = escalated.len().saturating_sub(inputs.limits.max_listed);
                let more = if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                };
                draft(
                    ctx,
                    "delegation-escalation",
                    format!(
                        "`{}` can make `{}` do what `{}` may not",
                        ctx.id(a),
                        ctx.id(b),
                        ctx.id(a)
                    ),
                    format!(
                        "Agent `{a}` hands work to agent `{b}` ({route}) and no hop narrows the \
                        authority passed on, so `{b}` acts with all of its own rights on `{a}`'s \
                        request. `{b}` may use {count} high-impact tool(s) or restricted data that \
                        `{a}` is not granted: {list}{more}. Whoever steers `{a}` — a prompt \
                        injection, a compromised credential — gets these by asking `{b}`.{exp}",
                        a = ctx.id(a),
                        b = ctx.id(b),
                        route = ctx.arrow(path),
                        count = escalated.len(),
                        list = listed.join(", "),
                        exp = if exposed {
                            format!(" Untrusted content already reaches `{}`.", ctx.id(a))
                        } else {
                            String::new()
                        },
                    ),
                    &["L3", "L6", "L7"],
                    &["T3", "T14", "T2"],
                    &["AML.T0053"],
                    &[Stride::ElevationOfPrivilege],
                    &["identity-management", "agent-communication", "autonomy"],
                    elements,
                    path,
                    likelihood,
                    impact,
                    &["WC-DELEGATION-SCOPE", "WC-HITL-APPROVAL"],
                )
            };
            out.push(Pending::new(likelihood, impact, elements, path, make));
        }
    }
    out
}

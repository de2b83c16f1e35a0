//! Memory poisoning across agents: untrusted content reaches an agent, the agent writes it
//! (directly or through a tool) into long-term or shared memory or a retrieval store, and
//! other agents read it back as trusted context. Per-element rules see a store's direct
//! writers; this follows the whole route from the untrusted source to the other readers.

use super::{Inputs, draft};
use crate::finding::{Draft, Stride};
use warden_model::graph::{EdgeKind, NodeKind};
use warden_model::{MemoryKind, StoreKind};

/// `memory-poisoning-path` drafts: one per poisoned store.
pub(crate) fn analyse(inputs: &Inputs) -> Vec<Draft> {
    let ctx = inputs.ctx;
    let n = ctx.len();
    // Stores that serve as an agent's memory, and whether that agent validates writes.
    let mut memory_of = vec![false; n];
    let mut validated = vec![false; n];
    for a in 0..n as u32 {
        let Some(agent) = ctx.agent[a as usize] else {
            continue;
        };
        let Some(d) = agent
            .memory
            .store
            .as_deref()
            .and_then(|s| ctx.graph.node(s))
        else {
            continue;
        };
        if agent.memory.kind == MemoryKind::LongTerm || !agent.memory.shared_with.is_empty() {
            memory_of[d] = true;
        }
        validated[d] |= agent.memory.validated_writes;
    }
    let mut out = Vec::new();
    for m in ctx.by_id() {
        let Some(store) = ctx.store[m as usize] else {
            continue;
        };
        let rag = matches!(store.kind, StoreKind::RagCorpus | StoreKind::Vector);
        let memoryish = rag || store.kind == StoreKind::Memory || memory_of[m as usize];
        if !memoryish || store.validated_writes || validated[m as usize] {
            continue;
        }
        // Exposed agents that write into the store, directly or through a tool they call;
        // the nearest to an untrusted source (then by id) is named.
        let mut writer: Option<(u32, u32, Option<u32>)> = None;
        let mut consider = |a: u32, via: Option<u32>| {
            let Some(d) = inputs.legs.relayed.dist(a) else {
                return;
            };
            let key = (d, ctx.rank[a as usize], via.map(|t| ctx.rank[t as usize]));
            let better = match writer {
                None => true,
                Some((wa, wd, wt)) => {
                    key < (wd, ctx.rank[wa as usize], wt.map(|t| ctx.rank[t as usize]))
                }
            };
            if better {
                writer = Some((a, d, via));
            }
        };
        for &(w, k) in &ctx.inc[m as usize] {
            if k != EdgeKind::Writes {
                continue;
            }
            if ctx.is_agent(w) {
                consider(w, None);
            } else if ctx.kind(w) == NodeKind::Tool {
                for &(a, k2) in &ctx.inc[w as usize] {
                    if k2 == EdgeKind::Invokes && ctx.is_agent(a) {
                        consider(a, Some(w));
                    }
                }
            }
        }
        let Some((x, dist, via)) = writer else {
            continue;
        };
        // Other agents that read the store, directly or through a tool they call.
        let mut readers: Vec<(u32, Option<u32>)> = Vec::new();
        for &(r, k) in &ctx.out[m as usize] {
            if k != EdgeKind::Reads {
                continue;
            }
            if ctx.is_agent(r) {
                readers.push((r, None));
            } else if ctx.kind(r) == NodeKind::Tool {
                for &(a, k2) in &ctx.out[r as usize] {
                    if k2 == EdgeKind::Returns && ctx.is_agent(a) {
                        readers.push((a, Some(r)));
                    }
                }
            }
        }
        readers.retain(|&(a, _)| a != x);
        readers.sort_by_key(|&(a, t)| (ctx.rank[a as usize], t.map(|t| ctx.rank[t as usize])));
        readers.dedup_by_key(|r| r.0);
        if readers.is_empty() {
            continue;
        }
        // The reader named is the one whose compromise reaches the most critical asset.
        let worst = |a: u32| inputs.radii.max_crit(ctx, inputs.act, a);
        let &(y, y_via) = readers
            .iter()
            .max_by_key(|&&(a, _)| (worst(a), std::cmp::Reverse(ctx.rank[a as usize])))
            .unwrap_or(&readers[0]);
        let mut path = inputs.legs.relayed.path_to(x);
        path.extend(via);
        path.push(m);
        path.extend(y_via);
        path.push(y);
        let Some(&source) = path.first() else {
            continue;
        };
        let reader_ids: Vec<u32> = readers.iter().map(|r| r.0).collect();
        let mut elements = vec![m, x, y];
        elements.extend(
            reader_ids
                .iter()
                .copied()
                .filter(|&a| a != y)
                .take(inputs.limits.max_listed),
        );
        let mut atlas = vec!["AML.T0051"];
        let mut controls = vec!["WC-MEMORY-VALIDATION", "WC-INPUT-SCAN"];
        if rag {
            atlas.push("AML.T0070");
            controls.push("WC-CORPUS-INTEGRITY");
        } else {
            atlas.push("AML.T0080.000");
            controls.push("WC-SESSION-ISOLATION");
        }
        let impact = if worst(y) >= 4 || readers.len() >= 3 {
            4
        } else {
            3
        };
        let likelihood = 2 + u8::from(dist <= 2) + u8::from(ctx.autonomous(y));
        out.push(draft(
            ctx,
            "memory-poisoning-path",
            format!(
                "Untrusted content reaching `{}` persists in `{}` and steers {} other agent(s)",
                ctx.id(x),
                ctx.id(m),
                readers.len()
            ),
            format!(
                "Content from `{src}` reaches agent `{x}`, which writes into `{m}`{tool} without \
                 validation; {readers} read `{m}` back as their own context ({route}). One \
                 planted instruction or false fact outlives the session it arrived in and \
                 steers agents that never saw the untrusted source.{versioned}",
                src = ctx.id(source),
                x = ctx.id(x),
                m = ctx.id(m),
                tool = via.map_or(String::new(), |t| format!(" through `{}`", ctx.id(t))),
                readers = ctx.list(&reader_ids, inputs.limits.max_listed),
                route = ctx.arrow(&path),
                versioned = if store.versioned {
                    ""
                } else {
                    " The store is not versioned, so a poisoned state cannot be rolled back."
                },
            ),
            &["L1", "L2", "L3", "L7"],
            &["T1", "T5", "T6"],
            &atlas,
            &[Stride::Tampering],
            &["non-determinism", "agent-communication"],
            &elements,
            &path,
            likelihood,
            impact,
            &controls,
        ));
    }
    out
}

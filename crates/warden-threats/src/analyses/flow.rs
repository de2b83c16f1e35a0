//! Toxic flows ("lethal trifecta") and the inter-agent data leakage cascade.
//!
//! An agent is dangerous when three legs meet in it: untrusted content reaches it, it can
//! read sensitive data, and it can send data out. Each leg is one multi-source breadth-first
//! search over the whole graph, so the cost is linear in the model whatever its size.

use super::ctx::Ctx;
use super::search::{Bfs, Dir};
use super::{Inputs, draft, push_unique};
use crate::finding::{Draft, Stride};
use warden_model::graph::NodeKind;
use warden_model::{Sensitivity, StoreKind};

/// Element kinds that pass content on without thinking about it.
fn carrier(k: NodeKind) -> bool {
    matches!(k, NodeKind::Tool | NodeKind::Server | NodeKind::DataStore)
}

/// Element kinds through which an agent reaches data or a destination by its own calls.
fn via_call(k: NodeKind) -> bool {
    matches!(k, NodeKind::Tool | NodeKind::Server)
}

/// The three legs, one search each, shared with the other analyses.
pub(crate) struct Legs {
    /// From untrusted sources through tools, servers and stores, stopping at agents.
    pub direct: Bfs,
    /// As `direct`, and on from agents to the agents they message or delegate to.
    pub relayed: Bfs,
    /// From confidential or restricted stores and tools, through tools, to agents.
    pub sensitive: Bfs,
    /// As `sensitive`, from restricted ones only.
    pub restricted: Bfs,
    /// Backwards from exfiltration sinks, through tools, to agents.
    pub to_sink: Bfs,
}

impl Legs {
    /// Run the five searches.
    pub fn new(ctx: &Ctx) -> Legs {
        let n = ctx.len();
        let all = 0..n as u32;
        let sources: Vec<u32> = all
            .clone()
            .filter(|&i| !ctx.is_agent(i) && ctx.untrusted(i))
            .collect();
        let mut direct = Bfs::new(n);
        direct.run(
            ctx,
            &sources,
            Dir::Forward,
            |_, to, _| carrier(ctx.kind(to)) || ctx.is_agent(to),
            |m| carrier(ctx.kind(m)),
        );
        let mut relayed = Bfs::new(n);
        relayed.run(
            ctx,
            &sources,
            Dir::Forward,
            |from, to, _| ctx.is_agent(to) || (!ctx.is_agent(from) && carrier(ctx.kind(to))),
            |m| carrier(ctx.kind(m)) || ctx.is_agent(m),
        );
        let sens = |min: Sensitivity| -> Bfs {
            let seeds: Vec<u32> = all
                .clone()
                .filter(|&i| {
                    matches!(ctx.kind(i), NodeKind::Tool | NodeKind::DataStore)
                        && ctx.sensitivity(i) >= min
                })
                .collect();
            let mut b = Bfs::new(n);
            b.run(
                ctx,
                &seeds,
                Dir::Forward,
                |_, to, _| via_call(ctx.kind(to)) || ctx.is_agent(to),
                |m| via_call(ctx.kind(m)),
            );
            b
        };
        let sensitive = sens(Sensitivity::Confidential);
        let restricted = sens(Sensitivity::Restricted);
        let sinks: Vec<u32> = all.filter(|&i| ctx.sink(i)).collect();
        let mut to_sink = Bfs::new(n);
        to_sink.run(
            ctx,
            &sinks,
            Dir::Backward,
            |from, _, _| via_call(ctx.kind(from)) || ctx.is_agent(from),
            |m| via_call(ctx.kind(m)),
        );
        Legs {
            direct,
            relayed,
            sensitive,
            restricted,
            to_sink,
        }
    }

    /// Whether untrusted content reaches the agent, directly or relayed by other agents.
    pub fn exposed(&self, agent: u32) -> bool {
        self.relayed.reached(agent)
    }

    /// The sensitive nodes to name for an agent: the nearest restricted one, then the nearest
    /// confidential-or-higher one, without repeats.
    fn sensitive_of(&self, agent: u32) -> Vec<u32> {
        let mut out = Vec::new();
        for b in [&self.restricted, &self.sensitive] {
            if let Some(o) = b.origin(agent) {
                push_unique(&mut out, o);
            }
        }
        out
    }
}

/// Likelihood from how close the untrusted source is, autonomy, and a human gate on the
/// first step towards the sink.
fn likelihood(ctx: &Ctx, agent: u32, source_hops: u32, out_path: &[u32]) -> u8 {
    let mut l: i32 = if source_hops <= 2 { 3 } else { 2 };
    if ctx.autonomous(agent) {
        l += 1;
    }
    if out_path
        .get(1)
        .is_some_and(|&t| ctx.requires_approval(agent, t))
    {
        l -= 1;
    }
    l.clamp(1, 4) as u8
}

/// ATLAS techniques for a toxic path: prompt injection and exfiltration, plus RAG poisoning
/// when the untrusted content passes through a retrieval store.
fn atlas(ctx: &Ctx, in_path: &[u32]) -> Vec<&'static str> {
    let mut a = vec!["AML.T0051", "AML.T0086"];
    let rag = in_path.iter().any(|&m| {
        ctx.store[m as usize]
            .is_some_and(|d| matches!(d.kind, StoreKind::RagCorpus | StoreKind::Vector))
    });
    if rag {
        a.push("AML.T0070");
    }
    a
}

/// Sentence naming the sensitive data and how it reaches the agent.
fn sensitive_sentence(ctx: &Ctx, legs: &Legs, agent: u32, sens: &[u32]) -> String {
    let parts: Vec<String> = sens
        .iter()
        .map(|&s| {
            let b = if ctx.sensitivity(s) == Sensitivity::Restricted {
                &legs.restricted
            } else {
                &legs.sensitive
            };
            let level = match ctx.sensitivity(s) {
                Sensitivity::Restricted => "restricted",
                _ => "confidential",
            };
            let path = b.path_to(agent);
            format!("{level} data from `{}` ({})", ctx.id(s), ctx.arrow(&path))
        })
        .collect();
    parts.join(" and ")
}

/// `toxic-flow` and `leakage-cascade` drafts.
pub(crate) fn analyse(inputs: &Inputs) -> (Vec<Draft>, Vec<Draft>) {
    let (ctx, legs) = (inputs.ctx, inputs.legs);
    let mut toxic = Vec::new();
    let mut cascade = Vec::new();
    for agent in ctx.by_id() {
        if !ctx.is_agent(agent)
            || !legs.relayed.reached(agent)
            || !legs.sensitive.reached(agent)
            || !legs.to_sink.reached(agent)
        {
            continue;
        }
        let direct = legs.direct.reached(agent);
        let in_path = if direct {
            legs.direct.path_to(agent)
        } else {
            legs.relayed.path_to(agent)
        };
        let out_path = legs.to_sink.chain(agent);
        let (Some(&source), Some(&exit)) = (in_path.first(), out_path.last()) else {
            continue;
        };
        let sensitive = legs.sensitive_of(agent);
        let mut path = in_path.clone();
        path.extend_from_slice(out_path.get(1..).unwrap_or_default());
        let impact = if legs.restricted.reached(agent) { 4 } else { 3 };
        let likelihood = likelihood(ctx, agent, in_path.len() as u32 - 1, &out_path);
        let gated = out_path
            .get(1)
            .is_some_and(|&t| ctx.requires_approval(agent, t));
        let gate_note = if gated {
            format!(
                " A person approves calls to `{}`, which slows the attack but still leaves the \
                 approver to spot data hidden in the arguments.",
                ctx.id(out_path[1])
            )
        } else {
            String::new()
        };
        // Both drafts name the way in, the sensitive data and the way out.
        let (src, sink) = (ctx.id(source), ctx.id(exit));
        let (inp, outp) = (ctx.arrow(&in_path), ctx.arrow(&out_path));
        let sens = sensitive_sentence(ctx, legs, agent, &sensitive);
        // Elements after the agents: the source, the sensitive data and the sink.
        let elements = |mut agents: Vec<u32>| {
            agents.push(source);
            for &s in &sensitive {
                push_unique(&mut agents, s);
            }
            push_unique(&mut agents, exit);
            agents
        };
        let autonomy = ctx.autonomous(agent);
        let mut factors = vec!["non-determinism"];
        if autonomy {
            factors.push("autonomy");
        }
        if direct {
            toxic.push(draft(
                ctx,
                "toxic-flow",
                format!(
                    "Agent `{}` combines untrusted input, sensitive data and a way out",
                    ctx.id(agent)
                ),
                format!(
                    "Agent `{a}` holds all three legs of the lethal trifecta. Untrusted content \
                     reaches it from `{src}` ({inp}); it can read {sens}; and it can send data \
                     out through `{sink}` ({outp}). Instructions planted at `{src}` can make the \
                     agent read the sensitive data and pass it to `{sink}` without any single \
                     component misbehaving.{gate_note}",
                    a = ctx.id(agent),
                ),
                &["L1", "L2", "L3", "L7"],
                &["T6", "T2"],
                &atlas(ctx, &in_path),
                &[Stride::InformationDisclosure],
                &factors,
                &elements(vec![agent]),
                &path,
                likelihood,
                impact,
                &[
                    "WC-EGRESS-CONTROL",
                    "WC-OUTPUT-FILTER",
                    "WC-INPUT-SCAN",
                    "WC-HITL-APPROVAL",
                ],
            ));
        } else {
            let Some(&entry) = in_path.iter().find(|&&m| ctx.is_agent(m)) else {
                continue;
            };
            let hops = in_path.iter().filter(|&&m| ctx.is_agent(m)).count() - 1;
            let mut atlas = atlas(ctx, &in_path);
            atlas.push("AML.T0053");
            factors.push("agent-communication");
            cascade.push(draft(
                ctx,
                "leakage-cascade",
                format!(
                    "Untrusted content entering `{}` reaches `{}`, which can leak sensitive data",
                    ctx.id(entry),
                    ctx.id(agent)
                ),
                format!(
                    "Content from `{src}` enters agent `{x}` and is passed on, over {hops} \
                     agent-to-agent hop(s), to agent `{y}` ({inp}). `{y}` is not exposed to \
                     untrusted content itself, yet it can read {sens} and send data out through \
                     `{sink}` ({outp}). Instructions relayed from `{x}` can make `{y}` leak the \
                     data: the untrusted input, the sensitive access and the way out sit in \
                     different agents, so no single agent looks dangerous on its own.{gate_note}",
                    x = ctx.id(entry),
                    y = ctx.id(agent),
                ),
                &["L1", "L2", "L3", "L7"],
                &["T12", "T6", "T2"],
                &atlas,
                &[Stride::InformationDisclosure, Stride::Tampering],
                &factors,
                &elements(vec![agent, entry]),
                &path,
                likelihood.saturating_sub(1).max(1),
                impact,
                &[
                    "WC-INPUT-SCAN",
                    "WC-OUTPUT-FILTER",
                    "WC-EGRESS-CONTROL",
                    "WC-HITL-APPROVAL",
                ],
            ));
        }
    }
    (toxic, cascade)
}

//! Blast radius: everything a compromised agent, server or shared credential can make act,
//! followed transitively through control edges (tools invoked, agents delegated to or
//! messaged) together with the stores those tools and agents read and write.

use super::ctx::Ctx;
use super::radii::{Act, Reach, worst_class};
use super::search::{Frontier, Seek};
use super::{Inputs, draft};
use crate::finding::{Draft, Stride};
use warden_model::graph::{EdgeKind, Graph, NodeKind};
use warden_model::{IdentityKind, SystemModel};

/// What a compromise of one element reaches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BlastRadius {
    /// Agents it can make act, by id.
    pub agents: Vec<String>,
    /// Tools it can invoke, directly or through those agents, by id.
    pub tools: Vec<String>,
    /// Data stores read or written on the way, by id.
    pub stores: Vec<String>,
    /// Critical assets among them (restricted stores; payment, admin, credential, code
    /// execution or irreversible tools), most critical first, then by id.
    pub critical: Vec<String>,
    /// The route from the element to the first of `critical`, if any.
    pub path: Vec<String>,
}

/// Computes blast radii for many elements of one model without redoing the set-up.
pub struct BlastIndex<'a> {
    ctx: Ctx<'a>,
    act: Act,
    walk: Frontier,
}

impl<'a> BlastIndex<'a> {
    /// Prepare the index (linear in the size of the model).
    pub fn new(model: &'a SystemModel, graph: &'a Graph) -> BlastIndex<'a> {
        let ctx = Ctx::new(model, graph);
        let act = Act::new(&ctx);
        let walk = Frontier::new(ctx.len());
        BlastIndex { ctx, act, walk }
    }

    /// The blast radius of graph node `node`; empty if there is no such node.
    pub fn radius(&mut self, node: usize) -> BlastRadius {
        if node >= self.ctx.len() {
            return BlastRadius::default();
        }
        let ctx = &self.ctx;
        walk(&mut self.walk, ctx, &self.act, node as u32);
        let mut r = BlastRadius::default();
        let mut critical = Vec::new();
        for &m in self.walk.order.iter().skip(1) {
            match ctx.kind(m) {
                NodeKind::Agent => r.agents.push(ctx.id(m).to_string()),
                NodeKind::Tool => r.tools.push(ctx.id(m).to_string()),
                NodeKind::DataStore => r.stores.push(ctx.id(m).to_string()),
                _ => {}
            }
            if ctx.crit[m as usize] > 0 {
                critical.push(m);
            }
        }
        critical.sort_by_key(|&m| {
            (
                std::cmp::Reverse(ctx.crit[m as usize]),
                ctx.rank[m as usize],
            )
        });
        if let Some(&w) = critical.first() {
            r.path = ctx.ids(&self.walk.path_to(w));
        }
        r.critical = ctx.ids(&critical);
        r.agents.sort();
        r.tools.sort();
        r.stores.sort();
        r
    }
}

/// The blast radius of graph node `node` (see [`BlastIndex`] to compute many).
pub fn blast_radius(model: &SystemModel, graph: &Graph, node: usize) -> BlastRadius {
    BlastIndex::new(model, graph).radius(node)
}

/// Walk the act relation breadth-first from `seed`. A seed that does not act by itself (a
/// person, an external party) still acts on its control edges; a compromised server controls
/// all its tools.
fn walk(f: &mut Frontier, ctx: &Ctx, act: &Act, seed: u32) {
    let mut first: Vec<u32> = act.out[seed as usize].clone();
    first.extend_from_slice(&ctx.children[seed as usize]);
    if first.is_empty() {
        first.extend(
            ctx.out[seed as usize]
                .iter()
                .filter(|&&(_, k)| k.is_control())
                .map(|&(m, _)| m),
        );
    }
    ctx.sort(&mut first);
    f.start(ctx, &[seed]);
    while let Some(at) = f.next() {
        let next = if at == seed {
            &first
        } else {
            &act.out[at as usize]
        };
        for &m in next {
            f.reach(at, m);
        }
    }
}

/// Why an asset is critical, in a few words.
pub(crate) fn asset_reason(ctx: &Ctx, n: u32) -> String {
    use warden_model::{Capability as C, SideEffects};
    if let Some(t) = ctx.tool[n as usize] {
        let mut why: Vec<&str> = Vec::new();
        for (c, w) in [
            (C::Payment, "moves money"),
            (C::Admin, "administers"),
            (C::Credentials, "handles credentials"),
            (C::ExecuteCode, "executes code"),
        ] {
            if t.capabilities.contains(&c) {
                why.push(w);
            }
        }
        if t.side_effects == SideEffects::Irreversible {
            why.push("cannot be undone");
        }
        return why.join(", ");
    }
    "restricted data".to_string()
}

/// The sentence naming the most critical asset a route ends at, and the route itself.
pub(crate) fn worst_route<'r>(ctx: &'r Ctx, route: &'r [u32]) -> WorstRoute<'r> {
    WorstRoute { ctx, route }
}

/// See [`worst_route`]; written straight into the description it is part of.
pub(crate) struct WorstRoute<'r> {
    ctx: &'r Ctx<'r>,
    route: &'r [u32],
}

impl std::fmt::Display for WorstRoute<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Some(&w) = self.route.last() else {
            return Ok(());
        };
        write!(
            f,
            "The worst, `{}` ({}), is reached by {}.",
            self.ctx.id(w),
            asset_reason(self.ctx, w),
            self.ctx.arrow(self.route)
        )
    }
}

/// A compromise's impact: that of the worst asset reached, and at least `floor`, or 4 when
/// three or more critical assets are within reach.
pub(crate) fn reach_impact(ctx: &Ctx, worst: u32, r: &Reach, floor: u8) -> u8 {
    ctx.crit[worst as usize].max(if r.critical.len() >= 3 { 4 } else { floor })
}

/// `blast-radius` drafts: one per agent, and one per shared credential.
pub(crate) fn analyse(inputs: &Inputs) -> Vec<Draft> {
    let ctx = inputs.ctx;
    let mut out = Vec::new();
    let mut seek = Seek::new(ctx.len());
    for a in ctx.by_id() {
        if !ctx.is_agent(a) {
            continue;
        }
        let r = inputs.radii.of(inputs.act, a);
        if r.ungated.is_empty() {
            continue;
        }
        let path = seek.run(ctx, inputs.act, &[a], &worst_class(ctx, &r));
        let Some(&w) = path.last() else {
            continue;
        };
        let path = &path;
        let exposed = inputs.legs.exposed(a);
        let likelihood = 2 + u8::from(exposed) + u8::from(ctx.autonomous(a));
        let impact = reach_impact(ctx, w, &r, 0);
        let mut factors = vec!["identity-management"];
        if ctx.autonomous(a) {
            factors.push("autonomy");
        }
        if r.agents > 0 {
            factors.push("agent-communication");
        }
        out.push(draft(
            ctx,
            "blast-radius",
            format!(
                "Compromise of `{}` reaches {} critical asset(s)",
                ctx.id(a),
                r.critical.len()
            ),
            format!(
                "If agent `{a}` is compromised (a prompt injection, a poisoned tool, a stolen \
                 credential), everything it can make act is within reach: {na} other agent(s), \
                 {nt} tool(s) and {ns} data store(s). {nc} of them are critical: {list}. \
                 {worst}{exp}",
                a = ctx.id(a),
                na = r.agents,
                nt = r.tools,
                ns = r.stores,
                nc = r.critical.len(),
                list = ctx.list(&r.critical, inputs.limits.max_listed),
                worst = worst_route(ctx, path),
                exp = if exposed {
                    " Untrusted content already reaches this agent."
                } else {
                    ""
                },
            ),
            &["L3", "L4", "L6", "L7"],
            &["T3", "T2", "T14"],
            &["AML.T0053"],
            &[Stride::ElevationOfPrivilege],
            &factors,
            &[a, w],
            path,
            likelihood,
            impact,
            &[
                "WC-DELEGATION-SCOPE",
                "WC-HITL-APPROVAL",
                "WC-ZONE-SEGMENTATION",
            ],
        ));
    }
    out.extend(credentials(inputs, &mut seek));
    out
}

/// Groups of agents acting with one credential: a shared service account, or the same
/// user's token passed through.
fn credential_groups(ctx: &Ctx) -> Vec<(Option<u32>, Vec<u32>, &'static str)> {
    let identity = |a: u32| ctx.agent[a as usize].map(|x| x.identity);
    let mut shared = Vec::new();
    let mut by_user: std::collections::BTreeMap<(u32, u32), Vec<u32>> = Default::default();
    let agents = ctx.by_id();
    let mut users_of: Vec<Vec<u32>> = vec![Vec::new(); ctx.len()];
    for l in &ctx.model.links {
        let Some(h) = l.on_behalf_of.as_deref().and_then(|h| ctx.graph.node(h)) else {
            continue;
        };
        if ctx.kind(h as u32) != NodeKind::Human {
            continue;
        }
        for end in [&l.from, &l.to] {
            if let Some(a) = ctx.graph.node(end) {
                users_of[a].push(h as u32);
            }
        }
    }
    for &a in &agents {
        match identity(a) {
            Some(IdentityKind::SharedServiceAccount) => shared.push(a),
            Some(IdentityKind::UserPassthrough) => {
                let mut users = std::mem::take(&mut users_of[a as usize]);
                for &(from, k) in &ctx.inc[a as usize] {
                    if k == EdgeKind::Link && ctx.kind(from) == NodeKind::Human {
                        users.push(from);
                    }
                }
                ctx.sort(&mut users);
                for u in users {
                    by_user
                        .entry((ctx.rank[u as usize], u))
                        .or_default()
                        .push(a);
                }
            }
            _ => {}
        }
    }
    let mut groups = vec![(None, shared, "one shared service account")];
    for ((_, u), v) in by_user {
        groups.push((Some(u), v, "the same user's token, passed through"));
    }
    groups.retain(|g| g.1.len() >= 2);
    groups
}

/// One draft per shared credential whose combined reach includes critical assets.
fn credentials(inputs: &Inputs, seek: &mut Seek) -> Vec<Draft> {
    let ctx = inputs.ctx;
    let mut out = Vec::new();
    for (user, agents, what) in credential_groups(ctx) {
        if !inputs.radii.available {
            break;
        }
        let mut acc = inputs.radii.empty();
        for &a in &agents {
            inputs.radii.closure_into(inputs.act, a, &mut acc);
        }
        let r = inputs.radii.summary(&mut acc, &agents);
        let path = seek.run(ctx, inputs.act, &agents, &worst_class(ctx, &r));
        let (Some(&start), Some(&w)) = (path.first(), path.last()) else {
            continue;
        };
        let mut elements = vec![start, w];
        elements.extend(user);
        elements.extend(
            agents
                .iter()
                .filter(|&&a| a != start)
                .take(inputs.limits.max_listed),
        );
        let exposed = agents.iter().any(|&a| inputs.legs.exposed(a));
        let impact = reach_impact(ctx, w, &r, 0);
        let holder = match user {
            Some(u) => format!(" of `{}`", ctx.id(u)),
            None => String::new(),
        };
        out.push(draft(
            ctx,
            "blast-radius",
            format!(
                "{} agents share one credential that reaches critical assets",
                agents.len()
            ),
            format!(
                "Agents {list} act with {what}{holder}. Whoever obtains that credential from the \
                 least protected of them holds the rights of all: it reaches {na} agent(s), {nt} \
                 tool(s) and {ns} data store(s), {nc} of them critical ({crit}). {worst}",
                list = ctx.list(&agents, inputs.limits.max_listed),
                na = r.agents,
                nt = r.tools,
                ns = r.stores,
                nc = r.critical.len(),
                crit = ctx.list(&r.critical, inputs.limits.max_listed),
                worst = worst_route(ctx, &path),
            ),
            &["L4", "L6", "L7"],
            &["T3", "T9"],
            &["AML.T0053", "AML.T0083"],
            &[Stride::ElevationOfPrivilege, Stride::Spoofing],
            &["identity-management"],
            &elements,
            &path,
            3 + u8::from(exposed),
            impact,
            &["WC-AGENT-IDENTITY", "WC-HITL-APPROVAL"],
        ));
    }
    out
}

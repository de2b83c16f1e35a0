//! The reach of every agent at once. Reach follows the "act" relation — control edges out of
//! agents, tools and servers, plus the stores agents and tools read and write — and is the
//! same for every element of a strongly connected component, so it is computed once per
//! component, in reverse topological order, as a bitset; unions of radii (shared
//! credentials, shared servers) are then a handful of word-wise ORs.

use super::ctx::{Ctx, NONE};
use super::search::components;
use warden_model::graph::{EdgeKind, NodeKind};

/// The act relation as sorted adjacency lists.
pub(crate) struct Act {
    /// What each node can make act or touch, by id.
    pub out: Vec<Vec<u32>>,
}

impl Act {
    /// Agents act on control edges and touch the stores they read and write; tools touch
    /// their stores, send to their destinations and act on declared links; servers act on
    /// declared links. Nothing else acts.
    pub fn new(ctx: &Ctx) -> Act {
        let n = ctx.len();
        let mut out = vec![Vec::new(); n];
        for (at, list) in out.iter_mut().enumerate() {
            let kind = ctx.kind(at as u32);
            let actor = matches!(kind, NodeKind::Agent | NodeKind::Tool | NodeKind::Server);
            if !actor {
                continue;
            }
            for &(to, k) in &ctx.out[at] {
                let store = ctx.kind(to) == NodeKind::DataStore;
                let follow = match kind {
                    NodeKind::Agent => k.is_control() || (k == EdgeKind::Writes && store),
                    NodeKind::Tool => {
                        k == EdgeKind::Link
                            || k == EdgeKind::SendsTo
                            || (k == EdgeKind::Writes && store)
                    }
                    _ => k == EdgeKind::Link,
                };
                if follow {
                    list.push(to);
                }
            }
            if kind != NodeKind::Server {
                for &(from, k) in &ctx.inc[at] {
                    if k == EdgeKind::Reads && ctx.kind(from) == NodeKind::DataStore {
                        list.push(from);
                    }
                }
            }
            ctx.sort(list);
        }
        Act { out }
    }
}

/// Counts and critical assets of a reach.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Reach {
    /// Agents reached (seeds excluded).
    pub agents: usize,
    /// Tools reached.
    pub tools: usize,
    /// Stores reached.
    pub stores: usize,
    /// Critical assets reached, most critical first, then by id.
    pub critical: Vec<u32>,
    /// Those of `critical` some route reaches without a human approval on the last call.
    pub ungated: Vec<u32>,
}

/// Accumulated reach: every node reached, and the critical ones (all, and those reached
/// without approval) as positions in the critical order.
#[derive(Debug, Clone)]
pub(crate) struct Acc {
    all: Vec<u64>,
    crit: Vec<u64>,
    ungated: Vec<u64>,
}

impl Acc {
    fn clear(&mut self) {
        for w in self
            .all
            .iter_mut()
            .chain(&mut self.crit)
            .chain(&mut self.ungated)
        {
            *w = 0;
        }
    }
}

/// Reach bitsets per strongly connected component of the act relation.
pub(crate) struct Radii {
    words: usize,
    cwords: usize,
    comp: Vec<u32>,
    slot: Vec<u32>,
    all: Vec<u64>,
    crit: Vec<u64>,
    ungated: Vec<u64>,
    /// Critical nodes, most critical first, then by id.
    crit_nodes: Vec<u32>,
    crit_pos: Vec<u32>,
    /// Per agent: positions in `crit_nodes` its own calls and reads reach without approval.
    local: Vec<Vec<u32>>,
    agent_mask: Vec<u64>,
    tool_mask: Vec<u64>,
    store_mask: Vec<u64>,
    /// False when the model is too large for the memory bound: nothing is reached then.
    pub available: bool,
}

fn set(bits: &mut [u64], i: u32) {
    if let Some(w) = bits.get_mut(i as usize / 64) {
        *w |= 1 << (i % 64);
    }
}

fn clear(bits: &mut [u64], i: u32) {
    if let Some(w) = bits.get_mut(i as usize / 64) {
        *w &= !(1 << (i % 64));
    }
}

fn get(bits: &[u64], i: u32) -> bool {
    bits.get(i as usize / 64)
        .is_some_and(|w| w & (1 << (i % 64)) != 0)
}

fn or(acc: &mut [u64], src: &[u64]) {
    for (a, s) in acc.iter_mut().zip(src) {
        *a |= s;
    }
}

fn count(acc: &[u64], mask: &[u64]) -> usize {
    acc.iter()
        .zip(mask)
        .map(|(a, m)| (a & m).count_ones() as usize)
        .sum()
}

/// Set bits in increasing order.
fn ones(bits: &[u64]) -> impl Iterator<Item = u32> + '_ {
    bits.iter().enumerate().flat_map(|(w, &word)| {
        let mut b = word;
        std::iter::from_fn(move || {
            (b != 0).then(|| {
                let i = (w * 64) as u32 + b.trailing_zeros();
                b &= b - 1;
                i
            })
        })
    })
}

impl Radii {
    /// Compute every component's reach, unless that needs more than `max_bytes`.
    pub fn new(ctx: &Ctx, act: &Act, max_bytes: usize) -> Radii {
        let n = ctx.len();
        let words = n.div_ceil(64);
        let mut crit_nodes: Vec<u32> = (0..n as u32)
            .filter(|&m| ctx.crit[m as usize] > 0)
            .collect();
        crit_nodes.sort_by_key(|&m| {
            (
                std::cmp::Reverse(ctx.crit[m as usize]),
                ctx.rank[m as usize],
            )
        });
        let cwords = crit_nodes.len().div_ceil(64);
        let mut crit_pos = vec![NONE; n];
        for (i, &m) in crit_nodes.iter().enumerate() {
            crit_pos[m as usize] = i as u32;
        }
        let mut agent_mask = vec![0u64; words];
        let mut tool_mask = vec![0u64; words];
        let mut store_mask = vec![0u64; words];
        let mut local = vec![Vec::new(); n];
        for m in 0..n as u32 {
            match ctx.kind(m) {
                NodeKind::Agent => set(&mut agent_mask, m),
                NodeKind::Tool => set(&mut tool_mask, m),
                NodeKind::DataStore => set(&mut store_mask, m),
                _ => {}
            }
            if ctx.is_agent(m) {
                local[m as usize] = ungated_local(ctx, m, &crit_pos);
            }
        }
        let (comp, ncomp) = components(&act.out);
        let mut members: Vec<Vec<u32>> = vec![Vec::new(); ncomp];
        for m in 0..n as u32 {
            if let Some(c) = members.get_mut(comp[m as usize] as usize) {
                c.push(m);
            }
        }
        let leaf = |m: u32| act.out[m as usize].is_empty();
        let needs = |c: &Vec<u32>| {
            c.len() > 1
                || c.iter()
                    .any(|&m| act.out[m as usize].iter().any(|&v| !leaf(v)))
        };
        let slots = members.iter().filter(|c| needs(c)).count();
        let bytes = slots.saturating_mul(words + 2 * cwords).saturating_mul(8);
        let mut r = Radii {
            words,
            cwords,
            comp,
            slot: vec![NONE; ncomp],
            all: Vec::new(),
            crit: Vec::new(),
            ungated: Vec::new(),
            crit_nodes,
            crit_pos,
            local,
            agent_mask,
            tool_mask,
            store_mask,
            available: bytes <= max_bytes,
        };
        if !r.available {
            return r;
        }
        r.all = vec![0; slots * words];
        r.crit = vec![0; slots * cwords];
        r.ungated = vec![0; slots * cwords];
        let mut acc = r.empty();
        let mut next_slot = 0usize;
        for (c, m) in members.iter().enumerate() {
            if !needs(m) {
                continue;
            }
            acc.clear();
            for &x in m {
                r.add_node(x, &mut acc);
                for &v in &act.out[x as usize] {
                    if r.comp[v as usize] as usize != c {
                        r.closure_into(act, v, &mut acc);
                    }
                }
            }
            let (s, w, cw) = (next_slot, words, cwords);
            r.all[s * w..(s + 1) * w].copy_from_slice(&acc.all);
            r.crit[s * cw..(s + 1) * cw].copy_from_slice(&acc.crit);
            r.ungated[s * cw..(s + 1) * cw].copy_from_slice(&acc.ungated);
            r.slot[c] = next_slot as u32;
            next_slot += 1;
        }
        r
    }

    /// An empty accumulator.
    pub fn empty(&self) -> Acc {
        Acc {
            all: vec![0; self.words],
            crit: vec![0; self.cwords],
            ungated: vec![0; self.cwords],
        }
    }

    /// Add one node (and what its own calls reach without approval) to `acc`.
    fn add_node(&self, node: u32, acc: &mut Acc) {
        set(&mut acc.all, node);
        let p = self.crit_pos[node as usize];
        if p != NONE {
            set(&mut acc.crit, p);
        }
        for &q in &self.local[node as usize] {
            set(&mut acc.ungated, q);
        }
    }

    /// Add what `node` reaches, itself included, to `acc`.
    pub fn closure_into(&self, act: &Act, node: u32, acc: &mut Acc) {
        let s = self
            .slot
            .get(self.comp[node as usize] as usize)
            .copied()
            .unwrap_or(NONE);
        if s != NONE {
            let (s, w, cw) = (s as usize, self.words, self.cwords);
            or(&mut acc.all, &self.all[s * w..(s + 1) * w]);
            or(&mut acc.crit, &self.crit[s * cw..(s + 1) * cw]);
            or(&mut acc.ungated, &self.ungated[s * cw..(s + 1) * cw]);
            return;
        }
        self.add_node(node, acc);
        for &v in &act.out[node as usize] {
            self.add_node(v, acc);
        }
    }

    /// Add a critical asset the compromised element controls itself.
    pub fn insert_ungated(&self, node: u32, acc: &mut Acc) {
        self.add_node(node, acc);
        let p = self.crit_pos[node as usize];
        if p != NONE {
            set(&mut acc.ungated, p);
        }
    }

    /// Summarise accumulated reach, leaving out `seeds`.
    pub fn summary(&self, acc: &mut Acc, seeds: &[u32]) -> Reach {
        for &m in seeds {
            clear(&mut acc.all, m);
            let p = self.crit_pos[m as usize];
            if p != NONE {
                clear(&mut acc.crit, p);
                clear(&mut acc.ungated, p);
            }
        }
        let mut r = Reach {
            agents: count(&acc.all, &self.agent_mask),
            tools: count(&acc.all, &self.tool_mask),
            stores: count(&acc.all, &self.store_mask),
            ..Reach::default()
        };
        for p in ones(&acc.crit) {
            let m = self.crit_nodes[p as usize];
            r.critical.push(m);
            if get(&acc.ungated, p) {
                r.ungated.push(m);
            }
        }
        r
    }

    /// The reach of one agent.
    pub fn of(&self, act: &Act, agent: u32) -> Reach {
        if !self.available {
            return Reach::default();
        }
        let mut acc = self.empty();
        self.closure_into(act, agent, &mut acc);
        self.summary(&mut acc, &[agent])
    }

    /// The highest criticality an agent's compromise reaches (0 if none).
    pub fn max_crit(&self, ctx: &Ctx, act: &Act, agent: u32) -> u8 {
        if !self.available {
            return 0;
        }
        let mut acc = self.empty();
        self.closure_into(act, agent, &mut acc);
        let own = self.crit_pos[agent as usize];
        ones(&acc.crit)
            .find(|&p| p != own)
            .map_or(0, |p| ctx.crit[self.crit_nodes[p as usize] as usize])
    }
}

/// The targets to look for when showing a reach: the most critical class of assets reached
/// without approval, or failing that the most critical class reached at all.
pub(crate) fn worst_class(ctx: &Ctx, r: &Reach) -> Vec<u32> {
    let list = if r.ungated.is_empty() {
        &r.critical
    } else {
        &r.ungated
    };
    let Some(&first) = list.first() else {
        return Vec::new();
    };
    let top = ctx.crit[first as usize];
    list.iter()
        .copied()
        .take_while(|&m| ctx.crit[m as usize] == top)
        .collect()
}

/// Critical assets an agent reaches by its own calls, reads and writes with no human
/// approval on the call: critical tools it calls (or links to) without approval, restricted
/// stores it reads or writes, and restricted stores behind tools it calls without approval.
fn ungated_local(ctx: &Ctx, a: u32, crit_pos: &[u32]) -> Vec<u32> {
    let mut out = Vec::new();
    let mut add = |m: u32| {
        if crit_pos[m as usize] != NONE {
            out.push(crit_pos[m as usize]);
        }
    };
    let stores_of = |x: u32| {
        let ins = ctx.inc[x as usize]
            .iter()
            .filter(|&&(_, k)| k == EdgeKind::Reads)
            .map(|&(s, _)| s);
        let outs = ctx.out[x as usize]
            .iter()
            .filter(|&&(_, k)| k == EdgeKind::Writes)
            .map(|&(s, _)| s);
        ins.chain(outs)
            .filter(|&s| ctx.kind(s) == NodeKind::DataStore)
    };
    for s in stores_of(a) {
        add(s);
    }
    for &(t, k) in &ctx.out[a as usize] {
        match k {
            EdgeKind::Invokes if !ctx.requires_approval(a, t) => {
                add(t);
                for s in stores_of(t) {
                    add(s);
                }
            }
            EdgeKind::Link => add(t),
            _ => {}
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

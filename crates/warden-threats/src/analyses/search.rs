//! The searches the analyses share: a reusable breadth-first search with predecessor arrays
//! over the graph, and over the act relation its strongly connected components and the
//! shortest route from some elements to the nearest of some targets.

use super::ctx::{Ctx, NONE};
use super::radii::Act;
use warden_model::graph::EdgeKind;

/// Strongly connected components (iterative Tarjan), numbered so that every component's
/// successors have smaller numbers.
pub(crate) fn components(out: &[Vec<u32>]) -> (Vec<u32>, usize) {
    let n = out.len();
    let mut index = vec![NONE; n];
    let mut low = vec![0u32; n];
    let mut on_stack = vec![false; n];
    let mut comp = vec![NONE; n];
    let mut stack: Vec<u32> = Vec::new();
    let mut call: Vec<(u32, usize)> = Vec::new();
    let (mut next, mut ncomp) = (0u32, 0usize);
    for s in 0..n as u32 {
        if index[s as usize] != NONE {
            continue;
        }
        // The node to enter next, if any: the root, then each unvisited successor.
        let mut enter = Some(s);
        loop {
            if let Some(v) = enter.take() {
                index[v as usize] = next;
                low[v as usize] = next;
                next += 1;
                stack.push(v);
                on_stack[v as usize] = true;
                call.push((v, 0));
            }
            let Some(top) = call.last_mut() else {
                break;
            };
            let (v, pos) = (top.0, top.1);
            if let Some(&w) = out[v as usize].get(pos) {
                top.1 += 1;
                if index[w as usize] == NONE {
                    enter = Some(w);
                } else if on_stack[w as usize] {
                    low[v as usize] = low[v as usize].min(index[w as usize]);
                }
                continue;
            }
            call.pop();
            if let Some(&(u, _)) = call.last() {
                low[u as usize] = low[u as usize].min(low[v as usize]);
            }
            if low[v as usize] == index[v as usize] {
                while let Some(w) = stack.pop() {
                    on_stack[w as usize] = false;
                    comp[w as usize] = ncomp as u32;
                    if w == v {
                        break;
                    }
                }
                ncomp += 1;
            }
        }
    }
    (comp, ncomp)
}

/// Marks on the nodes of a graph that a new run clears in constant time: a node is marked
/// when its stamp equals the current generation.
struct Marks {
    stamp: Vec<u32>,
    generation: u32,
}

impl Marks {
    /// No node marked, for `n` nodes.
    pub fn new(n: usize) -> Marks {
        Marks {
            stamp: vec![0; n],
            generation: 0,
        }
    }

    /// Unmark every node.
    pub fn clear(&mut self) {
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.stamp.iter_mut().for_each(|s| *s = 0);
            self.generation = 1;
        }
    }

    /// Mark a node.
    #[inline]
    pub fn set(&mut self, n: u32) {
        self.stamp[n as usize] = self.generation;
    }

    /// Whether the node is marked.
    #[inline]
    pub fn get(&self, n: u32) -> bool {
        self.stamp[n as usize] == self.generation
    }
}

/// What every breadth-first search here keeps, reused between runs: the nodes reached, each
/// one's predecessor, and the queue of nodes in the order they were reached.
pub(crate) struct Frontier {
    seen: Marks,
    pred: Vec<u32>,
    /// Nodes reached by the current run, in the order they were reached (seeds first).
    pub order: Vec<u32>,
    head: usize,
}

impl Frontier {
    /// Arrays for `n` nodes.
    pub fn new(n: usize) -> Frontier {
        Frontier {
            seen: Marks::new(n),
            pred: vec![NONE; n],
            order: Vec::new(),
            head: 0,
        }
    }

    /// Start a run from `seeds`, taken in element-id order without repeats.
    pub fn start(&mut self, ctx: &Ctx, seeds: &[u32]) {
        self.seen.clear();
        self.order.clear();
        self.head = 0;
        let mut sorted = seeds.to_vec();
        ctx.sort(&mut sorted);
        for s in sorted {
            self.seen.set(s);
            self.pred[s as usize] = NONE;
            self.order.push(s);
        }
    }

    /// The next node to search on from, in the order nodes were reached.
    #[inline]
    pub fn next(&mut self) -> Option<u32> {
        let at = self.order.get(self.head).copied()?;
        self.head += 1;
        Some(at)
    }

    /// Reach `m` from `at`, unless the run has reached it already; whether it is new.
    #[inline]
    pub fn reach(&mut self, at: u32, m: u32) -> bool {
        if self.seen.get(m) {
            return false;
        }
        self.seen.set(m);
        self.pred[m as usize] = at;
        self.order.push(m);
        true
    }

    /// Whether the run reached the node.
    #[inline]
    pub fn reached(&self, n: u32) -> bool {
        self.seen.get(n)
    }

    /// The chain of predecessors from `n` back to its seed, both included; empty if `n` was
    /// not reached.
    pub fn chain(&self, n: u32) -> Vec<u32> {
        let mut out = Vec::new();
        if !self.reached(n) {
            return out;
        }
        let mut at = n;
        while at != NONE && out.len() <= self.pred.len() {
            out.push(at);
            at = self.pred[at as usize];
        }
        out
    }

    /// The path from the seed to `n`, both included; empty if `n` was not reached.
    pub fn path_to(&self, n: u32) -> Vec<u32> {
        let mut p = self.chain(n);
        p.reverse();
        p
    }
}

/// Shortest route in the act relation from a set of seeds to the nearest of a set of
/// targets: a forward breadth-first search that stops at the first target reached.
pub(crate) struct Seek {
    frontier: Frontier,
    target: Marks,
}

impl Seek {
    /// Arrays for `n` nodes.
    pub fn new(n: usize) -> Seek {
        Seek {
            frontier: Frontier::new(n),
            target: Marks::new(n),
        }
    }

    /// The route from the nearest seed to the nearest target (ties by element id), or an
    /// empty route when no target is reachable.
    pub fn run(&mut self, ctx: &Ctx, act: &Act, seeds: &[u32], targets: &[u32]) -> Vec<u32> {
        self.target.clear();
        for &t in targets {
            self.target.set(t);
        }
        let f = &mut self.frontier;
        f.start(ctx, seeds);
        while let Some(at) = f.next() {
            for &m in &act.out[at as usize] {
                if f.reach(at, m) && self.target.get(m) {
                    return f.path_to(m);
                }
            }
        }
        Vec::new()
    }
}

/// Direction a search follows edges in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dir {
    /// Along edges: `pred` points back towards the seeds.
    Forward,
    /// Against edges: `pred` points on towards the seeds.
    Backward,
}

/// A breadth-first search over the graph whose arrays are reused between runs, so that one
/// search per agent stays cheap.
pub(crate) struct Bfs {
    frontier: Frontier,
    dist: Vec<u32>,
}

impl Bfs {
    /// Arrays for a graph of `n` nodes.
    pub fn new(n: usize) -> Bfs {
        Bfs {
            frontier: Frontier::new(n),
            dist: vec![0; n],
        }
    }

    /// Run a multi-source search over the whole graph from `seeds` (taken in element-id
    /// order). `step(at, next, kind)` says whether an edge may be followed; `expand(node)`
    /// whether a reached node (other than a seed) is searched on from.
    pub fn run(
        &mut self,
        ctx: &Ctx,
        seeds: &[u32],
        dir: Dir,
        step: impl Fn(u32, u32, EdgeKind) -> bool,
        expand: impl Fn(u32) -> bool,
    ) {
        let adj = match dir {
            Dir::Forward => &ctx.out,
            Dir::Backward => &ctx.inc,
        };
        self.run_on(ctx, adj, seeds, dir, u32::MAX, usize::MAX, step, expand);
    }

    /// As [`Bfs::run`], over a given adjacency (`ctx.out`-shaped for a forward search,
    /// `ctx.inc`-shaped for a backward one), bounded by `max_depth` and `max_nodes`.
    #[allow(clippy::too_many_arguments)]
    pub fn run_on(
        &mut self,
        ctx: &Ctx,
        adj: &[Vec<(u32, EdgeKind)>],
        seeds: &[u32],
        dir: Dir,
        max_depth: u32,
        max_nodes: usize,
        step: impl Fn(u32, u32, EdgeKind) -> bool,
        expand: impl Fn(u32) -> bool,
    ) {
        let f = &mut self.frontier;
        f.start(ctx, seeds);
        for &s in &f.order {
            self.dist[s as usize] = 0;
        }
        while let Some(at) = f.next() {
            let d = self.dist[at as usize];
            if d >= max_depth || (d > 0 && !expand(at)) {
                continue;
            }
            let Some(list) = adj.get(at as usize) else {
                continue;
            };
            for &(next, kind) in list {
                if f.reached(next) || f.order.len() >= max_nodes {
                    continue;
                }
                let ok = match dir {
                    Dir::Forward => step(at, next, kind),
                    Dir::Backward => step(next, at, kind),
                };
                if ok && f.reach(at, next) {
                    self.dist[next as usize] = d + 1;
                }
            }
        }
    }

    /// Nodes reached by the last run, in the order they were reached (seeds first).
    pub fn order(&self) -> &[u32] {
        &self.frontier.order
    }

    /// Whether the last run reached the node.
    pub fn reached(&self, n: u32) -> bool {
        self.frontier.reached(n)
    }

    /// Hops from the nearest seed, if reached.
    pub fn dist(&self, n: u32) -> Option<u32> {
        self.reached(n).then(|| self.dist[n as usize])
    }

    /// The chain of predecessors from `n` to its seed (inclusive at both ends): for a forward
    /// search that is the path reversed, for a backward search the path itself.
    pub fn chain(&self, n: u32) -> Vec<u32> {
        self.frontier.chain(n)
    }

    /// For a forward search: the path from the seed to `n`.
    pub fn path_to(&self, n: u32) -> Vec<u32> {
        self.frontier.path_to(n)
    }

    /// The seed `n` was reached from.
    pub fn origin(&self, n: u32) -> Option<u32> {
        self.chain(n).last().copied()
    }
}

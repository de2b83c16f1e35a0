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
        index[s as usize] = next;
        low[s as usize] = next;
        next += 1;
        stack.push(s);
        on_stack[s as usize] = true;
        call.push((s, 0));
        while let Some(top) = call.last_mut() {
            let (v, pos) = (top.0, top.1);
            if let Some(&w) = out[v as usize].get(pos) {
                top.1 += 1;
                if index[w as usize] == NONE {
                    index[w as usize] = next;
                    low[w as usize] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w as usize] = true;
                    call.push((w, 0));
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

/// Shortest route in the act relation from a set of seeds to the nearest of a set of
/// targets: a forward breadth-first search that stops at the first target reached.
pub(crate) struct Seek {
    stamp: Vec<u32>,
    target: Vec<u32>,
    generation: u32,
    pred: Vec<u32>,
    queue: Vec<u32>,
}

impl Seek {
    /// Arrays for `n` nodes.
    pub fn new(n: usize) -> Seek {
        Seek {
            stamp: vec![0; n],
            target: vec![0; n],
            generation: 0,
            pred: vec![NONE; n],
            queue: Vec::new(),
        }
    }

    /// The route from the nearest seed to the nearest target (ties by element id), or an
    /// empty route when no target is reachable.
    pub fn run(&mut self, ctx: &Ctx, act: &Act, seeds: &[u32], targets: &[u32]) -> Vec<u32> {
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.stamp.iter_mut().for_each(|s| *s = 0);
            self.target.iter_mut().for_each(|s| *s = 0);
            self.generation = 1;
        }
        let g = self.generation;
        for &t in targets {
            self.target[t as usize] = g;
        }
        let mut sorted = seeds.to_vec();
        ctx.sort(&mut sorted);
        self.queue.clear();
        for s in sorted {
            self.stamp[s as usize] = g;
            self.pred[s as usize] = NONE;
            self.queue.push(s);
        }
        let mut head = 0;
        while head < self.queue.len() {
            let at = self.queue[head];
            head += 1;
            for &m in &act.out[at as usize] {
                if self.stamp[m as usize] == g {
                    continue;
                }
                self.stamp[m as usize] = g;
                self.pred[m as usize] = at;
                if self.target[m as usize] == g {
                    return self.path(m);
                }
                self.queue.push(m);
            }
        }
        Vec::new()
    }

    fn path(&self, n: u32) -> Vec<u32> {
        let mut out = Vec::new();
        let mut at = n;
        while at != NONE && out.len() <= self.stamp.len() {
            out.push(at);
            at = self.pred[at as usize];
        }
        out.reverse();
        out
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

/// A breadth-first search whose arrays are reused between runs (a generation stamp marks
/// what the current run has seen), so that one search per agent stays cheap.
pub(crate) struct Bfs {
    stamp: Vec<u32>,
    generation: u32,
    dist: Vec<u32>,
    pred: Vec<u32>,
    /// Nodes reached by the last run, in the order they were reached (seeds first).
    pub order: Vec<u32>,
}

impl Bfs {
    /// Arrays for a graph of `n` nodes.
    pub fn new(n: usize) -> Bfs {
        Bfs {
            stamp: vec![0; n],
            generation: 0,
            dist: vec![0; n],
            pred: vec![NONE; n],
            order: Vec::new(),
        }
    }

    /// Run a multi-source search from `seeds` (taken in element-id order). `step(at, next,
    /// kind)` says whether an edge may be followed; `expand(node)` whether a reached node
    /// (other than a seed) is searched on from. `max_depth` and `max_nodes` bound the run.
    #[allow(clippy::too_many_arguments)]
    pub fn run(
        &mut self,
        ctx: &Ctx,
        seeds: &[u32],
        dir: Dir,
        max_depth: u32,
        max_nodes: usize,
        step: impl Fn(u32, u32, EdgeKind) -> bool,
        expand: impl Fn(u32) -> bool,
    ) {
        let adj = match dir {
            Dir::Forward => &ctx.out,
            Dir::Backward => &ctx.inc,
        };
        self.run_on(ctx, adj, seeds, dir, max_depth, max_nodes, step, expand);
    }

    /// As [`Bfs::run`], over a given adjacency (`ctx.out`-shaped for a forward search,
    /// `ctx.inc`-shaped for a backward one).
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
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.stamp.iter_mut().for_each(|s| *s = 0);
            self.generation = 1;
        }
        let g = self.generation;
        self.order.clear();
        let mut sorted: Vec<u32> = seeds.to_vec();
        ctx.sort(&mut sorted);
        for s in sorted {
            self.stamp[s as usize] = g;
            self.dist[s as usize] = 0;
            self.pred[s as usize] = NONE;
            self.order.push(s);
        }
        let mut head = 0;
        while head < self.order.len() {
            let at = self.order[head];
            head += 1;
            let d = self.dist[at as usize];
            if d >= max_depth || (d > 0 && !expand(at)) {
                continue;
            }
            let Some(list) = adj.get(at as usize) else {
                continue;
            };
            for &(next, kind) in list {
                if self.stamp[next as usize] == g || self.order.len() >= max_nodes {
                    continue;
                }
                let ok = match dir {
                    Dir::Forward => step(at, next, kind),
                    Dir::Backward => step(next, at, kind),
                };
                if ok {
                    self.stamp[next as usize] = g;
                    self.dist[next as usize] = d + 1;
                    self.pred[next as usize] = at;
                    self.order.push(next);
                }
            }
        }
    }

    /// Whether the last run reached the node.
    pub fn reached(&self, n: u32) -> bool {
        self.stamp[n as usize] == self.generation
    }

    /// Hops from the nearest seed, if reached.
    pub fn dist(&self, n: u32) -> Option<u32> {
        self.reached(n).then(|| self.dist[n as usize])
    }

    /// The chain of predecessors from `n` to its seed (inclusive at both ends): for a forward
    /// search that is the path reversed, for a backward search the path itself.
    pub fn chain(&self, n: u32) -> Vec<u32> {
        let mut out = Vec::new();
        if !self.reached(n) {
            return out;
        }
        let mut at = n;
        while at != NONE && out.len() <= self.stamp.len() {
            out.push(at);
            at = self.pred[at as usize];
        }
        out
    }

    /// For a forward search: the path from the seed to `n`.
    pub fn path_to(&self, n: u32) -> Vec<u32> {
        let mut p = self.chain(n);
        p.reverse();
        p
    }

    /// The seed `n` was reached from.
    pub fn origin(&self, n: u32) -> Option<u32> {
        self.chain(n).last().copied()
    }
}

//! Cross-reference integrity of a whole catalogue: unique ids, every reference resolving,
//! the threat ↔ Agentic Top 10 relation recorded the same way from both sides, every threat
//! mitigated by at least two controls, and rules that are internally consistent.

use crate::Catalog;
use crate::types::Stride;
use std::collections::BTreeSet;
use std::str::FromStr;

/// Minimum number of controls that must mitigate each threat.
pub const MIN_CONTROLS_PER_THREAT: usize = 2;

struct Checker<'a> {
    cat: &'a Catalog,
    problems: Vec<String>,
    threats: BTreeSet<&'a str>,
    layers: BTreeSet<&'a str>,
    asi: BTreeSet<&'a str>,
    atlas: BTreeSet<&'a str>,
    factors: BTreeSet<&'a str>,
    sources: BTreeSet<&'a str>,
    controls: BTreeSet<&'a str>,
}

impl<'a> Checker<'a> {
    fn refs(&mut self, owner: &str, what: &str, list: &[String], set: Set) {
        let known = match set {
            Set::Threats => &self.threats,
            Set::Layers => &self.layers,
            Set::Asi => &self.asi,
            Set::Atlas => &self.atlas,
            Set::Factors => &self.factors,
            Set::Sources => &self.sources,
            Set::Controls => &self.controls,
        };
        let bad: Vec<&String> = list
            .iter()
            .filter(|id| !known.contains(id.as_str()))
            .collect();
        for id in bad {
            self.problems
                .push(format!("{owner}: unknown {what} `{id}`"));
        }
        let mut seen = BTreeSet::new();
        for id in list {
            if !seen.insert(id) {
                self.problems
                    .push(format!("{owner}: {what} `{id}` listed twice"));
            }
        }
    }

    fn nonempty(&mut self, owner: &str, what: &str, list: &[String]) {
        if list.is_empty() {
            self.problems.push(format!("{owner}: no {what}"));
        }
    }
}

#[derive(Clone, Copy)]
enum Set {
    Threats,
    Layers,
    Asi,
    Atlas,
    Factors,
    Sources,
    Controls,
}

fn unique<'a>(
    problems: &mut Vec<String>,
    what: &str,
    ids: impl Iterator<Item = &'a str>,
) -> BTreeSet<&'a str> {
    let mut set = BTreeSet::new();
    for id in ids {
        if !set.insert(id) {
            problems.push(format!("{what} id `{id}` is defined more than once"));
        }
    }
    set
}

fn shaped(id: &str, prefix: &str, digits: usize) -> bool {
    id.strip_prefix(prefix).is_some_and(|d| {
        !d.is_empty() && d.len() <= digits && d.bytes().all(|b| b.is_ascii_digit())
    })
}

fn atlas_shaped(id: &str) -> bool {
    let Some(rest) = id.strip_prefix("AML.T") else {
        return false;
    };
    let mut parts = rest.split('.');
    let main = parts.next().unwrap_or("");
    let sub = parts.next();
    main.len() == 4
        && main.bytes().all(|b| b.is_ascii_digit())
        && sub.is_none_or(|s| s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit()))
        && parts.next().is_none()
}

/// Every cross-reference problem in `cat`, as readable sentences; empty when sound.
pub fn check(cat: &Catalog) -> Vec<String> {
    let mut problems = Vec::new();
    let threats = unique(
        &mut problems,
        "threat",
        cat.threats.iter().map(|t| t.id.as_str()),
    );
    let layers = unique(
        &mut problems,
        "layer",
        cat.layers.iter().map(|l| l.id.as_str()),
    );
    let asi = unique(&mut problems, "ASI", cat.asi.iter().map(|a| a.id.as_str()));
    let atlas = unique(
        &mut problems,
        "ATLAS",
        cat.atlas.iter().map(|a| a.id.as_str()),
    );
    let factors = unique(
        &mut problems,
        "factor",
        cat.factors.iter().map(|f| f.id.as_str()),
    );
    let sources = unique(
        &mut problems,
        "source",
        cat.sources.iter().map(|s| s.id.as_str()),
    );
    let controls = unique(
        &mut problems,
        "control",
        cat.controls.iter().map(|c| c.id.as_str()),
    );
    unique(
        &mut problems,
        "cross-layer threat",
        cat.cross_layer.iter().map(|x| x.id.as_str()),
    );
    unique(
        &mut problems,
        "trait",
        cat.traits.iter().map(|t| t.id.as_str()),
    );
    unique(
        &mut problems,
        "rule",
        cat.rules.iter().map(|r| r.id.as_str()),
    );
    let mut c = Checker {
        cat,
        problems,
        threats,
        layers,
        asi,
        atlas,
        factors,
        sources,
        controls,
    };
    check_shapes(&mut c);
    check_knowledge(&mut c);
    check_controls(&mut c);
    check_rules(&mut c);
    c.problems
}

fn check_shapes(c: &mut Checker) {
    let cat = c.cat;
    let mut ids: Vec<(&str, &str, bool)> = Vec::new();
    ids.extend(
        cat.layers
            .iter()
            .map(|l| ("layer", l.id.as_str(), shaped(&l.id, "L", 1))),
    );
    ids.extend(
        cat.threats
            .iter()
            .map(|t| ("threat", t.id.as_str(), shaped(&t.id, "T", 2))),
    );
    ids.extend(cat.asi.iter().map(|a| {
        (
            "ASI",
            a.id.as_str(),
            shaped(&a.id, "ASI", 2) && a.id.len() == 5,
        )
    }));
    ids.extend(
        cat.cross_layer
            .iter()
            .map(|x| ("cross-layer threat", x.id.as_str(), shaped(&x.id, "X", 2))),
    );
    ids.extend(
        cat.atlas
            .iter()
            .map(|a| ("ATLAS", a.id.as_str(), atlas_shaped(&a.id))),
    );
    for (kind, id, ok) in ids {
        if !ok {
            c.problems
                .push(format!("{kind} id `{id}` is not well formed"));
        }
    }
    for a in &cat.atlas {
        let url = format!("https://atlas.mitre.org/techniques/{}", a.id);
        if a.url != url {
            c.problems
                .push(format!("ATLAS {}: url should be {url}", a.id));
        }
        if let Some(parent) = a.parent().filter(|p| !c.atlas.contains(p)) {
            c.problems.push(format!(
                "ATLAS {}: parent technique {parent} is missing",
                a.id
            ));
        }
    }
}

fn check_knowledge(c: &mut Checker) {
    let cat = c.cat;
    for l in &cat.layers {
        let o = format!("layer {}", l.id);
        c.refs(&o, "source", &l.sources, Set::Sources);
        c.nonempty(&o, "typical threats", &l.typical_threats);
        c.nonempty(&o, "OWASP threats mapped to it", &l.threats);
    }
    for x in &cat.cross_layer {
        let o = format!("cross-layer threat {}", x.id);
        c.refs(&o, "threat", &x.threats, Set::Threats);
        c.refs(&o, "layer", &x.layers, Set::Layers);
        c.refs(&o, "source", &x.sources, Set::Sources);
        if x.layers.len() < 2 {
            c.problems.push(format!(
                "{o}: a cross-layer threat must name two layers or more"
            ));
        }
    }
    for t in &cat.threats {
        let o = format!("threat {}", t.id);
        c.refs(&o, "layer", &t.layers, Set::Layers);
        c.refs(&o, "ASI id", &t.asi, Set::Asi);
        c.refs(&o, "ATLAS technique", &t.atlas, Set::Atlas);
        c.refs(&o, "source", &t.sources, Set::Sources);
        c.nonempty(&o, "layers", &t.layers);
        c.nonempty(&o, "mitigations", &t.mitigations);
        c.nonempty(&o, "sources", &t.sources);
        if t.stride.is_empty() {
            c.problems.push(format!("{o}: no STRIDE category"));
        }
        for a in &t.asi {
            let back = cat.asi.iter().find(|x| &x.id == a);
            if back.is_some_and(|x| !x.threats.contains(&t.id)) {
                c.problems
                    .push(format!("{o} lists {a}, but {a} does not list {}", t.id));
            }
        }
        let n = cat
            .controls
            .iter()
            .filter(|k| k.mitigates.contains(&t.id))
            .count();
        if n < MIN_CONTROLS_PER_THREAT {
            c.problems.push(format!(
                "{o}: mitigated by {n} control(s), at least {MIN_CONTROLS_PER_THREAT} needed"
            ));
        }
    }
    for a in &cat.asi {
        let o = format!("ASI {}", a.id);
        c.refs(&o, "threat", &a.threats, Set::Threats);
        c.refs(&o, "source", &a.sources, Set::Sources);
        for t in &a.threats {
            let back = cat.threats.iter().find(|x| &x.id == t);
            if back.is_some_and(|x| !x.asi.contains(&a.id)) {
                c.problems
                    .push(format!("{o} lists {t}, but {t} does not list {}", a.id));
            }
        }
    }
    for f in &cat.factors {
        let o = format!("factor {}", f.id);
        c.refs(&o, "threat", &f.threats, Set::Threats);
        c.refs(&o, "source", &f.sources, Set::Sources);
        c.nonempty(&o, "threats", &f.threats);
    }
    for t in &cat.traits {
        let o = format!("trait {}", t.id);
        c.refs(&o, "layer", &t.layers, Set::Layers);
        c.refs(&o, "threat", &t.threats, Set::Threats);
        c.refs(&o, "source", &t.sources, Set::Sources);
        c.nonempty(&o, "layers", &t.layers);
        c.nonempty(&o, "threats", &t.threats);
    }
}

fn check_controls(c: &mut Checker) {
    for k in &c.cat.controls {
        let o = format!("control {}", k.id);
        c.refs(&o, "threat", &k.mitigates, Set::Threats);
        c.refs(&o, "layer", &k.layers, Set::Layers);
        c.nonempty(&o, "mitigated threats", &k.mitigates);
        let bad: Vec<&String> = k
            .references
            .iter()
            .filter(|r| {
                !(r.starts_with("https://")
                    || r.starts_with("http://")
                    || c.sources.contains(r.as_str()))
            })
            .collect();
        for r in bad {
            c.problems.push(format!(
                "{o}: reference `{r}` is neither a source id nor a URL"
            ));
        }
    }
}

fn check_rules(c: &mut Checker) {
    let cat = c.cat;
    for r in &cat.rules {
        let o = format!("rule {}", r.id);
        c.refs(&o, "threat", &r.threats, Set::Threats);
        c.refs(&o, "layer", &r.layers, Set::Layers);
        c.refs(&o, "ATLAS technique", &r.atlas, Set::Atlas);
        c.refs(&o, "factor", &r.factors, Set::Factors);
        c.refs(&o, "ASI id", &r.asi, Set::Asi);
        c.refs(&o, "control", &r.controls, Set::Controls);
        c.nonempty(&o, "layers", &r.layers);
        for s in &r.stride {
            if let Err(e) = Stride::from_str(s) {
                c.problems.push(format!("{o}: {e}"));
            }
        }
        for (what, v) in [("likelihood", r.likelihood), ("impact", r.impact)] {
            if !(1..=4).contains(&v) {
                c.problems.push(format!("{o}: {what} {v} is outside 1–4"));
            }
        }
    }
}

/// Advice about rules that load and resolve but may not say what their author meant: a rule
/// that maps to no threat, recommends no control (its findings can never be mitigated), or
/// recommends a control that mitigates none of its threats. Not integrity problems.
pub fn advice(cat: &Catalog) -> Vec<String> {
    let mut out = Vec::new();
    for r in &cat.rules {
        let o = format!("rule {}", r.id);
        if r.threats.is_empty() {
            out.push(format!(
                "{o}: maps to no OWASP threat, so its findings have no ASI mapping"
            ));
        }
        if r.controls.is_empty() {
            out.push(format!(
                "{o}: recommends no control, so its findings can never be mitigated"
            ));
        }
        for k in r.controls.iter().filter(|_| !r.threats.is_empty()) {
            let Some(control) = cat.control(k) else {
                continue;
            };
            if !control.mitigates.iter().any(|t| r.threats.contains(t)) {
                out.push(format!(
                    "{o}: recommends {k}, which mitigates none of the rule's threats ({}); {k} mitigates {}",
                    r.threats.join(", "),
                    control.mitigates.join(", ")
                ));
            }
        }
    }
    out
}

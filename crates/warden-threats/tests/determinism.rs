//! Same input, same output; and the order in which a model lists its elements does not change
//! what is found.

use proptest::prelude::*;
use serde_json::Value;
use warden_catalog::Catalog;
use warden_model::{Loaded, SourceMap, SystemModel};
use warden_threats::engine::{self, Options};
use warden_threats::{Finding, synthetic};

fn analyze(model: &SystemModel) -> Vec<Finding> {
    let loaded = Loaded {
        model: model.clone(),
        source: SourceMap::default(),
    };
    engine::analyze(&loaded, b"", Catalog::builtin(), &Options::default()).findings
}

/// Findings without their file position (which legitimately moves when elements are reordered).
fn positionless(mut f: Vec<Finding>) -> Vec<Value> {
    f.iter_mut().for_each(|f| f.location = None);
    f.sort_by(|a, b| a.id.cmp(&b.id));
    f.iter()
        .map(|f| serde_json::to_value(f).unwrap_or(Value::Null))
        .collect()
}

fn shuffle<T>(items: &mut [T], seed: &mut u64) {
    for i in (1..items.len()).rev() {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let j = (*seed >> 33) as usize % (i + 1);
        items.swap(i, j);
    }
}

fn shuffled(model: &SystemModel, mut seed: u64) -> SystemModel {
    let mut m = model.clone();
    shuffle(&mut m.agents, &mut seed);
    shuffle(&mut m.servers, &mut seed);
    for s in &mut m.servers {
        shuffle(&mut s.tools, &mut seed);
    }
    shuffle(&mut m.data_stores, &mut seed);
    shuffle(&mut m.humans, &mut seed);
    shuffle(&mut m.external_sources, &mut seed);
    shuffle(&mut m.links, &mut seed);
    shuffle(&mut m.zones, &mut seed);
    shuffle(&mut m.controls, &mut seed);
    m
}

#[test]
fn same_input_gives_byte_identical_json() {
    let model = synthetic::generate(40, 3);
    let a = serde_json::to_string(&analyze(&model)).unwrap_or_default();
    let b = serde_json::to_string(&analyze(&model)).unwrap_or_default();
    assert!(!a.is_empty() && a == b);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn element_order_does_not_change_findings(model_seed in 0u64..1000, order_seed in any::<u64>(), agents in 3usize..30) {
        let model = synthetic::generate(agents, model_seed);
        let before = positionless(analyze(&model));
        let after = positionless(analyze(&shuffled(&model, order_seed)));
        prop_assert!(!before.is_empty());
        prop_assert_eq!(before, after);
    }
}

#[test]
fn example_models_are_order_independent() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    let mut checked = 0;
    for e in entries.flatten() {
        let p = e.path();
        if p.extension().and_then(|x| x.to_str()) != Some("yaml") {
            continue;
        }
        let loaded =
            warden_model::load_file(&p).unwrap_or_else(|d| panic!("{}: {d:?}", p.display()));
        let before = positionless(analyze(&loaded.model));
        for seed in 0..5 {
            assert_eq!(
                before,
                positionless(analyze(&shuffled(&loaded.model, seed))),
                "{}",
                p.display()
            );
        }
        checked += 1;
    }
    assert!(checked > 0 || !dir.exists());
}

/// Adding elements unrelated to a finding (an isolated agent, store and external source)
/// renames nothing: every finding id of the original model is still reported.
#[test]
fn finding_ids_survive_unrelated_edits() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.extension().and_then(|x| x.to_str()) != Some("yaml") {
            continue;
        }
        let loaded =
            warden_model::load_file(&p).unwrap_or_else(|d| panic!("{}: {d:?}", p.display()));
        let before: std::collections::BTreeSet<String> =
            analyze(&loaded.model).into_iter().map(|f| f.id).collect();
        let mut m = loaded.model.clone();
        m.agents.insert(
            0,
            warden_model::Agent {
                id: "aaa-unrelated-agent".into(),
                ..Default::default()
            },
        );
        m.data_stores.push(warden_model::DataStore {
            id: "zzz-unrelated-store".into(),
            ..Default::default()
        });
        m.external_sources.push(warden_model::ExternalSource {
            id: "zzz-unrelated-web".into(),
            ..Default::default()
        });
        let after: std::collections::BTreeSet<String> =
            analyze(&m).into_iter().map(|f| f.id).collect();
        let lost: Vec<_> = before.difference(&after).collect();
        assert!(
            lost.is_empty(),
            "{}: ids changed by an unrelated edit: {lost:?}",
            p.display()
        );

        // A second agent sharing the first one's tools, stores and delegates grows the
        // affected elements of shared-element findings; their ids must not change.
        let mut m = loaded.model.clone();
        let mut twin = m.agents[0].clone();
        twin.id = "aaa-twin".into();
        m.agents.push(twin);
        let after: std::collections::BTreeSet<String> =
            analyze(&m).into_iter().map(|f| f.id).collect();
        let lost: Vec<_> = before.difference(&after).collect();
        assert!(
            lost.is_empty(),
            "{}: ids changed by adding a twin agent: {lost:?}",
            p.display()
        );
    }
}

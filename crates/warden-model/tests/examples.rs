//! Every example model in the repository reads without a single diagnostic.

use std::path::Path;

#[test]
fn every_example_parses_cleanly() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return; // No examples directory: nothing to check.
    };
    let mut failures = String::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
            continue;
        }
        if let Err(ds) = warden_model::load_file(&path) {
            for d in ds {
                failures.push_str(&d.render());
            }
        }
    }
    assert!(
        failures.is_empty(),
        "examples with diagnostics:\n{failures}"
    );
}

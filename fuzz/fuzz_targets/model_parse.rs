//! Feed arbitrary UTF-8 to the model reader: it must answer with a model or diagnostics,
//! never panic, and every diagnostic must render.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Err(diagnostics) = warden_model::parse_str("fuzz.yaml", text) {
        assert!(!diagnostics.is_empty());
        for d in &diagnostics {
            let _ = d.render();
        }
    }
});

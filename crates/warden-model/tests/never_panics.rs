//! No input makes the reader panic: arbitrary text, and text made of YAML's own tokens.

use proptest::prelude::*;
use warden_model::parse_str;

/// Text built from YAML's structural characters, so that most inputs get past the first
/// token and exercise the parser and validator.
fn yamlish() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("\n".to_string()),
        Just("  ".to_string()),
        Just("- ".to_string()),
        Just(": ".to_string()),
        Just("warden: 1\n".to_string()),
        Just("system:\n  name: x\n".to_string()),
        Just("agents:\n".to_string()),
        Just("id: ".to_string()),
        Just("&a ".to_string()),
        Just("*a".to_string()),
        Just("!!int ".to_string()),
        Just("---\n".to_string()),
        "[\\[\\]{}:,\"'#?|>!&*%@`\\- \t\n]",
        "[a-z_]{1,8}",
        "[0-9.eE+-]{1,6}",
    ];
    prop::collection::vec(token, 0..60).prop_map(|t| t.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        if let Err(ds) = parse_str("fuzz.yaml", &text) {
            for d in ds {
                let _ = d.render();
            }
        }
    }

    #[test]
    fn yaml_like_text_never_panics(text in yamlish()) {
        match parse_str("fuzz.yaml", &text) {
            Ok(_) => {}
            Err(ds) => {
                prop_assert!(!ds.is_empty());
                for d in ds {
                    prop_assert!(!d.message.is_empty());
                    let _ = d.render();
                }
            }
        }
    }
}

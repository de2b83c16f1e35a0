//! The published JSON Schema.

use warden_model::{SCHEMA_ID, json_schema};

#[test]
fn schema_is_a_valid_2020_12_schema_with_id_title_and_descriptions() {
    let schema = json_schema();
    if let Err(e) = jsonschema::meta::validate(&schema) {
        panic!("invalid schema: {e}");
    }
    assert_eq!(
        schema["$id"],
        "https://warden.dev/schema/warden-model-v1.json"
    );
    assert_eq!(schema["$id"], SCHEMA_ID);
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(schema["title"], "Warden system model");
    assert!(
        schema["description"]
            .as_str()
            .is_some_and(|d| !d.is_empty())
    );
    assert!(schema["$defs"]["Agent"]["properties"]["owner"]["description"].is_string());
    assert_eq!(
        schema["properties"]["warden"]["maximum"],
        u64::from(u32::MAX)
    );
}

#[test]
fn schema_accepts_a_valid_model_and_rejects_an_invalid_one() {
    let validator = jsonschema::validator_for(&json_schema()).unwrap();
    let good = serde_json::json!({"warden": 1, "system": {"name": "x"}, "agents": [{"id": "a", "autonomy": "autonomous"}]});
    assert!(validator.is_valid(&good));
    let bad = serde_json::json!({"warden": 1, "system": {"name": "x"}, "agents": [{"id": "a", "autonomy": "free"}]});
    assert!(!validator.is_valid(&bad));
}

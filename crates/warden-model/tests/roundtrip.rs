//! Every valid model survives a round trip through JSON and YAML unchanged.

mod arbitrary;

use arbitrary::model::model;
use proptest::prelude::*;
use saphyr::{Mapping, Scalar, Yaml, YamlEmitter};
use serde_json::Value;
use std::borrow::Cow;
use warden_model::*;

/// A JSON value as a YAML node, for the emitter.
fn to_yaml(v: &Value) -> Yaml<'static> {
    match v {
        Value::Null => Yaml::Value(Scalar::Null),
        Value::Bool(b) => Yaml::Value(Scalar::Boolean(*b)),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Yaml::Value(Scalar::Integer(i)),
            (None, _) if n.is_u64() => {
                Yaml::Representation(Cow::Owned(n.to_string()), saphyr::ScalarStyle::Plain, None)
            }
            (None, Some(f)) => Yaml::Value(Scalar::FloatingPoint(f.into())),
            (None, None) => Yaml::Value(Scalar::Null),
        },
        Value::String(s) => Yaml::Value(Scalar::String(Cow::Owned(s.clone()))),
        Value::Array(items) => Yaml::Sequence(items.iter().map(to_yaml).collect()),
        Value::Object(obj) => {
            let mut m = Mapping::new();
            for (k, v) in obj {
                m.insert(
                    Yaml::Value(Scalar::String(Cow::Owned(k.clone()))),
                    to_yaml(v),
                );
            }
            Yaml::Mapping(m)
        }
    }
}

fn render(ds: &[Diagnostic]) -> String {
    ds.iter().map(Diagnostic::render).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn valid_models_round_trip_through_json_and_yaml(model in model()) {
        let json = serde_json::to_string_pretty(&model).unwrap();
        let back = parse_str("m.json", &json).map_err(|d| TestCaseError::fail(format!("{json}\n{}", render(&d))))?;
        prop_assert_eq!(&back.model, &model);

        let value = serde_json::to_value(&model).unwrap();
        let mut yaml = String::new();
        YamlEmitter::new(&mut yaml).dump(&to_yaml(&value)).unwrap();
        let back = parse_str("m.yaml", &yaml).map_err(|d| TestCaseError::fail(format!("{yaml}\n{}", render(&d))))?;
        prop_assert_eq!(&back.model, &model);
    }
}

//! Strategies for valid models: element shells whose references are indexes into the ids
//! of the right kind, resolved once every id is known.

pub mod model;

use proptest::prelude::*;
use proptest::sample::Index;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::BTreeMap;
use warden_model::*;

/// Values of the enumeration `name`, as the schema spells them.
pub fn enum_of<T: DeserializeOwned + std::fmt::Debug + Clone + 'static>(
    name: &str,
) -> impl Strategy<Value = T> + use<T> {
    let schema = json_schema();
    let values: Vec<T> = schema["$defs"][name]["oneOf"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|b| serde_json::from_value(b["const"].clone()).ok())
        .collect();
    assert!(!values.is_empty(), "no values for {name}");
    prop::sample::select(values)
}

pub fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 _.-]{1,12}",
        "\\PC{0,16}",
        "[ -~\n\t]{0,20}",
        prop::sample::select(vec![
            "null", "~", "123", "1.5", "true", "no", "- x: y", "", " a ", "#c", "&a", "*a"
        ])
        .prop_map(str::to_string),
    ]
}

pub fn opt<S: Strategy>(s: S) -> impl Strategy<Value = Option<S::Value>> {
    proptest::option::of(s)
}

pub fn pick(ix: &Index, pool: &[String]) -> Option<String> {
    (!pool.is_empty()).then(|| ix.get(pool).clone())
}

pub fn picks(ixs: &[Index], pool: &[String]) -> Vec<String> {
    ixs.iter().filter_map(|i| pick(i, pool)).collect()
}

pub fn indexes() -> impl Strategy<Value = Vec<Index>> {
    prop::collection::vec(any::<Index>(), 0..3)
}

pub fn deployment() -> impl Strategy<Value = Deployment> {
    (
        opt(text()),
        opt(enum_of("Sandbox")),
        opt(enum_of("Egress")),
        opt(any::<bool>()),
        opt(text()),
    )
        .prop_map(
            |(runtime, sandbox, egress, signed_artifacts, secrets)| Deployment {
                runtime,
                sandbox,
                egress,
                signed_artifacts,
                secrets,
            },
        )
}

pub fn finite() -> impl Strategy<Value = f64> {
    prop_oneof![
        -1e12..1e12f64,
        Just(0.0),
        Just(2.5),
        Just(1e300),
        Just(-1e-7)
    ]
}

pub fn constraint() -> impl Strategy<Value = ArgumentConstraint> {
    let value = prop_oneof![
        text().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<bool>().prop_map(Value::from),
        Just(Value::Null),
    ];
    (
        prop::collection::vec(value, 0..3),
        opt(text()),
        opt(finite()),
    )
        .prop_map(|(one_of, like, max)| ArgumentConstraint { one_of, like, max })
}

pub fn limits() -> impl Strategy<Value = Limits> {
    (
        opt(any::<u64>()),
        opt(any::<u64>()),
        opt(any::<u64>()),
        opt(any::<u64>()),
        opt(finite()),
    )
        .prop_map(
            |(max_steps, max_spawns, max_recursion, calls_per_minute, budget_usd_per_day)| Limits {
                max_steps,
                max_spawns,
                max_recursion,
                calls_per_minute,
                budget_usd_per_day,
            },
        )
}

pub type AgentRaw = (
    (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<(String, String, Option<String>)>,
    ),
    (
        Autonomy,
        MemoryKind,
        Option<Index>,
        Vec<Index>,
        bool,
        IdentityKind,
    ),
    (
        Vec<(Index, Vec<Index>)>,
        Limits,
        Vec<(Index, BTreeMap<String, ArgumentConstraint>, bool)>,
    ),
    (
        Vec<Index>,
        Vec<Index>,
        Vec<Index>,
        Option<Index>,
        Option<Deployment>,
    ),
);

pub fn agent() -> impl Strategy<Value = AgentRaw> {
    (
        (
            opt(text()),
            opt(text()),
            opt(text()),
            opt((text(), text(), opt(text()))),
        ),
        (
            enum_of("Autonomy"),
            enum_of("MemoryKind"),
            opt(any::<Index>()),
            indexes(),
            any::<bool>(),
            enum_of("IdentityKind"),
        ),
        (
            prop::collection::vec((any::<Index>(), indexes()), 0..3),
            limits(),
            prop::collection::vec(
                (
                    any::<Index>(),
                    prop::collection::btree_map(text(), constraint(), 0..2),
                    any::<bool>(),
                ),
                0..3,
            ),
        ),
        (
            indexes(),
            indexes(),
            indexes(),
            opt(any::<Index>()),
            opt(deployment()),
        ),
    )
}

pub type ToolRaw = (
    Option<String>,
    Vec<Capability>,
    SideEffects,
    Vec<String>,
    [Vec<Index>; 4],
);

pub fn tool() -> impl Strategy<Value = ToolRaw> {
    (
        opt(text()),
        prop::collection::vec(enum_of("Capability"), 0..3),
        enum_of("SideEffects"),
        prop::collection::vec(text(), 0..2),
        [indexes(), indexes(), indexes(), indexes()],
    )
}

pub type ServerRaw = (
    (
        Option<String>,
        Option<String>,
        Transport,
        Provenance,
        TrustLevel,
    ),
    Option<Index>,
    Vec<ToolRaw>,
    Option<Deployment>,
);

pub fn server() -> impl Strategy<Value = ServerRaw> {
    let provenance = (
        opt(text()),
        opt(text()),
        opt(text()),
        opt(text()),
        enum_of("SignatureStatus"),
    )
        .prop_map(|(publisher, source, version, hash, signature)| Provenance {
            publisher,
            source,
            version,
            hash,
            signature,
        });
    (
        (
            opt(text()),
            opt(text()),
            enum_of("Transport"),
            provenance,
            enum_of("TrustLevel"),
        ),
        opt(any::<Index>()),
        prop::collection::vec(tool(), 0..3),
        opt(deployment()),
    )
}

#[allow(clippy::type_complexity)]
pub fn raw() -> impl Strategy<
    Value = (
        (
            String,
            Option<String>,
            Option<String>,
            Vec<(Option<String>, TrustLevel, Option<String>)>,
        ),
        Vec<AgentRaw>,
        Vec<ServerRaw>,
        Vec<(
            Option<String>,
            StoreKind,
            Sensitivity,
            Vec<String>,
            Vec<Index>,
            [bool; 3],
            Option<Index>,
        )>,
        Vec<(
            Option<String>,
            HumanRole,
            u32,
            Option<u32>,
            bool,
            Option<Index>,
        )>,
        Vec<(Option<String>, ExternalKind, bool, Option<Index>)>,
        Vec<(
            (Index, Index, Protocol, Authentication, Encryption),
            ([bool; 4], Option<Index>, Vec<String>, Option<String>),
        )>,
        (
            Observability,
            Vec<(String, ControlStatus, Vec<Index>, Option<String>)>,
            Vec<(String, String, String, Option<(u16, u8, u8)>)>,
        ),
    ),
> {
    let observability = (any::<[bool; 5]>(), enum_of("AuditKind"), opt(any::<u32>())).prop_map(
        |(b, audit, retention_days)| Observability {
            logging: b[0],
            audit,
            redaction: b[1],
            monitoring: b[2],
            alerting: b[3],
            anomaly_detection: b[4],
            retention_days,
        },
    );
    (
        (
            text(),
            opt(text()),
            opt(text()),
            prop::collection::vec((opt(text()), enum_of("TrustLevel"), opt(text())), 0..3),
        ),
        prop::collection::vec(agent(), 0..4),
        prop::collection::vec(server(), 0..3),
        prop::collection::vec(
            (
                opt(text()),
                enum_of("StoreKind"),
                enum_of("Sensitivity"),
                prop::collection::vec(text(), 0..2),
                indexes(),
                any::<[bool; 3]>(),
                opt(any::<Index>()),
            ),
            0..3,
        ),
        prop::collection::vec(
            (
                opt(text()),
                enum_of("HumanRole"),
                1..5u32,
                opt(any::<u32>()),
                any::<bool>(),
                opt(any::<Index>()),
            ),
            0..3,
        ),
        prop::collection::vec(
            (
                opt(text()),
                enum_of("ExternalKind"),
                any::<bool>(),
                opt(any::<Index>()),
            ),
            0..3,
        ),
        prop::collection::vec(
            (
                (
                    any::<Index>(),
                    any::<Index>(),
                    enum_of("Protocol"),
                    enum_of("Authentication"),
                    enum_of("Encryption"),
                ),
                (
                    any::<[bool; 4]>(),
                    opt(any::<Index>()),
                    prop::collection::vec(text(), 0..2),
                    opt(text()),
                ),
            ),
            0..4,
        ),
        (
            observability,
            prop::collection::vec(
                (
                    "[A-Z]{2}-[A-Z]{2,6}",
                    enum_of("ControlStatus"),
                    indexes(),
                    opt(text()),
                ),
                0..3,
            ),
            prop::collection::vec(
                (
                    text(),
                    text(),
                    text(),
                    opt((1970..2100u16, 1..=12u8, 1..=28u8)),
                ),
                0..3,
            ),
        ),
    )
}

//! Shared fixtures for the integration tests.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tempfile::TempDir;
use warden_identity::{
    ArgRule, AttenuateRequest, IssueRequest, IssuedToken, Issuer, IssuerConfig, KeyRing,
    ManualClock, RevocationSet, Scope, ToolRule, Verifier, VerifierConfig,
};

/// A fixed "now" for deterministic tests.
pub const NOW: i64 = 1_700_000_000_000;
pub const AUD: &str = "gateway";

pub struct Fixture {
    pub dir: TempDir,
    pub keyring: KeyRing,
    pub clock: Arc<ManualClock>,
    pub issuer: Issuer,
    pub revocations: Arc<RevocationSet>,
    pub verifier: Verifier,
}

impl Fixture {
    pub fn new() -> Self {
        Self::with_config(VerifierConfig::new(AUD))
    }

    pub fn with_config(config: VerifierConfig) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let keyring = KeyRing::open_or_create(&dir.path().join("identity")).expect("keyring");
        let clock = Arc::new(ManualClock::new(NOW));
        let issuer = Issuer::with_clock(&keyring, IssuerConfig::default(), clock.clone());
        let revocations = Arc::new(RevocationSet::new());
        let verifier = Verifier::new(keyring.key_set(), revocations.clone(), config);
        Fixture {
            dir,
            keyring,
            clock,
            issuer,
            revocations,
            verifier,
        }
    }

    pub fn issue(&self, agent: &str, scope: Scope, max_depth: u8) -> IssuedToken {
        self.issuer
            .issue(&request(agent, scope, max_depth))
            .expect("issue")
    }

    pub fn delegate(&self, token: &str, to: &str, scope: Scope) -> IssuedToken {
        warden_identity::attenuate(
            &self.keyring.key_set(),
            token,
            &delegation(to, scope),
            self.clock_now(),
        )
        .expect("attenuate")
    }

    pub fn clock_now(&self) -> i64 {
        use warden_identity::Clock;
        self.clock.now_ms()
    }
}

pub fn request(agent: &str, scope: Scope, max_depth: u8) -> IssueRequest {
    IssueRequest {
        agent_id: agent.into(),
        owner: "team-a".into(),
        on_behalf_of: Some("user:alice".into()),
        scope,
        audience: AUD.into(),
        ttl: Some(Duration::from_secs(600)),
        max_depth,
    }
}

pub fn delegation(to: &str, scope: Scope) -> AttenuateRequest {
    AttenuateRequest {
        delegate: to.into(),
        scope,
        ttl: None,
        max_depth: None,
    }
}

/// fs.* (any args), db.query (table one of users/orders, limit ≤ 100),
/// web.fetch (url like https://*.example.com/*); data classes pii, public.
pub fn root_scope() -> Scope {
    let mut tools = BTreeMap::new();
    tools.insert("fs.*".to_string(), ToolRule::default());
    tools.insert(
        "db.query".to_string(),
        rule(&[
            (
                "table",
                ArgRule::OneOf(vec![json!("users"), json!("orders")]),
            ),
            ("limit", ArgRule::Max(100.0)),
        ]),
    );
    tools.insert(
        "web.fetch".to_string(),
        rule(&[("url", ArgRule::Like("https://*.example.com/*".into()))]),
    );
    Scope {
        tools,
        data_classes: classes(&["pii", "public"]),
    }
}

pub fn rule(args: &[(&str, ArgRule)]) -> ToolRule {
    ToolRule {
        arguments: args
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    }
}

pub fn classes(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

pub fn scope(tools: &[(&str, ToolRule)], data: &[&str]) -> Scope {
    Scope {
        tools: tools
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
        data_classes: classes(data),
    }
}

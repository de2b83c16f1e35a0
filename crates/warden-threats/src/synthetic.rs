//! Synthetic system models of any size, for smoke tests and benchmarks of the analyses.
//!
//! [`generate`] builds a plausible multi-agent system from a seed: for `n` agents, `n / 2`
//! MCP servers of ten tools each, `n` data stores, `n / 10` people, `n / 25` external
//! sources and roughly `2.4 n` links, so `generate(1000, seed)` has about 10,000 elements.
//! Agents delegate mostly to nearby agents (a few loops back), call tools of nearby
//! servers, share memory, and a share of everything is untrusted, unauthenticated or
//! unscoped, so every analysis has something to find. The same arguments always give the
//! same model; every reference in it resolves.

use warden_model::*;

/// A small deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    /// One of `items` (which must not be empty).
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// A synthetic model with `n_agents` agents (at least 1), reproducible from `seed`.
pub fn generate(n_agents: usize, seed: u64) -> SystemModel {
    let mut r = Rng(seed ^ 0x5741_5244_454E);
    let na = n_agents.max(1);
    let ns = (na / 2).max(1);
    let nd = na;
    let nh = (na / 10).max(4);
    let ne = (na / 25).max(4);
    let agent_id = |i: usize| format!("agent-{i:05}");
    let server_id = |i: usize| format!("srv-{i:04}");
    let store_id = |i: usize| format!("store-{i:05}");
    let human_id = |i: usize| format!("person-{i:04}");
    let ext_id = |i: usize| match i % 4 {
        0 => format!("web-{:03}", i / 4),
        1 => format!("inbox-{:03}", i / 4),
        2 => format!("outbox-{:03}", i / 4),
        _ => format!("partner-{:03}", i / 4),
    };

    let zones = vec![
        zone("public", TrustLevel::Untrusted),
        zone("corp", TrustLevel::Internal),
        zone("vault", TrustLevel::Restricted),
    ];

    let external_sources: Vec<ExternalSource> = (0..ne)
        .map(|i| ExternalSource {
            id: ext_id(i),
            kind: [
                ExternalKind::Web,
                ExternalKind::Email,
                ExternalKind::Email,
                ExternalKind::Api,
            ][i % 4],
            trusted: i % 4 == 3,
            ..Default::default()
        })
        .collect();
    let ext_of = |r: &mut Rng, kind: usize| ext_id(r.below(ne / 4) * 4 + kind);

    let humans: Vec<Human> = (0..nh)
        .map(|i| Human {
            id: human_id(i),
            role: [
                HumanRole::User,
                HumanRole::User,
                HumanRole::Operator,
                HumanRole::Approver,
            ][i % 4],
            count: 1 + (i % 3) as u32,
            approvals_per_day: (i % 4 == 3).then_some(40),
            internal: i % 4 != 0,
            ..Default::default()
        })
        .collect();

    let mut data_stores: Vec<DataStore> = (0..nd)
        .map(|i| {
            let sensitivity = match r.below(10) {
                0 | 1 => Sensitivity::Public,
                2..=5 => Sensitivity::Internal,
                6..=8 => Sensitivity::Confidential,
                _ => Sensitivity::Restricted,
            };
            let kind = r.pick(&[
                StoreKind::Database,
                StoreKind::Database,
                StoreKind::Vector,
                StoreKind::RagCorpus,
                StoreKind::Memory,
                StoreKind::ObjectStore,
                StoreKind::Queue,
                StoreKind::Cache,
                StoreKind::Secrets,
            ]);
            let mut writers = Vec::new();
            if r.chance(8) {
                writers.push(ext_of(&mut r, 0));
            }
            if r.chance(4) {
                writers.push(human_id(r.below(nh / 4) * 4));
            }
            DataStore {
                id: store_id(i),
                kind,
                sensitivity: if kind == StoreKind::Secrets {
                    Sensitivity::Restricted
                } else {
                    sensitivity
                },
                writers,
                validated_writes: r.chance(30),
                versioned: r.chance(30),
                encrypted_at_rest: r.chance(60),
                zone: Some(
                    if sensitivity == Sensitivity::Restricted {
                        "vault"
                    } else {
                        "corp"
                    }
                    .into(),
                ),
                ..Default::default()
            }
        })
        .collect();
    let store_near = |r: &mut Rng, i: usize| store_id((i * nd / ns + r.below(8)) % nd);

    let servers: Vec<Server> = (0..ns)
        .map(|i| {
            let trust = match r.below(10) {
                0 => TrustLevel::Untrusted,
                1 | 2 => TrustLevel::Partner,
                _ => TrustLevel::Internal,
            };
            let tools = (0..10)
                .map(|j| {
                    let mut t = Tool {
                        id: format!("t{j}"),
                        ..Default::default()
                    };
                    let (caps, effects): (&[Capability], SideEffects) = match r.below(100) {
                        0..=34 => (&[Capability::Read], SideEffects::None),
                        35..=54 => (&[Capability::Write], SideEffects::Reversible),
                        55..=62 => (&[Capability::Browse], SideEffects::None),
                        63..=70 => (&[Capability::Messaging], SideEffects::Irreversible),
                        71..=75 => (&[Capability::Delete], SideEffects::Irreversible),
                        76..=79 => (&[Capability::NetworkEgress], SideEffects::Unknown),
                        80..=84 => (&[Capability::ExecuteCode], SideEffects::Unknown),
                        85..=86 => (&[Capability::Payment], SideEffects::Irreversible),
                        87..=88 => (&[Capability::Admin], SideEffects::Reversible),
                        89..=90 => (&[Capability::Credentials], SideEffects::None),
                        _ => (
                            &[Capability::Read, Capability::Write],
                            SideEffects::Reversible,
                        ),
                    };
                    t.capabilities = caps.to_vec();
                    t.side_effects = effects;
                    if caps.contains(&Capability::Read) {
                        t.reads.push(store_near(&mut r, i));
                    }
                    if caps.contains(&Capability::Write) || caps.contains(&Capability::Delete) {
                        t.writes.push(store_near(&mut r, i));
                    }
                    if caps.contains(&Capability::Browse) {
                        t.ingests.push(ext_of(&mut r, 0));
                    }
                    if caps.contains(&Capability::Messaging) {
                        t.sends_to.push(ext_of(&mut r, 2));
                    }
                    if caps.contains(&Capability::Payment) {
                        t.data_classes.push("payment".into());
                    }
                    t
                })
                .collect();
            Server {
                id: server_id(i),
                transport: r.pick(&[Transport::Stdio, Transport::StreamableHttp]),
                trust,
                provenance: Provenance {
                    publisher: Some(
                        if trust == TrustLevel::Internal {
                            "internal"
                        } else {
                            "vendor"
                        }
                        .into(),
                    ),
                    version: r.chance(60).then(|| "1.0.0".into()),
                    hash: r.chance(40).then(|| "sha256:00".into()),
                    ..Default::default()
                },
                zone: Some(
                    if trust == TrustLevel::Untrusted {
                        "public"
                    } else {
                        "corp"
                    }
                    .into(),
                ),
                tools,
                ..Default::default()
            }
        })
        .collect();

    let mut agents = Vec::with_capacity(na);
    let mut links = Vec::new();
    for i in 0..na {
        let home = i * ns / na;
        let mut tools: Vec<ToolGrant> = Vec::new();
        for _ in 0..2 + r.below(5) {
            let s = (home + r.below(6)) % ns;
            let tool = if r.chance(4) {
                format!("{}.*", server_id(s))
            } else {
                format!("{}.t{}", server_id(s), r.below(10))
            };
            if !tools.iter().any(|g| g.tool == tool) {
                tools.push(ToolGrant {
                    tool,
                    approval: r.chance(20),
                    ..Default::default()
                });
            }
            if r.chance(40) {
                links.push(Link {
                    from: agent_id(i),
                    to: server_id(s),
                    protocol: Protocol::Mcp,
                    authentication: r.pick(&[
                        Authentication::None,
                        Authentication::Oauth,
                        Authentication::WorkloadIdentity,
                        Authentication::Mtls,
                    ]),
                    encryption: Encryption::Tls,
                    ..Default::default()
                });
            }
        }
        let mut delegates_to = Vec::new();
        for _ in 0..r.below(4) {
            let j = if r.chance(3) {
                r.below(na)
            } else {
                i + 1 + r.below(20)
            };
            if j < na && j != i && !delegates_to.contains(&agent_id(j)) {
                delegates_to.push(agent_id(j));
                if r.chance(60) {
                    links.push(Link {
                        from: agent_id(i),
                        to: agent_id(j),
                        protocol: Protocol::A2a,
                        authentication: r.pick(&[
                            Authentication::None,
                            Authentication::Unknown,
                            Authentication::Mtls,
                            Authentication::WorkloadIdentity,
                            Authentication::Oauth,
                        ]),
                        scoped_delegation: r.chance(50),
                        signed: r.chance(30),
                        ..Default::default()
                    });
                }
            }
        }
        let mut memory = Memory::default();
        if r.chance(20) {
            let d = r.below(nd);
            data_stores[d].kind = StoreKind::Memory;
            memory = Memory {
                kind: MemoryKind::LongTerm,
                store: Some(store_id(d)),
                shared_with: (0..r.below(3))
                    .map(|_| agent_id((i + 1 + r.below(10)) % na))
                    .filter(|a| *a != agent_id(i))
                    .collect(),
                validated_writes: r.chance(30),
            };
            memory.shared_with.sort();
            memory.shared_with.dedup();
        }
        let identity = match r.below(20) {
            0..=9 => IdentityKind::OwnCredential,
            10..=13 => IdentityKind::SharedServiceAccount,
            14..=16 => IdentityKind::UserPassthrough,
            _ => IdentityKind::Unknown,
        };
        if r.chance(30) {
            let h = r.below(nh);
            links.push(Link {
                from: human_id(h),
                to: agent_id(i),
                protocol: Protocol::Ui,
                authentication: r.pick(&[Authentication::Oauth, Authentication::None]),
                on_behalf_of: (identity == IdentityKind::UserPassthrough).then(|| human_id(h)),
                ..Default::default()
            });
        }
        let oversight = if r.chance(15) {
            vec![Oversight {
                action: r.pick(&["payment", "messaging", "*"]).into(),
                approvers: vec![human_id(r.below(nh / 4) * 4 + 3)],
                quorum: 1,
            }]
        } else {
            Vec::new()
        };
        agents.push(Agent {
            id: agent_id(i),
            owner: r.chance(80).then(|| "team-a".into()),
            autonomy: r.pick(&[
                Autonomy::Assistive,
                Autonomy::Supervised,
                Autonomy::Conditional,
                Autonomy::Autonomous,
            ]),
            memory,
            identity,
            oversight,
            tools,
            delegates_to,
            reads: (0..r.below(3)).map(|_| store_near(&mut r, home)).collect(),
            writes: (0..r.below(2)).map(|_| store_near(&mut r, home)).collect(),
            zone: Some("corp".into()),
            ..Default::default()
        });
    }
    for a in &mut agents {
        a.reads.sort();
        a.reads.dedup();
        a.writes.sort();
        a.writes.dedup();
    }

    SystemModel {
        warden: FORMAT_VERSION,
        system: SystemInfo {
            name: format!("synthetic-{na}-{seed}"),
            description: Some("Generated by warden_threats::synthetic".into()),
            owner: Some("benchmarks".into()),
        },
        zones,
        agents,
        servers,
        data_stores,
        humans,
        external_sources,
        links,
        observability: Observability {
            logging: true,
            audit: AuditKind::Plain,
            ..Default::default()
        },
        ..Default::default()
    }
}

fn zone(id: &str, trust: TrustLevel) -> Zone {
    Zone {
        id: id.into(),
        trust,
        ..Default::default()
    }
}

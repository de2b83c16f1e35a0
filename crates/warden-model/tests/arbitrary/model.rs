//! Assembling a valid [`SystemModel`] from the raw strategies.

use super::{deployment, opt, pick, picks, raw};
use proptest::prelude::*;
use warden_model::*;

/// A valid model: every reference picks an existing id of the right kind.
pub fn model() -> impl Strategy<Value = SystemModel> {
    (raw(), opt(deployment())).prop_map(
        |((sys, agents_r, servers_r, stores_r, humans_r, ext_r, links_r, rest), dep)| {
            let (name, description, owner, zones_r) = sys;
            let ids = |p: &str, n: usize| (0..n).map(|i| format!("{p}{i}")).collect::<Vec<_>>();
            let zones = ids("zone-", zones_r.len());
            let agents = ids("agent-", agents_r.len());
            let servers = ids("server-", servers_r.len());
            let stores = ids("store-", stores_r.len());
            let humans = ids("human-", humans_r.len());
            let externals = ids("ext-", ext_r.len());
            let tools: Vec<String> = servers_r
                .iter()
                .enumerate()
                .flat_map(|(s, r)| (0..r.2.len()).map(move |t| format!("server-{s}.tool-{t}")))
                .collect();
            let mut patterns = tools.clone();
            patterns.extend(servers.iter().map(|s| format!("{s}.*")));
            let mut actions = patterns.clone();
            actions.extend(["*", "payment", "execute-code"].map(String::from));
            let elements: Vec<String> = [
                &zones, &agents, &servers, &stores, &humans, &externals, &tools,
            ]
            .into_iter()
            .flatten()
            .cloned()
            .collect();
            let principals: Vec<String> = humans.iter().chain(&agents).cloned().collect();
            let (observability, controls_r, risks_r) = rest;
            SystemModel {
                warden: 1,
                system: SystemInfo {
                    name,
                    description,
                    owner,
                },
                zones: zones_r
                    .into_iter()
                    .zip(&zones)
                    .map(|((name, trust, description), id)| Zone {
                        id: id.clone(),
                        name,
                        trust,
                        description,
                    })
                    .collect(),
                agents: agents_r
                    .into_iter()
                    .zip(&agents)
                    .map(
                        |(
                            (
                                (name, owner, purpose, model),
                                (autonomy, kind, store, shared, validated_writes, identity),
                                (oversight, limits, grants),
                                (delegates, reads, writes, zone, deployment),
                            ),
                            id,
                        )| Agent {
                            id: id.clone(),
                            name,
                            owner,
                            purpose,
                            model: model.map(|(provider, name, version)| ModelInfo {
                                provider,
                                name,
                                version,
                            }),
                            autonomy,
                            memory: Memory {
                                kind,
                                store: store.and_then(|i| pick(&i, &stores)),
                                shared_with: picks(&shared, &agents),
                                validated_writes,
                            },
                            identity,
                            oversight: oversight
                                .iter()
                                .map(|(a, approvers)| Oversight {
                                    action: pick(a, &actions).unwrap_or_default(),
                                    approvers: picks(approvers, &humans),
                                    quorum: 1,
                                })
                                .collect(),
                            limits,
                            tools: grants
                                .into_iter()
                                .filter_map(|(t, arguments, approval)| {
                                    pick(&t, &patterns).map(|tool| ToolGrant {
                                        tool,
                                        arguments,
                                        approval,
                                    })
                                })
                                .collect(),
                            delegates_to: picks(&delegates, &agents),
                            reads: picks(&reads, &stores),
                            writes: picks(&writes, &stores),
                            zone: zone.and_then(|i| pick(&i, &zones)),
                            deployment,
                            risk_tier: None,
                            lifecycle: None,
                        },
                    )
                    .collect(),
                servers: servers_r
                    .into_iter()
                    .zip(&servers)
                    .map(
                        |(
                            (
                                (name, owner, transport, provenance, trust),
                                zone,
                                tools_r,
                                deployment,
                            ),
                            id,
                        )| Server {
                            id: id.clone(),
                            name,
                            owner,
                            transport,
                            provenance,
                            trust,
                            zone: zone.and_then(|i| pick(&i, &zones)),
                            tools: tools_r
                                .into_iter()
                                .enumerate()
                                .map(
                                    |(
                                        t,
                                        (
                                            description,
                                            capabilities,
                                            side_effects,
                                            data_classes,
                                            [r, w, i, s],
                                        ),
                                    )| Tool {
                                        id: format!("tool-{t}"),
                                        description,
                                        capabilities,
                                        side_effects,
                                        data_classes,
                                        reads: picks(&r, &stores),
                                        writes: picks(&w, &stores),
                                        ingests: picks(&i, &externals),
                                        sends_to: picks(&s, &externals),
                                    },
                                )
                                .collect(),
                            deployment,
                        },
                    )
                    .collect(),
                data_stores: stores_r
                    .into_iter()
                    .zip(&stores)
                    .map(
                        |((name, kind, sensitivity, data_classes, writers, b, zone), id)| {
                            DataStore {
                                id: id.clone(),
                                name,
                                kind,
                                sensitivity,
                                data_classes,
                                writers: picks(&writers, &elements),
                                validated_writes: b[0],
                                versioned: b[1],
                                encrypted_at_rest: b[2],
                                zone: zone.and_then(|i| pick(&i, &zones)),
                            }
                        },
                    )
                    .collect(),
                humans: humans_r
                    .into_iter()
                    .zip(&humans)
                    .map(
                        |((name, role, count, approvals_per_day, internal, zone), id)| Human {
                            id: id.clone(),
                            name,
                            role,
                            count,
                            approvals_per_day,
                            internal,
                            zone: zone.and_then(|i| pick(&i, &zones)),
                        },
                    )
                    .collect(),
                external_sources: ext_r
                    .into_iter()
                    .zip(&externals)
                    .map(|((name, kind, trusted, zone), id)| ExternalSource {
                        id: id.clone(),
                        name,
                        kind,
                        trusted,
                        zone: zone.and_then(|i| pick(&i, &zones)),
                    })
                    .collect(),
                links: links_r
                    .into_iter()
                    .filter_map(
                        |(
                            (from, to, protocol, authentication, encryption),
                            (b, behalf, data_classes, description),
                        )| {
                            let (from, to) = (pick(&from, &elements)?, pick(&to, &elements)?);
                            (from != to).then(|| Link {
                                from,
                                to,
                                protocol,
                                authentication,
                                encryption,
                                signed: b[0],
                                schema_validated: b[1],
                                on_behalf_of: behalf.and_then(|i| pick(&i, &principals)),
                                scoped_delegation: b[2],
                                data_classes,
                                bidirectional: b[3],
                                description,
                            })
                        },
                    )
                    .collect(),
                deployment: dep.unwrap_or_default(),
                observability,
                controls: controls_r
                    .into_iter()
                    .map(|(id, status, scope, evidence)| ControlRef {
                        id,
                        status,
                        scope: picks(&scope, &elements),
                        evidence,
                    })
                    .collect(),
                accepted_risks: risks_r
                    .into_iter()
                    .map(|(finding, justification, owner, expires)| AcceptedRisk {
                        finding,
                        justification,
                        owner,
                        expires: expires.map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")),
                    })
                    .collect(),
            }
        },
    )
}

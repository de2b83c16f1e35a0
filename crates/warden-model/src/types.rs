//! The types of a Warden system model (`warden.yaml`).
//!
//! Every struct rejects unknown keys so that a typo is reported rather than silently
//! ignored, and every enum is spelled in kebab-case in the file. Element ids (agents,
//! servers, tools, data stores, humans, external sources, zones) share one namespace;
//! a tool is referred to as `server-id.tool-id`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The format version this crate reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// A whole system: the single description both halves of Warden work from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SystemModel {
    /// Format version of this file; must be 1.
    pub warden: u32,
    /// What the system is and who answers for it.
    pub system: SystemInfo,
    /// Trust boundaries. Elements name the zone they live in.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub zones: Vec<Zone>,
    /// The AI agents of the system.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub agents: Vec<Agent>,
    /// MCP servers (and other tool providers) with the tools they expose.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub servers: Vec<Server>,
    /// Data stores, including vector stores, RAG corpora and agent memory.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data_stores: Vec<DataStore>,
    /// People who use, operate or approve.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub humans: Vec<Human>,
    /// Sources of input from outside: web, email, documents, other organisations' agents.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub external_sources: Vec<ExternalSource>,
    /// Communication between elements.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    /// Where and how the system runs (defaults for every element).
    #[serde(default)]
    pub deployment: Deployment,
    /// Logging, audit and monitoring.
    #[serde(default)]
    pub observability: Observability,
    /// Controls declared in place, by catalogue id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<ControlRef>,
    /// Risks the owners have knowingly accepted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accepted_risks: Vec<AcceptedRisk>,
}

/// Name, description and accountable owner of the system.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SystemInfo {
    /// Short name of the system.
    pub name: String,
    /// What the system does, in a sentence or two.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Person or team accountable for the system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
}

/// How much the rest of the system trusts what lives in a zone or comes from a source.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum TrustLevel {
    /// Anyone may put data here (the internet, inbound email).
    #[default]
    Untrusted,
    /// Known third parties under contract.
    Partner,
    /// Inside the organisation.
    Internal,
    /// Inside the organisation and further restricted (production secrets, payments).
    Restricted,
}

/// A trust boundary.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Zone {
    /// Unique id.
    pub id: String,
    /// Human-readable name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// How far what lives here is trusted.
    #[serde(default)]
    pub trust: TrustLevel,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Which foundation model an agent runs on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModelInfo {
    /// Provider (e.g. `anthropic`, `openai`, `self-hosted`).
    pub provider: String,
    /// Model name.
    pub name: String,
    /// Pinned version or snapshot; absent means "whatever the provider serves today".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// How independently an agent acts.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Autonomy {
    /// Suggests; a human performs every action.
    Assistive,
    /// Acts, with a human reviewing consequential steps.
    #[default]
    Supervised,
    /// Acts alone within declared bounds; escalates outside them.
    Conditional,
    /// Plans and acts alone.
    Autonomous,
}

/// How long an agent remembers.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum MemoryKind {
    /// Stateless.
    #[default]
    None,
    /// Remembers within one session only.
    Session,
    /// Persists across sessions.
    LongTerm,
}

/// An agent's memory.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Memory {
    /// Retention.
    #[serde(default)]
    pub kind: MemoryKind,
    /// Data store that holds the memory, if declared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<String>,
    /// Other agents that read or write the same memory.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shared_with: Vec<String>,
    /// Whether writes to memory are validated (schema, provenance, anomaly checks).
    #[serde(default)]
    pub validated_writes: bool,
}

/// What credential an agent acts with.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum IdentityKind {
    /// Its own credential, issued to it alone.
    OwnCredential,
    /// A service account shared with other agents or services.
    SharedServiceAccount,
    /// The end user's token, passed through unchanged.
    UserPassthrough,
    /// Not declared.
    #[default]
    Unknown,
}

/// Where a human must look before the agent proceeds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Oversight {
    /// What needs approval: a tool (`server.tool`), a capability (e.g. `payment`), or `*`.
    pub action: String,
    /// Humans who may approve.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approvers: Vec<String>,
    /// How many distinct approvers must agree (default 1).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub quorum: u32,
}

fn one() -> u32 {
    1
}
fn is_one(v: &u32) -> bool {
    *v == 1
}

/// Bounds on runaway autonomy. Absent means unbounded.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Maximum reasoning/tool steps per task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_steps: Option<u64>,
    /// Maximum sub-agents spawned per task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_spawns: Option<u64>,
    /// Maximum depth of recursive delegation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_recursion: Option<u64>,
    /// Maximum tool calls per minute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calls_per_minute: Option<u64>,
    /// Spending cap per day, in US dollars (model and tool costs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_usd_per_day: Option<f64>,
}

/// One tool an agent is allowed to call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ToolGrant {
    /// `server.tool`, or `server.*` for every tool of a server.
    pub tool: String,
    /// Constraints on arguments, argument name → allowed values or pattern (used by policy generation).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub arguments: BTreeMap<String, ArgumentConstraint>,
    /// Whether each call needs human approval.
    #[serde(default)]
    pub approval: bool,
}

/// A constraint on one tool argument.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArgumentConstraint {
    /// The argument must be one of these values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub one_of: Vec<serde_json::Value>,
    /// The argument (a string) must match this glob (`*` wildcard).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub like: Option<String>,
    /// The argument (a number) must not exceed this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

/// Runtime isolation of code an element executes.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Sandbox {
    /// Runs in the host process or on the host.
    None,
    /// A container sharing the host kernel.
    Container,
    /// A user-space kernel or microVM (gVisor, Firecracker, Kata), or WebAssembly.
    Strong,
    /// Not declared.
    #[default]
    Unknown,
}

/// Network egress from the runtime.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Egress {
    /// Any destination.
    Open,
    /// Only an allow-list of destinations.
    AllowList,
    /// No network egress.
    None,
    /// Not declared.
    #[default]
    Unknown,
}

/// Deployment facts; system-wide defaults, overridable per agent and server.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Deployment {
    /// Runtime platform (e.g. `kubernetes`, `lambda`, `vm`, `desktop`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
    /// Isolation of executed code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sandbox: Option<Sandbox>,
    /// Network egress policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress: Option<Egress>,
    /// Whether images or artefacts are signed and verified before they run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_artifacts: Option<bool>,
    /// Where secrets live (e.g. `vault`, `env`, `file`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secrets: Option<String>,
}

/// An AI agent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Agent {
    /// Unique id.
    pub id: String,
    /// Human-readable name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Person or team accountable for the agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// What it is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// Foundation model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelInfo>,
    /// How independently it acts.
    #[serde(default)]
    pub autonomy: Autonomy,
    /// What it remembers.
    #[serde(default)]
    pub memory: Memory,
    /// The credential it acts with.
    #[serde(default)]
    pub identity: IdentityKind,
    /// Human checkpoints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub oversight: Vec<Oversight>,
    /// Bounds on steps, spawns, recursion, calls and spending.
    #[serde(default)]
    pub limits: Limits,
    /// Tools it may call.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<ToolGrant>,
    /// Other agents it may delegate to or spawn.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub delegates_to: Vec<String>,
    /// Data stores it reads directly (not through a tool).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reads: Vec<String>,
    /// Data stores it writes directly.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub writes: Vec<String>,
    /// Trust zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    /// Per-agent deployment overrides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment: Option<Deployment>,
    /// Declared risk tier for the register; when absent, `warden registry import` derives
    /// it from the most severe threat finding on the agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk_tier: Option<RiskTier>,
    /// Lifecycle state in the live register, as last written by `warden registry export`.
    /// Informational: importing a model never changes an agent's state (approval happens in
    /// the register, by a person).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<Lifecycle>,
}

/// How much harm an agent could do if it misbehaved; drives review depth in the register.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum RiskTier {
    /// Little harm possible.
    Low,
    /// Bounded harm.
    Medium,
    /// Serious harm to data, money or people.
    High,
    /// Harm that is severe and hard to undo.
    Critical,
}

/// Where an agent is in its life: proposed → approved → active ⇄ suspended, and retired at
/// the end.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Lifecycle {
    /// Registered, awaiting approval.
    Proposed,
    /// Approved by its reviewers, not yet running.
    Approved,
    /// Running; may be issued credentials.
    Active,
    /// Stopped, credentials revoked; may be reactivated.
    Suspended,
    /// Gone for good.
    Retired,
}

/// How a client reaches an MCP server.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Transport {
    /// Local process over stdin/stdout.
    #[default]
    Stdio,
    /// MCP Streamable HTTP.
    StreamableHttp,
    /// Legacy HTTP+SSE.
    Sse,
    /// A plain HTTP API (not MCP).
    Http,
    /// In-process function calls.
    InProcess,
}

/// What a tool can do. Drives most rules.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Capability {
    /// Reads data.
    Read,
    /// Creates or changes data.
    Write,
    /// Deletes data.
    Delete,
    /// Executes code or shell commands.
    ExecuteCode,
    /// Reaches arbitrary network destinations.
    NetworkEgress,
    /// Moves money.
    Payment,
    /// Sends messages to people (email, chat, SMS).
    Messaging,
    /// Changes permissions, users or configuration.
    Admin,
    /// Reads or writes the file system.
    Filesystem,
    /// Handles secrets or keys.
    Credentials,
    /// Fetches content from outside (web pages, documents).
    Browse,
}

/// Whether a tool's side effects can be undone.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum SideEffects {
    /// No side effects.
    None,
    /// Side effects that can be rolled back.
    Reversible,
    /// Side effects that cannot be undone (payments, sent email, deletion).
    Irreversible,
    /// Not declared.
    #[default]
    Unknown,
}

/// Signature status of a published component.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum SignatureStatus {
    /// Signature checked before use.
    Verified,
    /// Signed, but the signature is not checked.
    Unverified,
    /// Not signed.
    Unsigned,
    /// Not declared.
    #[default]
    Unknown,
}

/// Where a component comes from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    /// Who publishes it (`internal` for first-party).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    /// Where it is obtained (registry URL, package name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Pinned version; absent means floating.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Pinned content hash (e.g. `sha256:…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
    /// Signature status.
    #[serde(default)]
    pub signature: SignatureStatus,
}

/// A tool exposed by a server.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Tool {
    /// Id, unique within its server.
    pub id: String,
    /// What it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// What it can do.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub capabilities: Vec<Capability>,
    /// Whether its side effects can be undone.
    #[serde(default)]
    pub side_effects: SideEffects,
    /// Data classes it touches (e.g. `pii`, `financial`, `credentials`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data_classes: Vec<String>,
    /// Data stores it reads.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reads: Vec<String>,
    /// Data stores it writes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub writes: Vec<String>,
    /// External sources whose content it returns (e.g. a browse tool returns `web`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ingests: Vec<String>,
    /// External destinations it sends data to (e.g. an email tool sends to `email-out`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sends_to: Vec<String>,
}

/// An MCP server or other tool provider.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Server {
    /// Unique id.
    pub id: String,
    /// Human-readable name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Person or team accountable for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// How clients reach it.
    #[serde(default)]
    pub transport: Transport,
    /// Where it comes from.
    #[serde(default)]
    pub provenance: Provenance,
    /// How far its tool descriptions and outputs are trusted.
    #[serde(default)]
    pub trust: TrustLevel,
    /// Trust zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    /// The tools it exposes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<Tool>,
    /// Per-server deployment overrides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment: Option<Deployment>,
}

/// Kind of data store.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum StoreKind {
    /// Relational or document database.
    #[default]
    Database,
    /// Vector store (embeddings).
    Vector,
    /// Corpus used for retrieval-augmented generation.
    RagCorpus,
    /// Agent memory.
    Memory,
    /// Files or objects.
    ObjectStore,
    /// Secrets vault or key store.
    Secrets,
    /// Queue or log.
    Queue,
    /// Cache.
    Cache,
}

/// How sensitive stored data is.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Sensitivity {
    /// May be published.
    Public,
    /// For the organisation only.
    #[default]
    Internal,
    /// Harm if disclosed (customer data, PII).
    Confidential,
    /// Severe harm if disclosed (credentials, payment data, health records).
    Restricted,
}

/// A data store.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DataStore {
    /// Unique id.
    pub id: String,
    /// Human-readable name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Kind of store.
    #[serde(default)]
    pub kind: StoreKind,
    /// How sensitive its contents are.
    #[serde(default)]
    pub sensitivity: Sensitivity,
    /// Data classes it holds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data_classes: Vec<String>,
    /// Elements (agents, humans, external sources, tools as `server.tool`) that write into it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub writers: Vec<String>,
    /// Whether what is written is validated and carries provenance.
    #[serde(default)]
    pub validated_writes: bool,
    /// Whether it is versioned so a poisoned state can be rolled back.
    #[serde(default)]
    pub versioned: bool,
    /// Whether contents are encrypted at rest.
    #[serde(default)]
    pub encrypted_at_rest: bool,
    /// Trust zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
}

/// A person's role towards the system.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum HumanRole {
    /// Uses the system (customer, employee).
    #[default]
    User,
    /// Runs the system.
    Operator,
    /// Approves agent actions.
    Approver,
    /// Administers the system.
    Admin,
}

/// A person or group of people.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Human {
    /// Unique id.
    pub id: String,
    /// Human-readable name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Role.
    #[serde(default)]
    pub role: HumanRole,
    /// How many people hold this role (default 1).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub count: u32,
    /// Expected approval requests per day for this group, if an approver.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approvals_per_day: Option<u32>,
    /// Whether these people are inside the organisation.
    #[serde(default = "yes")]
    pub internal: bool,
    /// Trust zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
}

fn yes() -> bool {
    true
}

/// Kind of external source.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum ExternalKind {
    /// Web pages.
    #[default]
    Web,
    /// Email (inbound or outbound).
    Email,
    /// Uploaded or shared documents.
    Document,
    /// A third-party API.
    Api,
    /// Another organisation's agent.
    Agent,
    /// Chat or ticket messages from the public.
    Chat,
    /// A code repository or package registry.
    Repository,
}

/// Something outside the system that sends input in or receives data out.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExternalSource {
    /// Unique id.
    pub id: String,
    /// Human-readable name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Kind.
    #[serde(default)]
    pub kind: ExternalKind,
    /// Whether its content is trusted.
    #[serde(default)]
    pub trusted: bool,
    /// Trust zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
}

/// Protocol of a link.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Protocol {
    /// Model Context Protocol.
    #[default]
    Mcp,
    /// Agent2Agent protocol.
    A2a,
    /// Plain HTTP/REST.
    Http,
    /// gRPC.
    Grpc,
    /// Message queue or event bus.
    Queue,
    /// Email.
    Email,
    /// Database protocol.
    Database,
    /// In-process call.
    InProcess,
    /// User interface (chat window, web form).
    Ui,
}

/// How the receiving side authenticates the sender.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Authentication {
    /// No authentication.
    None,
    /// A static shared key.
    ApiKey,
    /// OAuth 2.x / OIDC bearer tokens.
    Oauth,
    /// Mutual TLS.
    Mtls,
    /// Signed, audience-bound workload tokens (e.g. Biscuit, SPIFFE JWT-SVID).
    WorkloadIdentity,
    /// Not declared.
    #[default]
    Unknown,
}

/// Transport encryption.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Encryption {
    /// Cleartext.
    None,
    /// TLS.
    Tls,
    /// Mutual TLS.
    Mtls,
    /// Does not leave the process or host.
    Local,
    /// Not declared.
    #[default]
    Unknown,
}

/// Communication from one element to another.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Link {
    /// Sender (any element id, or `server.tool`).
    pub from: String,
    /// Receiver.
    pub to: String,
    /// Protocol.
    #[serde(default)]
    pub protocol: Protocol,
    /// How the receiver authenticates the sender.
    #[serde(default)]
    pub authentication: Authentication,
    /// Transport encryption.
    #[serde(default)]
    pub encryption: Encryption,
    /// Whether each message is signed by its sender.
    #[serde(default)]
    pub signed: bool,
    /// Whether messages are validated against a schema on receipt.
    #[serde(default)]
    pub schema_validated: bool,
    /// The element (user or agent) on whose behalf the sender acts, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_behalf_of: Option<String>,
    /// Whether the delegated authority is narrowed to the task (attenuated) rather than inherited whole.
    #[serde(default)]
    pub scoped_delegation: bool,
    /// Data classes carried.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data_classes: Vec<String>,
    /// Whether data also flows back (request/response carrying data both ways).
    #[serde(default = "yes")]
    pub bidirectional: bool,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// How far audit records resist editing.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum AuditKind {
    /// No audit trail.
    #[default]
    None,
    /// Ordinary logs anyone with access can edit.
    Plain,
    /// Append-only storage (WORM) without cryptographic proof.
    AppendOnly,
    /// A verifiable, tamper-evident log (hash chain or Merkle tree with signed checkpoints).
    TamperEvident,
}

/// Logging, audit and monitoring facts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Observability {
    /// Whether agent actions are logged at all.
    #[serde(default)]
    pub logging: bool,
    /// Audit trail of agent actions and decisions.
    #[serde(default)]
    pub audit: AuditKind,
    /// Whether prompts/tool arguments in logs are redacted of secrets and PII.
    #[serde(default)]
    pub redaction: bool,
    /// Whether behaviour is monitored (dashboards, metrics).
    #[serde(default)]
    pub monitoring: bool,
    /// Whether someone is alerted on anomalies.
    #[serde(default)]
    pub alerting: bool,
    /// Whether behavioural anomaly detection runs.
    #[serde(default)]
    pub anomaly_detection: bool,
    /// Days logs are kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_days: Option<u32>,
}

/// How far a declared control is in place.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum ControlStatus {
    /// In place and working.
    #[default]
    Implemented,
    /// In place for part of the scope or part of the threat.
    Partial,
    /// Decided, not yet built.
    Planned,
}

/// A control from the catalogue, declared in place.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ControlRef {
    /// Catalogue control id (e.g. `WC-HITL`).
    pub id: String,
    /// How far it is in place.
    #[serde(default)]
    pub status: ControlStatus,
    /// Elements it covers; empty means the whole system.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scope: Vec<String>,
    /// Evidence or notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
}

/// A finding the owners chose to accept.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptedRisk {
    /// Finding id as printed by `warden threats` (or a rule id, to accept it everywhere).
    pub finding: String,
    /// Why the risk is acceptable.
    pub justification: String,
    /// Who accepted it.
    pub owner: String,
    /// Date (YYYY-MM-DD) after which the acceptance lapses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

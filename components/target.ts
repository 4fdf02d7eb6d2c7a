/**
 * What a target (Vault, AWS, GCP, ...) is to the rest of the program: one folder behind this
 * interface, one line in the registry (targets/index.ts). Features (check, render, explain, diff,
 * ci) and the Pulumi root component loop over the registry and never name a target.
 *
 * Everything here is pure except `component()`, which loads the target's Pulumi component module
 * on demand: the offline CLI never calls it, so it never loads `@pulumi/*`.
 */
import type { z } from "zod";
import type { Claims } from "../src/core/claims";
import type { Findings, PathSegment } from "../src/core/findings";
import type { ResolvedGrant } from "../src/core/model";
import type { Entry } from "../src/core/resources";
import type { TargetReview } from "../src/core/review";
import type { DeployerConfig, GitlabConfig } from "../src/core/schema";

/** A grant that uses this target, with its target field parsed. */
export interface TargetGrant<Fields> {
    readonly grant: ResolvedGrant;
    readonly fields: Fields;
    /** Path of the target field in the map, e.g. [projects, platform/api, grants, deploy, vault]. */
    readonly at: readonly PathSegment[];
    readonly identity?: undefined;
}

/**
 * One of the federation pipeline's own identities (gitlab-federation:deployer), handed to a target
 * with a deployer capability: no grant field, its permissions are the target's to derive.
 */
export interface TargetIdentity {
    readonly grant: ResolvedGrant;
    readonly identity: NonNullable<ResolvedGrant["deployer"]>;
    /** Path of the identity in the map: [deployer, planner|applier]. */
    readonly at: readonly PathSegment[];
    readonly fields?: undefined;
}

/** What a target plans: the grants that use it and, with a deployer capability, the deployer's identities, in ResolvedGrant.index order. */
export type PlannedGrant<Fields> = TargetGrant<Fields> | TargetIdentity;

export interface PlanContext<Section, Fields> {
    readonly gitlab: GitlabConfig;
    readonly section: Section;
    /** The grants that use this target (and the deployer's identities), sorted by project path and grant name. */
    readonly grants: readonly PlannedGrant<Fields>[];
    /** Every grant of the map, whatever its targets (for rules across projects). */
    readonly all: readonly ResolvedGrant[];
    readonly findings: Findings;
    /**
     * A sharded map (gitlab-federation:sharding): how many shards, and a grant's shard (undefined
     * for the foundation's: the deployer). Targets that hold per-shard shared resources (GCP's
     * providers) plan one per shard.
     */
    readonly sharding?: { readonly shards: number; readonly shardOf: (grant: ResolvedGrant) => number | undefined };
    /** The map's deployer section and this target's settings of it (`deployer.<key>`, defaults applied), when the map has one. */
    readonly deployer?: { readonly config: DeployerConfig; readonly settings: unknown };
    /**
     * The stack's provider settings (full keys such as `aws:region`), as the stack file or the
     * runtime config holds them. A target whose explicit providers default to one of them writes the
     * value into its plan, so the plan holds exactly what the program registers.
     */
    readonly providerConfig?: Readonly<Record<string, unknown>>;
}

export interface TargetPlanResult<Plan, Summary> {
    readonly plan: Plan;
    /** What each grant gets, by ResolvedGrant.index (absent where a problem stopped the grant). */
    readonly grants: ReadonlyMap<number, Summary>;
    /** The `aud` jobs request for this target (one audience per target). */
    readonly audience: string;
}

/** The conditions of a grant as the plan states them. */
export interface GrantConditions {
    readonly ref: readonly string[];
    readonly refType: "branch" | "tag";
    readonly protected: boolean;
    readonly environment?: string;
}

/** The target-independent part of a grant summary. */
export interface GrantIdentity {
    readonly project: string;
    readonly projectId: string;
    readonly grant: string;
    readonly conditions: GrantConditions;
    /** One of the federation pipeline's own identities (gitlab-federation:deployer). */
    readonly deployer?: "planner" | "applier";
}

/** A block of the human plan: a heading line and a table. */
export interface RenderedSection {
    readonly heading: string;
    readonly header: readonly string[];
    readonly rows: readonly (readonly string[])[];
}

export interface EvaluateOptions {
    /** Seconds since the epoch, for exp/nbf/iat. */
    readonly now: number;
    /** The token's protected header, when a real token was given (alg, kid). */
    readonly header?: Readonly<Record<string, unknown>>;
}

/** Whether a target's planned configuration admits a token for one grant, and why not. */
export interface Decision {
    readonly accepted: boolean;
    /** Every failing condition, in the target's own terms; empty when accepted. */
    readonly reasons: readonly string[];
    /**
     * Set when no failing condition is known but what the target does with this token is not
     * verified upstream: why, each starting "UNVERIFIED:". Never accepted.
     */
    readonly undetermined?: readonly string[];
    /** What the grant gives once admitted (paths, policies, roles), in the target's terms. */
    readonly gives: readonly string[];
}

/**
 * What a grant gets from a target, for comparing two plans: sets that widen access when they
 * grow (secret prefixes, policies, roles), limits that widen it when they rise (TTLs, sessions),
 * values whose change cannot be ranked (an inline policy document): a change counts as wider, and
 * names (a role, a service account), which are reported but widen nothing.
 */
export interface AccessFacets {
    readonly sets: Readonly<Record<string, readonly string[]>>;
    readonly limits: Readonly<Record<string, number>>;
    readonly values: Readonly<Record<string, string>>;
    readonly names: Readonly<Record<string, string>>;
}

/**
 * Something a grant reaches, for the access matrix: a secret folder (hierarchical: a grant on
 * a parent folder reaches every child, one on a child part of the parent), a role, an account.
 */
export interface Reach {
    readonly resource: string;
    readonly hierarchical: boolean;
    /** What the grant may do there. */
    readonly gives: readonly string[];
}

/**
 * How a CI template writes a value a GitLab CI/CD component may take as an input: returns the
 * literal value (plain YAML) or `$[[ inputs.<name> ]]` (a component, with `value` as its default).
 */
export type CiValue = (name: string, value: string, description: string) => string;

/** What a grant's CI template job needs for one target (gitlab-federation ci). */
export interface CiPiece {
    /** The ID token: its variable (e.g. VAULT_ID_TOKEN) and aud, exactly the target's audience. */
    readonly idToken: { readonly variable: string; readonly audience: string };
    /** Job variables (GitLab reads some itself, e.g. VAULT_SERVER_URL for secrets:). */
    readonly variables: Readonly<Record<string, string>>;
    /** before_script items: shell run before the job's own script. */
    readonly beforeScript: readonly string[];
    /** after_script items (cleanup). */
    readonly afterScript: readonly string[];
    /** Lines appended to the job as comments: examples of use. */
    readonly comments: readonly string[];
}

/** Why a target cannot write a grant's CI template (a value the contract does not have). */
export interface CiUnavailable {
    readonly unavailable: string;
}

/** Evaluates tokens against one plan; built once per plan so repeated evaluations are cheap. */
export type Evaluator<Summary> = (summary: Summary, grant: GrantIdentity, claims: Claims, options: EvaluateOptions) => Decision;

/** What the Pulumi side of a target registers; implemented in the target's component.ts. */
export interface TargetComponents<Plan, Summary> {
    /**
     * Registers the plan's resources under `parent` (a pulumi.Resource). Returns what the
     * resources add to the target's part of the contract.
     */
    register(plan: Plan, parent: unknown): {
        /**
         * Contract values the resources know better than the plan (Outputs): an ARN with the real
         * account, the auth method's accessor. Merged over the plan's contract.
         */
        readonly contract?: {
            readonly section?: Readonly<Record<string, unknown>>;
            grant?(summary: Summary): Readonly<Record<string, unknown>>;
        };
    };
}

/**
 * One resource type a target registers: one row of its resource table, read by the features that
 * reason about resources (lifecycle, diff, gate, shard, the program's URNs).
 */
export interface ResourceKind {
    /** Type token of the component (component.ts) that registers it, under the root component: with the entry's name, its URN. */
    readonly parent: string;
    /** The arguments whose change replaces the resource (ForceNew in the provider), or "all". */
    readonly replaceOn: readonly string[] | "all";
    /** The arguments that name the physical object (a Vault path, an IAM name). */
    readonly identity: readonly string[];
    /** Keys of its entries that are for readers of the plan, not resource arguments. */
    readonly informational?: readonly string[];
    /**
     * The changes the deployer's applier cannot make (its permissions leave them to an
     * administrator: the trust anchors it may not repoint): "all" (create, update, replace,
     * delete) or the arguments whose change needs one. The deployer's own identities are an
     * administrator's for every target, whatever this says.
     */
    readonly adminOnly?: readonly string[] | "all";
}

/** A target's resources: the table of its resource types, and its plan's entries. */
export interface TargetResources<Plan> {
    readonly kinds: Readonly<Record<string, ResourceKind>>;
    /** Every resource entry of the plan, in registration order. */
    entries(plan: Plan): readonly Entry[];
    /** The plan with only the entries `keep` accepts, everything else as it is (one stack's part of a sharded map). */
    select(plan: Plan, keep: (entry: Entry) => boolean): Plan;
}

/** The target's part of the project map: its section (`gitlab-federation:<key>`) and a grant's field. */
export interface TargetMap<SectionS extends z.ZodType, FieldsS extends z.ZodType> {
    readonly section: SectionS;
    readonly grant: FieldsS;
    /** The fields to name when the section is missing, e.g. "authPath, audience, kvMount". */
    readonly sectionHint: string;
    /** How the "grants nothing" message names the grant field, e.g. "vault (read)". */
    readonly grantHint: string;
}

/** Optional: how review features (diff, access, the plan table) read the target's plan. */
export interface ReviewCapability<Plan, Summary> {
    /** What a grant gets, for `diff` (see AccessFacets). */
    access(plan: Plan, summary: Summary): AccessFacets;
    /** What a grant reaches, for the `access` matrix (the deployer's identities: this stack's configuration). */
    reaches?(plan: Plan, summary: Summary, grant: GrantIdentity): readonly Reach[];
    /** The target's table in the human plan. */
    render?(plan: Plan, grants: readonly (GrantIdentity & { readonly summary: Summary })[]): RenderedSection;
    /** How `diff` reviews a change of each field of the section and the grant field (core/review.ts); every field needs a class. */
    readonly fields?: TargetReview;
}

/** How a string of a contract may reach generated CI: checked by `rule` first, or written only as a comment. */
export type ContractString = { readonly rule: (value: string) => string | undefined } | { readonly comment: true };

/** Optional: the target's part of the output contract (contract/), which app stacks and `gitlab-federation ci` read. */
export interface ContractCapability<Plan, Summary, ContractS extends z.ZodType, GrantContractS extends z.ZodType> {
    readonly section: ContractS;
    readonly grant: GrantContractS;
    sectionOf(plan: Plan): z.output<ContractS>;
    grantOf(plan: Plan, summary: Summary): z.output<GrantContractS>;
    /**
     * The map's rule for every string field of the two parts (`<field>` of the section, `grant.<field>`
     * of a grant's part; `[]` for each item of a list): a contract read back holds nothing a map
     * could not, before anything of it reaches generated CI. A test walks the schemas against it.
     */
    readonly strings: Readonly<Record<string, ContractString>>;
    /**
     * Deprecated stack outputs of the 0.1.0 format (`<key>` and `grants[p][g].<key>`): the fields of
     * the contract parts they still publish. Targets added since publish only the contract.
     */
    readonly legacy?: { readonly section: readonly string[]; readonly grant: readonly string[] };
}

/** Optional: a grant's part of a generated CI job (gitlab-federation ci, the pipeline's own jobs). */
export interface CiCapability<ContractS extends z.ZodType, GrantContractS extends z.ZodType> {
    /** A grant's CI template job part, from the contract alone (so it can come from a deployed stack's output). */
    job(section: z.output<ContractS>, grant: z.output<GrantContractS>, value: CiValue): CiPiece | CiUnavailable;
    /** Shell the pipeline's own jobs run after the template's setup, for the Pulumi provider (e.g. a login it cannot make itself), knowing the deployer identity the job runs as. */
    pipelineLogin?(section: z.output<ContractS>, grant: z.output<GrantContractS>, identity?: "planner" | "applier"): readonly string[];
}

/** Optional: the federation pipeline's own identities (gitlab-federation:deployer) in this target. */
export interface DeployerCapability {
    /** The target's settings of the deployer: `gitlab-federation:deployer.<key>`. */
    readonly settings?: z.ZodType;
    /** The self-managed Pulumi backend the settings name (the pipeline's PULUMI_BACKEND_URL), if any. */
    backendUrl?(settings: unknown): string | undefined;
    /** Settings that were fields of the deployer section before and are now the target's: former path → field here. */
    readonly moved?: Readonly<Record<string, string>>;
}

/**
 * Optional: what the target's configuration assumes of a GitLab project's settings, beyond the
 * grant's conditions, which `gitlab-federation verify` checks against GitLab's API.
 */
export interface GitlabCapability {
    /**
     * The components of the ID token's `sub` claim, in order, that the target's trust is written
     * for: a project's `ci_id_token_sub_claim_components` must equal them, or its jobs fail (closed).
     * Absent: the target does not read `sub`.
     */
    readonly subClaimComponents?: readonly string[];
}

/**
 * A target: what it needs (map, plan, resources, evaluator, component), and what it may offer
 * (review, contract, ci, deployer, gitlab, provider settings), the way vault-plugin-auth-jwt keeps its
 * provider interface small and adds capabilities as separate interfaces.
 */
export interface Target<
    K extends string,
    SectionS extends z.ZodType,
    FieldsS extends z.ZodType,
    PlanS extends z.ZodType,
    SummaryS extends z.ZodType,
    ContractS extends z.ZodType = z.ZodType,
    GrantContractS extends z.ZodType = z.ZodType,
> {
    /** The config key (`gitlab-federation:<key>`) and the grant field. */
    readonly key: K;
    /** As people write it: Vault, AWS, GCP. */
    readonly title: string;
    readonly map: TargetMap<SectionS, FieldsS>;
    /** The target's part of `plan --json`. */
    readonly planSchema: PlanS;
    /** The target's part of each grant summary in the plan. */
    readonly summarySchema: SummaryS;
    plan(context: PlanContext<z.output<SectionS>, z.output<FieldsS>>): TargetPlanResult<z.output<PlanS>, z.output<SummaryS>>;
    readonly resources: TargetResources<z.output<PlanS>>;
    /** Builds the evaluator of the target's planned configuration for tokens of this GitLab. */
    evaluator(plan: z.output<PlanS>, gitlab: { readonly url: string }): Evaluator<z.output<SummaryS>>;
    /** The Pulumi side; loaded only by the program (the offline CLI never calls it). */
    component(): TargetComponents<z.output<PlanS>, z.output<SummaryS>>;
    readonly review?: ReviewCapability<z.output<PlanS>, z.output<SummaryS>>;
    readonly contract?: ContractCapability<z.output<PlanS>, z.output<SummaryS>, ContractS, GrantContractS>;
    readonly ci?: CiCapability<ContractS, GrantContractS>;
    readonly deployer?: DeployerCapability;
    readonly gitlab?: GitlabCapability;
    /**
     * Problems with the stack's settings of this target's Pulumi provider: `config` holds the
     * stack config keys outside the gitlab-federation namespace, in full (`vault:address`), as
     * the stack file or the runtime holds them; `section` is the target's section as written. `deployer`: the map has a deployer section, so
     * the generated pipeline runs pulumi, configuring the providers through the environment; a
     * provider setting that overrides the environment breaks its jobs. Checked only when the
     * map has the target's section.
     */
    providerConfigProblems?(config: Readonly<Record<string, unknown>>, context: { readonly deployer: boolean; readonly section: unknown }): readonly { readonly key: string; readonly message: string }[];
}

/** Any registered target, for code that loops over the registry. */
export type AnyTarget = Target<string, z.ZodType, z.ZodType, z.ZodType, z.ZodType, z.ZodType, z.ZodType>;

/** Declares a target, keeping its precise types. */
export function defineTarget<
    K extends string,
    SectionS extends z.ZodType,
    FieldsS extends z.ZodType,
    PlanS extends z.ZodType,
    SummaryS extends z.ZodType,
    ContractS extends z.ZodType = z.ZodType,
    GrantContractS extends z.ZodType = z.ZodType,
>(target: Target<K, SectionS, FieldsS, PlanS, SummaryS, ContractS, GrantContractS>): Target<K, SectionS, FieldsS, PlanS, SummaryS, ContractS, GrantContractS> {
    return target;
}

/**
 * Fixtures for the Azure component's tests: grants resolved the way the core resolves them
 * (src/core/model.ts), with the azure field parsed by its schema, and a small section.
 */
import { Findings, problemLines } from "../../../src/core/findings";
import type { DeployerRole, ResolvedGrant } from "../../../src/core/model";
import { grantKey, legacyGrantKey } from "../../../src/core/names";
import { type DeployerConfig, deployerSchema } from "../../../src/core/schema";
import type { PlanContext, PlannedGrant, TargetIdentity } from "../../../components/target";
import type { AzureGrant } from "../../../components/azure/checks";
import { planAzure } from "../../../components/azure/plan";
import { type AzureConfig, type AzureGrantConfig, AzureGrantSchema, AzureSchema } from "../../../components/azure/schema";

export const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
export const SUBSCRIPTION = "0b1f6471-1bf0-4dda-aec3-cb9272f09590";
export const GITLAB = { url: "https://gitlab.example.com" };

type Raw = Record<string, unknown>;

/** The azure section, parsed (defaults applied). */
export function section(extra: Raw = {}): AzureConfig {
    return AzureSchema.parse({ tenantId: TENANT, subscriptionId: SUBSCRIPTION, resourceGroup: { name: "gitlab-ci-identities", location: "westeurope" }, ...extra });
}

export interface GrantOptions {
    readonly project?: string;
    readonly projectId?: string;
    readonly grant?: string;
    readonly refs?: readonly string[];
    readonly refType?: "branch" | "tag";
    readonly protected?: boolean;
    readonly environment?: string;
    readonly azure?: Raw;
    readonly index?: number;
}

/** A grant with azure, resolved. */
export function grant(o: GrantOptions = {}): AzureGrant {
    const project = o.project ?? "platform/api";
    const name = o.grant ?? "deploy";
    const refs = [...new Set(o.refs ?? ["main"])].sort();
    const path = ["projects", project, "grants", name];
    const resolved: ResolvedGrant = {
        index: o.index ?? 0,
        project,
        projectId: o.projectId ?? "42",
        grant: name,
        path,
        refs,
        refType: o.refType ?? "branch",
        protected: o.protected ?? true,
        ...(o.environment !== undefined ? { environment: o.environment } : {}),
        config: { ref: refs, refType: o.refType ?? "branch", protected: o.protected ?? true, azure: o.azure ?? {} },
        namesPath: project,
        namesGrant: name,
        key: grantKey(o.projectId ?? "42", name),
        formerKeys: [legacyGrantKey(project, name)],
    };
    return { grant: resolved, fields: AzureGrantSchema.parse(o.azure ?? {}), at: [...path, "azure"] };
}

export const DEPLOYER = deployerSchema([]).parse({ project: "platform/gitlab-federation", id: 7, planner: { ref: ["main"] }, applier: { environment: "production" } }) as DeployerConfig;

/** The deployer's planner or applier, resolved as core resolves them (model.ts deployerGrants). */
export function deployerGrant(role: DeployerRole, index: number, refs: readonly string[] = ["main"]): TargetIdentity {
    const base = grant({ project: DEPLOYER.project, projectId: "7", grant: role, refs, protected: role === "applier", index, ...(role === "applier" ? { environment: "production" } : {}) });
    const identity = { role, config: DEPLOYER };
    const { azure: _none, ...config } = base.grant.config as Record<string, unknown>;
    return { grant: { ...base.grant, config: config as ResolvedGrant["config"], path: ["deployer", role], deployer: identity }, identity, at: ["deployer", role] };
}

/** planAzure with fresh findings (the deployer section when the grants hold its identities); problems and warnings as printed lines. */
export function plan(grants: readonly PlannedGrant<AzureGrantConfig>[], options: { section?: AzureConfig; acknowledge?: string; gitlabUrl?: string } = {}) {
    const findings = new Findings();
    const withDeployer = grants.some((g) => g.identity !== undefined);
    const context: PlanContext<AzureConfig, AzureGrantConfig> = {
        gitlab: { url: options.gitlabUrl ?? GITLAB.url } as PlanContext<AzureConfig, AzureGrantConfig>["gitlab"],
        section: options.section ?? section(),
        grants,
        all: grants.map((g) => g.grant),
        findings,
        ...(withDeployer ? { deployer: { config: DEPLOYER, settings: options.acknowledge !== undefined ? { acknowledge: options.acknowledge } : undefined } } : {}),
    };
    const result = planAzure(context);
    return { ...result, problems: problemLines(findings.problems), warnings: problemLines(findings.warnings), loosenings: findings.loosenings };
}

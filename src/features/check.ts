/**
 * One validation and one plan: raw map → every problem, or the plan. Nothing is planned (and the
 * program registers nothing) unless the whole map is valid. Loops over the target registry and
 * never names a target.
 */
import { Findings, MapValidationError, Problem, Warning, formatPath, sortFindings } from "../core/findings";
import { ResolvedGrant, resolveGrants } from "../core/model";
import { ParsedMap, parseMap } from "../core/parse";
import type { DeployerConfig, ShardingConfig } from "../core/schema";
import { shardKey, shardOf } from "../core/shard";
import { keyProblem } from "../stack-file/config";
import { TARGETS } from "../targets";
import type { AnyTarget, PlanContext, TargetGrant, TargetPlanResult } from "../targets/target";
import { MAP_DEFINITION } from "./map-schema";
import type { GrantSummary, Plan } from "./plan-schema";

export interface CheckResult {
    /** Every problem, sorted by path; empty when the map is valid. */
    readonly problems: readonly Problem[];
    /** Every warning, sorted by path. */
    readonly warnings: readonly Warning[];
    /** The plan, when there are no problems. */
    readonly plan?: Plan;
}

export interface CheckOptions {
    /** Problems found while reading the stack config (secrets, misspelled namespaces, ambiguous YAML). */
    readonly readProblems?: readonly Problem[];
    /**
     * The stack config keys outside the map's namespace, in full (`vault:address`): the
     * providers' settings of the stack that runs (a shard stack's own, not the foundation's).
     */
    readonly providerConfig?: Readonly<Record<string, unknown>>;
}

/** The registry, for code that treats every target alike. */
export const ALL_TARGETS: readonly AnyTarget[] = TARGETS as unknown as readonly AnyTarget[];

/** The grants that use `target`, with their parsed field. */
function grantsOf(target: AnyTarget, grants: readonly ResolvedGrant[]): TargetGrant<unknown>[] {
    return grants.filter((g) => g.config[target.key] !== undefined).map((grant) => ({ grant, fields: grant.config[target.key], at: [...grant.path, target.key] }));
}

/** Checks that concern a grant as a whole: a target section it needs, an unprotected ref. */
function checkGrants(grants: readonly ResolvedGrant[], present: ReadonlySet<string>, findings: Findings): void {
    for (const grant of grants) {
        for (const target of ALL_TARGETS) {
            if (grant.config[target.key] !== undefined && !present.has(target.key)) {
                findings.problem(
                    [...grant.path, target.key],
                    `needs the gitlab-federation:${target.key} section, which the stack config does not have: add it (${target.sectionHint}) or remove ${target.key} from this grant`,
                );
            }
        }
        if (!grant.protected) {
            findings.warn(
                [...grant.path, "protected"],
                grant.deployer !== undefined
                    ? `false: merge-request pipelines of any matching branch (any developer's push) run pulumi preview as the planner: it reads this stack's configuration, never secret data, and writes nothing`
                    : `false: pipelines on any matching ref, protected or not (any developer's push), get this grant's access`,
            );
        }
    }
}

/** One audience per target: a token requested for one target must not be accepted by another. */
function checkAudiences(results: ReadonlyMap<string, TargetPlanResult<unknown, unknown>>, findings: Findings): void {
    const seen: [string, string][] = [];
    for (const [key, result] of results) {
        const earlier = seen.find(([, audience]) => audience === result.audience);
        if (earlier !== undefined) {
            findings.problem(
                [key, "audience"],
                `${JSON.stringify(result.audience)} is also ${formatPath([earlier[0], "audience"])}: a token a job requests for one target would be accepted by the other; give each target its own audience`,
            );
        }
        seen.push([key, result.audience]);
    }
}

function summaryOf(grant: ResolvedGrant, results: ReadonlyMap<string, TargetPlanResult<unknown, unknown>>, shard: number | undefined): GrantSummary {
    const summary: Record<string, unknown> = {
        project: grant.project,
        projectId: grant.projectId,
        grant: grant.grant,
        ...(grant.description !== undefined ? { description: grant.description } : {}),
        ...(grant.renamedFrom !== undefined || grant.grantRenamedFrom !== undefined
            ? { renamedFrom: { ...(grant.renamedFrom !== undefined ? { project: grant.renamedFrom } : {}), ...(grant.grantRenamedFrom !== undefined ? { grant: grant.grantRenamedFrom } : {}) } }
            : {}),
        conditions: {
            ref: grant.refs,
            refType: grant.refType,
            protected: grant.protected,
            ...(grant.environment !== undefined ? { environment: grant.environment } : {}),
        },
        ...(grant.deployer !== undefined ? { deployer: grant.deployer.role } : {}),
        ...(shard !== undefined ? { shard } : {}),
    };
    for (const [key, result] of results) {
        const part = result.grants.get(grant.index);
        if (part !== undefined) {
            summary[key] = part;
        }
    }
    return summary as GrantSummary;
}

/** A sharded map's assignment: grants by the shard of their project; the deployer's stay in the foundation. */
function shardingOf(config: ShardingConfig, parsed: ParsedMap, findings: Findings): NonNullable<PlanContext<unknown, unknown>["sharding"]> {
    const aws = parsed.sections.get("aws") as { accountId?: string } | undefined;
    if (aws !== undefined && aws.accountId === undefined) {
        findings.problem(["aws", "accountId"], `is required with gitlab-federation:sharding: the foundation publishes the shards' role ARNs, which name the account`);
    }
    const cache = new Map<string, number>();
    return {
        shards: config.shards,
        shardOf: (grant) => {
            if (grant.deployer !== undefined) {
                return undefined;
            }
            const key = shardKey(grant.project, grant.projectId, config.by);
            let found = cache.get(key);
            if (found === undefined) {
                found = shardOf(key, config.shards);
                cache.set(key, found);
            }
            return found;
        },
    };
}

/**
 * The problems with the providers' settings (Target.providerConfigProblems) of the targets the
 * map has, each at its config key. `map` is the raw map (a shard stack's: the foundation's).
 */
export function providerConfigProblems(providerConfig: Readonly<Record<string, unknown>>, map: Readonly<Record<string, unknown>>): Problem[] {
    const context = { deployer: map.deployer !== undefined };
    return ALL_TARGETS.filter((target) => map[target.key] !== undefined).flatMap((target) =>
        (target.providerConfigProblems?.(providerConfig, context) ?? []).map(({ key, message }) => keyProblem(key, message)),
    );
}

/**
 * Validates the map and, if it is valid, plans it. `raw` maps the config keys without the
 * `gitlab-federation:` namespace (gitlab, vault, aws, gcp, projects) to their values.
 */
export function checkMap(raw: Readonly<Record<string, unknown>>, options: CheckOptions = {}): CheckResult {
    const findings = new Findings();
    findings.problems.push(...(options.readProblems ?? []), ...providerConfigProblems(options.providerConfig ?? {}, raw));
    const parsed = parseMap(raw, MAP_DEFINITION, findings);
    const grants = resolveGrants(
        parsed,
        ALL_TARGETS.map((t) => ({ key: t.key, hint: t.grantHint })),
        findings,
    );
    checkGrants(grants, parsed.present, findings);

    const sharding = parsed.sharding === undefined ? undefined : shardingOf(parsed.sharding, parsed, findings);
    const results = new Map<string, TargetPlanResult<unknown, unknown>>();
    for (const target of ALL_TARGETS) {
        const section = parsed.sections.get(target.key);
        if (section !== undefined) {
            results.set(target.key, target.plan({ gitlab: parsed.gitlab, section, grants: grantsOf(target, grants), all: grants, findings, ...(sharding !== undefined ? { sharding } : {}) }));
        }
    }
    checkAudiences(results, findings);

    const problems = sortFindings(findings.problems);
    const warnings = sortFindings(findings.warnings);
    if (problems.length > 0) {
        return { problems, warnings };
    }
    const plan: Record<string, unknown> = { version: 1, gitlab: { url: parsed.gitlab.url } };
    for (const [key, result] of results) {
        plan[key] = result.plan;
    }
    if (parsed.sharding !== undefined) {
        plan.sharding = { shards: parsed.sharding.shards, by: parsed.sharding.by };
    }
    if (parsed.deployer !== undefined) {
        const d = parsed.deployer;
        const backendUrl = backendUrlOf(d);
        plan.deployer = { project: d.project, projectId: String(d.id), environment: d.applier.environment, manual: d.applier.manual, ...(backendUrl !== undefined ? { backendUrl } : {}) };
    }
    plan.grants = grants.map((g) => summaryOf(g, results, sharding?.shardOf(g)));
    plan.warnings = warnings.map(({ path, message }) => ({ path, message }));
    return { problems, warnings, plan: plan as Plan };
}

/**
 * The self-managed backend the deployer's state section names, as the Pulumi CLI takes it
 * (PULUMI_BACKEND_URL): s3://<bucket>[/<prefix>]?region=<region> (the S3 backend needs the region:
 * gocloud.dev s3blob reads it from the URL or the AWS SDK's environment), or gs://<bucket>.
 */
function backendUrlOf(d: DeployerConfig): string | undefined {
    const { s3, gcs } = d.state ?? {};
    if (s3 !== undefined) {
        return `s3://${s3.bucket}${s3.prefix !== undefined ? `/${s3.prefix}` : ""}?region=${s3.region}`;
    }
    return gcs !== undefined ? `gs://${gcs.bucket}` : undefined;
}

/** The plan of a valid map; throws MapValidationError listing every problem otherwise. */
export function planMap(raw: Readonly<Record<string, unknown>>): Plan {
    const result = checkMap(raw);
    if (result.plan === undefined) {
        throw new MapValidationError(result.problems);
    }
    return result.plan;
}

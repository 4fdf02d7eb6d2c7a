/**
 * One validation and one plan: raw map → every problem, or the plan. Nothing is planned (and the
 * program registers nothing) unless the whole map is valid. Loops over the target registry and
 * never names a target.
 */
import { targets } from "../../components";
import { Findings, Loosening, MapValidationError, PathSegment, Problem, Warning, compare, formatPath, sortFindings } from "../core/findings";
import { ResolvedGrant, resolveGrants } from "../core/model";
import { ParsedMap, parseMap } from "../core/parse";
import type { DeployerConfig, ShardingConfig } from "../core/schema";
import { shardKey, shardOf } from "../core/shard";
import { SECRET_MESSAGE, keyProblem } from "../stack-file/config";
import type { AnyTarget, PlanContext, PlannedGrant, TargetPlanResult } from "../../components/target";
import { mapDefinition } from "./map-schema";
import type { GrantSummary, Plan } from "./plan-schema";

export interface CheckResult {
    /** Every problem, sorted by path; empty when the map is valid. */
    readonly problems: readonly Problem[];
    /** Every warning, sorted by path. */
    readonly warnings: readonly Warning[];
    /** The plan, when there are no problems. */
    readonly plan?: Plan;
    /** The loosenings in effect (each also a warning), when there are no problems. */
    readonly loosenings?: readonly Loosening[];
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

/** The grants that use `target`, with their parsed field, and (a target with a deployer capability) the deployer's identities, in index order. */
function grantsOf(target: AnyTarget, grants: readonly ResolvedGrant[]): PlannedGrant<unknown>[] {
    return grants.flatMap((grant): PlannedGrant<unknown>[] => {
        if (grant.deployer !== undefined) {
            return target.deployer !== undefined ? [{ grant, identity: grant.deployer, at: grant.path }] : [];
        }
        return grant.config[target.key] !== undefined ? [{ grant, fields: grant.config[target.key], at: [...grant.path, target.key] }] : [];
    });
}

/**
 * The deployer's settings per target (`deployer.<key>`): only for a target the map has, and every
 * target the map has must be one the deployer can manage (a deployer capability): the pipeline's
 * pulumi up runs as the applier, with no other credentials.
 */
function checkDeployerTargets(parsed: ParsedMap, findings: Findings): void {
    const d = parsed.deployer;
    if (d === undefined) {
        return;
    }
    const backends: string[] = [];
    for (const target of targets()) {
        if (d[target.key] !== undefined && !parsed.present.has(target.key)) {
            if (target.deployer?.backendUrl?.(d[target.key]) !== undefined) {
                findings.problem(["deployer", target.key], `names a state backend and needs the gitlab-federation:${target.key} section: the deployer's ${target.title} identities are what reach that state. Add the section, or keep the state elsewhere`);
            } else {
                findings.warn(["deployer", target.key], `has no effect: the map has no gitlab-federation:${target.key} section; remove it`);
            }
        }
        const backend = d[target.key] !== undefined ? target.deployer?.backendUrl?.(d[target.key]) : undefined;
        if (backend !== undefined) {
            backends.push(`deployer.${target.key} (${backend})`);
            if (backends.length > 1) {
                findings.problem(["deployer", target.key], `names a second state backend: the pipeline's jobs have one PULUMI_BACKEND_URL, and ${backends.join(" and ")} both name one. Keep the state in one of them`);
            }
        }
        if (parsed.present.has(target.key) && target.deployer === undefined) {
            findings.problem(
                ["deployer"],
                `cannot manage ${target.title}: gitlab-federation has no deployer identities for it, and the pipeline's pulumi up runs as the applier only. Apply this stack as an administrator (remove the deployer section), or move the ${target.key} section to a stack without a deployer`,
            );
        }
    }
}

/** A target's deployer settings when the map gives none: its schema's defaults. */
function defaultSettings(target: AnyTarget): unknown {
    const parsed = target.deployer?.settings?.safeParse({});
    return parsed?.success === true ? parsed.data : {};
}

/** The self-managed Pulumi backend one of the targets' deployer settings names (the pipeline's PULUMI_BACKEND_URL). */
function backendUrlOf(d: DeployerConfig): string | undefined {
    for (const target of targets()) {
        const url = d[target.key] !== undefined ? target.deployer?.backendUrl?.(d[target.key]) : undefined;
        if (url !== undefined) {
            return url;
        }
    }
    return undefined;
}

/** Checks that concern a grant as a whole: a target section it needs, an unprotected ref. */
function checkGrants(grants: readonly ResolvedGrant[], present: ReadonlySet<string>, findings: Findings): void {
    for (const grant of grants) {
        for (const target of targets()) {
            if (grant.config[target.key] !== undefined && !present.has(target.key)) {
                findings.problem(
                    [...grant.path, target.key],
                    `needs the gitlab-federation:${target.key} section, which the stack config does not have: add it (${target.map.sectionHint}) or remove ${target.key} from this grant`,
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

/** Whether `segments` lie under `prefix` (a grant's path). */
function under(segments: readonly PathSegment[], prefix: readonly PathSegment[]): boolean {
    return segments.length > prefix.length && prefix.every((segment, i) => segments[i] === segment);
}

/** A grant's loosenings in effect, by field under the grant. */
function looseningsOf(grant: ResolvedGrant, loosenings: readonly Loosening[]): { loosenings?: { field: string; effect: string; reason: string }[] } {
    const own = loosenings
        .filter((l) => under(l.segments, grant.path))
        .map((l) => ({ field: l.segments.slice(grant.path.length).join("."), effect: l.effect, reason: l.reason }))
        .sort((a, b) => compare(a.field, b.field));
    return own.length > 0 ? { loosenings: own } : {};
}

function summaryOf(grant: ResolvedGrant, results: ReadonlyMap<string, TargetPlanResult<unknown, unknown>>, shard: number | undefined, loosenings: readonly Loosening[]): GrantSummary {
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
            ...(grant.environmentProtected === true ? { environmentProtected: true } : {}),
        },
        ...(grant.deployer !== undefined ? { deployer: grant.deployer.role } : {}),
        ...(shard !== undefined ? { shard } : {}),
        ...looseningsOf(grant, loosenings),
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
function shardingOf(config: ShardingConfig): NonNullable<PlanContext<unknown, unknown>["sharding"]> {
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
    const deployer = map.deployer !== undefined;
    return targets().filter((target) => map[target.key] !== undefined).flatMap((target) =>
        (target.providerConfigProblems?.(providerConfig, { deployer, section: map[target.key] }) ?? []).map(({ key, message }) => keyProblem(key, message)),
    );
}

/** Whether `segments` are `prefix` or lie under it. */
function within(segments: readonly PathSegment[], prefix: readonly PathSegment[]): boolean {
    return segments.length >= prefix.length && prefix.every((segment, i) => segments[i] === segment);
}

/** The part of the map a problem's consequences stay in: a grant (or a project), a deployer target's settings, a section. */
function unitOf(segments: readonly PathSegment[]): string {
    return JSON.stringify(segments.slice(0, segments[0] === "projects" ? 4 : segments[0] === "deployer" ? 2 : 1));
}

/** Whether `later` follows from `earlier`: in the same grant, section or the deployer settings planned with it, at the same value or naming its field. */
function follows(later: Problem, earlier: Problem): boolean {
    const field = earlier.segments[earlier.segments.length - 1];
    const unit = unitOf(later.segments);
    return (
        earlier.segments.length > 0 &&
        (unit === unitOf(earlier.segments) || unit === unitOf(["deployer", earlier.segments[0]!])) &&
        (later.path === earlier.path || (typeof field === "string" && new RegExp(`(?<![A-Za-z0-9])${field}(?![A-Za-z0-9])`).test(later.message)))
    );
}

/**
 * One mistake, one message. Problems come in three stages: the stack-file reader's (`read`), the
 * map's types' (`parsed`; a section's broken field is left out so the rest is still checked) and
 * the plan's (`planned`, which see the section without that field). So:
 * - a secret (secure:) keeps the reader's message: nothing at or below it is reported again (the
 *   types' "must be a string, got {secure: ...}" says less);
 * - a value two YAML readers see differently (`protected: yes`, an unquoted `012...`) keeps the
 *   types' or the plan's message at its path when there is one, which says what is allowed (and,
 *   where YAML's reading explains it, how YAML read it), so its fix is one the next run accepts;
 * - a plan's problem that follows from a reader's or the types' problem (`accountId: yes` is not
 *   also "required with the deployer", an unquoted `tokenMaxTtl: 0123` not also "tokenTtl is
 *   longer than tokenMaxTtl") is left out, except at a value only the reader questioned.
 */
function oneMessagePerMistake(read: readonly Problem[], parsed: readonly Problem[], planned: readonly Problem[]): Problem[] {
    const secrets = read.filter((p) => p.message === SECRET_MESSAGE);
    const outsideSecrets = (p: Problem) => !secrets.some((s) => within(p.segments, s.segments));
    const questioned = new Set(read.filter((p) => p.message !== SECRET_MESSAGE).map((p) => p.path));
    const typed = new Set(parsed.map((p) => p.path));
    const earlier = [...read, ...parsed];
    const own = planned.filter((p) => outsideSecrets(p) && !typed.has(p.path) && (questioned.has(p.path) || !earlier.some((e) => follows(p, e))));
    const answered = new Set([...parsed, ...own].map((p) => p.path));
    return [...read.filter((p) => p.message === SECRET_MESSAGE || !answered.has(p.path)), ...parsed.filter(outsideSecrets), ...own];
}

/**
 * Validates the map and, if it is valid, plans it. `raw` maps the config keys without the
 * `gitlab-federation:` namespace (gitlab, vault, aws, gcp, projects) to their values.
 */
export function checkMap(raw: Readonly<Record<string, unknown>>, options: CheckOptions = {}): CheckResult {
    const findings = new Findings();
    findings.problems.push(...providerConfigProblems(options.providerConfig ?? {}, raw));
    const read = options.readProblems ?? [];
    const parsed = parseMap(raw, mapDefinition(), findings, read.flatMap((p) => (p.meant !== undefined ? [p.meant] : [])));
    const parsedCount = findings.problems.length;
    const grants = resolveGrants(
        parsed,
        targets().map((t) => ({ key: t.key, hint: t.map.grantHint })),
        findings,
    );
    checkGrants(grants, parsed.present, findings);
    checkDeployerTargets(parsed, findings);

    const sharding = parsed.sharding === undefined ? undefined : shardingOf(parsed.sharding);
    const results = new Map<string, TargetPlanResult<unknown, unknown>>();
    for (const target of targets()) {
        const section = parsed.sections.get(target.key);
        if (section !== undefined) {
            const deployer = parsed.deployer !== undefined ? { deployer: { config: parsed.deployer, settings: parsed.deployer[target.key] ?? defaultSettings(target) } } : {};
            results.set(target.key, target.plan({ gitlab: parsed.gitlab, section, grants: grantsOf(target, grants), all: grants, findings, ...(sharding !== undefined ? { sharding } : {}), ...deployer, ...(options.providerConfig !== undefined ? { providerConfig: options.providerConfig } : {}) }));
        }
    }
    checkAudiences(results, findings);

    const problems = sortFindings(oneMessagePerMistake(read, findings.problems.slice(0, parsedCount), findings.problems.slice(parsedCount)));
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
    plan.grants = grants.map((g) => summaryOf(g, results, sharding?.shardOf(g), findings.loosenings));
    const outside = findings.loosenings.filter((l) => !grants.some((g) => under(l.segments, g.path)));
    if (outside.length > 0) {
        plan.loosenings = sortFindings(outside.map((l) => ({ path: formatPath(l.segments), message: "", effect: l.effect, reason: l.reason }))).map(({ path, effect, reason }) => ({ path, effect, reason }));
    }
    plan.warnings = warnings.map(({ path, message }) => ({ path, message }));
    return { problems, warnings, plan: plan as Plan, loosenings: findings.loosenings };
}

/** The plan of a valid map; throws MapValidationError listing every problem otherwise. */
export function planMap(raw: Readonly<Record<string, unknown>>): Plan {
    const result = checkMap(raw);
    if (result.plan === undefined) {
        throw new MapValidationError(result.problems);
    }
    return result.plan;
}

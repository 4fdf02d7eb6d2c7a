/**
 * Sharding (gitlab-federation:sharding): one map, planned whole, registered by several stacks.
 * The stack holding the map is the foundation: it registers the shared trust anchors (Vault audit
 * devices, KV mount and JWT auth method; the IAM OIDC provider; the GCP pool and its provider)
 * and the deployer's identities, and publishes the contract of every grant. Shard stack i
 * (`<stack>-shard-<i>`, config `gitlab-federation:shard: {of: <stack>, index: i}`) reads the
 * same map and registers the resources of the grants whose project falls in shard i
 * (core/shard.ts), plus, for GCP, its own provider in the foundation's pool.
 *
 * Who registers an entry is decided by what the entry is, for every target alike, never by how
 * it is named: a grant's resource carries its grant key (resource.grant, set by grantMeta) and
 * goes to that grant's stack, a shard's own resource carries its shard (resource.shard, set by
 * shardMeta), and everything else (trust anchors, audit devices) is the foundation's, even when
 * its name looks like a grant's (an audit device at `4100/deploy`) or a shard's (`shard-7/main`).
 * The split is a partition: every entry of the whole plan is registered by exactly one stack,
 * except the Pulumi providers of AWS accounts (aws.accounts), which are configuration: the plan
 * lists each once (the foundation's), and each shard whose grants use the account registers one
 * under the same name (components/aws/resources.ts select).
 */
import { targets } from "../../components";
import { Findings, Problem, compare } from "../core/findings";
import { ROOT_COMPONENT, grantKey } from "../core/names";
import type { Entry, ResourceMeta } from "../core/resources";
import { parseWith } from "../core/parse";
import { ShardKey, ShardKeySchema } from "../core/schema";
import { shardStackName } from "../core/shard";
export { shardResourceName } from "../core/shard";
import type { GrantSummary, Plan } from "./plan-schema";
import { planEntries, targetEntries } from "./resources";

/** The stack that registers an entry: a shard's index, or undefined for the foundation. */
export type Owner = number | undefined;

/**
 * Who registers each entry, from what it is (see above) and the grants' shards. Given only a
 * logical name, the entry of the plan with that name decides; names are unique per type only, so
 * where a shared resource and a grant's are named alike, the grant's decides: pass the entry's
 * `resource` to be exact.
 */
export function ownerOf(plan: Plan): (resource: ResourceMeta | string) => Owner {
    const grants = new Map<string, Owner>(plan.grants.map((g) => [grantKey(g.projectId, g.grant), g.shard]));
    const owner = (r: ResourceMeta): Owner => r.shard ?? (r.grant !== undefined ? grants.get(r.grant) : undefined);
    let byName: Map<string, Owner> | undefined;
    const named = (name: string): Owner => {
        if (byName === undefined) {
            byName = new Map();
            for (const { resource } of planEntries(plan)) {
                if (!byName.has(resource.name) || resource.grant !== undefined || resource.shard !== undefined) {
                    byName.set(resource.name, owner(resource));
                }
            }
        }
        return byName.get(name);
    };
    return (resource) => (typeof resource === "string" ? named(resource) : owner(resource));
}

/** The plan with each target's section reduced to the entries `keep` accepts (each target's resources.select). */
function selectEntries(plan: Plan, split: Record<string, unknown>, keep: (entry: Entry) => boolean): void {
    const sections = plan as unknown as Record<string, unknown>;
    for (const target of targets()) {
        if (sections[target.key] !== undefined) {
            split[target.key] = target.resources.select(sections[target.key], keep);
        }
    }
}

/**
 * What the foundation stack registers: the anchors and the deployer's resources. It keeps every
 * grant's summary, from which it publishes the whole contract (plan values: an AWS role's ARN
 * is known from aws.accountId, which sharding requires).
 */
export function foundationPlan(plan: Plan): Plan {
    if (plan.sharding === undefined) {
        return plan;
    }
    const owner = ownerOf(plan);
    const split: Record<string, unknown> = { ...plan };
    selectEntries(plan, split, (e) => owner(e.resource) === undefined);
    return split as unknown as Plan;
}

/**
 * What shard stack `key.index` registers: its grants' resources and its grants' summaries. No
 * anchors, no deployer.
 */
export function shardPlan(plan: Plan, key: ShardKey): Plan {
    const sharding = plan.sharding!;
    const owner = ownerOf(plan);
    const split: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(plan as unknown as Record<string, unknown>)) {
        if (field === "sharding" || field === "deployer") {
            continue;
        }
        split[field] = value;
    }
    selectEntries(plan, split, (e) => owner(e.resource) === key.index);
    split.grants = plan.grants.filter((g) => g.shard === key.index);
    split.shard = { of: key.of, index: key.index, shards: sharding.shards };
    return split as unknown as Plan;
}

/** Whether this stack's plan registers a grant's resources. */
export function registersGrant(plan: Plan, grant: GrantSummary): boolean {
    return grant.shard === plan.shard?.index;
}

export interface ShardSummary {
    /** The stack's name (the foundation's, or `<foundation>-shard-<i>`). */
    readonly name: string;
    readonly role: "foundation" | "shard";
    readonly index?: number;
    /** Paths of the projects whose grants the stack registers (the foundation: the deployer's project, if any), sorted. */
    readonly projects: readonly string[];
    readonly grants: number;
    readonly resources: number;
}

/** Per stack of a plan (a sharded one: the foundation and each shard): the projects, grants and resources it registers. */
export function shardSummaries(plan: Plan, foundation: string): ShardSummary[] {
    const shards = plan.sharding?.shards ?? 0;
    // Counted from each stack's part: a Pulumi provider of an AWS account is registered by every stack that uses the account.
    const parts = [foundationPlan(plan), ...Array.from({ length: shards }, (_, index) => shardPlan(plan, { of: foundation, index }))];
    const resources = parts.map((part) => planEntries(part).length);
    const projects = Array.from({ length: shards + 1 }, () => new Set<string>());
    const grants = new Array<number>(shards + 1).fill(0);
    for (const g of plan.grants) {
        projects[(g.shard ?? -1) + 1]!.add(g.project);
        grants[(g.shard ?? -1) + 1]!++;
    }
    return Array.from({ length: shards + 1 }, (_, i) => ({
        name: i === 0 ? foundation : shardStackName(foundation, i - 1),
        role: i === 0 ? ("foundation" as const) : ("shard" as const),
        ...(i > 0 ? { index: i - 1 } : {}),
        projects: [...projects[i]!].sort(compare),
        grants: grants[i]!,
        resources: resources[i]!,
    }));
}

export interface ShardMove {
    readonly project: string;
    readonly projectId: string;
    /** The stack that registered the project's grants before (the unsharded stack, a shard). */
    readonly from: string;
    readonly to: string;
    /** The logical names of the resources that move. */
    readonly resources: readonly { readonly section: string; readonly type: string; readonly name: string }[];
}

/** The stack that registers a grant, by the foundation's name. */
function stackOfGrant(g: GrantSummary, foundation: string): string {
    return g.shard === undefined ? foundation : shardStackName(foundation, g.shard);
}

/**
 * The projects whose grants change stacks between two plans of one map (sharding turned on, the
 * number of shards or `by` changed), with the resources to move. A resource that changes stacks
 * must be moved with `pulumi state move` before either stack is updated: otherwise the new stack
 * writes it (a Vault upsert, or "already exists") and the old one then deletes the only copy.
 */
export function shardMoves(base: Plan, head: Plan, foundation: string): ShardMove[] {
    const before = new Map(base.grants.map((g) => [grantKey(g.projectId, g.grant), stackOfGrant(g, foundation)]));
    type Moving = { project: string; projectId: string; from: string; to: string; resources: ShardMove["resources"][number][] };
    const moved = new Map<string, Moving>();
    const moveOfGrant = new Map<string, Moving>();
    for (const g of head.grants) {
        const key = grantKey(g.projectId, g.grant);
        const from = before.get(key);
        const to = stackOfGrant(g, foundation);
        if (from !== undefined && from !== to) {
            const id = `${g.projectId}\u0000${from}\u0000${to}`;
            const move = moved.get(id) ?? { project: g.project, projectId: g.projectId, from, to, resources: [] };
            moved.set(id, move);
            moveOfGrant.set(key, move);
        }
    }
    // One pass over the base's entries, in plan order (turning sharding on moves every project).
    for (const { target, entry } of targetEntries(base)) {
        const move = entry.resource.grant !== undefined ? moveOfGrant.get(entry.resource.grant) : undefined;
        move?.resources.push({ section: target.key, type: entry.resource.type, name: entry.resource.name });
    }
    return [...moved.values()]
        .sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to) || Number(a.projectId) - Number(b.projectId));
}

/**
 * The shard key of a shard stack's config (`gitlab-federation:shard`), with the problems of
 * reading it; undefined when the stack holds a map of its own.
 */
export function shardKeyOf(raw: Readonly<Record<string, unknown>>): { key?: ShardKey; problems: Problem[] } | undefined {
    if (raw.shard === undefined) {
        return undefined;
    }
    const findings = new Findings();
    const key = parseWith(ShardKeySchema, raw.shard, ["shard"], findings);
    for (const other of Object.keys(raw).filter((k) => k !== "shard")) {
        findings.problem(
            [other],
            `a shard stack holds no map of its own: it registers its part of the map in ${key !== undefined ? `Pulumi.${key.of}.yaml` : "the stack gitlab-federation:shard.of names"}. Remove it (edit the map there)`,
        );
    }
    return { ...(key !== undefined ? { key } : {}), problems: findings.problems };
}

/** A shard stack's foundation must hold the map: refused when it is itself a shard stack (CLI and program alike). */
export function foundationProblems(foundationRaw: Readonly<Record<string, unknown>>, key: ShardKey): Problem[] {
    if (foundationRaw.shard === undefined) {
        return [];
    }
    const findings = new Findings();
    findings.problem(["shard", "of"], `names ${JSON.stringify(key.of)}, which is itself a shard stack: name the stack that holds the map`);
    return findings.problems;
}

/**
 * The problems of a shard key that its stack's name contradicts: shard stack i of `of` is named
 * `<of>-shard-<i>` (shardStackName), so two stacks can never hold one index, which would have
 * both register the same resources.
 */
export function shardNameProblems(stack: string, key: ShardKey): Problem[] {
    const expected = shardStackName(key.of, key.index);
    if (stack === expected) {
        return [];
    }
    const findings = new Findings();
    const named = /^(.+)-shard-(0|[1-9]\d*)$/.exec(stack);
    if (named === null) {
        findings.problem(["shard"], `makes this stack, ${JSON.stringify(stack)}, a shard, but a shard stack is named <of>-shard-<index> (here ${JSON.stringify(expected)}): create the shard stacks gitlab-federation shard --write writes, or remove gitlab-federation:shard`);
        return findings.problems;
    }
    if (named[1] !== key.of) {
        findings.problem(["shard", "of"], `names ${JSON.stringify(key.of)}, but this stack, ${JSON.stringify(stack)}, is a shard of ${JSON.stringify(named[1])} by its name: set of: ${named[1]}`);
    }
    if (Number(named[2]) !== key.index) {
        findings.problem(["shard", "index"], `is ${key.index}, but this stack, ${JSON.stringify(stack)}, is shard ${named[2]} by its name (stack ${JSON.stringify(expected)} is shard ${key.index}; two stacks with one index register the same resources): set index: ${named[2]}`);
    }
    return findings.problems;
}

/**
 * What one stack registers, from the check of the whole map: an unsharded map's plan as is; a
 * sharded map's foundation part (no key) or shard part (a shard stack's key). A key that does not
 * fit the map is a problem.
 */
export function stackPart(plan: Plan, key: ShardKey | undefined): { plan?: Plan; problems: Problem[] } {
    if (key === undefined) {
        return { plan: foundationPlan(plan), problems: [] };
    }
    const findings = new Findings();
    if (plan.sharding === undefined) {
        findings.problem(["shard", "of"], `names ${JSON.stringify(key.of)}, whose map has no gitlab-federation:sharding: set sharding there, or remove this shard stack`);
    } else if (key.index >= plan.sharding.shards) {
        findings.problem(
            ["shard", "index"],
            `is ${key.index}, but ${key.of}'s map has ${plan.sharding.shards} shard${plan.sharding.shards === 1 ? "" : "s"} (0 to ${plan.sharding.shards - 1}): move this stack's resources to the shards that now hold them (gitlab-federation shard --base), then remove the stack`,
        );
    }
    return findings.problems.length > 0 ? { problems: findings.problems } : { plan: shardPlan(plan, key), problems: [] };
}

/** The URN a plan entry has in `stack` (its component under the root component). */
export function urnOf(stack: string, project: string, section: string, entry: { readonly resource: { readonly name: string; readonly type: string } }): string {
    const target = targets().find((t) => t.key === section);
    const parent = target?.resources.kinds[entry.resource.type]?.parent;
    if (parent === undefined) {
        throw new Error(`internal error: no component registers ${entry.resource.type}`);
    }
    return `urn:pulumi:${stack}::${project}::${ROOT_COMPONENT}$${parent}$${entry.resource.type}::${entry.resource.name}`;
}

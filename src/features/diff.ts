/**
 * "What does this merge request change about who can access what?" Access is compared per grant
 * and target (keyed on project id and grant name, so a renamed project or grant is the same
 * grant): gained, lost, widened (more refs, unprotected, no environment, more prefixes, policies
 * or roles, longer TTLs, a changed policy document, a new loosening, a new project path where
 * the target binds the path) or narrowed. Then the map's fields whose change a grant's access
 * does not show (features/review.ts: trust, section-wide access, hazards), the resources
 * `pulumi up` would change (features/lifecycle.ts), hazards first, and the warnings.
 */
import { looseningsFor } from "./loosenings";
import { targets } from "../../components";
import { compare } from "../core/findings";
import type { Enforcement } from "../core/resources";
import type { AccessFacets, AnyTarget } from "../../components/target";
import { ResourceChange, resourceChanges, same } from "./lifecycle";
import type { GrantSummary, Plan } from "./plan-schema";
import { FieldChange, fieldChanges } from "./review";

export type AccessChangeKind = "gained" | "lost" | "widened" | "narrowed";

export interface AccessChange {
    readonly project: string;
    readonly projectId: string;
    readonly grant: string;
    readonly target: string;
    readonly change: AccessChangeKind;
    /** What widened or narrowed, one line each, wider first. */
    readonly details: readonly string[];
}

export interface DiffResult {
    readonly verdict: "unchanged" | "narrowed" | "widened";
    readonly access: readonly AccessChange[];
    /** Map fields whose change widens or narrows trust or access, or is a hazard (empty unless the maps are given). */
    readonly fields: readonly FieldChange[];
    readonly resources: readonly ResourceChange[];
    readonly warnings: { readonly added: readonly { path: string; message: string }[]; readonly removed: readonly { path: string; message: string }[] };
}

interface Side {
    readonly grant: GrantSummary;
    readonly facets: AccessFacets;
    /** The grant's loosenings for this target (allow..., acknowledge...), from its summary. */
    readonly loosenings: readonly string[];
    /** The target trusts the project's path, not its id (its enforcement record lists projectPath: AWS). */
    readonly bindsPath: boolean;
}

function sidesOf(plan: Plan, target: AnyTarget): Map<string, Side> {
    const section = (plan as unknown as Record<string, unknown>)[target.key];
    const sides = new Map<string, Side>();
    if (section === undefined) {
        return sides;
    }
    // A target that offers no review of its access: any change of a grant's part is a change
    // that cannot be ranked, so it counts as wider (a review is never told "unchanged" blindly).
    const access = target.review?.access ?? ((_section: unknown, summary: unknown): AccessFacets => ({ sets: {}, limits: {}, values: { [`${target.title} grant`]: JSON.stringify(summary) }, names: {} }));
    for (const grant of plan.grants) {
        const summary = (grant as Record<string, unknown>)[target.key];
        if (summary !== undefined) {
            const bindsPath = (summary as { enforcement?: Enforcement }).enforcement?.enforced.includes("projectPath") === true;
            sides.set(`${grant.projectId}/${grant.grant}`, { grant, facets: access(section, summary), loosenings: looseningsFor(grant, target.key), bindsPath });
        }
    }
    return sides;
}

/** The key of a head grant's base counterpart: itself, or the grant it was renamed from. */
function formerKey(head: GrantSummary, renamedFrom: string | undefined): string {
    return `${head.projectId}/${renamedFrom ?? head.grant}`;
}

interface Delta {
    readonly wider: string[];
    readonly narrower: string[];
    readonly neutral: string[];
}

function compareConditions(base: GrantSummary, head: GrantSummary, delta: Delta): void {
    const [b, h] = [base.conditions, head.conditions];
    if (same(b, h)) {
        return;
    }
    const added = h.ref.filter((r) => !b.ref.includes(r));
    const removed = b.ref.filter((r) => !h.ref.includes(r));
    if (added.length > 0) delta.wider.push(`admits ${h.refType} ${added.join(", ")}`);
    if (removed.length > 0) delta.narrower.push(`no longer admits ${b.refType} ${removed.join(", ")}`);
    const plural = (refType: string) => (refType === "tag" ? "tags" : "branches");
    if (b.refType !== h.refType) delta.wider.push(`admits ${plural(h.refType)} instead of ${plural(b.refType)}`);
    if (b.protected && !h.protected) delta.wider.push("no longer requires a protected ref (any push to a matching ref)");
    if (!b.protected && h.protected) delta.narrower.push("now requires a protected ref");
    if (b.environment !== undefined && h.environment === undefined) delta.wider.push(`no longer requires environment ${b.environment}`);
    if (b.environment === undefined && h.environment !== undefined) delta.narrower.push(`now requires environment ${h.environment}`);
    // A changed environment (also an exact one becoming a pattern that matches it) is not ranked narrower: reviewers see it as wider.
    if (b.environment !== undefined && h.environment !== undefined && b.environment !== h.environment) delta.wider.push(`requires environment ${h.environment} instead of ${b.environment}`);
    if (b.environmentProtected === true && h.environmentProtected !== true && h.environment !== undefined) delta.wider.push("no longer requires a protected environment");
    if (b.environmentProtected !== true && h.environmentProtected === true) delta.narrower.push("now requires a protected environment");
}

function compareFacets(base: AccessFacets, head: AccessFacets, delta: Delta): void {
    if (same(base, head)) {
        return;
    }
    for (const name of new Set([...Object.keys(base.sets), ...Object.keys(head.sets)])) {
        const [b, h] = [base.sets[name] ?? [], head.sets[name] ?? []];
        const added = h.filter((x) => !b.includes(x));
        const removed = b.filter((x) => !h.includes(x));
        if (added.length > 0) delta.wider.push(`${name} added: ${added.join(", ")}`);
        if (removed.length > 0) delta.narrower.push(`${name} removed: ${removed.join(", ")}`);
    }
    for (const name of new Set([...Object.keys(base.limits), ...Object.keys(head.limits)])) {
        const [b, h] = [base.limits[name] ?? 0, head.limits[name] ?? 0];
        if (h > b) delta.wider.push(`${name} ${b} -> ${h}`);
        if (h < b) delta.narrower.push(`${name} ${b} -> ${h}`);
    }
    for (const name of new Set([...Object.keys(base.values), ...Object.keys(head.values)])) {
        if (base.values[name] !== head.values[name]) delta.wider.push(`${name} changed (review it: a change cannot be ranked)`);
    }
    for (const name of new Set([...Object.keys(base.names), ...Object.keys(head.names)])) {
        if (base.names[name] !== head.names[name]) delta.neutral.push(`${name} ${base.names[name] ?? "none"} -> ${head.names[name] ?? "none"}`);
    }
}

function describeGrant(side: Side): string[] {
    const c = side.grant.conditions;
    const conditions = `${c.refType} ${c.ref.join(", ")}${c.protected ? ", protected" : ", unprotected"}${c.environment !== undefined ? `, ${c.environmentProtected === true ? "protected " : ""}environment ${c.environment}` : ""}`;
    const gives = Object.entries(side.facets.sets).filter(([, v]) => v.length > 0).map(([k, v]) => `${k}: ${v.join(", ")}`);
    return [conditions, ...gives, ...side.loosenings.map((l) => `loosening ${l}`)];
}

/** What changes between a grant's base and head side for one target. */
function compareSides(old: Side, side: Side, title: string): Delta {
    const delta: Delta = { wider: [], narrower: [], neutral: [] };
    compareConditions(old.grant, side.grant, delta);
    compareFacets(old.facets, side.facets, delta);
    const newLoosenings = side.loosenings.filter((l) => !old.loosenings.includes(l));
    delta.wider.push(...newLoosenings.map((l) => `new loosening ${l}`));
    if (old.grant.project !== side.grant.project && side.bindsPath) {
        // A path is no identity: another project may hold it. The map says project <id> is there now; a reviewer checks it.
        delta.wider.push(`trusts project path ${side.grant.project} instead of ${old.grant.project} (${title} binds the path, not the id: check in GitLab that project ${side.grant.projectId} is at ${side.grant.project})`);
    }
    if (old.grant.project !== side.grant.project || old.grant.grant !== side.grant.grant) {
        delta.neutral.push(`renamed from ${old.grant.project} ${old.grant.grant}`);
    }
    return delta;
}

/** Access changes of one target. */
function accessChanges(base: Plan, head: Plan, target: AnyTarget): AccessChange[] {
    const [before, after] = [sidesOf(base, target), sidesOf(head, target)];
    const changes: AccessChange[] = [];
    const matched = new Set<string>();
    const entry = (side: Side, change: AccessChangeKind, details: string[]): AccessChange => ({
        project: side.grant.project,
        projectId: side.grant.projectId,
        grant: side.grant.grant,
        target: target.key,
        change,
        details,
    });
    const renamedFrom = renamesOf(head);
    for (const [key, side] of after) {
        const former = [key, formerKey(side.grant, renamedFrom.get(key))].find((k) => before.has(k) && !matched.has(k));
        if (former === undefined) {
            changes.push(entry(side, "gained", describeGrant(side)));
            continue;
        }
        matched.add(former);
        const delta = compareSides(before.get(former)!, side, target.title);
        if (delta.wider.length > 0) {
            changes.push(entry(side, "widened", [...delta.wider, ...delta.narrower.map((n) => `(narrowed) ${n}`), ...delta.neutral]));
        } else if (delta.narrower.length > 0) {
            changes.push(entry(side, "narrowed", [...delta.narrower, ...delta.neutral]));
        }
    }
    for (const [key, side] of before) {
        if (!matched.has(key)) {
            changes.push(entry(side, "lost", describeGrant(side)));
        }
    }
    return changes;
}

/** Head grants renamed from another grant name (`renamedFrom` on the grant), by head key. */
function renamesOf(head: Plan): Map<string, string> {
    const renames = new Map<string, string>();
    for (const g of head.grants) {
        if (g.renamedFrom?.grant !== undefined) {
            renames.set(`${g.projectId}/${g.grant}`, g.renamedFrom.grant);
        }
    }
    return renames;
}

const ORDER: Record<AccessChangeKind, number> = { gained: 0, widened: 1, narrowed: 2, lost: 3 };

/**
 * Everything that changes from base to head. `maps`: the raw maps the plans come from (config
 * keys without namespace; base undefined for a new stack), for the field changes the plans do
 * not show as access (trust, section-wide access, hazards); without them `fields` is empty.
 */
export function diffPlans(base: Plan, head: Plan, maps?: { readonly base?: Readonly<Record<string, unknown>>; readonly head: Readonly<Record<string, unknown>> }): DiffResult {
    const access = targets().flatMap((t) => accessChanges(base, head, t)).sort(
        (a, b) => ORDER[a.change] - ORDER[b.change] || compare(a.project, b.project) || compare(a.grant, b.grant) || compare(a.target, b.target),
    );
    const resources = resourceChanges(base, head).sort((a, b) => Number(b.hazard !== undefined) - Number(a.hazard !== undefined));
    const key = (w: { path: string; message: string }) => `${w.path}\u0000${w.message}`;
    const [was, is] = [new Set(base.warnings.map(key)), new Set(head.warnings.map(key))];
    const warnings = { added: head.warnings.filter((w) => !was.has(key(w))), removed: base.warnings.filter((w) => !is.has(key(w))) };
    const fields = maps === undefined ? [] : fieldChanges(maps.base, maps.head);
    // A field that widens trust or access, or is a hazard, widens the verdict (exit 5); a narrowing narrows it.
    const wider = access.some((a) => a.change === "gained" || a.change === "widened") || fields.some((f) => f.change !== "narrowed");
    const verdict = wider ? "widened" : access.length + fields.length > 0 ? "narrowed" : "unchanged";
    return { verdict, access, fields, resources, warnings };
}

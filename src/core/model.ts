/**
 * Grants resolved from the parsed map: one record per project/grant with normalised conditions
 * (project id as the string GitLab puts in the token, refs sorted and unique), in a stable order.
 */
import { Findings, PathSegment, compare } from "./findings";
import type { GrantConfig, ParsedMap } from "./parse";
import type { Condition, Enforcement } from "./resources";

export interface ResolvedGrant {
    /** Position in the resolved (sorted) grant list; target planners return results by it. */
    readonly index: number;
    readonly project: string;
    /** The project_id claim: a string of digits. */
    readonly projectId: string;
    readonly grant: string;
    /** Path of the grant in the map, for problems. */
    readonly path: readonly PathSegment[];
    readonly description?: string;
    /** Sorted, unique. */
    readonly refs: readonly string[];
    readonly refType: "branch" | "tag";
    readonly protected: boolean;
    readonly environment?: string;
    readonly config: GrantConfig;
}

/** The distinct values of a list, sorted (the list itself when it has one element). */
export function uniqueSorted(values: readonly string[]): readonly string[] {
    return values.length < 2 ? values : [...new Set(values)].sort(compare);
}

/**
 * Resolves grants and checks what concerns projects and grants as a whole. `targets` are the
 * grant fields that give access, with how the "grants nothing" message names each.
 */
export function resolveGrants(parsed: ParsedMap, targets: readonly { readonly key: string; readonly hint: string }[], findings: Findings): ResolvedGrant[] {
    const grants: ResolvedGrant[] = [];
    const projectById = new Map<string, string>();
    for (const { path: project, id, grants: configs } of parsed.projects) {
        // An invalid id was reported; its grants are still checked, but no plan is made.
        const projectId = id ?? "";
        const other = id === undefined ? undefined : projectById.get(id);
        if (other !== undefined) {
            findings.problem(
                ["projects", project, "id"],
                `project id ${projectId} is also the id of ${JSON.stringify(other)}: one GitLab project has one id; check both ids in GitLab (Settings > General) and keep each project under one key`,
            );
        } else if (id !== undefined) {
            projectById.set(id, project);
        }
        const names = [...configs.keys()].sort(compare);
        for (const grant of names) {
            const g = configs.get(grant)!;
            const path = ["projects", project, "grants", grant];
            const refList: readonly string[] = typeof g.ref === "string" ? [g.ref] : g.ref;
            const refs = uniqueSorted(refList);
            if (refs.length !== refList.length) {
                const duplicate = refList.find((r, i) => refList.indexOf(r) !== i);
                findings.problem([...path, "ref"], `lists ${JSON.stringify(duplicate)} more than once; list each ref once`);
            }
            if (targets.every((target) => g[target.key] === undefined)) {
                const hints = targets.map((t) => t.hint);
                findings.problem(path, `grants nothing: add ${hints.slice(0, -1).join(", ")} or ${hints[hints.length - 1]} to say what this grant gives, or remove it`);
            }
            grants.push({
                index: grants.length,
                project,
                projectId,
                grant,
                path,
                ...(g.description !== undefined ? { description: g.description } : {}),
                refs,
                refType: g.refType,
                protected: g.protected,
                ...(g.environment !== undefined ? { environment: g.environment } : {}),
                config: g,
            });
        }
    }
    return grants;
}

/** Human-readable conditions of a grant, e.g. `branch main, protected, environment production`. */
export function describeConditions(g: Pick<ResolvedGrant, "refs" | "refType" | "protected" | "environment">): string {
    const parts = [`${g.refType} ${g.refs.join(" | ")}`, g.protected ? "protected" : "unprotected"];
    if (g.environment !== undefined) {
        parts.push(`environment ${g.environment}`);
    }
    return parts.join(", ");
}

/**
 * A target's enforcement record for a grant's shape (protected? environment?). There are only
 * four shapes, so records are built once per target, frozen and shared by the grants.
 */
export function enforcementFor(
    cache: Map<string, Enforcement>,
    g: Pick<ResolvedGrant, "protected" | "environment">,
    build: (isProtected: boolean, hasEnvironment: boolean) => Enforcement,
): Enforcement {
    const key = `${g.protected}|${g.environment !== undefined}`;
    let found = cache.get(key);
    if (found === undefined) {
        const built = build(g.protected, g.environment !== undefined);
        found = Object.freeze({ enforced: Object.freeze([...built.enforced]), notEnforced: Object.freeze([...built.notEnforced]) });
        cache.set(key, found);
    }
    return found;
}

const FULL_ENFORCEMENT = new Map<string, Enforcement>();

/** Targets that check every condition a grant states, by project id (Vault, GCP). */
export function fullEnforcement(g: Pick<ResolvedGrant, "protected" | "environment">): Enforcement {
    return enforcementFor(FULL_ENFORCEMENT, g, (isProtected, hasEnvironment) => {
        const enforced: Condition[] = ["audience", "projectId", "ref", "refType"];
        if (isProtected) {
            enforced.push("protected");
        }
        if (hasEnvironment) {
            enforced.push("environment");
        }
        return { enforced, notEnforced: [] };
    });
}

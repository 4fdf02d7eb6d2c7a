/**
 * Grants resolved from the parsed map: one record per project/grant with normalised conditions
 * (project id as the string GitLab puts in the token, refs sorted and unique), in a stable order.
 */
import { Findings, PathSegment, compare, formatPath } from "./findings";
import { grantKey, legacyGrantKey } from "./names";
import type { GrantConfig, ParsedMap, ParsedProject } from "./parse";
import type { Condition, Enforcement } from "./resources";
import type { DeployerConfig } from "./schema";

/** The federation pipeline's two identities (see schema.ts DeployerSchema). */
export type DeployerRole = "planner" | "applier";
const DEPLOYER_ROLES: readonly DeployerRole[] = ["applier", "planner"];

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
    /** An exact environment name, or a pattern where "*" matches any run of characters ("/" included). */
    readonly environment?: string;
    /** Requires environment_protected "true"; only with an environment, absent when not required. */
    readonly environmentProtected?: true;
    readonly config: GrantConfig;
    /** The project path physical names derive from: `renamedFrom`, or the key. */
    readonly namesPath: string;
    /** The grant name physical names derive from: `renamedFrom`, or the name. */
    readonly namesGrant: string;
    /** The project's former path, when it was renamed (`renamedFrom`). */
    readonly renamedFrom?: string;
    /** The grant's former name, when it was renamed. */
    readonly grantRenamedFrom?: string;
    /** Logical name of the grant's resources: `<project id>/<grant>`, which survives renames. */
    readonly key: string;
    /** Logical names the grant's resources had before: today's `<path>/<grant>`, and the names before a rename. */
    readonly formerKeys: readonly string[];
    /**
     * For the federation pipeline's own identities (the deployer section): which one, and the
     * section. Targets give these grants what their deployer.ts derives, not a grant field.
     */
    readonly deployer?: { readonly role: DeployerRole; readonly config: DeployerConfig };
}

const DEPLOYER_DESCRIPTION: Record<DeployerRole, string> = {
    planner: "The federation's merge-request pipelines: pulumi preview, read-only",
    applier: "The federation's pulumi up on the protected branch, in the stack's environment",
};

/** The deployer section's identities as grants of the federation project, with its conflicts checked. */
function deployerGrants(parsed: ParsedMap, projectById: ReadonlyMap<string, string>, findings: Findings): Omit<ResolvedGrant, "index">[] {
    const d = parsed.deployer;
    if (d === undefined) {
        return [];
    }
    const projectId = String(d.id);
    const listed = parsed.projects.find((p) => p.path === d.project);
    const owner = projectById.get(projectId);
    if (listed?.id !== undefined && listed.id !== projectId) {
        findings.problem(["deployer", "id"], `${projectId} differs from the id of ${JSON.stringify(d.project)} under projects (${listed.id}): one GitLab project has one id`);
    } else if (owner !== undefined && owner !== d.project) {
        findings.problem(["deployer", "id"], `${projectId} is the id of ${JSON.stringify(owner)} under projects: the deployer's project is ${JSON.stringify(d.project)}; check both in GitLab (Settings > General)`);
    }
    return DEPLOYER_ROLES.flatMap((role) => {
        if (listed?.grants.has(role) === true) {
            findings.problem(
                ["projects", d.project, "grants", role],
                `is also the name of the deployer's ${role} identity (gitlab-federation:deployer names ${d.project} as the federation project, whose grants planner and applier it plans): rename this grant`,
            );
            return [];
        }
        const fields = role === "applier" ? d.applier : d.planner;
        const refList: readonly string[] = typeof fields.ref === "string" ? [fields.ref] : fields.ref;
        // The identity's conditions only: what it may do in each target is its deployer capability's, not a grant field.
        const config: GrantConfig = { ref: fields.ref, refType: "branch", protected: role === "applier" || d.planner.protected };
        return [
            {
                project: d.project,
                projectId,
                grant: role,
                path: ["deployer", role],
                description: DEPLOYER_DESCRIPTION[role],
                refs: uniqueSorted(refList),
                refType: "branch" as const,
                protected: config.protected,
                ...(role === "applier" ? { environment: d.applier.environment } : {}),
                config,
                namesPath: d.project,
                namesGrant: role,
                key: grantKey(projectId, role),
                formerKeys: [legacyGrantKey(d.project, role)],
                deployer: { role, config: d },
            },
        ];
    });
}

/** The logical names a grant's resources may have had: path-based (before names were keyed on ids) and before renames. */
function formerKeys(project: string, renamedFrom: string | undefined, projectId: string, grant: string, grantRenamedFrom: string | undefined): string[] {
    const paths = renamedFrom === undefined ? [project] : [project, renamedFrom];
    const grants = grantRenamedFrom === undefined ? [grant] : [grant, grantRenamedFrom];
    const keys = paths.flatMap((path) => grants.map((name) => legacyGrantKey(path, name)));
    if (grantRenamedFrom !== undefined) {
        keys.push(grantKey(projectId, grantRenamedFrom));
    }
    return [...new Set(keys)];
}

/** The strict ancestors of a slash-separated path, shortest first: a, a/b for a/b/c. */
export function ancestors(path: string): string[] {
    const chain: string[] = [];
    for (let end = path.indexOf("/"); end !== -1; end = path.indexOf("/", end + 1)) {
        chain.push(path.slice(0, end));
    }
    return chain;
}

/** A project's own secrets folder: its key, or its former path (renamedFrom). */
interface Folder {
    readonly project: string;
    readonly folder: string;
    readonly former: boolean;
}

function describeFolder(f: Folder): string {
    return f.former ? `${JSON.stringify(`${f.folder}/`)}, the former folder of ${formatPath(["projects", f.project])} (its renamedFrom)` : `the folder ${JSON.stringify(`${f.folder}/`)} of project ${f.project}`;
}

/** How `path` nests with the other projects' folders: those it lies inside, then those it holds. */
function nestedFolders(path: string, project: string, exact: ReadonlyMap<string, Folder[]>, below: ReadonlyMap<string, Folder[]>): string[] {
    const others = (list: readonly Folder[] | undefined) => (list ?? []).filter((f) => f.project !== project);
    return [...ancestors(path).flatMap((a) => others(exact.get(a))).map((f) => `lies inside ${describeFolder(f)}`), ...others(below.get(path)).map((f) => `holds ${describeFolder(f)}`)];
}

/**
 * Checks a project's renamedFrom against the other projects' keys and former paths. A former
 * path is a project's own folder (targets/vault/plan.ts ownFolders) only for the project that
 * held it: not another project's key or former path, nor a path inside or around another
 * project's folder (nested projects: a path inside acme/payments/ is acme/payments's, and one
 * that holds acme/payments/ would give its secrets away).
 */
function checkRenames(projects: readonly ParsedProject[], findings: Findings): void {
    const keys = new Set(projects.map((p) => p.path));
    const formerOwners = new Map<string, string>();
    // Each folder by its path, and by each of its ancestors: linear in the map, never pairwise.
    const [exact, below] = [new Map<string, Folder[]>(), new Map<string, Folder[]>()];
    const add = (map: Map<string, Folder[]>, key: string, f: Folder) => (map.get(key) ?? map.set(key, []).get(key)!).push(f);
    for (const { path, renamedFrom } of projects) {
        for (const f of [{ project: path, folder: path, former: false }, ...(renamedFrom !== undefined ? [{ project: path, folder: renamedFrom, former: true }] : [])]) {
            add(exact, f.folder, f);
            ancestors(f.folder).forEach((a) => add(below, a, f));
        }
    }
    for (const { path, renamedFrom } of projects) {
        if (renamedFrom === undefined) {
            continue;
        }
        const at = ["projects", path, "renamedFrom"];
        const nested = nestedFolders(renamedFrom, path, exact, below);
        if (renamedFrom === path) {
            findings.problem(at, `is the project's own key ${JSON.stringify(path)}: renamedFrom names the path before a rename; remove it`);
        } else if (keys.has(renamedFrom)) {
            findings.problem(
                at,
                `${JSON.stringify(renamedFrom)} is also a project key of this map: the names and secrets folder of that path belong to one project; if that project is new at the old path, give it other names (vault.roleName, aws.roleName, gcp.accountId) and keep this project's renamedFrom, or remove renamedFrom`,
            );
        } else if (formerOwners.has(renamedFrom)) {
            findings.problem(at, `${JSON.stringify(renamedFrom)} is also the renamedFrom of ${formatPath(["projects", formerOwners.get(renamedFrom)!])}: only one project can keep the names of a path`);
        } else if (nested.length > 0) {
            findings.problem(
                at,
                `${JSON.stringify(renamedFrom)} ${nested[0]}: renamedFrom makes a path this project's own secrets folder, and that folder would overlap another project's; set renamedFrom to the path this project had before its rename (one no other project's folder holds or lies in), or remove renamedFrom`,
            );
        }
        formerOwners.set(renamedFrom, path);
    }
}

/** Checks the grants' renamedFrom within a project. */
function checkGrantRenames(project: string, configs: ReadonlyMap<string, GrantConfig>, findings: Findings): void {
    const owners = new Map<string, string>();
    for (const [name, config] of configs) {
        const former = config.renamedFrom;
        if (former === undefined) {
            continue;
        }
        const at = ["projects", project, "grants", name, "renamedFrom"];
        if (former === name) {
            findings.problem(at, `is the grant's own name: renamedFrom names the grant before a rename; remove it`);
        } else if (configs.has(former)) {
            findings.problem(at, `${JSON.stringify(former)} is also a grant of this project: a grant can only take over the resources of a grant that no longer exists`);
        } else if (owners.has(former)) {
            findings.problem(at, `${JSON.stringify(former)} is also the renamedFrom of grant ${JSON.stringify(owners.get(former))}: only one grant can take over its resources`);
        }
        owners.set(former, name);
    }
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
    checkRenames(parsed.projects, findings);
    for (const { path: project, id, grants: configs, renamedFrom } of parsed.projects) {
        checkGrantRenames(project, configs, findings);
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
            if (g.environmentProtected === true && g.environment === undefined) {
                findings.problem([...path, "environmentProtected"], `requires a protected environment, but the grant sets no environment: set environment (e.g. "production"), or remove environmentProtected`);
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
                ...(g.environmentProtected === true ? { environmentProtected: true as const } : {}),
                config: g,
                namesPath: renamedFrom ?? project,
                namesGrant: g.renamedFrom ?? grant,
                ...(renamedFrom !== undefined ? { renamedFrom } : {}),
                ...(g.renamedFrom !== undefined ? { grantRenamedFrom: g.renamedFrom } : {}),
                key: grantKey(projectId, grant),
                formerKeys: formerKeys(project, renamedFrom, projectId, grant, g.renamedFrom),
            });
        }
    }
    const deployer = deployerGrants(parsed, projectById, findings);
    if (deployer.length === 0) {
        return grants;
    }
    // Keep the order every plan uses: by project path, then grant name.
    return [...grants, ...deployer]
        .sort((a, b) => compare(a.project, b.project) || compare(a.grant, b.grant))
        .map((g, index) => ({ ...g, index }));
}

/** Human-readable conditions of a grant, e.g. `branch main, protected, environment production`. */
export function describeConditions(g: Pick<ResolvedGrant, "refs" | "refType" | "protected" | "environment" | "environmentProtected">): string {
    const parts = [`${g.refType} ${g.refs.join(" | ")}`, g.protected ? "protected" : "unprotected"];
    if (g.environment !== undefined) {
        parts.push(`${g.environmentProtected === true ? "protected " : ""}environment ${g.environment}`);
    }
    return parts.join(", ");
}

/**
 * A target's enforcement record for a grant's shape (protected? environment? protected
 * environment?). There are only a few shapes, so records are built once per target, frozen and
 * shared by the grants.
 */
function enforcementFor(cache: Map<string, Enforcement>, g: EnforcementShape, build: (isProtected: boolean, environment: readonly Condition[]) => Enforcement): Enforcement {
    const environment: Condition[] = g.environment === undefined ? [] : g.environmentProtected === true ? ["environment", "environmentProtected"] : ["environment"];
    const key = `${g.protected}|${environment.join(",")}`;
    let found = cache.get(key);
    if (found === undefined) {
        const built = build(g.protected, environment);
        found = Object.freeze({ enforced: Object.freeze([...built.enforced]), notEnforced: Object.freeze([...built.notEnforced]) });
        cache.set(key, found);
    }
    return found;
}

type EnforcementShape = Pick<ResolvedGrant, "protected" | "environment" | "environmentProtected">;

/**
 * The problem of a grant that requires a protected environment (environment_protected "true") on
 * a target that sees only sub and aud: unlike the environment itself (warned), a requirement the
 * map states to keep unprotected environments out is refused unless acknowledged.
 */
export function unseenProtectedEnvironment(target: string, action: string, key: string): string {
    return `the grant requires a protected environment (environmentProtected), but ${target} sees only sub and aud and cannot check environment_protected: any job on a matching ref could ${action}, in an unprotected environment or none. Remove environmentProtected, or set ${key}.acknowledge.environment with a reason`;
}

const SUBJECT_ENFORCEMENT = new Map<string, Enforcement>();

/**
 * Targets that see only GitLab's default sub (project path, ref type, ref) and aud of the token
 * (AWS and Azure with a self-managed GitLab): the project id, protection and environment are not theirs to check.
 */
export function subjectEnforcement(g: EnforcementShape): Enforcement {
    return enforcementFor(SUBJECT_ENFORCEMENT, g, (isProtected, environment) => {
        const notEnforced: Condition[] = ["projectId"];
        if (isProtected) {
            notEnforced.push("protected");
        }
        return { enforced: ["audience", "projectPath", "ref", "refType"], notEnforced: [...notEnforced, ...environment] };
    });
}

const FULL_ENFORCEMENT = new Map<string, Enforcement>();

/** Targets that check every condition a grant states, by project id (Vault, GCP). */
export function fullEnforcement(g: EnforcementShape): Enforcement {
    return enforcementFor(FULL_ENFORCEMENT, g, (isProtected, environment) => {
        const enforced: Condition[] = ["audience", "projectId", "ref", "refType"];
        if (isProtected) {
            enforced.push("protected");
        }
        return { enforced: [...enforced, ...environment], notEnforced: [] };
    });
}

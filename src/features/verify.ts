/**
 * `gitlab-federation verify`: what the map relies on GitLab to guarantee, judged against what
 * GitLab's REST API says. Pure: the CLI (src/cli/commands/verify.ts) fetches what `needs` asks
 * for, `judge` turns the plan and those facts into findings, one line each.
 *
 * What is relied on, and why (README "Security model", "What AWS relies on"):
 * - A grant's project is GitLab's project `id` at the map's key: a target that trusts the path
 *   (its enforcement record lists projectPath: AWS's `sub`) admits a new project at the old path
 *   after a rename or transfer, and refuses the renamed one.
 * - `protected: true` means ref_protected, which GitLab sets from its protection rules: a target
 *   that checks ref_protected refuses the jobs without a rule (closed), one that does not
 *   (notEnforced protected: AWS) admits any pipeline on the ref (open). Whoever a rule lets push,
 *   merge or create runs protected pipelines, so Developers in a rule widen every target.
 * - `environment` restricts who gets a grant only when the environment is protected (who may
 *   deploy), and only for the targets that check it. A pattern (`review/*`) names environments
 *   any pipeline can create by deploying to them, so it restricts only with environmentProtected,
 *   and then through the protected environments it matches.
 * - A target's trust written for GitLab's default `sub` needs the project's
 *   ci_id_token_sub_claim_components to be those components (the target's gitlab capability).
 * - Fork merge-request pipelines run in the parent project when its setting allows: a fork's
 *   code then runs on the project's refs, which matters where protection is not checked.
 */
import { z } from "zod";
import { targets } from "../../components";
import { Enforcement } from "../core/resources";
import { PathSegment, compare, formatPath } from "../core/findings";
import type { GrantSummary, Plan } from "./plan-schema";

/**
 * One access level of a protection rule. GitLab docs, https://docs.gitlab.com/api/protected_branches/
 * "Valid access levels": 0 No access, 30 Developer, 40 Maintainer, 60 Administrator; a user,
 * group or deploy key entry has access_level null (Premium).
 */
const AccessLevelSchema = z.object({
    access_level: z.number().nullable().optional(),
    access_level_description: z.string().optional(),
});

/** The role GitLab's access level 30 names: a rule that lets it act protects nothing from developers. */
export const DEVELOPER_ACCESS = 30;

/**
 * GET /projects/:id, https://docs.gitlab.com/api/projects/#get-a-single-project; the ci_* fields are
 * exposed only to users who can admin_project (gitlabhq lib/api/entities/project.rb): absent otherwise.
 */
export const GitlabProjectSchema = z.object({
    id: z.number(),
    path_with_namespace: z.string(),
    visibility: z.string().optional(),
    ci_allow_fork_pipelines_to_run_in_parent_project: z.boolean().optional(),
    ci_id_token_sub_claim_components: z.array(z.string()).optional(),
});

/** GET /projects/:id/protected_branches, https://docs.gitlab.com/api/protected_branches/#list-protected-branches */
export const ProtectedBranchSchema = z.object({
    name: z.string(),
    push_access_levels: z.array(AccessLevelSchema).default([]),
    merge_access_levels: z.array(AccessLevelSchema).default([]),
    allow_force_push: z.boolean().default(false),
});

/** GET /projects/:id/protected_tags, https://docs.gitlab.com/api/protected_tags/#list-protected-tags */
export const ProtectedTagSchema = z.object({ name: z.string(), create_access_levels: z.array(AccessLevelSchema).default([]) });

/** GET /projects/:id/protected_environments (Premium), https://docs.gitlab.com/api/protected_environments/#list-protected-environments */
export const ProtectedEnvironmentSchema = z.object({ name: z.string(), deploy_access_levels: z.array(AccessLevelSchema).default([]) });

export type GitlabProject = z.output<typeof GitlabProjectSchema>;
export type ProtectedBranch = z.output<typeof ProtectedBranchSchema>;
export type ProtectedTag = z.output<typeof ProtectedTagSchema>;
export type ProtectedEnvironment = z.output<typeof ProtectedEnvironmentSchema>;

/** GitLab answered, but not with the resource: not found (404), forbidden (403), moved (3xx). */
export interface Missing {
    readonly status: number;
    /** GitLab's message, or where a moved resource went. */
    readonly message: string;
}

/** A resource as GitLab answered: its value, or why it is missing. */
export type Fetched<T> = { readonly value: T; readonly missing?: undefined } | { readonly missing: Missing; readonly value?: undefined };

/** What GitLab says of one project of the map (the lists only where `needs` asked for them). */
export interface ProjectFacts {
    readonly project: Fetched<GitlabProject>;
    readonly branches?: Fetched<ProtectedBranch[]>;
    readonly tags?: Fetched<ProtectedTag[]>;
    readonly environments?: Fetched<ProtectedEnvironment[]>;
}

/** One project of the map and what verify reads of it. */
export interface ProjectNeeds {
    /** The map's key (the deployer's project for the deployer's identities). */
    readonly project: string;
    readonly projectId: string;
    /** Where the project's id is written: projects[<key>].id, or deployer.id. */
    readonly at: readonly PathSegment[];
    readonly grants: readonly GrantSummary[];
    readonly branches: boolean;
    readonly tags: boolean;
    readonly environments: boolean;
}

/** A thing GitLab does not guarantee, or that the token could not see. */
export interface VerifyFinding {
    readonly check: "project" | "path" | "sub-claim" | "fork-pipelines" | "protection" | "environment";
    readonly path: string;
    readonly project: string;
    readonly projectId: string;
    readonly message: string;
}

/** Where a grant is written: projects[<key>].grants.<name>, or deployer.<identity>. */
function grantAt(grant: GrantSummary): PathSegment[] {
    return grant.deployer !== undefined ? ["deployer", grant.deployer] : ["projects", grant.project, "grants", grant.grant];
}

/** The targets a grant uses, each with its enforcement record. */
function targetsOf(grant: GrantSummary): { readonly key: string; readonly title: string; readonly enforcement?: Enforcement }[] {
    return targets().flatMap((t) => {
        const summary = (grant as Record<string, unknown>)[t.key] as { enforcement?: Enforcement } | undefined;
        return summary === undefined ? [] : [{ key: t.key, title: t.title, ...(summary.enforcement !== undefined ? { enforcement: summary.enforcement } : {}) }];
    });
}

/** The titles of a grant's targets that do (or do not) check a condition. */
function checking(grant: GrantSummary, condition: Enforcement["enforced"][number], enforced: boolean): string[] {
    return targetsOf(grant)
        .filter((t) => (enforced ? t.enforcement?.enforced : t.enforcement?.notEnforced)?.includes(condition) === true)
        .map((t) => t.title);
}

/** The map's projects (by id, in path order) and what each needs read. */
export function needs(plan: Plan): ProjectNeeds[] {
    const byId = new Map<string, GrantSummary[]>();
    for (const grant of plan.grants) {
        (byId.get(grant.projectId) ?? byId.set(grant.projectId, []).get(grant.projectId)!).push(grant);
    }
    return [...byId.entries()]
        .map(([projectId, grants]) => {
            const listed = grants.find((g) => g.deployer === undefined);
            const isProtected = grants.filter((g) => g.conditions.protected);
            return {
                project: (listed ?? grants[0]!).project,
                projectId,
                at: listed !== undefined ? ["projects", listed.project, "id"] : ["deployer", "id"],
                grants,
                branches: isProtected.some((g) => g.conditions.refType === "branch"),
                tags: isProtected.some((g) => g.conditions.refType === "tag"),
                environments: grants.some((g) => g.conditions.environment !== undefined && checking(g, "environment", true).length > 0),
            };
        })
        .sort((a, b) => compare(a.project, b.project));
}

/** "A", "A and B", "A, B and C". */
function and(items: readonly string[]): string {
    return items.length < 2 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

const verb = (titles: readonly string[], one: string, many: string) => `${and(titles)} ${titles.length === 1 ? one : many}`;

/** Why a resource GitLab did not give is missing, and what the token needs. */
function missingText(missing: Missing): string {
    return `HTTP ${missing.status}: ${missing.message}`;
}

/**
 * The findings: every fact GitLab gives that breaks what the map relies on, and every fact the
 * token could not read. Sorted by path, then message.
 */
export function judge(plan: Plan, facts: ReadonlyMap<string, ProjectFacts>): VerifyFinding[] {
    const findings: VerifyFinding[] = [];
    for (const need of needs(plan)) {
        const fact = facts.get(need.projectId);
        if (fact === undefined) {
            throw new Error(`internal error: verify has no facts of project ${need.projectId}`);
        }
        const add = (check: VerifyFinding["check"], at: readonly PathSegment[], message: string) => findings.push({ check, path: formatPath(at), project: need.project, projectId: need.projectId, message });
        if (fact.project.missing !== undefined) {
            add("project", need.at, `GitLab shows no project ${need.projectId} to the token (${missingText(fact.project.missing)}): a deleted project, a wrong id, or a token without access; check the id in GitLab (Settings > General) and give the token's user the Maintainer role on the project`);
            continue;
        }
        judgeProject(need, fact.project.value, add);
        judgeProtection(need, fact, add);
        judgeEnvironments(need, fact, add);
    }
    return findings.sort((a, b) => compare(a.path, b.path) || compare(a.message, b.message));
}

type Add = (check: VerifyFinding["check"], at: readonly PathSegment[], message: string) => void;

/** The project's path, its sub claim components, and fork pipelines in it. */
function judgeProject(need: ProjectNeeds, project: GitlabProject, add: Add): void {
    const id = need.projectId;
    if (project.path_with_namespace !== need.project) {
        const bound = [...new Set(need.grants.flatMap((g) => checking(g, "projectPath", true)))];
        const consequence =
            bound.length > 0
                ? `${verb(bound, "trusts", "trust")} the path, so the project's logins there fail and a new project created at ${JSON.stringify(need.project)} would be admitted`
                : "the map's names and secret folders follow the key";
        const fix = need.at[0] === "deployer" ? `set deployer.project to ${JSON.stringify(project.path_with_namespace)}` : `rename the key to ${JSON.stringify(project.path_with_namespace)} with renamedFrom: ${need.project} (its names stay)`;
        add("path", need.at, `project ${id} is ${JSON.stringify(project.path_with_namespace)} in GitLab, not ${JSON.stringify(need.project)}: ${consequence}; ${fix}`);
    }
    for (const t of targets()) {
        const expected = t.gitlab?.subClaimComponents;
        const users = need.grants.filter((g) => (g as Record<string, unknown>)[t.key] !== undefined).map((g) => g.grant);
        if (expected === undefined || users.length === 0) {
            continue;
        }
        const actual = project.ci_id_token_sub_claim_components;
        if (actual === undefined) {
            add("sub-claim", need.at, `GitLab does not show project ${id}'s ci_id_token_sub_claim_components to the token (only to a Maintainer): ${t.title}'s trust is written for ${JSON.stringify(expected)}; run verify with a token whose user is a Maintainer of the project`);
        } else if (JSON.stringify(actual) !== JSON.stringify(expected)) {
            add(
                "sub-claim",
                need.at,
                `project ${id}'s ci_id_token_sub_claim_components is ${JSON.stringify(actual)}, and ${t.title}'s trust is written for ${JSON.stringify(expected)}: the tokens' sub no longer matches, so ${t.title} refuses the grants ${users.join(", ")}; set it back to ${JSON.stringify(expected)} (PUT /projects/${id} with ci_id_token_sub_claim_components)`,
            );
        }
    }
    const open = [...new Set(need.grants.flatMap((g) => checking(g, "protected", false)))];
    if (open.length > 0 && project.ci_allow_fork_pipelines_to_run_in_parent_project === true) {
        add(
            "fork-pipelines",
            need.at,
            `project ${id} (visibility ${project.visibility ?? "unknown"}) lets members run fork merge-request pipelines in it (ci_allow_fork_pipelines_to_run_in_parent_project: true): a fork's code then runs in this project's pipelines, and ${verb(open, "checks", "check")} no protection; turn it off (Settings > CI/CD > General pipelines)`,
        );
    }
}

/**
 * Whether a protection rule's name matches a ref, as GitLab's RefMatcher does (gitlabhq
 * app/models/ref_matcher.rb `matches?`, `wildcard_regex`): exactly, or with each `*` as `.*?`
 * anchored at both ends (it crosses "/"), every other character literal, case-sensitive. Given a
 * pattern of the map as the ref (its `*` a character no ref holds), it says whether the rule
 * covers every ref the pattern matches: the rule's `*` must absorb the pattern's.
 */
export function ruleMatches(rule: string, ref: string): boolean {
    if (rule === ref) {
        return true;
    }
    if (!rule.includes("*")) {
        return false;
    }
    const source = rule
        .split("*")
        .map((part) => part.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&"))
        .join(".*");
    return new RegExp(`^${source}$`).test(ref);
}

interface Rule {
    readonly name: string;
    /** How the rule widens who runs protected pipelines: "lets Developers push", ... */
    readonly weakenings: readonly string[];
}

const developers = (levels: readonly { access_level?: number | null }[]) => levels.some((l) => l.access_level === DEVELOPER_ACCESS);

function branchRule(b: ProtectedBranch): Rule {
    const who = [developers(b.push_access_levels) ? "push" : undefined, developers(b.merge_access_levels) ? "merge" : undefined].filter((w): w is string => w !== undefined);
    return { name: b.name, weakenings: [...(who.length > 0 ? [`lets Developers ${who.join(" and ")}`] : []), ...(b.allow_force_push ? ["allows force push"] : [])] };
}

function tagRule(t: ProtectedTag): Rule {
    return { name: t.name, weakenings: developers(t.create_access_levels) ? ["lets Developers create tags"] : [] };
}

/** Every protected grant's refs against the project's protection rules. */
function judgeProtection(need: ProjectNeeds, fact: ProjectFacts, add: Add): void {
    for (const [kind, list] of [["branches", fact.branches], ["tags", fact.tags]] as const) {
        if (list?.missing !== undefined) {
            add("protection", need.at, `GitLab does not show project ${need.projectId}'s protected ${kind} to the token (${missingText(list.missing)}): the grants' protection is unverified; give the token's user the Maintainer role on the project`);
        }
    }
    for (const grant of need.grants.filter((g) => g.conditions.protected)) {
        const { refType } = grant.conditions;
        const list = refType === "branch" ? fact.branches?.value?.map(branchRule) : fact.tags?.value?.map(tagRule);
        for (const ref of list === undefined ? [] : grant.conditions.ref) {
            judgeRef(need, grant, ref, list!, add);
        }
    }
}

function judgeRef(need: ProjectNeeds, grant: GrantSummary, ref: string, rules: readonly Rule[], add: Add): void {
    const { refType } = grant.conditions;
    const kind = `protected-${refType}`;
    const at = [...grantAt(grant), "ref"];
    if (!rules.some((r) => ruleMatches(r.name, ref))) {
        const open = checking(grant, "protected", false);
        const closed = checking(grant, "protected", true);
        const effects = [
            ...(open.length > 0 ? [`${verb(open, "admits", "admit")} any pipeline on a ${refType} ${JSON.stringify(ref)}, protected or not`] : []),
            ...(closed.length > 0 ? [`${verb(closed, "refuses", "refuse")} its jobs (ref_protected is "false")`] : []),
        ];
        const fix = refType === "branch" ? "Settings > Repository > Protected branches: allowed to push and merge: Maintainers, force push off" : "Settings > Repository > Protected tags: allowed to create: Maintainers";
        const existing = rules.length === 0 ? "it has none" : `its rules: ${rules.map((r) => JSON.stringify(r.name)).join(", ")}`;
        add("protection", at, `no ${kind} rule of project ${need.projectId} covers ${JSON.stringify(ref)} (${existing}): ${effects.join("; ")}; protect ${JSON.stringify(ref)} (${fix})`);
    }
    // GitLab: "If more than one rule applies to a branch, the most permissive rule controls" (protected.md): every rule that covers the ref or lies inside its pattern.
    for (const rule of rules.filter((r) => r.weakenings.length > 0 && (ruleMatches(r.name, ref) || ruleMatches(ref, r.name)))) {
        const fix = refType === "branch" ? "allow only Maintainers to push and merge, force push off" : "allow only Maintainers to create";
        const titles = and(targetsOf(grant).map((t) => t.title));
        add(
            "protection",
            at,
            `the ${kind} rule ${JSON.stringify(rule.name)} of project ${need.projectId} ${and(rule.weakenings)}: ${rule.weakenings.some((w) => w.startsWith("lets Developers")) ? `pipelines on ${JSON.stringify(ref)} are protected without being a Maintainer's, and the grant's ${titles} access admits them` : `whoever may push can rewrite the history of ${JSON.stringify(ref)}, which the grant's ${titles} access trusts`}; ${fix}`,
        );
    }
}

/**
 * A grant's environment pattern: without environmentProtected it restricts nothing (a job creates
 * a matching environment by deploying to it); with it, the protected environments it matches are
 * the ones that admit, so none may let Developers deploy. Matching as GitLab's RefMatcher (ruleMatches).
 */
function judgeEnvironmentPattern(grant: GrantSummary, need: ProjectNeeds, environments: readonly ProtectedEnvironment[], gated: readonly string[], add: Add): void {
    const name = grant.conditions.environment!;
    const at = [...grantAt(grant), "environment"];
    if (grant.conditions.environmentProtected !== true) {
        add(
            "environment",
            at,
            `${JSON.stringify(name)} is a pattern: any pipeline on the grant's refs can deploy to a new environment matching it, so for ${and(gated)} it restricts nothing; set environmentProtected: true and protect the environments it should admit (Settings > CI/CD > Protected environments, allowed to deploy: Maintainers)`,
        );
        return;
    }
    for (const found of environments.filter((e) => ruleMatches(name, e.name) && developers(e.deploy_access_levels))) {
        add("environment", at, `the protected environment ${JSON.stringify(found.name)} of project ${need.projectId} matches ${JSON.stringify(name)} and lets Developers deploy: for ${and(gated)} it restricts the grant to Developers, not Maintainers; allow only Maintainers to deploy`);
    }
}

/** Every environment a target checks is a protected environment that only Maintainers deploy to. */
function judgeEnvironments(need: ProjectNeeds, fact: ProjectFacts, add: Add): void {
    if (fact.environments?.missing !== undefined) {
        add(
            "environment",
            need.at,
            `GitLab does not show project ${need.projectId}'s protected environments to the token (${missingText(fact.environments.missing)}): protected environments need GitLab Premium and a Maintainer's token; without them an environment restricts nothing`,
        );
        return;
    }
    for (const grant of need.grants) {
        const name = grant.conditions.environment;
        const gated = checking(grant, "environment", true);
        if (name === undefined || gated.length === 0 || fact.environments?.value === undefined) {
            continue;
        }
        const at = [...grantAt(grant), "environment"];
        if (name.includes("*")) {
            judgeEnvironmentPattern(grant, need, fact.environments.value, gated, add);
            continue;
        }
        const found = fact.environments.value.find((e) => e.name === name);
        if (found === undefined) {
            add(
                "environment",
                at,
                grant.conditions.environmentProtected === true
                    ? `${JSON.stringify(name)} is not a protected environment of project ${need.projectId}: the grant requires a protected environment, so ${verb(gated, "admits", "admit")} no job of it; protect it (Settings > CI/CD > Protected environments, allowed to deploy: Maintainers)`
                    : `${JSON.stringify(name)} is not a protected environment of project ${need.projectId}: anyone who runs a pipeline on the grant's refs can deploy to it, so for ${and(gated)} it restricts nothing; protect it (Settings > CI/CD > Protected environments, allowed to deploy: Maintainers)`,
            );
        } else if (developers(found.deploy_access_levels)) {
            add("environment", at, `the protected environment ${JSON.stringify(name)} of project ${need.projectId} lets Developers deploy: for ${and(gated)} it restricts the grant to Developers, not Maintainers; allow only Maintainers to deploy`);
        }
    }
}

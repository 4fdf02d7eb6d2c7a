/**
 * Azure's checks of the map: what Azure would refuse at pulumi up (or accept and then never match),
 * and what it cannot check, found before anything is applied.
 *
 * Facts relied on, besides those in subjects.ts and roles.ts:
 * - An identity's federated credentials match iss, sub and aud exactly, and nothing else of the
 *   token: Azure cannot check ref_protected, the environment or the project id (sub carries the
 *   path). A pattern ref cannot be expressed (no wildcards) and is refused: flexible federated
 *   credentials ("Flexible federated identity credentials (preview)",
 *   https://learn.microsoft.com/entra/workload-id/workload-identities-flexible-federated-identity-credentials)
 *   exist "only for federated identity credentials configured on application objects", through
 *   Microsoft Graph, in preview: see the design notes for why this program does not plan them.
 * - Regions where user-assigned identities cannot hold federated credentials (ARM answers 405
 *   "Support for federated identity credentials not enabled"): the considerations page's
 *   § "Unsupported regions (user-assigned managed identities)"; two published versions list
 *   Malaysia South (both), and East Asia, Israel Central, Italy North, Mexico Central, Qatar
 *   Central, Spain Central (one) or New Zealand North (the other).
 * - Tags: "Use tags to organize your Azure resources and management hierarchy" § Limitations
 *   (https://learn.microsoft.com/azure/azure-resource-manager/management/tag-resources): 50 per
 *   resource, names up to 512 characters without `<`, `>`, `%`, `&`, `\`, `?`, `/`, values up to
 *   256; "Tag names are case-insensitive for operations".
 * - Role assignments per subscription: 4,000 ("Azure subscription and service limits, quotas,
 *   and constraints" § Azure RBAC limits, include role-based-access-control/limits.md,
 *   https://learn.microsoft.com/azure/azure-resource-manager/management/azure-subscription-service-limits#azure-rbac-limits;
 *   2,000 in Azure Government and Azure China).
 */
import type { Findings, PathSegment } from "../../src/core/findings";
import { compare, formatPath } from "../../src/core/findings";
import { type ResolvedGrant, subjectEnforcement, unseenProtectedEnvironment } from "../../src/core/model";
import { isPattern } from "../../src/core/rules";
import { defaultSubject } from "../../src/core/claims";
import { covers, resourceGroupScope, subscriptionScope } from "./names";
import { type Privilege, type ResolvedRole, resolveRole, roleId, roleLabel } from "./roles";
import { type AzureConfig, type AzureGrantConfig, RESOURCE_ID, type ScopeConfig } from "./schema";
import type { TargetGrant } from "../target";
import { MAX_CREDENTIALS_PER_IDENTITY, MAX_CREDENTIAL_VALUE_LENGTH } from "./subjects";

const q = JSON.stringify;

/** A grant that uses Azure, with its azure field parsed. */
export type AzureGrant = TargetGrant<AzureGrantConfig>;

/** Checks a grant's refs: exact, at most 20, each sub within 600 characters. Returns whether credentials can be planned. */
export function checkRefs(grant: ResolvedGrant, findings: Findings): boolean {
    const at = [...grant.path, "ref"];
    const kind = grant.refType === "tag" ? "tags" : "branches";
    const pattern = grant.refs.find(isPattern);
    if (pattern !== undefined) {
        findings.problem(
            at,
            `${q(pattern)} is a pattern, but Azure compares a federated credential's subject with the token's sub exactly (managed identities take no wildcards; flexible credentials are a preview for app registrations only): list the exact ${kind} this grant admits, at most ${MAX_CREDENTIALS_PER_IDENTITY}, or split the grant`,
        );
        return false;
    }
    if (grant.refs.length > MAX_CREDENTIALS_PER_IDENTITY) {
        findings.problem(
            at,
            `lists ${grant.refs.length} ${kind}, and Azure gives the grant's managed identity one federated credential per ref, at most ${MAX_CREDENTIALS_PER_IDENTITY}: split the grant into grants of at most ${MAX_CREDENTIALS_PER_IDENTITY} refs each, or list fewer refs`,
        );
        return false;
    }
    const long = grant.refs.find((ref) => defaultSubject(grant.project, grant.refType, ref).length > MAX_CREDENTIAL_VALUE_LENGTH);
    if (long !== undefined) {
        const length = defaultSubject(grant.project, grant.refType, long).length;
        findings.problem(at, `ref ${q(long)} makes GitLab's sub ${length} characters long, above the ${MAX_CREDENTIAL_VALUE_LENGTH} a federated credential's subject holds: use a shorter ref`);
        return false;
    }
    return true;
}

/** GitLab's URL becomes every credential's issuer. */
export function checkIssuer(url: string, findings: Findings): void {
    if (url.length > MAX_CREDENTIAL_VALUE_LENGTH) {
        findings.problem(["gitlab", "url"], `is ${url.length} characters long; a federated credential's issuer holds at most ${MAX_CREDENTIAL_VALUE_LENGTH}, so Azure cannot trust this GitLab`);
    }
}

/** A role the grant's identity gets, resolved and checked. */
export interface PlannedRole {
    readonly roleId: string;
    /** The built-in name, or the GUID. */
    readonly label: string;
    /** The scope's ARM ID. */
    readonly scope: string;
    readonly privilege?: Privilege | "unknown";
    /** Where the map names it. */
    readonly at: readonly PathSegment[];
}

/** A scope's ARM ID. */
export function scopeId(scope: ScopeConfig, subscriptionId: string): string {
    if (scope === "subscription") {
        return subscriptionScope(subscriptionId);
    }
    return "resourceGroup" in scope ? resourceGroupScope(subscriptionId, scope.resourceGroup) : scope.resource;
}

/** A scope as messages name it. */
function scopeText(scope: ScopeConfig): string {
    if (scope === "subscription") {
        return "the subscription";
    }
    return "resourceGroup" in scope ? `resource group ${q(scope.resourceGroup)}` : `resource ${q(scope.resource)}`;
}

/** Why a role at a scope is broad, or undefined. `identityGroups` are the ARM IDs of the resource groups that hold identities. */
function broadness(resolved: ResolvedRole, scope: ScopeConfig, id: string, identityGroups: readonly string[]): string | undefined {
    const label = q(roleLabel(resolved));
    if (resolved.kind === "unknownId") {
        return `${label} is not a role this program knows (a custom role, or a built-in role outside its table), whose permissions cannot be checked offline: set azure.allowBroad with a reason once you have checked that it assigns no roles and writes or uses no managed identities`;
    }
    if (resolved.role.privilege === "assignsRoles") {
        return `${label} can assign roles, so any pipeline that matches this grant could give itself or others any role at ${scopeText(scope)}: grant a narrower role, or set azure.allowBroad with a reason`;
    }
    const group = identityGroups.find((g) => covers(id, g) || covers(g, id));
    if (resolved.role.privilege === "identities" && group !== undefined) {
        return `${label} at ${scopeText(scope)} reaches into ${group}, where managed identities of this map live: any pipeline that matches this grant could add a federated credential to, or run code as, any identity there (another grant's, or the deployer's) and take its roles. Scope it to the resource group or resource the job deploys to, or set azure.allowBroad with a reason`;
    }
    return undefined;
}

/** Checks a grant's roles (known, in the subscription, listed once, broad only with allowBroad); returns them sorted by scope and role. */
export function checkRoles({ fields, at }: AzureGrant, azure: AzureConfig, identityGroups: readonly string[], findings: Findings): PlannedRole[] {
    const planned: PlannedRole[] = [];
    const seen = new Set<string>();
    let broad = false;
    fields.roles.forEach(({ role, scope }, index) => {
        const path = [...at, "roles", index];
        const resolved = resolveRole(role);
        if ("problem" in resolved) {
            findings.problem([...path, "role"], resolved.problem);
            return;
        }
        const id = scopeId(scope, azure.subscriptionId);
        const inSubscription = RESOURCE_ID.exec(id)?.[1] ?? azure.subscriptionId;
        if (inSubscription.toLowerCase() !== azure.subscriptionId.toLowerCase()) {
            findings.problem([...path, "scope", "resource"], `is in subscription ${inSubscription}, not azure.subscriptionId ${azure.subscriptionId}: a stack assigns roles in its own subscription; move this grant to a stack for that subscription`);
            return;
        }
        const key = `${roleId(resolved)}|${id.toLowerCase()}`;
        if (seen.has(key)) {
            findings.problem(path, `assigns ${q(roleLabel(resolved))} at ${scopeText(scope)} again; list each role and scope once`);
            return;
        }
        seen.add(key);
        const why = broadness(resolved, scope, id, identityGroups);
        if (why !== undefined) {
            broad = true;
            if (fields.allowBroad === undefined) {
                findings.problem(path, why);
            }
        }
        const privilege = resolved.kind === "builtIn" ? resolved.role.privilege : "unknown";
        planned.push({ roleId: roleId(resolved), label: roleLabel(resolved), scope: id, ...(privilege !== undefined ? { privilege } : {}), at: path });
    });
    if (fields.allowBroad !== undefined && broad) {
        findings.loosen([...at, "allowBroad"], "broad Azure roles", fields.allowBroad);
    } else if (fields.allowBroad !== undefined) {
        findings.warn([...at, "allowBroad"], `has no effect: no role of this grant is broad; remove it`);
    }
    if (fields.roles.length === 0) {
        findings.warn(at, `the managed identity gets no roles: pipelines can log in as it but do nothing with it; list roles, or assign them outside this map`);
    }
    return planned.sort((a, b) => compare(a.scope.toLowerCase(), b.scope.toLowerCase()) || compare(a.roleId, b.roleId));
}

/** What Azure cannot check of a grant's environment: warned, with or without an acknowledgement; a required protected environment refused without one. */
export function checkAcknowledgements({ grant, fields, at }: AzureGrant, findings: Findings): void {
    const reason = fields.acknowledge?.environment;
    if (grant.environmentProtected === true && reason === undefined) {
        findings.problem(at, unseenProtectedEnvironment("Azure", "log in as this identity", "azure"));
    }
    if (grant.environment !== undefined && reason !== undefined) {
        findings.loosen([...at, "acknowledge", "environment"], `Azure does not check the environment${grant.environmentProtected === true ? " or that it is protected" : ""}`, reason);
    } else if (grant.environment !== undefined) {
        findings.warn(
            [...at, "acknowledge", "environment"],
            `Azure cannot check environment ${q(grant.environment)}: any job on a matching ref can log in as this identity, not only jobs of that environment. Set azure.acknowledge.environment with a reason to record that this is intended`,
        );
    } else if (reason !== undefined) {
        findings.warn([...at, "acknowledge", "environment"], `has no effect: the grant sets no environment; remove it`);
    }
}

/** Azure checks sub (project path, ref type, ref) and aud; nothing else of the token. */
export const azureEnforcement = subjectEnforcement;

/** The tags this program sets on every identity, besides the map's. */
export const OWN_TAG_KEYS = ["managed-by", "gitlab-project", "gitlab-project-id", "gitlab-grant"];
export const MAX_TAGS = 50;
const TAG_NAME_FORBIDDEN = /[<>%&\\?/\u0000-\u001f\u007f]/;

/** azure.tags against Azure's tag rules (count, lengths, characters, case-insensitive names, our own names). */
export function checkTags(tags: Readonly<Record<string, string>>, findings: Findings): void {
    const names = Object.keys(tags).sort(compare);
    if (names.length + OWN_TAG_KEYS.length > MAX_TAGS) {
        findings.problem(["azure", "tags"], `lists ${names.length} tags; with the ${OWN_TAG_KEYS.length} this program sets (${OWN_TAG_KEYS.join(", ")}) an identity would carry ${names.length + OWN_TAG_KEYS.length}, above Azure's ${MAX_TAGS}: keep at most ${MAX_TAGS - OWN_TAG_KEYS.length}`);
    }
    const seen = new Map<string, string>();
    for (const name of names) {
        const at = ["azure", "tags", name];
        const lower = name.toLowerCase();
        if (name.length < 1 || name.length > 512 || TAG_NAME_FORBIDDEN.test(name)) {
            findings.problem(at, `tag name ${q(name)} must be 1-512 characters without <, >, %, &, \\, ?, / or control characters (Azure)`);
        } else if (OWN_TAG_KEYS.includes(lower)) {
            findings.problem(at, `${q(name)} is a tag this program sets itself; choose another name`);
        } else if (seen.has(lower)) {
            findings.problem(at, `differs from tag ${q(seen.get(lower))} only in case; Azure treats them as one name`);
        }
        seen.set(lower, name);
        if (tags[name]!.length > 256) {
            findings.problem(at, `tag value must be at most 256 characters (Azure), got ${tags[name]!.length}`);
        }
    }
}

/** Listed by every published version of the unsupported-regions list, and by one of them. */
const NO_CREDENTIALS_REGIONS = ["malaysiasouth"];
const MAYBE_NO_CREDENTIALS_REGIONS = ["eastasia", "israelcentral", "italynorth", "mexicocentral", "newzealandnorth", "qatarcentral", "spaincentral"];

/** A region where identities cannot (or may not) hold federated credentials. */
export function checkLocation(location: string, at: readonly PathSegment[], findings: Findings): void {
    const fix = `the identities' region need not be the workloads' region: choose another, e.g. westeurope`;
    if (NO_CREDENTIALS_REGIONS.includes(location)) {
        findings.problem(at, `${q(location)}: Azure does not support federated credentials on user-assigned identities created there (ARM answers 405 "Support for federated identity credentials not enabled"); ${fix}`);
    } else if (MAYBE_NO_CREDENTIALS_REGIONS.includes(location)) {
        findings.warn(at, `${q(location)} is listed by one version of Microsoft's page as a region whose user-assigned identities cannot hold federated credentials (ARM then answers 405); if pulumi up fails there, ${fix}`);
    }
}

/** The plan's role assignments against the subscription's limit: refused above it, warned above 80%. */
export function checkQuota(count: number, azure: AzureConfig, findings: Findings): void {
    const limit = azure.quotas.roleAssignments;
    if (count > limit) {
        findings.problem(
            ["azure", "quotas", "roleAssignments"],
            `the map plans ${count} role assignments in subscription ${azure.subscriptionId}, above its limit of ${limit} (assignments outside this stack count too): assign roles at fewer, broader scopes (a resource group instead of each resource), or move some projects to a stack for another subscription`,
        );
    } else if (count > limit * 0.8) {
        findings.warn(["azure", "quotas", "roleAssignments"], `the map plans ${count} role assignments, more than 80% of the subscription's limit of ${limit} (assignments outside this stack count too)`);
    }
}

/** Identity names are unique in a resource group regardless of case ("Resource names are case-insensitive unless noted", resource-name-rules). */
export function checkIdentityName(name: string, group: string, grant: ResolvedGrant, owners: Map<string, ResolvedGrant>, at: readonly PathSegment[], findings: Findings): boolean {
    const key = `${group}/${name}`.toLowerCase();
    const owner = owners.get(key);
    if (owner !== undefined) {
        findings.problem(at, `managed identity name ${q(name)} is also the identity of ${formatPath(owner.path)} in resource group ${q(group)} (names are unique regardless of case): set azure.identityName on one of them`);
        return false;
    }
    owners.set(key, grant);
    return true;
}

/** Up to ten names, then a count. */
function listed(names: readonly string[]): string {
    return `${names.slice(0, 10).join(", ")}${names.length > 10 ? ` and ${names.length - 10} more` : ""}`;
}

/** Warnings about the section as a whole: path binding, protected refs, an unprotected or adopted resource group. */
export function sectionWarnings(azure: AzureConfig, grants: readonly ResolvedGrant[], findings: Findings): void {
    const projects = [...new Set(grants.map((g) => g.project))].sort(compare);
    const exactProtected = grants.filter((g) => g.deployer === undefined && g.protected).map((g) => `${g.project} ${g.grant}`);
    if (exactProtected.length > 0) {
        findings.warn(
            ["azure"],
            `Azure cannot check ref_protected, so these grants, which require a protected ref, admit any pipeline on the same ref name, protected or not: ${listed(exactProtected)}. They rely on GitLab: a protection rule covering each ref, never removed, and no unprotected branch or tag of that name pushed first`,
        );
    }
    if (projects.length > 0) {
        findings.warn(
            ["azure"],
            `Azure binds projects by path (in sub), not by id: ${listed(projects)}. After a rename or transfer their identities stop matching, and a new project created at an old path would match them: update the map and run pulumi up when a project moves`,
        );
    }
    if (azure.adopt?.resourceGroup === "import") {
        findings.warn(["azure", "adopt", "resourceGroup"], `import: the next pulumi up adopts the existing resource group ${q(azure.resourceGroup.name)} and then manages it as planned (location, tags)`);
    }
    if (!azure.protect) {
        findings.warn(["azure", "protect"], `false: the resource groups can be deleted by pulumi destroy or a removed section, which deletes every identity in them and breaks every pipeline's Azure access at once`);
    }
}

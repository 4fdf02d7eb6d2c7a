/**
 * GCP: a workload identity pool and OIDC provider for GitLab, and per grant a service account
 * that pipelines impersonate: which entries they become. provider.ts writes the provider's
 * mapping and condition (and says how grants become principalSets), checks.ts holds the rules
 * that refuse or warn, deployer.ts the deployer's identities.
 */
import type { Findings } from "../../src/core/findings";
import { formatPath } from "../../src/core/findings";
import { ResolvedGrant, describeConditions, fullEnforcement } from "../../src/core/model";
import { shortHash } from "../../src/core/names";
import { grantMeta } from "../../src/core/resources";
import type { PlanContext, PlannedGrant, TargetPlanResult } from "../target";
import { WIF_WRITES_PER_MINUTE, checkAdoption, checkKeys, checkProtection, checkQuotas, checkRoles } from "./checks";
import { DeployerBinding, GcpDeployerScope, WORKLOAD_IDENTITY_USER, deployerBindings, deployerEntry, gcpDeployer, refuseUnsupportedReach } from "./deployer";
import { RESOURCE, gcpAccountId, providerFullName, serviceAccountEmail, serviceAccountResourceId } from "./names";
import type { GcpIamMemberEntry, GcpPlan, GcpServiceAccountEntry, GcpSummary } from "./plan-schema";
import { grantGates, groupMember, plannedProviders, poolEntry } from "./provider";
import { PlannedBinding, bindingEntry, checkBindings, checkProjectIds, checkProjectWrites, memberSuffix, projectProviders, targetLabel } from "./reach";
import type { GcpConfig, GcpGrantConfig } from "./schema";

type GcpGrant = PlannedGrant<GcpGrantConfig>;

/** A grant's service account. */
function serviceAccountEntry({ grant, fields }: GcpGrant, gcp: GcpConfig, accountId: string): GcpServiceAccountEntry {
    return {
        resource: grantMeta(RESOURCE.serviceAccount, grant),
        accountId,
        project: gcp.project,
        displayName: (fields?.displayName ?? `GitLab CI ${grant.project} ${grant.grant}`).slice(0, 100),
        description: `GitLab CI ${grant.project} (id ${grant.projectId}) grant ${grant.grant}: ${describeConditions(grant)}`.slice(0, 256),
    };
}

/** workloadIdentityUser on the grant's own account for each of its gates, then its project roles. */
function memberEntries(grant: ResolvedGrant, gcp: GcpConfig, accountId: string, gateMembers: readonly string[], roles: readonly string[]): GcpIamMemberEntry[] {
    const serviceAccountId = serviceAccountResourceId(accountId, gcp.project);
    const email = serviceAccountEmail(accountId, gcp.project);
    return [
        ...gateMembers.map(
            (member): GcpIamMemberEntry => ({
                resource: grantMeta(RESOURCE.serviceAccountIamMember, grant, `/wif-${shortHash(member)}`),
                serviceAccountId,
                role: WORKLOAD_IDENTITY_USER,
                member,
            }),
        ),
        ...roles.map(
            (role): GcpIamMemberEntry => ({
                resource: grantMeta(RESOURCE.projectIamMember, grant, `/${role}`),
                project: gcp.project,
                role,
                member: `serviceAccount:${email}`,
            }),
        ),
    ];
}

/** A grant's (or an identity's) service account, bindings and summary. */
interface PlannedAccount {
    readonly account: GcpServiceAccountEntry;
    readonly members: readonly GcpIamMemberEntry[];
    readonly summary: GcpSummary;
}

/** What every account of the stack shares. */
interface Shared {
    readonly gcp: GcpConfig;
    readonly projectNumber: string;
    readonly audience: string;
    readonly scope: GcpDeployerScope | undefined;
    readonly providerOf: ReadonlyMap<number, string>;
    readonly shardOf: ((grant: ResolvedGrant) => number | undefined) | undefined;
}

/** A grant's roles on gcp.project and its bindings elsewhere, checked (a deployer's identity has neither). */
function grantReach(item: GcpGrant, shared: Shared, findings: Findings): { roles: string[]; reach: PlannedBinding[] } {
    if (item.identity !== undefined) {
        return { roles: [], reach: [] };
    }
    const { bindings, privileged } = checkBindings(item, shared.gcp, findings);
    if (shared.scope !== undefined) {
        refuseUnsupportedReach(item, findings);
    }
    return { roles: checkRoles(item, shared.gcp, findings, privileged), reach: bindings };
}

/** The summary's bindings, when the grant has any. */
function reachSummary(reach: readonly PlannedBinding[]): Pick<GcpSummary, "bindings"> {
    return reach.length > 0 ? { bindings: reach.map((b) => `${b.role} on ${targetLabel(b.target)}`) } : {};
}

/** A deployer binding as its summary names it: the role, and on a project or folder of grants' bindings, that target. */
function roleOn(b: DeployerBinding): string {
    return b.target !== undefined ? `${b.role} on ${targetLabel(b.target)}` : b.role;
}

/** The summary's fields every grant has after its roles. */
function summaryTail(grant: ResolvedGrant, shared: Shared): Pick<GcpSummary, "provider" | "enforcement"> {
    return {
        ...(shared.shardOf !== undefined ? { provider: shared.providerOf.get(shared.shardOf(grant) ?? -1)! } : {}),
        enforcement: fullEnforcement(grant) as GcpSummary["enforcement"],
    };
}

/** access direct: the grant's roles and bindings go to each of its principalSets; no service account. */
function plannedDirect(item: GcpGrant, shared: Shared, findings: Findings): Omit<PlannedAccount, "account"> {
    const { gcp } = shared;
    const { grant } = item;
    const { roles, reach } = grantReach(item, shared, findings);
    const gateMembers = grantGates(grant).map((g) => groupMember(shared.projectNumber, gcp.poolId, g));
    const members = gateMembers.flatMap((member) => [
        ...roles.map((role): GcpIamMemberEntry => ({ resource: grantMeta(RESOURCE.projectIamMember, grant, `/${role}${memberSuffix(member)}`), project: gcp.project, role, member })),
        ...reach.map((b) => bindingEntry(grant, b, member, memberSuffix(member))),
    ]);
    return { members, summary: { access: "direct", audience: shared.audience, members: gateMembers, roles, ...reachSummary(reach), ...summaryTail(grant, shared) } };
}

/**
 * Two direct grants with the same conditions have the same principalSets: a role both bind on one
 * target would be one IAM binding under two logical names, and deleting either grant's
 * (non-authoritative) member removes the binding the other still promises. Refused at the later grant.
 */
function checkSharedBindings(item: GcpGrant, entries: readonly GcpIamMemberEntry[], seen: Map<string, ResolvedGrant>, findings: Findings): void {
    const reported = new Set<string>();
    for (const entry of entries) {
        const { resource, ...physical } = entry;
        const key = `${resource.type} ${JSON.stringify(physical)}`;
        const other = seen.get(key);
        if (other === undefined) {
            seen.set(key, item.grant);
        } else if (other !== item.grant && !reported.has(other.key)) {
            reported.add(other.key);
            findings.problem(
                [...item.at, "access"],
                `binds ${JSON.stringify(entry.role)} to the same principalSet on the same target as ${formatPath(other.path)} (both grants have the same conditions and access direct): one IAM binding under two names, which deleting either grant would remove for both; grant the role in one of them only`,
            );
        }
    }
}

function plannedAccount(item: GcpGrant, accountId: string, shared: Shared, findings: Findings): PlannedAccount {
    const { gcp, scope } = shared;
    const { grant } = item;
    const email = serviceAccountEmail(accountId, gcp.project);
    const bindings = item.identity !== undefined && scope !== undefined ? deployerBindings(item.identity.role, scope) : undefined;
    const granted = grantReach(item, shared, findings);
    const roles = bindings !== undefined ? bindings.filter((b) => b.on === "project").map((b) => b.role) : granted.roles;
    const reached = (bindings ?? []).filter((b) => b.target !== undefined);
    const gateMembers = grantGates(grant).map((g) => groupMember(shared.projectNumber, gcp.poolId, g));
    const members = [
        ...memberEntries(grant, gcp, accountId, gateMembers, bindings !== undefined ? [] : roles),
        ...granted.reach.map((b) => bindingEntry(grant, b, `serviceAccount:${email}`, "")),
        ...(bindings ?? []).map((b) => deployerEntry(grant, gcp, scope!, email, b)),
    ];
    const summary: GcpSummary = {
        accountId,
        email,
        audience: shared.audience,
        members: gateMembers,
        roles,
        ...reachSummary([...granted.reach, ...reached.map((b) => ({ target: b.target!, role: b.role }))]),
        ...(bindings !== undefined ? { roleReasons: Object.fromEntries(bindings.map((b) => [roleOn(b), b.reason])) } : {}),
        ...summaryTail(grant, shared),
    };
    return { account: serviceAccountEntry(item, gcp, accountId), members, summary };
}

/** Plans GCP for the grants that have `gcp` (and the deployer's identities). */
export function planGcp(ctx: PlanContext<GcpConfig, GcpGrantConfig>): TargetPlanResult<GcpPlan, GcpSummary> {
    const { gitlab, section: gcp, grants, findings } = ctx;
    const projectNumber = String(gcp.projectNumber);
    const providerResourceName = providerFullName(projectNumber, gcp.poolId, gcp.providerId);
    const audience = gcp.audience ?? `https:${providerResourceName}`;
    checkKeys(gitlab, gcp, findings);
    checkAdoption(gcp, findings);
    const description = `GitLab CI ID tokens from ${gitlab.url} (managed by gitlab-federation)`;
    const { providers, providerOf } = plannedProviders(ctx, providerResourceName, audience, description);
    const shared: Shared = { gcp, projectNumber, audience, scope: gcpDeployer(ctx), providerOf, shardOf: ctx.sharding?.shardOf };
    const owners = new Map<string, ResolvedGrant>();
    const summaries = new Map<number, GcpSummary>();
    const accounts: GcpServiceAccountEntry[] = [];
    const members: GcpIamMemberEntry[] = [];
    checkProjectIds(gcp, findings);
    const directBindings = new Map<string, ResolvedGrant>();
    if (ctx.sharding !== undefined && gcp.projects !== undefined) {
        findings.problem(["gcp", "projects"], `is not supported with gitlab-federation:sharding yet (a shard stack would need every project's provider): remove gcp.projects or sharding`);
    }
    for (const item of grants) {
        if (item.identity === undefined && item.fields.access === "direct") {
            const planned = plannedDirect(item, shared, findings);
            checkSharedBindings(item, planned.members, directBindings, findings);
            members.push(...planned.members);
            summaries.set(item.grant.index, planned.summary);
            continue;
        }
        const accountId = item.fields?.accountId ?? gcpAccountId(item.grant.namesPath, item.grant.namesGrant);
        const owner = owners.get(accountId);
        if (owner !== undefined) {
            findings.problem(item.at, `service account ID ${JSON.stringify(accountId)} is also the ID of ${formatPath(owner.path)} (derived IDs lowercase the path and turn "/", "." and "_" into "-"): set gcp.accountId on one of them`);
            continue;
        }
        owners.set(accountId, item.grant);
        const planned = plannedAccount(item, accountId, shared, findings);
        accounts.push(planned.account);
        members.push(...planned.members);
        summaries.set(item.grant.index, planned.summary);
    }
    checkQuotas(gcp, accounts.length, members.filter((m) => m.resource.type !== RESOURCE.folderIamMember && (!("projectKey" in m) || m.projectKey === undefined)).length, findings);
    checkProjectWrites(gcp, members, WIF_WRITES_PER_MINUTE, findings);
    const providersOfProjects = projectProviders(gcp);
    checkProtection(gcp, findings);
    return {
        plan: {
            poolAdoption: gcp.adopt?.pool ?? "create",
            providerResourceName,
            audience,
            pools: gcp.adopt?.pool === "external" ? [] : [poolEntry(gcp, description)],
            providers,
            serviceAccounts: accounts,
            iamMembers: members,
            ...(providersOfProjects.length > 0 ? { projectProviders: providersOfProjects } : {}),
        },
        grants: summaries,
        audience,
    };
}

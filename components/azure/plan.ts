/**
 * Azure's plan: the resource groups (shared), and per grant with `azure` a user-assigned managed
 * identity, its federated identity credentials (subjects.ts) and its role assignments; the
 * deployer's identities get the roles deployer.ts derives. Pure: the component that registers
 * these entries with @pulumi/azure-native comes with the target interface.
 *
 * Replacements (azure-native 3.x; see the design notes): an identity is replaced only when its
 * location changes (x-ms-mutability read/create), under the same name, and its role assignments
 * with it (principalId forces a new assignment), under the same name too, so both are deleted
 * before they are replaced. Everything else that changes a name is a new resource with a new name.
 *
 * Logical names: `identities` and `deployer-identities` (the resource groups),
 * `<project id>/<grant>` (the identity), `<project id>/<grant>/<credential name>` and
 * `<project id>/<grant>/role-<role GUID>-<hash of the scope>`; physical names in names.ts.
 */
import type { Findings, PathSegment } from "../../src/core/findings";
import { compare } from "../../src/core/findings";
import type { ResolvedGrant } from "../../src/core/model";
import { grantMeta, meta } from "../../src/core/resources";
import type { GitlabConfig } from "../../src/core/schema";
import type { PlanContext, TargetPlanResult } from "../target";
import { type PlannedRole, azureEnforcement, checkAcknowledgements, checkIdentityName, checkIssuer, checkLocation, checkQuota, checkRefs, checkRoles, checkTags, sectionWarnings } from "./checks";
import { type DeployerScopes, checkDeployer, deployerAssignments } from "./deployer";
import { ANCHOR, RESOURCE, azureIdentityName, identityId, resourceGroupScope, roleAssignmentName, roleAssignmentSuffix, roleDefinitionId } from "./names";
import type { AzurePlan, AzureSummary, FederatedCredentialEntry, IdentityEntry, ResourceGroupEntry, RoleAssignmentEntry } from "./plan-schema";
import { type AzureConfig, type AzureDeployerConfig, AzureDeployerSchema, type AzureGrantConfig } from "./schema";
import { federatedCredentials } from "./subjects";

export const MANAGED_BY_TAG = { "managed-by": "gitlab-federation" } as const;

/** The resource groups: the grants' identities', and the deployer's with a deployer section. */
function resourceGroups(azure: AzureConfig, tags: Readonly<Record<string, string>>, withDeployer: boolean): ResourceGroupEntry[] {
    const groups: ResourceGroupEntry[] = [
        {
            resource: meta(RESOURCE.resourceGroup, ANCHOR.identities, azure.protect, azure.adopt?.resourceGroup === "import" ? { import: resourceGroupScope(azure.subscriptionId, azure.resourceGroup.name) } : {}),
            resourceGroupName: azure.resourceGroup.name,
            location: azure.resourceGroup.location,
            tags: { ...tags },
        },
    ];
    const own = azure.deployerResourceGroup;
    if (withDeployer && own !== undefined) {
        groups.push({ resource: meta(RESOURCE.resourceGroup, ANCHOR.deployerIdentities, azure.protect), resourceGroupName: own.name, location: own.location, tags: { ...tags } });
    }
    return groups;
}

/** A grant's role assignments, named from scope, role and the identity's ID. */
function roleAssignments(grant: ResolvedGrant, roles: readonly (Pick<PlannedRole, "roleId" | "scope"> & { condition?: string })[], identity: { id: string }, azure: AzureConfig): RoleAssignmentEntry[] {
    return roles.map(({ roleId, scope, condition }) => ({
        // Replaced only when the identity is (principalId forces a new one): same name, so delete first.
        resource: grantMeta(RESOURCE.roleAssignment, grant, roleAssignmentSuffix(roleId, scope), { deleteBeforeReplace: true }),
        scope,
        roleDefinitionId: roleDefinitionId(azure.subscriptionId, roleId),
        roleAssignmentName: roleAssignmentName(scope, roleId, identity.id),
        identity: identity.id,
        principalType: "ServicePrincipal" as const,
        description: `GitLab CI ${grant.project} (id ${grant.projectId}) grant ${grant.grant}`.slice(0, 512),
        ...(condition !== undefined ? { condition, conditionVersion: "2.0" as const } : {}),
    }));
}

/** The deployer's applier and its Azure settings (deployer.azure), when the map has a deployer section. */
function deployerOf(ctx: PlanContext<AzureConfig, AzureGrantConfig>) {
    if (ctx.deployer === undefined) {
        return undefined;
    }
    const { config, settings } = ctx.deployer;
    const parsed: AzureDeployerConfig = AzureDeployerSchema.parse(settings ?? {});
    return { environment: config.applier.environment, refs: [config.applier.ref].flat(), clientIds: parsed.clientIds ?? {}, ...(parsed.acknowledge !== undefined ? { acknowledge: parsed.acknowledge } : {}) };
}

/** Plans Azure for the grants that have `azure`. */
export function planAzure(ctx: PlanContext<AzureConfig, AzureGrantConfig>): TargetPlanResult<AzurePlan, AzureSummary> {
    const { gitlab, section: azure, grants, findings } = ctx;
    checkIssuer(gitlab.url, findings);
    checkTags(azure.tags ?? {}, findings);
    checkLocation(azure.resourceGroup.location, ["azure", "resourceGroup", "location"], findings);
    if (azure.deployerResourceGroup !== undefined) {
        checkLocation(azure.deployerResourceGroup.location, ["azure", "deployerResourceGroup", "location"], findings);
    }
    const tags = { ...MANAGED_BY_TAG, ...(azure.tags ?? {}) };
    const groups = [azure.resourceGroup, azure.deployerResourceGroup].flatMap((g) => (g === undefined ? [] : [resourceGroupScope(azure.subscriptionId, g.name)]));
    const planned = new Map<number, PlannedRole[]>();
    for (const target of grants) {
        if (target.identity === undefined) {
            checkAcknowledgements(target, findings);
            planned.set(target.grant.index, checkRoles(target, azure, groups, findings));
        }
    }
    const grantRoles = [...planned.values()].flat();
    const deployer = deployerOf(ctx);
    const deployerOk = checkDeployer(azure, deployer, grantRoles, findings);
    const scopes: DeployerScopes = { identities: groups[0]!, deployerIdentities: groups[1] ?? groups[0]!, grantRoles };
    const plan = { identities: [] as IdentityEntry[], federatedIdentityCredentials: [] as FederatedCredentialEntry[], roleAssignments: [] as RoleAssignmentEntry[] };
    const summaries = new Map<number, AzureSummary>();
    const owners = new Map<string, ResolvedGrant>();
    for (const target of grants) {
        const who = target.identity?.role;
        if (who !== undefined && !deployerOk) {
            checkRefs(target.grant, findings);
            continue;
        }
        const roles = who === undefined ? planned.get(target.grant.index)! : deployerAssignments(who, scopes).map((a) => ({ roleId: a.role.id, label: a.role.name, scope: a.scope, ...(a.condition !== undefined ? { condition: a.condition } : {}) }));
        const group = who === undefined ? azure.resourceGroup : azure.deployerResourceGroup!;
        const summary = planGrant({ grant: target.grant, at: target.at, identityName: target.fields?.identityName }, group, roles, { gitlab, azure, tags, owners, findings }, plan);
        const clientId = who === undefined ? undefined : deployer?.clientIds[who];
        if (summary !== undefined) {
            summaries.set(target.grant.index, clientId !== undefined ? { ...summary, clientId } : summary);
        }
    }
    checkQuota(plan.roleAssignments.length, azure, findings);
    sectionWarnings(azure, grants.map((g) => g.grant), findings);
    return {
        plan: { tenantId: azure.tenantId, subscriptionId: azure.subscriptionId, issuer: gitlab.url, audience: azure.audience, resourceGroups: resourceGroups(azure, tags, deployer !== undefined && deployerOk), ...plan },
        grants: summaries,
        audience: azure.audience,
    };
}

interface GrantPlanning {
    readonly gitlab: GitlabConfig;
    readonly azure: AzureConfig;
    readonly tags: Readonly<Record<string, string>>;
    readonly owners: Map<string, ResolvedGrant>;
    readonly findings: Findings;
}

/** One grant's identity, credentials and role assignments, added to `plan`; its summary, or undefined when it cannot be planned. */
function planGrant(
    { grant, at, identityName }: { readonly grant: ResolvedGrant; readonly at: readonly PathSegment[]; readonly identityName: string | undefined },
    group: { readonly name: string; readonly location: string },
    roles: readonly (Pick<PlannedRole, "roleId" | "label" | "scope"> & { condition?: string })[],
    { gitlab, azure, tags, owners, findings }: GrantPlanning,
    plan: { identities: IdentityEntry[]; federatedIdentityCredentials: FederatedCredentialEntry[]; roleAssignments: RoleAssignmentEntry[] },
): AzureSummary | undefined {
    const refsOk = checkRefs(grant, findings);
    const name = identityName ?? azureIdentityName(grant.namesPath, grant.namesGrant);
    if (!checkIdentityName(name, group.name, grant, owners, at, findings) || !refsOk) {
        return undefined;
    }
    if (grant.project.length > 256) {
        findings.problem(grant.path, `the project path is ${grant.project.length} characters; it becomes the gitlab-project tag of the managed identity, whose values hold at most 256`);
    }
    const id = identityId(azure.subscriptionId, group.name, name);
    plan.identities.push({
        // Replaced only on a new location, under the same name: delete first.
        resource: grantMeta(RESOURCE.identity, grant, "", { deleteBeforeReplace: true }),
        resourceGroupName: group.name,
        resourceName: name,
        location: group.location,
        tags: { ...tags, "gitlab-project": grant.project, "gitlab-project-id": grant.projectId, "gitlab-grant": grant.grant },
    });
    const credentials = federatedCredentials(grant, { resourceGroupName: group.name, name }, gitlab.url, azure.audience);
    plan.federatedIdentityCredentials.push(...credentials);
    plan.roleAssignments.push(...roleAssignments(grant, roles, { id }, azure));
    return {
        identityName: name,
        identityId: id,
        tenantId: azure.tenantId,
        subscriptionId: azure.subscriptionId,
        audience: azure.audience,
        subjects: credentials.map((c) => c.subject),
        roles: roles.map((r) => ({ role: r.label, scope: r.scope })).sort((a, b) => compare(a.scope, b.scope) || compare(a.role, b.role)),
        enforcement: azureEnforcement(grant) as AzureSummary["enforcement"],
    };
}

/**
 * The Azure roles of the federation pipeline's own identities (gitlab-federation:deployer):
 * - the applier gets Managed Identity Contributor on azure.resourceGroup (create, update, delete
 *   the grants' identities and their federated credentials: "Microsoft.ManagedIdentity/
 *   userAssignedIdentities/federatedIdentityCredentials/write", built-in-roles/identity.md
 *   § Managed Identity Contributor), Reader on azure.deployerResourceGroup (refresh reads its own
 *   identities, which it must not write), and at every scope a grant names, Role Based Access
 *   Control Administrator under a condition that lets it write and delete role assignments only
 *   of the roles the map grants at that scope, and only for service principals (managed
 *   identities are service principals);
 * - the planner gets Reader on both resource groups and on every scope a grant names.
 *
 * The condition follows "Examples to delegate Azure role assignment management with conditions"
 * § "Example: Constrain roles and principal types"
 * (MicrosoftDocs/azure-docs articles/role-based-access-control/delegate-role-assignments-examples.md,
 * https://learn.microsoft.com/azure/role-based-access-control/delegate-role-assignments-examples):
 * a write is checked on @Request[...] attributes, a delete on @Resource[...] attributes ("you
 * must add two conditions ... because the attribute source is different for each action"), and
 * conditionVersion "2.0" is "the only accepted value" (@pulumi/azure-native 3.28.0
 * authorization/roleAssignment.d.ts). The PrincipalType a write is checked against is the one the
 * request carries: every role assignment this program plans sends principalType ServicePrincipal
 * (azurerm role_assignment doc on principal_type: "It is necessary to explicitly set this
 * attribute when creating role assignments if the principal creating the assignment is
 * constrained by ABAC rules that filters on the PrincipalType attribute").
 *
 * One assignment per scope, each listing only that scope's roles: Azure allows an action when any
 * of the principal's assignments allows it, so at a scope the applier may assign exactly the roles
 * the map grants there or above. It can assign them to itself too: its reach is the union of what
 * the map grants, as on the other targets. A role added to a scope widens the condition, which
 * only an administrator can write (the applier may not assign Role Based Access Control
 * Administrator): a map change that adds a (role, scope) pair needs an administrator's pulumi up.
 * Condition size limit: 8 KB ("Azure RBAC limits", role assignment condition).
 */
import { compare } from "../../src/core/findings";
import type { Findings } from "../../src/core/findings";
import type { DeployerRole } from "../../src/core/model";
import { covers } from "./names";
import { type BuiltInRole, MANAGED_IDENTITY_CONTRIBUTOR, RBAC_ADMINISTRATOR, READER } from "./roles";
import type { PlannedRole } from "./checks";
import { AzureDeployerSchema } from "./schema";
import type { DeployerCapability } from "../target";

/** Where the map acknowledges that Azure cannot check the applier's environment. */
const ACKNOWLEDGE = ["deployer", "azure", "acknowledge"];

/** The deployer's settings in Azure: `gitlab-federation:deployer.azure`. */
export const AZURE_DEPLOYER: DeployerCapability = { settings: AzureDeployerSchema };

/** The role assignment condition's size limit, in characters. */
export const MAX_CONDITION_LENGTH = 8192;

/** The condition that lets a role assignment write or delete only these roles, for service principals. */
export function applierCondition(roleIds: readonly string[]): string {
    const ids = [...new Set(roleIds.map((id) => id.toLowerCase()))].sort(compare).join(", ");
    const guard = (action: "write" | "delete", source: "Request" | "Resource") =>
        `((!(ActionMatches{'Microsoft.Authorization/roleAssignments/${action}'})) OR (@${source}[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {${ids}} AND @${source}[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {'ServicePrincipal'}))`;
    return `${guard("write", "Request")} AND ${guard("delete", "Resource")}`;
}

/** A role assignment of a deployer identity. */
export interface DeployerAssignment {
    readonly role: BuiltInRole;
    /** The scope's ARM ID. */
    readonly scope: string;
    readonly condition?: string;
    readonly conditionVersion?: "2.0";
}

/** Where the deployer works: the two resource groups' IDs and the roles the grants get. */
export interface DeployerScopes {
    readonly identities: string;
    readonly deployerIdentities: string;
    readonly grantRoles: readonly Pick<PlannedRole, "roleId" | "scope">[];
}

/** Each scope once (ARM IDs compare case-insensitively), in the spelling that sorts first; sorted. */
function distinctScopes(scopes: readonly string[]): string[] {
    const byKey = new Map<string, string>();
    for (const scope of [...scopes].sort(compare)) {
        if (!byKey.has(scope.toLowerCase())) {
            byKey.set(scope.toLowerCase(), scope);
        }
    }
    return [...byKey.values()];
}

/** The scopes among `scopes` that no other of them covers, each once, sorted. */
export function outermost(scopes: readonly string[]): string[] {
    const unique = distinctScopes(scopes);
    return unique.filter((scope) => !unique.some((other) => other !== scope && covers(other, scope)));
}

/** The roles granted at each scope. */
function rolesByScope(grantRoles: DeployerScopes["grantRoles"]): Map<string, string[]> {
    return new Map(distinctScopes(grantRoles.map((r) => r.scope)).map((scope) => [scope, grantRoles.filter((r) => r.scope.toLowerCase() === scope.toLowerCase()).map((r) => r.roleId)]));
}

/** The role assignments of the planner or the applier. */
export function deployerAssignments(who: DeployerRole, s: DeployerScopes): DeployerAssignment[] {
    if (who === "planner") {
        return outermost([s.identities, s.deployerIdentities, ...s.grantRoles.map((r) => r.scope)]).map((scope) => ({ role: READER, scope }));
    }
    const assignments: DeployerAssignment[] = [
        { role: MANAGED_IDENTITY_CONTRIBUTOR, scope: s.identities },
        { role: READER, scope: s.deployerIdentities },
    ];
    for (const [scope, roles] of rolesByScope(s.grantRoles)) {
        assignments.push({ role: RBAC_ADMINISTRATOR, scope, condition: applierCondition(roles), conditionVersion: "2.0" });
    }
    return assignments;
}

/**
 * The deployer's requirements in Azure: a resource group of its own for its identities, an
 * acknowledgement that Azure cannot check the applier's environment, conditions within Azure's
 * limit. Warns about roles the applier may assign that assign roles themselves. Returns whether
 * the deployer's role assignments can be planned (false without a deployer section).
 */
export function checkDeployer(
    azure: { readonly resourceGroup: { readonly name: string }; readonly deployerResourceGroup?: { readonly name: string } },
    deployer: { readonly environment: string; readonly refs: readonly string[]; readonly acknowledge?: string } | undefined,
    grantRoles: readonly PlannedRole[],
    findings: Findings,
): boolean {
    if (deployer === undefined) {
        return false;
    }
    let ok = true;
    const own = azure.deployerResourceGroup;
    if (own === undefined) {
        findings.problem(["azure", "deployerResourceGroup"], `is required with gitlab-federation:deployer: the deployer's identities need a resource group other than azure.resourceGroup, where the applier may write every identity (its own included); name one, e.g. { name: "gitlab-federation-deployer", location: "westeurope" }`);
        ok = false;
    } else if (own.name.toLowerCase() === azure.resourceGroup.name.toLowerCase()) {
        findings.problem(["azure", "deployerResourceGroup", "name"], `is azure.resourceGroup's name ${JSON.stringify(azure.resourceGroup.name)}: the applier may write every identity there and could add a federated credential to its own; name another resource group`);
        ok = false;
    }
    if (deployer.acknowledge === undefined) {
        findings.problem(
            ACKNOWLEDGE,
            `is required with an azure section: Azure sees only iss, sub and aud, so any job of a pipeline on ${deployer.refs.join(", ")} can log in as the applier's identity, not only pulumi up in ${deployer.environment}, and Azure cannot check that the branch is protected; give the reason this is acceptable (e.g. the branch is protected and every job on it is reviewed)`,
        );
        ok = false;
    } else {
        findings.loosen(ACKNOWLEDGE, "Azure does not check the applier's environment or protection", deployer.acknowledge);
    }
    for (const [scope, roles] of rolesByScope(grantRoles)) {
        const length = applierCondition(roles).length;
        if (length > MAX_CONDITION_LENGTH) {
            findings.problem(["azure"], `the applier's condition at ${scope} lists ${new Set(roles).size} roles and is ${length} characters, above Azure's ${MAX_CONDITION_LENGTH} for a role assignment condition: grant fewer distinct roles at that scope`);
            ok = false;
        }
    }
    for (const role of grantRoles.filter((r) => r.privilege === "assignsRoles")) {
        findings.warn(role.at, `the applier may assign ${JSON.stringify(role.label)} at ${role.scope} (the map grants it there), so it can take that role itself and assign any role there`);
    }
    return ok;
}

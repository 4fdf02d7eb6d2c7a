/**
 * Azure's names: resource type tokens, logical (URN) names, physical names and ARM IDs. See
 * src/core/names.ts for the rules every target follows (names from map keys, never positions).
 *
 * Physical names that Azure fixes at creation are chosen so that nothing a reviewer reorders
 * renames anything:
 * - a federated credential's name "must be URL friendly ... It's immutable once created"
 *   (Entra "Important considerations and restrictions for federated identity credentials",
 *   https://learn.microsoft.com/entra/workload-id/workload-identity-federation-considerations);
 *   the ARM spec's pattern is `^[a-zA-Z0-9]{1}[a-zA-Z0-9-_]{2,119}$`
 *   (Azure/azure-rest-api-specs specification/msi/resource-manager/Microsoft.ManagedIdentity/stable/2023-01-31/ManagedIdentity.json,
 *   parameter FederatedIdentityCredentialResourceNameParameter). It is derived from the ref type
 *   and ref only, so a project rename updates the subject in place instead of replacing it;
 * - a role assignment's name "can be any valid GUID" (@pulumi/azure-native 3.28.0
 *   authorization/roleAssignment.d.ts RoleAssignmentArgs.roleAssignmentName; ARM "Role
 *   Assignments - Create" roleAssignmentName). A UUIDv5 of scope, role and identity keeps it stable
 *   across runs, and changes exactly when one of the three does (azure-native replaces a role
 *   assignment on a new name: it is a path parameter).
 */
import { createHash } from "node:crypto";
import { fitName, pathSlug, shortHash } from "../../src/core/names";

/** Type token of the component that registers Azure's resources (component.ts). */
export const COMPONENT = { federation: "gitlab-federation:azure:WorkloadIdentityFederation" } as const;

/** Resource type tokens of the resources the plan describes (as the Pulumi engine knows them). */
export const RESOURCE = {
    resourceGroup: "azure-native:resources:ResourceGroup",
    identity: "azure-native:managedidentity:UserAssignedIdentity",
    federatedCredential: "azure-native:managedidentity:FederatedIdentityCredential",
    roleAssignment: "azure-native:authorization:RoleAssignment",
} as const;

/** Logical names of what the grants share: fixed, so the groups keep their URNs whatever their names. */
export const ANCHOR = { identities: "identities", deployerIdentities: "deployer-identities" } as const;

/** Default identity name: `gitlab-platform-api--deploy`, at most 128 characters of [a-z0-9_-]. */
export function azureIdentityName(projectPath: string, grant: string): string {
    return fitName(`gitlab-${pathSlug(projectPath).replace(/[^a-z0-9_-]/g, "-")}--${grant}`, 128);
}

/** GitLab's default sub after the project path: `ref_type:<type>:ref:<ref>`, the key of a federated credential on its identity. */
export function refKey(refType: string, ref: string): string {
    return `ref_type:${refType}:ref:${ref}`;
}

/** A federated credential's name: `branch-main-<hash of the ref key>`, at most 120 characters. */
export function credentialName(refType: string, ref: string): string {
    const readable = `${refType}-${ref.replace(/[^A-Za-z0-9_-]/g, "-")}`.slice(0, 111).replace(/[-_]+$/, "");
    return `${readable}-${shortHash(refKey(refType, ref))}`;
}

/** Logical name suffix of a federated credential below its grant. */
export function credentialSuffix(name: string): string {
    return `/${name}`;
}

/** Logical name suffix of a role assignment below its grant: keyed on the role's GUID and the scope (ARM IDs are case-insensitive). */
export function roleAssignmentSuffix(roleId: string, scope: string): string {
    return `/role-${roleId}-${shortHash(scope.toLowerCase())}`;
}

const HEX = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** RFC 9562 §5.5: a name-based UUID, version 5 (SHA-1), in its lowercase text form. */
export function uuidV5(namespace: string, name: string): string {
    if (!HEX.test(namespace)) {
        throw new Error(`internal error: ${JSON.stringify(namespace)} is not a lowercase UUID`);
    }
    const bytes = createHash("sha1").update(Buffer.from(namespace.replace(/-/g, ""), "hex")).update(name, "utf8").digest().subarray(0, 16);
    bytes[6] = (bytes[6]! & 0x0f) | 0x50;
    bytes[8] = (bytes[8]! & 0x3f) | 0x80;
    const hex = bytes.toString("hex");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** RFC 9562 Appendix A's URL namespace. */
export const URL_NAMESPACE = "6ba7b811-9dad-11d1-80b4-00c04fd430c8";

/** The namespace of this program's role assignment names. */
export const ROLE_ASSIGNMENT_NAMESPACE = uuidV5(URL_NAMESPACE, "https://gitlab.com/gitlab-federation/azure/role-assignment");

/** A role assignment's name: the UUIDv5 of scope, role and the assigned identity's ID, compared case-insensitively as ARM does. */
export function roleAssignmentName(scope: string, roleId: string, principalKey: string): string {
    return uuidV5(ROLE_ASSIGNMENT_NAMESPACE, [scope, roleId, principalKey].map((part) => part.toLowerCase()).join("|"));
}

export function subscriptionScope(subscriptionId: string): string {
    return `/subscriptions/${subscriptionId}`;
}

export function resourceGroupScope(subscriptionId: string, resourceGroup: string): string {
    return `${subscriptionScope(subscriptionId)}/resourceGroups/${resourceGroup}`;
}

/** A user-assigned identity's ARM ID. */
export function identityId(subscriptionId: string, resourceGroup: string, name: string): string {
    return `${resourceGroupScope(subscriptionId, resourceGroup)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`;
}

/**
 * A role definition's full ID, qualified by the subscription of the scope it is assigned at: the
 * form ARM reads back. The bare `/providers/Microsoft.Authorization/roleDefinitions/<guid>` form
 * is accepted too, but may then differ from what a refresh reads (UNVERIFIED for azure-native 3.x).
 */
export function roleDefinitionId(subscriptionId: string, roleId: string): string {
    return `${subscriptionScope(subscriptionId)}/providers/Microsoft.Authorization/roleDefinitions/${roleId}`;
}

/** Whether `outer` is `inner` or one of its ancestors (ARM IDs compare case-insensitively). */
export function covers(outer: string, inner: string): boolean {
    const o = outer.toLowerCase();
    const i = inner.toLowerCase();
    return i === o || i.startsWith(`${o}/`);
}

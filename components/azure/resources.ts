/**
 * The Azure target's resource table: per resource type, the component that registers it, what
 * azure-native does with a change, and the fields that name the physical object. azure-native
 * replaces a resource when a path parameter changes, when a property lacks "update" in its
 * x-ms-mutability, and for the properties of its forceNewMap (pulumi/pulumi-azure-native
 * provider/pkg/gen/replacement.go: Authorization/RoleAssignment principalId and scope,
 * Resources/ResourceGroup location; properties.go forceNew):
 * - ResourceGroup: resourceGroupName (path), location;
 * - UserAssignedIdentity: resourceGroupName, resourceName (path), location (x-ms-mutability read,
 *   create in the msi 2023-01-31 spec);
 * - FederatedIdentityCredential: the three path parameters; issuer, subject and audiences are
 *   updated in place;
 * - RoleAssignment: scope, roleAssignmentName (path) and principalId (`identity` here: its
 *   change changes roleAssignmentName too, which is keyed on the identity's ARM ID).
 * The applier has no resourceGroups/write (deployer.ts): the resource groups are an
 * administrator's to create and change.
 */
import type { Entry } from "../../src/core/resources";
import type { ResourceKind, TargetResources } from "../target";
import { COMPONENT, RESOURCE } from "./names";
import { AZURE_CREDENTIAL_INFORMATIONAL, AZURE_ROLE_ASSIGNMENT_INFORMATIONAL, type AzurePlan } from "./plan-schema";

export const KINDS: Readonly<Record<string, ResourceKind>> = {
    [RESOURCE.resourceGroup]: { parent: COMPONENT.federation, replaceOn: ["resourceGroupName", "location"], identity: ["resourceGroupName"], adminOnly: "all" },
    [RESOURCE.identity]: { parent: COMPONENT.federation, replaceOn: ["resourceGroupName", "resourceName", "location"], identity: ["resourceGroupName", "resourceName"] },
    [RESOURCE.federatedCredential]: {
        parent: COMPONENT.federation,
        replaceOn: ["resourceGroupName", "resourceName", "federatedIdentityCredentialResourceName"],
        identity: ["resourceGroupName", "resourceName", "federatedIdentityCredentialResourceName"],
        informational: AZURE_CREDENTIAL_INFORMATIONAL,
    },
    [RESOURCE.roleAssignment]: { parent: COMPONENT.federation, replaceOn: ["scope", "roleAssignmentName"], identity: ["scope", "roleAssignmentName"], informational: AZURE_ROLE_ASSIGNMENT_INFORMATIONAL },
};

export const AZURE_RESOURCES: TargetResources<AzurePlan> = {
    kinds: KINDS,
    entries: (plan): Entry[] => [...plan.resourceGroups, ...plan.identities, ...plan.federatedIdentityCredentials, ...plan.roleAssignments],
    select: (plan, keep) => ({
        ...plan,
        resourceGroups: plan.resourceGroups.filter(keep),
        identities: plan.identities.filter(keep),
        federatedIdentityCredentials: plan.federatedIdentityCredentials.filter(keep),
        roleAssignments: plan.roleAssignments.filter(keep),
    }),
};

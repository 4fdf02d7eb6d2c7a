/**
 * Azure's part of `plan --json`: the resources it registers (the arguments of the
 * @pulumi/azure-native resources, plus two keys for the component) and what each grant gets. The
 * types the planner and the component use are derived from these schemas.
 */
import { z } from "zod";
import { EnforcementSchema, resourceMeta, stringMap, strings } from "../../src/core/resources";
import { RESOURCE } from "./names";

export const ResourceGroupEntrySchema = z.strictObject({
    resource: resourceMeta(RESOURCE.resourceGroup),
    resourceGroupName: z.string(),
    location: z.string(),
    tags: stringMap,
});

export const IdentityEntrySchema = z.strictObject({
    resource: resourceMeta(RESOURCE.identity),
    resourceGroupName: z.string(),
    resourceName: z.string().meta({ description: "The user-assigned managed identity's name." }),
    location: z.string(),
    tags: stringMap,
});

export const FederatedCredentialEntrySchema = z.strictObject({
    resource: resourceMeta(RESOURCE.federatedCredential),
    resourceGroupName: z.string(),
    resourceName: z.string().meta({ description: "The identity's name (the credential's parent)." }),
    federatedIdentityCredentialResourceName: z.string(),
    issuer: z.string(),
    subject: z.string().meta({ description: "GitLab's sub for one exact ref: Azure compares it exactly." }),
    audiences: z.array(z.string()).length(1),
    after: z
        .string()
        .optional()
        .meta({ description: "Not an argument: the logical name of the credential written before this one on the same identity (dependsOn), as Azure refuses concurrent writes on one identity." }),
});

export const RoleAssignmentEntrySchema = z.strictObject({
    resource: resourceMeta(RESOURCE.roleAssignment),
    scope: z.string(),
    roleDefinitionId: z.string(),
    roleAssignmentName: z.string().meta({ description: "A UUIDv5 of scope, role and the identity's ARM ID." }),
    identity: z.string().meta({ description: "Not an argument: the assigned identity's ARM ID; the component passes its principalId." }),
    principalType: z.literal("ServicePrincipal"),
    description: z.string(),
    condition: z.string().optional(),
    conditionVersion: z.literal("2.0").optional(),
});

export const AzurePlanSchema = z.strictObject({
    tenantId: z.string(),
    subscriptionId: z.string(),
    issuer: z.string().meta({ description: "GitLab's URL: every federated credential's issuer." }),
    audience: z.string(),
    resourceGroups: z.array(ResourceGroupEntrySchema),
    identities: z.array(IdentityEntrySchema),
    federatedIdentityCredentials: z.array(FederatedCredentialEntrySchema),
    roleAssignments: z.array(RoleAssignmentEntrySchema),
});

export const AzureSummarySchema = z.strictObject({
    identityName: z.string(),
    identityId: z.string().meta({ description: "The identity's ARM ID." }),
    clientId: z.string().optional().meta({ description: "The deployer's identities: their client ID as deployer.azure.clientIds gives it (a grant's exists only once deployed)." }),
    tenantId: z.string(),
    subscriptionId: z.string(),
    audience: z.string(),
    subjects: strings,
    roles: z.array(z.strictObject({ role: z.string(), scope: z.string() })),
    enforcement: EnforcementSchema,
});

export type ResourceGroupEntry = z.output<typeof ResourceGroupEntrySchema>;
export type IdentityEntry = z.output<typeof IdentityEntrySchema>;
export type FederatedCredentialEntry = z.output<typeof FederatedCredentialEntrySchema>;
export type RoleAssignmentEntry = z.output<typeof RoleAssignmentEntrySchema>;
export type AzurePlan = z.output<typeof AzurePlanSchema>;
export type AzureSummary = z.output<typeof AzureSummarySchema>;

/** Keys of entries that are for the component and readers, not arguments of the azure-native resources. */
export const AZURE_CREDENTIAL_INFORMATIONAL = ["after"] as const;
export const AZURE_ROLE_ASSIGNMENT_INFORMATIONAL = ["identity"] as const;

/**
 * The Azure part of the map: the `gitlab-federation:azure` section (the tenant, the subscription
 * and the resource group that holds the grants' user-assigned managed identities) and a grant's
 * `azure` field (the roles its identity gets, each at an explicit scope).
 *
 * Name rules: "Naming rules and restrictions for Azure resources"
 * (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules):
 * resource groups 1-90 characters of underscores, hyphens, periods, parentheses, letters and
 * digits, not ending with a period (§ Microsoft.Resources; this schema admits the ASCII letters
 * and digits only); user-assigned identities 3-128 alphanumerics, hyphens and underscores,
 * starting with a letter or digit (§ Microsoft.ManagedIdentity).
 */
import { z } from "zod";
import { AudienceSchema, reason } from "../../src/core/schema";

const q = JSON.stringify;

/** A GUID as ARM and Entra write them (any case). */
export const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** A resource group name: 1-90 of [A-Za-z0-9_.()-], not ending with ".". */
export const RESOURCE_GROUP_NAME = /^[A-Za-z0-9_.()-]{0,89}[A-Za-z0-9_()-]$/;

/** A user-assigned managed identity name: 3-128 of [A-Za-z0-9_-], starting with a letter or digit. */
export const IDENTITY_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{2,127}$/;

/** A region as ARM writes it (`westeurope`, `eastus2`): lowercase letters and digits. */
const LOCATION = /^[a-z][a-z0-9]{1,39}$/;

/** A resource ID below a resource group: `/subscriptions/<guid>/resourceGroups/<rg>/providers/<Namespace>/<type>/<name>[/<type>/<name>...]`. */
export const RESOURCE_ID = new RegExp(
    `^/subscriptions/(${GUID.source.slice(1, -1)})/resourceGroups/(${RESOURCE_GROUP_NAME.source.slice(1, -1)})/providers/[A-Za-z][A-Za-z0-9]*(\\.[A-Za-z][A-Za-z0-9]*)+(/[A-Za-z][A-Za-z0-9]*/[A-Za-z0-9._()~@-]+)+$`,
    "i",
);

function guid(what: string) {
    return z.string().regex(GUID, { error: (i) => `must be ${what}, a GUID such as "8f0e1b0c-1d2e-4f3a-9b8c-7d6e5f4a3b2c", got ${q(i.input)}` });
}

export const ResourceGroupNameSchema = z
    .string()
    .regex(RESOURCE_GROUP_NAME, { error: (i) => `must be a resource group name: 1-90 ASCII letters, digits and _.()-, not ending with ".", got ${q(i.input)}` });

const ResourceGroupSchema = z.strictObject({
    name: ResourceGroupNameSchema.meta({ description: "The resource group's name." }),
    location: z
        .string()
        .regex(LOCATION, { error: (i) => `must be an Azure region as ARM writes it (lowercase, no spaces), e.g. "westeurope", got ${q(i.input)}` })
        .meta({ description: "The region of the resource group and its identities (independent of where the jobs' workloads run), e.g. westeurope." }),
});

export const AzureSchema = z
    .strictObject({
        tenantId: guid("the Microsoft Entra tenant (directory) ID").meta({ description: "The Microsoft Entra tenant (directory) ID: AZURE_TENANT_ID of the jobs." }),
        subscriptionId: guid("the Azure subscription ID").meta({ description: "The subscription that holds the identities and every scope the grants name." }),
        resourceGroup: ResourceGroupSchema.meta({
            description: "The resource group that holds the grants' user-assigned managed identities: give it to this stack alone (the applier may write every identity in it).",
        }),
        deployerResourceGroup: ResourceGroupSchema.optional().meta({
            description: "With gitlab-federation:deployer: the resource group of the deployer's own identities, other than resourceGroup, so that the applier cannot add federated credentials to its own identity.",
        }),
        audience: AudienceSchema.default("api://AzureADTokenExchange").meta({
            description: "The aud Azure jobs request in id_tokens, and the one audience of every federated credential. Default: api://AzureADTokenExchange (Microsoft's recommended value).",
        }),
        protect: z.boolean().default(true).meta({ description: "Protect the resource groups from deletion (default true): deleting one deletes every identity in it and breaks every pipeline's Azure access at once." }),
        tags: z
            .record(z.string(), z.string())
            .optional()
            .meta({ description: "Tags added to the resource groups and identities (Azure: 50 per resource including the 4 this program sets; names 1-512 characters without <>%&\\?/, values up to 256)." }),
        quotas: z
            .strictObject({
                roleAssignments: z
                    .number()
                    .int()
                    .min(1)
                    .max(5000)
                    .default(4000)
                    .meta({ description: "Role assignments per subscription: 4,000 in Azure's public cloud (2,000 in Azure Government and Azure China). Assignments outside this stack count too." }),
            })
            .default({ roleAssignments: 4000 })
            .meta({ description: "Your subscription's limits, checked against the plan before pulumi up would hit them. Federated credentials per identity are fixed at 20." }),
        adopt: z
            .strictObject({
                resourceGroup: z
                    .enum(["import"])
                    .optional()
                    .meta({ description: "import: resourceGroup exists; adopt it on the next pulumi up instead of creating it (then managed as planned: location, tags)." }),
            })
            .optional()
            .meta({ description: "Azure resources that already exist and this stack should manage from now on." }),
    })
    .meta({ description: "Azure: one user-assigned managed identity per grant with azure, trusting GitLab's ID tokens through federated identity credentials, with role assignments at the scopes the grant names." });

/** Where a role is assigned: the whole subscription, one resource group, or one resource, always spelled out. */
export const ScopeSchema = z
    .union([
        z.literal("subscription").meta({ description: "The whole subscription (azure.subscriptionId)." }),
        z.strictObject({ resourceGroup: ResourceGroupNameSchema.meta({ description: "A resource group of azure.subscriptionId, by name." }) }),
        z.strictObject({
            resource: z
                .string()
                .regex(RESOURCE_ID, {
                    error: (i) =>
                        `must be a full resource ID such as "/subscriptions/<subscription id>/resourceGroups/<group>/providers/Microsoft.ContainerRegistry/registries/<name>" (names of letters, digits and ._()~@-, no wildcards), got ${q(i.input)}`,
                })
                .meta({ description: "One resource, by its full ID (az resource show --query id)." }),
        }),
    ])
    .meta({ description: "Where the role applies: subscription, { resourceGroup: <name> } or { resource: <full resource ID> }." });

export const RoleAssignmentSchema = z.strictObject({
    role: z
        .string()
        .min(1)
        .meta({ description: "A built-in role by its exact name (e.g. AcrPush, Storage Blob Data Contributor), or a role definition's GUID (a custom role needs allowBroad)." }),
    scope: ScopeSchema,
});

export const AzureGrantSchema = z
    .strictObject({
        roles: z.array(RoleAssignmentSchema).default([]).meta({ description: "The roles the grant's identity gets, each at an explicit scope." }),
        identityName: z
            .string()
            .regex(IDENTITY_NAME, { error: (i) => `must be 3-128 letters, digits, "-" and "_", starting with a letter or digit (managed identity names), got ${q(i.input)}` })
            .optional()
            .meta({ description: "The managed identity's name. Default: gitlab-<project path with / as ->--<grant>, shortened with a hash to 128 characters. A new name replaces the identity (new client ID)." }),
        acknowledge: z
            .strictObject({
                environment: reason("Why it is acceptable that Azure cannot check the environment.").optional(),
            })
            .optional()
            .meta({ description: "Conditions Azure cannot check (it sees only iss, sub and aud), acknowledged with a reason each." }),
        allowBroad: reason(
            "Reason for a deliberately broad role: one that assigns roles (Owner, User Access Administrator, ...), writes or uses managed identities where the grants' identities live (Contributor, Managed Identity Contributor or Operator), or a custom role.",
        ).optional(),
    })
    .meta({ description: "Azure access: a user-assigned managed identity the job logs in as with its ID token (az login --federated-token)." });

/** The deployer's Azure settings: `gitlab-federation:deployer.azure`. */
export const AzureDeployerSchema = z
    .strictObject({
        acknowledge: reason(
            "Why it is acceptable that Azure, which sees only iss, sub and aud, lets any job of a pipeline on the applier's branch log in as its identity, not only pulumi up in its environment.",
        ).optional(),
        clientIds: z
            .strictObject({
                planner: guid("the planner identity's client ID").optional(),
                applier: guid("the applier identity's client ID").optional(),
            })
            .optional()
            .meta({
                description:
                    "The client IDs of the deployer's managed identities, which Azure assigns when an administrator's first pulumi up creates them (pulumi stack output contract): the generated pipeline's jobs log in with them (AZURE_CLIENT_ID).",
            }),
    })
    .meta({ description: "The deployer's Azure settings." });

export type AzureConfig = z.output<typeof AzureSchema>;
export type AzureDeployerConfig = z.output<typeof AzureDeployerSchema>;
export type AzureGrantConfig = z.output<typeof AzureGrantSchema>;
export type ScopeConfig = z.output<typeof ScopeSchema>;

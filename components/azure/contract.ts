/**
 * Azure's part of the output contract (contract/contract.ts): the tenant and subscription, and
 * each grant's managed identity. The identity's client ID (AZURE_CLIENT_ID) exists only once Azure
 * has created the identity: the plan has none, the program adds it from the resource (component.ts).
 */
import { z } from "zod";
import { inPart, patternRule, schemaRule } from "../../src/core/contract-rules";
import { audienceProblem } from "../../src/core/rules";
import type { ContractCapability } from "../target";
import type { AzurePlan, AzureSummary } from "./plan-schema";
import { AzureGrantSchema, AzureSchema, GUID, ResourceGroupNameSchema } from "./schema";

export const AzureContractSchema = z
    .object({
        tenantId: z.string().meta({ description: "AZURE_TENANT_ID: the Microsoft Entra tenant." }),
        subscriptionId: z.string().meta({ description: "The subscription of the identities and the grants' roles." }),
        audience: z.string().meta({ description: "The aud of the job's Azure ID token." }),
    })
    .meta({ description: "The stack's Azure tenant and subscription." });

export const AzureGrantContractSchema = z
    .object({
        clientId: z.string().optional().meta({ description: "AZURE_CLIENT_ID: the managed identity's client ID (absent from an offline plan; the deployed stack's contract has it)." }),
        identityName: z.string().meta({ description: "The user-assigned managed identity's name." }),
        identityId: z.string().meta({ description: "The identity's ARM ID." }),
        tenantId: z.string().meta({ description: "AZURE_TENANT_ID." }),
        subscriptionId: z.string().meta({ description: "AZURE_SUBSCRIPTION_ID." }),
        audience: z.string().meta({ description: "The aud of the job's Azure ID token." }),
    })
    .meta({ description: "What a grant gets from Azure: the managed identity its token may log in as." });

export function azureContract(plan: AzurePlan): z.output<typeof AzureContractSchema> {
    return { tenantId: plan.tenantId, subscriptionId: plan.subscriptionId, audience: plan.audience };
}

export function azureGrantContract(summary: AzureSummary): z.output<typeof AzureGrantContractSchema> {
    return {
        ...(summary.clientId !== undefined ? { clientId: summary.clientId } : {}),
        identityName: summary.identityName, identityId: summary.identityId, tenantId: summary.tenantId, subscriptionId: summary.subscriptionId, audience: summary.audience };
}

const q = JSON.stringify;
const guid = schemaRule(AzureSchema.shape.tenantId);
const identityName = schemaRule(AzureGrantSchema.shape.identityName.unwrap());

/** /subscriptions/<guid>/resourceGroups/<group>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>, each part by the map's rule. */
function identityIdProblem(value: string): string | undefined {
    const parts = /^\/subscriptions\/([^/]*)\/resourceGroups\/([^/]*)\/providers\/Microsoft\.ManagedIdentity\/userAssignedIdentities\/([^/]*)$/.exec(value);
    if (parts === null) {
        return `must be a user-assigned identity's ARM ID, /subscriptions/<subscription>/resourceGroups/<group>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>, got ${q(value)}`;
    }
    return inPart("subscription", guid(parts[1]!)) ?? inPart("resource group", schemaRule(ResourceGroupNameSchema)(parts[2]!)) ?? inPart("name", identityName(parts[3]!));
}

/** Azure's part of the output contract, with the map's rule for each of its strings. */
export const AZURE_CONTRACT: ContractCapability<AzurePlan, AzureSummary, typeof AzureContractSchema, typeof AzureGrantContractSchema> = {
    section: AzureContractSchema,
    grant: AzureGrantContractSchema,
    sectionOf: azureContract,
    grantOf: (_plan, summary) => azureGrantContract(summary),
    strings: {
        tenantId: { rule: guid },
        subscriptionId: { rule: schemaRule(AzureSchema.shape.subscriptionId) },
        audience: { rule: audienceProblem },
        "grant.clientId": { rule: patternRule(GUID, "the managed identity's client ID, a GUID") },
        "grant.identityName": { rule: identityName },
        "grant.identityId": { rule: identityIdProblem },
        "grant.tenantId": { rule: guid },
        "grant.subscriptionId": { rule: schemaRule(AzureSchema.shape.subscriptionId) },
        "grant.audience": { rule: audienceProblem },
    },
};

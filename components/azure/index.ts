/** The Azure target: per grant a user-assigned managed identity that trusts GitLab's ID tokens through federated identity credentials, with role assignments. */
import { DEFAULT_SUB_CLAIM_COMPONENTS } from "../../src/core/claims";
import { defineTarget } from "../target";
import { AZURE_TOKEN_VARIABLE, azureCi } from "./ci";
import { AZURE_CONTRACT } from "./contract";
import { AZURE_DEPLOYER } from "./deployer";
import { azureEvaluator } from "./evaluate";
import { planAzure } from "./plan";
import { AzurePlanSchema, AzureSummarySchema } from "./plan-schema";
import { renderAzure } from "./render";
import { AZURE_RESOURCES } from "./resources";
import { AZURE_REVIEW } from "./review";
import { AzureGrantSchema, AzureSchema } from "./schema";

/** What a grant's identity gives at each scope: Azure scopes nest (a subscription's roles reach its resource groups). */
const gives = (summary: { readonly roles: readonly { readonly role: string; readonly scope: string }[] }) =>
    summary.roles.map((r) => ({ resource: r.scope, hierarchical: true, gives: [r.role] }));

export const azure = defineTarget({
    key: "azure",
    title: "Azure",
    map: { section: AzureSchema, grant: AzureGrantSchema, sectionHint: "tenantId, subscriptionId, resourceGroup", grantHint: "azure (roles)" },
    planSchema: AzurePlanSchema,
    summarySchema: AzureSummarySchema,
    plan: planAzure,
    resources: AZURE_RESOURCES,
    evaluator: (plan) => {
        const evaluate = azureEvaluator(plan);
        return (summary, _grant, claims, options) => evaluate(summary, claims, options);
    },
    component: () => (require("./component") as typeof import("./component")).components,
    review: {
        access: (_plan, summary) => ({ sets: { role: summary.roles.map((r) => `${r.role} on ${r.scope}`) }, limits: {}, values: {}, names: { identity: summary.identityId } }),
        reaches: (_plan, summary) => gives(summary),
        render: renderAzure,
        fields: AZURE_REVIEW,
    },
    contract: AZURE_CONTRACT,
    ci: {
        job: (_section, grant, value) => azureCi(grant, value),
        // The Pulumi Azure providers read ARM_* (Pulumi ESC "azure-login" § Example, https://www.pulumi.com/docs/esc/providers/login/azure-login/).
        pipelineLogin: () => [
            `export ARM_USE_OIDC=true ARM_CLIENT_ID="$AZURE_CLIENT_ID" ARM_TENANT_ID="$AZURE_TENANT_ID" ARM_SUBSCRIPTION_ID="$AZURE_SUBSCRIPTION_ID" ARM_OIDC_TOKEN="$${AZURE_TOKEN_VARIABLE}"`,
        ],
    },
    deployer: AZURE_DEPLOYER,
    // Each federated credential's subject is GitLab's default sub (names.ts): a project whose sub claim components differ fails closed.
    gitlab: { subClaimComponents: DEFAULT_SUB_CLAIM_COMPONENTS },
});

/**
 * Azure's testkit for the conformance suite. Azure compares a federated credential's subject
 * exactly, so the map refuses pattern refs for Azure grants (`exactRefs`). The oracle reads only
 * the plan JSON: a grant's identity admits a token when one of its credentials has the token's
 * iss and sub (exactly) and the token's one aud, and the token has not expired.
 */
import fc from "fast-check";
import { GrantSpec, Json, TargetTestkit } from "../testkit";
import { SUBSCRIPTION, TENANT } from "./fixtures";

const at = 'gitlab-federation:projects["platform/api"].grants.deploy.azure';

export const AZURE_TESTKIT: TargetTestkit = {
    section: { tenantId: TENANT, subscriptionId: SUBSCRIPTION, resourceGroup: { name: "gitlab-ci-identities", location: "westeurope" } },
    exactRefs: true,
    grant: (_spec: GrantSpec) =>
        fc.subarray([
            { role: "AcrPush", scope: { resourceGroup: "app" } },
            { role: "Reader", scope: "subscription" },
        ], { minLength: 1 }).map((roles) => ({ roles })),
    invalid: [
        {
            fields: { roles: [{ role: "Owner", scope: { resourceGroup: "app" } }] },
            problems: [`${at}.roles[0]: "Owner" can assign roles, so any pipeline that matches this grant could give itself or others any role at resource group "app": grant a narrower role, or set azure.allowBroad with a reason`],
        },
    ],
    oracle(plan: Json, claims: Json, now: number): string[] {
        const identityOf = (g: Json) => String(g.azure.identityId).toLowerCase();
        const credentials = (plan.azure?.federatedIdentityCredentials ?? []) as Json[];
        const admits = (g: Json) =>
            credentials.some(
                (c) =>
                    `/subscriptions/${plan.azure.subscriptionId}/resourceGroups/${c.resourceGroupName}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${c.resourceName}`.toLowerCase() === identityOf(g) &&
                    c.issuer === claims.iss &&
                    c.subject === claims.sub &&
                    typeof claims.aud === "string" &&
                    c.audiences.length === 1 &&
                    c.audiences[0] === claims.aud,
            );
        return plan.grants.filter((g: Json) => g.azure && typeof claims.exp === "number" && now <= claims.exp && admits(g)).map((g: Json) => `${g.project}/${g.grant}`);
    },
};

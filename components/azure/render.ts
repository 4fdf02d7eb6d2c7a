/** Azure's block of the human plan. */
import type { GrantIdentity, RenderedSection } from "../target";
import type { AzurePlan, AzureSummary } from "./plan-schema";

export function renderAzure(plan: AzurePlan, grants: readonly (GrantIdentity & { readonly summary: AzureSummary })[]): RenderedSection {
    return {
        heading: `Azure: tenant ${plan.tenantId}, subscription ${plan.subscriptionId}, audience ${plan.audience}`,
        header: ["PROJECT", "GRANT", "IDENTITY", "SUB", "ROLES", "NOT CHECKED BY AZURE"],
        rows: grants.map((g) => [g.project, g.grant, g.summary.identityName, g.summary.subjects.join(" | "), g.summary.roles.map((r) => `${r.role} on ${r.scope}`).join(", "), g.summary.enforcement.notEnforced.join(", ")]),
    };
}

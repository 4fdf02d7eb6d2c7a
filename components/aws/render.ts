/** AWS's block of the human plan. */
import type { GrantIdentity, RenderedSection } from "../target";
import type { AwsPlan, AwsSummary } from "./plan-schema";

export function renderAws(plan: AwsPlan, grants: readonly (GrantIdentity & { readonly summary: AwsSummary })[]): RenderedSection {
    return {
        heading: `AWS: OIDC provider ${plan.providerArn}${plan.oidcProviders.length === 0 ? " (existing, not managed here)" : ""}, audience ${plan.audience}`,
        header: ["PROJECT", "GRANT", "ROLE", "SUB", "NOT CHECKED BY AWS"],
        rows: grants.map((g) => [g.project, g.grant, g.summary.roleName, g.summary.subjects.join(" | "), g.summary.enforcement.notEnforced.join(", ")]),
    };
}

/** AWS's block of the human plan. */
import type { GrantIdentity, RenderedSection } from "../target";
import type { AwsPlan, AwsSummary } from "./plan-schema";

export function renderAws(plan: AwsPlan, grants: readonly (GrantIdentity & { readonly summary: AwsSummary })[]): RenderedSection {
    if (plan.accounts !== undefined) {
        const managed = new Set(plan.oidcProviders.map((p) => p.account));
        const accounts = plan.accounts.map((a) => `${a.key} (${a.id}, ${a.via === "stack" ? "the stack's provider" : a.via}, OIDC provider ${a.providerArn}${managed.has(a.key) ? "" : " (existing, not managed here)"})`);
        return {
            heading: `AWS: accounts ${accounts.join("; ")}, audience ${plan.audience}`,
            header: ["PROJECT", "GRANT", "ACCOUNT", "ROLE", "SUB", "NOT CHECKED BY AWS"],
            rows: grants.map((g) => [g.project, g.grant, g.summary.account ?? "", g.summary.roleName, g.summary.subjects.join(" | "), g.summary.enforcement.notEnforced.join(", ")]),
        };
    }
    return {
        heading: `AWS: OIDC provider ${plan.providerArn}${plan.oidcProviders.length === 0 ? " (existing, not managed here)" : ""}, audience ${plan.audience}`,
        header: ["PROJECT", "GRANT", "ROLE", "SUB", "NOT CHECKED BY AWS"],
        rows: grants.map((g) => [g.project, g.grant, g.summary.roleName, g.summary.subjects.join(" | "), g.summary.enforcement.notEnforced.join(", ")]),
    };
}

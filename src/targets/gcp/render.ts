/** GCP's block of the human plan. */
import { describeConditions } from "../../core/model";
import type { GrantIdentity, RenderedSection } from "../target";
import type { GcpPlan, GcpSummary } from "./plan-schema";

/** Roles, with the deployer's reasons. */
function roles(summary: GcpSummary): string {
    if (summary.roleReasons === undefined) {
        return summary.roles.join(", ") || "-";
    }
    return Object.entries(summary.roleReasons)
        .map(([role, reason]) => `${role} (${reason})`)
        .join("; ");
}

export function renderGcp(plan: GcpPlan, grants: readonly (GrantIdentity & { readonly summary: GcpSummary })[]): RenderedSection {
    return {
        heading: `GCP: provider ${plan.providerResourceName}, audience ${plan.audience}`,
        header: ["PROJECT", "GRANT", "CONDITIONS", "SERVICE ACCOUNT", "ROLES ON PROJECT"],
        rows: grants.map((g) => [g.project, g.grant, describeConditions({ refs: g.conditions.ref, ...g.conditions }), g.summary.email, roles(g.summary)]),
    };
}

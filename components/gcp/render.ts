/** GCP's block of the human plan. */
import { describeConditions } from "../../src/core/model";
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
    // A sharded map: a provider per shard stack, named in each grant's row.
    const sharded = grants.some((g) => g.summary.provider !== undefined);
    const providers = plan.providers.map((p) => p.workloadIdentityPoolProviderId).join(", ");
    return {
        heading: sharded
            ? `GCP: pool ${plan.providerResourceName.replace(/\/providers\/[^/]+$/, "")}, providers ${providers} here, audience ${plan.audience}`
            : `GCP: provider ${plan.providerResourceName}, audience ${plan.audience}`,
        header: ["PROJECT", "GRANT", "CONDITIONS", "SERVICE ACCOUNT", "ROLES ON PROJECT", ...(sharded ? ["PROVIDER"] : [])],
        rows: grants.map((g) => [
            g.project,
            g.grant,
            describeConditions({ refs: g.conditions.ref, ...g.conditions }),
            g.summary.email,
            roles(g.summary),
            ...(sharded ? [g.summary.provider!.slice(g.summary.provider!.lastIndexOf("/") + 1)] : []),
        ]),
    };
}

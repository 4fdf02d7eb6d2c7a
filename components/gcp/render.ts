/** GCP's block of the human plan. */
import { conditionsCell } from "../render";
import type { GrantIdentity, Reach, RenderedSection } from "../target";
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

/** The service account, or with access direct the grant's principalSets. */
function identityOf(summary: GcpSummary): string {
    return summary.email ?? `direct: ${summary.members.length} principalSet${summary.members.length === 1 ? "" : "s"}`;
}

/** What a grant reaches: its service account (impersonated) with its project roles, or with access direct gcp.project; then each binding's target. */
export function gcpReaches(plan: GcpPlan, summary: GcpSummary): Reach[] {
    const project = plan.pools[0]?.project ?? "gcp.project";
    const own: Reach =
        summary.email !== undefined
            ? { resource: summary.email, hierarchical: false, gives: ["roles/iam.workloadIdentityUser (impersonate)", ...summary.roles] }
            : { resource: `project ${project}`, hierarchical: false, gives: [...summary.roles] };
    const targets = new Map<string, string[]>();
    for (const binding of summary.bindings ?? []) {
        const [role, target] = [binding.slice(0, binding.indexOf(" on ")), binding.slice(binding.indexOf(" on ") + 4)];
        (targets.get(target) ?? targets.set(target, []).get(target)!).push(role);
    }
    return [own, ...[...targets].map(([resource, gives]) => ({ resource, hierarchical: resource.startsWith("folder ") || resource.startsWith("project "), gives }))];
}

export function renderGcp(plan: GcpPlan, grants: readonly (GrantIdentity & { readonly summary: GcpSummary })[]): RenderedSection {
    // A sharded map: a provider per shard stack, named in each grant's row.
    const sharded = grants.some((g) => g.summary.provider !== undefined);
    // Grants with bindings elsewhere (gcp bindings): a BINDINGS column.
    const reach = grants.some((g) => g.summary.bindings !== undefined);
    const providers = plan.providers.map((p) => p.workloadIdentityPoolProviderId).join(", ");
    return {
        heading: sharded
            ? `GCP: pool ${plan.providerResourceName.replace(/\/providers\/[^/]+$/, "")}, providers ${providers} here, audience ${plan.audience}`
            : `GCP: provider ${plan.providerResourceName}, audience ${plan.audience}`,
        header: ["PROJECT", "GRANT", "CONDITIONS", "SERVICE ACCOUNT", "ROLES ON PROJECT", ...(reach ? ["BINDINGS"] : []), ...(sharded ? ["PROVIDER"] : [])],
        rows: grants.map((g) => [
            g.project,
            g.grant,
            conditionsCell(g),
            identityOf(g.summary),
            roles(g.summary),
            ...(reach ? [(g.summary.bindings ?? []).join("; ") || "-"] : []),
            ...(sharded ? [g.summary.provider!.slice(g.summary.provider!.lastIndexOf("/") + 1)] : []),
        ]),
    };
}

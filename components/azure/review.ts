/**
 * The review classes (core/review.ts) of the Azure section and a grant's `azure` field, next to
 * schema.ts: what `gitlab-federation diff` reports when one of them changes.
 */
import { LOOSENING_REASON, ReviewFields, ReviewRule, TargetReview, arrow, cosmetic, derived, hazard, hazardous, trust, unranked } from "../../src/core/review";
import type { AzureConfig } from "./schema";

/** azure.protect false: a removed section or pulumi destroy deletes the resource groups, and every identity in them with them. */
const protectOff: ReviewRule = (before, after) =>
    after === false && before !== false ? [hazardous(`${arrow(before, after)}: pulumi up may delete the resource groups (a removed section, pulumi destroy), and every identity in them: every pipeline's Azure access breaks at once`)] : [];

/** The section removed while its resource groups are unprotected: pulumi up deletes them. */
const sectionRemoved: ReviewRule = (before, after) => {
    const azure = before as AzureConfig | undefined;
    return after === undefined && azure !== undefined && !azure.protect
        ? [hazardous("removed while azure.protect is false: pulumi up deletes the resource groups and every identity in them, which breaks every pipeline's Azure access at once")]
        : [];
};

const REPLACED = derived("diff's resource changes: the identities are replaced (new client IDs: regenerate CI) and their role assignments with them");
const LOOSENING = derived("diff's Azure access changes: a new loosening, with its reason");
const ROLES = derived("diff's Azure access changes: role added, removed (role on scope)");

const SECTION: ReviewFields = {
    "": hazard(sectionRemoved),
    tenantId: derived("the contract's tenantId and the CI templates' AZURE_TENANT_ID (jobs log in to that tenant)"),
    subscriptionId: derived("diff's Azure access changes (every identity's ARM ID and role scope) and resource changes (identities and role assignments replaced)"),
    "resourceGroup.name": REPLACED,
    "resourceGroup.location": REPLACED,
    "deployerResourceGroup.name": REPLACED,
    "deployerResourceGroup.location": REPLACED,
    audience: trust(unranked((after) => `every identity's federated credentials accept the ID tokens requested for ${String(after)}`)),
    protect: hazard(protectOff),
    tags: derived("diff's resource changes: the tags of the resource groups and identities (updated in place)"),
    "quotas.roleAssignments": cosmetic, // A quota the plan is checked against: it changes no resource and no access.
    "adopt.resourceGroup": derived("diff's resource changes: an import"),
};

const GRANT: ReviewFields = {
    "roles.*.role": ROLES,
    "roles.*.scope": ROLES,
    "roles.*.scope.resourceGroup": ROLES,
    identityName: derived("diff's Azure access changes: identity (a name); resource changes: the identity replaced (new client ID)"),
    "acknowledge.environment": LOOSENING,
    allowBroad: LOOSENING,
};

/** deployer.azure. */
const DEPLOYER: ReviewFields = {
    acknowledge: LOOSENING_REASON,
    // Which identity the pipeline's jobs ask for: Entra admits them only where that identity's federated credentials do.
    "clientIds.planner": derived("the pipeline's AZURE_CLIENT_ID of preview jobs: .gitlab-ci.yml changes with it, and its check job fails until it is regenerated"),
    "clientIds.applier": derived("the pipeline's AZURE_CLIENT_ID of up jobs: .gitlab-ci.yml changes with it, and its check job fails until it is regenerated"),
};

export const AZURE_REVIEW: TargetReview = { section: SECTION, grant: GRANT, deployer: DEPLOYER };

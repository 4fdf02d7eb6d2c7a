/** The GCP target: a workload identity pool and provider for GitLab, a service account per grant. */
import type { Entry } from "../../core/resources";
import { defineTarget } from "../target";
import { gcpCi } from "./ci";
import { GcpContractSchema, GcpGrantContractSchema, gcpContract, gcpGrantContract } from "./contract";
import { IDENTITY, REPLACE_ON } from "./lifecycle";
import { gcpEvaluator } from "./evaluate";
import { COMPONENT, RESOURCE } from "./names";
import { planGcp } from "./plan";
import { GcpPlanSchema, GcpSummarySchema } from "./plan-schema";
import { renderGcp } from "./render";
import { GCP_REVIEW } from "./review";
import { GcpGrantSchema, GcpSchema } from "./schema";

export const gcp = defineTarget({
    key: "gcp",
    title: "GCP",
    grantHint: "gcp",
    sectionHint: "project, projectNumber, poolId, providerId",
    sectionSchema: GcpSchema,
    grantSchema: GcpGrantSchema,
    planSchema: GcpPlanSchema,
    summarySchema: GcpSummarySchema,
    plan: planGcp,
    resources: (plan): Entry[] => [...plan.pools, ...plan.providers, ...plan.serviceAccounts, ...plan.iamMembers],
    informational: { [RESOURCE.projectIamMember]: ["reason"], [RESOURCE.bucketIamMember]: ["reason"], [RESOURCE.cryptoKeyIamMember]: ["reason"] },
    replaceOn: REPLACE_ON,
    parents: Object.fromEntries(Object.values(RESOURCE).map((type) => [type, COMPONENT.wif])),
    identity: IDENTITY,
    access: (_plan, summary) => ({ sets: { "project role": summary.roles }, limits: {}, values: {}, names: { "service account": summary.email } }),
    reaches: (_plan, summary) => [{ resource: summary.email, hierarchical: false, gives: ["roles/iam.workloadIdentityUser (impersonate)", ...summary.roles] }],
    render: renderGcp,
    evaluator: (plan) => gcpEvaluator(plan),
    contractSchema: GcpContractSchema,
    grantContractSchema: GcpGrantContractSchema,
    contract: gcpContract,
    grantContract: gcpGrantContract,
    ci: gcpCi,
    component: () => (require("./component") as typeof import("./component")).components,
    review: GCP_REVIEW,
});

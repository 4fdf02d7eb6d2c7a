/** The GCP target: a workload identity pool and provider for GitLab, a service account per grant. */
import { defineTarget } from "../target";
import { gcpCi } from "./ci";
import { GCP_CONTRACT } from "./contract";
import { GCP_DEPLOYER } from "./deployer";
import { gcpEvaluator } from "./evaluate";
import { planGcp } from "./plan";
import { GcpPlanSchema, GcpSummarySchema } from "./plan-schema";
import { gcpReaches, renderGcp } from "./render";
import { GCP_RESOURCES } from "./resources";
import { GCP_REVIEW } from "./review";
import { GcpGrantSchema, GcpSchema } from "./schema";

export const gcp = defineTarget({
    key: "gcp",
    title: "GCP",
    map: { section: GcpSchema, grant: GcpGrantSchema, sectionHint: "project, projectNumber, poolId, providerId", grantHint: "gcp" },
    planSchema: GcpPlanSchema,
    summarySchema: GcpSummarySchema,
    plan: planGcp,
    resources: GCP_RESOURCES,
    evaluator: (plan) => gcpEvaluator(plan),
    component: () => (require("./component") as typeof import("./component")).components,
    review: {
        access: (_plan, summary) => ({
            sets: { "project role": summary.roles, ...(summary.bindings !== undefined ? { binding: summary.bindings } : {}) },
            limits: {},
            values: summary.access !== undefined ? { access: summary.access } : ({} as Record<string, string>),
            names: summary.email !== undefined ? { "service account": summary.email } : ({} as Record<string, string>),
        }),
        reaches: gcpReaches,
        render: renderGcp,
        fields: GCP_REVIEW,
    },
    contract: GCP_CONTRACT,
    ci: { job: gcpCi },
    deployer: GCP_DEPLOYER,
});

/** The Akeyless target: an OAuth 2.0/JWT auth method for GitLab CI, an access role and an association per grant. */
import { defineTarget } from "../target";
import { akeylessJob, akeylessPipelineLogin } from "./ci";
import { AKEYLESS_CONTRACT } from "./contract";
import { AKEYLESS_DEPLOYER } from "./deployer";
import { akeylessEvaluator } from "./evaluator";
import { planAkeyless } from "./plan";
import { AkeylessPlanSchema, AkeylessSummarySchema } from "./plan-schema";
import { renderAkeyless } from "./render";
import { AKEYLESS_REVIEW } from "./review";
import { AkeylessGrantSchema, AkeylessSchema } from "./schema";
import { AKEYLESS_RESOURCES } from "./table";

export const akeyless = defineTarget({
    key: "akeyless",
    title: "Akeyless",
    map: { section: AkeylessSchema, grant: AkeylessGrantSchema, sectionHint: "folder, audience", grantHint: "akeyless (read)" },
    planSchema: AkeylessPlanSchema,
    summarySchema: AkeylessSummarySchema,
    plan: planAkeyless,
    resources: AKEYLESS_RESOURCES,
    evaluator: akeylessEvaluator,
    component: () => (require("./component") as typeof import("./component")).components,
    review: {
        access: (_plan, summary) => ({
            sets: { "item path": [...summary.read] },
            limits: {},
            values: { "sub-claims": JSON.stringify(summary.subClaims) },
            names: { role: summary.roleName, "auth method": summary.authMethodName },
        }),
        reaches: (plan, summary, grant) =>
            grant.deployer !== undefined
                ? [{ resource: `Akeyless auth methods and roles ${plan.folder}/*`, hierarchical: false, gives: grant.deployer === "applier" ? ["read", "list", "write roles and associations (any rules: deployer.akeyless.acknowledgeRoles)"] : ["read", "list"] }]
                : summary.read.map((path) => ({ resource: `Akeyless ${path}`, hierarchical: true, gives: ["read", "list below"] })),
        render: renderAkeyless,
        fields: AKEYLESS_REVIEW,
    },
    contract: AKEYLESS_CONTRACT,
    ci: { job: akeylessJob, pipelineLogin: akeylessPipelineLogin },
    deployer: AKEYLESS_DEPLOYER,
});

/** The AWS target: an IAM OIDC provider for GitLab and a role per grant. */
import { DEFAULT_SUB_CLAIM_COMPONENTS } from "../../src/core/claims";
import { defineTarget } from "../target";
import { awsCi, awsPipelineLogin } from "./ci";
import { AWS_CONTRACT } from "./contract";
import { AWS_DEPLOYER } from "./deployer";
import { awsEvaluator } from "./evaluate";
import { planAws } from "./plan";
import { AwsPlan, AwsPlanSchema, AwsRoleEntry, AwsRolePolicyEntry, AwsSummarySchema } from "./plan-schema";
import { AWS_RESOURCES } from "./resources";
import { roleKey } from "./names";
import { renderAws } from "./render";
import { AWS_REVIEW } from "./review";
import { AwsGrantSchema, AwsSchema } from "./schema";

/** Roles and inline policies by role name, built once per plan (diff and access ask per grant). */
const INDEX = new WeakMap<AwsPlan, { roles: Map<string, AwsRoleEntry>; inline: Map<string, AwsRolePolicyEntry> }>();
function indexOf(plan: AwsPlan) {
    let found = INDEX.get(plan);
    if (found === undefined) {
        found = { roles: new Map(plan.roles.map((r) => [roleKey(r.account, r.name), r])), inline: new Map(plan.rolePolicies.map((p) => [roleKey(p.account, p.role), p])) };
        INDEX.set(plan, found);
    }
    return found;
}

export const aws = defineTarget({
    key: "aws",
    title: "AWS",
    map: { section: AwsSchema, grant: AwsGrantSchema, sectionHint: "audience, accountId", grantHint: "aws" },
    planSchema: AwsPlanSchema,
    summarySchema: AwsSummarySchema,
    plan: planAws,
    resources: AWS_RESOURCES,
    evaluator: (plan, gitlab) => awsEvaluator(plan, gitlab.url),
    component: () => (require("./component") as typeof import("./component")).components,
    review: {
        access: (plan, summary) => {
            const role = indexOf(plan).roles.get(roleKey(summary.account, summary.roleName));
            const inline = indexOf(plan).inline.get(roleKey(summary.account, summary.roleName));
            return {
                sets: { "managed policy": role?.managedPolicyArns ?? [] },
                limits: { "max session (s)": role?.maxSessionDuration ?? 0 },
                values: { "inline policy": inline === undefined ? "none" : JSON.stringify(inline.policy), "permissions boundary": role?.permissionsBoundary ?? "none" },
                names: { role: summary.roleArn, ...(summary.account !== undefined ? { account: summary.account } : {}) },
            };
        },
        reaches: (plan, summary, grant) => {
            if (grant.deployer !== undefined) {
                return [{ resource: summary.roleArn, hierarchical: false, gives: [grant.deployer === "applier" ? "manage this stack's IAM roles and OIDC provider (inline policy gitlab-federation)" : "read this stack's IAM roles and OIDC provider (inline policy gitlab-federation)"] }];
            }
            const role = indexOf(plan).roles.get(roleKey(summary.account, summary.roleName));
            const inline = indexOf(plan).inline.has(roleKey(summary.account, summary.roleName));
            const account = summary.account !== undefined ? [`in account ${summary.account}`] : [];
            return [{ resource: summary.roleArn, hierarchical: false, gives: [...account, ...(role?.managedPolicyArns ?? []), ...(inline ? ["inline policy gitlab-federation"] : [])] }];
        },
        render: renderAws,
        fields: AWS_REVIEW,
    },
    contract: AWS_CONTRACT,
    ci: { job: awsCi, pipelineLogin: awsPipelineLogin },
    deployer: AWS_DEPLOYER,
    // The trust policies match GitLab's default sub (trust.ts subject): another setting fails closed.
    gitlab: { subClaimComponents: DEFAULT_SUB_CLAIM_COMPONENTS },
});

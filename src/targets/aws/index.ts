/** The AWS target: an IAM OIDC provider for GitLab and a role per grant. */
import type { Entry } from "../../core/resources";
import { defineTarget } from "../target";
import { awsCi } from "./ci";
import { AwsContractSchema, AwsGrantContractSchema, awsContract, awsGrantContract } from "./contract";
import { IDENTITY, REPLACE_ON } from "./lifecycle";
import { awsEvaluator } from "./evaluate";
import { COMPONENT, RESOURCE } from "./names";
import { planAws } from "./plan";
import { AWS_ROLE_INFORMATIONAL, AwsPlan, AwsPlanSchema, AwsRoleEntry, AwsRolePolicyEntry, AwsSummarySchema } from "./plan-schema";
import { renderAws } from "./render";
import { AWS_REVIEW } from "./review";
import { AwsGrantSchema, AwsSchema } from "./schema";

/** Roles and inline policies by role name, built once per plan (diff and access ask per grant). */
const INDEX = new WeakMap<AwsPlan, { roles: Map<string, AwsRoleEntry>; inline: Map<string, AwsRolePolicyEntry> }>();
function indexOf(plan: AwsPlan) {
    let found = INDEX.get(plan);
    if (found === undefined) {
        found = { roles: new Map(plan.roles.map((r) => [r.name, r])), inline: new Map(plan.rolePolicies.map((p) => [p.role, p])) };
        INDEX.set(plan, found);
    }
    return found;
}

export const aws = defineTarget({
    key: "aws",
    title: "AWS",
    grantHint: "aws",
    sectionHint: "audience, accountId",
    sectionSchema: AwsSchema,
    grantSchema: AwsGrantSchema,
    planSchema: AwsPlanSchema,
    summarySchema: AwsSummarySchema,
    plan: planAws,
    resources: (plan): Entry[] => [...plan.oidcProviders, ...plan.roles, ...plan.rolePolicyAttachments, ...plan.rolePolicies],
    informational: { [RESOURCE.role]: AWS_ROLE_INFORMATIONAL },
    replaceOn: REPLACE_ON,
    parents: Object.fromEntries(Object.values(RESOURCE).map((type) => [type, COMPONENT.oidc])),
    identity: IDENTITY,
    access: (plan, summary) => {
        const role = indexOf(plan).roles.get(summary.roleName);
        const inline = indexOf(plan).inline.get(summary.roleName);
        return {
            sets: { "managed policy": role?.managedPolicyArns ?? [] },
            limits: { "max session (s)": role?.maxSessionDuration ?? 0 },
            values: { "inline policy": inline === undefined ? "none" : JSON.stringify(inline.policy), "permissions boundary": role?.permissionsBoundary ?? "none" },
            names: { role: summary.roleArn },
        };
    },
    reaches: (plan, summary, grant) => {
        if (grant.deployer !== undefined) {
            return [{ resource: summary.roleArn, hierarchical: false, gives: [grant.deployer === "applier" ? "manage this stack's IAM roles and OIDC provider (inline policy gitlab-federation)" : "read this stack's IAM roles and OIDC provider (inline policy gitlab-federation)"] }];
        }
        const role = indexOf(plan).roles.get(summary.roleName);
        const inline = indexOf(plan).inline.has(summary.roleName);
        return [{ resource: summary.roleArn, hierarchical: false, gives: [...(role?.managedPolicyArns ?? []), ...(inline ? ["inline policy gitlab-federation"] : [])] }];
    },
    render: renderAws,
    evaluator: (plan, gitlab) => awsEvaluator(plan, gitlab.url),
    contractSchema: AwsContractSchema,
    grantContractSchema: AwsGrantContractSchema,
    contract: awsContract,
    grantContract: (plan, summary) => awsGrantContract(indexOf(plan).roles.get(summary.roleName), summary),
    ci: awsCi,
    component: () => (require("./component") as typeof import("./component")).components,
    review: AWS_REVIEW,
});

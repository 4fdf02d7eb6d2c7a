/** The AWS target: an IAM OIDC provider for GitLab and a role per grant. */
import type { Entry } from "../../core/resources";
import { defineTarget } from "../target";
import { IDENTITY, REPLACE_ON } from "./lifecycle";
import { awsEvaluator } from "./evaluate";
import { RESOURCE } from "./names";
import { planAws } from "./plan";
import { AWS_ROLE_INFORMATIONAL, AwsPlanSchema, AwsSummarySchema } from "./plan-schema";
import { renderAws } from "./render";
import { AwsGrantSchema, AwsSchema } from "./schema";

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
    identity: IDENTITY,
    render: renderAws,
    evaluator: (plan, gitlab) => awsEvaluator(plan, gitlab.url),
    component: () => (require("./component") as typeof import("./component")).components,
});

/**
 * AWS's part of the output contract (contract/contract.ts): the OIDC provider and each grant's
 * role, from the plan. The program replaces the ARNs with the resources' own (an account the map
 * does not name is only known once deployed; see component.ts).
 */
import { z } from "zod";
import { inPart, schemaRule } from "../../src/core/contract-rules";
import { audienceProblem, httpsUrlProblem } from "../../src/core/rules";
import type { ContractCapability } from "../target";
import { roleKey } from "./names";
import type { AwsPlan, AwsRoleEntry, AwsSummary } from "./plan-schema";
import { AwsGrantSchema, AwsSchema } from "./schema";

export const AwsContractSchema = z
    .object({
        audience: z.string().meta({ description: "The aud of the job's AWS ID token." }),
        oidcProviderArn: z.string().meta({ description: "The IAM OIDC provider the roles of the stack trust; with aws.accounts, the first account's (each account has its own)." }),
        partition: z.enum(["aws", "aws-cn", "aws-us-gov"]).meta({ description: "The partition of the account." }),
    })
    .meta({ description: "The stack's IAM OIDC provider." });

export const AwsGrantContractSchema = z
    .object({
        roleArn: z.string().meta({ description: "AWS_ROLE_ARN: the role in the grant's account." }),
        account: z.string().optional().meta({ description: "With aws.accounts: the key of the account that holds the role (aws.account, else the only account). Absent in a map without accounts." }),
        accountRoles: z
            .array(z.object({ account: z.string(), roleArn: z.string() }))
            .optional()
            .meta({ description: "A deployer identity with aws.accounts reached through their own provider: its role in each of them (the pipeline's jobs configure each account's provider to assume it)." }),
        roleName: z.string().meta({ description: "The role's name (its path is aws.rolePath)." }),
        audience: z.string().meta({ description: "The aud of the job's AWS ID token." }),
        maxSessionDuration: z.number().int().meta({ description: "Seconds: the longest session the role allows." }),
        managedPolicyArns: z.array(z.string()).meta({ description: "The managed policies attached to the role." }),
    })
    .meta({ description: "What a grant gets from AWS: the role its token may assume." });

export function awsContract(plan: AwsPlan): z.output<typeof AwsContractSchema> {
    return { audience: plan.audience, oidcProviderArn: plan.providerArn, partition: plan.providerArn.split(":")[1] as z.output<typeof AwsContractSchema>["partition"] };
}

export function awsGrantContract(role: AwsRoleEntry | undefined, summary: AwsSummary): z.output<typeof AwsGrantContractSchema> {
    return {
        roleArn: summary.roleArn,
        ...(summary.account !== undefined ? { account: summary.account } : {}),
        ...(summary.accountRoleArns !== undefined ? { accountRoles: Object.entries(summary.accountRoleArns).map(([key, arn]) => ({ account: key, roleArn: arn })) } : {}),
        roleName: summary.roleName,
        audience: summary.audience,
        maxSessionDuration: role?.maxSessionDuration ?? 3600,
        managedPolicyArns: [...(role?.managedPolicyArns ?? [])],
    };
}

const q = JSON.stringify;

/** An account in an ARN: 12 digits, or the placeholder of a plan whose map names no account (aws ci then says what to do). */
const account = (value: string) => (value === "<account-id>" ? undefined : schemaRule(AwsSchema.shape.accountId.unwrap())(value));

/** arn:<partition>:iam::<account>:role<path><name>, path and name by the map's rules. */
function roleArnProblem(value: string): string | undefined {
    const parts = /^arn:aws(?:-cn|-us-gov)?:iam::([^:]*):role(\/(?:.*\/)?)([^/]*)$/.exec(value);
    if (parts === null) {
        return `must be an IAM role ARN, arn:<partition>:iam::<account>:role/<path/><name>, got ${q(value)}`;
    }
    return inPart("account", account(parts[1]!)) ?? inPart("path", schemaRule(AwsSchema.shape.rolePath.unwrap())(parts[2]!)) ?? inPart("role name", schemaRule(AwsGrantSchema.shape.roleName.unwrap())(parts[3]!));
}

/** arn:<partition>:iam::<account>:oidc-provider/<GitLab URL without https://>. */
function oidcProviderArnProblem(value: string): string | undefined {
    const parts = /^arn:aws(?:-cn|-us-gov)?:iam::([^:]*):oidc-provider\/(.*)$/.exec(value);
    if (parts === null) {
        return `must be an IAM OIDC provider ARN, arn:<partition>:iam::<account>:oidc-provider/<GitLab host and path>, got ${q(value)}`;
    }
    return inPart("account", account(parts[1]!)) ?? inPart("GitLab URL (after oidc-provider/, without https://)", httpsUrlProblem(`https://${parts[2]!}`, "the provider's URL is GitLab's"));
}

/** Roles by account and role name, built once per plan (the contract asks per grant). */
const ROLES = new WeakMap<AwsPlan, Map<string, AwsRoleEntry>>();
function roleOf(plan: AwsPlan, summary: AwsSummary): AwsRoleEntry | undefined {
    let found = ROLES.get(plan);
    if (found === undefined) {
        found = new Map(plan.roles.map((r) => [roleKey(r.account, r.name), r]));
        ROLES.set(plan, found);
    }
    return found.get(roleKey(summary.account, summary.roleName));
}

/** AWS's part of the output contract, with the map's rule for each of its strings. */
export const AWS_CONTRACT: ContractCapability<AwsPlan, AwsSummary, typeof AwsContractSchema, typeof AwsGrantContractSchema> = {
    section: AwsContractSchema,
    grant: AwsGrantContractSchema,
    sectionOf: awsContract,
    grantOf: (plan, summary) => awsGrantContract(roleOf(plan, summary), summary),
    strings: {
        audience: { rule: audienceProblem },
        oidcProviderArn: { rule: oidcProviderArnProblem },
        partition: { rule: schemaRule(AwsSchema.shape.partition.unwrap()) },
        "grant.roleArn": { rule: roleArnProblem },
        "grant.account": { rule: schemaRule(AwsSchema.shape.accounts.unwrap().keyType) },
        "grant.accountRoles[].account": { rule: schemaRule(AwsSchema.shape.accounts.unwrap().keyType) },
        "grant.accountRoles[].roleArn": { rule: roleArnProblem },
        "grant.roleName": { rule: schemaRule(AwsGrantSchema.shape.roleName.unwrap()) },
        "grant.audience": { rule: audienceProblem },
        "grant.managedPolicyArns[]": { rule: schemaRule(AwsGrantSchema.shape.managedPolicyArns.unwrap().element) },
    },
    legacy: { section: ["oidcProviderArn", "audience"], grant: ["roleArn", "roleName", "audience"] },
};

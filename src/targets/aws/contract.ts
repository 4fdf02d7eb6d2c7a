/**
 * AWS's part of the output contract (contract/contract.ts): the OIDC provider and each grant's
 * role, from the plan. The program replaces the ARNs with the resources' own (an account the map
 * does not name is only known once deployed; see component.ts).
 */
import { z } from "zod";
import type { AwsContract, AwsGrantContract } from "../../contract/contract";
import { conforms } from "../../core/type-checks";
import type { AwsPlan, AwsRoleEntry, AwsSummary } from "./plan-schema";

export const AwsContractSchema = z
    .object({
        audience: z.string().meta({ description: "The aud of the job's AWS ID token." }),
        oidcProviderArn: z.string(),
        partition: z.enum(["aws", "aws-cn", "aws-us-gov"]),
    })
    .meta({ description: "The stack's IAM OIDC provider." });

export const AwsGrantContractSchema = z
    .object({
        roleArn: z.string().meta({ description: "AWS_ROLE_ARN." }),
        roleName: z.string(),
        audience: z.string(),
        maxSessionDuration: z.number().int().meta({ description: "Seconds: the longest session the role allows." }),
        managedPolicyArns: z.array(z.string()),
    })
    .meta({ description: "What a grant gets from AWS: the role its token may assume." });

conforms<z.output<typeof AwsContractSchema>, AwsContract>();
conforms<z.output<typeof AwsGrantContractSchema>, AwsGrantContract>();

export function awsContract(plan: AwsPlan): z.output<typeof AwsContractSchema> {
    return { audience: plan.audience, oidcProviderArn: plan.providerArn, partition: plan.providerArn.split(":")[1] as AwsContract["partition"] };
}

export function awsGrantContract(role: AwsRoleEntry | undefined, summary: AwsSummary): z.output<typeof AwsGrantContractSchema> {
    return {
        roleArn: summary.roleArn,
        roleName: summary.roleName,
        audience: summary.audience,
        maxSessionDuration: role?.maxSessionDuration ?? 3600,
        managedPolicyArns: [...(role?.managedPolicyArns ?? [])],
    };
}

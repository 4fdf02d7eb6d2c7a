/**
 * AWS's part of `plan --json`: the resources it registers and what each grant gets. The types
 * the planner and the components use are derived from these schemas.
 */
import { z } from "zod";
import { EnforcementSchema, resourceMeta, stringMap, strings } from "../../src/core/resources";
import { RESOURCE } from "./names";

const conditionValues = z.record(z.string(), z.union([z.string(), strings]));

export const TrustPolicySchema = z.strictObject({
    Version: z.literal("2012-10-17"),
    Statement: z
        .array(
            z.strictObject({
                Effect: z.literal("Allow"),
                Principal: z.strictObject({ Federated: z.string() }),
                Action: z.literal("sts:AssumeRoleWithWebIdentity"),
                Condition: z.strictObject({ StringEquals: conditionValues, StringLike: conditionValues.optional(), StringNotLike: conditionValues.optional() }),
            }),
        )
        .length(1),
});

export const OidcProviderEntrySchema = z.strictObject({
    resource: resourceMeta(RESOURCE.oidcProvider),
    url: z.string(),
    clientIdLists: strings,
    thumbprintLists: strings.optional(),
    tags: stringMap,
});

export const RoleEntrySchema = z.strictObject({
    resource: resourceMeta(RESOURCE.role),
    name: z.string(),
    path: z.string(),
    description: z.string(),
    assumeRolePolicy: TrustPolicySchema.meta({ description: "The trust policy (sent to AWS as JSON text). Principal.Federated is the provider ARN (see providerArn)." }),
    maxSessionDuration: z.number().int(),
    permissionsBoundary: z.string().optional(),
    tags: stringMap,
    managedPolicyArns: strings.meta({ description: "Informational: realised as rolePolicyAttachments (one resource per ARN)." }),
    enforcement: EnforcementSchema.meta({ description: "Informational: what AWS checks of the grant's conditions." }),
});

export const RolePolicyAttachmentEntrySchema = z.strictObject({
    resource: resourceMeta(RESOURCE.rolePolicyAttachment),
    role: z.string().meta({ description: "Role name." }),
    policyArn: z.string(),
});

export const RolePolicyEntrySchema = z.strictObject({
    resource: resourceMeta(RESOURCE.rolePolicy),
    role: z.string().meta({ description: "Role name." }),
    name: z.string(),
    policy: z.record(z.string(), z.unknown()).meta({ description: "The inline policy document." }),
});

export const AwsPlanSchema = z.strictObject({
    providerArn: z.string().meta({ description: "ARN in every trust policy; <account-id> stands for an account the map does not name." }),
    audience: z.string(),
    oidcProviders: z.array(OidcProviderEntrySchema),
    roles: z.array(RoleEntrySchema),
    rolePolicyAttachments: z.array(RolePolicyAttachmentEntrySchema),
    rolePolicies: z.array(RolePolicyEntrySchema),
});

export const AwsSummarySchema = z.strictObject({
    roleName: z.string(),
    roleArn: z.string(),
    audience: z.string(),
    subjects: strings,
    enforcement: EnforcementSchema,
});

export type TrustPolicyDocument = z.output<typeof TrustPolicySchema>;
export type IamStatement = TrustPolicyDocument["Statement"][number];
export type AwsOidcProviderEntry = z.output<typeof OidcProviderEntrySchema>;
export type AwsRoleEntry = z.output<typeof RoleEntrySchema>;
export type AwsRolePolicyAttachmentEntry = z.output<typeof RolePolicyAttachmentEntrySchema>;
export type AwsRolePolicyEntry = z.output<typeof RolePolicyEntrySchema>;
export type AwsPlan = z.output<typeof AwsPlanSchema>;
export type AwsSummary = z.output<typeof AwsSummarySchema>;

/** Keys of a role entry that are for readers, not arguments of aws.iam.Role. */
export const AWS_ROLE_INFORMATIONAL = ["managedPolicyArns", "enforcement"] as const;

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

/** The Pulumi provider of an account reached with assumeRole or profile (pulumi-aws ProviderArgs). */
export const ProviderEntrySchema = z.strictObject({
    resource: resourceMeta(RESOURCE.provider),
    account: z.string().meta({ description: "Informational: the key of the account in aws.accounts." }),
    allowedAccountIds: strings.meta({ description: "The account's id: the provider refuses credentials of any other account." }),
    assumeRoles: z
        .array(z.strictObject({ roleArn: z.string(), externalId: z.string().optional(), sessionName: z.string().optional() }))
        .optional()
        .meta({ description: "The role the provider assumes in the account (aws.accounts.<key>.assumeRole)." }),
    profile: z.string().optional(),
    region: z.string().optional().meta({ description: "Absent: the stack's aws:region at deploy time." }),
});

export const OidcProviderEntrySchema = z.strictObject({
    resource: resourceMeta(RESOURCE.oidcProvider),
    account: z.string().optional().meta({ description: "Informational: the key of its account in aws.accounts (absent in a map without accounts)." }),
    url: z.string(),
    clientIdLists: strings,
    thumbprintLists: strings.optional(),
    tags: stringMap,
});

export const RoleEntrySchema = z.strictObject({
    resource: resourceMeta(RESOURCE.role),
    account: z.string().optional().meta({ description: "Informational: the key of its account in aws.accounts (absent in a map without accounts)." }),
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
    account: z.string().optional().meta({ description: "Informational: the key of its account in aws.accounts (absent in a map without accounts)." }),
    role: z.string().meta({ description: "Role name." }),
    policyArn: z.string(),
});

export const RolePolicyEntrySchema = z.strictObject({
    resource: resourceMeta(RESOURCE.rolePolicy),
    account: z.string().optional().meta({ description: "Informational: the key of its account in aws.accounts (absent in a map without accounts)." }),
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
    providers: z.array(ProviderEntrySchema).optional().meta({ description: "With aws.accounts: the Pulumi provider of each account reached with assumeRole or profile." }),
    accounts: z
        .array(
            z.strictObject({
                key: z.string(),
                id: z.string(),
                providerArn: z.string().meta({ description: "The OIDC provider the account's roles trust." }),
                via: z.enum(["stack", "assumeRole", "profile"]).meta({ description: "How Pulumi reaches it: the stack's own AWS provider, or a provider of its own." }),
                deployerRoleArns: z
                    .strictObject({ planner: z.string().optional(), applier: z.string().optional() })
                    .optional()
                    .meta({ description: "With gitlab-federation:deployer, an account reached through its own provider: the deployer's roles in it, which its provider assumes in the pipeline's jobs (GITLAB_FEDERATION_AWS_IDENTITY)." }),
            }),
        )
        .optional()
        .meta({ description: "With aws.accounts: each account, by key. providerArn above is then the first account's." }),
});

export const AwsSummarySchema = z.strictObject({
    roleName: z.string(),
    roleArn: z.string(),
    account: z.string().optional().meta({ description: "With aws.accounts: the key of the account that holds the role." }),
    accountRoleArns: z.record(z.string(), z.string()).optional().meta({ description: "A deployer identity with accounts reached through their own provider: its role in each of them, by account key." }),
    audience: z.string(),
    subjects: strings,
    enforcement: EnforcementSchema,
});

export type TrustPolicyDocument = z.output<typeof TrustPolicySchema>;
export type IamStatement = TrustPolicyDocument["Statement"][number];
export type AwsProviderEntry = z.output<typeof ProviderEntrySchema>;
export type AwsOidcProviderEntry = z.output<typeof OidcProviderEntrySchema>;
export type AwsRoleEntry = z.output<typeof RoleEntrySchema>;
export type AwsRolePolicyAttachmentEntry = z.output<typeof RolePolicyAttachmentEntrySchema>;
export type AwsRolePolicyEntry = z.output<typeof RolePolicyEntrySchema>;
export type AwsPlan = z.output<typeof AwsPlanSchema>;
export type AwsSummary = z.output<typeof AwsSummarySchema>;

/** Keys of a role entry that are for readers, not arguments of aws.iam.Role. */
export const AWS_ROLE_INFORMATIONAL = ["managedPolicyArns", "enforcement", "account"] as const;

/** Keys of every other entry that are for readers, not arguments of its resource. */
export const AWS_INFORMATIONAL = ["account"] as const;

/**
 * The AWS part of the map: the `gitlab-federation:aws` section (the IAM OIDC provider and role
 * defaults) and a grant's `aws` field (its role's permissions and acknowledgements).
 */
import { z } from "zod";
import { AudienceSchema, duration, reason } from "../../src/core/schema";

const ACCOUNT_ID = /^\d{12}$/;

const accountId = z.string().regex(ACCOUNT_ID, { error: (i) => `must be a 12-digit AWS account ID in quotes, e.g. "111111111111", got ${JSON.stringify(i.input)}` });

const existingProviderArn = z
    .string()
    .regex(/^arn:aws(-cn|-us-gov)?:iam::\d{12}:oidc-provider\/.+$/, { error: (i) => `must be an IAM OIDC provider ARN such as "arn:aws:iam::111111111111:oidc-provider/gitlab.example.com", got ${JSON.stringify(i.input)}` })
    .meta({ description: "Use an OIDC provider that already exists for the GitLab URL (an account holds one per URL, e.g. when several stacks share an account) instead of creating one. Its client IDs must include audience." });

const thumbprints = z
    .array(z.string().regex(/^[0-9a-fA-F]{40}$/, { error: (i) => `must be a SHA-1 thumbprint of 40 hex characters, got ${JSON.stringify(i.input)}` }))
    .max(5)
    .meta({ description: "Optional CA thumbprints (at most 5). AWS validates publicly trusted certificates itself; thumbprints matter only for private CAs." });

const rolePath = z.string().regex(/^\/(?:[A-Za-z0-9_+=,.@-]+\/)*$/, { error: (i) => `must be an IAM path that starts and ends with "/", e.g. "/" or "/gitlab/", got ${JSON.stringify(i.input)}` });

const permissionsBoundary = z
    .string()
    .regex(/^arn:aws(-cn|-us-gov)?:iam::(aws|\d{12}):policy\/.+$/, { error: (i) => `must be an IAM managed policy ARN, got ${JSON.stringify(i.input)}` })
    .meta({ description: "Managed policy ARN set as permissions boundary on every role." });

const trustPolicyMaxLength = z.number().int().min(2048).max(4096);

const TRUST_POLICY_MAX_LENGTH = "Your account's quota for a role trust policy, in characters without whitespace: 2048 (AWS default) up to 4096 after a quota increase.";

const ROLES_QUOTA = "IAM roles per account: AWS's default quota is 1,000, raisable to 5,000 (Service Quotas). Set it to your account's value after a raise.";

const rolesQuota = z.number().int().min(1).max(5000);

const QUOTAS = "Your account's IAM quotas, checked against the plan before pulumi up would hit them.";

const tags = z.record(z.string(), z.string()).meta({ description: "Tags added to every AWS resource (IAM limits: 50 per resource including the 4 this program sets, keys 1-128 and values 0-256 characters of letters, digits, spaces and _.:/=+-@, no aws: prefix)." });

const PROTECT = "Protect the OIDC provider from deletion (default true): deleting it breaks every pipeline at once.";

const adopt = z
    .strictObject({
        oidcProvider: z
            .enum(["import"])
            .optional()
            .meta({ description: "import: the OIDC provider for the GitLab URL exists in the account (needs accountId); adopt it on the next pulumi up instead of creating one (an account holds one per URL)." }),
    })
    .meta({ description: "Shared trust anchors that already exist. To trust a provider another stack manages, use existingProviderArn instead." });

/** A key of aws.accounts: it names the account in grants and in the logical names of its resources. */
export const ACCOUNT_KEY = /^[a-z][a-z0-9-]{0,31}$/;

/**
 * One account of aws.accounts: its id, how Pulumi reaches it (an aws.Provider that assumes a role
 * in it, or a profile; neither: the stack's own AWS provider), and its own settings, each
 * defaulting to the section's.
 */
export const AwsAccountSchema = z
    .strictObject({
        id: accountId.meta({ description: "The AWS account (quoted, 12 digits): the provider of this account refuses credentials of any other (allowedAccountIds)." }),
        assumeRole: z
            .strictObject({
                roleArn: z
                    .string()
                    .regex(/^arn:aws(-cn|-us-gov)?:iam::\d{12}:role\/(?:[A-Za-z0-9_+=,.@-]+\/)*[A-Za-z0-9_+=,.@-]{1,64}$/, { error: (i) => `must be an IAM role ARN in this account, e.g. "arn:aws:iam::222222222222:role/gitlab-federation-admin", got ${JSON.stringify(i.input)}` })
                    .meta({ description: "The role Pulumi assumes in this account to manage its OIDC provider and roles." }),
                externalId: z.string().regex(/^[A-Za-z0-9+=,.@:\/-]{2,1224}$/, { error: (i) => `must be 2-1224 characters of letters, digits and +=,.@:/- (STS ExternalId), got ${JSON.stringify(i.input)}` }).optional().meta({ description: "The ExternalId the role's trust policy requires, if any." }),
                sessionName: z.string().regex(/^[A-Za-z0-9+=,.@-]{2,64}$/, { error: (i) => `must be 2-64 characters of letters, digits and +=,.@- (STS RoleSessionName), got ${JSON.stringify(i.input)}` }).optional().meta({ description: "The session name (CloudTrail shows it)." }),
            })
            .optional()
            .meta({ description: "Reach the account by assuming this role with the stack's AWS credentials (an aws.Provider with assumeRoles)." }),
        profile: z.string().regex(/^[A-Za-z0-9_.+=,@-]{1,64}$/, { error: (i) => `must be the name of a profile of the shared AWS config, got ${JSON.stringify(i.input)}` }).optional().meta({ description: "Reach the account with this profile of the shared AWS config files (an aws.Provider with profile)." }),
        region: z
            .string()
            .regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, { error: (i) => `must be an AWS region, e.g. "eu-west-1", got ${JSON.stringify(i.input)}` })
            .optional()
            .meta({ description: "Region of the account's provider (IAM is global; STS and the SDK need one). Default: the stack's aws:region." }),
        existingProviderArn: existingProviderArn.optional(),
        thumbprints: thumbprints.optional(),
        rolePath: rolePath.optional().meta({ description: "IAM path of the account's roles. Default: aws.rolePath." }),
        permissionsBoundary: permissionsBoundary.optional().meta({ description: "Managed policy ARN set as permissions boundary on every role of the account. Default: aws.permissionsBoundary." }),
        trustPolicyMaxLength: trustPolicyMaxLength.optional().meta({ description: `${TRUST_POLICY_MAX_LENGTH} Default: aws.trustPolicyMaxLength.` }),
        protect: z.boolean().optional().meta({ description: "Protect the account's OIDC provider from deletion. Default: aws.protect." }),
        quotas: z
            .strictObject({ roles: rolesQuota.meta({ description: ROLES_QUOTA }) })
            .optional()
            .meta({ description: `${QUOTAS} Default: aws.quotas.` }),
        tags: tags.optional().meta({ description: "Tags added to every AWS resource of the account, instead of aws.tags (same IAM limits)." }),
        adopt: adopt.optional(),
    })
    .meta({ description: "An AWS account of the map: its id, how Pulumi reaches it, and its own settings (each defaults to the section's)." });

export type AwsAccountConfig = z.output<typeof AwsAccountSchema>;

export const AwsSchema = z
    .strictObject({
        audience: AudienceSchema.default("sts.amazonaws.com").meta({ description: "The aud AWS jobs request in id_tokens; the OIDC provider's client ID. Default: sts.amazonaws.com." }),
        accountId: accountId.optional().meta({ description: "The AWS account (quoted, 12 digits). Optional: lets the plan show real ARNs." }),
        partition: z.enum(["aws", "aws-cn", "aws-us-gov"]).default("aws").meta({ description: "AWS partition: aws (default), aws-cn or aws-us-gov." }),
        existingProviderArn: existingProviderArn.optional(),
        thumbprints: thumbprints.optional(),
        rolePath: rolePath.default("/").meta({ description: "IAM path of the roles. Default: /." }),
        permissionsBoundary: permissionsBoundary.optional(),
        maxSessionDuration: duration("Default maximum session of the roles, 1h to 12h. Default: 1h.").default("1h"),
        trustPolicyMaxLength: trustPolicyMaxLength.default(2048).meta({ description: TRUST_POLICY_MAX_LENGTH }),
        protect: z.boolean().default(true).meta({ description: PROTECT }),
        quotas: z
            .strictObject({ roles: rolesQuota.default(1000).meta({ description: ROLES_QUOTA }) })
            .default({ roles: 1000 })
            .meta({ description: QUOTAS }),
        tags: tags.optional(),
        adopt: adopt.optional(),
        accounts: z
            .record(
                z.string().regex(ACCOUNT_KEY, { error: (i) => `must be an account key of 1-32 lowercase letters, digits and -, starting with a letter (it names the account in grants and resource names), got ${JSON.stringify(i.input)}` }),
                AwsAccountSchema,
            )
            .optional()
            .meta({
                description:
                    "Several AWS accounts, by key: grants name theirs with aws.account. Each is reached through its own Pulumi provider (assumeRole or profile), except at most one without either, reached through the stack's own AWS provider, whose resources keep the names of a map without accounts. With accounts, accountId, existingProviderArn and adopt belong to each account.",
            }),
    })
    .meta({ description: "AWS: an IAM OIDC provider for GitLab and one role per grant with aws." });

export const AwsGrantSchema = z
    .strictObject({
        roleName: z
            .string()
            .regex(/^[A-Za-z0-9_+=,.@-]{1,64}$/, { error: (i) => `must be 1-64 characters of letters, digits and _+=,.@- (IAM role names), got ${JSON.stringify(i.input)}` })
            .optional()
            .meta({ description: "IAM role name. Default: gitlab-<project path with / as ->--<grant>, shortened with a hash to 64 characters." }),
        description: z.string().max(1000).optional().meta({ description: "Role description. Default: the grant's description." }),
        managedPolicyArns: z
            .array(z.string().regex(/^arn:aws(-cn|-us-gov)?:iam::(aws|\d{12}):policy\/[A-Za-z0-9_+=,.@/-]+$/, { error: (i) => `must be an IAM managed policy ARN such as "arn:aws:iam::aws:policy/ReadOnlyAccess", got ${JSON.stringify(i.input)}` }))
            .max(20)
            .optional()
            .meta({ description: "Managed policies attached to the role (default quota 10 per role)." }),
        inlinePolicy: z
            .record(z.string(), z.unknown())
            .optional()
            .meta({ description: "An IAM policy document (Version, Statement) put on the role as an inline policy." }),
        maxSessionDuration: duration("Maximum session, 1h to 12h. Default: aws.maxSessionDuration.").optional(),
        acknowledge: z
            .strictObject({
                protected: reason("Why it is acceptable that AWS cannot check that the ref is protected.").optional(),
                environment: reason("Why it is acceptable that AWS cannot check the environment.").optional(),
            })
            .optional()
            .meta({ description: "Conditions AWS cannot check (it sees only sub and aud), acknowledged with a reason each." }),
        account: z
            .string()
            .optional()
            .meta({ description: "The key of the account in aws.accounts that holds the role. Default: the only account; required when aws.accounts lists several." }),
        allowBroad: reason("Reason for a deliberately broad permission (Action \"*\", administrator-style managed policies).").optional(),
    })
    .meta({ description: "AWS access: an IAM role assumable with AssumeRoleWithWebIdentity." });

export type AwsConfig = z.output<typeof AwsSchema>;
export type AwsGrantConfig = z.output<typeof AwsGrantSchema>;

/** The deployer's AWS settings (`gitlab-federation:deployer.aws`). */
export const AwsDeployerSchema = z
    .strictObject({
        acknowledge: reason(
            "Why it is acceptable that AWS, which sees only sub and aud, lets any job of a pipeline on the applier's branch assume its role, not only pulumi up in its environment.",
        ).optional(),
        allowUnboundedRoles: reason(
            "Reason the applier may create IAM roles without aws.permissionsBoundary: it could then create a role with any permission and assume it. Prefer setting aws.permissionsBoundary.",
        ).optional(),
        state: z
            .strictObject({
                bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: (i) => `must be an S3 bucket name, got ${JSON.stringify(i.input)}` }),
                // No "*" or "?": the prefix is written into IAM resource ARNs and StringLike patterns, where they are wildcards.
                prefix: z
                    .string()
                    .regex(/^[A-Za-z0-9!_.'()-]+(\/[A-Za-z0-9!_.'()-]+)*$/, {
                        error: (i) => `must be an object key prefix of letters, digits and !_.'()- in "/"-separated parts, without leading or trailing "/" (no "*" or "?": IAM reads them as wildcards), got ${JSON.stringify(i.input)}`,
                    })
                    .optional()
                    .meta({ description: "The folder of the backend URL (s3://<bucket>/<prefix>); the deployer reaches only objects below it." }),
                region: z
                    .string()
                    .regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, { error: (i) => `must be the bucket's AWS region, e.g. "eu-west-1", got ${JSON.stringify(i.input)}` })
                    .meta({ description: "The bucket's region: the pipeline's backend URL carries it (s3://<bucket>/<prefix>?region=<region>); the S3 backend cannot find the bucket without it." }),
                kmsKeyArn: z
                    .string()
                    .regex(/^arn:aws(-cn|-us-gov)?:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/, { error: (i) => `must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), got ${JSON.stringify(i.input)}` })
                    .optional()
                    .meta({ description: "The key of an awskms:// secrets provider: the planner may decrypt, the applier encrypt and decrypt." }),
            })
            .optional()
            .meta({ description: "The stack's Pulumi state, when it is a self-managed backend in S3: the pipeline's jobs use PULUMI_BACKEND_URL=s3://<bucket>/<prefix>?region=<region>, and the deployer's AWS roles get exactly this location." }),
    })
    .meta({ description: "The deployer's AWS settings: its acknowledgements and the S3 state it reaches." });

export type AwsDeployerConfig = z.output<typeof AwsDeployerSchema>;

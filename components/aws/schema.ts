/**
 * The AWS part of the map: the `gitlab-federation:aws` section (the IAM OIDC provider and role
 * defaults) and a grant's `aws` field (its role's permissions and acknowledgements).
 */
import { z } from "zod";
import { AudienceSchema, duration, reason } from "../../src/core/schema";

const ACCOUNT_ID = /^\d{12}$/;

export const AwsSchema = z
    .strictObject({
        audience: AudienceSchema.default("sts.amazonaws.com").meta({ description: "The aud AWS jobs request in id_tokens; the OIDC provider's client ID. Default: sts.amazonaws.com." }),
        accountId: z
            .string()
            .regex(ACCOUNT_ID, { error: (i) => `must be a 12-digit AWS account ID in quotes, e.g. "111111111111", got ${JSON.stringify(i.input)}` })
            .optional()
            .meta({ description: "The AWS account (quoted, 12 digits). Optional: lets the plan show real ARNs." }),
        partition: z.enum(["aws", "aws-cn", "aws-us-gov"]).default("aws").meta({ description: "AWS partition: aws (default), aws-cn or aws-us-gov." }),
        existingProviderArn: z
            .string()
            .regex(/^arn:aws(-cn|-us-gov)?:iam::\d{12}:oidc-provider\/.+$/, { error: (i) => `must be an IAM OIDC provider ARN such as "arn:aws:iam::111111111111:oidc-provider/gitlab.example.com", got ${JSON.stringify(i.input)}` })
            .optional()
            .meta({ description: "Use an OIDC provider that already exists for the GitLab URL (an account holds one per URL, e.g. when several stacks share an account) instead of creating one. Its client IDs must include audience." }),
        thumbprints: z
            .array(z.string().regex(/^[0-9a-fA-F]{40}$/, { error: (i) => `must be a SHA-1 thumbprint of 40 hex characters, got ${JSON.stringify(i.input)}` }))
            .max(5)
            .optional()
            .meta({ description: "Optional CA thumbprints (at most 5). AWS validates publicly trusted certificates itself; thumbprints matter only for private CAs." }),
        rolePath: z
            .string()
            .regex(/^\/(?:[A-Za-z0-9_+=,.@-]+\/)*$/, { error: (i) => `must be an IAM path that starts and ends with "/", e.g. "/" or "/gitlab/", got ${JSON.stringify(i.input)}` })
            .default("/")
            .meta({ description: "IAM path of the roles. Default: /." }),
        permissionsBoundary: z
            .string()
            .regex(/^arn:aws(-cn|-us-gov)?:iam::(aws|\d{12}):policy\/.+$/, { error: (i) => `must be an IAM managed policy ARN, got ${JSON.stringify(i.input)}` })
            .optional()
            .meta({ description: "Managed policy ARN set as permissions boundary on every role." }),
        maxSessionDuration: duration("Default maximum session of the roles, 1h to 12h. Default: 1h.").default("1h"),
        trustPolicyMaxLength: z
            .number()
            .int()
            .min(2048)
            .max(4096)
            .default(2048)
            .meta({ description: "Your account's quota for a role trust policy, in characters without whitespace: 2048 (AWS default) up to 4096 after a quota increase." }),
        protect: z.boolean().default(true).meta({ description: "Protect the OIDC provider from deletion (default true): deleting it breaks every pipeline at once." }),
        quotas: z
            .strictObject({
                roles: z
                    .number()
                    .int()
                    .min(1)
                    .max(5000)
                    .default(1000)
                    .meta({ description: "IAM roles per account: AWS's default quota is 1,000, raisable to 5,000 (Service Quotas). Set it to your account's value after a raise." }),
            })
            .default({ roles: 1000 })
            .meta({ description: "Your account's IAM quotas, checked against the plan before pulumi up would hit them." }),
        tags: z.record(z.string(), z.string()).optional().meta({ description: "Tags added to every AWS resource (IAM limits: 50 per resource including the 4 this program sets, keys 1-128 and values 0-256 characters of letters, digits, spaces and _.:/=+-@, no aws: prefix)." }),
        adopt: z
            .strictObject({
                oidcProvider: z
                    .enum(["import"])
                    .optional()
                    .meta({ description: "import: the OIDC provider for the GitLab URL exists in the account (needs accountId); adopt it on the next pulumi up instead of creating one (an account holds one per URL)." }),
            })
            .optional()
            .meta({ description: "Shared trust anchors that already exist. To trust a provider another stack manages, use existingProviderArn instead." }),
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

/**
 * The project map: the public interface of gitlab-federation, as stack config under the
 * `gitlab-federation:` namespace. Shape, types, defaults and single-value rules live here;
 * rules that relate several values (TTL order, overlaps, name collisions, target limits)
 * live in the planners. The JSON Schema for editors is generated from this file
 * (`npm run schema` writes `schema/project-map.schema.json`).
 */
import { z } from "zod";
import { durationProblem } from "./duration";
import {
    audienceProblem,
    cidrProblem,
    environmentProblem,
    httpsUrlProblem,
    mountPathProblem,
    reasonProblem,
    refProblem,
    secretPrefixProblem,
    serviceAccountIdProblem,
    workloadIdentityIdProblem,
} from "./rules";

/** A string checked by one of the rule functions in `rules.ts`. */
function ruled(rule: (value: string) => string | undefined) {
    return z.string().superRefine((value, ctx) => {
        const problem = rule(value);
        if (problem !== undefined) {
            ctx.addIssue({ code: "custom", message: problem, input: value });
        }
    });
}

function reason(description: string) {
    return ruled(reasonProblem).meta({ description });
}

const ISSUER_NOTE = "it must equal the iss claim of GitLab's ID tokens byte for byte";

export const DurationSchema = z
    .union([z.string(), z.number().int().nonnegative()])
    .superRefine((value, ctx) => {
        const problem = durationProblem(value);
        if (problem !== undefined) {
            ctx.addIssue({ code: "custom", message: problem, input: value });
        }
    });

function duration(description: string) {
    return DurationSchema.meta({ description });
}

const Audience = ruled(audienceProblem);
const MountPath = ruled(mountPathProblem);
const Cidrs = z.array(ruled(cidrProblem)).min(1);

export const GitlabSchema = z
    .strictObject({
        url: ruled((v) => httpsUrlProblem(v, ISSUER_NOTE)).meta({
            description:
                "GitLab's URL exactly as the iss claim of its ID tokens (Settings.gitlab.url, or ci_id_tokens_issuer_url if set): https, no trailing slash, e.g. https://gitlab.example.com.",
        }),
        jwksUrl: ruled((v) => httpsUrlProblem(v, "Vault fetches GitLab's signing keys from it"))
            .optional()
            .meta({ description: "Where Vault fetches GitLab's signing keys. Default: <url>/oauth/discovery/keys. Set at most one of jwksUrl and oidcDiscoveryUrl." }),
        oidcDiscoveryUrl: ruled((v) => httpsUrlProblem(v, ISSUER_NOTE))
            .optional()
            .meta({ description: "Use OIDC discovery instead of jwksUrl: Vault reads <oidcDiscoveryUrl>/.well-known/openid-configuration, whose issuer must equal this URL. Usually the same as url." }),
        caPem: z
            .string()
            .min(1)
            .optional()
            .meta({ description: "PEM CA bundle for Vault's fetch of the keys, when GitLab's TLS certificate is not publicly trusted." }),
    })
    .meta({ description: "The GitLab instance whose CI ID tokens are trusted." });

export const AuditDeviceSchema = z
    .strictObject({
        type: z.enum(["file", "syslog", "socket"]).meta({ description: "Audit device type: file, syslog or socket." }),
        path: z
            .string()
            .min(1)
            .optional()
            .meta({ description: "For type file: the log file (Vault's file_path option), or stdout / discard. Every Vault node must be able to write it." }),
        name: MountPath.optional().meta({ description: "The device's path in Vault (vault audit enable -path=...). Default: the type." }),
        description: z.string().optional().meta({ description: "Description shown by vault audit list." }),
        local: z.boolean().optional().meta({ description: "Enterprise replication: keep the device local to this cluster." }),
        options: z
            .record(z.string(), z.string())
            .optional()
            .meta({ description: "Further device options as strings (e.g. mode, format, address, facility). log_raw needs allowLogRaw; executable modes are refused." }),
        allowLogRaw: reason("Reason for writing secrets unhashed to the log (option log_raw: \"true\"). Leave unset.").optional(),
    })
    .meta({ description: "A Vault audit device. Audit devices are registered before any role, so no CI login goes unaudited." });

export const VaultSchema = z
    .strictObject({
        authPath: MountPath.default("gitlab").meta({ description: "Path of the JWT auth method for GitLab CI. Default: gitlab. Keep it separate from any human OIDC login mount." }),
        audience: Audience.meta({ description: "The aud every Vault role requires (bound_audiences) and jobs request in id_tokens, e.g. https://vault.example.com. Must differ from the AWS and GCP audiences." }),
        kvMount: MountPath.default("secret").meta({ description: "Path of the KV v2 secrets engine the grants read from; created and protected from deletion. Default: secret." }),
        description: z.string().optional().meta({ description: "Description of the auth method." }),
        audit: z.array(AuditDeviceSchema).default([]).meta({ description: "Audit devices to enable." }),
        tokenTtl: duration("Default TTL of the Vault tokens CI jobs get. Default: 5m.").default("5m"),
        tokenMaxTtl: duration("Default maximum TTL of those tokens (also their explicit max TTL). Default: 10m.").default("10m"),
        ttlCap: duration("Guardrail: no grant may set tokenTtl or tokenMaxTtl above this; also the auth mount's max lease TTL. Default: 1h.").default("1h"),
        tokenType: z.enum(["batch", "service"]).default("batch").meta({ description: "Token type: batch (default; light, not renewable) or service." }),
        tokenBoundCidrs: Cidrs.optional().meta({ description: "Only allow logins and token use from these CIDR blocks (e.g. your runners)." }),
        protect: z.boolean().default(true).meta({ description: "Protect the auth method and the KV mount from deletion (default true). Deleting the mount destroys every secret in it." }),
    })
    .meta({ description: "Vault: JWT auth for GitLab CI and the KV v2 mount the grants read." });

const ACCOUNT_ID = /^\d{12}$/;

export const AwsSchema = z
    .strictObject({
        audience: Audience.default("sts.amazonaws.com").meta({ description: "The aud AWS jobs request in id_tokens; the OIDC provider's client ID. Default: sts.amazonaws.com." }),
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
        tags: z.record(z.string(), z.string()).optional().meta({ description: "Tags added to every AWS resource." }),
    })
    .meta({ description: "AWS: an IAM OIDC provider for GitLab and one role per grant with aws." });

export const GcpSchema = z
    .strictObject({
        project: z
            .string()
            .regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, { error: (i) => `must be a GCP project ID (6-30 lowercase letters, digits and "-", starting with a letter), got ${JSON.stringify(i.input)}` })
            .meta({ description: "GCP project ID holding the pool, the provider and the service accounts." }),
        projectNumber: z
            .union([z.string().regex(/^[1-9]\d{5,18}$/, { error: (i) => `must be the numeric GCP project number, e.g. "123456789012", got ${JSON.stringify(i.input)}` }), z.number().int().positive()])
            .meta({ description: "That project's number (principal identifiers use the number, not the ID)." }),
        poolId: ruled(workloadIdentityIdProblem).meta({ description: "Workload identity pool ID: 4-32 of [a-z0-9-], not starting with gcp-. Use a pool for this provider only." }),
        providerId: ruled(workloadIdentityIdProblem).meta({ description: "Workload identity pool provider ID: 4-32 of [a-z0-9-], not starting with gcp-." }),
        audience: Audience.optional().meta({ description: "The aud GCP jobs request. Default: https://iam.googleapis.com/projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>." }),
        poolDisplayName: z.string().max(32).optional().meta({ description: "Display name of the pool (at most 32 characters)." }),
        protect: z.boolean().default(true).meta({ description: "Protect the pool and the provider from deletion (default true): a deleted ID cannot be reused for about 30 days." }),
    })
    .meta({ description: "GCP: a workload identity pool and provider for GitLab and one service account per grant with gcp." });

export const RefSchema = ruled(refProblem);

export const VaultGrantSchema = z
    .strictObject({
        read: z.array(ruled(secretPrefixProblem)).min(1).meta({
            description: "Secret folders under the KV mount this grant may read and list, e.g. [platform/api/production]. Each covers itself and everything below it.",
        }),
        roleName: z
            .string()
            .regex(/^[a-z0-9](?:[a-z0-9_.-]{0,126}[a-z0-9])?$/, { error: (i) => `must be 1-128 lowercase letters, digits, "_", "-" and ".", starting and ending with a letter or digit, got ${JSON.stringify(i.input)}` })
            .optional()
            .meta({ description: "Vault role name. Default: <project path with / as ->--<grant>." }),
        tokenTtl: duration("TTL of this grant's tokens. Default: vault.tokenTtl.").optional(),
        tokenMaxTtl: duration("Maximum TTL of this grant's tokens. Default: vault.tokenMaxTtl.").optional(),
        tokenType: z.enum(["batch", "service"]).optional().meta({ description: "Token type for this grant. Default: vault.tokenType." }),
        tokenBoundCidrs: Cidrs.optional().meta({ description: "CIDR blocks for this grant. Default: vault.tokenBoundCidrs." }),
        allowUnprotectedOverlap: reason("Reason this unprotected grant may read secrets that a protected grant also reads (otherwise refused: any branch could read them).").optional(),
        allowOutsideProject: reason("Reason this grant may read secrets outside its own project's folder <project path>/ (otherwise refused).").optional(),
    })
    .meta({ description: "Vault access: a role on the JWT auth method and a read-only policy." });

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

export const GcpGrantSchema = z
    .strictObject({
        roles: z
            .array(z.string().regex(/^(roles\/[A-Za-z0-9_.]+|projects\/[a-z][a-z0-9-]{4,28}[a-z0-9]\/roles\/[A-Za-z0-9_.]+|organizations\/\d+\/roles\/[A-Za-z0-9_.]+)$/, { error: (i) => `must be an IAM role such as "roles/storage.objectViewer" or "projects/<id>/roles/<name>", got ${JSON.stringify(i.input)}` }))
            .default([])
            .meta({ description: "Roles granted to the grant's service account on gcp.project." }),
        accountId: ruled(serviceAccountIdProblem).optional().meta({ description: "Service account ID (6-30 of [a-z0-9-], starting with a letter). Default: derived from project path and grant." }),
        displayName: z.string().max(100).optional().meta({ description: "Service account display name (at most 100 characters)." }),
        allowBroad: reason("Reason for granting a privileged role (owner, editor, IAM admin or impersonation roles).").optional(),
    })
    .meta({ description: "GCP access: a service account the job impersonates through workload identity federation." });

export const GrantSchema = z
    .strictObject({
        description: z.string().optional().meta({ description: "What the grant is for; shown in the plan." }),
        ref: z
            .union([RefSchema, z.array(RefSchema).min(1)])
            .meta({ description: "Branch or tag name, or a pattern where * matches any characters (e.g. release/*), or a list of them. \"*\" means any ref." }),
        refType: z.enum(["branch", "tag"]).default("branch").meta({ description: "Whether ref names branches or tags. Default: branch." }),
        protected: z
            .boolean()
            .default(true)
            .meta({ description: "Require a protected branch or tag (ref_protected). Default true; false lets any push to a matching ref through." }),
        environment: ruled(environmentProblem).optional().meta({ description: "Require this exact GitLab environment (the job's environment:name)." }),
        vault: VaultGrantSchema.optional(),
        aws: AwsGrantSchema.optional(),
        gcp: GcpGrantSchema.optional(),
    })
    .meta({ description: "One grant: which pipelines (ref, protection, environment) get which access (vault, aws, gcp)." });

const projectIdError = (issue: { input?: unknown }) => `must be the numeric GitLab project ID (Settings > General), e.g. 42, got ${JSON.stringify(issue.input)}`;

export const ProjectIdSchema = z
    .union([z.number().int().positive(), z.string().regex(/^[1-9]\d*$/, { error: projectIdError })])
    .meta({ description: "The numeric GitLab project ID (Settings > General), e.g. 42: the binding that survives renames." });

export const ProjectSchema = z
    .strictObject({
        id: ProjectIdSchema,
        description: z.string().optional().meta({ description: "Free text shown in the plan." }),
        grants: z.record(z.string(), GrantSchema).meta({ description: "Grants of this project, by name (lowercase letters, digits, -)." }),
    })
    .meta({ description: "A GitLab project, keyed by its full path, e.g. platform/api." });

export const ProjectsSchema = z
    .record(z.string(), ProjectSchema)
    .meta({ description: "GitLab projects by full path (e.g. platform/api), each with its grants." });

/** The whole map. Keys are the config keys without the `gitlab-federation:` namespace. */
export const MapSchema = z
    .strictObject({
        gitlab: GitlabSchema,
        vault: VaultSchema.optional(),
        aws: AwsSchema.optional(),
        gcp: GcpSchema.optional(),
        projects: ProjectsSchema,
    })
    .meta({
        title: "gitlab-federation project map",
        description: "Stack config under the gitlab-federation: namespace: which GitLab CI pipelines get which Vault, AWS and GCP access.",
    });

/** The top-level config keys, in the order the map reference documents them. */
export const SECTIONS = ["gitlab", "vault", "aws", "gcp", "projects"] as const;

export type GitlabConfig = z.output<typeof GitlabSchema>;
export type VaultConfig = z.output<typeof VaultSchema>;
export type AwsConfig = z.output<typeof AwsSchema>;
export type GcpConfig = z.output<typeof GcpSchema>;
export type AuditDeviceConfig = z.output<typeof AuditDeviceSchema>;
export type GrantConfig = z.output<typeof GrantSchema>;
/** The whole map after defaults, for TypeScript code that builds or reads maps. */
export type FederationMap = z.output<typeof MapSchema>;

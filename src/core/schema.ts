/**
 * The shared part of the project map, the public interface of gitlab-federation: the
 * `gitlab-federation:gitlab` section, projects, and the fields every grant has. Each target adds
 * its section and its grant field (targets/<target>/schema.ts); features/map-schema.ts puts the
 * whole map together. Shape, types, defaults and single-value rules live in schemas; rules that
 * relate several values live in the planners.
 */
import { z } from "zod";
import { DURATION_PATTERN, durationProblem } from "./duration";
import { PROJECT_PATH_PATTERN, audienceProblem, caPemProblem, environmentProblem, grantNameProblem, httpsUrlProblem, projectPathProblem, reasonProblem, refProblem } from "./rules";

/** A string checked by a rule function (returns the problem text or undefined). */
export function ruled(rule: (value: string) => string | undefined) {
    return z.string().superRefine((value, ctx) => {
        const problem = rule(value);
        if (problem !== undefined) {
            ctx.addIssue({ code: "custom", message: problem, input: value });
        }
    });
}

/** A loosening's reason: at least MIN_REASON_LENGTH characters, shown in the plan. */
export function reason(description: string) {
    return ruled(reasonProblem).meta({ description });
}

/** A duration (`5m`, `1h`, `90s`, `1h30m`, or whole seconds). */
export const DurationSchema = z.union([z.string(), z.number().int().nonnegative()]).superRefine((value, ctx) => {
    const problem = durationProblem(value);
    if (problem !== undefined) {
        ctx.addIssue({ code: "custom", message: problem, input: value });
    }
});

export function duration(description: string) {
    return DurationSchema.meta({ description, pattern: DURATION_PATTERN });
}

export const AudienceSchema = ruled(audienceProblem);

const ISSUER_NOTE = "it must equal the iss claim of GitLab's ID tokens byte for byte";

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
        caPem: ruled(caPemProblem)
            .min(1)
            .optional()
            .meta({ description: "PEM CA bundle for Vault's fetch of the keys, when GitLab's TLS certificate is not publicly trusted." }),
    })
    .meta({ description: "The GitLab instance whose CI ID tokens are trusted." });

export const RefSchema = ruled(refProblem);

/** The fields every grant has: which pipelines it admits. Targets add what it gives. */
export const GRANT_BASE_FIELDS = {
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
    renamedFrom: ruled(grantNameProblem)
        .optional()
        .meta({
            description:
                "The grant's previous name, after renaming it in the map: its resources keep their identity (an in-place update instead of a replacement) and their names derived from the old grant name.",
        }),
};

const projectIdError = (issue: { input?: unknown }) => `must be the numeric GitLab project ID (Settings > General), e.g. 42, got ${JSON.stringify(issue.input)}`;

export const ProjectIdSchema = z
    .union([z.number().int().positive(), z.string().regex(/^[1-9]\d*$/, { error: projectIdError })])
    .meta({ description: "The numeric GitLab project ID (Settings > General), e.g. 42: the binding that survives renames." });

/** The fields of a project besides its grants. */
export const PROJECT_FIELDS = {
    id: ProjectIdSchema,
    description: z.string().optional().meta({ description: "Free text shown in the plan." }),
    renamedFrom: ruled(projectPathProblem)
        .optional()
        .meta({
            description:
                "After a GitLab rename or transfer: the path the project's names were first derived from. Vault role and policy, IAM role and service account keep those names (renaming the key is then an in-place update, and CI jobs keep their role names), and secrets under <renamedFrom>/ still count as the project's own folder.",
        }),
};

/** Grant names as a JSON Schema pattern (the rule is GRANT_NAME in rules.ts). */
export const GRANT_NAME_PATTERN = "^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$";

/** Keys of the projects mapping, for the JSON Schema (projectPathProblem is the full rule). */
export const ProjectKeySchema = z.string().regex(new RegExp(PROJECT_PATH_PATTERN));

/** Keys of the grants mapping, for the JSON Schema (grantNameProblem is the full rule). */
export const GrantKeySchema = z.string().regex(new RegExp(GRANT_NAME_PATTERN));

export type GitlabConfig = z.output<typeof GitlabSchema>;

const RefsSchema = z.union([RefSchema, z.array(RefSchema).min(1)]);

/**
 * The federation project itself: the identities its own pipeline uses, planned like grants of
 * that project (`planner` and `applier`), with permissions derived from what this program
 * manages (each target's deployer.ts), not from a grant field.
 */
export const DeployerSchema = z
    .strictObject({
        project: ruled(projectPathProblem).meta({ description: "Path of the GitLab project that holds this repository and runs pulumi, e.g. platform/gitlab-federation." }),
        id: ProjectIdSchema,
        planner: z
            .strictObject({
                ref: RefsSchema.default("*").meta({ description: "Branches whose merge-request pipelines may plan (pulumi preview, read-only). Default: any branch." }),
                protected: z
                    .boolean()
                    .default(false)
                    .meta({ description: "Require a protected branch. Default false: merge requests come from unprotected branches; the planner reads configuration, never secrets or writes." }),
            })
            .default({ ref: "*", protected: false })
            .meta({ description: "The read-only identity of merge-request pipelines (pulumi preview)." }),
        applier: z
            .strictObject({
                ref: RefsSchema.default("main").meta({ description: "The protected branch whose pipelines apply (pulumi up). Default: main." }),
                environment: ruled(environmentProblem).meta({ description: "The GitLab environment of this stack's pulumi up job; protect it in GitLab (Settings > CI/CD > Protected environments)." }),
                manual: z.boolean().default(true).meta({ description: "pulumi up waits for a person to start it (when: manual). Default true; set false for a stack you deploy on every merge." }),
                acknowledgeAws: reason(
                    "With an aws section: why it is acceptable that AWS, which sees only sub and aud, lets any job of a pipeline on the applier's branch assume its role, not only pulumi up in its environment.",
                ).optional(),
            })
            .meta({ description: "The identity of pulumi up on the protected branch, in the stack's environment: it can change everything this stack manages." }),
        tokenTtl: duration("How long the deployer's Vault tokens live: long enough for one pulumi up. Default: 30m (within vault.ttlCap).").default("30m"),
        state: z
            .strictObject({
                s3: z
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
                    .meta({ description: "A self-managed backend in S3: the pipeline's jobs use PULUMI_BACKEND_URL=s3://<bucket>/<prefix>?region=<region>, and the deployer's AWS roles get exactly this location." }),
                gcs: z
                    .strictObject({
                        bucket: z.string().regex(/^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/, { error: (i) => `must be a Cloud Storage bucket name, got ${JSON.stringify(i.input)}` }).meta({
                            description: "A bucket that holds only this backend: the pipeline's jobs use PULUMI_BACKEND_URL=gs://<bucket>, and the deployer's service accounts get it whole.",
                        }),
                        kmsKey: z
                            .string()
                            .regex(/^projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+$/, { error: (i) => `must be projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>, got ${JSON.stringify(i.input)}` })
                            .optional()
                            .meta({ description: "The key of a gcpkms:// secrets provider: the planner may decrypt, the applier encrypt and decrypt." }),
                    })
                    .optional()
                    .meta({ description: "A self-managed backend in Cloud Storage: the deployer's GCP service accounts get this bucket." }),
            })
            .optional()
            .meta({ description: "Where this stack's Pulumi state lives, when it is a bucket of a target the map manages." }),
        allowUnboundedAwsRoles: reason(
            "Reason the applier may create IAM roles without aws.permissionsBoundary: it could then create a role with any permission and assume it. Prefer setting aws.permissionsBoundary.",
        ).optional(),
        acknowledgeVaultPolicies: reason(
            "With a vault section: why it is acceptable that the applier writes the grants' Vault policies and roles, whose content Vault cannot bound: a policy may grant any path, a role may admit any pipeline, the applier's own included (e.g. every map change is reviewed and the applier job runs only reviewed code on a protected branch in a protected environment).",
        ).optional(),
        acknowledgeGcpProject: reason(
            "With a gcp section: why it is acceptable that the applier can act as every service account of gcp.project and change every workload identity pool there (IAM conditions cannot name service accounts or pools): gcp.project must hold only this stack's pool and service accounts, no default compute service account.",
        ).optional(),
    })
    .meta({
        description:
            "The federation's own pipeline: a read-only planner identity for merge requests and an applier identity for pulumi up on the protected branch, per target the map uses, created by this stack.",
    });

export type DeployerConfig = z.output<typeof DeployerSchema>;

/** Sharding the map over several stacks (README: Large instances). */
export const ShardingSchema = z
    .strictObject({
        shards: z.number().int().min(1).max(256).meta({ description: "How many shard stacks hold the grants (<stack>-shard-0 ...); this stack becomes the foundation, which holds the shared trust anchors and the deployer." }),
        by: z
            .enum(["project", "group"])
            .default("project")
            .meta({ description: "What decides a project's shard: its id (default: stable across renames), or its top-level group (a group's projects stay together)." }),
    })
    .meta({ description: "Run the map as a foundation stack and shard stacks: for maps one stack cannot hold (above about 10,000 resources) or beyond GCP's condition limit per provider. gitlab-federation shard shows the split." });

export type ShardingConfig = z.output<typeof ShardingSchema>;

/** The key of a shard stack: which map it is a shard of. */
export const ShardKeySchema = z
    .strictObject({
        of: z.string().regex(/^[A-Za-z0-9_.-]+$/, { error: (i) => `must be the name of the stack holding the map (Pulumi.<name>.yaml), got ${JSON.stringify(i.input)}` }).meta({ description: "The foundation stack, whose Pulumi.<of>.yaml holds the map." }),
        index: z.number().int().min(0).meta({ description: "This shard's number, 0 to sharding.shards - 1." }),
    })
    .meta({ description: "This stack is a shard of another stack's map (written by gitlab-federation shard --write)." });

export type ShardKey = z.output<typeof ShardKeySchema>;

/**
 * The GCP part of the map: the `gitlab-federation:gcp` section (the workload identity pool and
 * provider) and a grant's `gcp` field (its service account and roles).
 */
import { z } from "zod";
import { AudienceSchema, reason, ruled } from "../../src/core/schema";
import { jwksJsonProblem, serviceAccountIdProblem, workloadIdentityIdProblem } from "./rules";

const ProjectIdSchema = z
    .string()
    .regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, { error: (i) => `must be a GCP project ID (6-30 lowercase letters, digits and "-", starting with a letter), got ${JSON.stringify(i.input)}` });

/** A key of gcp.projects: it names the project's Pulumi provider and its resources' logical names. */
const ProjectKeySchema = z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,29}$/, { error: (i) => `must be a key of gcp.projects (1-30 lowercase letters, digits and "-", starting with a letter), got ${JSON.stringify(i.input)}` });

const RoleSchema = z
    .string()
    .regex(/^(roles\/[A-Za-z0-9_.]+|projects\/[a-z][a-z0-9-]{4,28}[a-z0-9]\/roles\/[A-Za-z0-9_.]+|organizations\/\d+\/roles\/[A-Za-z0-9_.]+)$/, { error: (i) => `must be an IAM role such as "roles/storage.objectViewer" or "projects/<id>/roles/<name>", got ${JSON.stringify(i.input)}` });

const BucketNameSchema = z.string().regex(/^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/, { error: (i) => `must be a Cloud Storage bucket name, got ${JSON.stringify(i.input)}` });

/** A region or multi-region such as europe-west1, us or europe. */
const LocationSchema = z.string().regex(/^[a-z]+(-[a-z]+\d+)?$/, { error: (i) => `must be a location such as "europe-west1" or "us", got ${JSON.stringify(i.input)}` });

const GcpProjectSchema = z
    .strictObject({
        id: ProjectIdSchema.meta({ description: "The project's ID." }),
        impersonateServiceAccount: z
            .string()
            .regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z][a-z0-9-]{4,28}[a-z0-9]\.iam\.gserviceaccount\.com$/, { error: (i) => `must be a service account email, <account id>@<project>.iam.gserviceaccount.com, got ${JSON.stringify(i.input)}` })
            .optional()
            .meta({ description: "A service account the project's Pulumi provider impersonates (its impersonateServiceAccount). Absent: the stack's own credentials." }),
    })
    .meta({ description: "A project where grants' workloads are, reached through a Pulumi provider of its own." });

const inProject = (description: string) => ProjectKeySchema.meta({ description: `The key in gcp.projects of the project ${description}; its provider registers the binding.` });

const GcpBindingSchema = z
    .strictObject({
        project: ProjectKeySchema.optional().meta({ description: "A project (key in gcp.projects): roles on the whole project." }),
        folder: z
            .string()
            .regex(/^[1-9]\d{5,18}$/, { error: (i) => `must be a numeric folder ID such as "123456789012", got ${JSON.stringify(i.input)}` })
            .optional()
            .meta({ description: "A folder ID: roles on the folder, inherited by every project under it (broad roles need allowBroad)." }),
        bucket: z.strictObject({ project: inProject("holding the bucket"), name: BucketNameSchema }).optional().meta({ description: "A Cloud Storage bucket (uniform bucket-level access for direct access)." }),
        artifactRegistry: z
            .strictObject({
                project: inProject("holding the repository"),
                location: LocationSchema,
                repository: z.string().regex(/^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/, { error: (i) => `must be an Artifact Registry repository ID, got ${JSON.stringify(i.input)}` }),
            })
            .optional()
            .meta({ description: "An Artifact Registry repository." }),
        cloudRun: z
            .strictObject({
                project: inProject("holding the service"),
                location: LocationSchema,
                service: z.string().regex(/^[a-z]([a-z0-9-]{0,47}[a-z0-9])?$/, { error: (i) => `must be a Cloud Run service name, got ${JSON.stringify(i.input)}` }),
            })
            .optional()
            .meta({ description: "A Cloud Run service." }),
        secret: z
            .strictObject({
                project: inProject("holding the secret"),
                secret: z.string().regex(/^[A-Za-z0-9_-]{1,255}$/, { error: (i) => `must be a Secret Manager secret ID, got ${JSON.stringify(i.input)}` }),
            })
            .optional()
            .meta({ description: "A Secret Manager secret." }),
        roles: z.array(RoleSchema).min(1).meta({ description: "Roles on that one target." }),
    })
    .meta({ description: "Roles on one target: exactly one of project, folder, bucket, artifactRegistry, cloudRun, secret." });

export type GcpBindingConfig = z.output<typeof GcpBindingSchema>;

export const GcpSchema = z
    .strictObject({
        project: ProjectIdSchema.meta({ description: "GCP project ID holding the pool, the provider and the service accounts." }),
        projectNumber: z
            .union([z.string().regex(/^[1-9]\d{5,18}$/, { error: (i) => `must be the numeric GCP project number, e.g. "123456789012", got ${JSON.stringify(i.input)}` }), z.number().int().positive()])
            .meta({ description: "That project's number (principal identifiers use the number, not the ID)." }),
        poolId: ruled(workloadIdentityIdProblem).meta({ description: "Workload identity pool ID: 4-32 of [a-z0-9-], not starting with gcp-. Use a pool for this provider only." }),
        providerId: ruled(workloadIdentityIdProblem).meta({ description: "Workload identity pool provider ID: 4-32 of [a-z0-9-], not starting with gcp-." }),
        audience: AudienceSchema.optional().meta({ description: "The aud GCP jobs request. Default: https://iam.googleapis.com/projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>." }),
        poolDisplayName: z.string().max(32).optional().meta({ description: "Display name of the pool (at most 32 characters)." }),
        protect: z.boolean().default(true).meta({ description: "Protect the pool and the provider from deletion (default true): a deleted ID cannot be reused for about 30 days." }),
        quotas: z
            .strictObject({
                serviceAccounts: z
                    .number()
                    .int()
                    .min(1)
                    .default(100)
                    .meta({ description: "Service accounts per project: GCP's default is 100; set your project's value after a quota increase." }),
            })
            .default({ serviceAccounts: 100 })
            .meta({ description: "Your project's quotas, checked against the plan before pulumi up would hit them." }),
        jwksJson: ruled(jwksJsonProblem)
            .optional()
            .meta({
                description:
                    "GitLab's signing keys (the JSON of <gitlab url>/oauth/discovery/keys), uploaded to the provider. Needed when Google cannot fetch them itself: GitLab behind a private CA (gitlab.caPem) or not reachable from the internet. Update it when GitLab rotates its key.",
            }),
        adopt: z
            .strictObject({
                pool: z.enum(["import", "external"]).optional().meta({ description: "import: the pool exists; adopt it on the next pulumi up. external: leave it unmanaged and only add the provider to it." }),
                provider: z.enum(["import"]).optional().meta({ description: "import: the provider exists; adopt it on the next pulumi up (then configured as planned)." }),
            })
            .optional()
            .meta({ description: "Shared trust anchors that already exist (a deleted pool or provider ID cannot be reused for about 30 days, so adopt rather than recreate)." }),
        projects: z
            .record(ProjectKeySchema, GcpProjectSchema)
            .optional()
            .meta({ description: "Projects where grants' workloads are, by key (grants' bindings name the key). Each is reached through a Pulumi provider of its own. gcp.project stays the pool's and the service accounts' project." }),
    })
    .meta({ description: "GCP: a workload identity pool and provider for GitLab and one service account per grant with gcp." });

export const GcpGrantSchema = z
    .strictObject({
        roles: z.array(RoleSchema).default([]).meta({ description: "Roles granted to the grant's service account (or, with access direct, its principalSets) on gcp.project." }),
        bindings: z.array(GcpBindingSchema).optional().meta({ description: "Roles on other projects, folders and resources where the grant's workloads are." }),
        access: z
            .enum(["serviceAccount", "direct"])
            .optional()
            .meta({
                description:
                    "serviceAccount (default): the job impersonates the grant's service account, which holds the roles. direct: no service account; the roles are bound to the grant's principalSets (some Google APIs do not accept federated principals).",
            }),
        accountId: ruled(serviceAccountIdProblem).optional().meta({ description: "Service account ID (6-30 of [a-z0-9-], starting with a letter). Default: derived from project path and grant." }),
        displayName: z.string().max(100).optional().meta({ description: "Service account display name (at most 100 characters)." }),
        allowBroad: reason("Reason for granting a privileged role (owner, editor, IAM admin or impersonation roles).").optional(),
    })
    .meta({ description: "GCP access: a service account the job impersonates through workload identity federation." });

export type GcpConfig = z.output<typeof GcpSchema>;
export type GcpGrantConfig = z.output<typeof GcpGrantSchema>;

/** The deployer's GCP settings (`gitlab-federation:deployer.gcp`). */
export const GcpDeployerSchema = z
    .strictObject({
        acknowledgeProject: reason(
            "Why it is acceptable that the applier can act as every service account of gcp.project and change every workload identity pool there (IAM conditions cannot name service accounts or pools): gcp.project must hold only this stack's pool and service accounts, no default compute service account.",
        ).optional(),
        state: z
            .strictObject({
                bucket: BucketNameSchema.meta({
                    description: "A bucket that holds only this backend: the pipeline's jobs use PULUMI_BACKEND_URL=gs://<bucket>, and the deployer's service accounts get it whole.",
                }),
                kmsKey: z
                    .string()
                    .regex(/^projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+$/, { error: (i) => `must be projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>, got ${JSON.stringify(i.input)}` })
                    .optional()
                    .meta({ description: "The key of a gcpkms:// secrets provider: the planner may decrypt, the applier encrypt and decrypt." }),
            })
            .optional()
            .meta({ description: "The stack's Pulumi state, when it is a self-managed backend in Cloud Storage: the deployer's GCP service accounts get this bucket." }),
    })
    .meta({ description: "The deployer's GCP settings: its acknowledgement and the Cloud Storage state it reaches." });

export type GcpDeployerConfig = z.output<typeof GcpDeployerSchema>;

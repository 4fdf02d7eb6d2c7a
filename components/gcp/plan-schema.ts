/**
 * GCP's part of `plan --json`: the resources it registers and what each grant gets. The types
 * the planner and the components use are derived from these schemas.
 */
import { z } from "zod";
import { EnforcementSchema, resourceMeta, stringMap, strings } from "../../src/core/resources";
import { RESOURCE } from "./names";

export const PoolEntrySchema = z.strictObject({
    resource: resourceMeta(RESOURCE.pool),
    workloadIdentityPoolId: z.string(),
    project: z.string(),
    displayName: z.string(),
    description: z.string(),
});

export const ProviderEntrySchema = z.strictObject({
    resource: resourceMeta(RESOURCE.provider),
    workloadIdentityPoolId: z.string(),
    workloadIdentityPoolProviderId: z.string(),
    project: z.string(),
    displayName: z.string(),
    description: z.string(),
    attributeMapping: stringMap.meta({ description: "Attribute to CEL expression." }),
    attributeCondition: z.string().meta({ description: "CEL." }),
    oidc: z.strictObject({ issuerUri: z.string(), allowedAudiences: strings, jwksJson: z.string().optional().meta({ description: "Uploaded signing keys (gcp.jwksJson)." }) }),
});

export const ServiceAccountEntrySchema = z.strictObject({
    resource: resourceMeta(RESOURCE.serviceAccount),
    accountId: z.string(),
    project: z.string(),
    displayName: z.string(),
    description: z.string(),
});

export const ServiceAccountIamMemberEntrySchema = z.strictObject({
    resource: resourceMeta(RESOURCE.serviceAccountIamMember),
    serviceAccountId: z.string().meta({ description: "projects/<project>/serviceAccounts/<email>." }),
    role: z.string(),
    member: z.string(),
});

const Reason = z.string().optional().meta({ description: "Informational: why the deployer holds this role." });
const Condition = z
    .strictObject({ title: z.string(), description: z.string(), expression: z.string() })
    .optional()
    .meta({ description: "An IAM condition on the binding (the deployer's applier: serviceAccountAdmin binds only roles/iam.workloadIdentityUser, projectIamAdmin and folderIamAdmin only the roles the map grants there)." });
/** Informational: the key in gcp.projects whose Pulumi provider registers the binding. */
const ProjectKey = z.string().optional().meta({ description: "Informational: the key in gcp.projects whose Pulumi provider registers this binding (absent: the stack's own provider)." });

/** The Pulumi provider of a project of gcp.projects (pulumi-gcp ProviderArgs: project, impersonateServiceAccount). */
export const ProjectProviderEntrySchema = z.strictObject({
    resource: resourceMeta(RESOURCE.projectProvider),
    projectKey: z.string().meta({ description: "Informational: the key in gcp.projects." }),
    project: z.string(),
    impersonateServiceAccount: z.string().optional(),
});

export const FolderIamMemberEntrySchema = z.strictObject({
    resource: resourceMeta(RESOURCE.folderIamMember),
    folder: z.string().meta({ description: "folders/<id>." }),
    role: z.string(),
    member: z.string(),
    condition: Condition,
    reason: Reason,
});

export const RepositoryIamMemberEntrySchema = z.strictObject({
    resource: resourceMeta(RESOURCE.repositoryIamMember),
    projectKey: ProjectKey,
    project: z.string(),
    location: z.string(),
    repository: z.string(),
    role: z.string(),
    member: z.string(),
});

export const CloudRunServiceIamMemberEntrySchema = z.strictObject({
    resource: resourceMeta(RESOURCE.cloudRunServiceIamMember),
    projectKey: ProjectKey,
    project: z.string(),
    location: z.string(),
    name: z.string().meta({ description: "The service's name." }),
    role: z.string(),
    member: z.string(),
});

export const SecretIamMemberEntrySchema = z.strictObject({
    resource: resourceMeta(RESOURCE.secretIamMember),
    projectKey: ProjectKey,
    project: z.string(),
    secretId: z.string(),
    role: z.string(),
    member: z.string(),
});

export const ProjectIamMemberEntrySchema = z.strictObject({
    resource: resourceMeta(RESOURCE.projectIamMember),
    projectKey: ProjectKey,
    project: z.string(),
    role: z.string(),
    member: z.string(),
    condition: Condition,
    reason: Reason,
});

export const BucketIamMemberEntrySchema = z.strictObject({
    resource: resourceMeta(RESOURCE.bucketIamMember),
    projectKey: ProjectKey,
    bucket: z.string(),
    role: z.string(),
    member: z.string(),
    reason: Reason,
});

export const CryptoKeyIamMemberEntrySchema = z.strictObject({
    resource: resourceMeta(RESOURCE.cryptoKeyIamMember),
    cryptoKeyId: z.string(),
    role: z.string(),
    member: z.string(),
    reason: Reason,
});

export const GcpPlanSchema = z.strictObject({
    poolAdoption: z.enum(["create", "import", "external"]).meta({ description: "How the pool is had: created here, imported (resource.import), or external (no resource; the provider names its ID)." }),
    providerResourceName: z.string().meta({ description: "//iam.googleapis.com/projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>." }),
    audience: z.string(),
    pools: z.array(PoolEntrySchema),
    providers: z.array(ProviderEntrySchema),
    serviceAccounts: z.array(ServiceAccountEntrySchema),
    iamMembers: z.array(
        z.union([
            ServiceAccountIamMemberEntrySchema,
            ProjectIamMemberEntrySchema,
            BucketIamMemberEntrySchema,
            CryptoKeyIamMemberEntrySchema,
            FolderIamMemberEntrySchema,
            RepositoryIamMemberEntrySchema,
            CloudRunServiceIamMemberEntrySchema,
            SecretIamMemberEntrySchema,
        ]),
    ),
    projectProviders: z.array(ProjectProviderEntrySchema).optional().meta({ description: "With gcp.projects: the Pulumi provider of each project, which registers that project's bindings." }),
});

export const GcpSummarySchema = z.strictObject({
    accountId: z.string().optional().meta({ description: "Absent with access direct (no service account)." }),
    email: z.string().optional().meta({ description: "Absent with access direct (no service account)." }),
    access: z.literal("direct").optional().meta({ description: "direct: the roles are bound to the grant's principalSets (members), no service account; absent: serviceAccount." }),
    audience: z.string(),
    members: strings,
    roles: strings,
    bindings: strings.optional().meta({ description: "Roles beyond gcp.project: \"<role> on <target>\", e.g. \"roles/run.invoker on cloudRun projects/p/locations/l/services/s\"." }),
    roleReasons: z.record(z.string(), z.string()).optional().meta({ description: "The deployer's roles: why each, by role (on a project of gcp.projects or a folder: \"<role> on <target>\", as in bindings)." }),
    provider: z.string().optional().meta({ description: "A sharded map: the provider (//iam.googleapis.com/...) this grant's tokens are exchanged at." }),
    enforcement: EnforcementSchema,
});

export type GcpPoolEntry = z.output<typeof PoolEntrySchema>;
export type GcpProviderEntry = z.output<typeof ProviderEntrySchema>;
export type GcpServiceAccountEntry = z.output<typeof ServiceAccountEntrySchema>;
export type GcpServiceAccountIamMemberEntry = z.output<typeof ServiceAccountIamMemberEntrySchema>;
export type GcpProjectIamMemberEntry = z.output<typeof ProjectIamMemberEntrySchema>;
export type GcpBucketIamMemberEntry = z.output<typeof BucketIamMemberEntrySchema>;
export type GcpCryptoKeyIamMemberEntry = z.output<typeof CryptoKeyIamMemberEntrySchema>;
export type GcpProjectProviderEntry = z.output<typeof ProjectProviderEntrySchema>;
export type GcpIamMemberEntry = z.output<typeof GcpPlanSchema>["iamMembers"][number];
export type GcpPlan = z.output<typeof GcpPlanSchema>;
export type GcpSummary = z.output<typeof GcpSummarySchema>;

/** GCP's names: component and resource type tokens, service accounts. See core/names.ts for the rules. */
import { fitName, pathSlug } from "../../src/core/names";

/** Component type token. */
export const COMPONENT = { wif: "gitlab-federation:gcp:WorkloadIdentityFederation" } as const;

/** Resource type tokens of the resources the plan describes (as the Pulumi engine knows them). */
export const RESOURCE = {
    pool: "gcp:iam/workloadIdentityPool:WorkloadIdentityPool",
    provider: "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider",
    serviceAccount: "gcp:serviceaccount/account:Account",
    serviceAccountIamMember: "gcp:serviceaccount/iAMMember:IAMMember",
    projectIamMember: "gcp:projects/iAMMember:IAMMember",
    bucketIamMember: "gcp:storage/bucketIAMMember:BucketIAMMember",
    cryptoKeyIamMember: "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember",
    /** The Pulumi provider of a project of gcp.projects (a provider's URN type is pulumi:providers:<package>). */
    projectProvider: "pulumi:providers:gcp",
    folderIamMember: "gcp:folder/iAMMember:IAMMember",
    repositoryIamMember: "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember",
    cloudRunServiceIamMember: "gcp:cloudrunv2/serviceIamMember:ServiceIamMember",
    secretIamMember: "gcp:secretmanager/secretIamMember:SecretIamMember",
} as const;

/** The service prefix of IAM's full resource names (//iam.googleapis.com/projects/...). */
export const IAM_SERVICE = "//iam.googleapis.com/";

/** The full resource name of a pool's provider. */
export function providerFullName(projectNumber: string, poolId: string, providerId: string): string {
    return `${IAM_SERVICE}projects/${projectNumber}/locations/global/workloadIdentityPools/${poolId}/providers/${providerId}`;
}

/** The full resource name of another provider in the same pool as `provider` (a full resource name). */
export function siblingProvider(provider: string, providerId: string): string {
    return provider.replace(/[^/]+$/, providerId);
}

/** A full resource name without the service: the provider name gcloud and GitLab's `gcp_workload_identity_federation` take. */
export function withoutService(fullName: string): string {
    return fullName.slice(IAM_SERVICE.length);
}

/** Logical names of the pool and the provider: fixed, so they keep their URNs whatever their IDs. */
export const ANCHOR = { pool: "pool", provider: "provider" } as const;

/**
 * Default GCP service account ID: `gl-platform-api--deploy`, at most 30 characters of
 * [a-z0-9-] ("." and "_" in paths become "-").
 */
export function gcpAccountId(projectPath: string, grant: string): string {
    return fitName(`gl-${pathSlug(projectPath).replace(/[._]/g, "-")}--${grant}`, 30);
}

/** The email of a service account in a project. */
export function serviceAccountEmail(accountId: string, project: string): string {
    return `${accountId}@${project}.iam.gserviceaccount.com`;
}

/** The full resource name of a service account, as `serviceAccountId` arguments take it. */
export function serviceAccountResourceId(accountId: string, project: string): string {
    return `projects/${project}/serviceAccounts/${serviceAccountEmail(accountId, project)}`;
}

/** The import ID of a workload identity pool. */
export function poolResourceId(project: string, poolId: string): string {
    return `projects/${project}/locations/global/workloadIdentityPools/${poolId}`;
}

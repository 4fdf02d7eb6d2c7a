/**
 * Every logical (Pulumi) and physical (Vault, AWS, GCP) name, built in one place from map keys:
 * project path and grant name, never list positions. Reordering the map changes no name.
 * Changing a function here changes URNs or physical names of live resources: such a change
 * needs aliases (logical names) or a migration note (physical names).
 */
import { createHash } from "node:crypto";

/** Component type tokens. */
export const COMPONENT = {
    federation: "gitlab-federation:index:Federation",
    vaultJwtAuth: "gitlab-federation:vault:JwtAuth",
    vaultKvMount: "gitlab-federation:vault:KvMount",
    vaultAudit: "gitlab-federation:vault:AuditDevices",
    awsOidc: "gitlab-federation:aws:OidcFederation",
    gcpWif: "gitlab-federation:gcp:WorkloadIdentityFederation",
} as const;

/** Resource type tokens of the resources the plan describes (as the Pulumi engine knows them). */
export const RESOURCE = {
    vaultAuthBackend: "vault:jwt/authBackend:AuthBackend",
    vaultRole: "vault:jwt/authBackendRole:AuthBackendRole",
    vaultPolicy: "vault:index/policy:Policy",
    vaultMount: "vault:index/mount:Mount",
    vaultAudit: "vault:index/audit:Audit",
    awsOidcProvider: "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
    awsRole: "aws:iam/role:Role",
    awsRolePolicyAttachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    awsRolePolicy: "aws:iam/rolePolicy:RolePolicy",
    gcpPool: "gcp:iam/workloadIdentityPool:WorkloadIdentityPool",
    gcpProvider: "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider",
    gcpServiceAccount: "gcp:serviceaccount/account:Account",
    gcpServiceAccountIamMember: "gcp:serviceaccount/iAMMember:IAMMember",
    gcpProjectIamMember: "gcp:projects/iAMMember:IAMMember",
} as const;

/** Name of the root component (and prefix of nothing: children are keyed by map keys). */
export const ROOT_NAME = "gitlab-federation";

/** First `length` hex characters of the SHA-256 of `text`. */
export function shortHash(text: string, length = 8): string {
    return createHash("sha256").update(text).digest("hex").slice(0, length);
}

/**
 * Logical name of everything that belongs to one grant: `<project path>/<grant>`.
 * Unambiguous because grant names contain no "/".
 */
export function grantKey(projectPath: string, grant: string): string {
    return `${projectPath}/${grant}`;
}

/** Logical name of a per-grant child keyed by a stable value (a policy ARN, a member, a role). */
export function childKey(projectPath: string, grant: string, label: string, stableValue: string): string {
    return `${grantKey(projectPath, grant)}/${label}-${shortHash(stableValue)}`;
}

/** Project path as a name part: lowercase, "/" becomes "-". */
export function pathSlug(projectPath: string): string {
    return projectPath.toLowerCase().replace(/\//g, "-");
}

/**
 * `full` if it fits in `max` characters; otherwise a prefix of it, "-" and a hash of all of it,
 * so long names stay unique and stable.
 */
export function fitName(full: string, max: number): string {
    if (full.length <= max) {
        return full;
    }
    const hash = shortHash(full);
    const head = full.slice(0, max - hash.length - 1).replace(/[^a-z0-9]+$/i, "");
    return `${head}-${hash}`;
}

/** Vault role name: `platform-api--deploy`. Double dash separates project and grant. */
export function vaultRoleName(projectPath: string, grant: string): string {
    return `${pathSlug(projectPath)}--${grant}`;
}

/**
 * Vault policy name: the auth path, then the role name (`gitlab-platform-api--deploy`).
 * Policy names are global in Vault; the auth path keeps stacks that share a Vault apart.
 * Vault lowercases policy names, so this is lowercase too (no perpetual diff).
 */
export function vaultPolicyName(authPath: string, roleName: string): string {
    return `${authPath.toLowerCase().replace(/\//g, "-")}-${roleName}`;
}

/** Default IAM role name: `gitlab-platform-api--deploy`, at most 64 characters. */
export function awsRoleName(projectPath: string, grant: string): string {
    return fitName(`gitlab-${pathSlug(projectPath)}--${grant}`, 64);
}

/** Logical name of the inline policy of a grant's role. */
export const AWS_INLINE_POLICY_NAME = "gitlab-federation";

/**
 * Default GCP service account ID: `gl-platform-api--deploy`, at most 30 characters of
 * [a-z0-9-] ("." and "_" in paths become "-").
 */
export function gcpAccountId(projectPath: string, grant: string): string {
    const base = `gl-${pathSlug(projectPath).replace(/[._]/g, "-")}--${grant}`;
    return fitName(base, 30);
}

/** The email of a service account in a project. */
export function serviceAccountEmail(accountId: string, project: string): string {
    return `${accountId}@${project}.iam.gserviceaccount.com`;
}

/** The full resource name of a service account, as `serviceAccountId` arguments take it. */
export function serviceAccountResourceId(accountId: string, project: string): string {
    return `projects/${project}/serviceAccounts/${serviceAccountEmail(accountId, project)}`;
}

/** Logical name of a project-level role binding of a grant's service account. */
export function projectRoleKey(projectPath: string, grant: string, role: string): string {
    return `${grantKey(projectPath, grant)}/${role}`;
}

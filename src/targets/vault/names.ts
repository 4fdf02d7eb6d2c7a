/**
 * Vault's names: component and resource type tokens, role and policy names. See core/names.ts
 * for the rules every name follows.
 */
import { pathSlug } from "../../core/names";

/** Component type tokens. */
export const COMPONENT = {
    jwtAuth: "gitlab-federation:vault:JwtAuth",
    kvMount: "gitlab-federation:vault:KvMount",
    audit: "gitlab-federation:vault:AuditDevices",
} as const;

/** Resource type tokens of the resources the plan describes (as the Pulumi engine knows them). */
export const RESOURCE = {
    authBackend: "vault:jwt/authBackend:AuthBackend",
    role: "vault:jwt/authBackendRole:AuthBackendRole",
    policy: "vault:index/policy:Policy",
    mount: "vault:index/mount:Mount",
    audit: "vault:index/audit:Audit",
} as const;

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

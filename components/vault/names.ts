/**
 * Vault's names: component and resource type tokens, role and policy names. See core/names.ts
 * for the rules every name follows.
 */
import { pathSlug } from "../../src/core/names";

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

/** Logical names of the shared anchors: fixed, so moving a mount (a remount in Vault) keeps its URN. */
export const ANCHOR = { authBackend: "jwt", kvMount: "kv" } as const;

/**
 * An auth path as a policy-name part, injectively: letters, digits and "-" stay; "_" becomes
 * "__", "/" becomes "_-", an upper-case letter "_" and its lower-case form (Vault lowercases
 * policy names, and mount paths are case-sensitive). Decoding reads "_" plus one character.
 */
export function encodeAuthPath(authPath: string): string {
    return authPath.replace(/[_/A-Z]/g, (c) => (c === "_" ? "__" : c === "/" ? "_-" : `_${c.toLowerCase()}`));
}

/**
 * Vault policy name: the auth path, then the role name. Policy names are global in Vault, so
 * the name must be distinct for every (auth path, role name) pair, across stacks sharing a
 * Vault: for an auth path of lower-case letters and digits only (the default `gitlab`) it is
 * `<authPath>-<roleName>` (the first "-" separates them), otherwise
 * `_<encodeAuthPath(authPath)>.<roleName>` (the leading "_" and the first "." separate them;
 * neither occurs in the other form's auth part). Lower case (Vault lowercases policy names).
 */
export function vaultPolicyName(authPath: string, roleName: string): string {
    return /^[a-z0-9]+$/.test(authPath) ? `${authPath}-${roleName}` : `_${encodeAuthPath(authPath)}.${roleName}`;
}

/**
 * What the Vault provider does with a change, per resource type (terraform-provider-vault
 * 31447510c, which pulumi-vault bridges): the fields that force a new resource, and the fields
 * that name the physical object.
 * - jwt auth backend: type and local are ForceNew; path is a remount (jwtAuthBackendUpdate calls
 *   util.Remount), description is written only at create (resource_jwt_auth_backend.go).
 * - jwt auth backend role: role_name, role_type and backend are ForceNew
 *   (resource_jwt_auth_backend_role.go); a delete that finds nothing (404) succeeds.
 * - policy: name is ForceNew (resource_policy.go).
 * - mount: type, seal_wrap, external_entropy_access and local are ForceNew; path is a remount
 *   (resource_mount.go getMountSchema, updateMount).
 * - audit: every field is ForceNew (resource_audit.go).
 */
import { RESOURCE } from "./names";

export const REPLACE_ON: Readonly<Record<string, readonly string[] | "all">> = {
    [RESOURCE.authBackend]: ["type", "local"],
    [RESOURCE.role]: ["roleName", "roleType", "backend"],
    [RESOURCE.policy]: ["name"],
    [RESOURCE.mount]: ["type", "sealWrap", "externalEntropyAccess", "local"],
    [RESOURCE.audit]: "all",
};

export const IDENTITY: Readonly<Record<string, readonly string[]>> = {
    [RESOURCE.authBackend]: ["path"],
    [RESOURCE.role]: ["backend", "roleName"],
    [RESOURCE.policy]: ["name"],
    [RESOURCE.mount]: ["path"],
    [RESOURCE.audit]: ["path"],
};

/**
 * The changes only an administrator can make, per resource type: "all" (creating, importing,
 * updating, replacing or deleting one), or the arguments whose change needs one. The applier's
 * policy has no write on these (deployer.ts: the auth method's sys/auth/<path>, config and tune,
 * the KV mount's sys/mounts/<kv> and tune, the audit devices' sys/audit/<name>); the planner
 * writes nothing at all. Every update of the auth method rewrites auth/<path>/config
 * (jwtAuthBackendUpdate always writes it), so no argument of it is the applier's. An import is
 * listed too: Pulumi imports and then updates to the plan in the same run. Roles and policies
 * are the applier's, except the deployer's own (grants planner and applier of the deployer's
 * project, in every target), which are an administrator's whatever their type.
 */
export const ADMIN_ONLY: Readonly<Record<string, readonly string[] | "all">> = {
    [RESOURCE.authBackend]: "all",
    [RESOURCE.mount]: "all",
    [RESOURCE.audit]: "all",
};

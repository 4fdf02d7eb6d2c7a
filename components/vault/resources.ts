/**
 * The Vault target's resource table: per resource type, the component that registers it, what
 * the Vault provider does with a change (terraform-provider-vault 31447510c, which pulumi-vault
 * bridges), the fields that name the physical object, and what only an administrator may change.
 * - jwt auth backend: type and local are ForceNew; path is a remount (jwtAuthBackendUpdate calls
 *   util.Remount), description is written only at create (resource_jwt_auth_backend.go).
 * - jwt auth backend role: role_name, role_type and backend are ForceNew
 *   (resource_jwt_auth_backend_role.go); a delete that finds nothing (404) succeeds.
 * - policy: name is ForceNew (resource_policy.go).
 * - mount: type, seal_wrap, external_entropy_access and local are ForceNew; path is a remount
 *   (resource_mount.go getMountSchema, updateMount).
 * - audit: every field is ForceNew (resource_audit.go).
 * - namespace: every resource here but the audit devices (root-namespace only: checks.ts
 *   checkNamespace) carries it when vault.namespace is set; it is ForceNew and names the object
 *   as much as its path (vault/provider.go UpdateSchemaResource, internal/provider/schema_util.go
 *   GetNamespaceSchema), so a namespace change replaces everything in it.
 * Administrator only: the applier's policy has no write on the auth method (sys/auth/<path>,
 * config and tune), the KV mount (sys/mounts/<kv> and tune) or the audit devices
 * (sys/audit/<name>): deployer.ts. Every update of the auth method rewrites auth/<path>/config
 * (jwtAuthBackendUpdate always writes it), so no argument of it is the applier's; an import is
 * an administrator's too (Pulumi imports and then updates to the plan in the same run).
 */
import type { Entry } from "../../src/core/resources";
import type { ResourceKind, TargetResources } from "../target";
import { COMPONENT, RESOURCE } from "./names";
import type { VaultPlan } from "./plan-schema";

export const KINDS: Readonly<Record<string, ResourceKind>> = {
    [RESOURCE.audit]: { parent: COMPONENT.audit, replaceOn: "all", identity: ["path"], adminOnly: "all" },
    [RESOURCE.mount]: { parent: COMPONENT.kvMount, replaceOn: ["namespace", "type", "sealWrap", "externalEntropyAccess", "local"], identity: ["namespace", "path"], adminOnly: "all" },
    [RESOURCE.authBackend]: { parent: COMPONENT.jwtAuth, replaceOn: ["namespace", "type", "local"], identity: ["namespace", "path"], adminOnly: "all" },
    [RESOURCE.policy]: { parent: COMPONENT.jwtAuth, replaceOn: ["namespace", "name"], identity: ["namespace", "name"] },
    [RESOURCE.role]: { parent: COMPONENT.jwtAuth, replaceOn: ["namespace", "roleName", "roleType", "backend"], identity: ["namespace", "backend", "roleName"] },
};

export const VAULT_RESOURCES: TargetResources<VaultPlan> = {
    kinds: KINDS,
    entries: (plan): Entry[] => [...plan.audits, ...plan.mounts, ...(plan.authBackend !== undefined ? [plan.authBackend] : []), ...plan.policies, ...plan.roles],
    select: (plan, keep) => {
        const { authBackend, ...rest } = plan;
        return {
            ...rest,
            ...(authBackend !== undefined && keep(authBackend) ? { authBackend } : {}),
            audits: plan.audits.filter(keep),
            mounts: plan.mounts.filter(keep),
            policies: plan.policies.filter(keep),
            roles: plan.roles.filter(keep),
        };
    },
};

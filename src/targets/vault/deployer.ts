/**
 * The Vault policies of the federation pipeline's own identities (gitlab-federation:deployer):
 * exactly the paths and capabilities the Vault provider's calls need for the resources this
 * stack manages, read from the provider and Vault's API sources:
 * - provider start (terraform-provider-vault internal/provider/meta.go): the token looks itself
 *   up (GET auth/token/lookup-self); it would then create a child token (POST auth/token/create)
 *   unless skip_child_token is set, which the pipeline sets (TERRAFORM_VAULT_SKIP_CHILD_TOKEN):
 *   the deployer's batch tokens cannot create children, and the planner writes nothing. The
 *   Vault version comes from sys/seal-status, which needs no token.
 * - vault.Audit (vault/resource_audit.go): EnableAuditWithOptions PUT sys/audit/<name>,
 *   DisableAudit DELETE sys/audit/<name>, ListAudit GET sys/audit to read. Vault's system
 *   backend lists "audit" and "audit/*" as root paths (vault/logical_system.go PathsSpecial.Root):
 *   each of those needs sudo too.
 * - vault.Mount (vault/resource_mount.go): POST sys/mounts/<path> to create, GET
 *   sys/mounts/<path> to read (mountutil.GetMount), POST sys/mounts/<path>/tune to update,
 *   DELETE sys/mounts/<path> to delete; sys/remount (a root path) only when the path changes,
 *   which this program never plans (the KV mount's path is the map's kvMount).
 * - vault.jwt.AuthBackend (vault/resource_jwt_auth_backend.go): POST sys/auth/<path> to enable
 *   and DELETE to disable (root path "auth/*": sudo); reads through GET sys/mounts/auth/<path>
 *   (vault/api sys_auth.go GetAuth, chosen "so we don't require sudo"); config at
 *   auth/<path>/config; tuning through sys/mounts/auth/<path>/tune (vault/auth_mount.go).
 * - vault.jwt.AuthBackendRole (vault/resource_jwt_auth_backend_role.go): auth/<path>/role/<name>.
 * - vault.Policy (vault/resource_policy.go, vault/api sys_policy.go): sys/policies/acl/<name>.
 * The planner gets the reads that need no sudo (pulumi preview does not refresh; reading audit
 * devices would need sudo, which the planner never has). Both identities may only read their
 * own role and policy: changing the deployer takes an administrator (the README's bootstrap).
 */
import type { DeployerRole } from "../../core/model";

export interface VaultDeployerScope {
    readonly authPath: string;
    readonly kvMount: string;
    /** Whether this stack manages the auth method (not adopt: external). */
    readonly manageAuthMethod: boolean;
    /** Whether this stack manages the KV mount (not adopt: external). */
    readonly manageKvMount: boolean;
    /** vault.protect: the auth method and mount cannot be deleted, so the applier may not either. */
    readonly protect: boolean;
    readonly audits: readonly { readonly name: string; readonly protect: boolean }[];
    /** Every policy this stack writes starts with it (vaultPolicyName of the auth path). */
    readonly policyPrefix: string;
    /** The deployer's own role and policy names (both identities). */
    readonly ownRoles: readonly string[];
    readonly ownPolicies: readonly string[];
}

/** One policy stanza: a path and its capabilities, with the reason shown above it. */
export interface Stanza {
    readonly path: string;
    readonly capabilities: readonly string[];
    readonly why: string;
}

const WRITE = ["create", "update"] as const;

/** The stanzas of a deployer identity's policy, in a fixed order. */
export function deployerStanzas(role: DeployerRole, scope: VaultDeployerScope): Stanza[] {
    const applier = role === "applier";
    const stanzas: Stanza[] = [{ path: "auth/token/lookup-self", capabilities: ["read"], why: "the provider looks its token up when it starts" }];
    if (applier && scope.audits.length > 0) {
        stanzas.push({ path: "sys/audit", capabilities: ["read", "sudo"], why: "read the audit devices (a root path: sudo)" });
        for (const audit of scope.audits) {
            stanzas.push({
                path: `sys/audit/${audit.name}`,
                capabilities: [...WRITE, ...(audit.protect ? [] : ["delete"]), "sudo"],
                why: `enable${audit.protect ? "" : " and disable"} the audit device ${audit.name} (a root path: sudo)`,
            });
        }
    }
    if (scope.manageKvMount) {
        stanzas.push({
            path: `sys/mounts/${scope.kvMount}`,
            capabilities: applier ? [...WRITE, "read", ...(scope.protect ? [] : ["delete"])] : ["read"],
            why: applier ? `create${scope.protect ? "" : ", delete"} and read the KV v2 mount` : "read the KV v2 mount",
        });
        if (applier) {
            stanzas.push({ path: `sys/mounts/${scope.kvMount}/tune`, capabilities: ["update"], why: "tune the KV v2 mount" });
        }
    }
    if (scope.manageAuthMethod) {
        if (applier) {
            stanzas.push({
                path: `sys/auth/${scope.authPath}`,
                capabilities: [...WRITE, ...(scope.protect ? [] : ["delete"]), "sudo"],
                why: `enable${scope.protect ? "" : " and disable"} the JWT auth method (a root path: sudo)`,
            });
        }
        stanzas.push(
            { path: `sys/mounts/auth/${scope.authPath}`, capabilities: ["read"], why: "read the JWT auth method (GetAuth reads it here, without sudo)" },
            { path: `sys/mounts/auth/${scope.authPath}/tune`, capabilities: applier ? ["read", "update"] : ["read"], why: applier ? "read and tune its lease TTLs" : "read its lease TTLs" },
            { path: `auth/${scope.authPath}/config`, capabilities: applier ? [...WRITE, "read"] : ["read"], why: applier ? "configure it: issuer, GitLab's keys, algorithms" : "read its configuration" },
        );
    }
    stanzas.push(
        { path: `auth/${scope.authPath}/role/*`, capabilities: applier ? [...WRITE, "read", "delete"] : ["read"], why: applier ? "the grants' roles" : "read the grants' roles" },
        { path: `sys/policies/acl/${scope.policyPrefix}*`, capabilities: applier ? [...WRITE, "read", "delete"] : ["read"], why: applier ? "the grants' policies" : "read the grants' policies" },
    );
    // Exact paths take precedence over the globs above: the deployer cannot change itself.
    for (const name of scope.ownRoles) {
        stanzas.push({ path: `auth/${scope.authPath}/role/${name}`, capabilities: ["read"], why: "a deployer role: only an administrator changes it" });
    }
    for (const name of scope.ownPolicies) {
        stanzas.push({ path: `sys/policies/acl/${name}`, capabilities: ["read"], why: "a deployer policy: only an administrator changes it" });
    }
    return stanzas;
}

/** The policy HCL of a deployer identity. */
export function deployerPolicyHcl(role: DeployerRole, scope: VaultDeployerScope, header: string): string {
    let text = `# ${header}\n# ${role === "applier" ? "Manages what this stack manages, nothing more" : "Reads what this stack manages; writes nothing, no sudo"}. Generated by gitlab-federation: edits are overwritten.\n`;
    for (const stanza of deployerStanzas(role, scope)) {
        text += `\n# ${stanza.why}\npath "${stanza.path}" {\n  capabilities = [${stanza.capabilities.map((c) => `"${c}"`).join(", ")}]\n}\n`;
    }
    return text;
}

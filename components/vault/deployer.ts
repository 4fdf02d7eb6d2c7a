/**
 * The Vault policies of the federation pipeline's own identities (gitlab-federation:deployer),
 * from the calls terraform-provider-vault (31447510c, which pulumi-vault bridges) makes for the
 * resources this stack manages. Each stanza says which call it serves, with its source.
 *
 * The trust anchors are ADMINISTRATOR-ONLY: the applier may not enable, configure, tune or
 * disable the JWT auth method (sys/auth/<path>, auth/<path>/config, sys/mounts/auth/<path>/tune),
 * mount or tune the KV mount (sys/mounts/<kv>, +/tune), or enable or disable audit devices
 * (sys/audit/<name>). Whoever writes auth/<path>/config chooses the keys every login is checked
 * against: it could point the method at keys it holds and sign a token for any role, its own
 * included. Whoever disables an audit device blinds the record of what it does next. Whoever
 * remounts or deletes the KV mount moves or destroys every secret. None of that is needed to add
 * or change a grant, so a merged map change cannot do it: an administrator runs those changes
 * (lifecycle.ts ADMIN_ONLY says which). The identities keep the READS of those paths that
 * `pulumi refresh` and the preview of an import make.
 *
 * What the applier keeps writing, because that is what a grant is: the grants' roles
 * (auth/<path>/role/*) and policies (sys/policies/acl/<prefix>*). Vault cannot bound the content
 * of either: a policy it writes may grant any path, and a role it writes may admit any GitLab
 * pipeline, its own included. The map must acknowledge that (deployer.vault.acknowledgePolicies,
 * checked in plan.ts).
 *
 * In a Vault namespace (vault.namespace: Enterprise, HCP, OpenBao) both identities' roles and
 * policies live in the namespace with everything else, the pipeline logs in there (ci.ts
 * VAULT_LOGIN_IN_NAMESPACE), and the stanzas below are the same text: a policy's paths are
 * relative to its namespace (hashicorp/vault vault/policy.go parsePaths: pc.Path =
 * result.namespace.Path + pc.Path) and so is every request (vault/acl.go AllowOperation: path :=
 * ns.Path + req.Path), the sys/ ones included: sys/mounts, sys/auth and sys/policies/acl act on
 * the request's namespace (OpenBao internal/vault/logical_system.go handlePoliciesSet and
 * internal/vault/mount.go mountInternalWithLock, internal/vault/auth.go
 * enableCredentialInternalWithLock: namespace.FromContext(ctx); Vault's tutorial
 * "Best practices for namespaces and mount paths": auth/token/* of the namespace education is
 * education/auth/token/* from the root), and so does the token store. That confines the applier,
 * and the policies and roles it writes, to the namespace and its child namespaces. Audit devices
 * exist in the root namespace only, which no token of the namespace reaches: checks.ts
 * checkNamespace refuses them with a deployer.
 *
 * Both identities may only read their own role and policy: exact paths win over the globs above
 * them (hashicorp/vault vault/acl.go (*ACL).AllowOperation: an exactRules match is used outright,
 * before any prefix rule), so no pulumi up of the pipeline rewrites the deployer; an
 * administrator changes it. That keeps the program from changing its own identities, but it is
 * no boundary against a hostile applier: Vault lowercases role and policy names after the ACL
 * check (vault-plugin-auth-jwt path_role.go: "name" is TypeLowerCaseString; hashicorp/vault
 * vault/logical_system.go handlePoliciesSet: strings.ToLower), so a request that spells the name
 * with capitals matches the glob, not the exact path; and the applier may write any other role
 * and policy anyway. The acknowledgement above is the statement that counts.
 *
 * Provider start (internal/provider/meta.go setClient): the token looks itself up (GET
 * auth/token/lookup-self); it would then create a child token (POST auth/token/create) unless
 * skip_child_token is set, which the pipeline sets (TERRAFORM_VAULT_SKIP_CHILD_TOKEN): the
 * deployer's batch tokens cannot create children. The Vault version comes from sys/seal-status,
 * which needs no token.
 */
import type { Access } from "./capabilities";
import { formatDuration, parseDuration } from "../../src/core/duration";
import type { Findings } from "../../src/core/findings";
import type { DeployerRole } from "../../src/core/model";
import { grantMeta } from "../../src/core/resources";
import type { DeployerCapability, PlanContext, TargetIdentity } from "../target";
import type { Ttls } from "./checks";
import { inNamespace, roleEntry } from "./entries";
import { RESOURCE, vaultPolicyName, vaultRoleName } from "./names";
import type { VaultAuditEntry, VaultPolicyEntry, VaultRoleEntry } from "./plan-schema";
import { VaultConfig, VaultDeployerConfig, VaultDeployerSchema, VaultGrantConfig } from "./schema";

export interface VaultDeployerScope {
    readonly authPath: string;
    readonly kvMount: string;
    /** Whether this stack manages the auth method (not adopt: external). */
    readonly manageAuthMethod: boolean;
    /** Whether this stack manages the KV mount (not adopt: external). */
    readonly manageKvMount: boolean;
    /** Whether this stack manages audit devices (vault.audit is not empty). */
    readonly manageAudit: boolean;
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

const TFV = "terraform-provider-vault";

/** Reads both identities make, of what this stack manages and only an administrator changes. */
function anchorReads(scope: VaultDeployerScope): Stanza[] {
    const stanzas: Stanza[] = [];
    if (scope.manageAudit) {
        stanzas.push({
            path: "sys/audit",
            capabilities: ["read", "sudo"],
            why: `list the audit devices, for refresh and for the preview of an import (${TFV} vault/resource_audit.go auditRead: Sys().ListAudit); sys/audit is a root path (vault/logical_system.go PathsSpecial.Root "audit"): sudo. Enabling and disabling devices (sys/audit/<name>) takes an administrator`,
        });
    }
    if (scope.manageKvMount) {
        stanzas.push({
            path: `sys/mounts/${scope.kvMount}`,
            capabilities: ["read"],
            why: `read the KV v2 mount (${TFV} vault/resource_mount.go readMount: mountutil.GetMount). Mounting, tuning, moving and deleting it takes an administrator`,
        });
    }
    if (scope.manageAuthMethod) {
        stanzas.push(
            {
                path: `sys/mounts/auth/${scope.authPath}`,
                capabilities: ["read"],
                why: `read the JWT auth method (${TFV} vault/resource_jwt_auth_backend.go jwtAuthBackendRead: mountutil.GetAuthMount, here without sudo). Enabling and disabling it (sys/auth/${scope.authPath}) takes an administrator`,
            },
            {
                path: `sys/mounts/auth/${scope.authPath}/tune`,
                capabilities: ["read"],
                why: `read its lease TTLs and token type (${TFV} vault/auth_mount.go authMountTuneGet). Tuning it takes an administrator`,
            },
            {
                path: `auth/${scope.authPath}/config`,
                capabilities: ["read"],
                why: `read its issuer, key source and algorithms (${TFV} vault/resource_jwt_auth_backend.go jwtAuthBackendRead: Logical().ReadWithContext). Writing them takes an administrator: they decide which tokens every role accepts`,
            },
        );
    }
    return stanzas;
}

const OWN_WHY = (kind: string) => `a deployer ${kind}, read only: an exact path wins over the glob above, so no pulumi up of the pipeline rewrites it; an administrator changes it`;

/** The stanzas of a deployer identity's policy, in a fixed order. */
export function deployerStanzas(role: DeployerRole, scope: VaultDeployerScope): Stanza[] {
    const applier = role === "applier";
    const write = applier ? ["create", "update", "read", "delete"] : ["read"];
    return [
        { path: "auth/token/lookup-self", capabilities: ["read"], why: `the provider looks its token up when it starts (${TFV} internal/provider/meta.go setClient: LookupSelf)` },
        ...anchorReads(scope),
        {
            path: `auth/${scope.authPath}/role/*`,
            capabilities: write,
            why: `${applier ? "write, read and delete" : "read"} the grants' roles (${TFV} vault/resource_jwt_auth_backend_role.go jwtAuthBackendRole${applier ? "Create/Read/Update/Delete" : "Read"})`,
        },
        {
            path: `sys/policies/acl/${scope.policyPrefix}*`,
            capabilities: write,
            why: `${applier ? "write, read and delete" : "read"} the grants' policies (${TFV} vault/resource_policy.go ${applier ? "policyCreate/policyWrite/policyRead/policyDelete" : "policyRead"})`,
        },
        // Exact paths win over the globs above (vault/acl.go AllowOperation): the pipeline does not rewrite the deployer.
        ...scope.ownRoles.map((name) => ({ path: `auth/${scope.authPath}/role/${name}`, capabilities: ["read"], why: OWN_WHY("role") })),
        ...scope.ownPolicies.map((name) => ({ path: `sys/policies/acl/${name}`, capabilities: ["read"], why: OWN_WHY("policy") })),
    ];
}

/** The policy HCL of a deployer identity. */
export function deployerPolicyHcl(role: DeployerRole, scope: VaultDeployerScope, header: string): string {
    const summary =
        role === "applier"
            ? "Writes the grants' roles and policies and reads the rest of what this stack manages; the auth method, KV mount and audit devices take an administrator"
            : "Reads what this stack manages; writes nothing, sudo only to list audit devices";
    let text = `# ${header}\n# ${summary}. Generated by gitlab-federation: edits are overwritten.\n`;
    for (const stanza of deployerStanzas(role, scope)) {
        text += `\n# ${stanza.why}\npath "${stanza.path}" {\n  capabilities = [${stanza.capabilities.map((c) => `"${c}"`).join(", ")}]\n}\n`;
    }
    return text;
}

/** The deployer's Vault settings (deployer.vault), and what moved there from the deployer section. */
export const VAULT_DEPLOYER: DeployerCapability = {
    settings: VaultDeployerSchema,
    moved: { tokenTtl: "tokenTtl", acknowledgeVaultPolicies: "acknowledgePolicies" },
};

/** What plan.ts needs of the deployer: an identity's role and policy. */
export interface VaultDeployer {
    planned(item: TargetIdentity, roleName: string): { role: VaultRoleEntry; policy: VaultPolicyEntry; access: Access; ttls: Ttls } | undefined;
}

/** The identities' TTL: deployer.vault.tokenTtl for both, within the cap (undefined after a problem). */
function deployerTtls(settings: VaultDeployerConfig, cap: number, findings: Findings): Ttls | undefined {
    const ttl = parseDuration(settings.tokenTtl);
    if (ttl === undefined) {
        return undefined; // reported by the schema
    }
    if (ttl === 0 || ttl > cap) {
        findings.problem(
            ["deployer", "vault", "tokenTtl"],
            ttl === 0 ? `must be longer than 0s: long enough for one pulumi up, e.g. 30m` : `${formatDuration(ttl)} is above the guardrail vault.ttlCap (${formatDuration(cap)}): shorten it, or raise vault.ttlCap`,
        );
        return undefined;
    }
    return { ttl, maxTtl: ttl };
}

/**
 * The applier writes the grants' roles and policies, whose content Vault cannot bound (see the
 * top of this file): a map with a deployer states why that is acceptable, and the plan shows it.
 * Inside a Vault namespace that reaches the namespace and its children only (policy paths are
 * relative to it), and the texts say so.
 */
function checkPolicyAcknowledgement(vault: VaultConfig, settings: VaultDeployerConfig, findings: Findings): void {
    const path = ["deployer", "vault", "acknowledgePolicies"];
    const reach = vault.namespace === undefined ? "any path in Vault" : `any path in the Vault namespace ${JSON.stringify(vault.namespace)} and its child namespaces`;
    if (settings.acknowledgePolicies === undefined) {
        findings.problem(
            path,
            `is required with a vault section: the applier writes the grants' Vault roles (auth/${vault.authPath}/role/*) and policies (sys/policies/acl/${vaultPolicyName(vault.authPath, "")}*), and Vault cannot bound what they contain: a policy it writes may grant ${reach}, and a role it writes may admit any GitLab pipeline, its own included; give the reason this is acceptable (e.g. every map change is reviewed, and the applier job runs only reviewed code on a protected branch in a protected environment)`,
        );
    } else {
        const where = vault.namespace === undefined ? "any path" : `any path in the namespace ${JSON.stringify(vault.namespace)}`;
        findings.loosen(path, `the applier can write Vault policies that grant ${where} and roles that admit any pipeline`, settings.acknowledgePolicies);
    }
}

/** The deployer's scope: what this stack manages in Vault, as its identities' policies need it. */
function deployerScope(vault: VaultConfig, audits: readonly VaultAuditEntry[], identities: readonly TargetIdentity[]): VaultDeployerScope {
    const own = identities.map((i) => vaultRoleName(i.grant.namesPath, i.grant.namesGrant));
    return {
        authPath: vault.authPath,
        kvMount: vault.kvMount,
        manageAuthMethod: vault.adopt?.authMethod !== "external",
        manageKvMount: vault.adopt?.kvMount !== "external",
        manageAudit: audits.length > 0,
        policyPrefix: vaultPolicyName(vault.authPath, ""),
        ownRoles: own,
        ownPolicies: own.map((name) => vaultPolicyName(vault.authPath, name)),
    };
}

/**
 * The deployer in Vault: its settings checked once, and each identity's role (the section's
 * defaults, never Vault's default policy: its own policy says what it needs, lookup-self
 * included) and policy (deployerStanzas).
 */
export function vaultDeployer(ctx: PlanContext<VaultConfig, VaultGrantConfig>, audits: readonly VaultAuditEntry[], cap: number): VaultDeployer {
    const vault = ctx.section;
    const settings = VaultDeployerSchema.parse(ctx.deployer?.settings ?? {});
    checkPolicyAcknowledgement(vault, settings, ctx.findings);
    const ttls = deployerTtls(settings, cap, ctx.findings);
    const identities = ctx.grants.filter((g): g is TargetIdentity => g.identity !== undefined);
    const scope = deployerScope(vault, audits, identities);
    return {
        planned(item, roleName) {
            if (ttls === undefined) {
                return undefined;
            }
            const { grant, identity } = item;
            const policyName = vaultPolicyName(vault.authPath, roleName);
            const header = `gitlab-federation: the deployer's ${identity.role} (project ${grant.project}, id ${grant.projectId})`;
            return {
                role: { ...roleEntry(grant, undefined, vault, roleName, policyName, ttls), tokenNoDefaultPolicy: true },
                policy: { resource: grantMeta(RESOURCE.policy, grant), name: policyName, policy: deployerPolicyHcl(identity.role, scope, header), ...inNamespace(vault) },
                access: { read: [], write: [], kv: [], engines: [] },
                ttls,
            };
        },
    };
}

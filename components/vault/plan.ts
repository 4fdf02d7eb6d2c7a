/**
 * Vault's plan: which entries the grants, the deployer's identities and the section become
 * (entries.ts builds them, checks.ts holds the rules that refuse or warn, deployer.ts the
 * deployer's identities). All security decisions for Vault are made in this folder.
 */
import type { Findings } from "../../src/core/findings";
import { formatPath } from "../../src/core/findings";
import { ResolvedGrant, fullEnforcement } from "../../src/core/model";
import { meta } from "../../src/core/resources";
import type { PathSegment } from "../../src/core/findings";
import type { PlanContext, PlannedGrant, TargetPlanResult } from "../target";
import { Ttls, VaultGrant, adoptionWarnings, auditOptions, auditWarnings, checkDevicePaths, checkNamespace, checkAccess, checkSection, checkUnprotectedOverlap, grantTtls, nestedProjects, protectionWarning, warnNestedProjects } from "./checks";
import { checkMountTypes, sharedObjects } from "./access-checks";
import type { Access } from "./capabilities";
import { VaultDeployer, vaultDeployer } from "./deployer";
import { authBackendEntry, mountEntry, policyEntry, roleEntry, serverUrlOf } from "./entries";
import { RESOURCE, vaultPolicyName, vaultRoleName } from "./names";
import type { VaultAuditEntry, VaultPlan, VaultPolicyEntry, VaultRoleEntry, VaultSummary } from "./plan-schema";
import type { VaultConfig, VaultGrantConfig } from "./schema";

/**
 * The audit devices. Every field of an audit device forces a new one and its path is reused, so a
 * change replaces it delete-first; devices are therefore unprotected unless a device says
 * otherwise (Pulumi refuses to replace a protected resource).
 */
function auditEntries(vault: VaultConfig, findings: Findings): VaultAuditEntry[] {
    const names = vault.audit.map((device) => device.name ?? device.type);
    checkDevicePaths(names, findings);
    auditWarnings(vault, findings);
    return vault.audit.map((device, index) => {
        const at: PathSegment[] = ["vault", "audit", index];
        const name = names[index]!;
        const options = auditOptions(device, at, findings);
        return {
            resource: meta(RESOURCE.audit, name, device.protect, { deleteBeforeReplace: true, ...(device.adopt === "import" ? { import: name } : {}) }),
            type: device.type,
            path: name,
            options,
            ...(device.description !== undefined ? { description: device.description } : {}),
            ...(device.local !== undefined ? { local: device.local } : {}),
        };
    });
}

/** A grant's or an identity's role and policy, and what its summary says. */
interface Planned {
    readonly role: VaultRoleEntry;
    readonly policy: VaultPolicyEntry;
    readonly access: Access;
    readonly ttls: Ttls;
}

/** A grant's role and policy (undefined where a problem stops it). */
function plannedGrant(target: VaultGrant, vault: VaultConfig, limits: Limits, roleName: string, findings: Findings): Planned | undefined {
    const ttls = grantTtls(target, vault, limits.defaults, limits.cap, findings);
    const access = checkAccess(target, vault, { shared: limits.shared.get(target.grant.index) ?? [], nested: limits.nested.get(target.grant.project) ?? [] }, findings);
    if (ttls === undefined) {
        return undefined;
    }
    const policyName = vaultPolicyName(vault.authPath, roleName);
    return { role: roleEntry(target.grant, target.fields, vault, roleName, policyName, ttls), policy: policyEntry(target.grant, vault, policyName, access), access, ttls };
}

/** The section's TTL limits, the engine objects each grant shares with grants of other projects, and the projects nested in each project's folder. */
interface Limits {
    readonly cap: number;
    readonly defaults: Ttls | undefined;
    readonly shared: ReturnType<typeof sharedObjects>;
    readonly nested: ReturnType<typeof nestedProjects>;
}

/** Derived role names lowercase the path: two grants may meet at one name, which Vault would share. Returns whether `grant` keeps it. */
function claimRoleName(owners: Map<string, ResolvedGrant>, roleName: string, item: PlannedGrant<VaultGrantConfig>, findings: Findings): boolean {
    const owner = owners.get(roleName);
    if (owner !== undefined) {
        findings.problem(
            item.at,
            `Vault role name ${JSON.stringify(roleName)} is also the role name of ${formatPath(owner.path)} (derived names lowercase the project path, or its renamedFrom, and turn "/" into "-"): set vault.roleName on one of them to a distinct name`,
        );
        return false;
    }
    owners.set(roleName, item.grant);
    return true;
}

function summaryOf(grant: ResolvedGrant, vault: VaultConfig, planned: Planned): VaultSummary {
    const { access } = planned;
    return {
        authPath: vault.authPath,
        roleName: planned.role.roleName,
        policyNames: [planned.policy.name],
        audience: vault.audience,
        read: [...access.read],
        ...(access.write.length > 0 ? { write: [...access.write] } : {}),
        ...(access.kv.length > 0 ? { kv: access.kv.map((use) => ({ mount: use.mount, read: [...use.read], write: [...use.write] })) } : {}),
        ...(access.engines.length > 0 ? { engines: access.engines.map((use) => ({ ...use })) } : {}),
        tokenTtl: planned.ttls.ttl,
        tokenMaxTtl: planned.ttls.maxTtl,
        enforcement: fullEnforcement(grant) as VaultSummary["enforcement"],
    };
}

/** The roles, policies and summaries of the grants and the deployer's identities, in grant order. */
function planGrants(ctx: PlanContext<VaultConfig, VaultGrantConfig>, limits: Limits, deployer: VaultDeployer | undefined) {
    const { section: vault, findings } = ctx;
    const owners = new Map<string, ResolvedGrant>();
    const built = { roles: [] as VaultRoleEntry[], policies: [] as VaultPolicyEntry[], summaries: new Map<number, VaultSummary>(), grants: [] as VaultGrant[] };
    for (const item of ctx.grants) {
        const roleName = (item.identity === undefined ? item.fields.roleName : undefined) ?? vaultRoleName(item.grant.namesPath, item.grant.namesGrant);
        // The grant's own rules run first, so a name collision hides none of its other problems.
        const planned = item.identity === undefined ? plannedGrant(item, vault, limits, roleName, findings) : deployer?.planned(item, roleName);
        if (item.identity === undefined) {
            built.grants.push(item);
        }
        if (claimRoleName(owners, roleName, item, findings) && planned !== undefined) {
            built.roles.push(planned.role);
            built.policies.push(planned.policy);
            built.summaries.set(item.grant.index, summaryOf(item.grant, vault, planned));
        }
    }
    return built;
}

/** Plans Vault for the grants that have `vault` (and the deployer's identities). */
export function planVault(ctx: PlanContext<VaultConfig, VaultGrantConfig>): TargetPlanResult<VaultPlan, VaultSummary> {
    const { gitlab, section: vault, all, findings } = ctx;
    const limits = checkSection(gitlab, vault, findings);
    checkNamespace(vault, ctx.deployer !== undefined, findings);
    const audits = auditEntries(vault, findings);
    const deployer = ctx.deployer !== undefined ? vaultDeployer(ctx, audits, limits.cap) : undefined;
    const grants = ctx.grants.filter((item): item is VaultGrant => item.identity === undefined);
    checkMountTypes(grants, vault.kvMount, findings);
    const shared = sharedObjects(grants);
    const built = planGrants(ctx, { ...limits, shared, nested: nestedProjects(all) }, deployer);
    checkUnprotectedOverlap(built.grants, vault.kvMount, findings);
    warnNestedProjects(built.grants, all, findings);
    protectionWarning(vault, findings);
    adoptionWarnings(vault, findings);
    const adopt = { authMethod: vault.adopt?.authMethod ?? "create", kvMount: vault.adopt?.kvMount ?? "create" } as const;
    const serverUrl = serverUrlOf(vault);
    return {
        plan: {
            audience: vault.audience,
            ...(vault.namespace !== undefined ? { namespace: vault.namespace } : {}),
            authPath: vault.authPath,
            kvMount: vault.kvMount,
            ...(serverUrl !== undefined ? { serverUrl } : {}),
            adopt,
            ...(adopt.authMethod !== "external" ? { authBackend: authBackendEntry(gitlab, vault, limits.defaults, limits.cap) } : {}),
            mounts: adopt.kvMount !== "external" ? [mountEntry(vault)] : [],
            audits,
            policies: built.policies,
            roles: built.roles,
        },
        grants: built.summaries,
        audience: vault.audience,
    };
}

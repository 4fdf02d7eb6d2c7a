/**
 * Vault components. They register exactly what the plan's `vault` section says; every decision
 * (claims, TTLs, HCL, names) was made in plan.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import { argsOf } from "../../src/core/resources";
import { lookup, optionsOf } from "../../src/pulumi/options";
import type { TargetComponents } from "../target";
import { COMPONENT } from "./names";
import type { VaultAuditEntry, VaultMountEntry, VaultPlan, VaultSummary } from "./plan-schema";

export interface VaultAuditDevicesArgs {
    /** Audit devices from the plan (`plan.vault.audits`). */
    readonly audits: readonly VaultAuditEntry[];
}

/**
 * Vault audit devices (`gitlab-federation:vault:AuditDevices`). Every field of an audit device
 * forces replacement, so devices are replaced delete-first (their path is reused).
 */
export class VaultAuditDevices extends pulumi.ComponentResource {
    /** The devices, by device path. */
    readonly devices: ReadonlyMap<string, vault.Audit>;

    constructor(name: string, args: VaultAuditDevicesArgs, opts?: pulumi.ComponentResourceOptions) {
        super(COMPONENT.audit, name, {}, opts);
        this.devices = new Map(args.audits.map((entry) => [entry.path, new vault.Audit(entry.resource.name, argsOf(entry), optionsOf(entry.resource, this))]));
        this.registerOutputs({ paths: [...this.devices.keys()] });
    }
}

export interface VaultKvMountArgs {
    /** The KV v2 mount from the plan (`plan.vault.mounts[0]`). */
    readonly mount: VaultMountEntry;
}

/** The KV v2 secrets engine the grants read (`gitlab-federation:vault:KvMount`); protected by default. */
export class VaultKvMount extends pulumi.ComponentResource {
    readonly mount: vault.Mount;
    /** The mount path. */
    readonly path: pulumi.Output<string>;

    constructor(name: string, args: VaultKvMountArgs, opts?: pulumi.ComponentResourceOptions) {
        super(COMPONENT.kvMount, name, {}, opts);
        this.mount = new vault.Mount(args.mount.resource.name, argsOf(args.mount), optionsOf(args.mount.resource, this));
        this.path = this.mount.path;
        this.registerOutputs({ path: this.path });
    }
}

export interface VaultJwtAuthArgs {
    /** The Vault part of the plan. Only `authPath`, `authBackend`, `policies` and `roles` are used here. */
    readonly plan: Pick<VaultPlan, "authPath" | "authBackend" | "policies" | "roles">;
    /**
     * Resources every role waits for. Pass the audit devices: no role (hence no CI login) exists
     * before auditing is on. Default: none.
     */
    readonly rolesDependOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * The JWT auth method for GitLab CI with one policy and one role per grant
 * (`gitlab-federation:vault:JwtAuth`). Roles take their policies' `name` outputs, so a role is
 * only written once its policy exists. With an external auth method (vault.adopt.authMethod)
 * only the policies and roles are registered.
 */
export class VaultJwtAuth extends pulumi.ComponentResource {
    readonly authBackend?: vault.jwt.AuthBackend;
    /** Mount path of the auth method. */
    readonly path: pulumi.Output<string>;
    /** Mount accessor (for templated policies elsewhere); undefined for an external auth method. */
    readonly accessor?: pulumi.Output<string>;
    /** Policies by Vault policy name. */
    readonly policies: ReadonlyMap<string, vault.Policy>;
    /** Roles by Vault role name. */
    readonly roles: ReadonlyMap<string, vault.jwt.AuthBackendRole>;

    constructor(name: string, args: VaultJwtAuthArgs, opts?: pulumi.ComponentResourceOptions) {
        super(COMPONENT.jwtAuth, name, {}, opts);
        const { authPath, authBackend, policies, roles } = args.plan;
        if (authBackend !== undefined) {
            this.authBackend = new vault.jwt.AuthBackend(authBackend.resource.name, argsOf(authBackend), optionsOf(authBackend.resource, this));
            this.path = this.authBackend.path.apply((path) => path ?? authPath);
            this.accessor = this.authBackend.accessor;
        } else {
            this.path = pulumi.output(authPath);
        }
        this.policies = new Map(policies.map((entry) => [entry.name, new vault.Policy(entry.resource.name, argsOf(entry), optionsOf(entry.resource, this))]));
        const dependsOn = args.rolesDependOn ?? [];
        this.roles = new Map(
            roles.map((entry) => [
                entry.roleName,
                new vault.jwt.AuthBackendRole(
                    entry.resource.name,
                    {
                        ...argsOf(entry),
                        backend: this.path,
                        tokenPolicies: entry.tokenPolicies.map((policy) => lookup(this.policies, policy, "Vault policy").name),
                    },
                    optionsOf(entry.resource, this, { dependsOn }),
                ),
            ]),
        );
        this.registerOutputs({ path: this.path, accessor: this.accessor, roleNames: [...this.roles.keys()] });
    }
}

/** Registers the Vault plan under `parent`: audit devices first, then the KV mount, then the auth method with its policies and roles. */
export const components: TargetComponents<VaultPlan, VaultSummary> = {
    register(plan, parent) {
        const opts = { parent: parent as pulumi.Resource };
        const audit = new VaultAuditDevices("vault-audit", { audits: plan.audits }, opts);
        const [mount] = plan.mounts;
        const kvPath = mount !== undefined ? new VaultKvMount("vault-kv", { mount }, opts).path : pulumi.output(plan.kvMount);
        const jwt = new VaultJwtAuth("vault-jwt", { plan, rolesDependOn: [...audit.devices.values()] }, opts);
        // The names come from the resources, so a reader of the contract waits for them.
        return {
            contract: {
                section: { authPath: jwt.path, kvMount: kvPath, ...(jwt.accessor !== undefined ? { accessor: jwt.accessor } : {}) },
                grant: (summary) => ({
                    authPath: jwt.path,
                    roleName: lookup(jwt.roles, summary.roleName, "Vault role").roleName,
                    policyNames: pulumi.all(summary.policyNames.map((n) => lookup(jwt.policies, n, "Vault policy").name)),
                }),
            },
        };
    },
};

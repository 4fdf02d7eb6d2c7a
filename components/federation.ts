/**
 * The root component: instantiates the target components for the sections the plan has and
 * assembles the stack outputs app stacks read through StackReferences.
 */
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT } from "../plan/names";
import type { GrantSummary, Plan } from "../plan/types";
import { AwsOidcFederation } from "./aws";
import { GcpWorkloadIdentityFederation } from "./gcp";
import { lookup } from "./options";
import { VaultAuditDevices, VaultJwtAuth, VaultKvMount } from "./vault";

export interface FederationArgs {
    /** A validated plan (plan/index.ts `planMap`). */
    readonly plan: Plan;
}

/** What one grant gives, as stack outputs. */
export interface GrantOutput {
    readonly projectId: string;
    readonly vault?: {
        readonly authPath: pulumi.Output<string>;
        readonly roleName: pulumi.Output<string>;
        readonly audience: string;
        readonly policyNames: pulumi.Output<string>[];
    };
    readonly aws?: {
        readonly roleArn: pulumi.Output<string>;
        readonly roleName: pulumi.Output<string>;
        readonly audience: string;
    };
    readonly gcp?: {
        readonly serviceAccountEmail: pulumi.Output<string>;
        /** The provider's resource name, as `workload_identity_provider` in client configs. */
        readonly providerName: pulumi.Output<string>;
        readonly audience: string;
    };
}

/** Stack outputs: `grants[<project path>][<grant>]` plus one entry per target. */
export interface FederationOutputs {
    readonly grants: Record<string, Record<string, GrantOutput>>;
    readonly vault?: { readonly authPath: pulumi.Output<string>; readonly accessor: pulumi.Output<string>; readonly audience: string; readonly kvMount: pulumi.Output<string> };
    readonly aws?: { readonly oidcProviderArn: pulumi.Output<string>; readonly audience: string };
    readonly gcp?: { readonly providerName: pulumi.Output<string>; readonly audience: string };
}

/** `gitlab-federation:index:Federation`: everything one stack's project map asks for. */
export class Federation extends pulumi.ComponentResource {
    readonly vaultAudit?: VaultAuditDevices;
    readonly vaultKvMount?: VaultKvMount;
    readonly vaultJwtAuth?: VaultJwtAuth;
    readonly aws?: AwsOidcFederation;
    readonly gcp?: GcpWorkloadIdentityFederation;
    readonly outputs: FederationOutputs;

    constructor(name: string, args: FederationArgs, opts?: pulumi.ComponentResourceOptions) {
        super(COMPONENT.federation, name, {}, opts);
        const { plan } = args;
        if (plan.vault !== undefined) {
            this.vaultAudit = new VaultAuditDevices("vault-audit", { audits: plan.vault.audits }, { parent: this });
            this.vaultKvMount = new VaultKvMount("vault-kv", { mount: plan.vault.mounts[0]! }, { parent: this });
            this.vaultJwtAuth = new VaultJwtAuth("vault-jwt", { plan: plan.vault, rolesDependOn: [...this.vaultAudit.devices.values()] }, { parent: this });
        }
        if (plan.aws !== undefined) {
            this.aws = new AwsOidcFederation("aws", { plan: plan.aws }, { parent: this });
        }
        if (plan.gcp !== undefined) {
            this.gcp = new GcpWorkloadIdentityFederation("gcp", { plan: plan.gcp }, { parent: this });
        }
        this.outputs = {
            grants: this.grantOutputs(plan.grants),
            ...(this.vaultJwtAuth && this.vaultKvMount && plan.vault
                ? { vault: { authPath: this.vaultJwtAuth.path, accessor: this.vaultJwtAuth.accessor, audience: plan.vault.audience, kvMount: this.vaultKvMount.path } }
                : {}),
            ...(this.aws && plan.aws ? { aws: { oidcProviderArn: this.aws.providerArn, audience: plan.aws.audience } } : {}),
            ...(this.gcp && plan.gcp ? { gcp: { providerName: this.gcp.providerName, audience: plan.gcp.audience } } : {}),
        };
        this.registerOutputs({ grants: this.outputs.grants });
    }

    private grantOutputs(grants: readonly GrantSummary[]): Record<string, Record<string, GrantOutput>> {
        const out: Record<string, Record<string, GrantOutput>> = {};
        for (const g of grants) {
            const v = g.vault && this.vaultJwtAuth;
            const role = g.vault && v ? lookup(v.roles, g.vault.roleName, "Vault role") : undefined;
            const awsRole = g.aws && this.aws ? lookup(this.aws.roles, g.aws.roleName, "IAM role") : undefined;
            const account = g.gcp && this.gcp ? lookup(this.gcp.serviceAccounts, g.gcp.accountId, "service account") : undefined;
            (out[g.project] ??= {})[g.grant] = {
                projectId: g.projectId,
                ...(g.vault && v && role
                    ? { vault: { authPath: v.path, roleName: role.roleName, audience: g.vault.audience, policyNames: g.vault.policyNames.map((n) => lookup(v.policies, n, "Vault policy").name) } }
                    : {}),
                ...(g.aws && awsRole ? { aws: { roleArn: awsRole.arn, roleName: awsRole.name, audience: g.aws.audience } } : {}),
                ...(g.gcp && account && this.gcp ? { gcp: { serviceAccountEmail: account.email, providerName: this.gcp.providerName, audience: g.gcp.audience } } : {}),
            };
        }
        return out;
    }
}

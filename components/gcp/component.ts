/**
 * GCP component: workload identity pool and provider for GitLab, and per grant a service account
 * with its impersonation bindings and project roles, exactly as the plan's `gcp` section says
 * (mapping, condition and members come from plan.ts).
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { argsOf } from "../../src/core/resources";
import { lookup, optionsOf } from "../../src/pulumi/options";
import type { TargetComponents } from "../target";
import { COMPONENT, RESOURCE, serviceAccountEmail, serviceAccountResourceId } from "./names";
import type { GcpPlan, GcpSummary } from "./plan-schema";

/** Plan keys of IAM member entries that are for readers, not resource arguments. */
const READER_ONLY = ["reason"] as const;

export interface GcpWorkloadIdentityFederationArgs {
    /** The GCP part of the plan. */
    readonly plan: GcpPlan;
}

/**
 * `gitlab-federation:gcp:WorkloadIdentityFederation`: `gcp.iam.WorkloadIdentityPool` and
 * `gcp.iam.WorkloadIdentityPoolProvider` (both protected by default), and per grant a
 * `gcp.serviceaccount.Account`, `roles/iam.workloadIdentityUser` on that account for the grant's
 * principalSets (`gcp.serviceaccount.IAMMember`, never project-wide) and the grant's roles
 * (`gcp.projects.IAMMember`).
 */
export class GcpWorkloadIdentityFederation extends pulumi.ComponentResource {
    /** The pool; undefined when it is external (gcp.adopt.pool). */
    readonly pool?: gcp.iam.WorkloadIdentityPool;
    readonly provider: gcp.iam.WorkloadIdentityPoolProvider;
    /** `projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>`. */
    readonly providerName: pulumi.Output<string>;
    /** Service accounts by account ID. */
    readonly serviceAccounts: ReadonlyMap<string, gcp.serviceaccount.Account>;

    constructor(name: string, args: GcpWorkloadIdentityFederationArgs, opts?: pulumi.ComponentResourceOptions) {
        super(COMPONENT.wif, name, {}, opts);
        const { plan } = args;
        const [poolEntry] = plan.pools;
        if (plan.providers.length === 0) {
            throw new Error("internal error: a GCP plan has a provider");
        }
        if (poolEntry !== undefined) {
            this.pool = new gcp.iam.WorkloadIdentityPool(poolEntry.resource.name, argsOf(poolEntry), optionsOf(poolEntry.resource, this));
        }
        // One provider; a shard stack's is its own, in the foundation's pool (no pool here, its ID from the plan).
        const providers = plan.providers.map(
            (entry) =>
                new gcp.iam.WorkloadIdentityPoolProvider(
                    entry.resource.name,
                    { ...argsOf(entry), workloadIdentityPoolId: this.pool?.workloadIdentityPoolId ?? entry.workloadIdentityPoolId },
                    optionsOf(entry.resource, this),
                ),
        );
        this.provider = providers[0]!;
        this.providerName = this.provider.name;
        this.serviceAccounts = new Map(
            plan.serviceAccounts.map((entry) => [entry.accountId, new gcp.serviceaccount.Account(entry.resource.name, argsOf(entry), optionsOf(entry.resource, this))]),
        );
        const byResourceId = new Map(plan.serviceAccounts.map((e) => [serviceAccountResourceId(e.accountId, e.project), this.serviceAccounts.get(e.accountId)!]));
        const byMember = new Map(plan.serviceAccounts.map((e) => [`serviceAccount:${serviceAccountEmail(e.accountId, e.project)}`, this.serviceAccounts.get(e.accountId)!]));
        const member = (m: string) => pulumi.interpolate`serviceAccount:${lookup(byMember, m, "service account").email}`;
        for (const entry of plan.iamMembers) {
            const options = optionsOf(entry.resource, this);
            switch (entry.resource.type) {
                case RESOURCE.serviceAccountIamMember: {
                    const binding = entry as Extract<typeof entry, { serviceAccountId: string }>;
                    const account = lookup(byResourceId, binding.serviceAccountId, "service account");
                    new gcp.serviceaccount.IAMMember(binding.resource.name, { ...argsOf(binding), serviceAccountId: account.name }, optionsOf(binding.resource, this, { dependsOn: providers }));
                    break;
                }
                case RESOURCE.projectIamMember: {
                    const binding = entry as Extract<typeof entry, { project: string }>;
                    new gcp.projects.IAMMember(binding.resource.name, { ...argsOf(binding, READER_ONLY), member: member(binding.member) }, options);
                    break;
                }
                case RESOURCE.bucketIamMember: {
                    const binding = entry as Extract<typeof entry, { bucket: string }>;
                    new gcp.storage.BucketIAMMember(binding.resource.name, { ...argsOf(binding, READER_ONLY), member: member(binding.member) }, options);
                    break;
                }
                case RESOURCE.cryptoKeyIamMember: {
                    const binding = entry as Extract<typeof entry, { cryptoKeyId: string }>;
                    new gcp.kms.CryptoKeyIAMMember(binding.resource.name, { ...argsOf(binding, READER_ONLY), member: member(binding.member) }, options);
                    break;
                }
            }
        }
        this.registerOutputs({ providerName: this.providerName });
    }
}

/** Registers the GCP plan under `parent`. */
export const components: TargetComponents<GcpPlan, GcpSummary> = {
    register(plan, parent) {
        const federation = new GcpWorkloadIdentityFederation("gcp", { plan }, { parent: parent as pulumi.Resource });
        return {
            // The provider's name is the plan's: projects/<number>/..., as GCP returns it (the map names the number).
            contract: {
                grant: (summary) => ({ serviceAccountEmail: lookup(federation.serviceAccounts, summary.accountId, "service account").email }),
            },
        };
    },
};

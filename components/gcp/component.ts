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
import type { GcpIamMemberEntry, GcpPlan, GcpSummary } from "./plan-schema";

/** Plan keys of IAM member entries that are for readers, not resource arguments. */
const READER_ONLY = ["reason", "projectKey"] as const;

type MemberOf<T extends string> = Extract<GcpIamMemberEntry, { resource: { type: T } }>;

/** What registering an IAM member needs from the component. */
interface Registration {
    readonly parent: pulumi.Resource;
    readonly member: (member: string) => pulumi.Input<string>;
    readonly options: (entry: GcpIamMemberEntry) => pulumi.CustomResourceOptions;
    /** A service account's `name` output, by its planned resource ID. */
    readonly account: (serviceAccountId: string) => pulumi.Output<string>;
    readonly providers: readonly pulumi.Resource[];
}

type MemberType = GcpIamMemberEntry["resource"]["type"];

/**
 * The non-authoritative *IAMMember class of each member type whose arguments are the entry's own
 * (a service account's member also needs its account's output). A Record, so a member type the plan
 * gains without a class here does not compile.
 */
const MEMBER_CLASSES: Record<Exclude<MemberType, typeof RESOURCE.serviceAccountIamMember>, new (name: string, args: never, opts?: pulumi.CustomResourceOptions) => pulumi.CustomResource> = {
    [RESOURCE.projectIamMember]: gcp.projects.IAMMember,
    [RESOURCE.bucketIamMember]: gcp.storage.BucketIAMMember,
    [RESOURCE.cryptoKeyIamMember]: gcp.kms.CryptoKeyIAMMember,
    [RESOURCE.folderIamMember]: gcp.folder.IAMMember,
    [RESOURCE.repositoryIamMember]: gcp.artifactregistry.RepositoryIamMember,
    [RESOURCE.cloudRunServiceIamMember]: gcp.cloudrunv2.ServiceIamMember,
    [RESOURCE.secretIamMember]: gcp.secretmanager.SecretIamMember,
};

/** Registers one IAM member entry as its non-authoritative *IAMMember resource. */
function registerMember(entry: GcpIamMemberEntry, r: Registration): void {
    const name = entry.resource.name;
    if (entry.resource.type === RESOURCE.serviceAccountIamMember) {
        const e = entry as MemberOf<typeof RESOURCE.serviceAccountIamMember>;
        new gcp.serviceaccount.IAMMember(name, { ...argsOf(e), serviceAccountId: r.account(e.serviceAccountId) }, optionsOf(e.resource, r.parent, { dependsOn: [...r.providers] }));
        return;
    }
    const args = { ...argsOf(entry as GcpIamMemberEntry & { reason?: string; projectKey?: string }, READER_ONLY), member: r.member(entry.member) };
    new MEMBER_CLASSES[entry.resource.type](name, args as never, r.options(entry));
}

export interface GcpWorkloadIdentityFederationArgs {
    /** The GCP part of the plan. */
    readonly plan: GcpPlan;
}

/**
 * `gitlab-federation:gcp:WorkloadIdentityFederation`: `gcp.iam.WorkloadIdentityPool` and
 * `gcp.iam.WorkloadIdentityPoolProvider` (both protected by default), and per grant a
 * `gcp.serviceaccount.Account`, `roles/iam.workloadIdentityUser` on that account for the grant's
 * principalSets (`gcp.serviceaccount.IAMMember`, never project-wide) and the grant's roles
 * (`gcp.projects.IAMMember`). A grant's bindings elsewhere are non-authoritative members of
 * their target (reach.ts), registered through the `gcp.Provider` of their project of
 * gcp.projects (a folder's through the stack's own provider); with access direct the members
 * are the grant's principalSets and there is no account.
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
        // A project of gcp.projects is reached through its own provider: every binding in it is registered with that provider.
        const projectProviders = new Map((plan.projectProviders ?? []).map((e) => [e.projectKey, new gcp.Provider(e.resource.name, argsOf(e, ["projectKey"]), optionsOf(e.resource, this))]));
        const registration: Registration = {
            parent: this,
            // A principalSet (access direct) is bound as planned; a service account through its resource's email, so the binding waits for it.
            member: (m) => (m.startsWith("serviceAccount:") ? pulumi.interpolate`serviceAccount:${lookup(byMember, m, "service account").email}` : m),
            options: (entry) => {
                const key = "projectKey" in entry ? entry.projectKey : undefined;
                return optionsOf(entry.resource, this, key !== undefined ? { provider: lookup(projectProviders, key, "GCP project") } : {});
            },
            account: (id) => lookup(byResourceId, id, "service account").name,
            providers,
        };
        for (const entry of plan.iamMembers) {
            registerMember(entry, registration);
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
                // access direct: no service account, nothing computed.
                grant: (summary) => (summary.accountId !== undefined ? { serviceAccountEmail: lookup(federation.serviceAccounts, summary.accountId, "service account").email } : {}),
            },
        };
    },
};

/**
 * The GCP target's resource table: per resource type, the component that registers it, what the
 * Google provider does with a change (magic-modules mmv1/products/iambeta: ids are immutable; IAM
 * member resources have no update), and the fields that name the physical object. A deleted pool
 * or provider ID cannot be reused for about 30 days (docs/reference.md §5.1, §7.20), so replacing
 * one fails until then. A binding in a project of gcp.projects carries the project's key
 * (projectKey, informational): it is registered through that project's provider, and its logical
 * name carries the key, so a binding moved to another project is a create through the other
 * provider and a delete through the old one.
 */
import type { Entry } from "../../src/core/resources";
import type { ResourceKind, TargetResources } from "../target";
import { COMPONENT, RESOURCE } from "./names";
import type { GcpPlan } from "./plan-schema";

const READER_ONLY = ["reason", "projectKey"] as const;

export const KINDS: Readonly<Record<string, ResourceKind>> = {
    [RESOURCE.pool]: { parent: COMPONENT.wif, replaceOn: ["workloadIdentityPoolId", "project"], identity: ["project", "workloadIdentityPoolId"] },
    [RESOURCE.provider]: { parent: COMPONENT.wif, replaceOn: ["workloadIdentityPoolId", "workloadIdentityPoolProviderId", "project"], identity: ["project", "workloadIdentityPoolId", "workloadIdentityPoolProviderId"] },
    [RESOURCE.serviceAccount]: { parent: COMPONENT.wif, replaceOn: ["accountId", "project"], identity: ["project", "accountId"] },
    [RESOURCE.serviceAccountIamMember]: { parent: COMPONENT.wif, replaceOn: "all", identity: ["serviceAccountId", "role", "member"] },
    [RESOURCE.projectIamMember]: { parent: COMPONENT.wif, replaceOn: "all", identity: ["project", "role", "member"], informational: READER_ONLY },
    [RESOURCE.bucketIamMember]: { parent: COMPONENT.wif, replaceOn: "all", identity: ["bucket", "role", "member"], informational: READER_ONLY },
    [RESOURCE.cryptoKeyIamMember]: { parent: COMPONENT.wif, replaceOn: "all", identity: ["cryptoKeyId", "role", "member"], informational: READER_ONLY },
    // A project of gcp.projects: its provider's configuration. Whether the engine replaces the provider's resources when it changes is the provider's DiffConfig (UNVERIFIED for pulumi-gcp): none is marked here; a changed project ID changes every binding's project, which replaces them.
    [RESOURCE.projectProvider]: { parent: COMPONENT.wif, replaceOn: [], identity: ["projectKey", "project"], informational: ["projectKey"] },
    [RESOURCE.folderIamMember]: { parent: COMPONENT.wif, replaceOn: "all", identity: ["folder", "role", "member"], informational: READER_ONLY },
    [RESOURCE.repositoryIamMember]: { parent: COMPONENT.wif, replaceOn: "all", identity: ["project", "location", "repository", "role", "member"], informational: READER_ONLY },
    [RESOURCE.cloudRunServiceIamMember]: { parent: COMPONENT.wif, replaceOn: "all", identity: ["project", "location", "name", "role", "member"], informational: READER_ONLY },
    [RESOURCE.secretIamMember]: { parent: COMPONENT.wif, replaceOn: "all", identity: ["project", "secretId", "role", "member"], informational: READER_ONLY },
};

export const GCP_RESOURCES: TargetResources<GcpPlan> = {
    kinds: KINDS,
    entries: (plan): Entry[] => [...plan.pools, ...plan.providers, ...(plan.projectProviders ?? []), ...plan.serviceAccounts, ...plan.iamMembers],
    select: (plan, keep) => ({
        ...plan,
        pools: plan.pools.filter(keep),
        providers: plan.providers.filter(keep),
        serviceAccounts: plan.serviceAccounts.filter(keep),
        iamMembers: plan.iamMembers.filter(keep),
        ...(plan.projectProviders !== undefined ? { projectProviders: plan.projectProviders.filter(keep) } : {}),
    }),
};

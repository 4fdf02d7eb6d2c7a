/**
 * Azure component: the resource groups, and per grant a user-assigned managed identity, its
 * federated identity credentials and its role assignments, exactly as the plan's `azure` section
 * says (names, subjects, roles and conditions come from plan.ts).
 *
 * Only the three azure-native modules it needs are loaded (deep imports; the package's top level
 * loads every Azure service, design notes §3).
 */
import * as authorization from "@pulumi/azure-native/authorization";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as resources from "@pulumi/azure-native/resources";
import * as pulumi from "@pulumi/pulumi";
import { argsOf } from "../../src/core/resources";
import { lookup, optionsOf } from "../../src/pulumi/options";
import type { TargetComponents } from "../target";
import { COMPONENT, identityId } from "./names";
import { AZURE_CREDENTIAL_INFORMATIONAL, AZURE_ROLE_ASSIGNMENT_INFORMATIONAL, type AzurePlan, type AzureSummary } from "./plan-schema";

export interface AzureWorkloadIdentityFederationArgs {
    /** The Azure part of the plan. */
    readonly plan: AzurePlan;
}


/**
 * `gitlab-federation:azure:WorkloadIdentityFederation`: `resources.ResourceGroup` (protected by
 * default), and per grant a `managedidentity.UserAssignedIdentity`, its
 * `managedidentity.FederatedIdentityCredential`s (each after the one before it on the same
 * identity: Azure refuses concurrent writes there) and its `authorization.RoleAssignment`s.
 * The identity's outputs feed its credentials (name) and role assignments (principalId), so a
 * replaced identity replaces them too.
 */
export class AzureWorkloadIdentityFederation extends pulumi.ComponentResource {
    /** Identities by ARM ID, lowercased (ARM compares IDs case-insensitively). */
    readonly identities: ReadonlyMap<string, managedidentity.UserAssignedIdentity>;

    constructor(name: string, args: AzureWorkloadIdentityFederationArgs, opts?: pulumi.ComponentResourceOptions) {
        super(COMPONENT.federation, name, {}, opts);
        const { plan } = args;
        const groups = new Map(plan.resourceGroups.map((e) => [e.resourceGroupName.toLowerCase(), new resources.ResourceGroup(e.resource.name, argsOf(e), optionsOf(e.resource, this))]));
        // A group the plan does not manage (a shard's grants in the foundation's group) is named as planned.
        const groupName = (group: string) => groups.get(group.toLowerCase())?.name ?? group;
        const key = (group: string, name: string) => identityId(plan.subscriptionId, group, name).toLowerCase();
        this.identities = new Map(
            plan.identities.map((e) => [
                key(e.resourceGroupName, e.resourceName),
                new managedidentity.UserAssignedIdentity(e.resource.name, { ...argsOf(e), resourceGroupName: groupName(e.resourceGroupName) }, optionsOf(e.resource, this)),
            ]),
        );
        const credentials = new Map<string, managedidentity.FederatedIdentityCredential>();
        for (const e of plan.federatedIdentityCredentials) {
            const identity = lookup(this.identities, key(e.resourceGroupName, e.resourceName), "managed identity");
            const after = e.after === undefined ? [] : [lookup(credentials, e.after, "federated identity credential")];
            const args = { ...argsOf(e, AZURE_CREDENTIAL_INFORMATIONAL), resourceGroupName: groupName(e.resourceGroupName), resourceName: identity.name };
            credentials.set(e.resource.name, new managedidentity.FederatedIdentityCredential(e.resource.name, args, optionsOf(e.resource, this, { dependsOn: after })));
        }
        for (const e of plan.roleAssignments) {
            const identity = lookup(this.identities, e.identity.toLowerCase(), "managed identity");
            new authorization.RoleAssignment(e.resource.name, { ...argsOf(e, AZURE_ROLE_ASSIGNMENT_INFORMATIONAL), principalId: identity.principalId }, optionsOf(e.resource, this));
        }
        this.registerOutputs({});
    }
}

/** Registers the Azure plan under `parent`; the contract gets each identity's client ID. */
export const components: TargetComponents<AzurePlan, AzureSummary> = {
    register(plan, parent) {
        const federation = new AzureWorkloadIdentityFederation("azure", { plan }, { parent: parent as pulumi.Resource });
        return {
            contract: {
                grant: (summary) => ({ clientId: lookup(federation.identities, summary.identityId.toLowerCase(), "managed identity").clientId }),
            },
        };
    },
};

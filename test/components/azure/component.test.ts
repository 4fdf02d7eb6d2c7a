/**
 * The Azure component under Pulumi's mocks: it registers exactly the plan (every entry once, its
 * arguments as planned, the identity's outputs where the plan names the identity), with the
 * planned options (protect, deleteBeforeReplace, aliases), each identity's credentials chained
 * one after the other, and the identities' client IDs in the stack's contract. And what a map
 * change does to the resources: a project rename with renamedFrom keeps the identity.
 */
import { strict as assert } from "node:assert";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { AzureWorkloadIdentityFederation } from "../../../components/azure/component";
import { planMap } from "../../../src/features";
import { resourceChanges } from "../../../src/features/lifecycle";
import { Federation } from "../../../src/pulumi/federation";
import { GITLAB } from "../../helpers/maps";
import { type Registered, runWithMocks, urnOf, valueOf } from "../../helpers/mocks";
import { SUBSCRIPTION, TENANT } from "./fixtures";

const AZURE = { tenantId: TENANT, subscriptionId: SUBSCRIPTION, resourceGroup: { name: "gitlab-ci-identities", location: "westeurope" } };
const ACR = `/subscriptions/${SUBSCRIPTION}/resourceGroups/app/providers/Microsoft.ContainerRegistry/registries/acme`;

type Raw = Record<string, unknown>;

/** A map with two Azure grants (one with three refs), in `path` (the API project's path). */
function raw(path = "platform/api", extra: Raw = {}): Raw {
    return {
        gitlab: GITLAB,
        azure: AZURE,
        projects: {
            [path]: {
                id: 42,
                ...extra,
                grants: {
                    deploy: {
                        ref: ["main", "release/1.0", "release/2.0"],
                        azure: {
                            roles: [
                                { role: "AcrPush", scope: { resource: ACR } },
                                { role: "Reader", scope: "subscription" },
                            ],
                        },
                    },
                },
            },
            "platform/web": { id: 57, grants: { deploy: { ref: "main", azure: { roles: [{ role: "Website Contributor", scope: { resourceGroup: "web" } }] } } } },
        },
    };
}

const PLAN = planMap(raw());
const AZ = PLAN.azure!;
const COMPONENT = "gitlab-federation:azure:WorkloadIdentityFederation";

const registered = (resources: Registered[], type: string, name: string) => {
    const found = resources.filter((r) => r.type === type && r.name === name);
    assert.equal(found.length, 1, `${type} ${name} registered once`);
    return found[0]!;
};

describe("Azure: the component under mocks", () => {
    it("registers exactly the plan's entries, with their arguments, the identity's outputs and the planned options", async () => {
        const { resources } = await runWithMocks(() => new AzureWorkloadIdentityFederation("azure", { plan: AZ }));
        const component = registered(resources, COMPONENT, "azure");
        const custom = resources.filter((r) => r.custom);
        // Every entry once, nothing else, all children of the component.
        assert.deepEqual(
            custom.map((r) => `${r.type} ${r.name}`).sort(),
            [...AZ.resourceGroups, ...AZ.identities, ...AZ.federatedIdentityCredentials, ...AZ.roleAssignments].map((e) => `${e.resource.type} ${e.resource.name}`).sort(),
        );
        assert.equal(custom.length, 1 + 2 + 4 + 3);
        assert.ok(custom.every((r) => r.parent === component.urn));

        const group = registered(resources, "azure-native:resources:ResourceGroup", "identities");
        assert.deepEqual(group.inputs, { resourceGroupName: "gitlab-ci-identities", location: "westeurope", tags: { "managed-by": "gitlab-federation" } });
        assert.equal(group.protect, true);

        const identity = registered(resources, "azure-native:managedidentity:UserAssignedIdentity", "42/deploy");
        assert.deepEqual(identity.inputs, {
            resourceGroupName: "gitlab-ci-identities",
            resourceName: "gitlab-platform-api--deploy",
            location: "westeurope",
            tags: { "managed-by": "gitlab-federation", "gitlab-project": "platform/api", "gitlab-project-id": "42", "gitlab-grant": "deploy" },
        });
        assert.deepEqual([identity.protect, identity.deleteBeforeReplace], [false, true]);
        assert.ok(identity.dependencies.includes(group.urn), "the identity waits for its resource group");
        // Renames keep the resource: aliased from the legacy key and from the stack's root; then azure-native's own aliases (its former API versions' types).
        assert.deepEqual(identity.aliases.slice(0, 2), [urnOf(component.urn, identity.type, "platform/api/deploy"), urnOf("", identity.type, "42/deploy")]);
        assert.deepEqual(
            identity.aliases.slice(2).filter((urn) => !/\$azure-native:managedidentity\/v\d{8}(preview)?:UserAssignedIdentity::42\/deploy$/.test(urn)),
            [],
        );

        // The credentials of one identity: exactly as planned (without `after`), named by ref, each after the one before.
        const credentials = AZ.federatedIdentityCredentials.filter((c) => c.resource.grant === "42/deploy");
        assert.deepEqual(
            credentials.map((c) => c.federatedIdentityCredentialResourceName),
            credentials.map((c) => c.federatedIdentityCredentialResourceName).sort(),
        );
        let previous: Registered | undefined;
        for (const entry of credentials) {
            const r = registered(resources, "azure-native:managedidentity:FederatedIdentityCredential", entry.resource.name);
            const { resource: _meta, after: _after, ...args } = entry;
            assert.deepEqual(r.inputs, { ...args, audiences: ["api://AzureADTokenExchange"] });
            assert.equal(r.inputs.issuer, "https://gitlab.example.com");
            assert.ok(r.dependencies.includes(identity.urn), "a credential's parent name is the identity's output");
            assert.equal(previous === undefined || r.dependencies.includes(previous.urn), true, `${entry.resource.name} waits for the credential before it`);
            assert.equal(r.deleteBeforeReplace, false);
            previous = r;
        }
        const first = registered(resources, "azure-native:managedidentity:FederatedIdentityCredential", credentials[0]!.resource.name);
        assert.ok(!resources.some((r) => r.type === first.type && first.dependencies.includes(r.urn)), "the first credential waits for no other");
        // The other identity's credential does not wait for these: identities are written in parallel.
        const web = registered(resources, "azure-native:managedidentity:FederatedIdentityCredential", AZ.federatedIdentityCredentials.find((c) => c.resource.grant === "57/deploy")!.resource.name);
        assert.ok(!credentials.some((c) => web.dependencies.includes(urnOf(component.urn, c.resource.type, c.resource.name))));

        // Role assignments: the planned arguments with the identity's principal ID instead of its ARM ID.
        for (const entry of AZ.roleAssignments) {
            const r = registered(resources, "azure-native:authorization:RoleAssignment", entry.resource.name);
            const { resource: _meta, identity: _identity, ...args } = entry;
            const name = entry.identity.split("/").pop()!;
            assert.deepEqual(r.inputs, { ...args, principalId: `principal-id-of-${name}` });
            assert.equal(r.deleteBeforeReplace, true);
            assert.ok(r.dependencies.includes(registered(resources, "azure-native:managedidentity:UserAssignedIdentity", entry.resource.grant!).urn));
        }
        const acr = registered(resources, "azure-native:authorization:RoleAssignment", AZ.roleAssignments.find((a) => a.scope === ACR)!.resource.name);
        assert.deepEqual(acr.inputs, {
            scope: ACR,
            roleDefinitionId: `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/8311e382-0749-4cb8-b61a-304f252e45ec`,
            roleAssignmentName: AZ.roleAssignments.find((a) => a.scope === ACR)!.roleAssignmentName,
            principalId: "principal-id-of-gitlab-platform-api--deploy",
            principalType: "ServicePrincipal",
            description: "GitLab CI platform/api (id 42) grant deploy",
        });
    });

    it("the program publishes each grant's client ID in the contract (the plan has none)", async () => {
        assert.equal(PLAN.grants.find((g) => g.project === "platform/api")!.azure!.clientId, undefined);
        const { resources, result } = await runWithMocks(() => new Federation("gitlab-federation", { plan: PLAN }));
        const root = registered(resources, "gitlab-federation:index:Federation", "gitlab-federation");
        assert.deepEqual(resources.filter((r) => r.parent === root.urn).map((r) => `${r.type} ${r.name}`), [`${COMPONENT} azure`]);
        const contract = (await valueOf(result.outputs.contract as never)) as { azure: unknown; grants: Record<string, Record<string, { azure: unknown }>> };
        assert.deepEqual(contract.azure, { tenantId: TENANT, subscriptionId: SUBSCRIPTION, audience: "api://AzureADTokenExchange" });
        assert.deepEqual(contract.grants["platform/api"]!.deploy!.azure, {
            clientId: "client-id-of-gitlab-platform-api--deploy",
            identityName: "gitlab-platform-api--deploy",
            identityId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/gitlab-ci-identities/providers/Microsoft.ManagedIdentity/userAssignedIdentities/gitlab-platform-api--deploy`,
            tenantId: TENANT,
            subscriptionId: SUBSCRIPTION,
            audience: "api://AzureADTokenExchange",
        });
        // Azure publishes only the contract (no 0.1.0 outputs).
        assert.equal((result.outputs as Record<string, unknown>).azure, undefined);
    });
});

describe("Azure: the provider package", () => {
    /** The @pulumi/azure-native modules a TypeScript file imports. */
    const azureImports = (file: string) => [...readFileSync(file, "utf8").matchAll(/from "(@pulumi\/azure-native[^"]*)"/g)].map((m) => m[1]!);
    const sources = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []));

    it("only component.ts imports it, and only the three modules it needs (the package's top level loads every Azure service)", () => {
        assert.deepEqual(azureImports("components/azure/component.ts"), ["@pulumi/azure-native/authorization", "@pulumi/azure-native/managedidentity", "@pulumi/azure-native/resources"]);
        assert.deepEqual(
            [...sources("components"), ...sources("src"), "index.ts"].filter((file) => file !== join("components", "azure", "component.ts") && azureImports(file).length > 0),
            [],
        );
    });
});

describe("Azure: lifecycle of a map change", () => {
    it("a project renamed with renamedFrom keeps its identity, credential and role assignment names; subjects, tags and descriptions change in place", () => {
        const head = planMap(raw("platform/api-v2", { renamedFrom: "platform/api" }));
        const changes = resourceChanges(PLAN, head);
        const of = (entries: readonly { resource: { type: string; name: string; grant?: string } }[], changed: string) =>
            entries.filter((e) => e.resource.grant === "42/deploy").map((e) => ["update", e.resource.type, e.resource.name, [changed]]);
        assert.deepEqual(changes.map((c) => [c.op, c.type, c.name, [...c.changed]]), [
            ...of(PLAN.azure!.identities, "tags"),
            ...of(PLAN.azure!.federatedIdentityCredentials, "subject"),
            ...of(PLAN.azure!.roleAssignments, "description"),
        ]);
        assert.deepEqual(
            head.azure!.identities.map((i) => i.resourceName),
            PLAN.azure!.identities.map((i) => i.resourceName),
        );
        assert.deepEqual(
            head.azure!.federatedIdentityCredentials.filter((c) => c.resource.grant === "42/deploy").map((c) => c.subject),
            ["main", "release/1.0", "release/2.0"].map((ref) => `project_path:platform/api-v2:ref_type:branch:ref:${ref}`),
        );
    });

    it("a project moved without renamedFrom gets a new identity: replaced, delete-first, with its role assignments", () => {
        const head = planMap(raw("platform/api-v2"));
        const changes = resourceChanges(PLAN, head).filter((c) => c.type === "azure-native:managedidentity:UserAssignedIdentity" || c.type === "azure-native:authorization:RoleAssignment");
        assert.deepEqual(
            changes.map((c) => [c.op, c.type, c.name, [...c.replacedBy], c.deleteBeforeReplace]),
            [
                ["replace", "azure-native:managedidentity:UserAssignedIdentity", "42/deploy", ["resourceName"], true],
                ...PLAN.azure!.roleAssignments.filter((a) => a.resource.grant === "42/deploy").map((a) => ["replace", a.resource.type, a.resource.name, ["roleAssignmentName"], true]),
            ],
        );
    });

    it("the resource groups are an administrator's to change: the applier has no resourceGroups/write", () => {
        const head = planMap({ ...raw(), azure: { ...AZURE, tags: { team: "platform" } } });
        const group = resourceChanges(PLAN, head).find((c) => c.type === "azure-native:resources:ResourceGroup")!;
        assert.deepEqual([group.op, group.name, [...group.changed], group.adminOnly !== undefined], ["update", "identities", ["tags"], true]);
    });
});

/**
 * The Azure section's schema, the role table, and the names Azure fixes at creation: exact
 * messages for security inputs, boundary pairs, and properties over every valid ref.
 */
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { refProblem } from "../../../src/core/rules";
import {
    ROLE_ASSIGNMENT_NAMESPACE,
    URL_NAMESPACE,
    azureIdentityName,
    covers,
    credentialName,
    roleAssignmentName,
    uuidV5,
} from "../../../components/azure/names";
import { BUILT_IN_ROLES, resolveRole } from "../../../components/azure/roles";
import { AzureGrantSchema, AzureSchema, IDENTITY_NAME } from "../../../components/azure/schema";
import { SUBSCRIPTION, TENANT, section } from "./fixtures";

/** The messages of a failed parse, as `path: message`. */
function issues(result: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }): string[] {
    assert.equal(result.success, false, "expected the schema to refuse the value");
    return result.error!.issues.map((i) => `${i.path.map(String).join(".")}: ${i.message}`);
}

const FIC_NAME = /^[a-zA-Z0-9]{1}[a-zA-Z0-9-_]{2,119}$/;
const refArb = fc.stringMatching(/^[A-Za-z0-9._-]([A-Za-z0-9._/-]{0,200}[A-Za-z0-9_-])?$/).filter((r) => refProblem(r) === undefined);

describe("Azure: schema", () => {
    it("defaults: Microsoft's recommended audience, protected resource groups, 4,000 role assignments", () => {
        const parsed = section();
        assert.deepEqual(parsed, {
            tenantId: TENANT,
            subscriptionId: SUBSCRIPTION,
            resourceGroup: { name: "gitlab-ci-identities", location: "westeurope" },
            audience: "api://AzureADTokenExchange",
            protect: true,
            quotas: { roleAssignments: 4000 },
        });
        assert.deepEqual(AzureGrantSchema.parse({}), { roles: [] });
    });

    it("GUIDs, regions and resource group names are refused with the value and what is allowed", () => {
        assert.deepEqual(issues(AzureSchema.safeParse({ tenantId: "contoso.onmicrosoft.com", subscriptionId: SUBSCRIPTION, resourceGroup: { name: "ci.", location: "West Europe" } })), [
            `tenantId: must be the Microsoft Entra tenant (directory) ID, a GUID such as "8f0e1b0c-1d2e-4f3a-9b8c-7d6e5f4a3b2c", got "contoso.onmicrosoft.com"`,
            `resourceGroup.name: must be a resource group name: 1-90 ASCII letters, digits and _.()-, not ending with ".", got "ci."`,
            `resourceGroup.location: must be an Azure region as ARM writes it (lowercase, no spaces), e.g. "westeurope", got "West Europe"`,
        ]);
    });

    it('resource group names: 90 characters pass, 91 do not; a final ")" passes, a final "." does not', () => {
        const at = (name: string) => AzureSchema.safeParse({ tenantId: TENANT, subscriptionId: SUBSCRIPTION, resourceGroup: { name, location: "westeurope" } }).success;
        assert.equal(at("a".repeat(90)), true);
        assert.equal(at("a".repeat(91)), false);
        assert.equal(at("rg(ci)"), true);
        assert.equal(at("rg.ci"), true);
        assert.equal(at("rg."), false);
        assert.equal(at("rg ci"), false);
    });

    it("a role's scope is explicit: subscription, one resource group, or one full resource ID, never two at once", () => {
        const scope = (value: unknown) => AzureGrantSchema.safeParse({ roles: [{ role: "Reader", scope: value }] });
        assert.equal(scope("subscription").success, true);
        assert.equal(scope({ resourceGroup: "app" }).success, true);
        assert.equal(scope({ resource: `/subscriptions/${SUBSCRIPTION}/resourceGroups/app/providers/Microsoft.Storage/storageAccounts/acme/blobServices/default/containers/builds` }).success, true);
        assert.equal(scope({ resourceGroup: "app", resource: "/x" }).success, false);
        assert.equal(scope("resourceGroup").success, false);
        assert.equal(scope(undefined).success, false, "no default scope");
        assert.deepEqual(
            issues(scope({ resource: `/subscriptions/${SUBSCRIPTION}/resourceGroups/app/providers/Microsoft.Storage/storageAccounts/*` })).filter((i) => i.includes("resource ID")),
            [
                `roles.0.scope.resource: must be a full resource ID such as "/subscriptions/<subscription id>/resourceGroups/<group>/providers/Microsoft.ContainerRegistry/registries/<name>" (names of letters, digits and ._()~@-, no wildcards), got "/subscriptions/${SUBSCRIPTION}/resourceGroups/app/providers/Microsoft.Storage/storageAccounts/*"`,
            ],
        );
    });

    it("identity names: 3 and 128 characters pass, 2 and 129 do not, nor a leading '-'", () => {
        const name = (identityName: string) => AzureGrantSchema.safeParse({ identityName }).success;
        assert.deepEqual([name("abc"), name("ab"), name("a".repeat(128)), name("a".repeat(129)), name("-abc"), name("a.b")], [true, false, true, false, false, false]);
        assert.deepEqual(issues(AzureGrantSchema.safeParse({ identityName: "ci.deploy" })), [`identityName: must be 3-128 letters, digits, "-" and "_", starting with a letter or digit (managed identity names), got "ci.deploy"`]);
    });

    it("quotas: role assignments up to 5,000; federated credentials per identity are not configurable", () => {
        assert.equal(section({ quotas: { roleAssignments: 5000 } }).quotas.roleAssignments, 5000);
        assert.equal(AzureSchema.safeParse({ ...section(), quotas: { roleAssignments: 5001 } }).success, false);
        assert.equal(AzureSchema.safeParse({ ...section(), quotas: { roleAssignments: 4000, credentialsPerIdentity: 30 } }).success, false);
    });
});

describe("Azure: built-in roles", () => {
    it("the table: unique names, unique lowercase GUIDs, the privileged roles marked", () => {
        assert.equal(new Set(BUILT_IN_ROLES.map((r) => r.name)).size, BUILT_IN_ROLES.length);
        assert.equal(new Set(BUILT_IN_ROLES.map((r) => r.id)).size, BUILT_IN_ROLES.length);
        assert.ok(BUILT_IN_ROLES.every((r) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(r.id)));
        assert.deepEqual(
            BUILT_IN_ROLES.filter((r) => r.privilege !== undefined).map((r) => `${r.name}: ${r.privilege}`),
            ["Contributor: identities", "Owner: assignsRoles", "Role Based Access Control Administrator: assignsRoles", "User Access Administrator: assignsRoles", "Managed Identity Contributor: identities", "Managed Identity Operator: identities", "Key Vault Data Access Administrator: assignsRoles"],
        );
    });

    it("names resolve exactly; a near miss is refused with the name meant", () => {
        assert.deepEqual(resolveRole("AcrPush"), { kind: "builtIn", role: { name: "AcrPush", id: "8311e382-0749-4cb8-b61a-304f252e45ec" } });
        assert.deepEqual(resolveRole("acrpush"), {
            problem: `"acrpush" is not a built-in role this program knows (did you mean "AcrPush"?): write a built-in role's exact name, or the role definition's GUID (the ID column of "Azure built-in roles", or az role definition list --name "<name>" --query [].name), which needs azure.allowBroad unless it is one of the known roles`,
        });
        assert.ok((resolveRole("Storage Blob Data Contributer") as { problem: string }).problem.includes(`(did you mean "Storage Blob Data Contributor"?)`));
        assert.ok(!(resolveRole("Pipeline Deployer") as { problem: string }).problem.includes("did you mean"));
    });

    it("GUIDs: a known one (any case) is that built-in role, another is unknown (a custom role)", () => {
        assert.deepEqual(resolveRole("8E3AF657-A8FF-443C-A75C-2FE8C4BCB635"), { kind: "builtIn", role: { name: "Owner", id: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", privilege: "assignsRoles" } });
        assert.deepEqual(resolveRole("0D2C9A3E-6E5B-4E8B-9C3A-3B8E6F0A1B2C"), { kind: "unknownId", id: "0d2c9a3e-6e5b-4e8b-9c3a-3b8e6f0a1b2c" });
    });
});

describe("Azure: names", () => {
    it("UUIDv5 is RFC 9562's: the DNS-namespace example, and this program's namespace pinned", () => {
        assert.equal(uuidV5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "www.example.com"), "2ed6657d-e927-568b-95e1-2665a8aea6a2");
        assert.equal(uuidV5(URL_NAMESPACE, "https://gitlab.com/gitlab-federation/azure/role-assignment"), "23a33569-c41e-5c09-94e2-a8fe11e50a67");
        assert.equal(ROLE_ASSIGNMENT_NAMESPACE, "23a33569-c41e-5c09-94e2-a8fe11e50a67");
        assert.throws(() => uuidV5("not-a-uuid", "x"), /internal error/);
    });

    it("role assignment names: a GUID from scope, role and identity, the same whatever their case, different when any differs", () => {
        const scope = `/subscriptions/${SUBSCRIPTION}/resourceGroups/app`;
        const reader = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
        const identity = `/subscriptions/${SUBSCRIPTION}/resourceGroups/gitlab-ci-identities/providers/Microsoft.ManagedIdentity/userAssignedIdentities/gitlab-platform-api--deploy`;
        const name = roleAssignmentName(scope, reader, identity);
        assert.equal(name, "dcec045b-4a2e-504e-a7cc-c47683a42f6e", "computed independently with Python's uuid.uuid5");
        assert.equal(roleAssignmentName(scope.toUpperCase(), reader.toUpperCase(), identity.toLowerCase()), name);
        const others = [roleAssignmentName(`${scope}2`, reader, identity), roleAssignmentName(scope, "8311e382-0749-4cb8-b61a-304f252e45ec", identity), roleAssignmentName(scope, reader, `${identity}2`)];
        assert.equal(new Set([name, ...others]).size, 4);
    });

    it("federated credential names: readable, keyed on ref type and ref, within Azure's pattern", () => {
        assert.equal(credentialName("branch", "main"), "branch-main-e5ce1d59");
        assert.equal(credentialName("branch", "release/1.0"), "branch-release-1-0-82942a0f");
        assert.notEqual(credentialName("branch", "release/1.0"), credentialName("branch", "release-1-0"));
        assert.notEqual(credentialName("branch", "v1"), credentialName("tag", "v1"));
        const long = credentialName("branch", `${"x".repeat(110)}/-y`);
        assert.equal(long.length, 120);
        assert.match(long, FIC_NAME);
        fc.assert(
            fc.property(fc.constantFrom("branch", "tag"), refArb, (type, ref) => {
                const name = credentialName(type, ref);
                return FIC_NAME.test(name) && name === credentialName(type, ref);
            }),
            { numRuns: 300 },
        );
    });

    it("identity names: from project path and grant, within Azure's rule however long or dotted the path", () => {
        assert.equal(azureIdentityName("platform/api", "deploy"), "gitlab-platform-api--deploy");
        assert.equal(azureIdentityName("Platform/API.v2", "deploy"), "gitlab-platform-api-v2--deploy");
        const path = fc.array(fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,60}$/), { minLength: 2, maxLength: 6 }).map((s) => s.join("/"));
        fc.assert(fc.property(path, fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/), (p, g) => IDENTITY_NAME.test(azureIdentityName(p, g))), { numRuns: 300 });
    });

    it("covers: a scope covers itself and what lies below it, compared case-insensitively, never a prefix neighbour", () => {
        const rg = `/subscriptions/${SUBSCRIPTION}/resourceGroups/app`;
        assert.equal(covers(rg, rg.toUpperCase()), true);
        assert.equal(covers(rg, `${rg}/providers/Microsoft.Web/sites/x`), true);
        assert.equal(covers(rg, `${rg}2`), false);
        assert.equal(covers(`${rg}/providers/Microsoft.Web/sites/x`, rg), false);
    });
});

/**
 * The deployer's least privilege in Azure: the applier's condition, exactly, and Azure's decision
 * for the deployer's planned role assignments, computed by an independent evaluator of the ABAC
 * condition language and of RBAC (abac-model.ts) for a table of requests: the role assignments
 * pulumi up makes are allowed; Owner, User Access Administrator, another role, a User principal,
 * a scope the map does not name, and the applier's own identity are denied.
 */
import { strict as assert } from "node:assert";
import { MAX_CONDITION_LENGTH, applierCondition, outermost } from "../../../components/azure/deployer";
import type { RoleAssignmentEntry } from "../../../components/azure/plan-schema";
import { type AbacRequest, type ModelAssignment, evaluateCondition, rbacAllows } from "./abac-model";
import { SUBSCRIPTION, deployerGrant, grant, plan, section } from "./fixtures";

const RG = `/subscriptions/${SUBSCRIPTION}/resourceGroups`;
const ACR = `${RG}/app/providers/Microsoft.ContainerRegistry/registries/acme`;
const ROLE = {
    owner: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    userAccessAdministrator: "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
    rbacAdministrator: "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
    contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c",
    reader: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    acrPush: "8311e382-0749-4cb8-b61a-304f252e45ec",
    website: "de139f84-1756-47ae-9be6-808fbbe84772",
    managedIdentityContributor: "e40ec5ca-96e0-45a2-b4ff-59039f2c2b59",
};

/**
 * The actions of the deployer's roles, from "Azure built-in roles" (built-in-roles/privileged.md
 * § Role Based Access Control Administrator, general.md § Reader, identity.md § Managed Identity
 * Contributor), the ones these requests need.
 */
const ACTIONS: Record<string, readonly string[]> = {
    [ROLE.rbacAdministrator]: ["Microsoft.Authorization/roleAssignments/write", "Microsoft.Authorization/roleAssignments/delete", "*/read", "Microsoft.Support/*"],
    [ROLE.reader]: ["*/read"],
    [ROLE.managedIdentityContributor]: [
        "Microsoft.ManagedIdentity/userAssignedIdentities/read",
        "Microsoft.ManagedIdentity/userAssignedIdentities/write",
        "Microsoft.ManagedIdentity/userAssignedIdentities/delete",
        "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/read",
        "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/write",
        "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/delete",
        "Microsoft.Authorization/*/read",
        "Microsoft.Resources/subscriptions/resourceGroups/read",
    ],
};

const WRITE = "Microsoft.Authorization/roleAssignments/write";
const DELETE = "Microsoft.Authorization/roleAssignments/delete";
const attributes = (role: string, principalType: string) => ({ "Microsoft.Authorization/roleAssignments:RoleDefinitionId": [role], "Microsoft.Authorization/roleAssignments:PrincipalType": [principalType] });
const write = (role: string, principalType = "ServicePrincipal"): AbacRequest => ({ action: WRITE, request: attributes(role, principalType) });
const remove = (role: string, principalType = "ServicePrincipal"): AbacRequest => ({ action: DELETE, resource: attributes(role, principalType) });

describe("Azure: the deployer's condition", () => {
    it("is the documented 'constrain roles and principal types' condition, for this scope's roles, sorted, lowercase, once each", () => {
        assert.equal(
            applierCondition([ROLE.website, ROLE.acrPush.toUpperCase(), ROLE.website]),
            "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {8311e382-0749-4cb8-b61a-304f252e45ec, de139f84-1756-47ae-9be6-808fbbe84772} AND @Request[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {'ServicePrincipal'})) AND ((!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})) OR (@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {8311e382-0749-4cb8-b61a-304f252e45ec, de139f84-1756-47ae-9be6-808fbbe84772} AND @Resource[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {'ServicePrincipal'}))",
        );
    });

    it("the evaluator reads Microsoft's own example as documented (Backup Contributor and Reader, to users and groups)", () => {
        const example = `(
 (
  !(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})
 )
 OR
 (
  @Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {5e467623-bb1f-42f4-a55d-6e525e11384b, a795c7a0-d4a2-40c1-ae25-d81f01202912}
  AND
  @Request[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {'User', 'Group'}
 )
)
AND
(
 (
  !(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})
 )
 OR
 (
  @Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {5e467623-bb1f-42f4-a55d-6e525e11384b, a795c7a0-d4a2-40c1-ae25-d81f01202912}
  AND
  @Resource[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {'User', 'Group'}
 )
)`;
        assert.equal(evaluateCondition(example, write("5E467623-BB1F-42F4-A55D-6E525E11384B", "user")), true);
        assert.equal(evaluateCondition(example, write("5e467623-bb1f-42f4-a55d-6e525e11384b", "ServicePrincipal")), false);
        assert.equal(evaluateCondition(example, write(ROLE.owner, "User")), false);
        assert.equal(evaluateCondition(example, remove("a795c7a0-d4a2-40c1-ae25-d81f01202912", "Group")), true);
        assert.equal(evaluateCondition(example, remove(ROLE.owner, "Group")), false);
        assert.equal(evaluateCondition(example, { action: "Microsoft.Authorization/roleAssignments/read" }), true, "other actions pass");
        assert.equal(evaluateCondition(example, { action: WRITE }), false, "a write without the attributes fails");
    });

    it("within 8 KB: the longest list of roles at one scope passes, one more is refused", () => {
        const id = (i: number) => `00000000-0000-4000-8000-${i.toString(16).padStart(12, "0")}`;
        let n = 1;
        while (applierCondition(Array.from({ length: n + 1 }, (_, i) => id(i))).length <= MAX_CONDITION_LENGTH) n++;
        const custom = (count: number) => grant({ azure: { roles: Array.from({ length: count }, (_, i) => ({ role: id(i), scope: { resourceGroup: "app" } })), allowBroad: "custom roles reviewed by the platform team" } });
        const options = { section: section({ deployerResourceGroup: { name: "deployer", location: "westeurope" } }), acknowledge: "main is protected and reviewed" };
        assert.deepEqual(plan([custom(n), deployerGrant("applier", 1)], options).problems, []);
        const length = applierCondition(Array.from({ length: n + 1 }, (_, i) => id(i))).length;
        assert.deepEqual(plan([custom(n + 1), deployerGrant("applier", 1)], options).problems, [
            `gitlab-federation:azure: the applier's condition at ${RG}/app lists ${n + 1} roles and is ${length} characters, above Azure's 8192 for a role assignment condition: grant fewer distinct roles at that scope`,
        ]);
    });

    it("outermost: each scope once, case-insensitively, without those another covers", () => {
        assert.deepEqual(outermost([ACR, `${RG}/APP`, `${RG}/app`, `${RG}/web`, `${RG}/app2`]), [`${RG}/APP`, `${RG}/app2`, `${RG}/web`]);
    });
});

describe("Azure: what the deployer may do, decided by an independent ABAC and RBAC evaluator", () => {
    const api = grant({ azure: { roles: [{ role: "AcrPush", scope: { resource: ACR } }, { role: "Website Contributor", scope: { resourceGroup: "app" } }, { role: "Reader", scope: { resourceGroup: "app" } }] } });
    const web = grant({ project: "platform/web", projectId: "43", index: 1, azure: { roles: [{ role: "Owner", scope: { resourceGroup: "web" } }], allowBroad: "the web team owns its resource group" } });
    const { plan: p, problems } = plan([api, web, deployerGrant("applier", 2), deployerGrant("planner", 3)], {
        section: section({ deployerResourceGroup: { name: "gitlab-federation-deployer", location: "westeurope" } }),
        acknowledge: "main is protected and reviewed",
    });
    const assignmentsOf = (grantKey: string): ModelAssignment[] =>
        p.roleAssignments
            .filter((a: RoleAssignmentEntry) => a.resource.grant === grantKey)
            .map((a) => ({ actions: ACTIONS[a.roleDefinitionId.slice(a.roleDefinitionId.lastIndexOf("/") + 1)]!, scope: a.scope, ...(a.condition !== undefined ? { condition: a.condition } : {}) }));
    const applier = assignmentsOf("7/applier");
    const planner = assignmentsOf("7/planner");

    it("the map plans", () => {
        assert.deepEqual(problems, []);
        assert.equal(applier.length, 5);
        assert.equal(planner.length, 4);
    });

    it("the applier assigns and removes the map's roles, for service principals, at the scopes that grant them", () => {
        const allowed: [string, AbacRequest][] = [
            [ACR, write(ROLE.acrPush)],
            [ACR, remove(ROLE.acrPush)],
            [`${RG}/app`, write(ROLE.website)],
            [`${RG}/app`, write(ROLE.reader, "serviceprincipal")],
            [ACR, write(ROLE.reader)],
            [`${RG}/app/providers/Microsoft.Web/sites/shop`, write(ROLE.website)],
            [`${RG}/web`, write(ROLE.owner)],
            [`${RG}/app`, { action: "Microsoft.Authorization/roleAssignments/read" }],
            [`${RG}/gitlab-ci-identities/providers/Microsoft.ManagedIdentity/userAssignedIdentities/gitlab-platform-api--deploy`, { action: "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/write" }],
            [`${RG}/gitlab-federation-deployer`, { action: "Microsoft.ManagedIdentity/userAssignedIdentities/read" }],
        ];
        for (const [scope, request] of allowed) {
            assert.equal(rbacAllows(applier, scope, request), true, `${scope} ${JSON.stringify(request)}`);
        }
    });

    it("the applier cannot assign Owner, User Access Administrator, RBAC Administrator or another role, to a User, or where the map grants nothing", () => {
        const denied: [string, AbacRequest][] = [
            [ACR, write(ROLE.owner)],
            [`${RG}/app`, write(ROLE.owner)],
            [`${RG}/app`, write(ROLE.userAccessAdministrator)],
            [`${RG}/app`, write(ROLE.rbacAdministrator)],
            [`${RG}/app`, write(ROLE.contributor)],
            [`${RG}/app`, write(ROLE.acrPush)],
            [ACR, write(ROLE.acrPush, "User")],
            [ACR, write(ROLE.acrPush, "Group")],
            [ACR, remove(ROLE.acrPush, "User")],
            [ACR, remove(ROLE.owner)],
            [`/subscriptions/${SUBSCRIPTION}`, write(ROLE.reader)],
            [`${RG}/other`, write(ROLE.reader)],
            [`${RG}/app`, { action: WRITE }],
            [`${RG}/gitlab-federation-deployer/providers/Microsoft.ManagedIdentity/userAssignedIdentities/gitlab-platform-gitlab-federation--applier`, { action: "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/write" }],
            [`${RG}/gitlab-federation-deployer`, write(ROLE.reader)],
        ];
        for (const [scope, request] of denied) {
            assert.equal(rbacAllows(applier, scope, request), false, `${scope} ${JSON.stringify(request)}`);
        }
    });

    it("the planner reads everything the stack manages and writes nothing", () => {
        for (const scope of [ACR, `${RG}/app`, `${RG}/web`, `${RG}/gitlab-ci-identities`, `${RG}/gitlab-federation-deployer`]) {
            assert.equal(rbacAllows(planner, scope, { action: "Microsoft.Authorization/roleAssignments/read" }), true, scope);
            assert.equal(rbacAllows(planner, scope, write(ROLE.reader)), false, scope);
            assert.equal(rbacAllows(planner, scope, { action: "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/write" }), false, scope);
        }
        assert.equal(rbacAllows(planner, `${RG}/other`, { action: "Microsoft.Resources/subscriptions/resourceGroups/read" }), false);
    });
});

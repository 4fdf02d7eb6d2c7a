/**
 * Azure's plan and checks: the exact entries of a grant (identity, federated credentials chained
 * per identity, role assignments), names that do not depend on the order of refs or grants, and
 * every refusal and warning with its exact text, at its boundaries.
 */
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { shortHash } from "../../../src/core/names";
import { roleAssignmentName } from "../../../components/azure/names";
import { federatedCredentials } from "../../../components/azure/subjects";
import { deployerGrant, grant, plan, section, SUBSCRIPTION, TENANT } from "./fixtures";

const RG = `/subscriptions/${SUBSCRIPTION}/resourceGroups`;
const ACR = `${RG}/app/providers/Microsoft.ContainerRegistry/registries/acme`;
const PROTECTED = (grants: string) =>
    `gitlab-federation:azure: Azure cannot check ref_protected, so these grants, which require a protected ref, admit any pipeline on the same ref name, protected or not: ${grants}. They rely on GitLab: a protection rule covering each ref, never removed, and no unprotected branch or tag of that name pushed first`;
const PATHS = (projects: string) =>
    `gitlab-federation:azure: Azure binds projects by path (in sub), not by id: ${projects}. After a rename or transfer their identities stop matching, and a new project created at an old path would match them: update the map and run pulumi up when a project moves`;
const NO_ROLES = (at: string) => `${at}: the managed identity gets no roles: pipelines can log in as it but do nothing with it; list roles, or assign them outside this map`;
const API = `gitlab-federation:projects["platform/api"].grants.deploy`;
const meta = (type: string, name: string, deleteBeforeReplace = false) => ({ type, name, protect: false, ...(deleteBeforeReplace ? { deleteBeforeReplace } : {}), aliases: [`platform/api/${name.slice(3)}`], rootAlias: true, grant: "42/deploy" });

describe("Azure: the plan", () => {
    it("a grant: one identity, one federated credential per ref chained in name order, role assignments for a service principal", () => {
        const g = grant({ refs: ["release/1.0", "main"], azure: { roles: [{ role: "AcrPush", scope: { resource: ACR } }, { role: "Reader", scope: { resourceGroup: "app" } }] } });
        const { plan: p, grants, problems, warnings } = plan([g]);
        assert.deepEqual(problems, []);
        assert.deepEqual(warnings, [PROTECTED("platform/api deploy"), PATHS("platform/api")]);
        const identity = `${RG}/gitlab-ci-identities/providers/Microsoft.ManagedIdentity/userAssignedIdentities/gitlab-platform-api--deploy`;
        const credential = (name: string, ref: string, after?: string) => ({
            resource: meta("azure-native:managedidentity:FederatedIdentityCredential", `42/deploy/${name}`),
            resourceGroupName: "gitlab-ci-identities",
            resourceName: "gitlab-platform-api--deploy",
            federatedIdentityCredentialResourceName: name,
            issuer: "https://gitlab.example.com",
            subject: `project_path:platform/api:ref_type:branch:ref:${ref}`,
            audiences: ["api://AzureADTokenExchange"],
            ...(after !== undefined ? { after } : {}),
        });
        const assignment = (role: string, scope: string, hash: string) => ({
            resource: meta("azure-native:authorization:RoleAssignment", `42/deploy/role-${role}-${hash}`, true),
            scope,
            roleDefinitionId: `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/${role}`,
            roleAssignmentName: roleAssignmentName(scope, role, identity),
            identity,
            principalType: "ServicePrincipal",
            description: "GitLab CI platform/api (id 42) grant deploy",
        });
        assert.deepEqual(p, {
            tenantId: TENANT,
            subscriptionId: SUBSCRIPTION,
            issuer: "https://gitlab.example.com",
            audience: "api://AzureADTokenExchange",
            resourceGroups: [
                { resource: { type: "azure-native:resources:ResourceGroup", name: "identities", protect: true }, resourceGroupName: "gitlab-ci-identities", location: "westeurope", tags: { "managed-by": "gitlab-federation" } },
            ],
            identities: [
                {
                    resource: { type: "azure-native:managedidentity:UserAssignedIdentity", name: "42/deploy", protect: false, deleteBeforeReplace: true, aliases: ["platform/api/deploy"], rootAlias: true, grant: "42/deploy" },
                    resourceGroupName: "gitlab-ci-identities",
                    resourceName: "gitlab-platform-api--deploy",
                    location: "westeurope",
                    tags: { "managed-by": "gitlab-federation", "gitlab-project": "platform/api", "gitlab-project-id": "42", "gitlab-grant": "deploy" },
                },
            ],
            federatedIdentityCredentials: [credential("branch-main-e5ce1d59", "main"), credential("branch-release-1-0-82942a0f", "release/1.0", "42/deploy/branch-main-e5ce1d59")],
            roleAssignments: [assignment("acdd72a7-3385-48ef-bd42-f606fba81ae7", `${RG}/app`, "83ec2020"), assignment("8311e382-0749-4cb8-b61a-304f252e45ec", ACR, "550101e5")],
        });
        assert.deepEqual([...grants], [
            [
                0,
                {
                    identityName: "gitlab-platform-api--deploy",
                    identityId: identity,
                    tenantId: TENANT,
                    subscriptionId: SUBSCRIPTION,
                    audience: "api://AzureADTokenExchange",
                    subjects: ["project_path:platform/api:ref_type:branch:ref:main", "project_path:platform/api:ref_type:branch:ref:release/1.0"],
                    roles: [
                        { role: "Reader", scope: `${RG}/app` },
                        { role: "AcrPush", scope: ACR },
                    ],
                    enforcement: { enforced: ["audience", "projectPath", "ref", "refType"], notEnforced: ["projectId", "protected"] },
                },
            ],
        ]);
    });

    it("no name depends on the order of refs or of roles; each identity's credentials form one chain", () => {
        const refs = fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9.-]{0,12}[a-z0-9]$/), { minLength: 1, maxLength: 20 });
        const roles = [
            { role: "Reader", scope: { resourceGroup: "app" } },
            { role: "AcrPush", scope: { resource: ACR } },
            { role: "Website Contributor", scope: { resourceGroup: "web" } },
        ];
        fc.assert(
            fc.property(refs, fc.context(), (list, ctx) => {
                const shuffled = [...list].reverse();
                const a = plan([grant({ refs: list, azure: { roles } })]).plan;
                const b = plan([grant({ refs: shuffled, azure: { roles: [...roles].reverse() } })]).plan;
                ctx.log(JSON.stringify(list));
                assert.deepEqual(b, a);
                const g = grant({ refs: list }).grant;
                const identity = { resourceGroupName: "rg", name: "id" };
                assert.deepEqual(federatedCredentials({ ...g, refs: shuffled }, identity, "https://gitlab.example.com", "aud"), federatedCredentials(g, identity, "https://gitlab.example.com", "aud"));
                const chain = a.federatedIdentityCredentials;
                assert.equal(chain.length, list.length);
                chain.forEach((c, i) => assert.equal(c.after, i === 0 ? undefined : chain[i - 1]!.resource.name));
                return true;
            }),
            { numRuns: 60 },
        );
    });

    it("tag grants: ref_type tag in the subject and the credential's name", () => {
        const { plan: p } = plan([grant({ refType: "tag", refs: ["v1.2.0"] })]);
        assert.deepEqual(
            p.federatedIdentityCredentials.map((c) => [c.federatedIdentityCredentialResourceName, c.subject]),
            [[`tag-v1-2-0-${shortHash("ref_type:tag:ref:v1.2.0")}`, "project_path:platform/api:ref_type:tag:ref:v1.2.0"]],
        );
    });
});

describe("Azure: refs", () => {
    it("a pattern is refused with the fix: list the exact refs", () => {
        assert.deepEqual(plan([grant({ refs: ["release/*"] })]).problems, [
            `${API}.ref: "release/*" is a pattern, but Azure compares a federated credential's subject with the token's sub exactly (managed identities take no wildcards; flexible credentials are a preview for app registrations only): list the exact branches this grant admits, at most 20, or split the grant`,
        ]);
        assert.match(plan([grant({ refType: "tag", refs: ["v*"] })]).problems[0]!, /list the exact tags this grant admits/);
    });

    it("20 refs are 20 credentials on one identity; 21 are refused with the numbers and the fix", () => {
        const refs = (n: number) => Array.from({ length: n }, (_, i) => `b${String(i).padStart(2, "0")}`);
        const twenty = plan([grant({ refs: refs(20) })]);
        assert.deepEqual(twenty.problems, []);
        assert.equal(twenty.plan.federatedIdentityCredentials.length, 20);
        const more = plan([grant({ refs: refs(21) })]);
        assert.deepEqual(more.problems, [
            `${API}.ref: lists 21 branches, and Azure gives the grant's managed identity one federated credential per ref, at most 20: split the grant into grants of at most 20 refs each, or list fewer refs`,
        ]);
        assert.deepEqual(more.plan.identities, [], "nothing is planned for a refused grant");
    });

    it("GitLab's sub within a credential's 600 characters: 600 pass, 601 are refused", () => {
        const prefix = "project_path:platform/api:ref_type:branch:ref:".length;
        const ref = (n: number) => `r/${"x".repeat(n - prefix - 2)}`;
        assert.deepEqual(plan([grant({ refs: [ref(600)] })]).problems, []);
        assert.deepEqual(plan([grant({ refs: [ref(601)] })]).problems, [
            `${API}.ref: ref ${JSON.stringify(ref(601))} makes GitLab's sub 601 characters long, above the 600 a federated credential's subject holds: use a shorter ref`,
        ]);
    });

    it("an issuer over 600 characters is refused", () => {
        const url = `https://gitlab.example.com/${"x".repeat(574)}`;
        assert.equal(url.length, 601);
        assert.deepEqual(plan([grant()], { gitlabUrl: url }).problems, [`gitlab-federation:gitlab.url: is 601 characters long; a federated credential's issuer holds at most 600, so Azure cannot trust this GitLab`]);
        assert.deepEqual(plan([grant()], { gitlabUrl: url.slice(0, 600) }).problems, []);
    });
});

describe("Azure: roles", () => {
    it("unknown names, broad roles, repeats and other subscriptions are refused, each at its role", () => {
        const identities = `${RG}/GITLAB-CI-IDENTITIES/providers/Microsoft.ManagedIdentity/userAssignedIdentities/gitlab-platform-web--deploy`;
        const roles = [
            { role: "acrpush", scope: "subscription" },
            { role: "Owner", scope: { resourceGroup: "app" } },
            { role: "Contributor", scope: "subscription" },
            { role: "Contributor", scope: { resourceGroup: "app" } },
            { role: "Contributor", scope: { resourceGroup: "APP" } },
            { role: "Managed Identity Contributor", scope: { resource: identities } },
            { role: "0d2c9a3e-6e5b-4e8b-9c3a-3b8e6f0a1b2c", scope: { resourceGroup: "app" } },
            { role: "Reader", scope: { resource: `/subscriptions/11111111-1bf0-4dda-aec3-cb9272f09590/resourceGroups/app/providers/Microsoft.Web/sites/x` } },
        ];
        const { problems, plan: p } = plan([grant({ azure: { roles } })]);
        assert.deepEqual(problems, [
            `${API}.azure.roles[0].role: "acrpush" is not a built-in role this program knows (did you mean "AcrPush"?): write a built-in role's exact name, or the role definition's GUID (the ID column of "Azure built-in roles", or az role definition list --name "<name>" --query [].name), which needs azure.allowBroad unless it is one of the known roles`,
            `${API}.azure.roles[1]: "Owner" can assign roles, so any pipeline that matches this grant could give itself or others any role at resource group "app": grant a narrower role, or set azure.allowBroad with a reason`,
            `${API}.azure.roles[2]: "Contributor" at the subscription reaches into ${RG}/gitlab-ci-identities, where managed identities of this map live: any pipeline that matches this grant could add a federated credential to, or run code as, any identity there (another grant's, or the deployer's) and take its roles. Scope it to the resource group or resource the job deploys to, or set azure.allowBroad with a reason`,
            `${API}.azure.roles[4]: assigns "Contributor" at resource group "APP" again; list each role and scope once`,
            `${API}.azure.roles[5]: "Managed Identity Contributor" at resource ${JSON.stringify(identities)} reaches into ${RG}/gitlab-ci-identities, where managed identities of this map live: any pipeline that matches this grant could add a federated credential to, or run code as, any identity there (another grant's, or the deployer's) and take its roles. Scope it to the resource group or resource the job deploys to, or set azure.allowBroad with a reason`,
            `${API}.azure.roles[6]: "0d2c9a3e-6e5b-4e8b-9c3a-3b8e6f0a1b2c" is not a role this program knows (a custom role, or a built-in role outside its table), whose permissions cannot be checked offline: set azure.allowBroad with a reason once you have checked that it assigns no roles and writes or uses no managed identities`,
            `${API}.azure.roles[7].scope.resource: is in subscription 11111111-1bf0-4dda-aec3-cb9272f09590, not azure.subscriptionId ${SUBSCRIPTION}: a stack assigns roles in its own subscription; move this grant to a stack for that subscription`,
        ]);
        assert.equal(p.roleAssignments.length, 5, "broad roles are still planned, so the rest of the map is checked");
    });

    it("Contributor on a resource group without identities is not broad; with allowBroad, broad roles pass with a warning", () => {
        assert.deepEqual(plan([grant({ azure: { roles: [{ role: "Contributor", scope: { resourceGroup: "app" } }] } })]).problems, []);
        const broad = plan([grant({ azure: { roles: [{ role: "Contributor", scope: "subscription" }], allowBroad: "the sandbox subscription holds nothing else" } })]);
        assert.deepEqual(broad.problems, []);
        assert.equal(broad.warnings[0], `${API}.azure.allowBroad: broad Azure roles: "the sandbox subscription holds nothing else"`);
        const idle = plan([grant({ azure: { roles: [{ role: "Reader", scope: "subscription" }], allowBroad: "just in case we need it" } })]);
        assert.equal(idle.warnings[0], `${API}.azure.allowBroad: has no effect: no role of this grant is broad; remove it`);
        assert.equal(plan([grant()]).warnings[0], NO_ROLES(`${API}.azure`));
    });
});

describe("Azure: what it cannot check, tags, regions, names, limits", () => {
    it("an environment is warned about, with or without a reason; a reason without an environment has no effect", () => {
        const { warnings } = plan([grant({ environment: "production", azure: { roles: [{ role: "Reader", scope: { resourceGroup: "app" } }] } }), grant({ grant: "review", index: 1, azure: { roles: [{ role: "Reader", scope: { resourceGroup: "app" } }], acknowledge: { environment: "review apps share one identity" } } })]);
        assert.deepEqual(warnings.slice(0, 2), [
            `${API}.azure.acknowledge.environment: Azure cannot check environment "production": any job on a matching ref can log in as this identity, not only jobs of that environment. Set azure.acknowledge.environment with a reason to record that this is intended`,
            `gitlab-federation:projects["platform/api"].grants.review.azure.acknowledge.environment: has no effect: the grant sets no environment; remove it`,
        ]);
        const acknowledged = plan([grant({ environment: "production", azure: { roles: [{ role: "Reader", scope: { resourceGroup: "app" } }], acknowledge: { environment: "only the deploy job runs on main" } } })]);
        assert.equal(acknowledged.warnings[0], `${API}.azure.acknowledge.environment: Azure does not check the environment: "only the deploy job runs on main"`);
        assert.deepEqual([...acknowledged.grants.values()][0]!.enforcement, { enforced: ["audience", "projectPath", "ref", "refType"], notEnforced: ["projectId", "protected", "environment"] });
    });

    it("tags: this program's names, Azure's forbidden characters, case-insensitive repeats, long values; 46 tags pass, 47 do not", () => {
        const { problems } = plan([grant()], { section: section({ tags: { "Managed-By": "x", "a/b": "1", Team: "x", team: "y", long: "v".repeat(257) } }) });
        assert.deepEqual(problems, [
            `gitlab-federation:azure.tags["Managed-By"]: "Managed-By" is a tag this program sets itself; choose another name`,
            `gitlab-federation:azure.tags["a/b"]: tag name "a/b" must be 1-512 characters without <, >, %, &, \\, ?, / or control characters (Azure)`,
            `gitlab-federation:azure.tags.long: tag value must be at most 256 characters (Azure), got 257`,
            `gitlab-federation:azure.tags.team: differs from tag "Team" only in case; Azure treats them as one name`,
        ]);
        const tags = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`t${i}`, "v"]));
        assert.deepEqual(plan([grant()], { section: section({ tags: tags(46) }) }).problems, []);
        assert.deepEqual(plan([grant()], { section: section({ tags: tags(47) }) }).problems, [
            `gitlab-federation:azure.tags: lists 47 tags; with the 4 this program sets (managed-by, gitlab-project, gitlab-project-id, gitlab-grant) an identity would carry 51, above Azure's 50: keep at most 46`,
        ]);
    });

    it("regions: Malaysia South is refused, a region one version of the page lists is warned about", () => {
        assert.deepEqual(plan([grant()], { section: section({ resourceGroup: { name: "rg", location: "malaysiasouth" } }) }).problems, [
            `gitlab-federation:azure.resourceGroup.location: "malaysiasouth": Azure does not support federated credentials on user-assigned identities created there (ARM answers 405 "Support for federated identity credentials not enabled"); the identities' region need not be the workloads' region: choose another, e.g. westeurope`,
        ]);
        assert.equal(
            plan([grant()], { section: section({ resourceGroup: { name: "rg", location: "eastasia" } }) }).warnings[0],
            `gitlab-federation:azure.resourceGroup.location: "eastasia" is listed by one version of Microsoft's page as a region whose user-assigned identities cannot hold federated credentials (ARM then answers 405); if pulumi up fails there, the identities' region need not be the workloads' region: choose another, e.g. westeurope`,
        );
    });

    it("adopting the resource group imports it by ID; an unprotected one is warned about", () => {
        const { plan: p, warnings } = plan([grant()], { section: section({ protect: false, adopt: { resourceGroup: "import" } }) });
        assert.deepEqual(p.resourceGroups[0]!.resource, { type: "azure-native:resources:ResourceGroup", name: "identities", protect: false, import: `${RG}/gitlab-ci-identities` });
        assert.deepEqual(warnings.slice(-2), [
            `gitlab-federation:azure.adopt.resourceGroup: import: the next pulumi up adopts the existing resource group "gitlab-ci-identities" and then manages it as planned (location, tags)`,
            `gitlab-federation:azure.protect: false: the resource groups can be deleted by pulumi destroy or a removed section, which deletes every identity in them and breaks every pipeline's Azure access at once`,
        ]);
    });

    it("two grants whose default identity names collide: the second is refused with the fix", () => {
        const { problems, plan: p } = plan([grant({ project: "platform/api.v2" }), grant({ project: "platform/api-v2", projectId: "43", index: 1 })]);
        assert.deepEqual(problems, [
            `gitlab-federation:projects["platform/api-v2"].grants.deploy.azure: managed identity name "gitlab-platform-api-v2--deploy" is also the identity of gitlab-federation:projects["platform/api.v2"].grants.deploy in resource group "gitlab-ci-identities" (names are unique regardless of case): set azure.identityName on one of them`,
        ]);
        assert.deepEqual(plan([grant({ project: "platform/api.v2" }), grant({ project: "platform/api-v2", projectId: "43", index: 1, azure: { identityName: "api-v2-deploy" } })]).problems, []);
        assert.equal(p.identities.length, 1);
    });

    it("role assignments per subscription: refused above the limit, warned above 80%", () => {
        const reader = (group: string) => ({ role: "Reader", scope: { resourceGroup: group } });
        const grants = (n: number) => [grant({ azure: { roles: Array.from({ length: n }, (_, i) => reader(`rg${i}`)) } })];
        assert.deepEqual(plan(grants(11), { section: section({ quotas: { roleAssignments: 10 } }) }).problems, [
            `gitlab-federation:azure.quotas.roleAssignments: the map plans 11 role assignments in subscription ${SUBSCRIPTION}, above its limit of 10 (assignments outside this stack count too): assign roles at fewer, broader scopes (a resource group instead of each resource), or move some projects to a stack for another subscription`,
        ]);
        const ten = plan(grants(10), { section: section({ quotas: { roleAssignments: 10 } }) });
        assert.deepEqual(ten.problems, []);
        assert.ok(ten.warnings.includes(`gitlab-federation:azure.quotas.roleAssignments: the map plans 10 role assignments, more than 80% of the subscription's limit of 10 (assignments outside this stack count too)`));
        assert.ok(!plan(grants(8), { section: section({ quotas: { roleAssignments: 10 } }) }).warnings.some((w) => w.includes("quotas")), "80% exactly is not warned");
    });
});

describe("Azure: the deployer", () => {
    const deployerSection = section({ deployerResourceGroup: { name: "gitlab-federation-deployer", location: "westeurope" } });
    const ACK = "main is protected and every job on it is reviewed";

    it("needs a resource group of its own and an acknowledgement that Azure cannot check the applier's environment", () => {
        assert.deepEqual(plan([deployerGrant("applier", 0), deployerGrant("planner", 1, ["*"])]).problems, [
            `gitlab-federation:azure.deployerResourceGroup: is required with gitlab-federation:deployer: the deployer's identities need a resource group other than azure.resourceGroup, where the applier may write every identity (its own included); name one, e.g. { name: "gitlab-federation-deployer", location: "westeurope" }`,
            `gitlab-federation:deployer.azure.acknowledge: is required with an azure section: Azure sees only iss, sub and aud, so any job of a pipeline on main can log in as the applier's identity, not only pulumi up in production, and Azure cannot check that the branch is protected; give the reason this is acceptable (e.g. the branch is protected and every job on it is reviewed)`,
            `gitlab-federation:deployer.planner.ref: "*" is a pattern, but Azure compares a federated credential's subject with the token's sub exactly (managed identities take no wildcards; flexible credentials are a preview for app registrations only): list the exact branches this grant admits, at most 20, or split the grant`,
        ]);
        assert.deepEqual(plan([deployerGrant("applier", 0)], { section: section({ deployerResourceGroup: { name: "GITLAB-ci-identities", location: "westeurope" } }), acknowledge: ACK }).problems, [
            `gitlab-federation:azure.deployerResourceGroup.name: is azure.resourceGroup's name "gitlab-ci-identities": the applier may write every identity there and could add a federated credential to its own; name another resource group`,
        ]);
    });

    it("its identities live in their own resource group; the applier may assign exactly the roles each scope grants, the planner reads", () => {
        const api = grant({ azure: { roles: [{ role: "AcrPush", scope: { resource: ACR } }, { role: "Website Contributor", scope: { resourceGroup: "app" } }, { role: "Reader", scope: { resourceGroup: "APP" } }] } });
        const web = grant({ project: "platform/web", projectId: "43", index: 1, azure: { roles: [{ role: "Owner", scope: { resourceGroup: "web" } }], allowBroad: "the web team owns its resource group" } });
        const { plan: p, problems, warnings } = plan([api, web, deployerGrant("applier", 2), deployerGrant("planner", 3)], { section: deployerSection, acknowledge: ACK });
        assert.deepEqual(problems, []);
        assert.deepEqual(warnings.slice(0, 3), [
            `gitlab-federation:projects["platform/web"].grants.deploy.azure.allowBroad: broad Azure roles: "the web team owns its resource group"`,
            `gitlab-federation:deployer.azure.acknowledge: Azure does not check the applier's environment or protection: "${ACK}"`,
            `gitlab-federation:projects["platform/web"].grants.deploy.azure.roles[0]: the applier may assign "Owner" at ${RG}/web (the map grants it there), so it can take that role itself and assign any role there`,
        ]);
        assert.deepEqual(p.resourceGroups.map((g) => [g.resource.name, g.resourceGroupName]), [["identities", "gitlab-ci-identities"], ["deployer-identities", "gitlab-federation-deployer"]]);
        assert.deepEqual(p.identities.map((i) => [i.resource.name, i.resourceGroupName, i.resourceName]), [
            ["42/deploy", "gitlab-ci-identities", "gitlab-platform-api--deploy"],
            ["43/deploy", "gitlab-ci-identities", "gitlab-platform-web--deploy"],
            ["7/applier", "gitlab-federation-deployer", "gitlab-platform-gitlab-federation--applier"],
            ["7/planner", "gitlab-federation-deployer", "gitlab-platform-gitlab-federation--planner"],
        ]);
        const own = p.roleAssignments.filter((a) => a.resource.grant === "7/applier" || a.resource.grant === "7/planner");
        const short = (id: string) => id.slice(id.lastIndexOf("/") + 1);
        assert.deepEqual(
            own.map((a) => [a.identity.slice(`${RG}/gitlab-federation-deployer/providers/Microsoft.ManagedIdentity/userAssignedIdentities/gitlab-platform-gitlab-federation--`.length), short(a.roleDefinitionId), a.scope, a.conditionVersion ?? "-"]),
            [
                ["applier", "e40ec5ca-96e0-45a2-b4ff-59039f2c2b59", `${RG}/gitlab-ci-identities`, "-"],
                ["applier", "acdd72a7-3385-48ef-bd42-f606fba81ae7", `${RG}/gitlab-federation-deployer`, "-"],
                ["applier", "f58310d9-a9f6-439a-9e8d-f62e7b41a168", `${RG}/APP`, "2.0"],
                ["applier", "f58310d9-a9f6-439a-9e8d-f62e7b41a168", ACR, "2.0"],
                ["applier", "f58310d9-a9f6-439a-9e8d-f62e7b41a168", `${RG}/web`, "2.0"],
                ["planner", "acdd72a7-3385-48ef-bd42-f606fba81ae7", `${RG}/APP`, "-"],
                ["planner", "acdd72a7-3385-48ef-bd42-f606fba81ae7", `${RG}/gitlab-ci-identities`, "-"],
                ["planner", "acdd72a7-3385-48ef-bd42-f606fba81ae7", `${RG}/gitlab-federation-deployer`, "-"],
                ["planner", "acdd72a7-3385-48ef-bd42-f606fba81ae7", `${RG}/web`, "-"],
            ],
        );
        const roleIdsIn = (condition: string | undefined) => [...new Set((condition ?? "").match(/[0-9a-f]{8}-[0-9a-f-]{27}/g) ?? [])];
        assert.deepEqual(own.filter((a) => a.condition !== undefined).map((a) => roleIdsIn(a.condition)), [
            ["acdd72a7-3385-48ef-bd42-f606fba81ae7", "de139f84-1756-47ae-9be6-808fbbe84772"],
            ["8311e382-0749-4cb8-b61a-304f252e45ec"],
            ["8e3af657-a8ff-443c-a75c-2fe8c4bcb635"],
        ]);
        assert.ok(p.roleAssignments.every((a) => a.principalType === "ServicePrincipal"), "the condition checks the principal type the request carries");
    });

    it("the deployer's project is bound by path too; its own grants are not listed as relying on GitLab's protection", () => {
        const { warnings } = plan([deployerGrant("applier", 0), deployerGrant("planner", 1)], { section: deployerSection, acknowledge: ACK });
        assert.deepEqual(warnings, [`gitlab-federation:deployer.azure.acknowledge: Azure does not check the applier's environment or protection: "${ACK}"`, PATHS("platform/gitlab-federation")]);
    });
});

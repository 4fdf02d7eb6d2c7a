/**
 * The GCP applier's bindings and IAM conditions, evaluated by a CEL engine (@bufbuild/cel, a
 * devDependency for these tests only) against a table of requests: escalation attempts denied,
 * the writes pulumi up makes allowed, and what no condition can stop (why the map must
 * acknowledge that gcp.project is dedicated to this stack).
 *
 * IAM's two condition functions are not CEL built-ins; they are registered here as Google
 * documents them ("Attribute reference for IAM Conditions",
 * https://cloud.google.com/iam/docs/conditions-attribute-reference, "Functions for API attributes"):
 * - api.getAttribute(attributeName, defaultValue): "Gets the requested API attribute"; for
 *   iam.googleapis.com/modifiedGrantsByRole, "For a request to set the allow policy of a resource,
 *   this attribute contains the role names from the role bindings that the request modifies. For
 *   other types of requests, the attribute is not defined" (then the default is returned);
 * - hasOnly(items): "Checks that a list contains only the allowed items, or a subset of those
 *   items"; an empty list passes ("an empty list does not contain values that are not on the allowlist").
 * IAM's decision is modelled as Google states it: a request is allowed when some binding of the
 * principal holds a role with the permission it needs and has no condition or a condition that is
 * true ("Conditional role bindings do not override role bindings with no conditions", "Set limits on
 * granting roles", https://cloud.google.com/iam/docs/setting-limits-on-granting-roles). The
 * resource a request targets never reaches the condition: IAM resources provide no resource.name.
 */
import { strict as assert } from "node:assert";
import { CelScalar, celEnv, celFunc, celMethod, isCelError, listType, parse, plan as celPlan } from "@bufbuild/cel";
import fc from "fast-check";
import { planMap } from "../../../src/features";
import type { Plan } from "../../../src/features/plan-schema";
import { runProgram } from "../../../src/pulumi/program";
import { problems, warnings } from "../../helpers/check";
import { clone, devMap } from "../../helpers/maps";
import { runWithMocks } from "../../helpers/mocks";
import { assertRegistersExactly } from "../../helpers/registered";

type Json = Record<string, any>;
const DEV = devMap() as Json;

const MODIFIED = "iam.googleapis.com/modifiedGrantsByRole";
const WIU = "roles/iam.workloadIdentityUser";
const DEV_ROLES = ["roles/run.developer", "roles/storage.objectAdmin"];
const APPLIER = "serviceAccount:gl-platform-gitlab-fe-03adfe0f@acme-ci.iam.gserviceaccount.com";
const DEFAULT_COMPUTE = "projects/acme-ci/serviceAccounts/123456789012-compute@developer.gserviceaccount.com";
const GRANT_ACCOUNT = "projects/acme-ci/serviceAccounts/gl-platform-api--deploy@acme-ci.iam.gserviceaccount.com";

/**
 * Permissions of the roles the deployer holds, from darkbitio/gcp-iam-role-permissions (a daily
 * dump of `gcloud iam roles describe`), commit 8ab2a6ff8d7e977c4feb6b60a377883d45560050
 * (2026-08-22), files roles/<role>. Pool permissions are iam.googleapis.com/workloadIdentityPool*.
 */
const POOLS = "iam.googleapis.com/workloadIdentityPool";
const PERMISSIONS: Record<string, readonly string[]> = {
    "roles/iam.serviceAccountAdmin": [
        ...["create", "delete", "undelete"].map((p) => `iam.serviceAccountApiKeyBindings.${p}`),
        ...["create", "createTagBinding", "delete", "deleteTagBinding", "disable", "enable", "get", "getIamPolicy", "list", "listEffectiveTags", "listTagBindings", "setIamPolicy", "undelete", "update"].map((p) => `iam.serviceAccounts.${p}`),
        "resourcemanager.projects.get",
        "resourcemanager.projects.list",
    ],
    "roles/resourcemanager.projectIamAdmin": [
        "iam.policybindings.get",
        "iam.policybindings.list",
        ...["createPolicyBinding", "deletePolicyBinding", "get", "getIamPolicy", "searchPolicyBindings", "setIamPolicy", "updatePolicyBinding"].map((p) => `resourcemanager.projects.${p}`),
    ],
    "roles/resourcemanager.folderIamAdmin": [
        "iam.policybindings.get",
        "iam.policybindings.list",
        ...["createPolicyBinding", "deletePolicyBinding", "get", "getIamPolicy", "searchPolicyBindings", "setIamPolicy", "updatePolicyBinding"].map((p) => `resourcemanager.folders.${p}`),
    ],
    "roles/iam.workloadIdentityPoolAdmin": [
        ...["create", "delete", "get", "getAttestationRules", "list", "setAttestationRules", "undelete", "update"].map((p) => `${POOLS}ManagedIdentities.${p}`),
        ...["create", "delete", "get", "list", "undelete", "update"].map((p) => `${POOLS}Namespaces.${p}`),
        ...["create", "delete", "get", "list", "undelete"].map((p) => `${POOLS}ProviderKeys.${p}`),
        ...["create", "delete", "get", "list", "undelete", "update"].map((p) => `${POOLS}Providers.${p}`),
        ...["create", "delete", "get", "getAttestationRules", "getIamPolicy", "list", "setAttestationRules", "setIamPolicy", "undelete", "update"].map((p) => `${POOLS}s.${p}`),
        ...["createPolicyBinding", "deletePolicyBinding", "searchPolicyBindings", "updatePolicyBinding"].map((p) => `iam.workloadIdentityPools.${p}`),
        "resourcemanager.projects.get",
        "resourcemanager.projects.list",
    ],
    "roles/iam.workloadIdentityPoolViewer": [
        ...["get", "getAttestationRules", "list"].map((p) => `${POOLS}ManagedIdentities.${p}`),
        ...["get", "list"].map((p) => `${POOLS}Namespaces.${p}`),
        ...["get", "list"].map((p) => `${POOLS}ProviderKeys.${p}`),
        ...["get", "list"].map((p) => `${POOLS}Providers.${p}`),
        ...["get", "getAttestationRules", "getIamPolicy", "list"].map((p) => `${POOLS}s.${p}`),
        "resourcemanager.projects.get",
        "resourcemanager.projects.list",
    ],
    "roles/iam.serviceAccountViewer": [
        "iam.serviceAccountKeys.get",
        "iam.serviceAccountKeys.list",
        ...["get", "getIamPolicy", "list", "listEffectiveTags", "listTagBindings"].map((p) => `iam.serviceAccounts.${p}`),
        "resourcemanager.projects.get",
        "resourcemanager.projects.list",
    ],
};

const hasOnly = celMethod("hasOnly", listType(CelScalar.DYN), [listType(CelScalar.DYN)], CelScalar.BOOL, function (allowed) {
    const list = [...allowed];
    return [...this].every((item) => list.includes(item));
});

/** A condition's value for a request with these API attributes: true, false, or a CEL error (which grants nothing). */
function evaluate(expression: string, attributes: ReadonlyMap<string, readonly string[]>): boolean | "error" {
    const getAttribute = celFunc("api.getAttribute", [CelScalar.STRING, CelScalar.DYN], CelScalar.DYN, (name, fallback) => (attributes.has(name) ? [...attributes.get(name)!] : fallback));
    const result = celPlan(celEnv({ funcs: [getAttribute, hasOnly] }), parse(expression))({});
    return isCelError(result) ? "error" : (result as boolean);
}

interface Binding {
    readonly role: string;
    readonly condition?: string;
}

/** A request a deployer identity makes: the permission IAM checks, and for a setIamPolicy the roles whose bindings it modifies. */
interface Request {
    readonly what: string;
    readonly on: string;
    readonly permission: string;
    readonly modifies?: readonly string[];
}

/** The project bindings of a deployer identity in a plan. */
function bindingsOf(plan: Plan, identity: "applier" | "planner"): Binding[] {
    return plan
        .gcp!.iamMembers.filter((m) => "project" in m && m.resource.name.startsWith(`7/${identity}/`))
        .map((m) => ({ role: m.role, ...("condition" in m && m.condition !== undefined ? { condition: m.condition.expression } : {}) }));
}

/** IAM's decision for a request (see the module comment). The planned conditions never fail to evaluate. */
function allowed(bindings: readonly Binding[], request: Request): boolean {
    const attributes = new Map(request.modifies !== undefined ? [[MODIFIED, request.modifies]] : []);
    const holds = (condition: string) => {
        const value = evaluate(condition, attributes);
        assert.notEqual(value, "error", `${condition} failed to evaluate for ${request.what}`);
        return value === true;
    };
    return bindings.some((b) => PERMISSIONS[b.role]!.includes(request.permission) && (b.condition === undefined || holds(b.condition)));
}

const setProject = (what: string, modifies: readonly string[]): Request => ({ what, on: "projects/acme-ci", permission: "resourcemanager.projects.setIamPolicy", modifies });
const setAccount = (what: string, on: string, modifies: readonly string[]): Request => ({ what, on, permission: "iam.serviceAccounts.setIamPolicy", modifies });
const call = (what: string, on: string, permission: string): Request => ({ what, on, permission });

const ESCALATIONS: Request[] = [
    setProject("roles/owner on the project, for the applier", ["roles/owner"]),
    setProject("roles/iam.serviceAccountTokenCreator at project level (tokens of every account)", ["roles/iam.serviceAccountTokenCreator"]),
    setProject("roles/iam.serviceAccountKeyAdmin at project level (keys of every account)", ["roles/iam.serviceAccountKeyAdmin"]),
    setProject("roles/iam.workloadIdentityUser at project level (the two lists are never combined)", [WIU]),
    setProject("a batched write: an allowed role and a disallowed one", ["roles/run.developer", "roles/iam.securityAdmin"]),
    setProject("the applier's own account gets roles/iam.securityAdmin", ["roles/iam.securityAdmin"]),
    setProject("the applier lifts its own projectIamAdmin condition", ["roles/resourcemanager.projectIamAdmin"]),
    setProject("the applier lifts its own serviceAccountAdmin condition", ["roles/iam.serviceAccountAdmin"]),
    setAccount("roles/iam.serviceAccountUser on a grant's account", GRANT_ACCOUNT, ["roles/iam.serviceAccountUser"]),
    setAccount("roles/iam.serviceAccountTokenCreator on the default compute account", DEFAULT_COMPUTE, ["roles/iam.serviceAccountTokenCreator"]),
    setAccount("a write on an account mixing workloadIdentityUser and serviceAccountTokenCreator", GRANT_ACCOUNT, [WIU, "roles/iam.serviceAccountTokenCreator"]),
    setAccount("roles/owner on the applier's own account", APPLIER.replace("serviceAccount:", "projects/acme-ci/serviceAccounts/"), ["roles/owner"]),
    call("a key for an account", GRANT_ACCOUNT, "iam.serviceAccountKeys.create"),
    call("a token of an account, directly", DEFAULT_COMPUTE, "iam.serviceAccounts.getAccessToken"),
    call("attaching an account to a workload (actAs)", DEFAULT_COMPUTE, "iam.serviceAccounts.actAs"),
];

const LEGITIMATE: Request[] = [
    call("create a grant's service account (no policy set: the attribute is absent, its default [] passes)", "projects/acme-ci", "iam.serviceAccounts.create"),
    call("update a grant's service account", GRANT_ACCOUNT, "iam.serviceAccounts.update"),
    call("delete a grant's service account", GRANT_ACCOUNT, "iam.serviceAccounts.delete"),
    call("read an account's policy (every IAM write is read back)", GRANT_ACCOUNT, "iam.serviceAccounts.getIamPolicy"),
    setAccount("bind workloadIdentityUser on a grant's account", GRANT_ACCOUNT, [WIU]),
    setProject("one project role the map grants", ["roles/storage.objectAdmin"]),
    setProject("the project roles the map grants, batched into one write", DEV_ROLES),
    setProject("a write that modifies no role binding (Google: no roles modified → the default [] → true)", []),
    call("read the project's policy (every IAM write is read back)", "projects/acme-ci", "resourcemanager.projects.getIamPolicy"),
    call("create the pool", "projects/acme-ci", `${POOLS}s.create`),
    call("update the provider", "projects/acme-ci/locations/global/workloadIdentityPools/gitlab/providers/gitlab-example-com", `${POOLS}Providers.update`),
];

/** Allowed by the conditions, and the reason deployer.gcp.acknowledgeProject is required. */
const NOT_STOPPABLE: Request[] = [
    setAccount("the applier binds workloadIdentityUser for itself on the default compute account", DEFAULT_COMPUTE, [WIU]),
    setAccount("the applier lets anyone impersonate its own account", APPLIER.replace("serviceAccount:", "projects/acme-ci/serviceAccounts/"), [WIU]),
    call("the applier reconfigures a provider of another pool", "projects/acme-ci/locations/global/workloadIdentityPools/other/providers/other", `${POOLS}Providers.update`),
    setProject("the applier grants itself a project role the map grants", ["roles/storage.objectAdmin"]),
];

const ACKNOWLEDGE =
    "gitlab-federation:deployer.gcp.acknowledgeProject: is required with a gcp section: IAM conditions cannot name service accounts or pools, so in acme-ci the applier can bind roles/iam.workloadIdentityUser on any service account for anyone (itself included), change any workload identity pool, and grant itself the project roles the map grants: it can act as every service account of acme-ci. Dedicate acme-ci to this stack (no default compute service account, no service accounts or pools but the ones this stack creates, the deployer's own included) and give the reason here";

describe("the GCP applier's IAM conditions, evaluated with CEL", () => {
    const applier = bindingsOf(planMap(DEV), "applier");

    it("its bindings exactly: two separate conditioned bindings, the pool admin unconditioned", () => {
        assert.deepEqual(applier, [
            { role: "roles/iam.workloadIdentityPoolAdmin" },
            { role: "roles/iam.serviceAccountAdmin", condition: `api.getAttribute('${MODIFIED}', []).hasOnly(['${WIU}'])` },
            { role: "roles/resourcemanager.projectIamAdmin", condition: `api.getAttribute('${MODIFIED}', []).hasOnly(['roles/run.developer', 'roles/storage.objectAdmin'])` },
        ]);
    });

    describe("escalation attempts are denied", () => {
        for (const request of ESCALATIONS) {
            it(`${request.what} (${request.permission} on ${request.on}${request.modifies !== undefined ? `, modifiedGrantsByRole ${JSON.stringify(request.modifies)}` : ""})`, () => {
                assert.equal(allowed(applier, request), false);
            });
        }

        it("an empty list: a map that grants no project role gives no projectIamAdmin, so no project write passes, not even one modifying nothing", () => {
            const raw = clone(DEV);
            for (const project of Object.values(raw.projects as Json)) {
                for (const grant of Object.values(project.grants as Json)) delete (grant as Json).gcp?.roles;
            }
            const bindings = bindingsOf(planMap(raw), "applier");
            assert.deepEqual(bindings.map((b) => b.role), ["roles/iam.workloadIdentityPoolAdmin", "roles/iam.serviceAccountAdmin"]);
            for (const modifies of [[], ["roles/run.developer"]]) {
                assert.equal(allowed(bindings, setProject("any project write", modifies)), false, JSON.stringify(modifies));
            }
            assert.equal(allowed(bindings, setAccount("bind workloadIdentityUser", GRANT_ACCOUNT, [WIU])), true);
        });
    });

    describe("the writes pulumi up makes are allowed", () => {
        for (const request of LEGITIMATE) {
            it(`${request.what} (${request.permission})`, () => {
                assert.equal(allowed(applier, request), true);
            });
        }
    });

    describe("what no condition can stop, so the map must acknowledge a dedicated project", () => {
        for (const request of NOT_STOPPABLE) {
            it(`${request.what}: allowed (${request.permission} on ${request.on}); the acknowledgement is required`, () => {
                assert.equal(allowed(applier, request), true);
                const raw = clone(DEV);
                delete raw.deployer.gcp.acknowledgeProject;
                assert.deepEqual(problems(raw), [ACKNOWLEDGE]);
            });
        }

        it("a resource.name condition (as the issue asked) would lock the applier out instead: IAM resources provide no resource.name", () => {
            const byName = `resource.name.startsWith('projects/acme-ci/serviceAccounts/gl-')`;
            assert.equal(evaluate(byName, new Map()), "error", "resource is not defined for an IAM resource: the condition grants nothing, not even creating this stack's accounts");
        });
    });

    it("property: a project write passes iff it modifies only roles the map grants; an account write iff only workloadIdentityUser", () => {
        const universe = [...DEV_ROLES, WIU, "roles/owner", "roles/iam.serviceAccountTokenCreator", "roles/resourcemanager.projectIamAdmin", "roles/run.admin"];
        fc.assert(
            fc.property(fc.subarray(universe), (modifies) => {
                assert.equal(allowed(applier, setProject("project write", modifies)), modifies.every((r) => DEV_ROLES.includes(r)));
                assert.equal(allowed(applier, setAccount("account write", GRANT_ACCOUNT, modifies)), modifies.every((r) => r === WIU));
            }),
            { numRuns: 200 },
        );
    });

    it("the planner reads what a pending import reads (the pool, its attestation rules, the provider) and can write nothing", () => {
        const raw = clone(DEV);
        raw.gcp.adopt = { pool: "import", provider: "import" };
        const planner = bindingsOf(planMap(raw), "planner");
        assert.deepEqual(planner, [{ role: "roles/iam.workloadIdentityPoolViewer" }, { role: "roles/iam.serviceAccountViewer" }]);
        for (const permission of [`${POOLS}s.get`, `${POOLS}s.getAttestationRules`, `${POOLS}Providers.get`, "iam.serviceAccounts.get"]) {
            assert.equal(allowed(planner, call("read", "projects/acme-ci", permission)), true, permission);
        }
        const writes = planner.flatMap((b) => PERMISSIONS[b.role]!).filter((p) => !/\.(get|list|getIamPolicy|getAttestationRules|listEffectiveTags|listTagBindings)$/.test(p));
        assert.deepEqual(writes, []);
    });
});

describe("the GCP deployer in the map", () => {
    /** The dev map with the web deploy grant's roles set to `roles` (the api deploy grant keeps roles/storage.objectAdmin). */
    function withRoles(roles: readonly string[]): Json {
        const raw = clone(DEV);
        raw.projects["platform/web"].grants.deploy.gcp.roles = roles;
        return raw;
    }
    const NINE = ["roles/artifactregistry.reader", "roles/cloudsql.client", "roles/cloudtrace.agent", "roles/logging.logWriter", "roles/monitoring.metricWriter", "roles/pubsub.publisher", "roles/run.developer", "roles/secretmanager.secretAccessor", "roles/storage.objectViewer"];

    it("10 distinct project roles: one hasOnly list of 10, and a batch of all 10 passes", () => {
        const raw = withRoles(NINE);
        assert.deepEqual(problems(raw), []);
        const projectIamAdmin = bindingsOf(planMap(raw), "applier").find((b) => b.role === "roles/resourcemanager.projectIamAdmin")!;
        const ten = [...NINE, "roles/storage.objectAdmin"].sort();
        assert.equal(projectIamAdmin.condition, `api.getAttribute('${MODIFIED}', []).hasOnly([${ten.map((r) => `'${r}'`).join(", ")}])`);
        assert.equal(allowed([projectIamAdmin], setProject("all ten, batched", ten)), true);
    });

    it("11 distinct project roles: refused, with the numbers and the fixes", () => {
        assert.deepEqual(problems(withRoles([...NINE, "roles/bigquery.dataViewer"])), [
            "gitlab-federation:deployer: the applier's roles/resourcemanager.projectIamAdmin may grant only the project roles the map grants, listed in its IAM condition, and the map grants 11 (roles/artifactregistry.reader, roles/bigquery.dataViewer, roles/cloudsql.client, roles/cloudtrace.agent, roles/logging.logWriter, roles/monitoring.metricWriter, roles/pubsub.publisher, roles/run.developer, roles/secretmanager.secretAccessor, roles/storage.objectAdmin, roles/storage.objectViewer); GCP allows at most 10 roles in that list: grant at most 10 distinct project roles on acme-ci (a custom role can combine several), or move the grants of the others to a stack without a deployer, which an administrator applies",
        ]);
    });

    it("the acknowledgement: required with a gcp section and a deployer, shown as a warning when given, not asked for without a deployer", () => {
        assert.ok(
            warnings(DEV).includes(
                'gitlab-federation:deployer.gcp.acknowledgeProject: the applier can act as every service account of acme-ci and change every workload identity pool there: "acme-ci holds only this stack\'s pool and service accounts; Compute Engine is not enabled there"',
            ),
        );
        const raw = clone(DEV);
        delete raw.deployer.gcp.acknowledgeProject;
        assert.deepEqual(problems(raw), [ACKNOWLEDGE]);
        delete raw.deployer;
        assert.deepEqual(problems(raw), []);
    });
});

describe("privileged GCP roles and the deployer", () => {
    it("roles/iam.admin and roles/iam.devOps are privileged (allowBroad); with a deployer the applier may grant them to itself: a warning says so", () => {
        const raw = clone(devMap()) as Record<string, any>;
        raw.projects["platform/web"].grants.deploy.gcp.roles = ["roles/iam.admin"];
        assert.deepEqual(problems(raw), [
            'gitlab-federation:projects["platform/web"].grants.deploy.gcp.roles[0]: "roles/iam.admin" on the whole project makes any pipeline that matches this grant an administrator or lets it act as other service accounts: grant a narrower role, or set gcp.allowBroad with a reason',
        ]);
        raw.projects["platform/web"].grants.deploy.gcp.allowBroad = "break-glass IAM administration of the CI project";
        raw.projects["platform/web"].grants.deploy.gcp.roles = ["roles/iam.admin", "roles/iam.devOps"];
        assert.deepEqual(
            warnings(raw).filter((w) => w.includes("privileged roles")),
            ["gitlab-federation:deployer.gcp.acknowledgeProject: the map grants privileged roles on acme-ci (roles/iam.admin, roles/iam.devOps); the applier may grant every role the map grants to anyone, itself included, so it holds their power there too"],
        );
    });
});

describe("the GCP deployer and grants' bindings beyond gcp.project (#21)", () => {
    const API = 'gitlab-federation:projects["platform/api"].grants.deploy.gcp';
    const PROJECTS = { "app-dev": { id: "acme-app-dev" }, "app-prod": { id: "acme-app-prod" }, unused: { id: "acme-unused" } };
    /** The dev map with bindings on the api deploy grant and on the web deploy grant (access direct). */
    function reachMap(api: readonly Json[], web: readonly Json[] = []): Json {
        const raw = clone(DEV);
        raw.gcp.projects = PROJECTS;
        raw.projects["platform/api"].grants.deploy.gcp.bindings = api;
        if (api.some((b) => "folder" in b)) {
            // Every role on a folder is inherited by every project under it: broad.
            raw.projects["platform/api"].grants.deploy.gcp.allowBroad = "the platform team reads the logs of every project under its folder";
        }
        if (web.length > 0) {
            raw.projects["platform/web"].grants.deploy.gcp = { ...raw.projects["platform/web"].grants.deploy.gcp, access: "direct", bindings: web };
        }
        return raw;
    }
    const RAW = reachMap(
        [
            { project: "app-dev", roles: ["roles/run.developer", "roles/logging.viewer"] },
            { folder: "123456789012", roles: ["roles/logging.viewer"] },
        ],
        [
            { project: "app-dev", roles: ["roles/run.developer"] },
            { project: "app-prod", roles: ["roles/cloudsql.client"] },
        ],
    );
    const plan = planMap(RAW);
    const applierEntries = () => plan.gcp!.iamMembers.filter((m) => m.resource.name.startsWith("7/applier/") && ("folder" in m || ("projectKey" in m && m.projectKey !== undefined)));
    const meta = (type: string, name: string) => ({ type, name, protect: false, aliases: [`platform/gitlab-federation/${name.slice(2)}`], rootAlias: true, grant: "7/applier" });
    const onlyRoles = (roles: readonly string[]) => `api.getAttribute('${MODIFIED}', []).hasOnly([${roles.map((r) => `'${r}'`).join(", ")}])`;

    it("the applier's bindings there exactly: folderIamAdmin on the folder, projectIamAdmin in each project with bindings, each conditioned to the roles the map grants there (both grants, both access kinds)", () => {
        assert.deepEqual(problems(RAW), []);
        assert.deepEqual(applierEntries(), [
            {
                resource: meta("gcp:folder/iAMMember:IAMMember", "7/applier/folder/123456789012/roles/resourcemanager.folderIamAdmin"),
                folder: "folders/123456789012",
                role: "roles/resourcemanager.folderIamAdmin",
                member: APPLIER,
                condition: { title: "gitlab-federation-granted-roles", description: "Only the roles the gitlab-federation map grants on folder 123456789012", expression: `api.getAttribute('${MODIFIED}', []).hasOnly(['roles/logging.viewer'])` },
                reason: "grant the roles the map's bindings grant on folder 123456789012 to the grants' members, and no other role (IAM condition): roles/logging.viewer",
            },
            {
                resource: meta("gcp:projects/iAMMember:IAMMember", "7/applier/project/app-dev/roles/resourcemanager.projectIamAdmin"),
                projectKey: "app-dev",
                project: "acme-app-dev",
                role: "roles/resourcemanager.projectIamAdmin",
                member: APPLIER,
                condition: {
                    title: "gitlab-federation-granted-roles",
                    description: "Only the roles the gitlab-federation map grants on project acme-app-dev",
                    expression: `api.getAttribute('${MODIFIED}', []).hasOnly(['roles/logging.viewer', 'roles/run.developer'])`,
                },
                reason: "grant the roles the map's bindings grant on project acme-app-dev to the grants' members, and no other role (IAM condition): roles/logging.viewer, roles/run.developer",
            },
            {
                resource: meta("gcp:projects/iAMMember:IAMMember", "7/applier/project/app-prod/roles/resourcemanager.projectIamAdmin"),
                projectKey: "app-prod",
                project: "acme-app-prod",
                role: "roles/resourcemanager.projectIamAdmin",
                member: APPLIER,
                condition: {
                    title: "gitlab-federation-granted-roles",
                    description: "Only the roles the gitlab-federation map grants on project acme-app-prod",
                    expression: `api.getAttribute('${MODIFIED}', []).hasOnly(['roles/cloudsql.client'])`,
                },
                reason: "grant the roles the map's bindings grant on project acme-app-prod to the grants' members, and no other role (IAM condition): roles/cloudsql.client",
            },
        ]);
        // gcp.project's list is unchanged: the bindings' roles are not in it (the lists are never combined).
        assert.equal(bindingsOf(plan, "applier").find((b) => b.role === "roles/resourcemanager.projectIamAdmin")!.condition, onlyRoles(DEV_ROLES));
        // The planner gets nothing there: pulumi preview does not refresh, so it reads no IAM policy (as on gcp.project).
        assert.deepEqual(plan.gcp!.iamMembers.filter((m) => m.resource.name.startsWith("7/planner/") && ("folder" in m || ("projectKey" in m && m.projectKey !== undefined))), []);
        const summary = plan.grants.find((g) => g.project === "platform/gitlab-federation" && g.grant === "applier")!.gcp!;
        assert.deepEqual(summary.bindings, [
            "roles/resourcemanager.folderIamAdmin on folder 123456789012",
            "roles/resourcemanager.projectIamAdmin on project acme-app-dev",
            "roles/resourcemanager.projectIamAdmin on project acme-app-prod",
        ]);
        assert.deepEqual(summary.roles, ["roles/iam.workloadIdentityPoolAdmin", "roles/iam.serviceAccountAdmin", "roles/resourcemanager.projectIamAdmin"]);
    });

    it("CEL: a policy write on each target passes iff it modifies only the roles the map grants there (property), and no list admits another target's roles or the deployer's own", () => {
        const lists = new Map(applierEntries().map((e) => [e.resource.name, { role: e.role, condition: (e as { condition: { expression: string } }).condition.expression }]));
        const granted: Record<string, readonly string[]> = {
            "7/applier/folder/123456789012/roles/resourcemanager.folderIamAdmin": ["roles/logging.viewer"],
            "7/applier/project/app-dev/roles/resourcemanager.projectIamAdmin": ["roles/logging.viewer", "roles/run.developer"],
            "7/applier/project/app-prod/roles/resourcemanager.projectIamAdmin": ["roles/cloudsql.client"],
        };
        assert.deepEqual([...lists.keys()], Object.keys(granted));
        const universe = ["roles/logging.viewer", "roles/run.developer", "roles/cloudsql.client", "roles/storage.objectAdmin", "roles/owner", WIU, "roles/resourcemanager.projectIamAdmin", "roles/resourcemanager.folderIamAdmin"];
        fc.assert(
            fc.property(fc.subarray(universe), (modifies) => {
                for (const [name, binding] of lists) {
                    const permission = binding.role === "roles/resourcemanager.folderIamAdmin" ? "resourcemanager.folders.setIamPolicy" : "resourcemanager.projects.setIamPolicy";
                    assert.equal(allowed([binding], { what: name, on: name, permission, modifies }), modifies.every((r) => granted[name]!.includes(r)), `${name} ${JSON.stringify(modifies)}`);
                }
            }),
            { numRuns: 200 },
        );
        const folder = lists.get("7/applier/folder/123456789012/roles/resourcemanager.folderIamAdmin")!;
        assert.equal(allowed([folder], call("read the folder's policy (every IAM write is read back)", "folders/123456789012", "resourcemanager.folders.getIamPolicy")), true);
        assert.equal(allowed([folder], call("move or delete the folder", "folders/123456789012", "resourcemanager.folders.move")), false);
    });

    it("registers exactly the plan; the applier's project bindings through each project's own provider, its folder binding through the stack's", async () => {
        const { resources } = await runWithMocks(() => runProgram(RAW, { logWarnings: false }));
        assertRegistersExactly(plan, resources);
        const providers = resources.filter((r) => r.type === "pulumi:providers:gcp");
        const providerOf = (key: string) => providers.find((p) => p.name === `projects/${key}`)!.urn;
        const registered = (name: string) => resources.find((r) => r.custom && r.name === name)!;
        for (const key of ["app-dev", "app-prod"]) {
            const r = registered(`7/applier/project/${key}/roles/resourcemanager.projectIamAdmin`);
            assert.ok(r.provider.startsWith(`${providerOf(key)}::`), `${r.name}: ${r.provider}`);
            assert.deepEqual(r.inputs.condition, (applierEntries().find((e) => e.resource.name === r.name) as { condition?: unknown }).condition);
        }
        assert.equal(registered("7/applier/folder/123456789012/roles/resourcemanager.folderIamAdmin").provider, "");
    });

    it("the other target kinds are refused with a deployer, each binding on its own, with its reason and fixes (exact texts); without a deployer they plan", () => {
        const raw = reachMap([
            { project: "app-dev", roles: ["roles/run.developer"] },
            { bucket: { project: "app-prod", name: "acme-assets" }, roles: ["roles/storage.objectAdmin"] },
            { artifactRegistry: { project: "app-prod", location: "europe-west1", repository: "images" }, roles: ["roles/artifactregistry.writer"] },
            { cloudRun: { project: "app-prod", location: "europe-west1", service: "api" }, roles: ["roles/run.developer", "roles/run.invoker"] },
            { secret: { project: "app-dev", secret: "api-key" }, roles: ["roles/secretmanager.secretAccessor"] },
        ]);
        const tail = "or move this grant to a stack without a deployer, which an administrator applies";
        const limited = "under a modifiedGrantsByRole condition, which only a project's, folder's or organization's allow policy accepts";
        assert.deepEqual(problems(raw), [
            `${API}.bindings[1].bucket: is not supported with gitlab-federation:deployer: the roles that set a bucket's allow policy ${limited}, are roles/storage.admin and broader, which also delete and reconfigure buckets and read and write their objects (roles/storage.legacyBucketOwner is bound on a bucket, where that condition is not accepted); grant the roles on the project instead ({ project: app-prod, roles: [roles/storage.objectAdmin] }), which reaches every bucket there, ${tail}`,
            `${API}.bindings[2].artifactRegistry: is not supported with gitlab-federation:deployer: Artifact Registry does not recognize the IAM condition attribute iam.googleapis.com/modifiedGrantsByRole, so an applier limited to the roles the map grants cannot set a repository's allow policy (the request fails), and an unlimited one could grant any role on every repository; grant the roles on the project instead ({ project: app-prod, roles: [roles/artifactregistry.writer] }), which reaches every repository there, ${tail}`,
            `${API}.bindings[3].cloudRun: is not supported with gitlab-federation:deployer: the roles that set a service's allow policy ${limited}, are roles/run.admin and broader, which also deploy and delete services, and Cloud Run gives IAM conditions no resource.name to narrow them to one service; grant the roles on the project instead ({ project: app-prod, roles: [roles/run.developer, roles/run.invoker] }), which reaches every Cloud Run service there, ${tail}`,
            `${API}.bindings[4].secret: is not supported with gitlab-federation:deployer: the roles that set a secret's allow policy ${limited}, are roles/secretmanager.admin and broader, which also read, add and destroy secret versions and delete secrets; grant the roles on the project instead ({ project: app-dev, roles: [roles/secretmanager.secretAccessor] }), which reaches every secret there, ${tail}`,
        ]);
        // The fixes are valid: the roles on the project instead, or no deployer.
        const fixed = reachMap([
            { project: "app-dev", roles: ["roles/run.developer", "roles/secretmanager.secretAccessor"] },
            { project: "app-prod", roles: ["roles/storage.objectAdmin", "roles/artifactregistry.writer", "roles/run.developer", "roles/run.invoker"] },
        ]);
        assert.deepEqual(problems(fixed), []);
        delete raw.deployer;
        assert.deepEqual(problems(raw), []);
    });

    it("boundary: 10 distinct roles on one project of gcp.projects pass, 11 are refused with the numbers and the fixes; gcp.project's list is not counted with them", () => {
        const roles = Array.from({ length: 11 }, (_, i) => `roles/logging.role${String(i).padStart(2, "0")}`);
        assert.deepEqual(problems(reachMap([{ project: "app-dev", roles: roles.slice(0, 10) }])), []);
        assert.deepEqual(problems(reachMap([{ project: "app-dev", roles }])), [
            `gitlab-federation:deployer: the applier's roles/resourcemanager.projectIamAdmin on project acme-app-dev may grant only the roles the map's bindings grant there, listed in its IAM condition, and they grant 11 (${roles.join(", ")}); GCP allows at most 10 roles in that list: grant at most 10 distinct roles on project acme-app-dev (a custom role can combine several), or move the grants of the others to a stack without a deployer, which an administrator applies`,
        ]);
        assert.deepEqual(problems(reachMap([{ folder: "123456789012", roles }])), [
            `gitlab-federation:deployer: the applier's roles/resourcemanager.folderIamAdmin on folder 123456789012 may grant only the roles the map's bindings grant there, listed in its IAM condition, and they grant 11 (${roles.join(", ")}); GCP allows at most 10 roles in that list: grant at most 10 distinct roles on folder 123456789012 (a custom role can combine several), or move the grants of the others to a stack without a deployer, which an administrator applies`,
        ]);
    });

    it("privileged roles on a project of gcp.projects: allowBroad, then a warning that the applier holds their power there", () => {
        const raw = reachMap([{ project: "app-prod", roles: ["roles/iam.serviceAccountTokenCreator"] }]);
        raw.projects["platform/api"].grants.deploy.gcp.allowBroad = "the deploy job mints tokens of the app's runtime accounts";
        assert.deepEqual(problems(raw), []);
        assert.deepEqual(
            warnings(raw).filter((w) => w.includes("privileged roles")),
            ["gitlab-federation:deployer.gcp.acknowledgeProject: the map grants privileged roles on project acme-app-prod (roles/iam.serviceAccountTokenCreator); the applier may grant every role the map grants there to anyone, itself included, so it holds their power there too"],
        );
    });

    it("a map without bindings plans the applier exactly as before: no binding beyond gcp.project", () => {
        const raw = clone(DEV);
        raw.gcp.projects = PROJECTS;
        assert.deepEqual(planMap(raw).gcp!.iamMembers.filter((m) => m.resource.name.startsWith("7/")), planMap(DEV).gcp!.iamMembers.filter((m) => m.resource.name.startsWith("7/")));
    });
});

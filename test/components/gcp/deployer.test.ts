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
import { problems, warnings } from "../../helpers/check";
import { clone, devMap } from "../../helpers/maps";

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

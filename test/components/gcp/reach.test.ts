/**
 * GCP reach (#21): gcp.projects with a provider each, a grant's bindings on projects, folders and
 * single resources, and access direct, with exact expected entries, texts and registrations.
 */
import { strict as assert } from "node:assert";
import { evaluate as celJs } from "@marcbachmann/cel-js";
import fc from "fast-check";
import { planMap } from "../../../src/features";
import { accessMatrix } from "../../../src/features/access";
import { generateCi } from "../../../src/features/ci";
import { contractOf } from "../../../src/features/contract";
import { diffPlans } from "../../../src/features/diff";
import { Explainer } from "../../../src/features/explain";
import { runProgram } from "../../../src/pulumi/program";
import { exchange } from "../../../components/gcp/evaluate";
import { renderGcp } from "../../../components/gcp/render";
import { problems, warnings } from "../../helpers/check";
import { GCP, Raw, clone, devMap, map } from "../../helpers/maps";
import { runWithMocks } from "../../helpers/mocks";
import { assertRegistersExactly } from "../../helpers/registered";
import { gitlabToken } from "../../helpers/tokens";

type Json = Record<string, any>;

const IMPERSONATED = "deployer@acme-app-prod.iam.gserviceaccount.com";
const SECTION = { ...GCP, projects: { "app-prod": { id: "acme-app-prod", impersonateServiceAccount: IMPERSONATED }, "app-dev": { id: "acme-app-dev" } } };
const GROUP = "principalSet://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/gitlab/group/";
const SA = "serviceAccount:gl-platform-api--deploy@acme-ci.iam.gserviceaccount.com";
const AT = 'gitlab-federation:projects["platform/api"].grants.deploy.gcp';

const BINDINGS = [
    { project: "app-dev", roles: ["roles/run.developer"] },
    { folder: "123456789012", roles: ["roles/logging.viewer"] },
    { bucket: { project: "app-prod", name: "acme-assets" }, roles: ["roles/storage.objectAdmin"] },
    { artifactRegistry: { project: "app-prod", location: "europe-west1", repository: "images" }, roles: ["roles/artifactregistry.writer"] },
    { cloudRun: { project: "app-prod", location: "europe-west1", service: "api" }, roles: ["roles/run.developer"] },
    { secret: { project: "app-prod", secret: "api-key" }, roles: ["roles/secretmanager.secretAccessor"] },
];

/** The folder binding of BINDINGS needs it: every project under a folder inherits its roles. */
const FOLDER_REASON = "the platform team reads the logs of every project under its folder";

function reachMap(deploy: Json = { roles: ["roles/storage.objectViewer"], bindings: BINDINGS, allowBroad: FOLDER_REASON }, extra: Json = {}, section: Json = SECTION): Raw {
    return map({ "platform/api": { id: 42, grants: { deploy: { ref: "main", gcp: deploy }, ...extra } } }, { gcp: section });
}

const meta = (type: string, name: string) => ({ type, name, protect: false, aliases: [`platform/api/${name.slice(3)}`], rootAlias: true, grant: name.slice(0, name.indexOf("/", 3)) });

describe("GCP reach: bindings beyond gcp.project", () => {
    describe("plan", () => {
        const plan = planMap(reachMap());

        it("one non-authoritative member resource per target and role, named by grant, target and role, in its project", () => {
            assert.deepEqual(problems(reachMap()), []);
            assert.deepEqual(plan.gcp!.iamMembers.slice(2), [
                {
                    resource: meta("gcp:artifactregistry/repositoryIamMember:RepositoryIamMember", "42/deploy/artifactRegistry/app-prod/europe-west1/images/roles/artifactregistry.writer"),
                    projectKey: "app-prod",
                    project: "acme-app-prod",
                    location: "europe-west1",
                    repository: "images",
                    role: "roles/artifactregistry.writer",
                    member: SA,
                },
                { resource: meta("gcp:storage/bucketIAMMember:BucketIAMMember", "42/deploy/bucket/app-prod/acme-assets/roles/storage.objectAdmin"), projectKey: "app-prod", bucket: "acme-assets", role: "roles/storage.objectAdmin", member: SA },
                {
                    resource: meta("gcp:cloudrunv2/serviceIamMember:ServiceIamMember", "42/deploy/cloudRun/app-prod/europe-west1/api/roles/run.developer"),
                    projectKey: "app-prod",
                    project: "acme-app-prod",
                    location: "europe-west1",
                    name: "api",
                    role: "roles/run.developer",
                    member: SA,
                },
                { resource: meta("gcp:folder/iAMMember:IAMMember", "42/deploy/folder/123456789012/roles/logging.viewer"), folder: "folders/123456789012", role: "roles/logging.viewer", member: SA },
                { resource: meta("gcp:projects/iAMMember:IAMMember", "42/deploy/project/app-dev/roles/run.developer"), projectKey: "app-dev", project: "acme-app-dev", role: "roles/run.developer", member: SA },
                {
                    resource: meta("gcp:secretmanager/secretIamMember:SecretIamMember", "42/deploy/secret/app-prod/api-key/roles/secretmanager.secretAccessor"),
                    projectKey: "app-prod",
                    project: "acme-app-prod",
                    secretId: "api-key",
                    role: "roles/secretmanager.secretAccessor",
                    member: SA,
                },
            ]);
            // The grant's own account and its role on gcp.project are as without bindings.
            assert.deepEqual(
                plan.gcp!.iamMembers.slice(0, 2).map((m) => [m.resource.name, m.role, m.member]),
                [
                    ["42/deploy/wif-617b6ba4", "roles/iam.workloadIdentityUser", `${GROUP}42:branch:protected:ref:main`],
                    ["42/deploy/roles/storage.objectViewer", "roles/storage.objectViewer", SA],
                ],
            );
        });

        it("a provider per project of gcp.projects, with its project and impersonated account", () => {
            assert.deepEqual(plan.gcp!.projectProviders, [
                { resource: { type: "pulumi:providers:gcp", name: "projects/app-dev", protect: false }, projectKey: "app-dev", project: "acme-app-dev" },
                { resource: { type: "pulumi:providers:gcp", name: "projects/app-prod", protect: false }, projectKey: "app-prod", project: "acme-app-prod", impersonateServiceAccount: IMPERSONATED },
            ]);
        });

        it("the summary lists each binding as <role> on <target>", () => {
            assert.deepEqual(plan.grants[0]!.gcp!.bindings, [
                "roles/artifactregistry.writer on artifactRegistry projects/acme-app-prod/locations/europe-west1/repositories/images",
                "roles/storage.objectAdmin on bucket gs://acme-assets",
                "roles/run.developer on cloudRun projects/acme-app-prod/locations/europe-west1/services/api",
                "roles/logging.viewer on folder 123456789012",
                "roles/run.developer on project acme-app-dev",
                "roles/secretmanager.secretAccessor on secret projects/acme-app-prod/secrets/api-key",
            ]);
        });

        it("names do not depend on list order (bindings and roles reversed, project keys listed the other way round)", () => {
            const reversed = BINDINGS.map((b) => ({ ...b, roles: [...b.roles].reverse() })).reverse();
            const section = { ...GCP, projects: { "app-dev": SECTION.projects["app-dev"], "app-prod": SECTION.projects["app-prod"] } };
            const other = planMap(reachMap({ roles: ["roles/storage.objectViewer"], bindings: reversed, allowBroad: FOLDER_REASON }, {}, section));
            assert.deepEqual(other.gcp, plan.gcp);
            const two = planMap(reachMap({ bindings: [{ secret: { project: "app-prod", secret: "s" }, roles: ["roles/secretmanager.secretAccessor", "roles/secretmanager.viewer"] }] }));
            const swapped = planMap(reachMap({ bindings: [{ secret: { project: "app-prod", secret: "s" }, roles: ["roles/secretmanager.viewer", "roles/secretmanager.secretAccessor"] }] }));
            assert.deepEqual(swapped.gcp, two.gcp);
        });

        it("a map without gcp.projects and bindings plans no provider and no new field", () => {
            const plain = planMap(reachMap({ roles: ["roles/storage.objectViewer"] }, {}, GCP));
            assert.equal("projectProviders" in plain.gcp!, false);
            assert.equal("bindings" in plain.grants[0]!.gcp!, false);
            assert.equal("access" in plain.grants[0]!.gcp!, false);
        });
    });

    describe("access direct", () => {
        const direct = { access: "direct", roles: ["roles/run.viewer"], bindings: [BINDINGS[4]] };
        const raw = reachMap(direct, { build: { ref: "main", environment: "production", gcp: { roles: ["roles/storage.objectViewer"] } } });
        const plan = planMap(raw);
        const member = `${GROUP}42:branch:protected:ref:main`;

        it("no service account: the roles and bindings go to each of the grant's principalSets", () => {
            assert.deepEqual(problems(raw), []);
            assert.deepEqual(
                plan.gcp!.serviceAccounts.map((a) => a.accountId),
                ["gl-platform-api--build"],
            );
            const mine = plan.gcp!.iamMembers.filter((m) => m.resource.grant === "42/deploy");
            assert.deepEqual(mine, [
                { resource: meta("gcp:projects/iAMMember:IAMMember", "42/deploy/roles/run.viewer/wif-617b6ba4"), project: "acme-ci", role: "roles/run.viewer", member },
                {
                    resource: meta("gcp:cloudrunv2/serviceIamMember:ServiceIamMember", "42/deploy/cloudRun/app-prod/europe-west1/api/roles/run.developer/wif-617b6ba4"),
                    projectKey: "app-prod",
                    project: "acme-app-prod",
                    location: "europe-west1",
                    name: "api",
                    role: "roles/run.developer",
                    member,
                },
            ]);
            assert.deepEqual(plan.grants.find((g) => g.grant === "deploy")!.gcp, {
                access: "direct",
                audience: "https://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/gitlab/providers/gitlab-example-com",
                members: [member],
                roles: ["roles/run.viewer"],
                bindings: ["roles/run.developer on cloudRun projects/acme-app-prod/locations/europe-west1/services/api"],
                enforcement: { enforced: ["audience", "projectId", "ref", "refType", "protected"], notEnforced: [] },
            });
        });

        it("the contract has no service account and says direct; CI's credential file has no impersonation URL", () => {
            const contract = contractOf(plan);
            const deploy = (contract.grants as Json)["platform/api"].deploy.gcp;
            assert.equal(deploy.serviceAccountEmail, undefined);
            assert.equal(deploy.access, "direct");
            assert.deepEqual(deploy.bindings, ["roles/run.developer on cloudRun projects/acme-app-prod/locations/europe-west1/services/api"]);
            const result = generateCi(contract, { project: "platform/api", format: "yaml", source: "test" });
            assert.ok("files" in result);
            const text = result.files[0]!.text;
            assert.ok(text.includes("service_account_impersonation_url"), "the build grant still impersonates");
            assert.ok(text.includes('"credential_source":{"file":"%s","format":{"type":"text"}}}\' "$GCP_WORKLOAD_IDENTITY_PROVIDER" "$GCP_ID_TOKEN_FILE" > "$GOOGLE_APPLICATION_CREDENTIALS"'), text);
            assert.equal(text.split("GCP_SERVICE_ACCOUNT: ").length - 1, 1, "only the build grant names a service account");
        });

        it("explain: the federated principal itself gets the roles; the exchange agrees with a second CEL implementation", () => {
            const token = gitlabToken({ aud: plan.gcp!.audience, projectId: "42", ref: "main", protected: true });
            const explanation = new Explainer(plan).explain(token, { now: 1764000100, verified: true });
            const accepted = explanation.targets.gcp!.accepted.find((v) => v.grant === "deploy")!;
            assert.deepEqual(accepted.gives, ["roles/run.viewer on the project", "roles/run.developer on cloudRun projects/acme-app-prod/locations/europe-west1/services/api"]);
            const provider = plan.gcp!.providers[0]!;
            const ours = exchange(provider, token as never);
            const google = Object.fromEntries(Object.entries(provider.attributeMapping).filter(([k]) => k.startsWith("google.")).map(([k, e]) => [k.slice(7), celJs(e, { assertion: token })]));
            assert.equal(celJs(provider.attributeCondition, { assertion: token, google, attribute: {} }), true);
            assert.deepEqual(ours.groups, google.groups);
            assert.ok(ours.groups.includes(member.slice(GROUP.length)));
        });

        it("explain and access show the access mode and the bindings", () => {
            const rows = accessMatrix(plan).filter((r) => r.target === "gcp" && r.grant === "deploy");
            assert.deepEqual(
                rows.map((r) => [r.resource, r.gives]),
                [
                    ["cloudRun projects/acme-app-prod/locations/europe-west1/services/api", ["roles/run.developer"]],
                    ["project acme-ci", ["roles/run.viewer"]],
                ],
            );
        });
    });

    describe("rules (exact texts)", () => {
        const one = (binding: Json, extra: Json = {}) => problems(reachMap({ bindings: [binding], ...extra }));

        it("a project not in gcp.projects is refused with the list of keys; none set says so", () => {
            assert.deepEqual(one({ project: "app-stage", roles: ["roles/run.developer"] }), [
                `${AT}.bindings[0].project: "app-stage" is not a key of gcp.projects (app-dev, app-prod): add app-stage to gcp.projects with its id, or name one of its keys`,
            ]);
            assert.deepEqual(problems(reachMap({ bindings: [{ secret: { project: "app-prod", secret: "x" }, roles: ["roles/secretmanager.secretAccessor"] }] }, {}, GCP)), [
                `${AT}.bindings[0].secret.project: "app-prod" is not a key of gcp.projects (none: gcp.projects is not set): add app-prod to gcp.projects with its id, or name one of its keys`,
            ]);
        });

        it("exactly one target per binding", () => {
            assert.deepEqual(one({ roles: ["roles/run.developer"] }), [`${AT}.bindings[0]: names no target: give exactly one of project, folder, bucket, artifactRegistry, cloudRun, secret`]);
            assert.deepEqual(one({ project: "app-dev", folder: "123456789012", roles: ["roles/run.developer"] }), [
                `${AT}.bindings[0]: names 2 targets (project, folder): give exactly one of project, folder, bucket, artifactRegistry, cloudRun, secret; split it into one binding per target`,
            ]);
        });

        it("privileged roles need allowBroad on every target (boundary: allowBroad set passes, as a loosening)", () => {
            assert.deepEqual(one({ bucket: { project: "app-prod", name: "acme-assets" }, roles: ["roles/owner"] }), [
                `${AT}.bindings[0].roles[0]: "roles/owner" on bucket gs://acme-assets makes any pipeline that matches this grant an administrator there or lets it act as other service accounts: grant a narrower role, or set gcp.allowBroad with a reason`,
            ]);
            assert.deepEqual(one({ project: "app-dev", roles: ["projects/acme-app-dev/roles/deployer"] }), [
                `${AT}.bindings[0].roles[0]: "projects/acme-app-dev/roles/deployer" is a custom role, whose permissions cannot be checked offline: set gcp.allowBroad with a reason once you have checked it grants nothing administrative`,
            ]);
            assert.deepEqual(one({ project: "app-dev", roles: ["roles/iam.serviceAccountTokenCreator"] }, { allowBroad: "the deploy job mints tokens" }), []);
            // allowBroad with only a narrow binding has no effect.
            assert.deepEqual(
                warnings(reachMap({ bindings: [{ project: "app-dev", roles: ["roles/run.developer"] }], allowBroad: "reviewed by the platform team" })).filter((w) => w.includes("allowBroad")),
                [`${AT}.allowBroad: has no effect: no privileged role is granted; remove it`],
            );
        });

        it("folders: every role needs allowBroad (every project under the folder inherits it); on a project or resource, a service's admin role does (boundary pairs)", () => {
            assert.deepEqual(one({ folder: "123456789012", roles: ["roles/storage.objectViewer"] }), [
                `${AT}.bindings[0].roles[0]: "roles/storage.objectViewer" on folder 123456789012 reaches every project under the folder, those created later too: grant it on those projects or resources instead (bindings with project, bucket, artifactRegistry, cloudRun or secret), or set gcp.allowBroad with a reason`,
            ]);
            assert.deepEqual(one({ folder: "123456789012", roles: ["roles/storage.objectViewer"] }, { allowBroad: "the platform team reads every project's objects" }), []);
            assert.deepEqual(one({ project: "app-dev", roles: ["roles/storage.objectViewer"] }), []);
            assert.deepEqual(one({ project: "app-dev", roles: ["roles/storage.admin"] }), [
                `${AT}.bindings[0].roles[0]: "roles/storage.admin" on project acme-app-dev administers the service there, its IAM policy included (a job could grant access to anyone): grant a role that uses the service rather than administers it, or set gcp.allowBroad with a reason`,
            ]);
            assert.deepEqual(one({ bucket: { project: "app-dev", name: "acme-x" }, roles: ["roles/storage.objectAdmin"] }), []);
            assert.equal(one({ bucket: { project: "app-dev", name: "acme-x" }, roles: ["roles/storage.admin"] }).length, 1);
            // Roles that change what guards the organisation are privileged on any target.
            for (const role of ["roles/resourcemanager.projectDeleter", "roles/orgpolicy.policyAdmin", "roles/accesscontextmanager.policyAdmin", "roles/logging.configWriter"]) {
                assert.equal(one({ project: "app-dev", roles: [role] }).length, 1, role);
            }
            // A privileged role is refused even when its binding's target is wrong (two problems, both real).
            assert.deepEqual(one({ project: "app-nope", roles: ["roles/owner"] }), [
                `${AT}.bindings[0].project: "app-nope" is not a key of gcp.projects (app-dev, app-prod): add app-nope to gcp.projects with its id, or name one of its keys`,
                `${AT}.bindings[0].roles[0]: "roles/owner" on this binding's target makes any pipeline that matches this grant an administrator there or lets it act as other service accounts: grant a narrower role, or set gcp.allowBroad with a reason`,
            ]);
        });

        it("two direct grants with the same conditions may not bind one role on one target (one IAM binding under two names); other conditions may (boundary pair)", () => {
            const direct = { access: "direct", bindings: [{ bucket: { project: "app-dev", name: "acme-review" }, roles: ["roles/storage.objectViewer"] }] };
            const raw = map({ "platform/api": { id: 42, grants: { review: { ref: "*", protected: false, gcp: direct }, review2: { ref: "*", protected: false, gcp: direct } } } }, { gcp: SECTION });
            assert.deepEqual(problems(raw), [
                'gitlab-federation:projects["platform/api"].grants.review2.gcp.access: binds "roles/storage.objectViewer" to the same principalSet on the same target as gitlab-federation:projects["platform/api"].grants.review (both grants have the same conditions and access direct): one IAM binding under two names, which deleting either grant would remove for both; grant the role in one of them only',
            ]);
            const other = clone(raw) as Json;
            other.projects["platform/api"].grants.review2.ref = "review/*";
            assert.deepEqual(problems(other), []);
        });

        it("each project once in gcp.projects, and not the pool's project", () => {
            const section = { ...SECTION, projects: { ...SECTION.projects, again: { id: "acme-app-dev" }, pool: { id: "acme-ci" } } };
            assert.deepEqual(problems(reachMap({ roles: ["roles/run.viewer"] }, {}, section)), [
                'gitlab-federation:gcp.projects.pool.id: "acme-ci" is gcp.project, the pool\'s project: grant roles there with a grant\'s gcp.roles; remove gcp.projects.pool, or name another project',
                'gitlab-federation:gcp.projects["app-dev"].id: "acme-app-dev" is also the id of gcp.projects.again: list each project once, and name that key in the bindings',
            ]);
        });

        it("a role listed twice on one target is refused where it repeats", () => {
            assert.deepEqual(
                problems(
                    reachMap({
                        bindings: [
                            { project: "app-dev", roles: ["roles/run.developer"] },
                            { project: "app-dev", roles: ["roles/run.viewer", "roles/run.developer", "roles/run.viewer"] },
                        ],
                    }),
                ),
                [
                    `${AT}.bindings[1].roles[1]: grants "roles/run.developer" on project acme-app-dev again (also in bindings[0]): list each role once per target`,
                    `${AT}.bindings[1].roles[2]: grants "roles/run.viewer" on project acme-app-dev again (listed twice here): list each role once per target`,
                ],
            );
        });

        it("with a deployer, project and folder bindings are accepted, the other kinds refused each on its own (exact texts and conditions: deployer.test.ts)", () => {
            const raw = clone(devMap()) as Json;
            raw.gcp.projects = SECTION.projects;
            raw.projects["platform/api"].grants.deploy.gcp.bindings = BINDINGS.slice(0, 2);
            raw.projects["platform/api"].grants.deploy.gcp.allowBroad = FOLDER_REASON;
            assert.deepEqual(problems(raw), []);
            raw.projects["platform/api"].grants.deploy.gcp.bindings = BINDINGS;
            assert.deepEqual(
                problems(raw).map((p) => p.slice(0, p.indexOf(":deployer: ") + ":deployer".length)),
                ["bucket", "artifactRegistry", "cloudRun", "secret"].map((kind, i) => `${AT}.bindings[${i + 2}].${kind}: is not supported with gitlab-federation:deployer`),
            );
        });

        it("with sharding, gcp.projects is refused", () => {
            const raw = reachMap({ bindings: [BINDINGS[0]] });
            raw.sharding = { shards: 2 };
            assert.ok(
                problems(raw).includes(`gitlab-federation:gcp.projects: is not supported with gitlab-federation:sharding yet (a shard stack would need every project's provider): remove gcp.projects or sharding`),
                problems(raw).join("\n"),
            );
        });

        it("write rates per project: 600 bindings in one project pass, 601 warn (gcp.project's own count leaves them out)", () => {
            const secrets = (n: number) => Array.from({ length: n }, (_, i) => ({ secret: { project: "app-prod", secret: `s${i}` }, roles: ["roles/secretmanager.secretAccessor"] }));
            const writes = (n: number) => warnings(reachMap({ bindings: secrets(n) })).filter((w) => w.includes("rate-limits"));
            assert.deepEqual(writes(600), []);
            assert.deepEqual(writes(601), [
                `gitlab-federation:gcp.projects["app-prod"]: a first pulumi up writes 601 IAM bindings to acme-app-prod; GCP rate-limits IAM writes per project and minute, so expect a slow first apply with retried throttling errors, or add the grants' bindings in steps`,
            ]);
        });

        it("schema: a folder must be numeric, a location a region", () => {
            assert.deepEqual(one({ folder: "folders/1", roles: ["roles/run.developer"] }), [`${AT}.bindings[0].folder: must be a numeric folder ID such as "123456789012", got "folders/1"`]);
            assert.deepEqual(one({ cloudRun: { project: "app-prod", location: "Europe West", service: "api" }, roles: ["roles/run.invoker"] }), [
                `${AT}.bindings[0].cloudRun.location: must be a location such as "europe-west1" or "us", got "Europe West"`,
            ]);
        });
    });

    it("property: no binding names a member outside its grant (its service account, or with access direct its principalSets)", () => {
        const target = fc.oneof(
            fc.constantFrom("app-dev", "app-prod").map((project) => ({ project })),
            fc.constantFrom("123456789012", "223456789012").map((folder) => ({ folder })),
            fc.constantFrom("a1b", "c2d").map((name) => ({ bucket: { project: "app-prod", name } })),
            fc.constantFrom("s1", "s2").map((secret) => ({ secret: { project: "app-dev", secret } })),
        );
        const binding = fc.tuple(target, fc.subarray(["roles/run.viewer", "roles/logging.viewer", "roles/secretmanager.viewer"], { minLength: 1 })).map(([t, roles]) => ({ ...t, roles }));
        const grant = fc.record({ access: fc.constantFrom("serviceAccount", "direct"), bindings: fc.array(binding, { maxLength: 4 }), ref: fc.constantFrom("main", "v*"), refType: fc.constantFrom("branch", "tag") });
        fc.assert(
            fc.property(grant, grant, (a, b) => {
                const grants = Object.fromEntries(
                    [a, b].map((g, i) => [`g${i}`, { ref: g.ref, refType: g.refType, gcp: { access: g.access, roles: ["roles/run.viewer"], bindings: g.bindings, allowBroad: FOLDER_REASON } }]),
                );
                const raw = map({ "platform/api": { id: 42, grants } }, { gcp: SECTION });
                if (problems(raw).length > 0) {
                    return; // Repeated roles on one target: refused, nothing to bind.
                }
                const plan = planMap(raw);
                for (const g of plan.grants) {
                    const own = new Set(g.gcp!.email !== undefined ? [`serviceAccount:${g.gcp!.email}`] : g.gcp!.members);
                    for (const m of plan.gcp!.iamMembers.filter((e) => e.resource.grant === `42/${g.grant}` && e.role !== "roles/iam.workloadIdentityUser")) {
                        assert.ok(own.has(m.member), `${m.resource.name}: ${m.member}`);
                    }
                }
            }),
            { numRuns: 60 },
        );
    });

    describe("program (Pulumi mocks)", () => {
        it("registers exactly the plan; each project's bindings through its own provider, folders and gcp.project through the stack's", async () => {
            const raw = reachMap();
            const { resources } = await runWithMocks(() => runProgram(raw, { logWarnings: false }));
            assertRegistersExactly(planMap(raw), resources);
            const providers = resources.filter((r) => r.type === "pulumi:providers:gcp");
            assert.deepEqual(
                providers.map((p) => [p.name, p.inputs.project, p.inputs.impersonateServiceAccount]),
                [
                    ["projects/app-dev", "acme-app-dev", undefined],
                    ["projects/app-prod", "acme-app-prod", IMPERSONATED],
                ],
            );
            const providerOf = (key: string) => providers.find((p) => p.name === `projects/${key}`)!.urn;
            const expected: Record<string, string> = {
                "42/deploy/artifactRegistry/app-prod/europe-west1/images/roles/artifactregistry.writer": "app-prod",
                "42/deploy/bucket/app-prod/acme-assets/roles/storage.objectAdmin": "app-prod",
                "42/deploy/cloudRun/app-prod/europe-west1/api/roles/run.developer": "app-prod",
                "42/deploy/project/app-dev/roles/run.developer": "app-dev",
                "42/deploy/secret/app-prod/api-key/roles/secretmanager.secretAccessor": "app-prod",
            };
            const gcpResources = resources.filter((r) => r.custom && r.type.startsWith("gcp:"));
            assert.ok(gcpResources.length > 5);
            for (const r of gcpResources) {
                const key = expected[r.name];
                if (key === undefined) {
                    assert.equal(r.provider, "", `${r.name} uses the stack's default provider`);
                } else {
                    assert.ok(r.provider.startsWith(`${providerOf(key)}::`), `${r.name} uses the provider of ${key}: ${r.provider}`);
                }
            }
        });
    });

    describe("diff: moving a binding to another project", () => {
        it("is a replacement through the other project's provider: the field says so, the old binding is deleted and a new one created", () => {
            const base = reachMap({ bindings: [{ secret: { project: "app-prod", secret: "api-key" }, roles: ["roles/secretmanager.secretAccessor"] }] });
            const head = clone(base) as Json;
            head.projects["platform/api"].grants.deploy.gcp.bindings[0].secret.project = "app-dev";
            const result = diffPlans(planMap(base), planMap(head), { base, head });
            assert.deepEqual(
                result.fields.filter((f) => f.class === "access" && f.path.endsWith("gcp.bindings")),
                [
                    {
                        path: `${AT}.bindings`,
                        class: "access",
                        change: "widened",
                        detail: `roles/secretmanager.secretAccessor on secret {"secret":"api-key"}: moves from project "app-prod" to "app-dev", a replacement: pulumi up creates it through app-dev's provider and deletes it through app-prod's`,
                    },
                ],
            );
            assert.deepEqual(
                result.resources.map((r) => [r.op, r.type, r.name, r.physical]),
                [
                    ["create", "gcp:secretmanager/secretIamMember:SecretIamMember", "42/deploy/secret/app-dev/api-key/roles/secretmanager.secretAccessor", `project=acme-app-dev secretId=api-key role=roles/secretmanager.secretAccessor member=${SA}`],
                    ["delete", "gcp:secretmanager/secretIamMember:SecretIamMember", "42/deploy/secret/app-prod/api-key/roles/secretmanager.secretAccessor", `project=acme-app-prod secretId=api-key role=roles/secretmanager.secretAccessor member=${SA}`],
                ],
            );
        });
    });

    describe("renaming a project key (same project ID)", () => {
        it("diff warns: the new binding is the old one's physical object, so the final delete would remove it", () => {
            const mk = (key: string) => reachMap({ access: "direct", bindings: [{ secret: { project: key, secret: "k" }, roles: ["roles/secretmanager.secretAccessor"] }] }, {}, { ...GCP, projects: { [key]: { id: "acme-app-prod" } } });
            const [base, head] = [mk("prod"), mk("production")];
            const result = diffPlans(planMap(base), planMap(head), { base, head });
            const member = `${GROUP}42:branch:protected:ref:main`;
            assert.deepEqual(
                result.resources.map((r) => [r.op, r.name, r.hazard]),
                [
                    [
                        "delete",
                        "42/deploy/secret/prod/k/roles/secretmanager.secretAccessor/wif-617b6ba4",
                        `project=acme-app-prod secretId=k role=roles/secretmanager.secretAccessor member=${member} is created again under the new name 42/deploy/secret/production/k/roles/secretmanager.secretAccessor/wif-617b6ba4 first, then this delete removes it (a write under the same physical name is an upsert in Vault, "already exists" in IAM and GCP): add renamedFrom, or pin the old name with aliases`,
                    ],
                    ["create", "projects/production", undefined],
                    ["create", "42/deploy/secret/production/k/roles/secretmanager.secretAccessor/wif-617b6ba4", undefined],
                    ["delete", "projects/prod", undefined],
                ],
            );
        });
    });

    it("the human plan: a BINDINGS column, and a direct grant's principalSets in place of a service account", () => {
        const plan = planMap(reachMap({ access: "direct", bindings: [{ secret: { project: "app-prod", secret: "k" }, roles: ["roles/secretmanager.secretAccessor"] }] }));
        const section = renderGcp(plan.gcp!, plan.grants.map((g) => ({ ...g, conditions: { ref: ["main"], refType: "branch", protected: true }, summary: g.gcp! })) as never);
        assert.deepEqual([section.header, section.rows], [
            ["PROJECT", "GRANT", "CONDITIONS", "SERVICE ACCOUNT", "ROLES ON PROJECT", "BINDINGS"],
            [["platform/api", "deploy", "branch main, protected", "direct: 1 principalSet", "-", "roles/secretmanager.secretAccessor on secret projects/acme-app-prod/secrets/k"]],
        ]);
    });
});

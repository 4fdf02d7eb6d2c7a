/**
 * The deployer's identities: Vault policies checked against a table of the Vault API calls the
 * provider makes for each resource type (with the source of each row), the planner unable to
 * write, the AWS and GCP permissions exactly, and the map rules around them.
 */
import { strict as assert } from "node:assert";
import { parse as parseHcl } from "@cdktf/hcl2json";
import { planMap } from "../../src/features";
import type { Plan } from "../../src/features/plan-schema";
import { RESOURCE as VAULT } from "../../src/targets/vault/names";
import { problems, warnings } from "../helpers/check";
import { clone, devMap } from "../helpers/maps";

type Json = Record<string, any>;
const DEV = devMap() as Json;

interface Stanza {
    readonly path: string;
    readonly capabilities: readonly string[];
}

/** A policy's stanzas, read by HashiCorp's HCL parser. */
async function stanzasOf(hcl: string): Promise<Stanza[]> {
    const parsed = (await parseHcl("policy.hcl", hcl)) as { path: Record<string, { capabilities: string[] }[]> };
    return Object.entries(parsed.path).map(([path, [body]]) => ({ path, capabilities: body!.capabilities }));
}

/** Vault's matching: an exact path wins, else the longest glob (a trailing *) that prefixes the path. */
function capabilitiesAt(stanzas: readonly Stanza[], path: string): readonly string[] {
    const exact = stanzas.find((s) => s.path === path);
    if (exact !== undefined) {
        return exact.capabilities;
    }
    const globs = stanzas.filter((s) => s.path.endsWith("*") && path.startsWith(s.path.slice(0, -1))).sort((a, b) => b.path.length - a.path.length);
    return globs[0]?.capabilities ?? [];
}

const TFV = "terraform-provider-vault";
const ROOT = "vault/logical_system.go PathsSpecial.Root lists";

/** One call the Vault provider makes: the request path and the capabilities Vault checks for it. */
interface Call {
    readonly resource: string;
    readonly call: string;
    readonly path: string;
    readonly needs: readonly string[];
    readonly source: string;
}

/**
 * Every call for the dev map's resources (auth path gitlab, KV mount secret, audit device file,
 * policies gitlab-*), as read in the provider and Vault's API client. Writes need create (a new
 * path) and update (an existing one); a path under a root-protected prefix needs sudo too.
 */
function calls(options: { protect: boolean }): Call[] {
    const write = ["create", "update"];
    return [
        { resource: "provider", call: "LookupSelf", path: "auth/token/lookup-self", needs: ["read"], source: `${TFV} internal/provider/meta.go: client.Auth().Token().LookupSelf()` },
        { resource: VAULT.audit, call: "enable", path: "sys/audit/file", needs: [...write, "sudo"], source: `${TFV} vault/resource_audit.go auditWrite: Sys().EnableAuditWithOptions (PUT /v1/sys/audit/:path); ${ROOT} "audit/*"` },
        { resource: VAULT.audit, call: "disable", path: "sys/audit/file", needs: ["delete", "sudo"], source: `${TFV} vault/resource_audit.go auditDelete: Sys().DisableAudit; ${ROOT} "audit/*"` },
        { resource: VAULT.audit, call: "read", path: "sys/audit", needs: ["read", "sudo"], source: `${TFV} vault/resource_audit.go auditRead: Sys().ListAudit (GET /v1/sys/audit); ${ROOT} "audit"` },
        { resource: VAULT.mount, call: "create", path: "sys/mounts/secret", needs: write, source: `${TFV} vault/resource_mount.go createMount: Sys().MountWithContext (POST /v1/sys/mounts/:path)` },
        { resource: VAULT.mount, call: "read", path: "sys/mounts/secret", needs: ["read"], source: `${TFV} util/mountutil/mountutil.go GetMount: Sys().GetMountWithContext` },
        { resource: VAULT.mount, call: "tune", path: "sys/mounts/secret/tune", needs: ["update"], source: `${TFV} vault/resource_mount.go tuneMountWithMap: POST /v1/sys/mounts/%s/tune` },
        ...(options.protect ? [] : [{ resource: VAULT.mount, call: "delete", path: "sys/mounts/secret", needs: ["delete"], source: `${TFV} vault/resource_mount.go mountDelete: Sys().UnmountWithContext` }]),
        { resource: VAULT.authBackend, call: "enable", path: "sys/auth/gitlab", needs: [...write, "sudo"], source: `${TFV} vault/resource_jwt_auth_backend.go jwtAuthBackendWrite: Sys().EnableAuthWithOptionsWithContext; ${ROOT} "auth/*"` },
        ...(options.protect
            ? []
            : [{ resource: VAULT.authBackend, call: "disable", path: "sys/auth/gitlab", needs: ["delete", "sudo"], source: `${TFV} vault/resource_jwt_auth_backend.go jwtAuthBackendDelete: Sys().DisableAuthWithContext; ${ROOT} "auth/*"` }]),
        { resource: VAULT.authBackend, call: "read", path: "sys/mounts/auth/gitlab", needs: ["read"], source: `${TFV} util/mountutil GetAuthMount -> vault/api sys_auth.go GetAuthWithContext: GET /v1/sys/mounts/auth/:path ("so we don't require sudo")` },
        { resource: VAULT.authBackend, call: "read tune", path: "sys/mounts/auth/gitlab/tune", needs: ["read"], source: `${TFV} vault/auth_mount.go authMountTuneGet: Sys().MountConfigWithContext("auth/"+path)` },
        { resource: VAULT.authBackend, call: "tune", path: "sys/mounts/auth/gitlab/tune", needs: ["update"], source: `${TFV} vault/auth_mount.go tuneMount: Sys().TuneMountWithContext("auth/"+path)` },
        { resource: VAULT.authBackend, call: "read config", path: "auth/gitlab/config", needs: ["read"], source: `${TFV} vault/resource_jwt_auth_backend.go jwtAuthBackendRead: Logical().ReadWithContext(jwtConfigEndpoint)` },
        { resource: VAULT.authBackend, call: "write config", path: "auth/gitlab/config", needs: write, source: `${TFV} vault/resource_jwt_auth_backend.go jwtAuthBackendUpdate: Logical().WriteWithContext(jwtConfigEndpoint)` },
        { resource: VAULT.role, call: "write", path: "auth/gitlab/role/platform-api--deploy", needs: write, source: `${TFV} vault/resource_jwt_auth_backend_role.go jwtAuthBackendRoleCreate/Update: Logical().Write` },
        { resource: VAULT.role, call: "read", path: "auth/gitlab/role/platform-api--deploy", needs: ["read"], source: `${TFV} vault/resource_jwt_auth_backend_role.go jwtAuthBackendRoleRead: Logical().Read` },
        { resource: VAULT.role, call: "delete", path: "auth/gitlab/role/platform-api--deploy", needs: ["delete"], source: `${TFV} vault/resource_jwt_auth_backend_role.go jwtAuthBackendRoleDelete: Logical().Delete` },
        { resource: VAULT.policy, call: "write", path: "sys/policies/acl/gitlab-platform-api--deploy", needs: write, source: `${TFV} vault/resource_policy.go: Sys().PutPolicy -> vault/api sys_policy.go PUT /v1/sys/policies/acl/:name` },
        { resource: VAULT.policy, call: "read", path: "sys/policies/acl/gitlab-platform-api--deploy", needs: ["read"], source: `${TFV} vault/resource_policy.go: Sys().GetPolicy -> GET /v1/sys/policies/acl/:name` },
        { resource: VAULT.policy, call: "delete", path: "sys/policies/acl/gitlab-platform-api--deploy", needs: ["delete"], source: `${TFV} vault/resource_policy.go: Sys().DeletePolicy -> DELETE /v1/sys/policies/acl/:name` },
    ];
}

const OWN = ["auth/gitlab/role/platform-gitlab-federation--applier", "auth/gitlab/role/platform-gitlab-federation--planner", "sys/policies/acl/gitlab-platform-gitlab-federation--applier", "sys/policies/acl/gitlab-platform-gitlab-federation--planner"];

function deployerPolicy(plan: Plan, role: "planner" | "applier"): string {
    return plan.vault!.policies.find((p) => p.name === `gitlab-platform-gitlab-federation--${role}`)!.policy;
}

describe("the deployer", () => {
    describe("Vault", () => {
        for (const protect of [true, false]) {
            it(`the applier may make every call the provider makes for what it manages, and nothing else (vault.protect ${protect})`, async () => {
                const raw = clone(DEV);
                raw.vault.protect = protect;
                const stanzas = await stanzasOf(deployerPolicy(planMap(raw), "applier"));
                const table = calls({ protect });
                for (const call of table) {
                    const granted = capabilitiesAt(stanzas, call.path);
                    assert.ok(call.needs.every((c) => granted.includes(c)), `${call.resource} ${call.call}: ${call.path} needs ${call.needs.join(", ")}, has ${granted.join(", ")} (${call.source})`);
                }
                for (const stanza of stanzas) {
                    for (const capability of stanza.capabilities) {
                        const needed = OWN.includes(stanza.path) || table.some((call) => call.needs.includes(capability) && (stanza.path === call.path || (stanza.path.endsWith("*") && call.path.startsWith(stanza.path.slice(0, -1)))));
                        assert.ok(needed, `${stanza.path} grants ${capability}, which no call needs`);
                    }
                }
                assert.equal(capabilitiesAt(stanzas, "sys/mounts/secret").includes("delete"), !protect, "deleting a protected mount is refused by Pulumi anyway");
            });
        }

        it("the applier cannot change the deployer's own roles and policies", async () => {
            const stanzas = await stanzasOf(deployerPolicy(planMap(DEV), "applier"));
            for (const path of OWN) {
                assert.deepEqual(capabilitiesAt(stanzas, path), ["read"], path);
            }
            assert.deepEqual(capabilitiesAt(stanzas, "auth/token/create"), [], "the pipeline skips the child token");
            assert.deepEqual(capabilitiesAt(stanzas, "secret/data/platform/api/production"), [], "no secret data");
            assert.deepEqual(capabilitiesAt(stanzas, "sys/remount"), [], "moving a mount takes an administrator");
        });

        it("the planner can write nothing: only read, never sudo, no audit devices, no secret data", async () => {
            const stanzas = await stanzasOf(deployerPolicy(planMap(DEV), "planner"));
            assert.deepEqual([...new Set(stanzas.flatMap((s) => s.capabilities))], ["read"]);
            for (const call of calls({ protect: true }).filter((c) => c.needs.every((n) => n === "read"))) {
                assert.deepEqual(capabilitiesAt(stanzas, call.path), ["read"], `${call.resource} ${call.call} (${call.source})`);
            }
            assert.deepEqual(capabilitiesAt(stanzas, "sys/audit"), [], "listing audit devices needs sudo: pulumi preview does not refresh them");
            assert.deepEqual(capabilitiesAt(stanzas, "secret/data/platform/api/production"), []);
            assert.deepEqual(capabilitiesAt(stanzas, "secret/metadata/platform/api"), []);
        });

        it("what the stack does not manage is not in the policy: an external auth method and mount", async () => {
            const raw = clone(DEV);
            raw.vault.adopt = { authMethod: "external", kvMount: "external" };
            raw.vault.audit = [];
            raw.vault.auditManagedElsewhere = "the Vault team enables the audit devices";
            const stanzas = await stanzasOf(deployerPolicy(planMap(raw), "applier"));
            assert.deepEqual(stanzas.map((s) => s.path).sort(), ["auth/token/lookup-self", "auth/gitlab/role/*", "sys/policies/acl/gitlab-*", ...OWN].sort());
        });

        it("its roles: batch tokens for the deployer's TTL, its policy only, bound to the federation project", () => {
            const plan = planMap(DEV);
            const applier = plan.vault!.roles.find((r) => r.roleName === "platform-gitlab-federation--applier")!;
            assert.deepEqual(
                { claims: applier.boundClaims, ttl: applier.tokenTtl, max: applier.tokenExplicitMaxTtl, policies: applier.tokenPolicies, type: applier.tokenType, noDefault: applier.tokenNoDefaultPolicy },
                {
                    claims: { project_id: "7", ref: "main", ref_type: "branch", ref_protected: "true", environment: "federation-dev" },
                    ttl: 1800,
                    max: 1800,
                    policies: ["gitlab-platform-gitlab-federation--applier"],
                    type: "batch",
                    noDefault: true,
                },
            );
            const planner = plan.vault!.roles.find((r) => r.roleName === "platform-gitlab-federation--planner")!;
            assert.deepEqual(planner.boundClaims, { project_id: "7", ref: "*", ref_type: "branch" });
            assert.equal(planner.boundClaimsType, "glob");
        });
    });

    describe("AWS", () => {
        const policyOf = (plan: Plan, role: string) => plan.aws!.rolePolicies.find((p) => p.role === `gitlab-platform-gitlab-federation--${role}`)!.policy as Json;

        it("the planner's policy exactly: reads on this stack's roles, provider and state", () => {
            assert.deepEqual(policyOf(planMap(DEV), "planner"), {
                Version: "2012-10-17",
                Statement: [
                    { Sid: "ReadGrantRoles", Effect: "Allow", Action: ["iam:GetRole", "iam:ListRolePolicies", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies"], Resource: "arn:aws:iam::111111111111:role/gitlab-federation/*" },
                    { Sid: "ReadOidcProvider", Effect: "Allow", Action: ["iam:GetOpenIDConnectProvider"], Resource: "arn:aws:iam::111111111111:oidc-provider/gitlab.example.com" },
                    { Sid: "ListState", Effect: "Allow", Action: ["s3:ListBucket"], Resource: "arn:aws:s3:::acme-pulumi-state", Condition: { StringLike: { "s3:prefix": ["gitlab-federation", "gitlab-federation/*"] } } },
                    { Sid: "ReadState", Effect: "Allow", Action: ["s3:GetObject"], Resource: "arn:aws:s3:::acme-pulumi-state/gitlab-federation/*" },
                    { Sid: "ReadStateSecrets", Effect: "Allow", Action: ["kms:Decrypt"], Resource: "arn:aws:kms:eu-west-1:111111111111:key/0b2c4d6e-1a3b-4c5d-8e9f-a0b1c2d3e4f5" },
                ],
            });
        });

        it("the planner has no write action, whatever the map (IAM action names compared case-insensitively)", () => {
            const raw = clone(DEV);
            raw.aws.protect = false;
            const actions = (policyOf(planMap(raw), "planner").Statement as Json[]).flatMap((s) => s.Action as string[]);
            const READ = /^(iam:(get|list)[a-z]*|s3:getobject|s3:listbucket|kms:decrypt)$/i;
            assert.deepEqual(actions.filter((a) => !READ.test(a)), []);
            assert.ok(actions.length >= 6);
        });

        it("the applier writes only roles under the stack's path that carry the boundary, never its own; the provider without delete while protected", () => {
            const statements = policyOf(planMap(DEV), "applier").Statement as Json[];
            const manage = statements.find((s) => s.Sid === "ManageGrantRoles")!;
            assert.equal(manage.Resource, "arn:aws:iam::111111111111:role/gitlab-federation/*");
            assert.deepEqual(manage.Condition, { StringEquals: { "iam:PermissionsBoundary": "arn:aws:iam::111111111111:policy/gitlab-federation-boundary" } });
            assert.ok(!manage.Action.includes("iam:DeleteRolePermissionsBoundary"), "a boundary once set is never removed by the pipeline");
            const deny = statements.find((s) => s.Sid === "NotTheDeployerItself")!;
            assert.deepEqual([deny.Effect, deny.Action, deny.Resource], [
                "Deny",
                manage.Action,
                ["arn:aws:iam::111111111111:role/gitlab-federation/gitlab-platform-gitlab-federation--applier", "arn:aws:iam::111111111111:role/gitlab-federation/gitlab-platform-gitlab-federation--planner"],
            ]);
            assert.ok(!statements.find((s) => s.Sid === "ManageOidcProvider")!.Action.includes("iam:DeleteOpenIDConnectProvider"));
            assert.deepEqual(statements.find((s) => s.Sid === "ReadWriteState")!.Action, ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]);
            assert.deepEqual(statements.find((s) => s.Sid === "StateSecrets")!.Action, ["kms:Encrypt", "kms:Decrypt"]);
        });

        it("requires an account, a path of its own, a boundary (or a reason) and an acknowledgement", () => {
            const raw = clone(DEV);
            raw.aws = { audience: "sts.amazonaws.com" };
            delete raw.deployer.applier.acknowledgeAws;
            assert.deepEqual(problems(raw), [
                "gitlab-federation:aws.accountId: is required with gitlab-federation:deployer: the deployer's IAM policies name this account's roles exactly; set the 12-digit account ID in quotes",
                'gitlab-federation:aws.rolePath: is "/" and the deployer\'s applier may write every role under aws.rolePath, which would be every role in the account: give this stack a path of its own, e.g. "/gitlab-federation/" (a new path replaces the roles, delete-first)',
                "gitlab-federation:deployer.allowUnboundedAwsRoles: is required while aws.permissionsBoundary is unset: the applier creates IAM roles, and without a boundary it could create one with any permission and assume it. Set aws.permissionsBoundary (every role then carries it, and the applier may write only such roles), or give the reason here",
                "gitlab-federation:deployer.applier.acknowledgeAws: is required with an aws section: AWS sees only sub and aud, so any job of a pipeline on main in platform/gitlab-federation can assume the applier's role, not only pulumi up in federation-dev, and AWS cannot check that the branch is protected; give the reason this is acceptable (e.g. the branch is protected and every job on it is reviewed)",
            ]);
            const reasoned = clone(DEV);
            delete reasoned.aws.permissionsBoundary;
            reasoned.deployer.allowUnboundedAwsRoles = "a sandbox account with nothing else in it";
            assert.deepEqual(problems(reasoned), []);
            assert.ok(warnings(reasoned).includes('gitlab-federation:deployer.allowUnboundedAwsRoles: the applier can create IAM roles with any permission: "a sandbox account with nothing else in it"'));
            assert.equal((policyOf(planMap(reasoned), "applier").Statement as Json[]).find((s) => s.Sid === "ManageGrantRoles")!.Condition, undefined);
        });
    });

    describe("GCP", () => {
        it("exact roles with reasons; serviceAccountAdmin only for workloadIdentityUser, projectIamAdmin only for the map's project roles, in separate bindings", () => {
            const plan = planMap(DEV);
            const bindings = plan.gcp!.iamMembers
                .filter((m) => m.resource.name.startsWith("7/") && m.role !== "roles/iam.workloadIdentityUser")
                .map((m) => ({ name: m.resource.name, role: m.role, ...("condition" in m && m.condition !== undefined ? { condition: m.condition.expression } : {}) }));
            assert.deepEqual(bindings, [
                { name: "7/applier/roles/iam.workloadIdentityPoolAdmin", role: "roles/iam.workloadIdentityPoolAdmin" },
                {
                    name: "7/applier/roles/iam.serviceAccountAdmin",
                    role: "roles/iam.serviceAccountAdmin",
                    condition: "api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly(['roles/iam.workloadIdentityUser'])",
                },
                {
                    name: "7/applier/roles/resourcemanager.projectIamAdmin",
                    role: "roles/resourcemanager.projectIamAdmin",
                    condition: "api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly(['roles/run.developer', 'roles/storage.objectAdmin'])",
                },
                { name: "7/planner/roles/iam.workloadIdentityPoolViewer", role: "roles/iam.workloadIdentityPoolViewer" },
                { name: "7/planner/roles/iam.serviceAccountViewer", role: "roles/iam.serviceAccountViewer" },
            ]);
            const applier = plan.grants.find((g) => g.deployer === "applier")!;
            assert.deepEqual(applier.gcp!.roleReasons, {
                "roles/iam.workloadIdentityPoolAdmin": "create and update the workload identity pool and provider, and every other pool of acme-ci: no IAM condition can narrow it",
                "roles/iam.serviceAccountAdmin": "create the grants' service accounts and set who may impersonate each, on every service account of acme-ci: it binds roles/iam.workloadIdentityUser and no other role (IAM condition)",
                "roles/resourcemanager.projectIamAdmin": "grant the map's project roles to the grants' service accounts, and no other role (IAM condition): roles/run.developer, roles/storage.objectAdmin",
            });
            const planner = plan.grants.find((g) => g.deployer === "planner")!;
            assert.deepEqual(planner.gcp!.roleReasons, {
                "roles/iam.workloadIdentityPoolViewer": "read the workload identity pool and provider (a pending import is read in preview)",
                "roles/iam.serviceAccountViewer": "read the grants' service accounts",
            });
            const conditions = plan.gcp!.iamMembers.flatMap((m) => ("condition" in m && m.condition !== undefined ? [m.condition.title] : []));
            assert.deepEqual(conditions, ["gitlab-federation-impersonation-only", "gitlab-federation-granted-roles"], "two bindings, two lists: never one list with both");
        });

        it("a state bucket and key: object and key roles on exactly them", () => {
            const raw = clone(DEV);
            raw.deployer.state = { gcs: { bucket: "acme-pulumi-state", kmsKey: "projects/acme-ci/locations/europe-west1/keyRings/pulumi/cryptoKeys/state" } };
            const members = planMap(raw).gcp!.iamMembers.filter((m) => !("project" in m) && !("serviceAccountId" in m));
            assert.deepEqual(
                members.map((m) => [m.resource.name, m.role, "bucket" in m ? m.bucket : (m as Json).cryptoKeyId]),
                [
                    ["7/applier/state/roles/storage.objectAdmin", "roles/storage.objectAdmin", "acme-pulumi-state"],
                    ["7/applier/state-key/roles/cloudkms.cryptoKeyEncrypterDecrypter", "roles/cloudkms.cryptoKeyEncrypterDecrypter", "projects/acme-ci/locations/europe-west1/keyRings/pulumi/cryptoKeys/state"],
                    ["7/planner/state/roles/storage.objectViewer", "roles/storage.objectViewer", "acme-pulumi-state"],
                    ["7/planner/state-key/roles/cloudkms.cryptoKeyDecrypter", "roles/cloudkms.cryptoKeyDecrypter", "projects/acme-ci/locations/europe-west1/keyRings/pulumi/cryptoKeys/state"],
                ],
            );
        });
    });

    describe("the map", () => {
        it("the identities are grants planner and applier of the federation project: conflicts, ids, sections, TTLs", () => {
            const raw = clone(DEV);
            raw.projects["platform/gitlab-federation"] = { id: 8, grants: { applier: { ref: "main", vault: { read: ["platform/gitlab-federation/x"] } } } };
            raw.deployer.state.gcs = { bucket: "acme-state" };
            raw.deployer.tokenTtl = "2h";
            delete raw.gcp;
            for (const grant of Object.values(raw.projects as Json)) {
                for (const g of Object.values(grant.grants as Json)) delete (g as Json).gcp;
            }
            assert.deepEqual(problems(raw), [
                "gitlab-federation:deployer.id: 7 differs from the id of \"platform/gitlab-federation\" under projects (8): one GitLab project has one id",
                "gitlab-federation:deployer.state.gcs: needs the gitlab-federation:gcp section: the deployer's GCP service accounts are what reach this state",
                "gitlab-federation:deployer.tokenTtl: 2h is above the guardrail vault.ttlCap (1h): shorten it, or raise vault.ttlCap",
                'gitlab-federation:projects["platform/gitlab-federation"].grants.applier: is also the name of the deployer\'s applier identity (gitlab-federation:deployer names platform/gitlab-federation as the federation project, whose grants planner and applier it plans): rename this grant',
            ]);
        });

        it("the plan marks the identities, and the planner's unprotected branches are a warning that says what it can do", () => {
            const plan = planMap(DEV);
            assert.deepEqual(
                plan.grants.filter((g) => g.deployer !== undefined).map((g) => [g.project, g.grant, g.deployer, g.conditions]),
                [
                    ["platform/gitlab-federation", "applier", "applier", { ref: ["main"], refType: "branch", protected: true, environment: "federation-dev" }],
                    ["platform/gitlab-federation", "planner", "planner", { ref: ["*"], refType: "branch", protected: false }],
                ],
            );
            assert.ok(
                warnings(DEV).includes(
                    "gitlab-federation:deployer.planner.protected: false: merge-request pipelines of any matching branch (any developer's push) run pulumi preview as the planner: it reads this stack's configuration, never secret data, and writes nothing",
                ),
            );
        });
    });
});

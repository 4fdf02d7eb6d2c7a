/**
 * The deployer's identities: Vault policies checked against a table of the Vault API calls the
 * provider makes for each resource type (with the source of each row), the planner unable to
 * write, the AWS and GCP permissions exactly, and the map rules around them.
 */
import { strict as assert } from "node:assert";
import { parse as parseHcl } from "@cdktf/hcl2json";
import { planMap } from "../../src/features";
import type { Plan } from "../../src/features/plan-schema";
import { KINDS } from "../../components/vault/resources";
import { RESOURCE as VAULT } from "../../components/vault/names";
import { problems, warnings } from "../helpers/check";
import { Operation, allows, capabilitiesAt as aclCapabilitiesAt, parsePolicy } from "../helpers/vault-acl";
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

/** Whether a policy path (a glob with a trailing *, or exact) covers a request path. */
function covers(pattern: string, path: string): boolean {
    return pattern === path || (pattern.endsWith("*") && path.startsWith(pattern.slice(0, -1)));
}

/**
 * Vault's matching (hashicorp/vault vault/acl.go (*ACL).AllowOperation): an exact path wins
 * outright, else the longest glob (a trailing *) that prefixes the path. These policies have no
 * `+` segments, so that is the whole rule.
 */
function capabilitiesAt(stanzas: readonly Stanza[], path: string): readonly string[] {
    const exact = stanzas.find((s) => s.path === path);
    if (exact !== undefined) {
        return exact.capabilities;
    }
    const globs = stanzas.filter((s) => s.path.endsWith("*") && covers(s.path, path)).sort((a, b) => b.path.length - a.path.length);
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
 * `admin`: the call changes a trust anchor, which only an administrator may (deployer.ts).
 */
const CALLS: readonly (Call & { readonly admin?: true })[] = [
    { resource: "provider", call: "LookupSelf", path: "auth/token/lookup-self", needs: ["read"], source: `${TFV} internal/provider/meta.go setClient: client.Auth().Token().LookupSelf()` },
    { resource: VAULT.audit, call: "enable", path: "sys/audit/file", needs: ["create", "update", "sudo"], admin: true, source: `${TFV} vault/resource_audit.go auditWrite: Sys().EnableAuditWithOptions (PUT /v1/sys/audit/:path); ${ROOT} "audit/*"` },
    { resource: VAULT.audit, call: "disable", path: "sys/audit/file", needs: ["delete", "sudo"], admin: true, source: `${TFV} vault/resource_audit.go auditDelete: Sys().DisableAudit; ${ROOT} "audit/*"` },
    { resource: VAULT.audit, call: "read", path: "sys/audit", needs: ["read", "sudo"], source: `${TFV} vault/resource_audit.go auditRead: Sys().ListAudit (GET /v1/sys/audit); ${ROOT} "audit"` },
    { resource: VAULT.mount, call: "create", path: "sys/mounts/secret", needs: ["create", "update"], admin: true, source: `${TFV} vault/resource_mount.go createMount: Sys().MountWithContext (POST /v1/sys/mounts/:path)` },
    { resource: VAULT.mount, call: "read", path: "sys/mounts/secret", needs: ["read"], source: `${TFV} vault/resource_mount.go readMount -> util/mountutil/mountutil.go GetMount: Sys().GetMountWithContext` },
    { resource: VAULT.mount, call: "tune", path: "sys/mounts/secret/tune", needs: ["update"], admin: true, source: `${TFV} vault/resource_mount.go tuneMountWithMap: POST /v1/sys/mounts/%s/tune` },
    { resource: VAULT.mount, call: "move", path: "sys/remount", needs: ["update", "sudo"], admin: true, source: `${TFV} vault/resource_mount.go updateMount: Sys().RemountWithContext; ${ROOT} "remount"` },
    { resource: VAULT.mount, call: "delete", path: "sys/mounts/secret", needs: ["delete"], admin: true, source: `${TFV} vault/resource_mount.go mountDelete: Sys().UnmountWithContext` },
    { resource: VAULT.authBackend, call: "enable", path: "sys/auth/gitlab", needs: ["create", "update", "sudo"], admin: true, source: `${TFV} vault/resource_jwt_auth_backend.go jwtAuthBackendWrite: Sys().EnableAuthWithOptionsWithContext; ${ROOT} "auth/*"` },
    { resource: VAULT.authBackend, call: "disable", path: "sys/auth/gitlab", needs: ["delete", "sudo"], admin: true, source: `${TFV} vault/resource_jwt_auth_backend.go jwtAuthBackendDelete: Sys().DisableAuthWithContext; ${ROOT} "auth/*"` },
    { resource: VAULT.authBackend, call: "read", path: "sys/mounts/auth/gitlab", needs: ["read"], source: `${TFV} vault/resource_jwt_auth_backend.go jwtAuthBackendRead: mountutil.GetAuthMount -> vault/api sys_auth.go GetAuthWithContext: GET /v1/sys/mounts/auth/:path ("so we don't require sudo")` },
    { resource: VAULT.authBackend, call: "read tune", path: "sys/mounts/auth/gitlab/tune", needs: ["read"], source: `${TFV} vault/auth_mount.go authMountTuneGet: Sys().MountConfigWithContext("auth/"+path)` },
    { resource: VAULT.authBackend, call: "tune", path: "sys/mounts/auth/gitlab/tune", needs: ["update"], admin: true, source: `${TFV} vault/auth_mount.go tuneMount: Sys().TuneMountWithContext("auth/"+path)` },
    { resource: VAULT.authBackend, call: "read config", path: "auth/gitlab/config", needs: ["read"], source: `${TFV} vault/resource_jwt_auth_backend.go jwtAuthBackendRead: Logical().ReadWithContext(jwtConfigEndpoint)` },
    { resource: VAULT.authBackend, call: "write config", path: "auth/gitlab/config", needs: ["create", "update"], admin: true, source: `${TFV} vault/resource_jwt_auth_backend.go jwtAuthBackendUpdate: Logical().WriteWithContext(jwtConfigEndpoint)` },
    { resource: VAULT.role, call: "write", path: "auth/gitlab/role/platform-api--deploy", needs: ["create", "update"], source: `${TFV} vault/resource_jwt_auth_backend_role.go jwtAuthBackendRoleCreate/Update: Logical().Write` },
    { resource: VAULT.role, call: "read", path: "auth/gitlab/role/platform-api--deploy", needs: ["read"], source: `${TFV} vault/resource_jwt_auth_backend_role.go jwtAuthBackendRoleRead: Logical().Read` },
    { resource: VAULT.role, call: "delete", path: "auth/gitlab/role/platform-api--deploy", needs: ["delete"], source: `${TFV} vault/resource_jwt_auth_backend_role.go jwtAuthBackendRoleDelete: Logical().Delete` },
    { resource: VAULT.policy, call: "write", path: "sys/policies/acl/gitlab-platform-api--deploy", needs: ["create", "update"], source: `${TFV} vault/resource_policy.go policyWrite: Sys().PutPolicy -> vault/api sys_policy.go PUT /v1/sys/policies/acl/:name` },
    { resource: VAULT.policy, call: "read", path: "sys/policies/acl/gitlab-platform-api--deploy", needs: ["read"], source: `${TFV} vault/resource_policy.go policyCreate/policyRead: Sys().GetPolicy -> GET /v1/sys/policies/acl/:name` },
    { resource: VAULT.policy, call: "delete", path: "sys/policies/acl/gitlab-platform-api--deploy", needs: ["delete"], source: `${TFV} vault/resource_policy.go policyDelete: Sys().DeletePolicy -> DELETE /v1/sys/policies/acl/:name` },
];

const WRITES = ["create", "update", "patch", "delete"];

const OWN = ["auth/gitlab/role/platform-gitlab-federation--applier", "auth/gitlab/role/platform-gitlab-federation--planner", "sys/policies/acl/gitlab-platform-gitlab-federation--applier", "sys/policies/acl/gitlab-platform-gitlab-federation--planner"];

function deployerPolicy(plan: Plan, role: "planner" | "applier"): string {
    return plan.vault!.policies.find((p) => p.name === `gitlab-platform-gitlab-federation--${role}`)!.policy;
}

describe("the deployer", () => {
    describe("its state backend", () => {
        it("S3: the pipeline's backend URL carries the region; a prefix with IAM wildcards and a missing region are refused", () => {
            assert.equal(planMap(DEV).deployer!.backendUrl, "s3://acme-pulumi-state/gitlab-federation?region=eu-west-1");
            const raw = clone(DEV);
            raw.deployer.aws.state.prefix = "gitlab-*";
            delete raw.deployer.aws.state.region;
            assert.deepEqual(problems(raw), [
                `gitlab-federation:deployer.aws.state.prefix: must be an object key prefix of letters, digits and !_.'()- in "/"-separated parts, without leading or trailing "/" (no "*" or "?": IAM reads them as wildcards), got "gitlab-*"`,
                "gitlab-federation:deployer.aws.state.region: is required but missing. The bucket's region: the pipeline's backend URL carries it (s3://<bucket>/<prefix>?region=<region>); the S3 backend cannot find the bucket without it.",
            ]);
            raw.deployer.aws.state = { bucket: "acme-pulumi-state", region: "us-gov-west-1" };
            assert.equal(planMap(raw).deployer!.backendUrl, "s3://acme-pulumi-state?region=us-gov-west-1");
        });

        it("GCS: gs://<bucket>", () => {
            const raw = clone(DEV);
            raw.deployer.gcp.state = { bucket: "acme-pulumi-state" };
            assert.deepEqual(problems(raw), [
                "gitlab-federation:deployer.gcp: names a second state backend: the pipeline's jobs have one PULUMI_BACKEND_URL, and deployer.aws (s3://acme-pulumi-state/gitlab-federation?region=eu-west-1) and deployer.gcp (gs://acme-pulumi-state) both name one. Keep the state in one of them",
            ]);
            delete raw.deployer.aws.state;
            assert.equal(planMap(raw).deployer!.backendUrl, "gs://acme-pulumi-state");
        });
    });

    describe("Vault", () => {
        it("the dev map's policies exactly: the applier writes roles and policies and reads the anchors; the planner reads", async () => {
            const byPath = (stanzas: readonly Stanza[]) => [...stanzas].sort((a, b) => (a.path < b.path ? -1 : 1));
            const applier = byPath(await stanzasOf(deployerPolicy(planMap(DEV), "applier")));
            const reads = [
                { path: "auth/token/lookup-self", capabilities: ["read"] },
                { path: "sys/audit", capabilities: ["read", "sudo"] },
                { path: "sys/mounts/secret", capabilities: ["read"] },
                { path: "sys/mounts/auth/gitlab", capabilities: ["read"] },
                { path: "sys/mounts/auth/gitlab/tune", capabilities: ["read"] },
                { path: "auth/gitlab/config", capabilities: ["read"] },
            ];
            const own = OWN.map((path) => ({ path, capabilities: ["read"] }));
            assert.deepEqual(
                applier,
                byPath([
                    ...reads,
                    { path: "auth/gitlab/role/*", capabilities: ["create", "update", "read", "delete"] },
                    { path: "sys/policies/acl/gitlab-*", capabilities: ["create", "update", "read", "delete"] },
                    ...own,
                ]),
            );
            assert.deepEqual(
                byPath(await stanzasOf(deployerPolicy(planMap(DEV), "planner"))),
                byPath([...reads, { path: "auth/gitlab/role/*", capabilities: ["read"] }, { path: "sys/policies/acl/gitlab-*", capabilities: ["read"] }, ...own]),
            );
        });

        it("every stanza says which provider call it serves, with its source file and function", () => {
            const policy = deployerPolicy(planMap(DEV), "applier");
            const comments = policy.split("\n").filter((_, i, lines) => lines[i + 1]?.startsWith("path "));
            assert.equal(comments.length, 12);
            for (const comment of comments.slice(0, 8)) {
                assert.match(comment, /^# .*\(terraform-provider-vault (internal\/provider|vault)\/[a-z_]+\.go [A-Za-z/]+[:)]/, comment);
            }
            for (const comment of comments.slice(8)) {
                assert.match(comment, /^# a deployer (role|policy), read only: an exact path wins over the glob above, so no pulumi up of the pipeline rewrites it; an administrator changes it$/, comment);
            }
        });

        for (const protect of [true, false]) {
            it(`the applier may make every call the provider makes for roles, policies and reads, no call that changes an anchor, and nothing else (vault.protect ${protect})`, async () => {
                const raw = clone(DEV);
                raw.vault.protect = protect;
                const stanzas = await stanzasOf(deployerPolicy(planMap(raw), "applier"));
                for (const call of CALLS) {
                    const granted = capabilitiesAt(stanzas, call.path);
                    if (call.admin === true) {
                        assert.deepEqual(granted.filter((c) => WRITES.includes(c)), [], `${call.resource} ${call.call}: ${call.path} is an administrator's (${call.source})`);
                    } else {
                        assert.ok(call.needs.every((c) => granted.includes(c)), `${call.resource} ${call.call}: ${call.path} needs ${call.needs.join(", ")}, has ${granted.join(", ")} (${call.source})`);
                    }
                }
                for (const stanza of stanzas) {
                    for (const capability of stanza.capabilities) {
                        const needed = OWN.includes(stanza.path) || CALLS.some((call) => call.admin !== true && call.needs.includes(capability) && covers(stanza.path, call.path));
                        assert.ok(needed, `${stanza.path} grants ${capability}, which no call needs`);
                    }
                }
            });
        }

        it("the applier cannot change the auth method, the KV mount or audit devices, whatever the path below them", async () => {
            const stanzas = await stanzasOf(deployerPolicy(planMap(DEV), "applier"));
            for (const path of [
                "sys/auth/gitlab",
                "sys/auth/gitlab/tune",
                "sys/auth/other",
                "auth/gitlab/config",
                "sys/mounts/secret",
                "sys/mounts/secret/tune",
                "sys/mounts/other",
                "sys/mounts/auth/gitlab",
                "sys/mounts/auth/gitlab/tune",
                "sys/remount",
                "sys/audit",
                "sys/audit/file",
                "sys/audit/other",
            ]) {
                assert.deepEqual(capabilitiesAt(stanzas, path).filter((c) => WRITES.includes(c)), [], path);
            }
            assert.deepEqual(capabilitiesAt(stanzas, "sys/audit/file"), [], "enabling or disabling a device: no capability at all");
            assert.deepEqual(capabilitiesAt(stanzas, "sys/auth/gitlab"), [], "enabling or disabling the auth method: no capability at all");
            assert.deepEqual(
                stanzas.filter((s) => s.capabilities.includes("sudo")).map((s) => s.path),
                ["sys/audit"],
                "sudo only to list the audit devices",
            );
        });

        it("the applier writes any grant's role and any policy under its prefix, no other policy, and its own only read (by their exact paths)", async () => {
            const stanzas = await stanzasOf(deployerPolicy(planMap(DEV), "applier"));
            for (const path of ["auth/gitlab/role/platform-api--deploy", "auth/gitlab/role/a-new-grant", "sys/policies/acl/gitlab-platform-api--deploy", "sys/policies/acl/gitlab-anything"]) {
                assert.deepEqual(capabilitiesAt(stanzas, path), ["create", "update", "read", "delete"], path);
            }
            for (const path of ["sys/policies/acl/root", "sys/policies/acl/default", "sys/policies/acl/admin", "sys/policies/acl/gitla", "auth/other/role/x", "auth/gitlab/login"]) {
                assert.deepEqual(capabilitiesAt(stanzas, path), [], path);
            }
            for (const path of OWN) {
                assert.deepEqual(capabilitiesAt(stanzas, path), ["read"], path);
                // The known limit (deployer.ts): Vault lowercases role and policy names after the ACL
                // check, so the same names in capitals match the glob. No boundary: deployer.vault.acknowledgePolicies.
                const upper = path.replace(/[^/]+$/, (name) => (name.startsWith("gitlab-") ? `gitlab-${name.slice(7).toUpperCase()}` : name.toUpperCase()));
                assert.deepEqual(capabilitiesAt(stanzas, upper), ["create", "update", "read", "delete"], upper);
            }
            assert.deepEqual(capabilitiesAt(stanzas, "auth/token/create"), [], "the pipeline skips the child token");
            assert.deepEqual(capabilitiesAt(stanzas, "secret/data/platform/api/production"), [], "no secret data");
        });

        it("the planner can write nothing anywhere: only read, sudo only to list audit devices, no secret data", async () => {
            for (const protect of [true, false]) {
                const raw = clone(DEV);
                raw.vault.protect = protect;
                const stanzas = await stanzasOf(deployerPolicy(planMap(raw), "planner"));
                assert.deepEqual([...new Set(stanzas.flatMap((s) => s.capabilities))].sort(), ["read", "sudo"]);
                assert.deepEqual(stanzas.filter((s) => s.capabilities.includes("sudo")), [{ path: "sys/audit", capabilities: ["read", "sudo"] }]);
                for (const call of CALLS) {
                    const granted = capabilitiesAt(stanzas, call.path);
                    assert.equal(call.needs.every((c) => granted.includes(c)), call.needs.every((n) => n === "read" || (n === "sudo" && call.path === "sys/audit")), `${call.resource} ${call.call} (${call.source})`);
                }
                assert.deepEqual(capabilitiesAt(stanzas, "sys/audit/file"), [], "listing only, never a device");
                assert.deepEqual(capabilitiesAt(stanzas, "secret/data/platform/api/production"), []);
                assert.deepEqual(capabilitiesAt(stanzas, "secret/metadata/platform/api"), []);
            }
        });

        it("the resource table's adminOnly names exactly the resource types whose writes the applier's policy refuses", async () => {
            const stanzas = await stanzasOf(deployerPolicy(planMap(DEV), "applier"));
            const types = [...new Set(CALLS.map((c) => c.resource))].filter((t) => t !== "provider");
            for (const type of types) {
                const writes = CALLS.filter((c) => c.resource === type && c.needs.some((n) => WRITES.includes(n)));
                const refused = writes.every((c) => !c.needs.every((n) => capabilitiesAt(stanzas, c.path).includes(n)));
                const allowed = writes.every((c) => c.needs.every((n) => capabilitiesAt(stanzas, c.path).includes(n)));
                assert.ok(writes.length > 0, type);
                assert.equal(KINDS[type]?.adminOnly, refused ? "all" : undefined, type);
                assert.ok(refused || allowed, `${type}: some writes allowed, some refused`);
            }
            assert.deepEqual(Object.keys(KINDS).filter((t) => KINDS[t]!.adminOnly !== undefined).sort(), [VAULT.audit, VAULT.authBackend, VAULT.mount].sort());
        });

        it("what the stack does not manage is not in the policy: an external auth method and mount, no audit devices", async () => {
            const raw = clone(DEV);
            raw.vault.adopt = { authMethod: "external", kvMount: "external" };
            raw.vault.audit = [];
            raw.vault.auditManagedElsewhere = "the Vault team enables the audit devices";
            for (const role of ["applier", "planner"] as const) {
                const stanzas = await stanzasOf(deployerPolicy(planMap(raw), role));
                assert.deepEqual(stanzas.map((s) => s.path).sort(), ["auth/token/lookup-self", "auth/gitlab/role/*", "sys/policies/acl/gitlab-*", ...OWN].sort(), role);
            }
        });

        it("the applier's unbounded roles and policies need deployer.vault.acknowledgePolicies, shown in the plan", () => {
            const raw = clone(DEV);
            delete raw.deployer.vault.acknowledgePolicies;
            assert.deepEqual(problems(raw), [
                "gitlab-federation:deployer.vault.acknowledgePolicies: is required with a vault section: the applier writes the grants' Vault roles (auth/gitlab/role/*) and policies (sys/policies/acl/gitlab-*), and Vault cannot bound what they contain: a policy it writes may grant any path in Vault, and a role it writes may admit any GitLab pipeline, its own included; give the reason this is acceptable (e.g. every map change is reviewed, and the applier job runs only reviewed code on a protected branch in a protected environment)",
            ]);
            const warning =
                'gitlab-federation:deployer.vault.acknowledgePolicies: the applier can write Vault policies that grant any path and roles that admit any pipeline: "every map change is reviewed in a merge request, and up:dev runs only reviewed code from protected main in the protected environment federation-dev"';
            assert.ok(warnings(DEV).includes(warning));
            assert.ok(planMap(DEV).warnings.some((w) => `${w.path}: ${w.message}` === warning), "in plan --json too");
            const short = clone(DEV);
            short.deployer.vault.acknowledgePolicies = "ok";
            assert.equal(problems(short).length, 1);
            assert.match(problems(short)[0]!, /^gitlab-federation:deployer\.vault\.acknowledgePolicies: /);
            const noVault = clone(DEV);
            delete noVault.vault;
            delete noVault.deployer.vault.acknowledgePolicies;
            delete noVault.projects["platform/api"].grants.review;
            for (const project of Object.values(noVault.projects as Json)) {
                for (const grant of Object.values((project as Json).grants as Json)) delete (grant as Json).vault;
            }
            assert.deepEqual(problems(noVault), [], "only a vault section needs it");
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

    describe("Vault in a namespace (vault.namespace)", () => {
        const NS = "admin/team-a";
        /** The dev map in NS, its audit devices left to an administrator (refused with a deployer otherwise). */
        const inNs = (): Json => {
            const raw = clone(DEV);
            raw.vault.namespace = NS;
            raw.vault.audit = [];
            raw.vault.auditManagedElsewhere = "an administrator enables them with a root-namespace token";
            return raw;
        };
        const OPERATIONS: readonly Operation[] = ["read", "list", "update", "create", "delete", "patch"];

        it("is valid; both identities' roles and policies are planned in the namespace, the policies' text unchanged (paths relative to it)", async () => {
            assert.deepEqual(problems(inNs()), []);
            const plan = planMap(inNs());
            const names = ["platform-gitlab-federation--applier", "platform-gitlab-federation--planner"];
            assert.deepEqual(plan.vault!.roles.filter((r) => names.includes(r.roleName)).map((r) => r.namespace), [NS, NS]);
            assert.deepEqual(plan.vault!.policies.filter((p) => names.map((n) => `gitlab-${n}`).includes(p.name)).map((p) => p.namespace), [NS, NS]);
            const root = clone(inNs());
            delete root.vault.namespace;
            for (const role of ["applier", "planner"] as const) {
                assert.equal(deployerPolicy(plan, role), deployerPolicy(planMap(root), role), role);
            }
            const byPath = (stanzas: readonly Stanza[]) => [...stanzas].sort((a, b) => (a.path < b.path ? -1 : 1));
            const reads = [
                { path: "auth/token/lookup-self", capabilities: ["read"] },
                { path: "sys/mounts/secret", capabilities: ["read"] },
                { path: "sys/mounts/auth/gitlab", capabilities: ["read"] },
                { path: "sys/mounts/auth/gitlab/tune", capabilities: ["read"] },
                { path: "auth/gitlab/config", capabilities: ["read"] },
            ];
            const own = OWN.map((path) => ({ path, capabilities: ["read"] }));
            assert.deepEqual(
                byPath(await stanzasOf(deployerPolicy(plan, "applier"))),
                byPath([...reads, { path: "auth/gitlab/role/*", capabilities: ["create", "update", "read", "delete"] }, { path: "sys/policies/acl/gitlab-*", capabilities: ["create", "update", "read", "delete"] }, ...own]),
            );
            assert.deepEqual(
                byPath(await stanzasOf(deployerPolicy(plan, "planner"))),
                byPath([...reads, { path: "auth/gitlab/role/*", capabilities: ["read"] }, { path: "sys/policies/acl/gitlab-*", capabilities: ["read"] }, ...own]),
            );
        });

        it("the independent ACL evaluator, as Vault reads a namespace's policy: the applier may make every provider call in the namespace but the administrator's, and none outside it", async () => {
            const plan = planMap(inNs());
            const applier = await parsePolicy(deployerPolicy(plan, "applier"), `${NS}/`);
            const planner = await parsePolicy(deployerPolicy(plan, "planner"), `${NS}/`);
            for (const call of CALLS.filter((c) => c.resource !== VAULT.audit)) {
                const operations = call.needs.filter((n): n is Operation => n !== "sudo");
                const at = `${NS}/${call.path}`;
                if (call.admin === true) {
                    assert.deepEqual(OPERATIONS.filter((o) => o !== "read" && allows(applier, at, o)), [], `${call.resource} ${call.call}: ${at} is an administrator's (${call.source})`);
                } else {
                    assert.ok(operations.every((o) => allows(applier, at, o)), `${call.resource} ${call.call}: ${at} needs ${call.needs.join(", ")} (${call.source})`);
                    assert.equal(operations.every((o) => allows(planner, at, o)), operations.every((o) => o === "read"), `planner: ${call.resource} ${call.call}`);
                }
                // The root namespace, the parent namespace and a sibling: no rule at all.
                for (const outside of [call.path, `admin/${call.path}`, `admin/team-b/${call.path}`, `admin/team-a-b/${call.path}`]) {
                    assert.equal(aclCapabilitiesAt(applier, outside, "read"), undefined, outside);
                    assert.equal(aclCapabilitiesAt(planner, outside, "read"), undefined, outside);
                }
            }
            assert.ok(allows(applier, `${NS}/auth/token/lookup-self`, "read"), "the provider's start-up lookup-self, which Vault answers in the token's namespace");
            for (const path of ["sys/audit", "sys/audit/file", "auth/token/lookup-self", "sys/policies/acl/gitlab-x", "auth/gitlab/role/x"]) {
                assert.equal(aclCapabilitiesAt(applier, path, "read"), undefined, `${path} in the root namespace`);
            }
            assert.equal(aclCapabilitiesAt(applier, `${NS}/sys/audit`, "read"), undefined, "no audit stanza: the devices are refused with a deployer");
        });

        it("audit devices with a deployer in a namespace: refused at vault.audit (the applier's token reaches no path of the root namespace); the root namespace and a map without devices are fine", () => {
            const raw = inNs();
            raw.vault.audit = [{ type: "file", path: "stdout" }];
            delete raw.vault.auditManagedElsewhere;
            assert.deepEqual(problems(raw), [
                'gitlab-federation:vault.audit: audit devices cannot be managed with gitlab-federation:deployer in vault.namespace "admin/team-a": Vault keeps them in the root namespace only (sys/audit), and the pipeline\'s planner and applier log in to "admin/team-a", whose tokens reach no path of the root namespace, not even to list the devices; remove the devices from vault.audit and set vault.auditManagedElsewhere (an administrator enables them with a root-namespace token; HCP Vault Dedicated streams its audit log from the HCP portal)',
            ]);
            delete raw.vault.namespace;
            assert.deepEqual(problems(raw), []);
            assert.deepEqual(problems(DEV), []);
        });

        it("the acknowledgement names the namespace as the applier's reach", () => {
            const raw = inNs();
            delete raw.deployer.vault.acknowledgePolicies;
            assert.deepEqual(problems(raw), [
                'gitlab-federation:deployer.vault.acknowledgePolicies: is required with a vault section: the applier writes the grants\' Vault roles (auth/gitlab/role/*) and policies (sys/policies/acl/gitlab-*), and Vault cannot bound what they contain: a policy it writes may grant any path in the Vault namespace "admin/team-a" and its child namespaces, and a role it writes may admit any GitLab pipeline, its own included; give the reason this is acceptable (e.g. every map change is reviewed, and the applier job runs only reviewed code on a protected branch in a protected environment)',
            ]);
            assert.ok(
                warnings(inNs()).includes(
                    'gitlab-federation:deployer.vault.acknowledgePolicies: the applier can write Vault policies that grant any path in the namespace "admin/team-a" and roles that admit any pipeline: "every map change is reviewed in a merge request, and up:dev runs only reviewed code from protected main in the protected environment federation-dev"',
                ),
            );
        });
    });

    describe("AWS", () => {
        const policyOf = (plan: Plan, role: string) => plan.aws!.rolePolicies.find((p) => p.role === `gitlab-platform-gitlab-federation--${role}`)!.policy as Json;

        const ROLES = "arn:aws:iam::111111111111:role/gitlab-federation/*";
        const PROVIDER = "arn:aws:iam::111111111111:oidc-provider/gitlab.example.com";
        const KEY = "arn:aws:kms:eu-west-1:111111111111:key/0b2c4d6e-1a3b-4c5d-8e9f-a0b1c2d3e4f5";
        // The DIY backend keeps everything under <prefix>/.pulumi/ and lists only below it.
        const LIST_STATE = { Sid: "ListState", Effect: "Allow", Action: ["s3:ListBucket"], Resource: "arn:aws:s3:::acme-pulumi-state", Condition: { StringLikeIfExists: { "s3:prefix": "gitlab-federation/.pulumi/*" } } };
        const STATE = "arn:aws:s3:::acme-pulumi-state/gitlab-federation/.pulumi/*";

        it("the planner's policy exactly: the reads of a Read on this stack's roles and provider, read on the state", () => {
            assert.deepEqual(policyOf(planMap(DEV), "planner"), {
                Version: "2012-10-17",
                Statement: [
                    { Sid: "ReadGrantRoles", Effect: "Allow", Action: ["iam:GetRole", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies", "iam:ListRolePolicies"], Resource: ROLES },
                    { Sid: "ReadOidcProvider", Effect: "Allow", Action: ["iam:GetOpenIDConnectProvider"], Resource: PROVIDER },
                    LIST_STATE,
                    { Sid: "ReadState", Effect: "Allow", Action: ["s3:GetObject"], Resource: STATE },
                    { Sid: "ReadStateSecrets", Effect: "Allow", Action: ["kms:Decrypt"], Resource: KEY },
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

        it("the applier's policy exactly: boundary-conditioned only where IAM supplies the key; no boundary removal; never its own roles", () => {
            assert.deepEqual(policyOf(planMap(DEV), "applier"), {
                Version: "2012-10-17",
                Statement: [
                    {
                        Sid: "ReadGrantRoles",
                        Effect: "Allow",
                        Action: ["iam:GetRole", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole", "iam:ListRolePolicies", "iam:ListRoleTags"],
                        Resource: ROLES,
                    },
                    { Sid: "ManageGrantRoles", Effect: "Allow", Action: ["iam:DeleteRole", "iam:TagRole", "iam:UntagRole", "iam:UpdateAssumeRolePolicy", "iam:UpdateRole", "iam:UpdateRoleDescription"], Resource: ROLES },
                    {
                        Sid: "ManageGrantRolesWithBoundary",
                        Effect: "Allow",
                        Action: ["iam:AttachRolePolicy", "iam:CreateRole", "iam:DeleteRolePolicy", "iam:DetachRolePolicy", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy"],
                        Resource: ROLES,
                        Condition: { StringEquals: { "iam:PermissionsBoundary": "arn:aws:iam::111111111111:policy/gitlab-federation-boundary" } },
                    },
                    { Sid: "KeepPermissionsBoundaries", Effect: "Deny", Action: ["iam:DeleteRolePermissionsBoundary"], Resource: "arn:aws:iam::111111111111:role/*" },
                    {
                        Sid: "NotTheDeployerItself",
                        Effect: "Deny",
                        Action: [
                            "iam:AttachRolePolicy",
                            "iam:CreateRole",
                            "iam:DeleteRole",
                            "iam:DeleteRolePermissionsBoundary",
                            "iam:DeleteRolePolicy",
                            "iam:DetachRolePolicy",
                            "iam:PutRolePermissionsBoundary",
                            "iam:PutRolePolicy",
                            "iam:TagRole",
                            "iam:UntagRole",
                            "iam:UpdateAssumeRolePolicy",
                            "iam:UpdateRole",
                            "iam:UpdateRoleDescription",
                        ],
                        Resource: ["arn:aws:iam::111111111111:role/gitlab-federation/gitlab-platform-gitlab-federation--applier", "arn:aws:iam::111111111111:role/gitlab-federation/gitlab-platform-gitlab-federation--planner"],
                    },
                    {
                        Sid: "ManageOidcProvider",
                        Effect: "Allow",
                        // No DeleteOpenIDConnectProvider: the provider is protected (aws.protect).
                        Action: [
                            "iam:AddClientIDToOpenIDConnectProvider",
                            "iam:CreateOpenIDConnectProvider",
                            "iam:GetOpenIDConnectProvider",
                            "iam:ListOpenIDConnectProviderTags",
                            "iam:RemoveClientIDFromOpenIDConnectProvider",
                            "iam:TagOpenIDConnectProvider",
                            "iam:UntagOpenIDConnectProvider",
                            "iam:UpdateOpenIDConnectProviderThumbprint",
                        ],
                        Resource: PROVIDER,
                    },
                    LIST_STATE,
                    { Sid: "ReadWriteState", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: STATE },
                    { Sid: "StateSecrets", Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt"], Resource: KEY },
                ],
            });
        });

        it("the applier's variants: an unprotected provider may be deleted; without a boundary no write is conditioned and no boundary is put; without a state prefix .pulumi/ is at the root", () => {
            const raw = clone(DEV);
            raw.aws.protect = false;
            delete raw.aws.permissionsBoundary;
            raw.deployer.aws.allowUnboundedRoles = "a sandbox account with nothing else in it";
            delete raw.deployer.aws.state.prefix;
            const statements = policyOf(planMap(raw), "applier").Statement as Json[];
            assert.deepEqual(statements.find((s) => s.Sid === "ManageGrantRoles"), {
                Sid: "ManageGrantRoles",
                Effect: "Allow",
                Action: ["iam:AttachRolePolicy", "iam:CreateRole", "iam:DeleteRole", "iam:DeleteRolePolicy", "iam:DetachRolePolicy", "iam:PutRolePolicy", "iam:TagRole", "iam:UntagRole", "iam:UpdateAssumeRolePolicy", "iam:UpdateRole", "iam:UpdateRoleDescription"],
                Resource: ROLES,
            });
            assert.equal(statements.find((s) => s.Sid === "ManageGrantRolesWithBoundary"), undefined);
            assert.ok(statements.find((s) => s.Sid === "ManageOidcProvider")!.Action.includes("iam:DeleteOpenIDConnectProvider"));
            assert.deepEqual(statements.find((s) => s.Sid === "KeepPermissionsBoundaries")!.Action, ["iam:DeleteRolePermissionsBoundary"]);
            assert.deepEqual(statements.find((s) => s.Sid === "ListState")!.Condition, { StringLikeIfExists: { "s3:prefix": ".pulumi/*" } });
            assert.equal(statements.find((s) => s.Sid === "ReadWriteState")!.Resource, "arn:aws:s3:::acme-pulumi-state/.pulumi/*");
        });

        it("a stack that trusts an existing provider has no provider statement", () => {
            const raw = clone(DEV);
            raw.aws.existingProviderArn = PROVIDER;
            for (const role of ["applier", "planner"]) {
                assert.deepEqual((policyOf(planMap(raw), role).Statement as Json[]).filter((s) => String(s.Action).includes("OpenIDConnectProvider")), [], role);
            }
        });

        it("requires an account, a path of its own, a boundary (or a reason) and an acknowledgement", () => {
            const raw = clone(DEV);
            raw.aws = { audience: "sts.amazonaws.com" };
            delete raw.deployer.aws.acknowledge;
            assert.deepEqual(problems(raw), [
                "gitlab-federation:aws.accountId: is required with gitlab-federation:deployer: the deployer's IAM policies name this account's roles exactly; set the 12-digit account ID in quotes",
                'gitlab-federation:aws.rolePath: is "/" and the deployer\'s applier may write every role under aws.rolePath, which would be every role in the account: give this stack a path of its own, e.g. "/gitlab-federation/" (a new path replaces the roles, delete-first)',
                "gitlab-federation:deployer.aws.acknowledge: is required with an aws section: AWS sees only sub and aud, so any job of a pipeline on main in platform/gitlab-federation can assume the applier's role, not only pulumi up in federation-dev, and AWS cannot check that the branch is protected; give the reason this is acceptable (e.g. the branch is protected and every job on it is reviewed)",
                "gitlab-federation:deployer.aws.allowUnboundedRoles: is required while aws.permissionsBoundary is unset: the applier creates IAM roles, and without a boundary it could create one with any permission and assume it. Set aws.permissionsBoundary (every role then carries it, and the applier may write only such roles), or give the reason here",
            ]);
            const reasoned = clone(DEV);
            delete reasoned.aws.permissionsBoundary;
            reasoned.deployer.aws.allowUnboundedRoles = "a sandbox account with nothing else in it";
            assert.deepEqual(problems(reasoned), []);
            assert.ok(warnings(reasoned).includes('gitlab-federation:deployer.aws.allowUnboundedRoles: the applier can create IAM roles with any permission: "a sandbox account with nothing else in it"'));
            assert.equal((policyOf(planMap(reasoned), "applier").Statement as Json[]).find((s) => s.Sid === "ManageGrantRolesWithBoundary"), undefined);
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
            delete raw.deployer.aws.state;
            raw.deployer.gcp.state = { bucket: "acme-pulumi-state", kmsKey: "projects/acme-ci/locations/europe-west1/keyRings/pulumi/cryptoKeys/state" };
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
        it("the 0.1.0 layout: each moved setting is one problem naming where it goes now, with nothing else reported about it", () => {
            const raw = clone(DEV);
            const { vault, aws, gcp } = raw.deployer;
            delete raw.deployer.vault;
            delete raw.deployer.aws;
            delete raw.deployer.gcp;
            Object.assign(raw.deployer, {
                tokenTtl: vault.tokenTtl ?? "30m",
                acknowledgeVaultPolicies: vault.acknowledgePolicies,
                allowUnboundedAwsRoles: "a sandbox account",
                state: { s3: aws.state },
                acknowledgeGcpProject: gcp.acknowledgeProject,
            });
            raw.deployer.applier.acknowledgeAws = aws.acknowledge;
            const moved = (from: string, to: string) => `gitlab-federation:deployer.${from}: moved to deployer.${to} (each target's settings of the deployer are under deployer.<target>): write it there`;
            const found = problems(raw);
            assert.deepEqual(
                found.filter((p) => p.includes(": moved to ")).sort(),
                [
                    moved("tokenTtl", "vault.tokenTtl"),
                    moved("acknowledgeVaultPolicies", "vault.acknowledgePolicies"),
                    moved("applier.acknowledgeAws", "aws.acknowledge"),
                    moved("allowUnboundedAwsRoles", "aws.allowUnboundedRoles"),
                    moved("state.s3", "aws.state"),
                    moved("acknowledgeGcpProject", "gcp.acknowledgeProject"),
                ].sort(),
            );
            assert.ok(!found.some((p) => /unknown field/.test(p)), found.join("\n"));
        });

        it("a target's deployer settings without its section: a state backend is a problem, anything else has no effect", () => {
            const raw = clone(DEV);
            delete raw.gcp;
            for (const project of Object.values(raw.projects as Json)) {
                for (const grant of Object.values((project as Json).grants as Json)) delete (grant as Json).gcp;
            }
            assert.deepEqual(problems(raw), []);
            assert.ok(warnings(raw).includes("gitlab-federation:deployer.gcp: has no effect: the map has no gitlab-federation:gcp section; remove it"));
            raw.deployer.gcp.state = { bucket: "acme-pulumi-state" };
            delete raw.deployer.aws.state;
            assert.deepEqual(problems(raw), [
                "gitlab-federation:deployer.gcp: names a state backend and needs the gitlab-federation:gcp section: the deployer's GCP identities are what reach that state. Add the section, or keep the state elsewhere",
            ]);
        });

        it("the identities are grants planner and applier of the federation project: conflicts, ids, sections, TTLs", () => {
            const raw = clone(DEV);
            raw.projects["platform/gitlab-federation"] = { id: 8, grants: { applier: { ref: "main", vault: { read: ["platform/gitlab-federation/x"] } } } };
            raw.deployer.gcp.state = { bucket: "acme-state" };
            delete raw.deployer.aws.state;
            raw.deployer.vault.tokenTtl = "2h";
            delete raw.gcp;
            for (const grant of Object.values(raw.projects as Json)) {
                for (const g of Object.values(grant.grants as Json)) delete (g as Json).gcp;
            }
            assert.deepEqual(problems(raw), [
                "gitlab-federation:deployer.gcp: names a state backend and needs the gitlab-federation:gcp section: the deployer's GCP identities are what reach that state. Add the section, or keep the state elsewhere",
                "gitlab-federation:deployer.id: 7 differs from the id of \"platform/gitlab-federation\" under projects (8): one GitLab project has one id",
                "gitlab-federation:deployer.vault.tokenTtl: 2h is above the guardrail vault.ttlCap (1h): shorten it, or raise vault.ttlCap",
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

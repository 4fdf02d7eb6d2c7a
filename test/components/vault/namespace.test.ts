/**
 * vault.namespace (Vault Enterprise, HCP Vault Dedicated, OpenBao): every resource but the audit
 * devices carries the provider's `namespace` argument, policies stay relative to it, CI jobs get
 * VAULT_NAMESPACE, a namespace change replaces everything and is a trust change.
 */
import { strict as assert } from "node:assert";
import { planMap } from "../../../src/features";
import { contractOf } from "../../../src/features/contract";
import { resourceChanges } from "../../../src/features/lifecycle";
import { fieldChanges } from "../../../src/features/review";
import { vaultCi } from "../../../components/vault/ci";
import { VaultJwtAuth, VaultKvMount } from "../../../components/vault/component";
import { vault } from "../../../components/vault";
import { namespaceProblem } from "../../../components/vault/rules";
import { problems, warnings } from "../../helpers/check";
import { VAULT, clone, devMap, oneGrant } from "../../helpers/maps";
import { runWithMocks } from "../../helpers/mocks";

type Json = Record<string, any>;
const NS = "admin/team-a";
const GRANT = { ref: "main", vault: { read: ["platform/api/production"] } };
/** The one-grant map in namespace `ns` (null: the root namespace). */
const inNs = (ns: string | null = NS, extra: Json = {}) => oneGrant(GRANT, { sections: { vault: { ...VAULT, ...(ns !== null ? { namespace: ns } : {}), ...extra } } });
const vaultPlan = (raw: Json) => planMap(raw).vault!;

describe("Vault namespace", () => {
    describe("syntax (exact messages, boundary pairs)", () => {
        const cases: [string, string | undefined][] = [
            ["admin", undefined],
            ["admin/team-a", undefined],
            ["a_1/b.c/d-e", undefined],
            ["rooty", undefined],
            ["admin/roots", undefined],
            ["/admin", 'must not start or end with "/" (got "/admin"); write "admin"'],
            ["admin/team-a/", 'must not start or end with "/" (got "admin/team-a/"); write "admin/team-a"'],
            ["/", 'must not start or end with "/" (got "/"): leave vault.namespace unset for the root namespace'],
            ["", 'must be namespace names separated by single "/", without empty, "." or ".." segments (got ""), e.g. "admin/team-a"'],
            ["admin//team-a", 'must be namespace names separated by single "/", without empty, "." or ".." segments (got "admin//team-a"), e.g. "admin/team-a"'],
            ["admin/../root", 'must be namespace names separated by single "/", without empty, "." or ".." segments (got "admin/../root"), e.g. "admin/team-a"'],
            ["root", '"root" is reserved by Vault and cannot name a namespace (got "root"); leave vault.namespace unset for the root namespace'],
            ["admin/root", '"root" is reserved by Vault and cannot name a namespace (got "admin/root"); write the namespace path as Vault lists it, e.g. "admin/team-a"'],
            ["admin/sys", '"sys" is reserved by Vault and cannot name a namespace (got "admin/sys"); write the namespace path as Vault lists it, e.g. "admin/team-a"'],
            ["identity", '"identity" is reserved by Vault and cannot name a namespace (got "identity"); write the namespace path as Vault lists it, e.g. "admin/team-a"'],
            ["admin/team a", 'must be namespace names of letters, digits, "_", "-" and "." separated by "/" (got "admin/team a"), e.g. "admin/team-a"'],
            ["admin/*", 'must be namespace names of letters, digits, "_", "-" and "." separated by "/" (got "admin/*"), e.g. "admin/team-a"'],
            ["admin/team+1", 'must be namespace names of letters, digits, "_", "-" and "." separated by "/" (got "admin/team+1"), e.g. "admin/team-a"'],
            ["admin/.hidden", 'must be namespace names of letters, digits, "_", "-" and "." separated by "/" (got "admin/.hidden"), e.g. "admin/team-a"'],
        ];
        for (const [value, expected] of cases) {
            it(JSON.stringify(value), () => assert.equal(namespaceProblem(value), expected));
        }

        it("the map refuses it at its path; every suggested fix is itself valid", () => {
            assert.deepEqual(problems(inNs("/admin/")), ['gitlab-federation:vault.namespace: must not start or end with "/" (got "/admin/"); write "admin"']);
            for (const [value] of cases) {
                const fix = /write "([^"]+)"/.exec(namespaceProblem(value) ?? "")?.[1];
                if (fix !== undefined && fix !== "admin/team-a") {
                    assert.equal(namespaceProblem(fix), undefined, fix);
                }
            }
        });
    });

    describe("plan", () => {
        it("every resource but the audit devices is registered in the namespace; the plan names it", () => {
            const plan = vaultPlan(inNs(NS, { audit: [{ type: "file", path: "stdout" }] }));
            assert.equal(plan.namespace, NS);
            assert.deepEqual(
                [plan.authBackend!, ...plan.mounts, ...plan.policies, ...plan.roles].map((e) => [e.resource.type, e.namespace]),
                [
                    ["vault:jwt/authBackend:AuthBackend", NS],
                    ["vault:index/mount:Mount", NS],
                    ["vault:index/policy:Policy", NS],
                    ["vault:jwt/authBackendRole:AuthBackendRole", NS],
                ],
            );
            assert.deepEqual(plan.audits.map((a) => "namespace" in a), [false]);
        });

        it("policies, mounts and roles are relative to it: the same as in the root namespace but for the namespace argument", () => {
            const [root, ns] = [vaultPlan(inNs(null)), vaultPlan(inNs())];
            const strip = (entries: readonly Json[]) => entries.map(({ namespace, ...rest }) => rest);
            assert.deepEqual(strip(ns.policies), strip(root.policies));
            assert.deepEqual(strip(ns.roles), strip(root.roles));
            assert.deepEqual(strip(ns.mounts), strip(root.mounts));
            assert.deepEqual(strip([ns.authBackend!]), strip([root.authBackend!]));
            assert.ok(ns.policies[0]!.policy.includes('path "secret/data/platform/api/production" {'));
        });

        it("a map without it plans no namespace anywhere (the committed map's plan is unchanged)", () => {
            const text = JSON.stringify(planMap(devMap()));
            assert.equal(text.includes('"namespace"'), false);
        });

        it("with gitlab-federation:deployer: allowed (the pipeline logs in there); only its audit devices are refused, at vault.audit", () => {
            const raw = clone(devMap()) as Json;
            raw.vault.namespace = NS;
            assert.deepEqual(
                problems(raw).filter((p) => p.includes("namespace")),
                [
                    'gitlab-federation:vault.audit: audit devices cannot be managed with gitlab-federation:deployer in vault.namespace "admin/team-a": Vault keeps them in the root namespace only (sys/audit), and the pipeline\'s planner and applier log in to "admin/team-a", whose tokens reach no path of the root namespace, not even to list the devices; remove the devices from vault.audit and set vault.auditManagedElsewhere (an administrator enables them with a root-namespace token; HCP Vault Dedicated streams its audit log from the HCP portal)',
                ],
            );
            raw.vault.audit = [];
            raw.vault.auditManagedElsewhere = "HCP streams the audit log";
            assert.deepEqual(problems(raw), []);
            assert.deepEqual(warnings(raw).filter((w) => w.includes("root namespace")), []);
        });

        it("audit devices stay in the root namespace: a warning says so; none without devices or without a namespace", () => {
            const warning =
                'gitlab-federation:vault.audit: audit devices are enabled in the root namespace, not in "admin/team-a" (Vault allows sys/audit only there): pulumi up needs a root-namespace token for them; where you have none (HCP Vault Dedicated streams its audit log from the HCP portal), remove them and set vault.auditManagedElsewhere';
            assert.deepEqual(warnings(inNs(NS, { audit: [{ type: "file", path: "stdout" }] })).filter((w) => w.includes("root namespace")), [warning]);
            assert.deepEqual(warnings(inNs(NS, { auditManagedElsewhere: "HCP streams the audit log" })).filter((w) => w.includes("root namespace")), []);
            assert.deepEqual(warnings(inNs(null, { audit: [{ type: "file", path: "stdout" }] })).filter((w) => w.includes("root namespace")), []);
        });
    });

    describe("lifecycle and review", () => {
        const changes = (base: Json, head: Json) =>
            resourceChanges(planMap(base), planMap(head)).map((c) => [c.op, c.type.slice(c.type.lastIndexOf(":") + 1), c.replacedBy.join(","), c.physical, c.hazard ?? ""]);
        const protectedHazard = 'protected: pulumi up refuses to replace it (changing namespace); turn protect off for one run, or undo the change';

        it("into a namespace: everything but the audit devices is replaced under its new physical name; the protected anchors stop pulumi up", () => {
            const audit = { audit: [{ type: "file", path: "stdout" }] };
            assert.deepEqual(changes(inNs(null, audit), inNs(NS, audit)), [
                ["replace", "Mount", "namespace", "namespace=admin/team-a path=secret", protectedHazard],
                ["replace", "AuthBackend", "namespace", "namespace=admin/team-a path=gitlab", protectedHazard],
                ["replace", "Policy", "namespace", "namespace=admin/team-a name=gitlab-platform-api--deploy", ""],
                ["replace", "AuthBackendRole", "namespace", "namespace=admin/team-a backend=gitlab roleName=platform-api--deploy", ""],
            ]);
        });

        it("between namespaces and back to the root: the same replacements", () => {
            assert.deepEqual(
                changes(inNs("admin/team-a", { protect: false }), inNs("admin/team-b", { protect: false })).map((c) => c.slice(0, 4)),
                [
                    ["replace", "Mount", "namespace", "namespace=admin/team-b path=secret"],
                    ["replace", "AuthBackend", "namespace", "namespace=admin/team-b path=gitlab"],
                    ["replace", "Policy", "namespace", "namespace=admin/team-b name=gitlab-platform-api--deploy"],
                    ["replace", "AuthBackendRole", "namespace", "namespace=admin/team-b backend=gitlab roleName=platform-api--deploy"],
                ],
            );
            assert.deepEqual(
                changes(inNs(NS, { protect: false }), inNs(null, { protect: false })).map((c) => c.slice(0, 4)),
                [
                    ["replace", "Mount", "namespace", "path=secret"],
                    ["replace", "AuthBackend", "namespace", "path=gitlab"],
                    ["replace", "Policy", "namespace", "name=gitlab-platform-api--deploy"],
                    ["replace", "AuthBackendRole", "namespace", "backend=gitlab roleName=platform-api--deploy"],
                ],
            );
        });

        it("diff: a namespace change is a trust change, either way", () => {
            const of = (base: Json, head: Json) => fieldChanges(base, head).map((f) => [f.path, f.class, f.change, f.detail]);
            assert.deepEqual(of(inNs(null), inNs()), [
                [
                    "gitlab-federation:vault.namespace",
                    "trust",
                    "widened",
                    `nothing -> "admin/team-a": every role and policy, the auth method and the KV mount move from the root namespace to namespace admin/team-a (replaced: created there, deleted here; protected ones stop pulumi up), and CI jobs log in and read secrets there: whoever administers namespace admin/team-a decides what its auth method trusts and who else reads its mount`,
                ],
            ]);
            assert.deepEqual(of(inNs(), inNs(null)).map((f) => f.slice(0, 3)), [["gitlab-federation:vault.namespace", "trust", "widened"]]);
        });
    });

    describe("contract, CI, explain and access", () => {
        it("the contract names the namespace for the section and every grant; none without one", () => {
            const contract = contractOf(planMap(inNs())) as Json;
            assert.equal(contract.vault.namespace, NS);
            assert.equal(contract.grants["platform/api"].deploy.vault.namespace, NS);
            const root = contractOf(planMap(inNs(null))) as Json;
            assert.equal("namespace" in root.vault, false);
            assert.equal("namespace" in root.grants["platform/api"].deploy.vault, false);
        });

        it("the grant's CI job sets VAULT_NAMESPACE; without a namespace it sets none", () => {
            const job = (raw: Json) => {
                const contract = contractOf(planMap(raw)) as Json;
                const piece = vaultCi(contract.vault, contract.grants["platform/api"].deploy.vault, (_name, value) => value) as Json;
                return piece.variables;
            };
            assert.deepEqual(job(inNs()), {
                VAULT_SERVER_URL: "https://vault.example.com",
                VAULT_AUTH_PATH: "gitlab",
                VAULT_AUTH_ROLE: "platform-api--deploy",
                VAULT_NAMESPACE: NS,
            });
            assert.deepEqual(Object.keys(job(inNs(null))), ["VAULT_SERVER_URL", "VAULT_AUTH_PATH", "VAULT_AUTH_ROLE"]);
        });

        it("access and explain name the objects from the root namespace; the human plan's heading names it", () => {
            const plan = planMap(inNs());
            const summary = plan.grants[0]!.vault!;
            assert.deepEqual(vault.review!.access(plan.vault!, summary), {
                sets: { "secret prefix": ["admin/team-a/secret/platform/api/production"] },
                limits: { "token TTL (s)": 300, "token max TTL (s)": 600 },
                values: {},
                names: { role: "admin/team-a/auth/gitlab/role/platform-api--deploy" },
            });
            assert.deepEqual(vault.review!.reaches!(plan.vault!, summary, plan.grants[0]!), [
                { resource: "admin/team-a/secret/platform/api/production", hierarchical: true, gives: ["read", "list below"] },
            ]);
            assert.ok(vault.review!.render!(plan.vault!, []).heading.startsWith("Vault: namespace admin/team-a, auth method gitlab (issuer https://gitlab.example.com)"));
        });
    });

    it("components under mocks: the namespace reaches every registered resource", async () => {
        const plan = vaultPlan(inNs());
        const { resources } = await runWithMocks(() => {
            new VaultKvMount("kv", { mount: plan.mounts[0]! });
            return new VaultJwtAuth("jwt", { plan });
        });
        const custom = resources.filter((r) => r.custom);
        assert.deepEqual(
            custom.map((r) => [r.type, r.inputs.namespace]).sort(),
            [
                ["vault:index/mount:Mount", NS],
                ["vault:index/policy:Policy", NS],
                ["vault:jwt/authBackend:AuthBackend", NS],
                ["vault:jwt/authBackendRole:AuthBackendRole", NS],
            ],
        );
    });
});

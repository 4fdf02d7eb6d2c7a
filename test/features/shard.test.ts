import { strict as assert } from "node:assert";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { load } from "js-yaml";
import { shardKey, shardOf, shardStackName } from "../../src/core/shard";
import { checkMap, planMap } from "../../src/features";
import { diffPlans } from "../../src/features/diff";
import type { Plan } from "../../src/features/plan-schema";
import { targetEntries } from "../../src/features/resources";
import { foundationPlan, shardMoves, shardNameProblems, shardPlan, shardSummaries, stackPart, urnOf } from "../../src/features/shard";
import { exchange, gcpEvaluator } from "../../components/gcp/evaluate";
import type { GcpPlan } from "../../components/gcp/plan-schema";
import { mapArb } from "../helpers/arbitraries";
import { problems } from "../helpers/check";
import { cli, directoryWith } from "../helpers/cli";
import { AWS, GITLAB, VAULT, clone, devMap } from "../helpers/maps";
import { gitlabToken } from "../helpers/tokens";

type Json = Record<string, any>;

const DEV = devMap();
const sharded = (raw: Json, shards: number, by?: "project" | "group"): Json => ({ ...clone(raw), sharding: { shards, ...(by !== undefined ? { by } : {}) } });
const SHARDED_DEV = sharded(DEV, 2);
const key = (index: number) => ({ of: "dev", index });
const names = (plan: Plan) => targetEntries(plan).map(({ entry }) => `${entry.resource.type} ${entry.resource.name}`);

describe("sharding", () => {
    describe("the assignment (rendezvous hashing of the project id)", () => {
        it("is a shard number below the count, and the same every time", () => {
            fc.assert(
                fc.property(fc.string(), fc.integer({ min: 1, max: 64 }), (k, shards) => {
                    const s = shardOf(k, shards);
                    assert.ok(Number.isInteger(s) && s >= 0 && s < shards);
                    assert.equal(shardOf(k, shards), s);
                }),
            );
        });

        it("adding a shard moves a project only to the new shard, never between old ones", () => {
            fc.assert(
                fc.property(fc.string(), fc.integer({ min: 1, max: 63 }), (k, shards) => {
                    const after = shardOf(k, shards + 1);
                    assert.ok(after === shardOf(k, shards) || after === shards);
                }),
            );
        });

        it("spreads projects evenly: 10,000 ids over 8 shards, every shard within 10% of 1,250", () => {
            const counts = new Array<number>(8).fill(0);
            for (let id = 1; id <= 10_000; id++) counts[shardOf(shardKey("g/p", String(id), "project"), 8)]!++;
            for (const c of counts) assert.ok(c > 1125 && c < 1375, `${counts.join(", ")}`);
        });

        it("keys on the project id (renames keep the shard), or on the top-level group", () => {
            assert.equal(shardKey("platform/api", "42", "project"), "project:42");
            assert.equal(shardKey("platform/team/api", "42", "group"), "group:platform");
            assert.equal(shardStackName("prod", 3), "prod-shard-3");
        });

        it("adding or removing a project changes no other project's shard (random maps)", () => {
            fc.assert(
                fc.property(mapArb, fc.integer({ min: 1, max: 8 }), (raw, shards) => {
                    const whole = planMap(sharded(raw, shards));
                    const paths = Object.keys(raw.projects);
                    if (paths.length < 2) return;
                    const fewer = clone(raw);
                    delete fewer.projects[paths[0]!];
                    const after = planMap(sharded(fewer, shards));
                    const shardOfGrant = (plan: Plan) => new Map(plan.grants.map((g) => [`${g.projectId}/${g.grant}`, g.shard]));
                    const [before, now] = [shardOfGrant(whole), shardOfGrant(after)];
                    for (const [k, s] of now) assert.equal(s, before.get(k), k);
                }),
                { numRuns: 40 },
            );
        });
    });

    describe("the split", () => {
        it("is a partition: every entry of the whole plan is registered by exactly one stack, unchanged (random maps)", () => {
            fc.assert(
                fc.property(mapArb, fc.integer({ min: 1, max: 6 }), (raw, shards) => {
                    const plan = planMap(sharded(raw, shards));
                    const parts = [foundationPlan(plan), ...Array.from({ length: shards }, (_, i) => shardPlan(plan, { of: "prod", index: i }))];
                    const seen = parts.flatMap((p) => targetEntries(p).map(({ entry }) => entry));
                    assert.deepEqual(seen.map((e) => `${e.resource.type} ${e.resource.name}`).sort(), names(plan).sort());
                    const whole = new Map(targetEntries(plan).map(({ entry }) => [`${entry.resource.type} ${entry.resource.name}`, entry]));
                    for (const part of parts) {
                        for (const { entry } of targetEntries(part)) {
                            assert.deepEqual(entry, whole.get(`${entry.resource.type} ${entry.resource.name}`)!);
                        }
                    }
                    // Every grant's resources are in one stack: the shard its summary names.
                    for (const g of plan.grants) {
                        const part = g.shard === undefined ? parts[0]! : parts[g.shard + 1]!;
                        assert.ok(names(part).some((n) => n.endsWith(` ${g.projectId}/${g.grant}`)), `${g.project} ${g.grant}`);
                    }
                }),
                { numRuns: 40 },
            );
        });

        it("the sharded dev map: the foundation keeps the anchors, the deployer and every grant's summary; each shard its projects", () => {
            const plan = planMap(SHARDED_DEV);
            assert.deepEqual(
                plan.grants.map((g) => [g.project, g.grant, g.shard]),
                [
                    ["platform/api", "deploy", 0],
                    ["platform/api", "release", 0],
                    ["platform/api", "review", 0],
                    ["platform/gitlab-federation", "applier", undefined],
                    ["platform/gitlab-federation", "planner", undefined],
                    ["platform/web", "deploy", 1],
                ],
            );
            const foundation = foundationPlan(plan);
            assert.equal(foundation.grants.length, 6);
            assert.deepEqual(
                names(foundation).filter((n) => !/ 7\//.test(n)),
                [
                    "vault:index/audit:Audit file",
                    "vault:index/mount:Mount kv",
                    "vault:jwt/authBackend:AuthBackend jwt",
                    "aws:iam/openIdConnectProvider:OpenIdConnectProvider gitlab",
                    "gcp:iam/workloadIdentityPool:WorkloadIdentityPool pool",
                    "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider provider",
                ],
            );
            const web = shardPlan(plan, key(1));
            assert.deepEqual(names(web), [
                "vault:index/policy:Policy 57/deploy",
                "vault:jwt/authBackendRole:AuthBackendRole 57/deploy",
                "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider shard-1/provider",
                "gcp:serviceaccount/account:Account 57/deploy",
                "gcp:serviceaccount/iAMMember:IAMMember 57/deploy/wif-54bd58c8",
                "gcp:serviceaccount/iAMMember:IAMMember 57/deploy/wif-1520acd6",
                "gcp:projects/iAMMember:IAMMember 57/deploy/roles/run.developer",
            ]);
            assert.deepEqual(web.shard, { of: "dev", index: 1, shards: 2 });
            assert.equal(web.sharding, undefined);
            assert.equal(web.deployer, undefined);
            assert.deepEqual(web.grants.map((g) => `${g.project} ${g.grant}`), ["platform/web deploy"]);
            assert.equal(web.vault!.authBackend, undefined);
            assert.deepEqual([web.vault!.mounts, web.vault!.audits, web.aws!.oidcProviders, web.gcp!.pools], [[], [], [], []]);
            assert.deepEqual(
                shardSummaries(plan, "dev").map((s) => [s.name, s.role, s.projects, s.grants, s.resources]),
                [
                    ["dev", "foundation", ["platform/gitlab-federation"], 2, 24],
                    ["dev-shard-0", "shard", ["platform/api"], 3, 14],
                    ["dev-shard-1", "shard", ["platform/web"], 1, 7],
                ],
            );
        });

        it("anchors are the foundation's whatever their names: audit devices named like a grant's resources or a shard's stay in the foundation", () => {
            // 57/deploy is platform/web deploy's grant key (shard 1), 4100/deploy no grant's, shard-1/... and shard-7/... shard-like names.
            const devices = ["57/deploy", "4100/deploy", "shard-1/provider", "shard-7/main", "7/planner"];
            const raw = sharded(DEV, 2);
            raw.vault.audit = devices.map((name, i) => ({ type: "file", name, path: `/var/log/vault/${i}.log` }));
            const plan = planMap(raw);
            const audits = (part: Plan) => part.vault!.audits.map((a) => a.resource.name);
            assert.deepEqual(audits(foundationPlan(plan)), devices);
            assert.deepEqual([audits(shardPlan(plan, key(0))), audits(shardPlan(plan, key(1)))], [[], []]);
            // The grant's own resources named 57/deploy are still shard 1's.
            assert.ok(names(shardPlan(plan, key(1))).includes("vault:jwt/authBackendRole:AuthBackendRole 57/deploy"));
            assert.deepEqual(
                shardSummaries(plan, "dev").map((s) => [s.name, s.resources]),
                [
                    ["dev", 24 - 1 + devices.length],
                    ["dev-shard-0", 14],
                    ["dev-shard-1", 7],
                ],
            );
            // Turning sharding on moves the grants' resources only, never an audit device.
            const unsharded = clone(raw);
            delete unsharded.sharding;
            const moved = shardMoves(planMap(unsharded), plan, "dev").flatMap((m) => m.resources.map((r) => `${r.type} ${r.name}`));
            assert.deepEqual(moved.filter((r) => r.startsWith("vault:index/audit:Audit")), []);
            assert.equal(moved.length, 19);
        });

        it("property: audit devices named after any grant key or shard resource of a random map stay in the foundation, and the split stays a partition", () => {
            fc.assert(
                fc.property(mapArb, fc.integer({ min: 1, max: 4 }), fc.boolean(), (raw, shards, nested) => {
                    const ids = Object.values(raw.projects as Json).map((p) => p.id as number);
                    const grants = Object.values(raw.projects as Json).flatMap((p) => Object.keys(p.grants).map((g) => `${p.id}/${g}`));
                    const devices = [...new Set([...grants.map((g) => (nested ? `${g}/x` : g)), `shard-${shards - 1}/provider`, `shard-${shards + 3}/main`, `${Math.max(...ids) + 1}/deploy`])];
                    const withAudits = sharded(raw, shards);
                    withAudits.vault = { ...withAudits.vault, audit: devices.map((name, i) => ({ type: "file", name, path: `/var/log/${i}.log` })) };
                    const plan = planMap(withAudits);
                    const parts = [foundationPlan(plan), ...Array.from({ length: shards }, (_, i) => shardPlan(plan, { of: "prod", index: i }))];
                    assert.deepEqual(parts[0]!.vault!.audits.map((a) => a.resource.name), devices);
                    for (const part of parts.slice(1)) assert.deepEqual(part.vault!.audits, []);
                    assert.deepEqual(parts.flatMap((p) => names(p)).sort(), names(plan).sort());
                }),
                { numRuns: 30 },
            );
        });

        it("GCP: a provider per shard in the foundation's pool, admitting only that shard's projects, with the one audience", () => {
            const gcp = planMap(SHARDED_DEV).gcp as GcpPlan;
            assert.deepEqual(
                gcp.providers.map((p) => [p.resource.name, p.workloadIdentityPoolProviderId, p.attributeCondition, p.oidc.allowedAudiences]),
                [
                    ["provider", "gitlab-example-com", "assertion.project_id in ['7']", ["https://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/gitlab/providers/gitlab-example-com"]],
                    ["shard-0/provider", "gitlab-example-com-s0", "assertion.project_id in ['42']", ["https://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/gitlab/providers/gitlab-example-com"]],
                    ["shard-1/provider", "gitlab-example-com-s1", "assertion.project_id in ['57']", ["https://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/gitlab/providers/gitlab-example-com"]],
                ],
            );
            // Each provider's condition, evaluated by explain's CEL (@bufbuild/cel): a token is admitted by its own shard's provider only.
            const web = gitlabToken({ projectId: "57", projectPath: "platform/web", environment: "production" });
            assert.deepEqual(gcp.providers.map((p) => exchange(p, web as never).accepted), [false, false, true]);
            const summary = planMap(SHARDED_DEV).grants.find((g) => g.project === "platform/web")!.gcp!;
            assert.equal(summary.provider, "//iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/gitlab/providers/gitlab-example-com-s1");
            const decision = gcpEvaluator(gcp)(summary, { project: "platform/web", projectId: "57", grant: "deploy", conditions: { ref: ["main"], refType: "branch", protected: true } }, { ...web, aud: gcp.audience } as never, {
                now: Number(web.iat),
            });
            assert.deepEqual(decision.reasons, []);
        });

        it("GCP provider ids: <providerId>-s<shard> at most 32 characters (boundary)", () => {
            const withProvider = (providerId: string) => ({ ...sharded(DEV, 2), gcp: { ...(DEV.gcp as Json), providerId } });
            assert.deepEqual(problems(withProvider("p".repeat(29))), []);
            assert.deepEqual(problems(withProvider("p".repeat(30))), [
                `gitlab-federation:gcp.providerId: is 30 characters; a sharded map's providers are named <providerId>-s<shard>, and "${"p".repeat(30)}-s1" is 33, above GCP's 32: shorten it`,
            ]);
        });

        it("needs aws.accountId (the foundation publishes the shards' role ARNs); shards from 1 to 256", () => {
            const raw = sharded({ gitlab: GITLAB, vault: VAULT, aws: { audience: AWS.audience }, projects: { "a/b": { id: 1, grants: { g: { ref: "main", aws: {} } } } } }, 2);
            assert.deepEqual(problems(raw), [
                "gitlab-federation:aws.accountId: is required with gitlab-federation:sharding: the foundation publishes the shards' role ARNs, which name the account",
            ]);
            const vaultOnly = (shards: number) => sharded({ gitlab: GITLAB, vault: VAULT, projects: { "a/b": { id: 1, grants: { g: { ref: "main", vault: { read: ["a/b"] } } } } } }, shards);
            assert.deepEqual(problems(vaultOnly(256)), []);
            assert.deepEqual(problems(vaultOnly(1)), []);
            assert.deepEqual(problems(vaultOnly(257)), ["gitlab-federation:sharding.shards: must be at most 256, got 257. How many shard stacks hold the grants (<stack>-shard-0 ...); this stack becomes the foundation, which holds the shared trust anchors and the deployer."]);
            assert.deepEqual(problems(vaultOnly(0)), ["gitlab-federation:sharding.shards: must be at least 1, got 0. How many shard stacks hold the grants (<stack>-shard-0 ...); this stack becomes the foundation, which holds the shared trust anchors and the deployer."]);
        });

        it("a shard key that does not fit the map is refused", () => {
            const plan = planMap(SHARDED_DEV);
            assert.deepEqual(stackPart(plan, key(2)).problems.map((p) => `${p.path}: ${p.message}`), [
                "gitlab-federation:shard.index: is 2, but dev's map has 2 shards (0 to 1): move this stack's resources to the shards that now hold them (gitlab-federation shard --base), then remove the stack",
            ]);
            assert.deepEqual(stackPart(planMap(DEV), key(0)).problems.map((p) => `${p.path}: ${p.message}`), [
                'gitlab-federation:shard.of: names "dev", whose map has no gitlab-federation:sharding: set sharding there, or remove this shard stack',
            ]);
            assert.deepEqual(checkMap({ ...clone(DEV), shard: { of: "x", index: 0 } }).problems.map((p) => `${p.path}: ${p.message}`), [
                "gitlab-federation:shard: marks a shard stack, whose config holds nothing else (the map is in the stack it names): remove it from this map",
            ]);
        });
    });

    describe("moves between stacks", () => {
        it("turning sharding on moves every project's resources out of the one stack: diff flags each, shard --base lists them with their URNs", () => {
            const [base, head] = [planMap(DEV), planMap(SHARDED_DEV)];
            const moves = shardMoves(base, head, "dev");
            assert.deepEqual(
                moves.map((m) => [m.project, m.from, m.to, m.resources.length]),
                [
                    ["platform/api", "dev", "dev-shard-0", 13],
                    ["platform/web", "dev", "dev-shard-1", 6],
                ],
            );
            assert.equal(
                urnOf("dev", "gitlab-federation", moves[1]!.resources[0]!.section, { resource: moves[1]!.resources[0]! }),
                "urn:pulumi:dev::gitlab-federation::gitlab-federation:index:Federation$gitlab-federation:vault:JwtAuth$vault:index/policy:Policy::57/deploy",
            );
            const changes = diffPlans(base, head).resources;
            const moved = changes.filter((c) => c.op === "move");
            assert.equal(moved.length, 19);
            assert.equal(
                moved.find((c) => c.name === "57/deploy" && c.type === "vault:jwt/authBackendRole:AuthBackendRole")!.hazard,
                "moves from the foundation stack to shard stack 1: move it with pulumi state move before either stack's pulumi up (gitlab-federation shard --base prints the commands), or the old stack's delete removes the object",
            );
            // The shards' providers are new; the foundation's provider narrows to the deployer's project.
            assert.deepEqual(
                changes.filter((c) => c.op !== "move").map((c) => `${c.op} ${c.name}`),
                ["update provider", "create shard-0/provider", "create shard-1/provider"],
            );
        });

        it("a change of shard count moves only the projects the new shard wins", () => {
            const projects: Json = {};
            for (let i = 1; i <= 40; i++) projects[`g/p${i}`] = { id: i, grants: { ci: { ref: "main", vault: { read: [`g/p${i}`] } } } };
            const raw = { gitlab: GITLAB, vault: VAULT, projects };
            const [three, four] = [planMap(sharded(raw, 3)), planMap(sharded(raw, 4))];
            const moves = shardMoves(three, four, "prod");
            assert.ok(moves.length > 0 && moves.length < 20, `${moves.length}`);
            for (const m of moves) assert.equal(m.to, "prod-shard-3");
        });
    });

    describe("the CLI", () => {
        const files = () =>
            directoryWith({
                "Pulumi.yaml": readFileSync("Pulumi.yaml", "utf8"),
                "Pulumi.dev.yaml": readFileSync("Pulumi.dev.yaml", "utf8").replace("  gitlab-federation:projects:", "  gitlab-federation:sharding:\n    shards: 2\n  gitlab-federation:projects:"),
                "base.yaml": readFileSync("Pulumi.dev.yaml", "utf8"),
            });

        it("shard --write creates the shard stack files; plan --json of a shard stack is its part of the map", () => {
            const dir = files();
            const written = cli(["shard", "-C", dir, "--stack", "dev", "--write"]);
            assert.equal(written.status, 0, written.stderr);
            assert.deepEqual(readdirSync(dir).filter((n) => n.includes("shard")).sort(), ["Pulumi.dev-shard-0.yaml", "Pulumi.dev-shard-1.yaml"]);
            assert.equal(
                readFileSync(join(dir, "Pulumi.dev-shard-1.yaml"), "utf8"),
                [
                    "# yaml-language-server: $schema=./schema/stack.schema.json",
                    "# Shard 1 of the map in Pulumi.dev.yaml (written by gitlab-federation shard --write).",
                    "config:",
                    "  aws:region: eu-west-1",
                    "  gcp:project: acme-ci",
                    "  gitlab-federation:shard:",
                    "    of: dev",
                    "    index: 1",
                    "",
                ].join("\n"),
            );
            const run = cli(["plan", "-C", dir, "--stack", "dev-shard-1", "--json"]);
            assert.equal(run.status, 0, run.stderr);
            const whole = planMap(sharded(DEV, 2));
            assert.deepEqual(JSON.parse(run.stdout), JSON.parse(JSON.stringify(shardPlan(whole, key(1)))));
            const foundation = cli(["plan", "-C", dir, "--stack", "dev", "--json"]);
            assert.deepEqual(JSON.parse(foundation.stdout), JSON.parse(JSON.stringify(foundationPlan(whole))));
        });

        it("shard --json: the stacks, and with --base the moves with their URNs", () => {
            const run = cli(["shard", "-C", files(), "--stack", "dev", "--base", "base.yaml", "--json"]);
            assert.equal(run.status, 0, run.stderr);
            const out = JSON.parse(run.stdout);
            assert.deepEqual(out.shards, [
                { name: "dev", role: "foundation", projects: ["platform/gitlab-federation"], grants: 2, resources: 24 },
                { name: "dev-shard-0", role: "shard", index: 0, projects: ["platform/api"], grants: 3, resources: 14 },
                { name: "dev-shard-1", role: "shard", index: 1, projects: ["platform/web"], grants: 1, resources: 7 },
            ]);
            assert.equal(out.recommendedShards, 0);
            assert.deepEqual(
                out.moves.map((m: Json) => [m.project, m.from, m.to, m.resources.length]),
                [
                    ["platform/api", "dev", "dev-shard-0", 13],
                    ["platform/web", "dev", "dev-shard-1", 6],
                ],
            );
            assert.deepEqual(out.moves[1].resources[1], {
                type: "vault:jwt/authBackendRole:AuthBackendRole",
                name: "57/deploy",
                urn: "urn:pulumi:dev::gitlab-federation::gitlab-federation:index:Federation$gitlab-federation:vault:JwtAuth$vault:jwt/authBackendRole:AuthBackendRole::57/deploy",
            });
        });

        it("an unsharded map: the number of shards that keeps each stack under --max-resources (boundary)", () => {
            const at = cli(["shard", "--stack", "dev", "--max-resources", "43"]);
            assert.match(at.stdout, /^43 resources: one stack is enough \(at most 43 per stack\)\.$/m);
            const above = cli(["shard", "--stack", "dev", "--max-resources", "42"]);
            assert.match(above.stdout, /^43 resources, above 42 for one stack: set gitlab-federation:sharding.shards to 2 \(20% headroom\)/m);
            assert.equal(cli(["shard", "--stack", "dev", "--max-resources", "0"]).status, 2);
        });

        it("a shard stack whose index the map does not have: exit 1, at the line of the key", () => {
            const dir = files();
            writeFileSync(join(dir, "Pulumi.dev-shard-5.yaml"), "config:\n  gitlab-federation:shard:\n    of: dev\n    index: 5\n");
            const run = cli(["validate", "-C", dir, "--stack", "dev-shard-5"]);
            assert.equal(run.status, 1);
            assert.match(run.stderr, /Pulumi\.dev-shard-5\.yaml:4:5: gitlab-federation:shard\.index: is 5, but dev's map has 2 shards \(0 to 1\)/);
        });

        it("a shard stack whose name and key disagree (two stacks would register the same resources): exit 1, each disagreement", () => {
            const dir = files();
            const shardFile = (name: string, of: string, index: number) => writeFileSync(join(dir, `Pulumi.${name}.yaml`), `config:\n  gitlab-federation:shard:\n    of: ${of}\n    index: ${index}\n`);
            const validate = (stack: string) => {
                const run = cli(["validate", "-C", dir, "--stack", stack]);
                return [run.status, run.stderr.split("\n").filter((l) => l.includes("gitlab-federation:shard")).map((l) => l.slice(l.indexOf(".yaml:") + 6))];
            };
            shardFile("dev-shard-1", "dev", 0);
            assert.deepEqual(validate("dev-shard-1"), [
                1,
                ['4:5: gitlab-federation:shard.index: is 0, but this stack, "dev-shard-1", is shard 1 by its name (stack "dev-shard-0" is shard 0; two stacks with one index register the same resources): set index: 1'],
            ]);
            shardFile("dev-shard-0", "prod", 0);
            assert.deepEqual(validate("dev-shard-0"), [1, ['3:5: gitlab-federation:shard.of: names "prod", but this stack, "dev-shard-0", is a shard of "dev" by its name: set of: dev']]);
            shardFile("dev-extra", "dev", 0);
            assert.deepEqual(validate("dev-extra"), [
                1,
                ['2:3: gitlab-federation:shard: makes this stack, "dev-extra", a shard, but a shard stack is named <of>-shard-<index> (here "dev-shard-0"): create the shard stacks gitlab-federation shard --write writes, or remove gitlab-federation:shard'],
            ]);
            // Boundary: the name and the key agree.
            shardFile("dev-shard-1", "dev", 1);
            assert.deepEqual(validate("dev-shard-1"), [0, []]);
            assert.deepEqual(shardNameProblems("dev-shard-1", { of: "dev", index: 1 }), []);
            assert.deepEqual(shardNameProblems("dev-shard-2", { of: "prod", index: 0 }).map((p) => p.path), ["gitlab-federation:shard.of", "gitlab-federation:shard.index"]);
        });

        it("a shard stack's config holds nothing but the key", () => {
            const dir = files();
            writeFileSync(join(dir, "Pulumi.dev-shard-0.yaml"), "config:\n  gitlab-federation:shard:\n    of: dev\n    index: 0\n  gitlab-federation:gitlab:\n    url: https://gitlab.example.com\n");
            const run = cli(["validate", "-C", dir, "--stack", "dev-shard-0"]);
            assert.equal(run.status, 1);
            assert.match(run.stderr, /Pulumi\.dev-shard-0\.yaml:5:3: gitlab-federation:gitlab: a shard stack holds no map of its own: it registers its part of the map in Pulumi\.dev\.yaml\. Remove it \(edit the map there\)/);
        });

        it("pipeline: a shard stack gets preview and up jobs, its up after the foundation's; no review or verify of its own (the map is verified once, as the foundation's)", () => {
            const dir = files();
            assert.equal(cli(["shard", "-C", dir, "--stack", "dev", "--write"]).status, 0);
            const run = cli(["pipeline", "-C", dir, "--stdout"]);
            assert.equal(run.status, 0, run.stderr);
            const document = load(run.stdout) as Json;
            assert.deepEqual(Object.keys(document).filter((k) => k.includes(":")), ["review:dev", "verify:dev", "preview:dev", "up:dev", "preview:dev-shard-0", "up:dev-shard-0", "preview:dev-shard-1", "up:dev-shard-1"]);
            assert.deepEqual(document["up:dev-shard-1"].needs, ["check", "up:dev"]);
            assert.deepEqual(document["up:dev"].needs, ["check"]);
            assert.equal(document["up:dev-shard-1"].resource_group, "gitlab-federation-dev-shard-1");
            assert.match(document["up:dev-shard-1"].script[4], /--stack "\$\{PULUMI_STACK_PREFIX\}dev-shard-1" --policy-pack policy$/);
            assert.match(document["up:dev-shard-1"].script[1], / gate --base "\$base" --config Pulumi\.dev\.yaml /, "a shard is gated on the whole map");
        });
    });
});


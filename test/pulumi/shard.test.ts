import { strict as assert } from "node:assert";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020";
import { planMap } from "../../src/features";
import { contractOf } from "../../src/features/contract";
import { targetEntries } from "../../src/features/resources";
import { foundationPlan, shardPlan, urnOf } from "../../src/features/shard";
import { readFoundationMap, runProgram } from "../../src/pulumi/program";
import { clone, devMap } from "../helpers/maps";
import { Registered, runWithMocks, valueOf } from "../helpers/mocks";
import { temporaryDirectory } from "../helpers/temp";
import { assertRegistersExactly } from "../helpers/registered";

const DEV = devMap();
const SHARDED = { ...clone(DEV), sharding: { shards: 2 } };

/** A resource's URN the way the engine forms it: its parents' whole type chain (the mock monitor keeps only the parent's own type). */
function engineUrn(resource: Registered, all: readonly Registered[]): string {
    const types = [resource.type];
    let parent = resource.parent;
    while (parent !== "") {
        const found = all.find((r) => r.urn === parent)!;
        types.unshift(found.type);
        parent = found.parent;
    }
    return `urn:pulumi:test::gitlab-federation::${types.join("$")}::${resource.name}`;
}

describe("the program, sharded", () => {
    it("the foundation registers exactly its part: the anchors and the deployer's resources", async () => {
        const { resources } = await runWithMocks(() => runProgram(SHARDED, { logWarnings: false }));
        assertRegistersExactly(foundationPlan(planMap(SHARDED)), resources);
    });

    for (const index of [0, 1]) {
        it(`shard ${index} registers exactly its part, each resource also aliased at the stack's root (where pulumi state move puts it)`, async () => {
            const { resources } = await runWithMocks(() => runProgram(SHARDED, { logWarnings: false, shard: { of: "dev", index } }));
            assertRegistersExactly(shardPlan(planMap(SHARDED), { of: "dev", index }), resources);
        });
    }

    it("the foundation publishes every grant's contract (the shards' from the plan, valid against the committed schema); its grants output has its own", async () => {
        const { result } = await runWithMocks(() => runProgram(SHARDED, { logWarnings: false }));
        const contract = (await valueOf(result.contract)) as unknown as Record<string, any>;
        const validate = new Ajv2020({ strict: false, allErrors: true }).compile(JSON.parse(readFileSync("schema/contract.schema.json", "utf8")) as object);
        assert.equal(validate(contract), true, JSON.stringify(validate.errors));
        const planned = contractOf(planMap(SHARDED)) as unknown as Record<string, any>;
        assert.deepEqual(Object.keys(contract.grants), ["platform/api", "platform/gitlab-federation", "platform/web"]);
        assert.deepEqual(contract.grants["platform/api"], planned.grants["platform/api"]);
        assert.equal(contract.grants["platform/api"].deploy.aws.roleArn, "arn:aws:iam::111111111111:role/gitlab-federation/gitlab-platform-api--deploy");
        assert.equal(contract.grants["platform/web"].deploy.gcp.providerName, "projects/123456789012/locations/global/workloadIdentityPools/gitlab/providers/gitlab-example-com-s1");
        const grants = (await valueOf(result.grants as never)) as Record<string, unknown>;
        assert.deepEqual(Object.keys(grants), ["platform/gitlab-federation"]);
    });

    it("the URNs shard --base prints for pulumi state move are the URNs the engine gives the registered resources", async () => {
        const plan = planMap(DEV);
        const { resources } = await runWithMocks(() => runProgram(DEV, { logWarnings: false }));
        const custom = resources.filter((r) => r.custom);
        const entries = targetEntries(plan);
        assert.equal(entries.length, custom.length);
        for (const { target, entry } of entries) {
            const resource = custom.find((r) => r.type === entry.resource.type && r.name === entry.resource.name)!;
            assert.equal(urnOf("test", "gitlab-federation", target.key, entry), engineUrn(resource, resources));
        }
    });

    /**
     * `pulumi state move` (CLI 3.224+) re-parents what it moves to the destination stack's root
     * and rewrites its URN there (pkg/cmd/pulumi/state/state_move.go `rewriteURNs`): the moved
     * resource's URN is `urn:pulumi:<dest>::<project>::<type>::<name>`. The destination's program
     * must claim it through an alias, or pulumi up creates a copy and deletes the moved one.
     */
    describe("every direction of a move between stacks keeps every moved resource", () => {
        const rootUrn = (r: { type: string; name: string }) => `urn:pulumi:test::gitlab-federation::${r.type}::${r.name}`;
        const registered = async (raw: Record<string, unknown>, shard?: number) =>
            (await runWithMocks(() => runProgram(raw, { logWarnings: false, ...(shard !== undefined ? { shard: { of: "dev", index: shard } } : {}) }))).resources.filter((r) => r.custom);
        const stacksOf = async (raw: Record<string, unknown>) => {
            const shards = (raw.sharding as { shards: number } | undefined)?.shards ?? 0;
            const stacks: [string, Registered[]][] = [["dev", await registered(raw)]];
            for (let i = 0; i < shards; i++) stacks.push([`dev-shard-${i}`, await registered(raw, i)]);
            return new Map(stacks);
        };
        // Twenty more projects, so that changing the shard count moves some between shards.
        const more = clone(DEV) as { projects: Record<string, unknown> };
        for (let i = 0; i < 20; i++) more.projects[`team/app-${i}`] = { id: 1000 + i, grants: { deploy: { ref: "main", vault: { read: [`team/app-${i}`] } } } };
        const TWO = { ...more, sharding: { shards: 2 } };
        const THREE = { ...more, sharding: { shards: 3 } };
        for (const [label, from, to] of [
            ["one stack into shards", DEV, SHARDED],
            ["shards back into one stack", SHARDED, DEV],
            ["between shards (2 shards to 3)", TWO, THREE],
            ["between shards (3 shards to 2)", THREE, TWO],
        ] as const) {
            it(label, async () => {
                const [before, after] = [await stacksOf(from), await stacksOf(to)];
                const where = (stacks: Map<string, Registered[]>, r: Registered) => [...stacks].find(([, rs]) => rs.some((x) => x.type === r.type && x.name === r.name))?.[0];
                let moved = 0;
                for (const [source, resources] of before) {
                    for (const resource of resources) {
                        const destination = where(after, resource);
                        if (destination === undefined || destination === source) continue;
                        moved++;
                        const claimed = after.get(destination)!.find((x) => x.type === resource.type && x.name === resource.name)!;
                        assert.ok(claimed.aliases.includes(rootUrn(resource)), `${resource.type} ${resource.name} moved from ${source} to ${destination}: no alias at the root`);
                    }
                }
                assert.ok(moved > 0, "the change moves resources");
            });
        }
    });

    it("a shard stack reads the map from its foundation's stack file, the way the CLI does", () => {
        const directory = temporaryDirectory();
        assert.deepEqual(readFoundationMap("dev", "gitlab-federation", directory).problems.map((p) => `${p.path}: ${p.message}`), [
            `gitlab-federation:shard.of: names the stack "dev", but ${join(directory, "Pulumi.dev.yaml")} does not exist: a shard stack reads its map from the foundation's stack file beside Pulumi.yaml; commit both stack files to this project`,
        ]);
        writeFileSync(join(directory, "Pulumi.dev.yaml"), readFileSync("Pulumi.dev.yaml", "utf8"));
        assert.deepEqual(readFoundationMap("dev", "gitlab-federation", directory), { raw: DEV, providerConfig: { "aws:region": "eu-west-1", "gcp:project": "acme-ci" }, problems: [] });
        writeFileSync(join(directory, "Pulumi.dev.yaml"), "config:\n  gitlab-federation:gitlab:\n    url: https://gitlab.example.com\n  gitlab-federation:projects:\n    a/b:\n      id: 0201\n      grants: {}\n");
        assert.match(readFoundationMap("dev", "gitlab-federation", directory).problems[0]!.message, /pulumi up reads the unquoted 0201 as the number 129 .*\(.*Pulumi\.dev\.yaml:6:11\)$/);
    });
});

/**
 * The compiled program started the way Pulumi's Node.js language host starts it (see
 * helpers/language-host.ts for the upstream functions): working directory dist, the project
 * root passed as --root-directory, config in PULUMI_CONFIG as the CLI read it from the stack file.
 * Every file the program reads must resolve from the project root, never the working directory.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { planMap } from "../../src/features";
import { shardPlan } from "../../src/features/shard";
import { clone, devMap } from "../helpers/maps";
import { hostConfig, projectFolder, runAsLanguageHost } from "../helpers/language-host";
import { assertRegistersExactly } from "../helpers/registered";
import { cli } from "../helpers/cli";

const DEV_FILE = readFileSync("Pulumi.dev.yaml", "utf8");
const DEV = devMap();

/** The dev stack file with a sharding section of two shards. */
function shardedFile(): string {
    return DEV_FILE.replace("  gitlab-federation:projects:\n", "  gitlab-federation:sharding:\n    shards: 2\n\n  gitlab-federation:projects:\n");
}

describe("the program as the language host starts it", function () {
    this.timeout(60000);

    it("a plain stack: registers exactly the plan, from the folder of main (dist)", async () => {
        const root = projectFolder({ "Pulumi.dev.yaml": DEV_FILE });
        const run = await runAsLanguageHost({ root, stack: "dev", config: hostConfig(DEV, { "aws:region": "eu-west-1" }) });
        assert.deepEqual(run.logs.filter((l) => l.severity === "error"), [], run.stderr);
        assert.equal(run.status, 0, run.stderr);
        assertRegistersExactly(planMap(DEV), run.resources, "dev");
        assert.deepEqual(Object.keys(run.outputs).sort(), ["aws", "contract", "gcp", "grants", "vault"]);
    });

    it("a shard stack: reads its foundation's stack file beside Pulumi.yaml and registers its part", async () => {
        const sharded = clone(DEV) as Record<string, unknown>;
        sharded.sharding = { shards: 2 };
        const root = projectFolder({ "Pulumi.dev.yaml": shardedFile(), "Pulumi.dev-shard-1.yaml": "config:\n  gitlab-federation:shard:\n    of: dev\n    index: 1\n" });
        const run = await runAsLanguageHost({ root, stack: "dev-shard-1", config: hostConfig({ shard: { of: "dev", index: 1 } }) });
        assert.deepEqual(run.logs.filter((l) => l.severity === "error"), [], run.stderr);
        assert.equal(run.status, 0, run.stderr);
        const part = shardPlan(planMap(sharded), { of: "dev", index: 1 });
        assert.ok(part.grants.length > 0, "shard 1 holds grants");
        assertRegistersExactly(part, run.resources, "dev-shard-1");
    });

    it("a shard stack whose name and key disagree: refused before anything is registered (two stacks would register the same resources)", async () => {
        const root = projectFolder({ "Pulumi.dev.yaml": shardedFile(), "Pulumi.dev-shard-1.yaml": "config:\n  gitlab-federation:shard:\n    of: dev\n    index: 0\n" });
        const run = await runAsLanguageHost({ root, stack: "dev-shard-1", config: hostConfig({ shard: { of: "dev", index: 0 } }) });
        assert.notEqual(run.status, 0);
        assert.deepEqual(run.resources, []);
        assert.deepEqual(
            run.logs.filter((l) => l.severity === "error").map((l) => l.message),
            [
                [
                    "the gitlab-federation project map has 1 problem:",
                    'gitlab-federation:shard.index: is 0, but this stack, "dev-shard-1", is shard 1 by its name (stack "dev-shard-0" is shard 0; two stacks with one index register the same resources): set index: 1',
                ].join("\n"),
            ],
            run.stderr,
        );
    });

    it("a shard of a shard stack: refused, naming the stack that holds no map (the CLI says the same)", async () => {
        const files = {
            "Pulumi.dev.yaml": shardedFile(),
            "Pulumi.dev-shard-1.yaml": "config:\n  gitlab-federation:shard:\n    of: dev\n    index: 1\n",
            "Pulumi.dev-shard-1-shard-0.yaml": "config:\n  gitlab-federation:shard:\n    of: dev-shard-1\n    index: 0\n",
        };
        const root = projectFolder(files);
        const run = await runAsLanguageHost({ root, stack: "dev-shard-1-shard-0", config: hostConfig({ shard: { of: "dev-shard-1", index: 0 } }) });
        assert.notEqual(run.status, 0);
        assert.deepEqual(run.resources, []);
        const message = 'gitlab-federation:shard.of: names "dev-shard-1", which is itself a shard stack: name the stack that holds the map';
        assert.deepEqual(run.logs.filter((l) => l.severity === "error").map((l) => l.message), [["the gitlab-federation project map has 1 problem:", message].join("\n")], run.stderr);
        const validate = cli(["validate", "--stack", "dev-shard-1-shard-0"], { cwd: root });
        assert.equal(validate.status, 1, validate.stderr);
        assert.ok(validate.stderr.includes(message.replace("gitlab-federation:", "")) || validate.stdout.includes(message.replace("gitlab-federation:", "")), validate.stdout + validate.stderr);
    });

    it("a stack file with a YAML 1.1 trap: the program reads the file at the root and registers nothing", async () => {
        const trap = DEV_FILE.replace("      id: 42\n", "      id: 0201\n");
        assert.notEqual(trap, DEV_FILE);
        const line = trap.split("\n").findIndex((l) => l === "      id: 0201") + 1;
        // The CLI's YAML 1.1 reader hands the program 129 (octal 0201).
        const config = clone(DEV) as { projects: Record<string, { id: unknown }> };
        config.projects["platform/api"]!.id = 129;
        const root = projectFolder({ "Pulumi.dev.yaml": trap });
        const run = await runAsLanguageHost({ root, stack: "dev", config: hostConfig(config) });
        assert.notEqual(run.status, 0);
        assert.deepEqual(run.resources, []);
        const errors = run.logs.filter((l) => l.severity === "error").map((l) => l.message);
        assert.equal(errors.length, 1, run.stderr);
        assert.equal(
            errors[0],
            [
                "the gitlab-federation project map has 1 problem:",
                `gitlab-federation:projects["platform/api"].id: pulumi up reads the unquoted 0201 as the number 129 (YAML 1.1), this tool as the number 201 (YAML 1.2): quote it ("0201") if you mean the text, or write it as a plain decimal number (${root}/Pulumi.dev.yaml:${line}:11)`,
            ].join("\n"),
        );
    });

    it("preview (--dry-run) registers the same resources", async () => {
        const root = projectFolder({ "Pulumi.dev.yaml": DEV_FILE });
        const run = await runAsLanguageHost({ root, stack: "dev", config: hostConfig(DEV), dryRun: true });
        assert.equal(run.status, 0, run.stderr);
        assertRegistersExactly(planMap(DEV), run.resources, "dev");
    });
});

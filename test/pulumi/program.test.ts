import { strict as assert } from "node:assert";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { planEntries, planMap } from "../../src/features";
import { Federation } from "../../src/pulumi/federation";
import { readStackMap, runProgram, stackFileProblems, withoutStackTraces } from "../../src/pulumi/program";
import { clone, devMap, map } from "../helpers/maps";
import { Registered, runCatching, runWithMocks, valueOf } from "../helpers/mocks";
import { assertRegistersExactly } from "../helpers/registered";
import { temporaryDirectory } from "../helpers/temp";

const DEV = devMap();

/**
 * Stack config as the Pulumi runtime holds it: structured values as JSON text, beside a provider
 * setting (no vault:address: the dev map has a deployer, whose pipeline sets VAULT_ADDR).
 */
function stackConfigOf(raw: Record<string, unknown>): Record<string, string> {
    const config: Record<string, string> = { "aws:region": "eu-west-1" };
    for (const [key, value] of Object.entries(raw)) {
        config[`gitlab-federation:${key}`] = JSON.stringify(value);
    }
    return config;
}

const entries = planEntries;

/** The dev map with its state in Cloud Storage and a gcpkms:// key: the deployer's bucket and key bindings. */
function withGcsState(): Record<string, any> {
    const raw = clone(DEV) as Record<string, any>;
    delete raw.deployer.aws.state;
    raw.deployer.gcp.state = { bucket: "acme-pulumi-state", kmsKey: "projects/acme-ci/locations/europe-west1/keyRings/pulumi/cryptoKeys/state" };
    return raw;
}

describe("the program", () => {
    for (const [label, raw] of [
        ["the dev map", DEV],
        ["the dev map with its state in Cloud Storage", withGcsState()],
    ] as const) {
        it(`registers exactly what plan --json says, for ${label}`, async () => {
            const { resources } = await runWithMocks(() => runProgram(raw, { logWarnings: false }));
            assertRegistersExactly(planMap(raw), resources);
        });
    }

    it("registers nothing for an invalid map and reports every problem without a stack trace", async () => {
        const raw = clone(DEV) as { projects: Record<string, Record<string, unknown>> };
        delete raw.projects["platform/api"]!.id;
        (raw.projects["platform/web"]!.grants as Record<string, Record<string, unknown>>).deploy!.refType = "branches";
        const outcome = await runCatching(() => runProgram(raw, { logWarnings: false }));
        assert.ok("error" in outcome);
        assert.ok(pulumi.RunError.isInstance(outcome.error), "a RunError, which Pulumi prints without a stack trace");
        assert.equal(
            (outcome.error as Error).message,
            [
                "the gitlab-federation project map has 2 problems:",
                'gitlab-federation:projects["platform/api"].id: is required but missing. The numeric GitLab project ID (Settings > General), e.g. 42: the binding that survives renames.',
                'gitlab-federation:projects["platform/web"].grants.deploy.refType: must be one of "branch", "tag", got "branches". Whether ref names branches or tags. Default: branch.',
            ].join("\n"),
        );
        assert.deepEqual(outcome.resources, []);
    });

    it("(the recorder sees resources registered before an error, so \"nothing\" above is observed)", async () => {
        const plan = planMap(DEV);
        const outcome = await runCatching(() => {
            new Federation("early", { plan });
            throw new Error("late");
        });
        assert.ok("error" in outcome);
        assert.ok(outcome.resources.length > 10);
    });

    it("exports per-grant outputs for app stacks", async () => {
        const { result } = await runWithMocks(() => runProgram(DEV, { logWarnings: false }));
        const grants = (await valueOf(result.grants as never)) as Record<string, Record<string, Record<string, unknown>>>;
        assert.deepEqual(Object.keys(grants), ["platform/api", "platform/gitlab-federation", "platform/web"]);
        assert.deepEqual(Object.keys(grants["platform/api"]!), ["deploy", "release", "review"]);
        assert.deepEqual(Object.keys(grants["platform/gitlab-federation"]!), ["applier", "planner"]);
        assert.deepEqual(grants["platform/api"]!.release, {
            projectId: "42",
            vault: { authPath: "gitlab", roleName: "platform-api--release", audience: "https://vault.example.com", policyNames: ["gitlab-platform-api--release"] },
            aws: { roleArn: "arn:aws:iam::111111111111:role/gitlab-federation/platform-api-release", roleName: "platform-api-release", audience: "sts.amazonaws.com" },
        });
    });

    it("reads the map from stack config (structured values arrive as JSON text)", async () => {
        const config = stackConfigOf(DEV);
        pulumi.runtime.setAllConfig(config);
        try {
            assert.deepEqual(readStackMap(), { raw: DEV, providerConfig: { "aws:region": "eu-west-1" }, problems: [] });
            pulumi.runtime.setAllConfig({ ...config, "gitlab-federation:gitlab": "{ not json" });
            assert.equal(readStackMap().raw.gitlab, "{ not json");
        } finally {
            pulumi.runtime.setAllConfig({});
        }
    });

    it("refuses secret config values at run time, as the CLI refuses secure: in the file", () => {
        const config = stackConfigOf(DEV);
        pulumi.runtime.setAllConfig(config, ["gitlab-federation:gcp"]);
        try {
            const read = readStackMap();
            assert.deepEqual(read.problems.map((p) => `${p.path}: ${p.message}`), [
                "gitlab-federation:gcp: is a secret (secure:) value; the project map holds no secrets (ids, paths and names are not secret), so write it in plain text",
            ]);
            assert.equal(read.raw.gcp, undefined);
        } finally {
            pulumi.runtime.setAllConfig({});
        }
    });

    it("refuses, at run time too, values of the stack file that pulumi up's YAML reader sees differently", () => {
        const directory = temporaryDirectory();
        const file = join(directory, "Pulumi.prod.yaml");
        writeFileSync(file, "config:\n  gitlab-federation:projects:\n    a/b:\n      id: 0201\n");
        assert.deepEqual(stackFileProblems(file, "gitlab-federation").map((p) => `${p.path}: ${p.message}`), [
            `gitlab-federation:projects["a/b"].id: pulumi up reads the unquoted 0201 as the number 129 (YAML 1.1), this tool as the number 201 (YAML 1.2): quote it ("0201") if you mean the text, or write it as a plain decimal number (${file}:4:11)`,
        ]);
        assert.deepEqual(stackFileProblems(join(directory, "Pulumi.none.yaml"), "gitlab-federation"), []);
        assert.throws(
            () => runProgram({}, { logWarnings: false, readProblems: stackFileProblems(file, "gitlab-federation") }),
            (error: unknown) => pulumi.RunError.isInstance(error) && (error as Error).message.includes("pulumi up reads the unquoted 0201 as the number 129"),
        );
    });

    it("an empty stack config names both missing sections", () => {
        assert.throws(
            () => runProgram({}, { logWarnings: false }),
            (error: unknown) =>
                pulumi.RunError.isInstance(error) &&
                (error as Error).message ===
                    [
                        "the gitlab-federation project map has 2 problems:",
                        "gitlab-federation:gitlab: is required but missing. Set gitlab-federation:gitlab with at least url: the GitLab URL that issues the ID tokens, e.g. https://gitlab.example.com",
                        "gitlab-federation:projects: is required but missing. Set gitlab-federation:projects to a mapping of GitLab project paths to their id and grants",
                    ].join("\n"),
        );
    });

    it("the entry point (index.ts) reads stack config and exports the outputs", async () => {
        const config = stackConfigOf(DEV);
        pulumi.runtime.setAllConfig(config);
        try {
            const entry = require.resolve("../../index");
            delete require.cache[entry];
            const { resources, result } = await runWithMocks(() => require(entry) as Record<string, unknown>);
            assert.deepEqual(Object.keys(result).sort(), ["aws", "contract", "gcp", "grants", "vault"]);
            assert.equal(resources.filter((r) => r.custom).length, entries(planMap(DEV)).length);
            const grants = (await valueOf(result.grants as never)) as Record<string, Record<string, { vault: { roleName: string } }>>;
            assert.equal(grants["platform/web"]!.deploy!.vault.roleName, "platform-web--deploy");
        } finally {
            pulumi.runtime.setAllConfig({});
        }
    });

    it("refuses a vault:address in the stack config of a map with a deployer (it would override the jobs' VAULT_ADDR): a RunError, nothing registered", async () => {
        pulumi.runtime.setAllConfig({ ...stackConfigOf(DEV), "vault:address": "http://127.0.0.1:8200" });
        try {
            const entry = require.resolve("../../index");
            delete require.cache[entry];
            const outcome = await runCatching(() => require(entry) as Record<string, unknown>);
            assert.ok("error" in outcome);
            assert.ok(pulumi.RunError.isInstance(outcome.error), "a RunError, which Pulumi prints without a stack trace");
            assert.equal(
                (outcome.error as Error).message,
                [
                    "the gitlab-federation project map has 1 problem:",
                    `vault:address: "http://127.0.0.1:8200" overrides the VAULT_ADDR that the pipeline's jobs set (the Vault provider reads VAULT_ADDR only while vault:address is unset), so pulumi preview and up would call this address instead of the jobs' VAULT_SERVER_URL: remove it: the pipeline's jobs set VAULT_ADDR; for a local run export VAULT_ADDR`,
                ].join("\n"),
            );
            assert.deepEqual(outcome.resources, []);
        } finally {
            pulumi.runtime.setAllConfig({});
        }
    });

    it("keeps every URN when the map's keys are reordered", async () => {
        const reversed = (value: unknown): unknown =>
            Array.isArray(value) ? value.map(reversed) : typeof value === "object" && value !== null ? Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversed(v)])) : value;
        const first = await runWithMocks(() => runProgram(DEV, { logWarnings: false }));
        const second = await runWithMocks(() => runProgram(reversed(DEV) as Record<string, unknown>, { logWarnings: false }));
        assert.deepEqual(second.resources.map((r) => r.urn).sort(), first.resources.map((r) => r.urn).sort());
        const inputs = (rs: Registered[]) => Object.fromEntries(rs.map((r) => [r.urn, r.inputs]));
        assert.deepEqual(inputs(second.resources), inputs(first.resources));
    });

    it("registers with stack traces off, and turns them back on once every resource is registered", async () => {
        const before = Error.stackTraceLimit;
        let during = -1;
        const { resources } = await runWithMocks(() => {
            const outputs = runProgram(DEV, { logWarnings: false });
            during = Error.stackTraceLimit;
            return outputs;
        });
        assert.equal(during, 0, "off while the SDK registers (it builds a stack string for each promise)");
        assert.equal(Error.stackTraceLimit, before, "restored once every URN resolved");
        assert.ok(resources.length > 20);
        // An error thrown while they are off keeps its message.
        assert.throws(
            () => withoutStackTraces(() => {
                throw new Error("a provider argument is wrong");
            }),
            /a provider argument is wrong/,
        );
        assert.equal(Error.stackTraceLimit, before);
    });

    it("a map with only Vault plans and runs", async () => {
        const raw = map({ "platform/api": { id: 42, grants: { deploy: { ref: "main", vault: { read: ["platform/api"] } } } } });
        const { resources } = await runWithMocks(() => runProgram(raw, { logWarnings: false }));
        assert.equal(resources.filter((r) => r.custom).length, 4);
    });
});

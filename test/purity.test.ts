/**
 * The pure core is pure: only the Pulumi entry point (index.ts), src/pulumi/ and the targets'
 * component.ts files (components/<target>/component.ts) import `@pulumi/*`; the offline CLI and the package entry load none of it.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { cli } from "./helpers/cli";

const HOOK = resolve("test/fixtures/no-pulumi.js");
const SDK_ONLY = resolve("test/fixtures/only-pulumi-sdk.js");

/** Every .ts file under a directory. */
function sources(directory: string): string[] {
    return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
        const path = join(directory, entry.name);
        return entry.isDirectory() ? sources(path) : entry.name.endsWith(".ts") ? [path] : [];
    });
}

/** Module specifiers a source file imports or requires (type-only imports included). */
function specifiers(text: string): string[] {
    return [...text.matchAll(/(?:from\s+|require\(\s*|import\(\s*)["']([^"']+)["']/g)].map((m) => m[1]!);
}

const MAY_IMPORT_PULUMI = [/^index\.ts$/, /^src\/pulumi\/[^/]+\.ts$/, /^components\/[^/]+\/component\.ts$/, /^src\/contract\/reference\.ts$/];

describe("purity", () => {
    it("no module outside index.ts, src/pulumi/, the component files and FederationReference imports @pulumi/*", () => {
        const offenders = [...sources("src"), ...sources("components")]
            .filter((file) => !MAY_IMPORT_PULUMI.some((allowed) => allowed.test(file)))
            .filter((file) => specifiers(readFileSync(file, "utf8")).some((s) => s.startsWith("@pulumi/")));
        assert.deepEqual(offenders, []);
        // The scan sees imports: the component files do import @pulumi.
        assert.ok(specifiers(readFileSync("components/vault/component.ts", "utf8")).includes("@pulumi/vault"));
        // FederationReference may use the SDK, never a provider or the rest of the package.
        assert.deepEqual(
            specifiers(readFileSync("src/contract/reference.ts", "utf8")).filter((s) => s !== "@pulumi/pulumi" && s !== "./contract"),
            [],
        );
        // The contract types import only their generated part, which imports nothing.
        assert.deepEqual([...new Set(specifiers(readFileSync("src/contract/contract.ts", "utf8")))], ["./targets.generated"]);
        assert.deepEqual(specifiers(readFileSync("src/contract/targets.generated.ts", "utf8")), []);
    });

    it("the hook used below really stops @pulumi from loading", () => {
        const run = spawnSync(process.execPath, ["--require", HOOK, "-e", 'require("@pulumi/pulumi")'], { encoding: "utf8" });
        assert.notEqual(run.status, 0);
        assert.match(run.stderr, /purity: @pulumi\/pulumi was loaded/);
    });

    it("the offline CLI (every command) loads no @pulumi module", () => {
        for (const args of [
            ["validate", "--stack", "dev"],
            ["plan", "--stack", "dev", "--json"],
            ["plan", "--stack", "dev"],
            ["schema", "stack"],
            ["explain", "--stack", "dev", "--project", "platform/api"],
            ["diff", "--base", "Pulumi.dev.yaml", "--stack", "dev"],
            ["access", "--stack", "dev"],
            ["ci", "--stack", "dev", "--project", "platform/api"],
        ]) {
            const run = cli(args, { node: ["--require", HOOK] });
            assert.equal(run.status, 0, `${args.join(" ")}: ${run.stderr}`);
        }
    });

    it('require("gitlab-federation") loads the contract and @pulumi/pulumi only: no provider, never the program', () => {
        const script = 'const m = require("gitlab-federation"); process.stdout.write(JSON.stringify(Object.keys(m).sort()))';
        const run = spawnSync(process.execPath, ["--require", SDK_ONLY, "-e", script], { encoding: "utf8" });
        assert.equal(run.status, 0, run.stderr);
        assert.deepEqual(JSON.parse(run.stdout), ["CONTRACT_SCHEMA_VERSION", "CONTRACT_VERSION", "FederationReference", "GRANT_CONTRACT_KEYS", "checkContract", "contractMajor"]);
        // The hook is not vacuous: loading a provider, or the program, through it fails.
        for (const forbidden of ['require("@pulumi/vault")', 'require("./dist/src/features/check.js")', 'require("./dist/components/vault/plan.js")']) {
            const refused = spawnSync(process.execPath, ["--require", SDK_ONLY, "-e", forbidden], { encoding: "utf8" });
            assert.notEqual(refused.status, 0, forbidden);
            assert.match(refused.stderr, /purity: .* was loaded/);
        }
    });

    it("the package ships the built code, the CLI and the schemas, and no tests or sources", () => {
        const run = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { encoding: "utf8" });
        assert.equal(run.status, 0, run.stderr);
        const files = (JSON.parse(run.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
        for (const expected of ["bin/gitlab-federation.js", "dist/src/contract/index.js", "dist/src/contract/index.d.ts", "dist/index.js", "dist/components/vault/component.js", "dist/src/cli/main.js", "schema/stack.schema.json", "schema/project-map.schema.json", "schema/contract.schema.json", "docs/plan.schema.json", "package.json", "README.md"]) {
            assert.ok(files.includes(expected), `${expected} is shipped`);
        }
        const unexpected = files.filter((f) => /^(test|bench|scripts|src|components)\//.test(f) || f.startsWith("dist/test/") || f.endsWith(".map") || f.endsWith(".ts") && !f.endsWith(".d.ts"));
        assert.deepEqual(unexpected, []);
    });
});

/**
 * The published package, as a user installs it: `npm pack` of this repository, installed into an
 * empty directory with `npm install <tarball>`, then the installed CLI and the installed helper run
 * from there. One pack and one install, shared by every assertion (about 10 s; the install
 * fetches the runtime dependencies from npm's cache or the registry, as `npm ci` does).
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { delimiter, join, relative, resolve } from "node:path";
import { cli } from "./helpers/cli";
import { temporaryDirectory } from "./helpers/temp";

const ROOT = resolve(".");

interface Installed {
    /** The files `npm pack` put into the tarball. */
    readonly files: readonly string[];
    /** The directory the tarball was installed into (a package.json and node_modules). */
    readonly app: string;
    /** `du -sk node_modules` after the install, in KiB. */
    readonly kib: number;
    readonly seconds: number;
}

/** Runs a command; fails the test with its output unless it exits 0. */
function run(command: string, args: readonly string[], cwd: string): string {
    const result = spawnSync(command, args, { cwd, encoding: "utf8" });
    assert.equal(result.status, 0, `${command} ${args.join(" ")}: ${result.stderr}`);
    return result.stdout;
}

/** Packs the repository (without running prepare: dist/ is the one `npm test` built) and installs the tarball into an empty directory. */
function packAndInstall(): Installed {
    const directory = temporaryDirectory();
    const [packed] = JSON.parse(run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", directory], ROOT)) as { filename: string; files: { path: string }[] }[];
    const app = join(directory, "app");
    mkdirSync(app);
    writeFileSync(join(app, "package.json"), `${JSON.stringify({ name: "app", private: true })}\n`);
    const started = process.hrtime.bigint();
    run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", join(directory, packed!.filename)], app);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const kib = Number(run("du", ["-sk", "node_modules"], app).split(/\s/)[0]);
    return { files: packed!.files.map((f) => f.path).sort(), app, kib, seconds };
}

/** The .ts files under a directory of the repository. */
function sources(directory: string): string[] {
    return readdirSync(join(ROOT, directory), { withFileTypes: true, recursive: true })
        .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
        .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
}

/** Every directory named @pulumi under node_modules, at any depth. */
function pulumiScopes(nodeModules: string): string[] {
    return readdirSync(nodeModules, { withFileTypes: true, recursive: true })
        .filter((entry) => entry.isDirectory() && entry.name === "@pulumi")
        .map((entry) => relative(nodeModules, join(entry.parentPath, entry.name)));
}

/** The node binaries on PATH (the one running the tests first), one per version: the suite's Node.js 22 and the system's. */
function nodes(): { path: string; version: string }[] {
    const found = new Map<string, string>([[process.versions.node, process.execPath]]);
    for (const directory of (process.env.PATH ?? "").split(delimiter)) {
        const path = join(directory, "node");
        if (directory !== "" && existsSync(path)) {
            const version = spawnSync(path, ["-p", "process.versions.node"], { encoding: "utf8" }).stdout.trim();
            if (version !== "" && !found.has(version)) found.set(version, path);
        }
    }
    return [...found].map(([version, path]) => ({ path, version }));
}

describe("the npm package, installed from its tarball", function () {
    this.timeout(180_000);
    let installed: Installed;

    before(() => {
        installed = packAndInstall();
        for (const file of ["Pulumi.yaml", "Pulumi.dev.yaml"]) copyFileSync(join(ROOT, file), join(installed.app, file));
        process.stderr.write(`      npm install of the tarball: ${(installed.kib / 1024).toFixed(1)} MiB of node_modules in ${installed.seconds.toFixed(1)} s\n`);
    });

    it("holds exactly the built program, CLI, helper and schemas (each source's .js and .d.ts), the manifest, README, LICENSE and CHANGELOG", () => {
        const built = [...sources("src"), ...sources("components"), "index.ts"].flatMap((file) => [`dist/${file.replace(/\.ts$/, ".js")}`, `dist/${file.replace(/\.ts$/, ".d.ts")}`]);
        const fixed = ["CHANGELOG.md", "LICENSE", "Pulumi.yaml", "README.md", "bin/gitlab-federation.js", "docs/plan.schema.json", "package.json", "schema/contract.schema.json", "schema/project-map.schema.json", "schema/stack.schema.json"];
        assert.deepEqual(installed.files, [...built, ...fixed].sort());
    });

    it("installs no @pulumi package (no provider, no SDK) and stays under 30 MiB", () => {
        const nodeModules = join(installed.app, "node_modules");
        assert.deepEqual(pulumiScopes(nodeModules), []);
        assert.deepEqual(readdirSync(nodeModules).filter((name) => !name.startsWith(".")).sort(), ["@bufbuild", "argparse", "gitlab-federation", "jose", "js-yaml", "zod"]);
        assert.ok(installed.kib <= 30 * 1024, `${installed.kib} KiB`);
    });

    it("npx gitlab-federation validate and plan --json print what the repository's CLI prints", () => {
        for (const args of [["validate", "--stack", "dev"], ["plan", "--stack", "dev", "--json"]]) {
            const npx = spawnSync("npx", ["--no", "gitlab-federation", ...args], { cwd: installed.app, encoding: "utf8" });
            const here = cli(args);
            assert.equal(npx.status, 0, npx.stderr);
            assert.deepEqual({ stdout: npx.stdout, stderr: npx.stderr }, { stdout: here.stdout, stderr: here.stderr });
        }
    });

    it("the installed CLI runs on every Node.js on PATH (the suite's 22 and the system's, 20 on the README's machine)", () => {
        const bin = join(installed.app, "node_modules", "gitlab-federation", "bin", "gitlab-federation.js");
        const expected = cli(["explain", "--stack", "dev", "--project", "platform/api"]);
        const versions = nodes();
        process.stderr.write(`      on Node.js ${versions.map((node) => node.version).join(", ")}\n`);
        for (const node of versions) {
            for (const args of [["--version"], ["explain", "--stack", "dev", "--project", "platform/api"]]) {
                const result = spawnSync(node.path, [bin, ...args], { cwd: installed.app, encoding: "utf8" });
                assert.equal(result.status, 0, `node ${node.version} ${args.join(" ")}: ${result.stderr}`);
                assert.equal(result.stdout, args[0] === "--version" ? "gitlab-federation 0.3.0\n" : expected.stdout, `node ${node.version}`);
            }
        }
    });

    it('require("gitlab-federation") works beside the app\'s own @pulumi/pulumi (a peer: one SDK copy) and fails without it', () => {
        const script = 'process.stdout.write(JSON.stringify(Object.keys(require("gitlab-federation")).sort()))';
        const without = spawnSync(process.execPath, ["-e", script], { cwd: installed.app, encoding: "utf8" });
        assert.notEqual(without.status, 0);
        assert.match(without.stderr, /Cannot find module '@pulumi\/pulumi'/);
        // An app stack has the SDK already: link this repository's copy in as the app's own.
        const scope = join(installed.app, "node_modules", "@pulumi");
        mkdirSync(scope);
        symlinkSync(join(ROOT, "node_modules", "@pulumi", "pulumi"), join(scope, "pulumi"), "dir");
        const withSdk = spawnSync(process.execPath, ["-e", `${script}; process.stderr.write(require.resolve("@pulumi/pulumi"))`], { cwd: installed.app, encoding: "utf8" });
        assert.equal(withSdk.status, 0, withSdk.stderr);
        assert.deepEqual(JSON.parse(withSdk.stdout), ["CONTRACT_SCHEMA_VERSION", "CONTRACT_VERSION", "FederationReference", "GRANT_CONTRACT_KEYS", "checkContract", "contractMajor"]);
        assert.equal(withSdk.stderr, realpathSync(join(ROOT, "node_modules", "@pulumi", "pulumi", "index.js")));
    });

    it("the manifest: MIT, not private, the SDK and providers optional peers, four runtime dependencies (and CEL's protobuf peer)", () => {
        const manifest = JSON.parse(readFileSync(join(installed.app, "node_modules", "gitlab-federation", "package.json"), "utf8")) as Record<string, unknown>;
        assert.equal(manifest.license, "MIT");
        assert.equal(manifest.private, undefined);
        assert.deepEqual(Object.keys(manifest.dependencies as object).sort(), ["@bufbuild/cel", "@bufbuild/protobuf", "jose", "js-yaml", "zod"]);
        assert.deepEqual(manifest.peerDependenciesMeta, Object.fromEntries(["@pulumi/aws", "@pulumi/azure-native", "@pulumi/gcp", "@pulumi/pulumi", "@pulumi/vault"].map((name) => [name, { optional: true }])));
        assert.deepEqual(manifest.engines, { node: "^20.19.0 || >=22.12.0" });
    });
});

/**
 * What a dynamic Akeyless resource stores in the state: the serialized provider. It must hold no
 * credential, carry none of the client's code, and work when the dynamic provider host
 * re-evaluates it (require-from-string in the program's working directory, as
 * @pulumi/pulumi cmd/dynamic-provider `getProvider` does).
 */
import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { AkeylessAssociation, AkeylessAuthMethod, AkeylessRole } from "../../../components/akeyless/component";
import { RESOURCE } from "../../../components/akeyless/names";
import { PROVIDERS, implementationLocation } from "../../../components/akeyless/provider";
import { runWithMocks } from "../../helpers/mocks";
import { temporaryDirectory } from "../../helpers/temp";
import { FakeAkeyless, fakeAkeyless } from "./server";

const ROOT = resolve(".");
/** The require-from-string the dynamic provider host uses (a dependency of @pulumi/pulumi). */
const REQUIRE_FROM_STRING = require.resolve("require-from-string", { paths: [dirname(require.resolve("@pulumi/pulumi"))] });

/** What the state must never hold. */
function assertClean(text: string, secrets: readonly string[]): void {
    for (const secret of secrets) {
        assert.ok(!text.includes(secret), "no credential in the serialized provider");
    }
    // None of the client's or zod's code, no captured module: only the six delegating methods.
    for (const marker of ["zod", "fetch", "createHash", "AKEYLESS_", "__dirname"]) {
        assert.ok(!text.includes(marker), `the serialized provider does not contain ${marker}`);
    }
    assert.deepEqual(text.match(/exports\.\w+/g), ["exports.handler"], "the module exports only the handler and captures no module's exports");
    assert.ok(text.length < 4000, `the serialized provider is small (${text.length} characters)`);
}

/** Evaluates a serialized provider in a child process with cwd `cwd`, as the host does, and runs `script` with it as `p`. */
function host(text: string, cwd: string, env: Record<string, string>, script: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
    const program = `const p = require(${JSON.stringify(REQUIRE_FROM_STRING)})(process.env.PROVIDER_TEXT).handler(); (async () => { ${script} })().catch((e) => { console.error("FAILED " + e.message); process.exit(1); });`;
    // Asynchronous: the fake Akeyless answers from this process.
    return new Promise((done) => {
        const child = execFile(process.execPath, ["-e", program], { cwd, encoding: "utf8", env: { PATH: process.env.PATH ?? "", PROVIDER_TEXT: text, ...env } }, (error, stdout, stderr) =>
            done({ status: error === null ? 0 : (child.exitCode ?? 1), stdout, stderr }),
        );
    });
}

describe("serialized Akeyless providers (components/akeyless/provider.ts)", () => {
    let server: FakeAkeyless;
    const saved = { ...process.env };
    beforeEach(async () => {
        server = await fakeAkeyless();
        process.env.AKEYLESS_ACCESS_ID = server.admin.accessId;
        process.env.AKEYLESS_ACCESS_KEY = server.admin.accessKey;
        process.env.AKEYLESS_JWT = "eyJ.secret-job-token.sig";
    });
    afterEach(async () => {
        for (const name of ["AKEYLESS_ACCESS_ID", "AKEYLESS_ACCESS_KEY", "AKEYLESS_JWT"]) {
            if (saved[name] === undefined) {
                delete process.env[name];
            } else {
                process.env[name] = saved[name];
            }
        }
        assert.deepEqual(server.violations, []);
        await server.close();
    });

    it("the implementation is located by package name and path inside it, nothing machine-specific", () => {
        assert.deepEqual(implementationLocation(), { packageName: "gitlab-federation", relative: "dist/components/akeyless/resources.js" });
    });

    it("serialized as the SDK does it: no credential, no captured module, no secret", async () => {
        for (const provider of Object.values(PROVIDERS)) {
            // pulumi/pulumi sdk/nodejs/dynamic/index.ts serializeFunctionMaybeSecret
            const serialized = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
            assert.equal(serialized.containsSecrets, false);
            assertClean(serialized.text, [server.admin.accessKey, "secret-job-token"]);
        }
    });

    it("the resources register their serialized provider, type token and options (auth method protected, association delete-first)", async () => {
        const { resources } = await runWithMocks(() => {
            new AkeylessAuthMethod("gitlab", { name: "/f/gitlab", jwksUri: "https://g.example.com/oauth/discovery/keys", issuer: "https://g.example.com", audience: "https://a.example.com", uniqueIdentifier: "project_id", jwtTtl: 15 });
            new AkeylessRole("42/deploy", { name: "/f/projects/p/a/deploy", rules: [{ path: "/s/*", capabilities: ["read"] }] });
            new AkeylessAssociation("42/deploy", { roleName: "/f/projects/p/a/deploy", authMethodName: "/f/gitlab", subClaims: { project_id: ["42"] } });
        });
        assert.deepEqual(
            resources.map((r) => [r.type, r.name, r.protect, r.deleteBeforeReplace]).sort(),
            [
                [RESOURCE.association, "42/deploy", false, true],
                [RESOURCE.authMethod, "gitlab", true, false],
                [RESOURCE.role, "42/deploy", false, false],
            ],
        );
        for (const r of resources) {
            assert.equal(typeof r.inputs.__provider, "string");
            assertClean(r.inputs.__provider, [server.admin.accessKey, "secret-job-token"]);
        }
        const unprotected = await runWithMocks(
            () =>
                new AkeylessAuthMethod("gitlab", { name: "/f/gitlab", jwksUri: "https://g.example.com/k", issuer: "https://g.example.com", audience: "a", uniqueIdentifier: "project_id", jwtTtl: 15 }, { protect: false }),
        );
        assert.equal(unprotected.resources[0]!.protect, false);
    });

    it("re-evaluated like the dynamic provider host, in the program's folder: it works, reads credentials from the environment, logs none", async () => {
        const text = (await pulumi.runtime.serializeFunction(() => PROVIDERS.role, { allowSecrets: true })).text;
        server.fail("get-role", { status: 500 });
        const inputs = { apiUrl: server.url, name: "/f/projects/p/a/deploy", rules: [{ path: "/s/*", capabilities: ["read"] }] };
        const run = await host(
            text,
            join(ROOT, "dist", "src"),
            { AKEYLESS_ACCESS_ID: server.admin.accessId, AKEYLESS_ACCESS_KEY: server.admin.accessKey },
            `const checked = await p.check({}, ${JSON.stringify(inputs)}); const created = await p.create(checked.inputs); console.log(JSON.stringify([checked.failures, created.id, created.outs.rules]));`,
        );
        assert.equal(run.status, 0, run.stderr);
        assert.deepEqual(JSON.parse(run.stdout), [[], "/f/projects/p/a/deploy", [{ ruleType: "item-rule", path: "/s/*", capabilities: ["read"] }]]);
        assert.equal(run.stderr, "Akeyless get-role: HTTP 500, retrying in 0.5 s (request 2 of 5)\n");
        assert.ok(!`${run.stdout}${run.stderr}`.includes(server.admin.accessKey));
        assert.deepEqual(server.roles.get("/f/projects/p/a/deploy")!.rules, [{ type: "item-rule", path: "/s/*", capabilities: ["read"] }]);
    });

    it("outside the project it fails with a message that says where it looked", async () => {
        const text = (await pulumi.runtime.serializeFunction(() => PROVIDERS.association, { allowSecrets: true })).text;
        const outside = temporaryDirectory();
        const run = await host(text, outside, {}, "await p.check({}, {});");
        assert.equal(run.status, 1);
        assert.equal(
            run.stderr,
            `FAILED the Akeyless provider needs dist/components/akeyless/resources.js of the gitlab-federation package, found neither in ${outside} nor in a folder above it (nor in their node_modules): run pulumi from the project\n`,
        );
    });
});

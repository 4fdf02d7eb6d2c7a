/**
 * The pack as the Pulumi CLI runs it: the compiled entry (dist/policy/index.js, what policy/bin/index.js
 * is in a standalone build) started in a child process from the pack's folder, which constructs
 * PolicyPack: it prints the port of its gRPC Analyzer server (pulumi/pulumi-policy
 * `sdk/nodejs/policy/server.ts` `serve`), and this test talks to it as the engine does
 * (pulumi/pulumi `proto/pulumi/analyzer.proto`: GetAnalyzerInfo, Configure, Analyze, AnalyzeStack).
 * PolicyPack is never constructed in this process: it allows one server per process.
 *
 * The engine's own side (loading PulumiPolicy.yaml, installing, reconciling config defaults) is not
 * run here: no Pulumi CLI is installed on the test machines.
 */
import { strict as assert } from "node:assert";
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as services from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as messages from "@pulumi/pulumi/proto/analyzer_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { PACK_NAME, POLICIES } from "../../policy/lib/policies";

const PACK_DIR = resolve("policy");
const ENTRY = resolve("dist/policy/index.js");
const URN = (type: string, name: string) => `urn:pulumi:dev::app::${type}::${name}`;
const ROLE = "aws:iam/role:Role";
const HOST = "gitlab.example.com";
const VAULT_ROLE = "vault:jwt/authBackendRole:AuthBackendRole";
const VAULT_MOUNT = "vault:jwt/authBackend:AuthBackend";

/** Starts the compiled pack; resolves with the port it prints, or fails after `ms`. */
function startPack(ms: number): Promise<{ child: ChildProcess; port: number }> {
    const child = spawn(process.execPath, [ENTRY], { cwd: PACK_DIR, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    return new Promise((done, fail) => {
        const timer = setTimeout(() => {
            child.kill();
            fail(new Error(`the pack printed no port within ${ms} ms; stderr: ${stderr}`));
        }, ms);
        child.stderr!.on("data", (chunk) => (stderr += String(chunk)));
        child.stdout!.on("data", (chunk) => {
            stdout += String(chunk);
            const line = /^(\d+)\n/.exec(stdout);
            if (line !== null) {
                clearTimeout(timer);
                done({ child, port: Number(line[1]) });
            }
        });
        child.on("exit", (code) => {
            clearTimeout(timer);
            fail(new Error(`the pack exited with ${code}: ${stderr}`));
        });
    });
}

function call<Req, Res>(method: (request: Req, callback: (error: grpc.ServiceError | null, response: Res) => void) => unknown, request: Req): Promise<Res> {
    return new Promise((done, fail) => method(request, (error, response) => (error !== null ? fail(error) : done(response))));
}

function resourceRequest(type: string, name: string, props: Record<string, unknown>): messages.AnalyzeRequest {
    const request = new messages.AnalyzeRequest();
    request.setType(type);
    request.setName(name);
    request.setUrn(URN(type, name));
    request.setProperties(Struct.fromJavaScript(props as Record<string, never>));
    request.setOptions(new messages.AnalyzerResourceOptions());
    return request;
}

/** `<policy> [<level>]: <message>` per diagnostic. */
function diagnostics(response: messages.AnalyzeResponse): string[] {
    const level = ["advisory", "mandatory", "disabled", "remediate"];
    return response.getDiagnosticsList().map((d) => `${d.getPolicyname()} [${level[d.getEnforcementlevel()]}]${d.getUrn() === "" ? "" : ` ${d.getUrn()}`}: ${d.getMessage()}`);
}

const trust = (condition: object) =>
    JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Federated: `arn:aws:iam::111111111111:oidc-provider/${HOST}` }, Action: "sts:AssumeRoleWithWebIdentity", Condition: condition }] });

const GOOD_ROLE = { assumeRolePolicy: trust({ StringEquals: { [`${HOST}:aud`]: "sts.amazonaws.com", [`${HOST}:sub`]: "project_path:platform/api:ref_type:branch:ref:main" } }), tags: { "gitlab-project-id": "42" } };

describe("policy pack: the compiled entry under the real @pulumi/policy server", function () {
    this.timeout(60000);
    let child: ChildProcess | undefined;
    let client: services.AnalyzerClient;

    before(async () => {
        const started = await startPack(30000);
        child = started.child;
        client = new services.AnalyzerClient(`127.0.0.1:${started.port}`, grpc.credentials.createInsecure());
    });

    after(() => {
        client?.close();
        child?.kill();
    });

    const analyze = (request: messages.AnalyzeRequest) => call<messages.AnalyzeRequest, messages.AnalyzeResponse>(client.analyze.bind(client), request);
    const analyzeStack = (request: messages.AnalyzeStackRequest) => call<messages.AnalyzeStackRequest, messages.AnalyzeResponse>(client.analyzeStack.bind(client), request);
    const configureWith = (request: messages.ConfigureAnalyzerRequest) => call<messages.ConfigureAnalyzerRequest, Empty>(client.configure.bind(client), request);

    it("declares the pack, its version from policy/package.json, and every policy with its level and configuration", async () => {
        const info = await call<Empty, messages.AnalyzerInfo>(client.getAnalyzerInfo.bind(client), new Empty());
        assert.equal(info.getName(), PACK_NAME);
        assert.equal(info.getVersion(), JSON.parse(readFileSync(join(PACK_DIR, "package.json"), "utf8")).version);
        const declared = info.getPoliciesList().map((p) => ({
            name: p.getName(),
            level: p.getEnforcementlevel() === messages.EnforcementLevel.MANDATORY ? "mandatory" : p.getEnforcementlevel() === messages.EnforcementLevel.ADVISORY ? "advisory" : "other",
            config: p.getConfigschema()?.getProperties()?.toJavaScript(),
        }));
        assert.deepEqual(
            declared,
            POLICIES.map((p) => ({ name: p.name, level: p.enforcementLevel, config: JSON.parse(JSON.stringify(p.configSchema.properties)) })),
        );
        assert.equal(declared.length, 20);
    });

    it("Analyze: a sub pattern over every project is refused (description, then the rule's message); the literal under StringEquals passes; the others say why they do not apply", async () => {
        const response = await analyze(resourceRequest(ROLE, "bad", { ...GOOD_ROLE, assumeRolePolicy: trust({ StringEquals: { [`${HOST}:aud`]: "sts.amazonaws.com", [`${HOST}:sub`]: "project_path:*" } }) }));
        // The sub "project_path:*" under StringEquals is a literal string, which no project's sub equals.
        assert.deepEqual(diagnostics(response), []);
        const refused = await analyze(resourceRequest(ROLE, "bad", { ...GOOD_ROLE, assumeRolePolicy: trust({ StringEquals: { [`${HOST}:aud`]: "sts.amazonaws.com" }, StringLike: { [`${HOST}:sub`]: "project_path:*" } }) }));
        assert.deepEqual(diagnostics(refused), [
            `aws-gitlab-trust-any-project [mandatory]: A GitLab trust's sub pattern names one project: never every project of the instance, and a group only with a reason tag.\nassumeRolePolicy Statement[0] StringLike ${HOST}:sub "project_path:*" matches the sub of every project on ${HOST}, which no reason tag allows: name one project, e.g. "project_path:<group>/<project>:ref_type:branch:ref:main"`,
        ]);
        const notApplicable = refused.getNotApplicableList().map((n) => `${n.getPolicyName()}: ${n.getReason()}`);
        assert.ok(notApplicable.includes("gcp-gitlab-provider-condition: applies to gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider"), notApplicable.join("\n"));
        assert.ok(notApplicable.includes("vault-gitlab-role-audience: applies to vault:jwt/authBackendRole:AuthBackendRole"), notApplicable.join("\n"));
        assert.ok(!notApplicable.some((n) => n.startsWith("aws-")), notApplicable.join("\n"));
    });

    it("Analyze during preview: a trust policy that is still unknown makes each AWS rule an advisory 'cannot run yet'", async () => {
        const response = await analyze(resourceRequest(ROLE, "pending", { assumeRolePolicy: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" }));
        assert.deepEqual(
            diagnostics(response),
            POLICIES.filter((p) => p.name.startsWith("aws-")).map(
                (p) => `${p.name} [advisory]: can't run policy '${p.name}' from policy pack '${PACK_NAME}@v0.1.0' during preview: string value at .assumeRolePolicy can't be known during preview`,
            ),
        );
    });

    it("Configure: a policy's configuration reaches the rule (a lower token lifetime maximum)", async () => {
        const role = { backend: "gitlab", roleName: "api", boundAudiences: ["a"], boundClaims: { project_id: "42" }, tokenTtl: 300, tokenMaxTtl: 600, tokenType: "batch" };
        assert.deepEqual(diagnostics(await analyze(resourceRequest(VAULT_ROLE, "api", role))), []);
        const configure = new messages.ConfigureAnalyzerRequest();
        const config = new messages.PolicyConfig();
        config.setEnforcementlevel(messages.EnforcementLevel.MANDATORY);
        config.setProperties(Struct.fromJavaScript({ maxTokenLifetimeSeconds: 120 }));
        configure.getPolicyconfigMap().set("vault-gitlab-role-token-lifetime", config);
        await configureWith(configure);
        assert.deepEqual(diagnostics(await analyze(resourceRequest(VAULT_ROLE, "api", role))), [
            `vault-gitlab-role-token-lifetime [mandatory]: A Vault JWT role for GitLab bounds its tokens' lifetime to at most maxTokenLifetimeSeconds.\ntokens from this role can live 300 seconds, above the 120 allowed (maxTokenLifetimeSeconds); set tokenTtl (and tokenMaxTtl) to at most 120 seconds, e.g. the job timeout`,
        ]);
        await configureWith(new messages.ConfigureAnalyzerRequest());
    });

    it("AnalyzeStack: a role on a GitLab mount that binds no GitLab claim, found through its backend dependency", async () => {
        const resource = (type: string, name: string, props: Record<string, unknown>, backend?: string) => {
            const r = new messages.AnalyzerResource();
            r.setType(type);
            r.setName(name);
            r.setUrn(URN(type, name));
            r.setProperties(Struct.fromJavaScript(props as Record<string, never>));
            r.setOptions(new messages.AnalyzerResourceOptions());
            if (backend !== undefined) {
                const dependencies = new messages.AnalyzerPropertyDependencies();
                dependencies.setUrnsList([backend]);
                r.getPropertydependenciesMap().set("backend", dependencies);
            }
            return r;
        };
        const request = new messages.AnalyzeStackRequest();
        request.setResourcesList([
            resource(VAULT_MOUNT, "ci", { path: "ci-jwt", jwksUrl: `https://${HOST}/oauth/discovery/keys`, boundIssuer: `https://${HOST}`, jwtSupportedAlgs: ["RS256"] }),
            resource(VAULT_ROLE, "loose", { backend: "ci-jwt-renamed", roleName: "loose", boundAudiences: ["a"], boundClaims: { ref: "main" } }, URN(VAULT_MOUNT, "ci")),
        ]);
        assert.deepEqual(diagnostics(await analyzeStack(request)), [
            `vault-gitlab-mount-role-unbound [mandatory] ${URN(VAULT_ROLE, "loose")}: Every role on a Vault JWT mount for GitLab in the stack binds a GitLab claim, so that the role policies check it.\nrole "loose" is on ci-jwt, a JWT mount for GitLab (${URN(VAULT_MOUNT, "ci")}), but binds no GitLab claim (boundClaims: ref): any project of the GitLab instance whose jobs request its audience can log in, and the vault-gitlab-role-* policies do not recognise it; bind project_id in boundClaims, and list "ci-jwt" in their gitlabMounts`,
        ]);
    });
});

describe("policy pack: a folder of its own", () => {
    const pack = JSON.parse(readFileSync(join(PACK_DIR, "package.json"), "utf8"));
    const root = JSON.parse(readFileSync("package.json", "utf8"));

    it("pins @pulumi/policy as the root's devDependency does, and uses the root's @bufbuild/cel and @pulumi/pulumi", () => {
        assert.match(pack.dependencies["@pulumi/policy"], /^\d+\.\d+\.\d+$/);
        assert.equal(pack.dependencies["@pulumi/policy"], root.devDependencies["@pulumi/policy"]);
        assert.equal(root.dependencies["@pulumi/policy"], undefined);
        for (const name of ["@bufbuild/cel", "@bufbuild/protobuf"]) {
            assert.equal(pack.dependencies[name], root.dependencies[name], name);
        }
        // The root has the SDK as a devDependency (an optional peer of the published package).
        assert.equal(pack.dependencies["@pulumi/pulumi"], root.devDependencies["@pulumi/pulumi"]);
        assert.equal(root.dependencies["@pulumi/pulumi"], undefined);
        assert.deepEqual(Object.keys(pack.dependencies).sort(), ["@bufbuild/cel", "@bufbuild/protobuf", "@pulumi/policy", "@pulumi/pulumi"]);
    });

    it("builds to bin/ (main), packs bin/ and PulumiPolicy.yaml, and runs on nodejs", () => {
        const tsconfig = JSON.parse(readFileSync(join(PACK_DIR, "tsconfig.json"), "utf8"));
        assert.equal(pack.main, `${tsconfig.compilerOptions.outDir}/index.js`);
        assert.deepEqual(tsconfig.include, ["index.ts", "lib/**/*.ts"]);
        assert.deepEqual(pack.files, ["bin", "PulumiPolicy.yaml"]);
        assert.equal(pack.scripts.prepack, "npm run build");
        assert.match(readFileSync(join(PACK_DIR, "PulumiPolicy.yaml"), "utf8"), /^runtime: nodejs$/m);
        // The root build compiles the same two inputs, so the suite tests what the pack runs.
        assert.ok(JSON.parse(readFileSync("tsconfig.json", "utf8")).include.includes("policy/index.ts"));
    });

    it("the rules import nothing of @pulumi and nothing outside policy/ (a published pack holds only this folder)", () => {
        const sources = readdirSync(join(PACK_DIR, "lib")).map((f) => join(PACK_DIR, "lib", f));
        const imports = sources.flatMap((file) => [...readFileSync(file, "utf8").matchAll(/(?:from\s+|require\(\s*)["']([^"']+)["']/g)].map((m) => `${file.slice(PACK_DIR.length + 1)}: ${m[1]}`));
        assert.deepEqual(
            imports.filter((i) => /: (@pulumi\/|\.\.\/)/.test(i)),
            [],
        );
        assert.ok(imports.includes("lib/cel.ts: @bufbuild/cel"), "the scan sees imports");
        // Loaded with any @pulumi module refused, the policies still load.
        const run = spawnSync(process.execPath, ["--require", resolve("test/fixtures/no-pulumi.js"), "-e", 'process.stdout.write(String(require("./dist/policy/lib/policies.js").POLICIES.length))'], { encoding: "utf8" });
        assert.equal(run.status, 0, run.stderr);
        assert.equal(run.stdout, String(POLICIES.length));
    });

    it("every section of the project's reference that policy/ cites exists", () => {
        const defined = new Set([...readFileSync(join("docs", "reference.md"), "utf8").matchAll(/^#{2,4} (§\d+(?:\.\d+)*) /gm)].map((m) => m[1]));
        const files = ["index.ts", ...readdirSync(join(PACK_DIR, "lib")).map((f) => `lib/${f}`)];
        const cited = files.flatMap((f) => [...readFileSync(join(PACK_DIR, f), "utf8").matchAll(/§\d+(?:\.\d+)*/g)].map((m) => `${f}: ${m[0]}`));
        assert.ok(cited.length > 10);
        assert.deepEqual(
            cited.filter((c) => !defined.has(c.slice(c.indexOf("§")))),
            [],
        );
    });
});

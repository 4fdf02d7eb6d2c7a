/**
 * The plugin boundary: the echo target (test/fixtures/echo-target.ts: only the required members,
 * outside the registry's file) is added with `node --require`, and the CLI's commands and the
 * program as the language host starts it (Pulumi.yaml nodeargs) take it in without naming it.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { cli, directoryWith } from "./helpers/cli";
import { hostConfig, projectFolder, runAsLanguageHost } from "./helpers/language-host";

const REGISTER = resolve("dist/test/fixtures/register-echo.js");
const STACK = `config:
  gitlab-federation:gitlab:
    url: https://gitlab.example.com
  gitlab-federation:echo:
    audience: https://echo.example.com
  gitlab-federation:projects:
    platform/api:
      id: 42
      grants:
        deploy:
          ref: main
          echo:
            say: hello
`;

const run = (directory: string, ...args: string[]) => cli(args, { cwd: directory, node: ["--require", REGISTER] });

describe("a target added from outside the registry (echo)", function () {
    this.timeout(60000);
    const directory = directoryWith({ "Pulumi.yaml": readFileSync("Pulumi.yaml", "utf8"), "Pulumi.echo.yaml": STACK, "base.yaml": STACK.replace("say: hello", "say: goodbye") });

    it("validate and plan take its section, grant field, plan and summary", () => {
        const validate = run(directory, "validate", "--stack", "echo");
        assert.deepEqual([validate.status, validate.stdout], [0, "Pulumi.echo.yaml: valid: 1 project, 1 grant, 0 warnings\n"], validate.stderr);
        const plan = JSON.parse(run(directory, "plan", "--stack", "echo", "--json").stdout);
        assert.deepEqual(plan.echo, {
            audience: "https://echo.example.com",
            echoes: [{ resource: { type: "echo:index:Echo", name: "42/deploy", protect: false, aliases: ["platform/api/deploy"], rootAlias: true, grant: "42/deploy" }, projectId: "42", say: "hello" }],
        });
        assert.deepEqual(plan.grants[0].echo, { name: "42/deploy", say: "hello", audience: "https://echo.example.com" });
        assert.match(run(directory, "plan", "--stack", "echo").stdout, /grants per target: Vault 0, AWS 0, GCP 0, Akeyless 0, Azure 0, Echo 1\)/);
    });

    it("its grant field is checked by its schema, with the path as written", () => {
        const bad = directoryWith({ "Pulumi.yaml": readFileSync("Pulumi.yaml", "utf8"), "Pulumi.echo.yaml": STACK.replace("say: hello", "say: Hello!") });
        const validate = run(bad, "validate", "--stack", "echo");
        assert.equal(validate.status, 1);
        assert.equal(
            validate.stderr,
            'Pulumi.echo.yaml: the gitlab-federation project map has 1 problem:\nPulumi.echo.yaml:13:13: gitlab-federation:projects["platform/api"].grants.deploy.echo.say: must be lowercase letters, e.g. hello\n',
        );
    });

    it("the map's schema has its section and grant field", () => {
        const schema = JSON.parse(run(directory, "schema", "map").stdout);
        assert.deepEqual(Object.keys(schema.properties.echo.properties), ["audience"]);
        assert.equal(JSON.stringify(schema).includes('"say"'), true);
    });

    it("explain evaluates its tokens with its evaluator; --target lists it", () => {
        const accepted = run(directory, "explain", "--stack", "echo", "--project", "platform/api", "--protected");
        assert.equal(accepted.status, 0, accepted.stderr);
        assert.match(accepted.stdout, /Echo \(aud "https:\/\/echo\.example\.com"\): 1 accepted, 0 rejected\n  accepted  platform\/api deploy\n              echo hello\n/);
        const rejected = run(directory, "explain", "--stack", "echo", "--project", "platform/api");
        assert.equal(rejected.status, 3);
        assert.match(rejected.stdout, /rejected  platform\/api deploy: fails only: ref_protected is not true/);
        assert.match(run(directory, "help", "explain").stdout, /--target <key>       only this target \(vault, aws, gcp, akeyless, azure, echo\)/);
    });

    it("diff: a change in a target without a review capability cannot be ranked, so it counts as wider (never 'unchanged')", () => {
        const diff = run(directory, "diff", "--base", "base.yaml", "--stack", "echo", "--format", "json");
        assert.equal(diff.status, 5, diff.stderr);
        const report = JSON.parse(diff.stdout);
        assert.equal(report.verdict, "widened");
        assert.deepEqual(report.resources.map((r: { name: string; op: string; changed: string[] }) => [r.name, r.op, r.changed]), [["42/deploy", "update", ["say"]]]);
    });

    it("the program, started as the language host starts it with the plugin in Pulumi.yaml's nodeargs, registers its resources", async () => {
        const project = readFileSync("Pulumi.yaml", "utf8").replace("nodeargs: --max-semi-space-size=64", `nodeargs: --max-semi-space-size=64 --require ${REGISTER}`);
        const root = projectFolder({ "Pulumi.echo.yaml": STACK });
        const { writeFileSync } = await import("node:fs");
        writeFileSync(`${root}/Pulumi.yaml`, project);
        const host = await runAsLanguageHost({ root, stack: "echo", config: hostConfig({ gitlab: { url: "https://gitlab.example.com" }, echo: { audience: "https://echo.example.com" }, projects: { "platform/api": { id: 42, grants: { deploy: { ref: "main", echo: { say: "hello" } } } } } }) });
        assert.equal(host.status, 0, host.stderr);
        assert.deepEqual(
            host.resources.filter((r) => r.type === "echo:index:Echo").map((r) => [r.name, r.inputs]),
            [["42/deploy", { say: "hello" }]],
        );
    });
});

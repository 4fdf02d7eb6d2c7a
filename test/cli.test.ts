import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { main, USAGE } from "../cli/main";
import { mapFromStackFile } from "../plan/config";
import { planMap } from "../plan";
import { mapJsonSchema } from "../plan/json-schema";

const DEV_TEXT = readFileSync("Pulumi.dev.yaml", "utf8");

function run(argv: string[], files: Record<string, string> = { "Pulumi.dev.yaml": DEV_TEXT }) {
    let stdout = "";
    let stderr = "";
    const code = main(argv, {
        stdout: (t) => (stdout += t),
        stderr: (t) => (stderr += t),
        readFile: (path) => {
            if (!(path in files)) {
                throw Object.assign(new Error(`ENOENT: ${path}`), { code: "ENOENT" });
            }
            return files[path]!;
        },
    });
    return { code, stdout, stderr };
}

const BAD = `config:
  gitlab-federation:gitlab:
    url: https://gitlab.example.com/
  gitlab-federation:vault:
    audience: https://vault.example.com
  gitlab-federation:projects:
    platform/api:
      id: 42
      grants:
        deploy:
          ref: main
          refType: branches
          vault:
            read: [platform/api/../x]
`;

describe("the CLI", () => {
    it("plan --stack dev prints the grants per target", () => {
        const { code, stdout, stderr } = run(["plan", "--stack", "dev"]);
        assert.equal(code, 0);
        assert.equal(stderr, "");
        const lines = stdout.split("\n");
        assert.equal(lines[0], "gitlab-federation plan for https://gitlab.example.com: 2 projects, 4 grants (Vault 4, AWS 2, GCP 2)");
        assert.equal(lines[3], "PROJECT       ID  GRANT    CONDITIONS                                                  ROLE                   SECRETS (read + list below)  TTL / MAX");
        assert.equal(lines[4], "platform/api  42  deploy   branch main, protected, environment production              platform-api--deploy   platform/api/production      5m / 10m");
        assert.ok(lines.includes("platform/api  release  platform-api-release         project_path:platform/api:ref_type:tag:ref:v*       projectId, protected"));
        assert.ok(lines.some((l) => l.startsWith("Warnings (")));
    });

    it("plan --json prints the plan, equal to the planner's", () => {
        const { code, stdout } = run(["plan", "--config", "Pulumi.dev.yaml", "--json"]);
        assert.equal(code, 0);
        assert.deepEqual(JSON.parse(stdout), JSON.parse(JSON.stringify(planMap(mapFromStackFile(DEV_TEXT, "Pulumi.dev.yaml")))));
    });

    it("validate: exit 0 with a summary; exit 1 with every problem on stderr", () => {
        const ok = run(["validate", "--stack", "dev"]);
        assert.equal(ok.code, 0);
        assert.equal(ok.stdout, "Pulumi.dev.yaml: valid: 2 projects, 4 grants, 4 warnings\n");
        const bad = run(["validate", "--config", "bad.yaml"], { "bad.yaml": BAD });
        assert.equal(bad.code, 1);
        assert.equal(bad.stdout, "");
        assert.equal(
            bad.stderr,
            [
                "bad.yaml: the gitlab-federation project map has 3 problems:",
                'gitlab.url: must not end with "/" (got "https://gitlab.example.com/"); write "https://gitlab.example.com": it must equal the iss claim of GitLab\'s ID tokens byte for byte',
                'projects["platform/api"].grants.deploy.refType: must be one of "branch", "tag", got "branches". Whether ref names branches or tags. Default: branch.',
                'projects["platform/api"].grants.deploy.vault.read[0]: must not contain "..", "." or empty segments (got "platform/api/../x"): the path must not be able to escape the folder it names',
                "",
            ].join("\n"),
        );
    });

    it("usage errors and unreadable files exit 2", () => {
        assert.deepEqual(run([]), { code: 2, stdout: "", stderr: `gitlab-federation: missing command\n\n${USAGE}` });
        assert.equal(run(["plan"]).stderr.split("\n")[0], "gitlab-federation: plan needs --config <file> or --stack <name>");
        assert.equal(run(["validate", "--stack", "dev", "--json"]).stderr.split("\n")[0], "gitlab-federation: --json applies to plan only");
        assert.equal(run(["plan", "--stack", "dev", "--config", "x"]).stderr.split("\n")[0], "gitlab-federation: give one of --config and --stack, once");
        assert.equal(run(["plan", "--stack"]).stderr.split("\n")[0], "gitlab-federation: --stack needs a value");
        assert.equal(run(["deploy"]).stderr.split("\n")[0], 'gitlab-federation: unexpected argument "deploy"');
        assert.deepEqual(run(["plan", "--stack", "prod"]), { code: 2, stdout: "", stderr: "gitlab-federation: cannot read Pulumi.prod.yaml: no such file\n" });
        assert.deepEqual(run(["plan", "--config", "x.yaml"], { "x.yaml": "a: [" }).code, 2);
        assert.deepEqual(run(["plan", "--config", "x.yaml"], { "x.yaml": "name: x\n" }), {
            code: 2,
            stdout: "",
            stderr: "gitlab-federation: x.yaml: has no config: mapping; the project map lives under config: as gitlab-federation:gitlab, gitlab-federation:projects, ...\n",
        });
        assert.deepEqual(run(["plan", "--config", "s.yaml"], { "s.yaml": "config:\n  gitlab-federation:gitlab:\n    secure: AAAA\n" }), {
            code: 2,
            stdout: "",
            stderr: "gitlab-federation: gitlab-federation:gitlab: is a secret (secure:) value; the project map holds no secrets, so write it in plain text\n",
        });
        assert.deepEqual(run(["--help"]), { code: 0, stdout: USAGE, stderr: "" });
    });

    it("schema prints the map's JSON Schema", () => {
        const { code, stdout } = run(["schema"]);
        assert.equal(code, 0);
        assert.deepEqual(JSON.parse(stdout), mapJsonSchema());
    });

    it("the installed bin runs without Pulumi or credentials", () => {
        const result = spawnSync(process.execPath, ["bin/gitlab-federation.js", "validate", "--stack", "dev"], { encoding: "utf8", env: { PATH: process.env.PATH ?? "" } });
        assert.equal(result.status, 0, result.stderr);
        assert.equal(result.stdout, "Pulumi.dev.yaml: valid: 2 projects, 4 grants, 4 warnings\n");
        const bad = spawnSync(process.execPath, ["bin/gitlab-federation.js", "plan", "--stack", "nope"], { encoding: "utf8" });
        assert.equal(bad.status, 2);
        assert.equal(bad.stderr, "gitlab-federation: cannot read Pulumi.nope.yaml: no such file\n");
    });
});

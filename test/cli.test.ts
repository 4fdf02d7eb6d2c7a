/**
 * The CLI as users run it: the real binary, in a child process. Exit codes: 0 ok, 1 invalid map
 * (YAML syntax included), 2 usage error or unreadable file.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { planMap } from "../src/features";
import { mapJsonSchema, stackFileJsonSchema } from "../src/features/json-schema";
import { BIN, cli, directoryWith } from "./helpers/cli";
import { devMap } from "./helpers/maps";

const DEV_TEXT = readFileSync("Pulumi.dev.yaml", "utf8");
const VERSION = (JSON.parse(readFileSync("package.json", "utf8")) as { version: string }).version;

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
    describe("plan and validate", () => {
        it("plan --stack dev prints the grants per target", () => {
            const { status, stdout, stderr } = cli(["plan", "--stack", "dev"]);
            assert.equal(status, 0, stderr);
            assert.equal(stderr, "");
            const lines = stdout.split("\n");
            assert.equal(lines[0], "gitlab-federation plan for https://gitlab.example.com: 2 projects, 4 grants, the deployer (grants per target: Vault 4, AWS 2, GCP 2, Akeyless 0, Azure 0)");
            assert.equal(lines[2], "Vault: auth method gitlab (issuer https://gitlab.example.com), audience https://vault.example.com, KV v2 mount secret, audit file /var/log/vault/audit.log");
            assert.equal(lines[3], "PROJECT                     ID  GRANT    CONDITIONS                                                  ROLE                                 SECRETS (read + list below)  TTL / MAX");
            assert.equal(lines[4], "platform/api                42  deploy   branch main, protected, environment production              platform-api--deploy                 platform/api/production      5m / 10m");
            assert.equal(lines[7], "platform/gitlab-federation  7   applier  branch main, protected, environment federation-dev          platform-gitlab-federation--applier  none (deployer applier)      30m / 30m");
            assert.ok(lines.includes("platform/api                release  platform-api-release                        project_path:platform/api:ref_type:tag:ref:v*                     projectId, protected"), lines.join("\n"));
            assert.ok(lines.some((l) => l.startsWith("Warnings (")));
        });

        it("plan --json prints the plan, equal to the planner's", () => {
            const { status, stdout } = cli(["plan", "--config", "Pulumi.dev.yaml", "--json"]);
            assert.equal(status, 0);
            assert.deepEqual(JSON.parse(stdout), JSON.parse(JSON.stringify(planMap(devMap()))));
        });

        it("validate: exit 0 with a summary and the warnings on stderr; acknowledged loosenings counted, printed with --verbose", () => {
            const ok = cli(["validate", "--stack", "dev"]);
            assert.equal(ok.status, 0);
            assert.equal(ok.stdout, "Pulumi.dev.yaml: valid: 2 projects, 4 grants, the deployer, 9 warnings (5 acknowledged with a reason, not printed: --verbose prints them)\n");
            const at = (line: string) => /^warning: Pulumi\.dev\.yaml:(\d+:\d+): (\S+):/.exec(line)!.slice(1).join(" ");
            assert.deepEqual(ok.stderr.trimEnd().split("\n").map(at), [
                "26:3 gitlab-federation:aws",
                "26:3 gitlab-federation:aws",
                "40:3 gitlab-federation:deployer.planner.protected",
                '92:11 gitlab-federation:projects["platform/api"].grants.review.protected',
            ]);
            assert.equal(
                ok.stderr.split("\n")[0],
                "warning: Pulumi.dev.yaml:26:3: gitlab-federation:aws: AWS binds projects by path (in sub), not by id: platform/api, platform/gitlab-federation. After a rename or transfer their roles stop matching, and a new project created at an old path would match them: update the map and run pulumi up when a project moves",
            );
            const verbose = cli(["validate", "--stack", "dev", "--verbose"]);
            assert.equal(verbose.stdout, "Pulumi.dev.yaml: valid: 2 projects, 4 grants, the deployer, 9 warnings\n");
            assert.deepEqual(verbose.stderr.trimEnd().split("\n").map(at), [
                "26:3 gitlab-federation:aws",
                "26:3 gitlab-federation:aws",
                "40:3 gitlab-federation:deployer.planner.protected",
                "49:7 gitlab-federation:deployer.vault.acknowledgePolicies",
                "51:7 gitlab-federation:deployer.aws.acknowledge",
                "59:7 gitlab-federation:deployer.gcp.acknowledgeProject",
                '75:15 gitlab-federation:projects["platform/api"].grants.deploy.aws.acknowledge.environment',
                '88:15 gitlab-federation:projects["platform/api"].grants.release.aws.acknowledge.protected',
                '92:11 gitlab-federation:projects["platform/api"].grants.review.protected',
            ]);
            // The acknowledged ones are exactly the plan's loosenings (grant and stack), each with its reason.
            const plan = planMap(devMap());
            const loosenings = [...plan.grants.flatMap((g) => g.loosenings ?? []), ...(plan.loosenings ?? [])];
            assert.equal(loosenings.length, 5);
            for (const l of loosenings) {
                assert.ok(verbose.stderr.includes(`${l.effect}: ${JSON.stringify(l.reason)}`) && !ok.stderr.includes(JSON.stringify(l.reason)), l.effect);
            }
        });

        it("problems in file order in validate --json, codequality and diff's base report, not in path order", () => {
            // gitlab-federation:projects comes before gitlab-federation:gitlab in the file, after it by path.
            const text = "config:\n  gitlab-federation:projects:\n    a/b:\n      id: 0\n      grants: {}\n  gitlab-federation:gitlab:\n    url: http://gitlab.example.com\n";
            const directory = directoryWith({ "Pulumi.x.yaml": text });
            const report = JSON.parse(cli(["validate", "-s", "x", "--json"], { cwd: directory }).stdout) as { summary: unknown; problems: { line: number }[] };
            const lines = report.problems.map((p) => p.line);
            assert.ok(lines.length >= 2 && lines[0]! < lines.at(-1)!, JSON.stringify(report.problems));
            assert.deepEqual(lines, [...lines].sort((a, b) => a - b));
            assert.deepEqual(report.summary, { problems: lines.length, warnings: 0, acknowledged: 0 });
            const quality = JSON.parse(cli(["validate", "-s", "x", "--format", "codequality"], { cwd: directory }).stdout) as { location: { lines: { begin: number } } }[];
            assert.deepEqual(quality.map((q) => q.location.lines.begin), lines);
            const diff = cli(["diff", "--base", "Pulumi.x.yaml", "--config", join(process.cwd(), "Pulumi.dev.yaml")], { cwd: directory });
            assert.equal(diff.status, 1);
            assert.deepEqual([...diff.stderr.matchAll(/^Pulumi\.x\.yaml:(\d+):/gm)].map((m) => Number(m[1])), lines);
        });

        it("validate: exit 1 with every problem as file:line:column: path: message", () => {
            const directory = directoryWith({ "bad.yaml": BAD });
            const bad = cli(["validate", "--config", "bad.yaml"], { cwd: directory });
            assert.equal(bad.status, 1);
            assert.equal(bad.stdout, "");
            assert.equal(
                bad.stderr,
                [
                    "bad.yaml: the gitlab-federation project map has 3 problems:",
                    'bad.yaml:3:5: gitlab-federation:gitlab.url: must not end with "/" (got "https://gitlab.example.com/"); write "https://gitlab.example.com": it must equal the iss claim of GitLab\'s ID tokens byte for byte',
                    'bad.yaml:12:11: gitlab-federation:projects["platform/api"].grants.deploy.refType: must be one of "branch", "tag", got "branches". Whether ref names branches or tags. Default: branch.',
                    'bad.yaml:14:20: gitlab-federation:projects["platform/api"].grants.deploy.vault.read[0]: must not contain "..", "." or empty segments (got "platform/api/../x"): the path must not be able to escape the folder it names',
                    "",
                ].join("\n"),
            );
        });

        it("validate --json and plan --json of an invalid map: problems with path, line, column and message, exit 1", () => {
            const directory = directoryWith({ "bad.yaml": BAD });
            for (const command of ["validate", "plan"]) {
                const run = cli([command, "--config", "bad.yaml", "--json"], { cwd: directory });
                assert.equal(run.status, 1);
                const report = JSON.parse(run.stdout) as { file: string; valid: boolean; problems: unknown[]; warnings: unknown[] };
                assert.equal(report.valid, false);
                assert.equal(report.file, "bad.yaml");
                assert.deepEqual(report.problems[0], {
                    path: "gitlab-federation:gitlab.url",
                    line: 3,
                    column: 5,
                    message: 'must not end with "/" (got "https://gitlab.example.com/"); write "https://gitlab.example.com": it must equal the iss claim of GitLab\'s ID tokens byte for byte',
                });
                assert.equal(report.problems.length, 3);
                // The README documents a summary for every report, an invalid map's too.
                assert.deepEqual((report as { summary?: unknown }).summary, { problems: 3, warnings: report.warnings.length, acknowledged: 0 });
                assert.equal(report.warnings.length, 1);
            }
            const ok = JSON.parse(cli(["validate", "--stack", "dev", "--json"]).stdout) as Record<string, unknown>;
            assert.deepEqual(Object.keys(ok), ["file", "valid", "summary", "problems", "warnings"]);
            assert.deepEqual(ok.summary, { projects: 2, grants: 4, deployer: true, problems: 0, warnings: 9, acknowledged: 5 });
        });

        it("one mistake, one message: a secure: value, an unquoted 012... and protected: yes each give one problem, whose fix the next run accepts", () => {
            const head = "config:\n  gitlab-federation:gitlab:\n    url: https://gitlab.example.com\n  gitlab-federation:vault:\n    audience: https://vault.example.com\n";
            const cases: [string, string][] = [
                [
                    "  gitlab-federation:aws:\n    accountId: 012345678901\n",
                    'Pulumi.x.yaml:7:5: gitlab-federation:aws.accountId: must be a string, got 12345678901. The AWS account (quoted, 12 digits). Optional: lets the plan show real ARNs. (YAML read the unquoted 012345678901 as the number 12345678901; write "012345678901" in quotes if you meant the text)',
                ],
                [
                    "  gitlab-federation:projects:\n    a/b:\n      id: 1\n      grants:\n        g:\n          ref: main\n          protected: yes\n          vault:\n            read: [a/b]\n",
                    'Pulumi.x.yaml:12:11: gitlab-federation:projects["a/b"].grants.g.protected: must be true or false, got "yes". Require a protected branch or tag (ref_protected). Default true; false lets any push to a matching ref through.',
                ],
                [
                    "  gitlab-federation:aws:\n    accountId:\n      secure: v1:abc\n",
                    "Pulumi.x.yaml:7:5: gitlab-federation:aws.accountId: is a secret (secure:) value; the project map holds no secrets (ids, paths and names are not secret), so write it in plain text",
                ],
            ];
            const projects = "  gitlab-federation:projects:\n    a/b:\n      id: 1\n      grants:\n        g:\n          ref: main\n          vault:\n            read: [a/b]\n";
            for (const [tail, problem] of cases) {
                const text = `${head}${tail}${tail.includes("projects:") ? "" : projects}`;
                const run = cli(["validate", "-s", "x"], { cwd: directoryWith({ "Pulumi.x.yaml": text }) });
                assert.deepEqual({ status: run.status, stderr: run.stderr }, { status: 1, stderr: `Pulumi.x.yaml: the gitlab-federation project map has 1 problem:\n${problem}\n` }, tail);
            }
            // The suggested fixes, applied, are accepted (no problem left at those paths).
            const fixed = `${head}  gitlab-federation:aws:\n    accountId: "012345678901"\n  gitlab-federation:projects:\n    a/b:\n      id: 1\n      grants:\n        g:\n          ref: main\n          protected: true\n          vault:\n            read: [a/b]\n`;
            const run = cli(["validate", "-s", "x"], { cwd: directoryWith({ "Pulumi.x.yaml": fixed }) });
            assert.equal(run.status, 0, run.stderr);
        });

        it("YAML syntax errors are an invalid map (exit 1), with their position", () => {
            const directory = directoryWith({ "Pulumi.x.yaml": "config:\n  gitlab-federation:gitlab: [\n" });
            const run = cli(["validate", "-s", "x"], { cwd: directory });
            assert.equal(run.status, 1);
            assert.match(run.stderr, /^Pulumi\.x\.yaml: the gitlab-federation project map has 1 problem:\nPulumi\.x\.yaml:\d+:\d+: not valid YAML: /);
        });

        it("a file without config: is an invalid map (exit 1)", () => {
            const directory = directoryWith({ "Pulumi.x.yaml": "name: x\n" });
            assert.deepEqual(cli(["validate", "-s", "x"], { cwd: directory }), {
                status: 1,
                stdout: "",
                stderr: "Pulumi.x.yaml: the gitlab-federation project map has 1 problem:\nPulumi.x.yaml: has no config: mapping; the project map lives under config: as gitlab-federation:gitlab, gitlab-federation:projects, ...\n",
            });
        });
    });

    describe("choosing the stack file", () => {
        it("--stack=dev, -s dev, a fully qualified org/project/dev and --config all read Pulumi.dev.yaml", () => {
            const expected = "Pulumi.dev.yaml: valid: 2 projects, 4 grants, the deployer, 9 warnings (5 acknowledged with a reason, not printed: --verbose prints them)\n";
            for (const args of [["--stack=dev"], ["-s", "dev"], ["--stack", "acme/gitlab-federation/dev"], ["--config", "Pulumi.dev.yaml"]]) {
                assert.equal(cli(["validate", ...args]).stdout, expected, args.join(" "));
            }
        });

        it("-C <dir> reads from another directory", () => {
            const directory = directoryWith({});
            const run = cli(["validate", "-C", process.cwd(), "-s", "dev"], { cwd: directory });
            assert.equal(run.status, 0);
            assert.equal(run.stdout, `${process.cwd()}/Pulumi.dev.yaml: valid: 2 projects, 4 grants, the deployer, 9 warnings (5 acknowledged with a reason, not printed: --verbose prints them)\n`);
        });

        it("options before the command, as git and pulumi allow: -C <dir> validate, --stack dev plan, -s dev --json validate", function () {
            this.timeout(120_000); // many CLI runs: slow on a loaded machine
            const directory = directoryWith({});
            const cases: [string[], string[]][] = [
                [["-C", process.cwd(), "validate", "-s", "dev"], ["validate", "-C", process.cwd(), "-s", "dev"]],
                [["-C", process.cwd(), "--stack", "dev", "plan", "--json"], ["plan", "-C", process.cwd(), "--stack", "dev", "--json"]],
                [[`-C${process.cwd()}`, "-s", "dev", "--json", "validate"], ["validate", "-C", process.cwd(), "-s", "dev", "--json"]],
                [["--stack=dev", "-C", process.cwd(), "access", "--format", "csv"], ["access", "-C", process.cwd(), "-s", "dev", "--format", "csv"]],
            ];
            for (const [before, after] of cases) {
                const expected = cli(after, { cwd: directory });
                assert.equal(expected.status, 0, expected.stderr);
                assert.deepEqual(cli(before, { cwd: directory }), expected, before.join(" "));
            }
        });

        it("--config - reads standard input", () => {
            const run = cli(["validate", "--config", "-"], { input: DEV_TEXT });
            assert.equal(run.stdout, "<stdin>: valid: 2 projects, 4 grants, the deployer, 9 warnings (5 acknowledged with a reason, not printed: --verbose prints them)\n");
            const bad = cli(["validate", "--config", "-"], { input: BAD });
            assert.equal(bad.status, 1);
            assert.match(bad.stderr, /^<stdin>: the gitlab-federation project map has 3 problems:\n<stdin>:3:5: gitlab-federation:gitlab\.url: /);
        });
    });

    describe("usage", () => {
        it("usage errors print one line and a pointer to help, exit 2", function () {
            this.timeout(120_000); // many CLI runs: slow on a loaded machine
            const cases: [string[], string][] = [
                [["valdate", "-s", "dev"], 'gitlab-federation: unknown command "valdate" (did you mean validate?)\nRun \'gitlab-federation --help\' for usage.\n'],
                [["plan", "-s", "dev", "--jsno"], "gitlab-federation: unknown option --jsno for plan (did you mean --json?)\nRun 'gitlab-federation help plan' for usage.\n"],
                [["plan", "--stak", "dev"], "gitlab-federation: unknown option --stak for plan (did you mean --stack?)\nRun 'gitlab-federation help plan' for usage.\n"],
                [["plan", "--stack"], "gitlab-federation: option -s, --stack needs a value\nRun 'gitlab-federation help plan' for usage.\n"],
                [["plan"], "gitlab-federation: needs --stack <name> or --config <file>\nRun 'gitlab-federation --help' for usage.\n"],
                [["plan", "-s", "dev", "--config", "x"], "gitlab-federation: give one of --stack and --config, not both\nRun 'gitlab-federation --help' for usage.\n"],
                [["plan", "-s", "dev", "-s", "prod"], "gitlab-federation: --stack was given 2 times; give it once\nRun 'gitlab-federation --help' for usage.\n"],
                [["plan", "-s", "dev", "extra"], 'gitlab-federation: plan takes no argument "extra"\nRun \'gitlab-federation help plan\' for usage.\n'],
                [["--json", "plan"], "gitlab-federation: needs --stack <name> or --config <file>\nRun 'gitlab-federation --help' for usage.\n"],
                [["--json", "schema", "map"], "gitlab-federation: unknown option --json for schema\nRun 'gitlab-federation help schema' for usage.\n"],
                [["-C", "x"], "gitlab-federation: no command after -C x: gitlab-federation [options] <command> [options]\nRun 'gitlab-federation --help' for usage.\n"],
                [["--stack=dev"], "gitlab-federation: no command after --stack=dev: gitlab-federation [options] <command> [options]\nRun 'gitlab-federation --help' for usage.\n"],
                [["help", "nope"], 'gitlab-federation: unknown command "nope"\nRun \'gitlab-federation --help\' for usage.\n'],
            ];
            for (const [args, stderr] of cases) {
                assert.deepEqual(cli(args), { status: 2, stdout: "", stderr }, args.join(" "));
            }
        });

        it("no command prints the usage to stderr, exit 2", () => {
            const run = cli([]);
            assert.equal(run.status, 2);
            assert.match(run.stderr, /^usage: gitlab-federation \[options\] <command> \[options\]\n/);
        });

        it("an unreadable file exits 2", () => {
            assert.deepEqual(cli(["plan", "--stack", "prod"]), { status: 2, stdout: "", stderr: "gitlab-federation: cannot read Pulumi.prod.yaml: no such file\n" });
            assert.deepEqual(cli(["plan", "--config", "src"]), { status: 2, stdout: "", stderr: "gitlab-federation: cannot read src: is a directory\n" });
        });

        it("--help lists the commands and exit codes; help <command> and <command> --help show its usage", () => {
            const help = cli(["--help"]);
            assert.equal(help.status, 0);
            assert.match(help.stdout, /^usage: gitlab-federation \[options\] <command> \[options\]\n/);
            for (const text of ["  validate  ", "  plan  ", "  schema  ", "exit codes:\n  0  ok\n  1  the map is invalid", "  2  usage error"]) {
                assert.ok(help.stdout.includes(text), text);
            }
            const plan = cli(["help", "plan"]);
            assert.equal(plan.status, 0);
            assert.match(plan.stdout, /^usage: gitlab-federation plan \(--stack <name> \| --config <file\|->\) \[--json\]\n/);
            assert.deepEqual(cli(["plan", "--help"]), plan);
            assert.deepEqual(cli(["plan", "-h"]), plan);
        });

        it("--version prints the package version", () => {
            assert.deepEqual(cli(["--version"]), { status: 0, stdout: `gitlab-federation ${VERSION}\n`, stderr: "" });
        });
    });

    describe("output", () => {
        it("plan | head exits quietly (no EPIPE error)", () => {
            const run = spawnSync("sh", ["-c", `"${process.execPath}" "${BIN}" plan --stack dev --json | head -c 11`], { encoding: "utf8" });
            assert.equal(run.stdout, '{\n  "versio');
            assert.equal(run.stderr, "");
            assert.equal(run.status, 0);
        });

        it("colours only when asked or on a terminal, never with NO_COLOR", () => {
            const ESC = "\u001b[";
            assert.ok(!cli(["plan", "-s", "dev"]).stdout.includes(ESC), "piped: no colour");
            assert.ok(cli(["plan", "-s", "dev", "--color"]).stdout.includes(`${ESC}1mgitlab-federation plan for`), "--color forces colour");
            assert.ok(!cli(["plan", "-s", "dev", "--color", "--no-color"]).stdout.includes(ESC), "--no-color wins");
        });

        it("tables fit the width (COLUMNS): cells wrap onto the next lines, nothing is cut", () => {
            const run = cli(["plan", "-s", "dev"], { env: { COLUMNS: "80" } });
            const lines = run.stdout.split("\n");
            const table = lines.slice(3, 8);
            assert.ok(table.every((l) => l.length <= 80), table.join("\n"));
            assert.ok(!run.stdout.includes("…"));
            // The cells the issue found cut at 80 columns are there, whole or wrapped after a separator.
            assert.deepEqual(lines.slice(5, 9), [
                "platform/api  42  deploy   branch main,  platform-api-  platform/api/  5m / 10m",
                "                           protected,    -deploy        production",
                "                           environment",
                "                           production",
            ]);
            assert.ok(lines.some((l) => l.endsWith("roles/storage.")) && lines.some((l) => l.endsWith("objectAdmin")), run.stdout);
        });

        it("schema prints the map's JSON Schema, or a whole stack file's", () => {
            assert.deepEqual(JSON.parse(cli(["schema"]).stdout), mapJsonSchema());
            assert.deepEqual(JSON.parse(cli(["schema", "stack"]).stdout), stackFileJsonSchema());
            assert.equal(cli(["schema", "nope"]).stderr, 'gitlab-federation: unknown schema "nope": choose map, stack or plan\nRun \'gitlab-federation help schema\' for usage.\n');
        });
    });

    describe("how the stack file was written", () => {
        const stack = (body: string) => `config:\n  gitlab-federation:gitlab:\n    url: https://gitlab.example.com\n  gitlab-federation:vault:\n    audience: https://vault.example.com\n${body}`;
        const project = (grant: string) => `  gitlab-federation:projects:\n    platform/api:\n      id: 42\n      grants:\n        deploy:\n${grant}`;

        it("a misspelled namespace is reported with a suggestion, not ignored, and once (not also as a missing section)", () => {
            const directory = directoryWith({ "Pulumi.x.yaml": stack(`  gitlab-federaton:projects:\n    platform/api: {id: 42, grants: {}}\n`) });
            const run = cli(["validate", "-s", "x"], { cwd: directory });
            assert.equal(run.status, 1);
            assert.equal(
                run.stderr,
                [
                    "Pulumi.x.yaml: the gitlab-federation project map has 1 problem:",
                    'Pulumi.x.yaml:6:3: gitlab-federaton:projects: unknown config namespace "gitlab-federaton" (did you mean "gitlab-federation:projects"?): Pulumi passes this key to no provider and gitlab-federation does not read it, so the map would silently lack it. Correct the namespace',
                    "",
                ].join("\n"),
            );
        });

        it("values YAML turned into numbers get a hint to quote them", () => {
            const directory = directoryWith({ "Pulumi.x.yaml": stack(project(`          ref: 2024.10\n          vault: {read: [platform/api]}\n`)) });
            const run = cli(["validate", "-s", "x"], { cwd: directory });
            assert.equal(run.status, 1);
            assert.equal(
                run.stderr.split("\n")[1],
                'Pulumi.x.yaml:11:11: gitlab-federation:projects["platform/api"].grants.deploy.ref: must be a string or a list, got 2024.1. Branch or tag name, or a pattern where * matches any characters (e.g. release/*), or a list of them. "*" means any ref. (YAML read the unquoted 2024.10 as the number 2024.1; write "2024.10" in quotes if you meant the text)',
            );
        });
    });
});

/** diff: access changes per grant and target, resource changes and hazards, the MR note, exit codes. */
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { planEntries, planMap } from "../../src/features";
import { diffPlans } from "../../src/features/diff";
import { NOTE_MARKER, diffJson, renderDiffMarkdown } from "../../src/features/diff-report";
import { mapArb } from "../helpers/arbitraries";
import { cli, directoryWith } from "../helpers/cli";
import { clone, devMap } from "../helpers/maps";

type Json = Record<string, any>;
const DEV = devMap() as Json;
const DEV_TEXT = readFileSync("Pulumi.dev.yaml", "utf8");

const access = (head: Json, base: Json = DEV) => diffPlans(planMap(base), planMap(head)).access.map((a) => [a.change, `${a.project} ${a.grant}`, a.target, ...a.details]);

describe("diff", () => {
    it("an unchanged map: nothing", () => {
        assert.deepEqual(diffJson(diffPlans(planMap(DEV), planMap(clone(DEV)))), { verdict: "unchanged", access: [], resources: [], warnings: { added: [], removed: [] } });
    });

    it("widened: more refs, unprotected, no environment, more prefixes, longer TTLs", () => {
        const head = clone(DEV);
        const deploy = head.projects["platform/web"].grants.deploy;
        deploy.ref = ["main", "release/*", "hotfix/*"];
        deploy.protected = false;
        delete deploy.environment;
        deploy.vault.read = ["platform/web/production", "platform/web/shared"];
        deploy.vault.tokenTtl = "5m";
        assert.deepEqual(access(head), [
            ["widened", "platform/web deploy", "gcp", "admits branch hotfix/*", "no longer requires a protected ref (any push to a matching ref)", "no longer requires environment production"],
            [
                "widened",
                "platform/web deploy",
                "vault",
                "admits branch hotfix/*",
                "no longer requires a protected ref (any push to a matching ref)",
                "no longer requires environment production",
                "secret prefix added: secret/platform/web/shared",
                "token TTL (s) 120 -> 300",
            ],
        ]);
        assert.equal(diffPlans(planMap(DEV), planMap(head)).verdict, "widened");
    });

    it("narrowed, gained and lost; a rename changes no access where the target binds the project id", () => {
        const head = clone(DEV);
        head.projects["platform/api"].grants.review.vault.read = [];
        delete head.projects["platform/api"].grants.review;
        head.projects["platform/api"].grants.deploy.ref = "main";
        head.projects["platform/web"].grants.deploy.ref = ["main"];
        head.projects["tools/ci"] = { id: 8, grants: { build: { ref: "main", vault: { read: ["tools/ci"] } } } };
        assert.deepEqual(access(head), [
            ["gained", "tools/ci build", "vault", "branch main, protected", "secret prefix: secret/tools/ci"],
            ["narrowed", "platform/web deploy", "gcp", "no longer admits branch release/*"],
            ["narrowed", "platform/web deploy", "vault", "no longer admits branch release/*"],
            ["lost", "platform/api review", "vault", "branch *, unprotected", "secret prefix: secret/platform/api/review"],
        ]);
        const renamed = clone(DEV);
        const project = renamed.projects["platform/api"];
        delete renamed.projects["platform/api"];
        renamed.projects["platform/core"] = { ...project, renamedFrom: "platform/api" };
        // Same id, same grants: Vault and GCP (bound to the id) see no change; AWS binds the path, so its roles now trust another path.
        assert.deepEqual(
            access(renamed),
            ["deploy", "release"].map((grant) => [
                "widened",
                `platform/core ${grant}`,
                "aws",
                "trusts project path platform/core instead of platform/api (AWS binds the path, not the id: check in GitLab that project 42 is at platform/core)",
                `renamed from platform/api ${grant}`,
            ]),
        );
    });

    it("a new loosening is a widening, with its reason", () => {
        const head = clone(DEV);
        head.projects["platform/api"].grants.review.vault.read = ["platform/api/review", "shared/npm"];
        head.projects["platform/api"].grants.review.vault.allowOutsideProject = "every project reads the shared npm token";
        assert.deepEqual(access(head), [
            [
                "widened",
                "platform/api review",
                "vault",
                "secret prefix added: secret/shared/npm",
                'new loosening allowOutsideProject: reads outside "platform/api/" (shared/npm): "every project reads the shared npm token"',
            ],
        ]);
    });

    it("an inert loosening (the plan warns it has no effect) changes no access; the plan lists only loosenings in effect", () => {
        const head = clone(DEV);
        head.projects["platform/api"].grants.review.vault.allowOutsideProject = "every project reads the shared npm token";
        assert.deepEqual(access(head), []);
        assert.equal(diffPlans(planMap(DEV), planMap(head)).verdict, "unchanged");
        const review = planMap(head).grants.find((g) => g.project === "platform/api" && g.grant === "review")!;
        assert.equal(review.loosenings, undefined);
        head.projects["platform/api"].grants.review.vault.read = ["platform/api/review", "shared/npm"];
        assert.deepEqual(planMap(head).grants.find((g) => g.project === "platform/api" && g.grant === "review")!.loosenings, [
            { field: "vault.allowOutsideProject", effect: 'reads outside "platform/api/" (shared/npm)', reason: "every project reads the shared npm token" },
        ]);
    });

    it("a loosening is read from the plan's data, whatever the field is called: a renamed field reads the same", () => {
        const plan = planMap(DEV);
        const deploy = plan.grants.find((g) => g.project === "platform/api" && g.grant === "deploy")!;
        assert.deepEqual(deploy.loosenings, [{ field: "aws.acknowledge.environment", effect: "AWS does not check the environment", reason: "Read-only role; any job on protected main may use it, not only the production deploy job" }]);
        const renamed = clone(plan) as Json;
        renamed.grants.find((g: Json) => g.project === "platform/api" && g.grant === "deploy").loosenings = [{ field: "aws.trustAnyJob", effect: "AWS does not check the environment", reason: "x" }];
        assert.deepEqual(
            diffPlans(plan, renamed as typeof plan).access.map((a) => [a.change, `${a.project} ${a.grant}`, a.target, ...a.details]),
            [["widened", "platform/api deploy", "aws", 'new loosening trustAnyJob: AWS does not check the environment: "x"']],
        );
    });

    it("flags what pulumi up would refuse, first", () => {
        const head = clone(DEV);
        head.gcp.poolId = "gitlab-ci";
        head.vault.audit[0].protect = true;
        const result = diffPlans(planMap(DEV), planMap(head));
        assert.deepEqual(
            result.resources.filter((r) => r.hazard !== undefined).map((r) => `${r.op} ${r.name}: ${r.hazard}`),
            [
                "replace pool: protected: pulumi up refuses to replace it (changing workloadIdentityPoolId); turn protect off for one run, or undo the change",
                "replace provider: protected: pulumi up refuses to replace it (changing workloadIdentityPoolId); turn protect off for one run, or undo the change",
            ],
        );
        assert.equal(result.verdict, "unchanged", "the same grants reach the same accounts; only resources change");
    });

    it("property: removing a project loses exactly its grants, deletes only its resources, widens nothing", () => {
        fc.assert(
            fc.property(mapArb, fc.nat(), (raw, pick) => {
                const paths = Object.keys(raw.projects);
                fc.pre(paths.length > 1);
                const gone = paths[pick % paths.length]!;
                const head = clone(raw);
                delete head.projects[gone];
                const [before, after] = [planMap(raw), planMap(head)];
                const result = diffPlans(before, after);
                const expected = before.grants
                    .filter((g) => g.project === gone)
                    .flatMap((g) => ["vault", "aws", "gcp"].filter((t) => (g as Json)[t] !== undefined).map((t) => `lost ${g.project} ${g.grant} ${t}`))
                    .sort();
                assert.deepEqual(result.access.map((a) => `${a.change} ${a.project} ${a.grant} ${a.target}`).sort(), expected);
                assert.equal(result.verdict, "narrowed");
                const id = String(raw.projects[gone].id);
                for (const r of result.resources) {
                    // Only the shared GCP provider may change besides the project's own resources (its mapping lists every gate).
                    assert.ok((r.op === "delete" && r.name.startsWith(`${id}/`)) || (r.op === "update" && r.name === "provider"), `${r.op} ${r.name}`);
                }
            }),
            { numRuns: 60 },
        );
    });

    describe("the merge-request note", () => {
        it("starts with the marker, then the verdict and the summary tables; details folded", () => {
            const head = clone(DEV);
            head.projects["platform/web"].grants.deploy.protected = false;
            const note = renderDiffMarkdown(diffPlans(planMap(DEV), planMap(head)), "Pulumi.dev.yaml");
            assert.equal(
                note,
                [
                    "<!-- gitlab-federation:diff -->",
                    "### gitlab-federation: access **widened** (Pulumi.dev.yaml)",
                    "",
                    "| access | gained | widened | narrowed | lost |",
                    "|---|---|---|---|---|",
                    "| grants | 0 | 2 | 0 | 0 |",
                    "",
                    "| resources | create | import | update | replace | delete | refused or unsafe |",
                    "|---|---|---|---|---|---|---|",
                    "| | 2 | 0 | 2 | 0 | 0 | 0 |",
                    "",
                    "<details>",
                    "<summary>Access changes (2)</summary>",
                    "",
                    "| change | project | grant | target | details |",
                    "|---|---|---|---|---|",
                    "| widened | platform/web | deploy | GCP | no longer requires a protected ref (any push to a matching ref) |",
                    "| widened | platform/web | deploy | Vault | no longer requires a protected ref (any push to a matching ref) |",
                    "",
                    "</details>",
                    "",
                    "<details>",
                    "<summary>Resource changes (4)</summary>",
                    "",
                    "| op | type | name | details |",
                    "|---|---|---|---|",
                    "| update | AuthBackendRole | 57/deploy | boundClaims |",
                    "| update | Account | 57/deploy | description |",
                    "| create | IAMMember | 57/deploy/wif-e6606163 |  |",
                    "| create | IAMMember | 57/deploy/wif-b547ff69 |  |",
                    "",
                    "</details>",
                    "",
                    "<details>",
                    "<summary>Warnings: 1 added, 0 removed</summary>",
                    "",
                    "- added: `gitlab-federation:projects[\"platform/web\"].grants.deploy.protected`: false: pipelines on any matching ref, protected or not (any developer's push), get this grant's access",
                    "",
                    "</details>",
                    "",
                    "",
                ].join("\n"),
            );
        });

        it("stays within GitLab's note size on a 5,000-project map: past the budget, rows are cut and counted", () => {
            const big = (n: number, widen: boolean) => {
                const projects: Json = {};
                for (let i = 0; i < n; i++) {
                    projects[`group${i % 50}/project${i}`] = { id: i + 1, grants: { deploy: { ref: "main", protected: !(widen && i % 2 === 0), vault: { read: [`group${i % 50}/project${i}/production`] } } } };
                }
                return { gitlab: DEV.gitlab, vault: DEV.vault, projects };
            };
            const result = diffPlans(planMap(big(5000, false)), planMap(big(5000, true)));
            assert.equal(result.access.length, 2500);
            const note = renderDiffMarkdown(result, "big");
            assert.ok(note.length <= 900_000, `${note.length}`);
            const small = renderDiffMarkdown(result, "big", 20_000);
            assert.ok(small.length <= 20_000, `${small.length}`);
            assert.match(small, /\.\.\. and \d+ more: run `gitlab-federation diff --format json` for all of them/);
            assert.ok(small.includes("| grants | 0 | 2500 | 0 | 0 |"), "the summary always counts everything");
        });
    });

    describe("the binary", () => {
        const stack = (text: string) => directoryWith({ "Pulumi.dev.yaml": DEV_TEXT, "head.yaml": text, "Pulumi.yaml": "name: gitlab-federation\n" });
        const widened = DEV_TEXT.replace("          ref: [main, release/*]", "          ref: [main, release/*, hotfix/*]");
        const narrowed = DEV_TEXT.replace("          ref: [main, release/*]", "          ref: [main]");

        it("exit codes: 5 widened, 4 narrowed, 0 unchanged (nothing printed unless --always)", () => {
            const directory = stack(widened);
            assert.equal(cli(["diff", "--base", "Pulumi.dev.yaml", "--head", "head.yaml"], { cwd: directory }).status, 5);
            const narrow = cli(["diff", "--base", "Pulumi.dev.yaml", "--head", "head.yaml"], { cwd: stack(narrowed) });
            assert.equal(narrow.status, 4);
            assert.match(narrow.stdout, /^head\.yaml: access narrowed: 0 gained, 0 widened, 2 narrowed, 0 lost; resources: 0 create, 0 import, 3 update, 0 replace, 1 delete\n/);
            const same = cli(["diff", "--base", "Pulumi.dev.yaml", "--head", "head.yaml"], { cwd: stack(DEV_TEXT) });
            assert.deepEqual(same, { status: 0, stdout: "", stderr: "" });
            assert.equal(cli(["diff", "--base", "Pulumi.dev.yaml", "--head", "head.yaml", "--always", "--format", "markdown"], { cwd: stack(DEV_TEXT) }).stdout, `${NOTE_MARKER}\nhead.yaml: no access change (0 resource changes)\n`);
            const json = JSON.parse(cli(["diff", "--base", "Pulumi.dev.yaml", "--head", "head.yaml", "--format", "json"], { cwd: stack(DEV_TEXT) }).stdout) as Json;
            assert.deepEqual(json, { verdict: "unchanged", access: [], resources: [], warnings: { added: [], removed: [] } });
        });

        it("a change of descriptions only is reported as cosmetic: text, markdown and json; exit 0 or, where an IAM role's description changes with it, 4", () => {
            // platform/web deploy uses Vault and GCP: the description reaches only the generated CI's comment.
            const web = DEV_TEXT.replace("          ref: [main, release/*]", "          description: Deploy \u202e the web app\n          ref: [main, release/*]");
            const text = cli(["diff", "--base", "Pulumi.dev.yaml", "--head", "head.yaml"], { cwd: stack(web) });
            assert.deepEqual(text, {
                status: 0,
                stdout: [
                    "head.yaml: access unchanged: 0 gained, 0 widened, 0 narrowed, 0 lost; resources: 0 create, 0 import, 0 update, 0 replace, 0 delete; 1 description changed (cosmetic)",
                    "",
                    "Descriptions changed (cosmetic: the comments of generated CI, IAM role descriptions):",
                    // Bidirectional controls and line separators are shown escaped: a description cannot disguise itself.
                    '  platform/web deploy: none -> "Deploy \\u202e the web app"',
                    "",
                ].join("\n"),
                stderr: "",
            });
            // platform/api deploy also uses AWS: its role's description changes with it. A description cannot add markup to the note.
            const api = DEV_TEXT.replace("Deploy the API to production from main", "Deploy <b>|</b> to production");
            const json = cli(["diff", "--base", "Pulumi.dev.yaml", "--head", "head.yaml", "--format", "json"], { cwd: stack(api) });
            assert.equal(json.status, 4);
            const report = JSON.parse(json.stdout) as Json;
            assert.deepEqual(report.descriptions, [{ project: "platform/api", grant: "deploy", before: "Deploy the API to production from main", after: "Deploy <b>|</b> to production" }]);
            assert.deepEqual(report.resources.map((r: Json) => [r.op, r.type, r.changed]), [["update", "aws:iam/role:Role", ["description"]]]);
            const markdown = cli(["diff", "--base", "Pulumi.dev.yaml", "--head", "head.yaml", "--format", "markdown"], { cwd: stack(api) }).stdout;
            assert.ok(
                markdown.includes(
                    [
                        "<details>",
                        "<summary>Descriptions changed (cosmetic: the comments of generated CI, IAM role descriptions) (1)</summary>",
                        "",
                        '- platform/api deploy: "Deploy the API to production from main" -> "Deploy &lt;b&gt;\\|&lt;/b&gt; to production"',
                    ].join("\n"),
                ),
                markdown,
            );
        });

        it("only resources changed: exit 4", () => {
            const directory = stack(DEV_TEXT.replace("    tokenMaxTtl: 10m\n", "    tokenMaxTtl: 10m\n    description: CI logins\n"));
            const run = cli(["diff", "--base", "Pulumi.dev.yaml", "--head", "head.yaml", "--format", "json"], { cwd: directory });
            assert.equal(run.status, 4);
            assert.deepEqual((JSON.parse(run.stdout) as Json).resources, [
                {
                    type: "vault:jwt/authBackend:AuthBackend",
                    name: "jwt",
                    op: "update",
                    protected: true,
                    changed: ["description"],
                    physical: "path=gitlab",
                    adminOnly: "the applier's permissions leave the Vault AuthBackend to an administrator: an administrator runs pulumi up to change it (README: What only an administrator changes)",
                },
            ]);
        });

        it("the base at a git revision (git show <rev>:<file>), as a CI job passes $CI_MERGE_REQUEST_DIFF_BASE_SHA", () => {
            const directory = stack(DEV_TEXT);
            const git = (...args: string[]) => execFileSync("git", ["-c", "user.email=ci@example.com", "-c", "user.name=ci", ...args], { cwd: directory, encoding: "utf8" });
            git("init", "-q");
            git("add", "Pulumi.dev.yaml");
            git("commit", "-qm", "base");
            writeFileSync(join(directory, "Pulumi.dev.yaml"), widened);
            const run = cli(["diff", "--base", "HEAD", "-s", "dev", "--format", "markdown"], { cwd: directory });
            assert.equal(run.status, 5, run.stderr);
            assert.equal(run.stdout.split("\n")[1], "### gitlab-federation: access **widened** (Pulumi.dev.yaml)");
            const nope = cli(["diff", "--base", "nope", "-s", "dev"], { cwd: directory });
            assert.deepEqual([nope.status, nope.stderr], [2, "gitlab-federation: --base nope: neither a file nor a git revision\n"]);
        });

        it("a stack file the merge request adds (absent at the base revision): everything in it is gained, exit 5", () => {
            const directory = stack(DEV_TEXT);
            const git = (...args: string[]) => execFileSync("git", ["-c", "user.email=ci@example.com", "-c", "user.name=ci", ...args], { cwd: directory, encoding: "utf8" });
            git("init", "-q");
            git("add", "Pulumi.yaml");
            git("commit", "-qm", "base without the stack");
            const run = cli(["diff", "--base", "HEAD", "-s", "dev", "--format", "json"], { cwd: directory });
            assert.equal(run.status, 5, run.stderr);
            const report = JSON.parse(run.stdout) as { verdict: string; access: { change: string }[]; resources: { op: string }[] };
            assert.equal(report.verdict, "widened");
            assert.deepEqual([...new Set(report.access.map((a) => a.change))], ["gained"]);
            assert.deepEqual([...new Set(report.resources.map((r) => r.op))].sort(), ["create"]);
            assert.equal(report.resources.length, planEntries(planMap(DEV)).length);
            const text = cli(["diff", "--base", "HEAD", "-s", "dev"], { cwd: directory });
            assert.equal(text.stdout.split("\n")[0], "Pulumi.dev.yaml: access widened: 14 gained, 0 widened, 0 narrowed, 0 lost; resources: 43 create, 0 import, 0 update, 0 replace, 0 delete; 21 only an administrator can apply");
        });

        it("an invalid base or head: the problems of each, labelled; exit 1", () => {
            const directory = stack(DEV_TEXT.replace("      id: 57\n", ""));
            const run = cli(["diff", "--base", "Pulumi.dev.yaml", "--head", "head.yaml"], { cwd: directory });
            assert.equal(run.status, 1);
            assert.equal(
                run.stderr,
                'head (head.yaml) is invalid: 1 problem:\nhead.yaml:95:5: gitlab-federation:projects["platform/web"].id: is required but missing. The numeric GitLab project ID (Settings > General), e.g. 42: the binding that survives renames.\n',
            );
        });
    });
});

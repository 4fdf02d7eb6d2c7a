/**
 * The generated app CI run through a real GitLab CI engine (issue #23): gitlab-ci-local evaluates
 * the `rules:` of every grant job the dev map generates, in each pipeline context GitLab runs
 * (protected main, a feature branch, a protected tag, a merge request, a fork's merge request,
 * another project including the file), with the CI/CD variables GitLab sets there; the job is in
 * the pipeline exactly when every target of the grant accepts that context's ID token (explain's
 * evaluators). And the AWS setup's token file, mode 0600, is gone after after_script.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { chmodSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CORE_SCHEMA, loadAll } from "js-yaml";
import { planMap } from "../../src/features";
import { generateCi } from "../../src/features/ci";
import { contractOf } from "../../src/features/contract";
import { Explainer } from "../../src/features/explain";
import { cli, directoryWith } from "../helpers/cli";
import { ciLocal, ciRepository, pipelineJobs } from "../helpers/gitlab-ci-local";
import { devMap } from "../helpers/maps";
import { temporaryDirectory } from "../helpers/temp";
import { gitlabToken } from "../helpers/tokens";

type Json = Record<string, any>;

const PLAN = planMap(devMap());
const CONTRACT = contractOf(PLAN);
const FORK = "4242";
const DEV_TEXT = readFileSync("Pulumi.dev.yaml", "utf8");

/** A pipeline context: the variables GitLab sets, and the ID token's claims that differ by context. */
interface Context {
    readonly name: string;
    readonly ref: string;
    readonly tag: boolean;
    readonly protected: boolean;
    /** Where the pipeline runs and whose project the token names: the grant's project, a fork, or another project. */
    readonly where: "project" | "merge request" | "fork merge request" | "another project";
}

const CONTEXTS: readonly Context[] = [
    { name: "protected main", ref: "main", tag: false, protected: true, where: "project" },
    { name: "feature branch", ref: "feature/x", tag: false, protected: false, where: "project" },
    { name: "protected release branch", ref: "release/1.0", tag: false, protected: true, where: "project" },
    { name: "protected tag", ref: "v1.2.3", tag: true, protected: true, where: "project" },
    { name: "merge request", ref: "feature/x", tag: false, protected: false, where: "merge request" },
    { name: "fork merge request", ref: "main", tag: false, protected: false, where: "fork merge request" },
    { name: "another project, protected main", ref: "main", tag: false, protected: true, where: "another project" },
];

/** Variables GitLab sets that a context may leave unset; gitlab-ci-local would otherwise derive them from the repository. */
const CONTEXT_VARIABLES = ["CI_COMMIT_TAG", "CI_COMMIT_BRANCH", "CI_MERGE_REQUEST_SOURCE_PROJECT_ID", "CI_MERGE_REQUEST_IID"];

function variables(context: Context, projectId: string): Record<string, string> {
    return {
        CI_PROJECT_ID: context.where === "another project" ? FORK : projectId,
        CI_PIPELINE_SOURCE: context.where.endsWith("merge request") ? "merge_request_event" : "push",
        CI_COMMIT_REF_NAME: context.ref,
        CI_COMMIT_REF_PROTECTED: String(context.protected),
        ...(context.tag ? { CI_COMMIT_TAG: context.ref } : context.where.endsWith("merge request") ? {} : { CI_COMMIT_BRANCH: context.ref }),
        ...(context.where.endsWith("merge request") ? { CI_MERGE_REQUEST_IID: "1", CI_MERGE_REQUEST_SOURCE_PROJECT_ID: context.where === "fork merge request" ? FORK : projectId } : {}),
    };
}

/** Whether every target of the grant accepts the token of a job of `context` (its aud per target, its environment). */
function accepted(project: string, grant: string, job: Json, context: Context): boolean {
    const summary = PLAN.grants.find((g) => g.project === project && g.grant === grant)!;
    const elsewhere = context.where === "fork merge request" || context.where === "another project";
    const explainer = new Explainer(PLAN);
    // One ID token per target: VAULT_ID_TOKEN for vault, AWS_ID_TOKEN for aws, ...
    const targets = Object.entries(job.id_tokens as Json).map(([name, token]) => [name.slice(0, -"_ID_TOKEN".length).toLowerCase(), (token as Json).aud as string]);
    assert.ok(targets.length > 0);
    return targets.every(([target, aud]) => {
        const claims = gitlabToken({
            projectPath: elsewhere ? "someone/fork" : project,
            projectId: elsewhere ? FORK : summary.projectId,
            ref: context.ref,
            refType: context.tag ? "tag" : "branch",
            protected: context.protected,
            aud: aud!,
            ...(job.environment !== undefined ? { environment: job.environment.name } : {}),
        });
        const explanation = explainer.explain(claims, { now: (claims.iat as number) + 10, verified: true });
        return explanation.targets[target!]!.accepted.some((a) => a.project === project && a.grant === grant);
    });
}

describe("generated app CI in a real GitLab CI engine (gitlab-ci-local), per pipeline context", function () {
    this.timeout(300_000);

    for (const project of Object.keys(CONTRACT.grants)) {
        it(`${project}: each grant's job is in exactly the pipelines whose token its targets accept`, () => {
            const result = generateCi(CONTRACT, { project, format: "yaml", source: "Pulumi.dev.yaml" });
            assert.ok("files" in result, JSON.stringify(result));
            const text = result.files[0]!.text;
            const hidden = (loadAll(text, { schema: CORE_SCHEMA }) as Json[])[0]!;
            const grants = Object.keys(hidden).map((name) => name.slice(".gitlab-federation:".length));
            const root = `include:\n  - local: ci/gitlab-federation.yml\nstages: [deploy]\n${grants.map((g) => `${g}:\n  stage: deploy\n  extends: .gitlab-federation:${g}\n  script: [./run.sh]\n`).join("")}`;
            const repository = ciRepository({ "ci/gitlab-federation.yml": text, ".gitlab-ci.yml": root });
            const projectId = PLAN.grants.find((g) => g.project === project)!.projectId;
            const table: Record<string, Record<string, boolean>> = {};
            const expected: Record<string, Record<string, boolean>> = {};
            for (const context of CONTEXTS) {
                const given = variables(context, projectId);
                const jobs = pipelineJobs(repository, given, CONTEXT_VARIABLES.filter((name) => !(name in given)));
                table[context.name] = Object.fromEntries(grants.map((g) => [g, jobs[g] !== undefined && jobs[g] !== "never"]));
                expected[context.name] = Object.fromEntries(grants.map((g) => [g, accepted(project, g, hidden[`.gitlab-federation:${g}`], context)]));
            }
            assert.deepEqual(table, expected);
            // Not vacuous: some context runs some job, and some context leaves some job out.
            const cells = Object.values(table).flatMap((row) => Object.values(row));
            assert.ok(cells.includes(true) && cells.includes(false), JSON.stringify(table));
        });
    }

    it("AWS: before_script writes the token to a job-private file, mode 0600, that after_script removes", () => {
        const result = generateCi(CONTRACT, { project: "platform/api", grants: ["release"], format: "yaml", source: "Pulumi.dev.yaml" });
        assert.ok("files" in result);
        const job = (loadAll(result.files[0]!.text, { schema: CORE_SCHEMA }) as Json[])[0]![".gitlab-federation:release"];
        const tmp = temporaryDirectory("ci-");
        const bin = temporaryDirectory("bin-");
        writeFileSync(join(bin, "aws"), "#!/bin/sh\nexit 0\n");
        chmodSync(join(bin, "aws"), 0o755);
        const env = { PATH: `${bin}:/usr/bin:/bin`, TMPDIR: tmp, CI_JOB_ID: "779", AWS_ID_TOKEN: "t.o.k", ...job.variables };
        const shell = (script: string) => spawnSync("sh", ["-c", script], { encoding: "utf8", env });
        const before = shell(`${job.before_script.join("\n")}\necho "$AWS_WEB_IDENTITY_TOKEN_FILE"`);
        assert.equal(before.status, 0, before.stderr);
        const file = before.stdout.trim().split("\n").pop()!;
        assert.ok(file.startsWith(join(tmp, "gitlab-federation-779.")), file);
        assert.equal(readFileSync(file, "utf8"), "t.o.k");
        assert.equal(statSync(file).mode & 0o777, 0o600);
        assert.ok(readdirSync(tmp).length > 0);
        const after = shell(job.after_script.join("\n"));
        assert.equal(after.status, 0, after.stderr);
        assert.deepEqual(readdirSync(tmp), []);
    });

    describe("the repository's own pipeline (.gitlab-ci.yml), per context", () => {
        const BASE = { CI_PROJECT_ID: "7", CI_DEFAULT_BRANCH: "main" };
        const PIPELINE_CONTEXTS: [string, Record<string, string>][] = [
            ["merge request", { ...BASE, CI_PIPELINE_SOURCE: "merge_request_event", CI_COMMIT_REF_NAME: "feature/x", CI_COMMIT_REF_PROTECTED: "false", CI_MERGE_REQUEST_IID: "1", CI_MERGE_REQUEST_SOURCE_PROJECT_ID: "7" }],
            ["fork merge request", { ...BASE, CI_PIPELINE_SOURCE: "merge_request_event", CI_COMMIT_REF_NAME: "feature/x", CI_COMMIT_REF_PROTECTED: "false", CI_MERGE_REQUEST_IID: "1", CI_MERGE_REQUEST_SOURCE_PROJECT_ID: FORK }],
            ["protected main", { ...BASE, CI_PIPELINE_SOURCE: "push", CI_COMMIT_BRANCH: "main", CI_COMMIT_REF_NAME: "main", CI_COMMIT_REF_PROTECTED: "true" }],
            ["unprotected main", { ...BASE, CI_PIPELINE_SOURCE: "push", CI_COMMIT_BRANCH: "main", CI_COMMIT_REF_NAME: "main", CI_COMMIT_REF_PROTECTED: "false" }],
            ["another project, protected main", { ...BASE, CI_PROJECT_ID: FORK, CI_PIPELINE_SOURCE: "push", CI_COMMIT_BRANCH: "main", CI_COMMIT_REF_NAME: "main", CI_COMMIT_REF_PROTECTED: "true" }],
            ["schedule", { ...BASE, CI_PIPELINE_SOURCE: "schedule", CI_COMMIT_BRANCH: "main", CI_COMMIT_REF_NAME: "main", CI_COMMIT_REF_PROTECTED: "true" }],
        ];
        /**
         * The jobs gitlab-ci-local adds in each context, with their `when`, jobs it leaves out not
         * listed. Its --list-json applies the jobs' rules, not `workflow: rules` (a branch push lists
         * check too): whether a pipeline starts at all is pipeline.test.ts's (its rules reader).
         */
        const added = (repository: string) =>
            Object.fromEntries(
                PIPELINE_CONTEXTS.map(([name, given]) => {
                    const jobs = pipelineJobs(repository, given, CONTEXT_VARIABLES.filter((v) => !(v in given)));
                    return [name, Object.fromEntries(Object.entries(jobs).filter(([, when]) => when !== "never"))];
                }),
            );

        it("review in merge requests (preview only from this project), check + up on protected main, verify on schedules, nothing for another project", () => {
            const repository = ciRepository({ ".gitlab-ci.yml": readFileSync(".gitlab-ci.yml", "utf8") });
            assert.deepEqual(added(repository), {
                "merge request": { check: "on_success", "review:dev": "on_success", "preview:dev": "on_success" },
                "fork merge request": { check: "on_success", "review:dev": "on_success" },
                "protected main": { check: "on_success", "up:dev": "on_success" },
                "unprotected main": { check: "on_success" },
                "another project, protected main": { check: "on_success" },
                schedule: { check: "on_success", "verify:dev": "on_success" },
            });
        });

        it("stages and needs as the engine reads them: check, then review, then deploy; up needs check", () => {
            const repository = ciRepository({ ".gitlab-ci.yml": readFileSync(".gitlab-ci.yml", "utf8") });
            const run = ciLocal(repository, ["--list-json"], PIPELINE_CONTEXTS[2]![1]);
            assert.equal(run.status, 0, run.stderr);
            const jobs = JSON.parse(run.stdout) as { name: string; stage: string; needs?: { job: string }[] }[];
            assert.deepEqual(
                jobs.map((j) => [j.name, j.stage, (j.needs ?? []).map((n) => n.job)]),
                [
                    ["check", "check", []],
                    ["review:dev", "review", ["check"]],
                    ["verify:dev", "check", ["check"]],
                    ["preview:dev", "review", ["check"]],
                    ["up:dev", "deploy", ["check"]],
                ],
            );
        });

        it("a production stack's up waits for a person; a shard's up needs the foundation's; the engine agrees on protected main", () => {
            const prod = DEV_TEXT.replace("      manual: false                          # dev deploys on every merge; keep the default (true) for production\n", "").replace("environment: federation-dev", "environment: federation-prod");
            const sharded = DEV_TEXT.replace("  gitlab-federation:projects:\n", "  gitlab-federation:sharding:\n    shards: 2\n\n  gitlab-federation:projects:\n");
            const directory = directoryWith({ "Pulumi.yaml": "name: gitlab-federation\n", "Pulumi.dev.yaml": sharded, "Pulumi.prod.yaml": prod });
            assert.equal(cli(["shard", "-C", directory, "--stack", "dev", "--write"]).status, 0);
            const written = cli(["pipeline", "-C", directory]);
            assert.equal(written.status, 0, written.stderr);
            const repository = ciRepository({ ".gitlab-ci.yml": readFileSync(join(directory, ".gitlab-ci.yml"), "utf8") });
            const main = PIPELINE_CONTEXTS[2]![1];
            const run = ciLocal(repository, ["--list-json", ...CONTEXT_VARIABLES.flatMap((v) => (v in main ? [] : ["--unset-variable", v]))], main);
            assert.equal(run.status, 0, run.stderr);
            const jobs = JSON.parse(run.stdout) as { name: string; stage: string; when: string; needs?: { job: string }[] }[];
            assert.deepEqual(
                jobs.filter((j) => j.name.startsWith("up:")).map((j) => [j.name, j.stage, j.when, (j.needs ?? []).map((n) => n.job)]),
                [
                    ["up:dev", "deploy", "on_success", ["check"]],
                    ["up:dev-shard-0", "deploy", "on_success", ["check", "up:dev"]],
                    ["up:dev-shard-1", "deploy", "on_success", ["check", "up:dev"]],
                    ["up:prod", "deploy", "manual", ["check"]],
                ],
            );
        });
    });
});

/**
 * The repository's own pipeline: the committed .gitlab-ci.yml is the generated one and valid for
 * GitLab's CI schema; which jobs run in merge requests and on the default branch; identities
 * from the plan; the Vault login and the merge-request note against fake servers; the Code
 * Quality report.
 */
import { strict as assert } from "node:assert";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { AddressInfo } from "node:net";
import { createServer, IncomingMessage, ServerResponse } from "node:http";
import { join, resolve } from "node:path";
import { CORE_SCHEMA, YAML11_SCHEMA, load } from "js-yaml";
import { planEntries, planMap } from "../../src/features";
import { generatePipeline } from "../../src/features/pipeline";
import { VAULT_LOGIN, VAULT_LOGIN_IN_NAMESPACE } from "../../components/vault/ci";
import { cli, cliAsync, directoryWith } from "../helpers/cli";
import { ciRepository, pipelineJobs, schemaErrors } from "../helpers/gitlab-ci-local";
import { Variables, jobRuns } from "../helpers/gitlab-rules";
import { clone, devMap } from "../helpers/maps";

type Json = Record<string, any>;
const DEV = devMap() as Json;
const DEV_TEXT = readFileSync("Pulumi.dev.yaml", "utf8");
const committed = () => load(readFileSync(".gitlab-ci.yml", "utf8"), { schema: CORE_SCHEMA }) as Json;

const JOBS = new Set(["check", "review:dev", "verify:dev", "preview:dev", "up:dev"]);

/** The jobs a pipeline with these variables runs: workflow rules first, then each job's rules (none: always). */
function jobsRun(pipeline: Json, variables: Variables): string[] {
    if (!jobRuns(pipeline.workflow.rules, variables)) {
        return [];
    }
    return Object.keys(pipeline).filter((name) => JOBS.has(name) && (pipeline[name].rules === undefined || jobRuns(pipeline[name].rules, variables)));
}

const BRANCH: Variables = { CI_PROJECT_ID: "7", CI_DEFAULT_BRANCH: "main" };

describe("the repository's pipeline", () => {
    it("the committed .gitlab-ci.yml is what `pipeline` writes for the committed stack files", () => {
        const run = cli(["pipeline", "--check"]);
        assert.deepEqual([run.status, run.stdout], [0, ".gitlab-ci.yml is current (1 stack)\n"], run.stderr);
        assert.equal(readFileSync(".gitlab-ci.yml", "utf8"), generatePipeline([{ name: "dev", file: "Pulumi.dev.yaml", plan: planMap(DEV) }]));
    });

    it("is valid for GitLab's CI schema, and reads the same in YAML 1.1", () => {
        assert.equal(schemaErrors({ ".gitlab-ci.yml": readFileSync(".gitlab-ci.yml", "utf8") }), undefined);
        assert.deepEqual(load(readFileSync(".gitlab-ci.yml", "utf8"), { schema: YAML11_SCHEMA }), committed());
    });

    it("merge requests: check, review and preview (as the planner); never up", () => {
        const mr = { ...BRANCH, CI_PIPELINE_SOURCE: "merge_request_event", CI_COMMIT_REF_NAME: "feature/x", CI_COMMIT_REF_PROTECTED: "false", CI_MERGE_REQUEST_SOURCE_PROJECT_ID: "7" };
        assert.deepEqual(jobsRun(committed(), mr), ["check", "review:dev", "preview:dev"]);
        const fork = { ...mr, CI_MERGE_REQUEST_SOURCE_PROJECT_ID: "4242" };
        assert.deepEqual(jobsRun(committed(), fork), ["check", "review:dev"], "a fork's merge request: its token names the fork, so no preview");
        assert.deepEqual(jobsRun(committed(), { ...BRANCH, CI_PIPELINE_SOURCE: "push", CI_COMMIT_BRANCH: "feature/x", CI_COMMIT_REF_NAME: "feature/x" }), [], "a branch push: no pipeline");
    });

    it("the default branch: check and up (as the applier); never review or preview; up only on a protected main", () => {
        const main = { ...BRANCH, CI_PIPELINE_SOURCE: "push", CI_COMMIT_BRANCH: "main", CI_COMMIT_REF_NAME: "main", CI_COMMIT_REF_PROTECTED: "true" };
        assert.deepEqual(jobsRun(committed(), main), ["check", "up:dev"]);
        assert.deepEqual(jobsRun(committed(), { ...main, CI_COMMIT_REF_PROTECTED: "false" }), ["check"]);
    });

    it("review and verify install only the CLI's runtime dependencies (no SDK, providers or TypeScript) and run the dist/ the check job hands on", () => {
        const jobs = committed();
        const light = "npm ci --omit=dev --ignore-scripts --cache .npm --prefer-offline --no-audit --no-fund";
        assert.deepEqual([jobs["review:dev"].before_script, jobs["verify:dev"].before_script], [[light], [light]]);
        assert.deepEqual([jobs["review:dev"].needs, jobs["verify:dev"].needs], [["check"], ["check"]]);
        assert.deepEqual((jobs.check.artifacts as { paths: string[] }).paths, ["gl-code-quality-dev.json", "dist/index.js", "dist/src/", "dist/components/"]);
        // What those dependencies are enough for: test/package.test.ts installs the package without dev dependencies and runs the CLI.
        assert.deepEqual(Object.keys(JSON.parse(readFileSync("package.json", "utf8")).dependencies).sort(), ["@bufbuild/cel", "@bufbuild/protobuf", "jose", "js-yaml", "zod"]);
    });

    it("scheduled pipelines (drift from GitLab's side): check and verify, never up, review or preview; gitlab-ci-local agrees", () => {
        const schedule = { ...BRANCH, CI_PIPELINE_SOURCE: "schedule", CI_COMMIT_BRANCH: "main", CI_COMMIT_REF_NAME: "main", CI_COMMIT_REF_PROTECTED: "true" };
        assert.deepEqual(jobsRun(committed(), schedule), ["check", "verify:dev"]);
        assert.deepEqual(committed()["verify:dev"], {
            stage: "check",
            needs: ["check"],
            rules: [{ if: '$CI_PIPELINE_SOURCE == "schedule"' }],
            before_script: ["npm ci --omit=dev --ignore-scripts --cache .npm --prefer-offline --no-audit --no-fund"],
            script: ["./bin/gitlab-federation.js verify --config Pulumi.dev.yaml"],
        });
        const repository = ciRepository({ ".gitlab-ci.yml": readFileSync(".gitlab-ci.yml", "utf8") });
        assert.deepEqual(pipelineJobs(repository, { CI_PIPELINE_SOURCE: "schedule", CI_COMMIT_REF_PROTECTED: "true", CI_PROJECT_ID: "7" }), {
            check: "on_success",
            "review:dev": "never",
            "verify:dev": "on_success",
            "preview:dev": "never",
            "up:dev": "never",
        });
        assert.deepEqual(pipelineJobs(repository, { CI_PIPELINE_SOURCE: "push", CI_COMMIT_REF_PROTECTED: "true", CI_PROJECT_ID: "7" })["verify:dev"], "never");
    });

    it("up: one at a time per stack, in the stack's environment; jobs use the deployer's identities with the plan's audiences", () => {
        const pipeline = committed();
        const plan = planMap(DEV);
        const up = pipeline["up:dev"];
        assert.equal(up.resource_group, "gitlab-federation-dev");
        assert.deepEqual(up.environment, { name: "federation-dev" });
        assert.deepEqual(up.needs, ["check"]);
        for (const [job, identity] of [
            ["up:dev", "applier"],
            ["preview:dev", "planner"],
        ] as const) {
            const grant = plan.grants.find((g) => g.deployer === identity)!;
            assert.deepEqual(pipeline[job].id_tokens, {
                VAULT_ID_TOKEN: { aud: plan.vault!.audience },
                AWS_ID_TOKEN: { aud: plan.aws!.audience },
                GCP_ID_TOKEN: { aud: plan.gcp!.audience },
                PULUMI_ID_TOKEN: { aud: "urn:pulumi:org:$PULUMI_ORG" },
            });
            assert.equal(pipeline[job].variables.VAULT_AUTH_ROLE, grant.vault!.roleName);
            assert.equal(pipeline[job].variables.AWS_ROLE_ARN, grant.aws!.roleArn);
            assert.equal(pipeline[job].variables.GCP_SERVICE_ACCOUNT, grant.gcp!.email);
            // The backend the deployer's permissions cover, region included (the S3 backend needs it).
            assert.equal(pipeline[job].variables.PULUMI_BACKEND_URL, "s3://acme-pulumi-state/gitlab-federation?region=eu-west-1");
        }
        assert.deepEqual(pipeline["preview:dev"].script, ['pulumi preview --diff --non-interactive --stack "${PULUMI_STACK_PREFIX}dev" --policy-pack policy']);
        assert.equal(pipeline["preview:dev"].environment, undefined, "the planner's token has no environment");
        assert.deepEqual(pipeline["review:dev"].allow_failure, { exit_codes: [5] });
        assert.deepEqual(pipeline["review:dev"].artifacts, { expose_as: "gitlab-federation dev", paths: ["gitlab-federation-dev.md"], when: "always" });
        assert.deepEqual(pipeline.check.artifacts.reports, { codequality: ["gl-code-quality-dev.json"] });
    });

    describe("up is gated: never unattended with hazards, moves or changes only an administrator can make", () => {
        /**
         * Runs up:dev's script (errexit, as GitLab's shell runs script lines) in a git repository
         * holding the stack file at two commits, with a `pulumi` that logs its calls and answers
         * `stack tag get` with the commit last applied (none: the tag is missing).
         */
        function runUp(options: { readonly before: string; readonly after: string; readonly applied: "before" | "none"; readonly accept?: boolean }) {
            const directory = directoryWith({ "Pulumi.yaml": "name: gitlab-federation\n", "Pulumi.dev.yaml": options.before });
            symlinkSync(resolve("bin"), join(directory, "bin"));
            const git = (...args: string[]) => execFileSync("git", ["-c", "user.email=ci@example.com", "-c", "user.name=ci", ...args], { cwd: directory, encoding: "utf8" }).trim();
            git("init", "-q");
            git("add", "Pulumi.yaml", "Pulumi.dev.yaml");
            git("commit", "-qm", "before");
            const before = git("rev-parse", "HEAD");
            writeFileSync(join(directory, "Pulumi.dev.yaml"), options.after);
            git("commit", "-qam", "after", "--allow-empty");
            const head = git("rev-parse", "HEAD");
            writeFileSync(join(directory, "pulumi"), '#!/bin/sh\necho "pulumi $*" >> pulumi.log\nif [ "$1 $2 $3" = "stack tag get" ]; then [ -n "$APPLIED" ] && echo "$APPLIED" && exit 0; echo "error: stack tag not found" >&2; exit 255; fi\n', { mode: 0o755 });
            const script = ["set -e", ...(committed()["up:dev"].script as string[])].join("\n");
            const run = spawnSync("sh", ["-c", script], {
                cwd: directory,
                encoding: "utf8",
                env: { PATH: `${directory}:${process.env.PATH}`, CI_COMMIT_SHA: head, PULUMI_STACK_PREFIX: "", APPLIED: options.applied === "before" ? before : "", ...(options.accept === true ? { GITLAB_FEDERATION_ACCEPT_SHA: head } : {}) },
            });
            const log = existsSync(join(directory, "pulumi.log")) ? readFileSync(join(directory, "pulumi.log"), "utf8").trim().split("\n") : [];
            return { status: run.status, stdout: run.stdout, stderr: run.stderr, calls: log.map((l) => l.replace(head, "<head>").replace(before, "<before>")), head };
        }
        const applied = ["pulumi stack tag get gitlab-federation:commit --stack dev", "pulumi up --yes --diff --non-interactive --stack dev --policy-pack policy", "pulumi stack tag set gitlab-federation:commit <head> --stack dev"];

        it("a grant added since the commit last applied: applied, and the tag moves to this commit", () => {
            const added = DEV_TEXT.replace("    platform/web:\n", "    platform/docs:\n      id: 99\n      grants:\n        deploy:\n          ref: main\n          vault:\n            read: [platform/docs]\n    platform/web:\n");
            const run = runUp({ before: DEV_TEXT, after: added, applied: "before" });
            assert.deepEqual([run.status, run.calls], [0, applied], run.stderr);
            assert.equal(run.stdout, "Pulumi.dev.yaml: the applier may apply this change unattended\n");
        });

        it("an audit device changed: only an administrator can apply it, so the job stops with exit 6 and says why", () => {
            const audit = DEV_TEXT.replace("        path: /var/log/vault/audit.log\n", "        path: /var/log/vault/audit-2.log\n");
            const run = runUp({ before: DEV_TEXT, after: audit, applied: "before" });
            assert.deepEqual([run.status, run.calls], [6, ["pulumi stack tag get gitlab-federation:commit --stack dev"]]);
            assert.equal(
                run.stdout,
                [
                    "Pulumi.dev.yaml: not applied unattended: 2 changes need a person first",
                    '  gitlab-federation:vault.audit[0].path: "/var/log/vault/audit.log" -> "/var/log/vault/audit-2.log": the device is replaced delete-first and writes its log to /var/log/vault/audit-2.log instead',
                    "  replace Audit file: the applier's permissions leave the Vault Audit to an administrator: an administrator runs pulumi up to change it (README: What only an administrator changes)",
                    "",
                    "What to do:",
                    "  - resolve the hazard (the change would be refused or lose data), or have an administrator apply it knowingly",
                    "  - an administrator runs pulumi up for this commit (the applier's permissions do not cover it)",
                    `  - then run the up job again (a manual job, or a new pipeline for this commit) with the CI/CD variable GITLAB_FEDERATION_ACCEPT_SHA=${run.head}: it then applies this commit`,
                    "",
                ].join("\n"),
            );
        });

        it("a protection turned off (a hazard of the map, before any resource changes): stops with exit 6", () => {
            const unprotected = DEV_TEXT.replace("    kvMount: secret ", "    protect: false\n    kvMount: secret ");
            assert.notEqual(unprotected, DEV_TEXT);
            const run = runUp({ before: DEV_TEXT, after: unprotected, applied: "before" });
            assert.deepEqual([run.status, run.calls], [6, ["pulumi stack tag get gitlab-federation:commit --stack dev"]]);
            assert.match(run.stdout, /^  gitlab-federation:vault\.protect: true -> false: pulumi up may delete the KV mount secret\/ with every secret in it/m);
            assert.match(run.stdout, /  - resolve the hazard \(the change would be refused or lose data\), or have an administrator apply it knowingly\n/);
        });

        it("a stack never applied (no tag): its anchors and deployer are an administrator's bootstrap; accepted for this commit, it applies", () => {
            const never = runUp({ before: DEV_TEXT, after: DEV_TEXT, applied: "none" });
            assert.equal(never.status, 6);
            // The Vault anchors (auth method, KV mount, audit device) and every resource of the deployer (project 7).
            const expected = planEntries(planMap(DEV))
                .filter((e) => ["vault:jwt/authBackend:AuthBackend", "vault:index/mount:Mount", "vault:index/audit:Audit"].includes(e.resource.type) || e.resource.name.startsWith("7/"))
                .map((e) => `create ${e.resource.type.slice(e.resource.type.lastIndexOf(":") + 1)} ${e.resource.name}`)
                .sort();
            const lines = never.stdout.split("\n");
            assert.equal(lines[0], `Pulumi.dev.yaml: not applied unattended: ${expected.length} changes need a person first`);
            assert.deepEqual(lines.slice(1, 1 + expected.length).map((l) => l.slice(2, l.indexOf(":", 2))).sort(), expected);
            const accepted = runUp({ before: DEV_TEXT, after: DEV_TEXT, applied: "none", accept: true });
            assert.deepEqual([accepted.status, accepted.calls], [0, applied], accepted.stderr);
        });

        it("turning sharding on moves every project's resources: the foundation's up stops until they are moved", () => {
            const sharded = DEV_TEXT.replace("  gitlab-federation:projects:\n", "  gitlab-federation:sharding:\n    shards: 2\n\n  gitlab-federation:projects:\n");
            const run = runUp({ before: DEV_TEXT, after: sharded, applied: "before" });
            assert.equal(run.status, 6);
            assert.match(run.stdout, / moves from the foundation stack to shard stack \d: move it with pulumi state move/);
            assert.match(run.stdout, /  - move the resources with pulumi state move first \(gitlab-federation shard --base <the deployed map> prints the commands\)\n/);
        });
    });

    it("a production stack: up waits for a person; a stack without a deployer is only reviewed; a change to a stack file makes the file stale", () => {
        const prod = DEV_TEXT.replace("      manual: false                          # dev deploys on every merge; keep the default (true) for production\n", "").replace("environment: federation-dev", "environment: federation-prod");
        const bare = DEV_TEXT.replace(/  # This repository's own pipeline[\s\S]*?(?=  gitlab-federation:projects:)/, "").replace(/    rolePath[^\n]*\n    permissionsBoundary[^\n]*\n/, "");
        const directory = directoryWith({ "Pulumi.yaml": "name: gitlab-federation\n", "Pulumi.dev.yaml": DEV_TEXT, "Pulumi.prod.yaml": prod, "Pulumi.sandbox.yaml": bare });
        assert.equal(cli(["pipeline"], { cwd: directory }).status, 0);
        const pipeline = load(readFileSync(join(directory, ".gitlab-ci.yml"), "utf8"), { schema: CORE_SCHEMA }) as Json;
        assert.equal(schemaErrors({ ".gitlab-ci.yml": readFileSync(join(directory, ".gitlab-ci.yml"), "utf8") }), undefined);
        assert.deepEqual(
            Object.keys(pipeline).filter((k) => k.includes(":")),
            ["review:dev", "verify:dev", "preview:dev", "up:dev", "review:prod", "verify:prod", "preview:prod", "up:prod", "review:sandbox", "verify:sandbox"],
        );
        assert.equal(pipeline["up:prod"].rules.at(-1).when, "manual");
        assert.equal(pipeline["up:dev"].rules.at(-1).when, undefined);
        assert.deepEqual(pipeline["up:prod"].environment, { name: "federation-prod" });
        writeFileSync(join(directory, "Pulumi.prod.yaml"), prod.replace("environment: federation-prod", "environment: production"));
        const stale = cli(["pipeline", "--check"], { cwd: directory });
        assert.equal(stale.status, 1);
        assert.match(stale.stderr, /^\.gitlab-ci\.yml is stale from line \d+: run gitlab-federation pipeline and commit it/);
    });

    describe("in the jobs' shell, against fake servers", () => {
        async function withServer(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void, run: (url: string) => Promise<void> | void): Promise<void> {
            const server = createServer((req, res) => {
                let body = "";
                req.on("data", (chunk) => (body += chunk));
                req.on("end", () => handler(req, body, res));
            });
            await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
            try {
                await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
            } finally {
                server.close();
            }
        }
        const sh = (script: string, env: Record<string, string>) =>
            new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
                const child = spawn("sh", ["-c", script], { env: { PATH: process.env.PATH, ...env } });
                let stdout = "";
                let stderr = "";
                child.stdout.on("data", (d: Buffer) => (stdout += d));
                child.stderr.on("data", (d: Buffer) => (stderr += d));
                child.on("close", (status: number | null) => resolve({ status, stdout, stderr }));
            });

        it("Vault: the job logs in with its ID token and role, and fails with Vault's reason", async () => {
            const seen: Json[] = [];
            await withServer(
                (req, body, res) => {
                    seen.push({ method: req.method, url: req.url, body: JSON.parse(body) });
                    const ok = JSON.parse(body).jwt === "good.token.sig";
                    res.writeHead(ok ? 200 : 400, { "content-type": "application/json" });
                    res.end(JSON.stringify(ok ? { auth: { client_token: "hvb.token" } } : { errors: ['error validating claims: claim "ref_protected" does not match any associated bound claim values'] }));
                },
                async (url) => {
                    const env = { VAULT_SERVER_URL: url, VAULT_AUTH_PATH: "gitlab", VAULT_AUTH_ROLE: "platform-gitlab-federation--applier" };
                    const ok = await sh(`${VAULT_LOGIN}\nprintf '%s %s %s' "$VAULT_TOKEN" "$VAULT_ADDR" "$TERRAFORM_VAULT_SKIP_CHILD_TOKEN"`, { ...env, VAULT_ID_TOKEN: "good.token.sig" });
                    assert.deepEqual([ok.status, ok.stdout], [0, `hvb.token ${url} true`], ok.stderr);
                    const refused = await sh(`set -e\n${VAULT_LOGIN}\necho unreachable`, { ...env, VAULT_ID_TOKEN: "bad" });
                    assert.equal(refused.status, 1);
                    assert.equal(refused.stdout, "");
                    assert.equal(refused.stderr.trim(), 'Vault login failed (HTTP 400): error validating claims: claim "ref_protected" does not match any associated bound claim values');
                },
            );
            assert.deepEqual(seen[0], { method: "POST", url: "/v1/auth/gitlab/login", body: { role: "platform-gitlab-federation--applier", jwt: "good.token.sig" } });
        });

        it("Vault in a namespace: preview and up log in to the auth method there, then run pulumi with the provider at the root namespace; GitLab's schema accepts the jobs", async () => {
            const raw = clone(DEV) as Json;
            raw.vault.namespace = "admin/team-a";
            raw.vault.audit = [];
            raw.vault.auditManagedElsewhere = "HCP streams the audit log";
            const text = generatePipeline([{ name: "dev", file: "Pulumi.dev.yaml", plan: planMap(raw) }]);
            assert.equal(schemaErrors({ ".gitlab-ci.yml": text }), undefined);
            const document = load(text, { schema: CORE_SCHEMA }) as Json;
            for (const [job, role] of [["preview:dev", "planner"], ["up:dev", "applier"]] as const) {
                assert.equal(document[job].variables.VAULT_NAMESPACE, "admin/team-a", job);
                assert.equal(document[job].variables.VAULT_AUTH_ROLE, `platform-gitlab-federation--${role}`, job);
                assert.ok(document[job].before_script.includes(VAULT_LOGIN_IN_NAMESPACE), job);
                assert.equal(document[job].before_script.includes(VAULT_LOGIN), false, job);
            }
            const root = load(generatePipeline([{ name: "dev", file: "Pulumi.dev.yaml", plan: planMap(DEV) }]), { schema: CORE_SCHEMA }) as Json;
            assert.equal(root["up:dev"].variables.VAULT_NAMESPACE, undefined);
            assert.ok(root["up:dev"].before_script.includes(VAULT_LOGIN));
            const seen: Json[] = [];
            await withServer(
                (req, body, res) => {
                    seen.push({ url: req.url, namespace: req.headers["x-vault-namespace"], body: JSON.parse(body) });
                    res.writeHead(200, { "content-type": "application/json" });
                    res.end(JSON.stringify({ auth: { client_token: "hvb.token" } }));
                },
                async (url) => {
                    const env = { VAULT_SERVER_URL: url, VAULT_AUTH_PATH: "gitlab", VAULT_AUTH_ROLE: "platform-gitlab-federation--applier", VAULT_NAMESPACE: "admin/team-a", VAULT_ID_TOKEN: "good.token.sig" };
                    const ok = await sh(`set -e\n${VAULT_LOGIN_IN_NAMESPACE}\nprintf '%s|%s|%s|%s|%s' "$VAULT_TOKEN" "$VAULT_ADDR" "$TERRAFORM_VAULT_SKIP_CHILD_TOKEN" "$VAULT_SET_NAMESPACE_FROM_TOKEN" "\${VAULT_NAMESPACE-unset}"`, env);
                    // What pulumi then sees: no VAULT_NAMESPACE (the provider would take it as its own), the token's namespace not taken either.
                    assert.deepEqual([ok.status, ok.stdout], [0, `hvb.token|${url}|true|false|unset`], ok.stderr);
                    const child = await sh(`set -e\n${VAULT_LOGIN_IN_NAMESPACE}\nenv | grep '^VAULT_' | sort`, env);
                    assert.deepEqual(child.stdout.trim().split("\n").map((l) => l.replace(/=.*/, "")), ["VAULT_ADDR", "VAULT_AUTH_PATH", "VAULT_AUTH_ROLE", "VAULT_ID_TOKEN", "VAULT_SERVER_URL", "VAULT_SET_NAMESPACE_FROM_TOKEN", "VAULT_TOKEN"]);
                },
            );
            assert.deepEqual(seen[0], { url: "/v1/auth/gitlab/login", namespace: "admin/team-a", body: { role: "platform-gitlab-federation--applier", jwt: "good.token.sig" } });
        });

        it("the merge-request note: posted once, then updated in place (found across pages by its key)", async () => {
            const notes: { id: number; body: string }[] = [{ id: 1, body: "LGTM" }, ...Array.from({ length: 100 }, (_, i) => ({ id: 10 + i, body: `note ${i}` }))];
            const calls: string[] = [];
            await withServer(
                (req, body, res) => {
                    calls.push(`${req.method} ${req.url} ${req.headers["private-token"]}`);
                    const url = new URL(req.url!, "http://x");
                    if (req.method === "GET") {
                        const page = Number(url.searchParams.get("page"));
                        const slice = notes.slice((page - 1) * 100, page * 100);
                        res.writeHead(200, { "content-type": "application/json", "x-next-page": page * 100 < notes.length ? String(page + 1) : "" });
                        res.end(JSON.stringify(slice));
                    } else if (req.method === "POST") {
                        notes.push({ id: 500, body: JSON.parse(body).body });
                        res.writeHead(201, { "content-type": "application/json" });
                        res.end(JSON.stringify({ id: 500 }));
                    } else {
                        notes.find((n) => n.id === Number(url.pathname.split("/").pop()))!.body = JSON.parse(body).body;
                        res.writeHead(200, { "content-type": "application/json" });
                        res.end("{}");
                    }
                },
                async (url) => {
                    const directory = directoryWith({ "report.md": "<!-- gitlab-federation:diff -->\nfirst\n" });
                    const env = { CI_API_V4_URL: `${url}/api/v4`, CI_PROJECT_ID: "7", CI_MERGE_REQUEST_IID: "12", GITLAB_FEDERATION_NOTE_TOKEN: "glpat-notes" };
                    const first = await cliAsync(["mr-note", "--file", "report.md", "--key", "dev"], { cwd: directory, env });
                    assert.deepEqual([first.status, first.stdout], [0, "posted note 500\n"], first.stderr);
                    writeFileSync(join(directory, "report.md"), "<!-- gitlab-federation:diff -->\nsecond\n");
                    const second = await cliAsync(["mr-note", "--file", "report.md", "--key", "dev"], { cwd: directory, env });
                    assert.deepEqual([second.status, second.stdout], [0, "updated note 500\n"], second.stderr);
                },
            );
            assert.equal(notes.find((n) => n.id === 500)!.body, "<!-- gitlab-federation:note:dev -->\n<!-- gitlab-federation:diff -->\nsecond\n");
            assert.equal(notes.length, 102, "one note, updated");
            assert.deepEqual(calls, [
                "GET /api/v4/projects/7/merge_requests/12/notes?per_page=100&page=1 glpat-notes",
                "GET /api/v4/projects/7/merge_requests/12/notes?per_page=100&page=2 glpat-notes",
                "POST /api/v4/projects/7/merge_requests/12/notes glpat-notes",
                "GET /api/v4/projects/7/merge_requests/12/notes?per_page=100&page=1 glpat-notes",
                "GET /api/v4/projects/7/merge_requests/12/notes?per_page=100&page=2 glpat-notes",
                "PUT /api/v4/projects/7/merge_requests/12/notes/500 glpat-notes",
            ]);
        });

        it("mr-note: GitLab unreachable, or a server error: exit 7 with what happened, never an internal error; a refusal (4xx) exits 1", async () => {
            const directory = directoryWith({ "report.md": "report\n" });
            const env = (url: string) => ({ CI_API_V4_URL: `${url}/api/v4`, CI_PROJECT_ID: "7", CI_MERGE_REQUEST_IID: "12", GITLAB_FEDERATION_NOTE_TOKEN: "glpat-notes" });
            // A port nothing listens on: the connection is refused.
            const closed = await new Promise<number>((done) => {
                const server = createServer();
                server.listen(0, "127.0.0.1", () => {
                    const port = (server.address() as { port: number }).port;
                    server.close(() => done(port));
                });
            });
            const refused = await cliAsync(["mr-note", "--file", "report.md"], { cwd: directory, env: env(`http://127.0.0.1:${closed}`) });
            assert.deepEqual(
                [refused.status, refused.stdout, refused.stderr],
                [7, "", `gitlab-federation: mr-note: listing the notes: cannot reach GitLab at http://127.0.0.1:${closed} (ECONNREFUSED); nothing was posted, run the job again\n`],
            );
            for (const [status, code, text] of [
                [502, 7, "gitlab-federation: mr-note: listing the notes: GitLab answered HTTP 502 (bad gateway); nothing was posted, run the job again\n"],
                [403, 1, "gitlab-federation mr-note: listing the notes: HTTP 403: {\"message\":\"403 Forbidden\"}\n"],
            ] as const) {
                await withServer(
                    (_req, _body, res) => {
                        res.writeHead(status, { "content-type": "application/json" });
                        res.end(status === 502 ? "bad gateway" : JSON.stringify({ message: "403 Forbidden" }));
                    },
                    async (url) => {
                        const run = await cliAsync(["mr-note", "--file", "report.md"], { cwd: directory, env: env(url) });
                        assert.deepEqual([run.status, run.stderr], [code, text]);
                    },
                );
            }
        });
    });

    it("validate --format codequality: problems major and warnings minor, on their lines", () => {
        const broken = DEV_TEXT.replace("      id: 57\n", "");
        const run = cli(["validate", "--config", "Pulumi.dev.yaml", "--format", "codequality"], { cwd: directoryWith({ "Pulumi.dev.yaml": broken, "Pulumi.yaml": "name: gitlab-federation\n" }) });
        assert.equal(run.status, 1);
        const issues = JSON.parse(run.stdout) as Json[];
        const problem = issues.find((i) => i.severity === "major")!;
        assert.deepEqual(
            { ...problem, fingerprint: problem.fingerprint.length },
            {
                description: 'gitlab-federation:projects["platform/web"].id: is required but missing. The numeric GitLab project ID (Settings > General), e.g. 42: the binding that survives renames.',
                check_name: "gitlab-federation problem",
                fingerprint: 64,
                severity: "major",
                location: { path: "Pulumi.dev.yaml", lines: { begin: 95 } },
            },
        );
        assert.ok(issues.filter((i) => i.severity === "minor").length >= 5);
        assert.equal(new Set(issues.map((i) => i.fingerprint)).size, issues.length, "fingerprints are unique");
    });
});

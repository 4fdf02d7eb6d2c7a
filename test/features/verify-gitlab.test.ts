/**
 * verify against a loopback GitLab (test/helpers/fake-gitlab.ts, GitLab's documented shapes): the
 * API client (pagination, 401, 403, 404, 429 with Retry-After, 5xx, a refused connection; the
 * token never printed), and the real binary's output, formats and exit codes.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { z } from "zod";
import { EXIT, UnreachableError } from "../../src/cli/command";
import { GitlabApi, RATE_LIMIT, TokenRefusedError, retryAfterSeconds } from "../../src/cli/gitlab-api";
import { processIo } from "../../src/cli/io";
import { ProtectedBranchSchema } from "../../src/features/verify";
import { cliAsync, directoryWith } from "../helpers/cli";
import { FakeGitlab, FakeOptions, FakeProject, branchRule, closedPort, environmentRule, fakeGitlab, tagRule } from "../helpers/fake-gitlab";

const TOKEN = "glpat-verify-secret";
const http = processIo().http!;

/** The dev map's projects as a GitLab that keeps every guarantee shows them. */
const GOOD: FakeProject[] = [
    { id: 7, path_with_namespace: "platform/gitlab-federation", protected_branches: [branchRule("main")], protected_environments: [environmentRule("federation-dev")] },
    { id: 42, path_with_namespace: "platform/api", protected_branches: [branchRule("main")], protected_tags: [tagRule("v*")], protected_environments: [environmentRule("production")] },
    { id: 57, path_with_namespace: "platform/web", protected_branches: [branchRule("main"), branchRule("release/*")], protected_environments: [environmentRule("production")] },
];

async function withGitlab(options: Partial<FakeOptions>, run: (gitlab: FakeGitlab) => Promise<void>): Promise<void> {
    const gitlab = await fakeGitlab({ token: TOKEN, projects: GOOD, ...options });
    try {
        await run(gitlab);
    } finally {
        await gitlab.close();
    }
}

function client(api: string, sleeps: number[] = []): GitlabApi {
    return new GitlabApi(http, { base: api, token: TOKEN, tokenName: "GITLAB_FEDERATION_VERIFY_TOKEN", command: "verify", sleep: async (s) => void sleeps.push(s) });
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
    try {
        await promise;
    } catch (error) {
        return error as Error;
    }
    throw new Error("expected a rejection");
}

describe("verify: the GitLab API client", () => {
    it("reads every page of a list through Link rel=next (250 rules: 3 pages of at most 100)", async () => {
        const many = Array.from({ length: 250 }, (_, i) => branchRule(`b${i}`));
        await withGitlab({ projects: [{ id: 1, path_with_namespace: "a/b", protected_branches: many }] }, async (gitlab) => {
            const answer = await client(gitlab.api).list("/projects/1/protected_branches", ProtectedBranchSchema);
            assert.deepEqual(answer.value?.map((b) => b.name), many.map((b) => b.name));
            assert.deepEqual(gitlab.requests, ["GET /api/v4/projects/1/protected_branches?per_page=100", "GET /api/v4/projects/1/protected_branches?per_page=100&page=2", "GET /api/v4/projects/1/protected_branches?per_page=100&page=3"]);
        });
    });

    it("follows x-next-page when there is no Link header; refuses a next page on another origin (the token goes nowhere else)", async () => {
        const pages = [JSON.stringify([branchRule("a")]), JSON.stringify([branchRule("b")])];
        const before = (_path: string, count: number) => ({ status: 200, headers: { "x-next-page": count === 1 ? "2" : "" }, body: pages[count - 1]! });
        await withGitlab({ before }, async (gitlab) => {
            const answer = await client(gitlab.api).list("/projects/1/protected_branches", ProtectedBranchSchema);
            assert.deepEqual(answer.value?.map((b) => b.name), ["a", "b"]);
        });
        const elsewhere = () => ({ status: 200, headers: { link: '<https://evil.example.com/api/v4/projects/1/protected_branches?page=2>; rel="next"' }, body: "[]" });
        await withGitlab({ before: elsewhere }, async (gitlab) => {
            const error = await rejection(client(gitlab.api).list("/projects/1/protected_branches", ProtectedBranchSchema));
            assert.ok(error instanceof UnreachableError);
            assert.equal(error.message, `verify: GET /projects/1/protected_branches?per_page=100: GitLab's next page is on another origin (https://evil.example.com), and the token goes to ${new URL(gitlab.api).origin} only; nothing was decided, run it again`);
        });
    });

    it("404 and a plain 403: the resource is missing, with GitLab's message", async () => {
        await withGitlab({}, async (gitlab) => {
            assert.deepEqual(await client(gitlab.api).get("/projects/999", z.unknown()), { missing: { status: 404, message: "404 Project Not Found" } });
        });
        await withGitlab({ before: () => ({ status: 403, body: JSON.stringify({ message: "403 Forbidden" }) }) }, async (gitlab) => {
            assert.deepEqual(await client(gitlab.api).get("/projects/7", z.unknown()), { missing: { status: 403, message: "403 Forbidden" } });
        });
    });

    it("401, and 403 insufficient_scope: the token is refused, said without the token", async () => {
        await withGitlab({ token: "another" }, async (gitlab) => {
            const error = await rejection(client(gitlab.api).get("/projects/7", z.unknown()));
            assert.ok(error instanceof TokenRefusedError);
            assert.equal(
                error.message,
                "verify: GET /projects/7: GitLab refused the token (HTTP 401: 401 Unauthorized): GITLAB_FEDERATION_VERIFY_TOKEN is wrong, expired or revoked; give a personal, project or group access token with the read_api scope and the Maintainer role on every project of the map",
            );
        });
        await withGitlab({ noScope: true }, async (gitlab) => {
            const error = await rejection(client(gitlab.api).get("/projects/7", z.unknown()));
            assert.equal(
                error.message,
                "verify: GET /projects/7: GitLab refused the token (HTTP 403: The request requires higher privileges than provided by the access token.): it lacks the read_api scope; give a personal, project or group access token with the read_api scope and the Maintainer role on every project of the map",
            );
        });
    });

    it("429: waits Retry-After and asks again, at most RATE_LIMIT.retries times", async () => {
        const limited = (times: number) => (_path: string, count: number) => (count <= times ? { status: 429, headers: { "retry-after": "2" }, body: "Retry later\n" } : undefined);
        await withGitlab({ before: limited(2) }, async (gitlab) => {
            const sleeps: number[] = [];
            const answer = await client(gitlab.api, sleeps).get("/projects/42", z.object({ path_with_namespace: z.string() }));
            assert.deepEqual([answer.value, sleeps, gitlab.requests.length], [{ path_with_namespace: "platform/api" }, [2, 2], 3]);
        });
        await withGitlab({ before: limited(100) }, async (gitlab) => {
            const sleeps: number[] = [];
            const error = await rejection(client(gitlab.api, sleeps).get("/projects/42", z.unknown()));
            assert.ok(error instanceof UnreachableError);
            assert.equal(error.message, "verify: GET /projects/42: GitLab's rate limit (HTTP 429) after 4 attempts, Retry-After 2s (at most 3 retries, each waiting at most 60s); nothing was decided, run it again later");
            assert.deepEqual([sleeps, gitlab.requests.length], [[2, 2, 2], RATE_LIMIT.retries + 1]);
        });
        await withGitlab({ before: () => ({ status: 429, headers: { "retry-after": "3600" }, body: "Retry later\n" }) }, async (gitlab) => {
            const error = await rejection(client(gitlab.api).get("/projects/42", z.unknown()));
            assert.equal(error.message, "verify: GET /projects/42: GitLab's rate limit (HTTP 429) after 1 attempt, Retry-After 3600s (at most 3 retries, each waiting at most 60s); nothing was decided, run it again later");
        });
    });

    it("Retry-After: seconds, an HTTP date, or 1 when absent or unreadable", () => {
        const now = Date.parse("2026-01-01T00:00:00Z");
        assert.deepEqual(
            ["5", " 0 ", "Thu, 01 Jan 2026 00:00:30 GMT", "Wed, 31 Dec 2025 23:00:00 GMT", undefined, "soon"].map((h) => retryAfterSeconds(h, now)),
            [5, 0, 30, 0, 1, 1],
        );
    });

    it("5xx and a refused connection: unreachable; a 200 of another shape too; the token never in a message", async () => {
        await withGitlab({ before: () => ({ status: 502, body: `<html>bad gateway for ${TOKEN}</html>` }) }, async (gitlab) => {
            const error = await rejection(client(gitlab.api).get("/projects/42", z.unknown()));
            assert.ok(error instanceof UnreachableError);
            assert.equal(error.message, "verify: GET /projects/42: GitLab answered HTTP 502 (<html>bad gateway for [token]</html>); nothing was decided, run it again");
        });
        const port = await closedPort();
        const refused = await rejection(client(`http://127.0.0.1:${port}/api/v4`).get("/projects/42", z.unknown()));
        assert.ok(refused instanceof UnreachableError);
        assert.equal(refused.message, `verify: GET /projects/42: cannot reach GitLab at http://127.0.0.1:${port} (ECONNREFUSED); nothing was decided, run it again`);
        await withGitlab({ before: () => ({ status: 200, body: "{}" }) }, async (gitlab) => {
            const error = await rejection(client(gitlab.api).list("/projects/42/protected_branches", ProtectedBranchSchema));
            assert.equal(error.message, "verify: GET /projects/42/protected_branches?per_page=100: GitLab answered HTTP 200 with a body of another shape ((body): Invalid input: expected array, received object); nothing was decided, run it again");
        });
    });
});

describe("verify: the command (the real binary against the loopback GitLab)", function () {
    // Each case starts the binary a few times: slow on a loaded machine.
    this.timeout(120_000);
    const DEV = readFileSync("Pulumi.dev.yaml", "utf8");
    const directory = directoryWith({ "Pulumi.yaml": "name: gitlab-federation\n", "Pulumi.dev.yaml": DEV });
    const run = (api: string, args: string[] = [], env: Record<string, string> = { GITLAB_FEDERATION_VERIFY_TOKEN: TOKEN }) => cliAsync(["verify", "--stack", "dev", "--api-url", api, ...args], { cwd: directory, env });

    it("a GitLab that keeps every guarantee: exit 0, one line; only what the grants need is read", async () => {
        await withGitlab({}, async (gitlab) => {
            const result = await run(gitlab.api);
            assert.deepEqual([result.status, result.stdout, result.stderr], [EXIT.ok, `Pulumi.dev.yaml: GitLab guarantees what the map relies on (3 projects, 6 grants checked at ${gitlab.api})\n`, ""]);
            assert.deepEqual(
                [...gitlab.requests].sort(),
                [
                    "GET /api/v4/projects/42",
                    "GET /api/v4/projects/42/protected_branches?per_page=100",
                    "GET /api/v4/projects/42/protected_environments?per_page=100",
                    "GET /api/v4/projects/42/protected_tags?per_page=100",
                    "GET /api/v4/projects/57",
                    "GET /api/v4/projects/57/protected_branches?per_page=100",
                    "GET /api/v4/projects/57/protected_environments?per_page=100",
                    "GET /api/v4/projects/7",
                    "GET /api/v4/projects/7/protected_branches?per_page=100",
                    "GET /api/v4/projects/7/protected_environments?per_page=100",
                ],
                "no tags where no protected grant is a tag grant",
            );
        });
    });

    it("findings: exit 9; text, --json and --format markdown", async () => {
        const projects = GOOD.map((p) => (p.id === 42 ? { ...p, path_with_namespace: "platform/api-v2", protected_branches: [branchRule("main", { push: 30 })] } : p));
        await withGitlab({ projects }, async (gitlab) => {
            const text = await run(gitlab.api);
            const path = 'gitlab-federation:projects["platform/api"]';
            const rename = `${path}.id: project 42 is "platform/api-v2" in GitLab, not "platform/api": AWS trusts the path, so the project's logins there fail and a new project created at "platform/api" would be admitted; rename the key to "platform/api-v2" with renamedFrom: platform/api (its names stay)`;
            const push = `${path}.grants.deploy.ref: the protected-branch rule "main" of project 42 lets Developers push: pipelines on "main" are protected without being a Maintainer's, and the grant's Vault, AWS and GCP access admits them; allow only Maintainers to push and merge, force push off`;
            assert.deepEqual([text.status, text.stderr], [9, ""]);
            assert.equal(text.stdout, `Pulumi.dev.yaml: 2 findings: GitLab does not guarantee what the map relies on (3 projects, 6 grants checked at ${gitlab.api})\n${push}\n${rename}\n`);
            const json = await run(gitlab.api, ["--json"]);
            assert.equal(json.status, 9);
            assert.deepEqual(JSON.parse(json.stdout), {
                file: "Pulumi.dev.yaml",
                api: gitlab.api,
                ok: false,
                findings: [
                    { check: "protection", path: `${path}.grants.deploy.ref`, project: "platform/api", projectId: "42", message: push.slice(push.indexOf(": ") + 2) },
                    { check: "path", path: `${path}.id`, project: "platform/api", projectId: "42", message: rename.slice(rename.indexOf(": ") + 2) },
                ],
            });
            const markdown = await run(gitlab.api, ["--format", "markdown"]);
            assert.equal(markdown.status, 9);
            assert.equal(
                markdown.stdout,
                [
                    "### gitlab-federation verify: 2 findings (Pulumi.dev.yaml)",
                    "",
                    `GitLab does not guarantee what the map relies on (3 projects, 6 grants checked at ${gitlab.api}).`,
                    "",
                    "| check | path | finding |",
                    "|---|---|---|",
                    `| protection | \`${path}.grants.deploy.ref\` | ${push.slice(push.indexOf(": ") + 2)} |`,
                    `| path | \`${path}.id\` | ${rename.slice(rename.indexOf(": ") + 2)} |`,
                    "",
                ].join("\n"),
            );
        });
    });

    it("no token, or a token GitLab refuses: exit 2 with why, never the token", async () => {
        const none = await run("http://127.0.0.1:9/api/v4", [], {});
        assert.deepEqual(
            [none.status, none.stderr],
            [2, "gitlab-federation: needs a GitLab token in GITLAB_FEDERATION_VERIFY_TOKEN or GITLAB_TOKEN: a personal, project or group access token with the read_api scope whose user is a Maintainer of every project of the map\nRun 'gitlab-federation help verify' for usage.\n"],
        );
        await withGitlab({ token: "another" }, async (gitlab) => {
            const refused = await run(gitlab.api, [], { GITLAB_TOKEN: TOKEN });
            assert.equal(refused.status, 2);
            assert.match(refused.stderr, /^gitlab-federation: verify: GET \/projects\/(7|42|57): GitLab refused the token \(HTTP 401: 401 Unauthorized\): GITLAB_TOKEN is wrong, expired or revoked; give a personal, project or group access token with the read_api scope and the Maintainer role on every project of the map\n$/);
            assert.ok(!refused.stderr.includes(TOKEN) && refused.stdout === "");
        });
    });

    it("GitLab failing or unreachable: exit 7, nothing decided; rate limited once: waits Retry-After and passes", async () => {
        await withGitlab({ before: () => ({ status: 503, body: "maintenance" }) }, async (gitlab) => {
            const failing = await run(gitlab.api);
            assert.equal(failing.status, 7);
            assert.match(failing.stderr, /^gitlab-federation: verify: GET \/projects\/(7|42|57): GitLab answered HTTP 503 \(maintenance\); nothing was decided, run it again\n$/);
        });
        const port = await closedPort();
        const unreachable = await run(`http://127.0.0.1:${port}/api/v4`);
        assert.equal(unreachable.status, 7);
        assert.match(unreachable.stderr, new RegExp(`^gitlab-federation: verify: GET /projects/(7|42|57): cannot reach GitLab at http://127.0.0.1:${port} \\(ECONNREFUSED\\); nothing was decided, run it again\\n$`));
        await withGitlab({ before: (path, count) => (path === "/api/v4/projects/42" && count === 1 ? { status: 429, headers: { "retry-after": "1" }, body: "Retry later\n" } : undefined) }, async (gitlab) => {
            const limited = await run(gitlab.api);
            assert.deepEqual([limited.status, limited.stderr], [0, ""]);
            assert.equal(gitlab.requests.filter((r) => r === "GET /api/v4/projects/42").length, 2);
        });
    });

    it("usage: a --format it does not know, an --api-url that is not http(s)", async () => {
        const format = await run("http://127.0.0.1:9/api/v4", ["--format", "csv"]);
        assert.deepEqual([format.status, format.stderr.split("\n")[0]], [2, 'gitlab-federation: --format must be text, markdown or json, got "csv"']);
        const url = await cliAsync(["verify", "--stack", "dev", "--api-url", "gitlab.example.com"], { cwd: directory, env: { GITLAB_TOKEN: TOKEN } });
        assert.deepEqual([url.status, url.stderr.split("\n")[0]], [2, 'gitlab-federation: --api-url must be an http(s) URL, got "gitlab.example.com"']);
    });
});

/**
 * gitlab-federation ids: each project key's id looked up by path (GET /projects/<URL-encoded
 * path>, https://docs.gitlab.com/api/rest/#namespaced-paths), the real binary against the
 * loopback GitLab; it works on a map that does not validate yet (ids missing).
 */
import { strict as assert } from "node:assert";
import { EXIT } from "../../src/cli/command";
import { cliAsync, directoryWith } from "../helpers/cli";
import { closedPort, fakeGitlab } from "../helpers/fake-gitlab";

const TOKEN = "glpat-ids-secret";
const STACK = `config:
  gitlab-federation:gitlab:
    url: https://gitlab.example.com
  gitlab-federation:vault:
    authPath: gitlab
    audience: https://vault.example.com
    kvMount: secret
  gitlab-federation:projects:
    platform/api:
      id: 42
      grants:
        deploy: {ref: main, vault: {read: [platform/api]}}
    platform/docs:
      grants:
        deploy: {ref: main, vault: {read: [platform/docs]}}
    platform/web:
      id: 58
      grants:
        deploy: {ref: main, vault: {read: [platform/web]}}
    platform/gone:
      id: 90
      grants:
        deploy: {ref: main, vault: {read: [platform/gone]}}
`;

describe("ids: project ids by path from GitLab's API", function () {
    this.timeout(120_000);
    const directory = directoryWith({ "Pulumi.yaml": "name: gitlab-federation\n", "Pulumi.dev.yaml": STACK });
    const projects = [
        { id: 42, path_with_namespace: "platform/api" },
        { id: 99, path_with_namespace: "platform/docs" },
        { id: 57, path_with_namespace: "platform/web" },
    ];

    it("fills a missing id, flags one that differs and a path with no project: exit 9; the token is never printed", async () => {
        const gitlab = await fakeGitlab({ token: TOKEN, projects });
        try {
            const run = await cliAsync(["ids", "--stack", "dev", "--api-url", gitlab.api], { cwd: directory, env: { GITLAB_TOKEN: TOKEN } });
            assert.equal(run.status, EXIT.unverified, run.stderr);
            assert.equal(
                run.stdout,
                [
                    "platform/api: 42",
                    "platform/docs: 99 (the map has no id: add id: 99)",
                    "platform/gone: GitLab has no project at this path, or the token cannot see it (the map says 90)",
                    "platform/web: 57 (the map says 58: the project at this path is another one; check which is meant, then set id: 57 or move the key)",
                    "",
                ].join("\n"),
            );
            assert.ok(!(run.stdout + run.stderr).includes(TOKEN));
            assert.deepEqual([...gitlab.requests].sort(), ["GET /api/v4/projects/platform%2Fapi", "GET /api/v4/projects/platform%2Fdocs", "GET /api/v4/projects/platform%2Fgone", "GET /api/v4/projects/platform%2Fweb"]);
            const json = await cliAsync(["ids", "--stack", "dev", "--api-url", gitlab.api, "--json"], { cwd: directory, env: { GITLAB_TOKEN: TOKEN } });
            assert.deepEqual(JSON.parse(json.stdout), [
                { path: "platform/api", map: "42", gitlab: "42" },
                { path: "platform/docs", gitlab: "99" },
                { path: "platform/gone", map: "90" },
                { path: "platform/web", map: "58", gitlab: "57" },
            ]);
        } finally {
            await gitlab.close();
        }
    });

    it("every id GitLab's: exit 0; no token: usage error; GitLab unreachable: exit 7", async () => {
        const good = directoryWith({ "Pulumi.yaml": "name: gitlab-federation\n", "Pulumi.dev.yaml": STACK.replace(/    platform\/docs:[\s\S]*$/, "") });
        const gitlab = await fakeGitlab({ token: TOKEN, projects });
        try {
            const run = await cliAsync(["ids", "--stack", "dev", "--api-url", gitlab.api], { cwd: good, env: { GITLAB_TOKEN: TOKEN } });
            assert.deepEqual([run.status, run.stdout], [EXIT.ok, "platform/api: 42\n"]);
        } finally {
            await gitlab.close();
        }
        const none = await cliAsync(["ids", "--stack", "dev"], { cwd: good, env: {} });
        assert.equal(none.status, EXIT.usage);
        assert.match(none.stderr, /needs a GitLab token in GITLAB_FEDERATION_VERIFY_TOKEN or GITLAB_TOKEN/);
        const closed = await cliAsync(["ids", "--stack", "dev", "--api-url", `http://127.0.0.1:${await closedPort()}/api/v4`], { cwd: good, env: { GITLAB_TOKEN: TOKEN } });
        assert.equal(closed.status, EXIT.unreachable, closed.stderr);
    });
});

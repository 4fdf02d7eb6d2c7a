/**
 * The Akeyless login a grant's CI job runs (components/akeyless/ci.ts): run in sh against the
 * loopback fake, with node and with curl only; bounded retries; failures that say why; no file
 * left behind; the ID token never on a command line; and GitLab's CI schema accepts the job but
 * not `secrets:akeyless`.
 */
import { strict as assert } from "node:assert";
import { execFile, execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { dump } from "js-yaml";
import { AKEYLESS_TOKEN_VARIABLE, akeylessCi } from "../../../components/akeyless/ci";
import { AkeylessClient, forgetLogins } from "../../../components/akeyless/client";
import { schemaErrors } from "../../helpers/gitlab-ci-local";
import { temporaryDirectory } from "../../helpers/temp";
import { FakeAkeyless, fakeAkeyless } from "./server";

const ACCESS_ID = "p-jobjobjob01";
const JWT = "eyJhbGciOiJSUzI1NiJ9.eyJwcm9qZWN0X2lkIjoiNDIifQ.c2lnbmF0dXJl";

const piece = (apiUrl: string) => akeylessCi({ apiUrl, accessId: ACCESS_ID, audience: "https://akeyless.example.com" }, (_name, value) => value);

/** A PATH with only these tools (linked from the system), so `command -v node` fails where node is left out. */
function toolPath(tools: readonly string[]): string {
    const bin = join(temporaryDirectory(), "bin");
    mkdirSync(bin);
    for (const tool of tools) {
        symlinkSync(execFileSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).trim(), join(bin, tool));
    }
    return bin;
}
const SHELL_TOOLS = ["mktemp", "tr", "grep", "sed", "sort", "wc", "head", "rm"];

interface Run {
    readonly status: number;
    readonly stdout: string;
    readonly stderr: string;
    /** Files left in the job's TMPDIR. */
    readonly left: string[];
}

/** `sh -e`, or bash as GitLab Runner's bash shell runs scripts (`set -eo pipefail`, gitlab-runner shells/bash.go). */
const SH = ["/bin/sh", "-e", "-c"];
const BASH = [execFileSync("sh", ["-c", "command -v bash"], { encoding: "utf8" }).trim(), "--noprofile", "--norc", "-e", "-o", "pipefail", "-c"];

/** Runs the before_script, then prints AKEYLESS_TOKEN (asynchronously: the fake answers from this process). */
function login(server: FakeAkeyless, path: string, jwt = JWT, accessId = ACCESS_ID, shell = SH): Promise<Run> {
    const tmp = temporaryDirectory();
    const script = `${piece(server.url).beforeScript.join("\n")}\nprintf '%s' "$AKEYLESS_TOKEN"`;
    const env = { PATH: path, TMPDIR: tmp, CI_JOB_ID: "7", AKEYLESS_API_URL: server.url, AKEYLESS_ACCESS_ID: accessId, [AKEYLESS_TOKEN_VARIABLE]: jwt };
    return new Promise((done) => {
        const child = execFile(shell[0]!, [...shell.slice(1), script], { env, encoding: "utf8" }, (error, stdout, stderr) =>
            done({ status: error === null ? 0 : (child.exitCode ?? 1), stdout, stderr, left: readdirSync(tmp) }),
        );
    });
}

describe("Akeyless CI login (components/akeyless/ci.ts)", () => {
    let server: FakeAkeyless;
    const withNode = () => `${toolPath([...SHELL_TOOLS, "node"])}`;
    const curlOnly = () => `${toolPath([...SHELL_TOOLS, "curl"])}`;

    beforeEach(async () => {
        forgetLogins();
        server = await fakeAkeyless();
        server.jwts.set(ACCESS_ID, JWT);
        server.roles.set("/r", { name: "/r", deleteProtection: false, rules: [] });
    });
    afterEach(async () => {
        assert.deepEqual(server.violations, []);
        await server.close();
    });

    /** The token works for an admin call. */
    async function works(token: string): Promise<void> {
        const client = new AkeylessClient({ apiUrl: server.url, env: () => ({ AKEYLESS_TOKEN: token }) });
        assert.equal((await client.call("get-role", { name: "/r" })).role_name, "/r");
    }

    it("the job piece: ID token with the auth method's audience, API URL and access id as variables, cleanup after the script", () => {
        const p = piece("https://api.akeyless.io");
        assert.deepEqual(p.idToken, { variable: "AKEYLESS_ID_TOKEN", audience: "https://akeyless.example.com" });
        assert.deepEqual(p.variables, { AKEYLESS_API_URL: "https://api.akeyless.io", AKEYLESS_ACCESS_ID: ACCESS_ID });
        assert.deepEqual(p.afterScript, ['rm -f "${TMPDIR:-/tmp}"/gitlab-federation-"$CI_JOB_ID".*']);
        assert.equal(p.comments.at(-1), "GitLab's secrets:akeyless is an Experiment (GitLab 17.4+) outside GitLab's CI schema, so it is not generated.");
        const inputs: string[] = [];
        akeylessCi({ apiUrl: "https://api.akeyless.io", accessId: ACCESS_ID, audience: "aud" }, (name) => (inputs.push(name), `$[[ inputs.${name} ]]`));
        assert.deepEqual(inputs, ["akeyless_audience", "akeyless_api_url", "akeyless_access_id"]);
    });

    it("the ID token reaches only the case check and printf (a shell builtin), never a command's arguments", () => {
        const text = piece("https://api.akeyless.io").beforeScript.join("\n");
        const uses = text.split("\n").flatMap((line) => line.split(`$${AKEYLESS_TOKEN_VARIABLE}`).slice(1).map(() => line));
        assert.equal(uses.length, 2, "two uses, no echo of the token");
        assert.match(uses[0]!, /^case "\$AKEYLESS_ACCESS_ID\.\$AKEYLESS_ID_TOKEN" in \.\*\|\*\.\|\*\[!A-Za-z0-9\._-\]\*\) echo "Akeyless: AKEYLESS_ACCESS_ID or AKEYLESS_ID_TOKEN is empty/);
        assert.match(uses[1]!, /^printf '\{"access-type":"jwt","access-id":"%s","jwt":"%s"\}' "\$AKEYLESS_ACCESS_ID" "\$AKEYLESS_ID_TOKEN" > "\$akeyless_body"$/);
    });

    for (const [name, path] of [
        ["node", () => withNode()],
        ["curl", () => curlOnly()],
    ] as const) {
        it(`${name}: logs in, exports AKEYLESS_TOKEN, leaves no file; a 429 is waited out`, async () => {
            server.fail("auth", { status: 429, retryAfter: "1" });
            const run = await login(server, path());
            assert.deepEqual([run.status, run.stderr, run.left], [0, "", []]);
            assert.match(run.stdout, /^t-[0-9a-f]{32}$/);
            await works(run.stdout);
            assert.deepEqual(server.requests.map((r) => r.command).slice(0, 2), ["auth", "auth"]);
            assert.deepEqual(server.requests[0]!.body, { "access-type": "jwt", "access-id": ACCESS_ID, jwt: "<redacted>" });
        });

        it(`${name}: a refused login fails the job with Akeyless's message and leaves no file`, async () => {
            const run = await login(server, path(), "eyJ.wrong.token");
            assert.equal(run.status, 1);
            assert.equal(run.stderr.trim(), 'Akeyless: login failed (HTTP 401): {"error":"access denied: wrong access id or credentials"}');
            assert.deepEqual([run.stdout, run.left], ["", []]);
            assert.ok(!run.stderr.includes("wrong.token"), "the ID token is not printed");
        });
    }

    it("bash with pipefail, GitLab Runner's default: both ways log in", async () => {
        for (const path of [withNode(), curlOnly()]) {
            const run = await login(server, path, JWT, ACCESS_ID, BASH);
            assert.deepEqual([run.status, run.stderr, run.left], [0, "", []]);
            await works(run.stdout);
        }
    });

    it("node: retries 5xx a bounded number of times", async () => {
        server.fail("auth", ...Array.from({ length: 5 }, () => ({ status: 503, retryAfter: "0" })));
        const run = await login(server, withNode());
        assert.equal(run.status, 1);
        assert.equal(run.stderr.trim(), 'Akeyless: login failed (HTTP 503): {"error":"injected 503"}');
        assert.equal(server.requests.length, 5);
    });

    it("curl: an answer with two different tokens is refused rather than guessed", async () => {
        server.credsToken = "other";
        const run = await login(server, curlOnly());
        assert.equal(run.status, 1);
        assert.match(run.stderr, /^Akeyless: login failed \(HTTP 200\): \{"token":"t-/);
        assert.deepEqual(run.left, []);
    });

    it("refuses an empty or odd access id or ID token before any request; needs node or curl", async () => {
        for (const [jwt, accessId] of [["", ACCESS_ID], [JWT, ""], [`${JWT}"`, ACCESS_ID], [JWT, "p-1 x"]]) {
            const run = await login(server, withNode(), jwt, accessId);
            assert.equal(run.status, 1);
            assert.equal(run.stderr, "Akeyless: AKEYLESS_ACCESS_ID or AKEYLESS_ID_TOKEN is empty or holds unexpected characters\n");
        }
        const none = await login(server, toolPath(SHELL_TOOLS));
        assert.equal(none.stderr.trim(), "Akeyless: the login needs node (18 or later) or curl in the job image");
        assert.deepEqual([none.status, none.left, server.requests], [1, [], []]);
    });

    it("GitLab's CI schema accepts the job, and refuses secrets:akeyless", () => {
        const p = piece("https://api.akeyless.io");
        const job = {
            deploy: {
                id_tokens: { [p.idToken.variable]: { aud: p.idToken.audience } },
                variables: p.variables,
                before_script: p.beforeScript,
                script: ['printf \'{"names":["/s"],"token":"%s"}\' "$AKEYLESS_TOKEN" > /dev/null'],
                after_script: p.afterScript,
            },
        };
        assert.equal(schemaErrors({ ".gitlab-ci.yml": dump(job) }), undefined);
        const experiment = { deploy: { ...job.deploy, secrets: { PASSWORD: { token: "$AKEYLESS_ID_TOKEN", akeyless: { name: "/s" } } } } };
        assert.match(schemaErrors({ ".gitlab-ci.yml": dump(experiment) }) ?? "", /Invalid \.gitlab-ci\.yml configuration/);
    });
});

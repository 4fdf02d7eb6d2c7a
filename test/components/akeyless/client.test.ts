/**
 * The Akeyless client against the loopback fake: every command, every error class, retries
 * (bounded, after Retry-After), login caching, pagination, and credentials that never reach a log
 * or an error message.
 */
import { strict as assert } from "node:assert";
import { COMMANDS } from "../../../components/akeyless/api";
import {
    AkeylessClient,
    AlreadyExistsError,
    type ClientOptions,
    CredentialsError,
    NetworkError,
    NotFoundError,
    RateLimitedError,
    RequestError,
    ResponseError,
    ServerError,
    UnauthorizedError,
    apiUrlProblem,
    backoffMs,
    credentialsFrom,
    forgetLogins,
    retryAfterMs,
} from "../../../components/akeyless/client";
import { FakeAkeyless, OPENAPI_FIELDS, fakeAkeyless } from "./server";

const AM = "/gitlab-federation/test/gitlab";
const ROLE = "/gitlab-federation/test/projects/platform/api/deploy";

function amBody(name = AM) {
    return {
        name,
        "unique-identifier": "project_id",
        "jwks-uri": "https://gitlab.example.com/oauth/discovery/keys",
        issuer: "https://gitlab.example.com",
        audience: "https://akeyless.example.com",
        "force-sub-claims": true,
        "jwt-ttl": 15,
        "bound-ips": [],
        "subclaims-delimiters": [],
        description: "",
        delete_protection: "false" as const,
    };
}

/** A client on the fake with the admin's API key, recording sleeps and log lines. */
function client(server: FakeAkeyless, extra: Partial<ClientOptions> = {}) {
    const sleeps: number[] = [];
    const logs: string[] = [];
    const c = new AkeylessClient({
        apiUrl: server.url,
        env: () => ({ AKEYLESS_ACCESS_ID: server.admin.accessId, AKEYLESS_ACCESS_KEY: server.admin.accessKey }),
        sleep: async (ms) => void sleeps.push(ms),
        log: (line) => logs.push(line),
        ...extra,
    });
    return { c, sleeps, logs };
}

/** The error a call fails with. */
function failure(promise: Promise<unknown>): Promise<Error> {
    return promise.then(
        () => assert.fail("expected the call to fail"),
        (e: unknown) => e as Error,
    );
}

async function rejects(promise: Promise<unknown>, Class: new (...args: any[]) => Error, message: string): Promise<Error> {
    const error = await promise.then(
        () => assert.fail(`expected ${Class.name}: ${message}`),
        (e: unknown) => e as Error,
    );
    assert.ok(error instanceof Class, `${error?.constructor?.name}: ${error?.message}`);
    assert.equal(error.message, message);
    return error;
}

describe("Akeyless client (components/akeyless/client.ts)", () => {
    let server: FakeAkeyless;
    beforeEach(async () => {
        forgetLogins();
        server = await fakeAkeyless();
    });
    afterEach(async () => {
        assert.deepEqual(server.violations, [], "every request matched the request schema and the published field names");
        await server.close();
    });

    it("every command the target needs is a POST of a published operation, with the fixture's operation name", () => {
        assert.deepEqual(
            Object.entries(COMMANDS).map(([command, spec]) => [command, spec.operation]),
            Object.entries(OPENAPI_FIELDS).map(([command, spec]) => [command, spec.operation]),
        );
    });

    it("auth method: create, get, update (rename), list, delete", async () => {
        const { c } = client(server);
        const created = await c.call("auth-method-create-oauth2", amBody());
        assert.match(created.access_id, /^p-[0-9a-f]{12}$/);
        const read = await c.call("auth-method-get", { name: AM });
        assert.equal(read.auth_method_access_id, created.access_id);
        assert.deepEqual(read.access_info?.oauth2_access_rules?.issuer, "https://gitlab.example.com");
        assert.equal(read.access_info?.force_sub_claims, true);
        await c.call("auth-method-update-oauth2", { ...amBody(), "jwt-ttl": 30, "new-name": `${AM}2` });
        assert.equal((await c.call("auth-method-get", { name: `${AM}2` })).access_info?.jwt_ttl, 30);
        await c.call("auth-method-create-oauth2", amBody(`${AM}3`));
        await c.call("auth-method-create-oauth2", amBody(`${AM}4`));
        const pages = await c.listAll("auth-method-list", { filter: "/gitlab-federation/test/" });
        assert.deepEqual(
            pages.map((p) => (p.auth_methods ?? []).map((a) => a.auth_method_name)),
            [[`${AM}2`, `${AM}3`], [`${AM}4`]],
        );
        await c.call("auth-method-delete", { name: `${AM}2` });
        await rejects(c.call("auth-method-get", { name: `${AM}2` }), NotFoundError, `Akeyless auth-method-get: not found (HTTP 404): auth method ${AM}2 not found`);
        assert.deepEqual(server.commands(), [
            "auth",
            "auth-method-create-oauth2",
            "auth-method-get",
            "auth-method-update-oauth2",
            "auth-method-get",
            "auth-method-create-oauth2",
            "auth-method-create-oauth2",
            "auth-method-list",
            "auth-method-list",
            "auth-method-delete",
            "auth-method-get",
        ]);
    });

    it("role, rules, association: create, set, describe, update, delete; lists paginate", async () => {
        const { c } = client(server);
        await c.call("auth-method-create-oauth2", amBody());
        await c.call("create-role", { name: ROLE, delete_protection: "false" });
        await c.call("set-role-rule", { "role-name": ROLE, path: "/secrets/platform/api/*", capability: ["read", "list"], "rule-type": "item-rule" });
        const { assoc_id } = await c.call("assoc-role-am", { "role-name": ROLE, "am-name": AM, "sub-claims": { project_id: "42", ref: "main,release/*" }, "case-sensitive": "true" });
        assert.match(assoc_id, /^ass-[0-9a-f]{20}$/);
        const role = await c.call("get-role", { name: ROLE });
        assert.deepEqual(role.rules?.path_rules?.map((r) => [r.type, r.path, r.capabilities]), [["item-rule", "/secrets/platform/api/*", ["read", "list"]]]);
        assert.deepEqual(role.role_auth_methods_assoc?.map((a) => [a.assoc_id, a.auth_method_name, a.auth_method_sub_claims, a.sub_claims_case_sensitive]), [[assoc_id, AM, { project_id: ["42"], ref: ["main", "release/*"] }, true]]);
        await c.call("update-assoc", { "assoc-id": assoc_id, "sub-claims": { project_id: "42" }, "case-sensitive": "true" });
        const described = await c.call("describe-role-am-assoc", { "assoc-id": assoc_id });
        assert.deepEqual([described.role_name, described.auth_method_name, described.auth_method_sub_claims], [ROLE, AM, { project_id: ["42"] }]);
        await c.call("update-role", { name: ROLE, delete_protection: "true" });
        await rejects(c.call("delete-role", { name: ROLE }), RequestError, `Akeyless delete-role: request refused (HTTP 400): role ${ROLE} is protected from deletion`);
        await c.call("update-role", { name: ROLE, delete_protection: "false" });
        await c.call("delete-role-rule", { "role-name": ROLE, path: "/secrets/platform/api/*", "rule-type": "item-rule" });
        await rejects(c.call("delete-role-rule", { "role-name": ROLE, path: "/secrets/platform/api/*", "rule-type": "item-rule" }), NotFoundError, "Akeyless delete-role-rule: not found (HTTP 404): rule /secrets/platform/api/* not found");
        for (const n of [1, 2, 3]) {
            await c.call("create-role", { name: `${ROLE}-${n}`, delete_protection: "false" });
        }
        const pages = await c.listAll("list-roles", { filter: ROLE });
        assert.deepEqual(
            pages.map((p) => (p.roles ?? []).map((r) => r.role_name)),
            [[ROLE, `${ROLE}-1`], [`${ROLE}-2`, `${ROLE}-3`]],
        );
        await c.call("delete-assoc", { "assoc-id": assoc_id });
        await rejects(c.call("describe-role-am-assoc", { "assoc-id": assoc_id }), NotFoundError, `Akeyless describe-role-am-assoc: not found (HTTP 404): association ${assoc_id} not found`);
        await c.call("delete-role", { name: ROLE });
        await rejects(c.call("get-role", { name: ROLE }), NotFoundError, `Akeyless get-role: not found (HTTP 404): role ${ROLE} not found`);
    });

    it("409 is AlreadyExistsError; other 4xx RequestError", async () => {
        const { c } = client(server);
        await c.call("create-role", { name: ROLE, delete_protection: "false" });
        const error = (await rejects(c.call("create-role", { name: ROLE, delete_protection: "false" }), AlreadyExistsError, `Akeyless create-role: already exists (HTTP 409): role ${ROLE} already exists`)) as AlreadyExistsError;
        assert.deepEqual([error.command, error.status, error.attempts], ["create-role", 409, 1]);
        server.fail("get-role", { status: 400, error: "bad request" });
        await rejects(c.call("get-role", { name: ROLE }), RequestError, "Akeyless get-role: request refused (HTTP 400): bad request");
    });

    it("a body the command's schema refuses is never sent", async () => {
        const { c } = client(server);
        const issues = (e: unknown) => (e as { issues: { code: string; path: unknown[] }[] }).issues.map((i) => [i.code, i.path.join(".")]);
        assert.deepEqual(issues(await failure(c.call("get-role", { name: ROLE, extra: 1 } as never))), [["unrecognized_keys", ""]]);
        assert.deepEqual(issues(await failure(c.call("set-role-rule", { "role-name": ROLE, path: "/a", capability: ["admin"], "rule-type": "item-rule" } as never))), [["invalid_value", "capability.0"]]);
        assert.deepEqual(issues(await failure(c.call("set-role-rule", { "role-name": ROLE, path: "/a", capability: ["read"], "rule-type": "role-rule" } as never))), [["invalid_value", "rule-type"]]);
        assert.deepEqual(server.requests, []);
    });

    it("logs in once per process and credential, also for concurrent calls; a token that expired is renewed once", async () => {
        const { c } = client(server);
        await c.call("create-role", { name: ROLE, delete_protection: "false" });
        await Promise.all([1, 2, 3].map(() => c.call("get-role", { name: ROLE })));
        const again = client(server).c;
        await again.call("get-role", { name: ROLE });
        assert.deepEqual(server.commands().filter((x) => x === "auth").length, 1);
        server.expireTokens();
        await again.call("get-role", { name: ROLE });
        assert.deepEqual(server.commands().slice(-3), ["get-role", "auth", "get-role"]);
    });

    it("a ready token (AKEYLESS_TOKEN) is used as is; when Akeyless refuses it there is no retry", async () => {
        const { c: admin } = client(server);
        const token = await admin.token();
        const { c } = client(server, { env: () => ({ AKEYLESS_TOKEN: token }) });
        await c.call("create-role", { name: ROLE, delete_protection: "false" });
        server.expireTokens();
        await rejects(c.call("get-role", { name: ROLE }), UnauthorizedError, "Akeyless get-role: unauthorized (HTTP 401): access denied: the token is invalid or expired");
        assert.deepEqual(server.commands(), ["auth", "create-role", "get-role"]);
    });

    it("a job's ID token logs in with access-type jwt", async () => {
        server.jwts.set("p-jobjobjob01", "eyJ.job.token");
        const { c } = client(server, { env: () => ({ AKEYLESS_ACCESS_ID: "p-jobjobjob01", AKEYLESS_JWT: "eyJ.job.token" }) });
        await rejects(c.call("get-role", { name: ROLE }), NotFoundError, `Akeyless get-role: not found (HTTP 404): role ${ROLE} not found`);
        assert.deepEqual(server.requests[0], { command: "auth", body: { "access-type": "jwt", "access-id": "p-jobjobjob01", jwt: "<redacted>" } });
        const wrong = client(server, { env: () => ({ AKEYLESS_ACCESS_ID: "p-jobjobjob01", AKEYLESS_JWT: "eyJ.other.token" }) }).c;
        await rejects(wrong.call("get-role", { name: ROLE }), UnauthorizedError, "Akeyless auth: unauthorized (HTTP 401): access denied: wrong access id or credentials");
    });

    it("429 waits Retry-After, 5xx and network failures back off, all a bounded number of times", async () => {
        const { c, sleeps, logs } = client(server);
        await c.call("create-role", { name: ROLE, delete_protection: "false" });
        server.fail("get-role", { status: 429, retryAfter: "2" }, { status: 500 });
        assert.equal((await c.call("get-role", { name: ROLE })).role_name, ROLE);
        assert.deepEqual(sleeps, [2000, 1000]);
        assert.deepEqual(logs, ["Akeyless get-role: HTTP 429, retrying in 2 s (request 2 of 5)", "Akeyless get-role: HTTP 500, retrying in 1 s (request 3 of 5)"]);
        sleeps.length = 0;
        server.fail("get-role", ...Array.from({ length: 5 }, () => ({ status: 429 })));
        await rejects(c.call("get-role", { name: ROLE }), RateLimitedError, "Akeyless get-role: rate limited (HTTP 429): injected 429 (after 5 requests)");
        assert.deepEqual(sleeps, [500, 1000, 2000, 4000]);
        sleeps.length = 0;
        server.fail("get-role", ...Array.from({ length: 5 }, () => ({ status: 503 })));
        await rejects(c.call("get-role", { name: ROLE }), ServerError, "Akeyless get-role: server error (HTTP 503): injected 503 (after 5 requests)");
        assert.deepEqual(sleeps, [500, 1000, 2000, 4000]);
        sleeps.length = 0;
        server.fail("get-role", { status: 429, retryAfter: "120" });
        await rejects(c.call("get-role", { name: ROLE }), RateLimitedError, "Akeyless get-role: rate limited; Retry-After asks for 120 s, more than the 30 s this client waits (HTTP 429): injected 429");
        assert.deepEqual(sleeps, []);
    });

    it("a create whose answer was lost and that was retried reports 409 after 2 requests (the object is probably its own)", async () => {
        const { c } = client(server);
        server.fail("create-role", { status: 502, after: true });
        const error = (await rejects(c.call("create-role", { name: ROLE, delete_protection: "false" }), AlreadyExistsError, `Akeyless create-role: already exists (HTTP 409): role ${ROLE} already exists (after 2 requests)`)) as AlreadyExistsError;
        assert.equal(error.attempts, 2);
    });

    it("no answer at all is a NetworkError after the bounded retries", async () => {
        const url = server.url;
        await server.close();
        const { c, sleeps } = client(server, { apiUrl: url, env: () => ({ AKEYLESS_TOKEN: "t-x" }), attempts: 3 });
        const error = await failure(c.call("get-role", { name: ROLE }));
        assert.ok(error instanceof NetworkError);
        assert.match(error.message, /^Akeyless get-role: no answer: fetch failed \(after 3 requests\)$/);
        assert.deepEqual(sleeps, [500, 1000]);
        server = await fakeAkeyless();
    });

    it("an answer that does not have the documented shape is a ResponseError", async () => {
        const fetchStub: typeof fetch = async () => new Response(JSON.stringify({ name: AM }), { status: 200 });
        const { c } = client(server, { fetch: fetchStub, env: () => ({ AKEYLESS_TOKEN: "t-x" }) });
        await rejects(c.call("auth-method-create-oauth2", amBody()), ResponseError, "Akeyless auth-method-create-oauth2: unexpected answer (HTTP 200): access_id: Invalid input: expected string, received undefined");
        const html: typeof fetch = async () => new Response("<html>", { status: 200 });
        await rejects(client(server, { fetch: html, env: () => ({ AKEYLESS_TOKEN: "t-x" }) }).c.call("get-role", { name: ROLE }), ResponseError, "Akeyless get-role: unreadable answer (HTTP 200): the body is not JSON");
    });

    it("credentials never reach a log line or an error message, even when Akeyless echoes them", async () => {
        const { c, logs } = client(server);
        const token = await c.token();
        server.fail("get-role", { status: 500, error: `token ${token} key ${server.admin.accessKey}` }, { status: 400, error: `token ${token} rejected` });
        const error = await failure(c.call("get-role", { name: ROLE }));
        assert.equal(error.message, "Akeyless get-role: request refused (HTTP 400): token [redacted] rejected (after 2 requests)");
        const text = [...logs, error.message, String(error.stack)].join("\n");
        for (const secret of [token, server.admin.accessKey]) {
            assert.ok(!text.includes(secret));
        }
        const bad = client(server, { env: () => ({ AKEYLESS_ACCESS_ID: server.admin.accessId, AKEYLESS_ACCESS_KEY: "key-wrong-secret" }) }).c;
        const refused = await failure(bad.call("get-role", { name: ROLE }));
        assert.ok(!refused.message.includes("key-wrong-secret"));
    });

    it("credentials come from the environment: a token alone, or an access id with one key or one ID token", () => {
        const how = "set AKEYLESS_TOKEN alone, or AKEYLESS_ACCESS_ID with AKEYLESS_ACCESS_KEY or with AKEYLESS_JWT";
        assert.deepEqual(credentialsFrom({ AKEYLESS_TOKEN: "t-1", AKEYLESS_ACCESS_ID: "p-1" }), { kind: "token", token: "t-1" });
        assert.deepEqual(credentialsFrom({ AKEYLESS_ACCESS_ID: "p-1", AKEYLESS_ACCESS_KEY: "k" }), { kind: "access_key", accessId: "p-1", accessKey: "k" });
        assert.deepEqual(credentialsFrom({ AKEYLESS_ACCESS_ID: "p-1", AKEYLESS_JWT: "j", AKEYLESS_ACCESS_KEY: "" }), { kind: "jwt", accessId: "p-1", jwt: "j" });
        const cases: [Record<string, string>, string][] = [
            [{}, `Akeyless credentials are missing or ambiguous (set: none); ${how}`],
            [{ AKEYLESS_ACCESS_KEY: "k" }, `Akeyless credentials are missing or ambiguous (set: AKEYLESS_ACCESS_KEY); ${how}`],
            [{ AKEYLESS_ACCESS_ID: "p-1" }, `Akeyless credentials are missing or ambiguous (set: AKEYLESS_ACCESS_ID); ${how}`],
            [{ AKEYLESS_ACCESS_ID: "p-1", AKEYLESS_ACCESS_KEY: "k", AKEYLESS_JWT: "j" }, `Akeyless credentials are missing or ambiguous (set: AKEYLESS_ACCESS_ID, AKEYLESS_ACCESS_KEY, AKEYLESS_JWT); ${how}`],
            [{ AKEYLESS_TOKEN: "t", AKEYLESS_JWT: "j" }, `Akeyless credentials are ambiguous: AKEYLESS_TOKEN, AKEYLESS_JWT are set; ${how}`],
        ];
        for (const [env, message] of cases) {
            assert.throws(() => credentialsFrom(env), (e: unknown) => e instanceof CredentialsError && e.message === message);
        }
    });

    it("the API URL is https, or http on the loopback interface only", () => {
        for (const ok of ["https://api.akeyless.io", "https://gw.example.com:8000/api/v2", "http://127.0.0.1:8080", "http://localhost:8000/api/v2", "http://[::1]:1"]) {
            assert.equal(apiUrlProblem(ok), undefined, ok);
        }
        assert.equal(
            apiUrlProblem("http://10.0.0.1:8080"),
            'must use https (got "http://10.0.0.1:8080"): every request carries the admin token, so only TLS (or the loopback interface) is allowed',
        );
        assert.equal(apiUrlProblem("https://api.akeyless.io/"), 'must not end with "/" (got "https://api.akeyless.io/"); write "https://api.akeyless.io": commands are sent to <url>/<command>');
        assert.equal(apiUrlProblem("http://127.0.0.1:8080/"), 'must use https (got "http://127.0.0.1:8080/"): every request carries the admin token, so only TLS (or the loopback interface) is allowed');
        assert.throws(() => new AkeylessClient({ apiUrl: "http://gw:8080/v2" }), /^Error: Akeyless API URL must use https/);
    });

    it("Retry-After: delta seconds or an HTTP date; backoff doubles up to 8 s", () => {
        assert.equal(retryAfterMs("3"), 3000);
        assert.equal(retryAfterMs(" 0 "), 0);
        assert.equal(retryAfterMs("Wed, 21 Oct 2015 07:28:10 GMT", Date.parse("Wed, 21 Oct 2015 07:28:00 GMT")), 10_000);
        assert.equal(retryAfterMs("Wed, 21 Oct 2015 07:28:00 GMT", Date.parse("Wed, 21 Oct 2015 07:28:10 GMT")), 0);
        assert.equal(retryAfterMs("soon"), undefined);
        assert.equal(retryAfterMs(null), undefined);
        assert.deepEqual([1, 2, 3, 4, 5, 6].map(backoffMs), [500, 1000, 2000, 4000, 8000, 8000]);
    });
});

/**
 * The Akeyless dynamic providers end to end against the loopback fake: create, read (also with
 * nothing but the id, as a `get` or an import would), update (changed rules, changed sub-claims),
 * delete; adoption; account restrictions; transactional creates; bounded retries; and preview
 * safety: check and diff make no request at all.
 */
import { strict as assert } from "node:assert";
import { AkeylessClient, forgetLogins } from "../../../components/akeyless/client";
import { PROVIDERS } from "../../../components/akeyless/provider";
import { UNKNOWN, implementations } from "../../../components/akeyless/resources";
import { FakeAkeyless, fakeAkeyless } from "./server";

const AM = "/gitlab-federation/test/gitlab";
const ROLE = "/gitlab-federation/test/projects/platform/api/deploy";

type Props = Record<string, unknown>;

describe("Akeyless dynamic providers (components/akeyless/provider.ts, resources.ts)", () => {
    let server: FakeAkeyless;
    let sleeps: number[];
    let impl: ReturnType<typeof implementations>;

    const authMethodInputs = (extra: Props = {}): Props => ({
        apiUrl: server.url,
        name: AM,
        jwksUri: "https://gitlab.example.com/oauth/discovery/keys",
        issuer: "https://gitlab.example.com",
        audience: "https://akeyless.example.com",
        uniqueIdentifier: "project_id",
        jwtTtl: 15,
        ...extra,
    });
    const roleInputs = (extra: Props = {}): Props => ({
        apiUrl: server.url,
        name: ROLE,
        rules: [
            { path: "/secrets/platform/api/*", capabilities: ["read", "list"] },
            { ruleType: "target-rule", path: "/targets/platform/db", capabilities: ["read"] },
        ],
        ...extra,
    });
    const associationInputs = (extra: Props = {}): Props => ({
        apiUrl: server.url,
        roleName: ROLE,
        authMethodName: AM,
        subClaims: { project_id: ["42"], ref: ["main"], ref_type: ["branch"], ref_protected: ["true"] },
        ...extra,
    });

    /** check, as the engine calls it first, then the method. */
    async function checked(kind: keyof typeof impl, news: Props): Promise<Props> {
        const { inputs, failures } = await impl[kind].check({}, news);
        assert.deepEqual(failures, []);
        return inputs as Props;
    }
    async function create(kind: keyof typeof impl, news: Props) {
        return impl[kind].create(await checked(kind, news));
    }

    beforeEach(async () => {
        forgetLogins();
        server = await fakeAkeyless();
        sleeps = [];
        const env = { AKEYLESS_ACCESS_ID: server.admin.accessId, AKEYLESS_ACCESS_KEY: server.admin.accessKey };
        impl = implementations((apiUrl) => new AkeylessClient({ apiUrl, env: () => env, sleep: async (ms) => void sleeps.push(ms) }));
    });
    afterEach(async () => {
        assert.deepEqual(server.violations, []);
        await server.close();
    });

    describe("the OAuth2/JWT auth method", () => {
        it("create forces sub-claims, splits on commas only, protects from deletion; read returns the same state, also from the id alone", async () => {
            const { id, outs } = await create("authMethod", authMethodInputs());
            const accessId = server.authMethods.get(AM)!.accessId;
            const inputs = { ...authMethodInputs(), adopt: false, boundIps: [], description: "", deleteProtection: true };
            assert.equal(id, AM);
            assert.deepEqual(outs, { ...inputs, accessId, forceSubClaims: true, subClaimsDelimiters: [] });
            assert.deepEqual(server.authMethods.get(AM), {
                name: AM,
                accessId,
                uniqueIdentifier: "project_id",
                jwksUri: "https://gitlab.example.com/oauth/discovery/keys",
                issuer: "https://gitlab.example.com",
                audience: "https://akeyless.example.com",
                forceSubClaims: true,
                jwtTtl: 15,
                boundIps: [],
                delimiters: [],
                description: "",
                deleteProtection: true,
            });
            assert.deepEqual(await impl.authMethod.read(id, outs), { id, props: outs, inputs });
            assert.deepEqual(await impl.authMethod.read(id, { apiUrl: server.url }), { id, props: outs, inputs });
            assert.deepEqual(server.commands(), ["auth", "auth-method-get", "auth-method-create-oauth2", "auth-method-get", "auth-method-get", "auth-method-get"]);
        });

        it("update sends the whole object; a protected auth method is deleted only after protection is turned off", async () => {
            const { id, outs } = await create("authMethod", authMethodInputs());
            const news = await checked("authMethod", authMethodInputs({ jwtTtl: 30, boundIps: ["10.0.0.0/8", "10.0.0.0/8", "192.168.0.0/16"] }));
            assert.deepEqual(await impl.authMethod.diff(id, outs, news), { changes: true, replaces: [], deleteBeforeReplace: false });
            const updated = (await impl.authMethod.update(id, outs, news)).outs;
            assert.deepEqual([updated.jwtTtl, updated.boundIps, updated.accessId], [30, ["10.0.0.0/8", "192.168.0.0/16"], outs.accessId]);
            const error = await impl.authMethod.delete(id, updated).then(
                () => assert.fail("deleted"),
                (e: Error) => e.message,
            );
            assert.equal(
                error,
                `Akeyless auth-method-delete: request refused (HTTP 400): auth method ${AM} is protected from deletion (the auth method has delete protection: set deleteProtection to false and run pulumi up before deleting it)`,
            );
            const unprotected = (await impl.authMethod.update(id, updated, await checked("authMethod", authMethodInputs({ deleteProtection: false })))).outs;
            await impl.authMethod.delete(id, unprotected);
            await impl.authMethod.delete(id, unprotected);
            assert.equal(server.authMethods.size, 0);
            assert.deepEqual(await impl.authMethod.read(id, unprotected), {});
        });

        it("an existing auth method is refused, or adopted (keeping its access id) when adopt is set", async () => {
            const { outs } = await create("authMethod", authMethodInputs({ audience: "other" }));
            const refused = await create("authMethod", authMethodInputs()).then(
                () => assert.fail("created"),
                (e: Error) => e.message,
            );
            assert.equal(
                refused,
                `Akeyless auth method ${AM} already exists; gitlab-federation does not take over an existing object silently: set adopt to true for this resource to manage it as planned, or delete it in Akeyless`,
            );
            const adopted = await create("authMethod", authMethodInputs({ adopt: true }));
            assert.deepEqual([adopted.outs.audience, adopted.outs.accessId, adopted.outs.adopt], ["https://akeyless.example.com", outs.accessId, true]);
        });

        it("settings that would widen access must read back as written: forced sub-claims, no extra delimiters", async () => {
            await create("authMethod", authMethodInputs());
            const am = server.authMethods.get(AM)!;
            am.delimiters = ["/"];
            am.forceSubClaims = false;
            server.ignoreAuthMethodFields.add("subclaims-delimiters").add("force-sub-claims");
            const stale = (await impl.authMethod.read(AM, { apiUrl: server.url })).props!;
            const news = await checked("authMethod", authMethodInputs());
            assert.deepEqual(await impl.authMethod.diff(AM, stale, news), { changes: true, replaces: [], deleteBeforeReplace: false });
            const error = await impl.authMethod.update(AM, stale, news).then(
                () => assert.fail("updated"),
                (e: Error) => e.message,
            );
            assert.equal(
                error,
                `Akeyless auth method ${AM} still has force-sub-claims false and extra sub-claim delimiters ["/"] after the update; gitlab-federation needs force-sub-claims true and no extra delimiters (values would be split, widening access): fix them in Akeyless`,
            );
        });

        it("check refuses what Akeyless or GitLab would read differently, one line per field", async () => {
            const { failures } = await impl.authMethod.check({}, authMethodInputs({ name: "gitlab", apiUrl: "http://akeyless.example.com", jwtTtl: 0, issuer: "https://gitlab.example.com/", audience: "a,b" }));
            assert.deepEqual(failures, [
                { property: "apiUrl", reason: 'apiUrl: must use https (got "http://akeyless.example.com"): every request carries the admin token, so only TLS (or the loopback interface) is allowed' },
                { property: "name", reason: 'name: must be an Akeyless path such as "/gitlab-federation/dev/gitlab": "/" then segments of letters, digits, "_", "-" and "."' },
                { property: "issuer", reason: 'issuer: must not end with "/" (got "https://gitlab.example.com/"); write "https://gitlab.example.com": it must equal the ID tokens\' iss' },
                { property: "audience", reason: 'audience: must be one non-empty audience without spaces, commas or control characters (got "a,b"); it is compared byte for byte with the aud the job requests in id_tokens' },
                { property: "jwtTtl", reason: "jwtTtl: Too small: expected number to be >=1" },
            ]);
        });
    });

    describe("the access role", () => {
        it("create sets the rules; update deletes changed and removed rules first, then sets; delete removes it", async () => {
            const { id, outs } = await create("role", roleInputs());
            const rules = [
                { ruleType: "item-rule", path: "/secrets/platform/api/*", capabilities: ["list", "read"] },
                { ruleType: "target-rule", path: "/targets/platform/db", capabilities: ["read"] },
            ];
            assert.deepEqual(outs, { apiUrl: server.url, adopt: false, name: ROLE, rules, deleteProtection: false, restrictedRules: [], otherRules: [], admin: false, associations: [] });
            assert.deepEqual(await impl.role.read(id, { apiUrl: server.url }), { id, props: outs, inputs: { apiUrl: server.url, adopt: false, name: ROLE, rules, deleteProtection: false } });
            const news = await checked(
                "role",
                roleInputs({
                    rules: [
                        { path: "/secrets/platform/api/*", capabilities: ["read"] },
                        { path: "/secrets/platform/shared/*", capabilities: ["list", "read", "read"] },
                    ],
                }),
            );
            assert.deepEqual(await impl.role.diff(id, outs, news), { changes: true, replaces: [], deleteBeforeReplace: false });
            const before = server.requests.length;
            const updated = (await impl.role.update(id, outs, news)).outs;
            assert.deepEqual(
                server.requests.slice(before).map((r) => [r.command, r.body.path ?? r.body.name]),
                [
                    ["get-role", ROLE],
                    ["delete-role-rule", "/secrets/platform/api/*"],
                    ["delete-role-rule", "/targets/platform/db"],
                    ["set-role-rule", "/secrets/platform/api/*"],
                    ["set-role-rule", "/secrets/platform/shared/*"],
                    ["get-role", ROLE],
                    ["get-role", ROLE],
                ],
            );
            assert.deepEqual(server.roles.get(ROLE)!.rules, [
                { type: "item-rule", path: "/secrets/platform/api/*", capabilities: ["read"] },
                { type: "item-rule", path: "/secrets/platform/shared/*", capabilities: ["list", "read"] },
            ]);
            assert.deepEqual(await impl.role.diff(id, updated, news), { changes: false, replaces: [], deleteBeforeReplace: false });
            await impl.role.delete(id, updated);
            assert.equal(server.roles.size, 0);
            assert.deepEqual(await impl.role.read(id, updated), {});
        });

        it("rules the account put on a new role are restrictions: kept, never changed, and a rule at their path is refused", async () => {
            server.accountRules = [{ type: "item-rule", path: "/restricted/*", capabilities: ["deny"] }];
            const { id, outs } = await create("role", roleInputs());
            assert.deepEqual(outs.restrictedRules, [{ ruleType: "item-rule", path: "/restricted/*", capabilities: ["deny"] }]);
            const updated = (await impl.role.update(id, outs, await checked("role", roleInputs({ rules: [] })))).outs;
            assert.deepEqual(server.roles.get(ROLE)!.rules, [{ type: "item-rule", path: "/restricted/*", capabilities: ["deny"] }]);
            assert.deepEqual([updated.rules, updated.restrictedRules], [[], outs.restrictedRules]);
            await impl.role.delete(id, updated);
            const clash = await create("role", roleInputs({ rules: [{ path: "/restricted/*", capabilities: ["read"] }] })).then(
                () => assert.fail("created"),
                (e: Error) => e.message,
            );
            assert.equal(
                clash,
                `Akeyless role ${ROLE} holds a rule gitlab-federation did not write at item-rule /restricted/* (an account restriction, usually a deny rule), which it never changes; it cannot also give read there: choose another path`,
            );
            assert.equal(server.roles.size, 0, "the failed create deleted the role it made");
        });

        it("create is transactional: a failing rule deletes the new role; a retried 5xx still succeeds", async () => {
            server.fail("set-role-rule", { status: 500 }, { status: 403, error: "not allowed on /targets" });
            const error = await create("role", roleInputs()).then(
                () => assert.fail("created"),
                (e: Error) => e.message,
            );
            assert.equal(error, "Akeyless set-role-rule: forbidden (HTTP 403): not allowed on /targets (after 2 requests)");
            assert.deepEqual([server.roles.size, sleeps], [0, [500]]);
            await create("role", roleInputs());
            assert.equal(server.roles.get(ROLE)!.rules.length, 2);
        });

        it("an existing role is adopted only with adopt: its allow rules the plan lacks go, its deny rules stay", async () => {
            server.roles.set(ROLE, {
                name: ROLE,
                deleteProtection: false,
                rules: [
                    { type: "item-rule", path: "/everything/*", capabilities: ["read"] },
                    { type: "item-rule", path: "/secrets/platform/api/private/*", capabilities: ["deny"] },
                ],
            });
            const refused = await create("role", roleInputs()).then(
                () => assert.fail("created"),
                (e: Error) => e.message,
            );
            assert.match(refused, /^Akeyless role \/gitlab-federation\/test\/projects\/platform\/api\/deploy already exists; /);
            const { outs } = await create("role", roleInputs({ adopt: true }));
            assert.deepEqual(
                server.roles.get(ROLE)!.rules.map((r) => r.path),
                ["/secrets/platform/api/private/*", "/secrets/platform/api/*", "/targets/platform/db"],
            );
            assert.deepEqual(outs.restrictedRules, [{ ruleType: "item-rule", path: "/secrets/platform/api/private/*", capabilities: ["deny"] }]);
        });

        it("check refuses role and auth-method rules, templated paths and duplicate rules", async () => {
            const { failures } = await impl.role.check(
                {},
                roleInputs({
                    rules: [
                        { ruleType: "role-rule", path: "/*", capabilities: ["read"] },
                        { path: "/secrets/{{project_id}}/*", capabilities: ["read"] },
                    ],
                }),
            );
            assert.deepEqual(failures, [
                { property: "rules", reason: 'rules.0.ruleType: Invalid option: expected one of "item-rule"|"target-rule"' },
                { property: "rules", reason: 'rules.1.path: must start with "/" and hold no white space and no "{{claim}}" templates' },
            ]);
            const twice = await impl.role.check({}, roleInputs({ rules: [{ path: "/a/*", capabilities: ["read"] }, { path: "/a/*", capabilities: ["list"] }] }));
            assert.deepEqual(twice.failures, [{ property: "rules", reason: "rules: lists the rule item-rule /a/* twice; Akeyless keeps one rule per type and path, so merge their capabilities" }]);
        });
    });

    describe("the association", () => {
        async function prepare(): Promise<void> {
            await create("authMethod", authMethodInputs({ deleteProtection: false }));
            await create("role", roleInputs());
        }

        it("create binds the sub-claims case-sensitively; update changes them in place; delete removes it", async () => {
            await prepare();
            const { id, outs } = await create("association", associationInputs());
            const subClaims = { project_id: ["42"], ref: ["main"], ref_protected: ["true"], ref_type: ["branch"] };
            assert.deepEqual(outs, { apiUrl: server.url, adopt: false, roleName: ROLE, authMethodName: AM, subClaims, assocId: id, caseSensitive: true, withOperators: false });
            assert.deepEqual(server.associations.get(id), { id, role: ROLE, authMethod: AM, subClaims, caseSensitive: true });
            assert.deepEqual(server.requests.find((r) => r.command === "assoc-role-am")!.body, {
                "role-name": ROLE,
                "am-name": AM,
                "sub-claims": { project_id: "42", ref: "main", ref_protected: "true", ref_type: "branch" },
                "case-sensitive": "true",
                token: "<redacted>",
            });
            assert.deepEqual(await impl.association.read(id, { apiUrl: server.url }), { id, props: outs, inputs: { apiUrl: server.url, adopt: false, roleName: ROLE, authMethodName: AM, subClaims } });
            const news = await checked("association", associationInputs({ subClaims: { project_id: ["42"], ref: ["release/*", "main"], environment: ["production"] } }));
            assert.deepEqual(await impl.association.diff(id, outs, news), { changes: true, replaces: [], deleteBeforeReplace: false });
            const updated = (await impl.association.update(id, outs, news)).outs;
            assert.deepEqual(server.associations.get(id)!.subClaims, { environment: ["production"], project_id: ["42"], ref: ["main", "release/*"] });
            assert.deepEqual(updated.subClaims, { environment: ["production"], project_id: ["42"], ref: ["main", "release/*"] });
            await impl.association.delete(id, updated);
            await impl.association.delete(id, updated);
            assert.equal(server.associations.size, 0);
        });

        it("an existing association of the role with the auth method is refused, or adopted with adopt", async () => {
            await prepare();
            const first = await create("association", associationInputs({ subClaims: { project_id: ["42"] } }));
            const refused = await create("association", associationInputs()).then(
                () => assert.fail("created"),
                (e: Error) => e.message,
            );
            assert.equal(
                refused,
                `Akeyless role ${ROLE} already has association ${first.id} with auth method ${AM}, which would grant the role beside this one; set adopt to true to take it over, or delete it in Akeyless`,
            );
            const adopted = await create("association", associationInputs({ adopt: true }));
            assert.equal(adopted.id, first.id);
            assert.deepEqual(server.associations.get(first.id)!.subClaims, { project_id: ["42"], ref: ["main"], ref_protected: ["true"], ref_type: ["branch"] });
        });

        it("a role or auth method change replaces (create first: a new pair); a case-insensitive association is drift", async () => {
            const olds = { ...associationInputs(), adopt: false, assocId: "ass-1", caseSensitive: true, withOperators: false };
            const news = await checked("association", associationInputs({ roleName: `${ROLE}2` }));
            assert.deepEqual(await impl.association.diff("ass-1", olds, news), { changes: true, replaces: ["roleName"], deleteBeforeReplace: false });
            const same = await checked("association", associationInputs());
            assert.deepEqual(await impl.association.diff("ass-1", { ...olds, subClaims: same.subClaims }, same), { changes: false, replaces: [], deleteBeforeReplace: false });
            assert.deepEqual(await impl.association.diff("ass-1", { ...olds, subClaims: same.subClaims, caseSensitive: false }, same), { changes: true, replaces: [], deleteBeforeReplace: false });
        });

        it("in a preview, a role name not known yet stays unknown, the rest is checked and normalised, and diff replaces", async () => {
            const { inputs, failures } = await impl.association.check({}, associationInputs({ roleName: UNKNOWN, subClaims: { ref: ["main", "dev", "main"] } }));
            assert.deepEqual(failures, []);
            assert.deepEqual(inputs, { apiUrl: server.url, adopt: false, roleName: UNKNOWN, authMethodName: AM, subClaims: { ref: ["dev", "main"] } });
            const olds = { ...associationInputs({ subClaims: { ref: ["dev", "main"] } }), adopt: false, assocId: "ass-1", caseSensitive: true, withOperators: false };
            assert.deepEqual(await impl.association.diff("ass-1", olds, inputs), { changes: true, replaces: ["roleName"], deleteBeforeReplace: false });
            const bad = await impl.association.check({}, associationInputs({ roleName: UNKNOWN, subClaims: { ref: ["a,b"] } }));
            assert.deepEqual(bad.failures.map((f) => f.property), ["subClaims"]);
            assert.deepEqual(server.requests, []);
        });

        it("check refuses values Akeyless would split or read as operators, and an empty binding", async () => {
            const { failures } = await impl.association.check({}, associationInputs({ subClaims: { ref: ["a,b", "`AND`", " main"], Project: ["1"] } }));
            assert.deepEqual(failures, [
                { property: "subClaims", reason: 'subClaims.ref.0: cannot be sent as one Akeyless sub-claim value (got "a,b"): it must be non-empty, without ",", backticks, control characters or surrounding white space' },
                { property: "subClaims", reason: 'subClaims.ref.1: cannot be sent as one Akeyless sub-claim value (got "`AND`"): it must be non-empty, without ",", backticks, control characters or surrounding white space' },
                { property: "subClaims", reason: 'subClaims.ref.2: cannot be sent as one Akeyless sub-claim value (got " main"): it must be non-empty, without ",", backticks, control characters or surrounding white space' },
                { property: "subClaims", reason: "subClaims.Project: must be a claim name such as project_id" },
            ]);
            assert.deepEqual((await impl.association.check({}, associationInputs({ subClaims: {} }))).failures, [
                { property: "subClaims", reason: "subClaims: must bind at least one claim (the auth method forces sub-claims)" },
            ]);
        });
    });

    describe("diff", () => {
        it("a rename replaces create-first (the new name meets nothing); an unknown name in a preview replaces", async () => {
            const { id, outs } = await create("authMethod", authMethodInputs());
            const renamed = await checked("authMethod", authMethodInputs({ name: `${AM}-2` }));
            assert.deepEqual(await impl.authMethod.diff(id, outs, renamed), { changes: true, replaces: ["name"], deleteBeforeReplace: false });
            const unknown = await impl.authMethod.check({}, authMethodInputs({ name: UNKNOWN }));
            assert.deepEqual(unknown.failures, []);
            assert.deepEqual(await impl.authMethod.diff(id, outs, unknown.inputs), { changes: true, replaces: ["name"], deleteBeforeReplace: false });
            assert.deepEqual(await impl.authMethod.diff(id, outs, await checked("authMethod", authMethodInputs())), { changes: false, replaces: [], deleteBeforeReplace: false });
        });
    });

    describe("through the providers Pulumi serializes (PROVIDERS)", () => {
        const saved = { ...process.env };
        beforeEach(() => {
            process.env.AKEYLESS_ACCESS_ID = server.admin.accessId;
            process.env.AKEYLESS_ACCESS_KEY = server.admin.accessKey;
        });
        afterEach(() => {
            for (const name of ["AKEYLESS_ACCESS_ID", "AKEYLESS_ACCESS_KEY", "AKEYLESS_TOKEN", "AKEYLESS_JWT"]) {
                if (saved[name] === undefined) {
                    delete process.env[name];
                } else {
                    process.env[name] = saved[name];
                }
            }
        });

        it("a preview (check, diff) makes no request; create, read, update, delete work end to end", async () => {
            const am = await PROVIDERS.authMethod.check({}, authMethodInputs({ deleteProtection: false }));
            const role = await PROVIDERS.role.check({}, roleInputs());
            const association = await PROVIDERS.association.check({}, associationInputs());
            await PROVIDERS.authMethod.diff(AM, { ...am.inputs, accessId: "p-1", forceSubClaims: true, subClaimsDelimiters: [] }, am.inputs);
            await PROVIDERS.role.diff(ROLE, role.inputs, role.inputs);
            await PROVIDERS.association.diff("ass-1", association.inputs, association.inputs);
            assert.deepEqual([am.failures, role.failures, association.failures, server.requests], [[], [], [], []]);

            const created = [await PROVIDERS.authMethod.create(am.inputs), await PROVIDERS.role.create(role.inputs), await PROVIDERS.association.create(association.inputs)];
            assert.deepEqual(
                created.map((c) => c.id),
                [AM, ROLE, [...server.associations.keys()][0]],
            );
            const [, , assoc] = created;
            const changed = await PROVIDERS.association.check(assoc!.outs, associationInputs({ subClaims: { project_id: ["42"] } }));
            const before = server.requests.length;
            assert.deepEqual(await PROVIDERS.association.diff(assoc!.id, assoc!.outs, changed.inputs), { changes: true, replaces: [], deleteBeforeReplace: false });
            assert.equal(server.requests.length, before, "diff made no request");
            await PROVIDERS.association.update(assoc!.id, assoc!.outs, changed.inputs);
            assert.deepEqual(server.associations.get(assoc!.id)!.subClaims, { project_id: ["42"] });
            assert.deepEqual((await PROVIDERS.role.read(ROLE, created[1]!.outs)).props?.associations, [{ assocId: assoc!.id, authMethodName: AM }]);
            for (const [kind, c] of [["association", created[2]!], ["role", created[1]!], ["authMethod", created[0]!]] as const) {
                await PROVIDERS[kind].delete(c.id, c.outs);
            }
            assert.deepEqual([server.authMethods.size, server.roles.size, server.associations.size], [0, 0, 0]);
        });
    });
});

import { strict as assert } from "node:assert";
import { MapValidationError, checkMap, planMap } from "../../src/features";
import { problems, warnings } from "../helpers/check";
import { AWS, GCP, GITLAB, VAULT, clone, map, oneGrant } from "../helpers/maps";

const DEPLOY = { ref: "main", vault: { read: ["platform/api/production"] } };

describe("validation of the project map", () => {
    it("accepts a minimal map and plans it", () => {
        const result = checkMap(oneGrant(DEPLOY));
        assert.deepEqual(result.problems, []);
        assert.ok(result.plan);
        assert.equal(result.plan.grants.length, 1);
    });

    describe("project ids", () => {
        it("a missing id", () => {
            assert.deepEqual(problems(map({ "platform/api": { grants: { deploy: DEPLOY } } })), [
                'gitlab-federation:projects["platform/api"].id: is required but missing. The numeric GitLab project ID (Settings > General), e.g. 42: the binding that survives renames.',
            ]);
        });

        it("a non-numeric id", () => {
            assert.deepEqual(problems(oneGrant(DEPLOY, { id: "api" })), ['gitlab-federation:projects["platform/api"].id: must be the numeric GitLab project ID (Settings > General), e.g. 42, got "api"']);
        });

        it("0 fails, 1 passes; digit strings are accepted", () => {
            assert.deepEqual(problems(oneGrant(DEPLOY, { id: 0 })), [
                'gitlab-federation:projects["platform/api"].id: must be more than 0, got 0. The numeric GitLab project ID (Settings > General), e.g. 42: the binding that survives renames.',
            ]);
            assert.deepEqual(problems(oneGrant(DEPLOY, { id: 1 })), []);
            assert.deepEqual(problems(oneGrant(DEPLOY, { id: "42" })), []);
            assert.equal(planMap(oneGrant(DEPLOY, { id: "42" })).grants[0]!.projectId, "42");
        });

        it("the same id under two keys", () => {
            const raw = map({ "platform/api": { id: 42, grants: { deploy: DEPLOY } }, "platform/api2": { id: 42, grants: { deploy: { ref: "main", vault: { read: ["platform/api2"] } } } } });
            assert.deepEqual(problems(raw), [
                'gitlab-federation:projects["platform/api2"].id: project id 42 is also the id of "platform/api": one GitLab project has one id; check both ids in GitLab (Settings > General) and keep each project under one key',
            ]);
        });
    });

    describe("unknown fields (typos)", () => {
        it("in a grant, with a suggestion", () => {
            assert.deepEqual(problems(oneGrant({ ...DEPLOY, protectd: false })), [
                'gitlab-federation:projects["platform/api"].grants.deploy.protectd: unknown field "protectd" (did you mean "protected"?); allowed here: description, ref, refType, protected, environment, environmentProtected, renamedFrom, vault, aws, gcp, akeyless, azure. Remove it or correct the name',
            ]);
        });

        it("in a section and at the top level", () => {
            const raw = { ...map({ "platform/api": { id: 42, grants: { deploy: DEPLOY } } }, { vault: { ...VAULT, tokenTTL: "5m" } }), projcts: {} };
            assert.deepEqual(problems(raw), [
                'gitlab-federation:projcts: unknown config key "gitlab-federation:projcts" (did you mean "gitlab-federation:projects"?); allowed here: gitlab-federation:gitlab, gitlab-federation:vault, gitlab-federation:aws, gitlab-federation:gcp, gitlab-federation:akeyless, gitlab-federation:azure, gitlab-federation:deployer, gitlab-federation:sharding, gitlab-federation:projects. Remove it or correct the name',
                'gitlab-federation:vault.tokenTTL: unknown field "tokenTTL" (did you mean "tokenTtl"?); allowed here: authPath, audience, namespace, serverUrl, kvMount, description, audit, tokenTtl, tokenMaxTtl, ttlCap, tokenType, tokenBoundCidrs, protect, defaultPolicy, adopt, auditManagedElsewhere. Remove it or correct the name',
            ]);
        });

        it("without a close match, no suggestion", () => {
            assert.deepEqual(problems(oneGrant({ ...DEPLOY, vault: { read: ["platform/api"], folders: ["x"] } })), [
                'gitlab-federation:projects["platform/api"].grants.deploy.vault.folders: unknown field "folders"; allowed here: read, write, kv, engines, allowWrite, roleName, tokenTtl, tokenMaxTtl, tokenType, tokenBoundCidrs, allowUnprotectedOverlap, allowOutsideProject. Remove it or correct the name',
            ]);
        });
    });

    it("refType must be branch or tag", () => {
        assert.deepEqual(problems(oneGrant({ ...DEPLOY, refType: "branches" })), [
            'gitlab-federation:projects["platform/api"].grants.deploy.refType: must be one of "branch", "tag", got "branches". Whether ref names branches or tags. Default: branch.',
        ]);
    });

    it("a wrong type says what was expected", () => {
        assert.deepEqual(problems(oneGrant({ ...DEPLOY, protected: "yes" })), [
            'gitlab-federation:projects["platform/api"].grants.deploy.protected: must be true or false, got "yes". Require a protected branch or tag (ref_protected). Default true; false lets any push to a matching ref through.',
        ]);
        assert.deepEqual(problems(oneGrant({ ...DEPLOY, ref: 5 })), [
            'gitlab-federation:projects["platform/api"].grants.deploy.ref: must be a string or a list, got 5. Branch or tag name, or a pattern where * matches any characters (e.g. release/*), or a list of them. "*" means any ref.',
        ]);
        assert.deepEqual(problems(oneGrant({ ...DEPLOY, ref: [] })), [
            'gitlab-federation:projects["platform/api"].grants.deploy.ref: must list at least 1 entry, got 0. Branch or tag name, or a pattern where * matches any characters (e.g. release/*), or a list of them. "*" means any ref.',
        ]);
        assert.deepEqual(problems(oneGrant({ vault: { read: ["platform/api"] } })), [
            'gitlab-federation:projects["platform/api"].grants.deploy.ref: is required but missing. Branch or tag name, or a pattern where * matches any characters (e.g. release/*), or a list of them. "*" means any ref.',
        ]);
    });

    it("a ref listed twice", () => {
        assert.deepEqual(problems(oneGrant({ ...DEPLOY, ref: ["main", "main"] })), ['gitlab-federation:projects["platform/api"].grants.deploy.ref: lists "main" more than once; list each ref once']);
    });

    describe("TTLs", () => {
        const ttl = (vault: Record<string, unknown>, grantVault: Record<string, unknown> = {}) =>
            problems(oneGrant({ ref: "main", vault: { read: ["platform/api"], ...grantVault } }, { sections: { vault: { ...VAULT, ...vault } } }));

        it("unparsable", () => {
            assert.deepEqual(ttl({ tokenTtl: "5 minutes" }), ['gitlab-federation:vault.tokenTtl: must be a duration such as 5m, 1h, 90s or 1h30m (or a whole number of seconds), got "5 minutes"']);
        });

        it("ttl above max", () => {
            assert.deepEqual(ttl({ tokenTtl: "20m", tokenMaxTtl: "10m" }), [
                "gitlab-federation:vault.tokenTtl: tokenTtl 20m is longer than tokenMaxTtl 10m: Vault refuses a role whose token_ttl exceeds token_max_ttl; make tokenTtl at most tokenMaxTtl",
            ]);
            assert.deepEqual(ttl({}, { tokenTtl: "11m" }), [
                'gitlab-federation:projects["platform/api"].grants.deploy.vault.tokenTtl: tokenTtl 11m is longer than tokenMaxTtl 10m: Vault refuses a role whose token_ttl exceeds token_max_ttl; make tokenTtl at most tokenMaxTtl',
            ]);
            assert.deepEqual(ttl({}, { tokenMaxTtl: "4m" }), [
                'gitlab-federation:projects["platform/api"].grants.deploy.vault.tokenMaxTtl: tokenTtl 5m is longer than tokenMaxTtl 4m: Vault refuses a role whose token_ttl exceeds token_max_ttl; make tokenTtl at most tokenMaxTtl',
            ]);
            assert.deepEqual(ttl({}, { tokenTtl: "10m" }), []);
        });

        it("the cap: at the cap passes, one second over fails", () => {
            assert.deepEqual(ttl({ tokenMaxTtl: "1h" }), []);
            assert.deepEqual(ttl({ tokenMaxTtl: "1h0m1s" }), ["gitlab-federation:vault.tokenMaxTtl: 1h1s is above the guardrail vault.ttlCap (1h): shorten it, or raise vault.ttlCap if jobs really need longer tokens"]);
            assert.deepEqual(ttl({}, { tokenMaxTtl: "3601" }), [
                'gitlab-federation:projects["platform/api"].grants.deploy.vault.tokenMaxTtl: 1h1s is above the guardrail vault.ttlCap (1h): shorten it, or raise vault.ttlCap if jobs really need longer tokens',
            ]);
            assert.deepEqual(ttl({ ttlCap: "2h" }, { tokenMaxTtl: "2h" }), []);
        });

        it("zero is refused (Vault reads 0 as the mount default)", () => {
            assert.deepEqual(ttl({}, { tokenTtl: "0s" }), [
                'gitlab-federation:projects["platform/api"].grants.deploy.vault.tokenTtl: must be longer than 0s, got "0s": Vault reads 0 as "use the mount default" (32 days unless tuned). Set a short duration such as 5m',
            ]);
            assert.deepEqual(ttl({ ttlCap: 0 }), ["gitlab-federation:vault.tokenMaxTtl: 10m is above the guardrail vault.ttlCap (0s): shorten it, or raise vault.ttlCap if jobs really need longer tokens", "gitlab-federation:vault.tokenTtl: 5m is above the guardrail vault.ttlCap (0s): shorten it, or raise vault.ttlCap if jobs really need longer tokens", "gitlab-federation:vault.ttlCap: must be longer than 0s: it caps every grant's token TTLs, e.g. 1h"]);
        });
    });

    describe("the GitLab URL", () => {
        const url = (value: string) => problems({ ...oneGrant(DEPLOY), gitlab: { url: value } });
        it("must be https without a trailing slash", () => {
            assert.deepEqual(url("http://gitlab.example.com"), ['gitlab-federation:gitlab.url: must use https (got "http://gitlab.example.com"): GitLab\'s issuer and key endpoints are only trusted over TLS']);
            assert.deepEqual(url("https://gitlab.example.com/"), [
                'gitlab-federation:gitlab.url: must not end with "/" (got "https://gitlab.example.com/"); write "https://gitlab.example.com": it must equal the iss claim of GitLab\'s ID tokens byte for byte',
            ]);
            assert.deepEqual(url("https://gitlab.example.com"), []);
        });

        it("names a real host: the URL standard's other host characters (quotes, *, &, {, _) are refused; IP addresses pass", () => {
            for (const host of ['gitlab"x.example.com', "gitla*b.example.com", "git&lab.example.com", "git{lab}.example.com", "git_lab.example.com", "git'lab.example.com"]) {
                assert.deepEqual(url(`https://${host}`), [`gitlab-federation:gitlab.url: must name a host of letters, digits, "-" and "." (or an IP address), got ${JSON.stringify(host)} in ${JSON.stringify(`https://${host}`)}`], host);
            }
            for (const value of ["https://git-lab.example.com", "https://10.0.0.1", "https://[::1]:8443", "https://xn--bcher-kva.example/gitlab"]) {
                assert.deepEqual(url(value), [], value);
            }
        });

        it("is required", () => {
            const raw = oneGrant(DEPLOY);
            delete raw.gitlab;
            assert.deepEqual(problems(raw), [
                "gitlab-federation:gitlab: is required but missing. Set gitlab-federation:gitlab with at least url: the GitLab URL that issues the ID tokens, e.g. https://gitlab.example.com",
            ]);
        });

        it("takes one key source", () => {
            assert.deepEqual(problems({ ...oneGrant(DEPLOY), gitlab: { ...GITLAB, jwksUrl: "https://gitlab.example.com/-/jwks", oidcDiscoveryUrl: "https://gitlab.example.com" } }), [
                "gitlab-federation:gitlab.oidcDiscoveryUrl: set either jwksUrl or oidcDiscoveryUrl, not both: Vault accepts exactly one key source",
            ]);
        });
    });

    describe("grants", () => {
        it("an empty grant", () => {
            assert.deepEqual(problems(oneGrant({ ref: "main" })), ['gitlab-federation:projects["platform/api"].grants.deploy: grants nothing: add vault (read), aws, gcp, akeyless (read) or azure (roles) to say what this grant gives, or remove it']);
        });

        it("a project without grants", () => {
            assert.deepEqual(problems(map({ "platform/api": { id: 42, grants: {} } })), [
                'gitlab-federation:projects["platform/api"].grants: has no grants: add at least one grant (e.g. deploy: { ref: main, vault: { read: [platform/api] } }) or remove the project',
            ]);
        });

        it("a grant using a target whose section is missing", () => {
            assert.deepEqual(problems(oneGrant({ ...DEPLOY, aws: {} })), [
                'gitlab-federation:projects["platform/api"].grants.deploy.aws: needs the gitlab-federation:aws section, which the stack config does not have: add it (audience, accountId) or remove aws from this grant',
            ]);
        });

        it("bad keys", () => {
            assert.deepEqual(problems(map({ platform: { id: 1, grants: { Deploy: DEPLOY } } })), [
                'gitlab-federation:projects["platform"]: project key "platform" is not a full GitLab project path: expected <namespace>/<project>, two or more segments of letters, digits, "_", "-" and "." separated by "/" (e.g. "platform/api"); copy the path from the project\'s URL',
                'gitlab-federation:projects["platform"].grants.Deploy: grant name "Deploy" must be 1-32 lowercase letters, digits and "-", starting and ending with a letter or digit (it becomes part of Vault, AWS and GCP names), e.g. "deploy"',
            ]);
        });
    });

    describe("gitlab-federation:vault.read", () => {
        const read = (...prefixes: string[]) => problems(oneGrant({ ref: "main", vault: { read: prefixes } }));

        it("paths escaping the mount or the folder", () => {
            assert.deepEqual(read("platform/api/../../other", "/platform/api", "platform/api/*/db"), [
                'gitlab-federation:projects["platform/api"].grants.deploy.vault.read[0]: must not contain "..", "." or empty segments (got "platform/api/../../other"): the path must not be able to escape the folder it names',
                'gitlab-federation:projects["platform/api"].grants.deploy.vault.read[1]: must be relative to the KV mount, without a leading "/" (got "/platform/api"); write "platform/api"',
                'gitlab-federation:projects["platform/api"].grants.deploy.vault.read[2]: wildcards are not allowed (got "platform/api/*/db"): a prefix already grants everything below it ("a/b" covers "a/b/*"), a trailing "*" would also match siblings such as "a/b-other", and a "*" mid-path is a literal in Vault policies; name the folder itself',
            ]);
        });

        it("a path that repeats the mount", () => {
            assert.deepEqual(read("secret/data/platform/api"), ['gitlab-federation:projects["platform/api"].grants.deploy.vault.read[0]: is relative to the KV mount "secret": write "platform/api" instead of "secret/data/platform/api"']);
        });

        it("outside the project's folder unless explained", () => {
            assert.deepEqual(read("platform/web/production"), [
                'gitlab-federation:projects["platform/api"].grants.deploy.vault.read[0]: "platform/web/production" is outside this project\'s folder "platform/api/": keep each project\'s secrets under its own path, or set vault.allowOutsideProject with a reason (e.g. a shared registry credential)',
            ]);
            assert.deepEqual(read("platform/api-evil"), [
                'gitlab-federation:projects["platform/api"].grants.deploy.vault.read[0]: "platform/api-evil" is outside this project\'s folder "platform/api/": keep each project\'s secrets under its own path, or set vault.allowOutsideProject with a reason (e.g. a shared registry credential)',
            ]);
            const allowed = oneGrant({ ref: "main", vault: { read: ["shared/registry"], allowOutsideProject: "every project pulls the shared registry credential" } });
            assert.deepEqual(problems(allowed), []);
            assert.deepEqual(warnings(allowed), [
                'gitlab-federation:projects["platform/api"].grants.deploy.vault.allowOutsideProject: reads outside "platform/api/" (shared/registry): "every project pulls the shared registry credential"',
                "gitlab-federation:vault.audit: no audit device: this stack does not make Vault record CI logins and secret reads. Add a device, or set vault.auditManagedElsewhere with a reason if devices are enabled outside this stack",
            ]);
        });

        it("duplicates", () => {
            assert.deepEqual(read("platform/api/a", "platform/api/a"), ['gitlab-federation:projects["platform/api"].grants.deploy.vault.read[1]: lists "platform/api/a" more than once; list each prefix once']);
        });
    });

    describe("unprotected grants reading protected secrets", () => {
        const twoGrants = (review: Record<string, unknown>) =>
            map({ "platform/api": { id: 42, grants: { deploy: { ref: "main", vault: { read: ["platform/api/production"] } }, review: { ref: "*", protected: false, ...review } } } });
        const overlap = (prefix: string) =>
            `gitlab-federation:projects["platform/api"].grants.review.vault.read[0]: this unprotected grant (protected: false) may read "${prefix}", which overlaps "platform/api/production" read by the protected grant gitlab-federation:projects["platform/api"].grants.deploy: a push to any matching branch could read those secrets. Narrow the prefix, set protected: true, or set vault.allowUnprotectedOverlap with a reason`;

        it("the same prefix, a parent and a child all overlap", () => {
            assert.deepEqual(problems(twoGrants({ vault: { read: ["platform/api/production"] } })), [overlap("platform/api/production")]);
            assert.deepEqual(problems(twoGrants({ vault: { read: ["platform/api"] } })), [overlap("platform/api")]);
            assert.deepEqual(problems(twoGrants({ vault: { read: ["platform/api/production/db"] } })), [overlap("platform/api/production/db")]);
        });

        it("a sibling that shares a string prefix does not overlap", () => {
            assert.deepEqual(problems(twoGrants({ vault: { read: ["platform/api/production-preview"] } })), []);
            assert.deepEqual(problems(twoGrants({ vault: { read: ["platform/api/prod"] } })), []);
        });

        it("is allowed with a reason, and the plan shows it", () => {
            const raw = twoGrants({ vault: { read: ["platform/api/production/public"], allowUnprotectedOverlap: "public build settings, no credentials" } });
            assert.deepEqual(problems(raw), []);
            assert.ok(
                warnings(raw).includes(
                    'gitlab-federation:projects["platform/api"].grants.review.vault.allowUnprotectedOverlap: unprotected refs may read secrets that protected grants also read: "public build settings, no credentials"',
                ),
            );
        });

        it("across projects too", () => {
            const raw = map({
                "platform/api": { id: 42, grants: { deploy: { ref: "main", vault: { read: ["platform/api/production"] } } } },
                "platform/web": { id: 43, grants: { review: { ref: "*", protected: false, vault: { read: ["platform/api"], allowOutsideProject: "reads the API's public endpoints" } } } },
            });
            assert.deepEqual(problems(raw), [
                'gitlab-federation:projects["platform/web"].grants.review.vault.read[0]: this unprotected grant (protected: false) may read "platform/api", which overlaps "platform/api/production" read by the protected grant gitlab-federation:projects["platform/api"].grants.deploy: a push to any matching branch could read those secrets. Narrow the prefix, set protected: true, or set vault.allowUnprotectedOverlap with a reason',
            ]);
        });
    });

    it("Vault role names that collide after normalisation", () => {
        const raw = map({
            "platform/web-x": { id: 1, grants: { a: { ref: "main", vault: { read: ["platform/web-x"] } } } },
            "platform-web/x": { id: 2, grants: { a: { ref: "main", vault: { read: ["platform-web/x"] } } } },
        });
        assert.deepEqual(problems(raw), [
            'gitlab-federation:projects["platform/web-x"].grants.a.vault: Vault role name "platform-web-x--a" is also the role name of gitlab-federation:projects["platform-web/x"].grants.a (derived names lowercase the project path, or its renamedFrom, and turn "/" into "-"): set vault.roleName on one of them to a distinct name',
        ]);
        const fixed = clone(raw) as { projects: Record<string, { grants: { a: { vault: Record<string, unknown> } } }> };
        fixed.projects["platform/web-x"]!.grants.a.vault.roleName = "platform-web-x-a";
        assert.deepEqual(problems(fixed), []);
    });

    it("one audience per target", () => {
        const raw = oneGrant(DEPLOY, { sections: { vault: VAULT, aws: { ...AWS, audience: VAULT.audience }, gcp: { ...GCP, audience: VAULT.audience } } });
        assert.deepEqual(problems(raw), [
            'gitlab-federation:aws.audience: "https://vault.example.com" is also gitlab-federation:vault.audience: a token a job requests for one target would be accepted by the other; give each target its own audience',
            'gitlab-federation:gcp.audience: "https://vault.example.com" is also gitlab-federation:vault.audience: a token a job requests for one target would be accepted by the other; give each target its own audience',
        ]);
    });

    it("lists every problem of a broken map at once, sorted by path", () => {
        const raw = {
            gitlab: { url: "http://gitlab.example.com/" },
            vault: { ...VAULT, tokenTtl: "5 minutes", tokenMaxTtl: "2h" },
            projects: {
                "platform/api": { grants: { deploy: { ref: "main", refType: "branches", vault: { read: ["/x"] } }, review: { ref: "*", protected: false, vault: { read: ["platform/api"], tokenMaxTtl: "2h" } } } },
                "platform/web": { id: "abc", grants: { empty: { ref: "release-?" } } },
            },
        };
        const lines = problems(raw);
        assert.deepEqual(lines, [
            'gitlab-federation:gitlab.url: must use https (got "http://gitlab.example.com/"): GitLab\'s issuer and key endpoints are only trusted over TLS',
            'gitlab-federation:projects["platform/api"].grants.deploy.refType: must be one of "branch", "tag", got "branches". Whether ref names branches or tags. Default: branch.',
            'gitlab-federation:projects["platform/api"].grants.deploy.vault.read[0]: must be relative to the KV mount, without a leading "/" (got "/x"); write "x"',
            'gitlab-federation:projects["platform/api"].grants.review.vault.tokenMaxTtl: 2h is above the guardrail vault.ttlCap (1h): shorten it, or raise vault.ttlCap if jobs really need longer tokens',
            'gitlab-federation:projects["platform/api"].id: is required but missing. The numeric GitLab project ID (Settings > General), e.g. 42: the binding that survives renames.',
            'gitlab-federation:projects["platform/web"].grants.empty.ref: "?" is not allowed (got "release-?"): Vault globs treat "?" as a literal character while AWS StringLike treats it as any one character, so the grant would mean different things on each target; use "*" or list the refs',
            'gitlab-federation:projects["platform/web"].id: must be the numeric GitLab project ID (Settings > General), e.g. 42, got "abc"',
            "gitlab-federation:vault.tokenMaxTtl: 2h is above the guardrail vault.ttlCap (1h): shorten it, or raise vault.ttlCap if jobs really need longer tokens",
            'gitlab-federation:vault.tokenTtl: must be a duration such as 5m, 1h, 90s or 1h30m (or a whole number of seconds), got "5 minutes"',
        ]);
        assert.throws(
            () => planMap(raw),
            (error: unknown) => error instanceof MapValidationError && error.message === `the gitlab-federation project map has 9 problems:\n${lines.join("\n")}`,
        );
    });
});

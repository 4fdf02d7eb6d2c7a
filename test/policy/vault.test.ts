import { strict as assert } from "node:assert";
import { boundClaims, gitlabIssuers, tokenLifetime } from "../../policy/lib/vault";
import { POLICIES } from "../../policy/lib/policies";
import { stackResource, stackVerdict, verdict } from "./helpers";

const ROLE = "vault:jwt/authBackendRole:AuthBackendRole";
const MOUNT = "vault:jwt/authBackend:AuthBackend";
const ROLE_NAMES = POLICIES.map((p) => p.name).filter((n) => n.startsWith("vault-gitlab-role-"));
const ROLE_SCOPE = { notApplicable: "applies to JWT auth roles for GitLab CI (a gitlabMounts mount, GitLab claims bound, or a GitLab sub)" };
const MOUNT_SCOPE = { notApplicable: "applies to JWT auth mounts for a GitLab issuer" };

/** A role as gitlab-federation plans one (components/vault/plan.ts), which every rule passes. */
const GOOD = {
    backend: "gitlab",
    roleName: "platform-api--deploy",
    roleType: "jwt",
    boundAudiences: ["https://vault.example.com"],
    boundClaims: { project_id: "42", ref: "main", ref_type: "branch", ref_protected: "true" },
    boundClaimsType: "string",
    userClaim: "project_id",
    tokenTtl: 300,
    tokenMaxTtl: 600,
    tokenExplicitMaxTtl: 600,
    tokenType: "batch",
};

const MOUNT_GOOD = { path: "gitlab", type: "jwt", boundIssuer: "https://gitlab.example.com", jwksUrl: "https://gitlab.example.com/oauth/discovery/keys", jwtSupportedAlgs: ["RS256"] };

describe("policy pack: Vault JWT roles and mounts for GitLab", () => {
    describe("which roles the rules read", () => {
        it("a role that binds a GitLab claim or sub, or sits on a gitlabMounts mount", () => {
            for (const name of ROLE_NAMES) {
                assert.deepEqual(verdict(name, ROLE, GOOD), [], name);
                assert.deepEqual(verdict(name, ROLE, { ...GOOD, boundClaims: { repository: "org/repo" } }), ROLE_SCOPE, name);
                assert.deepEqual(verdict(name, MOUNT, MOUNT_GOOD), { notApplicable: `applies to ${ROLE}` }, name);
            }
            const onlySub = { ...GOOD, boundClaims: {}, boundSubject: "project_path:platform/api:ref_type:branch:ref:main" };
            assert.deepEqual(verdict("vault-gitlab-role-project-id", ROLE, onlySub), [
                `boundClaims binds no exact project_id (it binds nothing): any project of the GitLab instance whose jobs request this role's audience can log in; add boundClaims {project_id: "<the project's numeric id>"} (the provider splits commas: "42,57")`,
            ]);
            const unbound = { ...GOOD, boundClaims: { ref: "main" } };
            assert.deepEqual(verdict("vault-gitlab-role-project-id", ROLE, unbound), ROLE_SCOPE);
            assert.deepEqual(verdict("vault-gitlab-role-project-id", ROLE, unbound, { gitlabMounts: ["gitlab"] }), [
                `boundClaims binds no exact project_id (it binds ref): any project of the GitLab instance whose jobs request this role's audience can log in; add boundClaims {project_id: "<the project's numeric id>"} (the provider splits commas: "42,57")`,
            ]);
        });

        it("bound claims as Vault receives them: split on commas unless disableBoundClaimsParsing; JSON pointers", () => {
            assert.deepEqual(boundClaims({ boundClaims: { project_id: "42, 57", "/ref": "main" } }), [
                { key: "project_id", claim: "project_id", values: ["42", "57"] },
                { key: "/ref", claim: "ref", values: ["main"] },
            ]);
            assert.deepEqual(boundClaims({ boundClaims: { ref: "a,b" }, disableBoundClaimsParsing: true }), [{ key: "ref", claim: "ref", values: ["a,b"] }]);
            assert.deepEqual(boundClaims({}), []);
        });
    });

    describe("vault-gitlab-role-audience", () => {
        const name = "vault-gitlab-role-audience";
        it("refuses a role without a non-empty audience", () => {
            const message = (shown: string) =>
                `boundAudiences is ${shown}: GitLab tokens always carry aud, which current Vault refuses when the role binds no audience, and a Vault without that check accepts a token a job requested for any other service; set boundAudiences to the aud your jobs request in id_tokens, e.g. ["https://vault.example.com"]`;
            assert.deepEqual(verdict(name, ROLE, { ...GOOD, boundAudiences: undefined }), [message("unset")]);
            assert.deepEqual(verdict(name, ROLE, { ...GOOD, boundAudiences: [] }), [message("[]")]);
            assert.deepEqual(verdict(name, ROLE, { ...GOOD, boundAudiences: [""] }), [message('[""]')]);
            assert.deepEqual(verdict(name, ROLE, GOOD), []);
        });
    });

    describe("vault-gitlab-role-project-id", () => {
        const name = "vault-gitlab-role-project-id";
        const message = (bound: string) =>
            `boundClaims binds no exact project_id (it binds ${bound}): any project of the GitLab instance whose jobs request this role's audience can log in; add boundClaims {project_id: "<the project's numeric id>"} (the provider splits commas: "42,57")`;

        it("refuses a role without an exact project_id", () => {
            assert.deepEqual(verdict(name, ROLE, { ...GOOD, boundClaims: { namespace_id: "7" } }), [message("namespace_id")]);
            assert.deepEqual(verdict(name, ROLE, { ...GOOD, boundClaims: { project_id: "", ref: "main" } }), [message("project_id, ref")]);
            assert.deepEqual(verdict(name, ROLE, { ...GOOD, boundClaims: { project_id: "42,", ref: "main" } }), [message("project_id, ref")]);
            assert.deepEqual(verdict(name, ROLE, { ...GOOD, boundClaimsType: "glob", boundClaims: { project_id: "4*" } }), [message("project_id")]);
            assert.deepEqual(verdict(name, ROLE, { ...GOOD, boundClaims: { project_path: "platform/api" } }), [
                `boundClaims binds no exact project_id (it binds project_path; a project_path follows the path: a project created there after a rename or transfer matches it): any project of the GitLab instance whose jobs request this role's audience can log in; add boundClaims {project_id: "<the project's numeric id>"} (the provider splits commas: "42,57")`,
            ]);
        });

        it("accepts one or several ids, a JSON pointer, and a literal \"*\" in string mode", () => {
            assert.deepEqual(verdict(name, ROLE, GOOD), []);
            assert.deepEqual(verdict(name, ROLE, { ...GOOD, boundClaims: { project_id: "42, 57" } }), []);
            assert.deepEqual(verdict(name, ROLE, { ...GOOD, boundClaims: { "/project_id": "42" } }), []);
            assert.deepEqual(verdict(name, ROLE, { ...GOOD, boundClaims: { project_id: "4*" } }), []);
        });
    });

    describe("vault-gitlab-role-project-glob", () => {
        const name = "vault-gitlab-role-project-glob";
        it("refuses \"*\" in a project or group claim in glob mode; accepts globs elsewhere and literal \"*\" in string mode", () => {
            const glob = (key: string, value: string) =>
                `boundClaims.${key} ${JSON.stringify(value)} is a glob (boundClaimsType "glob") whose "*" matches any run of characters, "/" included: it admits projects other than the ones meant; list exact values without "*" (the provider splits commas: "42,57")`;
            assert.deepEqual(verdict(name, ROLE, { ...GOOD, boundClaimsType: "glob", boundClaims: { project_id: "42, 4*", namespace_path: "platform/*", ref: "release/*" } }), [glob("project_id", "4*"), glob("namespace_path", "platform/*")]);
            assert.deepEqual(verdict(name, ROLE, { ...GOOD, boundClaimsType: "glob", boundClaims: { "/project_path": "platform/*" } }), [glob("/project_path", "platform/*")]);
            assert.deepEqual(verdict(name, ROLE, { ...GOOD, boundClaimsType: "glob", boundClaims: { project_id: "42", ref: "release/*" } }), []);
            assert.deepEqual(verdict(name, ROLE, { ...GOOD, boundClaims: { project_id: "42", namespace_path: "platform/*" } }), []);
        });
    });

    describe("vault-gitlab-role-token-lifetime", () => {
        const name = "vault-gitlab-role-token-lifetime";

        it("the lifetime: batch = tokenTtl capped by tokenMaxTtl; service = explicit max or max; periodic service = explicit max only", () => {
            assert.equal(tokenLifetime(GOOD), 300);
            assert.equal(tokenLifetime({ tokenType: "batch", tokenTtl: 0, tokenMaxTtl: 600 }), 600);
            assert.equal(tokenLifetime({ tokenType: "batch", tokenTtl: 0, tokenMaxTtl: 0, tokenExplicitMaxTtl: 600 }), undefined);
            assert.equal(tokenLifetime({ tokenType: "service", tokenTtl: 300, tokenMaxTtl: 0, tokenExplicitMaxTtl: 900 }), 900);
            assert.equal(tokenLifetime({ tokenType: "service", tokenTtl: 300, tokenMaxTtl: 1200, tokenExplicitMaxTtl: 0 }), 1200);
            assert.equal(tokenLifetime({ tokenTtl: 300 }), undefined);
            assert.equal(tokenLifetime({ tokenType: "service", tokenPeriod: 600, tokenMaxTtl: 1200 }), undefined);
            assert.equal(tokenLifetime({ tokenType: "service", tokenPeriod: 600, tokenExplicitMaxTtl: 1800 }), 1800);
        });

        it("refuses an unbounded or too long lifetime; the maximum is configurable (boundary pair)", () => {
            assert.deepEqual(verdict(name, ROLE, { ...GOOD, tokenType: "service", tokenMaxTtl: 0, tokenExplicitMaxTtl: 0, tokenPeriod: 3600 }), [
                `tokens from this role have no lifetime bound of their own (tokenExplicitMaxTtl and tokenMaxTtl unset, and tokenPeriod 3600 renews them without end): the mount's maximum lease TTL applies, 32 days unless tuned, whatever the job's token exp; set tokenExplicitMaxTtl to at most 3600 seconds, e.g. the job timeout, or issue batch tokens`,
            ]);
            assert.deepEqual(verdict(name, ROLE, { ...GOOD, tokenTtl: 0, tokenMaxTtl: 0 }), [
                `tokens from this role have no lifetime bound of their own (tokenTtl and tokenMaxTtl unset): the mount's maximum lease TTL applies, 32 days unless tuned, whatever the job's token exp; set tokenTtl (and tokenMaxTtl) to at most 3600 seconds, e.g. the job timeout`,
            ]);
            assert.deepEqual(verdict(name, ROLE, { ...GOOD, tokenTtl: 3601, tokenMaxTtl: 7200 }), [
                `tokens from this role can live 3601 seconds, above the 3600 allowed (maxTokenLifetimeSeconds); set tokenTtl (and tokenMaxTtl) to at most 3600 seconds, e.g. the job timeout`,
            ]);
            assert.deepEqual(verdict(name, ROLE, { ...GOOD, tokenTtl: 3600, tokenMaxTtl: 7200 }), []);
            assert.deepEqual(verdict(name, ROLE, GOOD, { maxTokenLifetimeSeconds: 299 }), [
                `tokens from this role can live 300 seconds, above the 299 allowed (maxTokenLifetimeSeconds); set tokenTtl (and tokenMaxTtl) to at most 299 seconds, e.g. the job timeout`,
            ]);
            assert.deepEqual(verdict(name, ROLE, GOOD, { maxTokenLifetimeSeconds: 300 }), []);
        });
    });

    describe("vault-gitlab-role-batch-token", () => {
        const name = "vault-gitlab-role-batch-token";
        it("refuses a non-batch token type unless allowNonBatch gives the reason", () => {
            const message = (shown: string) =>
                `tokenType is ${shown}, not "batch": a service token (the type unless the mount is tuned otherwise) can be renewed, made periodic and used to create child tokens; set tokenType "batch", or list "gitlab/platform-api--deploy" in allowNonBatch with the reason`;
            assert.deepEqual(verdict(name, ROLE, { ...GOOD, tokenType: "service" }), [message('"service"')]);
            assert.deepEqual(verdict(name, ROLE, { ...GOOD, tokenType: "default" }), [message('"default"')]);
            assert.deepEqual(verdict(name, ROLE, { ...GOOD, tokenType: undefined }), [message("unset")]);
            assert.deepEqual(verdict(name, ROLE, { ...GOOD, tokenType: "service" }, { allowNonBatch: { "gitlab/platform-api--deploy": " " } }), [message('"service"')]);
            assert.deepEqual(verdict(name, ROLE, { ...GOOD, tokenType: "service" }, { allowNonBatch: { "gitlab/platform-api--deploy": "the job renews a lease for its long deploy" } }), []);
            assert.deepEqual(verdict(name, ROLE, GOOD), []);
        });
    });

    describe("which mounts the rules read", () => {
        it("a GitLab key set path, a configured GitLab URL, or a gitlabMounts path", () => {
            assert.deepEqual(gitlabIssuers(MOUNT_GOOD, ["https://gitlab.com"], []), ["https://gitlab.example.com"]);
            assert.deepEqual(gitlabIssuers({ jwksUrl: "https://git.example.com/gitlab/-/jwks" }, [], []), ["https://git.example.com/gitlab"]);
            assert.deepEqual(gitlabIssuers({ oidcDiscoveryUrl: "https://gitlab.com" }, ["https://gitlab.com"], []), ["https://gitlab.com"]);
            assert.deepEqual(gitlabIssuers({ jwtValidationPubkeys: ["PEM"], boundIssuer: "https://gitlab.com/" }, ["https://gitlab.com"], []), ["https://gitlab.com"]);
            assert.deepEqual(gitlabIssuers({ path: "ci", jwtValidationPubkeys: ["PEM"] }, ["https://gitlab.example.com"], ["ci"]), ["https://gitlab.example.com"]);
            assert.equal(gitlabIssuers({ oidcDiscoveryUrl: "https://token.actions.githubusercontent.com" }, ["https://gitlab.com"], []), undefined);
            assert.equal(gitlabIssuers({ oidcDiscoveryUrl: "https://gitlab.com.evil.example" }, ["https://gitlab.com"], []), undefined);
            for (const name of ["vault-gitlab-auth-issuer", "vault-gitlab-auth-algorithms"]) {
                assert.deepEqual(verdict(name, MOUNT, { path: "github", oidcDiscoveryUrl: "https://token.actions.githubusercontent.com" }), MOUNT_SCOPE);
                assert.deepEqual(verdict(name, ROLE, GOOD), { notApplicable: `applies to ${MOUNT}` });
                assert.deepEqual(verdict(name, MOUNT, MOUNT_GOOD), []);
            }
        });
    });

    describe("vault-gitlab-auth-issuer", () => {
        const name = "vault-gitlab-auth-issuer";
        it("refuses a missing boundIssuer or one that is not the mount's GitLab issuer", () => {
            assert.deepEqual(verdict(name, MOUNT, { ...MOUNT_GOOD, boundIssuer: undefined }), [
                `boundIssuer is not set: Vault then checks no iss at all, and the key set alone decides whose tokens are accepted; set boundIssuer "https://gitlab.example.com" (GitLab's iss: https, no trailing slash)`,
            ]);
            assert.deepEqual(verdict(name, MOUNT, { ...MOUNT_GOOD, boundIssuer: "https://gitlab.example.com/" }), [
                `boundIssuer "https://gitlab.example.com/" is not the GitLab issuer of this mount (https://gitlab.example.com): Vault compares iss byte for byte (scheme, no trailing slash), so GitLab's tokens are refused or another issuer's accepted; set boundIssuer "https://gitlab.example.com" (GitLab's iss: https, no trailing slash)`,
            ]);
            assert.deepEqual(verdict(name, MOUNT, { path: "gitlab", oidcDiscoveryUrl: "https://gitlab.com", boundIssuer: "gitlab.com", jwtSupportedAlgs: ["RS256"] }), [
                `boundIssuer "gitlab.com" is not the GitLab issuer of this mount (https://gitlab.com): Vault compares iss byte for byte (scheme, no trailing slash), so GitLab's tokens are refused or another issuer's accepted; set boundIssuer "https://gitlab.com" (GitLab's iss: https, no trailing slash)`,
            ]);
        });

        it("accepts the configured or derived issuer", () => {
            assert.deepEqual(verdict(name, MOUNT, MOUNT_GOOD), []);
            assert.deepEqual(verdict(name, MOUNT, { path: "ci", jwtValidationPubkeys: ["PEM"], boundIssuer: "https://gitlab.example.com" }, { gitlabMounts: ["ci"], gitlabUrls: ["https://gitlab.example.com"] }), []);
        });
    });

    describe("vault-gitlab-auth-algorithms", () => {
        const name = "vault-gitlab-auth-algorithms";
        it("refuses an empty or missing jwtSupportedAlgs", () => {
            for (const [algs, shown] of [
                [undefined, "unset"],
                [[], "[]"],
            ] as const) {
                assert.deepEqual(verdict(name, MOUNT, { ...MOUNT_GOOD, jwtSupportedAlgs: algs }), [
                    `jwtSupportedAlgs is ${shown}: Vault then accepts all ten asymmetric algorithms (RS, ES and PS 256 to 512, and EdDSA), not RS256 as the field's help says; GitLab signs with RS256: set jwtSupportedAlgs ["RS256"]`,
                ]);
            }
            assert.deepEqual(verdict(name, MOUNT, MOUNT_GOOD), []);
        });
    });

    describe("vault-gitlab-mount-role-unbound (stack)", () => {
        const name = "vault-gitlab-mount-role-unbound";
        const mount = stackResource(MOUNT, "m", { path: "ci", jwksUrl: "https://gitlab.example.com/-/jwks", boundIssuer: "https://gitlab.example.com" });
        const message = (role: string, bound: string) =>
            `${role === "r" ? "urn:pulumi:test::test::vault:jwt/authBackendRole:AuthBackendRole::r" : "urn:pulumi:test::test::vault:jwt/authBackendRole:AuthBackendRole::r2"}: role ${JSON.stringify(role === "r" ? "x" : "y")} is on ci, a JWT mount for GitLab (urn:pulumi:test::test::vault:jwt/authBackend:AuthBackend::m), but binds no GitLab claim (boundClaims: ${bound}): any project of the GitLab instance whose jobs request its audience can log in, and the vault-gitlab-role-* policies do not recognise it; bind project_id in boundClaims, and list "ci" in their gitlabMounts`;

        it("reports roles on a GitLab mount of the stack that bind no GitLab claim, found by path or by dependency", () => {
            const byPath = stackResource(ROLE, "r", { backend: "ci", roleName: "x", boundClaims: { ref: "main" } });
            const byDependency = stackResource(ROLE, "r2", { backend: "renamed", roleName: "y" }, { backend: [mount] });
            assert.deepEqual(stackVerdict(name, [mount, byPath, byDependency]), [message("r", "ref"), message("r2", "nothing")]);
        });

        it("passes roles that bind GitLab claims, roles on other mounts, and stacks without a GitLab mount", () => {
            const bound = stackResource(ROLE, "r", { backend: "ci", roleName: "x", boundClaims: { project_id: "42" } });
            const github = stackResource(MOUNT, "g", { path: "github", oidcDiscoveryUrl: "https://token.actions.githubusercontent.com" });
            const onGithub = stackResource(ROLE, "r2", { backend: "github", roleName: "y", boundClaims: { repository: "org/repo" } });
            assert.deepEqual(stackVerdict(name, [mount, bound, github, onGithub]), []);
            assert.deepEqual(stackVerdict(name, [stackResource(ROLE, "r", { backend: "ci", roleName: "x" })]), []);
        });
    });
});

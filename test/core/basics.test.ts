import { strict as assert } from "node:assert";
import fc from "fast-check";
import { durationProblem, formatDuration, parseDuration, vaultTuneDuration } from "../../src/core/duration";
import { fitName, grantKey, pathSlug } from "../../src/core/names";
import { awsRoleName } from "../../components/aws/names";
import { gcpAccountId } from "../../components/gcp/names";
import { vaultPolicyName, vaultRoleName } from "../../components/vault/names";
import { formatPath, MapValidationError } from "../../src/core/findings";
import { environmentProblem, grantNameProblem, httpsUrlProblem, projectPathProblem, reasonProblem, refProblem } from "../../src/core/rules";
import { serviceAccountIdProblem, workloadIdentityIdProblem } from "../../components/gcp/rules";
import { mountPathProblem, secretPrefixProblem } from "../../components/vault/rules";

describe("durations", () => {
    it("reads Go-style durations and whole seconds", () => {
        assert.deepEqual(
            ["5m", "1h", "90s", "1h30m", "1h0m5s", "300", 300, 0, "0s"].map(parseDuration),
            [300, 3600, 90, 5400, 3605, 300, 300, 0, 0],
        );
    });

    it("refuses everything else", () => {
        assert.deepEqual(["5 minutes", "", "1d", "5M", "-5m", "1.5h", "m"].map(parseDuration), [undefined, undefined, undefined, undefined, undefined, undefined, undefined]);
        assert.deepEqual([-1, 1.5, Number.NaN].map(parseDuration), [undefined, undefined, undefined]);
        assert.equal(durationProblem("1d"), 'must be a duration such as 5m, 1h, 90s or 1h30m (or a whole number of seconds), got "1d"');
    });

    it("writes tune TTLs the way the Vault provider reads them back (Go Duration.String, trimmed)", () => {
        assert.deepEqual([0, 45, 90, 300, 3600, 3605, 5400, 7200, 86400].map(vaultTuneDuration), ["0s", "45s", "1m30s", "5m", "1h", "1h0m5s", "1h30m", "2h", "24h"]);
    });

    it("formats the shortest form", () => {
        assert.deepEqual([0, 59, 60, 300, 3600, 5400, 3605, 43200].map(formatDuration), ["0s", "59s", "1m", "5m", "1h", "1h30m", "1h5s", "12h"]);
    });
});

describe("paths in problems", () => {
    it("prints identifiers with dots and other keys quoted", () => {
        assert.equal(formatPath(["projects", "platform/api", "grants", "deploy", "ref"]), 'gitlab-federation:projects["platform/api"].grants.deploy.ref');
        assert.equal(formatPath(["projects", "a/b", "grants", "review-app", "vault", "read", 2]), 'gitlab-federation:projects["a/b"].grants["review-app"].vault.read[2]');
        assert.equal(formatPath([]), "(map)");
    });

    it("reports every problem, sorted by path, one per line", () => {
        const error = new MapValidationError([
            { path: "gitlab-federation:vault.tokenTtl", segments: ["vault", "tokenTtl"], message: "b" },
            { path: "gitlab-federation:gitlab.url", segments: ["gitlab", "url"], message: "a" },
        ]);
        assert.equal(error.message, "the gitlab-federation project map has 2 problems:\ngitlab-federation:gitlab.url: a\ngitlab-federation:vault.tokenTtl: b");
        assert.equal(new MapValidationError([{ path: "x", segments: [], message: "y" }]).message, "the gitlab-federation project map has 1 problem:\nx: y");
    });
});

describe("value rules", () => {
    it("project paths: namespace/project, no wildcards", () => {
        assert.equal(projectPathProblem("platform/api"), undefined);
        assert.equal(projectPathProblem("a/b/c.d_e-f"), undefined);
        assert.equal(
            projectPathProblem("platform"),
            'project key "platform" is not a full GitLab project path: expected <namespace>/<project>, two or more segments of letters, digits, "_", "-" and "." separated by "/" (e.g. "platform/api"); copy the path from the project\'s URL',
        );
        assert.notEqual(projectPathProblem("platform/api/"), undefined);
        assert.notEqual(projectPathProblem("platform//api"), undefined);
        assert.notEqual(projectPathProblem("platform/api.git"), undefined);
        assert.notEqual(projectPathProblem("platform/-api"), undefined);
        assert.equal(projectPathProblem("platform/*"), 'project keys are exact GitLab project paths; wildcards are not allowed (got "platform/*"): list each project under its own key');
    });

    it("grant names: 32 characters pass, 33 fail", () => {
        assert.equal(grantNameProblem("a".repeat(32)), undefined);
        assert.equal(
            grantNameProblem("a".repeat(33)),
            `grant name "${"a".repeat(33)}" must be 1-32 lowercase letters, digits and "-", starting and ending with a letter or digit (it becomes part of Vault, AWS and GCP names), e.g. "deploy"`,
        );
        assert.equal(grantNameProblem("d"), undefined);
        assert.notEqual(grantNameProblem("Deploy"), undefined);
        assert.notEqual(grantNameProblem("deploy-"), undefined);
        assert.notEqual(grantNameProblem("de_ploy"), undefined);
    });

    it("refs: exact names and * patterns; ? , : and odd characters refused with the reason", () => {
        for (const ok of ["main", "release/*", "*", "v*", "feature/JIRA-1_x.y", "a*b*c"]) {
            assert.equal(refProblem(ok), undefined, ok);
        }
        assert.equal(
            refProblem("release-?"),
            '"?" is not allowed (got "release-?"): Vault globs treat "?" as a literal character while AWS StringLike treats it as any one character, so the grant would mean different things on each target; use "*" or list the refs',
        );
        assert.equal(refProblem("a,b"), '"," is not allowed (got "a,b"): Pulumi splits Vault bound-claim values on commas, so one ref would become two; list each ref as its own entry');
        assert.equal(refProblem("a:b"), '":" is not allowed (got "a:b"): it cannot occur in a Git ref and it separates the parts of GitLab\'s sub claim');
        assert.equal(refProblem("refs/heads/main"), 'the ref claim holds the short name (got "refs/heads/main"): write "main" and set refType');
        assert.equal(
            refProblem("feat'x"),
            'contains characters other than letters, digits, ".", "_", "-", "/" and the wildcard "*" (got "feat\'x"); refs with other characters are not supported because they would need escaping in HCL, IAM JSON and CEL',
        );
        assert.equal(refProblem(""), 'must not be empty; use "*" for any ref');
        for (const bad of ["/main", "main/", "a//b", "a..b", "x.lock"]) {
            assert.equal(refProblem(bad), `is not a valid Git ref name (got ${JSON.stringify(bad)}): no leading or trailing "/", no "//", no "..", no ".lock" suffix`);
        }
    });

    it("environments: exact names or patterns", () => {
        assert.equal(environmentProblem("production"), undefined);
        assert.equal(environmentProblem("review/app-1"), undefined);
        assert.equal(environmentProblem("review/*"), undefined);
        assert.equal(environmentProblem("a b"), 'must be a GitLab environment name of letters, digits, ".", "_", "-" and "/", or a pattern where "*" matches any characters (got "a b"), e.g. "production" or "review/*"');
    });

    it("secret prefixes cannot escape the folder they name", () => {
        assert.equal(secretPrefixProblem("platform/api/production"), undefined);
        assert.equal(secretPrefixProblem("a/b@c/d-e_f.g"), undefined);
        assert.equal(secretPrefixProblem("/platform/api"), 'must be relative to the KV mount, without a leading "/" (got "/platform/api"); write "platform/api"');
        assert.equal(secretPrefixProblem("platform/api/"), 'must not end with "/" (got "platform/api/"); write "platform/api": the policy already covers everything below it');
        assert.equal(secretPrefixProblem("platform/../x"), 'must not contain "..", "." or empty segments (got "platform/../x"): the path must not be able to escape the folder it names');
        assert.notEqual(secretPrefixProblem("platform/./x"), undefined);
        assert.notEqual(secretPrefixProblem("platform//x"), undefined);
        const wildcard =
            'a prefix already grants everything below it ("a/b" covers "a/b/*"), a trailing "*" would also match siblings such as "a/b-other", and a "*" mid-path is a literal in Vault policies; name the folder itself';
        assert.equal(secretPrefixProblem("platform/*/db"), `wildcards are not allowed (got "platform/*/db"): ${wildcard}`);
        assert.equal(secretPrefixProblem("platform/api*"), `wildcards are not allowed (got "platform/api*"): ${wildcard}`);
        assert.equal(secretPrefixProblem("platform/+/db"), `wildcards are not allowed (got "platform/+/db"): ${wildcard}`);
        assert.equal(secretPrefixProblem("data/platform"), 'is relative to the KV mount: drop the leading "data/" (got "data/platform"); the policy adds <mount>/data/ and <mount>/metadata/ itself');
        assert.notEqual(secretPrefixProblem('a"b'), undefined);
        assert.notEqual(secretPrefixProblem("a\nb"), undefined);
        assert.equal(secretPrefixProblem(""), 'must not be empty: name a folder under the KV mount, e.g. "platform/api/production"');
    });

    it("a suggested secret prefix is itself valid: both slashes go, and no fix is offered where the rest is refused too", () => {
        assert.equal(secretPrefixProblem("/a/b/"), 'must be relative to the KV mount, without a leading "/" (got "/a/b/"); write "a/b"');
        assert.equal(secretPrefixProblem("//a/b//"), 'must be relative to the KV mount, without a leading "/" (got "//a/b//"); write "a/b"');
        assert.equal(secretPrefixProblem("/"), 'must be relative to the KV mount, without a leading "/" (got "/")');
        assert.equal(secretPrefixProblem("/a/../b"), 'must be relative to the KV mount, without a leading "/" (got "/a/../b")');
        assert.equal(secretPrefixProblem("a/../b/"), 'must not end with "/" (got "a/../b/"): the policy already covers everything below it');
        assert.equal(secretPrefixProblem("data/"), 'must not end with "/" (got "data/"): the policy already covers everything below it');
    });

    it("property: applying a suggested fix (secret prefix, issuer URL) removes the problem, and the next run accepts the value", () => {
        const suggested = (message: string | undefined) => (message === undefined ? undefined : /; write ("(?:[^"\\]|\\.)*")/.exec(message)?.[1]);
        const what = "it must equal the iss claim of GitLab's ID tokens byte for byte";
        fc.assert(
            fc.property(fc.string({ unit: fc.constantFrom("a", "B", "/", ".", "-", "*", "data", "@", " "), maxLength: 12 }), (prefix) => {
                const fix = suggested(secretPrefixProblem(prefix));
                if (fix !== undefined) assert.equal(secretPrefixProblem(JSON.parse(fix) as string), undefined, `${prefix} -> ${fix}`);
            }),
            { numRuns: 2000 },
        );
        fc.assert(
            fc.property(fc.constantFrom("https://", "https://a@", "http://"), fc.string({ unit: fc.constantFrom("g", "L", ".", "/", ":443", ":8", "-", "?"), minLength: 1, maxLength: 10 }), (scheme, rest) => {
                const fix = suggested(httpsUrlProblem(`${scheme}${rest}`, what));
                if (fix !== undefined) assert.equal(httpsUrlProblem(JSON.parse(fix) as string, what), undefined, `${scheme}${rest} -> ${fix}`);
            }),
            { numRuns: 2000 },
        );
        assert.equal(httpsUrlProblem("https://GitLab.example.com:443/", what), `must not end with "/" (got "https://GitLab.example.com:443/"); write "https://gitlab.example.com": ${what}`);
    });

    it("mount paths", () => {
        assert.equal(mountPathProblem("gitlab"), undefined);
        assert.equal(mountPathProblem("ci/gitlab"), undefined);
        assert.equal(mountPathProblem("sys"), '"sys" is reserved by Vault; choose another path such as "gitlab"');
        assert.notEqual(mountPathProblem("/gitlab"), undefined);
        assert.notEqual(mountPathProblem("git lab"), undefined);
    });

    it("issuer URLs must be written exactly as GitLab's iss", () => {
        const what = "it must equal the iss claim of GitLab's ID tokens byte for byte";
        assert.equal(httpsUrlProblem("https://gitlab.example.com", what), undefined);
        assert.equal(httpsUrlProblem("https://example.com/gitlab", what), undefined);
        assert.equal(httpsUrlProblem("http://gitlab.example.com", what), 'must use https (got "http://gitlab.example.com"): GitLab\'s issuer and key endpoints are only trusted over TLS');
        assert.equal(httpsUrlProblem("https://gitlab.example.com/", what), `must not end with "/" (got "https://gitlab.example.com/"); write "https://gitlab.example.com": ${what}`);
        assert.equal(httpsUrlProblem("https://GitLab.example.com", what), `must be written exactly as "https://gitlab.example.com" (got "https://GitLab.example.com"): ${what}`);
        assert.equal(httpsUrlProblem("https://gitlab.example.com:443", what), `must be written exactly as "https://gitlab.example.com" (got "https://gitlab.example.com:443"): ${what}`);
        assert.equal(httpsUrlProblem("https://gitlab.example.com?x=1", what), 'must not carry credentials, a query or a fragment (got "https://gitlab.example.com?x=1")');
        assert.equal(httpsUrlProblem("gitlab.example.com", what), 'must be an https URL, got "gitlab.example.com"');
    });

    it("reasons: 10 characters pass, 9 fail", () => {
        assert.equal(reasonProblem("0123456789"), undefined);
        assert.equal(reasonProblem("012345678"), 'must say why this loosening is acceptable in at least 10 characters (reviewers read it in the plan), got "012345678"');
        assert.notEqual(reasonProblem("          x"), undefined);
    });

    it("workload identity pool and provider IDs: 4 to 32 characters, no gcp- prefix", () => {
        assert.equal(workloadIdentityIdProblem("abcd"), undefined);
        assert.equal(workloadIdentityIdProblem("abc"), 'must be 4-32 lowercase letters, digits and "-" (got "abc", 3 characters)');
        assert.equal(workloadIdentityIdProblem("a".repeat(32)), undefined);
        assert.equal(workloadIdentityIdProblem("a".repeat(33)), `must be 4-32 lowercase letters, digits and "-" (got "${"a".repeat(33)}", 33 characters)`);
        assert.equal(workloadIdentityIdProblem("gcp-pool"), 'must not start with "gcp-", which Google reserves (got "gcp-pool")');
        assert.notEqual(workloadIdentityIdProblem("Gitlab"), undefined);
    });

    it("service account IDs: 6 to 30 characters, RFC 1035", () => {
        assert.equal(serviceAccountIdProblem("abcdef"), undefined);
        assert.equal(serviceAccountIdProblem("abcde"), 'must be 6-30 lowercase letters, digits and "-", starting with a letter and not ending with "-" (got "abcde", 5 characters)');
        assert.equal(serviceAccountIdProblem(`a${"b".repeat(29)}`), undefined);
        assert.notEqual(serviceAccountIdProblem(`a${"b".repeat(30)}`), undefined);
        assert.notEqual(serviceAccountIdProblem("1abcdef"), undefined);
        assert.notEqual(serviceAccountIdProblem("abcdef-"), undefined);
    });
});

describe("names", () => {
    it("Vault policy names are distinct for every (auth path, role name) pair, also across stacks", () => {
        // The collisions 0.1.0 allowed: "/" and "-" and case were all folded into "-" and lower case.
        const pairs: [string, string][] = [
            ["gitlab", "platform-api--core"],
            ["gitlab-platform", "api--core"],
            ["gitlab/platform", "api--core"],
            ["gitlab/ci", "x--y"],
            ["gitlab-ci", "x--y"],
            ["gitlab_ci", "x--y"],
            ["GitLab", "x--y"],
            ["gitlab", "x--y"],
            ["gitlab-", "ci-x--y"],
            ["a_b", "x--y"],
            ["a/b", "x--y"],
            ["a__b", "x--y"],
        ];
        const names = pairs.map(([auth, role]) => vaultPolicyName(auth, role));
        assert.deepEqual(names, [
            "gitlab-platform-api--core",
            "_gitlab-platform.api--core",
            "_gitlab_-platform.api--core",
            "_gitlab_-ci.x--y",
            "_gitlab-ci.x--y",
            "_gitlab__ci.x--y",
            "__git_lab.x--y",
            "gitlab-x--y",
            "_gitlab-.ci-x--y",
            "_a__b.x--y",
            "_a_-b.x--y",
            "_a____b.x--y",
        ]);
        assert.equal(new Set(names).size, names.length);
        assert.ok(names.every((n) => n === n.toLowerCase()), "lower case, as Vault stores policy names");
    });

    it("derive every name from project path and grant name", () => {
        assert.equal(grantKey("platform/api", "deploy"), "platform/api/deploy");
        assert.equal(pathSlug("Platform/API.v2"), "platform-api.v2");
        assert.equal(vaultRoleName("platform/api", "deploy"), "platform-api--deploy");
        assert.equal(vaultPolicyName("gitlab", "platform-api--deploy"), "gitlab-platform-api--deploy");
        assert.equal(vaultPolicyName("ci/GitLab", "x--y"), "_ci_-_git_lab.x--y");
        assert.equal(awsRoleName("platform/api", "deploy"), "gitlab-platform-api--deploy");
        assert.equal(gcpAccountId("platform/api", "deploy"), "gl-platform-api--deploy");
        assert.equal(gcpAccountId("my_group/api.v2", "deploy"), "gl-my-group-api-v2--deploy");
    });

    it("fit long names with a stable hash: at the limit unchanged, one over hashed", () => {
        assert.equal(fitName(`${"x".repeat(64)}`, 64), "x".repeat(64));
        const long = fitName("x".repeat(65), 64);
        assert.equal(long.length, 64);
        assert.match(long, /^x{55}-[0-9a-f]{8}$/);
        assert.equal(fitName("x".repeat(65), 64), long);
        assert.notEqual(fitName(`${"x".repeat(64)}y`, 64), long);
        const path = `group/${"p".repeat(50)}`;
        assert.equal(awsRoleName(path, "deploy").length, 64);
        assert.match(awsRoleName(path, "deploy"), /^gitlab-group-p+-[0-9a-f]{8}$/);
        const account = gcpAccountId(path, "deploy");
        assert.equal(account.length, 30);
        assert.match(account, /^gl-group-p+-[0-9a-f]{8}$/);
        assert.equal(serviceAccountIdProblem(account), undefined);
    });
});

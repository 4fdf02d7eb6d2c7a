/**
 * Environment patterns (`review/*`) and environmentProtected, on every target: the planned bound
 * claims, CEL and checks exactly, and boundary claim sets admitted or refused alike by each
 * target's own evaluator (components/<target>/evaluate.ts) and the conformance suite's independent
 * oracles (test/components/<target>/testkit.ts: Vault's bound claims as anchored regular
 * expressions, GCP's CEL in @marcbachmann/cel-js, Akeyless's documented sub-claims).
 */
import { strict as assert } from "node:assert";
import { evaluateLogin } from "../../components/akeyless/evaluate";
import { exchange } from "../../components/gcp/evaluate";
import { roleReasons } from "../../components/vault/evaluate";
import { environmentName } from "../../src/features/ci";
import { diffPlans } from "../../src/features/diff";
import { ProjectFacts, judge } from "../../src/features/verify";
import { branchRule, environmentRule } from "../helpers/fake-gitlab";
import { checkMap, planMap } from "../../src/features";
import { GCP_TESTKIT } from "../components/gcp/testkit";
import { VAULT_TESTKIT } from "../components/vault/testkit";
import { AKEYLESS_TESTKIT } from "../components/akeyless/testkit";
import { AZURE_TESTKIT } from "../components/azure/testkit";
import { GCP, Raw, VAULT, clone, devMap, map, oneGrant } from "../helpers/maps";
import { gitlabToken } from "../helpers/tokens";

const GRANTS = {
    review: { ref: "*", protected: false, environment: "review/*", vault: { read: ["platform/api/review"] }, gcp: { roles: ["roles/run.developer"] } },
    deploy: { ref: "main", environment: "production", environmentProtected: true, vault: { read: ["platform/api/production"] }, gcp: { roles: ["roles/run.developer"] } },
};
const RAW = map({ "platform/api": { id: 42, grants: GRANTS } }, { vault: VAULT, gcp: GCP });
const PLAN = planMap(RAW);
const JSON_PLAN = JSON.parse(JSON.stringify(PLAN)) as Raw;
const NOW = 1764000100;

/** A job of platform/api on `ref` (protected when main) with the given environment and environment_protected (undefined: the claim is absent). */
function token(ref: string, environment: string | undefined, environmentProtected: string | undefined, aud: string): Record<string, unknown> {
    const claims = gitlabToken({ ref, protected: ref === "main", aud, ...(environment !== undefined ? { environment } : {}) });
    if (environmentProtected === undefined) {
        delete claims.environment_protected;
    } else if (environment !== undefined) {
        claims.environment_protected = environmentProtected;
    }
    return claims;
}

/** [what, ref, environment, environment_protected, the grants admitted]. */
const CASES: [string, string, string | undefined, string | undefined, string[]][] = [
    ["a review app of feature-x", "feature-x", "review/feature-x", "false", ["platform/api/review"]],
    ["review alone (no slash)", "feature-x", "review", "false", []],
    ["reviewx/a (the slash is literal)", "feature-x", "reviewx/a", "false", []],
    ["review/a/b: * crosses /", "feature-x", "review/a/b", "false", ["platform/api/review"]],
    ["REVIEW/a: case-sensitive", "feature-x", "REVIEW/a", "false", []],
    ["no environment", "feature-x", undefined, undefined, []],
    ["production, protected environment", "main", "production", "true", ["platform/api/deploy"]],
    ["production, environment_protected false (e.g. GitLab CE)", "main", "production", "false", []],
    ["production, environment_protected missing", "main", "production", undefined, []],
    ["production-x (exact stays exact in glob mode too)", "main", "production-x", "true", []],
    ["review/main on protected main, environment protected: review requires neither, so it admits", "main", "review/main", "true", ["platform/api/review"]],
];

describe("environment patterns and environmentProtected", () => {
    describe("the map", () => {
        it("accepts patterns; the applier's environment stays exact; environmentProtected needs an environment", () => {
            const result = checkMap({
                ...oneGrant({ ref: "main", environmentProtected: true, vault: { read: ["platform/api/x"] } }),
                deployer: { project: "platform/federation", id: 7, applier: { environment: "prod*" } },
            });
            assert.deepEqual(
                result.problems.map((p) => `${p.path}: ${p.message}`),
                [
                    'gitlab-federation:deployer.applier.environment: must be one exact GitLab environment name; wildcards are not supported (got "prod*"): name the environment of this stack\'s pulumi up job',
                    'gitlab-federation:projects["platform/api"].grants.deploy.environmentProtected: requires a protected environment, but the grant sets no environment: set environment (e.g. "production"), or remove environmentProtected',
                ],
            );
        });

        it("the plan states the conditions; environmentProtected only when required", () => {
            assert.deepEqual(
                PLAN.grants.map((g) => g.conditions),
                [
                    { ref: ["main"], refType: "branch", protected: true, environment: "production", environmentProtected: true },
                    { ref: ["*"], refType: "branch", protected: false, environment: "review/*" },
                ],
            );
        });
    });

    describe("Vault", () => {
        it("binds environment as a glob (the role switches to glob: exact values have no *), environment_protected as the string true", () => {
            assert.deepEqual(
                PLAN.vault!.roles.map((r) => [r.boundClaims, r.boundClaimsType]),
                [
                    [{ project_id: "42", ref: "main", ref_type: "branch", ref_protected: "true", environment: "production", environment_protected: "true" }, "string"],
                    [{ project_id: "42", ref: "*", ref_type: "branch", environment: "review/*" }, "glob"],
                ],
            );
        });

        for (const [what, ref, environment, environmentProtected, admitted] of CASES) {
            it(`${what}: the evaluator and the oracle agree`, () => {
                const claims = token(ref, environment, environmentProtected, VAULT.audience);
                const product = PLAN.grants.filter((_g, i) => roleReasons(PLAN.vault!.roles[i]!, claims).length === 0).map((g) => `${g.project}/${g.grant}`);
                assert.deepEqual(product, admitted);
                assert.deepEqual(VAULT_TESTKIT.oracle(JSON_PLAN, claims, NOW), admitted);
            });
        }
    });

    describe("GCP", () => {
        it("gates: environment-pattern:<hash> for a pattern (sha256(\"review/*\") = 2664e60583e7...), protected- for a protected environment", () => {
            assert.deepEqual(
                PLAN.grants.map((g) => g.gcp!.members.map((m) => m.slice(m.indexOf("/group/") + 7))),
                [["42:branch:protected:ref:main:protected-environment:production"], ["42:branch:protected:pattern:684888c0ebb1:environment-pattern:2664e60583e7", "42:branch:unprotected:pattern:684888c0ebb1:environment-pattern:2664e60583e7"]],
            );
        });

        it("the google.groups mapping, exactly", () => {
            const list = "(['ref:' + assertion.ref] + [['pattern:684888c0ebb1', '^.*$']].filter(p, assertion.ref.matches(p[1])).map(p, p[0]))";
            const base = "assertion.project_id + ':' + assertion.ref_type + ':' + (assertion.ref_protected == 'true' ? 'protected' : 'unprotected') + ':' + s";
            const guard = "has(assertion.environment_protected) && assertion.environment_protected == 'true'";
            assert.equal(
                PLAN.gcp!.providers[0]!.attributeMapping["google.groups"],
                `${list}.map(s, ${base}) + (has(assertion.environment) && type(assertion.environment) == string ? ` +
                    `${list}.map(s, ${base} + ':environment:' + assertion.environment) + ` +
                    `(assertion.environment.matches('^review/.*$') ? ${list}.map(s, ${base} + ':environment-pattern:2664e60583e7') : []) + ` +
                    `(${guard} ? ${list}.map(s, ${base} + ':protected-environment:' + assertion.environment) : []) + ` +
                    `(${guard} && assertion.environment.matches('^review/.*$') ? ${list}.map(s, ${base} + ':protected-environment-pattern:2664e60583e7') : []) : [])`,
            );
        });

        for (const [what, ref, environment, environmentProtected, admitted] of CASES) {
            it(`${what}: the evaluator (@bufbuild/cel) and the oracle (cel-js) agree`, () => {
                const claims = token(ref, environment, environmentProtected, PLAN.gcp!.audience);
                const groups = exchange(PLAN.gcp!.providers[0]!, claims).groups;
                const product = PLAN.grants.filter((g) => g.gcp!.members.some((m) => groups.includes(m.slice(m.indexOf("/group/") + 7)))).map((g) => `${g.project}/${g.grant}`);
                assert.deepEqual(product, admitted);
                assert.deepEqual(GCP_TESTKIT.oracle(JSON_PLAN, claims, NOW), admitted);
            });
        }
    });

    describe("AWS and Azure cannot see the environment", () => {
        const aws = { audience: "sts.amazonaws.com", accountId: "111111111111" };
        it("a pattern is warned like an exact environment; environmentProtected is refused without acknowledge.environment", () => {
            const pattern = checkMap(oneGrant({ ref: "main", environment: "review/*", aws: {} }, { sections: { aws } }));
            assert.deepEqual(
                pattern.warnings.filter((w) => w.path.endsWith("environment")).map((w) => `${w.path}: ${w.message}`),
                [
                    'gitlab-federation:projects["platform/api"].grants.deploy.aws.acknowledge.environment: AWS cannot check environment "review/*": any job on a matching ref can assume this role, not only jobs of that environment. Set aws.acknowledge.environment with a reason to record that this is intended',
                ],
            );
            const refused = checkMap(oneGrant({ ref: "main", environment: "production", environmentProtected: true, aws: {} }, { sections: { aws } }));
            assert.deepEqual(
                refused.problems.map((p) => `${p.path}: ${p.message}`),
                [
                    'gitlab-federation:projects["platform/api"].grants.deploy.aws: the grant requires a protected environment (environmentProtected), but AWS sees only sub and aud and cannot check environment_protected: any job on a matching ref could assume this role, in an unprotected environment or none. Remove environmentProtected, or set aws.acknowledge.environment with a reason',
                ],
            );
            const acknowledged = checkMap(oneGrant({ ref: "main", environment: "production", environmentProtected: true, aws: { acknowledge: { environment: "the role only reads public build caches" } } }, { sections: { aws } }));
            assert.deepEqual(acknowledged.problems, []);
            assert.deepEqual(
                acknowledged.loosenings!.map((l) => [l.segments.slice(-3).join("."), l.effect, l.reason]),
                [["aws.acknowledge.environment", "AWS does not check the environment or that it is protected", "the role only reads public build caches"]],
            );
            assert.deepEqual(acknowledged.plan!.grants[0]!.aws!.enforcement.notEnforced, ["projectId", "protected", "environment", "environmentProtected"]);
        });

        it("Azure: the same, with azure.acknowledge.environment", () => {
            const azure = AZURE_TESTKIT.section;
            const roles = [{ role: "Reader", scope: "subscription" }];
            const refused = checkMap(oneGrant({ ref: "main", environment: "review/*", environmentProtected: true, azure: { roles } }, { sections: { azure } }));
            assert.deepEqual(
                refused.problems.map((p) => `${p.path}: ${p.message}`),
                [
                    'gitlab-federation:projects["platform/api"].grants.deploy.azure: the grant requires a protected environment (environmentProtected), but Azure sees only sub and aud and cannot check environment_protected: any job on a matching ref could log in as this identity, in an unprotected environment or none. Remove environmentProtected, or set azure.acknowledge.environment with a reason',
                ],
            );
            const acknowledged = checkMap(oneGrant({ ref: "main", environment: "review/*", environmentProtected: true, azure: { roles, acknowledge: { environment: "the identity only reads public build caches" } } }, { sections: { azure } }));
            assert.deepEqual(acknowledged.problems, []);
            assert.deepEqual(
                acknowledged.loosenings!.map((l) => [l.segments.slice(-3).join("."), l.effect]),
                [["azure.acknowledge.environment", "Azure does not check the environment or that it is protected"]],
            );
        });
    });

    describe("Akeyless", () => {
        it("refuses an environment pattern; binds environment_protected as a sub-claim", () => {
            const akeyless = AKEYLESS_TESTKIT.section;
            const refused = checkMap(oneGrant({ ref: "main", environment: "review/*", akeyless: { read: ["/platform/api/x"] } }, { sections: { akeyless } }));
            assert.deepEqual(
                refused.problems.map((p) => `${p.path}: ${p.message}`),
                [
                    'gitlab-federation:projects["platform/api"].grants.deploy.environment: cannot be an Akeyless sub-claim: it is a pattern (got "review/*"), and how Akeyless\'s sub-claim wildcard matches environment names is not verified: name one exact environment (one grant per environment), or give this Akeyless access in a grant without environment',
                ],
            );
            const raw = oneGrant({ ref: "main", environment: "production", environmentProtected: true, akeyless: { read: ["/platform/api/x"] } }, { sections: { akeyless } });
            const plan = planMap(raw);
            assert.deepEqual(plan.grants[0]!.akeyless!.subClaims, { project_id: ["42"], ref: ["main"], ref_type: ["branch"], ref_protected: ["true"], environment: ["production"], environment_protected: ["true"] });
            const json = JSON.parse(JSON.stringify(plan)) as Raw;
            const admitted = (value: string | undefined) => AKEYLESS_TESTKIT.oracle(json, token("main", "production", value, String((akeyless as Raw).audience)), NOW);
            assert.deepEqual([admitted("true"), admitted("false"), admitted(undefined)], [["platform/api/deploy"], [], []]);
            const summary = plan.grants[0]!.akeyless!;
            const reasons = (value: string | undefined) =>
                evaluateLogin({ issuer: plan.gitlab.url, audience: summary.audience, uniqueIdentifier: "project_id" }, { subClaims: summary.subClaims, caseSensitive: true }, token("main", "production", value, summary.audience)).reasons;
            assert.deepEqual([reasons("true"), reasons("false"), reasons(undefined)], [
                [],
                ['sub-claim "environment_protected": the token\'s "false" matches none of "true"'],
                ['sub-claim "environment_protected": the token has no "environment_protected" claim'],
            ]);
        });
    });

    it("diff: a pattern for an exact environment is wider; requiring a protected environment narrower, dropping it wider", () => {
        const base = devMap() as Record<string, any>;
        const access = (head: Raw, from: Raw = base) => diffPlans(planMap(from), planMap(head)).access.map((a) => [a.change, a.target, ...a.details]);
        const pattern = clone(base);
        pattern.projects["platform/web"].grants.deploy.environment = "production*";
        assert.deepEqual(access(pattern), [
            ["widened", "gcp", "requires environment production* instead of production"],
            ["widened", "vault", "requires environment production* instead of production"],
        ]);
        const protectedHead = clone(base);
        protectedHead.projects["platform/web"].grants.deploy.environmentProtected = true;
        assert.deepEqual(access(protectedHead), [
            ["narrowed", "gcp", "now requires a protected environment"],
            ["narrowed", "vault", "now requires a protected environment"],
        ]);
        assert.deepEqual(access(base, protectedHead), [
            ["widened", "gcp", "no longer requires a protected environment"],
            ["widened", "vault", "no longer requires a protected environment"],
        ]);
    });

    it("verify: a pattern restricts nothing without environmentProtected; with it, the protected environments it matches must let only Maintainers deploy", () => {
        const findings = (environmentProtected: boolean, ...rules: Raw[]) => findingsFor("review/*", environmentProtected, ...rules);
        const findingsFor = (environment: string, environmentProtected: boolean, ...rules: Raw[]) => {
            const plan = planMap(oneGrant({ ref: "main", environment, ...(environmentProtected ? { environmentProtected } : {}), vault: { read: ["platform/api/review"] } }));
            const project = { id: 42, path_with_namespace: "platform/api", visibility: "private", ci_allow_fork_pipelines_to_run_in_parent_project: false, ci_id_token_sub_claim_components: ["project_path", "ref_type", "ref"] };
            const facts = new Map<string, ProjectFacts>([["42", { project: { value: project }, branches: { value: [branchRule("main")] as never }, environments: { value: rules as never } }]]);
            return judge(plan, facts).map((f) => `${f.check} ${f.path}: ${f.message}`);
        };
        const at = 'gitlab-federation:projects["platform/api"].grants.deploy.environment';
        assert.deepEqual(findings(false, environmentRule("review/a")), [
            `environment ${at}: "review/*" is a pattern: any pipeline on the grant's refs can deploy to a new environment matching it, so for Vault it restricts nothing; set environmentProtected: true and protect the environments it should admit (Settings > CI/CD > Protected environments, allowed to deploy: Maintainers)`,
        ]);
        assert.deepEqual(findings(true, environmentRule("review/a"), environmentRule("production", 30)), []);
        assert.deepEqual(findings(true, environmentRule("review/a"), environmentRule("review/b/c", 30), environmentRule("reviewx", 30)), [
            `environment ${at}: the protected environment "review/b/c" of project 42 matches "review/*" and lets Developers deploy: for Vault it restricts the grant to Developers, not Maintainers; allow only Maintainers to deploy`,
        ]);
        assert.deepEqual(findingsFor("production", true, environmentRule("staging")), [
            `environment ${at}: "production" is not a protected environment of project 42: the grant requires a protected environment, so Vault admits no job of it; protect it (Settings > CI/CD > Protected environments, allowed to deploy: Maintainers)`,
        ]);
    });

    it("ci: a pattern's job deploys to the pattern with * as $CI_COMMIT_REF_SLUG", () => {
        assert.deepEqual(["production", "review/*", "review/*/app"].map(environmentName), ["production", "review/$CI_COMMIT_REF_SLUG", "review/$CI_COMMIT_REF_SLUG/app"]);
    });
});

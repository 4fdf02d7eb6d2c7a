/**
 * Each target's evaluate module decides, from the planned configuration only, whether a GitLab ID
 * token is admitted for a grant, and lists every failing condition in the target's own terms.
 */
import { strict as assert } from "node:assert";
import { planMap } from "../../src/features";
import type { GrantSummary } from "../../src/features/plan-schema";
import { iamStringLike } from "../../components/aws/evaluate";
import { aws } from "../../components/aws";
import { gcp } from "../../components/gcp";
import { vault } from "../../components/vault";
import { devMap } from "../helpers/maps";
import { TokenOptions, gitlabToken } from "../helpers/tokens";

const PLAN = planMap(devMap());
const NOW = 1764000100;
const GITLAB = { url: "https://gitlab.example.com" };
const grant = (project: string, name: string) => PLAN.grants.find((g) => g.project === project && g.grant === name)!;
const identity = (g: GrantSummary) => ({ project: g.project, projectId: g.projectId, grant: g.grant, conditions: g.conditions });

const vaultEval = vault.evaluator(PLAN.vault!, GITLAB);
const awsEval = aws.evaluator(PLAN.aws!, GITLAB);
const gcpEval = gcp.evaluator(PLAN.gcp!, GITLAB);

function decide(target: "vault" | "aws" | "gcp", g: GrantSummary, claims: Record<string, unknown>, now = NOW) {
    const evaluator = { vault: vaultEval, aws: awsEval, gcp: gcpEval }[target] as (s: unknown, i: unknown, c: unknown, o: unknown) => { accepted: boolean; reasons: readonly string[] };
    return evaluator(g[target], identity(g), claims, { now });
}

describe("evaluators", () => {
    describe("Vault (vault-plugin-auth-jwt's order and words)", () => {
        const deploy = grant("platform/api", "deploy");
        const token = (o: TokenOptions) => gitlabToken({ aud: "https://vault.example.com", ...o });

        it("admits the deploy job on protected main", () => {
            assert.deepEqual(decide("vault", deploy, token({ environment: "production" })), {
                accepted: true,
                reasons: [],
                gives: ["read secret/data/platform/api/production and below (list secret/metadata/platform/api/production/)"],
            });
        });

        it("a feature branch: every failing bound claim", () => {
            assert.deepEqual(decide("vault", deploy, token({ ref: "feature/x", protected: false })).reasons, [
                'error validating claims: claim "ref" does not match any associated bound claim values',
                'error validating claims: claim "ref_protected" does not match any associated bound claim values',
                'error validating claims: claim "environment" is missing',
            ]);
        });

        it("issuer, audience and time come first, as in Vault", () => {
            const claims = { ...token({ environment: "production" }), iss: "gitlab.example.com", aud: "sts.amazonaws.com", exp: NOW - 61 };
            assert.deepEqual(decide("vault", deploy, claims).reasons, [
                "error validating token: invalid issuer (iss) claim",
                "error validating token: invalid audience (aud) claim: audience claim does not match any expected audience",
                "error validating token: invalid expiration time (exp) claim: token is expired",
            ]);
            assert.deepEqual(decide("vault", deploy, { ...token({ environment: "production" }), exp: NOW - 60 }).reasons, [], "60 s of clock skew leeway");
        });

        it("types matter: a boolean ref_protected or a numeric project_id never matches", () => {
            const claims = { ...token({ environment: "production" }), ref_protected: true, project_id: 42 };
            assert.deepEqual(decide("vault", deploy, claims).reasons, [
                'claim "project_id" could not be converted to string',
                'error validating claims: claim "project_id" does not match any associated bound claim values',
                'error validating claims: claim "ref_protected" does not match any associated bound claim values',
            ]);
        });
    });

    describe("AWS (trust policy conditions)", () => {
        const release = grant("platform/api", "release");
        const token = (o: TokenOptions) => gitlabToken({ aud: "sts.amazonaws.com", ...o });

        it("admits a protected v* tag, and says which condition a branch fails", () => {
            assert.equal(decide("aws", release, token({ ref: "v1.0.0", refType: "tag" })).accepted, true);
            assert.deepEqual(decide("aws", release, token({ ref: "v1.0.0" })).reasons, [
                'StringLike gitlab.example.com:sub: "project_path:platform/api:ref_type:branch:ref:v1.0.0" matches none of "project_path:platform/api:ref_type:tag:ref:v*"',
            ]);
        });

        it("the wrong audience, another issuer and an expired token", () => {
            const claims = { ...token({ ref: "v1.0.0", refType: "tag" }), aud: "https://vault.example.com", iss: "https://other.example.com", exp: NOW - 301 };
            assert.deepEqual(decide("aws", release, claims).reasons, [
                'InvalidIdentityToken: the token\'s issuer "https://other.example.com" is not the OIDC provider\'s URL https://gitlab.example.com',
                "ExpiredToken: the token expired at 2025-11-24T15:56:39.000Z",
                'StringEquals gitlab.example.com:aud: "https://vault.example.com" matches none of "sts.amazonaws.com"',
            ]);
            assert.equal(decide("aws", release, { ...token({ ref: "v1.0.0", refType: "tag" }), exp: NOW - 300 }).accepted, true, "5 minutes of skew");
        });

        it("StringLike: * and ? are wildcards crossing / and :", () => {
            assert.deepEqual(
                [
                    ["a*", "a:b/c"],
                    ["a?c", "abc"],
                    ["a?c", "ac"],
                    ["A*", "a"],
                    ["release/*", "release"],
                ].map(([p, v]) => iamStringLike(p!, v!)),
                [true, true, false, false, false],
            );
        });
    });

    describe("GCP (provider CEL, then the account's principalSets)", () => {
        const deploy = grant("platform/web", "deploy");
        const token = (o: TokenOptions) => gitlabToken({ aud: PLAN.gcp!.audience, projectId: "57", projectPath: "platform/web", ...o });

        it("admits a protected release branch with the environment", () => {
            assert.equal(decide("gcp", deploy, token({ ref: "release/2.0", environment: "production" })).accepted, true);
        });

        it("another project: the condition is false", () => {
            assert.deepEqual(decide("gcp", deploy, token({ projectId: "99", environment: "production" })).reasons, ["the attribute condition is false for this token: assertion.project_id in ['7', '42', '57']"]);
        });

        it("no environment: no gate of the token is one of the account's principalSets", () => {
            const [reason] = decide("gcp", deploy, token({ ref: "main" })).reasons;
            assert.match(reason!, /^no gate of the token \(57:branch:protected:ref:main(, 57:branch:protected:pattern:[0-9a-f]{12})*\) is a principalSet of gl-platform-web--deploy@acme-ci\.iam\.gserviceaccount\.com \(57:branch:protected:ref:main:environment:production, 57:branch:protected:pattern:[0-9a-f]{12}:environment:production\)$/);
        });

        it("a missing claim the mapping needs fails the exchange, closed", () => {
            const claims = token({ ref: "main", environment: "production" });
            delete claims.ref_protected;
            const [reason] = decide("gcp", deploy, claims).reasons;
            assert.match(reason!, /^the attribute mapping of google\.groups fails for this token \(.*ref_protected.*\), so the exchange fails$/);
        });

        it("the wrong audience", () => {
            assert.deepEqual(decide("gcp", deploy, { ...token({ ref: "main", environment: "production" }), aud: "sts.amazonaws.com" }).reasons, [
                `the token's audience "sts.amazonaws.com" is not an allowed audience of the provider (${PLAN.gcp!.audience})`,
            ]);
        });
    });
});

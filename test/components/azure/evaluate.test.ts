/**
 * What Entra ID does with a GitLab ID token for a planned identity: exact answers for the tokens
 * that matter (protected and unprotected main, feature branches, tags, merge requests, forks,
 * other projects, prefix neighbours, wrong audiences, case variants, expiry), and agreement with
 * an independent model written from Microsoft's pages (entra-model.ts) on realistic claim sets.
 */
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { CLOCK_SKEW_SECONDS, azureEvaluator, entraDecision } from "../../../components/azure/evaluate";
import { entraModel } from "./entra-model";
import { grant, plan, section } from "./fixtures";
import { gitlabToken } from "../../helpers/tokens";

const AZ = "api://AzureADTokenExchange";
const IAT = 1764000000;
const NOW = IAT + 10;

/** The plan of platform/api's grant with these refs, and its evaluator. */
function planned(refs: readonly string[], refType: "branch" | "tag" = "branch", audience?: string) {
    const result = plan([grant({ refs, refType, azure: { roles: [{ role: "AcrPush", scope: { resourceGroup: "app" } }] } })], audience === undefined ? {} : { section: section({ audience }) });
    const summary = result.grants.get(0)!;
    return { plan: result.plan, summary, evaluate: azureEvaluator(result.plan) };
}

describe("Azure: what Entra ID does with a token", () => {
    const { summary, evaluate } = planned(["main", "release/1.0"]);
    const gives = [`AcrPush on /subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/app`];
    const decide = (claims: Record<string, unknown>, now = NOW, header?: Record<string, unknown>) => evaluate(summary, claims, { now, ...(header !== undefined ? { header } : {}) });

    it("main, protected or not, from a push or a merge request: accepted (Azure sees only iss, sub and aud)", () => {
        for (const claims of [gitlabToken({ aud: AZ }), gitlabToken({ aud: AZ, protected: false }), gitlabToken({ aud: AZ, pipelineSource: "merge_request_event" }), gitlabToken({ aud: AZ, environment: "staging" })]) {
            assert.deepEqual(decide(claims), { accepted: true, reasons: [], gives });
        }
    });

    it("a branch, a tag, a fork, another project, a prefix neighbour: no matching record (AADSTS70021)", () => {
        const record = (sub: string) => `AADSTS70021: No matching federated identity record found for presented assertion: no federated credential of gitlab-platform-api--deploy has issuer "https://gitlab.example.com" and subject ${JSON.stringify(sub)}`;
        for (const [options, sub] of [
            [{ ref: "feature/x" }, "project_path:platform/api:ref_type:branch:ref:feature/x"],
            [{ ref: "main", refType: "tag" as const }, "project_path:platform/api:ref_type:tag:ref:main"],
            [{ projectPath: "someone/api", projectId: "99", pipelineSource: "merge_request_event" }, "project_path:someone/api:ref_type:branch:ref:main"],
            [{ projectPath: "platform/web" }, "project_path:platform/web:ref_type:branch:ref:main"],
            [{ projectPath: "platform/api-v2" }, "project_path:platform/api-v2:ref_type:branch:ref:main"],
            [{ ref: "release/1.0.1" }, "project_path:platform/api:ref_type:branch:ref:release/1.0.1"],
        ] as const) {
            assert.deepEqual(decide(gitlabToken({ aud: AZ, ...options })), { accepted: false, reasons: [record(sub)], gives });
        }
        assert.deepEqual(decide({ ...gitlabToken({ aud: AZ }), iss: "https://gitlab.example.com/" }).reasons, [
            `AADSTS70021: No matching federated identity record found for presented assertion: no federated credential of gitlab-platform-api--deploy has issuer "https://gitlab.example.com/" and subject "project_path:platform/api:ref_type:branch:ref:main"`,
        ]);
    });

    it("the right record with another audience: AADSTS700212; an aud array holding the audience: undetermined, never accepted", () => {
        assert.deepEqual(decide(gitlabToken({ aud: "https://gitlab.example.com" })).reasons, [
            `AADSTS700212: No matching federated identity record found for presented assertion audience "https://gitlab.example.com": the credential expects "api://AzureADTokenExchange"`,
        ]);
        assert.deepEqual(decide(gitlabToken({ aud: ["https://vault.example.com", "sts.amazonaws.com"] })).reasons, [
            `AADSTS700212: No matching federated identity record found for presented assertion audience ["https://vault.example.com","sts.amazonaws.com"]: the credential expects "api://AzureADTokenExchange"`,
        ]);
        assert.deepEqual(decide(gitlabToken({ aud: [AZ, "https://vault.example.com"] })), {
            accepted: false,
            reasons: [],
            undetermined: [`UNVERIFIED: Entra with a multi-valued aud (["api://AzureADTokenExchange","https://vault.example.com"]): no Microsoft page says whether a federated credential accepts an aud array that contains its audience; give GitLab's id_tokens one aud per target`],
            gives,
        });
    });

    it("a sub that differs only in case: undetermined (Microsoft does not say), never accepted", () => {
        const decision = decide(gitlabToken({ aud: AZ, projectPath: "Platform/API" }));
        assert.deepEqual(decision, {
            accepted: false,
            reasons: [],
            undetermined: [
                `UNVERIFIED: the token's iss "https://gitlab.example.com" and sub "project_path:Platform/API:ref_type:branch:ref:main" equal those of credential branch-main-e5ce1d59 only when case is ignored; no Microsoft page says whether Entra compares them case-sensitively`,
            ],
            gives,
        });
        assert.equal(decide(gitlabToken({ aud: "x", ref: "MAIN" })).reasons[0]!.startsWith("AADSTS700212"), true, "a case-only match with a wrong audience is refused");
    });

    it("expiry with the assumed skew: refused beyond it, undetermined within it, both ends", () => {
        const claims = gitlabToken({ aud: AZ });
        const exp = claims.exp as number;
        const nbf = claims.nbf as number;
        assert.deepEqual(decide(claims, exp).reasons, []);
        assert.deepEqual(decide(claims, exp + CLOCK_SKEW_SECONDS).reasons, [], "the last second of the skew is undetermined, not refused");
        assert.deepEqual(decide(claims, exp + CLOCK_SKEW_SECONDS + 1).reasons, ["AADSTS700024: Client assertion is not within its valid time range: the token expired at 2025-11-24T17:00:00.000Z"]);
        assert.deepEqual(decide(claims, exp + 1).undetermined, [
            `UNVERIFIED: the token expired at 2025-11-24T17:00:00.000Z, 1 s ago; Entra's clock skew for federated assertions is not documented (this program assumes up to 300 s)`,
        ]);
        assert.deepEqual(decide(claims, nbf - CLOCK_SKEW_SECONDS).reasons, []);
        assert.deepEqual(decide(claims, nbf - CLOCK_SKEW_SECONDS - 1).reasons, ["AADSTS700024: Client assertion is not within its valid time range: the token is not valid before 2025-11-24T15:59:55.000Z"]);
        assert.equal(decide(claims, nbf - 1).accepted, false);
        assert.equal(decide(claims, nbf).accepted, true);
        const { exp: _, ...noExp } = claims;
        assert.deepEqual(decide(noExp).undetermined, ["UNVERIFIED: the token has no exp; no Microsoft page says whether Entra requires one in a federated assertion"]);
    });

    it("every failing check is listed; a token signed with another algorithm is refused", () => {
        assert.deepEqual(decide({ ...gitlabToken({ ref: "dev", aud: AZ }) }, NOW + 7200, { alg: "ES256" }).reasons, [
            `AADSTS70021: No matching federated identity record found for presented assertion: no federated credential of gitlab-platform-api--deploy has issuer "https://gitlab.example.com" and subject "project_path:platform/api:ref_type:branch:ref:dev"`,
            "AADSTS700024: Client assertion is not within its valid time range: the token expired at 2025-11-24T17:00:00.000Z",
            `the token is signed with "ES256"; Entra accepts tokens of external issuers signed with RS256 only`,
        ]);
        assert.deepEqual(decide(gitlabToken({ aud: AZ }), NOW, { alg: "RS256" }).reasons, []);
    });

    it("an identity the plan does not hold, and a custom audience", () => {
        const other = summary.identityId.replace("gitlab-ci-identities", "elsewhere");
        assert.deepEqual(evaluate({ ...summary, identityId: other }, gitlabToken({ aud: AZ }), { now: NOW }), { accepted: false, reasons: [`the managed identity ${other} is not in the plan`], gives: [] });
        const custom = planned(["main"], "branch", "https://gitlab.example.com");
        assert.equal(custom.evaluate(custom.summary, gitlabToken({ aud: "https://gitlab.example.com" }), { now: NOW }).accepted, true);
        assert.equal(custom.evaluate(custom.summary, gitlabToken({ aud: AZ }), { now: NOW }).accepted, false);
    });
});

describe("Azure: the evaluator agrees with an independent model of Entra ID", () => {
    type Token = Record<string, unknown>;
    const scenario: fc.Arbitrary<Token> = fc.oneof(
        fc.constant(gitlabToken({ aud: AZ })),
        fc.constant(gitlabToken({ aud: AZ, protected: false })),
        fc.constantFrom("feature/x", "release/1.0", "develop", "Main").map((ref) => gitlabToken({ aud: AZ, ref })),
        fc.constantFrom("v1.0.0", "main").map((ref) => gitlabToken({ aud: AZ, ref, refType: "tag" })),
        fc.constantFrom("main", "feature/x").map((ref) => gitlabToken({ aud: AZ, ref, pipelineSource: "merge_request_event" })),
        fc.constant(gitlabToken({ aud: AZ, projectPath: "someone/api", projectId: "99", pipelineSource: "merge_request_event" })),
        fc.constantFrom("platform/web", "platform/api-v2", "platform/ap", "Platform/api", "PLATFORM/API").map((projectPath) => gitlabToken({ aud: AZ, projectPath })),
        fc.constantFrom<string | string[]>("https://gitlab.example.com", "api://azureadtokenexchange", [AZ], [AZ, "x"], ["x", "y"], []).map((aud) => gitlabToken({ aud })),
        fc.constantFrom("https://gitlab.example.com/", "https://GITLAB.example.com", "https://gitlab.example.org").map((iss) => ({ ...gitlabToken({ aud: AZ }), iss })),
        fc.constant({ ...gitlabToken({ aud: AZ }), sub: 42 }),
    );
    const refs = fc.subarray(["main", "release/1.0", "develop", "v1.0.0"], { minLength: 1 });
    const when = fc.constantFrom(NOW, IAT + 3600, IAT + 3601, IAT + 3900, IAT + 3901, IAT - 5, IAT - 305, IAT - 306, IAT + 86400);

    it("on accepted, refused (with the same AADSTS codes) and undetermined, for realistic GitLab claim sets", () => {
        const seen = new Set<string>();
        fc.assert(
            fc.property(refs, fc.constantFrom<"branch" | "tag">("branch", "tag"), fc.constantFrom(AZ, "https://gitlab.example.com"), scenario, when, fc.boolean(), (list, refType, audience, token, now, dropExp) => {
                const { plan: p, summary } = planned(list, refType, audience);
                const claims: Token = dropExp ? Object.fromEntries(Object.entries(token).filter(([k]) => k !== "exp")) : token;
                const decision = entraDecision(summary.identityName, p.federatedIdentityCredentials, claims, { now });
                const verdict = entraModel(p.federatedIdentityCredentials, claims, now);
                const outcome = decision.accepted ? "accepted" : decision.reasons.length > 0 ? "rejected" : "open";
                assert.equal(outcome, verdict.outcome, JSON.stringify({ list, refType, audience, claims, now, decision }));
                assert.deepEqual(decision.reasons.map((r) => /^AADSTS\d+/.exec(r)?.[0] ?? r).sort(), verdict.codes);
                assert.equal(decision.undetermined !== undefined, outcome === "open");
                seen.add(outcome);
                verdict.codes.forEach((code) => seen.add(code));
            }),
            { numRuns: 400 },
        );
        assert.deepEqual([...seen].sort(), ["AADSTS700024", "AADSTS70021", "AADSTS700212", "accepted", "open", "rejected"], "the runs cover every outcome and code");
    });
});

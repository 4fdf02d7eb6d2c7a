/**
 * How Akeyless decides a GitLab job's login for one association (components/akeyless/evaluate.ts):
 * realistic GitLab claim sets with exact reasons, wildcard boundary pairs, agreement with an
 * independent reading of the documentation (docs-evaluator.ts) over generated claim sets, and the
 * values that cannot be bound literally.
 */
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { type AssociationTerms, type AuthMethodTerms, REF_PATTERN_WARNING, akeylessGlob, evaluateLogin, refSubClaim, subClaimValueProblem } from "../../../components/akeyless/evaluate";
import { jobClaims } from "../../../src/core/claims";
import { docsVerdict } from "./docs-evaluator";

const GITLAB = "https://gitlab.example.com";
const AUDIENCE = "https://akeyless.example.com";
const TERMS: AuthMethodTerms = { issuer: GITLAB, audience: AUDIENCE, uniqueIdentifier: "project_id" };
const DEPLOY: AssociationTerms = {
    subClaims: { environment: ["production"], project_id: ["42"], ref: ["main"], ref_protected: ["true"], ref_type: ["branch"] },
    caseSensitive: true,
};

function job(extra: Partial<Parameters<typeof jobClaims>[0]> = {}): Record<string, unknown> {
    return jobClaims({ gitlabUrl: GITLAB, projectPath: "platform/api", projectId: "42", ref: "main", refType: "branch", protected: true, environment: "production", aud: AUDIENCE, now: 1_700_000_000, ...extra });
}

/** The check names a product reason or undetermined entry is about. */
function checkName(reason: string): string {
    const subClaim = /^(?:UNVERIFIED: )?sub-claim "([^"]+)":/.exec(reason);
    return subClaim !== null ? `sub-claim ${subClaim[1]}` : reason.replace(/^UNVERIFIED: /, "").split(":")[0]!;
}

describe("what Akeyless accepts (components/akeyless/evaluate.ts)", () => {
    const cases: [string, Record<string, unknown>, readonly string[], (readonly string[])?][] = [
        ["deploy job on protected main", job(), []],
        ["a feature branch", job({ ref: "feature/x", protected: false }), ['sub-claim "ref": the token\'s "feature/x" matches none of "main"', 'sub-claim "ref_protected": the token\'s "false" matches none of "true"']],
        ["a tag named main", job({ refType: "tag" }), ['sub-claim "ref_type": the token\'s "tag" matches none of "branch"']],
        ["main, unprotected", job({ protected: false }), ['sub-claim "ref_protected": the token\'s "false" matches none of "true"']],
        [
            "a merge-request pipeline (ref is the source branch)",
            job({ ref: "feature/x", protected: false, pipelineSource: "merge_request_event" }),
            ['sub-claim "ref": the token\'s "feature/x" matches none of "main"', 'sub-claim "ref_protected": the token\'s "false" matches none of "true"'],
        ],
        [
            "a fork's merge request (project claims are the fork's)",
            job({ projectId: "99", projectPath: "someone/api", protected: false, pipelineSource: "merge_request_event" }),
            ['sub-claim "project_id": the token\'s "99" matches none of "42"', 'sub-claim "ref_protected": the token\'s "false" matches none of "true"'],
        ],
        ["another project, same ref", job({ projectId: "43", projectPath: "platform/api-internal" }), ['sub-claim "project_id": the token\'s "43" matches none of "42"']],
        ["a project id that extends the bound one", job({ projectId: "420" }), ['sub-claim "project_id": the token\'s "420" matches none of "42"']],
        ["a job without environment", job({ environment: undefined }), ['sub-claim "environment": the token has no "environment" claim']],
        ["another environment, case variant", job({ environment: "Production" }), ['sub-claim "environment": the token\'s "Production" matches none of "production"']],
        ["a case variant of the ref", job({ ref: "Main" }), ['sub-claim "ref": the token\'s "Main" matches none of "main"']],
        ["a token for another audience", job({ aud: "https://vault.example.com" }), ['audience: the token\'s aud "https://vault.example.com" is not the auth method\'s audience "https://akeyless.example.com"']],
        ["a token from another GitLab", job({ gitlabUrl: "https://gitlab.com" }), ['issuer: the token\'s iss "https://gitlab.com" is not the auth method\'s issuer "https://gitlab.example.com"']],
        [
            "a multi-audience token that includes Akeyless's",
            job({ aud: [AUDIENCE, "https://vault.example.com"] }),
            [],
            ['UNVERIFIED: audience: the token\'s aud is a list holding "https://akeyless.example.com"; whether Akeyless accepts a list aud is not documented'],
        ],
    ];
    for (const [name, claims, reasons, undetermined = []] of cases) {
        it(name, () => {
            assert.deepEqual(evaluateLogin(TERMS, DEPLOY, claims), { accepted: reasons.length === 0 && undetermined.length === 0, reasons, undetermined });
        });
    }

    it("case-insensitive associations compare values without case; claim names stay exact", () => {
        const relaxed = { ...DEPLOY, caseSensitive: false };
        assert.deepEqual(evaluateLogin(TERMS, relaxed, job({ ref: "Main", environment: "PRODUCTION" })), { accepted: true, reasons: [], undetermined: [] });
        assert.deepEqual(evaluateLogin(TERMS, relaxed, job({ ref: "Mainline" })).reasons, ['sub-claim "ref": the token\'s "Mainline" matches none of "main" (case-insensitive)']);
    });

    it("a missing unique identifier claim refuses; a non-string claim or an operator is undetermined, never accepted", () => {
        const { project_id: _, ...noId } = job();
        assert.deepEqual(evaluateLogin(TERMS, { subClaims: { ref: ["main"] }, caseSensitive: true }, noId).reasons, ['unique identifier: the token has no "project_id" claim, which the auth method identifies clients by']);
        assert.deepEqual(evaluateLogin(TERMS, DEPLOY, { ...job(), ref_protected: true }), {
            accepted: false,
            reasons: [],
            undetermined: ['UNVERIFIED: sub-claim "ref_protected": the token\'s value is a boolean; how Akeyless matches it is not documented'],
        });
        assert.deepEqual(evaluateLogin(TERMS, { subClaims: { groups_direct: ["ops"] }, caseSensitive: true }, { ...job(), groups_direct: ["ops"] }).undetermined, [
            'UNVERIFIED: sub-claim "groups_direct": the token\'s value is a list; how Akeyless matches it is not documented',
        ]);
        assert.deepEqual(evaluateLogin(TERMS, { subClaims: { ref: ["main `OR` dev"] }, caseSensitive: true }, job()).undetermined, [
            'UNVERIFIED: sub-claim "ref": the values use logical operators (`AND`/`OR`), which this evaluation does not model',
        ]);
    });

    it("wildcards: * any run (empty, and across /), ? exactly one character, anchored; boundary pairs", () => {
        const pairs: [string, string, boolean][] = [
            ["release/*", "release/1.0", true],
            ["release/*", "release/1.0/hotfix", true],
            ["release/*", "release/", true],
            ["release/*", "release", false],
            ["release/*", "releases/1.0", false],
            ["release-*", "release/1", false],
            ["v?.0", "v1.0", true],
            ["v?.0", "v10.0", false],
            ["v?.0", "v.0", false],
            ["*", "", true],
            ["", "", true],
            ["", "a", false],
            ["main", "main2", false],
            ["a*b*c", "aXbYc", true],
            ["a*b*c", "acb", false],
            ["*x", "xxxx", true],
            ["é?", "éñ", true],
        ];
        for (const [pattern, subject, expected] of pairs) {
            assert.equal(akeylessGlob(pattern, subject), expected, `${pattern} ~ ${subject}`);
        }
        const started = Date.now();
        assert.equal(akeylessGlob(`${"*a".repeat(30)}b`, "a".repeat(5000)), false);
        assert.ok(Date.now() - started < 1000, "no exponential backtracking");
    });

    it("agrees with an independent reading of the documentation on realistic GitLab claim sets", () => {
        const binding = fc.record({
            refs: fc.subarray(["main", "release/*", "v*", "*", "feature/x", "v?.0"], { minLength: 1 }),
            refType: fc.constantFrom("branch", "tag"),
            bindProtected: fc.boolean(),
            environment: fc.option(fc.constantFrom("production", "staging"), { nil: undefined }),
            caseSensitive: fc.boolean(),
        });
        /** Mostly the value a deploy job has, sometimes a neighbour, so every verdict is common. */
        const often = <T>(value: T, ...others: T[]) => fc.oneof({ arbitrary: fc.constant(value), weight: 3 }, { arbitrary: fc.constantFrom(...others), weight: 1 });
        const claimSet = fc.record({
            projectId: often("42", "43", "4", "420"),
            ref: fc.constantFrom("main", "Main", "main2", "feature/x", "release/1.0", "release-1", "release/1/hotfix", "v1.0", "V1.0", "v10.0"),
            refType: fc.constantFrom<"branch" | "tag">("branch", "tag"),
            protected: fc.boolean(),
            environment: often<string | undefined>("production", undefined, "Production", "staging", "production-eu"),
            aud: often<string | string[]>(AUDIENCE, "https://vault.example.com", [AUDIENCE, "x"], ["x"]),
            gitlabUrl: often(GITLAB, "https://gitlab.com"),
            pipelineSource: fc.constantFrom("push", "merge_request_event"),
            drop: often<string | undefined>(undefined, "project_id", "ref", "ref_protected", "environment"),
            booleanProtected: often(false, true),
        });
        const seen = new Map<string, number>();
        fc.assert(
            fc.property(binding, claimSet, (b, c) => {
                const claims: Record<string, unknown> = job({ projectId: c.projectId, ref: c.ref, refType: c.refType, protected: c.protected, environment: c.environment, aud: c.aud, gitlabUrl: c.gitlabUrl, pipelineSource: c.pipelineSource });
                if (c.drop !== undefined) {
                    delete claims[c.drop];
                }
                if (c.booleanProtected && "ref_protected" in claims) {
                    claims.ref_protected = c.protected;
                }
                const subClaims: Record<string, string[]> = { project_id: ["42"], ref: b.refs, ref_type: [b.refType], ...(b.bindProtected ? { ref_protected: ["true"] } : {}), ...(b.environment !== undefined ? { environment: [b.environment] } : {}) };
                const product = evaluateLogin(TERMS, { subClaims, caseSensitive: b.caseSensitive }, claims);
                const wire = Object.fromEntries(Object.entries(subClaims).map(([k, v]) => [k, v.join(",")]));
                const docs = docsVerdict({ ...TERMS, subClaims: wire, caseSensitive: b.caseSensitive }, claims);
                const verdict = product.accepted ? "accepted" : product.reasons.length > 0 ? "refused" : "undetermined";
                assert.equal(verdict, docs.verdict);
                assert.deepEqual(product.reasons.map(checkName).sort(), docs.failing);
                seen.set(verdict, (seen.get(verdict) ?? 0) + 1);
            }),
            { numRuns: 2000 },
        );
        assert.deepEqual([...seen.keys()].sort(), ["accepted", "refused", "undetermined"], "the generated claim sets reach every verdict");
        assert.ok(Math.min(...seen.values()) >= 5, `every verdict is common: ${JSON.stringify([...seen])}`);
    });

    it("values Akeyless cannot match literally are refused, with the reason and a fix", () => {
        assert.equal(subClaimValueProblem("main"), undefined);
        assert.equal(subClaimValueProblem("release/1.0"), undefined);
        assert.equal(subClaimValueProblem(""), "must not be empty: an empty Akeyless sub-claim value has no documented meaning; leave the condition out, or name the value");
        assert.equal(
            subClaimValueProblem("a,b"),
            'contains "," (got "a,b"): Akeyless splits sub-claim values on commas (any of the parts matches) and has no escape, so this value cannot be matched literally; use a value without ","',
        );
        assert.equal(
            subClaimValueProblem("feat*"),
            'contains "*" (got "feat*"): "*" and "?" are wildcards in Akeyless sub-claims and cannot be escaped, so this exact value would match other values too; use a value without "*" and "?"',
        );
        assert.equal(
            subClaimValueProblem("what?"),
            'contains "?" (got "what?"): "*" and "?" are wildcards in Akeyless sub-claims and cannot be escaped, so this exact value would match other values too; use a value without "*" and "?"',
        );
        assert.equal(subClaimValueProblem("a`OR`b"), 'contains a backtick (got "a`OR`b"): Akeyless reads `AND` and `OR` between backticks as operators in sub-claim values; use a value without backticks');
        assert.equal(subClaimValueProblem(" main"), 'starts or ends with white space or holds a control character (got " main"): whether Akeyless trims sub-claim values is not documented; use the value without them');
        assert.equal(subClaimValueProblem("ma\tin"), 'starts or ends with white space or holds a control character (got "ma\\tin"): whether Akeyless trims sub-claim values is not documented; use the value without them');
    });

    it("refs: exact refs and *-patterns map to themselves; ?, commas and backticks are refused", () => {
        assert.deepEqual(refSubClaim("main"), { value: "main" });
        assert.deepEqual(refSubClaim("release/*"), { value: "release/*" });
        assert.deepEqual(refSubClaim("*"), { value: "*" });
        assert.deepEqual(refSubClaim("release/*-?"), {
            problem: 'contains "?" (got "release/*-?"): "*" and "?" are wildcards in Akeyless sub-claims and cannot be escaped, so this exact value would match other values too; use a value without "*" and "?"',
        });
        assert.deepEqual(refSubClaim("a,*"), {
            problem: 'contains "," (got "a,*"): Akeyless splits sub-claim values on commas (any of the parts matches) and has no escape, so this value cannot be matched literally; use a value without ","',
        });
        assert.deepEqual(refSubClaim(""), { problem: subClaimValueProblem("") });
        // A *-pattern means in Akeyless what it means in GitLab's protected refs and Vault's glob (docs/reference.md §1.5, §2.5).
        for (const [pattern, ref] of [["release/*", "release/1/2"], ["v*", "v"], ["*-stable", "1-0-stable"]] as const) {
            assert.equal(akeylessGlob(pattern, ref), true);
        }
        assert.match(REF_PATTERN_WARNING, /never more\)$/);
    });
});

/**
 * GCP's CEL as explain evaluates it: @bufbuild/cel, whose `matches` is RE2 (cel-spec
 * doc/langdef.md "Regular Expressions": "Regular expressions follow the RE2 syntax"), checked
 * against a second implementation, @marcbachmann/cel-js (`matches` is a JavaScript RegExp). Where
 * the two should agree (the planned mapping on ordinary refs), they do; where JavaScript and RE2
 * differ, explain follows RE2: `.` matches \r, U+2028 and U+2029 (never \n), one `.` is one code
 * point, `\z` is the end of the text, `(?i)` and `(?s)` are flags, and lookarounds and
 * backreferences are refused.
 */
import { strict as assert } from "node:assert";
import { evaluate } from "@marcbachmann/cel-js";
import fc from "fast-check";
import { planMap } from "../../../src/features";
import { exchange } from "../../../components/gcp/evaluate";
import { vault } from "../../../components/vault";
import { devMap } from "../../helpers/maps";
import { gitlabToken } from "../../helpers/tokens";

const PLAN = planMap(devMap());
const PROVIDER = PLAN.gcp!.providers[0]!;
const webDeploy = PLAN.grants.find((g) => g.project === "platform/web" && g.grant === "deploy")!;
/** The gates of platform/web's deploy account: ref main, and the pattern release/* (both with environment production). */
const [MAIN_GATE, RELEASE_GATE] = webDeploy.gcp!.members.map((m) => m.slice(m.indexOf("/group/") + "/group/".length)) as [string, string];

/** A job of platform/web on a protected branch with the production environment. */
const web = (ref: string) => gitlabToken({ projectId: "57", projectPath: "platform/web", ref, environment: "production", aud: PLAN.gcp!.audience });

/** google.groups as the second implementation computes it. */
function celJsGroups(claims: Record<string, unknown>): string[] {
    return evaluate(PROVIDER.attributeMapping["google.groups"]!, { assertion: claims }) as string[];
}

/** `s.matches(re)` in the product (through exchange's condition): true, false, or the reason. */
function productMatches(s: string, re: string): boolean | string {
    const condition = "assertion.s.matches(assertion.re)";
    const result = exchange({ attributeMapping: { "google.subject": "'x'" }, attributeCondition: condition }, { s, re });
    return result.accepted || (result.reasons[0] === `the attribute condition is false for this token: ${condition}` ? false : result.reasons[0]!);
}

/** `s.matches(re)` in cel-js: true, false, or the first line of its error. */
function celJsMatches(s: string, re: string): boolean | string {
    try {
        return evaluate("s.matches(re)", { s, re }) as boolean;
    } catch (error) {
        return (error as Error).message.split("\n")[0]!;
    }
}

describe("GCP CEL: RE2 as GCP evaluates it, against cel-js", () => {
    describe("pattern gates for odd branch names (platform/web deploy: main, release/*)", () => {
        const rows: [name: string, ref: string, product: boolean, celJs: boolean][] = [
            ["U+2028 in the ref: RE2's . matches it, JavaScript's does not", "release/a\u2028b", true, false],
            ["U+2029", "release/a\u2029b", true, false],
            ["\\r", "release/a\rb", true, false],
            ["\\n: neither engine's . matches it", "release/a\nb", false, false],
            ["accented letters", "release/é", true, true],
            ["CJK and an emoji (outside the BMP)", "release/日本-😀", true, true],
            ["release without a slash", "release", false, false],
        ];
        for (const [name, ref, product, celJs] of rows) {
            it(name, () => {
                const groups = exchange(PROVIDER, web(ref)).groups;
                assert.equal(groups.includes(RELEASE_GATE), product, "product");
                assert.equal(celJsGroups(web(ref)).includes(RELEASE_GATE), celJs, "cel-js");
                assert.equal(groups.includes(MAIN_GATE), false);
            });
        }

        it("explain decides with RE2: the release/* account admits a U+2028 branch; Vault's glob does too, and \\n only at Vault", () => {
            const gcp = (ref: string) => exchange(PROVIDER, web(ref)).groups.includes(RELEASE_GATE);
            const vaultEvaluator = vault.evaluator(PLAN.vault!, PLAN.gitlab);
            const atVault = (ref: string) =>
                vaultEvaluator(webDeploy.vault!, { project: webDeploy.project, projectId: webDeploy.projectId, grant: webDeploy.grant, conditions: webDeploy.conditions }, { ...web(ref), aud: PLAN.vault!.audience }, { now: 1764000100 }).accepted;
            assert.deepEqual(["release/a\u2028b", "release/a\nb"].map((ref) => [gcp(ref), atVault(ref)]), [
                [true, true],
                [false, true],
            ]);
        });
    });

    describe("matches: where JavaScript and RE2 differ, the product is RE2", () => {
        const condition = (message: string) => `the attribute condition fails to evaluate for this token (${message})`;
        const rows: [s: string, re: string, product: boolean | string, celJs: boolean | string][] = [
            ["a\rb", "^a.b$", true, false],
            ["a\u2028b", "^a.b$", true, false],
            ["a\nb", "^a.b$", false, false],
            ["a\nb", "(?s)^a.b$", true, "Invalid regular expression: (?s)^a.b$"],
            ["AAA", "(?i)^a+$", true, "Invalid regular expression: (?i)^a+$"],
            ["ab", "b\\z", true, false],
            ["😀", "^.$", true, false],
            ["x", "(?=x)", condition("error parsing regexp: invalid or unsupported Perl syntax: `(?=`"), true],
            ["aa", "(a)\\1", condition("error parsing regexp: invalid escape sequence: `\\1`"), true],
        ];
        for (const [s, re, product, celJs] of rows) {
            it(`${JSON.stringify(s)}.matches(${JSON.stringify(re)})`, () => {
                assert.deepEqual([productMatches(s, re), celJsMatches(s, re)], [product, celJs]);
            });
        }

        it("matches is a search, not a full match, in both", () => {
            assert.deepEqual([productMatches("xaby", "ab"), celJsMatches("xaby", "ab")], [true, true]);
        });
    });

    it("the two implementations agree on the planned mapping for refs without line terminators", () => {
        const char = fc.constantFrom(..."abcXYZ019/._-*é日😀 \t".split(/(?:)/u));
        fc.assert(
            fc.property(fc.array(char, { maxLength: 16 }), fc.constantFrom("", "release/", "main"), fc.boolean(), (chars, prefix, environment) => {
                const claims: Record<string, unknown> = web(prefix + chars.join(""));
                if (!environment) delete claims.environment;
                assert.deepEqual([...exchange(PROVIDER, claims).groups], celJsGroups(claims));
            }),
            { numRuns: 500 },
        );
    });
});

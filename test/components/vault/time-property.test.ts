/**
 * explain's Vault decision on the time claims agrees with an independent model of what cap does,
 * over random combinations of iat, nbf and exp: absent, null, 0, strings, booleans, fractions,
 * values beyond int64, and case variants of the names ("EXP", "Exp", ...), alone or together.
 *
 * The model is written from the research notes on hashicorp/cap v0.13.0 jwt/jwt.go `validateAll`
 * and go-jose v3.0.5 jwt/claims.go, not from the product code:
 * - cap re-encodes the claim map (Go sorts map keys bytewise) and decodes it into a struct, whose
 *   fields Go fills from any key equal to the field name ignoring case; the last key wins. (iat,
 *   nbf and exp have no s or k, the only letters with non-ASCII case folds.)
 * - NumericDate: a JSON number, truncated to int64; null leaves the pointer nil; another type
 *   fails the decode ("expected number value to unmarshal NumericDate"); beyond ±2^63 the Go
 *   conversion is implementation-dependent.
 * - 0 is missing; all three missing fails. exp missing: max(iat, nbf) + 150; nbf missing: iat if
 *   set, else exp - 150 (the role leeways are 0, which cap reads as 150 s); then nbf, exp, iat
 *   against now ± 60 s, comparing Go times (seconds since year 1 in an int64, which wraps).
 */
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { planMap } from "../../../src/features";
import { vault } from "../../../components/vault";
import { devMap } from "../../helpers/maps";
import { gitlabToken } from "../../helpers/tokens";

const PLAN = planMap(devMap());
const NOW = 1764000100;
const deploy = PLAN.grants.find((g) => g.project === "platform/api" && g.grant === "deploy")!;
const evaluator = vault.evaluator(PLAN.vault!, { url: "https://gitlab.example.com" });

type Json = Record<string, unknown>;
type Name = "iat" | "nbf" | "exp";
interface Expected {
    accepted: boolean;
    reasons: string[];
    undetermined?: string[];
}

/** A decoded time field: its int64, or why it is undetermined. */
type Field = { value: bigint } | { undetermined: string };

/** The model's decode of the three time fields; a string when the decode fails. */
function decodeTimes(claims: Json): Record<Name, Field> | string {
    const fields: Record<Name, Field> = { iat: { value: 0n }, nbf: { value: 0n }, exp: { value: 0n } };
    const keys = Object.keys(claims)
        .filter((k) => /^(iat|nbf|exp)$/i.test(k))
        .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const errors: string[] = [];
    for (const key of keys) {
        const name = key.toLowerCase() as Name;
        const v = claims[key];
        if (v === null) fields[name] = { value: 0n };
        else if (typeof v !== "number") errors.push(`error validating token: go-jose/go-jose/jwt: expected number value to unmarshal NumericDate (key ${JSON.stringify(key)}: ${JSON.stringify(v)})`);
        else if (Math.abs(v) >= 2 ** 63 && v !== -(2 ** 63))
            fields[name] = { undetermined: `UNVERIFIED: Vault converts ${key} ${v} to a Go int64 (go-jose jwt.NumericDate), which Go leaves implementation-dependent beyond ±2^63: explain cannot tell what Vault decides` };
        else fields[name] = { value: BigInt(Math.trunc(v)) };
    }
    return errors.length > 0 ? errors.join("\n") : fields;
}

const wrap = (x: bigint) => BigInt.asIntN(64, x);
const goTime = (unix: bigint) => wrap(unix + 62135596800n);

/** What Vault decides on these time claims at `now`. */
function model(claims: Json, now: number): Expected {
    const decoded = decodeTimes(claims);
    if (typeof decoded === "string") return { accepted: false, reasons: decoded.split("\n") };
    const pending = Object.values(decoded).flatMap((f) => ("undetermined" in f ? [f.undetermined] : []));
    if (pending.length > 0) return { accepted: false, reasons: [], undetermined: pending };
    const [iat, nbf, exp] = (["iat", "nbf", "exp"] as const).map((n) => (decoded[n] as { value: bigint }).value) as [bigint, bigint, bigint];
    if (iat === 0n && nbf === 0n && exp === 0n) return { accepted: false, reasons: ["error validating token: no issued at (iat), not before (nbf), or expiration time (exp) claims in token"] };
    const realExp = exp !== 0n ? exp : wrap((nbf > iat ? nbf : iat) + 150n);
    const realNbf = nbf !== 0n ? nbf : iat !== 0n ? iat : wrap(realExp - 150n);
    const t = BigInt(now) + 62135596800n;
    const reasons: string[] = [];
    if (t + 60n < goTime(realNbf)) {
        const why = nbf !== 0n ? "" : iat !== 0n ? ` (the token has no nbf: Vault takes nbf = iat = ${realNbf})` : ` (the token has no nbf: Vault takes nbf = exp - not_before_leeway 150 s = ${realNbf})`;
        reasons.push(`error validating token: invalid not before (nbf) claim: token not yet valid${why}`);
    }
    if (t - 60n > goTime(realExp)) {
        reasons.push(`error validating token: invalid expiration time (exp) claim: token is expired${exp !== 0n ? "" : ` (the token has no exp: Vault takes exp = max(iat, nbf) + expiration_leeway 150 s = ${realExp})`}`);
    }
    if (t + 60n < goTime(iat)) reasons.push("error validating token: invalid issued at (iat) claim: token issued in the future");
    return { accepted: reasons.length === 0, reasons };
}

const VARIANTS: Record<Name, string[]> = { iat: ["iat", "IAT", "Iat"], nbf: ["nbf", "NBF", "nBf"], exp: ["exp", "EXP", "Exp", "eXp"] };

const timeValue = fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: NOW - 4000, max: NOW + 4000 }) },
    { weight: 2, arbitrary: fc.double({ min: NOW - 400, max: NOW + 400, noNaN: true }) },
    { weight: 2, arbitrary: fc.constantFrom<unknown>(0, null, 0.5, -0.5, -5, "1764000000", true, [NOW], {}) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>(2 ** 63, 2 ** 63 - 1024, -(2 ** 63), 1e300, -1e300, 2 ** 62, 2 ** 53 + 1) },
);

/** For each name, a few of its spellings, each with a value. */
const timeClaims = fc
    .tuple(...(["iat", "nbf", "exp"] as const).map((n) => fc.subarray(VARIANTS[n], { maxLength: 2 }).chain((keys) => fc.tuple(...keys.map((k) => fc.tuple(fc.constant(k), timeValue))))))
    .map((parts) => Object.fromEntries(parts.flat()) as Json);

describe("Vault's time checks agree with an independent model of cap", () => {
    it("for random time claims, spellings and times", () => {
        fc.assert(
            fc.property(timeClaims, fc.integer({ min: NOW - 5000, max: NOW + 5000 }), (times, now) => {
                const claims: Json = { ...gitlabToken({ environment: "production", aud: "https://vault.example.com" }) };
                delete claims.iat;
                delete claims.nbf;
                delete claims.exp;
                Object.assign(claims, times);
                const { accepted, reasons, undetermined } = evaluator(deploy.vault!, { project: deploy.project, projectId: deploy.projectId, grant: deploy.grant, conditions: deploy.conditions }, claims, { now });
                assert.deepEqual({ accepted, reasons, ...(undetermined !== undefined ? { undetermined } : {}) }, model(times, now), JSON.stringify({ times, now }));
            }),
            { numRuns: 3000 },
        );
    });

    it("the model itself: a GitLab token at issue time is valid, and one with only iat expires 210 s later", () => {
        assert.deepEqual(model({ iat: NOW, nbf: NOW - 5, exp: NOW + 3600 }, NOW), { accepted: true, reasons: [] });
        assert.deepEqual(model({ iat: NOW }, NOW + 210), { accepted: true, reasons: [] });
        assert.equal(model({ iat: NOW }, NOW + 211).accepted, false);
    });
});

/**
 * explain on odd tokens, as every target decides them: unsigned and HMAC-signed tokens (no target
 * verifies one: go-oidc `RemoteKeySet.VerifySignature` parses only asymmetric algs, and AWS and
 * GCP verify against the issuer's public key set), key selection in a JWKS (go-oidc
 * `RemoteKeySet.verify`: every key without a kid, every key of the kid with one), and STS with an
 * aud array (undetermined: AWS does not document it). Exact reasons, notes and exit codes.
 */
import { strict as assert } from "node:assert";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { planMap } from "../../src/features";
import { Explainer } from "../../src/features/explain";
import { cli, directoryWith } from "../helpers/cli";
import { devMap } from "../helpers/maps";
import { gitlabToken } from "../helpers/tokens";

const PLAN = planMap(devMap());
const NOW = 1764000100;
const AUD = { vault: "https://vault.example.com", aws: "sts.amazonaws.com", gcp: PLAN.gcp!.audience };
const ALG_REASON = (alg: string) =>
    `the token's alg "${alg}" is not an asymmetric signature algorithm (RS256, RS384, RS512, ES256, ES384, ES512, PS256, PS384, PS512, EdDSA): no target accepts an unsigned or HMAC-signed token`;

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
/** An unsigned token (alg none, empty signature). */
const unsigned = (claims: Record<string, unknown>) => `${base64url({ alg: "none", typ: "JWT" })}.${base64url(claims)}.`;

/** Accepted, rejected and undetermined grant names per target. */
function names(explanation: ReturnType<Explainer["explain"]>) {
    return Object.fromEntries(Object.entries(explanation.targets).map(([k, t]) => [k, { accepted: t.accepted.map((v) => v.grant), rejected: t.rejected.map((v) => v.grant), undetermined: t.undetermined.map((v) => v.grant) }]));
}

describe("explain on odd tokens", () => {
    const explainer = new Explainer(PLAN);

    describe("unsigned and HMAC-signed tokens: refused by every target", () => {
        it("a properly signed token's header passes: the deploy grant at each target with its audience", () => {
            const api = explainer.explain(gitlabToken({ environment: "production" }), { now: NOW, verified: true, header: { alg: "RS256" }, audiencePerTarget: true });
            assert.deepEqual(names(api), {
                vault: { accepted: ["deploy", "review"], rejected: ["release"], undetermined: [] },
                aws: { accepted: ["deploy"], rejected: ["release"], undetermined: [] },
                gcp: { accepted: ["deploy"], rejected: [], undetermined: [] },
            });
        });

        for (const alg of ["none", "HS256", "HS512"]) {
            it(`alg ${alg}: every grant of every target refused, the alg first; the notes say so`, () => {
                const api = explainer.explain(gitlabToken({ environment: "production" }), { now: NOW, verified: false, header: { alg }, audiencePerTarget: true });
                assert.deepEqual(names(api), {
                    vault: { accepted: [], rejected: ["deploy", "review", "release"], undetermined: [] },
                    aws: { accepted: [], rejected: ["deploy", "release"], undetermined: [] },
                    gcp: { accepted: [], rejected: ["deploy"], undetermined: [] },
                });
                assert.deepEqual(api.targets.gcp!.rejected[0]!.reasons, [ALG_REASON(alg)]);
                assert.deepEqual(api.targets.aws!.rejected[0]!.reasons, [ALG_REASON(alg)]);
                assert.deepEqual(api.targets.vault!.rejected[0]!.reasons, [ALG_REASON(alg), "error validating token: invalid algorithm (alg) header parameter: token signed with unexpected algorithm"]);
                assert.deepEqual(api.notes, [`the token is unsigned or HMAC-signed (alg "${alg}"): every target refuses it`, "the signature was not verified (give --jwks to verify it)"]);
            });
        }

        it("a header without alg is refused too", () => {
            assert.deepEqual(explainer.explain(gitlabToken({ environment: "production", aud: AUD.gcp }), { now: NOW, verified: false, header: {} }).targets.gcp!.rejected[0]!.reasons, [
                "the token's alg undefined is not an asymmetric signature algorithm (RS256, RS384, RS512, ES256, ES384, ES512, PS256, PS384, PS512, EdDSA): no target accepts an unsigned or HMAC-signed token",
            ]);
        });
    });

    describe("STS with an aud array: undetermined, never accepted", () => {
        const note = (aud: string[]) =>
            `UNVERIFIED: STS with a multi-valued aud (${JSON.stringify(aud)}): AWS documents neither whether AssumeRoleWithWebIdentity accepts an aud array nor how the condition key gitlab.example.com:aud sees one; explain does not decide (give GitLab's id_tokens one aud per target)`;

        it("an array holding AWS's audience: the grant the conditions admit is undetermined, with the note; Vault decides as usual", () => {
            const aud = [AUD.aws, AUD.vault];
            const explanation = explainer.explain(gitlabToken({ environment: "production", aud }), { now: NOW, verified: true });
            assert.deepEqual(explanation.targets.aws, {
                audience: aud,
                accepted: [],
                rejected: [{ project: "platform/api", grant: "release", gives: explanation.targets.aws!.rejected[0]!.gives, reasons: ['StringLike gitlab.example.com:sub: "project_path:platform/api:ref_type:branch:ref:main" matches none of "project_path:platform/api:ref_type:tag:ref:v*"'] }],
                undetermined: [{ project: "platform/api", grant: "deploy", gives: ["assume arn:aws:iam::111111111111:role/gitlab-federation/gitlab-platform-api--deploy", "managed policy arn:aws:iam::aws:policy/ReadOnlyAccess"], reasons: [note(aud)] }],
            });
            assert.deepEqual(names(explanation).vault, { accepted: ["deploy", "review"], rejected: ["release"], undetermined: [] });
        });

        it("a one-element array is an array too", () => {
            assert.deepEqual(explainer.explain(gitlabToken({ environment: "production", aud: [AUD.aws] }), { now: NOW, verified: true, targets: ["aws"] }).targets.aws!.undetermined[0]!.reasons, [note([AUD.aws])]);
        });

        it("an array none of whose audiences the condition admits is rejected: it fails under any reading", () => {
            const explanation = explainer.explain(gitlabToken({ environment: "production", aud: [AUD.vault, AUD.gcp] }), { now: NOW, verified: true, targets: ["aws"] });
            assert.deepEqual(names(explanation).aws, { accepted: [], rejected: ["deploy", "release"], undetermined: [] });
            assert.deepEqual(explanation.targets.aws!.rejected[0]!.reasons, [`StringEquals gitlab.example.com:aud: ${JSON.stringify([AUD.vault, AUD.gcp])} matches none of "sts.amazonaws.com"`]);
        });

        it("a string aud is decided as before", () => {
            assert.deepEqual(names(explainer.explain(gitlabToken({ environment: "production", aud: AUD.aws }), { now: NOW, verified: true, targets: ["aws"] })).aws, { accepted: ["deploy"], rejected: ["release"], undetermined: [] });
        });
    });

    describe("the binary: verification, key selection, exit codes", () => {
        let directory: string;
        const tokens: Record<string, string> = {};
        before(async () => {
            const [gitlab, other, second] = await Promise.all([generateKeyPair("RS256"), generateKeyPair("RS256"), generateKeyPair("RS256")]);
            const jwk = async (key: CryptoKey, extra: Record<string, unknown>) => ({ ...(await exportJWK(key)), ...extra });
            const claims = gitlabToken({ environment: "production", aud: AUD.aws });
            const sign = (key: CryptoKey | Uint8Array, header: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(key);
            const secret = new Uint8Array(32).fill(7);
            tokens.noKid = await sign(second.privateKey, { alg: "RS256" });
            tokens.kid = await sign(gitlab.privateKey, { alg: "RS256", kid: "gitlab-1" });
            tokens.sharedKid = await sign(second.privateKey, { alg: "RS256", kid: "shared" });
            tokens.unknownKid = await sign(gitlab.privateKey, { alg: "RS256", kid: "nope" });
            tokens.hmac = await sign(secret, { alg: "HS256", kid: "hmac" });
            tokens.none = unsigned(claims);
            const keys = [
                await jwk(other.publicKey, { kid: "other", alg: "RS256", use: "sig" }),
                await jwk(gitlab.publicKey, { kid: "gitlab-1", alg: "RS256", use: "sig" }),
                await jwk(other.publicKey, { kid: "shared", alg: "RS256" }),
                // go-jose verifies with the key alone: a wrong use and alg on the JWK do not matter.
                await jwk(second.publicKey, { kid: "shared", alg: "RS512", use: "enc" }),
                { kty: "oct", k: Buffer.from(secret).toString("base64url"), kid: "hmac", alg: "HS256" },
            ];
            directory = directoryWith({ "jwks.json": JSON.stringify({ keys }), "array.json": JSON.stringify(gitlabToken({ environment: "production", aud: [AUD.aws, AUD.vault] })) });
        });
        const run = (args: string[]) => cli(["explain", "-C", process.cwd(), "-s", "dev", "--now", String(NOW), ...args], { cwd: directory });
        const json = (args: string[]) => {
            const result = run([...args, "--json"]);
            return { status: result.status, ...(JSON.parse(result.stdout) as { verified: boolean; notes: string[]; targets: Record<string, { accepted: { grant: string }[]; rejected: { grant: string; reasons: string[] }[]; undetermined: { grant: string; reasons: string[] }[] }> }) };
        };

        it("no kid: every key is tried, the one that verifies wins", () => {
            const result = json(["--token", tokens.noKid!, "--jwks", "jwks.json", "--target", "aws"]);
            assert.deepEqual([result.status, result.verified, result.notes, result.targets.aws!.accepted.map((a) => a.grant)], [0, true, [], ["deploy"]]);
        });

        it("a kid: its key; a kid several keys share: each of them, whatever their use and alg", () => {
            assert.deepEqual([json(["--token", tokens.kid!, "--jwks", "jwks.json"]).verified, json(["--token", tokens.sharedKid!, "--jwks", "jwks.json"]).verified], [true, true]);
        });

        it("a kid no key has: every grant refused, exit 3", () => {
            const result = json(["--token", tokens.unknownKid!, "--jwks", "jwks.json", "--target", "aws"]);
            assert.deepEqual([result.status, result.verified, result.notes], [3, false, ["the signature did not verify"]]);
            assert.deepEqual(result.targets.aws!.rejected[0]!.reasons, ['the token\'s signature does not verify against the given keys (no key in the set has kid "nope")']);
        });

        it("HS256 signed with a secret the key set holds: refused at AWS and GCP too, exit 3", () => {
            const result = json(["--token", tokens.hmac!, "--jwks", "jwks.json"]);
            assert.deepEqual([result.status, result.verified, result.notes], [3, false, ['the token is unsigned or HMAC-signed (alg "HS256"): every target refuses it', "the signature did not verify"]]);
            assert.deepEqual(result.targets.aws!.rejected.find((r) => r.grant === "deploy")!.reasons, [
                'the token\'s signature does not verify against the given keys (malformed jwt: alg "HS256" cannot be verified with a key set)',
                ALG_REASON("HS256"),
            ]);
        });

        it("alg none, with or without keys: refused everywhere; without keys the output also says it was not verified", () => {
            const withKeys = json(["--token", tokens.none!, "--jwks", "jwks.json"]);
            const without = json(["--token", tokens.none!]);
            assert.deepEqual([withKeys.status, without.status], [3, 3]);
            assert.deepEqual(without.notes, ['the token is unsigned or HMAC-signed (alg "none"): every target refuses it', "the signature was not verified (give --jwks to verify it)"]);
            assert.deepEqual(without.targets.aws!.rejected.find((r) => r.grant === "deploy")!.reasons, [ALG_REASON("none")]);
            assert.deepEqual(Object.values(withKeys.targets).map((t) => t.accepted.length), [0, 0, 0]);
        });

        it("an aud array at AWS only: nothing accepted, something undetermined: exit 6, and the text says undetermined", () => {
            assert.equal(run(["--claims", "array.json", "--target", "aws", "--json"]).status, 8);
            const text = run(["--claims", "array.json", "--target", "aws"]);
            assert.equal(text.status, 8);
            assert.deepEqual(text.stdout.split("\n").slice(2, 5), [
                'AWS (aud ["sts.amazonaws.com","https://vault.example.com"]): 0 accepted, 1 rejected, 1 undetermined',
                "  undetermined  platform/api deploy:",
                `              UNVERIFIED: STS with a multi-valued aud (["sts.amazonaws.com","https://vault.example.com"]): AWS documents neither whether AssumeRoleWithWebIdentity accepts an aud array nor how the condition key gitlab.example.com:aud sees one; explain does not decide (give GitLab's id_tokens one aud per target)`,
            ]);
        });

        it("the same token at every target: Vault accepts, so exit 0 (an undetermined grant is never counted, either way)", () => {
            const result = json(["--claims", "array.json"]);
            assert.deepEqual([result.status, result.targets.vault!.accepted.map((a) => a.grant), result.targets.aws!.undetermined.map((a) => a.grant)], [0, ["deploy", "review"], ["deploy"]]);
        });
    });
});

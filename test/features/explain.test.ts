/**
 * explain on realistic GitLab claim sets, with exact expected results, and as users run it (the
 * real binary): real signed tokens verified against a key set, claim files and JSON lines, and
 * claims built from flags.
 */
import { strict as assert } from "node:assert";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { planMap } from "../../src/features";
import { Explainer } from "../../src/features/explain";
import { cli, directoryWith } from "../helpers/cli";
import { devMap } from "../helpers/maps";
import { TokenOptions, gitlabToken } from "../helpers/tokens";

const PLAN = planMap(devMap());
const NOW = 1764000100;
const VAULT_AUD = "https://vault.example.com";

/** accepted and rejected grants per target, rejected with their reason count. */
function summary(options: TokenOptions, extra: Record<string, unknown> = {}, now = NOW) {
    const explanation = new Explainer(PLAN).explain({ ...gitlabToken(options), ...extra }, { now, verified: true });
    return Object.fromEntries(
        Object.entries(explanation.targets).map(([key, t]) => [key, { accepted: t.accepted.map((v) => v.grant), rejected: t.rejected.map((v) => `${v.grant}: ${v.reasons.join(" | ")}`) }]),
    );
}

describe("explain", () => {
    describe("realistic claim sets against the dev map (a Vault token)", () => {
        it("a deploy job on protected main with its environment", () => {
            assert.deepEqual(summary({ environment: "production", aud: VAULT_AUD }).vault, {
                accepted: ["deploy", "review"],
                rejected: ['release: error validating claims: claim "ref" does not match any associated bound claim values | error validating claims: claim "ref_type" does not match any associated bound claim values'],
            });
        });

        it("a protected release tag", () => {
            assert.deepEqual(summary({ ref: "v1.4.0", refType: "tag", aud: VAULT_AUD }).vault!.accepted, ["release"]);
        });

        it("an unprotected feature branch: only review, deploy's failures listed nearest first", () => {
            assert.deepEqual(summary({ ref: "feature/x", protected: false, aud: VAULT_AUD }).vault, {
                accepted: ["review"],
                rejected: [
                    'deploy: error validating claims: claim "ref" does not match any associated bound claim values | error validating claims: claim "ref_protected" does not match any associated bound claim values | error validating claims: claim "environment" is missing',
                    'release: error validating claims: claim "ref" does not match any associated bound claim values | error validating claims: claim "ref_type" does not match any associated bound claim values | error validating claims: claim "ref_protected" does not match any associated bound claim values',
                ],
            });
        });

        it("a merge-request pipeline of a branch of the project", () => {
            assert.deepEqual(summary({ ref: "feature/x", protected: false, pipelineSource: "merge_request_event", aud: VAULT_AUD }).vault!.accepted, ["review"]);
        });

        it("a fork's merge-request pipeline: the fork's project, so no grant of the map applies", () => {
            assert.deepEqual(summary({ projectId: "99", projectPath: "alice/api", protected: false, pipelineSource: "merge_request_event", aud: VAULT_AUD }), { vault: { accepted: [], rejected: [] }, aws: { accepted: [], rejected: [] }, gcp: { accepted: [], rejected: [] } });
        });

        it("a job on main without its environment fails only the environment", () => {
            assert.deepEqual(summary({ aud: VAULT_AUD }).vault!.rejected[0], 'deploy: error validating claims: claim "environment" is missing');
        });

        it("another project at a path that extends this one, and a renamed project (by id) are told apart", () => {
            assert.deepEqual(summary({ projectId: "43", projectPath: "platform/api-evil", environment: "production", aud: VAULT_AUD }).vault, { accepted: [], rejected: [] });
            const renamed = summary({ projectId: "42", projectPath: "platform/renamed", environment: "production", aud: VAULT_AUD });
            assert.deepEqual(renamed.vault!.accepted, ["deploy", "review"], "Vault binds the id");
            assert.deepEqual(renamed.aws!.accepted, [], "AWS binds the path");
        });

        it("a token for another audience, and an expired one", () => {
            assert.deepEqual(summary({ environment: "production", aud: "sts.amazonaws.com" }).vault!.rejected.find((r) => r.startsWith("deploy")), "deploy: error validating token: invalid audience (aud) claim: audience claim does not match any expected audience");
            assert.deepEqual(summary({ environment: "production", aud: VAULT_AUD }, {}, 1764003600 + 61).vault!.rejected.find((r) => r.startsWith("deploy")), "deploy: error validating token: invalid expiration time (exp) claim: token is expired");
        });
    });

    describe("the binary", () => {
        let directory: string;
        let token: string;
        let foreign: string;
        before(async () => {
            const { publicKey, privateKey } = await generateKeyPair("RS256");
            const other = await generateKeyPair("RS256");
            const jwk = { ...(await exportJWK(publicKey)), kid: "gitlab-1", alg: "RS256", use: "sig" };
            const sign = (key: CryptoKey, kid: string) =>
                new SignJWT(gitlabToken({ environment: "production", aud: VAULT_AUD }) as Record<string, unknown>).setProtectedHeader({ alg: "RS256", kid, typ: "JWT" }).sign(key);
            token = await sign(privateKey, "gitlab-1");
            foreign = await sign(other.privateKey, "gitlab-1");
            const lines = [gitlabToken({ aud: VAULT_AUD }), gitlabToken({ ref: "v2.0.0", refType: "tag", aud: "sts.amazonaws.com" }), gitlabToken({ projectId: "99", projectPath: "alice/api", aud: VAULT_AUD })];
            directory = directoryWith({ "jwks.json": JSON.stringify({ keys: [jwk] }), "claims.jsonl": `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`, "one.json": JSON.stringify(lines[0], null, 2) });
        });
        const run = (args: string[], input?: string) => cli(["explain", "-C", process.cwd(), "-s", "dev", "--now", String(NOW), ...args], { cwd: directory, ...(input !== undefined ? { input } : {}) });

        it("a signed token verified against GitLab's key set", () => {
            const result = run(["--token", token, "--jwks", "jwks.json", "--json"]);
            assert.equal(result.status, 0, result.stderr);
            const parsed = JSON.parse(result.stdout) as { verified: boolean; notes: string[]; targets: Record<string, { accepted: { grant: string }[] }> };
            assert.equal(parsed.verified, true);
            assert.deepEqual(parsed.notes, []);
            assert.deepEqual(parsed.targets.vault!.accepted.map((a) => a.grant), ["deploy", "review"]);
            assert.deepEqual(Object.keys(parsed.targets), ["vault", "aws", "gcp"]);
        });

        it("a token signed by a key not in the set: every grant refused, and it says why; exit 3", () => {
            const result = run(["--token", foreign, "--jwks", "jwks.json", "--json"]);
            assert.equal(result.status, 3);
            const parsed = JSON.parse(result.stdout) as { verified: boolean; notes: string[]; targets: Record<string, { accepted: unknown[]; rejected: { reasons: string[] }[] }> };
            assert.equal(parsed.verified, false);
            assert.deepEqual(parsed.notes, ["the signature did not verify"]);
            assert.deepEqual(parsed.targets.vault!.accepted, []);
            assert.equal(parsed.targets.vault!.rejected[0]!.reasons[0], "the token's signature does not verify against the given keys (failed to verify id token signature (tried 1 key))");
        });

        it("without --jwks the output says the signature was not verified; the token from stdin", () => {
            const result = run(["--token", "-"], token);
            assert.equal(result.status, 0);
            assert.equal(result.stdout.split("\n")[0], "Token: project platform/api (id 42), branch main (protected), environment production, pipeline push; the signature was not verified (give --jwks to verify it)");
        });

        it("JSON lines in, one result per line out, in the same order", () => {
            const result = run(["--claims", "claims.jsonl", "--json"]);
            assert.equal(result.status, 0);
            const lines = result.stdout.trim().split("\n").map((l) => JSON.parse(l) as { claims: { ref: string }; targets: Record<string, { accepted: { grant: string }[] }> });
            assert.deepEqual(lines.map((l) => l.claims.ref), ["main", "v2.0.0", "main"]);
            assert.deepEqual(lines.map((l) => Object.fromEntries(Object.entries(l.targets).map(([k, t]) => [k, t.accepted.map((a) => a.grant)]))), [
                { vault: ["review"], aws: [], gcp: [] },
                { vault: [], aws: ["release"], gcp: [] },
                { vault: [], aws: [], gcp: [] },
            ]);
        });

        it("one claims file, nothing accepted: exit 3", () => {
            assert.equal(run(["--claims", "one.json", "--target", "aws"]).status, 3);
        });

        it("claims built from flags, each target with its own audience", () => {
            const result = run(["--project", "platform/web", "--ref", "release/2.0", "--protected", "--environment", "production"]);
            assert.equal(result.status, 0);
            assert.deepEqual(
                result.stdout.split("\n").filter((l) => / accepted, /.test(l)),
                [
                    'Vault (aud "https://vault.example.com"): 1 accepted, 0 rejected',
                    'AWS (aud "sts.amazonaws.com"): 0 accepted, 0 rejected',
                    'GCP (aud "https://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/gitlab/providers/gitlab-example-com"): 1 accepted, 0 rejected',
                ],
            );
            assert.deepEqual(run(["--project", "nope/nope"]).stderr, "gitlab-federation: project \"nope/nope\" is not in the map: give its id with --project-id\nRun 'gitlab-federation help explain' for usage.\n");
        });

        it("usage: exactly one input", () => {
            assert.equal(run([]).stderr.split("\n")[0], "gitlab-federation: needs one of --token, --claims and --project");
            assert.equal(run(["--token", token, "--claims", "x"]).stderr.split("\n")[0], "gitlab-federation: give one of --token, --claims and --project, not --token and --claims");
            assert.equal(run(["--token", "not-a-jwt"]).status, 2);
        });
    });
});

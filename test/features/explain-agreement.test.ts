/**
 * explain agrees with an independent evaluation of the plan JSON, for random valid maps and
 * random claim sets. The independent side reads only the serialized plan and implements each
 * target's rules on its own: the oracles of the targets' testkits (test/components/<key>/testkit.ts).
 */
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { planMap, targets } from "../../src/features";
import { TESTKITS } from "../components/testkits";
import { Explainer } from "../../src/features/explain";
import { mapArb } from "../helpers/arbitraries";
import { gitlabToken } from "../helpers/tokens";

type Json = Record<string, any>;

/** Accepted `<project>/<grant>` per target, from the plan JSON alone: each target's testkit oracle. */
function independent(plan: Json, claims: Json, now: number): Record<string, string[]> {
    return Object.fromEntries(targets().filter((t) => plan[t.key] !== undefined).map((t) => [t.key, TESTKITS[t.key]!.oracle(plan, claims, now)]));
}

const claimsFor = (projects: [string, number][]) =>
    fc
        .record({
            project: fc.oneof(fc.constantFrom(...projects), fc.constant<[string, number]>(["other/project", 987654])),
            ref: fc.constantFrom("main", "develop", "release/1.0", "release", "feature/x", "v1.0.0", "v2", "hotfix/y"),
            refType: fc.constantFrom("branch", "tag"),
            protected: fc.boolean(),
            environment: fc.option(fc.constantFrom("production", "staging"), { nil: undefined }),
            aud: fc.constantFrom("https://vault.example.com", "sts.amazonaws.com", "https://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/gitlab/providers/gitlab-example-com", "https://other.example.com"),
            expired: fc.boolean(),
            wrongIssuer: fc.boolean(),
        })
        .map((c) => {
            const claims: Json = gitlabToken({ projectPath: c.project[0], projectId: String(c.project[1]), ref: c.ref, refType: c.refType as "branch" | "tag", protected: c.protected, aud: c.aud, ...(c.environment !== undefined ? { environment: c.environment } : {}) });
            if (c.wrongIssuer) claims.iss = "https://gitlab.other.example";
            return { claims, now: c.expired ? claims.exp + 400 : claims.iat + 10 };
        });

describe("explain agrees with an independent evaluation of the plan JSON", () => {
    it("for random valid maps and random claim sets", () => {
        fc.assert(
            fc.property(
                mapArb.chain((raw) => fc.tuple(fc.constant(raw), fc.array(claimsFor(Object.entries(raw.projects).map(([path, p]) => [path, (p as Json).id])), { minLength: 1, maxLength: 8 }))),
                ([raw, claimSets]) => {
                    const plan = planMap(raw);
                    const json = JSON.parse(JSON.stringify(plan)) as Json;
                    const explainer = new Explainer(plan);
                    for (const { claims, now } of claimSets) {
                        const explanation = explainer.explain(claims, { now, verified: true });
                        const ours = Object.fromEntries(Object.entries(explanation.targets).map(([k, t]) => [k, t.accepted.map((a) => `${a.project}/${a.grant}`).sort()]));
                        const theirs = independent(json, claims, now);
                        // explain evaluates the token's own project's grants; the independent side
                        // evaluates all, so anything it accepts must be of the token's project.
                        for (const key of Object.keys(theirs)) theirs[key] = theirs[key]!.sort();
                        assert.deepEqual(ours, theirs, JSON.stringify({ claims: { project: claims.project_path, ref: claims.ref, type: claims.ref_type, protected: claims.ref_protected, env: claims.environment, aud: claims.aud } }));
                    }
                },
            ),
            { numRuns: 150 },
        );
    });
});

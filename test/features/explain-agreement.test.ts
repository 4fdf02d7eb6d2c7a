/**
 * explain agrees with an independent evaluation of the plan JSON, for random valid maps and
 * random claim sets. The independent side reads only the serialized plan and implements each
 * target's rules on its own (vault-plugin-auth-jwt claims.go, IAM condition operators, GCP's
 * attribute mapping and condition): Vault globs as anchored regular expressions (not the go-glob
 * port), IAM conditions with its own matcher, GCP's CEL with @marcbachmann/cel-js (a second CEL
 * implementation: the product uses @bufbuild/cel; the refs here have no line terminators, where
 * their regular expressions differ).
 */
import { strict as assert } from "node:assert";
import { evaluate } from "@marcbachmann/cel-js";
import fc from "fast-check";
import { planMap } from "../../src/features";
import { Explainer } from "../../src/features/explain";
import { mapArb } from "../helpers/arbitraries";
import { gitlabToken } from "../helpers/tokens";

type Json = Record<string, any>;

const wildcard = (pattern: string, any: string, one: string | undefined) =>
    new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\?*]/g, (c) => (c === "*" ? any : c === "?" && one !== undefined ? one : `\\${c}`))}$`, "s");

/** Accepted `<project>/<grant>` per target, from the plan JSON alone. */
function independent(plan: Json, claims: Json, now: number): Record<string, string[]> {
    const auds: string[] = [claims.aud].flat();
    const out: Record<string, string[]> = {};
    if (plan.vault) {
        const roles = new Map<string, Json>(plan.vault.roles.map((r: Json) => [r.roleName, r]));
        const timely = now <= claims.exp + 60 && now + 60 >= claims.nbf && now + 60 >= claims.iat;
        out.vault = plan.grants
            .filter((g: Json) => g.vault)
            .filter((g: Json) => {
                const role = roles.get(g.vault.roleName)!;
                return (
                    claims.iss === plan.vault.authBackend.boundIssuer &&
                    role.boundAudiences.some((a: string) => auds.includes(a)) &&
                    timely &&
                    typeof claims[role.userClaim] === "string" &&
                    Object.entries(role.boundClaims as Record<string, string>).every(([key, value]) => {
                        const actual = [claims[key]].flat().filter((v) => typeof v === "string");
                        return value.split(",").some((e) => actual.some((a) => (role.boundClaimsType === "glob" ? wildcard(e, ".*", undefined).test(a) : a === e)));
                    })
                );
            })
            .map((g: Json) => `${g.project}/${g.grant}`);
    }
    if (plan.aws) {
        const host = plan.gitlab.url.replace("https://", "");
        const value = (key: string): string[] => (key === `${host}:aud` ? auds : key === `${host}:sub` ? [claims.sub] : []);
        const roles = new Map<string, Json>(plan.aws.roles.map((r: Json) => [r.name, r]));
        out.aws = plan.grants
            .filter((g: Json) => g.aws)
            .filter((g: Json) => {
                const condition = roles.get(g.aws.roleName)!.assumeRolePolicy.Statement[0].Condition;
                const holds = (block: Json | undefined, match: (p: string, v: string) => boolean, negate: boolean) =>
                    Object.entries(block ?? {}).every(([key, expected]) => {
                        const hit = value(key).some((v) => [expected].flat().some((p) => match(p as string, v)));
                        return negate ? !hit : hit;
                    });
                const like = (p: string, v: string) => wildcard(p, ".*", ".").test(v);
                return claims.iss === plan.gitlab.url && now <= claims.exp + 300 && holds(condition.StringEquals, (p, v) => p === v, false) && holds(condition.StringLike, like, false) && holds(condition.StringNotLike, like, true);
            })
            .map((g: Json) => `${g.project}/${g.grant}`);
    }
    if (plan.gcp) {
        const provider = plan.gcp.providers[0];
        let groups: string[] = [];
        let admitted = false;
        try {
            const google = Object.fromEntries(Object.entries(provider.attributeMapping as Record<string, string>).filter(([k]) => k.startsWith("google.")).map(([k, e]) => [k.slice(7), evaluate(e, { assertion: claims })]));
            admitted = evaluate(provider.attributeCondition, { assertion: claims, google, attribute: {} }) === true;
            groups = google.groups as string[];
        } catch {
            admitted = false;
        }
        const ok = admitted && claims.iss === provider.oidc.issuerUri && now <= claims.exp && auds.some((a) => provider.oidc.allowedAudiences.includes(a));
        out.gcp = plan.grants
            .filter((g: Json) => g.gcp && ok && g.gcp.members.some((m: string) => groups.includes(m.slice(m.indexOf("/group/") + 7))))
            .map((g: Json) => `${g.project}/${g.grant}`);
    }
    return out;
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

/**
 * Vault's testkit for the conformance suite. The oracle reads the plan JSON and applies
 * vault-plugin-auth-jwt's rules on its own (path_login.go validateBoundClaims, claims.go): bound
 * issuer, one of the bound audiences, the user claim present, every bound claim matched (a list
 * value: any element; glob: `*` only, as anchored regular expressions, not the go-glob port), and
 * the time claims within the 60 s leeway.
 */
import fc from "fast-check";
import { VAULT } from "../../helpers/maps";
import { GrantSpec, Json, TargetTestkit, audiencesOf, wildcard } from "../testkit";

const at = 'gitlab-federation:projects["platform/api"].grants.deploy.vault';

export const VAULT_TESTKIT: TargetTestkit = {
    section: VAULT,
    grant: (spec: GrantSpec) =>
        fc.constantFrom([`${spec.project}/ci-${spec.grant}`], [`${spec.project}/ci-${spec.grant}`, `${spec.project}/ci-${spec.grant}-x/y`]).map((read) => ({ read })),
    invalid: [
        { fields: { read: [] }, problems: [`${at}.read: must list at least 1 entry, got 0. Secret folders under the KV mount this grant may read and list, e.g. [platform/api/production]. Each covers itself and everything below it.`] },
        { fields: { read: ["/platform/api/"] }, problems: [`${at}.read[0]: must be relative to the KV mount, without a leading "/" (got "/platform/api/"); write "platform/api"`] },
        {
            fields: { read: ["other/team"] },
            problems: [`${at}.read[0]: "other/team" is outside this project's folder "platform/api/": keep each project's secrets under its own path, or set vault.allowOutsideProject with a reason (e.g. a shared registry credential)`],
        },
    ],
    oracle(plan: Json, claims: Json, now: number): string[] {
        const roles = new Map<string, Json>(plan.vault.roles.map((r: Json) => [r.roleName, r]));
        const timely = now <= claims.exp + 60 && now + 60 >= claims.nbf && now + 60 >= claims.iat;
        return plan.grants
            .filter((g: Json) => g.vault)
            .filter((g: Json) => {
                const role = roles.get(g.vault.roleName)!;
                return (
                    claims.iss === plan.vault.authBackend.boundIssuer &&
                    role.boundAudiences.some((a: string) => audiencesOf(claims).includes(a)) &&
                    timely &&
                    typeof claims[role.userClaim] === "string" &&
                    Object.entries(role.boundClaims as Record<string, string>).every(([key, value]) => {
                        const actual = [claims[key]].flat().filter((v) => typeof v === "string");
                        return value.split(",").some((e) => actual.some((a) => (role.boundClaimsType === "glob" ? wildcard(e, ".*", undefined).test(a) : a === e)));
                    })
                );
            })
            .map((g: Json) => `${g.project}/${g.grant}`);
    },
};

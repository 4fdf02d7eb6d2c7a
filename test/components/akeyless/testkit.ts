/**
 * Akeyless's testkit for the conformance suite. The oracle is docs-evaluator.ts (written from
 * Akeyless's documentation alone: issuer, audience, unique identifier, sub-claims ANDed across
 * keys, any value of a key, `*`/`?` wildcards, case sensitivity), fed from the plan JSON's auth
 * method and each grant's association; only an "accepted" verdict admits.
 */
import fc from "fast-check";
import { GrantSpec, Json, TargetTestkit } from "../testkit";
import { docsVerdict } from "./docs-evaluator";
import { AKEYLESS_SECTION } from "./fixture";

const at = 'gitlab-federation:projects["platform/api"].grants.deploy.akeyless';

export const AKEYLESS_TESTKIT: TargetTestkit = {
    section: AKEYLESS_SECTION,
    grant: (spec: GrantSpec) => fc.constantFrom([`/${spec.project}/ci-${spec.grant}`], [`/${spec.project}/ci-${spec.grant}`, `/${spec.project}/ci-${spec.grant}-x/y`]).map((read) => ({ read })),
    invalid: [
        { fields: { read: [] }, problems: [`${at}.read: must list at least 1 entry, got 0. Akeyless items or folders this grant may read (a folder: itself and everything below it, listed too), e.g. [/platform/api/production].`] },
        {
            fields: { read: ["/other/x"] },
            problems: [`${at}.read[0]: "/other/x" is outside this project's folder "/platform/api/": keep each project's items under its own path, or set akeyless.allowOutsideProject with a reason (e.g. a shared registry credential)`],
        },
        {
            fields: { read: ["/platform/api/"] },
            problems: [
                `${at}.read[0]: must be an Akeyless item path or folder such as "/platform/api/production" ("/" then segments of letters, digits, "_", "-" and ".", no "*" and no trailing "/"), got "/platform/api/"; a folder covers itself and everything below it`,
            ],
        },
    ],
    oracle(plan: Json, claims: Json): string[] {
        const method = plan.akeyless.authMethod;
        const associations = new Map<string, Json>(plan.akeyless.associations.map((a: Json) => [a.roleName, a]));
        return plan.grants
            .filter((g: Json) => g.akeyless)
            .filter((g: Json) => {
                const association = associations.get(g.akeyless.roleName)!;
                const subClaims = Object.fromEntries(Object.entries(association.subClaims as Record<string, string[]>).map(([k, v]) => [k, v.join(",")]));
                const login = { issuer: method.issuer, audience: method.audience, uniqueIdentifier: method.uniqueIdentifier, subClaims, caseSensitive: association.caseSensitive ?? true };
                return docsVerdict(login, claims).verdict === "accepted";
            })
            .map((g: Json) => `${g.project}/${g.grant}`);
    },
};

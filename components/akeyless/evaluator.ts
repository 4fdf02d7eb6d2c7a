/**
 * The target's evaluator: what Akeyless would decide of a GitLab ID token presented to a grant's
 * planned auth method and association, through evaluate.ts `evaluateLogin` (the documented
 * sub-claim semantics). It reads the plan, never the map: the auth method's issuer (the GitLab
 * URL), audience and unique identifier, and the association's sub-claims (case-sensitive: the
 * association resource sends `case-sensitive: "true"` and reads it back).
 *
 * Token times: Akeyless's documentation does not say that it checks exp and nbf (UNVERIFIED), so
 * a token outside them is undetermined, never accepted, and never reported as refused.
 * The deployer's identities log in through an auth method an administrator made (deployer.ts):
 * their evaluation assumes it is as the README's commands make it, and says so.
 */
import type { Claims } from "../../src/core/claims";
import type { Decision, EvaluateOptions, Evaluator, GrantIdentity } from "../target";
import { evaluateLogin } from "./evaluate";
import type { AkeylessPlan, AkeylessSummary } from "./plan-schema";

/** exp and nbf against `now`, as undetermined entries. */
function timeChecks(claims: Claims, now: number): string[] {
    const out: string[] = [];
    if (typeof claims.exp === "number" && claims.exp <= now) {
        out.push(`UNVERIFIED: exp: the token expired at ${claims.exp} (now ${now}); Akeyless presumably refuses it, but does not document checking exp`);
    }
    if (typeof claims.nbf === "number" && claims.nbf > now) {
        out.push(`UNVERIFIED: nbf: the token is not valid before ${claims.nbf} (now ${now}); Akeyless does not document checking nbf`);
    }
    return out;
}

/** What a grant's role gives. */
function gives(summary: AkeylessSummary): string[] {
    return summary.read.map((path) => `read ${path} and below (list ${path}/)`);
}

export function akeylessEvaluator(plan: AkeylessPlan, gitlab: { readonly url: string }): Evaluator<AkeylessSummary> {
    return (summary: AkeylessSummary, grant: GrantIdentity, claims: Claims, options: EvaluateOptions): Decision => {
        const login = evaluateLogin({ issuer: gitlab.url, audience: summary.audience, uniqueIdentifier: "project_id" }, { subClaims: summary.subClaims, caseSensitive: true }, claims);
        const deployer =
            grant.deployer !== undefined
                ? [`UNVERIFIED: the deployer's ${grant.deployer} logs in through ${summary.authMethodName}, which an administrator made outside this stack; this assumes it is as the README's commands make it`]
                : [];
        const undetermined = login.reasons.length === 0 ? [...login.undetermined, ...timeChecks(claims, options.now), ...deployer] : [];
        return {
            accepted: login.reasons.length === 0 && undetermined.length === 0,
            reasons: [...login.reasons],
            ...(undetermined.length > 0 ? { undetermined } : {}),
            gives: grant.deployer !== undefined ? [`the deployer's rules on ${plan.folder}/*`] : gives(summary),
        };
    };
}

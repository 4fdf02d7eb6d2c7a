/**
 * What Vault would do with a GitLab ID token presented to a grant's planned role, in Vault's own
 * words (vault-plugin-auth-jwt path_login.go and claims.go, hashicorp/cap jwt.go; see
 * ../shared/reference/semantics.md §1.3-§1.4). Vault stops at the first failure; this lists every
 * failing condition, in Vault's order, so one answer shows everything to fix.
 *
 * It reads the planned role and auth method (bound audiences, bound claims and their type,
 * bound issuer, user claim), never the map.
 */
import { Claims, audiences, timeClaim } from "../../core/claims";
import type { Decision, EvaluateOptions, Evaluator, GrantIdentity } from "../target";
import { goGlob } from "./glob";
import type { VaultPlan, VaultRoleEntry, VaultSummary } from "./plan-schema";

/** clock_skew_leeway 0 (our roles never set it) means 60 s in cap's validation. */
export const CLOCK_SKEW_LEEWAY_SECONDS = 60;

/** A claim value as Vault normalises it for bound_claims (claims.go normalizeList): a list of scalars. */
function normalised(value: unknown): unknown[] {
    const list = Array.isArray(value) ? value : [value];
    // JSON numbers become json.Number(strconv.Itoa(int(v))): never equal to a configured string.
    return list.map((v) => (typeof v === "number" ? { number: Math.trunc(v) } : v));
}

/** bound_claims: every key must match; any expected value may match any actual element. */
function boundClaimReasons(role: VaultRoleEntry, claims: Claims): string[] {
    const reasons: string[] = [];
    for (const [claim, value] of Object.entries(role.boundClaims)) {
        // The provider splits bound claim values on commas (disable_bound_claims_parsing unset).
        const expected = value.split(",").map((v) => v.trim());
        if (!(claim in claims) || claims[claim] === undefined) {
            reasons.push(`error validating claims: claim "${claim}" is missing`);
            continue;
        }
        const actual = normalised(claims[claim]);
        const matches = expected.some((e) => actual.some((a) => typeof a === "string" && (role.boundClaimsType === "glob" ? goGlob(e, a) : a === e)));
        if (!matches) {
            reasons.push(`error validating claims: claim "${claim}" does not match any associated bound claim values`);
        }
    }
    return reasons;
}

/** jwt_supported_algs: the header's alg must be one of them (checked when a real token's header is known). */
function algorithmReasons(plan: VaultPlan, header: Readonly<Record<string, unknown>> | undefined): string[] {
    const algs = plan.authBackend?.jwtSupportedAlgs;
    if (header === undefined || algs === undefined || algs.includes(String(header.alg))) {
        return [];
    }
    return [`error validating token: invalid algorithm (alg) header parameter: ${JSON.stringify(header.alg)} is not one of ${algs.join(", ")}`];
}

/** bound_issuer: plain string equality, only when set (cap validateAll). */
function issuerReasons(plan: VaultPlan, claims: Claims): string[] {
    // An external auth method is not planned here: its bound_issuer is unknown.
    const issuer = plan.authBackend?.boundIssuer ?? "";
    return issuer !== "" && claims.iss !== issuer ? [`error validating token: invalid issuer (iss) claim`] : [];
}

/** bound_audiences: any configured value in the token's aud (string or list). */
function audienceReasons(role: VaultRoleEntry, claims: Claims): string[] {
    const aud = audiences(claims);
    return role.boundAudiences.some((a) => aud.includes(a)) ? [] : [`error validating token: invalid audience (aud) claim: audience claim does not match any expected audience`];
}

/** exp, nbf and iat against now, with clock_skew_leeway only (cap validateAll). */
function timeReasons(claims: Claims, now: number): string[] {
    const reasons: string[] = [];
    const [iat, nbf, exp] = [timeClaim(claims, "iat"), timeClaim(claims, "nbf"), timeClaim(claims, "exp")];
    if (iat === undefined && nbf === undefined && exp === undefined) {
        reasons.push(`error validating token: the token has none of the iat, nbf and exp claims`);
    }
    if (exp !== undefined && now - CLOCK_SKEW_LEEWAY_SECONDS > exp) {
        reasons.push(`error validating token: invalid expiration time (exp) claim: token is expired`);
    }
    if (nbf !== undefined && now + CLOCK_SKEW_LEEWAY_SECONDS < nbf) {
        reasons.push(`error validating token: invalid not before (nbf) claim: token not yet valid`);
    }
    if (iat !== undefined && now + CLOCK_SKEW_LEEWAY_SECONDS < iat) {
        reasons.push(`error validating token: invalid issued at (iat) claim: token issued in the future`);
    }
    return reasons;
}

/** user_claim must resolve to a string (it names the entity alias). */
function userClaimReasons(role: VaultRoleEntry, claims: Claims): string[] {
    const value = claims[role.userClaim];
    if (value === undefined) {
        return [`claim "${role.userClaim}" not found in token`];
    }
    return typeof value === "string" ? [] : [`claim "${role.userClaim}" could not be converted to string`];
}

/**
 * What a role alone decides of a login: audience, user claim and bound claims (the auth method's
 * issuer and the token's times aside), in Vault's order.
 */
export function roleReasons(role: VaultRoleEntry, claims: Claims): string[] {
    return [...audienceReasons(role, claims), ...userClaimReasons(role, claims), ...boundClaimReasons(role, claims)];
}

/** What a role's policies give, as read paths. */
function gives(plan: VaultPlan, summary: VaultSummary): string[] {
    const mount = plan.kvMount;
    return summary.read.map((prefix) => `read ${mount}/data/${prefix} and below (list ${mount}/metadata/${prefix}/)`);
}

export function vaultEvaluator(plan: VaultPlan): Evaluator<VaultSummary> {
    const roles = new Map(plan.roles.map((role) => [role.roleName, role]));
    return (summary: VaultSummary, _grant: GrantIdentity, claims: Claims, options: EvaluateOptions): Decision => {
        const role = roles.get(summary.roleName);
        if (role === undefined) {
            return { accepted: false, reasons: [`role "${summary.roleName}" could not be found`], gives: [] };
        }
        const reasons = [
            ...algorithmReasons(plan, options.header),
            ...issuerReasons(plan, claims),
            ...audienceReasons(role, claims),
            ...timeReasons(claims, options.now),
            ...userClaimReasons(role, claims),
            ...boundClaimReasons(role, claims),
        ];
        return { accepted: reasons.length === 0, reasons, gives: gives(plan, summary) };
    };
}

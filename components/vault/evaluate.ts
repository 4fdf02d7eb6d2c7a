/**
 * What Vault would do with a GitLab ID token presented to a grant's planned role, in Vault's own
 * words: hashicorp/vault-plugin-auth-jwt path_login.go `pathLogin` (signature and cap's checks,
 * then `createIdentity` for user_claim, then claims.go `validateBoundClaims`), with hashicorp/cap
 * v0.13.0 jwt/jwt.go `validateAll` for the algorithm, issuer, audience and times (see token.ts).
 * Vault stops at the first failure; this lists every failing condition, in Vault's order, so one
 * answer shows everything to fix.
 *
 * It reads the planned role and auth method (bound audiences, bound claims and their type,
 * bound issuer, user claim, supported algorithms), never the map. The signature itself is checked
 * before (features/explain.ts).
 */
import type { Claims } from "../../src/core/claims";
import type { Decision, EvaluateOptions, Evaluator, GrantIdentity } from "../target";
import { describeBeyondReads, summaryAccess } from "./capabilities";
import { goGlob } from "./glob";
import type { VaultPlan, VaultRoleEntry, VaultSummary } from "./plan-schema";
import { Decoded, Registered, decodeRegistered, timeReasons } from "./token";

/** A map lookup by exact key, as Go's `allClaims[name]`: nil when absent or JSON null. */
function mapClaim(claims: Claims, name: string): unknown {
    return Object.hasOwn(claims, name) ? (claims[name] ?? undefined) : undefined;
}

/** A claim value as Vault normalises it for bound_claims (claims.go normalizeList): a list of scalars. */
function normalised(value: unknown): unknown[] {
    const list = Array.isArray(value) ? value : [value];
    // JSON numbers become json.Number(strconv.Itoa(int(v))): never equal to a configured string.
    return list.map((v) => (typeof v === "number" ? { number: Math.trunc(v) } : v));
}

/** bound_claims (claims.go `validateBoundClaims`, `getClaim`: exact key): every key must match; any expected value may match any actual element. */
function boundClaimReasons(role: VaultRoleEntry, claims: Claims): string[] {
    const reasons: string[] = [];
    for (const [claim, value] of Object.entries(role.boundClaims)) {
        // The provider splits bound claim values on commas (disable_bound_claims_parsing unset).
        const expected = value.split(",").map((v) => v.trim());
        const found = mapClaim(claims, claim);
        if (found === undefined) {
            reasons.push(`error validating claims: claim "${claim}" is missing`);
            continue;
        }
        const actual = normalised(found);
        const matches = expected.some((e) => actual.some((a) => typeof a === "string" && (role.boundClaimsType === "glob" ? goGlob(e, a) : a === e)));
        if (!matches) {
            reasons.push(`error validating claims: claim "${claim}" does not match any associated bound claim values`);
        }
    }
    return reasons;
}

/** jwt_supported_algs (cap `validateSigningAlgorithm`): the header's alg must be one of them. Checked when a real token's header is known. */
function algorithmReasons(plan: VaultPlan, header: Readonly<Record<string, unknown>> | undefined): string[] {
    const algs: readonly string[] | undefined = plan.authBackend?.jwtSupportedAlgs;
    if (header === undefined || algs === undefined || algs.includes(String(header.alg))) {
        return [];
    }
    return ["invalid algorithm (alg) header parameter: token signed with unexpected algorithm"];
}

/** bound_issuer: plain string equality with the decoded iss, only when set (cap `validateAll`). */
function issuerReasons(plan: VaultPlan, registered: Registered): string[] {
    // An external auth method is not planned here: its bound_issuer is unknown.
    const issuer = plan.authBackend?.boundIssuer ?? "";
    return issuer !== "" && registered.iss !== issuer ? ["invalid issuer (iss) claim"] : [];
}

/** bound_audiences: any configured value in the decoded aud (cap `validateAudience`). */
function audienceReasons(role: VaultRoleEntry, registered: Registered): string[] {
    return role.boundAudiences.some((a) => registered.aud.includes(a)) ? [] : ["invalid audience (aud) claim: audience claim does not match any expected audience"];
}

/** user_claim (path_login.go `createIdentity`): `allClaims[role.UserClaim]`, nil or not a string fails. */
function userClaimReasons(role: VaultRoleEntry, claims: Claims): string[] {
    const value = mapClaim(claims, role.userClaim);
    if (value === undefined) {
        return [`claim "${role.userClaim}" not found in token`];
    }
    return typeof value === "string" ? [] : [`claim "${role.userClaim}" could not be converted to string`];
}

/** cap's checks of the decoded claims (issuer, audience, times), or why the decode fails; with what is undetermined. */
function capReasons(plan: VaultPlan, role: VaultRoleEntry, decoded: Decoded, now: number): { reasons: string[]; undetermined: readonly string[] } {
    const registered = decoded.registered;
    if (registered === undefined) {
        return { reasons: [...decoded.errors], undetermined: [] };
    }
    // A time Vault reads as an implementation-dependent int64 leaves the time checks undecided.
    const times = decoded.undetermined.length > 0 ? [] : timeReasons(registered.times, now);
    return { reasons: [...issuerReasons(plan, registered), ...audienceReasons(role, registered), ...times], undetermined: decoded.undetermined };
}

/**
 * What a role alone decides of a login: the decoded audience, user claim and bound claims (the
 * auth method's issuer and the token's times aside), in Vault's order.
 */
export function roleReasons(role: VaultRoleEntry, claims: Claims): string[] {
    const decoded = decodeRegistered(claims);
    const cap = decoded.registered === undefined ? decoded.errors : audienceReasons(role, decoded.registered);
    return [...cap.map((r) => `error validating token: ${r}`), ...userClaimReasons(role, claims), ...boundClaimReasons(role, claims)];
}

/** What a role's policies give: read paths, then writes, other KV mounts and engine endpoints (capabilities.ts). */
function gives(plan: VaultPlan, summary: VaultSummary): string[] {
    const mount = plan.kvMount;
    return [...summary.read.map((prefix) => `read ${mount}/data/${prefix} and below (list ${mount}/metadata/${prefix}/)`), ...describeBeyondReads(mount, summaryAccess(summary))];
}

export function vaultEvaluator(plan: VaultPlan): Evaluator<VaultSummary> {
    const roles = new Map(plan.roles.map((role) => [role.roleName, role]));
    // A token is evaluated for several grants: decode it once.
    const decodes = new WeakMap<Claims, Decoded>();
    const decodedOf = (claims: Claims): Decoded => decodes.get(claims) ?? decodes.set(claims, decodeRegistered(claims)).get(claims)!;
    return (summary: VaultSummary, _grant: GrantIdentity, claims: Claims, options: EvaluateOptions): Decision => {
        const role = roles.get(summary.roleName);
        if (role === undefined) {
            return { accepted: false, reasons: [`role "${summary.roleName}" could not be found`], gives: [] };
        }
        const cap = capReasons(plan, role, decodedOf(claims), options.now);
        const reasons = [
            ...[...algorithmReasons(plan, options.header), ...cap.reasons].map((r) => `error validating token: ${r}`),
            ...userClaimReasons(role, claims),
            ...boundClaimReasons(role, claims),
        ];
        const undetermined = reasons.length === 0 ? cap.undetermined : [];
        return { accepted: reasons.length === 0 && undetermined.length === 0, reasons, ...(undetermined.length > 0 ? { undetermined } : {}), gives: gives(plan, summary) };
    };
}

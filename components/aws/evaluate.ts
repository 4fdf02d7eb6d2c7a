/**
 * What STS AssumeRoleWithWebIdentity would do with a GitLab ID token for a grant's planned role:
 * the token must come from the provider's issuer, be unexpired (IAM allows 5 minutes of skew),
 * and satisfy every condition of the trust policy (AWS STS API reference
 * "AssumeRoleWithWebIdentity"; IAM User Guide "IAM JSON policy elements: Condition operators" and
 * "Available keys for AWS OIDC federation"). It reads the planned trust policy JSON, never the map.
 *
 * A token whose aud is a JSON array: AWS documents neither whether STS accepts it nor how the
 * `<host>:aud` condition key sees several values (the response's `Audience` is one string). Such
 * a token is rejected when it fails a condition even with any one of its audiences (the lenient
 * reading: plan.ts only ever writes aud as a positive StringEquals), and otherwise undetermined,
 * never accepted.
 *
 * Condition operators: StringEquals (exact), StringLike ("*" any run, "?" one character, both
 * crossing "/" and ":"), and their negations. For a self-managed GitLab, only `<host>:aud` and
 * `<host>:sub` exist as condition keys; any other key is absent from the request.
 */
import { Claims, audiences, stringClaim, timeClaim } from "../../src/core/claims";
import type { Decision, EvaluateOptions, Evaluator, GrantIdentity } from "../target";
import { conditionPrefix, roleKey } from "./names";
import type { AwsPlan, AwsSummary, TrustPolicyDocument } from "./plan-schema";

/** IAM accepts a web identity token up to 5 minutes after its exp. */
export const EXPIRY_SKEW_SECONDS = 300;

/** IAM StringLike: "*" any run of characters, "?" exactly one, case-sensitive, whole string. */
export function iamStringLike(pattern: string, value: string): boolean {
    const regex = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[\\s\\S]*").replace(/\?/g, "[\\s\\S]");
    return new RegExp(`^${regex}$`).test(value);
}

type Operator = "StringEquals" | "StringLike" | "StringNotEquals" | "StringNotLike";

const MATCH: Record<Operator, { readonly match: (pattern: string, value: string) => boolean; readonly negated: boolean }> = {
    StringEquals: { match: (p, v) => p === v, negated: false },
    StringLike: { match: iamStringLike, negated: false },
    StringNotEquals: { match: (p, v) => p === v, negated: true },
    StringNotLike: { match: iamStringLike, negated: true },
};

/** The values of a condition key in the request: aud and sub of the token, for the provider's host. */
function requestValues(key: string, host: string, claims: Claims): string[] | undefined {
    if (key === `${host}:aud`) {
        const aud = audiences(claims);
        return aud.length > 0 ? aud : undefined;
    }
    if (key === `${host}:sub`) {
        const sub = stringClaim(claims, "sub");
        return sub === undefined ? undefined : [sub];
    }
    return undefined;
}

/** Every condition of the trust policy the token fails, as "<operator> <key>: ..." lines. */
export function trustPolicyReasons(document: TrustPolicyDocument, gitlabUrl: string, claims: Claims): string[] {
    const host = conditionPrefix(gitlabUrl);
    const reasons: string[] = [];
    const statement = document.Statement[0]!;
    for (const [operator, block] of Object.entries(statement.Condition) as [Operator, Readonly<Record<string, string | readonly string[]>> | undefined][]) {
        const { match, negated } = MATCH[operator];
        for (const [key, expected] of Object.entries(block ?? {})) {
            const patterns = [expected].flat();
            const values = requestValues(key, host, claims);
            if (values === undefined) {
                if (!negated) {
                    reasons.push(`${operator} ${key}: the token has no such value, so the condition fails`);
                }
                continue;
            }
            const matched = values.some((v) => patterns.some((p) => match(p, v)));
            if (!negated && !matched) {
                reasons.push(`${operator} ${key}: ${JSON.stringify(values.length === 1 ? values[0] : values)} matches none of ${JSON.stringify(patterns.length === 1 ? patterns[0] : patterns)}`);
            } else if (negated && matched) {
                reasons.push(`${operator} ${key}: ${JSON.stringify(values.length === 1 ? values[0] : values)} matches ${JSON.stringify(patterns.length === 1 ? patterns[0] : patterns)}, which the policy excludes`);
            }
        }
    }
    return reasons;
}

/** Why a token with an aud array is undetermined. */
function audienceArrayNote(aud: readonly unknown[], gitlabUrl: string): string {
    return `UNVERIFIED: STS with a multi-valued aud (${JSON.stringify(aud)}): AWS documents neither whether AssumeRoleWithWebIdentity accepts an aud array nor how the condition key ${conditionPrefix(gitlabUrl)}:aud sees one; explain does not decide (give GitLab's id_tokens one aud per target)`;
}

export function awsEvaluator(plan: AwsPlan, gitlabUrl: string): Evaluator<AwsSummary> {
    const roles = new Map(plan.roles.map((role) => [roleKey(role.account, role.name), role]));
    return (summary: AwsSummary, _grant: GrantIdentity, claims: Claims, options: EvaluateOptions): Decision => {
        const role = roles.get(roleKey(summary.account, summary.roleName));
        if (role === undefined) {
            return { accepted: false, reasons: [`NoSuchEntity: role ${summary.roleName} is not in the plan`], gives: [] };
        }
        const reasons: string[] = [];
        if (claims.iss !== gitlabUrl) {
            reasons.push(`InvalidIdentityToken: the token's issuer ${JSON.stringify(claims.iss)} is not the OIDC provider's URL ${gitlabUrl}`);
        }
        const exp = timeClaim(claims, "exp");
        if (exp === undefined || options.now > exp + EXPIRY_SKEW_SECONDS) {
            reasons.push(exp === undefined ? `InvalidIdentityToken: the token has no exp claim` : `ExpiredToken: the token expired at ${new Date(exp * 1000).toISOString()}`);
        }
        reasons.push(...trustPolicyReasons(role.assumeRolePolicy, gitlabUrl, claims));
        const undetermined = reasons.length === 0 && Array.isArray(claims.aud) ? [audienceArrayNote(claims.aud, gitlabUrl)] : [];
        return {
            accepted: reasons.length === 0 && undetermined.length === 0,
            reasons,
            ...(undetermined.length > 0 ? { undetermined } : {}),
            gives: [
                `assume ${summary.roleArn}${summary.account !== undefined ? ` (account ${summary.account})` : ""}`,
                ...role.managedPolicyArns.map((arn) => `managed policy ${arn}`),
                ...plan.rolePolicies.filter((p) => p.role === role.name && p.account === role.account).map((p) => `inline policy ${p.name}`),
            ],
        };
    };
}

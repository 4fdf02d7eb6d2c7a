/**
 * What GCP STS and IAM would do with a GitLab ID token for a grant's planned service account: the
 * provider checks the issuer, the audience and expiry, evaluates the attribute mapping and the
 * attribute condition (CEL, evaluated here with @marcbachmann/cel-js; an evaluation error fails
 * the exchange), and the federated identity may impersonate the account only if one of its
 * `google.groups` values (gates) is a principalSet bound to the account
 * (../shared/reference/semantics.md §5). It reads the planned provider and bindings, never the map.
 */
import { evaluate } from "@marcbachmann/cel-js";
import { Claims, audiences, timeClaim } from "../../core/claims";
import type { Decision, EvaluateOptions, Evaluator, GrantIdentity } from "../target";
import { siblingProvider } from "./names";
import type { GcpPlan, GcpProviderEntry, GcpSummary } from "./plan-schema";

export interface Exchange {
    /** The condition admitted the token and every mapping evaluated. */
    readonly accepted: boolean;
    readonly subject?: string;
    readonly groups: readonly string[];
    /** Why the exchange failed, when it did. */
    readonly reasons: readonly string[];
}

/** The first line of a CEL error (cel-js appends the expression with a caret below it). */
function firstLine(error: unknown): string {
    return String((error as Error).message ?? error).split("\n")[0]!;
}

/** Evaluates the provider's mapping and condition for a token, as GCP STS would (issuer, audience and time aside). */
export function exchange(provider: Pick<GcpProviderEntry, "attributeMapping" | "attributeCondition">, claims: Claims): Exchange {
    const attribute: Record<string, unknown> = {};
    const google: Record<string, unknown> = {};
    for (const [key, expression] of Object.entries(provider.attributeMapping)) {
        try {
            const value = evaluate(expression, { assertion: claims });
            const [scope, name] = key.split(".") as [string, string];
            (scope === "google" ? google : attribute)[name] = value;
        } catch (error) {
            return { accepted: false, groups: [], reasons: [`the attribute mapping of ${key} fails for this token (${firstLine(error)}), so the exchange fails`] };
        }
    }
    let allowed: unknown;
    try {
        allowed = evaluate(provider.attributeCondition, { assertion: claims, google, attribute });
    } catch (error) {
        return { accepted: false, groups: [], reasons: [`the attribute condition fails to evaluate for this token (${firstLine(error)})`] };
    }
    if (allowed !== true) {
        return { accepted: false, groups: [], reasons: [`the attribute condition is false for this token: ${provider.attributeCondition}`] };
    }
    return { accepted: true, subject: String(google.subject), groups: (google.groups as string[] | undefined) ?? [], reasons: [] };
}

/** The `group/` part of a principalSet member. */
function gateOf(member: string): string {
    return member.slice(member.indexOf("/group/") + "/group/".length);
}

export function gcpEvaluator(plan: GcpPlan): Evaluator<GcpSummary> {
    // A sharded map has a provider per shard; a grant's tokens are exchanged at its own (summary.provider).
    const providers = new Map(plan.providers.map((p) => [siblingProvider(plan.providerResourceName, p.workloadIdentityPoolProviderId), p]));
    const caches = new Map<GcpProviderEntry, WeakMap<Claims, Exchange>>();
    const exchangeOf = (provider: GcpProviderEntry, claims: Claims): Exchange => {
        const cache = caches.get(provider) ?? caches.set(provider, new WeakMap()).get(provider)!;
        let found = cache.get(claims);
        if (found === undefined) {
            found = exchange(provider, claims);
            cache.set(claims, found);
        }
        return found;
    };
    return (summary: GcpSummary, _grant: GrantIdentity, claims: Claims, options: EvaluateOptions): Decision => {
        const name = summary.provider ?? plan.providerResourceName;
        const provider = providers.get(name);
        if (provider === undefined) {
            throw new Error(`internal error: the plan has no GCP provider ${name}`);
        }
        const allowed = provider.oidc.allowedAudiences.length > 0 ? provider.oidc.allowedAudiences : [name, `https:${name}`];
        const reasons: string[] = [];
        if (claims.iss !== provider.oidc.issuerUri) {
            reasons.push(`the token's issuer ${JSON.stringify(claims.iss)} is not the provider's issuer ${provider.oidc.issuerUri}`);
        }
        if (!audiences(claims).some((a) => allowed.includes(a))) {
            reasons.push(`the token's audience ${JSON.stringify(claims.aud)} is not an allowed audience of the provider (${allowed.join(", ")})`);
        }
        const exp = timeClaim(claims, "exp");
        if (exp === undefined || options.now > exp) {
            reasons.push(exp === undefined ? `the token has no exp claim` : `the token expired at ${new Date(exp * 1000).toISOString()}`);
        }
        const result = exchangeOf(provider, claims);
        reasons.push(...result.reasons);
        if (result.accepted) {
            const accepted = summary.members.map(gateOf);
            if (!accepted.some((gate) => result.groups.includes(gate))) {
                reasons.push(`no gate of the token (${result.groups.join(", ") || "none"}) is a principalSet of ${summary.email} (${accepted.join(", ")})`);
            }
        }
        return {
            accepted: reasons.length === 0,
            reasons,
            gives: [`impersonate ${summary.email}`, ...summary.roles.map((role) => `${role} on the project`)],
        };
    };
}

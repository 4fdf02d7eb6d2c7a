/**
 * What GCP STS and IAM would do with a GitLab ID token for a grant's planned service account: the
 * provider checks the issuer, the audience and expiry, evaluates the attribute mapping and the
 * attribute condition (CEL; an evaluation error fails the exchange), and the federated identity
 * may impersonate the account only if one of its `google.groups` values (gates) is a principalSet
 * bound to the account (Google Cloud docs, "Workload Identity Federation": "Attribute mappings",
 * "Attribute conditions"; "Configure Workload Identity Federation with deployment pipelines"). It
 * reads the planned provider and bindings, never the map.
 *
 * CEL is evaluated with @bufbuild/cel (bufbuild/cel-es packages/cel), which runs the cel-spec
 * conformance suite (packages/cel/src/conformance.test.ts) and implements `matches` with
 * @bufbuild/re2, an RE2 port (dist std/logic.js `matches`: `RE2JS.compile(pattern).test(this)`).
 * cel-spec doc/langdef.md "Regular Expressions": "Regular expressions follow the RE2 syntax", so
 * `.` matches \r, U+2028 and U+2029 (not \n), `\z` is the end of text, and `(?i)` is a flag, where
 * a JavaScript RegExp (what @marcbachmann/cel-js uses) differs on each.
 */
import type { CelEnv, CelInput, CelResult, CelValue } from "@bufbuild/cel";
import { Claims, audiences, timeClaim } from "../../src/core/claims";
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

type Program = (bindings: Record<string, CelInput>) => CelResult;

/** @bufbuild/cel and its environment, loaded on first use: only explain evaluates CEL, and loading it takes a few hundred ms. */
let library: { readonly cel: typeof import("@bufbuild/cel"); readonly env: CelEnv } | undefined;
function celLibrary(): NonNullable<typeof library> {
    if (library === undefined) {
        const cel = require("@bufbuild/cel") as typeof import("@bufbuild/cel");
        library = { cel, env: cel.celEnv() };
    }
    return library;
}

/** Planned programs by expression text (a plan has a few distinct expressions). */
const PROGRAMS = new Map<string, Program | Error>();

/** Evaluates a CEL expression; an Error (with its first line) for a parse or evaluation error. */
function evaluate(expression: string, bindings: Record<string, CelInput>): CelValue | Error {
    const { cel, env } = celLibrary();
    let program = PROGRAMS.get(expression);
    if (program === undefined) {
        try {
            program = cel.plan(env, cel.parse(expression)) as Program;
        } catch (error) {
            program = new Error(String((error as Error).message ?? error).split("\n")[0]);
        }
        PROGRAMS.set(expression, program);
    }
    if (program instanceof Error) {
        return program;
    }
    const result = program(bindings);
    return cel.isCelError(result) ? new Error(result.message.split("\n")[0]) : result;
}

/** Evaluates the provider's mapping and condition for a token, as GCP STS would (issuer, audience and time aside). */
export function exchange(provider: Pick<GcpProviderEntry, "attributeMapping" | "attributeCondition">, claims: Claims): Exchange {
    const attribute: Record<string, CelValue> = {};
    const google: Record<string, CelValue> = {};
    // A Map, converted once: @bufbuild/cel reads it as a CEL map about twice as fast as a plain object.
    const assertion = new Map(Object.entries(claims)) as CelInput;
    for (const [key, expression] of Object.entries(provider.attributeMapping)) {
        const value = evaluate(expression, { assertion });
        if (value instanceof Error) {
            return { accepted: false, groups: [], reasons: [`the attribute mapping of ${key} fails for this token (${value.message}), so the exchange fails`] };
        }
        const [scope, name] = key.split(".") as [string, string];
        (scope === "google" ? google : attribute)[name] = value;
    }
    const allowed = evaluate(provider.attributeCondition, { assertion, google: google as CelInput, attribute: attribute as CelInput });
    if (allowed instanceof Error) {
        return { accepted: false, groups: [], reasons: [`the attribute condition fails to evaluate for this token (${allowed.message})`] };
    }
    if (allowed !== true) {
        return { accepted: false, groups: [], reasons: [`the attribute condition is false for this token: ${provider.attributeCondition}`] };
    }
    const groups = google.groups;
    return { accepted: true, subject: String(google.subject), groups: celLibrary().cel.isCelList(groups) ? [...groups].map(String) : [], reasons: [] };
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
                reasons.push(`no gate of the token (${result.groups.join(", ") || "none"}) is a principalSet of ${summary.email ?? "the grant (direct access)"} (${accepted.join(", ")})`);
            }
        }
        return {
            accepted: reasons.length === 0,
            reasons,
            // access direct: the federated principal itself holds the roles and bindings.
            gives: [...(summary.email !== undefined ? [`impersonate ${summary.email}`] : []), ...summary.roles.map((role) => `${role} on the project`), ...(summary.bindings ?? [])],
        };
    };
}

/**
 * "Which grants would this CI job get, and why not the others?" Each target's evaluator decides
 * from the planned configuration (bound claims, trust policies, CEL), never from the map. Only
 * the grants of the token's project are evaluated (by project id, and by path, so a renamed or
 * forked project shows why it is refused); rejected grants come nearest miss first.
 */
import { targets } from "../../components";
import type { Claims } from "../core/claims";
import { ASYMMETRIC_ALGS, stringClaim } from "../core/claims";
import { compare } from "../core/findings";
import type { AnyTarget, Decision, Evaluator, GrantIdentity } from "../../components/target";
import type { GrantSummary, Plan } from "./plan-schema";

export interface GrantVerdict {
    readonly project: string;
    readonly grant: string;
    /** What the grant gives once admitted (paths, policies, roles). */
    readonly gives: readonly string[];
    /** Every failing condition (empty when accepted); for an undetermined grant, why it is ("UNVERIFIED: ..."). */
    readonly reasons: readonly string[];
}

export interface TargetExplanation {
    /** The audience the evaluated token carried for this target. */
    readonly audience: unknown;
    readonly accepted: readonly GrantVerdict[];
    readonly rejected: readonly GrantVerdict[];
    /** No failing condition is known, but what the target does with this token is not verified upstream: never counted as accepted. */
    readonly undetermined: readonly GrantVerdict[];
}

export interface Explanation {
    readonly verified: boolean;
    readonly claims: Claims;
    /** Things the evaluation could not check or refuses outright (an unverified signature, an unsigned token). */
    readonly notes: readonly string[];
    /** Per target the map uses. */
    readonly targets: Readonly<Record<string, TargetExplanation>>;
}

export interface ExplainOptions {
    /** Seconds since the epoch. */
    readonly now: number;
    /** Whether the token's signature was verified against GitLab's keys. */
    readonly verified: boolean;
    /** Why signature verification failed: every grant is then refused. */
    readonly signatureError?: string;
    /** The token's protected header (alg, kid), when a real token was given: an alg that is not asymmetric is refused by every target. */
    readonly header?: Readonly<Record<string, unknown>>;
    /**
     * Evaluate each target with a token carrying that target's audience (what a job with one
     * id_token per target presents): for claim sets built from flags.
     */
    readonly audiencePerTarget?: boolean;
    /** Only these targets. */
    readonly targets?: readonly string[];
}

interface Prepared {
    readonly target: AnyTarget;
    readonly evaluate: Evaluator<unknown>;
    readonly audience: string;
}

const identity = (g: GrantSummary): GrantIdentity => ({ project: g.project, projectId: g.projectId, grant: g.grant, conditions: g.conditions });

export class Explainer {
    private readonly prepared: Prepared[];
    private readonly byId = new Map<string, GrantSummary[]>();
    private readonly byPath = new Map<string, GrantSummary[]>();

    constructor(readonly plan: Plan) {
        const sections = plan as unknown as Record<string, { audience: string } | undefined>;
        this.prepared = targets().filter((t) => sections[t.key] !== undefined).map((target) => ({
            target,
            evaluate: target.evaluator(sections[target.key], plan.gitlab),
            audience: sections[target.key]!.audience,
        }));
        for (const grant of plan.grants) {
            (this.byId.get(grant.projectId) ?? this.byId.set(grant.projectId, []).get(grant.projectId)!).push(grant);
            (this.byPath.get(grant.project) ?? this.byPath.set(grant.project, []).get(grant.project)!).push(grant);
        }
    }

    /** The map's grants for the token's project: by id, then by path (a renamed or forked project). */
    grantsFor(claims: Claims): GrantSummary[] {
        const byId = this.byId.get(stringClaim(claims, "project_id") ?? "") ?? [];
        const byPath = this.byPath.get(stringClaim(claims, "project_path") ?? "") ?? [];
        return byPath.length === 0 ? byId : [...new Set([...byId, ...byPath])];
    }

    explain(claims: Claims, options: ExplainOptions): Explanation {
        const grants = this.grantsFor(claims);
        const refusal = tokenRefusals(options);
        const targets: Record<string, TargetExplanation> = {};
        for (const { target, evaluate, audience } of this.prepared) {
            if (options.targets !== undefined && !options.targets.includes(target.key)) {
                continue;
            }
            const token = options.audiencePerTarget === true ? { ...claims, aud: audience } : claims;
            const verdicts: Record<"accepted" | "rejected" | "undetermined", GrantVerdict[]> = { accepted: [], rejected: [], undetermined: [] };
            for (const grant of grants) {
                const summary = (grant as Record<string, unknown>)[target.key];
                if (summary === undefined) {
                    continue;
                }
                const decision: Decision = evaluate(summary, identity(grant), token, { now: options.now, ...(options.header !== undefined ? { header: options.header } : {}) });
                const reasons = [...refusal, ...decision.reasons];
                const kind = reasons.length > 0 ? "rejected" : decision.undetermined !== undefined ? "undetermined" : "accepted";
                verdicts[kind].push({ project: grant.project, grant: grant.grant, gives: decision.gives, reasons: kind === "undetermined" ? decision.undetermined! : reasons });
            }
            verdicts.rejected.sort((a, b) => a.reasons.length - b.reasons.length || compare(a.project, b.project) || compare(a.grant, b.grant));
            targets[target.key] = { audience: token.aud, ...verdicts };
        }
        return { verified: options.verified, claims, notes: notes(options), targets };
    }
}

/** Whether a header's alg is one a target verifies with (asymmetric). */
function signedAsymmetrically(header: Readonly<Record<string, unknown>>): boolean {
    return typeof header.alg === "string" && ASYMMETRIC_ALGS.includes(header.alg);
}

/** What refuses the token at every target before any target's own checks: its signature, or its alg. */
function tokenRefusals(options: ExplainOptions): string[] {
    const reasons = options.signatureError !== undefined ? [`the token's signature does not verify against the given keys (${options.signatureError})`] : [];
    if (options.header !== undefined && !signedAsymmetrically(options.header)) {
        reasons.push(`the token's alg ${JSON.stringify(options.header.alg)} is not an asymmetric signature algorithm (${ASYMMETRIC_ALGS.join(", ")}): no target accepts an unsigned or HMAC-signed token`);
    }
    return reasons;
}

/** What the output must say about the token's signature. */
function notes(options: ExplainOptions): string[] {
    const out = options.header !== undefined && !signedAsymmetrically(options.header) ? [`the token is unsigned or HMAC-signed (alg ${JSON.stringify(options.header.alg)}): every target refuses it`] : [];
    if (options.signatureError !== undefined) {
        out.push("the signature did not verify");
    } else if (!options.verified) {
        out.push("the signature was not verified (give --jwks to verify it)");
    }
    return out;
}

/** Whether anything is accepted by any target. */
export function anyAccepted(explanation: Explanation): boolean {
    return Object.values(explanation.targets).some((t) => t.accepted.length > 0);
}

/** Whether any target's decision on a grant is undetermined. */
export function anyUndetermined(explanation: Explanation): boolean {
    return Object.values(explanation.targets).some((t) => t.undetermined.length > 0);
}

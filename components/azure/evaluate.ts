/**
 * What Microsoft Entra ID does with a GitLab ID token exchanged for a planned managed identity
 * (az login --federated-token, or any client-credentials request with the token as
 * client_assertion): it looks for a federated credential of the identity whose issuer and
 * subject equal the token's iss and sub, then requires the token's aud to be that credential's
 * one audience, and the token to be within its validity. It reads the plan, never the map.
 *
 * Sources:
 * - Entra "Important considerations and restrictions for federated identity credentials" and
 *   "Flexible federated identity credentials (preview)" § Why: "explicit matching when comparing
 *   the defined subject, issuer, and audience in the federated identity credential against the
 *   subject, issuer, and audience contained in the token"; "Only issuers that provide tokens
 *   signed using the RS256 algorithm are supported".
 * - Error codes, as GitLab's "Configure OpenID Connect in Azure" § Troubleshooting
 *   (https://docs.gitlab.com/ci/cloud_services/azure/) and the considerations page quote them:
 *   AADSTS70021 "No matching federated identity record found for presented assertion." (issuer or
 *   subject, also while a new credential propagates), AADSTS700212 "No matching federated identity
 *   record found for presented assertion audience".
 * - Expiry: AADSTS700024 "Client assertion is not within its valid time range" is what public
 *   pipelines report for an expired token; no Entra page states the check or its clock skew for
 *   federated tokens. UNVERIFIED: this program assumes exp and nbf are enforced with at most
 *   CLOCK_SKEW_SECONDS of skew, and leaves tokens inside that window undetermined.
 * - Case: no page says whether issuer and subject compare case-sensitively. A token whose iss and
 *   sub equal a credential's only when case is ignored is undetermined, never accepted.
 * - aud as a JSON array: undocumented for federated credentials; rejected when none of its values
 *   is the audience, otherwise undetermined (as AWS's evaluator does).
 * Azure sees nothing else of the token: an unprotected ref, another environment or a pipeline
 * source are all accepted when iss, sub and aud match.
 */
import { type Claims, audiences, timeClaim } from "../../src/core/claims";
import { identityId } from "./names";
import type { AzurePlan, AzureSummary } from "./plan-schema";

/** The clock skew assumed around exp and nbf (UNVERIFIED). */
export const CLOCK_SKEW_SECONDS = 300;

/** The one signature algorithm Entra accepts from an external issuer. */
export const ENTRA_ALG = "RS256";

const q = JSON.stringify;

export interface EntraCredential {
    readonly federatedIdentityCredentialResourceName: string;
    readonly issuer: string;
    readonly subject: string;
    readonly audiences: readonly string[];
}

export interface EntraDecision {
    readonly accepted: boolean;
    /** Every failing check, in Entra's terms; empty when accepted. */
    readonly reasons: readonly string[];
    /** No failing check is known, but Entra's behaviour here is not documented: why, each starting "UNVERIFIED:". Never accepted. */
    readonly undetermined?: readonly string[];
    readonly gives: readonly string[];
}

export interface EntraOptions {
    /** Seconds since the epoch. */
    readonly now: number;
    /** The token's protected header, when a real token was given. */
    readonly header?: Readonly<Record<string, unknown>>;
}

/** The credentials that match iss and sub exactly, or else those that match them only when case is ignored. */
function lookup(credentials: readonly EntraCredential[], iss: unknown, sub: unknown): { readonly exact: boolean; readonly found: readonly EntraCredential[] } {
    const exact = credentials.filter((c) => c.issuer === iss && c.subject === sub);
    if (exact.length > 0 || typeof iss !== "string" || typeof sub !== "string") {
        return { exact: true, found: exact };
    }
    return { exact: false, found: credentials.filter((c) => c.issuer.toLowerCase() === iss.toLowerCase() && c.subject.toLowerCase() === sub.toLowerCase()) };
}

/** The audience check against the credentials that matched iss and sub. */
function audienceCheck(found: readonly EntraCredential[], claims: Claims, reasons: string[], undetermined: string[]): void {
    const values = audiences(claims);
    const expected = [...new Set(found.flatMap((c) => c.audiences))];
    const matched = values.some((v) => expected.includes(v));
    if (!matched) {
        reasons.push(`AADSTS700212: No matching federated identity record found for presented assertion audience ${q(claims.aud ?? null)}: the credential expects ${expected.map((e) => q(e)).join(" or ")}`);
    } else if (Array.isArray(claims.aud)) {
        undetermined.push(`UNVERIFIED: Entra with a multi-valued aud (${q(claims.aud)}): no Microsoft page says whether a federated credential accepts an aud array that contains its audience; give GitLab's id_tokens one aud per target`);
    }
}

/** exp and nbf, with the assumed skew. */
function timeCheck(claims: Claims, now: number, reasons: string[], undetermined: string[]): void {
    const exp = timeClaim(claims, "exp");
    const nbf = timeClaim(claims, "nbf");
    const at = (seconds: number) => new Date(seconds * 1000).toISOString();
    if (exp === undefined) {
        undetermined.push(`UNVERIFIED: the token has no exp; no Microsoft page says whether Entra requires one in a federated assertion`);
    } else if (now > exp + CLOCK_SKEW_SECONDS) {
        reasons.push(`AADSTS700024: Client assertion is not within its valid time range: the token expired at ${at(exp)}`);
    } else if (now > exp) {
        undetermined.push(`UNVERIFIED: the token expired at ${at(exp)}, ${now - exp} s ago; Entra's clock skew for federated assertions is not documented (this program assumes up to ${CLOCK_SKEW_SECONDS} s)`);
    }
    if (nbf !== undefined && now < nbf - CLOCK_SKEW_SECONDS) {
        reasons.push(`AADSTS700024: Client assertion is not within its valid time range: the token is not valid before ${at(nbf)}`);
    } else if (nbf !== undefined && now < nbf) {
        undetermined.push(`UNVERIFIED: the token is valid from ${at(nbf)}, ${nbf - now} s from now; Entra's clock skew for federated assertions is not documented (this program assumes up to ${CLOCK_SKEW_SECONDS} s)`);
    }
}

/** Entra's answer for a token presented for an identity with these federated credentials. */
export function entraDecision(identity: string, credentials: readonly EntraCredential[], claims: Claims, options: EntraOptions, gives: readonly string[] = []): EntraDecision {
    const reasons: string[] = [];
    const undetermined: string[] = [];
    const { exact, found } = lookup(credentials, claims.iss, claims.sub);
    if (found.length === 0) {
        reasons.push(`AADSTS70021: No matching federated identity record found for presented assertion: no federated credential of ${identity} has issuer ${q(claims.iss ?? null)} and subject ${q(claims.sub ?? null)}`);
    } else {
        if (!exact) {
            undetermined.push(
                `UNVERIFIED: the token's iss ${q(claims.iss)} and sub ${q(claims.sub)} equal those of credential ${found[0]!.federatedIdentityCredentialResourceName} only when case is ignored; no Microsoft page says whether Entra compares them case-sensitively`,
            );
        }
        audienceCheck(found, claims, reasons, undetermined);
    }
    timeCheck(claims, options.now, reasons, undetermined);
    const alg = options.header?.alg;
    if (alg !== undefined && alg !== ENTRA_ALG) {
        reasons.push(`the token is signed with ${q(alg)}; Entra accepts tokens of external issuers signed with ${ENTRA_ALG} only`);
    }
    const open = reasons.length === 0 && undetermined.length > 0;
    return { accepted: reasons.length === 0 && undetermined.length === 0, reasons, ...(open ? { undetermined } : {}), gives: [...gives] };
}

/** An evaluator over one plan: the identity a grant's summary names (by its ARM ID), with its planned credentials. */
export function azureEvaluator(plan: AzurePlan): (summary: AzureSummary, claims: Claims, options: EntraOptions) => EntraDecision {
    const key = (group: string, name: string) => identityId(plan.subscriptionId, group, name).toLowerCase();
    const byIdentity = new Map<string, EntraCredential[]>(plan.identities.map((i) => [key(i.resourceGroupName, i.resourceName), []]));
    for (const credential of plan.federatedIdentityCredentials) {
        byIdentity.get(key(credential.resourceGroupName, credential.resourceName))?.push(credential);
    }
    return (summary, claims, options) => {
        const credentials = byIdentity.get(summary.identityId.toLowerCase());
        if (credentials === undefined) {
            return { accepted: false, reasons: [`the managed identity ${summary.identityId} is not in the plan`], gives: [] };
        }
        return entraDecision(summary.identityName, credentials, claims, options, summary.roles.map((r) => `${r.role} on ${r.scope}`));
    };
}

/**
 * An independent model of Microsoft Entra ID's token exchange for a user-assigned managed
 * identity, written from Microsoft's pages and not from components/azure/evaluate.ts, to check
 * that evaluator against:
 *
 * 1. "The combination of issuer and subject must be unique on the app" and "the issuer and
 *    subject values of the federated identity credential are checked against the issuer and
 *    subject claims provided in the external token" (Entra considerations page): the identity's
 *    credentials form a table keyed by (issuer, subject); a token with no row is refused with
 *    AADSTS70021 "No matching federated identity record found for presented assertion".
 *    Whether the key compares case-sensitively is not documented: a row found only when case is
 *    ignored leaves the answer open.
 * 2. The row's one audience must be the token's aud, else AADSTS700212 "No matching federated
 *    identity record found for presented assertion audience" (GitLab's Azure page, Troubleshooting).
 *    An aud array that holds the audience is not documented either: open.
 * 3. exp and nbf: AADSTS700024 "Client assertion is not within its valid time range" outside the
 *    validity plus 300 s of assumed skew; inside the skew window, open (the skew is not documented).
 */

/** A federated credential as Entra stores it. */
export interface ModelCredential {
    readonly issuer: string;
    readonly subject: string;
    readonly audiences: readonly string[];
}

export type Outcome = "accepted" | "rejected" | "open";

export interface Verdict {
    readonly outcome: Outcome;
    /** AADSTS codes of the failing checks, sorted. */
    readonly codes: readonly string[];
}

const SKEW = 300;

/** The credential table's key for an issuer and a subject. */
function key(issuer: string, subject: string): string {
    return JSON.stringify([issuer, subject]);
}

/** Entra's answer for `token`, presented for an identity holding `credentials`, at `now`. */
export function entraModel(credentials: readonly ModelCredential[], token: Readonly<Record<string, unknown>>, now: number): Verdict {
    const codes: string[] = [];
    let open = false;
    const exactTable = new Map<string, ModelCredential[]>();
    const foldedTable = new Map<string, ModelCredential[]>();
    for (const c of credentials) {
        exactTable.set(key(c.issuer, c.subject), [...(exactTable.get(key(c.issuer, c.subject)) ?? []), c]);
        const folded = key(c.issuer.toLowerCase(), c.subject.toLowerCase());
        foldedTable.set(folded, [...(foldedTable.get(folded) ?? []), c]);
    }
    const { iss, sub } = token;
    let rows: ModelCredential[] = [];
    if (typeof iss === "string" && typeof sub === "string") {
        rows = exactTable.get(key(iss, sub)) ?? [];
        if (rows.length === 0) {
            rows = foldedTable.get(key(iss.toLowerCase(), sub.toLowerCase())) ?? [];
            open = rows.length > 0;
        }
    }
    if (rows.length === 0) {
        codes.push("AADSTS70021");
    } else {
        const presented = typeof token.aud === "string" ? [token.aud] : Array.isArray(token.aud) ? token.aud.filter((a) => typeof a === "string") : [];
        const accepted = new Set(rows.flatMap((r) => r.audiences));
        if (!presented.some((a) => accepted.has(a))) {
            codes.push("AADSTS700212");
        } else if (Array.isArray(token.aud)) {
            open = true;
        }
    }
    const exp = typeof token.exp === "number" ? token.exp : undefined;
    const nbf = typeof token.nbf === "number" ? token.nbf : undefined;
    switch (true) {
        case exp === undefined:
            open = true;
            break;
        case now - exp! > SKEW:
            codes.push("AADSTS700024");
            break;
        case now > exp!:
            open = true;
    }
    if (nbf !== undefined && nbf - now > SKEW) {
        codes.push("AADSTS700024");
    } else if (nbf !== undefined && now < nbf) {
        open = true;
    }
    const sorted = [...codes].sort();
    return { outcome: sorted.length > 0 ? "rejected" : open ? "open" : "accepted", codes: sorted };
}

/**
 * An independent reading of Akeyless's documented login checks, written from the documentation
 * only (not from components/akeyless/evaluate.ts), to check that evaluator against:
 *
 * docs.akeyless.io "Sub-Claims":
 *   - sub-claims are a map of claim name to values; "between different sub-claims keys, the logic
 *     will always use the AND operator"; a key with several values matches when the claim holds
 *     one of them; values are given comma-separated;
 *   - "The keys and values are case-sensitive"; wildcards: "?" replaces one character, "*"
 *     replaces any amount of characters;
 *   - a token without a bound claim is not authorized ("containing both ... claims").
 * CLI reference, `assoc-role-am --case-sensitive`: "Treat sub claims as case-sensitive" (values
 * compared without case when false).
 * docs.akeyless.io "OAuth 2.0/JWT": issuer and audience, when configured, must match the token's
 * iss and aud; the unique identifier names a claim of the token.
 *
 * Where the documentation says nothing (a list aud, a non-string claim, operators) the verdict is
 * "undetermined".
 */

export type Verdict = "accepted" | "refused" | "undetermined";

export interface DocsLogin {
    readonly issuer: string;
    readonly audience: string;
    readonly uniqueIdentifier: string;
    /** As written on the wire: claim name to a comma-separated list. */
    readonly subClaims: Readonly<Record<string, string>>;
    readonly caseSensitive: boolean;
}

/** A documented wildcard pattern as a regular expression: "*" any run, "?" one character, the rest literal. */
function patternRegExp(pattern: string, caseSensitive: boolean): RegExp {
    const body = Array.from(pattern)
        .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&")))
        .join("");
    return new RegExp(`^${body}$`, caseSensitive ? "su" : "sui");
}

/** Each failing check by name ("issuer", "audience", "unique identifier", "sub-claim <name>"), and the verdict. */
export function docsVerdict(login: DocsLogin, claims: Readonly<Record<string, unknown>>): { verdict: Verdict; failing: string[] } {
    const failing: string[] = [];
    let open = false;
    const has = (name: string) => name in claims && claims[name] !== null && claims[name] !== undefined;
    if (login.issuer !== "" && claims.iss !== login.issuer) {
        failing.push("issuer");
    }
    if (login.audience !== "") {
        const aud = claims.aud;
        if (Array.isArray(aud) && aud.includes(login.audience)) {
            open = true; // a list aud: not documented
        } else if (aud !== login.audience) {
            failing.push("audience");
        }
    }
    if (!has(login.uniqueIdentifier)) {
        failing.push("unique identifier");
    } else if (typeof claims[login.uniqueIdentifier] !== "string") {
        open = true;
    }
    for (const [name, list] of Object.entries(login.subClaims)) {
        const value = claims[name];
        if (!has(name)) {
            failing.push(`sub-claim ${name}`);
        } else if (typeof value !== "string" || list.includes("`")) {
            open = true;
        } else if (!list.split(",").some((v) => patternRegExp(v, login.caseSensitive).test(value))) {
            failing.push(`sub-claim ${name}`);
        }
    }
    return { verdict: failing.length > 0 ? "refused" : open ? "undetermined" : "accepted", failing: failing.sort() };
}

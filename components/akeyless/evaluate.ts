/**
 * How Akeyless decides a GitLab ID-token login through an OAuth2/JWT auth method for one role
 * association, from Akeyless's documentation (no source is public):
 * - docs.akeyless.io "Sub-Claims": sub-claims are a map from claim name to values; the token must
 *   hold every key (AND across keys, "The keys and values are case-sensitive"), and one of a key's
 *   values (a comma-separated list means any of them); `*` "Replaces any amount of characters"
 *   and `?` "Replaces one character"; there is no escape;
 * - the association's `case-sensitive` flag (model AssocRoleAuthMethod, default "true"; CLI
 *   `--case-sensitive`: "Treat sub claims as case-sensitive") makes value matching case-insensitive
 *   when false;
 * - docs.akeyless.io "OAuth 2.0/JWT": the auth method's `issuer` and `audience` are compared with
 *   `iss` and `aud` when set; `unique-identifier` names the claim that identifies the client.
 *
 * What the documentation leaves open is never reported as accepted: it lands in `undetermined`,
 * each entry starting "UNVERIFIED:" (a list `aud`, a list or non-string claim, logical operators).
 * Signature, key set and token times are checked elsewhere (gitlab-federation explain).
 */

/** What the auth method checks of every login. Empty strings mean "not set" (Akeyless then does not compare). */
export interface AuthMethodTerms {
    readonly issuer: string;
    readonly audience: string;
    readonly uniqueIdentifier: string;
}

/** One association of a role with the auth method. */
export interface AssociationTerms {
    readonly subClaims: Readonly<Record<string, readonly string[]>>;
    readonly caseSensitive: boolean;
}

export interface LoginDecision {
    readonly accepted: boolean;
    /** Every failing check, in the documentation's terms; empty when accepted. */
    readonly reasons: readonly string[];
    /** Checks whose outcome the documentation does not settle, each starting "UNVERIFIED:"; never accepted. */
    readonly undetermined: readonly string[];
}

const q = JSON.stringify;

/**
 * Akeyless's documented wildcards, anchored at both ends: `*` any run of characters (the empty
 * run and "/" included: "any amount of characters"), `?` exactly one character. Iterative
 * matching with one backtrack point, linear in practice and never exponential.
 */
export function akeylessGlob(pattern: string, subject: string): boolean {
    const p = Array.from(pattern);
    const s = Array.from(subject);
    let pi = 0;
    let si = 0;
    let star = -1;
    let resume = 0;
    while (si < s.length) {
        if (pi < p.length && p[pi] === "*") {
            star = pi++;
            resume = si;
        } else if (pi < p.length && (p[pi] === "?" || p[pi] === s[si])) {
            pi++;
            si++;
        } else if (star >= 0) {
            pi = star + 1;
            si = ++resume;
        } else {
            return false;
        }
    }
    while (p[pi] === "*") {
        pi++;
    }
    return pi === p.length;
}

/** A claim by exact key; JSON null counts as absent. */
function claim(claims: Readonly<Record<string, unknown>>, name: string): unknown {
    return Object.hasOwn(claims, name) ? (claims[name] ?? undefined) : undefined;
}

/** The auth method's issuer, audience and unique-identifier checks. */
function authMethodChecks(terms: AuthMethodTerms, claims: Readonly<Record<string, unknown>>): { reasons: string[]; undetermined: string[] } {
    const reasons: string[] = [];
    const undetermined: string[] = [];
    const iss = claim(claims, "iss");
    if (terms.issuer !== "" && iss !== terms.issuer) {
        reasons.push(`issuer: the token's iss ${iss === undefined ? "is missing" : q(iss)}${iss === undefined ? "" : " is not"} the auth method's issuer ${q(terms.issuer)}`);
    }
    const aud = claim(claims, "aud");
    if (terms.audience !== "" && aud !== terms.audience) {
        if (Array.isArray(aud) && aud.includes(terms.audience)) {
            undetermined.push(`UNVERIFIED: audience: the token's aud is a list holding ${q(terms.audience)}; whether Akeyless accepts a list aud is not documented`);
        } else {
            reasons.push(`audience: the token's aud ${aud === undefined ? "is missing" : `${q(aud)} is not`} the auth method's audience ${q(terms.audience)}`);
        }
    }
    const unique = claim(claims, terms.uniqueIdentifier);
    if (unique === undefined) {
        reasons.push(`unique identifier: the token has no ${q(terms.uniqueIdentifier)} claim, which the auth method identifies clients by`);
    } else if (typeof unique !== "string") {
        undetermined.push(`UNVERIFIED: unique identifier: the token's ${q(terms.uniqueIdentifier)} is ${typeof unique === "object" ? "a list or object" : `a ${typeof unique}`}, not a string`);
    }
    return { reasons, undetermined };
}

/** One sub-claim key: present, a string, and matching one of the values. */
function subClaimCheck(name: string, values: readonly string[], caseSensitive: boolean, claims: Readonly<Record<string, unknown>>): { reason?: string; undetermined?: string } {
    const actual = claim(claims, name);
    if (actual === undefined) {
        return { reason: `sub-claim ${q(name)}: the token has no ${q(name)} claim` };
    }
    if (values.some((v) => v.includes("`"))) {
        return { undetermined: `UNVERIFIED: sub-claim ${q(name)}: the values use logical operators (\`AND\`/\`OR\`), which this evaluation does not model` };
    }
    if (typeof actual !== "string") {
        return { undetermined: `UNVERIFIED: sub-claim ${q(name)}: the token's value is ${Array.isArray(actual) ? "a list" : `a ${typeof actual}`}; how Akeyless matches it is not documented` };
    }
    const fold = (text: string) => (caseSensitive ? text : text.toLowerCase());
    if (values.some((v) => akeylessGlob(fold(v), fold(actual)))) {
        return {};
    }
    return { reason: `sub-claim ${q(name)}: the token's ${q(actual)} matches none of ${values.map((v) => q(v)).join(", ")}${caseSensitive ? "" : " (case-insensitive)"}` };
}

/** Whether Akeyless lets these claims log in through the auth method and obtain the association's role. */
export function evaluateLogin(authMethod: AuthMethodTerms, association: AssociationTerms, claims: Readonly<Record<string, unknown>>): LoginDecision {
    const { reasons, undetermined } = authMethodChecks(authMethod, claims);
    for (const name of Object.keys(association.subClaims).sort()) {
        const check = subClaimCheck(name, association.subClaims[name]!, association.caseSensitive, claims);
        if (check.reason !== undefined) {
            reasons.push(check.reason);
        }
        if (check.undetermined !== undefined) {
            undetermined.push(check.undetermined);
        }
    }
    const open = reasons.length === 0 ? undetermined : [];
    return { accepted: reasons.length === 0 && open.length === 0, reasons, undetermined: open };
}

/**
 * Why a value cannot be bound literally in an Akeyless sub-claim: Akeyless splits values on ","
 * and reads "*" and "?" as wildcards and backticks as operators, with no escape (docs.akeyless.io
 * "Sub-Claims"); whether it trims white space is not documented. Undefined when the value is safe.
 * With `pattern`, "*" is allowed (an intended wildcard; see refSubClaim).
 */
export function subClaimValueProblem(value: string, pattern = false): string | undefined {
    if (value === "") {
        return `must not be empty: an empty Akeyless sub-claim value has no documented meaning; leave the condition out, or name the value`;
    }
    if (value.includes(",")) {
        return `contains "," (got ${q(value)}): Akeyless splits sub-claim values on commas (any of the parts matches) and has no escape, so this value cannot be matched literally; use a value without ","`;
    }
    const wildcard = (pattern ? ["?"] : ["*", "?"]).find((c) => value.includes(c));
    if (wildcard !== undefined) {
        return `contains ${q(wildcard)} (got ${q(value)}): "*" and "?" are wildcards in Akeyless sub-claims and cannot be escaped, so this exact value would match other values too; use a value without "*" and "?"`;
    }
    if (value.includes("`")) {
        return `contains a backtick (got ${q(value)}): Akeyless reads \`AND\` and \`OR\` between backticks as operators in sub-claim values; use a value without backticks`;
    }
    if (/^\s|\s$|[\u0000-\u001f\u007f]/.test(value)) {
        return `starts or ends with white space or holds a control character (got ${q(value)}): whether Akeyless trims sub-claim values is not documented; use the value without them`;
    }
    return undefined;
}

/**
 * The sub-claim value for a grant's ref: an exact ref as itself, or a ref pattern whose only
 * wildcard is `*` as itself too. The map's `*` means any run of characters, "/" and the empty run
 * included (GitLab's protected-ref wildcards and Vault's glob: docs/reference.md §1.5, §2.5);
 * Akeyless documents `*` as "any amount of characters", the same reading. Whether Akeyless's `*`
 * really crosses "/" is UNVERIFIED: if it did not, the pattern would match fewer refs, never
 * more, so patterns are allowed and REF_PATTERN_WARNING says so in the plan. "?" (a wildcard in
 * Akeyless, literal in Vault), "," and backticks are refused.
 */
export function refSubClaim(ref: string): { readonly value: string } | { readonly problem: string } {
    const problem = subClaimValueProblem(ref, true);
    return problem === undefined ? { value: ref } : { problem };
}

/** The plan's warning for a grant whose ref is a pattern (see refSubClaim). */
export const REF_PATTERN_WARNING =
    'Akeyless matches this ref pattern as a sub-claim wildcard; its documentation says "*" replaces any amount of characters, as in GitLab and Vault, but whether it crosses "/" is not verified (if not, fewer refs match, never more)';

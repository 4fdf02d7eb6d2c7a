/**
 * A token's registered claims as Vault's JWT auth method reads them, and cap's time checks.
 *
 * vault-plugin-auth-jwt path_login.go `pathLogin` calls hashicorp/cap (v0.13.0) jwt/jwt.go
 * `Validator.Validate` → `validateAll`, which takes the claims go-oidc verified as a Go map,
 * `json.Marshal`s the map (encoding/json sorts map keys bytewise) and `json.Unmarshal`s the result
 * into go-jose v3.0.5 jwt/claims.go `Claims`: `iss`, `sub`, `jti` strings, `aud` an `Audience`,
 * `exp`, `nbf`, `iat` `*NumericDate` (an int64). Go's encoding/json matches an object key to a
 * struct field exactly or case-insensitively (Unicode simple folding: "EXP", "Exp", and "ſub" with
 * U+017F all fill the field), and a later key overwrites an earlier one, so of several keys that
 * fold to one name, the bytewise-last one wins (the all-lowercase one among ASCII variants). Every
 * such key is decoded, and one of the wrong type fails the whole decode, hence the login
 * (cap returns the error; path_login prefixes "error validating token: "). bound_claims and
 * user_claim read the map instead, by exact (case-sensitive) key: see evaluate.ts.
 */
import type { Claims } from "../../src/core/claims";

const STRINGS = ["iss", "sub", "jti"] as const;
const TIMES = ["iat", "nbf", "exp"] as const;
type TimeName = (typeof TIMES)[number];

/** The registered claims after cap's decode: "" and 0 where absent (0 is "absent" to cap). */
export interface Registered {
    readonly iss: string;
    readonly sub: string;
    readonly jti: string;
    readonly aud: readonly string[];
    /** go-jose NumericDate: the JSON number truncated to an int64. */
    readonly times: Readonly<Record<TimeName, bigint>>;
}

export interface Decoded {
    /** Absent when the decode fails. */
    readonly registered?: Registered;
    /** Why the decode fails, in Vault's words (every failing key, bytewise key order). */
    readonly errors: readonly string[];
    /** Values whose meaning to Vault is not determined (see numericDate). */
    readonly undetermined: readonly string[];
}

/** go-jose v3.0.5 jwt/errors.go. */
const ERR_NUMERIC_DATE = "go-jose/go-jose/jwt: expected number value to unmarshal NumericDate";
const ERR_AUDIENCE = "go-jose/go-jose/jwt: expected string or array value to unmarshal to Audience";

/**
 * The registered name a key fills, if any. Go folds by Unicode simple case folding (bytes.EqualFold);
 * the only non-ASCII runes that fold onto ASCII letters are U+017F (ſ, onto s) and U+212A (Kelvin
 * sign, onto k, which no registered name has).
 */
function registeredName(key: string): string | undefined {
    // Every registered name has 3 letters, and each rune that folds onto one is one UTF-16 unit.
    if (key.length !== 3) {
        return undefined;
    }
    let folded = "";
    for (const ch of key) {
        folded += ch === "\u017f" ? "s" : ch >= "A" && ch <= "Z" ? ch.toLowerCase() : ch;
    }
    return (STRINGS as readonly string[]).includes(folded) || (TIMES as readonly string[]).includes(folded) || folded === "aud" ? folded : undefined;
}

/** Go's name for a JSON value's kind in an UnmarshalTypeError. */
function goKind(value: unknown): string {
    return Array.isArray(value) ? "array" : typeof value === "boolean" ? "bool" : typeof value === "object" ? "object" : typeof value;
}

const INT64 = 2 ** 63;

/**
 * go-jose `NumericDate.UnmarshalJSON`: `strconv.ParseFloat` then `NumericDate(f)`, a float64 to
 * int64 conversion: truncation toward zero, and beyond ±2^63 "the result value is
 * implementation-dependent" (Go spec, Conversions; x86-64 and arm64 give different values), so
 * Vault's decision is not determined there.
 */
function numericDate(value: number, key: string): bigint | string {
    if (value >= INT64 || value < -INT64) {
        return `UNVERIFIED: Vault converts ${key} ${value} to a Go int64 (go-jose jwt.NumericDate), which Go leaves implementation-dependent beyond ±2^63: explain cannot tell what Vault decides`;
    }
    return BigInt(Math.trunc(value));
}

/** The first claim holding a number JSON.parse made infinite: Go's json.Unmarshal of the payload into a map fails on it. */
function overflowing(claims: Claims): string | undefined {
    const deep = (value: unknown): boolean =>
        typeof value === "number" ? !Number.isFinite(value) : typeof value === "object" && value !== null && Object.values(value).some(deep);
    return Object.keys(claims).find((key) => deep(claims[key]));
}

interface Fields {
    iss: string;
    sub: string;
    jti: string;
    aud: readonly string[];
    times: Record<TimeName, bigint>;
    /** A time field whose last value is undetermined (a later key overwrites it). */
    undetermined: Partial<Record<TimeName, string>>;
}

/** Decodes one key's value into its field, as encoding/json and go-jose do; the error that fails the decode, if any. */
function decodeInto(fields: Fields, name: string, key: string, value: unknown): string | undefined {
    const context = ` (key ${JSON.stringify(key)}: ${JSON.stringify(value)})`;
    if (name === "aud") {
        // Audience.UnmarshalJSON is called for null too, and rejects it (UNVERIFIED by test: encoding/json decode.go `indirect` finds the Unmarshaler of a non-pointer field and calls it with null).
        const list = typeof value === "string" ? [value] : Array.isArray(value) && value.every((v) => typeof v === "string") ? (value as string[]) : undefined;
        if (list === undefined) {
            return `${ERR_AUDIENCE}${context}`;
        }
        fields.aud = list;
        return undefined;
    }
    if ((TIMES as readonly string[]).includes(name)) {
        if (value !== null && typeof value !== "number") {
            return `${ERR_NUMERIC_DATE}${context}`;
        }
        // null sets the *NumericDate to nil: absent.
        const date = value === null ? 0n : numericDate(value, key);
        fields.times[name as TimeName] = typeof date === "string" ? 0n : date;
        fields.undetermined[name as TimeName] = typeof date === "string" ? date : undefined;
        return undefined;
    }
    // A string field: null leaves it unchanged; any other type is an UnmarshalTypeError (its
    // wording is encoding/json's UnmarshalTypeError.Error; UNVERIFIED for every Go release).
    if (value !== null && typeof value !== "string") {
        return `json: cannot unmarshal ${goKind(value)} into Go struct field Claims.${name} of type string${context}`;
    }
    if (typeof value === "string") {
        fields[name as (typeof STRINGS)[number]] = value;
    }
    return undefined;
}

/** The registered claims as cap decodes them (see the module comment). */
export function decodeRegistered(claims: Claims): Decoded {
    const overflow = overflowing(claims);
    if (overflow !== undefined) {
        return { errors: [`error verifying token signature: json: cannot unmarshal number into Go value of type float64 (claim ${JSON.stringify(overflow)} holds a number beyond float64)`], undetermined: [] };
    }
    const fields: Fields = { iss: "", sub: "", jti: "", aud: [], times: { iat: 0n, nbf: 0n, exp: 0n }, undetermined: {} };
    const errors: string[] = [];
    const keys = Object.keys(claims)
        .map((key) => ({ key, name: registeredName(key) }))
        .filter((k): k is { key: string; name: string } => k.name !== undefined)
        .sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
    for (const { key, name } of keys) {
        const error = decodeInto(fields, name, key, claims[key]);
        if (error !== undefined) {
            errors.push(error);
        }
    }
    const { undetermined, ...registered } = fields;
    return errors.length > 0 ? { errors, undetermined: [] } : { registered, errors, undetermined: TIMES.flatMap((t) => undetermined[t] ?? []) };
}

/** Role leeways: vault_jwt_auth_backend_role sends 0 unless set, and cap maps 0 to these defaults (jwt.go DefaultLeewaySeconds, go-jose jwt.DefaultLeeway). */
const LEEWAY_SECONDS = { expiration: 150n, notBefore: 150n, clockSkew: 60n } as const;

/** time.go unixToInternal: seconds from year 1 to 1970. time.Unix(s, 0) holds s + this, in an int64 that wraps. */
const UNIX_TO_INTERNAL = 62135596800n;
const internal = (seconds: bigint): bigint => BigInt.asIntN(64, seconds + UNIX_TO_INTERNAL);

/**
 * cap `validateAll`'s time checks at `now` (whole seconds), with the role's default leeways: at
 * least one of iat, nbf, exp (0 = absent); a missing exp is max(iat, nbf) + expiration_leeway; a
 * missing nbf is iat when set, else exp − not_before_leeway; then nbf, exp and iat are compared
 * with now ± clock_skew_leeway, in that order.
 */
export function timeReasons(times: Registered["times"], now: number): string[] {
    const { iat } = times;
    if (iat === 0n && times.nbf === 0n && times.exp === 0n) {
        return ["no issued at (iat), not before (nbf), or expiration time (exp) claims in token"];
    }
    const latestStart = times.nbf > iat ? times.nbf : iat;
    const exp = times.exp !== 0n ? times.exp : BigInt.asIntN(64, latestStart + LEEWAY_SECONDS.expiration);
    const nbf = times.nbf !== 0n ? times.nbf : iat !== 0n ? iat : BigInt.asIntN(64, exp - LEEWAY_SECONDS.notBefore);
    const at = BigInt(Math.floor(now)) + UNIX_TO_INTERNAL;
    const skew = LEEWAY_SECONDS.clockSkew;
    const reasons: string[] = [];
    if (at + skew < internal(nbf)) {
        const how = times.nbf !== 0n ? "" : iat !== 0n ? ` (the token has no nbf: Vault takes nbf = iat = ${nbf})` : ` (the token has no nbf: Vault takes nbf = exp - not_before_leeway ${LEEWAY_SECONDS.notBefore} s = ${nbf})`;
        reasons.push(`invalid not before (nbf) claim: token not yet valid${how}`);
    }
    if (at - skew > internal(exp)) {
        const how = times.exp !== 0n ? "" : ` (the token has no exp: Vault takes exp = max(iat, nbf) + expiration_leeway ${LEEWAY_SECONDS.expiration} s = ${exp})`;
        reasons.push(`invalid expiration time (exp) claim: token is expired${how}`);
    }
    if (at + skew < internal(iat)) {
        reasons.push("invalid issued at (iat) claim: token issued in the future");
    }
    return reasons;
}

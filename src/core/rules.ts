/**
 * Syntax rules for single values in the map. Each function returns the problem text
 * (what is wrong, the bad value, what is allowed, how to fix it) or `undefined`.
 *
 * The character sets are deliberately narrow: every ref and environment ends up inside Vault
 * HCL and bound claims, IAM JSON, CEL string literals and GCP principal identifiers, and the
 * narrow set means the same thing, unescaped, in all of them. Target-specific rules live in
 * each target's rules.ts.
 */

const q = JSON.stringify;

/** Minimum length of a reason given for an explicit loosening (`allow...`, `acknowledge`). */
export const MIN_REASON_LENGTH = 10;

export function reasonProblem(reason: string): string | undefined {
    if (reason.trim().length < MIN_REASON_LENGTH) {
        return `must say why this loosening is acceptable in at least ${MIN_REASON_LENGTH} characters (reviewers read it in the plan), got ${q(reason)}`;
    }
    return undefined;
}

const PROJECT_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** Project keys as a JSON Schema pattern (for editors; projectPathProblem is the full rule). */
export const PROJECT_PATH_PATTERN = "^[A-Za-z0-9_][A-Za-z0-9_.-]*(/[A-Za-z0-9_][A-Za-z0-9_.-]*)+$";

/** A GitLab project's full path: `<namespace>[/<subgroup>...]/<project>`. */
export function projectPathProblem(path: string): string | undefined {
    if (path.includes("*") || path.includes("?")) {
        return `project keys are exact GitLab project paths; wildcards are not allowed (got ${q(path)}): list each project under its own key`;
    }
    const segments = path.split("/");
    if (segments.length < 2 || !segments.every((s) => PROJECT_SEGMENT.test(s) && !/\.(git|atom)$/.test(s))) {
        return `project key ${q(path)} is not a full GitLab project path: expected <namespace>/<project>, two or more segments of letters, digits, "_", "-" and "." separated by "/" (e.g. "platform/api"); copy the path from the project's URL`;
    }
    return undefined;
}

/** Grant names become part of Vault, AWS and GCP names, so they are short and lowercase. */
export const GRANT_NAME = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

export function grantNameProblem(name: string): string | undefined {
    if (!GRANT_NAME.test(name)) {
        return `grant name ${q(name)} must be 1-32 lowercase letters, digits and "-", starting and ending with a letter or digit (it becomes part of Vault, AWS and GCP names), e.g. "deploy"`;
    }
    return undefined;
}

const REF_CHARS = /^[A-Za-z0-9._/*-]+$/;

/** A ref in a grant: an exact branch or tag name, or a pattern where `*` matches any run of characters. */
export function refProblem(ref: string): string | undefined {
    if (ref === "") {
        return `must not be empty; use "*" for any ref`;
    }
    if (ref.includes("?")) {
        return `"?" is not allowed (got ${q(ref)}): Vault globs treat "?" as a literal character while AWS StringLike treats it as any one character, so the grant would mean different things on each target; use "*" or list the refs`;
    }
    if (ref.includes(",")) {
        return `"," is not allowed (got ${q(ref)}): Pulumi splits Vault bound-claim values on commas, so one ref would become two; list each ref as its own entry`;
    }
    if (ref.includes(":")) {
        return `":" is not allowed (got ${q(ref)}): it cannot occur in a Git ref and it separates the parts of GitLab's sub claim`;
    }
    if (ref.startsWith("refs/")) {
        return `the ref claim holds the short name (got ${q(ref)}): write ${q(ref.replace(/^refs\/(heads|tags)\//, ""))} and set refType`;
    }
    if (!REF_CHARS.test(ref)) {
        return `contains characters other than letters, digits, ".", "_", "-", "/" and the wildcard "*" (got ${q(ref)}); refs with other characters are not supported because they would need escaping in HCL, IAM JSON and CEL`;
    }
    if (ref.startsWith("/") || ref.endsWith("/") || ref.includes("//") || ref.includes("..") || ref.endsWith(".lock")) {
        return `is not a valid Git ref name (got ${q(ref)}): no leading or trailing "/", no "//", no "..", no ".lock" suffix`;
    }
    return undefined;
}

export function isPattern(ref: string): boolean {
    return ref.includes("*");
}

const ENVIRONMENT = /^[A-Za-z0-9._/*-]+$/;
const EXACT_ENVIRONMENT = /^[A-Za-z0-9._/-]+$/;

/**
 * A grant's environment: an exact GitLab environment name, or a pattern where `*` matches any
 * run of characters, "/" included, as in refs (e.g. `review/*` for GitLab's review apps
 * `review/$CI_COMMIT_REF_SLUG`). Each target matches it with its own matcher and agrees:
 * Vault go-glob (components/vault/glob.ts), GCP RE2 `.*` (components/gcp/provider.ts refRegex).
 */
export function environmentProblem(environment: string): string | undefined {
    if (!ENVIRONMENT.test(environment)) {
        return `must be a GitLab environment name of letters, digits, ".", "_", "-" and "/", or a pattern where "*" matches any characters (got ${q(environment)}), e.g. "production" or "review/*"`;
    }
    return undefined;
}

/** The applier's environment: one exact name, the environment its pulumi up job deploys to. */
export function exactEnvironmentProblem(environment: string): string | undefined {
    if (environment.includes("*")) {
        return `must be one exact GitLab environment name; wildcards are not supported (got ${q(environment)}): name the environment of this stack's pulumi up job`;
    }
    if (!EXACT_ENVIRONMENT.test(environment)) {
        return `must be an exact GitLab environment name of letters, digits, ".", "_", "-" and "/" (got ${q(environment)})`;
    }
    return undefined;
}

/**
 * Why a value GitLab expands must not hold "$": GitLab expands CI/CD variables in `id_tokens:aud`
 * (doc/ci/yaml/_index.md, `id_tokens`: "aud supports: A single string. An array of strings.
 * CI/CD variables."; gitlab-org/gitlab!122668, 16.1) and in `variables:` values, where
 * gitlab-federation ci writes audiences and server URLs. `$CI_JOB_TOKEN` there would hand the
 * job's token to whoever receives the ID token or the request.
 */
function dollarProblem(value: string): string | undefined {
    if (value.includes("$")) {
        return `must not contain "$" (got ${q(value)}): GitLab expands CI/CD variables in id_tokens aud and in variables:, where jobs get this value, so a variable such as $CI_JOB_TOKEN would be sent to the target; write the value literally`;
    }
    return undefined;
}

/** An audience (`aud`): one token, as written in `id_tokens:<name>:aud`. */
export function audienceProblem(audience: string): string | undefined {
    if (audience === "" || /[\s,\u0000-\u001f\u007f-\u009f]/.test(audience)) {
        return `must be one non-empty audience without spaces, commas or control characters (got ${q(audience)}); it is compared byte for byte with the aud the job requests in id_tokens`;
    }
    const dollar = dollarProblem(audience);
    if (dollar !== undefined) {
        return dollar;
    }
    if (audience.length > 255) {
        return `must be at most 255 characters, got ${audience.length}`;
    }
    return undefined;
}

/**
 * A host name as URL parsing leaves it (lowercase, internationalised names as xn--): DNS labels,
 * an IPv4 address or a bracketed IPv6 address. The URL standard lets other characters through
 * (quotes, "*", "&", "{"), which no real host has.
 */
const HOST = /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])$/;

/**
 * A URL that must equal the token's `iss` (or another endpoint) byte for byte:
 * https, no credentials, query, fragment or trailing slash, lowercase host, no default port.
 */
export function httpsUrlProblem(value: string, what: string, whyTls = "GitLab's issuer and key endpoints are only trusted over TLS"): string | undefined {
    let url: URL;
    try {
        url = new URL(value);
    } catch {
        return `must be an https URL, got ${q(value)}`;
    }
    if (url.protocol !== "https:") {
        return `must use https (got ${q(value)}): ${whyTls}`;
    }
    if (url.username || url.password || url.search || url.hash || value.includes("?") || value.includes("#")) {
        return `must not carry credentials, a query or a fragment (got ${q(value)})`;
    }
    const dollar = dollarProblem(value);
    if (dollar !== undefined) {
        return dollar;
    }
    if (!HOST.test(url.hostname)) {
        return `must name a host of letters, digits, "-" and "." (or an IP address), got ${q(url.hostname)} in ${q(value)}`;
    }
    const canonical = `${url.protocol}//${url.host}${url.pathname === "/" ? "" : url.pathname}`;
    if (value.endsWith("/")) {
        // The fix is the canonical form too, so the next run accepts it ("https://GitLab.example.com/").
        return `must not end with "/" (got ${q(value)}); write ${q(canonical.replace(/\/+$/, ""))}: ${what}`;
    }
    if (canonical !== value) {
        return `must be written exactly as ${q(canonical)} (got ${q(value)}): ${what}`;
    }
    return undefined;
}

/** PEM labels of private keys: PRIVATE KEY (PKCS #8), ENCRYPTED PRIVATE KEY, RSA/EC/DSA/OPENSSH PRIVATE KEY, PGP PRIVATE KEY BLOCK, ... */
const PRIVATE_PEM = /-----BEGIN ([A-Z0-9 ]*PRIVATE KEY[A-Z ]*)-----/i;

/**
 * gitlab.caPem: the CA certificates Vault trusts when it fetches GitLab's keys. A private key in
 * it (of any kind) is a secret in the map, committed to Git and visible in every plan.
 */
export function caPemProblem(pem: string): string | undefined {
    const key = PRIVATE_PEM.exec(pem);
    if (key !== null) {
        return `holds a private key (-----BEGIN ${key[1]}-----): the map holds no secrets and Vault needs only the CA's certificates (-----BEGIN CERTIFICATE----- blocks); remove the key, and replace it: it is no longer secret`;
    }
    return undefined;
}

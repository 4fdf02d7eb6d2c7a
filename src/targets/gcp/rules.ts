/** Value rules of GCP identifiers. Each returns the problem text or `undefined`. */

const q = JSON.stringify;

/** Workload identity pool and provider IDs: 4-32 of [a-z0-9-]; the "gcp-" prefix is reserved by Google. */
export function workloadIdentityIdProblem(id: string): string | undefined {
    if (!/^[a-z0-9-]{4,32}$/.test(id)) {
        return `must be 4-32 lowercase letters, digits and "-" (got ${q(id)}, ${id.length} characters)`;
    }
    if (id.startsWith("gcp-")) {
        return `must not start with "gcp-", which Google reserves (got ${q(id)})`;
    }
    return undefined;
}

/** Service account IDs: 6-30 characters, RFC 1035 (lowercase letter first, no trailing "-"). */
export function serviceAccountIdProblem(id: string): string | undefined {
    if (!/^[a-z](?:[a-z0-9-]*[a-z0-9])?$/.test(id) || id.length < 6 || id.length > 30) {
        return `must be 6-30 lowercase letters, digits and "-", starting with a letter and not ending with "-" (got ${q(id)}, ${id.length} characters)`;
    }
    return undefined;
}

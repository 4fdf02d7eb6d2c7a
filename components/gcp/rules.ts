/** Value rules of GCP identifiers and of the uploaded keys. Each returns the problem text or `undefined`. */
import { duplicateJsonMessage, parseJsonText } from "../../src/core/json-text";

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

/**
 * Members only a private JSON Web Key has: "d" (EC, RFC 7518 §6.2.2.1; RSA, §6.3.2.1; OKP, RFC
 * 8037 §2), the RSA CRT values "p", "q", "dp", "dq", "qi" and "oth" (RFC 7518 §6.3.2), and a
 * symmetric key's "k" (RFC 7518 §6.4.1).
 */
export const PRIVATE_JWK_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] as const;

/**
 * gcp.jwksJson: GitLab's public signing keys as JSON text. Refused: duplicate keys (JSON readers
 * differ on which one they keep) and private keys (the map holds no secrets, and GCP verifies
 * with public keys only). What a key set must look like is checked by the planner, which names
 * GitLab's keys URL; text that is not JSON is left to it.
 */
export function jwksJsonProblem(text: string): string | undefined {
    const parsed = parseJsonText(text);
    if ("duplicate" in parsed) {
        const where = parsed.duplicate.path.map((s) => (typeof s === "number" ? `[${s}]` : `.${s}`)).join("").replace(/^\./, "");
        return `${duplicateJsonMessage(parsed.duplicate.key)}${where !== "" ? ` (in ${where})` : ""}`;
    }
    const keys = "value" in parsed ? (parsed.value as { keys?: unknown } | null)?.keys : undefined;
    for (const [index, key] of (Array.isArray(keys) ? keys : []).entries()) {
        const members = typeof key === "object" && key !== null ? PRIVATE_JWK_MEMBERS.filter((m) => m in key) : [];
        if (members.length > 0) {
            const kid = typeof (key as { kid?: unknown }).kid === "string" ? ` (kid ${q((key as { kid: string }).kid)})` : "";
            return `keys[${index}]${kid} is a private key (it has ${members.map((m) => q(m)).join(", ")}): the map holds no secrets, and GCP verifies tokens with GitLab's public keys only. Use the JSON of <gitlab url>/oauth/discovery/keys, which holds public keys only, and replace the private key: it is no longer secret`;
        }
    }
    return undefined;
}

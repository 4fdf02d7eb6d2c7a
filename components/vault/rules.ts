/**
 * Value rules of the Vault section and Vault grants: secret prefixes under the KV mount, mount
 * paths and CIDR blocks. Each returns the problem text or `undefined`.
 */

const q = JSON.stringify;

const SECRET_SEGMENT = /^[A-Za-z0-9_@-][A-Za-z0-9._@-]*$/;

/** `; write "<fixed>"` when the fixed prefix is itself valid; nothing when it is not (a fix the next run refuses helps no one). */
function writeInstead(fixed: string): string {
    return secretPrefixProblem(fixed) === undefined ? `; write ${q(fixed)}` : "";
}

/** A secret prefix under the KV v2 mount that a grant may read (and list below). */
export function secretPrefixProblem(prefix: string): string | undefined {
    if (prefix === "") {
        return `must not be empty: name a folder under the KV mount, e.g. "platform/api/production"`;
    }
    if (prefix.startsWith("/")) {
        return `must be relative to the KV mount, without a leading "/" (got ${q(prefix)})${writeInstead(prefix.replace(/^\/+|\/+$/g, ""))}`;
    }
    if (prefix.includes("*") || prefix.includes("+")) {
        return `wildcards are not allowed (got ${q(prefix)}): a prefix already grants everything below it ("a/b" covers "a/b/*"), a trailing "*" would also match siblings such as "a/b-other", and a "*" mid-path is a literal in Vault policies; name the folder itself`;
    }
    if (prefix.endsWith("/")) {
        return `must not end with "/" (got ${q(prefix)})${writeInstead(prefix.replace(/\/+$/, ""))}: the policy already covers everything below it`;
    }
    const segments = prefix.split("/");
    if (segments.some((s) => s === "" || s === "." || s === "..")) {
        return `must not contain "..", "." or empty segments (got ${q(prefix)}): the path must not be able to escape the folder it names`;
    }
    if (!segments.every((s) => SECRET_SEGMENT.test(s))) {
        return `contains characters other than letters, digits, "_", "-", "." and "@" in its segments (got ${q(prefix)}); rename the secret folder or pick a parent folder`;
    }
    if (segments[0] === "data" || segments[0] === "metadata") {
        return `is relative to the KV mount: drop the leading "${segments[0]}/" (got ${q(prefix)}); the policy adds <mount>/data/ and <mount>/metadata/ itself`;
    }
    return undefined;
}

/**
 * Vault's framework.GenericNameRegex, `\w(([\w-.]+)?\w)?`, which the engines' credential paths
 * use for the role or key segment (hashicorp/vault sdk/framework/path.go GenericNameRegex; e.g.
 * builtin/logical/database/path_creds_create.go pathCredsCreate "creds/" + GenericNameRegex("name")).
 */
const ENGINE_NAME = /^\w(?:[\w.-]*\w)?$/;

/** A secrets engine's role or key name: one path segment, never a wildcard. */
export function engineNameProblem(name: string): string | undefined {
    if (name.includes("*") || name.includes("+")) {
        return `wildcards are not allowed (got ${q(name)}): "*" or "+" in a policy path would reach other roles or keys of the engine; name one role or key`;
    }
    if (name.includes("/")) {
        return `must be one role or key name, without "/" (got ${q(name)}): the engine's mount is set in mount, the endpoint is chosen by engine`;
    }
    if (!ENGINE_NAME.test(name)) {
        return `must be letters, digits, "_", "-" and ".", starting and ending with a letter, digit or "_" (Vault's role and key name pattern), got ${q(name)}`;
    }
    return undefined;
}

const MOUNT_PATH = /^[A-Za-z0-9_-]+(?:\/[A-Za-z0-9_-]+)*$/;
const RESERVED_MOUNTS = new Set(["sys", "auth", "identity", "cubbyhole", "token"]);

/** A Vault mount path (auth method or secrets engine). */
export function mountPathProblem(path: string): string | undefined {
    if (!MOUNT_PATH.test(path)) {
        return `must be a Vault mount path of letters, digits, "_" and "-" segments separated by "/", without leading or trailing "/" (got ${q(path)}), e.g. "gitlab"`;
    }
    const segments = path.split("/");
    if (RESERVED_MOUNTS.has(segments[0]!)) {
        return `${q(path)} is reserved by Vault; choose another path such as "gitlab"`;
    }
    // A policy applies below its namespace too: "team/sys/..." is the sys/ of child namespace team
    // (https://developer.hashicorp.com/vault/docs/enterprise/namespaces, "Namespace naming restrictions"
    // lists sys, auth, identity, cubbyhole as reserved for this reason).
    const reserved = segments.slice(1).find((segment) => RESERVED_MOUNTS.has(segment));
    if (reserved !== undefined) {
        return `${q(path)} has the segment ${q(reserved)}, which Vault reserves (below a namespace it names that namespace's ${reserved}/); choose a mount path without it, e.g. ${q(segments.filter((x) => !RESERVED_MOUNTS.has(x)).join("/") || "gitlab")}`;
    }
    // Vault routes a request to the longest mount that prefixes it: a "mount" such as
    // secret/data/app or pki/issuer/default is a path inside another engine, whose endpoints the
    // policy would then reach (vault/router.go MatchingMount: longest-prefix radix match).
    const word = segments.slice(1).find((segment) => ENGINE_PATH_WORDS.has(segment));
    if (word !== undefined) {
        return `${q(path)} has the segment ${q(word)}, a path word of Vault's secrets engines: a mount path with it is most likely a path inside another engine's mount (Vault routes to the longest mount that prefixes a path), whose endpoints the policy would reach; name the path the engine is enabled at (vault secrets list shows it), which has no segment ${q(word)}`;
    }
    return undefined;
}

/**
 * Path words of the KV v2, database, AWS, GCP, PKI, SSH and transit engines' endpoints
 * (vault-plugin-secrets-kv path_data.go, path_metadata.go, path_delete.go, path_undelete.go,
 * path_destroy.go, path_subkeys.go, path_config.go; builtin/logical/database path_creds_create.go,
 * path_roles.go; builtin/logical/aws path_user.go, path_roles.go; vault-plugin-secrets-gcp
 * path_role_set_secrets.go, path_static_account*.go, path_impersonated_account*.go;
 * builtin/logical/pki path_issue_sign.go, path_fetch_issuers.go; builtin/logical/ssh path_sign.go;
 * builtin/logical/transit path_encrypt.go, path_decrypt.go, path_keys.go).
 */
const ENGINE_PATH_WORDS = new Set([
    "data", "metadata", "delete", "undelete", "destroy", "subkeys", "config",
    "creds", "static-creds", "roles", "static-roles", "sts",
    "roleset", "rolesets", "static-account", "static-accounts", "impersonated-account", "impersonated-accounts",
    "issue", "sign", "issuer", "issuers", "cert", "certs",
    "encrypt", "decrypt", "keys",
]);

const IPV4_CIDR = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\/(3[0-2]|[12]?\d)$/;
const IPV6_CIDR = /^[0-9a-fA-F:]+:[0-9a-fA-F:]*\/(12[0-8]|1[01]\d|[1-9]?\d)$/;

export function cidrProblem(cidr: string): string | undefined {
    return IPV4_CIDR.test(cidr) || IPV6_CIDR.test(cidr)
        ? undefined
        : `must be a CIDR block such as "10.0.0.0/8" or "2001:db8::/32", got ${q(cidr)}`;
}


const NAMESPACE_SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

/**
 * Segment names Vault and OpenBao reserve: "", ".", "..", root, sys, audit, auth, cubbyhole,
 * identity (OpenBao internal/helper/namespace/namespace.go reservedNames and Namespace.Validate;
 * Vault Enterprise https://developer.hashicorp.com/vault/docs/enterprise/namespaces, "Namespace
 * naming restrictions").
 */
const RESERVED_NAMESPACES = new Set(["root", "sys", "audit", "auth", "cubbyhole", "identity"]);

/**
 * A Vault namespace path from the root namespace, e.g. "admin" or "admin/team-a". No leading or
 * trailing "/": terraform-provider-vault validates a resource's namespace with
 * ValidateNoLeadingTrailingSlashes (internal/provider/schema_util.go GetNamespaceSchema). Each
 * segment is a namespace name: not reserved, no spaces, no "+" or "*" (OpenBao Namespace.Validate);
 * narrower here: letters, digits, "_", "-" and ".", the value goes into HTTP headers and CI YAML.
 */
export function namespaceProblem(namespace: string): string | undefined {
    if (namespace.startsWith("/") || namespace.endsWith("/")) {
        const trimmed = namespace.replace(/^\/+|\/+$/g, "");
        return `must not start or end with "/" (got ${q(namespace)})${trimmed !== "" ? `; write ${q(trimmed)}` : ": leave vault.namespace unset for the root namespace"}`;
    }
    const segments = namespace.split("/");
    if (segments.some((s) => s === "" || s === "." || s === "..")) {
        return `must be namespace names separated by single "/", without empty, "." or ".." segments (got ${q(namespace)}), e.g. "admin/team-a"`;
    }
    const reserved = segments.find((s) => RESERVED_NAMESPACES.has(s));
    if (reserved !== undefined) {
        return `${q(reserved)} is reserved by Vault and cannot name a namespace (got ${q(namespace)}); ${reserved === "root" && segments.length === 1 ? "leave vault.namespace unset for the root namespace" : "write the namespace path as Vault lists it, e.g. \"admin/team-a\""}`;
    }
    if (!segments.every((s) => NAMESPACE_SEGMENT.test(s))) {
        return `must be namespace names of letters, digits, "_", "-" and "." separated by "/" (got ${q(namespace)}), e.g. "admin/team-a"`;
    }
    return undefined;
}

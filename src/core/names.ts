/**
 * Names every target shares. Logical (Pulumi) and physical (Vault, AWS, GCP) names are built from
 * map keys (project path and grant name), never list positions, so reordering the map changes no
 * name. Each target's names.ts builds its own names from these.
 *
 * Changing a function here changes URNs or physical names of live resources: such a change needs
 * aliases (logical names) or a migration note (physical names). test/names-pinned.test.ts pins
 * them for a rich map.
 */
import { createHash } from "node:crypto";

/** Type token of the root component. */
export const ROOT_COMPONENT = "gitlab-federation:index:Federation";

/** Name of the root component. */
export const ROOT_NAME = "gitlab-federation";

/** First `length` hex characters of the SHA-256 of `text`. */
export function shortHash(text: string, length = 8): string {
    return createHash("sha256").update(text).digest("hex").slice(0, length);
}

/**
 * Logical name of everything that belongs to one grant: `<project path>/<grant>`.
 * Unambiguous because grant names contain no "/".
 */
export function grantKey(projectPath: string, grant: string): string {
    return `${projectPath}/${grant}`;
}

/** Logical name of a per-grant child keyed by a stable value (a policy ARN, a member, a role). */
export function childKey(projectPath: string, grant: string, label: string, stableValue: string): string {
    return `${grantKey(projectPath, grant)}/${label}-${shortHash(stableValue)}`;
}

/** Project path as a name part: lowercase, "/" becomes "-". */
export function pathSlug(projectPath: string): string {
    return projectPath.toLowerCase().replace(/\//g, "-");
}

/**
 * `full` if it fits in `max` characters; otherwise a prefix of it, "-" and a hash of all of it,
 * so long names stay unique and stable.
 */
export function fitName(full: string, max: number): string {
    if (full.length <= max) {
        return full;
    }
    const hash = shortHash(full);
    const head = full.slice(0, max - hash.length - 1).replace(/[^a-z0-9]+$/i, "");
    return `${head}-${hash}`;
}

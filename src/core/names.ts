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
 * Logical name of everything that belongs to one grant: `<project id>/<grant>`. Keyed on what
 * survives a GitLab rename or transfer (the id) and on the grant's name, so renaming a project key
 * in the map keeps every URN. Unambiguous: ids are digits and grant names contain no "/".
 */
export function grantKey(projectId: string, grant: string): string {
    return `${projectId}/${grant}`;
}

/**
 * The logical name grants had before names were keyed on ids: `<project path>/<grant>`. Kept
 * reachable as an alias, so existing stacks see no replacement. It never equals a current name:
 * a project path has at least two segments, so it has at least three.
 */
export function legacyGrantKey(projectPath: string, grant: string): string {
    return `${projectPath}/${grant}`;
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

/**
 * From stack config to the raw map, shared by both readers: the offline CLI (a stack file read
 * with positions, see stack-file.ts) and the Pulumi program (`pulumi.runtime.allConfig()`, where
 * structured values arrive as JSON text). Both refuse the same things the same way:
 * - secret values (`secure:` in the file, a secret key at run time): the map holds no secrets;
 * - a misspelled namespace (`gitlab-federaton:projects`), which Pulumi would silently pass to no
 *   one, so the map would lack a section;
 * - duplicate keys in a structured value that arrives as JSON text (JSON.parse keeps the last);
 * - a section written without namespace in a Pulumi project with another name: Pulumi files it
 *   under that project's namespace (stackConfigNamespacedWithProject in pulumi's
 *   sdk/go/common/workspace/loaders.go), where this program does not read it.
 */
import { NAMESPACE, PathSegment, Problem, formatPath } from "../core/findings";
import { duplicateJsonMessage, parseJsonText } from "../core/json-text";
import { suggest } from "../core/parse";

export interface ConfigReadResult {
    /** Config keys without the namespace → values. */
    readonly raw: Record<string, unknown>;
    /** The other config keys, in full (`vault:address`) → values: the providers' settings. */
    readonly providerConfig: Record<string, unknown>;
    /** Problems found while reading (they make the map invalid). */
    readonly problems: Problem[];
}

export interface ConfigReadOptions {
    /** The section keys of the map (gitlab, vault, ..., projects). */
    readonly sections: readonly string[];
    /** The Pulumi project's name (Pulumi.yaml `name`); un-namespaced keys belong to it. Default: gitlab-federation. */
    readonly projectName?: string;
    /** Whether a full config key holds a secret (run time: pulumi.runtime.isConfigSecret). */
    readonly isSecret?: (key: string) => boolean;
}

/** A problem about a config key that is not a path in the map: the key itself is the path. */
export function keyProblem(key: string, message: string, segments: readonly PathSegment[] = [], meant?: string): Problem {
    return { path: key, segments, message, ...(meant !== undefined ? { meant } : {}) };
}

export function isSecure(value: unknown): boolean {
    return typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length === 1 && "secure" in value;
}

export const SECRET_MESSAGE = "is a secret (secure:) value; the project map holds no secrets (ids, paths and names are not secret), so write it in plain text";

/** The problem with a config key outside the map's namespace, if it looks like it was meant for the map. */
function namespaceProblem(key: string, options: ConfigReadOptions): Problem | undefined {
    const colon = key.indexOf(":");
    const namespace = key.slice(0, colon);
    const name = key.slice(colon + 1);
    const section = suggest(name, options.sections) ?? name;
    const meant = options.sections.includes(section) ? section : undefined;
    if (namespace === (options.projectName ?? NAMESPACE) && options.sections.includes(name)) {
        return keyProblem(
            key,
            `Pulumi reads an un-namespaced "${name}:" in project "${namespace}" as "${key}", which gitlab-federation does not read: write "${NAMESPACE}:${name}"`,
            [],
            name,
        );
    }
    if (suggest(namespace, [NAMESPACE]) !== undefined) {
        return keyProblem(
            key,
            `unknown config namespace "${namespace}" (did you mean "${NAMESPACE}:${section}"?): Pulumi passes this key to no provider and gitlab-federation does not read it, so the map would silently lack it. Correct the namespace`,
            [],
            meant,
        );
    }
    return undefined;
}

/**
 * The `gitlab-federation:*` entries of stack config, keyed without the namespace. Values that are
 * JSON text of an object or list are parsed (the runtime passes structured values that way).
 */
export function mapFromStackConfig(config: Readonly<Record<string, unknown>>, options: ConfigReadOptions): ConfigReadResult {
    const raw: Record<string, unknown> = {};
    const providerConfig: Record<string, unknown> = {};
    const problems: Problem[] = [];
    for (const [key, value] of Object.entries(config)) {
        if (!key.startsWith(`${NAMESPACE}:`)) {
            providerConfig[key] = value;
            const problem = key.includes(":") ? namespaceProblem(key, options) : undefined;
            if (problem !== undefined) {
                problems.push(problem);
            }
            continue;
        }
        const name = key.slice(NAMESPACE.length + 1);
        if (isSecure(value) || options.isSecret?.(key) === true) {
            problems.push({ path: formatPath([name]), segments: [name], message: SECRET_MESSAGE, ...(options.sections.includes(name) ? { meant: name } : {}) });
            continue;
        }
        const parsed = typeof value === "string" && /^\s*[[{]/.test(value) ? parseJsonText(value) : undefined;
        if (parsed !== undefined && "duplicate" in parsed) {
            const segments = [name, ...parsed.duplicate.path, parsed.duplicate.key];
            problems.push({ path: formatPath(segments), segments, message: duplicateJsonMessage(parsed.duplicate.key) });
            continue;
        }
        // Not JSON after all: validation reports the string.
        raw[name] = parsed !== undefined && "value" in parsed ? parsed.value : value;
    }
    return { raw, providerConfig, problems };
}

/**
 * JSON text the map carries or arrives in (a structured config value at run time, gcp.jwksJson, a
 * contract file): JSON.parse keeps the last of two equal keys without a word, while other readers
 * keep the first or refuse, so a duplicate key would make two readers of the same text see two
 * different values. Duplicates are refused like duplicate YAML keys.
 */
import type { PathSegment } from "./findings";

/** Where a JSON text repeats a key: the path of the object (from the top), and the key. */
export interface DuplicateKey {
    readonly path: readonly PathSegment[];
    readonly key: string;
}

interface Frame {
    readonly object: boolean;
    readonly keys: Set<string>;
    /** Objects: the key whose value comes next, or undefined while a key is expected; arrays: the next index. */
    key?: string;
    index: number;
}

/** The end (exclusive) of the JSON string that starts at `start` (a `"`). */
function stringEnd(text: string, start: number): number {
    let i = start + 1;
    while (i < text.length && text[i] !== '"') {
        i += text[i] === "\\" ? 2 : 1;
    }
    return i + 1;
}

/**
 * The first key a valid JSON text repeats within one object (keys compared as JSON.parse decodes
 * them: "a" and "\u0061" are the same key), or undefined. One linear pass; `text` must be valid
 * JSON (JSON.parse it first).
 */
export function duplicateJsonKey(text: string): DuplicateKey | undefined {
    const stack: Frame[] = [];
    const path = (): PathSegment[] => stack.slice(0, -1).map((f) => (f.object ? f.key! : f.index));
    for (let i = 0; i < text.length; i++) {
        const c = text[i]!;
        const top = stack[stack.length - 1];
        if (c === "{" || c === "[") {
            stack.push({ object: c === "{", keys: new Set(), index: 0 });
        } else if (c === "}" || c === "]") {
            stack.pop();
        } else if (c === ",") {
            if (top!.object) top!.key = undefined;
            else top!.index++;
        } else if (c === '"') {
            const end = stringEnd(text, i);
            if (top?.object === true && top.key === undefined) {
                const key = JSON.parse(text.slice(i, end)) as string;
                if (top.keys.has(key)) {
                    return { path: path(), key };
                }
                top.keys.add(key);
                top.key = key;
            }
            i = end - 1;
        }
    }
    return undefined;
}

/** JSON text parsed, refusing duplicate keys: the value, or why not (not JSON, or where a key repeats). */
export function parseJsonText(text: string): { value: unknown } | { error: string } | { duplicate: DuplicateKey } {
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch (error) {
        return { error: (error as Error).message };
    }
    const duplicate = duplicateJsonKey(text);
    return duplicate !== undefined ? { duplicate } : { value };
}

/** The problem text of a key a JSON text repeats. */
export function duplicateJsonMessage(key: string): string {
    return `duplicate key ${JSON.stringify(key)} in JSON text: an object holds each key once, and JSON readers differ on which of the two they keep; merge the two entries`;
}

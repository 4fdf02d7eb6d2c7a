/**
 * YAML 1.1 merge keys (`<<: *defaults`, `<<: [*a, *b]`), resolved as `pulumi up`'s reader does,
 * so a 200-project map need not be 200 copies of one grant. The Pulumi CLI reads stack files with
 * gopkg.in/yaml.v2, whose decoder (decode.go `mapping`, `merge`) merges as it meets the `<<` key:
 * a mapping or an alias of one, or a sequence of them stepped backwards "as earlier nodes take
 * precedence"; keys written after `<<` replace merged ones, and a key written before it is
 * replaced by a merged one. This tool builds values with YAML 1.2 (js-yaml core schema), which
 * has no merge key: it resolves them here with the same precedence, and file.ts refuses a key
 * written before `<<` in its mapping (yaml.v2 and YAML 1.2 merging would disagree there) and a
 * `<<` whose value is not a mapping (yaml.v2 fails on it).
 */

const MERGE = "<<";

const isMapping = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Resolves every merge key in `value`, in place (aliases are shared objects: an alias of a
 * mapping with a merge key sees it merged too). Values file.ts refused are left as they are.
 */
export function resolveMerges(value: unknown, done: WeakSet<object> = new WeakSet()): void {
    if (typeof value !== "object" || value === null || done.has(value)) {
        return;
    }
    done.add(value);
    const children = Array.isArray(value) ? value : Object.values(value);
    for (const child of children) {
        resolveMerges(child, done);
    }
    if (!isMapping(value) || !Object.prototype.hasOwnProperty.call(value, MERGE)) {
        return;
    }
    const sources = [value[MERGE]].flat();
    if (!sources.every(isMapping)) {
        return;
    }
    const merged: Record<string, unknown> = {};
    // Earlier sources take precedence: apply them last.
    for (const source of [...sources].reverse()) {
        resolveMerges(source, done);
        Object.assign(merged, source);
    }
    for (const [key, own] of Object.entries(value)) {
        if (key !== MERGE) {
            merged[key] = own;
        }
    }
    for (const key of Object.keys(value)) {
        delete value[key];
    }
    Object.assign(value, merged);
}

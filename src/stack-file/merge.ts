/**
 * YAML merge keys (`<<: *defaults`, `<<: [*a, *b]`), resolved as `pulumi up` resolves them, so a
 * 200-project map need not be 200 copies of one grant. The Pulumi CLI reads stack files with
 * gopkg.in/yaml.v3 since 3.50 (pulumi/pulumi sdk/go/common/encoding/marshal.go; the stack loader
 * workspace/loaders.go `LoadProjectStackBytes` decodes into `any`, so merges become plain maps)
 * and with yaml.v2 before. Both merge a mapping, an alias of one, or a list of them where the
 * earlier source takes precedence, and keys written after `<<` replace merged ones (v3
 * decode.go `mapping`/`merge`: written keys win wherever they stand; v2: a key written before
 * `<<` is replaced by a merged one). This tool builds values with YAML 1.2 (js-yaml core
 * schema), which has no merge key: it resolves them here with that precedence, and file.ts
 * refuses what the CLIs read differently or refuse: a key written before `<<`, a quoted `<<`,
 * a `<<` whose value is not a mapping (also through an alias), aliases of anchors outside the
 * map, and values that contain themselves.
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

/**
 * Finds values that contain themselves (an alias inside its own anchor, `a: &a {b: *a}`), which
 * pulumi up's reader refuses ("anchor 'a' value contains itself"): reports each at the path of the
 * alias and cuts it (null), so nothing downstream walks a cycle.
 */
export function cutCycles(value: unknown, report: (path: readonly (string | number)[]) => void): void {
    const open = new Set<object>();
    const visit = (node: unknown, path: (string | number)[]): void => {
        if (typeof node !== "object" || node === null) {
            return;
        }
        open.add(node);
        const entries: [string | number, unknown][] = Array.isArray(node) ? node.map((v, i) => [i, v]) : Object.entries(node);
        for (const [key, child] of entries) {
            if (typeof child === "object" && child !== null && open.has(child)) {
                report([...path, key]);
                (node as Record<string | number, unknown>)[key] = null;
            } else {
                visit(child, [...path, key]);
            }
        }
        open.delete(node);
    };
    visit(value, []);
}

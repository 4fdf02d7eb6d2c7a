/**
 * JSON.stringify(value, null, 2), in chunks: `plan --json` of a 50,000-project map is about
 * 400 MB of text, close to V8's longest string (2^29 - 24 characters), and building it at once
 * doubles the peak memory. The output is byte for byte what JSON.stringify returns (a test
 * compares them on random values). The top two levels are written key by key; arrays below are
 * written in slices, each slice by JSON.stringify itself: the slice is wrapped in as many arrays
 * as its depth, so JSON.stringify indents it as it would in place, and the wrapper's fixed
 * opening and closing lines are cut off again.
 */

const SLICE = 512;

function skipped(value: unknown): boolean {
    return value === undefined || typeof value === "function" || typeof value === "symbol";
}

/** The items of `items` as JSON.stringify(…, null, 2) writes them inside an array at depth `depth - 1`: each indented to `depth`, separated by ",\n". */
function itemsAt(items: readonly unknown[], depth: number): string {
    let wrapped: unknown = items;
    for (let k = 1; k < depth; k++) {
        wrapped = [wrapped];
    }
    const text = JSON.stringify(wrapped, null, 2);
    const cut = depth * depth + depth; // the wrapper's opening lines: "[\n", "  [\n", ... (and as many closing characters)
    return text.slice(cut, text.length - cut);
}

/** A value as JSON.stringify writes it at `depth`: its first line unindented, the others indented to `depth`. */
function valueAt(value: unknown, depth: number): string {
    return depth === 0 ? JSON.stringify(value, null, 2) : itemsAt([value], depth).slice(2 * depth);
}

/** The text of JSON.stringify(value, null, 2), in chunks of about `chunk` characters. */
export function* jsonChunks(value: unknown, chunk = 1 << 20): Generator<string> {
    if (skipped(value)) {
        return; // JSON.stringify returns undefined: nothing to write
    }
    let buffer = "";
    const pending: string[] = [];
    const out = (text: string) => {
        buffer += text;
        if (buffer.length >= chunk) {
            pending.push(buffer);
            buffer = "";
        }
    };
    const indent = (depth: number) => "  ".repeat(depth);
    const visit = function* (v: unknown, depth: number): Generator<string> {
        if (Array.isArray(v) && v.length > 0 && depth > 0) {
            out("[\n");
            for (let start = 0; start < v.length; start += SLICE) {
                out(itemsAt(v.slice(start, start + SLICE), depth + 1));
                out(start + SLICE < v.length ? ",\n" : `\n${indent(depth)}]`);
                yield* pending.splice(0);
            }
            return;
        }
        const record = v as Record<string, unknown>;
        if (depth < 2 && typeof v === "object" && v !== null && !Array.isArray(v) && typeof record.toJSON !== "function") {
            const keys = Object.keys(record).filter((k) => !skipped(record[k]));
            if (keys.length === 0) {
                out("{}");
                return;
            }
            out("{\n");
            for (let i = 0; i < keys.length; i++) {
                out(`${indent(depth + 1)}${JSON.stringify(keys[i])}: `);
                yield* visit(record[keys[i]!], depth + 1);
                out(i < keys.length - 1 ? ",\n" : `\n${indent(depth)}}`);
            }
            yield* pending.splice(0);
            return;
        }
        out(valueAt(v, depth));
        yield* pending.splice(0);
    };
    yield* visit(value, 0);
    yield* pending.splice(0);
    if (buffer !== "") {
        yield buffer;
    }
}


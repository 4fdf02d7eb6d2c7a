/**
 * How `pulumi up` reads a plain (unquoted) YAML scalar: the Pulumi CLI loads stack files with
 * gopkg.in/yaml.v2 (pulumi sdk/go/common/encoding/marshal.go; workspace/loaders.go), a YAML 1.1
 * reader, while this tool's YAML library reads YAML 1.2. This is a port of yaml.v2's `resolve`
 * (go-yaml/yaml v2.4.0, resolve.go @ 7649d45) for plain scalars, so the CLI can refuse every
 * value the two readers see differently instead of planning something `pulumi up` would not
 * deploy.
 *
 * yaml.v2, for a plain scalar: y/Y/yes/on/n/no/off... are booleans; a scalar starting with a
 * digit or sign is tried as a timestamp (YYYY-M-D...), then with every "_" removed as a Go integer
 * with base prefix (0x hex, 0b binary, 0o and a bare leading 0 octal), then as a float; "0b..."
 * binary; a scalar starting with "." as a float. An explicit tag (`!!int 0201`, also quoted) is
 * resolved the same way and then checked against the tag (resolveV2Tagged).
 */

export type V2Value =
    | { readonly tag: "str"; readonly value: string }
    | { readonly tag: "bool"; readonly value: boolean }
    | { readonly tag: "null"; readonly value: null }
    | { readonly tag: "int" | "float"; readonly value: number }
    | { readonly tag: "timestamp"; readonly value: string };

const BOOLS: Record<string, boolean> = {};
for (const word of ["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"]) BOOLS[word] = true;
for (const word of ["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"]) BOOLS[word] = false;
const NULLS = new Set(["", "~", "null", "Null", "NULL"]);
const SPECIAL_FLOATS: Record<string, number> = {
    ".nan": NaN,
    ".NaN": NaN,
    ".NAN": NaN,
    ".inf": Infinity,
    ".Inf": Infinity,
    ".INF": Infinity,
    "+.inf": Infinity,
    "+.Inf": Infinity,
    "+.INF": Infinity,
    "-.inf": -Infinity,
    "-.Inf": -Infinity,
    "-.INF": -Infinity,
};

const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** The formats of yaml.v2's parseTimestamp (time.Parse layouts "2006-1-2T15:4:5.999999999Z07:00", its lower-case t form, "2006-1-2 15:4:5.999999999", "2006-1-2"). */
const TIMESTAMPS = [
    /^(\d{4})-(\d{1,2})-(\d{1,2})$/,
    /^(\d{4})-(\d{1,2})-(\d{1,2})[Tt]\d{1,2}:\d{1,2}:\d{1,2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/,
    /^(\d{4})-(\d{1,2})-(\d{1,2}) \d{1,2}:\d{1,2}:\d{1,2}(\.\d{1,9})?$/,
];

function isTimestamp(text: string): boolean {
    for (const format of TIMESTAMPS) {
        const match = format.exec(text);
        if (match !== null) {
            const month = Number(match[2]);
            const day = Number(match[3]);
            return month >= 1 && month <= 12 && day >= 1 && day <= 31;
        }
    }
    return false;
}

/** Go's strconv.ParseInt(s, 0, 64) (signed) or ParseUint (unsigned), as a BigInt, or undefined. */
function goParseInt(text: string, signed: boolean): bigint | undefined {
    let s = text;
    let negative = false;
    if (s.startsWith("+") || s.startsWith("-")) {
        if (!signed) {
            return undefined;
        }
        negative = s.startsWith("-");
        s = s.slice(1);
    }
    let base = 10;
    if (/^0[xX]/.test(s)) {
        base = 16;
        s = s.slice(2);
    } else if (/^0[bB]/.test(s)) {
        base = 2;
        s = s.slice(2);
    } else if (/^0[oO]/.test(s)) {
        base = 8;
        s = s.slice(2);
    } else if (s.length > 1 && s.startsWith("0")) {
        base = 8;
        s = s.slice(1);
    }
    const digits = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^[0-9]+$/, 16: /^[0-9a-fA-F]+$/ }[base]!;
    if (!digits.test(s)) {
        return undefined;
    }
    const prefix = { 2: "0b", 8: "0o", 10: "", 16: "0x" }[base]!;
    const magnitude = BigInt(`${prefix}${s}`);
    const value = negative ? -magnitude : magnitude;
    if (signed ? value > INT64_MAX || value < -INT64_MAX - 1n : value > UINT64_MAX) {
        return undefined;
    }
    return value;
}

/**
 * How yaml.v2 resolves a plain scalar's text (`resolve("", text)`). With an explicit tag other
 * than !!timestamp, resolve.go tries no timestamp ("Only try values as a timestamp if the value
 * is unquoted or there's an explicit !!timestamp tag"): `timestamps` false.
 */
export function resolveV2(text: string, timestamps = true): V2Value {
    const first = text === "" ? "" : text[0]!;
    if (text in BOOLS) {
        return { tag: "bool", value: BOOLS[text]! };
    }
    if (NULLS.has(text)) {
        return { tag: "null", value: null };
    }
    if (text in SPECIAL_FLOATS) {
        return { tag: "float", value: SPECIAL_FLOATS[text]! };
    }
    if (first === ".") {
        return /^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(text) ? { tag: "float", value: Number(text) } : { tag: "str", value: text };
    }
    if (/^[-+0-9]$/.test(first)) {
        if (timestamps && isTimestamp(text)) {
            return { tag: "timestamp", value: text };
        }
        const plain = text.replace(/_/g, "");
        const int = goParseInt(plain, true) ?? goParseInt(plain, false);
        if (int !== undefined) {
            return { tag: "int", value: Number(int) };
        }
        if (YAML_STYLE_FLOAT.test(plain)) {
            return { tag: "float", value: Number(plain) };
        }
        const binary = /^(-?)0b([01]+)$/.exec(plain);
        if (binary !== null) {
            return { tag: "int", value: Number(BigInt(`0b${binary[2]}`)) * (binary[1] === "-" ? -1 : 1) };
        }
    }
    return { tag: "str", value: text };
}

/** The prefix of the YAML tags `!!<name>` stands for (yaml.v2 yamlh.go: yaml_INT_TAG = "tag:yaml.org,2002:int", ...). */
export const YAML_TAG_PREFIX = "tag:yaml.org,2002:";

/** What yaml.v2 makes of a tagged scalar: a value, or the error that stops `pulumi up` reading the file. */
export type V2Reading = V2Value | { readonly tag: "error"; readonly value: string };

/** Tags resolve.go resolves (resolvableTag), by their short name; any other tag leaves the text as it is. */
const RESOLVABLE = new Set(["str", "bool", "int", "float", "null", "timestamp"]);

/** Go's base64.StdEncoding.DecodeString: padded, "\r" and "\n" ignored; undefined when invalid. */
function goBase64(text: string): string | undefined {
    const data = text.replace(/[\r\n]/g, "");
    return /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(data) ? Buffer.from(data, "base64").toString("utf8") : undefined;
}

/**
 * How yaml.v2 reads a scalar with an explicit tag (the full tag, e.g. tag:yaml.org,2002:int, or a
 * local tag such as "!" or "!foo") into the interface{} Pulumi decodes a config object into
 * (go-yaml v2.4.0 decode.go `scalar`, resolve.go `resolve`, commit 7649d45):
 * - !!str: the text, whatever it looks like ("Any data is accepted as a !!str or !!binary");
 * - !!binary: the text decoded as base64 (an error when it is not base64);
 * - !!bool, !!int, !!float, !!null, !!timestamp: the text resolved as if plain (no timestamp
 *   unless !!timestamp; `!!int 0201` is octal: 129, whatever the quoting), then an error unless
 *   it resolved to that tag: "cannot decode !!str `x` as a !!int"; an integer under !!float is
 *   that number as a float; a timestamp stays its text (decode.go keeps n.value for interface{});
 * - any other tag ("!", "!foo", tag:yaml.org,2002:set, ...): not resolvable, the text itself.
 */
export function resolveV2Tagged(tag: string, text: string): V2Reading {
    const name = tag.startsWith(YAML_TAG_PREFIX) ? tag.slice(YAML_TAG_PREFIX.length) : undefined;
    if (name === "binary") {
        const decoded = goBase64(text);
        return decoded !== undefined ? { tag: "str", value: decoded } : { tag: "error", value: "!!binary value contains invalid base64 data" };
    }
    if (name === undefined || !RESOLVABLE.has(name) || name === "str") {
        return { tag: "str", value: text };
    }
    const resolved = resolveV2(text, name === "timestamp");
    // resolve's deferred check turns an int (int or int64, not uint64) into a float under !!float.
    const signed = resolved.tag === "int" && goParseInt(text.replace(/_/g, ""), true) !== undefined;
    if (resolved.tag === name || (name === "float" && signed)) {
        return name === "float" ? { tag: "float", value: resolved.value as number } : resolved;
    }
    return { tag: "error", value: `cannot decode !!${resolved.tag} \`${text}\` as a !!${name}` };
}

function sameValue(a: unknown, b: unknown): boolean {
    return a === b || (typeof a === "number" && typeof b === "number" && Number.isNaN(a) && Number.isNaN(b));
}

function describeValue(value: V2Value | { tag: string; value: unknown }): string {
    switch (value.tag) {
        case "str":
            return `the text ${JSON.stringify(value.value)}`;
        case "bool":
            return `the boolean ${String(value.value)}`;
        case "null":
            return "null (no value)";
        case "timestamp":
            return "a timestamp";
        default:
            return `the number ${String(value.value)}`;
    }
}

/** A scalar in messages: `subject` names it in the first sentence, `shown` after "got"; `text` is its content. */
interface Shown {
    readonly subject: string;
    readonly shown: string;
    readonly text: string;
}

/** The problem when yaml.v2's reading `v2` of a scalar differs from this tool's `value`, or undefined. */
function compared(v2: V2Reading, value: unknown, scalar: Shown, fix: (numeric: boolean) => string): string | undefined {
    const numeric = typeof value === "number" || v2.tag === "int" || v2.tag === "float";
    if (v2.tag === "error") {
        return `pulumi up cannot read ${scalar.subject}: its YAML 1.1 reader fails with "${v2.value}": ${fix(numeric)}`;
    }
    const ours = { tag: typeof value === "string" ? "str" : typeof value === "boolean" ? "bool" : value === null ? "null" : "number", value };
    if (v2.tag === "timestamp" || !sameValue(v2.value, value)) {
        return `pulumi up reads ${scalar.subject} as ${describeValue(v2)} (YAML 1.1), this tool as ${describeValue(ours as V2Value)} (YAML 1.2): ${fix(numeric)}`;
    }
    if (typeof value === "number" && /^[-+]?0[0-9_]/.test(scalar.text)) {
        return `numbers with leading zeros read differently in YAML 1.1 (octal) and YAML 1.2 (decimal), got ${scalar.shown}: ${fix(numeric)}`;
    }
    return undefined;
}

const quoteHint = (text: string) => (numeric: boolean) => `quote it (${JSON.stringify(text)}) if you mean the text, or write it as ${numeric ? "a plain decimal number" : "true or false"}`;

/**
 * Why `pulumi up` and this tool would read a plain scalar differently, or undefined when they
 * agree. `value` is what this tool's YAML 1.2 reader made of `text`. Numbers written with leading
 * zeros are refused even where the two agree today: YAML 1.1 reads them as octal.
 */
export function readerDisagreement(text: string, value: unknown): string | undefined {
    return compared(resolveV2(text), value, { subject: `the unquoted ${text}`, shown: text, text }, quoteHint(text));
}

/**
 * The same for a scalar with an explicit tag: `written` as in the file (e.g. !!int), `tag` the
 * full tag it stands for, `text` the scalar's content (quoted or not: a tag overrides the quotes
 * in both readers), `value` what this tool's YAML 1.2 reader made of it. Tagged values both
 * readers agree on pass (`!!str 0201`, `!!int 42`, `!!float 1.5`, `!!bool true`).
 */
export function taggedDisagreement(written: string, tag: string, text: string, value: unknown): string | undefined {
    const hint = quoteHint(text);
    const shown = `${written} ${text}`;
    return compared(resolveV2Tagged(tag, text), value, { subject: shown, shown, text }, (numeric) => `remove the tag ${written} and ${hint(numeric)}`);
}

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
 * binary; a scalar starting with "." as a float.
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

/** How yaml.v2 resolves a plain scalar's text (`resolve("", text)`). */
export function resolveV2(text: string): V2Value {
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
        if (isTimestamp(text)) {
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

/**
 * Why `pulumi up` and this tool would read a plain scalar differently, or undefined when they
 * agree. `value` is what this tool's YAML 1.2 reader made of `text`. Numbers written with leading
 * zeros are refused even where the two agree today: YAML 1.1 reads them as octal.
 */
export function readerDisagreement(text: string, value: unknown): string | undefined {
    const v2 = resolveV2(text);
    const ours = { tag: typeof value === "string" ? "str" : typeof value === "boolean" ? "bool" : value === null ? "null" : "number", value };
    const quoteHint = () => `quote it (${JSON.stringify(text)}) if you mean the text, or write it as ${typeof value === "number" || v2.tag === "int" || v2.tag === "float" ? "a plain decimal number" : "true or false"}`;
    if (v2.tag === "timestamp" || !sameValue(v2.value, value)) {
        return `pulumi up reads the unquoted ${text} as ${describeValue(v2)} (YAML 1.1), this tool as ${describeValue(ours as V2Value)} (YAML 1.2): ${quoteHint()}`;
    }
    if (typeof value === "number" && /^[-+]?0[0-9_]/.test(text)) {
        return `numbers with leading zeros read differently in YAML 1.1 (octal) and YAML 1.2 (decimal), got ${text}: ${quoteHint()}`;
    }
    return undefined;
}

/**
 * The TypeScript of each registered target's part of the contract, generated from its contract
 * schemas (ContractCapability.section and .grant): src/contract/targets.generated.ts, written by
 * `npm run schema` (scripts/write-schemas.ts). The package's entry point (contract/) reads the
 * generated file and never the registry, so app stacks load no target code; a test fails while
 * the committed file is stale.
 */
import { z } from "zod";
import { targets } from "../../components";
import type { AnyTarget } from "../../components/target";

type Json = { readonly [key: string]: unknown };

/** vault → Vault, "my-target" → MyTarget: the prefix of a target's type names. */
function typePrefix(key: string): string {
    return key
        .split(/[^A-Za-z0-9]/)
        .filter((part) => part !== "")
        .map((part) => part[0]!.toUpperCase() + part.slice(1))
        .join("");
}

function comment(text: unknown, indent: string): string {
    return typeof text === "string" ? `${indent}/** ${text.replace(/\*\//g, "*\\/")} */\n` : "";
}

/** The TypeScript type of a JSON Schema of the shapes contract schemas use (objects, strings, numbers, booleans, arrays, enums, records). */
function typeOf(schema: Json, indent: string): string {
    if (Array.isArray(schema.enum)) {
        return schema.enum.map((value) => JSON.stringify(value)).join(" | ");
    }
    if (schema.const !== undefined) {
        return JSON.stringify(schema.const);
    }
    if (Array.isArray(schema.anyOf)) {
        return (schema.anyOf as Json[]).map((s) => typeOf(s, indent)).join(" | ");
    }
    switch (schema.type) {
        case "string":
            return "string";
        case "number":
        case "integer":
            return "number";
        case "boolean":
            return "boolean";
        case "array":
            return arrayOf(typeOf(schema.items as Json, indent));
        case "object":
            return objectType(schema, indent);
        default:
            throw new Error(`contract-types: no TypeScript for JSON Schema ${JSON.stringify(schema)}`);
    }
}

function arrayOf(item: string): string {
    return /^[A-Za-z]+$/.test(item) ? `readonly ${item}[]` : `readonly (${item})[]`;
}

/** A property name as TypeScript writes it: bare when it is an identifier. */
function property(name: string): string {
    return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : JSON.stringify(name);
}

function objectType(schema: Json, indent: string): string {
    const properties = (schema.properties ?? {}) as Readonly<Record<string, Json>>;
    const required = new Set((schema.required ?? []) as string[]);
    const inner = `${indent}    `;
    const fields = Object.entries(properties).map(([name, field]) => `${comment(field.description, inner)}${inner}readonly ${property(name)}${required.has(name) ? "" : "?"}: ${typeOf(field, inner)};\n`);
    const rest = typeof schema.additionalProperties === "object" ? [`${inner}readonly [key: string]: ${typeOf(schema.additionalProperties as Json, inner)};\n`] : [];
    return `{\n${[...fields, ...rest].join("")}${indent}}`;
}

function declaration(name: string, schema: z.ZodType): string {
    const json = z.toJSONSchema(schema, { io: "output" }) as Json;
    return `${comment(json.description, "")}export interface ${name} ${objectType(json, "")}\n`;
}

/** The source of src/contract/targets.generated.ts for `list` (default: the registry). */
export function contractTypesSource(list: readonly AnyTarget[] = targets()): string {
    const withContract = list.filter((t) => t.contract !== undefined);
    const parts = withContract.map((t) => {
        const prefix = typePrefix(t.key);
        return declaration(`${prefix}Contract`, t.contract!.section) + "\n" + declaration(`${prefix}GrantContract`, t.contract!.grant);
    });
    const entries = withContract.map((t) => `    readonly ${property(t.key)}: { readonly section: ${typePrefix(t.key)}Contract; readonly grant: ${typePrefix(t.key)}GrantContract };\n`);
    const keys = withContract.map((t) => `    ${property(t.key)}: [${Object.keys((z.toJSONSchema(t.contract!.grant, { io: "output" }) as Json).properties as Json).map((k) => JSON.stringify(k)).join(", ")}],\n`);
    const legacy = withContract.filter((t) => t.contract!.legacy !== undefined);
    const legacyTypes = legacy.map((t) => {
        const prefix = typePrefix(t.key);
        const picked = (fields: readonly string[]) => fields.map((f) => JSON.stringify(f)).join(" | ");
        return (
            `/** @deprecated since 0.2.0: read the contract's ${t.key} part (${prefix}Contract). */\n` +
            `export type ${prefix}Outputs = Pick<${prefix}Contract, ${picked(t.contract!.legacy!.section)}>;\n` +
            `/** @deprecated since 0.2.0: read the contract's grant part (${prefix}GrantContract). */\n` +
            `export type ${prefix}GrantOutputs = Pick<${prefix}GrantContract, ${picked(t.contract!.legacy!.grant)}>;\n`
        );
    });
    const legacyEntries = legacy.map((t) => `    readonly ${property(t.key)}: { readonly section: ${typePrefix(t.key)}Outputs; readonly grant: ${typePrefix(t.key)}GrantOutputs };\n`);
    return [
        "// Generated by `npm run schema` (scripts/write-schemas.ts, src/features/contract-types.ts) from each\n",
        "// registered target's contract schemas (components/<target>/contract.ts). Do not edit: a test fails while it is stale.\n\n",
        parts.join("\n"),
        "\n/** Every registered target's parts of the contract, by target key. */\n",
        `export interface TargetContracts {\n${entries.join("")}}\n`,
        "\n/** Every key of a grant's target part, for code that builds one Output per field (FederationReference). */\n",
        `export const GRANT_CONTRACT_KEYS = {\n${keys.join("")}} as const satisfies { readonly [T in keyof TargetContracts]: readonly (keyof TargetContracts[T]["grant"])[] };\n`,
        "\n",
        legacyTypes.join("\n"),
        "\n/** The deprecated 0.1.0 stack outputs, per target that still publishes them. */\n",
        `export interface LegacyOutputs {\n${legacyEntries.join("")}}\n`,
    ].join("");
}

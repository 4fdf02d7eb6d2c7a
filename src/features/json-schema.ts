/**
 * JSON Schemas generated from the zod schemas: the project map (schema/project-map.schema.json,
 * `gitlab-federation schema`), a whole Pulumi stack file holding the map
 * (schema/stack.schema.json, for the `# yaml-language-server: $schema=` line of a stack file),
 * the plan (docs/plan.schema.json, the `plan --json` format) and the stack output contract
 * (schema/contract.schema.json).
 */
import { z } from "zod";
import { NAMESPACE } from "../core/findings";
import { sectionKeys } from "../core/parse";
import { ShardKeySchema } from "../core/schema";
import { mapDefinition, mapSchema } from "./map-schema";
import { ContractSchema } from "./contract";
import { PlanSchema } from "./plan-schema";

export function mapJsonSchema(): Record<string, unknown> {
    return z.toJSONSchema(mapSchema(), { io: "input", target: "draft-2020-12" }) as Record<string, unknown>;
}

export function planJsonSchema(): Record<string, unknown> {
    return z.toJSONSchema(PlanSchema, { target: "draft-2020-12" }) as Record<string, unknown>;
}

/** The stack output `contract` (schema/contract.schema.json). */
export function contractJsonSchema(): Record<string, unknown> {
    return z.toJSONSchema(ContractSchema(), { target: "draft-2020-12" }) as Record<string, unknown>;
}

/**
 * A Pulumi.<stack>.yaml with the map under `config:` as `gitlab-federation:<section>` keys. Other
 * config keys (vault:address, aws:region, ...) and other top-level keys are allowed; a
 * `gitlab-federation:` key that is not a section is refused, so a typo is reported.
 */
export function stackFileJsonSchema(): Record<string, unknown> {
    const map = mapJsonSchema() as { properties: Record<string, unknown>; required?: string[]; $defs?: Record<string, unknown> };
    const sections = sectionKeys(mapDefinition());
    const properties = Object.fromEntries(Object.entries(map.properties).map(([key, schema]) => [`${NAMESPACE}:${key}`, schema]));
    return {
        $schema: "https://json-schema.org/draft/2020-12/schema",
        title: "Pulumi stack file with a gitlab-federation project map",
        description: "Pulumi.<stack>.yaml of gitlab-federation: the project map lives under config: as gitlab-federation:gitlab, gitlab-federation:vault, ..., gitlab-federation:projects.",
        type: "object",
        properties: {
            config: {
                type: "object",
                description: "Stack configuration. The gitlab-federation: keys are the project map; keys of other namespaces configure providers.",
                properties: { ...properties, [`${NAMESPACE}:shard`]: z.toJSONSchema(ShardKeySchema, { target: "draft-2020-12" }) },
                // The map, or a shard stack's pointer to the stack that holds it.
                anyOf: [{ required: (map.required ?? []).map((key) => `${NAMESPACE}:${key}`) }, { required: [`${NAMESPACE}:shard`] }],
                patternProperties: { [`^${NAMESPACE}:(?!(${sections.join("|")})$)`]: false },
            },
        },
        ...(map.$defs !== undefined ? { $defs: map.$defs } : {}),
    };
}

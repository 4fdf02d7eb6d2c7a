/**
 * Writes the generated JSON Schemas: schema/project-map.schema.json (the map),
 * schema/stack.schema.json (a whole Pulumi.<stack>.yaml holding the map),
 * docs/plan.schema.json (the plan) and schema/contract.schema.json (the stack output contract).
 * Run `npm run schema` after changing a schema; a test fails while a committed file is stale.
 */
import { writeFileSync } from "node:fs";
import { contractJsonSchema, mapJsonSchema, planJsonSchema, stackFileJsonSchema } from "../src/features/json-schema";

for (const [file, schema] of [
    ["schema/project-map.schema.json", mapJsonSchema()],
    ["schema/stack.schema.json", stackFileJsonSchema()],
    ["docs/plan.schema.json", planJsonSchema()],
    ["schema/contract.schema.json", contractJsonSchema()],
] as const) {
    writeFileSync(file, `${JSON.stringify(schema, null, 2)}\n`);
    process.stdout.write(`wrote ${file}\n`);
}

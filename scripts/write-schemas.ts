/**
 * Writes the generated JSON Schemas: schema/project-map.schema.json (the map, plan/schema.ts)
 * and docs/plan.schema.json (the plan, plan/plan-schema.ts). Run `npm run schema` after
 * changing either; a test fails while a committed file is stale.
 */
import { writeFileSync } from "node:fs";
import { mapJsonSchema, planJsonSchema } from "../plan/json-schema";

for (const [file, schema] of [
    ["schema/project-map.schema.json", mapJsonSchema()],
    ["docs/plan.schema.json", planJsonSchema()],
] as const) {
    writeFileSync(file, `${JSON.stringify(schema, null, 2)}\n`);
    process.stdout.write(`wrote ${file}\n`);
}

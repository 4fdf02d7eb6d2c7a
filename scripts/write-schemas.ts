/**
 * Writes the generated JSON Schemas: schema/project-map.schema.json (the map),
 * schema/stack.schema.json (a whole Pulumi.<stack>.yaml holding the map),
 * docs/plan.schema.json (the plan), schema/contract.schema.json (the stack output contract) and
 * src/contract/targets.generated.ts (the contract's TypeScript per registered target).
 * Run `npm run schema` after changing a schema; a test fails while a committed file is stale.
 */
import { writeFileSync } from "node:fs";
import { contractTypesSource } from "../src/features/contract-types";
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

writeFileSync("src/contract/targets.generated.ts", contractTypesSource());
process.stdout.write("wrote src/contract/targets.generated.ts\n");

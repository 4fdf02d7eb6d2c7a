/**
 * JSON Schemas generated from zod: the project map (schema/project-map.schema.json, for editors
 * and `gitlab-federation schema`) and the plan (docs/plan.schema.json, the `plan --json` format).
 */
import { z } from "zod";
import { PlanSchema } from "./plan-schema";
import { MapSchema } from "./schema";

export function mapJsonSchema(): Record<string, unknown> {
    return z.toJSONSchema(MapSchema, { io: "input", target: "draft-2020-12" }) as Record<string, unknown>;
}

export function planJsonSchema(): Record<string, unknown> {
    return z.toJSONSchema(PlanSchema, { target: "draft-2020-12" }) as Record<string, unknown>;
}

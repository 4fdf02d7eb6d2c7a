/** The pure features' entry points. No `@pulumi/*` import is reachable from here. */
export { checkMap, planMap } from "./check";
export { targets } from "../../components";
export type { CheckOptions, CheckResult } from "./check";
export { mapSchema } from "./map-schema";
export type { FederationMap } from "./map-schema";
export { PlanSchema } from "./plan-schema";
export type { GrantSummary, Plan } from "./plan-schema";
export { planEntries, informationalKeys } from "./resources";
export { renderPlan, table } from "./render";
export { MapValidationError } from "../core/findings";
export type { Problem, Warning } from "../core/findings";

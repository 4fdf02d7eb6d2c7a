/** The pure features' entry points. No `@pulumi/*` import is reachable from here. */
export { ALL_TARGETS, checkMap, planMap } from "./check";
export type { CheckOptions, CheckResult } from "./check";
export { MapSchema } from "./map-schema";
export type { FederationMap } from "./map-schema";
export { PlanSchema } from "./plan-schema";
export type { GrantSummary, Plan } from "./plan-schema";
export { planEntries, informationalKeys } from "./resources";
export { renderPlan, table } from "./render";
export { MapValidationError } from "../core/findings";
export type { Problem, Warning } from "../core/findings";

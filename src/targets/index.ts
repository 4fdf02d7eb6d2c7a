/**
 * The target registry. Adding a target is one folder under targets/ (schema, names, plan,
 * plan-schema, evaluate, render, component, index) and one entry here; every feature and the
 * Pulumi root component loop over this list, in this order.
 */
import { aws } from "./aws";
import { gcp } from "./gcp";
import { vault } from "./vault";

export const TARGETS = [vault, aws, gcp] as const;

export type Targets = typeof TARGETS;
export type RegisteredTarget = Targets[number];
export type TargetKey = RegisteredTarget["key"];
